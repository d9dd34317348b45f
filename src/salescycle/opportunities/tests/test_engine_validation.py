"""Refusals of the engine in the spec's order: Update wizard (§4.5.4, §4.5.5, D4, D5; api.md "Update errors"), Close
wizard (§4.8.3, D10, D11) and first-stage activation (§4.4.2, D9). Each test breaks exactly one rule while every
earlier check passes, and asserts the stable ``code``. Pure engine tests: no database."""

from __future__ import annotations

import datetime as dt

import pytest

from salescycle.core.errors import DomainError
from salescycle.opportunities.choices import ActionTaken, ActionType, CloseType
from salescycle.opportunities.engine import CloseRequest, Cycle, UpdateRequest, plan_close, plan_first_stage
from salescycle.opportunities.engine import plan_update as _plan_update
from salescycle.opportunities.tests.engine_fixtures import (
    EMPTY,
    EXISTING,
    NEW,
    WORK_DATE,
    D,
    at,
    day,
    existing_cycle,
    stage,
)

A = ActionType
EARLIER = day("2024-05-10")


def plan_update(cycle, active, request, **kwargs):
    kwargs.setdefault("work_date", WORK_DATE)
    return _plan_update(cycle, active, request, **kwargs)


def refused(expected_code: str, fn, /, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kwargs)
    assert info.value.code == expected_code, info.value
    return info.value


def ok_request(action=A.NEXT, **kwargs) -> UpdateRequest:
    return UpdateRequest(action, **kwargs)


# --- §4.5.4 update validation, one test per message -------------------------------------------------------------


def test_a_valid_request_passes():
    planned = plan_update(EXISTING, at(1, EARLIER), ok_request())
    assert planned.sales_cycle_stage == 2


def test_update_on_a_closed_opportunity_is_refused():
    refused("opportunity.closed", plan_update, EXISTING, at(1, EARLIER), ok_request(), is_closed=True)


def test_closed_is_reported_before_no_stages():
    refused("opportunity.closed", plan_update, EMPTY, None, ok_request(A.FIRST), is_closed=True)


@pytest.mark.parametrize("action", [A.FIRST, A.NEXT, "garbage", None])
@pytest.mark.parametrize("active", [None, at(1)], ids=["not_started", "started"])
def test_update_on_a_cycle_without_stages_is_refused_before_availability(action, active):
    refused("sales_cycle.no_stages", plan_update, EMPTY, active, ok_request(action))


@pytest.mark.parametrize(
    ("cycle", "active", "action"),
    [
        (EXISTING, at(2), A.SKIP),  # stage 3 forbids skipping: no Skip list
        (EXISTING, at(2), A.JUMP),  # Jump list [1] has a single stage
        (EXISTING, at(1), A.JUMP),  # nothing before stage 1
        (EXISTING, at(1), A.PREVIOUS),
        (EXISTING, at(4), A.NEXT),  # last stage
        (EXISTING, at(2), A.FIRST),  # already started
        (NEW, at(1), A.SKIP),  # stage 2 of NEW forbids skipping
        (NEW, None, A.NEXT),  # Not Started offers only First
        (NEW, None, A.UPDATE),
        (EXISTING, at(2), "garbage"),
        (EXISTING, at(2), None),
        (EXISTING, at(2), ""),
    ],
)
def test_action_not_offered_now_is_refused(cycle, active, action):
    refused("update.action_not_available", plan_update, cycle, active, ok_request(action))


def test_date_of_change_before_the_last_change_is_refused():
    error = refused(
        "update.date_before_previous",
        plan_update,
        EXISTING,
        at(1, EARLIER),
        ok_request(date_of_change=EARLIER - dt.timedelta(days=1)),
    )
    assert "date_of_change" in error.fields


def test_date_of_change_check_does_not_apply_to_a_not_started_opportunity():
    planned = plan_update(EXISTING, None, ok_request(A.FIRST, estimated_value=D(1), date_of_change=day("2000-01-01")))
    assert planned.date_of_change == day("2000-01-01")


@pytest.mark.parametrize(
    ("cycle", "active", "action", "stage_no"),
    [
        (EXISTING, at(1), A.SKIP, 4),  # beyond the Skip list [2, 3]
        (EXISTING, at(1), A.SKIP, 1),  # the current stage
        (NEW, at(2), A.SKIP, 5),  # Skip list [3, 4]
        (EXISTING, at(4), A.JUMP, 4),  # Jump list [1, 2, 3]
        (NEW, at(3), A.JUMP, 3),
        (EXISTING, at(1), A.NEXT, 3),  # Next only to the next stage
        (EXISTING, at(3), A.PREVIOUS, 1),
        (EXISTING, at(3), A.UPDATE, 2),
        (EXISTING, None, A.FIRST, 2),
        (EXISTING, at(1), A.SKIP, 99),  # not a stage at all
    ],
)
def test_stage_outside_the_action_list_is_refused(cycle, active, action, stage_no):
    error = refused(
        "update.stage_not_allowed",
        plan_update,
        cycle,
        active,
        ok_request(action, sales_cycle_stage=stage_no),
        has_quote=True,
    )
    assert "sales_cycle_stage" in error.fields


def test_next_into_a_quote_required_stage_without_quote_is_refused():
    refused("update.quote_required", plan_update, EXISTING, at(2, EARLIER), ok_request(A.NEXT))


def test_next_into_a_quote_required_stage_with_a_quote_passes():
    planned = plan_update(EXISTING, at(2, EARLIER), ok_request(A.NEXT), has_quote=True)
    assert planned.sales_cycle_stage == 3


def test_skip_into_a_quote_required_stage_without_quote_is_refused():
    refused("update.quote_required", plan_update, NEW, at(2, EARLIER), ok_request(A.SKIP))
    refused("update.quote_required", plan_update, NEW, at(2, EARLIER), ok_request(A.SKIP, sales_cycle_stage=4))


def test_skip_to_a_quote_required_target_needs_a_quote():
    refused("update.quote_required", plan_update, EXISTING, at(1, EARLIER), ok_request(A.SKIP, sales_cycle_stage=3))
    planned = plan_update(EXISTING, at(1, EARLIER), ok_request(A.SKIP, sales_cycle_stage=3), has_quote=True)
    assert planned.sales_cycle_stage == 3


def test_skip_to_a_stage_that_needs_no_quote_passes_even_if_a_later_stage_would():
    planned = plan_update(EXISTING, at(1, EARLIER), ok_request(A.SKIP, sales_cycle_stage=2))
    assert planned.sales_cycle_stage == 2
    assert planned.action_taken == ActionTaken.NEXT


def test_skipped_over_quote_required_stages_are_not_checked():
    cycle = Cycle(
        "Q",
        stages=(stage(1, 10, 10), stage(2, 20, 20, skip=True, quote=True), stage(3, 30, 30, skip=True)),
    )
    planned = plan_update(cycle, at(1, EARLIER), ok_request(A.SKIP, sales_cycle_stage=3))
    assert planned.sales_cycle_stage == 3
    assert planned.action_taken == ActionTaken.JUMPED


@pytest.mark.parametrize(
    ("cycle", "active", "action", "stage_no"),
    [
        (EXISTING, at(4, EARLIER), A.PREVIOUS, None),  # into 3 (quote required)
        (NEW, at(5, EARLIER), A.JUMP, 3),  # into 3 (quote required)
        (NEW, at(5, EARLIER), A.JUMP, 4),
        (EXISTING, at(3, EARLIER), A.UPDATE, None),  # stays on 3 (quote required)
    ],
)
def test_quote_is_not_checked_for_previous_jump_or_update(cycle, active, action, stage_no):
    planned = plan_update(cycle, active, ok_request(action, sales_cycle_stage=stage_no))
    assert cycle.stage(planned.sales_cycle_stage).quote_required


def test_quote_is_not_checked_for_first():
    cycle = Cycle("QF", stages=(stage(1, 10, 10, quote=True),))
    planned = plan_update(cycle, None, ok_request(A.FIRST, estimated_value=D(5)))
    assert planned.sales_cycle_stage == 1


@pytest.mark.parametrize("value", [D(0), D(-1), D("-0.01")])
def test_estimated_value_not_positive_is_refused(value):
    refused(
        "update.estimated_value_not_positive",
        plan_update,
        EXISTING,
        at(1, EARLIER),
        ok_request(estimated_value=value),
    )


def test_first_with_the_proposed_zero_value_is_refused():
    # Not Started: nothing to copy, no quote ⇒ the proposed estimated value is 0.
    refused("update.estimated_value_not_positive", plan_update, EXISTING, None, ok_request(A.FIRST))


def test_update_from_an_entry_with_zero_value_and_no_quote_is_refused():
    refused("update.estimated_value_not_positive", plan_update, EXISTING, at(1, EARLIER, value=0), ok_request())


def test_chances_not_positive_are_refused():
    refused(
        "update.chances_not_positive",
        plan_update,
        EXISTING,
        at(1, EARLIER),
        ok_request(chances_of_success_pct=D(0)),
    )


def test_proposed_zero_chances_of_the_target_stage_are_refused():
    cycle = Cycle("Z", stages=(stage(1, 10, 10), stage(2, 20, 0)))
    refused("update.chances_not_positive", plan_update, cycle, at(1, EARLIER), ok_request())


def test_chances_above_100_are_an_input_error():
    refused("invalid_input", plan_update, EXISTING, at(1, EARLIER), ok_request(chances_of_success_pct=D(101)))


def test_close_date_missing_cannot_happen_through_plan_update():
    # update.close_date_missing (§4.5.4 step 7) is unreachable through plan_update: an omitted estimated close
    # date takes the proposal CalcDate(target formula, date of change) (D15), which is never blank because the
    # date of change is always filled (blank formula ⇒ the date of change itself). Assert the fill instead.
    cycle = existing_cycle({2: ""})
    planned = plan_update(cycle, at(1, EARLIER), ok_request(estimated_close_date=None))
    assert planned.estimate.estimated_close_date == WORK_DATE
    cycle = existing_cycle({2: "+2D"})
    planned = plan_update(cycle, at(1, EARLIER), ok_request(estimated_close_date=None))
    assert planned.estimate.estimated_close_date == day("2024-05-17")


def test_close_date_before_the_date_of_change_is_refused():
    refused(
        "update.close_date_before_change",
        plan_update,
        EXISTING,
        at(1, EARLIER),
        ok_request(estimated_close_date=WORK_DATE - dt.timedelta(days=1)),
    )


def test_close_date_equal_to_the_date_of_change_passes():
    planned = plan_update(EXISTING, at(1, EARLIER), ok_request(estimated_close_date=WORK_DATE))
    assert planned.estimate.estimated_close_date == WORK_DATE


# --- §4.5.4 order with several faults -----------------------------------------------------------------------------

ALL_FAULTS = {
    "date_of_change": EARLIER - dt.timedelta(days=1),
    "sales_cycle_stage": 4,
    "estimated_value": D(0),
    "chances_of_success_pct": D(0),
    "estimated_close_date": day("2000-01-01"),
}


def test_several_faults_report_closed_first():
    refused("opportunity.closed", plan_update, EMPTY, None, ok_request("garbage", **ALL_FAULTS), is_closed=True)


def test_several_faults_report_no_stages_before_availability():
    refused("sales_cycle.no_stages", plan_update, EMPTY, at(1, EARLIER), ok_request("garbage", **ALL_FAULTS))


def test_several_faults_report_availability_before_date():
    refused("update.action_not_available", plan_update, EXISTING, at(1, EARLIER), ok_request(A.JUMP, **ALL_FAULTS))


def test_several_faults_report_date_before_stage():
    refused("update.date_before_previous", plan_update, EXISTING, at(1, EARLIER), ok_request(A.SKIP, **ALL_FAULTS))


def test_several_faults_report_stage_before_quote_and_values():
    faults = {**ALL_FAULTS, "date_of_change": None}
    refused("update.stage_not_allowed", plan_update, EXISTING, at(1, EARLIER), ok_request(A.SKIP, **faults))


def test_several_faults_report_quote_before_values():
    faults = {**ALL_FAULTS, "date_of_change": None, "sales_cycle_stage": 3}
    refused("update.quote_required", plan_update, EXISTING, at(1, EARLIER), ok_request(A.SKIP, **faults))


def test_several_faults_report_value_before_chances_and_close_date():
    faults = {**ALL_FAULTS, "date_of_change": None, "sales_cycle_stage": 3}
    refused(
        "update.estimated_value_not_positive",
        plan_update,
        EXISTING,
        at(1, EARLIER),
        ok_request(A.SKIP, **faults),
        has_quote=True,
    )


def test_several_faults_report_chances_before_close_date():
    faults = {**ALL_FAULTS, "date_of_change": None, "sales_cycle_stage": 3, "estimated_value": D(1)}
    refused(
        "update.chances_not_positive",
        plan_update,
        EXISTING,
        at(1, EARLIER),
        ok_request(A.SKIP, **faults),
        has_quote=True,
    )


# --- §4.4.2 / D9 first-stage activation ---------------------------------------------------------------------------


def test_activate_first_stage_on_a_started_opportunity_is_refused():
    refused("opportunity.not_not_started", plan_first_stage, EXISTING, date_of_change=WORK_DATE, is_started=True)


def test_activate_first_stage_not_not_started_is_reported_before_no_stages():
    refused("opportunity.not_not_started", plan_first_stage, EMPTY, date_of_change=WORK_DATE, is_started=True)


def test_activate_first_stage_on_a_cycle_without_stages_is_refused():
    refused("sales_cycle.no_stages", plan_first_stage, EMPTY, date_of_change=WORK_DATE)


def test_creation_activation_on_a_cycle_without_stages_is_refused():
    refused(
        "sales_cycle.no_stages",
        plan_first_stage,
        EMPTY,
        date_of_change=WORK_DATE,
        estimated_value=D(100),
        chances_of_success_pct=D(50),
        estimated_close_date=day("2024-06-01"),
    )


# --- §4.8.3 close validation, one test per message ----------------------------------------------------------------


def close(active=None, outcome=CloseType.WON, code="PRICE_W", *, code_type=CloseType.WON, **kwargs):
    request_kwargs = {k: kwargs.pop(k) for k in ("date_closed", "sales_value", "cancel_old_tasks") if k in kwargs}
    kwargs.setdefault("work_date", WORK_DATE)
    return plan_close(
        EXISTING,
        active if active is not None else at(3, EARLIER),
        CloseRequest(outcome, code, **request_kwargs),
        close_code_type=code_type,
        **kwargs,
    )


def test_a_valid_close_passes():
    planned = close(sales_value=D(1))
    assert planned.action_taken == ActionTaken.WON


def test_closing_a_closed_opportunity_is_refused():
    refused("opportunity.closed", close, sales_value=D(1), is_closed=True)
    refused("opportunity.closed", close, outcome=None, code=None, code_type=None, is_closed=True)


@pytest.mark.parametrize("outcome", [None, "", "garbage", ActionTaken.NEXT, ActionTaken.UPDATED])
def test_close_without_won_or_lost_is_refused(outcome):
    refused("close.won_or_lost_required", close, outcome=outcome, code=None, code_type=None)


@pytest.mark.parametrize("code", [None, ""])
def test_close_without_code_is_refused(code):
    refused("close.code_required", close, code=code, code_type=None, sales_value=D(0))


def test_close_with_unknown_code_is_refused():
    refused("close.code_not_found", close, code="NOPE", code_type=None, sales_value=D(0))


@pytest.mark.parametrize(("outcome", "code_type"), [(CloseType.WON, CloseType.LOST), (CloseType.LOST, CloseType.WON)])
def test_close_with_a_code_of_the_other_type_is_refused(outcome, code_type):
    refused("close.code_type_mismatch", close, outcome=outcome, code_type=code_type, sales_value=D(0))


def test_closing_date_before_the_last_change_is_refused():
    refused(
        "close.date_before_previous",
        close,
        date_closed=EARLIER - dt.timedelta(days=1),
        sales_value=D(0),
    )


@pytest.mark.parametrize("sales_value", [None, D(0), D(-5)])
def test_won_without_quote_and_without_positive_sales_value_is_refused(sales_value):
    refused("close.sales_not_positive", close, sales_value=sales_value)


def test_won_with_a_quote_value_needs_no_typed_sales_value():
    planned = close(sales_value=D(0), quote_value=D(250))
    assert planned.estimate.calculated_current_value == D(250)


def test_won_with_a_zero_quote_value_is_refused_even_with_typed_sales():
    # D11: the quote's amount overrides the typed value, so a zero quote cannot be "fixed" by typing a value.
    refused("close.sales_not_positive", close, sales_value=D(100), quote_value=D(0))


def test_lost_needs_no_sales_value():
    planned = close(outcome=CloseType.LOST, code="PRICE_L", code_type=CloseType.LOST)
    assert planned.estimate.calculated_current_value == D(0)


def test_closing_a_not_started_opportunity_has_no_date_check():
    planned = plan_close(
        NEW,
        None,
        CloseRequest(CloseType.LOST, "PRICE_L", date_closed=day("1999-01-01")),
        close_code_type=CloseType.LOST,
        work_date=WORK_DATE,
    )
    assert planned.date_of_change == day("1999-01-01")


def test_close_several_faults_report_in_spec_order():
    faults = {"date_closed": EARLIER - dt.timedelta(days=1), "sales_value": D(0)}
    refused("close.won_or_lost_required", close, outcome="x", code=None, code_type=CloseType.LOST, **faults)
    refused("close.code_required", close, code=None, code_type=CloseType.LOST, **faults)
    refused("close.code_not_found", close, code="NOPE", code_type=None, **faults)
    refused("close.code_type_mismatch", close, code_type=CloseType.LOST, **faults)
    refused("close.date_before_previous", close, **faults)
    refused("close.sales_not_positive", close, sales_value=D(0))
