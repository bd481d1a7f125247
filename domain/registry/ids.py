"""Natural keys made IDs: a second record with the same key cannot be stored.

An estate is known by its code, a building by its code within the estate, a
unit by its number within the building, a parking space by its code within
the estate. The ID is derived from the key, so the event store itself refuses
a duplicate (a version conflict on the first event), even from a batch import
racing a single command.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import ValidationFailed

REGISTRY_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/registry")

MAX_CODE = 32


def normalise_code(value: str, what: str = "code") -> str:
    """Codes and numbers compare without case and surrounding space."""
    code = value.strip().upper()
    if not code:
        raise ValidationFailed(f"{what}: must not be empty")
    if len(code) > MAX_CODE:
        raise ValidationFailed(f"{what}: at most {MAX_CODE} characters")
    if not all(c.isalnum() or c in "-_./#" for c in code):
        raise ValidationFailed(f"{what}: letters, digits or - _ . / # only")
    return code


def estate_id_for(code: str) -> UUID:
    return uuid5(REGISTRY_NAMESPACE, "estate:" + normalise_code(code))


def building_id_for(estate_id: UUID, code: str) -> UUID:
    return uuid5(estate_id, "building:" + normalise_code(code))


def unit_id_for(building_id: UUID, number: str) -> UUID:
    return uuid5(building_id, "unit:" + normalise_code(number, "number"))


def parking_id_for(estate_id: UUID, code: str) -> UUID:
    return uuid5(estate_id, "parking:" + normalise_code(code))
