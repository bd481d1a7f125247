"""Background parts that run beside the API in the embedded default."""

from __future__ import annotations

import logging
import threading

from dramatiq import Worker

from infrastructure.bootstrap import Container
from interfaces.scheduler import Scheduler

log = logging.getLogger(__name__)


class BackgroundRunner:
    """Projector, scheduler and dramatiq worker threads in this process."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.scheduler: threading.Thread | None = None
        self.worker: Worker | None = None

    def start(
        self, *, projector: bool = True, workers: bool = True, scheduler: bool = False
    ) -> None:
        if scheduler:
            jobs = Scheduler(self.container.pool, self.container.scheduled_jobs())
            self.scheduler = threading.Thread(
                target=jobs.run, args=(self.stop_event,), name="estatelog-scheduler", daemon=True
            )
            self.scheduler.start()
        if projector:
            self.thread = threading.Thread(
                target=self.container.projector.run,
                args=(self.stop_event,),
                name="estatelog-projector",
                daemon=True,
            )
            self.thread.start()
        if workers:
            self.worker = Worker(self.container.broker, worker_threads=2, worker_timeout=500)
            self.worker.start()

    def stop(self) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.container.projector.wake()
        if self.worker is not None:
            self.worker.stop(timeout=5000)
        if self.thread is not None:
            self.thread.join(timeout=10)
        if self.scheduler is not None:
            self.scheduler.join(timeout=10)


def run_worker_blocking(container: Container, threads: int = 4) -> None:
    worker = Worker(container.broker, worker_threads=threads)
    worker.start()
    stop = threading.Event()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        worker.stop(timeout=10_000)
