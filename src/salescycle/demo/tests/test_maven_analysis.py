"""The analysis (api.md "Analysis") on the real Maven CRM data, against figures computed independently from the CSV
files with the csv module. The import runs once for the module (about 4 s) in a transaction rolled back at its end.

The importer's ledger (``demo/maven/load.py``): a deal with an engage date gets a First entry (stage 1) and a Next
entry (stage 2, "Engaging", chances 63 %) on that date, both at the product's list price; a Won or Lost deal then its
closing entry on the close date (Won: Calcd. Current Value = close value). Prospecting deals start on 2017-12-31.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from salescycle.core.actors import SYSTEM
from salescycle.demo.tests.conftest import maven_dir, read_csv
from salescycle.opportunities import analysis

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2017, 6, 30)


@pytest.fixture(scope="module", autouse=True)
def imported(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            call_command("import_maven", str(maven_dir()), "--no-progress", stdout=StringIO())
            yield
        finally:
            transaction.set_rollback(True)


def prices() -> dict[str, Decimal]:
    listed = {row["product"]: Decimal(row["sales_price"]) for row in read_csv("products.csv")}
    listed["GTXPro"] = listed["GTX Pro"]  # the pipeline file's spelling of the product
    return listed


def test_the_pipeline_as_of_30_june_2017_equals_the_csv() -> None:
    # Open at the end of 2017-06-30: engaged on or before it and not closed by then; all at stage 2 (Engaging).
    price = prices()
    open_deals = [
        row
        for row in read_csv("sales_pipeline.csv")
        if row["engage_date"]
        and dt.date.fromisoformat(row["engage_date"]) <= AS_OF
        and (not row["close_date"] or dt.date.fromisoformat(row["close_date"]) > AS_OF)
    ]
    value = sum((price[row["product"]] for row in open_deals), Decimal(0))

    result = analysis.pipeline_as_of("MAVEN", AS_OF, user=SYSTEM)

    assert result.no_of_opportunities == len(open_deals)
    assert result.estimated_value == value
    assert result.calculated_current_value == (value * Decimal("0.63")).quantize(Decimal("0.01"))
    assert [(s.stage, s.no_of_opportunities) for s in result.stages] == [(1, 0), (2, len(open_deals))]


def test_won_value_by_quarter_per_salesperson_equals_the_csv() -> None:
    expected: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for row in read_csv("sales_pipeline.csv"):
        if row["deal_stage"] == "Won":
            closed = dt.date.fromisoformat(row["close_date"])
            expected[(row["sales_agent"], (closed.month - 1) // 3)] += Decimal(row["close_value"])

    result = analysis.matrix(
        options=analysis.MatrixOptions(status="won", show="calculated_current_value"),
        period="quarter",
        start=dt.date(2017, 1, 1),
        columns=4,
        user=SYSTEM,
    )

    actual = {
        (row.name, quarter): value
        for row in result.rows
        for quarter, value in enumerate(row.cells)
        if value is not None
    }
    assert actual == dict(expected)
    assert result.total.total == Decimal(10005534)  # the whole won value (test_import_maven)
