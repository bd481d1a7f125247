"""Answer a report download (R5.3): the same :class:`Report` as xlsx or PDF.

Routes keep their JSON shape for ``format=json`` and hand the other formats here::

    if fmt == "json":
        return statement_json
    return export_response(report, fmt, filename="balance-sheet-2026-03")
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Literal, get_args

from fastapi.responses import Response, StreamingResponse

from application.reporting import Report
from infrastructure.reports import pdf_font_file, render_pdf, render_xlsx
from infrastructure.reports.xlsx_stream import Batches, stream_xlsx
from infrastructure.settings import Settings
from interfaces.http.problems import Problem

ExportFormat = Literal["json", "xlsx", "pdf"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MEDIA_TYPE = "application/pdf"

_MEDIA_TYPES = {"xlsx": XLSX_MEDIA_TYPE, "pdf": PDF_MEDIA_TYPE}

#: Rows a PDF is printed with at most (all its tables): a PDF is laid out whole,
#: 5,000 rows took 3 s and a page per 40 rows; a longer one is asked for as xlsx.
PDF_ROW_LIMIT = 5_000
#: The pause after each batch of a streamed file (see :func:`_ceding`).
CEDE_SECONDS = 0.003

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def pdf_font_of(settings: Settings) -> Path | None:
    """The font file PDFs of this service print with (``ESTATELOG_PDF_FONT``)."""
    return pdf_font_file(settings.pdf_font)


def safe_filename(name: str) -> str:
    """Reduce ``name`` to ``[A-Za-z0-9._-]`` so it needs no quoting or RFC 5987 encoding."""
    cleaned = _UNSAFE_FILENAME.sub("-", name).strip("-.")
    return cleaned[:120] or "report"


def export_response(
    report: Report, fmt: str, filename: str, *, pdf_font: Path | None = None
) -> Response:
    """Render ``report`` as ``fmt`` ("xlsx" or "pdf") and answer it as a file download.

    ``filename`` is given without extension; it is made ASCII-safe and the extension is
    added. ``json`` is the caller's own response shape, so it (and any unknown format)
    raises ``ValueError``. ``pdf_font`` is the font file a PDF prints with (None: the
    core font); routes pass the one ``ESTATELOG_PDF_FONT`` names (:func:`pdf_font_of`).
    """
    renderers: dict[str, Callable[[Report], bytes]] = {
        "xlsx": render_xlsx,
        "pdf": partial(render_pdf, font_path=pdf_font),
    }
    if fmt not in _MEDIA_TYPES:
        raise ValueError(
            f"export format {fmt!r} is not rendered here; expected one of {sorted(_MEDIA_TYPES)}"
        )
    rows = sum(len(t.rows) for t in report.tables)
    if fmt == "pdf" and rows > PDF_ROW_LIMIT:
        raise Problem(
            422, f"{rows} rows are more than a PDF prints ({PDF_ROW_LIMIT}): ask for format=xlsx"
        )
    body = renderers[fmt](report)
    return Response(content=body, media_type=_MEDIA_TYPES[fmt], headers=_headers(filename, fmt))


def export_stream(report: Report, batches: Batches, filename: str) -> StreamingResponse:
    """``report`` as an xlsx download whose rows come in ``batches`` (per table index,
    after each table's own rows), written and sent as they come: for a report that
    grows with the store. A sync iterator: Starlette takes each chunk on a worker
    thread, so neither the reading nor the writing holds the event loop."""
    return StreamingResponse(
        stream_xlsx(report, _ceding(batches)),
        media_type=XLSX_MEDIA_TYPE,
        headers=_headers(filename, "xlsx"),
    )


def _ceding(batches: Batches) -> Batches:
    """The batches, with a pause after each that lets the event loop's thread take
    the GIL: a thread that writes rows without one makes every request wait up to
    the switch interval (5 ms) each time it needs the GIL back."""
    for batch in batches:
        yield batch
        time.sleep(CEDE_SECONDS)


def _headers(filename: str, fmt: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{safe_filename(filename)}.{fmt}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
