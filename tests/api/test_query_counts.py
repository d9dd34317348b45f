"""Every list endpoint runs a constant number of SQL queries whatever the page size (conventions "Where a query
goes"): a page of 1 and a page of 50 items cost the same."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salescycle import testing
from salescycle.contacts.models import Campaign, Segment, SegmentLine
from salescycle.core.actors import SYSTEM
from salescycle.opportunities.engine import UpdateRequest
from salescycle.opportunities.models import Interaction, SalesCycle, SalesCycleStage
from salescycle.opportunities.services import update_opportunity
from salescycle.tasks.models import Activity, ActivityStep, Task

pytestmark = pytest.mark.django_db

N = 50


@pytest.fixture
def many(demo) -> None:
    salespeople = [testing.make_salesperson(f"SP{i:03d}") for i in range(N)]
    companies = [testing.make_company(f"C{i:03d}", salesperson=salespeople[i]) for i in range(N)]
    for i in range(N):
        Campaign.objects.create(no=f"CP{i:03d}", description="c", salesperson=salespeople[i])
        segment = Segment.objects.create(no=f"SG{i:03d}", salesperson=salespeople[i])
        SegmentLine.objects.create(segment=segment, line_no=10000, contact=companies[i])
        SegmentLine.objects.create(segment=segment, line_no=20000, contact=companies[(i + 1) % N])
        cycle = SalesCycle.objects.create(code=f"SC{i:03d}")
        SalesCycleStage.objects.create(sales_cycle=cycle, stage=1)
        SalesCycleStage.objects.create(sales_cycle_id="EXISTING", stage=100 + i)
        testing.make_close_code(f"CC{i:03d}")
        activity = Activity.objects.create(code=f"A{i:03d}")
        ActivityStep.objects.create(activity=activity, step_no=1)
        Interaction.objects.create(date=dt.date(2026, 1, 1), contact=companies[i])
        Task.objects.create(no=f"T{i:03d}", date=dt.date(2026, 1, 1), salesperson=salespeople[i])
    first = testing.create_opportunity(companies[0], salespeople[0], activate=True)
    for i in range(1, N):
        testing.create_opportunity(companies[i], salespeople[i], activate=True)
    for _ in range(3):
        update_opportunity(first.no, request=UpdateRequest(action_type="update"), by=SYSTEM)
    for i in range(N):
        Task.objects.create(no=f"TO{i:03d}", date=dt.date(2026, 1, 1), opportunity_no=first.no)


LISTS = [
    "/salespeople",
    "/contacts",
    "/campaigns",
    "/segments",
    "/sales-cycles",
    "/sales-cycles/EXISTING/stages",
    "/close-opportunity-codes",
    "/activities",
    "/interactions",
    "/tasks",
    "/opportunities",
    "/opportunities?ordering=-estimated_value",
    "/opportunities?status=in_progress&q=test&creation_date_from=2026-01-01",
    "/opportunities/OP000001/tasks",
]


@pytest.mark.parametrize("path", LISTS)
def test_list_query_count_does_not_depend_on_page_size(api, many, path: str, django_assert_max_num_queries) -> None:
    separator = "&" if "?" in path else "?"
    with CaptureQueriesContext(connection) as one:
        small = api.get(f"{path}{separator}limit=1")
    assert small.status_code == 200
    assert len(small.json()["items"]) == 1

    with django_assert_max_num_queries(len(one)):
        big = api.get(f"{path}{separator}limit={N}")

    assert big.status_code == 200
    assert len(big.json()["items"]) >= min(N, big.json()["count"])
    assert len(big.json()["items"]) > 1


def test_entries_query_count_does_not_depend_on_page_size(api, demo, django_assert_max_num_queries) -> None:
    salesperson = testing.make_salesperson("SP1")
    opportunity = testing.create_opportunity(testing.make_company("C1"), salesperson, activate=True)
    for _ in range(10):
        update_opportunity(opportunity.no, request=UpdateRequest(action_type="update"), by=SYSTEM)
    with CaptureQueriesContext(connection) as one:
        assert len(api.get(f"/opportunities/{opportunity.no}/entries?limit=1").json()["items"]) == 1

    with django_assert_max_num_queries(len(one)):
        assert len(api.get(f"/opportunities/{opportunity.no}/entries?limit=50").json()["items"]) == 11
