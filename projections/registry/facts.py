"""The registry read model's answers to other contexts' commands
(``application/registry/ports.py: RegistryFacts``)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any
from uuid import UUID

import psycopg

from application.registry.ports import BillingUnit, OwnershipRow
from projections.registry import queries
from projections.runtime import wait_for_position

#: How long a link check waits for the read model to reach the log's head.
LINKS_WAIT_SECONDS = 10.0


class RegistryBehind(psycopg.OperationalError):
    """The read model did not reach the log's head in time: a check on its rows
    could miss a link made a moment ago, so none is made. An operational error,
    so the API answers 503 with Retry-After, as for a database out of reach."""


class RegistryFacts:
    def __init__(
        self,
        pool: Any,
        head: Callable[[], int] | None = None,
        connect: Callable[[], AbstractContextManager[Any]] | None = None,
    ) -> None:
        self.pool = pool
        # How a fact's one statement gets its connection: bootstrap gives one
        # in autocommit (one round trip, not three with BEGIN and COMMIT).
        self.connect = connect or pool.connection
        # The log's head, where a fact must count what was recorded a moment ago.
        self.head = head

    def units_of_user(self, user_id: UUID) -> list[tuple[UUID, UUID]]:
        with self.connect() as conn:
            return queries.units_of_user(conn, user_id)

    def estates_of_login(self, user_id: UUID) -> set[UUID]:
        # A link made a moment ago must count, or a manager could take over a
        # login another estate linked just before.
        if self.head is not None and not wait_for_position(
            self.pool, "registry", self.head(), LINKS_WAIT_SECONDS
        ):
            raise RegistryBehind("the registry read model is behind the log; retry shortly")
        with self.connect() as conn:
            return queries.estates_of_login(conn, user_id)

    def occupant_user_ids(self, estate_id: UUID) -> list[UUID]:
        with self.connect() as conn:
            return queries.occupant_user_ids(conn, estate_id)

    def billing_units(self, estate_id: UUID) -> list[BillingUnit]:
        with self.connect() as conn:
            return queries.billing_units(conn, estate_id)

    def ownerships(self, estate_id: UUID, unit_id: UUID | None = None) -> list[OwnershipRow]:
        with self.connect() as conn:
            return queries.ownerships(conn, estate_id, unit_id)
