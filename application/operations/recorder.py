"""Recording incidents without hurting whoever saw them (decision 0047).

Whoever sees a failure (a request's exception handler, the projector, the
runner's supervisor, a delivery job) calls :meth:`IncidentRecorder.record`:
it counts the occurrence under its fingerprint in memory and returns at once,
never raising. A thread of the recorder's own appends: at most one event a
fingerprint a minute in this process, carrying the count since the last.
When the log cannot take it (the database away, which is itself an incident)
the counts wait in memory, bounded, and go when the database answers again.
Every process appends to the same record (the fingerprint's uuid5); a
version conflict with another process reloads and appends again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.persistence import IntegrityError

from application.ports import EventLogPort
from application.services import find, utc_now
from domain.identity.alerts import AdminAlert, Severity
from domain.operations.incidents import Incident, Level, Status, incident_id_for

log = logging.getLogger(__name__)

#: At most one append a fingerprint in this many seconds, per process.
EVERY = 60.0
#: Fingerprints kept while the log cannot take them; occurrences of others are dropped (counted).
KEEP = 1000
#: Pause after a failed append, doubled while the log keeps failing, up to the longest.
RETRY_FIRST, RETRY_LONGEST = 1.0, 30.0
#: A summary is a short safe text: longer ones are cut.
SUMMARY_LONGEST = 300


@dataclass
class _Pending:
    level: Level
    source: str
    kind: str
    where: str
    summary: str
    first: datetime
    last: datetime
    count: int
    alerted: bool

    def merge(self, later: _Pending) -> None:
        self.summary, self.last = later.summary, max(self.last, later.last)
        self.first = min(self.first, later.first)
        self.count += later.count
        self.alerted = self.alerted or later.alerted


class IncidentRecorder:
    """Counts occurrences in memory; a thread of its own appends them to the log."""

    def __init__(
        self,
        event_log: EventLogPort,
        *,
        clock: Callable[[], datetime] = utc_now,
        every: float = EVERY,
        keep: int = KEEP,
        retry_first: float = RETRY_FIRST,
    ) -> None:
        self.event_log = event_log
        self.clock = clock
        self.every = every
        self.keep = keep
        self.retry_first = retry_first
        self.dropped = 0  # occurrences not kept: more fingerprints waiting than ``keep``
        self._lock = threading.Condition()
        self._flushing = threading.Lock()
        self._pending: dict[UUID, _Pending] = {}
        self._saved_at: dict[UUID, float] = {}  # monotonic time of this process's last append
        self._failures = 0
        self._retry_at = 0.0
        self._thread: threading.Thread | None = None
        self._closed = False

    def record(
        self,
        level: Level,
        source: str,
        kind: str,
        where: str,
        summary: str,
        *,
        alerted: bool = False,
    ) -> None:
        """One occurrence. ``alerted``: the caller raised the administrators'
        alert itself (the projector's stop, a thread's death), so none is added.
        Returns at once and never raises: the caller is already failing."""
        try:
            now = self.clock()
            seen = _Pending(
                Level(level), source, kind, where, summary[:SUMMARY_LONGEST], now, now, 1, alerted
            )
            fingerprint = incident_id_for(source, kind, where)
            with self._lock:
                if self._closed:
                    return
                waiting = self._pending.get(fingerprint)
                if waiting is not None:
                    waiting.merge(seen)
                elif len(self._pending) >= self.keep:
                    self.dropped += 1
                    if self.dropped == 1 or self.dropped % 1000 == 0:
                        log.error(
                            "incidents: %d occurrences dropped, too many waiting", self.dropped
                        )
                    return
                else:
                    self._pending[fingerprint] = seen
                self._start()
                self._lock.notify()
        except Exception:
            log.exception("could not count an incident (%s %s at %s)", source, kind, where)

    def pending(self) -> int:
        """How many fingerprints wait for an append."""
        with self._lock:
            return len(self._pending)

    def flush(self, *, force: bool = True) -> bool:
        """Append what is due now (everything with ``force``, the minute apart
        ignored); True if nothing is left waiting."""
        # One flush at a time: a caller's flush returns after the thread's
        # appends in flight, so what it saw recorded is in the log.
        with self._flushing:
            return self._flush(force)

    def _flush(self, force: bool) -> bool:
        now = time.monotonic()
        with self._lock:
            if now < self._retry_at and not force:
                return False
            due = [
                (fingerprint, self._pending.pop(fingerprint))
                for fingerprint in list(self._pending)
                if force or now >= self._saved_at.get(fingerprint, -self.every) + self.every
            ]
        for n, (fingerprint, pending) in enumerate(due):
            try:
                self._append(fingerprint, pending)
            except Exception as exc:
                self._put_back(due[n:], exc)
                return False
            with self._lock:
                self._saved_at[fingerprint] = time.monotonic()
                self._failures = 0
        with self._lock:
            # Only the last minute's appends hold the next one back.
            for fingerprint, at in list(self._saved_at.items()):
                if at + self.every <= now and fingerprint not in self._pending:
                    del self._saved_at[fingerprint]
            return not self._pending

    def close(self, timeout: float = 2.0) -> None:
        """Append what waits (if the log takes it within ``timeout``), stop the thread."""
        with self._lock:
            self._closed = True
            self._lock.notify()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._thread is None or not self._thread.is_alive():
            try:
                self.flush()
            except Exception:
                log.exception("incidents not recorded at close")

    def _put_back(self, unsaved: list[tuple[UUID, _Pending]], exc: Exception) -> None:
        with self._lock:
            for fingerprint, pending in unsaved:
                later = self._pending.get(fingerprint)
                if later is not None:
                    pending.merge(later)
                self._pending[fingerprint] = pending
            self._failures += 1
            wait = min(self.retry_first * 2 ** (self._failures - 1), RETRY_LONGEST)
            self._retry_at = time.monotonic() + wait
        log.warning("incidents wait in memory (%d): %r; retry in %.0f s", len(unsaved), exc, wait)

    def _append(self, fingerprint: UUID, pending: _Pending) -> None:
        for attempt in range(1, 4):
            incident = find(self.event_log, fingerprint, Incident)
            new_episode = incident is None or incident.status is Status.RESOLVED
            if incident is None:
                incident = Incident(
                    id=fingerprint,
                    level=int(pending.level),
                    source=pending.source,
                    kind=pending.kind,
                    where=pending.where,
                    summary=pending.summary,
                    first_seen=pending.first,
                    last_seen=pending.last,
                    count=pending.count,
                )
            else:
                incident.seen_again(pending.summary, pending.first, pending.last, pending.count)
            alerts = []
            if new_episode and pending.level.alerts and not pending.alerted:
                alerts.append(_alert_of(incident, pending))
            try:
                self.event_log.save_and_position(incident, *alerts)
                return
            except IntegrityError:
                if attempt == 3:
                    raise
                # Another process appended to the same incident: load it again.

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="estatelog-incidents", daemon=True
            )
            self._thread.start()

    def _next_due(self) -> float | None:
        """Seconds until something waiting is due (None: nothing waits)."""
        if not self._pending:
            return None
        now = time.monotonic()
        soonest = min(
            self._saved_at.get(fingerprint, -self.every) + self.every
            for fingerprint in self._pending
        )
        return max(soonest, self._retry_at) - now

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._closed:
                    wait = self._next_due()
                    if wait is not None and wait <= 0:
                        break
                    self._lock.wait(wait)
                if self._closed:
                    return  # close() flushes what is left
            try:
                self.flush(force=False)
            except Exception:  # a fault of ours: log it, never die
                log.exception("the incident recorder failed")
                time.sleep(self.retry_first)


def _alert_of(incident: Incident, pending: _Pending) -> AdminAlert:
    """The administrators' alert of an incident's new episode (levels 1 and 2).

    Its ID derives from the incident and the episode, so two processes that
    both saw the episode begin raise one alert (the loser's append conflicts)."""
    level = pending.level
    return AdminAlert(
        id=uuid5(incident.id, f"episode {incident.episode}"),
        kind=f"incident_{pending.kind}",
        severity=Severity.CRITICAL if level is Level.SYSTEM_CRASH else Severity.WARNING,
        subject_id=incident.id,
        message=(
            f"level {int(level)} incident ({level.label.replace('_', ' ')}): {pending.source} "
            f"{pending.kind} at {pending.where}: {pending.summary}"
        ),
        at=pending.last,
    )
