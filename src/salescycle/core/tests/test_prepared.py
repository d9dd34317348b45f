"""Compiled-once reads (core/prepared.py): the same rows as the ORM, without compiling again (issue #13 item 9)."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from salescycle.core.actors import SYSTEM
from salescycle.core.prepared import Prepared, first_of
from salescycle.opportunities.models import Opportunity, OpportunityEntry, SalesCycleStage
from salescycle.opportunities.selectors.opportunities import opportunities
from salescycle.testing import create_opportunity, demo_setup, make_cycle, make_person, make_salesperson

pytestmark = pytest.mark.django_db

STAGES: Prepared[SalesCycleStage] = Prepared(
    lambda code: SalesCycleStage.objects.filter(sales_cycle_id=code).order_by("stage"), str
)
STAGE_DESCRIPTION: Prepared[str] = Prepared(
    lambda code, stage: first_of(
        SalesCycleStage.objects.filter(sales_cycle_id=code, stage=stage).values_list("description", flat=True)
    ),
    str,
    int,
)
OPPORTUNITY: Prepared[Opportunity] = Prepared(lambda no: first_of(opportunities(SYSTEM).filter(no=no)), str)


def _fields(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_rows_equal_the_orms_for_every_value() -> None:
    make_cycle("A", stages=[{"stage": 1, "description": "One"}, {"stage": 2, "description": "Two"}])
    make_cycle("B", stages=[{"stage": 1, "description": "Only"}])
    for code in ["A", "B", "NONE"]:
        prepared = STAGES(code)
        assert [_fields(s) for s in prepared] == [_fields(s) for s in STAGES.unprepared(code)]
    assert STAGE_DESCRIPTION.first("A", 2) == "Two"
    assert STAGE_DESCRIPTION.first("B", 1) == "Only"
    assert STAGE_DESCRIPTION.first("B", 2) is None


def test_related_rows_and_annotations_are_read_as_the_orm_reads_them() -> None:
    demo_setup()
    person = make_person(name="Anna Dvořák")
    salesperson = make_salesperson(name="Jonathan")
    first = create_opportunity(person, salesperson, activate=True)
    second = create_opportunity(person, salesperson)
    for no in [first.no, second.no]:
        got = OPPORTUNITY.first(no)
        want = OPPORTUNITY.unprepared(no).first()
        assert got is not None
        assert want is not None
        assert _fields(got) == _fields(want)
        assert got.contact is not None
        assert got.salesperson is not None
        assert (got.contact.name, got.salesperson.name) == ("Anna Dvořák", "Jonathan")
        assert getattr(got, "no_of_interactions") == getattr(want, "no_of_interactions") == 0
    assert OPPORTUNITY.first("MISSING") is None


def test_the_second_run_compiles_nothing_and_sends_the_orms_sql() -> None:
    make_cycle("A", stages=[{"stage": 1}])
    with CaptureQueriesContext(connection) as orm:
        list(STAGES.unprepared("A"))
    STAGES("A")  # compiled here, on this connection, if not before
    with (
        mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as as_sql,
        CaptureQueriesContext(connection) as prepared,
    ):
        rows = STAGES("A")
    assert as_sql.call_count == 0
    assert len(rows) == 1
    assert [q["sql"] for q in prepared.captured_queries] == [q["sql"] for q in orm.captured_queries]


def test_select_for_update_still_needs_a_transaction() -> None:
    locker: Prepared[OpportunityEntry] = Prepared(
        lambda no: first_of(OpportunityEntry.objects.select_for_update().filter(opportunity_id=no)), str
    )
    with transaction.atomic():
        assert locker.first("X") is None
    with (
        pytest.raises(TransactionManagementError),
        mock.patch.object(connection, "get_autocommit", return_value=True),
    ):
        locker.first("X")


def test_a_value_that_does_not_reach_the_sql_unchanged_is_refused() -> None:
    startswith: Prepared[SalesCycleStage] = Prepared(
        lambda code: SalesCycleStage.objects.filter(description__startswith=code), str
    )
    with pytest.raises(ValueError, match="does not reach the SQL unchanged"):
        startswith("A")
    constant: Prepared[SalesCycleStage] = Prepared(lambda code: SalesCycleStage.objects.filter(description="x"), str)
    with pytest.raises(ValueError, match="do not reach its SQL"):
        constant("A")


def test_values_of_the_wrong_kind_or_out_of_any_range() -> None:
    with pytest.raises(TypeError):
        STAGES(1)
    with pytest.raises(TypeError):
        STAGES("A", "B")
    # No column holds a number past 64 bits: no row, as the ORM answers (SQLite would overflow on the parameter).
    assert STAGE_DESCRIPTION("A", 2**70) == []
    assert list(SalesCycleStage.objects.filter(sales_cycle_id="A", stage=2**70)) == []
