"""The registry read model (projection ``registry``): every registry table.

One projection keeps all six tables so that they move together: an
occupancy row reads the person's login account from ``registry_people`` and
a unit's ``occupant_user_ids`` from ``registry_occupancy``, in log order.
Personal data is decrypted only to be masked here; no table holds it in clear.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from domain.identity.masking import ERASED, mask_name, mask_national_id, mask_phone
from projections.events import as_uuid, kind_of, occurred_at
from projections.registry.tables import DDL, TABLES

REGISTRY_MODULE = "domain.registry."
__all__ = ["RegistryProjection", "mask_name"]


class RegistryProjection:
    name = "registry"
    aggregates = frozenset({"Estate", "Building", "ParkingSpace", "Unit", "Person"})
    tables = TABLES
    ddl = DDL

    def __init__(self, vault: Any) -> None:
        self.vault = vault

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        if not type(event).__module__.startswith(REGISTRY_MODULE):
            return
        aggregate, name = kind_of(event)
        handler = getattr(self, f"_{aggregate}_{name}".lower(), None)
        if handler is not None:
            handler(cur, event, as_uuid(note.originator_id), note.originator_version)

    # ---- estates, buildings, parking -----------------------------------------

    def _estate_registered(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        at = occurred_at(e)
        cur.execute(
            "INSERT INTO registry_estates (estate_id, code, name, address, created_at, "
            "updated_at, version) VALUES (%s,%s,%s,%s,%s,%s,%s)",
            [oid, e.code, e.name, e.address, at, at, version],
        )

    def _estate_detailschanged(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        self._update(cur, "registry_estates", "estate_id", oid, e, version, e.changes)

    def _building_registered(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        at = occurred_at(e)
        cur.execute(
            "INSERT INTO registry_buildings (building_id, estate_id, code, name, floors, "
            "created_at, updated_at, version) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
            [oid, e.estate_id, e.code, e.name, e.floors, at, at, version],
        )

    def _building_detailschanged(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        self._update(cur, "registry_buildings", "building_id", oid, e, version, e.changes)

    def _parkingspace_registered(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        at = occurred_at(e)
        cur.execute(
            "INSERT INTO registry_parking (parking_id, estate_id, code, level, kind, "
            "created_at, updated_at, version) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
            [oid, e.estate_id, e.code, e.level, e.kind, at, at, version],
        )

    def _parkingspace_assigned(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        self._update(cur, "registry_parking", "parking_id", oid, e, version, {"unit_id": e.unit_id})

    def _parkingspace_released(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        self._update(cur, "registry_parking", "parking_id", oid, e, version, {"unit_id": None})

    # ---- units and occupancy -----------------------------------------------

    def _unit_registered(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        at = occurred_at(e)
        cur.execute(
            "INSERT INTO registry_units (unit_id, estate_id, building_id, number, floor, "
            "gross_area, internal_area, use, created_at, updated_at, version) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            [
                oid,
                e.estate_id,
                e.building_id,
                e.number,
                e.floor,
                e.gross_area,
                e.internal_area,
                str(e.use),
                at,
                at,
                version,
            ],
        )

    def _unit_corrected(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        changes = {k: (str(v) if k == "use" else v) for k, v in e.changes.items()}
        self._update(cur, "registry_units", "unit_id", oid, e, version, changes)

    def _unit_movedin(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        self._begin_occupancy(cur, oid, e.occupancy_id, e.person_id, str(e.relation), e)
        self._touch_unit(cur, oid, e, version)

    def _unit_movedout(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        cur.execute(
            "UPDATE registry_occupancy SET moved_out_on = %s, ended_by = 'moved_out' "
            "WHERE occupancy_id = %s",
            [e.on, e.occupancy_id],
        )
        self._touch_unit(cur, oid, e, version)

    def _unit_ownershiptransferred(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        cur.execute(
            "UPDATE registry_occupancy SET moved_out_on = %s, ended_by = 'transferred' "
            "WHERE occupancy_id = ANY(%s)",
            [e.on, list(e.ended)],
        )
        for new in e.new_owners:
            moved = _OnDate(e.on, occurred_at(e))
            self._begin_occupancy(cur, oid, new["occupancy_id"], new["person_id"], "owner", moved)
        self._touch_unit(cur, oid, e, version)

    def _begin_occupancy(
        self, cur: Any, unit_id: UUID, occupancy_id: UUID, person_id: UUID, relation: str, e: Any
    ) -> None:
        cur.execute(
            "INSERT INTO registry_occupancy (occupancy_id, unit_id, estate_id, building_id, "
            "person_id, user_id, relation, moved_in_on, recorded_at) "
            "SELECT %s, u.unit_id, u.estate_id, u.building_id, %s, "
            "(SELECT user_id FROM registry_people WHERE person_id = %s), %s, %s, %s "
            "FROM registry_units u WHERE u.unit_id = %s",
            [occupancy_id, person_id, person_id, relation, e.on, occurred_at(e), unit_id],
        )

    def _touch_unit(self, cur: Any, unit_id: UUID, e: Any, version: int) -> None:
        cur.execute(
            "UPDATE registry_units SET occupant_user_ids = ARRAY("
            "SELECT DISTINCT user_id FROM registry_occupancy WHERE unit_id = %s "
            "AND moved_out_on IS NULL AND user_id IS NOT NULL ORDER BY user_id), "
            "updated_at = %s, version = %s WHERE unit_id = %s",
            [unit_id, occurred_at(e), version, unit_id],
        )

    # ---- people --------------------------------------------------------------

    def _person_registered(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        at = occurred_at(e)
        cur.execute(
            "INSERT INTO registry_people (person_id, estate_id, name_masked, phone_masked, "
            "national_id_masked, user_id, created_at, updated_at, version) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            [
                oid,
                e.estate_id,
                self._masked(oid, "name", e.name_enc),
                self._masked(oid, "phone", e.phone_enc),
                self._masked(oid, "national_id", e.national_id_enc),
                e.user_id,
                at,
                at,
                version,
            ],
        )

    def _person_contactchanged(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        changes: dict[str, Any] = {"personal_data_erased": False}
        for field in ("name", "phone", "national_id"):
            if f"{field}_enc" in e.changes:
                changes[f"{field}_masked"] = self._masked(oid, field, e.changes[f"{field}_enc"])
        self._update(cur, "registry_people", "person_id", oid, e, version, changes)

    def _person_personaldataerased(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        changes = {
            "name_masked": ERASED,
            "phone_masked": None,
            "national_id_masked": None,
            "personal_data_erased": True,
        }
        self._update(cur, "registry_people", "person_id", oid, e, version, changes)

    def _person_accountlinked(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        self._relink(cur, oid, e.user_id, e, version)

    def _person_accountunlinked(self, cur: Any, e: Any, oid: UUID, version: int) -> None:
        self._relink(cur, oid, None, e, version)

    def _relink(self, cur: Any, person_id: UUID, user_id: UUID | None, e: Any, v: int) -> None:
        self._update(cur, "registry_people", "person_id", person_id, e, v, {"user_id": user_id})
        cur.execute(
            "UPDATE registry_occupancy SET user_id = %s WHERE person_id = %s", [user_id, person_id]
        )
        cur.execute(
            "UPDATE registry_units u SET occupant_user_ids = ARRAY("
            "SELECT DISTINCT o.user_id FROM registry_occupancy o WHERE o.unit_id = u.unit_id "
            "AND o.moved_out_on IS NULL AND o.user_id IS NOT NULL ORDER BY o.user_id) "
            "WHERE u.unit_id IN (SELECT unit_id FROM registry_occupancy WHERE person_id = %s)",
            [person_id],
        )

    # ---- helpers ---------------------------------------------------------------

    def _masked(self, person_id: UUID, field: str, ciphertext: str | None) -> str | None:
        value = self.vault.decrypt(person_id, field, ciphertext) if ciphertext else None
        if field == "name":
            return mask_name(value)
        if field == "phone":
            return mask_phone(value)
        return mask_national_id(value)

    @staticmethod
    def _update(
        cur: Any, table: str, key: str, oid: UUID, e: Any, version: int, changes: dict[str, Any]
    ) -> None:
        sets = {**changes, "updated_at": occurred_at(e), "version": version}
        assignments = ", ".join(f"{column} = %s" for column in sets)
        cur.execute(
            f"UPDATE {table} SET {assignments} WHERE {key} = %s",
            [*sets.values(), oid],
        )


class _OnDate:
    """An event-like view for one new owner's record of a transfer."""

    def __init__(self, on: Any, at: Any) -> None:
        self.on = on
        self.timestamp = at
