"""Secrets from the environment, or generated once for the embedded default.

Production passes ``ESTATELOG_JWT_SECRET`` and ``ESTATELOG_MASTER_KEY``. The
embedded default creates random ones under ``data_dir/secrets`` (mode 0600)
so a fresh clone needs no configuration and no secret is ever in the repo.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr

from infrastructure.settings import Settings


def _file_secret(path: Path) -> bytes:
    if path.exists():
        return base64.b64decode(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    value = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(value).decode())
    return value


def _resolve(given: SecretStr | None, path: Path) -> bytes:
    if given is not None:
        raw = given.get_secret_value()
        try:
            decoded = base64.b64decode(raw, validate=True)
            if len(decoded) >= 32:
                return decoded
        except ValueError:
            pass
        return raw.encode()
    return _file_secret(path)


def jwt_secret(settings: Settings) -> bytes:
    return _resolve(settings.jwt_secret, settings.secrets_dir / "jwt.key")


def master_key(settings: Settings) -> bytes:
    key = _resolve(settings.master_key, settings.secrets_dir / "master.key")
    if len(key) != 32:
        raise ValueError("ESTATELOG_MASTER_KEY must be base64 of exactly 32 bytes")
    return key


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The service's Ed25519 key, which signs auditors' exports (replay/attestation.py):
    ``ESTATELOG_SIGNING_KEY`` (base64 of a 32-byte seed), else one generated once."""
    if settings.signing_key is not None:
        try:
            seed = base64.b64decode(settings.signing_key.get_secret_value(), validate=True)
        except ValueError:
            seed = b""
        if len(seed) != 32:
            raise ValueError("ESTATELOG_SIGNING_KEY must be base64 of exactly 32 bytes")
    else:
        seed = _file_secret(settings.secrets_dir / "signing.key")
    return Ed25519PrivateKey.from_private_bytes(seed)
