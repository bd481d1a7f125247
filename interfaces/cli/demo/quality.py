"""The demo's data-quality run (R7.5): the manager runs the checks over last month.

The demo estate is registered with care, so most checks find nothing; the run
is what the dashboard's quality summary and the trend show on the first day.
"""

from __future__ import annotations

from application.quality.commands import RunQualityChecks
from domain.quality.checks import previous_month
from interfaces.cli.demo.base import LoaderBase


class QualityDemo:
    def __init__(self, loader: LoaderBase) -> None:
        self.d = loader

    def run(self) -> None:
        d = self.d
        d.settle()  # a run reads the read models at the log's head
        with d.as_user("hvg.manager"):
            d.c.quality.run(
                RunQualityChecks(d.actor("hvg.manager"), d.estate_id, previous_month(d.today))
            )
        d.count("quality_runs")
