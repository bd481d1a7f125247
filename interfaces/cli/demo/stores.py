"""The demo's stores (仓库/采购, issue 17): a purchase and its issue to a repair.

The director adds the parts the engineering store keeps to the company
catalogue and registers the electrical supplier; the storekeeper opens the
estate's store and sets reorder levels; technician Li asks for breakers and
LED tubes, the manager approves, and the supplier delivers in two lots
(the second at a new price, so the moving average moves). Two breakers go to
the assigned lobby-lighting order (its parts cost), LED tubes to the same
order take them below their reorder level (the storekeeper and managers are
told), one unused breaker comes back, and the month-end count finds one tube
missing: the difference is approved before the stock changes. Finance
records the supplier's invoice for the first lot (0.20 over its value, a
price difference within the tolerance) and pays it (decision 0062); the
second lot stays payable as received.
"""

from __future__ import annotations

from uuid import UUID

from application.finance.expenses import RegisterVendor
from application.stores import commands as sc
from interfaces.cli.demo.base import LoaderBase

PARTS = (
    ("BRK-16A", "Miniature circuit breaker 16A", "空气开关 16A", "piece", "electrical"),
    ("LED-T8-18W", "LED tube T8 18W", "LED灯管 T8 18W", "piece", "electrical"),
    ("PPR-DN20", "PPR pipe DN20", "PPR水管 DN20", "metre", "plumbing"),
    ("LFT-ROLLER", "Lift door roller", "电梯门滑轮", "piece", "lift"),
)


class StoresDemo:
    def __init__(self, loader: LoaderBase) -> None:
        self.d = loader
        self.c = loader.c

    def _line(self, part: UUID, quantity: str, **more: str) -> dict[str, str]:
        return {"part_id": str(part), "quantity": quantity, **more}

    def run(self) -> None:
        d, stores = self.d, self.c.stores
        with d.as_user("hvg.director"):
            director = d.actor("hvg.director")
            parts = {
                code: stores.register_part(sc.RegisterPart(director, code, *rest))[0]
                for code, *rest in PARTS
            }
            vendor, _ = self.c.finance.expenses.register_vendor(
                RegisterVendor(
                    actor=director,
                    name="Harbour Electrical Supply",
                    tax_id="91310115MA1H8ELC04",
                    bank_account="6222020200118ELC04",
                    contact="陈经理 13900001234",
                    categories=["repairs"],
                )
            )
        d.count("parts", len(parts))
        breaker, tube = parts["BRK-16A"], parts["LED-T8-18W"]
        keeper = d.actor("hvg.store")
        with d.as_user("hvg.store"):
            store, _ = stores.open_store(sc.OpenStore(keeper, d.estate_id, "MAIN", "工程部仓库"))
            for part, level in ((breaker, "3"), (tube, "10")):
                stores.set_reorder_level(sc.SetReorderLevel(keeper, store, part, level))
        li = d.users["hvg.tech.li"]
        with d.as_user("hvg.tech.li"):
            request, approval, _, _ = stores.submit_request(
                sc.SubmitPurchaseRequest(
                    d.actor("hvg.tech.li"),
                    store,
                    (
                        self._line(breaker, "10", unit_price="28.50"),
                        self._line(tube, "20", unit_price="16.00"),
                    ),
                    "大堂及地库照明检修备件",
                )
            )
        d.decide(approval, li)
        receipts = []
        with d.as_user("hvg.store"):
            for lines in (
                (
                    self._line(breaker, "6", unit_price="27.80"),
                    self._line(tube, "20", unit_price="15.50"),
                ),
                (self._line(breaker, "4", unit_price="29.10"),),
            ):
                receipts.append(stores.receive(sc.ReceiveGoods(keeper, request, vendor, lines))[0])
            order = d.orders["assigned"]
            for lines in ((self._line(breaker, "3"),), (self._line(tube, "12"),)):
                stores.issue(sc.IssueParts(keeper, store, order, lines))
            stores.take_back(sc.ReturnParts(keeper, store, order, (self._line(breaker, "1"),)))
            counted = (
                {"part_id": str(tube), "counted": "7"},
                {"part_id": str(breaker), "counted": "8"},
            )
            _, difference, _ = stores.record_stocktake(
                sc.RecordStocktake(keeper, store, counted, "月末盘点 灯管少一支")
            )
        d.count("purchase_requests")
        d.count("stock_issues", 2)
        if difference is not None:
            d.decide(difference, d.users["hvg.store"])
            d.count("stocktakes")
        with d.as_user("hvg.finance"):
            clerk = d.actor("hvg.finance")
            invoice, _ = stores.invoices.record(  # 6 x 27.80 + 20 x 15.50 = 476.80
                sc.RecordSupplierInvoice(
                    clerk, store, vendor, "NO.03118852", (receipts[0],), "477.00", d.today
                )
            )
            stores.invoices.pay(sc.PaySupplierInvoice(clerk, invoice, "ICBC-0312", "bank_transfer"))
        d.count("supplier_invoices")
        d.settle()
