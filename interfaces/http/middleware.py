"""ASGI middleware: security headers, request metadata, body size limit, idempotent retries."""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.context import CommandContext, acting
from infrastructure.idempotency import IdempotencyStore
from infrastructure.tokens import TokenService
from interfaces.http.problems import PROBLEM_JSON, problem_bytes

log = logging.getLogger(__name__)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _uuid_header(scope: Scope, name: bytes) -> uuid.UUID | None:
    value = _header(scope, name)
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


async def _send_problem(
    send: Send, status: int, detail: str, extra: list[Any] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", PROBLEM_JSON.encode()), *(extra or [])],
        }
    )
    await send({"type": "http.response.body", "body": problem_bytes(status, detail)})


# Nothing the API answers is a page to render, frame or fetch assets for. The
# docs pages set their own, wider policy (interfaces/http/docs.py).
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
# Static documentation assets may be cached; anything else may carry tokens or
# personal data, so no browser or proxy keeps a copy.
CACHEABLE_PREFIX = "/docs/assets/"


class SecurityHeadersMiddleware:
    """Adds the browser-hardening headers to every response, errors included.

    ``Content-Security-Policy`` and ``Cache-Control`` are defaults: a response
    that sets its own (a docs page, a static asset) keeps it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith(CACHEABLE_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {key.lower() for key, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in present]
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", API_POLICY.encode()))
                if b"cache-control" not in present and not cacheable:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestContextMiddleware:
    """Fills the command context (request id, IP, user agent, correlation) once per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = (_header(scope, b"x-request-id") or uuid.uuid4().hex)[:64]
        client = scope.get("client")
        context = CommandContext(
            correlation_id=_uuid_header(scope, b"x-correlation-id") or uuid.uuid4(),
            causation_id=_uuid_header(scope, b"x-causation-id"),
            client_ip=client[0] if client else None,
            user_agent=(_header(scope, b"user-agent") or "")[:512] or None,
            request_id=request_id,
        )

        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        with acting(context):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                # Answer here rather than in Starlette's outermost handler, so the
                # operator can find this request's log line by the id the client saw.
                log.exception("unhandled error in request %s", request_id)
                if started:
                    raise
                await _send_problem(
                    send,
                    500,
                    "an unexpected error occurred; quote the request id when reporting it",
                    [(b"x-request-id", request_id.encode())],
                )


class BodyTooLarge(HTTPException):
    """Raised by ``receive`` once a streamed body passes the limit.

    An HTTP exception so that FastAPI passes it on as a 413: it turns any other
    error raised while it reads a body into a 400 "error parsing the body".
    """

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the body is over {max_bytes} bytes")


class BodyLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_problem(send, 413, f"the body is over {self.max_bytes} bytes")
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _send_problem(send, 413, f"the body is over {self.max_bytes} bytes")


class IdempotencyMiddleware:
    """A POST with ``Idempotency-Key`` runs once; retries get the first outcome.

    The key is scoped to the caller (the verified token subject) and the path,
    and bound to the body: the same key with another body is a 422. Login and
    token refresh are left out so that no token is ever stored.
    """

    EXCLUDED_PREFIX = "/api/v1/auth/"

    def __init__(self, app: ASGIApp, store: IdempotencyStore, tokens: TokenService) -> None:
        self.app = app
        self.store = store
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        if not key or scope["method"] != "POST" or scope["path"].startswith(self.EXCLUDED_PREFIX):
            await self.app(scope, receive, send)
            return
        if len(key) > 255:
            await _send_problem(send, 400, "Idempotency-Key: at most 255 characters")
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        auth = _header(scope, b"authorization") or ""
        caller = self.tokens.subject_of(auth[7:]) if auth.lower().startswith("bearer ") else None
        key_hash = hashlib.sha256(f"{caller or '-'}\n{scope['path']}\n{key}".encode()).digest()
        request_hash = hashlib.sha256(body).digest()
        stored = await anyio.to_thread.run_sync(self.store.begin, key_hash, request_hash)
        if stored.state == "mismatch":
            await _send_problem(send, 422, "this Idempotency-Key was used with a different body")
            return
        if stored.state == "pending":
            await _send_problem(
                send,
                409,
                "a request with this Idempotency-Key is still being processed",
                [(b"retry-after", b"1")],
            )
            return
        if stored.state == "done":
            await send(
                {
                    "type": "http.response.start",
                    "status": stored.status,
                    "headers": [
                        (b"content-type", (stored.content_type or "application/json").encode()),
                        (b"idempotent-replayed", b"true"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": stored.body or b""})
            return

        delivered = False

        async def replay_receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 500
        content_type: str | None = None
        chunks: list[bytes] = []

        async def capture_send(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                for k, v in message.get("headers", ()):
                    if k.lower() == b"content-type":
                        content_type = v.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        except BaseException:
            await anyio.to_thread.run_sync(self.store.forget, key_hash)
            raise
        if status >= 500 or status in (401, 429):
            # Not an outcome of the command: let the client retry with the same key.
            await anyio.to_thread.run_sync(self.store.forget, key_hash)
        else:
            await anyio.to_thread.run_sync(
                self.store.finish, key_hash, status, content_type, b"".join(chunks)
            )
