"""ASGI middleware: security headers, request metadata, body size limit, idempotent retries."""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.actor import Actor
from application.context import CommandContext, acting
from domain.text import forbidden_character
from infrastructure.idempotency import Claim, IdempotencyStore, Stored, claiming
from interfaces.http.problems import (
    PROBLEM_JSON,
    RETRY_AFTER,
    UNAVAILABLE_DETAIL,
    problem_bytes,
    record_incident,
    unavailable,
)

log = logging.getLogger(__name__)
# A request id the caller sends is kept only if it is a plain token.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _text_header(scope: Scope, name: bytes) -> str | None:
    """A header kept in the log (the user agent) without the characters
    no stored text may hold: latin-1 decoding turns bytes 0x80-0x9F into C1
    controls, and a header is no request body the text types check."""
    value = _header(scope, name)
    if value is None:
        return None
    return "".join(char for char in value if forbidden_character(char) is None) or None


def _request_id(scope: Scope) -> str:
    """The caller's request id if it is a plain token, else one of our own: it
    is stored with every event and sent back in a header."""
    given = _header(scope, b"x-request-id")
    if given is not None and REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


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
        request_id = _request_id(scope)
        client = scope.get("client")
        context = CommandContext(
            correlation_id=_uuid_header(scope, b"x-correlation-id") or uuid.uuid4(),
            causation_id=_uuid_header(scope, b"x-causation-id"),
            client_ip=client[0] if client else None,
            user_agent=(_text_header(scope, b"user-agent") or "")[:512] or None,
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
            except Exception as exc:
                if unavailable(exc) and not started:
                    record_incident(scope, exc)  # level 1 (R6.2, problems.py)
                    # Raised outside the routes (by the Idempotency-Key store):
                    # the same answer as a route's, from the same rule.
                    log.warning("database unavailable in request %s: %s", request_id, exc)
                    await _send_problem(
                        send,
                        503,
                        UNAVAILABLE_DETAIL,
                        [
                            (b"retry-after", RETRY_AFTER.encode()),
                            (b"x-request-id", request_id.encode()),
                        ],
                    )
                    return
                # Answer here rather than in Starlette's outermost handler, so the
                # operator can find this request's log line by the id the client saw.
                log.exception("unhandled error in request %s", request_id)
                if started:
                    raise  # to Starlette's handler, which records the incident
                record_incident(scope, exc)  # level 4 (R6.2, problems.py)
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


#: The request's state key of the caller authenticated for it, with the
#: Authorization header it was read from: (header, Actor or None).
CALLER_STATE = "estatelog_caller"


class IdempotencyMiddleware:
    """A POST with ``Idempotency-Key`` runs once; retries get the first outcome.

    Only for callers with an active session: the key is the caller's (their
    user ID is part of it, and a stored answer is shown to that user alone,
    logged in now) and the path's, and bound to the body: the same key with
    another body is a 422. Login and token refresh are left out so that no
    token is ever stored. The command's append claims the key in its own
    transaction (decision 0016); answers are buffered, stored, then sent.
    """

    EXCLUDED_PREFIX = "/api/v1/auth/"
    #: How long a retry waits for the answer of a command committed moments ago.
    ANSWER_WAIT = 2.0

    def __init__(
        self, app: ASGIApp, store: IdempotencyStore, caller_of: Callable[[str], Actor | None]
    ) -> None:
        self.app = app
        self.store = store
        self.caller_of = caller_of

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
        delivered = False

        async def replay_receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        authorization = _header(scope, b"authorization") or ""
        actor = await anyio.to_thread.run_sync(self.caller_of, authorization)
        if actor is None:  # the route answers 401 (or is public): nothing to keep
            await self.app(scope, replay_receive, send)
            return
        # The route authenticates the same header: it takes this answer
        # rather than reading the user from the log a second time.
        scope.setdefault("state", {})[CALLER_STATE] = (authorization, actor)
        caller = actor.user_id
        claim = Claim(
            key_hash=hashlib.sha256(f"{caller}\n{scope['path']}\n{key}".encode()).digest(),
            request_hash=hashlib.sha256(body).digest(),
            user_id=caller,
        )
        stored = await anyio.to_thread.run_sync(self.store.find, claim.key_hash)
        if stored is not None:
            await self._replay(send, claim, stored)
            return

        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture_send(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        with claiming(claim):
            await self.app(scope, replay_receive, capture_send)
        answer = b"".join(chunks)
        content_type = next(
            (v.decode("latin-1") for k, v in headers if k.lower() == b"content-type"), None
        )
        if claim.committed:
            # A 5xx after the commit (a later step met an outage) is not the
            # command's outcome: keep no answer, and a retry gets the committed
            # outcome instead of a 503 for good.
            if status < 500:
                try:
                    await anyio.to_thread.run_sync(
                        self.store.answer, claim.key_hash, status, content_type, answer
                    )
                except Exception:
                    # The key is kept with its command's outcome: a retry gets that.
                    log.exception("the answer of a committed Idempotency-Key was not stored")
        elif status < 500 and status not in (401, 429):  # the command's own outcome
            try:
                kept = await anyio.to_thread.run_sync(
                    self.store.keep, claim, status, content_type, answer
                )
            except Exception:
                # Nothing was appended: a retry runs the command again, harmlessly.
                log.warning("the answer of an Idempotency-Key was not stored", exc_info=True)
                kept = True
            if not kept:  # another request with this key committed first: its answer wins
                stored = await anyio.to_thread.run_sync(self.store.find, claim.key_hash)
                if stored is not None:
                    await self._replay(send, claim, stored)
                    return
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    async def _replay(self, send: Send, claim: Claim, stored: Stored) -> None:
        if stored.user_id != claim.user_id:  # a different user's key: never show its answer
            await _send_problem(send, 422, "this Idempotency-Key belongs to another caller")
            return
        if stored.request_hash != claim.request_hash:
            await _send_problem(send, 422, "this Idempotency-Key was used with a different body")
            return
        waited = 0.0
        while stored.status is None and stored.fresh and waited < self.ANSWER_WAIT:
            await anyio.sleep(0.05)
            waited += 0.05
            found = await anyio.to_thread.run_sync(self.store.find, claim.key_hash)
            stored = found or stored
        if stored.status is None:
            # Committed, but its process died before storing the answer: what
            # is known for sure is that it was carried out, and where.
            status, content_type = 200, "application/json"
            body = b'{"position":%d}' % (stored.last_position or 0)
        else:
            status = stored.status
            content_type = stored.content_type or "application/json"
            body = stored.body or b""
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", content_type.encode()),
                    (b"idempotent-replayed", b"true"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
