"""An identity context in memory: the handlers on the library's in-memory
log, with plain fakes of the password hasher, the vault and the counters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from application.actor import SYSTEM_ACTOR, Actor
from application.identity.commands import RegisterUser
from application.identity.service import IdentityService
from domain.identity.policy import Role
from domain.identity.user import LockoutPolicy
from infrastructure.tokens import TokenService
from tests.support.memory import MemoryEventLog, memory_deps

PASSWORD = "harbour-lantern-47"


class PlainPasswords:
    """Hashes are the password with a mark: fast, and a test can read them."""

    def hash(self, password: str) -> str:
        return f"plain${password}"

    def verify(self, password_hash: str | None, password: str) -> bool:
        return password_hash == f"plain${password}"

    def needs_rehash(self, password_hash: str) -> bool:
        return False


class OpenVault:
    """Seals by marking the text; erasing a subject makes their fields unreadable."""

    def __init__(self) -> None:
        self.erased: set[UUID] = set()

    def encrypt(self, subject_id: UUID, field: str, plaintext: str) -> str:
        return f"sealed:{plaintext}"

    def decrypt(self, subject_id: UUID, field: str, ciphertext: str | None) -> str | None:
        if ciphertext is None or subject_id in self.erased:
            return None
        return ciphertext.removeprefix("sealed:")

    def erase(self, subject_id: UUID) -> bool:
        self.erased.add(subject_id)
        return True


@dataclass
class Attempts:
    """Login attempts per address, all in one minute."""

    counts: Counter[str] = field(default_factory=Counter)

    def count_this_minute(self, client: str) -> tuple[int, int]:
        self.counts[client] += 1
        return self.counts[client], 42


@dataclass
class World:
    identity: IdentityService
    log: MemoryEventLog
    attempts: Attempts
    clock: list[datetime]

    def user(self, username: str, *roles: Role) -> UUID:
        uid, _ = self.identity.admin.register(
            RegisterUser(
                SYSTEM_ACTOR,
                username=username,
                password=PASSWORD,
                display_name=username.title(),
                roles=list(roles),
            )
        )
        return uid

    def actor(self, user_id: UUID, session_id: str = "s1") -> Actor:
        """The user as the API would see them in a session, whether or not it is open."""
        return Actor.of(self.identity.get(user_id), session_id)

    def names_of_events(self, user_id: UUID) -> list[str]:
        return [type(e).__name__ for e in self.log.domain_events(user_id)]

    def later(self, **delta: Any) -> None:
        self.clock[0] += timedelta(**delta)


def world(login_rate_limit: int = 100) -> World:
    deps = memory_deps()
    now = [deps.clock()]
    log = deps.event_log
    assert isinstance(log, MemoryEventLog)
    attempts = Attempts()
    identity = IdentityService(
        log,
        passwords=PlainPasswords(),
        vault=OpenVault(),
        policy=LockoutPolicy(),
        refresh_ttl=timedelta(days=14),
        clock=lambda: now[0],
        common_passwords={"password123"},
        tokens=TokenService(
            b"k" * 32, audience="estatelog", issuer="estatelog", access_ttl=timedelta(minutes=15)
        ),
        attempts=attempts,
        login_rate_limit=login_rate_limit,
    )
    return World(identity, log, attempts, now)
