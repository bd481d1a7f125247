"""Notifications go from the log to their recipients through dramatiq on Redis,
once per (event, recipient, channel), on the channels each user chose."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from application.actor import system_acting_for
from application.notifications.commands import ChoosePreferences
from bootstrap import Container, build
from domain.equipment.alarm import Alarm
from domain.identity.policy import Role
from domain.operations.incidents import Level, incident_id_for
from infrastructure.mail import SmtpEmailSender, SmtpSettings
from infrastructure.notifications import DeliveryFailed
from infrastructure.settings import Settings
from infrastructure.sms import LoggingSmsSender, SmsMessage
from tests.e2e.notifications.support import (
    RecordingSms,
    deliveries,
    drain,
    jobs_of,
    message,
    smtp_server,
    subjects,
    user,
    wait_for_deliveries,
    working,
)
from tests.e2e.notifications.test_aliyun_sms import gateway as aliyun_gateway
from tests.support import fake_aliyun_sms as fake_module
from tests.support.fake_aliyun_sms import fake_aliyun_sms

ESTATE = UUID("00000000-0000-4000-8000-00000000e001")
OTHER_ESTATE = UUID("00000000-0000-4000-8000-00000000e002")


def raise_alarm(container: Container, severity: str = "minor", code: str = "door_open") -> int:
    alarm = Alarm(
        estate_id=ESTATE,
        equipment_id=uuid4(),
        code=code,
        severity=severity,
        message="Door open while moving",
        at=datetime.now(UTC),
    )
    return container.event_log.save_and_position(alarm)


@pytest.fixture
def staff(container: Container) -> dict[str, UUID]:
    return {
        "pm": user(container, "pm.zhou", [Role.PROPERTY_MANAGER], (ESTATE,)),
        "tech": user(container, "tech.wu", [Role.TECHNICIAN], (ESTATE,)),
        "far_pm": user(container, "pm.far", [Role.PROPERTY_MANAGER], (OTHER_ESTATE,)),
        "owner": user(container, "owner.li", [Role.OWNER]),
        "finance": user(container, "fin.qian", [Role.FINANCE], (ESTATE,)),
    }


def _choose(container: Container, user_id: UUID, *channels: str, **contacts: str) -> None:
    """The user picks channels and gives addresses, as their own session would."""
    command = ChoosePreferences(
        system_acting_for(user_id), channels, contacts_given=True, **contacts
    )
    container.notifications.choose_preferences(command)


def test_an_alarm_reaches_the_estates_alarm_handlers_once_even_when_a_job_runs_twice(
    container: Container, staff: dict[str, UUID]
) -> None:
    position = raise_alarm(container)
    container.projector.catch_up()  # the outbox enqueues; no worker runs yet
    assert deliveries(container) == []

    with working(container):
        wait_for_deliveries(container, 2)
        # The same job again (a redelivery, or the follower enqueuing after a crash).
        payload = {
            "kind": "alarm.raised",
            "title": "again",
            "body": "again",
            "priority": "normal",
            "estate_id": str(ESTATE),
            "subject_id": None,
        }
        jobs_of(container).deliver.send(position, str(staff["tech"]), "in_app", payload)
        jobs_of(container).deliver.send(position, str(staff["tech"]), "in_app", payload)
        drain(container)

    assert deliveries(container) == sorted(
        [
            (position, staff["pm"], "in_app", "sent"),
            (position, staff["tech"], "in_app", "sent"),
        ]
    )
    with container.pool.connection() as conn:
        titles = {r[0] for r in conn.execute("SELECT title FROM notif_deliveries")}
    assert titles == {"Alarm raised: door_open (minor)"}  # the duplicate changed nothing


def test_channels_follow_preferences_and_urgent_goes_everywhere(
    container: Container, staff: dict[str, UUID]
) -> None:
    sms = RecordingSms()
    jobs = jobs_of(container)
    jobs.sms = sms
    _choose(container, staff["tech"], "email", "sms", email="wu@example.com", phone="13812345678")
    # The manager gives addresses but wants the app only.
    _choose(container, staff["pm"], email="zhou@example.com", phone="13900001111")
    with smtp_server() as smtp:
        jobs.email = SmtpEmailSender(SmtpSettings(host="127.0.0.1", port=smtp.port))
        minor = raise_alarm(container, "minor")
        critical = raise_alarm(container, "critical", code="trapped_passenger")
        container.projector.catch_up()
        with working(container):
            wait_for_deliveries(container, 10)
            drain(container)
        received = subjects(smtp)

    pm, tech = staff["pm"], staff["tech"]
    got = {(p, r, c): s for p, r, c, s in deliveries(container)}
    assert got == {
        (minor, pm, "in_app"): "sent",
        (minor, tech, "in_app"): "sent",
        (minor, tech, "email"): "sent",
        (minor, tech, "sms"): "sent",
        (critical, pm, "in_app"): "sent",
        (critical, pm, "email"): "sent",  # urgent: every channel with an address
        (critical, pm, "sms"): "sent",
        (critical, tech, "in_app"): "sent",
        (critical, tech, "email"): "sent",
        (critical, tech, "sms"): "sent",
    }
    assert received == [
        ("wu@example.com", "Alarm raised: door_open (minor)"),
        ("wu@example.com", "Alarm raised: trapped_passenger (critical)"),
        ("zhou@example.com", "Alarm raised: trapped_passenger (critical)"),
    ]
    assert sorted(phone for phone, _ in sms.sent) == ["13812345678", "13812345678", "13900001111"]


def test_an_email_job_run_twice_sends_one_mail(
    container: Container, staff: dict[str, UUID]
) -> None:
    _choose(container, staff["tech"], "email", email="wu@example.com")
    container.projector.catch_up()
    jobs = jobs_of(container)
    payload = {
        "kind": "message",
        "title": "Water off on Friday",
        "body": "From 9 to 12.",
        "priority": "normal",
        "estate_id": None,
        "subject_id": None,
    }
    with smtp_server() as smtp:
        jobs.email = SmtpEmailSender(SmtpSettings(host="127.0.0.1", port=smtp.port))
        jobs._deliver(4242, str(staff["tech"]), "email", payload)
        jobs._deliver(4242, str(staff["tech"]), "email", payload)
        assert subjects(smtp) == [("wu@example.com", "Water off on Friday")]
    assert deliveries(container) == [(4242, staff["tech"], "email", "sent")]


def test_without_smtp_or_a_phone_the_delivery_is_recorded_as_skipped(
    container: Container, staff: dict[str, UUID]
) -> None:
    _choose(container, staff["tech"], "email", "sms", email="wu@example.com")
    container.projector.catch_up()
    jobs = jobs_of(container)
    jobs.email = SmtpEmailSender(None)  # ESTATELOG_SMTP_HOST unset
    payload = {"kind": "message", "title": "t", "body": "b", "priority": "normal"}
    jobs._deliver(7, str(staff["tech"]), "email", payload)
    jobs._deliver(7, str(staff["tech"]), "sms", payload)
    with container.pool.connection() as conn:
        rows = conn.execute(
            "SELECT channel, status, detail FROM notif_deliveries ORDER BY channel"
        ).fetchall()
    assert rows == [
        ("email", "skipped", "no SMTP server configured (ESTATELOG_SMTP_HOST)"),
        ("sms", "skipped", "no phone number"),
    ]


def test_a_send_that_keeps_failing_is_retried_then_recorded_as_failed(
    container: Container, staff: dict[str, UUID]
) -> None:
    _choose(container, staff["tech"], "email", email="wu@example.com")
    container.projector.catch_up()
    jobs = jobs_of(container)
    jobs.email = SmtpEmailSender(SmtpSettings(host="127.0.0.1", port=1, timeout=2))
    jobs.max_attempts = 3
    payload = {"kind": "message", "title": "t", "body": "b", "priority": "normal"}
    for _ in range(2):
        with pytest.raises(DeliveryFailed):
            jobs._deliver(9, str(staff["tech"]), "email", payload)
    jobs._deliver(9, str(staff["tech"]), "email", payload)  # the last attempt gives up
    jobs._deliver(9, str(staff["tech"]), "email", payload)  # a late duplicate: nothing
    with container.pool.connection() as conn:
        status, attempts, detail = conn.execute(
            "SELECT status, attempts, detail FROM notif_deliveries"
        ).fetchone() or (None, None, None)
    assert (status, attempts) == ("failed", 3)
    assert detail is not None and detail.startswith("after 3 attempts")
    # A minor incident (level 4) of the channel, without the address.
    assert container.incidents.flush()
    incident = container.event_log.repository.get(
        incident_id_for("notifications", "delivery_failed", "email")
    )
    assert (incident.level, incident.occurrences) == (Level.MINOR_ERROR, 1)
    assert "wu@" not in incident.summary


def test_with_redis_down_notifications_wait_in_the_log_and_arrive_once_when_it_is_back(
    settings: Settings, container: Container, staff: dict[str, UUID]
) -> None:
    cut_off = build(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    try:
        # Commands succeed with Redis gone: they only append to the log.
        positions = [raise_alarm(cut_off) for _ in range(3)]
        message_id, message_position = message(
            cut_off, staff["pm"], [staff["owner"]], "Lift maintenance", "Lift B stops at 10:00."
        )
        assert message_id
        cut_off.projector.catch_up()
        [outbox] = [s for s in cut_off.projector.status() if s.name == "notification_outbox"]
        assert outbox.state == "retrying"
        assert outbox.position < positions[0]  # stopped at the first event to notify about
        assert "notification_outbox" not in cut_off.projector.failed
    finally:
        cut_off.close()

    # Redis is back: the same follower position resumes, and the worker delivers.
    container.projector.catch_up()
    with working(container):
        wait_for_deliveries(container, 7)
        drain(container)
    got = deliveries(container)
    expected = sorted(
        [(p, staff[who], "in_app", "sent") for p in positions for who in ("pm", "tech")]
        + [(message_position, staff["owner"], "in_app", "sent")]
    )
    assert got == expected  # every notification, each once


def test_smtp_is_configured_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ESTATELOG_SMTP_HOST", raising=False)
    assert SmtpSettings.from_settings(Settings()) is None
    monkeypatch.setenv("ESTATELOG_SMTP_HOST", "mail.example.com")
    monkeypatch.setenv("ESTATELOG_SMTP_PORT", "2525")
    monkeypatch.setenv("ESTATELOG_SMTP_FROM", "noreply@example.com")
    monkeypatch.setenv("ESTATELOG_SMTP_PASSWORD", "s3cret")
    monkeypatch.setenv("ESTATELOG_SMTP_STARTTLS", "true")
    assert SmtpSettings.from_settings(Settings()) == SmtpSettings(
        host="mail.example.com",
        port=2525,
        sender="noreply@example.com",
        password="s3cret",
        starttls=True,
    )
    # A port that is not one is refused when the service starts, not at the first e-mail.
    monkeypatch.setenv("ESTATELOG_SMTP_PORT", "25x")
    with pytest.raises(ValidationError, match="smtp_port"):
        Settings()


def test_the_development_sms_sender_logs_the_message_with_the_phone_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO", logger="infrastructure.sms")
    LoggingSmsSender().send("13812345678", SmsMessage.notice("Alarm raised", "pump 2"))
    assert "SMS to 138****5678: Alarm raised" in caplog.text
    assert "13812345678" not in caplog.text


def test_a_notification_refused_by_the_gateway_fails_once_and_is_not_retried(
    container: Container, staff: dict[str, UUID]
) -> None:
    _choose(container, staff["tech"], "sms", phone="13812345678")
    _choose(container, staff["pm"], "sms", phone=fake_module.UNREACHABLE_NUMBER)
    with fake_aliyun_sms() as fake:
        fake.throttle_next = 1  # the first try of one of the two is deferred
        jobs_of(container).sms = aliyun_gateway(fake)
        alarm = raise_alarm(container, "critical", code="trapped_passenger")
        container.projector.catch_up()
        with working(container):
            wait_for_deliveries(container, 4)
            drain(container)
        sent = fake.wait_for(1)
    got = {(r, c): s for p, r, c, s in deliveries(container) if p == alarm}
    assert got[(staff["tech"], "sms")] == "sent"
    assert got[(staff["pm"], "sms")] == "failed"
    with container.pool.connection() as conn:
        (attempts, detail) = conn.execute(
            "SELECT attempts, detail FROM notif_deliveries WHERE recipient_id = %s "
            "AND channel = 'sms'",
            [staff["pm"]],
        ).fetchone()  # type: ignore[misc]
    assert "MOBILE_NUMBER_ILLEGAL" in detail
    assert attempts <= 2  # the throttled try, at most, and the refusal: never the maximum
    assert [m["PhoneNumbers"] for m in sent] == ["13812345678"]
    assert sent[0]["TemplateParam"]["title"].startswith("Alarm raised")
