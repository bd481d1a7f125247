"""The incident recorder on the real log: one append a fingerprint a minute,
the count since the last in it, processes converging on one record, and the
administrators' alert once an episode (decision 0047)."""

from __future__ import annotations

import threading
import time
from typing import Any

from application.operations.recorder import IncidentRecorder
from bootstrap import Container
from domain.operations.incidents import Level, Source, incident_id_for
from infrastructure.eventstore.store import EventLog, postgres_env

WHERE = (Source.API, "KeyError", "GET /api/v1/units")
INCIDENT = incident_id_for(*WHERE)


def _events(container: Container) -> list[Any]:
    """The incident's events and the alerts, decoded, in order."""
    out = []
    for note in container.event_log.read(after=0, limit=10_000):
        if "Incident" in note.topic or "AdminAlert" in note.topic:
            out.append(container.event_log.mapper_with_metadata.decode(note)[0])
    return out


def _counts(container: Container) -> list[int]:
    return [e.count for e in _events(container) if type(e).__qualname__.startswith("Incident.")]


def _wait(check: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.02)


def test_repeats_within_a_minute_wait_and_go_as_one_count(container: Container) -> None:
    recorder = IncidentRecorder(container.event_log)
    try:
        for _ in range(5):
            recorder.record(Level.MINOR_ERROR, *WHERE, "KeyError in GET /api/v1/units")
        _wait(lambda: len(_counts(container)) == 1)  # a new fingerprint goes at once
        for _ in range(3):
            recorder.record(Level.MINOR_ERROR, *WHERE, "KeyError in GET /api/v1/units")
        time.sleep(0.5)
        assert len(_counts(container)) == 1  # the rest waits for the minute
        assert recorder.pending() == 1
    finally:
        recorder.close()  # appends what waits
    counts = _counts(container)
    assert len(counts) == 2 and sum(counts) == 8
    incident = container.event_log.repository.get(INCIDENT)
    assert incident.occurrences == 8


def test_at_most_one_append_a_fingerprint_each_interval(container: Container) -> None:
    recorder = IncidentRecorder(container.event_log, every=0.25)
    started = time.monotonic()
    try:
        while time.monotonic() - started < 1.0:
            recorder.record(Level.MINOR_ERROR, *WHERE, "KeyError in GET /api/v1/units")
            time.sleep(0.001)
    finally:
        took = time.monotonic() - started
        recorder.close()
    counts = _counts(container)
    assert 2 <= len(counts) <= took / 0.25 + 2, counts
    assert sum(counts) > len(counts)  # the occurrences between appends were counted


def test_two_processes_append_to_one_incident_and_lose_no_count(
    container: Container,
) -> None:
    other_log = EventLog(postgres_env(container.database_url, 2, 0))
    recorders = [IncidentRecorder(container.event_log), IncidentRecorder(other_log)]
    try:

        def burst(recorder: IncidentRecorder) -> None:
            for _ in range(20):
                recorder.record(Level.MINOR_ERROR, *WHERE, "KeyError in GET /api/v1/units")
                recorder.flush()

        threads = [threading.Thread(target=burst, args=(r,)) for r in recorders]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for r in recorders:
            r.close()
        other_log.close()
    assert sum(_counts(container)) == 40
    assert container.event_log.repository.get(INCIDENT).occurrences == 40


def test_a_level_2_incident_alerts_once_an_episode(container: Container) -> None:
    recorder = IncidentRecorder(container.event_log)
    place = (Source.SCHEDULER, "ValueError", "billing_run")
    try:
        recorder.record(Level.BUSINESS_INTERRUPTED, *place, "ValueError in a job")
        assert recorder.flush()
        recorder.record(Level.BUSINESS_INTERRUPTED, *place, "ValueError in a job")
        assert recorder.flush()
        incident = container.event_log.repository.get(incident_id_for(*place))
        incident.resolve(incident.id, "a bad rate", "fixed the rate", incident.last_seen)
        container.event_log.save(incident)
        recorder.record(Level.BUSINESS_INTERRUPTED, *place, "ValueError in a job")
        assert recorder.flush()
        # One whose caller raised the alert itself adds none.
        recorder.record(Level.SYSTEM_CRASH, Source.WORKER, "died", "x", "s", alerted=True)
        assert recorder.flush()
    finally:
        recorder.close()
    names = [type(e).__qualname__ for e in _events(container)]
    assert names == [
        "Incident.Recorded",
        "AdminAlert.Raised",
        "Incident.Recurred",
        "Incident.Resolved",
        "Incident.Reopened",
        "AdminAlert.Raised",
        "Incident.Recorded",
    ]
    alerts = [e for e in _events(container) if type(e).__qualname__ == "AdminAlert.Raised"]
    assert {a.subject_id for a in alerts} == {incident_id_for(*place)}
    assert alerts[0].originator_id != alerts[1].originator_id


def test_recording_never_raises_into_the_caller_and_keeps_a_bounded_number(
    container: Container,
) -> None:
    recorder = IncidentRecorder(container.event_log, keep=1)
    try:
        recorder.record(99, *WHERE, "not a level")  # type: ignore[arg-type]
        recorder.record(Level.MINOR_ERROR, *WHERE, "x" * 10_000)
        recorder.record(Level.MINOR_ERROR, Source.API, "Other", "GET /x", "one is kept")
    finally:
        recorder.close()
    events = _events(container)
    # The second fingerprint was dropped, unless the first had gone already.
    assert len(events) + recorder.dropped == 2
    assert all(len(e.summary) <= 300 for e in events)
