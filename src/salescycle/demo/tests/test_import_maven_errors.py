"""``salescycle import-maven`` refuses bad data: the first bad row is named with its file and line, and nothing is
written (the whole import is one transaction)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from salescycle.contacts.models import Contact, Customer, Salesperson, Team
from salescycle.demo.tests.conftest import maven_dir
from salescycle.opportunities.models import Opportunity, OpportunityEntry, SalesCycle
from salescycle.sales.models import Item

pytestmark = pytest.mark.django_db

FILES = ("accounts.csv", "products.csv", "sales_teams.csv", "sales_pipeline.csv")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A writable copy of the Maven CRM files."""
    for name in FILES:
        shutil.copyfile(maven_dir() / name, tmp_path / name)
    return tmp_path


def corrupt(folder: Path, name: str, line: int, column: str, value: str) -> None:
    """Set ``column`` of the row on ``line`` (the header is line 1) of file ``name``."""
    path = folder / name
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    rows[line - 1][header.index(column)] = value
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)


def assert_nothing_imported() -> None:
    assert Opportunity.objects.count() == 0
    assert OpportunityEntry.objects.count() == 0
    assert Contact.objects.count() == 0
    assert Salesperson.objects.count() == 0
    assert Team.objects.count() == 0
    assert Item.objects.count() == 0
    assert Customer.objects.count() == 0
    assert not SalesCycle.objects.filter(code="MAVEN").exists()


def test_a_bad_date_aborts_naming_the_line_and_writes_nothing(folder: Path) -> None:
    corrupt(folder, "sales_pipeline.csv", 5, "engage_date", "2016-02-30")

    with pytest.raises(CommandError, match=r"sales_pipeline\.csv line 5: engage_date '2016-02-30' is not an ISO date"):
        call_command("import_maven", str(folder), "--no-progress")

    assert_nothing_imported()


def test_an_unknown_agent_aborts_naming_the_line_and_writes_nothing(folder: Path) -> None:
    corrupt(folder, "sales_pipeline.csv", 4000, "sales_agent", "Nobody Known")

    with pytest.raises(CommandError, match=r"sales_pipeline\.csv line 4000: sales_agent 'Nobody Known' is not in"):
        call_command("import_maven", str(folder), "--no-progress")

    assert_nothing_imported()


def test_a_deal_the_engine_refuses_on_the_last_line_rolls_back_everything_written_before(folder: Path) -> None:
    # Line 2 is a Won deal; moved to the end of the file it is refused after the other 8,799 deals were written.
    path = folder / "sales_pipeline.csv"
    lines = path.read_bytes().split(b"\r\n")
    header, first, rest = lines[0], lines[1], [line for line in lines[2:] if line]
    path.write_bytes(b"\r\n".join([header, *rest, first]) + b"\r\n")
    corrupt(folder, "sales_pipeline.csv", 8801, "close_value", "0")

    with pytest.raises(
        CommandError, match=r"sales_pipeline\.csv line 8801: Sales \(LCY\) must be greater than 0\. \(close\.sales_not_"
    ):
        call_command("import_maven", str(folder), "--no-progress")

    assert_nothing_imported()


@pytest.mark.parametrize(
    ("name", "line", "column", "value", "message"),
    [
        ("sales_pipeline.csv", 3, "product", "GTX Turbo", r"sales_pipeline\.csv line 3: product 'GTX Turbo' is not in"),
        ("sales_pipeline.csv", 2, "deal_stage", "Won?", r"line 2: deal_stage 'Won\?' is not one of"),
        ("sales_pipeline.csv", 2, "close_date", "2016-10-01", r"line 2: close_date 2016-10-01 is before engage_date"),
        ("sales_pipeline.csv", 2, "close_value", "", r"line 2: close_value is blank for a Won deal"),
        ("sales_pipeline.csv", 2, "close_value", "lots", r"line 2: close_value 'lots' is not a number"),
        ("sales_pipeline.csv", 3, "opportunity_id", "1C1I7A6R", r"line 3: opportunity_id 1C1I7A6R also on line 2"),
        ("accounts.csv", 4, "office_location", "Atlantis", r"accounts\.csv line 4: office_location 'Atlantis'"),
        ("accounts.csv", 2, "subsidiary_of", "Nobody Inc", r"accounts\.csv line 2: subsidiary_of 'Nobody Inc'"),
        ("products.csv", 3, "sales_price", "n/a", r"products\.csv line 3: sales_price 'n/a' is not a number"),
    ],
)
def test_bad_rows_are_reported_with_file_line_and_reason(
    folder: Path, name: str, line: int, column: str, value: str, message: str
) -> None:
    corrupt(folder, name, line, column, value)

    with pytest.raises(CommandError, match=message):
        call_command("import_maven", str(folder), "--no-progress")

    assert_nothing_imported()


def test_a_missing_file_is_reported(folder: Path) -> None:
    (folder / "products.csv").unlink()

    with pytest.raises(CommandError, match=r"products\.csv: file not found"):
        call_command("import_maven", str(folder), "--no-progress")


def test_an_opportunity_id_that_breaks_the_key_rule_aborts_and_writes_nothing(folder: Path) -> None:
    # The key rule (salescycle.core.keys): a number with "/" could not be reached by any page or API route.
    corrupt(folder, "sales_pipeline.csv", 5, "opportunity_id", "adv/1")

    with pytest.raises(CommandError, match=r"sales_pipeline\.csv line 5: opportunity_id 'ADV/1': .*/"):
        call_command("import_maven", str(folder), "--no-progress")

    assert_nothing_imported()
