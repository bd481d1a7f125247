"""Does a payment cost more on an old unit account? (issue 15, decision 0033)

In-process, on the PostgreSQL named by ``ESTATELOG_BENCH_DATABASE_URL``: two
unit accounts, one of 10 events and one of about 5,000 (a bill and its payment
a month), each with one large bill left open; both cached. Each round pays 1.00
on each, in turn, as the service does: a copy from the cache, the decision, the
save. Prints the medians and p90s, then the same without the database (the copy
and the decision alone), then a cold payment on each (``COLD`` rounds): the
account evicted from the cache and loaded from its latest snapshot, as after a
restart (decision 0040). Run: ``python -m bench.account_growth``.
"""

from __future__ import annotations

import copy
import functools
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from domain.finance.account import BillLine, UnitAccount
from infrastructure.eventstore.store import EventLog, postgres_env

AT = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
CLERK = uuid4()
ROUNDS = int(os.environ.get("ROUNDS", "200"))
COLD = int(os.environ.get("COLD", "15"))


def _bill(account: UnitAccount, month: int, amount: Decimal) -> None:
    starts = date(2000 + month // 12, month % 12 + 1, 1)
    account.issue_bill(
        bill_id=uuid4(),
        period=f"{starts:%Y-%m}",
        run_id=uuid4(),
        lines=[BillLine("property_fee", "fee", Decimal(1), "m2·month", amount, amount)],
        payer_ids=[CLERK],
        days=28,
        days_in_period=28,
        issued_on=starts,
        due_on=starts.replace(day=28),
        at=AT,
    )


def _pay(account: UnitAccount, amount: str) -> None:
    account.receive_payment(
        payment_id=uuid4(),
        method="bank_transfer",
        amount=amount,
        currency="CNY",
        reference=uuid4().hex,
        bill_id=None,
        recorded_by=CLERK,
        on=date(2026, 3, 5),
        at=AT,
        payer_id=CLERK,
    )


def account_of(events: int) -> UnitAccount:
    """An account of about ``events`` events, a large bill of the latest month open."""
    account = UnitAccount.open(estate_id=uuid4(), unit_id=uuid4(), currency="CNY", at=AT)
    months = (events - 2) // 2
    for month in range(months):
        _bill(account, month, Decimal("312.50"))
        _pay(account, "312.50")
    _bill(account, months, Decimal("1000000.00"))
    return account


def timed(call: Callable[[], None]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def summary(name: str, ms: list[float]) -> str:
    p90 = statistics.quantiles(ms, n=10)[-1]
    return f"{name:<34} p50 {statistics.median(ms):7.3f} ms   p90 {p90:7.3f} ms"


def main() -> None:
    url = os.environ["ESTATELOG_BENCH_DATABASE_URL"]
    log = EventLog(postgres_env(url, 2))
    accounts = {"10 events": account_of(10), "5,000 events": account_of(5_000)}
    for account in accounts.values():
        log.save(account)
        log.repository.get(account.id)  # cached from here on
    print({name: a.version for name, a in accounts.items()})

    def command(account_id: UUID) -> None:
        account: UnitAccount = log.repository.get(account_id)  # a deep copy of the cached one
        _pay(account, "1.00")
        log.save(account)

    def decision(account: UnitAccount) -> None:
        _pay(copy.deepcopy(account), "1.00")

    with_db: dict[str, list[float]] = {name: [] for name in accounts}
    alone: dict[str, list[float]] = {name: [] for name in accounts}
    for _ in range(ROUNDS):
        for name, account in accounts.items():
            with_db[name].append(timed(functools.partial(command, account.id)))
            alone[name].append(timed(functools.partial(decision, account)))
    for name in accounts:
        print(summary(f"payment, cached, {name}", with_db[name]))
    for name in accounts:
        print(summary(f"copy + decision, {name}", alone[name]))
    small, large = (statistics.median(v) for v in with_db.values())
    print(f"ratio 5,000 / 10 events: {large / small:.2f}x (payment with its save)")
    small, large = (statistics.median(v) for v in alone.values())
    print(f"ratio 5,000 / 10 events: {large / small:.2f}x (copy + decision)")
    cold(log, accounts, command)
    log.close()


def cold(log: EventLog, accounts: dict[str, UnitAccount], command: Callable[[UUID], None]) -> None:
    """A payment on an account not in the cache, loaded from a snapshot of its
    latest version (the snapshotter keeps it within 100 events; here, none)."""
    assert log.snapshots is not None
    loads: dict[str, list[float]] = {name: [] for name in accounts}
    for _ in range(COLD):
        for name, account in accounts.items():
            log.snapshots.put([UnitAccount.Snapshot.take(log.repository.get(account.id))])
            log.repository.cache.get(account.id, evict=True)  # type: ignore[union-attr]
            loads[name].append(timed(functools.partial(command, account.id)))
    for name in accounts:
        print(summary(f"payment, cold, {name}", loads[name]))
    small, large = (statistics.median(v) for v in loads.values())
    print(f"ratio 5,000 / 10 events: {large / small:.2f}x (cold payment with its save)")


if __name__ == "__main__":
    main()
