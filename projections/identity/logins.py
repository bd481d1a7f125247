"""Login history per user (R2.5): successes, failures, logouts, with IP and agent."""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import Notification

from projections.events import kind_of


class LoginHistory:
    name = "login_history"
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
            self._row(
                cur,
                note,
                None,
                event.username_attempted,
                event.at,
                "failed",
                "unknown user",
                event.client_ip,
                event.user_agent,
            )
            return
        if aggregate != "User":
            return
        if name == "Registered":
            cur.execute(
                "INSERT INTO login_history_usernames VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [note.originator_id, event.username],
            )
        elif name == "LoginSucceeded":
            self._user_row(
                cur, note, event.at, "succeeded", None, event.client_ip, event.user_agent
            )
        elif name == "LoginFailed":
            self._user_row(
                cur, note, event.at, "failed", event.reason, event.client_ip, event.user_agent
            )
        elif name == "LoggedOut":
            self._user_row(
                cur,
                note,
                event.at,
                "logged_out",
                None,
                meta.get("client_ip"),
                meta.get("user_agent"),
            )

    def _user_row(self, cur: psycopg.Cursor[Any], note: Notification, *values: Any) -> None:
        # One statement, no answer to wait for: replays run these in a pipeline.
        cur.execute(
            "INSERT INTO login_history VALUES (%s, %s, (SELECT username FROM "
            "login_history_usernames WHERE user_id = %s), %s, %s, %s, %s, %s)",
            [note.id, note.originator_id, note.originator_id, *values],
        )

    def _row(self, cur: psycopg.Cursor[Any], note: Notification, *values: Any) -> None:
        cur.execute(
            "INSERT INTO login_history VALUES (%s,%s,%s,%s,%s,%s,%s,%s)", [note.id, *values]
        )
