"""Progress bars of the commands that work through the log (rich, on standard error).

Standard output keeps only each command's result (JSON that scripts read);
the bar, with the positions done of the total, the events handled, their
rate and the time left, goes to standard error. Where standard error is not
a terminal (a cron job, a pipe), rich draws no animation: the bar is printed
once, finished, when the work ends, so a log file gets one line per stage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from replay.progress import Progress as Report

_console = Console(stderr=True)
if not _console.is_terminal:
    _console.width = 120  # one finished line per stage in a log file, not cut at 80


@contextmanager
def log_progress(label: str, *, start: int = 0, stop: int | None) -> Iterator[Report]:
    """A bar for work over the log's positions ``start`` (exclusive) to ``stop``
    (None: not known beforehand, the bar shows the count alone); yields the
    :data:`replay.progress.Progress` to hand to that work."""
    with stages_progress((label, start, stop)) as (report,):
        yield report


@contextmanager
def stages_progress(*stages: tuple[str, int, int | None]) -> Iterator[list[Report]]:
    """One bar per stage (label, start, stop), drawn together (rich draws one
    live display at a time); a stage's bar starts moving at its first report."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        TaskProgressColumn(),
        TextColumn(
            "{task.completed:,.0f}/{task.fields[of]} positions · {task.fields[events]:,} events"
            " · {task.fields[rate]:,.0f} events/s"
        ),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=_console,
    ) as bars:
        reports, finish = [], []
        last_report = [time.monotonic()]  # a stage starts when the one before last spoke
        for label, start, stop in stages:
            span = None if stop is None else max(stop - start, 0)
            of = "?" if span is None else f"{span:,}"
            task = bars.add_task(label, total=span, events=0, rate=0.0, of=of, start=False)
            reports.append(_reporter(bars, task, start, span, last_report))
            finish.append((task, span))
        yield reports
        for task, span in finish:
            if span is not None:
                bars.update(task, completed=span)


def _reporter(
    bars: Progress, task: TaskID, start: int, span: int | None, last_report: list[float]
) -> Report:
    began: list[float] = []

    def report(position: int, events: int) -> None:
        if not began:
            bars.start_task(task)
            began.append(last_report[0])
        now = last_report[0] = time.monotonic()
        elapsed = now - began[0]
        done = max(position - start, 0)
        bars.update(
            task,
            completed=done if span is None else min(done, span),
            events=events,
            rate=events / elapsed if elapsed > 0 else 0.0,
        )

    return report


@contextmanager
def steps_progress(label: str) -> Iterator[Callable[[str, int, int], None]]:
    """A bar for work in named steps (the demo's parts); yields what to call as
    each step begins: its name, the steps done, how many in all."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=_console,
    ) as bars:
        task = bars.add_task(label, total=None, step="")

        def begin(step: str, done: int, total: int) -> None:
            bars.update(task, completed=done, total=total, step=step)

        yield begin
        total = bars.tasks[0].total
        bars.update(task, completed=total, step="done")


def say(text: str) -> None:
    """A line on standard error beside the bars (never on standard output)."""
    _console.print(text, highlight=False)
