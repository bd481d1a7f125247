"""The ``gate`` read model: visitor passes and the gate's log.

``gate_passes`` keeps a row per pass (the visitor's name and phone masked
as personal data is shown, docs/personal-data.md; entries used; inside or
not; revoked); ``gate_movements`` a row per check-in, check-out and opening
of a controller by a pass: an estate's day at the gate, and who is inside.
"""

from __future__ import annotations

from typing import Any

from domain.identity.masking import mask_name, mask_phone
from projections.events import occurred_at
from projections.records import PerAggregate, insert, update

MOVEMENTS = {"CheckedIn": "in", "CheckedOut": "out", "UsedAtController": "door"}


class GatePasses(PerAggregate):
    name = "gate"
    aggregates = frozenset({"VisitorPass"})
    tables = ("gate_passes", "gate_movements")
    ddl = (
        """CREATE TABLE IF NOT EXISTS gate_passes (
            pass_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            unit_id uuid NOT NULL,
            issued_by uuid NOT NULL,
            visitor_user_id uuid,
            visitor_name text,
            visitor_phone text,
            plate text,
            valid_from timestamptz NOT NULL,
            valid_until timestamptz NOT NULL,
            entries_allowed integer NOT NULL,
            entries_used integer NOT NULL DEFAULT 0,
            inside boolean NOT NULL DEFAULT false,
            last_in_at timestamptz,
            last_out_at timestamptz,
            revoked_at timestamptz,
            revoked_by uuid,
            revoke_reason text,
            issued_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL,
            issued_position bigint NOT NULL
        )""",
        # A page of an estate, of an issuer or of a visitor, newest first
        # (projections/reach.py: page); who is inside an estate now.
        "CREATE INDEX IF NOT EXISTS gate_passes_estate_page "
        "ON gate_passes (estate_id, issued_position, pass_id)",
        "CREATE INDEX IF NOT EXISTS gate_passes_issuer_page "
        "ON gate_passes (issued_by, issued_position, pass_id)",
        "CREATE INDEX IF NOT EXISTS gate_passes_visitor_page "
        "ON gate_passes (visitor_user_id, issued_position, pass_id)",
        "CREATE INDEX IF NOT EXISTS gate_passes_inside "
        "ON gate_passes (estate_id, last_in_at) WHERE inside",
        """CREATE TABLE IF NOT EXISTS gate_movements (
            position bigint PRIMARY KEY,
            pass_id uuid NOT NULL,
            estate_id uuid NOT NULL,
            movement text NOT NULL,
            at timestamptz NOT NULL,
            entry integer,
            by_user uuid,
            controller_id uuid,
            refusal text
        )""",
        "CREATE INDEX IF NOT EXISTS gate_movements_estate_day "
        "ON gate_movements (estate_id, at, position)",
    )

    def __init__(self, vault: Any) -> None:
        self.vault = vault

    def _visitorpass(self, cur: Any, name: str, event: Any, pid: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Issued":
            insert(
                cur,
                "gate_passes",
                {
                    "pass_id": pid,
                    "estate_id": event.estate_id,
                    "unit_id": event.unit_id,
                    "issued_by": event.issued_by,
                    "visitor_user_id": event.visitor_user_id,
                    "visitor_name": mask_name(
                        self.vault.decrypt(pid, "visitor_name", event.name_enc)
                    ),
                    "visitor_phone": mask_phone(
                        self.vault.decrypt(pid, "visitor_phone", event.phone_enc)
                    ),
                    "plate": event.plate,
                    "valid_from": event.valid_from,
                    "valid_until": event.valid_until,
                    "entries_allowed": event.entries_allowed,
                    "issued_at": event.at,
                    "updated_at": at,
                    "position": pos,
                    "issued_position": pos,
                },
            )
            return
        sets: dict[str, Any] = {}
        if name == "CheckedIn":
            sets = {"entries_used": event.entry, "inside": True, "last_in_at": event.at}
        elif name == "CheckedOut":
            sets = {"inside": False, "last_out_at": event.at}
        elif name == "Revoked":
            sets = {"revoked_at": event.at, "revoked_by": event.by, "revoke_reason": event.reason}
        if name in MOVEMENTS:
            cur.execute("SELECT estate_id FROM gate_passes WHERE pass_id = %s", [pid])
            [estate_id] = cur.fetchone()
            insert(
                cur,
                "gate_movements",
                {
                    "position": pos,
                    "pass_id": pid,
                    "estate_id": estate_id,
                    "movement": MOVEMENTS[name],
                    "at": event.at,
                    "entry": getattr(event, "entry", None),
                    "by_user": getattr(event, "by", None),
                    "controller_id": event.controller_id,
                    "refusal": getattr(event, "refusal", None),
                },
            )
        update(cur, "gate_passes", "pass_id", pid, sets, at, pos)
