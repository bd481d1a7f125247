"""The bench's goal rows read the figures of the run they print (bench/goals.py)."""

from __future__ import annotations

from typing import Any

from bench.goals import goals


def _history(payment_p50: float) -> dict[str, Any]:
    def command(p50: float, cold: bool) -> dict[str, Any]:
        figures: dict[str, Any] = {"ratio_p50": p50, "ratio_p99": 1.2}
        if cold:
            figures["ratio_cold"] = 1.3
        return figures

    return {
        "versions": {"accounts": [5001, 11], "users": [19981, 11]},
        "commands": {
            "payment": command(payment_p50, True),
            "login": command(1.04, False),
            "profile change": command(1.01, True),
        },
    }


def by_goal(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["goal"]: row for row in rows}


def test_issue_15_ratio_goals_are_met_at_their_thresholds_and_absent_when_not_measured() -> None:
    ratios: dict[str, float | None] = {
        "append_vs_raw_insert@16": 0.60,
        "http_vs_bare@64": 0.59,
        "http_vs_bare@64_2workers": None,
        "payments_vs_bare@16": 0.41,
    }
    rows = by_goal(goals({}, ratios))
    assert rows["append >= 60% of raw INSERT at 16 writers"]["met"] is True
    assert "80% remains the aim" in rows["append >= 60% of raw INSERT at 16 writers"]["measured"]
    assert rows["HTTP command >= 60% of bare at 64 clients, serve at 1 worker"]["met"] is False
    assert not any("2 workers" in goal for goal in rows)
    assert rows["payments >= 40% of bare at 16 clients"]["met"] is True
    assert {row["issue"] for row in rows.values()} == {15}


def test_each_command_s_history_goal_is_read_on_its_warm_p50() -> None:
    rows = by_goal(goals({"history": _history(payment_p50=1.6)}, {}))
    payment = rows["payment, long history <= 1.5x short, p50"]
    assert payment["met"] is False
    assert "5,001-event account vs 11" in payment["measured"]
    assert "cold 1.3x" in payment["measured"]
    assert rows["login, long history <= 1.5x short, p50"]["met"] is True
    assert rows["profile change, long history <= 1.5x short, p50"]["met"] is True


def test_the_integrity_goal_says_when_the_log_was_not_a_million_events() -> None:
    replay = {
        "rebuild": {"events_per_second": 31_000, "share_of_raw_copy": 0.1},
        "as_of_1m_events": {"seconds": 40.0, "extrapolated": True},
        "integrity": {
            "log_events": 100_000,
            "full_seconds": 1.9,
            "new_events": 1000,
            "incremental_ms": 33.0,
        },
    }
    rows = by_goal(goals({"replay": replay}, {}))
    integrity = rows["integrity check of 1,000 new events on a 1M-event log < 100 ms"]
    assert integrity["met"] is True
    assert "100,000-event log (this profile's log, not 1M" in integrity["measured"]
    assert rows["full rebuild >= 30,000 events/s"]["issue"] == 4
    assert rows["as-of of 1,000,000 events < 60 s"]["extrapolated"] is True
