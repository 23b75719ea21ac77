"""The guide's "Save List of Errors" (CSV and XLSX) and "Save Full Log" (text) as browser downloads.

The list holds exactly what :func:`cwsage.services.reports.error_lines` writes to ``errors.txt`` — every
problem (errors first, then warnings) and every warning of the run — but one column per part, so that a
bookkeeper can sort and filter it in a spreadsheet. Every cell passes through the redaction filter, and a
cell that a spreadsheet would run as a formula is written as text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from cwsage.redaction import redact

COLUMNS = ("Severity", "Record", "Problem", "Field", "Value", "Fix in", "What to do")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def error_rows(result: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """The list of errors of a run result (its ``as_dict()`` / ``result.json`` form), one tuple per row."""
    issues = [i for i in result.get("issues") or [] if isinstance(i, Mapping)]
    ordered = [i for i in issues if i.get("severity") == "error"] + [i for i in issues if i.get("severity") != "error"]
    rows = [
        (
            str(issue.get("severity") or ""),
            str(issue.get("source_ref") or ""),
            str(issue.get("message") or ""),
            str(issue.get("field") or ""),
            str(issue.get("value") or ""),
            str(issue.get("fix_in") or ""),
            str(issue.get("hint") or ""),
        )
        for issue in ordered
    ]
    rows += [("warning", "", str(text), "", "", "", "") for text in result.get("warnings") or []]
    return [tuple(redact(cell) for cell in row) for row in rows]


def _safe(cell: str) -> str:
    """A CSV cell a spreadsheet will not evaluate (``=…`` becomes ``'=…``; plain numbers stay numbers)."""
    if cell.startswith(_FORMULA_START) and not _NUMBER.match(cell):
        return "'" + cell
    return cell


def errors_csv(rows: Iterable[tuple[str, ...]]) -> bytes:
    """The list of errors as CSV (UTF-8 with a byte-order mark, so that Excel reads the accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_safe(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def errors_xlsx(rows: Iterable[tuple[str, ...]], title: str) -> bytes:
    """The list of errors as an Excel workbook: one sheet, a bold header row, text cells only."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Errors"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column, value=value)
            cell.data_type = "s"  # never a formula, whatever the text starts with
    widths = (10, 30, 60, 24, 16, 14, 60)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    book.properties.title = redact(title)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download_name(batch_number: str | None, run_id: str | None, what: str) -> str:
    """A file name like ``20261125JD-I-errors.csv`` (only safe characters)."""
    stem = batch_number or (run_id or "preview")[:8]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("_") or "cwsage"
    return f"{cleaned}-{what}"
