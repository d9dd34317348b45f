"""The analysis figures (:mod:`salescycle.opportunities.analysis`) as tables, and those tables as CSV and XLSX
downloads: the one code path of the API's ``?format=csv`` answers (api.md "Analysis") and of the analysis pages'
exports (issue #14 items 1 and 4), so both give the same file for the same figures.

A :class:`Table` is a header (machine names, as the API's JSON fields) and rows of plain values: texts, integers,
``Decimal`` amounts (LCY, as the figures hold them: exact, already rounded), dates, None for a blank cell. Every cell
goes through :mod:`salescycle.core.spreadsheet`, so no contact or campaign name is ever read as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpResponse
from openpyxl import Workbook

from salescycle.core.schemas import decimal_text
from salescycle.core.spreadsheet import csv_row, xlsx_row
from salescycle.opportunities import analysis

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Table:
    """A header and its rows of plain values (see the module docstring)."""

    header: list[str]
    rows: list[list[Any]]


def matrix_table(result: analysis.Matrix) -> Table:
    """The Opportunities matrix as shown (spec §5.7): ``key``, ``name``, one column per period headed
    ``<start>..<end>`` (ISO dates), ``total``; then the total row (key blank, name ``total``). Cells as the matrix
    holds them: counts, or amounts rounded by the rounding factor; None (blank) for zero."""
    header = ["key", "name", *(f"{c.start.isoformat()}..{c.end.isoformat()}" for c in result.columns), "total"]
    rows: list[list[Any]] = [[row.key, row.name, *row.cells, row.total] for row in result.rows]
    rows.append(["", "total", *result.total.cells, result.total.total])
    return Table(header, rows)


def pipeline_table(result: analysis.Pipeline) -> Table:
    """The pipeline as of a date: one row per stage and the total row (stage blank, description ``total``)."""
    header = ["stage", "description", "no_of_opportunities", "estimated_value", "calculated_current_value"]
    rows: list[list[Any]] = [
        [s.stage, s.description, s.no_of_opportunities, s.estimated_value, s.calculated_current_value]
        for s in result.stages
    ]
    rows.append(["", "total", result.no_of_opportunities, result.estimated_value, result.calculated_current_value])
    return Table(header, rows)


def _open(figures: analysis.Figures) -> list[Any]:
    return [figures.no_of_opportunities, figures.estimated_value, figures.calculated_current_value, None]


def movement_table(result: analysis.Movement) -> Table:
    """The movement between two dates: one row per figure (``open_at_start``, ``created``, ``advanced``,
    ``moved_back``, ``won``, ``lost``, ``open_at_end``) with its count and the value columns it has."""
    header = ["figure", "no_of_opportunities", "estimated_value", "calculated_current_value", "value"]
    rows = [
        ["open_at_start", *_open(result.open_at_start)],
        ["created", result.created.no_of_opportunities, result.created.value, None, None],
        ["advanced", result.advanced, None, None, None],
        ["moved_back", result.moved_back, None, None, None],
        ["won", result.won.no_of_opportunities, None, None, result.won.value],
        ["lost", result.lost.no_of_opportunities, result.lost.value, None, None],
        ["open_at_end", *_open(result.open_at_end)],
    ]
    return Table(header, rows)


def calibration_table(result: analysis.Calibration) -> Table:
    """The calibration: one row per stage (win rate blank when no closed opportunity reached the stage)."""
    header = ["stage", "description", "chances_of_success_pct", "reached", "won", "win_rate_pct"]
    rows = [[s.stage, s.description, s.chances_of_success_pct, s.reached, s.won, s.win_rate_pct] for s in result.stages]
    return Table(header, rows)


def forecast_table(result: analysis.Forecast) -> Table:
    """The forecast: one row per period."""
    header = [
        "start",
        "end",
        "no_of_opportunities",
        "estimated_value",
        "calculated_current_value",
        "won_count",
        "won_value",
    ]
    rows = [
        [
            p.start,
            p.end,
            p.no_of_opportunities,
            p.estimated_value,
            p.calculated_current_value,
            p.won_count,
            p.won_value,
        ]
        for p in result.periods
    ]
    return Table(header, rows)


def _plain(value: Any) -> Any:
    """Amounts as the JSON answer writes them (``1234.5``, never ``1.2E+3``), dates in ISO form. Applied after
    :func:`csv_row`: a negative amount is a number, not a text to neutralize."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def csv_response(name: str, table: Table) -> HttpResponse:
    """``table`` as a CSV attachment ``<name>.csv`` (UTF-8 with BOM, as the web list's export), every cell through
    :func:`csv_row` (formula-like texts get a leading ``'``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([_plain(value) for value in csv_row(row)])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def xlsx_response(name: str, title: str, table: Table, header: Sequence[str] | None = None) -> FileResponse:
    """``table`` as an Excel workbook ``<name>.xlsx`` with one sheet ``title`` (cut to Excel's 31 characters):
    the header (``header`` when given, e.g. translated labels, else the table's), then the rows with amounts and
    counts as numbers and dates as dates; every text a string cell, never a formula (:func:`xlsx_row`)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(xlsx_row(sheet, [str(label) for label in (header or table.header)]))
    for row in table.rows:
        sheet.append(xlsx_row(sheet, row))
    output = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX)
