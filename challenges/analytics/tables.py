"""Data tables: what the page shows under each chart and what its CSV download holds.

One ``DataTable`` feeds both, so the CSV is the table, cell for cell. Cells are text formatted
in the request's language (a percentage reads "66.7%" in English and "66,7 %" in Spanish).
CSV cells that a spreadsheet would run as a formula (``= + - @``, tab, carriage return at the
start) get a leading apostrophe (OWASP's advice on CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class DataTable:
    id: str  # the element id, and the CSV's name (``<id>.csv``)
    caption: str
    columns: list[str]
    rows: list[list[str]]
    numeric: Sequence[bool] = ()  # per column: right-aligned
    links: Sequence[str] = ()  # per row: where its first cell links to on the page (not in CSV)

    def is_numeric(self, index: int) -> bool:
        return index < len(self.numeric) and self.numeric[index]

    def link(self, row: int) -> str:
        return self.links[row] if row < len(self.links) else ""


def csv_safe(cell: str) -> str:
    """``cell`` as a spreadsheet may open it without running it as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def csv_text(table: DataTable) -> str:
    """The table as CSV: the header row, then its rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_safe(c) for c in table.columns])
    writer.writerows([csv_safe(c) for c in row] for row in table.rows)
    return out.getvalue()


def csv_response(table: DataTable, filename: str) -> Response:
    """A CSV download of ``table`` named ``filename``."""
    response = Response(csv_text(table), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
