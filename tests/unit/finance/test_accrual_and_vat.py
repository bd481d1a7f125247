"""Issue 14, defect 3 and VAT: revenue in its month of service, output VAT and
pass-through money split per line, and bills stored before all this posting
exactly as they did (decision 0023)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ValidationFailed
from domain.finance import accounts as chart
from domain.finance.account import BillLine, UnitAccount
from domain.finance.bills import due_date
from domain.finance.journal import Entry, Line
from domain.finance.postings import entry_for
from domain.finance.tax import VAT_RATES, ItemTax, TaxSettings, Treatment, item_taxes, taxed
from infrastructure.eventstore.mapper import MetadataMapper
from infrastructure.eventstore.transcoder import OrjsonTranscoder
from projections.events import payload_of

AT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
GENERAL = item_taxes("general", {"water": {"treatment": "pass_through"}})


def line(item: str, amount: str) -> BillLine:
    return BillLine(item, item, Decimal(1), "m2·month", Decimal(amount), Decimal(amount))


def issued(lines: list[BillLine], period: str, issued_on: date) -> tuple[UnitAccount, Any]:
    account = UnitAccount.open(estate_id=uuid4(), unit_id=uuid4(), currency="CNY", at=AT)
    account.collect_events()
    account.issue_bill(
        bill_id=uuid4(),
        period=period,
        run_id=uuid4(),
        lines=lines,
        payer_ids=[uuid4()],
        days=31,
        days_in_period=31,
        issued_on=issued_on,
        due_on=due_date(date.fromisoformat(f"{period}-01"), issued_on, 15),
        at=AT,
    )
    [event] = account.collect_events()
    return account, event


def lines_by_day(entry: Entry) -> dict[tuple[date, str], tuple[Decimal, Decimal]]:
    out: dict[tuple[date, str], tuple[Decimal, Decimal]] = {}
    for item in entry.lines:
        debit, credit = out.get((entry.day_of(item), item.account), (Decimal(0), Decimal(0)))
        out[entry.day_of(item), item.account] = (debit + item.debit, credit + item.credit)
    return out


def test_a_bill_issued_before_its_month_is_a_contract_liability_until_the_month_begins() -> None:
    lines = taxed([line("property_fee", "250.00"), line("parking", "100.00")], taxes(), "CNY")
    _, event = issued(lines, "2027-01", date(2026, 12, 6))
    entry = entry_for("UnitAccount", "BillIssued", payload_of(event))
    assert entry is not None and entry.check() is entry
    dec, jan = date(2026, 12, 6), date(2027, 1, 1)
    zero = Decimal(0)
    assert lines_by_day(entry) == {
        (dec, chart.RECEIVABLES): (Decimal("350.00"), zero),
        (dec, chart.CONTRACT_LIABILITIES): (zero, Decimal("350.00")),
        (jan, chart.CONTRACT_LIABILITIES): (Decimal("350.00"), zero),
        # 250.00 / 1.06 = 235.849 -> 235.85 (tax 14.15); 100.00 / 1.09 = 91.743 -> 91.74
        (jan, chart.FEE_REVENUE["property_fee"]): (zero, Decimal("235.85")),
        (jan, chart.FEE_REVENUE["parking"]): (zero, Decimal("91.74")),
        (jan, chart.OUTPUT_VAT): (zero, Decimal("14.15") + Decimal("8.26")),
    }
    assert event.due_on == date(2027, 1, 16)  # the period's first day + 15, not the run's


def test_a_bill_issued_in_its_month_is_revenue_on_the_day_and_pass_through_is_no_revenue() -> None:
    lines = taxed([line("property_fee", "212.00"), line("water", "103.50")], taxes(), "CNY")
    _, event = issued(lines, "2027-01", date(2027, 1, 20))
    entry = entry_for("UnitAccount", "BillIssued", payload_of(event))
    assert entry is not None
    day, zero = date(2027, 1, 20), Decimal(0)
    assert lines_by_day(entry) == {
        (day, chart.RECEIVABLES): (Decimal("315.50"), zero),
        (day, chart.UTILITIES_PAYABLE): (zero, Decimal("103.50")),
        (day, chart.FEE_REVENUE["property_fee"]): (zero, Decimal("200.00")),
        (day, chart.OUTPUT_VAT): (zero, Decimal("12.00")),
    }
    # issued late: due 15 days after the issue, never before it
    assert event.due_on == date(2027, 2, 4)


def taxes() -> dict[str, ItemTax]:
    return {item: ItemTax(Treatment(t["treatment"]), t["vat_rate"]) for item, t in GENERAL.items()}


def test_a_bill_stored_before_version_2_posts_exactly_as_it_did() -> None:
    """An old-shaped ``BillIssued`` (no ``recognised_on``, lines without tax) read back
    through the event store's mapper: revenue on its issue day, all of it, no VAT,
    though it bills a month that had not begun."""
    _, event = issued(
        [line("property_fee", "250.00"), line("water", "40.00")], "2027-01", AT.date()
    )
    mapper = MetadataMapper(transcoder=OrjsonTranscoder())
    stored = mapper.to_stored_event(event)
    state = orjson.loads(stored.state)
    del state["class_version"], state["recognised_on"]
    for item in state["lines"]:
        for key in ("vat_rate", "net", "tax", "treatment"):
            del item[key]
    old = StoredEvent(
        stored.originator_id, stored.originator_version, stored.topic, orjson.dumps(state)
    )
    decoded, _ = mapper.decode(old)
    assert decoded.recognised_on == AT.date()  # type: ignore[attr-defined]
    entry = entry_for("UnitAccount", "BillIssued", payload_of(decoded))
    p: dict[str, Any] = payload_of(event)
    unit, bill = p["unit_id"], p["bill_id"]
    assert entry == Entry(
        p["estate_id"],
        AT.date(),
        "bill 2027-01",
        (
            Line.dr(
                chart.RECEIVABLES,
                Decimal("290.00"),
                "CNY",
                unit_id=unit,
                bill_id=bill,
                due_on=p["due_on"],
            ),
            Line.cr(chart.FEE_REVENUE["property_fee"], Decimal("250.00"), "CNY", unit_id=unit),
            Line.cr(chart.FEE_REVENUE["water"], Decimal("40.00"), "CNY", unit_id=unit),
        ),
    )
    assert isinstance(bill, UUID)


def test_small_scale_taxpayers_levy_three_percent_and_items_may_be_set_apart() -> None:
    small = item_taxes("small_scale", {"property_fee": {"vat_rate": "0.01"}})
    assert small["greening"] == {"treatment": "revenue", "vat_rate": Decimal("0.03")}
    assert small["parking"]["vat_rate"] == Decimal("0.05")
    assert small["property_fee"]["vat_rate"] == Decimal("0.01")
    three = ItemTax(Treatment.REVENUE, Decimal("0.03")).applied(line("security", "250.00"), "CNY")
    assert (three.net, three.tax) == (Decimal("242.72"), Decimal("7.28"))
    assert GENERAL["electricity"]["vat_rate"] == Decimal("0.13")
    assert GENERAL["water"] == {"treatment": "pass_through", "vat_rate": Decimal(0)}


@pytest.mark.parametrize(
    ("taxpayer", "items", "says"),
    [
        ("general", {"property_fee": {"treatment": "pass_through"}}, "property_fee.treatment"),
        ("general", {"water": {"treatment": "pass_through", "vat_rate": "0.09"}}, "no VAT"),
        ("general", {"parking": {"vat_rate": "0.07"}}, "parking.vat_rate"),
        ("general", {"lift": {}}, "no fee item lift"),
        ("exempt", {}, "taxpayer"),
    ],
)
def test_tax_settings_refuse_what_no_chinese_tax_office_would_take(
    taxpayer: str, items: dict[str, Any], says: str
) -> None:
    with pytest.raises(ValidationFailed, match=says):
        item_taxes(taxpayer, items)


def test_tax_settings_take_effect_from_a_month_and_the_latest_in_force_wins() -> None:
    settings = TaxSettings(estate_id=uuid4(), at=AT)
    for when in (date(2027, 1, 1), date(2027, 3, 1)):
        rate = "0.06" if when.month == 1 else "0.03"
        settings.set(
            taxpayer="general",
            items={"property_fee": {"vat_rate": rate}},
            effective_from=when,
            today=AT.date(),
            by=uuid4(),
            at=AT,
        )
    assert settings.in_force(date(2026, 12, 1)) is None  # before the first: untaxed
    assert settings.in_force(date(2027, 2, 1))["items"]["property_fee"]["vat_rate"] == Decimal(  # type: ignore[index]
        "0.06"
    )
    assert settings.in_force(date(2027, 3, 1))["items"]["property_fee"]["vat_rate"] == Decimal(  # type: ignore[index]
        "0.03"
    )
    for when in (date(2027, 1, 15), date(2026, 11, 1)):
        with pytest.raises(ValidationFailed, match="effective_from"):
            settings.set(
                taxpayer="general",
                items={},
                effective_from=when,
                today=AT.date(),
                by=uuid4(),
                at=AT,
            )


def test_an_entry_balanced_in_total_but_not_per_day_is_refused() -> None:
    unit = uuid4()
    entry = Entry(
        uuid4(),
        date(2026, 12, 6),
        "bill",
        (
            Line.dr(chart.RECEIVABLES, Decimal(10), "CNY", unit_id=unit, bill_id=uuid4()),
            Line.cr(
                chart.FEE_REVENUE["property_fee"], Decimal(10), "CNY", booked_on=date(2027, 1, 1)
            ),
        ),
    )
    with pytest.raises(ValueError, match="differ"):
        entry.check()


@given(
    gross=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
    rate=st.sampled_from(VAT_RATES),
)
def test_net_and_tax_add_up_to_the_tax_inclusive_price(gross: Decimal, rate: Decimal) -> None:
    split = ItemTax(Treatment.REVENUE, rate).applied(line("property_fee", str(gross)), "CNY")
    assert split.net + split.tax == gross
    assert split.net == (gross / (1 + rate)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert 0 <= split.tax <= gross * rate / (1 + rate) + Decimal("0.005")
