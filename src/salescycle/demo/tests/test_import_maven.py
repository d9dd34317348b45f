"""``salescycle import-maven`` on the real Maven CRM files: figures agree with the CSV, computed independently.

The import runs once per module (about 4 s) inside a transaction that is rolled back when the module ends; each
test runs in a savepoint inside it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import Client

from salescycle import testing
from salescycle.contacts.models import Contact, Customer, Salesperson, Team
from salescycle.core.money import ExactSum
from salescycle.demo.tests.conftest import maven_dir, read_csv, snapshot
from salescycle.opportunities.choices import OpportunityStatus
from salescycle.opportunities.integrity import check_integrity
from salescycle.opportunities.models import Opportunity, OpportunityEntry, SalesCycleStage
from salescycle.sales.models import Item

pytestmark = pytest.mark.django_db

STATUS_OF_STAGE = {
    "Prospecting": OpportunityStatus.IN_PROGRESS,
    "Engaging": OpportunityStatus.IN_PROGRESS,
    "Won": OpportunityStatus.WON,
    "Lost": OpportunityStatus.LOST,
}


@pytest.fixture(scope="module", autouse=True)
def imported(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """Import the Maven CRM folder once for the module; roll it back afterwards. Yields the command's output."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        try:
            call_command("import_maven", str(maven_dir()), "--no-progress", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)


def test_opportunity_counts_by_status_equal_deal_counts_by_stage() -> None:
    expected = Counter(STATUS_OF_STAGE[row["deal_stage"]] for row in read_csv("sales_pipeline.csv"))

    actual = dict(Opportunity.objects.values_list("status").annotate(n=Count("no")).values_list("status", "n"))

    assert actual == dict(expected)
    assert actual == {"in_progress": 2089, "won": 4238, "lost": 2473}


def test_won_value_and_win_count_per_salesperson_equal_the_csv() -> None:
    expected_value: dict[str, Decimal] = defaultdict(Decimal)
    expected_count: Counter[str] = Counter()
    for row in read_csv("sales_pipeline.csv"):
        if row["deal_stage"] == "Won":
            expected_value[row["sales_agent"]] += Decimal(row["close_value"])
            expected_count[row["sales_agent"]] += 1

    won = (
        Opportunity.objects.won()
        .values("salesperson__name")
        .annotate(value=ExactSum("calculated_current_value"), n=Count("no"))
    )

    assert {r["salesperson__name"]: r["value"] for r in won} == dict(expected_value)
    assert {r["salesperson__name"]: r["n"] for r in won} == dict(expected_count)
    assert sum(expected_value.values()) == Decimal(10005534)


def test_a_won_deal_has_first_next_and_won_entries_with_engine_figures() -> None:
    # 1C1I7A6R,Moses Frase,GTX Plus Basic,Cancity,Won,2016-10-20,2017-03-01,1054 — list price 1096
    entries = list(
        OpportunityEntry.objects.filter(opportunity_id="1C1I7A6R")
        .order_by("entry_no")
        .values_list(
            "action_taken",
            "sales_cycle_stage",
            "date_of_change",
            "active",
            "days_open",
            "estimated_value",
            "chances_of_success_pct",
            "probability_pct",
            "calculated_current_value",
            "estimated_close_date",
            "close_opportunity_code",
        )
    )

    assert entries == [
        ("first", 1, dt.date(2016, 10, 20), False, 0, 1096, 40, 40, Decimal("438.4"), dt.date(2016, 11, 20), None),
        ("next", 2, dt.date(2016, 10, 20), False, 132, 1096, 63, 63, Decimal("690.48"), dt.date(2016, 12, 20), None),
        ("won", 0, dt.date(2017, 3, 1), True, 0, 1096, 100, 100, 1054, dt.date(2017, 3, 1), "WON"),
    ]
    opportunity = Opportunity.objects.select_related("salesperson", "contact").get(no="1C1I7A6R")
    assert opportunity.salesperson is not None
    assert opportunity.contact is not None
    assert (opportunity.description, opportunity.salesperson.name, opportunity.contact.name) == (
        "GTX Plus Basic",
        "Moses Frase",
        "Cancity",
    )
    assert (opportunity.creation_date, opportunity.date_closed, opportunity.closed) == (
        dt.date(2016, 10, 20),
        dt.date(2017, 3, 1),
        True,
    )


def test_a_prospecting_deal_starts_on_the_as_of_date_at_stage_1() -> None:
    row = next(r for r in read_csv("sales_pipeline.csv") if r["deal_stage"] == "Prospecting")
    opportunity = Opportunity.objects.get(no=row["opportunity_id"])

    assert opportunity.status == OpportunityStatus.IN_PROGRESS
    assert (opportunity.creation_date, opportunity.current_sales_cycle_stage) == (dt.date(2017, 12, 31), 1)
    assert opportunity.estimated_closing_date == dt.date(2018, 1, 31)
    assert opportunity.entries.count() == 1


def test_gtxpro_deals_become_gtx_pro_and_blank_accounts_go_to_unknown_account() -> None:
    rows = read_csv("sales_pipeline.csv")

    assert Opportunity.objects.filter(description="GTX Pro").count() == sum(r["product"] == "GTXPro" for r in rows)
    unknown = Contact.objects.get(name="Unknown account")
    assert unknown.no == "MAVEN-UNKNOWN"
    assert Opportunity.objects.filter(contact=unknown).count() == sum(r["account"] == "" for r in rows) == 1425


def test_setup_codes_follow_the_documented_schemes() -> None:
    codes = dict(Salesperson.objects.values_list("name", "code"))
    assert len(codes) == len(read_csv("sales_teams.csv")) == 35
    assert (codes["Anna Snelling"], codes["Cassey Cress"], codes["Corliss Cosme"], codes["Mei-Mei Johns"]) == (
        "AS",
        "CC1",
        "CC2",
        "MMJ",
    )
    assert set(Salesperson.objects.get(code="AS").teams.values_list("code", flat=True)) == {
        "MGR-DB",
        "OFFICE-CENTRAL",
    }
    assert Team.objects.count() == 6 + 3
    assert dict(Item.objects.values_list("code", "unit_price"))["GTX-PRO"] == 4821
    assert Item.objects.count() == 7
    assert list(SalesCycleStage.objects.filter(sales_cycle_id="MAVEN").values_list("stage", "description")) == [
        (1, "Prospecting"),
        (2, "Engaging"),
    ]


def test_accounts_keep_their_profile() -> None:
    acme = Contact.objects.get(name="Acme Corporation")
    bluth = Contact.objects.get(name="Bluth Company")
    bioholding = Contact.objects.get(name="Bioholding")

    assert (acme.no, acme.industry, acme.year_established, acme.annual_revenue) == (
        "MAVEN-0001",
        "technology",  # "technolgy" in the data
        1996,
        Decimal("1100.04"),
    )
    assert (acme.no_of_employees, acme.country_code, acme.company_id) == (2822, "US", "MAVEN-0001")
    assert bluth.parent_company_id == acme.no
    assert bioholding.country_code == "PH"  # "Philipines" in the data
    assert Contact.objects.count() == 85 + 1


def test_every_account_with_a_won_deal_becomes_a_customer() -> None:
    accounts = {r["account"] for r in read_csv("sales_pipeline.csv") if r["deal_stage"] == "Won"}

    assert set(Customer.objects.values_list("contact__name", flat=True)) == accounts
    assert Customer.objects.filter(no="CU000001").exists()


def test_the_ledger_is_consistent_after_the_import() -> None:
    report = check_integrity()

    assert report.problems == []
    assert (report.opportunities, report.entries) == (8800, 500 + 1589 * 2 + (4238 + 2473) * 3)


def test_a_second_import_changes_nothing() -> None:
    before = snapshot()
    out = StringIO()

    call_command("import_maven", str(maven_dir()), "--no-progress", stdout=out)

    assert snapshot() == before
    assert "Imported 0 opportunities" in out.getvalue()
    assert "skipped 8800 existing" in out.getvalue()


def test_the_maven_stage_statistics_are_exact_sums(client: Client) -> None:
    """Issue #14 item 6: on SQLite a plain SUM answered "2452104.26999998" for a stage's calculated current value;
    every figure of the API's cycle statistics is now the Python ``Decimal`` sum of its open active entries (D19)."""
    client.force_login(testing.make_manager())

    body = client.get("/api/v1/sales-cycles/MAVEN/statistics").json()

    rows = OpportunityEntry.objects.open().filter(sales_cycle_id="MAVEN")
    values: defaultdict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for stage, estimated, calculated in rows.values_list(
        "sales_cycle_stage", "estimated_value", "calculated_current_value"
    ):
        values[stage][0] += estimated
        values[stage][1] += calculated
    answered = {
        s["stage"]: [Decimal(s["estimated_value"]), Decimal(s["calculated_current_value"])] for s in body["stages"]
    }
    assert answered == {stage: values.get(stage, [Decimal(0), Decimal(0)]) for stage in answered}
    assert Decimal(body["calculated_current_value"]) == sum(v[1] for v in values.values())
    texts = [body["estimated_value"], body["calculated_current_value"]]
    texts += [s[key] for s in body["stages"] for key in ("estimated_value", "calculated_current_value")]
    assert all(len(t.partition(".")[2]) <= 5 for t in texts), texts
