"""The pipeline as of a date reads only the entries that can be an opportunity's latest of that day (issue #14
"Speed", ``analysis._open_as_of``): the open active entries changed on or before it and the inactive ones changed
within the longest Days Open before it and replaced after it, each confirmed as its opportunity's latest entry of
the day. A Hypothesis
property compares it with the shape it replaced — every entry of all history dated on or before the day, confirmed
the same way — and with a Python oracle over the same rows, on ledgers with long and zero gaps, several entries on
one day, closings, and dates that go backwards (a Lost entry dated on a WorkDate before the last change, which
deleting a won opportunity's order writes: spec §4.11.6, D12). The ledger rows are written as the services write
them: one active entry, the latest; Days Open from ``ledger.days_open``. Plan tests hold the new indexes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.core.money import exact_sum
from salescycle.opportunities import analysis
from salescycle.opportunities.ledger import days_open
from salescycle.opportunities.models import CLOSING_ACTIONS, Opportunity, OpportunityEntry

pytestmark = pytest.mark.django_db

CYCLE = "WIN"
START = dt.date(2026, 1, 1)
ACTIONS = ("first", "next", "previous", "updated", "jumped")
# (gap in days from the previous entry, action, stage, value): gaps of 0 (same day), long ones, and negative ones
# (only before a final Lost: the deleted order's entry on an earlier WorkDate).
STEP = st.tuples(
    st.one_of(st.integers(0, 3), st.integers(20, 200)),
    st.sampled_from(ACTIONS),
    st.integers(1, 3),
    st.sampled_from(("0.1", "0.2", "1000", "2452104.27", "99999.99999")),
)
LEDGER = st.tuples(
    st.lists(STEP, min_size=1, max_size=5),
    st.sampled_from((None, "won", "lost", "won-then-deleted-order")),
    st.integers(-120, 30),  # the gap of the closing entry (negative: only for the deleted order's Lost)
    st.integers(0, 60),  # the first entry's offset from START
)


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    testing.make_cycle(
        CYCLE,
        stages=[
            {"stage": 1, "description": "One", "chances_of_success_pct": "10"},
            {"stage": 2, "description": "Two", "chances_of_success_pct": "50"},
            {"stage": 3, "description": "Three", "chances_of_success_pct": "70"},
        ],
    )
    return {"salesperson": testing.make_salesperson("WI"), "company": testing.make_company("C-WIN")}


def write(no: str, world: dict[str, Any], plan: tuple[Any, ...]) -> None:
    """Opportunity ``no`` with the entries of ``plan`` (see :data:`LEDGER`), as the services leave them."""
    steps, closing, closing_gap, offset = plan
    rows: list[tuple[dt.date, str, int, Decimal]] = []
    on = START + dt.timedelta(days=offset)
    for i, (gap, action, stage, value) in enumerate(steps):
        on = on + dt.timedelta(days=gap if i else 0)
        rows.append((on, action if i else "first", stage, Decimal(value)))
    if closing == "won-then-deleted-order":
        on = on + dt.timedelta(days=max(closing_gap, 0))
        rows.append((on, "won", 0, rows[-1][3]))
        rows.append((on + dt.timedelta(days=closing_gap), "lost", 0, rows[-1][3]))  # may go backwards
    elif closing is not None:
        rows.append((on + dt.timedelta(days=max(closing_gap, 0)), closing, 0, rows[-1][3]))
    last = rows[-1]
    opportunity = Opportunity.objects.create(
        no=no,
        description=no,
        salesperson=world["salesperson"],
        contact=world["company"],
        contact_company=world["company"],
        sales_cycle_id=CYCLE,
        creation_date=rows[0][0],
        status={"won": "won", "lost": "lost"}.get(last[1], "in_progress"),
        closed=last[1] in CLOSING_ACTIONS,
        date_closed=last[0] if last[1] in CLOSING_ACTIONS else None,
        current_sales_cycle_stage=last[2],
        estimated_value=last[3],
    )
    for i, (on, action, stage, value) in enumerate(rows):
        following = rows[i + 1][0] if i + 1 < len(rows) else None
        OpportunityEntry.objects.create(
            opportunity=opportunity,
            sales_cycle_id=CYCLE,
            sales_cycle_stage=stage,
            salesperson=world["salesperson"],
            contact=world["company"],
            contact_company=world["company"],
            date_of_change=on,
            active=following is None,
            days_open=days_open(on, following) if following else 0,
            action_taken=action,
            date_closed=on if action in CLOSING_ACTIONS else None,
            estimated_value=value,
            calculated_current_value=value / 10,
            estimated_close_date=on if action in CLOSING_ACTIONS else on + dt.timedelta(days=30),
        )


def over_all_history(as_of: dt.date) -> dict[int, tuple[int, Decimal]]:
    """The shape the window replaced: every entry of the cycle dated on or before ``as_of`` that is its
    opportunity's latest of that day and no closing, per stage (count, exact Estimated Value)."""
    entries = OpportunityEntry.objects.filter(sales_cycle_id=CYCLE, date_of_change__lte=as_of)
    rows = (
        entries.filter(entry_no=analysis._latest_as_of(as_of))
        .exclude(action_taken__in_literals=CLOSING_ACTIONS)
        .values("sales_cycle_stage")
        .annotate(n=analysis.Count("*"), value=exact_sum("estimated_value"))
        .order_by()
    )
    return {row["sales_cycle_stage"]: (row["n"], row["value"]) for row in rows}


def oracle(as_of: dt.date) -> dict[int, tuple[int, Decimal]]:
    """Python over the rows as Django reads them: each opportunity's highest entry no. dated on or before
    ``as_of``, when it is no closing."""
    latest: dict[str, OpportunityEntry] = {}
    for entry in OpportunityEntry.objects.order_by("entry_no"):
        if entry.date_of_change <= as_of:
            latest[entry.opportunity_id] = entry
    out: dict[int, tuple[int, Decimal]] = {}
    for entry in latest.values():
        if entry.action_taken not in CLOSING_ACTIONS:
            n, value = out.get(entry.sales_cycle_stage, (0, Decimal(0)))
            out[entry.sales_cycle_stage] = (n + 1, value + entry.estimated_value)
    return out


def answered(as_of: dt.date) -> dict[int, tuple[int, Decimal]]:
    result = analysis.pipeline_as_of(CYCLE, as_of, user=SYSTEM)
    return {s.stage: (s.no_of_opportunities, s.estimated_value) for s in result.stages if s.no_of_opportunities}


def cents(figures: dict[int, tuple[int, Decimal]]) -> dict[int, tuple[int, Decimal]]:
    return {stage: (n, analysis._cents(value)) for stage, (n, value) in figures.items() if n}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plans=st.lists(LEDGER, min_size=1, max_size=6), days=st.lists(st.integers(-5, 700), min_size=1, max_size=4))
def test_the_window_answers_what_all_history_answers(
    world: dict[str, Any], plans: list[tuple[Any, ...]], days: list[int]
) -> None:
    note(repr(plans))
    with transaction.atomic():
        for i, plan in enumerate(plans):
            write(f"WIN{i:03d}", world, plan)
        # The drawn days, and the edges of every replaced entry's time as the latest: its own day, the day before it
        # was replaced and that day (where the window is tightest: its Days Open may be the longest).
        edges = {
            e.date_of_change + dt.timedelta(days=k)
            for e in OpportunityEntry.objects.filter(active=False)
            for k in (0, e.days_open - 1, e.days_open)
        }
        for as_of in sorted({START + dt.timedelta(days=day) for day in days} | edges):
            expected = oracle(as_of)
            assert cents(over_all_history(as_of)) == cents(expected), as_of
            assert answered(as_of) == cents(expected), as_of
        transaction.set_rollback(True)


def test_a_lost_entry_dated_before_the_last_change_ends_the_pipeline_from_its_own_day(world: dict[str, Any]) -> None:
    # 01-01 first, 03-01 next (Days Open 59 on the first), 04-01 won (29 on the next), then the order is deleted on
    # a WorkDate of 02-01: Lost dated 02-01 (Days Open 0 on the won). As of 02-15 the first entry lies in the window
    # (02-15 − 59 days) and was replaced on 03-01 > 02-15, yet the opportunity's latest entry of 02-15 is the Lost.
    write("WINL", world, ([(0, "first", 1, "1000"), (59, "next", 2, "1000")], "won-then-deleted-order", -59, 0))
    assert [e.date_of_change.isoformat() for e in OpportunityEntry.objects.order_by("entry_no")] == [
        "2026-01-01",
        "2026-03-01",
        "2026-03-01",
        "2026-01-01",
    ]
    assert answered(dt.date(2026, 2, 15)) == {}
    assert answered(dt.date(2025, 12, 31)) == {}


def _plan(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test database is tiny: ask whether the index can serve
        cursor.execute(f"EXPLAIN {sql}", params)
        return " ".join(str(row[0]) for row in cursor.fetchall())


def test_the_pipeline_reads_the_candidates_from_the_new_indexes_alone(world: dict[str, Any]) -> None:
    active, inactive = (
        part.values("sales_cycle_stage").annotate(n=analysis.Count("*"), value=exact_sum("estimated_value"))
        for part in analysis._open_as_of(SYSTEM, analysis.AnalysisFilter(CYCLE), dt.date(2026, 6, 30), 60)
    )
    with transaction.atomic():
        plans = [_plan(*part.query.sql_with_params()) for part in (active, inactive)]
    # PostgreSQL plans from statistics, which an empty test table does not have (it reads the cycle's foreign-key
    # index then); its plans at 100k and 1M (index-only scans of the same indexes) are in bench/README.md
    # "Analysis (issue #14)". SQLite's depend on the query's shape.
    if connection.vendor == "sqlite":
        assert "USING COVERING INDEX entry_open_cycle_changed" in plans[0], plans[0]
        assert "USING COVERING INDEX entry_inactive_cycle_changed" in plans[1], plans[1]
        assert all("COVERING INDEX entry_opportunity_dated" in plan for plan in plans), plans

    longest = OpportunityEntry.objects.filter(active=False).order_by("-days_open").values_list("days_open")[:1]
    with transaction.atomic():
        assert "entry_inactive_days_open" in _plan(*longest.query.sql_with_params())


def test_the_matrix_by_salesperson_reads_only_the_index(world: dict[str, Any]) -> None:
    entries = analysis._matrix_entries(SYSTEM, analysis.AnalysisFilter(), analysis.MatrixOptions()).filter(
        estimated_close_date__gte=START, estimated_close_date__lte=dt.date(2026, 12, 31), salesperson__isnull=False
    )
    sql, params = entries.values("salesperson_id").annotate(total=exact_sum("estimated_value")).query.sql_with_params()
    with transaction.atomic():
        plan = _plan(sql, params)
    if connection.vendor == "sqlite":  # PostgreSQL: from statistics, see above (an Index Only Scan at 100k and 1M)
        assert "USING COVERING INDEX entry_active_salesperson_act" in plan, plan
