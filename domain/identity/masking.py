"""How personal data is shown in read models and exports (R2.2)."""

from __future__ import annotations

ERASED = "[erased]"


def mask_national_id(value: str | None) -> str | None:
    """``310101199001011234`` -> ``3101**********1234``."""
    if not value:
        return None
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """``13812345678`` -> ``138****5678``."""
    if not value:
        return None
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
