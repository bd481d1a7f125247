"""Background parts that run beside the API in the embedded default."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from dramatiq import Worker

from bootstrap import Container
from domain.operations.incidents import Level, Source
from interfaces.scheduler import Scheduler
from projections.log import raise_alert

log = logging.getLogger(__name__)

#: How often the supervisor looks at its threads.
CHECK_EVERY = 1.0
#: Pause before a dead thread is started again; doubled each time it dies, up to the longest.
RESTART_FIRST, RESTART_LONGEST = 1.0, 60.0
# A thread that ran this long before dying starts its pauses from the first
# again: deaths weeks apart are not a crash loop.
HEALTHY_RUN = 300.0


class BackgroundRunner:
    """Projector, snapshotter, scheduler and dramatiq worker threads in this process.

    The snapshotter follows the log beside the projector (decision 0032). A
    supervisor watches the projector, the snapshotter and the scheduler. One that has died
    (whatever it was that its own loop did not catch) is logged, an
    ``AdminAlert`` is recorded, and it is started again after a pause that
    grows while it keeps dying; until then :meth:`problems` names it, and
    ``/ready`` answers 503.
    """

    def __init__(
        self,
        container: Container,
        *,
        check_every: float = CHECK_EVERY,
        restart_first: float = RESTART_FIRST,
    ) -> None:
        self.container = container
        self.stop_event = threading.Event()
        self.worker: Worker | None = None
        self.check_every = check_every
        self.restart_first = restart_first
        self._targets: dict[str, Callable[[threading.Event], None]] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._deaths: dict[str, int] = {}
        self._started_at: dict[str, float] = {}
        self._restart_at: dict[str, float] = {}
        self._supervisor: threading.Thread | None = None

    @property
    def thread(self) -> threading.Thread | None:
        """The projector's thread (None when it does not run here)."""
        return self._threads.get("projector")

    def start(
        self, *, projector: bool = True, workers: bool = True, scheduler: bool = False
    ) -> None:
        if scheduler:
            jobs = Scheduler(self.container.pool, self.container.scheduled_jobs())
            self._spawn("scheduler", jobs.run)
        if projector:
            self._spawn("projector", self.container.projector.run)
            self._spawn("snapshotter", self.container.snapshotter.run)
        if workers:
            self.worker = Worker(self.container.broker, worker_threads=2, worker_timeout=500)
            self.worker.start()
        if self._targets:
            self._supervisor = threading.Thread(
                target=self._supervise, name="estatelog-supervisor", daemon=True
            )
            self._supervisor.start()

    def problems(self) -> list[str]:
        """The background threads that should be running here and are not."""
        return [
            f"the {name} thread has stopped; it restarts by itself"
            for name, thread in self._threads.items()
            if not thread.is_alive() and not self.stop_event.is_set()
        ]

    def stop(self) -> None:
        self.stop_event.set()
        if "projector" in self._threads:
            self.container.projector.wake()
        if self.worker is not None:
            self.worker.stop(timeout=5000)
        if self._supervisor is not None:
            self._supervisor.join(timeout=10)
        for thread in self._threads.values():
            thread.join(timeout=10)

    def _spawn(self, name: str, target: Callable[[threading.Event], None]) -> None:
        self._targets[name] = target
        self._started_at[name] = time.monotonic()
        self._threads[name] = thread = threading.Thread(
            target=self._run, args=(name, target), name=f"estatelog-{name}", daemon=True
        )
        thread.start()

    def _run(self, name: str, target: Callable[[threading.Event], None]) -> None:
        try:
            target(self.stop_event)
        except BaseException:
            if not self.stop_event.is_set():
                log.critical("the %s thread died", name, exc_info=True)
            raise

    def _supervise(self) -> None:
        while not self.stop_event.wait(self.check_every):
            for name, thread in list(self._threads.items()):
                if thread.is_alive():
                    continue
                now = time.monotonic()
                if name not in self._restart_at:
                    if now - self._started_at.get(name, now) > HEALTHY_RUN:
                        self._deaths[name] = 0
                    deaths = self._deaths[name] = self._deaths.get(name, 0) + 1
                    pause = min(self.restart_first * 2 ** (deaths - 1), RESTART_LONGEST)
                    self._restart_at[name] = now + pause
                    self._alert(name, deaths, pause)
                elif now >= self._restart_at[name]:
                    del self._restart_at[name]
                    log.warning("starting the %s thread again", name)
                    self._spawn(name, self._targets[name])

    def _alert(self, name: str, deaths: int, pause: float) -> None:
        message = (
            f"the {name} thread of this process stopped ({deaths} times); "
            f"restarting it in {pause:.0f} s"
        )
        log.error(message)
        raise_alert(self.container.event_log, "background_thread_died", message)
        # The alert above is the incident's: the recorder adds none.
        source = Source(name) if name in {s.value for s in Source} else Source.WORKER
        self.container.incidents.record(
            Level.BUSINESS_INTERRUPTED,
            source,
            "background_thread_died",
            name,
            f"the {name} thread stopped and is restarted after a pause",
            alerted=True,
        )


def run_worker_blocking(
    container: Container, threads: int = 4, beat: Callable[[], None] = lambda: None
) -> None:
    """Run dramatiq's worker threads until interrupted; ``beat`` while every
    thread lives and Redis, where the jobs wait, answers."""
    worker = Worker(container.broker, worker_threads=threads)
    worker.start()
    stop = threading.Event()
    try:
        while not stop.wait(1.0):
            if all(t.is_alive() for t in worker.workers) and _answers(container):
                beat()
    except KeyboardInterrupt:
        pass
    finally:
        worker.stop(timeout=10_000)


def _answers(container: Container) -> bool:
    try:
        return bool(container.broker.client.ping())
    except Exception:
        return False
