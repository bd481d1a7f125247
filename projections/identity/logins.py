"""Login history per user (R2.5): successes, failures, logouts, with IP and agent.

Written by PostgreSQL from the stored events (``INSERT … SELECT``), live and in
replay alike, as the audit trail is: no event is decoded in Python for it.
"""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic
from psycopg import sql

from domain.identity.alerts import UnknownUserLoginFailed
from domain.identity.user import User
from projections.log import EVENTS_TABLE
from projections.safetext import NUL_FREE_JSONB, STATE_JSONB


def _topic(aggregate: type, event: str) -> str:
    """The stored topic of ``aggregate``'s event class ``event`` (the ``@event`` name)."""
    return get_topic(getattr(aggregate, event))


REGISTERED = _topic(User, "Registered")
SUCCEEDED = _topic(User, "LoginSucceeded")
FAILED = _topic(User, "LoginFailed")
LOGGED_OUT = _topic(User, "LoggedOut")
UNKNOWN_USER = _topic(UnknownUserLoginFailed, "Recorded")

# A row's username is the one on record when its event happened: a user's
# registration (always its first event) is recorded before its logins, the
# first registration wins. The inner query parses each event's JSON once.
_USERNAMES = """INSERT INTO login_history_usernames
SELECT originator_id, {state_json}->>'username' FROM {log}
WHERE notification_id > %(after)s AND notification_id <= %(upto)s AND topic = %(registered)s
ORDER BY notification_id
ON CONFLICT DO NOTHING"""
_LOGINS = """INSERT INTO login_history
SELECT notification_id,
       CASE WHEN topic = %(unknown)s THEN NULL ELSE originator_id END,
       CASE WHEN topic = %(unknown)s THEN s->>'username_attempted'
            ELSE (SELECT username FROM login_history_usernames WHERE user_id = originator_id)
       END,
       (s->'at'->>'_data_')::timestamptz,
       CASE topic WHEN %(succeeded)s THEN 'succeeded' WHEN %(logged_out)s THEN 'logged_out'
                  ELSE 'failed' END,
       CASE topic WHEN %(failed)s THEN s->>'reason' WHEN %(unknown)s THEN 'unknown user' END,
       CASE WHEN topic = %(logged_out)s THEN s->'__meta__'->>'client_ip' ELSE s->>'client_ip' END,
       CASE WHEN topic = %(logged_out)s THEN s->'__meta__'->>'user_agent'
            ELSE s->>'user_agent' END
FROM (SELECT notification_id, originator_id, topic, {state_json} AS s
      FROM {log} WHERE notification_id > %(after)s AND notification_id <= %(upto)s
      AND topic IN (%(succeeded)s, %(failed)s, %(logged_out)s, %(unknown)s)
      ORDER BY notification_id OFFSET 0) e"""


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

    def __init__(self, log_schema: str) -> None:
        log = sql.Identifier(log_schema, EVENTS_TABLE)
        self._statements, self._statements_nul_free = (
            [
                sql.SQL(q).format(log=log, state_json=sql.SQL(state_json))
                for q in (_USERNAMES, _LOGINS)
            ]
            for state_json in (STATE_JSONB, NUL_FREE_JSONB)
        )

    def apply_positions(
        self, cur: psycopg.Cursor[Any], after: int, upto: int, *, nul_free: bool = False
    ) -> None:
        params = {
            "after": after,
            "upto": upto,
            "registered": REGISTERED,
            "succeeded": SUCCEEDED,
            "failed": FAILED,
            "logged_out": LOGGED_OUT,
            "unknown": UNKNOWN_USER,
        }
        for statement in self._statements_nul_free if nul_free else self._statements:
            cur.execute(statement, params)

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        self.apply_positions(cur, note.id - 1, note.id, nul_free=True)
