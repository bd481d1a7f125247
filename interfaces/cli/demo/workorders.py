"""The demo's work orders, from a resident's report to a closed job, and preventive plans."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.community import commands as cc
from application.context import acting
from application.workorders.commands import (
    AfterWork,
    AssignOrder,
    CloseOrder,
    CompleteOrder,
    CreatePlan,
    RateOrder,
    SubmitOrder,
    TriageOrder,
    WorkOn,
    WorkOnWithReason,
)
from domain.community.survey import SubjectKind
from interfaces.cli.demo.base import LoaderBase


class WorkOrdersDemo(LoaderBase):
    # ---- work orders ---------------------------------------------------------------

    def work_orders(self) -> None:
        wo = self.c.workorders
        li, zhao = self.users["hvg.tech.li"], self.users["hvg.tech.zhao"]

        def by_resident(username: str, unit: tuple[str, str], title: str, text: str) -> UUID:
            with self.as_user(username):
                order_id, _, _ = wo.submit(
                    SubmitOrder(self.actor(username), title, text, unit_id=self.units[unit])
                )
            return order_id

        def by_staff(title: str, text: str, equipment: str | None = None) -> UUID:
            with self.as_user("hvg.service"):
                order_id, _, _ = wo.submit(
                    SubmitOrder(
                        self.actor("hvg.service"),
                        title,
                        text,
                        estate_id=self.estate_id,
                        equipment_id=self.equipment[equipment] if equipment else None,
                    )
                )
            return order_id

        def triage(order_id: UUID, category: str, priority: str) -> None:
            with self.as_user("hvg.service"):
                wo.triage(TriageOrder(self.actor("hvg.service"), order_id, category, priority))

        def assign(order_id: UUID, technician: UUID) -> None:
            with self.as_user("hvg.manager"):
                wo.assign(AssignOrder(self.actor("hvg.manager"), order_id, technician))

        def work(order_id: UUID, technician: str, *steps: str) -> None:
            with self.as_user(technician):
                for step in steps:
                    getattr(wo, step)(WorkOn(self.actor(technician), order_id))

        # submitted
        self.orders["submitted"] = by_resident(
            "hvg.zhangwei", ("A", "501"), "Leaking kitchen tap", "The kitchen tap drips all night."
        )
        # triaged
        self.orders["triaged"] = by_resident(
            "hvg.yangxue", ("B", "601"), "Noisy bathroom fan", "The extractor fan rattles."
        )
        triage(self.orders["triaged"], "hvac", "normal")
        # assigned (and, at the later moment, past its respond-by time)
        self.orders["assigned"] = by_staff(
            "Corridor light flickering, Tower B 5F", "Two ceiling lights flicker by the lifts."
        )
        triage(self.orders["assigned"], "electrical", "high")
        assign(self.orders["assigned"], li)
        # urgent, assigned and not accepted: misses its 30-minute respond SLA
        self.orders["urgent"] = by_resident(
            "hvg.huangli",
            ("B", "801"),
            "Water coming through the ceiling",
            "Water drips from the bathroom ceiling; the flat above is empty.",
        )
        triage(self.orders["urgent"], "plumbing", "urgent")
        assign(self.orders["urgent"], zhao)
        # in progress: the lift door order opened from the alarm
        triage(self.orders["alarm"], "elevator", "urgent")
        assign(self.orders["alarm"], zhao)
        work(self.orders["alarm"], "hvg.tech.zhao", "accept", "start")
        # on hold, waiting for parts
        self.orders["on_hold"] = by_staff(
            "Booster pump 1 seal weeping",
            "Water around the shaft seal of booster pump 1.",
            equipment="pump-1",
        )
        triage(self.orders["on_hold"], "plumbing", "normal")
        assign(self.orders["on_hold"], li)
        work(self.orders["on_hold"], "hvg.tech.li", "accept", "start")
        with self.as_user("hvg.tech.li"):
            wo.hold(
                WorkOnWithReason(
                    self.actor("hvg.tech.li"),
                    self.orders["on_hold"],
                    "mechanical seal ordered, delivery in 3 days",
                )
            )

        def complete(
            order_id: UUID, technician: str, done: str, parts: list[dict[str, Any]], hours: str
        ) -> None:
            with self.as_user(technician):
                wo.complete(
                    CompleteOrder(
                        self.actor(technician),
                        order_id,
                        work_done=done,
                        parts=parts,
                        labour_hours=Decimal(hours),
                        currency="CNY",
                    )
                )

        # completed and rated, then closed by the resident, who answers the survey
        self.orders["closed"] = by_resident(
            "hvg.wangfang", ("A", "302"), "Kitchen sink blocked", "The sink drains very slowly."
        )
        triage(self.orders["closed"], "plumbing", "high")
        assign(self.orders["closed"], li)
        work(self.orders["closed"], "hvg.tech.li", "accept", "start")
        complete(
            self.orders["closed"],
            "hvg.tech.li",
            "Cleared the trap, replaced two seals",
            [{"name": "P-trap seal", "qty": "2", "unit_cost": "18.50"}],
            "1.5",
        )
        with self.as_user("hvg.wangfang"):
            wang_actor = self.actor("hvg.wangfang")
            wo.rate(RateOrder(wang_actor, self.orders["closed"], 5, "Quick and tidy, thank you"))
            wo.close(CloseOrder(wang_actor, self.orders["closed"]))
            self.c.community.answer_survey(
                cc.AnswerSurvey(
                    actor=self.actor("hvg.wangfang"),
                    subject_kind=SubjectKind.WORK_ORDER,
                    subject_id=self.orders["closed"],
                    scores={"overall": 5, "timeliness": 5, "attitude": 5, "quality": 4},
                    comment="Came the same afternoon",
                )
            )
        # rated
        self.orders["rated"] = by_resident(
            "hvg.liuyang", ("B", "202"), "Front door lock sticks", "The key turns only with force."
        )
        triage(self.orders["rated"], "security", "normal")
        assign(self.orders["rated"], zhao)
        work(self.orders["rated"], "hvg.tech.zhao", "accept", "start")
        complete(
            self.orders["rated"],
            "hvg.tech.zhao",
            "Replaced the lock cylinder",
            [
                {"name": "lock cylinder", "qty": "1", "unit_cost": "185.00"},
                {"name": "keys", "qty": "3", "unit_cost": "12.00"},
            ],
            "0.75",
        )
        with self.as_user("hvg.liuyang"):
            wo.rate(
                RateOrder(
                    self.actor("hvg.liuyang"),
                    self.orders["rated"],
                    4,
                    "Works now; came a day later than promised",
                )
            )
        # completed, waiting for the requester (staff) to close it
        self.orders["completed"] = by_staff(
            "Lobby door closer, Tower A",
            "The glass door slams shut.",
        )
        triage(self.orders["completed"], "structural", "low")
        assign(self.orders["completed"], li)
        work(self.orders["completed"], "hvg.tech.li", "accept", "start")
        complete(
            self.orders["completed"],
            "hvg.tech.li",
            "Adjusted and re-oiled the closer",
            [],
            "0.5",
        )
        # cancelled by the resident: a duplicate
        self.orders["cancelled"] = by_resident(
            "hvg.zhangwei", ("A", "501"), "Tap leaking (again)", "Sent twice, sorry."
        )
        with self.as_user("hvg.zhangwei"):
            wo.cancel(
                AfterWork(
                    self.actor("hvg.zhangwei"),
                    self.orders["cancelled"],
                    "duplicate of my earlier request",
                )
            )
        self.count("work_orders", len(self.orders))

    # ---- preventive maintenance -----------------------------------------------------

    def maintenance(self) -> None:
        wo = self.c.workorders
        with self.as_user("hvg.manager"):
            manager = self.actor("hvg.manager")
            wo.create_plan(
                CreatePlan(
                    manager,
                    estate_id=self.estate_id,
                    title="Lift monthly inspection",
                    equipment_id=None,
                    equipment_kind="elevator",
                    interval_days=30,
                    checklist=["brakes", "door locks and sensors", "emergency phone", "ropes"],
                    team="lift crew",
                    technician_id=self.users["hvg.tech.zhao"],
                    priority="normal",
                    first_due_on=self.today,
                )
            )
            wo.create_plan(
                CreatePlan(
                    manager,
                    estate_id=self.estate_id,
                    title="Fire panel quarterly test",
                    equipment_id=self.equipment["fire"],
                    equipment_kind=None,
                    interval_days=90,
                    checklist=["battery", "detector loop", "sounders", "log book"],
                    team="fire safety",
                    technician_id=self.users["hvg.tech.li"],
                    priority="high",
                    first_due_on=self.today + timedelta(days=45),
                )
            )
        self.count("maintenance_plans", 2)
        self.settle()
        with acting(self.context(None)):
            self.count("work_orders", self.c.workorders.open_due_plans(self.now))
