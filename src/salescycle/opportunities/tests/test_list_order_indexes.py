"""The API list's orders are index scans, on SQLite and PostgreSQL alike (no sort of the matching rows).

The API puts NULLs first ascending on both databases (``core.pagination.Nulls.SMALLEST``); PostgreSQL needs the
``NULLS FIRST`` indexes of migration 0007 for that, SQLite's own indexes already sort NULLs first. Sorting is
switched off in the planner (PostgreSQL) so that the plan says whether an index *can* give the order, whatever the
table's size; SQLite's plan says ``USE TEMP B-TREE FOR ORDER BY`` whenever it has to sort."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from salescycle.core.actors import SYSTEM
from salescycle.core.pagination import Keyset
from salescycle.opportunities import selectors
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.selectors.opportunities import SORTS, api_ordering

pytestmark = pytest.mark.django_db


def _plan(queryset: Any) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


# Every ordering of the whole list, and a salesperson's list by closing date (the list and board's default view of a
# salesperson; other filtered orders sort the filtered rows, a few thousand at most per salesperson).
CASES = [
    *[(None, ordering) for ordering in ("no", "-no", "creation_date", "-creation_date", "estimated_value")],
    *[(None, ordering) for ordering in ("-estimated_value", "estimated_closing_date", "-estimated_closing_date")],
    ("SP1", "estimated_closing_date"),
    ("SP1", "-estimated_closing_date"),
    # The orders of issue #15 "The list" (opp_api_salesperson, opp_api_contact, opp_status,
    # opp_calculated_current_value).
    *[(None, ordering) for ordering in ("salesperson_code", "-salesperson_code", "contact_no", "-contact_no")],
    *[(None, ordering) for ordering in ("status", "-status", "calculated_current_value", "-calculated_current_value")],
]
# The PostgreSQL index of the API's orders on a nullable column (NULLs first: migrations 0007 and 0012).
NULLS_FIRST_INDEXES = {"salesperson_code": "opp_api_salesperson", "contact_no": "opp_api_contact"}


@pytest.mark.parametrize(("salesperson", "ordering"), CASES)
def test_the_api_list_reads_an_index_in_order(salesperson: str | None, ordering: str) -> None:
    queryset = selectors.filter_opportunities(selectors.visible(SYSTEM), salesperson_code=salesperson)
    page = Keyset.of(Opportunity, api_ordering(ordering)).order(queryset)[:51]  # as list_opportunities

    plan = _plan(page)

    if connection.vendor == "postgresql":
        if "closing" in ordering:
            expected = "opp_api_salesperson_closing" if salesperson else "opp_api_closing"
            assert expected in plan, plan
        if ordering.lstrip("-") in NULLS_FIRST_INDEXES:
            assert NULLS_FIRST_INDEXES[ordering.lstrip("-")] in plan, plan
        assert "Sort" not in plan, plan
    else:
        assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("sort", [f"{sign}{key}" for key in SORTS for sign in ("", "-")])
def test_every_order_of_the_web_list_reads_an_index_in_order(sort: str) -> None:
    # The web list keeps the database's own place for NULLs (Nulls.DATABASE), so the plain indexes serve it.
    queryset = selectors.filtered_opportunities(selectors.ListFilters(sort=sort), user=SYSTEM)
    page = selectors.ListFilters(sort=sort).keyset().order(queryset)[:51]

    plan = _plan(page)

    assert "Sort" not in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    assert "Seq Scan" not in plan, plan
