"""The ledger check (spec §4.7 invariants): passes after long stories, finds every kind of hand-made corruption.

A partial unique index forbids two active entries, so corruption is made on status, figures, flags and Days Open
with ``QuerySet.update`` (which bypasses the services)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.opportunities.integrity import check_integrity
from salescycle.opportunities.models import Opportunity, OpportunityEntry
from salescycle.opportunities.services import close_opportunity, delete_closed_opportunities
from salescycle.opportunities.tests.conftest import D, day, entries_of, move

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(salesperson: Any, company: Any, person: Any) -> dict[str, str]:
    """Four opportunities after a long story: OP000001 won, OP000002 lost, OP000003 in progress, OP000004 new."""
    won = testing.create_opportunity(company, salesperson, cycle="EXISTING", activate=True).no
    move(won, "next", date_of_change=day(3), estimated_close_date=day(60))
    move(won, "previous", date_of_change=day(9), estimated_close_date=day(60), cancel_old_tasks=True)
    move(won, "skip", sales_cycle_stage=2, date_of_change=day(12), estimated_close_date=day(60))
    move(won, "update", date_of_change=day(12), estimated_value=D(25000), estimated_close_date=day(60))
    close_opportunity(
        won, outcome="won", close_opportunity_code="PRODUCT_W", date_closed=day(30), sales_value=D(24000), by=SYSTEM
    )
    lost = testing.create_opportunity(person, salesperson, activate=True).no
    move(lost, "next", date_of_change=day(4))
    close_opportunity(lost, outcome="lost", close_opportunity_code="PRICE_L", date_closed=day(8), by=SYSTEM)
    open_ = testing.create_opportunity(company, salesperson, activate=True).no
    move(open_, "next", date_of_change=day(1))
    move(open_, "update", date_of_change=day(6), estimated_value=D(777))
    new = testing.create_opportunity(person, salesperson).no
    return {"won": won, "lost": lost, "open": open_, "new": new}


def test_a_long_story_leaves_a_sound_ledger(story: dict[str, str]) -> None:
    report = check_integrity()

    assert report.ok, report.problems
    assert (report.opportunities, report.entries) == (4, 6 + 3 + 3)


def test_the_ledger_stays_sound_after_a_batch_delete(story: dict[str, str]) -> None:
    delete_closed_opportunities(no=story["won"], by=SYSTEM)

    assert check_integrity().ok


def deactivate_active(no: str) -> None:
    OpportunityEntry.objects.filter(opportunity_id=no, active=True).update(active=False)


def activate_an_older_entry(no: str) -> None:
    first, *_, last = entries_of(no)
    OpportunityEntry.objects.filter(entry_no=last.entry_no).update(active=False)
    OpportunityEntry.objects.filter(entry_no=first.entry_no).update(active=True, days_open=0)


CORRUPTIONS: list[tuple[str, str, Callable[[dict[str, str]], Any], str]] = [
    ("estimated-value", "open", lambda s: Opportunity.objects.filter(no=s["open"]).update(estimated_value=D(1)),
     "figures differ from the active entry"),
    ("probability", "won", lambda s: Opportunity.objects.filter(no=s["won"]).update(probability_pct=D(50)),
     "figures differ from the active entry"),
    ("stage-copy", "open", lambda s: Opportunity.objects.filter(no=s["open"]).update(current_sales_cycle_stage=1),
     "figures differ from the active entry"),
    ("closing-date-copy", "lost",
     lambda s: Opportunity.objects.filter(no=s["lost"]).update(estimated_closing_date=None),
     "figures differ from the active entry"),
    ("status-in-progress-as-not-started", "open",
     lambda s: Opportunity.objects.filter(no=s["open"]).update(status="not_started"), "Not Started but has entries"),
    ("status-won-as-lost", "won", lambda s: Opportunity.objects.filter(no=s["won"]).update(status="lost"),
     "status does not agree with the active entry"),
    ("date-closed", "won", lambda s: Opportunity.objects.filter(no=s["won"]).update(date_closed=day(31)),
     "closed flag or date closed does not agree with the closing entry"),
    ("no-active-entry", "open", lambda s: deactivate_active(s["open"]), "started but has no active entry"),
    ("older-entry-active", "won", lambda s: activate_an_older_entry(s["won"]), "is active but not the newest entry"),
    ("not-started-with-figures", "new", lambda s: Opportunity.objects.filter(no=s["new"]).update(estimated_value=D(5)),
     "Not Started or Won/Lost figures on an opportunity without entries"),
    ("days-open-of-inactive-entry", "won",
     lambda s: OpportunityEntry.objects.filter(opportunity_id=s["won"], sales_cycle_stage=1).update(days_open=99),
     "has Days Open 99, expected"),
    ("days-open-of-active-entry-first", "won",
     lambda s: OpportunityEntry.objects.filter(opportunity_id=s["won"], active=True).update(days_open=4),
     "has Days Open 4"),
    ("days-open-of-active-entry-last", "open",
     lambda s: OpportunityEntry.objects.filter(opportunity_id=s["open"], active=True).update(days_open=4),
     "has Days Open 4"),
]  # fmt: skip


@pytest.mark.parametrize(("target", "corrupt", "problem"), [pytest.param(t, c, p, id=i) for i, t, c, p in CORRUPTIONS])
def test_a_hand_corrupted_ledger_is_reported(
    story: dict[str, str], target: str, corrupt: Callable[[dict[str, str]], Any], problem: str
) -> None:
    corrupt(story)

    report = check_integrity()

    assert not report.ok
    assert any(line.startswith(f"{story[target]}: ") and problem in line for line in report.problems), report.problems
    assert all(line.split(":")[0] == story[target] for line in report.problems), report.problems


def test_the_last_opportunitys_active_entry_with_days_open_is_reported(salesperson: Any, company: Any) -> None:
    """Invariant 4 ("0 on active ones") must hold for every opportunity, also the one whose entries come last."""
    no = testing.create_opportunity(company, salesperson, activate=True).no
    OpportunityEntry.objects.filter(opportunity_id=no, active=True).update(days_open=3)

    report = check_integrity()

    assert report.problems == [f"{no}: active entry {entries_of(no)[0].entry_no} has Days Open 3"]
