"""Community read models: service requests, complaints, surveys, the announcement board.

One projection (``community``) keeps five tables, each shaped for its screen:
``community_service_requests``, ``community_complaints``, ``community_surveys``
(offered when a service request, complaint or work order closes; answered by
the survey's ``Answered`` event), ``community_announcements`` (the board is its
published rows) and ``community_workorder_refs`` (the estate and requester of
each work order, so a closed order can offer its survey).
"""

from __future__ import annotations

from typing import Any

from domain.community.survey import survey_id
from projections import numbers
from projections.events import occurred_at, to_json
from projections.records import PerAggregate, update

REQUEST_STATUS = {
    "Accepted": "awaiting_approval",
    "Declined": "declined",
    "Approved": "approved",
    "Rejected": "rejected",
    "Scheduled": "scheduled",
    "Done": "done",
    "Closed": "closed",
    "Cancelled": "cancelled",
}
COMPLAINT_STATUS = {
    "HandlerAssigned": "assigned",
    "Responded": "responded",
    "Resolved": "resolved",
    "Escalated": "escalated",
    "Reopened": "reopened",
    "Confirmed": "closed",
    "Closed": "closed",
}
ANNOUNCEMENT_STATUS = {
    "SubmittedForApproval": "awaiting_approval",
    "Approved": "approved",
    "Rejected": "rejected",
    "ReturnedToDraft": "draft",
    "Published": "published",
    "Withdrawn": "withdrawn",
}


class CommunityBoard(PerAggregate):
    name = "community"
    aggregates = frozenset({"ServiceRequest", "Complaint", "WorkOrder", "Survey", "Announcement"})
    tables = (
        "community_service_requests",
        "community_complaints",
        "community_surveys",
        "community_announcements",
        "community_workorder_refs",
    )
    ddl = (
        """CREATE TABLE IF NOT EXISTS community_service_requests (
            request_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            unit_id uuid,
            category text NOT NULL,
            description text NOT NULL,
            urgency text NOT NULL,
            status text NOT NULL,
            requested_by uuid NOT NULL,
            approval_id uuid,
            assignee_id uuid,
            scheduled_for timestamptz,
            note text,
            submitted_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL,
            number_year integer,  -- the number: projections/numbers.py
            serial integer
        )""",
        numbers.index("community_service_requests"),
        # A page of an estate, or of a requester, in the list's order
        # (projections/reach.py: page); the same for complaints and announcements.
        "CREATE INDEX IF NOT EXISTS community_service_requests_estate_page "
        "ON community_service_requests (estate_id, submitted_at, request_id)",
        "CREATE INDEX IF NOT EXISTS community_service_requests_requester_page "
        "ON community_service_requests (requested_by, submitted_at, request_id)",
        """CREATE TABLE IF NOT EXISTS community_complaints (
            complaint_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            unit_id uuid,
            subject text NOT NULL,
            description text NOT NULL,
            complainant_id uuid NOT NULL,
            status text NOT NULL,
            handler_id uuid,
            escalation_level integer NOT NULL DEFAULT 0,
            response text,
            resolution text,
            note text,
            received_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL,
            number_year integer,
            serial integer
        )""",
        numbers.index("community_complaints"),
        "CREATE INDEX IF NOT EXISTS community_complaints_estate_page "
        "ON community_complaints (estate_id, received_at, complaint_id)",
        "CREATE INDEX IF NOT EXISTS community_complaints_complainant_page "
        "ON community_complaints (complainant_id, received_at, complaint_id)",
        """CREATE TABLE IF NOT EXISTS community_surveys (
            survey_id uuid PRIMARY KEY,
            subject_kind text NOT NULL,
            subject_id uuid NOT NULL,
            estate_id uuid NOT NULL,
            respondent_id uuid NOT NULL,
            status text NOT NULL,
            offered_at timestamptz NOT NULL,
            answered_at timestamptz,
            overall integer,
            scores jsonb,
            comment text,
            position bigint NOT NULL
        )""",
        # The respondent's page, newest offered first (the list's keyset).
        "CREATE INDEX IF NOT EXISTS community_surveys_respondent_page "
        "ON community_surveys (respondent_id, offered_at, survey_id)",
        "CREATE INDEX IF NOT EXISTS community_surveys_estate ON community_surveys (estate_id)",
        """CREATE TABLE IF NOT EXISTS community_announcements (
            announcement_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            title text NOT NULL,
            body text NOT NULL,
            status text NOT NULL,
            drafted_by uuid NOT NULL,
            approval_id uuid,
            published_at timestamptz,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL,
            drafted_position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS community_announcements_estate_page "
        "ON community_announcements (estate_id, drafted_position, announcement_id)",
        "CREATE INDEX IF NOT EXISTS community_announcements_board_page "
        "ON community_announcements (estate_id, published_at, announcement_id) "
        "WHERE status = 'published'",
        """CREATE TABLE IF NOT EXISTS community_workorder_refs (
            order_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            requested_by uuid
        )""",
    )

    # ---- service requests -------------------------------------------------------

    def _servicerequest(self, cur: Any, name: str, event: Any, rid: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Submitted":
            numbered = numbers.next_serial(
                cur, "community_service_requests", event.estate_id, event.at
            )
            cur.execute(
                "INSERT INTO community_service_requests (request_id, estate_id, unit_id, "
                "category, description, urgency, status, requested_by, submitted_at, "
                "updated_at, position, number_year, serial) "
                "VALUES (%s,%s,%s,%s,%s,%s,'submitted',%s,%s,%s,%s,%s,%s)",
                [
                    rid,
                    event.estate_id,
                    event.unit_id,
                    str(event.category),
                    event.description,
                    str(event.urgency),
                    event.requested_by,
                    at,
                    at,
                    pos,
                    *numbered,
                ],
            )
            return
        sets: dict[str, Any] = {}
        if name in REQUEST_STATUS:
            sets["status"] = REQUEST_STATUS[name]
        if name == "Accepted":
            sets["approval_id"] = event.approval_id
        elif name == "Revised":
            sets["description"] = event.description
        elif name == "Scheduled":
            sets["scheduled_for"] = event.scheduled_for
            sets["assignee_id"] = event.assignee_id
        elif name in ("Declined", "Rejected", "Cancelled", "Done"):
            sets["note"] = getattr(event, "reason", None) or getattr(event, "note", None)
        elif name == "Closed":
            self._offer(
                cur,
                "service_request",
                rid,
                "community_service_requests",
                "request_id",
                "requested_by",
                at,
                pos,
            )
        update(cur, "community_service_requests", "request_id", rid, sets, at, pos)

    # ---- complaints ----------------------------------------------------------------

    def _complaint(self, cur: Any, name: str, event: Any, cid: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Received":
            numbered = numbers.next_serial(cur, "community_complaints", event.estate_id, event.at)
            cur.execute(
                "INSERT INTO community_complaints (complaint_id, estate_id, unit_id, subject, "
                "description, complainant_id, status, received_at, updated_at, position, "
                "number_year, serial) VALUES (%s,%s,%s,%s,%s,%s,'received',%s,%s,%s,%s,%s)",
                [
                    cid,
                    event.estate_id,
                    event.unit_id,
                    event.subject,
                    event.description,
                    event.complainant_id,
                    at,
                    at,
                    pos,
                    *numbered,
                ],
            )
            return
        sets: dict[str, Any] = {}
        if name in COMPLAINT_STATUS:
            sets["status"] = COMPLAINT_STATUS[name]
        if name == "HandlerAssigned":
            sets["handler_id"] = event.handler_id
        elif name == "Responded":
            sets["response"] = event.response
        elif name == "Resolved":
            sets["resolution"] = event.resolution
        elif name == "Escalated":
            sets.update(escalation_level=event.level, handler_id=None, note=event.reason)
        elif name == "Reopened":
            sets.update(handler_id=None, note=event.reason)
        elif name in ("Confirmed", "Closed"):
            self._offer(
                cur,
                "complaint",
                cid,
                "community_complaints",
                "complaint_id",
                "complainant_id",
                at,
                pos,
            )
        update(cur, "community_complaints", "complaint_id", cid, sets, at, pos)

    # ---- surveys --------------------------------------------------------------------

    def _offer(
        self,
        cur: Any,
        kind: str,
        subject_id: Any,
        table: str,
        key: str,
        respondent: str,
        at: Any,
        pos: int,
    ) -> None:
        cur.execute(
            "INSERT INTO community_surveys (survey_id, subject_kind, subject_id, estate_id, "
            f"respondent_id, status, offered_at, position) SELECT %s, %s, {key}, estate_id, "
            f"{respondent}, 'pending', %s, %s FROM {table} WHERE {key} = %s "
            "ON CONFLICT (survey_id) DO NOTHING",
            [survey_id(kind, subject_id), kind, at, pos, subject_id],
        )

    def _workorder(self, cur: Any, name: str, event: Any, oid: Any, pos: int) -> None:
        if name == "Submitted":
            cur.execute(
                "INSERT INTO community_workorder_refs VALUES (%s,%s,%s) "
                "ON CONFLICT (order_id) DO NOTHING",
                [oid, event.estate_id, getattr(event, "requested_by", None)],
            )
        elif name == "Closed":
            cur.execute(
                "INSERT INTO community_surveys (survey_id, subject_kind, subject_id, estate_id, "
                "respondent_id, status, offered_at, position) SELECT %s, 'work_order', "
                "order_id, estate_id, requested_by, 'pending', %s, %s "
                "FROM community_workorder_refs WHERE order_id = %s AND requested_by IS NOT NULL "
                "ON CONFLICT (survey_id) DO NOTHING",
                [survey_id("work_order", oid), occurred_at(event), pos, oid],
            )

    def _survey(self, cur: Any, name: str, event: Any, sid: Any, pos: int) -> None:
        if name != "Answered":
            return
        at = occurred_at(event)
        cur.execute(
            "INSERT INTO community_surveys VALUES (%s,%s,%s,%s,%s,'answered',%s,%s,%s,%s,%s,%s) "
            "ON CONFLICT (survey_id) DO UPDATE SET status = 'answered', "
            "answered_at = EXCLUDED.answered_at, overall = EXCLUDED.overall, "
            "scores = EXCLUDED.scores, comment = EXCLUDED.comment, position = EXCLUDED.position",
            [
                sid,
                str(event.subject_kind),
                event.subject_id,
                event.estate_id,
                event.respondent_id,
                at,
                at,
                event.scores["overall"],
                to_json(event.scores),
                event.comment,
                pos,
            ],
        )

    # ---- announcements --------------------------------------------------------------

    def _announcement(self, cur: Any, name: str, event: Any, aid: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Drafted":
            cur.execute(
                "INSERT INTO community_announcements (announcement_id, estate_id, title, body, "
                "status, drafted_by, updated_at, position, drafted_position) "
                "VALUES (%s,%s,%s,%s,'draft',%s,%s,%s,%s)",
                [aid, event.estate_id, event.title, event.body, event.drafted_by, at, pos, pos],
            )
            return
        sets: dict[str, Any] = {}
        if name in ANNOUNCEMENT_STATUS:
            sets["status"] = ANNOUNCEMENT_STATUS[name]
        if name == "Revised":
            sets.update(title=event.title, body=event.body)
        elif name == "SubmittedForApproval":
            sets["approval_id"] = event.approval_id
        elif name == "Published":
            sets["published_at"] = at
        update(cur, "community_announcements", "announcement_id", aid, sets, at, pos)
