"""What owners owe: receivables aging, its control, an owner's statement."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg

from application.actor import HIDDEN, Reach
from application.errors import NotFound
from domain.finance.accounts import (
    CUSTOMER_CREDIT,
    RECEIVABLES,
)
from projections.finance.statements.common import (
    AGING_BUCKETS,
    WITHIN_ONE_YEAR,
    ZERO,
    dict_rows,
    money,
    scope_clause,
)
from projections.naming import PLACE_COLUMNS, owners_now, payer_names, place_join, places

# ---- receivables -----------------------------------------------------------------


_LIMITS = ((30, "0-30"), (90, "31-90"), (180, "91-180"), (365, "181-365"))
_YEARS = ((730, "1-2 years"), (1095, "2-3 years"))


def _bucket(at: date, due_on: date | None) -> str:
    """A bill due after ``at`` is not yet due; one due on ``at`` (or with no due date)
    is 0 days past due. A year is 365 days, as the auditor's working papers count."""
    if due_on is not None and due_on > at:
        return "not yet due"
    days = (at - due_on).days if due_on is not None else 0
    for limit, name in (*_LIMITS, *_YEARS):
        if days <= limit:
            return name
    return "over 3 years"


def _zeros() -> dict[str, Decimal]:
    return {**{b: ZERO for b in AGING_BUCKETS}, "within 1 year": ZERO, "total": ZERO}


def receivables_aging(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    at: date,
    as_of_position: int | None = None,
) -> dict[str, Any]:
    """应收账款账龄: every bill with an outstanding amount on 1122 at the end of ``at``,
    bucketed by days past its due date (``AGING_BUCKETS``: not yet due, four steps
    within the first year, 1-2, 2-3, over 3 years); totals per currency and bucket,
    per unit, and per debtor on each unit (a bill's ``payer_ids``, who owed it at
    billing time: after a sale the seller's arrears age apart from the buyer's,
    decision 0021), each with the subtotal "within 1 year" (1年以内) beside them.
    Every row names its estate, its unit's number and its debtors beside their IDs
    (``estate_name``, ``unit_number``, ``payer_names``: masked, "erased person"
    after an erasure; decision 0053)."""
    scope, params = scope_clause(estate_ids, as_of_position)
    rows = dict_rows(conn.execute(_bills(scope, "due"), [*params, RECEIVABLES, at]))
    totals: dict[str, dict[str, Decimal]] = {}
    units: dict[tuple[Any, str], dict[str, Any]] = {}
    debtors: dict[tuple[Any, tuple[Any, ...], str], dict[str, Any]] = {}
    for r in rows:
        _aged(r, at)
        c = r["currency"]
        t = totals.setdefault(c, _zeros())
        u = units.setdefault((r["unit_id"], c), _unit(r))
        payers = tuple(sorted(r["payer_ids"], key=str))
        d = debtors.setdefault((r["unit_id"], payers, c), _debtor(r))
        for row in (t, u, d):
            _add(row, r)
    return {
        "at": at,
        "as_of_position": as_of_position,
        "buckets": list(AGING_BUCKETS),
        "bills": rows,
        "units": list(units.values()),
        "debtors": list(debtors.values()),
        "totals": totals,
    }


# Who owes a bill is fixed when it is issued, so the bills' read model names it
# for any position the bill exists at (in one order, so that a file can group on it).
_BILLS = (
    "SELECT * FROM (SELECT bills.*, "
    + PLACE_COLUMNS
    + ", {payers} AS payer_names FROM (SELECT l.estate_id, l.bill_id, "
    "max(l.unit_id::text)::uuid AS unit_id, "
    "l.currency, max(l.due_on) AS due_on, sum(l.debit - l.credit) AS outstanding, "
    "coalesce((SELECT b.payer_ids FROM finance_bills b WHERE b.bill_id = l.bill_id), "
    "'{{}}') AS payer_ids "
    "FROM finance_ledger_lines l WHERE {scope} AND l.account = %s AND l.booked_on <= %s "
    "GROUP BY l.estate_id, l.bill_id, l.currency "
    "HAVING sum(l.debit - l.credit) <> 0) bills "
    + place_join("bills.unit_id")
    + ") named ORDER BY {order}"
)
_DUE = "due_on NULLS FIRST, bill_id"
_ORDERS = {
    "due": _DUE,
    "unit": f"unit_id, currency, {_DUE}",
    "debtor": "unit_id, (SELECT array_agg(p ORDER BY p) FROM unnest(payer_ids) p), "
    f"currency, {_DUE}",
}


def _bills(scope: str, order: str) -> str:
    # A unit's sums name no debtor: that pass spares the lookup of each bill's.
    payers = "NULL::text[]" if order == "unit" else payer_names("bills.payer_ids")
    return _BILLS.format(scope=scope, order=_ORDERS[order], payers=payers)


def _aged(r: dict[str, Any], at: date) -> None:
    r["outstanding"] = money(r["outstanding"], r["currency"])
    r["days_past_due"] = max((at - r["due_on"]).days, 0) if r["due_on"] else 0
    r["bucket"] = _bucket(at, r["due_on"])


def _unit(r: dict[str, Any]) -> dict[str, Any]:
    where = {k: r[k] for k in ("unit_id", "estate_name", "unit_number")}
    return {**where, "currency": r["currency"], **_zeros()}


def _debtor(r: dict[str, Any]) -> dict[str, Any]:
    payers = sorted(zip(r["payer_ids"], r["payer_names"], strict=True), key=lambda p: str(p[0]))
    return {
        **_unit(r),
        "payer_ids": [p[0] for p in payers],
        "payer_names": [p[1] for p in payers],
    }


def _add(row: dict[str, Any], r: dict[str, Any]) -> None:
    row[r["bucket"]] += r["outstanding"]
    row["total"] += r["outstanding"]
    if r["bucket"] in WITHIN_ONE_YEAR:
        row["within 1 year"] += r["outstanding"]


def aging_batches(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    at: date,
    as_of_position: int | None = None,
    *,
    batch: int = 200,
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """:func:`receivables_aging` for a file, in batches of rows named for their table:
    ``bills`` (by due date), then ``totals``, ``units`` and ``debtors``, each as in
    :func:`receivables_aging`. Three passes over server-side cursors in one
    snapshot, each in the order that puts a unit's (or a debtor's) bills together,
    so memory holds a batch and one group however many bills are open."""
    scope, params = scope_clause(estate_ids, as_of_position)
    args = [*params, RECEIVABLES, at]
    with conn.transaction():
        # The three passes read the same books, whatever is booked meanwhile.
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        # Compiling the aggregate took longer than running it (0.7 s of 1.6).
        conn.execute("SET LOCAL jit = off")
        totals: dict[str, dict[str, Decimal]] = {}
        for rows in _passed(conn, _bills(scope, "due"), args, at, batch):
            for r in rows:
                _add(totals.setdefault(r["currency"], _zeros()), r)
            yield "bills", rows
        yield "totals", [{"currency": c, **t} for c, t in totals.items()]
        for order, start, key in (
            ("unit", _unit, lambda r: (r["unit_id"], r["currency"])),
            ("debtor", _debtor, lambda r: (r["unit_id"], sorted(r["payer_ids"]), r["currency"])),
        ):
            for groups in _grouped(
                _passed(conn, _bills(scope, order), args, at, batch), start, key
            ):
                yield f"{order}s", groups


def _passed(
    conn: psycopg.Connection[Any], query: str, args: list[Any], at: date, batch: int
) -> Iterator[list[dict[str, Any]]]:
    with conn.cursor(name="receivables_aging") as cur:
        cur.itersize = batch
        cur.execute(query, args)  # type: ignore[arg-type]
        names = [d.name for d in cur.description or ()]
        while found := cur.fetchmany(batch):
            rows = [dict(zip(names, row, strict=True)) for row in found]
            for r in rows:
                _aged(r, at)
            yield rows


def _grouped(
    batches: Iterator[list[dict[str, Any]]],
    start: Callable[[dict[str, Any]], dict[str, Any]],
    key: Callable[[dict[str, Any]], Any],
) -> Iterator[list[dict[str, Any]]]:
    """The sums of runs of rows with one ``key`` (the rows come sorted by it), a
    batch's worth at a time; the last group is whole only when the rows end."""
    current: tuple[Any, dict[str, Any]] | None = None
    for rows in batches:
        done = []
        for r in rows:
            k = key(r)
            if current is None or current[0] != k:
                if current is not None:
                    done.append(current[1])
                current = (k, start(r))
            _add(current[1], r)
        if done:
            yield done
    if current is not None:
        yield [current[1]]


def receivables_control(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    at: date,
    as_of_position: int | None = None,
) -> dict[str, Decimal]:
    """The balance of the receivables control account (1122) per currency at ``at``:
    it must equal the aging total."""
    scope, params = scope_clause(estate_ids, as_of_position)
    rows = conn.execute(
        "SELECT l.currency, sum(l.debit - l.credit) FROM finance_ledger_lines l "
        f"WHERE {scope} AND l.account = %s AND l.booked_on <= %s GROUP BY l.currency",
        [*params, RECEIVABLES, at],
    ).fetchall()
    return {c: money(v, c) for c, v in rows}


# ---- an owner's statement ---------------------------------------------------------


def admit_unit(conn: psycopg.Connection[Any], reach: Reach, unit_id: UUID) -> None:
    """A unit's statement is for its occupants and the finance readers of its estate
    (from the registry's read model); any other reader is told it does not exist."""
    row = conn.execute(
        "SELECT estate_id, occupant_user_ids FROM registry_units WHERE unit_id = %s", [unit_id]
    ).fetchone()
    if row is None or not reach.admits(row[0], list(row[1] or ())):
        raise NotFound(HIDDEN)


def owner_statement(
    conn: psycopg.Connection[Any],
    unit_id: UUID,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of_position: int | None = None,
) -> dict[str, Any]:
    """业主对账单 of one unit: its lines on receivables (1122) and owner credit (2203)
    with a running balance, per currency. The balance is what the owner owes minus
    the credit they hold (debit minus credit over both accounts): positive = owed.
    It names where the unit is and its owners now (masked, "erased person" after an
    erasure) beside their IDs (decision 0053)."""
    position = "l.position <= %s" if as_of_position is not None else "true"
    pos_params = [as_of_position] if as_of_position is not None else []
    start = date_from or date.min
    upper = "l.booked_on <= %s" if date_to is not None else "true"
    upper_params = [date_to] if date_to is not None else []
    opening = dict(
        conn.execute(
            "SELECT l.currency, sum(l.debit - l.credit) FROM finance_ledger_lines l "
            f"WHERE l.unit_id = %s AND l.account = ANY(%s) AND l.booked_on < %s AND {position} "
            "GROUP BY l.currency",
            [unit_id, [RECEIVABLES, CUSTOMER_CREDIT], start, *pos_params],
        ).fetchall()
    )
    rows = dict_rows(
        conn.execute(
            "SELECT l.position, l.line_no, l.booked_on, l.account, l.debit, l.credit, "
            "l.currency, l.bill_id, l.due_on, coalesce(nullif(l.memo, ''), e.memo) AS memo, "
            "e.aggregate, e.event FROM finance_ledger_lines l "
            "JOIN finance_ledger_entries e USING (position) "
            f"WHERE l.unit_id = %s AND l.account = ANY(%s) AND l.booked_on >= %s AND {upper} "
            f"AND {position} ORDER BY l.booked_on, l.position, l.line_no",
            [unit_id, [RECEIVABLES, CUSTOMER_CREDIT], start, *upper_params, *pos_params],
        )
    )
    currencies: dict[str, dict[str, Any]] = {}
    for c, amount in opening.items():
        currencies[c] = {"opening": money(amount, c), "lines": [], "debit": ZERO, "credit": ZERO}
    for r in rows:
        c = r["currency"]
        s = currencies.setdefault(
            c, {"opening": money(ZERO, c), "lines": [], "debit": ZERO, "credit": ZERO}
        )
        r["debit"], r["credit"] = money(r["debit"], c), money(r["credit"], c)
        s["debit"] += r["debit"]
        s["credit"] += r["credit"]
        previous = s["lines"][-1]["balance"] if s["lines"] else s["opening"]
        r["balance"] = previous + r["debit"] - r["credit"]
        s["lines"].append(r)
    for s in currencies.values():
        s["closing"] = s["opening"] + s["debit"] - s["credit"]
    place = places(conn, [unit_id]).get(unit_id)
    owners = [{"person_id": o["person_id"], "name": o["name"]} for o in owners_now(conn, unit_id)]
    return {
        "unit_id": unit_id,
        "estate_id": place["estate_id"] if place else None,
        "estate_name": place["estate_name"] if place else None,
        "building": place["building"] if place else None,
        "unit_number": place["unit_number"] if place else None,
        "owners": owners,
        "from": date_from,
        "to": date_to,
        "as_of_position": as_of_position,
        "currencies": currencies,
    }
