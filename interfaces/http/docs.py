"""The API's documentation pages (Swagger UI at /docs, ReDoc at /redoc), served offline.

FastAPI's own pages load their scripts and styles from a CDN, so they are blank
on a machine without the internet and trust a third party with the page that
holds an administrator's token. Here the assets come from the pinned
``fastapi-offline`` package (Swagger UI, Apache-2.0; ReDoc, MIT; their licence
notes head each file) and are served under :data:`ASSETS_URL`.

Each page gets a Content-Security-Policy that lets it work and nothing more:
scripts only from this origin plus the page's own inline script, pinned by its
hash (computed from the page as served, so a changed FastAPI cannot slip in
another); no framing, no form posts elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
ASSETS_URL = "/docs/assets"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def page_policy(html: str) -> str:
    """The CSP of a docs page: same-origin assets and exactly its own inline scripts."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' {hashes}".rstrip(),
            # Swagger UI and ReDoc set inline styles from their scripts.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            # ReDoc's search index runs in a worker it builds from a blob.
            "worker-src 'self' blob:",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        )
    )


def _page(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = page_policy(bytes(response.body).decode())
    return response


def install(app: FastAPI) -> None:
    """Serve /docs, /docs/oauth2-redirect, /redoc and their assets on ``app``.

    ``app`` must be built with ``docs_url=None, redoc_url=None`` so that these
    replace FastAPI's CDN-backed pages. The pages are plain routes outside the
    OpenAPI document, like FastAPI's own; they hold no data (the document is
    public, every operation in it still needs its token).
    """
    openapi_url = app.openapi_url or "/openapi.json"
    title = app.title

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return _page(
            get_swagger_ui_html(
                openapi_url=root + openapi_url,
                title=f"{title} - Swagger UI",
                swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
                oauth2_redirect_url=root + OAUTH2_REDIRECT_URL,
                swagger_ui_parameters={"persistAuthorization": False},
            )
        )

    async def oauth2_redirect(request: Request) -> HTMLResponse:
        return _page(get_swagger_ui_oauth2_redirect_html())

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return _page(
            get_redoc_html(
                openapi_url=root + openapi_url,
                title=f"{title} - ReDoc",
                redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
                with_google_fonts=False,
            )
        )

    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_URL, oauth2_redirect, include_in_schema=False)
    app.add_route(REDOC_URL, redoc, include_in_schema=False)
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
