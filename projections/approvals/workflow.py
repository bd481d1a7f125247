"""Approvals as a to-do list can use them: who must decide what, where.

``approvals`` has one row per approval: its status, the current level
(1-based, among the levels still required; NULL once nobody needs to decide),
the role that decides it (``decider_role``) or the user it was handed to
(``delegate_id``), and the estate. A to-do list of user U is the pending rows
where ``delegate_id = U``, or ``delegate_id IS NULL`` and ``decider_role`` is
one of U's roles and ``estate_id`` one of U's estates (admins: any). Every
step is a row of ``approvals_steps``; policies are in ``approvals_policies``.
"""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import Notification

from projections import numbers
from projections.events import as_uuid, kind_of, meta_uuid, occurred_at, to_json

FINAL = {"Approved": "approved", "Rejected": "rejected", "Withdrawn": "withdrawn"}


class ApprovalWorkflow:
    name = "approvals"
    aggregates = frozenset({"ApprovalPolicy", "Approval"})
    tables = ("approvals", "approvals_steps", "approvals_policies")
    ddl = (
        """CREATE TABLE IF NOT EXISTS approvals (
            approval_id uuid PRIMARY KEY,
            kind text NOT NULL,
            subject_id uuid NOT NULL,
            subject_type text,
            estate_id uuid NOT NULL,
            status text NOT NULL,
            current_level integer,
            level_name text,
            decider_role text,
            delegate_id uuid,
            levels jsonb NOT NULL,
            requested_by uuid NOT NULL,
            summary text NOT NULL,
            amount numeric,
            currency text,
            urgency text NOT NULL,
            note text,
            opened_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            decided_at timestamptz,
            position bigint NOT NULL,
            number_year integer,  -- the number: projections/numbers.py
            serial integer
        )""",
        numbers.index("approvals"),
        "CREATE INDEX IF NOT EXISTS approvals_todo "
        "ON approvals (status, decider_role, estate_id) WHERE status = 'pending'",
        "CREATE INDEX IF NOT EXISTS approvals_delegate_page ON approvals (delegate_id, position) "
        "WHERE delegate_id IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS approvals_subject ON approvals (subject_id)",
        # A list in the reach: a page an estate, a requester, a delegate (reach.page).
        "CREATE INDEX IF NOT EXISTS approvals_estate ON approvals (estate_id, position)",
        "CREATE INDEX IF NOT EXISTS approvals_requester_page ON approvals (requested_by, position)",
        """CREATE TABLE IF NOT EXISTS approvals_steps (
            approval_id uuid NOT NULL,
            position bigint NOT NULL,
            step text NOT NULL,
            level integer,
            level_name text,
            actor_id uuid,
            delegate_id uuid,
            note text,
            at timestamptz NOT NULL,
            PRIMARY KEY (approval_id, position)
        )""",
        """CREATE TABLE IF NOT EXISTS approvals_policies (
            kind text PRIMARY KEY,
            policy_id uuid NOT NULL UNIQUE,
            levels jsonb NOT NULL,
            rules jsonb NOT NULL,
            updated_at timestamptz NOT NULL,
            updated_by uuid
        )""",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate == "ApprovalPolicy":
            if name == "Configured":
                cur.execute(
                    "INSERT INTO approvals_policies VALUES (%s,%s,%s,%s,%s,%s)",
                    [
                        event.kind,
                        as_uuid(note.originator_id),
                        to_json(event.levels),
                        to_json(event.rules),
                        event.at,
                        meta_uuid(meta, "actor_id"),
                    ],
                )
            elif name == "Reconfigured":
                cur.execute(
                    "UPDATE approvals_policies SET levels = %s, rules = %s, updated_at = %s, "
                    "updated_by = %s WHERE policy_id = %s",
                    [
                        to_json(event.levels),
                        to_json(event.rules),
                        event.at,
                        meta_uuid(meta, "actor_id"),
                        as_uuid(note.originator_id),
                    ],
                )
            return
        if aggregate != "Approval":
            return
        approval_id = as_uuid(note.originator_id)
        if name == "Opened":
            first = event.levels[0]
            cur.execute(
                "INSERT INTO approvals (approval_id, kind, subject_id, subject_type, estate_id, "
                "status, current_level, level_name, decider_role, levels, requested_by, summary, "
                "amount, currency, urgency, opened_at, updated_at, position, number_year, serial) "
                "VALUES (%s,%s,%s,%s,%s,'pending',1,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                [
                    approval_id,
                    event.kind,
                    event.subject_id,
                    event.subject_type,
                    event.estate_id,
                    first["name"],
                    first["role"],
                    to_json(event.levels),
                    event.requested_by,
                    event.summary,
                    event.amount,
                    event.currency,
                    str(event.urgency),
                    event.at,
                    event.at,
                    note.id,
                    *numbers.next_serial(cur, "approvals", event.estate_id, event.at),
                ],
            )
            self._step(
                cur,
                approval_id,
                note,
                "opened",
                None,
                None,
                event.requested_by,
                None,
                event.summary,
                event.at,
            )
            return
        if name == "PreScreened":
            outcome = str(event.outcome)
            if outcome == "skip":
                cur.execute(
                    "UPDATE approvals SET levels = (SELECT coalesce(jsonb_agg(l), '[]') FROM "
                    "jsonb_array_elements(levels) l WHERE NOT (l->>'name' = ANY(%s))) "
                    "WHERE approval_id = %s",
                    [list(event.skipped), approval_id],
                )
                self._move_to(cur, approval_id, 1)
            else:
                status = "approved" if outcome == "approve" else "rejected"
                self._finish(cur, approval_id, status, event.at)
            self._touch(cur, approval_id, event, note, note_text=event.reason)
            self._step(
                cur,
                approval_id,
                note,
                f"pre_screened:{outcome}",
                None,
                None,
                None,
                None,
                f"rule {event.rule}: {event.reason}",
                event.at,
            )
            return
        if name == "LevelApproved":
            self._move_to(cur, approval_id, event.level + 1)
        elif name in FINAL:
            self._finish(cur, approval_id, FINAL[name], event.at)
        elif name == "ReturnedForChanges":
            cur.execute(
                "UPDATE approvals SET status = 'returned', current_level = NULL, "
                "level_name = NULL, decider_role = NULL, delegate_id = NULL "
                "WHERE approval_id = %s",
                [approval_id],
            )
        elif name == "Delegated":
            cur.execute(
                "UPDATE approvals SET delegate_id = %s WHERE approval_id = %s",
                [event.to, approval_id],
            )
        elif name == "Resubmitted":
            cur.execute(
                "UPDATE approvals SET status = 'pending', summary = %s, amount = %s, "
                "currency = %s WHERE approval_id = %s",
                [event.summary, event.amount, event.currency, approval_id],
            )
            self._move_to(cur, approval_id, 1)
        else:
            return
        text = getattr(event, "reason", None) or getattr(event, "comment", None)
        if name == "Resubmitted":
            text = event.summary
        self._touch(cur, approval_id, event, note, note_text=text)
        self._step(
            cur,
            approval_id,
            note,
            _STEP_NAMES[name],
            getattr(event, "level", None),
            getattr(event, "level_name", None),
            event.by,
            getattr(event, "to", None),
            text,
            event.at,
        )

    @staticmethod
    def _move_to(cur: psycopg.Cursor[Any], approval_id: Any, level: int) -> None:
        """Make the ``level``-th (1-based) required level the one deciding now."""
        cur.execute(
            "UPDATE approvals SET current_level = %s, level_name = levels->(%s - 1)->>'name', "
            "decider_role = levels->(%s - 1)->>'role', delegate_id = NULL "
            "WHERE approval_id = %s",
            [level, level, level, approval_id],
        )

    @staticmethod
    def _finish(cur: psycopg.Cursor[Any], approval_id: Any, status: str, at: Any) -> None:
        cur.execute(
            "UPDATE approvals SET status = %s, current_level = NULL, level_name = NULL, "
            "decider_role = NULL, delegate_id = NULL, decided_at = %s WHERE approval_id = %s",
            [status, at, approval_id],
        )

    @staticmethod
    def _touch(
        cur: psycopg.Cursor[Any], approval_id: Any, event: Any, note: Notification, note_text: Any
    ) -> None:
        cur.execute(
            "UPDATE approvals SET updated_at = %s, position = %s, note = coalesce(%s, note) "
            "WHERE approval_id = %s",
            [occurred_at(event), note.id, note_text, approval_id],
        )

    @staticmethod
    def _step(
        cur: psycopg.Cursor[Any],
        approval_id: Any,
        note: Notification,
        step: str,
        level: int | None,
        level_name: str | None,
        actor_id: Any,
        delegate_id: Any,
        text: str | None,
        at: Any,
    ) -> None:
        cur.execute(
            "INSERT INTO approvals_steps VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            [approval_id, note.id, step, level, level_name, actor_id, delegate_id, text, at],
        )


_STEP_NAMES = {
    "LevelApproved": "level_approved",
    "Approved": "approved",
    "Rejected": "rejected",
    "Withdrawn": "withdrawn",
    "ReturnedForChanges": "returned_for_changes",
    "Delegated": "delegated",
    "Resubmitted": "resubmitted",
}
