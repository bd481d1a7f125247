"""The finance test estate is what the other finance tests assume."""

from tests.e2e.finance.conftest import FinanceWorld


def test_the_estate_has_three_owned_units(fw: FinanceWorld) -> None:
    units = fw.get("/units", fw.finance, estate_id=fw.estate_id).json()
    items = units["items"] if isinstance(units, dict) else units
    assert sorted(u["gross_area"] for u in items) == ["100.00", "120.00", "80.00"]
    assert fw.clock().year == 2026
