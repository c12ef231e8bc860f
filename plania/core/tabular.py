"""The one CSV and XLSX writer of PlanIA: every export goes through it (issue 13 item 3).

A spreadsheet opening a CSV file runs a cell that starts with `=`, `+`, `-` or `@` as a
formula (`=HYPERLINK(...)` sends the reader to any site; DDE formulas ran programs); a
leading tab or carriage return hides the same. OWASP's CSV-injection rule is applied to
every text cell:

- CSV: a text cell starting with one of `= + - @ \\t \\r` is written with a single quote
  before it (`'=HYPERLINK(...)`): spreadsheets show it as text.
- XLSX (openpyxl, the project's library): a text cell is always a string cell, never a
  formula (openpyxl would make any text starting with `=` a formula); a cell the rule
  catches also gets Excel's "quote prefix" style (shown and edited as text, the value
  unchanged). Characters XLSX cannot hold (control characters but tab, CR and LF) are
  dropped instead of failing the export.

The rule reads the cell's type: numbers (int, Decimal, float), dates and booleans stay
what they are (a negative amount is a number, not text); only text is neutralised. So a
caller passes amounts as numbers, not as formatted text.

Nothing else in `plania/` may call `csv.writer`, `csv.DictWriter` or openpyxl's writer
(tests/security/test_probe_exports.py greps for them).
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, Protocol

# OWASP "CSV Injection": the characters a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_STARTS = frozenset(FORMULA_STARTS)

Row = Sequence[Any]


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def is_formula_like(value: Any) -> bool:
    """Text a spreadsheet would read as a formula (the OWASP rule)."""
    return isinstance(value, str) and value[:1] in _STARTS


def neutralise(value: Any) -> Any:
    """The cell as written to CSV: None empty, formula-like text quoted, the rest as is."""
    if value is None:
        return ""
    return "'" + value if is_formula_like(value) else value


def _cells(row: Row) -> list[Any]:
    return [neutralise(v) for v in row]


class CsvWriter:
    """csv.writer whose rows are neutralised cell by cell (see the module's docstring)."""

    def __init__(
        self, stream: _Writable, *, delimiter: str = ",", lineterminator: str = "\r\n"
    ) -> None:
        self._writer = csv.writer(stream, delimiter=delimiter, lineterminator=lineterminator)

    def writerow(self, row: Row) -> None:
        self._writer.writerow(_cells(row))

    def writerows(self, rows: Iterable[Row]) -> None:
        self._writer.writerows([_cells(r) for r in rows])


def csv_writer(
    stream: _Writable, *, delimiter: str = ",", lineterminator: str = "\r\n"
) -> CsvWriter:
    return CsvWriter(stream, delimiter=delimiter, lineterminator=lineterminator)


def csv_text(
    head: Row,
    rows: Iterable[Row],
    *,
    delimiter: str = ",",
    lineterminator: str = "\r\n",
    bom: bool = False,
) -> str:
    """The whole file as text (a BOM first when `bom`: what French spreadsheets need to
    read UTF-8)."""
    out = io.StringIO()
    writer = CsvWriter(out, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow(head)
    writer.writerows(rows)
    return ("\ufeff" if bom else "") + out.getvalue()


def csv_chunks(
    head: Row,
    rows: Iterable[Row],
    *,
    batch: int = 500,
    delimiter: str = ",",
    lineterminator: str = "\r\n",
) -> Iterator[str]:
    """The header and the rows as CSV text, `batch` rows per chunk (for streaming)."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow(head)
    remaining = iter(rows)
    while True:
        chunk = list(islice(remaining, batch))
        writer.writerows(chunk)
        if len(chunk) < batch:
            break
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(head: Row, rows: Iterable[Row], *, title: str) -> bytes:
    """One sheet: a bold, frozen header, then the rows; text is never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]

    def put(r: int, row: Row, *, bold: bool = False) -> None:
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = ws.cell(row=r, column=c)
            if isinstance(value, str):
                text = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.value = text
                cell.data_type = "s"  # openpyxl made text starting with "=" a formula
                if is_formula_like(text):
                    cell.quotePrefix = True
            else:
                # Decimal, int, date: number and date cells (amounts stay numbers).
                cell.value = value
            if bold:
                cell.font = Font(bold=True)

    put(1, head, bold=True)
    for r, row in enumerate(rows, start=2):
        put(r, row)
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
