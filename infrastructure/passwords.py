"""argon2id password hashing with OWASP's recommended parameters."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
TIME_COST = 2
MEMORY_COST = 19 * 1024
_HASHER = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST, parallelism=1)
# Compared against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = _HASHER.hash("estatelog-timing-equaliser")


class Argon2Passwords:
    """Hashes and checks passwords; plaintext never leaves this object.

    A hash made with other parameters (an older release's) still verifies;
    :meth:`needs_rehash` tells the login to store a new one.
    """

    def __init__(self, time_cost: int = TIME_COST, memory_cost: int = MEMORY_COST) -> None:
        self._hasher = (
            _HASHER
            if (time_cost, memory_cost) == (TIME_COST, MEMORY_COST)
            else PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or _DUMMY_HASH, password) and bool(
                password_hash
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
