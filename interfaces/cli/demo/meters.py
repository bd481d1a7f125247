"""The demo's meter round (抄表): the estate's water and electricity meters,
two months of readings, a replaced meter, then this month's round.

Li Qiang reads the meters of his round in route order: most are recorded
(and reach finance's readings, which the metered fee items bill), Liu Yang's
water meter jumps to five times its average and is held for the front desk
to confirm, one meter is left unread (the unread list shows it), and Zhang
Wei submits his own water reading with a photo, which the front desk
confirms. Run after the books, on today's clock.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from application.meters import commands as mc
from domain.finance.periods import period_of, period_start, shift_period
from interfaces.cli.demo.base import LoaderBase

# (building, unit, kind, serial, initial, monthly use)
UNIT_METERS = (
    ("A", "101", "water", "SH-W-A101", "312.0", "9.5"),
    ("A", "101", "electricity", "SH-E-A101", "8210.0", "210"),
    ("A", "302", "water", "SH-W-A302", "540.0", "14"),
    ("A", "302", "electricity", "SH-E-A302", "12020.0", "260"),
    ("A", "501", "water", "SH-W-A501", "205.5", "7"),
    ("B", "202", "water", "SH-W-B202", "401.0", "8"),
    ("B", "402", "water", "SH-W-B402", "150.0", "6.5"),
    ("C", "101", "electricity", "SH-E-C101", "3305.0", "180"),
)
# (area, kind, serial, initial, monthly use): what shared costs are apportioned from
SHARED_METERS = (
    ("Lifts, Tower A", "electricity", "SH-E-LIFT-A", "50210.0", "1450"),
    ("Garden irrigation", "water", "SH-W-GARDEN", "2200.0", "85"),
)


class MetersDemo(LoaderBase):
    def meter_round(self) -> None:
        cs = self.c.meters
        manager, tech = self.actor("hvg.manager"), self.actor("hvg.tech.li")
        clerk = self.actor("hvg.service")
        current = period_of(self.today)
        periods = [shift_period(current, -2), shift_period(current, -1)]
        installed_on = period_start(periods[0])
        meters: dict[str, tuple[UUID, Decimal, Decimal]] = {}  # serial -> (id, initial, use)
        with self.as_user("hvg.manager"):
            for building, unit, kind, serial, start, monthly in UNIT_METERS:
                meter_id, _ = cs.install(
                    mc.InstallMeter(
                        manager, self.estate_id, kind, serial, Decimal(start), installed_on,
                        unit_id=self.units[(building, unit)],
                    )
                )  # fmt: skip
                meters[serial] = (meter_id, Decimal(start), Decimal(monthly))
            for area, kind, serial, start, monthly in SHARED_METERS:
                meter_id, _ = cs.install(
                    mc.InstallMeter(
                        manager, self.estate_id, kind, serial, Decimal(start), installed_on,
                        area=area,
                    )
                )  # fmt: skip
                meters[serial] = (meter_id, Decimal(start), Decimal(monthly))
        self.count("meters", len(meters))
        # Two months read at the desk, each on the first day of the month after.
        with self.as_user("hvg.service"):
            for n, period in enumerate(periods, start=1):
                read_on = period_start(shift_period(period, 1))
                for meter_id, initial, use in meters.values():
                    cs.enter(mc.EnterReading(clerk, meter_id, initial + n * use, read_on, period))
                    self.count("meter_readings")
        # Wang Fang's electricity meter was replaced on the first of this month.
        replaced_id, initial, use = meters["SH-E-A302"]
        with self.as_user("hvg.manager"):
            cs.replace(
                mc.ReplaceMeter(
                    manager, replaced_id, initial + 2 * use + Decimal(3), Decimal(0),
                    period_start(current), "replaced", "SH-E-A302-N",
                )
            )  # fmt: skip
        meters["SH-E-A302"] = (replaced_id, Decimal(-3) - 2 * use, use)  # reads from 0 now
        self.settle()
        route = [m[0] for s, m in meters.items() if s != "SH-W-A501"]
        with self.as_user("hvg.manager"):
            round_id, _ = cs.plan_round(
                mc.PlanRound(
                    manager, self.estate_id, current, self.users["hvg.tech.li"], route,
                    self.today + timedelta(days=3),
                )
            )  # fmt: skip
        with self.as_user("hvg.tech.li"):
            for serial, (meter_id, initial, use) in meters.items():
                if serial in ("SH-W-A501", "SH-E-C101"):  # submitted by its owner; not reached
                    continue
                value = initial + 3 * use
                if serial == "SH-W-B202":
                    value = initial + 2 * use + 5 * use  # five months' use: held
                _, status, _ = cs.enter(
                    mc.EnterReading(tech, meter_id, value, self.today, round_id=round_id)
                )
                self.count(f"meter_readings_{status}")
        # Zhang Wei sends a photo of his water meter; the front desk confirms it.
        meter_id, initial, use = meters["SH-W-A501"]
        with self.as_user("hvg.zhangwei"):
            submitted, _, _ = cs.submit(
                mc.SubmitReading(
                    self.actor("hvg.zhangwei"), meter_id, initial + 3 * use, self.today, current,
                    "uploads/meters/A-501-water.jpg",
                )
            )  # fmt: skip
        with self.as_user("hvg.service"):
            cs.confirm(mc.ConfirmReading(clerk, meter_id, submitted))
        self.count("meter_readings_confirmed")
