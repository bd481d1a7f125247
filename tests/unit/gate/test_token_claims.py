"""Whatever a forger writes in a token's claims, reading it is a 422 or the claims:
they are read before the signature is checked, so nothing in them may raise
anything else (a time no datetime holds was a 500)."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ValidationFailed
from domain.gate import token as tokens

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)
_CLAIM = st.integers() | st.uuids().map(str) | _JSON


def _token(raw: Any) -> str:
    data = base64.urlsafe_b64encode(json.dumps(raw).encode()).rstrip(b"=").decode()
    return f"{tokens.PREFIX}.{data}.AAAA"


@given(st.fixed_dictionaries({k: _CLAIM for k in "pefu"}) | _JSON)
def test_any_claims_are_read_or_refused_as_invalid(raw: Any) -> None:
    try:
        claims, _, _ = tokens.read(_token(raw))
    except ValidationFailed:
        return
    assert claims.valid_from.tzinfo is not None


def test_a_time_beyond_any_calendar_is_an_invalid_token() -> None:
    pass_id = "00000000-0000-4000-8000-000000000000"
    for f, u in ((10**20, 10**21), (-(10**18), 1), (1, float("inf")), (True, 2)):
        raw = {"p": pass_id, "e": pass_id, "f": f, "u": u}
        try:
            tokens.read(_token(raw))
        except ValidationFailed:
            continue
        raise AssertionError(f"read {raw}")
