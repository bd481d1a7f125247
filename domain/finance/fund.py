"""(being written: see application/finance/__init__.py)"""

from __future__ import annotations

from domain.finance.journal import PostingFunction

# Aggregate class name -> its posting function (see domain/finance/journal.py).
POSTINGS: dict[str, PostingFunction] = {}
