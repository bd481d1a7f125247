"""Two estates, A and B, with a record of every kind in each.

Places, people and staff come from the shared world builders
(``tests/support/world.py``, the demo loader's too); every other record is
made through the API by the people who would make it.

Used by ``tests/e2e/api/test_estate_isolation.py``: staff of each estate (property
manager, customer service, technician, finance clerk), a resident of each (a
person linked to a login account, moved in), and in estate A a neighbour of
the resident with records of their own.

Each estate also keeps books (``Builder.finance``): an adopted rate, a shared
cost, meter readings, a billing run with its bills, a payment, a pending
waiver and refund, a budget, an approved and a pending expense claim, a fund
deposit and a pending fund spending, a renovation deposit, a manual journal, a closed period and a
compliance review with a finding. They are built on a fixed clock (the
the container's clock) moved from January to March 2026, and
the container's own clock is put back afterwards. Vendors are company-wide:
the one vendor is ``World.vendor``, not a record of either estate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.identity.policy import Role
from domain.operations.incidents import Level, incident_id_for
from infrastructure.tasks import QUEUE as ALERTS_QUEUE
from projections.runtime import wait_for_position
from tests.conftest import bearer, login
from tests.e2e.api.test_object_scoping import PASSWORD
from tests.e2e.notifications.support import drain, working
from tests.support.clock import Clock
from tests.support.pages import body_of
from tests.support.patrols_world import patrol_records
from tests.support.world import world

SERVICE_POLICY = {
    "levels": [
        {"name": "front_desk", "role": "customer_service"},
        {"name": "department", "role": "property_manager"},
        {"name": "manager", "role": "admin"},
    ],
    "rules": [],
}


EMERGENCY = {
    "category": "elevator_danger",
    "description": "lift brakes failed inspection",
    "evidence": ["INSP-2026-0042"],
}


@dataclass(frozen=True)
class Actor:
    id: str
    headers: dict[str, str]
    role: str


@dataclass
class Estate:
    """One estate's people and the ID of its record of each kind."""

    name: str
    manager: Actor
    customer_service: Actor
    technician: Actor
    resident: Actor
    finance: Actor
    storekeeper: Actor
    gate_guard: Actor
    records: dict[str, str] = field(default_factory=dict)
    # Text that only estate's records carry (message subjects, reminder texts).
    texts: list[str] = field(default_factory=list)
    message_position: int = 0

    def __getitem__(self, kind: str) -> str:
        return self.records[kind]

    @property
    def staff(self) -> list[Actor]:
        return [
            self.manager,
            self.customer_service,
            self.technician,
            self.finance,
            self.storekeeper,
            self.gate_guard,
        ]

    @property
    def outsiders(self) -> list[Actor]:
        """Everyone of this estate who must see nothing of another."""
        return [*self.staff, self.resident]

    @property
    def needles(self) -> list[str]:
        return [*self.records.values(), *self.texts]


@dataclass
class World:
    a: Estate
    b: Estate
    neighbour: Actor  # another resident of estate A, in another unit
    neighbour_records: dict[str, str]
    neighbour_text: str
    vendor: str  # company-wide: shared by every estate's finance staff
    incident: str  # the service's own (R6.2), of no estate
    alert: str  # the administrators' alert the incident raised


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (
        response.request.method,
        response.request.url,
        response.text,
    )
    return body_of(response)


def settle(container: Container, timeout: float = 20) -> None:
    """Every read model has applied the whole log."""
    head = container.event_log.head()
    for projection in container.projector.projections:
        assert wait_for_position(container.pool, projection.name, head, timeout), projection.name


def _wait_for_inbox(container: Container, recipient: str, position: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        with container.pool.connection() as conn:
            row = conn.execute(
                "SELECT status FROM notif_deliveries WHERE recipient_id = %s AND position = %s "
                "AND channel = 'in_app'",
                [recipient, position],
            ).fetchone()
        if row is not None and row[0] != "pending":
            assert row[0] == "sent", row
            return
        assert time.monotonic() < deadline, f"no in-app delivery of {position} to {recipient}"
        time.sleep(0.05)


class Builder:
    def __init__(self, client: TestClient, admin: dict[str, str], container: Container) -> None:
        self.client = client
        self.admin = admin
        self.container = container
        self.world = world(container, PASSWORD)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        response = self.client.post(f"/api/v1/{path}", json=body, headers=headers or self.admin)
        return ok(response, 201 if response.status_code == 201 else 200)

    def created(self, path: str, body: Any, headers: dict[str, str] | None = None) -> str:
        response = self.client.post(f"/api/v1/{path}", json=body, headers=headers or self.admin)
        return str(ok(response, 201)["id"])

    def _asked(self, path: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
        """A request that waits for an approval (202): its answer."""
        response = self.client.post(f"/api/v1/{path}", json=body, headers=headers)
        return ok(response, 202)  # type: ignore[no-any-return]

    def actor(self, username: str, role: str, estate: str | None = None) -> Actor:
        """A user built by the shared builders, signed in through the API."""
        serves = () if estate is None else (UUID(estate),)
        user_id = self.world.user(username, Role(role), *serves)
        return Actor(str(user_id), bearer(login(self.client, username, PASSWORD)), role)

    def person(self, estate: str, unit: str, name: str, user_id: str, relation: str) -> str:
        """A person linked to a login account, living in the unit since 5 January."""
        settle(self.container)  # the link is checked against the registry as of the head
        person = self.world.person(UUID(estate), name, user_id=UUID(user_id))
        self.world.move_in(UUID(unit), person, relation, date(2026, 1, 5))
        return str(person)

    def resident(self, estate: str, unit: str, username: str, relation: str) -> tuple[Actor, str]:
        actor = self.actor(username, "owner")
        return actor, self.person(estate, unit, username.title(), actor.id, relation)

    def estate(self, name: str) -> Estate:
        tag = name.lower()
        w = self.world
        estate = w.estate(f"E{name}", f"Estate {name}", f"{name} Rd")
        building = w.building(estate, "B1", f"{name} tower")
        unit = w.unit(building, "101", 1, Decimal("89.50"), Decimal("72.30"))
        parking = w.parking(estate, "P1")
        w.assign_parking(parking, unit)
        e = Estate(
            name=name,
            manager=self.actor(f"manager.{tag}", "property_manager", str(estate)),
            customer_service=self.actor(f"front.{tag}", "customer_service", str(estate)),
            technician=self.actor(f"tech.{tag}", "technician", str(estate)),
            resident=self.actor(f"owner.{tag}", "owner"),
            finance=self.actor(f"finance.{tag}", "finance", str(estate)),
            storekeeper=self.actor(f"store.{tag}", "storekeeper", str(estate)),
            gate_guard=self.actor(f"gate.{tag}", "gate_guard", str(estate)),
        )
        person = self.person(str(estate), str(unit), f"Owner {name}", e.resident.id, "owner")
        e.records.update(
            estate=str(estate),
            building=str(building),
            unit=str(unit),
            parking=str(parking),
            person=person,
        )
        return e

    def records(self, e: Estate) -> None:
        """Equipment, alarms, orders, plans, approvals, community records, reminders."""
        c, estate, unit = self.created, e["estate"], e["unit"]
        equipment = c("equipment", {"estate_id": estate, "kind": "fire_system", "name": "Panel"})
        at = datetime(2026, 3, 1, 8, tzinfo=UTC).isoformat()
        reading = {"equipment_id": equipment, "at": at, "metric": "state", "state": "fire"}
        raised = self.post("telemetry", {"readings": [reading]})["alarms_raised"]
        assert len(raised) == 1, raised
        plan = c(
            "maintenance-plans",
            {
                "estate_id": estate,
                "title": f"Panel check {e.name}",
                "equipment_id": equipment,
                "interval_days": 30,
                "first_due_on": "2026-12-01",
            },
        )
        # Work orders: one assigned to the estate's technician, one the
        # resident asked for, one nobody is assigned to yet.
        order = c(
            "workorders", {"title": "Leak", "description": "B1 basement", "estate_id": estate}
        )
        self.post(f"workorders/{order}/triage", {"category": "plumbing", "priority": "high"})
        self.post(f"workorders/{order}/assign", {"technician_id": e.technician.id})
        unassigned = c(
            "workorders", {"title": "Light", "description": "lobby", "estate_id": estate}
        )
        settle(self.container)
        home = {"title": "Tap", "description": "kitchen tap drips", "unit_id": unit}
        resident_order = c("workorders", home, e.resident.headers)

        # A service request accepted by staff opens a pending approval.
        ask = {"estate_id": estate, "unit_id": unit, "category": "cleaning", "description": "hall"}
        request = c("service-requests", ask, e.resident.headers)
        self.post(f"service-requests/{request}/accept", None, e.customer_service.headers)
        complaint = c(
            "complaints",
            {"estate_id": estate, "unit_id": unit, "subject": "Noise", "description": "pump hum"},
            e.resident.headers,
        )
        # A second complaint, handled and confirmed, offers the resident a survey.
        done = c(
            "complaints",
            {"estate_id": estate, "unit_id": unit, "subject": "Lift", "description": "slow"},
            e.resident.headers,
        )
        front = e.customer_service
        self.post(f"complaints/{done}/assign", {"handler_id": front.id}, front.headers)
        self.post(f"complaints/{done}/respond", {"response": "checking"}, front.headers)
        self.post(f"complaints/{done}/resolve", {"resolution": "fixed"}, front.headers)
        self.post(f"complaints/{done}/confirm", None, e.resident.headers)
        settle(self.container)
        answer = {"subject_kind": "complaint", "subject_id": done, "scores": {"overall": 4}}
        survey = c("surveys", answer, e.resident.headers)
        announcement = c(
            "announcements",
            {"estate_id": estate, "title": f"Water off {e.name}", "body": "Friday"},
            e.manager.headers,
        )
        self.post(f"announcements/{announcement}/submit", None, e.manager.headers)
        text = f"reminder-{e.name}-{uuid4()}"
        settle(self.container)
        due = (datetime.now(UTC) + timedelta(days=30)).isoformat()
        reminder = c(
            "notifications/reminders", {"user_id": e.resident.id, "message": text, "due_at": due}
        )
        settle(self.container)
        approvals = ok(
            self.client.get(
                "/api/v1/approvals",
                params={"estate_id": estate, "kind": "service_request"},
                headers=self.admin,
            )
        )
        [approval] = [a["id"] for a in approvals]
        e.records.update(self.visitor_pass(e))
        e.records.update(
            equipment=equipment,
            alarm=raised[0],
            plan=plan,
            order=order,
            unassigned_order=unassigned,
            resident_order=resident_order,
            service_request=request,
            approval=approval,
            complaint=complaint,
            closed_complaint=done,
            survey=survey,
            announcement=announcement,
            reminder=reminder,
        )
        e.records.update(patrol_records(self, e))
        e.texts.append(text)
        e.records.update(self.meters(e))

    def meters(self, e: Estate) -> dict[str, str]:
        """The unit's water meter (issue 17) on a reading round of the estate's technician."""
        body = {"estate_id": e["estate"], "unit_id": e["unit"], "kind": "water"}
        body.update(serial=f"W-{e.name}", initial_reading="0", installed_on="2026-01-01")
        meter = self.created("meters", body)
        plan = {"estate_id": e["estate"], "period": "2026-02", "technician_id": e.technician.id}
        plan.update(meter_ids=[meter], due_on="2026-02-28")
        tour = self.created("meter-rounds", plan)
        read = {"reading": "7", "read_on": "2026-02-01", "round_id": tour}
        self.post(f"meters/{meter}/readings", read, e.technician.headers)
        rule = self.client.put(
            f"/api/v1/estates/{e['estate']}/meter-jump-rule",
            json={"factor": "4", "window": 6},
            headers=e.manager.headers,
        )  # the estate's jump rule (decision 0064), set by its manager
        ok(rule)
        return {"meter": meter, "meter_round": tour}

    def quality(self, e: Estate) -> None:
        """A data-quality run of the estate (R7.5), by its manager."""
        settle(self.container)
        path = f"estates/{e['estate']}/quality/runs"
        e.records["quality_run"] = self.created(path, {}, e.manager.headers)

    def visitor_pass(self, e: Estate) -> dict[str, str]:
        """A pass the resident issued for their unit (issue 17), and its QR token."""
        now = self.container.clock()
        issued = self.post(
            "visitor-passes",
            {
                "estate_id": e["estate"],
                "unit_id": e["unit"],
                "visitor_name": f"Guest {e.name}",
                "valid_from": now.isoformat(),
                "valid_until": (now + timedelta(days=30)).isoformat(),
            },
            e.resident.headers,
        )
        return {"visitor_pass": issued["id"], "pass_token": issued["token"]}

    # ---- the books (finance, issue 6) ------------------------------------------------

    def approve_fully(self, approval_id: str) -> None:
        """Decide every level as an administrator (who may decide any level)."""
        for _ in range(6):
            head = self.container.event_log.head()
            view = ok(
                self.client.get(
                    f"/api/v1/approvals/{approval_id}", params={"after": head}, headers=self.admin
                )
            )
            if view["status"] != "pending":
                assert view["status"] == "approved", view
                return
            self.post(f"approvals/{approval_id}/approve", {}, self.admin)
        raise AssertionError(f"approval {approval_id} still pending")

    def books(self, estates: list[Estate]) -> str:
        """Each estate's finance records, on a clock moved from January to March 2026;
        returns the company-wide vendor. The container's clock is put back after."""
        clock = self.container.clock
        assert isinstance(clock, Clock), "build the world's container with tests.support.clock"
        try:
            clock.set(2026, 1, 10)
            for e in estates:
                self._rate(e)
            clock.set(2026, 1, 25)
            vendor = self.created(
                "finance/vendors",
                {
                    "name": "Company Fix Co",
                    "tax_id": "91310000MA1FL0XX3K",
                    "bank_account": "6222 0212 3456 7890",
                    "categories": ["repairs", "cleaning", "other"],
                },
            )
            for e in estates:
                self._january(e, vendor)
            clock.set(2026, 2, 1, 9)
            for e in estates:
                self._billing(e)
            clock.set(2026, 3, 2)
            for e in estates:
                self._close_and_review(e)
        finally:
            clock.release()
        return vendor

    def _text(self, e: Estate, what: str) -> str:
        text = f"{what}-{e.name}-{uuid4()}"
        e.texts.append(text)
        return text

    def _rate(self, e: Estate) -> None:
        fin, estate = e.finance, e["estate"]
        proposed = self.post(
            f"finance/estates/{estate}/rate-changes",
            {
                "item": "property_fee",
                "rate": "2.50",
                "basis": "gross",
                "effective_from": "2026-01-01",
                "contract_reference": f"PSC-{e.name}",
            },
            fin.headers,
        )
        self.approve_fully(proposed["approval_id"])
        e.records.update(rate_change=proposed["id"], rate_approval=proposed["approval_id"])

    def _january(self, e: Estate, vendor: str) -> None:
        fin, estate, unit = e.finance, e["estate"], e["unit"]
        h = fin.headers
        # A manual journal posts when a second person approves (maker-checker).
        asked = self._asked(
            f"finance/estates/{estate}/journals",
            {
                "booked_on": "2026-01-25",
                "memo": self._text(e, "opening"),
                "lines": [
                    {"account": "1002", "debit": "100000.00", "currency": "CNY"},
                    {"account": "4001", "credit": "100000.00", "currency": "CNY"},
                ],
            },
            h,
        )
        self.approve_fully(asked["approval_id"])
        journal = str(asked["id"])
        budget = self.client.put(
            f"/api/v1/finance/estates/{estate}/budgets/2026",
            json={"lines": {"repairs": "20000.00", "cleaning": "3000.00"}},
            headers=h,
        )
        ok(budget)
        claim = {"estate_id": estate, "vendor_id": vendor, "category": "repairs"}
        # A small claim, approved at once by the pre-screening rule; a large one, pending.
        small = self.post(
            "finance/expenses",
            {
                **claim,
                "amount": "300.00",
                "description": self._text(e, "small-claim"),
                "incurred_on": "2026-01-20",
                "invoice_ref": f"INV-{e.name}-1",
            },
            h,
        )
        large = self.post(
            "finance/expenses",
            {
                **claim,
                "amount": "12000.00",
                "description": self._text(e, "large-claim"),
                "incurred_on": "2026-01-21",
                "invoice_ref": f"INV-{e.name}-2",
            },
            h,
        )
        deposit = self.created(
            "finance/fund/deposits",
            {
                "unit_id": unit,
                "amount": "1000.00",
                "method": "bank_transfer",
                "reference": self._text(e, "DEP")[:100],
            },
            h,
        )
        spending = self.post(
            "finance/fund/spendings",
            {
                "estate_id": estate,
                "purpose": self._text(e, "spending"),
                "amount": "50.00",
                "basis": "emergency",
                "emergency": EMERGENCY,
                "unit_ids": [unit],
            },
            h,
        )
        renovation = self.post(
            "finance/renovation-deposits",
            {
                "unit_id": unit,
                "amount": "500.00",
                "method": "cash",
                "reference": self._text(e, "ZX")[:100],
                "renovation": self._text(e, "renovation"),
            },
            h,
        )
        cost = self.created(
            f"finance/estates/{estate}/shared-costs",
            {"period": "2026-02", "description": self._text(e, "shared-cost"), "amount": "100.00"},
            h,
        )
        e.records.update(
            journal=journal,
            small_claim=small["id"],
            small_claim_approval=small["approval_id"],
            claim=large["id"],
            claim_approval=large["approval_id"],
            deposit=deposit,
            spending=spending["id"],
            spending_approval=spending["approval_id"],
            renovation_deposit=renovation["id"],
            shared_cost=cost,
        )

    def _billing(self, e: Estate) -> None:
        fin, estate, unit = e.finance, e["estate"], e["unit"]
        h = fin.headers
        # The unit's owner moved in on 5 January: the days before are the developer's.
        developer = self.world.person(UUID(estate), f"Developer {e.name}")
        payer = {"person_id": str(developer)}
        path = f"/api/v1/finance/estates/{estate}/vacancy-payer"
        ok(self.client.put(path, json=payer, headers=h))
        run = self.post(f"finance/estates/{estate}/billing-runs", {"period": "2026-01"}, h)
        head = self.container.event_log.head()
        bills = ok(
            self.client.get(
                "/api/v1/finance/bills", params={"unit_id": unit, "after": head}, headers=h
            )
        )
        [bill] = [b["id"] for b in bills if b["payer_ids"] == [e["person"]]]
        waiver = self.post(
            f"finance/units/{unit}/waivers",
            {"bill_id": bill, "amount": "1.00", "reason": self._text(e, "waiver")},
            h,
        )
        payment = self.post(
            f"finance/units/{unit}/payments",
            {"amount": "500.00", "method": "bank_transfer", "reference": self._text(e, "PAY")},
            h,
        )
        # A fee clearance certificate of the owner, as of a day before their first bill.
        certificate = self.created(
            f"finance/units/{unit}/owners/{e['person']}/clearance-certificates",
            {"as_of": "2026-01-15"},
            h,
        )
        refund = self.post(
            f"finance/units/{unit}/refunds",
            {"amount": "10.00", "reason": self._text(e, "refund")},
            h,
        )
        # Issue 14: an invoice of the bill, and a bank statement's line of the payment.
        invoice = self.post(
            f"finance/units/{unit}/invoices", {"bill_ids": [bill], "amount": "1.00"}, h
        )
        statement = (
            "交易日期,交易时间,摘要,借方发生额,贷方发生额,余额,对方户名,对方账号,交易流水号\n"
            f"2026-02-01,10:00:00,{self._text(e, 'PAY')},,500.00,500.00,Owner,1,L-{e.name}\n"
        )
        imported = self.client.post(
            f"/api/v1/finance/estates/{estate}/bank-statements",
            content=statement.encode(),
            headers={**h, "Content-Type": "text/csv"},
        )
        assert imported.status_code == 201, imported.text
        head = self.container.event_log.head()
        path = f"/api/v1/finance/estates/{estate}/bank-lines"
        [line] = ok(self.client.get(path, params={"after": head}, headers=h))
        self.post(
            f"finance/estates/{estate}/meter-readings",
            {
                "period": "2026-02",
                "readings": [
                    {"unit_id": unit, "meter": "water", "reading": "12.50", "read_on": "2026-02-01"}
                ],
            },
            h,
        )
        e.records.update(
            billing_run=run["id"],
            bill=bill,
            waiver=waiver["id"],
            waiver_approval=waiver["approval_id"],
            payment=payment["id"],
            refund=refund["id"],
            refund_approval=refund["approval_id"],
            invoice=invoice["id"],
            bank_line=line["id"],
            clearance_certificate=certificate,
        )

    def _close_and_review(self, e: Estate) -> None:
        fin, estate = e.finance, e["estate"]
        asked = self._asked(f"finance/estates/{estate}/periods/2026-01/close", {}, fin.headers)
        self.approve_fully(asked["approval_id"])  # a second person closes (maker-checker)
        # A threshold below the small claim: approvals_present flags its rule approval.
        review = self.post(
            "finance/compliance-checks",
            {
                "estate_id": estate,
                "from": "2026-01-01",
                "to": "2026-02-28",
                "large_expense_threshold": "100.00",
            },
            fin.headers,
        )
        flagged = [f for f in review["findings"] if f.get("subject_id") == e["small_claim"]]
        assert flagged, review
        e.records.update(review=review["id"], finding=flagged[0]["id"])

    def car_park(self, e: Estate) -> None:
        """The estate's car park (停车): the resident's car registered to the unit with a
        pass on its space, parked now; a plate on the blocklist."""
        manager, gate = e.manager.headers, e.gate_guard.headers
        tariff = {"free_minutes": 15, "per_hour": "5.00", "daily_cap": "40.00"}
        body = {"estate_id": e["estate"], "temporary_spaces": 10, "tariff": tariff}
        car_park = self.created("car-parks", body, manager)
        plate = f"沪{e.name}12345"
        vehicle = self.created(
            f"car-parks/{car_park}/vehicles", {"plate": plate, "unit_id": e["unit"]}, manager
        )
        on_space = {"billing": "unit_account", "starts_on": "2026-01-01", "space_id": e["parking"]}
        parking_pass = self.created(f"vehicles/{vehicle}/passes", on_space, manager)
        at_gate = {"plate": plate, "gate": "East 1", "direction": "in"}
        entered = self.post(f"car-parks/{car_park}/gate", at_gate, gate)
        assert entered["open"] and entered["pass_id"] == parking_pass, entered
        blocked = self.created(
            f"car-parks/{car_park}/blocklist",
            {"plate": f"京{e.name}88888", "reason": self._text(e, "arrears")},
            manager,
        )
        e.records.update(
            car_park=car_park,
            vehicle=vehicle,
            parking_pass=parking_pass,
            parking_session=str(entered["session_id"]),
            blocked_vehicle=blocked,
        )

    def message(self, e: Estate) -> None:
        """The estate's manager writes to its residents; the resident's inbox has it."""
        subject = f"notice-{e.name}-{uuid4()}"
        body = {"estate_id": e["estate"], "subject": subject, "body": "the lift is serviced"}
        sent = self.post("notifications/messages", body, e.manager.headers)
        e.texts.append(subject)
        e.message_position = int(sent["position"])
        _wait_for_inbox(self.container, e.resident.id, e.message_position)


def build_world(client: TestClient, admin: dict[str, str], container: Container) -> World:
    b = Builder(client, admin, container)
    ok(client.put("/api/v1/approval-policies/service_request", json=SERVICE_POLICY, headers=admin))
    a_estate, b_estate = b.estate("A"), b.estate("B")
    neighbour_unit = str(
        b.world.unit(UUID(a_estate["building"]), "102", 1, Decimal("60.00"), Decimal("50.00"))
    )
    neighbour, neighbour_person = b.resident(
        a_estate["estate"], neighbour_unit, "tenant.a", "tenant"
    )
    settle(container)
    for e in (a_estate, b_estate):
        b.records(e)
    vendor = b.books([a_estate, b_estate])
    for e in (a_estate, b_estate):
        b.car_park(e)
    from tests.support import stores_world  # it builds on this module's Builder

    for e in (a_estate, b_estate):
        stores_world.build(b, e, vendor)
        b.quality(e)
    # The neighbour's own records in estate A.
    unit = neighbour_unit
    estate = a_estate["estate"]
    own: dict[str, str] = {"unit": neighbour_unit, "person": neighbour_person}
    own["service_request"] = b.created(
        "service-requests",
        {"estate_id": estate, "unit_id": unit, "category": "greening", "description": "hedge"},
        neighbour.headers,
    )
    own["complaint"] = b.created(
        "complaints",
        {"estate_id": estate, "unit_id": unit, "subject": "Dog", "description": "barking"},
        neighbour.headers,
    )
    own["resident_order"] = b.created(
        "workorders", {"title": "Door", "description": "stuck", "unit_id": unit}, neighbour.headers
    )
    text = f"reminder-neighbour-{uuid4()}"
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    own["reminder"] = b.created(
        "notifications/reminders", {"message": text, "due_at": due}, neighbour.headers
    )
    with working(container):
        for e in (a_estate, b_estate):
            b.message(e)
        # A message for the neighbour alone.
        private = f"private-{uuid4()}"
        sent = b.post(
            "notifications/messages",
            {"recipient_id": neighbour.id, "subject": private, "body": "your parcel"},
            a_estate.manager.headers,
        )
        _wait_for_inbox(container, neighbour.id, int(sent["position"]))
        incident, alert = _incident(container)  # its alert delivered to the inboxes
        drain(container)
    own["message_position"] = str(sent["position"])
    settle(container)
    return World(
        a=a_estate,
        b=b_estate,
        neighbour=neighbour,
        neighbour_records=own,
        neighbour_text=f"{text}|{private}",
        vendor=vendor,
        incident=incident,
        alert=alert,
    )


def _incident(container: Container) -> tuple[str, str]:
    """A level-2 incident and the administrators' alert it raised (their IDs)."""
    where = ("worker", "background_thread_died", "snapshotter")
    container.incidents.record(Level.BUSINESS_INTERRUPTED, *where, "the snapshotter thread stopped")
    assert container.incidents.flush()
    settle(container)
    container.broker.join(ALERTS_QUEUE, timeout=20_000)
    incident = incident_id_for(*where)
    with container.pool.connection() as conn:
        row = conn.execute(
            "SELECT alert_id FROM admin_alerts WHERE subject_id = %s", [incident]
        ).fetchone()
    assert row is not None
    return str(incident), str(row[0])
