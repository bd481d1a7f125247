"""Every finance aggregate's posting function, by aggregate class name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.finance import (
    account,
    books,
    expense_postings,
    fund_postings,
    online_settlements,
    renovation,
    year_end,
)
from domain.finance.journal import Entry, PostingFunction
from domain.parking import postings as parking
from domain.stores import postings as stores

POSTINGS: dict[str, PostingFunction] = {
    **account.POSTINGS,
    **expense_postings.POSTINGS,
    **fund_postings.POSTINGS,
    **renovation.POSTINGS,
    **books.POSTINGS,
    **online_settlements.POSTINGS,
    **year_end.POSTINGS,
    **parking.POSTINGS,
    **stores.POSTINGS,
}


def entry_for(aggregate: str, event: str, payload: Mapping[str, Any]) -> Entry | None:
    """The journal entry of one stored event; None if it moves no money."""
    post = POSTINGS.get(aggregate)
    return None if post is None else post(event, payload)
