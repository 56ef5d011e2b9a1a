"""The one way CSV leaves the portal: `csv_response()`, which neutralises spreadsheet formulas.

A cell that starts with `=`, `+`, `-` or `@` (or their full-width forms, which spreadsheets
in East Asian locales read as the same characters), or with a tab, CR or NUL that a spreadsheet
may skip before reading a formula, is evaluated when the file is opened: `=HYPERLINK(...)` in a rep's name
would run in the manager's spreadsheet. OWASP's treatment (the CSV Injection page and ASVS
1.2.10) is followed: such a cell gets a leading apostrophe, which the spreadsheet reads as
"this is text" and does not show; quoting (commas, quotes, line breaks) is the csv module's.
Numbers (int, float, Decimal) are written as they are, so a negative amount stays a number.
"""

import csv
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.http import HttpResponse
from django.utils.http import content_disposition_header

Cell = str | int | float | Decimal | date | None

FORMULA_STARTS = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\0",
    "\N{FULLWIDTH EQUALS SIGN}",
    "\N{FULLWIDTH PLUS SIGN}",
    "\N{FULLWIDTH HYPHEN-MINUS}",
    "\N{FULLWIDTH COMMERCIAL AT}",
)


def csv_cell(value: Cell) -> str | int | float | Decimal:
    """`value` as the CSV cell to write: numbers unchanged, None empty, text never a formula."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Iterable[Cell]]) -> HttpResponse:
    """A CSV attachment named `filename`: the header, then every row, each cell through `csv_cell`.

    A plain (not streaming) response: every export is one team's or one snapshot's rows, small
    enough to build in memory, and the response passes through middleware like any page.
    """
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    writer = csv.writer(response)
    writer.writerow([csv_cell(title) for title in header])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return response
