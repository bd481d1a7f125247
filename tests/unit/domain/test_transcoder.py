"""The orjson transcoder keeps every stored value's type, exactly (R5.1 money, R2.5 audit)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infrastructure.eventstore.transcoder import NaiveDatetimeError, OrjsonTranscoder
from tests.support.examples import examples

TRANSCODER = OrjsonTranscoder()


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


class Priority(IntEnum):
    LOW = 1
    URGENT = 4


class Severity(Enum):
    """A plain Enum with int values: not an int itself, unlike Priority."""

    MINOR = 1
    CRITICAL = 3


CALLS: list[Any] = []


def _record_call(value: Any) -> None:
    """Stands in for any callable an attacker would like a decoder to run."""
    CALLS.append(value)


# --- strategies ------------------------------------------------------------

fixed_offsets = st.builds(
    timezone,
    st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23)),
)
aware_datetimes = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2300, 12, 31),
    timezones=st.one_of(st.just(UTC), fixed_offsets, st.timezones()),
)
# Exact decimals of any precision, built from their digits (no context rounding).
decimals = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False),
    st.builds(
        lambda digits, exponent: Decimal(f"{digits}E{exponent}"),
        st.integers(min_value=-(10**60), max_value=10**60),
        st.integers(min_value=-40, max_value=40),
    ),
)
# orjson's integers are 64-bit; wider ones are refused (see below).
ints = st.integers(min_value=-(2**63), max_value=2**64 - 1)
enums = st.one_of(st.sampled_from(Colour), st.sampled_from(Priority), st.sampled_from(Severity))
hashables = st.one_of(st.text(), ints, st.booleans(), st.uuids(), decimals, st.dates(), enums)
scalars = st.one_of(
    st.none(),
    st.text(),
    ints,
    st.booleans(),
    decimals,
    st.uuids(),
    aware_datetimes,
    st.dates(),
    enums,
    st.binary(max_size=16),
    st.sets(hashables, max_size=5),
)
# Keys include the tag's own names: a plain dict shaped like a tag must survive.
keys = st.one_of(st.text(max_size=8), st.sampled_from(["_type_", "_data_", "__meta__"]))
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)
    ),
    max_leaves=25,
)
event_states = st.dictionaries(keys, values, max_size=6)


# --- strict comparison -----------------------------------------------------


def assert_same(decoded: Any, original: Any, path: str = "$") -> None:
    """Equal, of the same type, and exact: 1 is not True, "1.10" is not "1.1"."""
    if isinstance(original, datetime):
        assert type(decoded) is datetime, path
        assert decoded.utcoffset() == timedelta(0), f"{path}: not UTC: {decoded!r}"
        assert decoded == original.astimezone(UTC), path
        return
    if isinstance(original, (set, frozenset)):
        assert type(decoded) is set, path
        assert {(type(v), v) for v in decoded} == {(type(v), v) for v in original}, path
        return
    assert type(decoded) is type(original), f"{path}: {type(decoded)} != {type(original)}"
    if isinstance(original, dict):
        assert decoded.keys() == original.keys(), path
        for key, value in original.items():
            assert_same(decoded[key], value, f"{path}.{key}")
    elif isinstance(original, list):
        assert len(decoded) == len(original), path
        for i, (d, o) in enumerate(zip(decoded, original, strict=True)):
            assert_same(d, o, f"{path}[{i}]")
    elif isinstance(original, Decimal):
        assert decoded.as_tuple() == original.as_tuple(), f"{path}: {decoded} != {original}"
    else:
        assert decoded == original, path


def _no_floats(text: str) -> None:
    raise AssertionError(f"a float was written: {text}")


def decimals_in(obj: Any) -> list[Decimal]:
    if isinstance(obj, Decimal):
        return [obj]
    if isinstance(obj, dict):
        return [d for v in obj.values() for d in decimals_in(v)]
    if isinstance(obj, (list, set)):
        return [d for v in obj for d in decimals_in(v)]
    return []


# --- properties --------------------------------------------------------------


@settings(max_examples=examples(300), deadline=None)
@given(event_states)
def test_every_supported_value_round_trips_with_its_exact_type(state: dict[str, Any]) -> None:
    raw = TRANSCODER.encode(state)
    assert isinstance(raw, bytes)
    assert_same(TRANSCODER.decode(raw), state)


@settings(max_examples=examples(200), deadline=None)
@given(event_states)
def test_decimals_are_written_as_exact_strings_never_as_floats(state: dict[str, Any]) -> None:
    raw = TRANSCODER.encode(state)
    # Nothing in the input is a float, so any JSON number with a fraction or
    # exponent would be a Decimal that lost its exactness.
    json.loads(raw, parse_float=_no_floats, parse_constant=_no_floats)
    for d in decimals_in(state):
        assert json.dumps(str(d)).encode() in raw


@given(decimals)
def test_a_decimal_is_tagged_with_its_string_form(amount: Decimal) -> None:
    raw = TRANSCODER.encode({"amount": amount})
    assert json.loads(raw) == {"amount": {"_type_": "decimal_str", "_data_": str(amount)}}


def test_money_keeps_its_precision_and_trailing_zeros() -> None:
    amount = Decimal("123456789012345678901234567890.1234567890")
    decoded = TRANSCODER.decode(TRANSCODER.encode({"a": amount, "b": Decimal("0.10")}))
    assert str(decoded["a"]) == "123456789012345678901234567890.1234567890"
    assert str(decoded["b"]) == "0.10"


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2300, 1, 1)))
def test_naive_datetimes_are_refused_wherever_they_are(naive: datetime) -> None:
    with pytest.raises(NaiveDatetimeError):
        TRANSCODER.encode({"readings": [{"taken_at": naive}]})
    with pytest.raises(NaiveDatetimeError):
        TRANSCODER.encode({"when": {naive}})


@given(aware_datetimes)
def test_aware_datetimes_come_back_as_the_same_instant_in_utc(moment: datetime) -> None:
    decoded = TRANSCODER.decode(TRANSCODER.encode({"at": moment}))["at"]
    assert decoded.tzinfo is not None
    assert decoded.utcoffset() == timedelta(0)
    assert decoded.timestamp() == moment.timestamp()


def test_enums_come_back_as_members_not_their_values() -> None:
    state = {"c": Colour.RED, "p": Priority.URGENT, "s": Severity.CRITICAL}
    decoded = TRANSCODER.decode(TRANSCODER.encode(state))
    assert decoded["c"] is Colour.RED
    assert decoded["p"] is Priority.URGENT
    assert decoded["s"] is Severity.CRITICAL


def test_integers_wider_than_64_bits_are_refused_not_turned_into_floats() -> None:
    with pytest.raises(TypeError):
        TRANSCODER.encode({"n": 2**64})
    assert TRANSCODER.decode(TRANSCODER.encode({"n": 2**64 - 1})) == {"n": 2**64 - 1}


def test_a_plain_dict_shaped_like_a_tag_is_data_not_code() -> None:
    """Free-form JSON from a request must never make the decoder call something."""
    CALLS.clear()
    topic = f"{__name__}:_record_call"
    hostile = {"details": {"_type_": "enum", "_data_": [topic, "rm -rf /"]}}
    decoded = TRANSCODER.decode(TRANSCODER.encode(hostile))
    assert decoded == hostile
    assert CALLS == []
    also_hostile = {"_type_": "uuid_hex", "_data_": "not a uuid"}
    assert TRANSCODER.decode(TRANSCODER.encode(also_hostile)) == also_hostile


def test_a_stored_enum_tag_naming_something_other_than_an_enum_is_refused() -> None:
    CALLS.clear()
    forged = json.dumps(
        {"x": {"_type_": "enum", "_data_": [f"{__name__}:_record_call", "boom"]}}
    ).encode()
    with pytest.raises(ValueError, match="does not name an Enum"):
        TRANSCODER.decode(forged)
    assert CALLS == []


def test_unsupported_types_are_refused_with_a_clear_error() -> None:
    with pytest.raises(TypeError, match="cannot store a complex"):
        TRANSCODER.encode({"z": complex(1, 2)})


def test_uuid_and_date_round_trip() -> None:
    ident = UUID("12345678-1234-5678-1234-567812345678")
    state = {"id": ident, "on": date(2026, 2, 28)}
    decoded = TRANSCODER.decode(TRANSCODER.encode(state))
    assert_same(decoded, state)


@given(st.uuids())
def test_the_fast_uuid_path_builds_the_same_uuid_as_the_constructor(value: UUID) -> None:
    from infrastructure.eventstore.transcoder import _uuid_from_hex

    rebuilt = _uuid_from_hex(value.hex)
    assert type(rebuilt) is UUID
    assert rebuilt == value and hash(rebuilt) == hash(value) and str(rebuilt) == str(value)
    assert rebuilt.version == value.version


def test_a_malformed_stored_uuid_is_refused_as_the_constructor_refuses_it() -> None:
    from infrastructure.eventstore.transcoder import _uuid_from_hex

    with pytest.raises(ValueError):
        _uuid_from_hex("not-a-uuid")
    with pytest.raises(ValueError):
        _uuid_from_hex("-" + "f" * 31)
