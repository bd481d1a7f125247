"""What the estate dashboard reads of the community read model: satisfaction."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

import psycopg


class SurveyFigures(TypedDict):
    offered: int  # satisfaction surveys offered since the year began
    answered: int
    mean_overall: Decimal | None  # the answers' mean overall score (1-5), 2 places


def survey_figures(
    conn: psycopg.Connection[Any], estate_id: UUID, since: datetime
) -> SurveyFigures:
    row = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE status = 'answered'), round(avg(overall), 2) "
        "FROM community_surveys WHERE estate_id = %s AND offered_at >= %s",
        [estate_id, since],
    ).fetchone()
    assert row is not None
    return {"offered": int(row[0]), "answered": int(row[1]), "mean_overall": row[2]}
