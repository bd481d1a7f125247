"""No control character in a URL: refused before any route reads it.

A ``%00`` in a filter reached PostgreSQL, which cannot hold NUL in text, and
answered 500 on every list route that passes a query parameter to SQL. The
rule is checked here once, on the decoded path and every decoded query name
and value, so a route added tomorrow is covered without doing anything.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from domain.text import control_characters, describe
from interfaces.http.problems import PROBLEM_JSON, problem_bytes


def url_problem(scope: Scope) -> str | None:
    """Why the request's URL is refused, or None."""
    if (char := control_characters(scope.get("path", ""))) is not None:
        return f"the path holds the control character {describe(char)}"
    # Decoded as Starlette decodes it for the routes (``Request.query_params``).
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if (char := control_characters(name + value)) is not None:
            return f"the query parameter {name!r} holds the control character {describe(char)}"
    return None


class UrlRulesMiddleware:
    """Answers 400 problem+json to a URL holding a control character."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (detail := url_problem(scope)) is not None:
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [(b"content-type", PROBLEM_JSON.encode())],
                }
            )
            await send({"type": "http.response.body", "body": problem_bytes(400, detail)})
            return
        await self.app(scope, receive, send)
