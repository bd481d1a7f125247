"""argon2id password hashing with OWASP's recommended parameters."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Compared against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = _HASHER.hash("estatelog-timing-equaliser")


class Argon2Passwords:
    """Hashes and checks passwords; plaintext never leaves this object."""

    def hash(self, password: str) -> str:
        return _HASHER.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return _HASHER.check_needs_rehash(password_hash)
