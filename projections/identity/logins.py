"""Login history per user (R2.5): successes, failures, logouts, with IP and agent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from projections.events import as_uuid, kind_of
from projections.runtime import Decoded


class LoginHistory:
    name = "login_history"
    aggregates = frozenset({"User", "UnknownUserLoginFailed"})
    tables = ("login_history", "login_history_usernames")
    ddl = (
        """CREATE TABLE IF NOT EXISTS login_history (
            position bigint PRIMARY KEY,
            user_id uuid,
            username text,
            at timestamptz NOT NULL,
            outcome text NOT NULL,
            reason text,
            client_ip text,
            user_agent text
        )""",
        "CREATE INDEX IF NOT EXISTS login_history_user ON login_history (user_id, position)",
        """CREATE TABLE IF NOT EXISTS login_history_usernames (
            user_id uuid PRIMARY KEY, username text NOT NULL
        )""",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate == "UnknownUserLoginFailed":
            cur.execute(
                "INSERT INTO login_history VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
                _unknown_user_row(event, note),
            )
            return
        if aggregate != "User":
            return
        if name == "Registered":
            cur.execute(
                "INSERT INTO login_history_usernames VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [note.originator_id, event.username],
            )
            return
        values = _user_values(event, meta, name)
        if values is not None:
            # One statement, no answer to wait for: replays run these in a pipeline.
            cur.execute(
                "INSERT INTO login_history VALUES (%s, %s, (SELECT username FROM "
                "login_history_usernames WHERE user_id = %s), %s, %s, %s, %s, %s)",
                [note.id, note.originator_id, note.originator_id, *values],
            )

    def apply_batch(self, cur: psycopg.Cursor[Any], events: Sequence[Decoded]) -> None:
        """Insert-only: usernames resolved in memory, rows written with ``COPY``.

        A row's username is the one on record when its event happened: the
        table's (a registration there wins, as ``ON CONFLICT DO NOTHING`` keeps
        it), else the first registration earlier in this batch, else none.
        """
        registered: dict[UUID, tuple[int, str]] = {}  # first in the batch: (position, name)
        rows: list[list[Any]] = []
        users: set[UUID] = set()
        for event, meta, note in events:
            aggregate, name = kind_of(event)
            if aggregate == "UnknownUserLoginFailed":
                rows.append(_unknown_user_row(event, note))
            elif aggregate != "User":
                continue
            elif name == "Registered":
                registered.setdefault(as_uuid(note.originator_id), (note.id, event.username))
            else:
                values = _user_values(event, meta, name)
                if values is not None:
                    uid = as_uuid(note.originator_id)
                    rows.append([note.id, uid, None, *values])
                    users.add(uid)
        if not rows and not registered:
            return
        cur.execute(
            "SELECT user_id, username FROM login_history_usernames WHERE user_id = ANY(%s)",
            [list(users | registered.keys())],
        )
        known: dict[UUID, str] = dict(cur.fetchall())
        new_names = [[uid, name] for uid, (_, name) in registered.items() if uid not in known]
        if new_names:
            with cur.copy("COPY login_history_usernames (user_id, username) FROM STDIN") as copy:
                for name_row in new_names:
                    copy.write_row(name_row)
        if not rows:
            return
        for row in rows:
            uid = row[1]
            if uid is None:
                continue
            if uid in known:
                row[2] = known[uid]
            elif uid in registered and registered[uid][0] < row[0]:
                row[2] = registered[uid][1]
        with cur.copy("COPY login_history FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _unknown_user_row(event: Any, note: Notification) -> list[Any]:
    return [
        note.id,
        None,
        event.username_attempted,
        event.at,
        "failed",
        "unknown user",
        event.client_ip,
        event.user_agent,
    ]


def _user_values(event: Any, meta: dict[str, Any], name: str) -> tuple[Any, ...] | None:
    """(at, outcome, reason, client IP, user agent) for a login event of a user, else None."""
    if name == "LoginSucceeded":
        return (event.at, "succeeded", None, event.client_ip, event.user_agent)
    if name == "LoginFailed":
        return (event.at, "failed", event.reason, event.client_ip, event.user_agent)
    if name == "LoggedOut":
        return (event.at, "logged_out", None, meta.get("client_ip"), meta.get("user_agent"))
    return None
