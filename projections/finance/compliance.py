"""Read models of compliance reviews (projection ``finance_compliance``).

* ``finance_compliance_reviews``: one row per run of the checks: scope,
  period, the position it was drawn at, its parameters, every check with
  whether it passed, and how many findings are open, rectified and closed.
* ``finance_compliance_findings``: one row per finding with its status
  (open, rectified, closed) and the notes of who rectified and who closed it.

The queries at the end are the only readers of these tables; a review of
every estate (no ``estate_id``) is for readers of every estate.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from application.actor import HIDDEN, Reach
from application.errors import NotFound
from projections.catalog import ReadModelDeps
from projections.events import as_uuid, kind_of, occurred_at, to_json
from projections.finance.views import FindingRow, ReviewDetail, ReviewRow
from projections.protocols import Projection
from projections.reach import page
from projections.records import fetched

NAME = "finance_compliance"


class ComplianceReadModel:
    name = NAME
    aggregates = frozenset({"ComplianceReview"})
    tables = ("finance_compliance_reviews", "finance_compliance_findings")
    ddl = (
        """CREATE TABLE IF NOT EXISTS finance_compliance_reviews (
            review_id uuid PRIMARY KEY,
            estate_id uuid,
            date_from date NOT NULL,
            date_to date NOT NULL,
            as_of_position bigint NOT NULL,
            parameters jsonb NOT NULL,
            checks jsonb NOT NULL,
            passed boolean NOT NULL,
            findings integer NOT NULL,
            open_findings integer NOT NULL,
            rectified_findings integer NOT NULL DEFAULT 0,
            closed_findings integer NOT NULL DEFAULT 0,
            run_by uuid,
            run_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS finance_compliance_reviews_estate "
        "ON finance_compliance_reviews (estate_id, run_at)",
        """CREATE TABLE IF NOT EXISTS finance_compliance_findings (
            finding_id uuid PRIMARY KEY,
            review_id uuid NOT NULL,
            seq integer NOT NULL,
            estate_id uuid,
            check_name text NOT NULL,
            severity text NOT NULL,
            subject_id uuid,
            subject text NOT NULL DEFAULT '',
            detail text NOT NULL,
            status text NOT NULL,
            rectification_note text,
            rectified_by uuid,
            rectified_at timestamptz,
            closure_note text,
            closed_by uuid,
            closed_at timestamptz,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS finance_compliance_findings_review "
        "ON finance_compliance_findings (review_id, seq)",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate != "ComplianceReview":
            return
        review_id = as_uuid(note.originator_id)
        at = occurred_at(event)
        if name == "ChecksRun":
            self._run(cur, event, review_id, at, note.id)
        elif name == "FindingRectified":
            self._finding(
                cur,
                review_id,
                event.finding_id,
                "rectified",
                "rectification_note = %s, rectified_by = %s, rectified_at = %s",
                [event.note, event.by, event.at],
                at,
                note.id,
            )
        elif name == "FindingClosed":
            self._finding(
                cur,
                review_id,
                event.finding_id,
                "closed",
                "closure_note = %s, closed_by = %s, closed_at = %s",
                [event.note, event.by, event.at],
                at,
                note.id,
            )

    @staticmethod
    def _run(cur: Any, event: Any, review_id: Any, at: Any, pos: int) -> None:
        findings = list(event.findings)
        cur.execute(
            "INSERT INTO finance_compliance_reviews (review_id, estate_id, date_from, date_to, "
            "as_of_position, parameters, checks, passed, findings, open_findings, run_by, "
            "run_at, updated_at, position) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
            "ON CONFLICT (review_id) DO NOTHING",
            [
                review_id,
                event.estate_id,
                event.date_from,
                event.date_to,
                event.as_of_position,
                to_json(event.parameters),
                to_json(event.checks),
                all(c["passed"] for c in event.checks),
                len(findings),
                len(findings),
                event.run_by,
                at,
                at,
                pos,
            ],
        )
        rows = [
            [
                f["finding_id"],
                review_id,
                seq,
                f.get("estate_id") or event.estate_id,
                f["check"],
                f["severity"],
                f.get("subject_id"),
                f.get("subject") or "",
                f["detail"],
                "open",
                at,
                pos,
            ]
            for seq, f in enumerate(findings, start=1)
        ]
        if rows:
            cur.executemany(
                "INSERT INTO finance_compliance_findings (finding_id, review_id, seq, estate_id, "
                "check_name, severity, subject_id, subject, detail, status, updated_at, position) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (finding_id) DO NOTHING",
                rows,
            )

    @staticmethod
    def _finding(
        cur: Any,
        review_id: Any,
        finding_id: Any,
        status: str,
        assignments: str,
        values: list[Any],
        at: Any,
        pos: int,
    ) -> None:
        cur.execute(
            f"UPDATE finance_compliance_findings SET status = %s, {assignments}, "
            "updated_at = %s, position = %s WHERE finding_id = %s AND review_id = %s",
            [status, *values, at, pos, finding_id, review_id],
        )
        cur.execute(
            "UPDATE finance_compliance_reviews r SET "
            "open_findings = c.open, rectified_findings = c.rectified, "
            "closed_findings = c.closed, updated_at = %s, position = %s FROM ("
            "SELECT count(*) FILTER (WHERE status = 'open') AS open, "
            "count(*) FILTER (WHERE status = 'rectified') AS rectified, "
            "count(*) FILTER (WHERE status = 'closed') AS closed "
            "FROM finance_compliance_findings WHERE review_id = %s) c "
            "WHERE r.review_id = %s",
            [at, pos, review_id, review_id],
        )


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [ComplianceReadModel()]


# ---- queries ------------------------------------------------------------------------


def reviews(
    conn: psycopg.Connection[Any],
    reach: Reach,
    estate_id: UUID | None = None,
    limit: int = 100,
    before_review: UUID | None = None,
) -> list[ReviewRow]:
    """Reviews the reader may read (their estates'), newest first;
    ``before_review`` is a cursor: the reviews after that one in this order.
    A page of several estates is a page of each, merged
    (``projections/reach.py: page``)."""
    filters: list[tuple[str, list[Any]]] = []
    if estate_id is not None:
        filters.append(("estate_id = %s", [estate_id]))
    if before_review is not None:
        filters.append(
            (
                "(run_at, position) < (SELECT c.run_at, c.position "
                "FROM finance_compliance_reviews c WHERE c.review_id = %s)",
                [before_review],
            )
        )
    query = page(
        reach,  # no own branch: a review is no one's own
        "SELECT r.* FROM finance_compliance_reviews r",
        filters,
        alias="r",
        order=("run_at DESC", "position DESC"),
        limit=limit,
        estate_id=estate_id,
    )
    return [] if query is None else fetched(conn.execute(*query), ReviewRow)  # type: ignore[call-overload]


def review(conn: psycopg.Connection[Any], reach: Reach, review_id: UUID) -> ReviewDetail:
    """One review with its checks and every finding, in the order found."""
    sql = "SELECT * FROM finance_compliance_reviews WHERE review_id = %s"
    rows = fetched(conn.execute(sql, [review_id]), ReviewRow)
    if not rows or not reach.admits(rows[0]["estate_id"]):
        raise NotFound(HIDDEN)
    sql = "SELECT * FROM finance_compliance_findings WHERE review_id = %s ORDER BY seq"
    findings = fetched(conn.execute(sql, [review_id]), FindingRow)
    return {**rows[0], "findings": findings}
