"""What the community aggregates share: text checks and the survey subjects."""

from __future__ import annotations

from domain.errors import ValidationFailed


def text(value: str, field: str, longest: int) -> str:
    value = value.strip()
    if not 1 <= len(value) <= longest:
        raise ValidationFailed(f"{field}: 1-{longest} characters")
    return value
