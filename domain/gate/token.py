"""The QR token of a visitor pass: what it says, and how it is written.

``EVP1.<claims>.<signature>``, each part base64url without padding. The
claims are compact JSON: the pass (``p``), its estate (``e``) and its window
(``f``, ``u``: seconds since the epoch, UTC). The signature (Ed25519, by the
service's pass key: ``application/gate/ports.py: PassSigner``) covers the
claims' bytes exactly, so a gate device holding the public key checks a token
offline; whether the pass was revoked, or its entries used up, only the
service knows (``POST /api/v1/gate/verify``).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from domain.errors import ValidationFailed

PREFIX = "EVP1"
LONGEST_TOKEN = 400


@dataclass(frozen=True)
class PassClaims:
    pass_id: UUID
    estate_id: UUID
    valid_from: datetime
    valid_until: datetime

    def encoded(self) -> bytes:
        """The claims' bytes, the same for the same pass every time (so is the signature)."""
        return json.dumps(
            {
                "p": str(self.pass_id),
                "e": str(self.estate_id),
                "f": int(self.valid_from.timestamp()),
                "u": int(self.valid_until.timestamp()),
            },
            separators=(",", ":"),
            sort_keys=True,
        ).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def written(claims: PassClaims, signature: bytes) -> str:
    return f"{PREFIX}.{_b64(claims.encoded())}.{_b64(signature)}"


def read(token: str) -> tuple[PassClaims, bytes, bytes]:
    """The claims, their bytes and the signature of a token (422 if it is no token)."""
    parts = token.strip().split(".")
    if len(token) > LONGEST_TOKEN or len(parts) != 3 or parts[0] != PREFIX:
        raise ValidationFailed("token: not a visitor pass token")
    try:
        data, signature = _unb64(parts[1]), _unb64(parts[2])
        claims = _claims(json.loads(data))
        if _b64(data) != parts[1] or _b64(signature) != parts[2]:
            raise ValueError("not the token's one spelling")  # padding, stray characters
    # The claims are read before the signature is checked: whatever a forger
    # writes in them (a pass as a number, a time no datetime holds) is a 422.
    except (binascii.Error, ValueError, KeyError, TypeError, OverflowError, OSError) as error:
        raise ValidationFailed("token: not a visitor pass token") from error
    return claims, data, signature


def _claims(raw: object) -> PassClaims:
    if not isinstance(raw, dict):
        raise TypeError("the claims are not an object")
    if not all(isinstance(raw[k], str) for k in "pe") or not all(type(raw[k]) is int for k in "fu"):
        raise TypeError("a claim of the wrong type")
    return PassClaims(
        pass_id=UUID(raw["p"]),
        estate_id=UUID(raw["e"]),
        valid_from=datetime.fromtimestamp(raw["f"], UTC),
        valid_until=datetime.fromtimestamp(raw["u"], UTC),
    )
