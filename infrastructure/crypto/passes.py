"""The key that signs visitor pass tokens (decision 0059).

An Ed25519 key of its own, derived (HKDF-SHA256) from the service's signing
key (``infrastructure/secrets.py: signing_key``), so it needs no setting of
its own and is never the key that signs auditors' exports. Gate devices
hold its public key (``GET /api/v1/gate/pass-key``) and verify a token
offline; whether the pass is still good they ask the service.
"""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"estatelog visitor pass v1"


class PassKey:
    """Signs and verifies pass tokens (``application/gate/ports.py: PassSigner``)."""

    def __init__(self, service_key: Ed25519PrivateKey) -> None:
        seed = service_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(seed)
        self._key = Ed25519PrivateKey.from_private_bytes(derived)
        self._public: Ed25519PublicKey = self._key.public_key()

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def verifies(self, data: bytes, signature: bytes) -> bool:
        try:
            self._public.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def public_key(self) -> str:
        raw = self._public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode()
