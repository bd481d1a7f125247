"""The kinds of record a route's scope is judged on, and the shorthands the tables use
(``interfaces/http/scopes.py`` explains them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Target(StrEnum):
    COMPANY = "company"
    ESTATE = "estate"
    UNIT = "unit"
    OWN = "own"


COMPANY, ESTATE, UNIT, OWN = Target.COMPANY, Target.ESTATE, Target.UNIT, Target.OWN


@dataclass(frozen=True)
class Scoped:
    target: Target
    source: str
    also: tuple[str, ...] = ()


API = "/api/v1"


def posts(target: Target, record: str, names: str) -> dict[tuple[str, str], Scoped]:
    """``POST <record>/<name>`` for each name in ``names``: the steps of a
    record's workflow, or the records created within it, each judged on the
    record its path names."""
    [key] = re.findall(r"\{(\w+)\}", record)
    return {("POST", f"{record}/{name}"): Scoped(target, f"path:{key}") for name in names.split()}


def record(target: Target, path: str, steps: str) -> dict[tuple[str, str], Scoped]:
    """The routes of a record that follow the one rule: ``GET <collection>``
    lists the rows the caller may see, ``GET <path>`` and ``POST
    <path>/<name>`` for each name in ``steps`` are judged on the record."""
    collection, _ = path.rsplit("/", 1)
    [key] = re.findall(r"\{(\w+)\}", path)
    return {
        ("GET", collection): Scoped(target, "rows"),
        ("GET", path): Scoped(target, f"path:{key}"),
        **posts(target, path, steps),
    }
