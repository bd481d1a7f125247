"""A notice to a whole estate goes out in a few messages, and in-app once each."""

from __future__ import annotations

from uuid import uuid4

from bootstrap import Container
from infrastructure.notifications import BATCH, QUEUE
from tests.e2e.notifications.support import jobs_of

NOTICE = {
    "kind": "announcement.published",
    "title": "Water off on Friday",
    "body": "From 9 to 12, tower B.",
    "priority": "normal",
    "estate_id": None,
    "subject_id": None,
}


def _queued(container: Container) -> int:
    return int(container.redis.llen(f"estatelog:{QUEUE}"))  # type: ignore[arg-type]


def test_recipients_go_in_batches_and_each_gets_the_in_app_notice_once(
    container: Container,
) -> None:
    residents = [uuid4() for _ in range(2 * BATCH + 7)]
    jobs = jobs_of(container)

    jobs.enqueue_many(4711, residents, "in_app", NOTICE)
    assert _queued(container) == 3

    chunks = [residents[i : i + BATCH] for i in range(0, len(residents), BATCH)]
    for chunk in chunks:
        jobs._deliver_many(4711, [str(r) for r in chunk], "in_app", NOTICE)
    jobs._deliver_many(4711, [str(r) for r in chunks[0]], "in_app", NOTICE)  # redelivered

    with container.pool.connection() as conn:
        rows = conn.execute(
            "SELECT count(*), count(DISTINCT recipient_id), max(attempts), min(status), "
            "max(status) FROM notif_deliveries WHERE position = 4711"
        ).fetchone()
    assert rows == (len(residents), len(residents), 1, "sent", "sent")
