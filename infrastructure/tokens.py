"""Access tokens (JWT, HS256 only) and rotating refresh tokens.

A refresh token is ``<user>.<session>.<generation>.<mac>`` where the MAC is an
HMAC-SHA256 of the rest under the server secret. The log records only the
session and its current generation, never a token: a token of an older
generation that still carries a valid MAC is a spent token coming back, and
revokes its whole session (the token family).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from application.identity.errors import InvalidToken
from application.identity.ports import RefreshClaims

__all__ = ["AccessClaims", "InvalidToken", "RefreshClaims", "TokenService"]

ALGORITHM = "HS256"
# Access tokens remembered as verified (about 850 bytes each with the token's
# text). Tokens live 15 minutes, so this many covers that many logins a
# quarter of an hour; beyond, the oldest are verified again when they return.
VERIFIED_CACHE_SIZE = 2_000


@dataclass(frozen=True)
class AccessClaims:
    user_id: UUID
    session_id: str
    token_id: str
    expires_at: datetime


def _access_claims(claims: dict[str, Any]) -> AccessClaims:
    """The claims of a verified token, each of the type this service writes.

    A valid signature says who wrote a token, not that every claim has the
    right type: PyJWT accepts ``exp`` as a numeric string, for one.
    """
    sub, sid, jti, exp = claims["sub"], claims["sid"], claims["jti"], claims["exp"]
    if not (isinstance(sub, str) and isinstance(sid, str) and isinstance(jti, str)):
        raise InvalidToken("sub, sid and jti must be strings")
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        raise InvalidToken("exp must be a number")
    return AccessClaims(
        user_id=UUID(sub),
        session_id=sid,
        token_id=jti,
        expires_at=datetime.fromtimestamp(exp, UTC),
    )


class TokenService:
    """Signs and verifies tokens (the application's ``Tokens`` port); the
    login handlers decide which session and generation each one is for."""

    def __init__(self, secret: bytes, *, audience: str, issuer: str, access_ttl: timedelta) -> None:
        if len(secret) < 32:
            raise ValueError("the token secret must be at least 32 bytes")
        self._secret = secret
        self._refresh_key = hashlib.sha256(b"estatelog-refresh|" + secret).digest()
        self.audience = audience
        self.issuer = issuer
        self.access_ttl = access_ttl
        # Access tokens already verified, by their exact text. Verifying one
        # (base64, HMAC, claims) is a noticeable part of a request's CPU, and
        # a client sends the same token for up to ``access_ttl``. Only the
        # signature and the fixed claims are remembered: expiry is checked
        # again on every use, and revocation is the caller's business
        # (the user aggregate), as before.
        # Oldest first (a dict keeps insertion order, and every token gets the
        # same lifetime, so this is also the order of expiry): expired tokens
        # leave as new ones come, not only when they are sent again.
        self._verified: dict[str, AccessClaims] = {}
        self._verified_lock = threading.Lock()

    def issue_access(self, user_id: UUID, session_id: str, now: datetime) -> str:
        claims = {
            "sub": str(user_id),
            "sid": session_id,
            "jti": secrets.token_hex(16),
            "aud": self.audience,
            "iss": self.issuer,
            "iat": now,
            "nbf": now - timedelta(seconds=5),
            "exp": now + self.access_ttl,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def decode_access(self, token: str) -> AccessClaims:
        known = self._verified.get(token)
        if known is not None:
            if known.expires_at <= datetime.now(UTC):
                with self._verified_lock:
                    self._verified.pop(token, None)
                raise InvalidToken("Signature has expired")
            return known
        claims = self._decode_access(token)
        self._remember(token, claims)
        return claims

    def _remember(self, token: str, claims: AccessClaims) -> None:
        now = datetime.now(UTC)
        with self._verified_lock:
            verified = self._verified
            while verified:
                oldest = next(iter(verified))
                if len(verified) < VERIFIED_CACHE_SIZE and verified[oldest].expires_at > now:
                    break
                del verified[oldest]
            verified[token] = claims

    @property
    def remembered(self) -> int:
        """How many verified access tokens are remembered (bounded)."""
        return len(self._verified)

    def _decode_access(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "aud", "jti", "sub", "sid", "iss"]},
            )
            return _access_claims(claims)
        except (jwt.PyJWTError, ValueError, KeyError, TypeError, OverflowError, OSError) as e:
            raise InvalidToken(str(e)) from None

    def subject_of(self, token: str) -> str | None:
        """The verified subject of an access token, or None."""
        try:
            return str(self.decode_access(token).user_id)
        except InvalidToken:
            return None

    def issue_refresh(self, user_id: UUID, session_id: str, generation: int) -> str:
        body = f"{user_id.hex}.{session_id}.{generation}"
        return f"{body}.{self._mac(body)}"

    def parse_refresh(self, token: str) -> RefreshClaims:
        try:
            user_hex, session_id, generation, mac = token.split(".")
            body = f"{user_hex}.{session_id}.{generation}"
            if not hmac.compare_digest(mac, self._mac(body)):
                raise InvalidToken("refresh token signature mismatch")
            return RefreshClaims(UUID(hex=user_hex), session_id, int(generation))
        except ValueError:
            raise InvalidToken("malformed refresh token") from None

    def _mac(self, body: str) -> str:
        digest = hmac.new(self._refresh_key, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
