"""Reading a bank statement file (CSV or xlsx) into numbered rows of text.

Chinese banks export CSV in GBK/GB18030 or in UTF-8 with a byte-order mark,
and xlsx; title rows stand above the table. What the rows mean (which is the
header, what each column holds) is the domain's
(``domain/finance/bank_statements.py``). Rows are numbered as a spreadsheet
shows them, from 1.
"""

from __future__ import annotations

from application.registry.importing import ImportRejected
from domain.finance.bank_statements import RowProblem, StatementRefused
from interfaces.importfiles import _cell, _read_csv, _read_xlsx


def read_rows(content: bytes, kind: str) -> list[tuple[int, list[str]]]:
    try:
        raw = _read_csv(content) if kind == "csv" else _read_xlsx(content)
    except ImportRejected as refused:
        first = refused.errors[0]
        raise StatementRefused([RowProblem(first.row, None, first.message)]) from None
    return [(number, [_cell(v) for v in row]) for number, row in enumerate(raw, start=1)]
