"""The user directory: who has which roles and status, personal data masked.

The name is masked like the rest; once erased it reads ``[erased]``. A name
an older release recorded in clear (``display_name`` in a version 1
``Registered`` or in a ``ProfileChanged``) is masked as it is projected,
unless the user's data was erased later in the log: then, as for sealed data
whose key is gone, no build shows it, as of no moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from domain.identity.masking import ERASED, mask_name, mask_national_id, mask_phone
from projections.events import as_uuid, kind_of, occurred_at
from projections.protocols import Decoded

COLUMNS = (
    "user_id",
    "username",
    "display_name",
    "gender",
    "phone_masked",
    "national_id_masked",
    "personal_data_erased",
    "roles",
    "direct_permissions",
    "estates",
    "status",
    "locked_until",
    "registered_at",
    "updated_at",
    "last_login_at",
    "last_login_ip",
    "version",
)


class Decrypts(Protocol):
    def decrypt(self, subject_id: UUID, field: str, ciphertext: str | None) -> str | None: ...


class KnowsErasures(Protocol):
    def erased_after(self, subject_id: UUID, position: int) -> bool: ...

    def last_erasures(self, subject_ids: list[UUID]) -> dict[UUID, int]: ...


class UserDirectory:
    name = "user_directory"
    aggregates = frozenset({"User"})
    tables = ("user_directory",)
    ddl = (
        """CREATE TABLE IF NOT EXISTS user_directory (
            user_id uuid PRIMARY KEY,
            username text NOT NULL UNIQUE,
            display_name text NOT NULL,
            gender text,
            phone_masked text,
            national_id_masked text,
            personal_data_erased boolean NOT NULL DEFAULT false,
            roles text[] NOT NULL,
            direct_permissions text[] NOT NULL DEFAULT '{}',
            estates uuid[] NOT NULL DEFAULT '{}',
            status text NOT NULL,
            locked_until timestamptz,
            registered_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            last_login_at timestamptz,
            last_login_ip text,
            version bigint NOT NULL
        )""",
        # Before 2026-12 the directory copied names in clear: mask what is left
        # of them (as ``mask_name`` does; a masked name matches the pattern).
        r"""UPDATE user_directory SET display_name = (
            SELECT string_agg(CASE WHEN length(w) > 1 THEN left(w, 1) || repeat('*', length(w) - 1)
                              ELSE '*' END, ' ' ORDER BY n)
            FROM regexp_split_to_table(btrim(display_name), '\s+') WITH ORDINALITY AS t(w, n))
        WHERE display_name <> '[erased]' AND btrim(display_name) <> ''
          AND display_name !~ '^\S\**( \S\**)*$'""",
        # ... and an erasure by an older release left the name: it is gone now.
        """UPDATE user_directory SET display_name = '[erased]'
        WHERE personal_data_erased AND display_name <> '[erased]'""",
    )

    def __init__(self, vault: Decrypts, erasures: KnowsErasures | None = None) -> None:
        self.vault = vault
        self.erasures = erasures

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate != "User":
            return
        uid = as_uuid(note.originator_id)
        if name == "Registered":
            cur.execute(
                "INSERT INTO user_directory (user_id, username, display_name, gender, "
                "phone_masked, national_id_masked, roles, status, registered_at, updated_at, "
                "version) VALUES (%s,%s,%s,%s,%s,%s,%s,'normal',%s,%s,%s)",
                [
                    uid,
                    event.username,
                    self._name(uid, event.display_name_enc, event.display_name, note.id),
                    event.gender,
                    self._phone(uid, event.phone_enc),
                    self._national_id(uid, event.national_id_enc),
                    sorted(str(r) for r in event.roles),
                    occurred_at(event),
                    occurred_at(event),
                    note.originator_version,
                ],
            )
            return
        sets: dict[str, Any] = {}
        if name == "ProfileChanged":
            sets = self._profile_columns(uid, event.changes, note.id)
        elif name == "PersonalDataErased":
            sets = {
                "display_name": ERASED,
                "phone_masked": None,
                "national_id_masked": None,
                "personal_data_erased": True,
            }
        elif name in ("RoleGranted", "RoleRevoked"):
            op = "array_append" if name == "RoleGranted" else "array_remove"
            cur.execute(
                f"UPDATE user_directory SET roles = {op}(roles, %s) WHERE user_id = %s",
                [str(event.role), uid],
            )
        elif name in ("PermissionGranted", "PermissionRevoked"):
            op = "array_append" if name == "PermissionGranted" else "array_remove"
            cur.execute(
                f"UPDATE user_directory SET direct_permissions = {op}(direct_permissions, %s) "
                "WHERE user_id = %s",
                [str(event.permission), uid],
            )
        elif name in ("EstateAssigned", "EstateUnassigned"):
            op = "array_append" if name == "EstateAssigned" else "array_remove"
            cur.execute(
                f"UPDATE user_directory SET estates = {op}(estates, %s) WHERE user_id = %s",
                [event.estate_id, uid],
            )
        elif name == "AccountLocked":
            sets = {"status": "locked", "locked_until": event.until}
        elif name in ("AccountUnlocked", "AccountEnabled"):
            sets = {"status": "normal", "locked_until": None}
        elif name == "AccountDisabled":
            sets = {"status": "disabled", "locked_until": None}
        elif name == "LoginSucceeded":
            sets = {"last_login_at": event.at, "last_login_ip": event.client_ip}
        sets["updated_at"] = occurred_at(event)
        sets["version"] = note.originator_version
        assignments = ", ".join(f"{column} = %s" for column in sets)
        cur.execute(
            f"UPDATE user_directory SET {assignments} WHERE user_id = %s",
            [*sets.values(), uid],
        )

    def apply_batch(self, cur: psycopg.Cursor[Any], events: Sequence[Decoded]) -> None:
        """Fold the batch in memory per user, then write each touched row once.

        Mirrors ``apply`` event by event: an update of a user not in the table
        changes nothing; registering a user already there raises (as the
        INSERT would), and so does a taken username, at the final write.
        """
        touched: dict[UUID, None] = {}  # in order of first change
        mine = [
            (event, note, name)
            for event, _, note in events
            for aggregate, name in (kind_of(event),)
            if aggregate == "User"
        ]
        if not mine:
            return
        ids = list({as_uuid(note.originator_id) for _, note, _ in mine})
        cur.execute(
            f"SELECT {', '.join(COLUMNS)} FROM user_directory WHERE user_id = ANY(%s)", [ids]
        )
        existing = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in cur.fetchall()}
        users: dict[UUID, dict[str, Any] | None] = {uid: existing.get(uid) for uid in ids}
        erased = self._erasures_of(mine)
        for event, note, name in mine:
            uid = as_uuid(note.originator_id)
            row = users[uid]
            if name == "Registered":
                if row is not None:
                    raise ValueError(f"user {uid} is already in the directory")
                at = occurred_at(event)
                users[uid] = {
                    "user_id": uid,
                    "username": event.username,
                    "display_name": self._name(
                        uid, event.display_name_enc, event.display_name, note.id, erased
                    ),
                    "gender": event.gender,
                    "phone_masked": self._phone(uid, event.phone_enc),
                    "national_id_masked": self._national_id(uid, event.national_id_enc),
                    "personal_data_erased": False,
                    "roles": sorted(str(r) for r in event.roles),
                    "direct_permissions": [],
                    "estates": [],
                    "status": "normal",
                    "locked_until": None,
                    "registered_at": at,
                    "updated_at": at,
                    "last_login_at": None,
                    "last_login_ip": None,
                    "version": note.originator_version,
                }
                touched[uid] = None
                continue
            if row is None:
                continue  # as an UPDATE of a missing row
            if name == "ProfileChanged":
                row.update(self._profile_columns(uid, event.changes, note.id))
            elif name == "PersonalDataErased":
                row["display_name"] = ERASED
                row["phone_masked"] = None
                row["national_id_masked"] = None
                row["personal_data_erased"] = True
            elif name in ("RoleGranted", "RoleRevoked"):
                row["roles"] = _array_op(row["roles"], name == "RoleGranted", str(event.role))
            elif name in ("PermissionGranted", "PermissionRevoked"):
                row["direct_permissions"] = _array_op(
                    row["direct_permissions"], name == "PermissionGranted", str(event.permission)
                )
            elif name in ("EstateAssigned", "EstateUnassigned"):
                row["estates"] = _array_op(
                    row["estates"], name == "EstateAssigned", event.estate_id
                )
            elif name == "AccountLocked":
                row["status"] = "locked"
                row["locked_until"] = event.until
            elif name in ("AccountUnlocked", "AccountEnabled"):
                row["status"] = "normal"
                row["locked_until"] = None
            elif name == "AccountDisabled":
                row["status"] = "disabled"
                row["locked_until"] = None
            elif name == "LoginSucceeded":
                row["last_login_at"] = event.at
                row["last_login_ip"] = event.client_ip
            row["updated_at"] = occurred_at(event)
            row["version"] = note.originator_version
            touched[uid] = None
        updates: list[list[Any]] = []
        inserts: list[list[Any]] = []
        for uid in touched:
            row = users[uid]
            assert row is not None
            (updates if uid in existing else inserts).append([row[c] for c in COLUMNS])
        if updates:
            cur.executemany(
                "UPDATE user_directory SET "
                + ", ".join(f"{c} = %s" for c in COLUMNS[1:])
                + " WHERE user_id = %s",
                [[*values[1:], values[0]] for values in updates],
            )
        if inserts:
            with cur.copy(f"COPY user_directory ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for values in inserts:
                    for i in _ARRAYS:  # as array literals: psycopg's list dumper is slow here
                        values[i] = _array_literal(values[i])
                    copy.write_row(values)

    def _erasures_of(self, mine: list[tuple[Any, Notification, str]]) -> dict[UUID, int] | None:
        """The latest erasure of each user a name in clear is registered for in this
        batch, in one round trip (one a registration was 250 a second in the lag bench)."""
        if self.erasures is None:
            return None
        ids = [
            as_uuid(note.originator_id)
            for event, note, name in mine
            if name == "Registered" and event.display_name and not event.display_name_enc
        ]
        return self.erasures.last_erasures(ids) if ids else {}

    def _name(
        self,
        uid: UUID,
        ciphertext: str | None,
        in_clear: str | None,
        position: int,
        erased: dict[UUID, int] | None = None,
    ) -> str:
        """The masked name: sealed, or in clear from an older release; else ``[erased]``.
        ``erased``: the latest erasures, if read for the batch already."""
        if ciphertext:
            return mask_name(self.vault.decrypt(uid, "display_name", ciphertext)) or ERASED
        if in_clear and self.erasures is not None:
            if erased is not None and uid in erased:
                return ERASED if erased[uid] > position else mask_name(in_clear) or ERASED
            if erased is None and self.erasures.erased_after(uid, position):
                return ERASED
        return mask_name(in_clear) or ERASED

    def _profile_columns(self, uid: UUID, changes: dict[str, Any], position: int) -> dict[str, Any]:
        """The columns a ``ProfileChanged`` sets, live and in a batch alike."""
        columns: dict[str, Any] = {}
        if "gender" in changes:
            columns["gender"] = changes["gender"]
        if _names_a_name(changes):
            columns["display_name"] = self._changed_name(uid, changes, position)
        if "phone_enc" in changes:
            columns["phone_masked"] = self._phone(uid, changes["phone_enc"])
        if "national_id_enc" in changes:
            columns["national_id_masked"] = self._national_id(uid, changes["national_id_enc"])
        if _gives_personal_data(changes):
            columns["personal_data_erased"] = False
        return columns

    def _changed_name(self, uid: UUID, changes: dict[str, Any], position: int) -> str:
        return self._name(
            uid, changes.get("display_name_enc"), changes.get("display_name"), position
        )

    def _phone(self, uid: UUID, ciphertext: str | None) -> str | None:
        return mask_phone(self.vault.decrypt(uid, "phone", ciphertext))

    def _national_id(self, uid: UUID, ciphertext: str | None) -> str | None:
        return mask_national_id(self.vault.decrypt(uid, "national_id", ciphertext))


def _names_a_name(changes: dict[str, Any]) -> bool:
    """A new name, sealed or (from an older release) in clear; not the clearing of one."""
    return bool(changes.get("display_name_enc")) or changes.get("display_name") is not None


def _gives_personal_data(changes: dict[str, Any]) -> bool:
    return any(changes.get(f) for f in ("phone_enc", "national_id_enc", "display_name_enc"))


_ARRAYS = [COLUMNS.index(c) for c in ("roles", "direct_permissions", "estates")]


def _array_literal(values: list[Any]) -> str:
    """A PostgreSQL array literal of ``values`` as text, every element quoted."""
    quoted = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


def _array_op(values: list[Any], append: bool, value: Any) -> list[Any]:
    """``array_append`` / ``array_remove`` as PostgreSQL does them."""
    return [*values, value] if append else [v for v in values if v != value]
