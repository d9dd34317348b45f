"""Cells for CSV and XLSX exports that a spreadsheet program never runs as formulas (issue #12 item 6).

Every export writes its rows through this module (OWASP "CSV Injection"): a text that starts with ``=``, ``+``,
``-``, ``@``, TAB, CR or LF, or with the full-width ``＝ ＋ － ＠`` that spreadsheet programs also read as formula
starts, gets a leading ``'`` in CSV (shown as text by Excel, LibreOffice and Google Sheets); in XLSX every text is
written as an explicit string cell, never as a formula. Numbers (also negative amounts), dates and booleans stay
what they are: only ``str`` values are text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# What the XLSX format cannot hold (openpyxl refuses it with IllegalCharacterError): C0 controls but TAB, LF, CR.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet program could read ``text`` as a formula (it starts with :data:`FORMULA_STARTS`)."""
    return text.startswith(FORMULA_STARTS)


def neutralize_text(text: str) -> str:
    """``text`` with a leading ``'`` when it is formula-like, else unchanged (the OWASP CSV-injection escape)."""
    return "'" + text if is_formula_like(text) else text


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer``: None as ``""``, texts through :func:`neutralize_text`, anything else unchanged
    (``Decimal("-2")`` is written as the number ``-2``)."""
    return ["" if value is None else neutralize_text(value) if isinstance(value, str) else value for value in values]


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for ``sheet.append`` of an openpyxl write-only worksheet: every text as a string cell
    (``data_type "s"``, so ``=1+2`` is the text ``=1+2``, not a formula), with the characters XLSX cannot hold
    replaced by U+FFFD; numbers, dates, booleans and None unchanged (written as their own cell types)."""
    row: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=_XLSX_ILLEGAL.sub("\ufffd", value))
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row
