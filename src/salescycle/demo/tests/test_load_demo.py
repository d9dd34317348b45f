"""``salescycle load-demo``: the spec §7 setup and demo opportunities, made through the services, idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from salescycle.contacts.models import Customer, Salesperson
from salescycle.demo.tests.conftest import snapshot
from salescycle.opportunities.integrity import check_integrity
from salescycle.opportunities.models import Opportunity, OpportunityEntry, SalesCycleStage

pytestmark = pytest.mark.django_db

BASE = dt.date(2026, 3, 2)


def load(base: dt.date = BASE) -> str:
    out = StringIO()
    call_command("load_demo", f"--base-date={base.isoformat()}", stdout=out)
    return out.getvalue()


def test_load_demo_creates_the_spec_7_setup_and_salespeople() -> None:
    load()

    assert SalesCycleStage.objects.filter(sales_cycle_id="EXISTING").count() == 4
    assert SalesCycleStage.objects.filter(sales_cycle_id="NEW").count() == 5
    assert dict(Salesperson.objects.values_list("code", "name")) == {
        "JO": "Jim Olive",
        "OF": "Otis Falls",
        "PS": "Peter Saddow",
    }


def test_load_demo_creates_the_spec_7_opportunities_with_their_outcomes() -> None:
    load()

    statuses = dict(Opportunity.objects.values_list("no", "status"))
    assert {no for no, s in statuses.items() if s == "won"} == {f"OP1000{n}" for n in range(15, 20)}
    assert {no for no, s in statuses.items() if s == "in_progress"} == {f"OP1000{n}" for n in range(22, 27)}
    assert {no for no, s in statuses.items() if s == "not_started"} == {"OP100027"}
    assert {no for no, s in statuses.items() if s == "lost"} == {"OP100037", "OP100038", "OP100039", "OP100040"}
    assert set(
        Opportunity.objects.filter(status="in_progress").values_list("current_sales_cycle_stage", flat=True)
    ) == {1}
    assert Opportunity.objects.get(no="OP100018").sales_cycle_id == "NEW"
    assert Opportunity.objects.get(no="OP100040").sales_cycle_id == "EXISTING"


def test_op100015_history_moves_next_then_closes_won_from_stage_2() -> None:
    load()

    entries = list(
        OpportunityEntry.objects.filter(opportunity_id="OP100015")
        .order_by("entry_no")
        .values_list("action_taken", "sales_cycle_stage", "date_of_change", "estimated_value", "completed_pct")
    )

    assert entries == [
        ("first", 1, dt.date(2025, 12, 2), Decimal(10000), 2),
        ("next", 2, dt.date(2025, 12, 17), Decimal(9000), 50),
        ("won", 0, dt.date(2026, 1, 21), Decimal(9000), 100),
    ]
    opportunity = Opportunity.objects.get(no="OP100015")
    assert (opportunity.calculated_current_value, opportunity.date_closed) == (Decimal(9000), dt.date(2026, 1, 21))


def test_won_demo_opportunities_make_their_companies_customers() -> None:
    load()

    assert set(Customer.objects.values_list("contact_id", flat=True)) == {
        "CT100001",
        "CT100002",
        "CT100003",
        "CT100004",
        "CT100005",
    }


def test_load_demo_twice_changes_nothing_even_on_another_day() -> None:
    load()
    before = snapshot()

    output = load(BASE + dt.timedelta(days=10))

    assert snapshot() == before
    assert "0 salespeople, 0 contacts and 0 opportunities created" in output


def test_the_ledger_is_consistent_after_load_demo() -> None:
    load()

    report = check_integrity()

    assert report.problems == []
    assert report.opportunities == 15
