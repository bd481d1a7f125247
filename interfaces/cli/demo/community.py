"""The demo's service requests, complaints, surveys, announcements, notices and later jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from application.actor import Actor
from application.community import commands as cc
from application.context import acting
from application.notifications import commands as nc
from domain.approvals.rules import Urgency
from domain.community.service_request import Category as ServiceCategory
from domain.community.survey import SubjectKind
from interfaces.cli.demo.base import LoaderBase


class CommunityDemo(LoaderBase):
    def community(self) -> None:
        cs = self.c.community
        clerk = self.actor("hvg.service")

        def request(
            username: str, unit: tuple[str, str], category: ServiceCategory, text: str
        ) -> UUID:
            with self.as_user(username):
                request_id, _, _ = cs.submit_request(
                    cc.SubmitServiceRequest(
                        actor=self.actor(username),
                        estate_id=self.estate_id,
                        unit_id=self.units[unit],
                        category=category,
                        description=text,
                        urgency=Urgency.NORMAL,
                    )
                )
            return request_id

        def complaint_step(by: Actor, complaint_id: UUID, step: Any, **fields: Any) -> None:
            cs.take_complaint_step(cc.TakeComplaintStep(by, complaint_id, step, fields))

        # Through every approval level, scheduled, done, closed and surveyed.
        cleaning = request(
            "hvg.xuna",
            ("C", "302"),
            ServiceCategory.CLEANING,
            "Deep cleaning of the Podium C stairwell after the renovation next door",
        )
        with self.as_user("hvg.service"):
            cs.accept_request(cc.AcceptServiceRequest(clerk, cleaning))
        self.decide(self._approval_of(cleaning), self.users["hvg.xuna"])
        with self.as_user("hvg.service"):
            cs.schedule_request(
                cc.ScheduleServiceRequest(
                    clerk,
                    cleaning,
                    self.now + timedelta(days=1, hours=2),
                    self.users["hvg.tech.li"],
                )
            )
            cs.complete_request(
                cc.CompleteServiceRequest(clerk, cleaning, "stairwell cleaned, floors polished")
            )
            cs.close_request(cc.CloseServiceRequest(clerk, cleaning))
        with self.as_user("hvg.xuna"):
            cs.answer_survey(
                cc.AnswerSurvey(
                    actor=self.actor("hvg.xuna"),
                    subject_kind=SubjectKind.SERVICE_REQUEST,
                    subject_id=cleaning,
                    scores={"overall": 4, "timeliness": 4},
                    comment="Clean, but they came late",
                )
            )
        # Waiting at the second level: in the managers' to-do lists.
        greening = request(
            "hvg.zhouming",
            ("C", "101"),
            ServiceCategory.GREENING,
            "Trim the camphor trees in front of Podium C; they block the light",
        )
        with self.as_user("hvg.service"):
            cs.accept_request(cc.AcceptServiceRequest(clerk, greening))
        self.decide(self._approval_of(greening), self.users["hvg.zhouming"], levels=1)
        # Just submitted, for the front desk.
        request(
            "hvg.chenjing",
            ("B", "402"),
            ServiceCategory.OTHER,
            "Please replace the broken mailbox lock of B-402",
        )
        self.count("service_requests", 3)

        # Complaints: one being handled, one confirmed resolved.
        with self.as_user("hvg.liuyang"):
            noise, _, _ = cs.file_complaint(
                cc.FileComplaint(
                    actor=self.actor("hvg.liuyang"),
                    estate_id=self.estate_id,
                    unit_id=self.units[("B", "202")],
                    subject="Renovation noise after 20:00",
                    description="Drilling in B-302 continues late into the evening.",
                )
            )
        with self.as_user("hvg.service"):
            complaint_step(clerk, noise, "assign", handler_id=clerk.user_id)
            complaint_step(
                clerk,
                noise,
                "respond",
                response="We have reminded B-302 of the quiet hours and will check tonight.",
            )
        wang = self.actor("hvg.wanglei")
        with self.as_user("hvg.wanglei"):
            parcel, _, _ = cs.file_complaint(
                cc.FileComplaint(
                    actor=wang,
                    estate_id=self.estate_id,
                    unit_id=self.units[("A", "302")],
                    subject="Parcel left outside in the rain",
                    description="The front desk left my parcel outside the lobby.",
                )
            )
        with self.as_user("hvg.service"):
            complaint_step(clerk, parcel, "assign", handler_id=clerk.user_id)
            complaint_step(clerk, parcel, "respond", response="Sorry; we are looking into it.")
            complaint_step(
                clerk, parcel, "resolve", resolution="Parcels now go to the locker room."
            )
        with self.as_user("hvg.wanglei"):
            complaint_step(wang, parcel, "confirm")
        self.count("complaints", 2)

        # An announcement: drafted, approved at every level, published.
        manager = self.actor("hvg.manager")
        with self.as_user("hvg.manager"):
            notice, _ = cs.draft_announcement(
                cc.DraftAnnouncement(
                    actor=manager,
                    estate_id=self.estate_id,
                    title="Water supply interruption on Saturday",
                    body="Water will be off in Towers A and B on Saturday from 09:00 to 12:00 "
                    "while the booster pumps are serviced. Please store some water in advance.",
                )
            )
            cs.submit_announcement(cc.SubmitAnnouncement(manager, notice))
        self.decide(self._approval_of(notice), self.users["hvg.manager"])
        with self.as_user("hvg.manager"):
            cs.publish_announcement(cc.PublishAnnouncement(manager, notice))
        self.count("announcements", 1)

    def notifications(self) -> None:
        ns = self.c.notifications
        with self.as_user("hvg.manager"):
            manager = self.actor("hvg.manager")
            ns.choose_preferences(
                nc.ChoosePreferences(
                    manager, ("in_app", "email"), email="chen.wei@example.com", contacts_given=True
                )
            )
            ns.remind(
                nc.ScheduleReminder(
                    manager,
                    "Plan the autumn fire drill with the fire brigade",
                    self.now + timedelta(minutes=10),
                    "high",
                )
            )
            ns.remind(
                nc.ScheduleReminder(
                    manager, "Review the lift maintenance contract", self.now + timedelta(days=14)
                )
            )
            ns.send(
                nc.SendMessage(
                    manager,
                    "Lift A2 out of service",
                    "Tower A lift 2 is out of service for repairs; please use lift 1.",
                    "high",
                    estate_id=self.estate_id,
                )
            )
        with self.as_user("hvg.linyu"):
            lin = self.actor("hvg.linyu")
            ns.choose_preferences(
                nc.ChoosePreferences(
                    lin, ("in_app", "sms"), phone="13800000101", contacts_given=True
                )
            )
            ns.remind(nc.ScheduleReminder(lin, "Pay the parking fee", self.now + timedelta(days=3)))
        self.count("reminders", 3)
        self.count("messages", 1)

    # ---- what happens while nobody looks -----------------------------------------------

    def later(self) -> None:
        """Run the scheduled jobs at later moments, as the scheduler would."""
        with acting(self.context(None)):
            self.count(
                "alarm_escalations",
                self.c.equipment.jobs.escalate_alarms(self.now + timedelta(minutes=20)),
            )
            self.count(
                "reminders_fired",
                self.c.notifications.fire_due_reminders(self.now + timedelta(minutes=20)),
            )
            self.count(
                "sla_breaches",
                self.c.workorders.detect_sla_breaches(self.now + timedelta(hours=3)),
            )
            self.c.equipment.jobs.summarise_readings(self.now)
