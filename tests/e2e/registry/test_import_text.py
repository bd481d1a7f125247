"""An import file is held to the same text rules as a request body (issue 12 §1)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.registry.helpers import assert_problem, new_estate
from tests.e2e.registry.test_import import RESIDENT_HEADER, UNIT_HEADER, _post


@pytest.mark.parametrize(
    ("name", "shown"),
    [("Li\x00Na", "U+0000"), ("Li\u202eaN", "U+202E"), ("Li\u200bNa", "U+200B")],
)
def test_a_resident_name_with_a_forbidden_character_refuses_the_file(
    client: TestClient, admin: dict[str, str], running: Container, name: str, shown: str
) -> None:
    estate, _ = new_estate(client, admin)
    units = (UNIT_HEADER + "B1,101,1,90,80,,\n").encode()
    assert _post(client, admin, estate, "units", units, "text/csv").status_code == 201
    head = running.event_log.head()
    body = (
        RESIDENT_HEADER
        + "B1,101,Li Ming,,,owner,2019-03-01,\n"
        + f"B1,101,{name},,,resident,2019-03-01,\n"
    ).encode()
    problem = assert_problem(_post(client, admin, estate, "residents", body, "text/csv"), 422)
    [error] = problem["errors"]
    assert (error["row"], error["column"]) == (3, "name")
    assert shown in error["message"]
    assert running.event_log.head() == head
