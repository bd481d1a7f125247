"""What the identity service needs from the outside world."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class Passwords(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str | None, password: str) -> bool: ...


class Vault(Protocol):
    def encrypt(self, subject_id: UUID, field: str, plaintext: str) -> str: ...
    def decrypt(self, subject_id: UUID, field: str, ciphertext: str | None) -> str | None: ...
    def erase(self, subject_id: UUID) -> bool: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...
