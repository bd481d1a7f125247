"""Every command the transition table does not allow answers 409 and appends nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.workorders.order import TRANSITIONS, Status, allowed_commands
from tests.e2e.workorders.conftest import Actor, World, ok, post, submit_as_resident

COMPLETION = {"work_done": "done", "parts": [], "labour_hours": "1", "currency": "CNY"}


def bodies(w: World) -> dict[str, Any]:
    return {
        "triage": {"category": "hvac", "priority": "normal"},
        "assign": {"technician_id": w.admin.id},
        "accept": None,
        "reject": {"reason": "no"},
        "start": None,
        "hold": {"reason": "parts"},
        "resume": None,
        "complete": COMPLETION,
        "rate": {"rating": 4},
        "close": None,
        "cancel": {"reason": "no longer needed"},
        "reopen": {"reason": "again"},
    }


# The path walked: the command that leads into each state.
PATH = [
    (Status.TRIAGED, "triage"),
    (Status.ASSIGNED, "assign"),
    (Status.ACCEPTED, "accept"),
    (Status.IN_PROGRESS, "start"),
    (Status.ON_HOLD, "hold"),
    (Status.IN_PROGRESS, "resume"),
    (Status.COMPLETED, "complete"),
    (Status.RATED, "rate"),
    (Status.CLOSED, "close"),
]


def try_all_refused(
    client: TestClient, running: Container, order_id: str, state: Status, who: Actor, w: World
) -> None:
    payloads = bodies(w)
    for command in TRANSITIONS:
        if command in allowed_commands(state):
            continue
        head = running.event_log.head()
        actor = w.resident_a if command == "rate" else who  # only the requester rates
        r = post(client, f"/workorders/{order_id}/{command}", actor, payloads[command])
        assert r.status_code == 409, (state, command, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert running.event_log.head() == head, (state, command)


def test_every_wrong_transition_answers_409_and_appends_nothing(
    client: TestClient, world: World, running: Container
) -> None:
    w = world
    order_id, _ = submit_as_resident(client, w)
    # The administrator manages every order and is assigned this one; the
    # resident rates it: only the state can refuse.
    try_all_refused(client, running, order_id, Status.SUBMITTED, w.admin, w)
    payloads = bodies(w)
    for state, command in PATH:
        actor = w.resident_a if command == "rate" else w.admin
        ok(post(client, f"/workorders/{order_id}/{command}", actor, payloads[command]))
        try_all_refused(client, running, order_id, state, w.admin, w)
    ok(post(client, f"/workorders/{order_id}/reopen", w.admin, {"reason": "leaks"}))
    ok(post(client, f"/workorders/{order_id}/cancel", w.admin, {"reason": "replaced instead"}))
    try_all_refused(client, running, order_id, Status.CANCELLED, w.admin, w)


def test_invalid_values_answer_422_and_append_nothing(
    client: TestClient, world: World, running: Container
) -> None:
    w = world
    order_id, _ = submit_as_resident(client, w)
    head = running.event_log.head()
    for command, body in [
        ("triage", {"category": "magic", "priority": "normal"}),
        ("triage", {"category": "hvac", "priority": "whenever"}),
        ("triage", {"category": "hvac", "priority": "low", "extra": 1}),
        ("rate", {"rating": 6}),
    ]:
        r = post(client, f"/workorders/{order_id}/{command}", w.admin, body)
        assert r.status_code == 422, (command, r.text)
    assert running.event_log.head() == head
