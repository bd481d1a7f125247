"""HTTP hygiene (issue 12 §5): browser-hardening headers on every answer, tokens
and personal data never cached, documentation pages that work offline and
offer an Authorize button for the bearer token."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.e2e.api.test_route_permissions import PUBLIC_PATHS

STRICT = "default-src 'none'"


def assert_hardened(response: Any) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def assert_api_answer(response: Any) -> None:
    assert_hardened(response)
    assert response.headers["content-security-policy"].startswith(STRICT)
    assert response.headers["cache-control"] == "no-store"


def test_an_authenticated_json_answer_is_hardened_and_never_cached(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.get("/api/v1/auth/me", headers=admin)

    assert response.status_code == 200
    assert_api_answer(response)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/users"),  # 401: no token
        ("GET", "/api/v1/no-such-route"),  # 404
        ("GET", "/health"),
        ("GET", "/openapi.json"),
    ],
)
def test_errors_and_public_answers_are_hardened_too(
    client: TestClient, method: str, path: str
) -> None:
    assert_api_answer(client.request(method, path))


def test_answers_made_by_the_middleware_itself_are_hardened(
    client: TestClient, admin: dict[str, str]
) -> None:
    """A 413 is sent before any route runs; the headers still go on."""
    too_big = client.post(
        "/api/v1/users", content=b"{}", headers={**admin, "Content-Length": str(10**9)}
    )

    assert too_big.status_code == 413
    assert_api_answer(too_big)


def test_token_answers_are_never_cached(client: TestClient) -> None:
    logged_in = client.post(
        "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert logged_in.status_code == 200 and "access_token" in logged_in.json()
    assert_api_answer(logged_in)

    refreshed = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": logged_in.json()["refresh_token"]}
    )
    assert refreshed.status_code == 200 and "access_token" in refreshed.json()
    assert_api_answer(refreshed)

    code = client.post(
        "/api/v1/auth/login/code", json={"challenge_id": "no-such-challenge", "code": "123456"}
    )
    assert code.status_code == 401
    assert_api_answer(code)


def _same_origin_assets(html: str) -> list[str]:
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    urls += re.findall(r"""(?:url|spec-url)\s*[:=]\s*["']([^"']+)["']""", html)
    return urls


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        ("/docs", {"swagger-ui-bundle.js": "javascript", "swagger-ui.css": "text/css"}),
        ("/redoc", {"redoc.standalone.js": "javascript"}),
    ],
)
def test_docs_pages_load_every_asset_from_this_server(
    client: TestClient, page: str, assets: dict[str, str]
) -> None:
    response = client.get(page)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert_hardened(response)
    assert "no-store" in response.headers["cache-control"]
    html = response.text
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    referenced = _same_origin_assets(html)
    assert referenced
    for url in referenced:
        assert url.startswith("/") and not url.startswith("//"), url
    for name, kind in assets.items():
        [url] = [u for u in referenced if u.endswith(f"/{name}")]
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
        assert len(asset.content) > 10_000
        assert asset.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("page", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_docs_pages_may_run_only_their_own_scripts(client: TestClient, page: str) -> None:
    response = client.get(page)
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["content-security-policy"].split(";")
    )

    assert policy["default-src"] == "'none'"
    sources = policy["script-src"].split()
    assert "'self'" in sources
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    assert not [s for s in sources if "http" in s or s == "*"]
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    expected = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline
    }
    assert {s for s in sources if s.startswith("'sha256-")} == expected
    assert policy["frame-ancestors"] == "'none'"


def test_a_docs_asset_that_does_not_exist_is_404(client: TestClient) -> None:
    response = client.get("/docs/assets/../../../etc/passwd")

    assert response.status_code == 404
    assert client.get("/docs/assets/nothing.js").status_code == 404


def test_the_openapi_document_offers_bearer_auth_on_protected_routes_only(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The access_token from POST /api/v1/auth/login.",
    }
    assert document["paths"]["/api/v1/auth/me"]["get"]["security"] == [{"bearer": []}]
    assert "security" not in document["paths"]["/api/v1/auth/login"]["post"]
    assert "security" not in document["paths"]["/health"]["get"]
    operations = [
        (path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()
    ]
    assert len(operations) >= 20
    for path, method, op in operations:
        expected: list[dict[str, list[str]]] | None = (
            None if path in PUBLIC_PATHS else [{"bearer": []}]
        )
        assert op.get("security") == expected, (method, path)


def test_the_bearer_scheme_changes_no_answer_to_a_missing_or_bad_token(
    client: TestClient,
) -> None:
    """The scheme only documents: refusals stay problem+json 401 with a challenge."""
    for headers in ({}, {"Authorization": "Basic YWRtaW46YWRtaW4="}, {"Authorization": "Bearer x"}):
        response = client.get("/api/v1/auth/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["www-authenticate"].startswith("Bearer")
