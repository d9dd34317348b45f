"""Open entries (spec §5.3) are read through the partial index ``entry_open_cycle_stage``: the closing values are
written into the SQL so that SQLite can prove the query implies the index's condition (bench/README.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.opportunities.models import OpportunityEntry
from salescycle.opportunities.services import close_opportunity

pytestmark = pytest.mark.django_db


def test_open_excludes_won_and_lost_active_entries_and_keeps_the_rest() -> None:
    testing.demo_setup()
    salesperson, company = testing.make_salesperson("OI"), testing.make_company("C-OI")
    open_one = testing.create_opportunity(company, salesperson, activate=True)
    won = testing.create_opportunity(company, salesperson, activate=True)
    close_opportunity(
        won.no,
        outcome="won",
        close_opportunity_code="PRICE_W",
        sales_value=Decimal(5),
        date_closed=dt.date(2026, 2, 1),
        by=SYSTEM,
    )

    assert list(OpportunityEntry.objects.open().values_list("opportunity_id", flat=True)) == [open_one.no]
    assert OpportunityEntry.objects.active().count() == 2


def test_open_entries_per_stage_use_the_partial_index() -> None:
    query = OpportunityEntry.objects.open().filter(sales_cycle_id="NEW").values("sales_cycle_stage")
    sql, params = query.annotate(n=Count("entry_no")).query.sql_with_params()

    assert "IN ('won', 'lost')" in sql
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        # Either partial index of the open entries (same condition): entry_open_cycle_changed (migration 0011, the
        # pipeline as of a date) holds the stage and entry no. too, so SQLite may read it alone.
        assert "entry_open_cycle_stage" in plan or "COVERING INDEX entry_open_cycle_changed" in plan, plan
