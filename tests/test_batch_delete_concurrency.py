"""The Delete Opportunities batch job under concurrency on PostgreSQL (issue #12 item 8, review finding 6): it is one
snapshot, so an opportunity closed or deleted by another transaction while it runs never makes it fail (no 409
``conflict.exists`` from a foreign-key error at commit, no 500), and the counts it reports are the rows it deleted.

Run: ``scripts/with-postgres.sh .venv/bin/pytest tests/test_batch_delete_concurrency.py -q`` (deselected on SQLite,
where ``BEGIN IMMEDIATE`` already excludes every other writer)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import QuerySet

from salescycle import testing
from salescycle.core.errors import DomainError
from salescycle.opportunities.integrity import check_integrity
from salescycle.opportunities.models import Opportunity, OpportunityChange, OpportunityEntry
from salescycle.opportunities.services import close_opportunity, delete_closed_opportunities, delete_opportunity
from salescycle.opportunities.services.delete import DeleteResult
from tests.racing import race

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

START = dt.date(2026, 1, 5)


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """Demo setup, a Sales Manager, and one salesperson's opportunities: 6 closed (lost) and 6 in progress."""
    testing.demo_setup()
    manager = testing.make_manager("mgr")
    salesperson = testing.make_salesperson("KH")
    company = testing.make_company(salesperson=salesperson)
    closed, open_ = [], []
    for index in range(12):
        opportunity = testing.create_opportunity(company, salesperson, activate=True, creation_date=START)
        if index % 2 == 0:
            close(manager, opportunity.no)
            closed.append(opportunity.no)
        else:
            open_.append(opportunity.no)
    return {"manager": manager, "closed": closed, "open": open_}


def close(by: Any, no: str) -> Opportunity:
    return close_opportunity(no, by=by, outcome="lost", close_opportunity_code="PRICE_L", date_closed=START)


def entry_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for no in OpportunityEntry.objects.values_list("opportunity_id", flat=True):
        counts[no] = counts.get(no, 0) + 1
    return counts


def assert_only_domain_errors(results: list[Any]) -> None:
    for result in results:
        assert not isinstance(result, BaseException) or isinstance(result, DomainError), repr(result)
        assert not (isinstance(result, DomainError) and result.status in (409, 500)), repr(result)


@pytest.mark.parametrize("round_", range(3))
def test_a_batch_delete_racing_closes_and_single_deletes_never_fails_and_counts_what_it_deleted(
    world: dict[str, Any], round_: int
) -> None:
    manager = world["manager"]
    before = set(Opportunity.objects.values_list("no", flat=True))
    entries_before = entry_counts()
    to_close = world["open"][:4]
    to_delete = world["closed"][:2]

    def batch() -> DeleteResult:
        return delete_closed_opportunities(by=manager, salesperson_code="KH")

    calls: list[Callable[[], Any]] = [batch]
    calls += [lambda no=no: close(manager, no) for no in to_close]
    calls += [lambda no=no: delete_opportunity(no, by=manager) for no in to_delete]
    results = race(*calls)

    assert_only_domain_errors(results)
    result = results[0]
    assert isinstance(result, DeleteResult), result
    gone = before - set(Opportunity.objects.values_list("no", flat=True))
    deleted_singly = {no for no, r in zip(to_delete, results[1 + len(to_close) :], strict=True) if r is None}
    by_batch = gone - deleted_singly
    assert result.deleted_opportunities == len(by_batch)
    # Closed before the race: entries as they were; closed during it (then deleted by the batch): plus the closing one.
    assert result.deleted_entries == sum(entries_before[no] + (no in to_close) for no in by_batch)
    assert set(world["closed"]) <= gone  # every opportunity closed before the batch started is gone
    assert not OpportunityEntry.objects.filter(opportunity_id__in=gone).exists()
    report = check_integrity()
    assert report.ok, report.problems


@pytest.mark.parametrize("round_", range(3))
def test_two_batch_deletes_at_once_delete_each_opportunity_once_and_count_it_once(
    world: dict[str, Any], round_: int
) -> None:
    manager = world["manager"]
    entries_before = entry_counts()

    def batch() -> DeleteResult:
        return delete_closed_opportunities(by=manager, salesperson_code="KH")

    results = race(batch, batch)

    assert_only_domain_errors(results)
    assert sum(r.deleted_opportunities for r in results) == len(world["closed"])
    assert sum(r.deleted_entries for r in results) == sum(entries_before[no] for no in world["closed"])
    assert set(Opportunity.objects.values_list("no", flat=True)) == set(world["open"])


def test_an_opportunity_closed_while_the_batch_runs_is_left_whole_for_the_next_run(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic form of finding 6: the batch pauses between deleting entries and deleting opportunities while
    another transaction closes an opportunity and commits. The old code's last DELETE re-read ``closed = true`` and
    took that opportunity without its entries (foreign-key error at commit → 409); now it deletes what it locked."""
    manager = world["manager"]
    late = world["open"][0]
    entries_before = entry_counts()
    paused, resume = threading.Event(), threading.Event()
    real_raw_delete = QuerySet._raw_delete

    def pausing_raw_delete(self: QuerySet[Any], using: Any) -> int:
        if self.model is OpportunityChange and not paused.is_set():
            paused.set()
            assert resume.wait(timeout=20)
        return int(real_raw_delete(self, using))

    monkeypatch.setattr(QuerySet, "_raw_delete", pausing_raw_delete)

    def batch() -> DeleteResult:
        return delete_closed_opportunities(by=manager, salesperson_code="KH")

    def close_late() -> Opportunity:
        assert paused.wait(timeout=20)
        try:
            return close(manager, late)
        finally:
            resume.set()

    results = race(batch, close_late)

    assert_only_domain_errors(results)
    result, closed = results
    assert isinstance(closed, Opportunity)
    assert closed.closed
    assert result == DeleteResult(
        deleted_opportunities=len(world["closed"]),
        deleted_entries=sum(entries_before[no] for no in world["closed"]),
    )
    remaining = Opportunity.objects.get(no=late)
    assert remaining.closed
    assert OpportunityEntry.objects.filter(opportunity_id=late).count() == entries_before[late] + 1
    report = check_integrity()
    assert report.ok, report.problems
