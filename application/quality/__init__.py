"""Data quality (R7.5): running the checks over an estate and recording the run.

The checks are queries over the read models (``projections/<context>/quality.py``),
reached through the :class:`~application.quality.ports.QualityReadings` port; the
service waits for those read models to reach the log's head, counts, and records
the counts as a :class:`~domain.quality.run.QualityRun`: on demand
(``quality:run``) and once a month per estate (the scheduler).
"""
