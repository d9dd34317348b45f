"""Real races on PostgreSQL: two threads (own connections) call a service on the same opportunity at the same
moment. The row lock (``SELECT … FOR UPDATE``) must serialise them so the ledger keeps exactly one active entry and a
valid chain, and the loser gets a ``DomainError`` (never an ``IntegrityError`` or another 500-type exception).

Run: ``scripts/with-postgres.sh .venv/bin/pytest tests/test_concurrency.py -q`` (deselected on SQLite)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest

from salescycle import testing
from salescycle.contacts.models import Customer
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError
from salescycle.opportunities.engine import UpdateRequest
from salescycle.opportunities.integrity import check_integrity
from salescycle.opportunities.models import Opportunity, OpportunityEntry
from salescycle.opportunities.services import close_opportunity, create_opportunity, update_opportunity
from tests.racing import race

pytestmark = [
    pytest.mark.postgres_only,
    # serialized_rollback: the flush after a transactional test would otherwise wipe the migrations' setup rows.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

START = dt.date(2026, 1, 5)
ROUNDS = 3


@pytest.fixture
def cycle(db: Any) -> Any:
    """Demo setup plus RACE: four stages without quotes; 1 and 2 skippable, 3 and 4 not."""
    testing.demo_setup()
    return testing.make_cycle(
        "RACE",
        stages=[
            {"stage": 1, "completed_pct": "10", "chances_of_success_pct": "10", "allow_skip": True},
            {"stage": 2, "completed_pct": "20", "chances_of_success_pct": "20", "allow_skip": True},
            {"stage": 3, "completed_pct": "50", "chances_of_success_pct": "50"},
            {"stage": 4, "completed_pct": "90", "chances_of_success_pct": "90"},
        ],
    )


def started(cycle: Any) -> Opportunity:
    """A fresh In Progress opportunity at stage 1 of RACE (version 2)."""
    salesperson = testing.make_salesperson()
    company = testing.make_company()
    opportunity = testing.create_opportunity(
        company, salesperson, cycle=cycle.code, activate=True, creation_date=START, by=SYSTEM
    )
    assert (opportunity.status, opportunity.version) == ("in_progress", 2)
    return opportunity


def assert_sound_ledger(no: str) -> list[OpportunityEntry]:
    """Exactly one active entry (the newest), each entry's previous stage = the stage before it, check passes."""
    entries = list(OpportunityEntry.objects.filter(opportunity_id=no).order_by("entry_no"))
    assert [e.active for e in entries] == [False] * (len(entries) - 1) + [True]
    for before, after in itertools.pairwise(entries):
        assert after.previous_sales_cycle_stage == before.sales_cycle_stage
        assert after.date_of_change >= before.date_of_change
    report = check_integrity()
    assert report.ok, report.problems
    return entries


def assert_no_crash(results: list[Any]) -> None:
    for result in results:
        assert not isinstance(result, BaseException) or isinstance(result, DomainError), repr(result)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_next_with_the_same_expected_version_one_wins_one_gets_conflict_version(cycle: Any, round_: int) -> None:
    opportunity = started(cycle)
    no, version = opportunity.no, opportunity.version

    def next_stage() -> Opportunity:
        return update_opportunity(
            no, request=UpdateRequest("next", date_of_change=START), expected_version=version, by=SYSTEM
        )

    results = race(next_stage, next_stage)

    assert_no_crash(results)
    winners = [r for r in results if isinstance(r, Opportunity)]
    losers = [r for r in results if isinstance(r, DomainError)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert (losers[0].code, losers[0].status) == ("conflict.version", 409)
    entries = assert_sound_ledger(no)
    assert [(e.sales_cycle_stage, e.action_taken) for e in entries] == [(1, "first"), (2, "next")]
    assert Opportunity.objects.get(no=no).version == version + 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_next_without_version_never_make_two_active_entries(cycle: Any, round_: int) -> None:
    no = started(cycle).no

    def next_stage() -> Opportunity:
        return update_opportunity(no, request=UpdateRequest("next", date_of_change=START), by=SYSTEM)

    results = race(next_stage, next_stage)

    assert_no_crash(results)
    entries = assert_sound_ledger(no)
    succeeded = sum(isinstance(r, Opportunity) for r in results)
    stages = [e.sales_cycle_stage for e in entries]
    if succeeded == 2:
        assert stages == [1, 2, 3]  # serialised: the second Next started from the first one's stage
    else:
        assert succeeded == 1
        assert stages == [1, 2]
    assert OpportunityEntry.objects.filter(opportunity_id=no, active=True).count() == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_skips_to_the_same_stage_one_wins_the_other_finds_nothing_to_skip(cycle: Any, round_: int) -> None:
    no = started(cycle).no

    def skip_to_3() -> Opportunity:
        return update_opportunity(
            no, request=UpdateRequest("skip", sales_cycle_stage=3, date_of_change=START), by=SYSTEM
        )

    results = race(skip_to_3, skip_to_3)

    assert_no_crash(results)
    losers = [r for r in results if isinstance(r, DomainError)]
    assert len(losers) == 1, results
    # After the winner's Skip the opportunity is at stage 3, whose next stage cannot be skipped (§4.5.2).
    assert losers[0].code == "update.action_not_available"
    entries = assert_sound_ledger(no)
    assert [(e.sales_cycle_stage, e.action_taken) for e in entries] == [(1, "first"), (3, "jumped")]


def test_two_won_closings_make_one_closing_entry_and_one_customer(cycle: Any) -> None:
    no = started(cycle).no

    def win() -> Opportunity:
        return close_opportunity(
            no, outcome="won", close_opportunity_code="PRICE_W", date_closed=START, sales_value=Decimal(100), by=SYSTEM
        )

    results = race(win, win)

    assert_no_crash(results)
    losers = [r for r in results if isinstance(r, DomainError)]
    assert [loser.code for loser in losers] == ["opportunity.closed"], results
    entries = assert_sound_ledger(no)
    assert [e.action_taken for e in entries] == ["first", "won"]
    assert Customer.objects.count() == 1


def test_two_creations_at_once_get_distinct_numbers(cycle: Any) -> None:
    salesperson = testing.make_salesperson()
    company = testing.make_company()

    def create() -> Opportunity:
        return create_opportunity(
            description="Race", contact_no=company.no, salesperson_code=salesperson.code, creation_date=START, by=SYSTEM
        )

    results = race(create, create, create)

    assert_no_crash(results)
    assert sorted(r.no for r in results) == ["OP000001", "OP000002", "OP000003"]
