"""The user directory: who has which roles and status, personal data masked."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from domain.identity.masking import mask_national_id, mask_phone
from projections.events import kind_of, occurred_at


class Decrypts(Protocol):
    def decrypt(self, subject_id: UUID, field: str, ciphertext: str | None) -> str | None: ...


class UserDirectory:
    name = "user_directory"
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
            status text NOT NULL,
            registered_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            last_login_at timestamptz,
            last_login_ip text,
            version bigint NOT NULL
        )""",
    )

    def __init__(self, vault: Decrypts) -> None:
        self.vault = vault

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate != "User":
            return
        uid = UUID(str(note.originator_id))
        if name == "Registered":
            cur.execute(
                "INSERT INTO user_directory (user_id, username, display_name, gender, "
                "phone_masked, national_id_masked, roles, status, registered_at, updated_at, "
                "version) VALUES (%s,%s,%s,%s,%s,%s,%s,'normal',%s,%s,%s)",
                [
                    uid,
                    event.username,
                    event.display_name,
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
            changes = event.changes
            for plain in ("display_name", "gender"):
                if plain in changes:
                    sets[plain] = changes[plain]
            if "phone_enc" in changes:
                sets["phone_masked"] = self._phone(uid, changes["phone_enc"])
            if "national_id_enc" in changes:
                sets["national_id_masked"] = self._national_id(uid, changes["national_id_enc"])
            if changes.get("phone_enc") or changes.get("national_id_enc"):
                sets["personal_data_erased"] = False
        elif name == "PersonalDataErased":
            sets = {"phone_masked": None, "national_id_masked": None, "personal_data_erased": True}
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
        elif name == "AccountLocked":
            sets = {"status": "locked"}
        elif name in ("AccountUnlocked", "AccountEnabled"):
            sets = {"status": "normal"}
        elif name == "AccountDisabled":
            sets = {"status": "disabled"}
        elif name == "LoginSucceeded":
            sets = {"last_login_at": event.at, "last_login_ip": event.client_ip}
        sets["updated_at"] = occurred_at(event)
        sets["version"] = note.originator_version
        assignments = ", ".join(f"{column} = %s" for column in sets)
        cur.execute(
            f"UPDATE user_directory SET {assignments} WHERE user_id = %s",
            [*sets.values(), uid],
        )

    def _phone(self, uid: UUID, ciphertext: str | None) -> str | None:
        return mask_phone(self.vault.decrypt(uid, "phone", ciphertext))

    def _national_id(self, uid: UUID, ciphertext: str | None) -> str | None:
        return mask_national_id(self.vault.decrypt(uid, "national_id", ciphertext))
