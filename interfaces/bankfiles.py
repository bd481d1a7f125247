"""Reading a bank statement file (CSV or xlsx) into numbered rows of text.

Chinese banks export CSV in GBK/GB18030 or in UTF-8 with a byte-order mark,
and xlsx; title rows stand above the table. What the rows mean (which is the
header, what each column holds) is the domain's
(``domain/finance/bank_statements.py``). Rows are numbered as a spreadsheet
shows them, from 1.
"""

from __future__ import annotations

import csv
import io

from application.registry.importing import ImportRejected
from domain.finance.bank_statements import RowProblem, StatementRefused
from interfaces.importfiles import _cell, _read_xlsx

ENCODINGS = ("utf-8-sig", "gb18030")


def read_rows(content: bytes, kind: str) -> list[tuple[int, list[str]]]:
    try:
        raw = _read_csv(content) if kind == "csv" else _read_xlsx(content)
    except ImportRejected as refused:
        raise StatementRefused([RowProblem(0, None, refused.errors[0].message)]) from None
    return [(number, [_cell(v) for v in row]) for number, row in enumerate(raw, start=1)]


def _read_csv(content: bytes) -> list[list[str]]:
    for encoding in ENCODINGS:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise StatementRefused([RowProblem(0, None, "the file is neither UTF-8 nor GBK/GB18030")])
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise StatementRefused([RowProblem(0, None, f"not a CSV file: {error}")]) from None
