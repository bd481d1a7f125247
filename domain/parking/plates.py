"""Chinese licence plates (机动车号牌), validated and written one way.

A plate is a province's character (京, 沪, 粤 ...), the issuing office's
letter, then five characters (an ordinary plate, whose last may be 挂, 学,
警, 港 or 澳) or six (a new-energy plate: D or F first for a small car, last
for a large one). What a camera or a clerk sends is normalised first: spaces,
the middle dot and dashes dropped, full-width letters and digits made
half-width, letters upper case. ``京a·12345`` is ``京A12345``.
"""

from __future__ import annotations

import re
import unicodedata

from domain.errors import ValidationFailed

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_SUFFIXES = "挂学警港澳"
# The letters I and O are never issued (they read as 1 and 0).
_LETTER = "A-HJ-NP-Z"
_ORDINARY = re.compile(rf"^[{PROVINCES}][{_LETTER}][{_LETTER}0-9]{{4}}[{_LETTER}0-9{_SUFFIXES}]$")
_NEW_ENERGY = re.compile(
    rf"^[{PROVINCES}][{_LETTER}](?:[DF][{_LETTER}0-9][0-9]{{4}}|[0-9]{{5}}[DF])$"
)
_DROPPED = str.maketrans("", "", " \t·•.-_")


def normalise_plate(raw: str, field: str = "plate") -> str:
    """The plate as it is stored and compared; a clear refusal if it is none."""
    plate = unicodedata.normalize("NFKC", str(raw)).translate(_DROPPED).upper()
    if _ORDINARY.match(plate) or _NEW_ENERGY.match(plate):
        return plate
    raise ValidationFailed(
        f"{field}: {raw!r} is not a Chinese plate (province, letter, 5 or 6 characters)"
    )


def is_new_energy(plate: str) -> bool:
    """A green new-energy plate (six characters after the letter)."""
    return len(plate) == 8
