"""Every event name a read model dispatches on is an event of the aggregates it reads.

Read models compare event names as strings (``name == "Submitted"``), so a
typo, or an event renamed in the domain, would silently never match: the
read model would just stop changing. This reads each read model module's
source, finds every string it compares with ``name`` (or ``aggregate``, or a
``(aggregate, name)`` pair), and checks it against the event classes the
domain defines.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from eventsourcing.domain import CanMutateAggregate

import domain
import projections
from projections.events import kind_of_qualname


def _modules(package: ModuleType) -> Iterator[ModuleType]:
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        yield importlib.import_module(info.name)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _domain_events() -> dict[str, set[str]]:
    """Aggregate type -> names of its events, as ``kind_of`` names them."""
    for _ in _modules(domain):  # every event class is defined once its module is imported
        pass
    events: dict[str, set[str]] = {}
    for cls in _subclasses(CanMutateAggregate):
        if cls.__module__.startswith("domain."):
            aggregate, name = kind_of_qualname(cls.__qualname__)
            events.setdefault(aggregate, set()).add(name)
    return events


EVENTS = _domain_events()
ALL_NAMES = {name for names in EVENTS.values() for name in names}


def _source(module: ModuleType) -> str:
    return Path(str(module.__file__)).read_text()


READ_MODEL_MODULES = [m for m in _modules(projections) if "name ==" in _source(m)]


def _declared_aggregates(module: ModuleType) -> set[str]:
    return {
        aggregate
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module.__name__
        and isinstance(getattr(cls, "aggregates", None), frozenset)
        for aggregate in cls.aggregates
    }


def _strings(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [s for element in node.elts for s in _strings(element)]
    return []


def _compared(source: str, variable: str) -> set[str]:
    """The strings ``variable`` is compared with (==, !=, in, not in)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        left = node.left if isinstance(node, ast.Compare) else None
        if isinstance(left, ast.Name) and left.id == variable:
            for comparator in node.comparators:  # type: ignore[attr-defined]
                found.update(_strings(comparator))
    return found


def _pairs(source: str) -> set[tuple[str, str]]:
    """Literal ``("Aggregate", "Event")`` pairs (rule tables, ``kind == (...)``)."""
    pairs = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Tuple) and len(node.elts) == 2:
            strings = _strings(node)
            # Two aggregates ("ServiceRequest", "Complaint") are a list, not a pair.
            if len(strings) == 2 and strings[0] in EVENTS and strings[1] not in EVENTS:
                pairs.add((strings[0], strings[1]))
    return pairs


def test_the_domain_defines_the_events_read_models_are_checked_against() -> None:
    assert {"Registered", "LoginFailed"} <= EVENTS["User"]
    assert "Submitted" in EVENTS["WorkOrder"]
    assert len(READ_MODEL_MODULES) >= 10


@pytest.mark.parametrize("module", READ_MODEL_MODULES, ids=lambda m: m.__name__)
def test_every_event_name_a_read_model_compares_is_an_event_of_its_aggregates(
    module: ModuleType,
) -> None:
    source = _source(module)
    declared = _declared_aggregates(module)
    assert not declared - EVENTS.keys(), f"no such aggregate: {sorted(declared - EVENTS.keys())}"
    # A module of helpers declares no aggregates: its names must be some event's.
    known = {n for a in declared for n in EVENTS[a]} if declared else ALL_NAMES
    assert sorted(_compared(source, "name") - known) == []
    assert sorted(_compared(source, "aggregate") - EVENTS.keys()) == []
    assert sorted((a, n) for a, n in _pairs(source) if n not in EVENTS[a]) == []
