"""Estimate recalculation (spec §4.6), proposals and the Update wizard's opening state (§4.5.1, D6, D15), first-stage
activation (§4.4) and the closing entry (§4.8.4). Pure engine tests: no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from salescycle.core.dates import calc_date
from salescycle.opportunities.choices import ActionTaken, ActionType, CloseType, ProbabilityCalculation
from salescycle.opportunities.engine import (
    CloseRequest,
    Cycle,
    UpdateRequest,
    candidate_stage_lists,
    default_date_of_change,
    plan_close,
    plan_first_stage,
    plan_update,
    probability,
    propose,
    recalculate_estimates,
    update_options,
)
from salescycle.opportunities.tests.engine_fixtures import (
    EXISTING,
    NEW,
    WORK_DATE,
    D,
    at,
    day,
    existing_cycle,
    new_cycle,
    stage,
)

A = ActionType
PC = ProbabilityCalculation


def one_stage_cycle(method: str, *, completed="50", chances="40", formula="") -> Cycle:
    return Cycle(code="X", probability_calculation=method, stages=(stage(1, completed, chances, formula=formula),))


def recalc(cycle: Cycle, **kwargs: Any) -> Any:
    defaults: dict[str, Any] = {
        "stage": 1,
        "action_taken": ActionTaken.NEXT,
        "action_type": A.NEXT,
        "date_of_change": WORK_DATE,
        "estimated_value": D(10000),
        "chances_of_success_pct": D(0),
        "estimated_close_date": None,
    }
    defaults.update(kwargs)
    return recalculate_estimates(cycle, **defaults)


# --- §4.6 worked numbers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "prob", "calcd"),
    [
        (PC.MULTIPLY, "20", "2000"),
        (PC.ADD, "45", "4500"),
        (PC.CHANCES_OF_SUCCESS, "40", "4000"),
        (PC.COMPLETED, "50", "5000"),
    ],
)
def test_worked_numbers_of_each_probability_method(method, prob, calcd):
    est = recalc(one_stage_cycle(method), chances_of_success_pct=D(40))
    assert est.chances_of_success_pct == D(40)
    assert est.completed_pct == D(50)
    assert est.probability_pct == D(prob)
    assert est.calculated_current_value == D(calcd)
    assert est.estimated_value == D(10000)


def test_add_keeps_decimals_exactly():
    est = recalc(one_stage_cycle(PC.ADD), chances_of_success_pct=D(33))
    assert est.probability_pct == Decimal("41.5")
    assert est.calculated_current_value == Decimal("4150")
    assert isinstance(est.probability_pct, Decimal)
    assert isinstance(est.calculated_current_value, Decimal)


def test_probability_function_directly():
    assert probability(PC.MULTIPLY, D(40), D(50)) == D(20)
    assert probability(PC.ADD, D(33), D(50)) == Decimal("41.5")
    assert probability(PC.CHANCES_OF_SUCCESS, D(40), D(50)) == D(40)
    assert probability(PC.COMPLETED, D(40), D(50)) == D(50)


def test_api_v2_example_multiply_200000_chances_15_completed_2():
    cycle = one_stage_cycle(PC.MULTIPLY, completed="2", chances="15")
    est = recalc(cycle, estimated_value=D(200000), chances_of_success_pct=D(15))
    assert est.probability_pct == Decimal("0.3")
    assert est.calculated_current_value == D(600)


# --- §4.6 step 1.1 chances ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("action_type", [A.SKIP, A.JUMP])
def test_skip_and_jump_overwrite_typed_chances_with_the_stage_chances(action_type):
    est = recalc(one_stage_cycle(PC.CHANCES_OF_SUCCESS), action_type=action_type, chances_of_success_pct=D(70))
    assert est.chances_of_success_pct == D(40)
    assert est.probability_pct == D(40)


@pytest.mark.parametrize("action_type", [A.SKIP, A.JUMP])
def test_skip_and_jump_keep_typed_chances_when_the_stage_chances_are_zero(action_type):
    cycle = one_stage_cycle(PC.CHANCES_OF_SUCCESS, chances="0")
    est = recalc(cycle, action_type=action_type, chances_of_success_pct=D(70))
    assert est.chances_of_success_pct == D(70)


@pytest.mark.parametrize("action_type", [A.NEXT, A.PREVIOUS, A.UPDATE, A.FIRST, None])
def test_other_actions_keep_non_zero_typed_chances(action_type):
    est = recalc(one_stage_cycle(PC.CHANCES_OF_SUCCESS), action_type=action_type, chances_of_success_pct=D(70))
    assert est.chances_of_success_pct == D(70)
    assert est.probability_pct == D(70)


@pytest.mark.parametrize("action_type", [A.NEXT, A.PREVIOUS, A.UPDATE, None])
def test_zero_chances_are_taken_from_the_stage(action_type):
    est = recalc(one_stage_cycle(PC.CHANCES_OF_SUCCESS), action_type=action_type, chances_of_success_pct=D(0))
    assert est.chances_of_success_pct == D(40)


def test_zero_chances_stay_zero_when_the_stage_chances_are_zero_too():
    est = recalc(one_stage_cycle(PC.MULTIPLY, chances="0"), chances_of_success_pct=D(0))
    assert est.chances_of_success_pct == D(0)
    assert est.probability_pct == D(0)
    assert est.calculated_current_value == D(0)


def test_completed_is_always_taken_from_the_stage_even_when_zero():
    est = recalc(one_stage_cycle(PC.COMPLETED, completed="0"), completed_pct=D(80), chances_of_success_pct=D(10))
    assert est.completed_pct == D(0)
    assert est.probability_pct == D(0)


# --- §4.6 step 1.5 estimated close date --------------------------------------------------------------------------


def test_blank_close_date_is_computed_from_the_stage_formula():
    est = recalc(one_stage_cycle(PC.MULTIPLY, formula="+1W"), estimated_close_date=None)
    assert est.estimated_close_date == day("2024-05-22")


def test_close_date_equal_to_date_of_change_is_recomputed():
    est = recalc(one_stage_cycle(PC.MULTIPLY, formula="CM"), estimated_close_date=WORK_DATE)
    assert est.estimated_close_date == day("2024-05-31")


def test_other_close_date_is_kept():
    est = recalc(one_stage_cycle(PC.MULTIPLY, formula="+1W"), estimated_close_date=day("2024-07-01"))
    assert est.estimated_close_date == day("2024-07-01")


def test_blank_formula_gives_the_date_of_change():
    est = recalc(one_stage_cycle(PC.MULTIPLY, formula=""), estimated_close_date=None)
    assert est.estimated_close_date == WORK_DATE


def test_unknown_stage_leaves_figures_untouched():
    est = recalc(
        one_stage_cycle(PC.MULTIPLY),
        stage=99,
        chances_of_success_pct=D(12),
        completed_pct=D(7),
        probability_pct=D(3),
        calculated_current_value=D(1),
        estimated_close_date=None,
    )
    assert (est.chances_of_success_pct, est.completed_pct, est.probability_pct) == (D(12), D(7), D(3))
    assert est.calculated_current_value == D(1)
    assert est.estimated_close_date is None


# --- §4.6 step 2 Won / Lost --------------------------------------------------------------------------------------


def test_won_with_quote_value_takes_the_quote_value_and_100_100_100():
    est = recalculate_estimates(
        EXISTING,
        stage=0,
        action_taken=ActionTaken.WON,
        action_type=None,
        date_of_change=WORK_DATE,
        estimated_value=D(9000),
        chances_of_success_pct=D(55),
        estimated_close_date=WORK_DATE,
        calculated_current_value=D(1234),
        quote_value=D(8765),
    )
    assert est.calculated_current_value == D(8765)
    assert (est.completed_pct, est.chances_of_success_pct, est.probability_pct) == (D(100), D(100), D(100))
    assert est.estimated_value == D(9000)


def test_won_without_quote_keeps_the_typed_sales_value():
    est = recalculate_estimates(
        EXISTING,
        stage=0,
        action_taken=ActionTaken.WON,
        action_type=None,
        date_of_change=WORK_DATE,
        estimated_value=D(9000),
        chances_of_success_pct=D(55),
        estimated_close_date=WORK_DATE,
        calculated_current_value=D(1234),
    )
    assert est.calculated_current_value == D(1234)
    assert (est.completed_pct, est.chances_of_success_pct, est.probability_pct) == (D(100), D(100), D(100))


def test_lost_zeroes_value_chances_and_probability_and_completes():
    est = recalculate_estimates(
        EXISTING,
        stage=0,
        action_taken=ActionTaken.LOST,
        action_type=None,
        date_of_change=WORK_DATE,
        estimated_value=D(450),
        chances_of_success_pct=D(10),
        estimated_close_date=WORK_DATE,
        calculated_current_value=D(99),
        quote_value=D(500),
    )
    assert est.calculated_current_value == D(0)
    assert (est.completed_pct, est.chances_of_success_pct, est.probability_pct) == (D(100), D(0), D(0))
    assert est.estimated_value == D(450)


# --- §4.6 through plan_update ------------------------------------------------------------------------------------


def test_plan_update_skip_overwrites_typed_chances_with_the_target_stage_chances():
    planned = plan_update(
        EXISTING,
        at(1),
        UpdateRequest(A.SKIP, sales_cycle_stage=3, chances_of_success_pct=D(25)),
        work_date=WORK_DATE,
        has_quote=True,
    )
    assert planned.estimate.chances_of_success_pct == D(80)
    assert planned.estimate.completed_pct == D(80)
    assert planned.estimate.probability_pct == D(80)  # Completed % method
    assert planned.estimate.calculated_current_value == D(8000)


def test_plan_update_jump_overwrites_typed_chances_with_the_target_stage_chances():
    planned = plan_update(
        NEW, at(4), UpdateRequest(A.JUMP, sales_cycle_stage=1, chances_of_success_pct=D(25)), work_date=WORK_DATE
    )
    assert planned.estimate.chances_of_success_pct == D(10)
    assert planned.estimate.probability_pct == D(10)  # Chances of Success % method
    assert planned.estimate.calculated_current_value == D(1000)


@pytest.mark.parametrize(("action", "current"), [(A.NEXT, 1), (A.PREVIOUS, 3), (A.UPDATE, 2)])
def test_plan_update_next_previous_update_keep_typed_chances(action, current):
    planned = plan_update(
        NEW, at(current), UpdateRequest(action, chances_of_success_pct=D(25)), work_date=WORK_DATE, has_quote=True
    )
    assert planned.estimate.chances_of_success_pct == D(25)
    assert planned.estimate.probability_pct == D(25)
    assert planned.estimate.calculated_current_value == D(2500)


def test_plan_update_close_date_equal_to_date_of_change_is_recomputed_from_the_target_formula():
    cycle = existing_cycle({2: "+1M"})
    planned = plan_update(cycle, at(1), UpdateRequest(A.NEXT, estimated_close_date=WORK_DATE), work_date=WORK_DATE)
    assert planned.estimate.estimated_close_date == day("2024-06-15")


def test_plan_update_typed_later_close_date_is_kept():
    cycle = existing_cycle({2: "+1M"})
    planned = plan_update(
        cycle, at(1), UpdateRequest(A.NEXT, estimated_close_date=day("2024-05-20")), work_date=WORK_DATE
    )
    assert planned.estimate.estimated_close_date == day("2024-05-20")


# --- proposals and update_options (§4.5.1, D6, D15) -------------------------------------------------------------

FORMULAS = {1: "+2D", 2: "+1W", 3: "CM", 4: "+1M", 5: "CM+1D"}


def test_default_date_of_change_is_the_later_of_active_date_and_work_date():
    assert default_date_of_change(None, WORK_DATE) == WORK_DATE
    assert default_date_of_change(at(1, day("2024-06-01")), WORK_DATE) == day("2024-06-01")
    assert default_date_of_change(at(1, day("2024-01-01")), WORK_DATE) == WORK_DATE


def test_not_started_options_preselect_the_first_stage():
    options = update_options(new_cycle(FORMULAS), None, work_date=WORK_DATE)
    assert options.date_of_change == WORK_DATE
    assert options.default_action_type is A.FIRST
    assert set(options.proposals) == {A.FIRST}
    assert options.proposed is not None
    assert options.proposed.sales_cycle_stage == 1
    assert options.proposed.chances_of_success_pct == D(10)
    assert options.proposed.estimated_value == D(0)
    assert options.proposed.estimated_close_date == day("2024-05-17")


def test_options_of_a_started_opportunity_propose_for_each_available_action():
    cycle = new_cycle(FORMULAS)
    active = at(2, day("2024-05-01"), value=7000)
    options = update_options(cycle, active, work_date=WORK_DATE)
    assert options.date_of_change == WORK_DATE
    assert options.default_action_type is A.NEXT
    assert list(options.proposals) == [A.NEXT, A.UPDATE, A.PREVIOUS, A.SKIP]
    expected = {
        A.NEXT: (3, D(50), day("2024-05-31")),
        A.UPDATE: (2, D(20), day("2024-05-22")),
        A.PREVIOUS: (1, D(10), day("2024-05-17")),
        A.SKIP: (3, D(50), day("2024-05-31")),
    }
    for action, (stage_no, chances, close) in expected.items():
        proposal = options.proposals[action]
        assert proposal.action_type is action
        assert proposal.sales_cycle_stage == stage_no
        assert proposal.chances_of_success_pct == chances
        assert proposal.estimated_close_date == close
        assert proposal.estimated_value == D(7000)
    assert options.proposed == options.proposals[A.NEXT]


def test_options_date_of_change_is_the_active_date_when_later_than_the_work_date():
    options = update_options(new_cycle(FORMULAS), at(3, day("2024-06-30")), work_date=WORK_DATE)
    assert options.date_of_change == day("2024-06-30")
    assert options.proposals[A.NEXT].estimated_close_date == day("2024-07-30")  # stage 4: +1M


def test_options_with_an_explicit_date_of_change():
    options = update_options(
        new_cycle(FORMULAS), at(3, day("2024-05-01")), work_date=WORK_DATE, date_of_change=day("2024-05-20")
    )
    assert options.date_of_change == day("2024-05-20")
    assert options.proposals[A.UPDATE].estimated_close_date == day("2024-05-31")


def test_options_estimated_value_comes_from_the_quote_when_given():
    options = update_options(EXISTING, at(2, value=7000), work_date=WORK_DATE, quote_value=D("1234.50"))
    assert {p.estimated_value for p in options.proposals.values()} == {Decimal("1234.50")}


def test_options_jump_proposes_the_previous_stage():
    options = update_options(existing_cycle(FORMULAS), at(4), work_date=WORK_DATE)
    assert list(options.proposals) == [A.UPDATE, A.PREVIOUS, A.JUMP]
    assert options.proposals[A.JUMP].sales_cycle_stage == 3
    assert options.proposals[A.JUMP].chances_of_success_pct == D(80)
    assert options.proposals[A.JUMP].estimated_close_date == day("2024-05-31")


def test_options_of_a_cycle_without_stages_are_empty():
    options = update_options(Cycle("EMPTY"), None, work_date=WORK_DATE)
    assert options.default_action_type is None
    assert options.proposed is None
    assert options.proposals == {}


def test_propose_for_a_chosen_skip_target_uses_that_stage():
    cycle = new_cycle(FORMULAS)
    lists = candidate_stage_lists(cycle, at(2))
    proposal = propose(cycle, at(2), A.SKIP, date_of_change=WORK_DATE, lists=lists, target=4)
    assert proposal is not None
    assert proposal.sales_cycle_stage == 4
    assert proposal.chances_of_success_pct == D(75)
    assert proposal.estimated_close_date == calc_date("+1M", WORK_DATE)


def test_propose_returns_none_when_the_action_has_no_stage():
    lists = candidate_stage_lists(EXISTING, at(4))
    assert propose(EXISTING, at(4), A.NEXT, date_of_change=WORK_DATE, lists=lists) is None


def test_plan_update_omitted_values_take_the_proposals_for_the_chosen_stage():
    cycle = new_cycle(FORMULAS)
    planned = plan_update(
        cycle,
        at(2, day("2024-05-01"), value=7000),
        UpdateRequest(A.SKIP, sales_cycle_stage=4),
        work_date=WORK_DATE,
        has_quote=True,
    )
    assert planned.date_of_change == WORK_DATE
    assert planned.estimate.estimated_value == D(7000)
    assert planned.estimate.chances_of_success_pct == D(75)
    assert planned.estimate.estimated_close_date == day("2024-06-15")
    assert planned.action_taken == ActionTaken.JUMPED


def test_plan_update_estimated_value_from_the_quote_unless_typed():
    planned = plan_update(EXISTING, at(1, value=7000), UpdateRequest(A.NEXT), work_date=WORK_DATE, quote_value=D(4321))
    assert planned.estimate.estimated_value == D(4321)
    typed = plan_update(
        EXISTING,
        at(1, value=7000),
        UpdateRequest(A.NEXT, estimated_value=D(100)),
        work_date=WORK_DATE,
        quote_value=D(4321),
    )
    assert typed.estimate.estimated_value == D(100)


def test_plan_update_date_of_change_defaults_to_the_later_of_active_date_and_work_date():
    later = day("2024-06-01")
    planned = plan_update(EXISTING, at(1, later), UpdateRequest(A.NEXT), work_date=WORK_DATE)
    assert planned.date_of_change == later
    planned = plan_update(EXISTING, at(1, day("2024-01-01")), UpdateRequest(A.NEXT), work_date=WORK_DATE)
    assert planned.date_of_change == WORK_DATE


def test_plan_update_equal_date_of_change_is_allowed():
    active = at(1, WORK_DATE)
    planned = plan_update(EXISTING, active, UpdateRequest(A.NEXT, date_of_change=WORK_DATE), work_date=WORK_DATE)
    assert planned.date_of_change == WORK_DATE


# --- §4.4 first-stage activation ----------------------------------------------------------------------------------


def test_activate_first_stage_action_values():
    cycle = new_cycle({1: "+2D"})
    planned = plan_first_stage(cycle, date_of_change=WORK_DATE)
    assert planned.sales_cycle_stage == 1
    assert planned.sales_cycle_stage_description == "Initial"
    assert planned.previous_sales_cycle_stage == 0
    assert planned.action_taken == ActionTaken.FIRST
    assert planned.date_of_change == WORK_DATE
    assert planned.estimate.estimated_value == D(0)
    assert planned.estimate.chances_of_success_pct == D(10)
    assert planned.estimate.completed_pct == D(2)
    assert planned.estimate.probability_pct == D(10)
    assert planned.estimate.calculated_current_value == D(0)
    assert planned.estimate.estimated_close_date == day("2024-05-17")
    assert planned.create_stage_tasks is True
    assert planned.cancel_old_tasks is False
    assert planned.activity_code == "INIT"


def test_activate_first_stage_with_blank_formula_closes_on_the_date_of_change():
    planned = plan_first_stage(EXISTING, date_of_change=WORK_DATE)
    assert planned.estimate.estimated_close_date == WORK_DATE


def test_activate_first_stage_on_a_gapped_cycle_uses_the_lowest_stage():
    cycle = Cycle("G", stages=(stage(30, 60, 60), stage(10, 5, 15, formula="CM")))
    planned = plan_first_stage(cycle, date_of_change=WORK_DATE)
    assert planned.sales_cycle_stage == 10
    assert planned.estimate.chances_of_success_pct == D(15)
    assert planned.estimate.estimated_close_date == day("2024-05-31")


def test_creation_wizard_activation_uses_the_wizard_values():
    cycle = existing_cycle({1: "+1W"})
    planned = plan_first_stage(
        cycle,
        date_of_change=WORK_DATE,
        estimated_value=D(10000),
        chances_of_success_pct=D(25),
        estimated_close_date=day("2024-08-01"),
    )
    assert planned.estimate.estimated_value == D(10000)
    assert planned.estimate.chances_of_success_pct == D(25)
    assert planned.estimate.completed_pct == D(2)
    assert planned.estimate.probability_pct == D(2)  # Completed % method
    assert planned.estimate.calculated_current_value == D(200)
    assert planned.estimate.estimated_close_date == day("2024-08-01")


def test_creation_wizard_close_date_equal_to_creation_date_is_recomputed():
    planned = plan_first_stage(
        existing_cycle({1: "+1W"}),
        date_of_change=WORK_DATE,
        estimated_value=D(100),
        chances_of_success_pct=D(25),
        estimated_close_date=WORK_DATE,
    )
    assert planned.estimate.estimated_close_date == day("2024-05-22")


# --- §4.8.4 closing entry -----------------------------------------------------------------------------------------


def close(active, outcome, code="C", *, code_type=None, **kwargs):
    request_kwargs = {k: kwargs.pop(k) for k in ("date_closed", "sales_value", "cancel_old_tasks") if k in kwargs}
    return plan_close(
        EXISTING,
        active,
        CloseRequest(outcome, code, **request_kwargs),
        close_code_type=code_type if code_type is not None else outcome,
        work_date=kwargs.pop("work_date", WORK_DATE),
        **kwargs,
    )


def test_won_closing_entry_with_typed_sales_value():
    active = at(4, day("2024-05-01"), value=9000, chances=95)
    planned = close(active, CloseType.WON, "BUSINESS_W", sales_value=D(8500), date_closed=day("2024-05-10"))
    assert planned.sales_cycle_stage == 0
    assert planned.sales_cycle_stage_description == ""
    assert planned.previous_sales_cycle_stage == 4
    assert planned.action_taken == ActionTaken.WON
    assert planned.is_closing
    assert planned.date_of_change == day("2024-05-10")
    assert planned.date_closed == day("2024-05-10")
    assert planned.estimate.estimated_close_date == day("2024-05-10")
    assert planned.estimate.estimated_value == D(9000)
    assert planned.estimate.calculated_current_value == D(8500)
    assert planned.estimate.completed_pct == D(100)
    assert planned.estimate.chances_of_success_pct == D(100)
    assert planned.estimate.probability_pct == D(100)
    assert planned.close_opportunity_code == "BUSINESS_W"
    assert planned.create_stage_tasks is False
    assert planned.cancel_old_tasks is True  # default for closing (D7)


def test_won_with_quote_value_wins_over_typed_sales_value():
    planned = close(at(3), CloseType.WON, sales_value=D(8500), quote_value=D(7777))
    assert planned.estimate.calculated_current_value == D(7777)


def test_won_with_quote_value_and_no_typed_sales_value():
    planned = close(at(3), CloseType.WON, quote_value=D(7777))
    assert planned.estimate.calculated_current_value == D(7777)


def test_lost_closing_entry():
    active = at(1, day("2024-05-01"), value=450, chances=10)
    planned = close(active, CloseType.LOST, "BUSINESS_L", sales_value=D(300), cancel_old_tasks=False)
    assert planned.sales_cycle_stage == 0
    assert planned.previous_sales_cycle_stage == 1
    assert planned.action_taken == ActionTaken.LOST
    assert planned.date_of_change == WORK_DATE
    assert planned.date_closed == WORK_DATE
    assert planned.estimate.estimated_close_date == WORK_DATE
    assert planned.estimate.estimated_value == D(450)
    assert planned.estimate.calculated_current_value == D(0)
    assert planned.estimate.completed_pct == D(100)
    assert planned.estimate.chances_of_success_pct == D(0)
    assert planned.estimate.probability_pct == D(0)
    assert planned.cancel_old_tasks is False


def test_closing_date_defaults_to_the_later_of_active_date_and_work_date():
    assert close(at(2, day("2024-06-01")), CloseType.LOST).date_of_change == day("2024-06-01")
    assert close(at(2, day("2024-01-01")), CloseType.LOST).date_of_change == WORK_DATE


def test_closing_a_not_started_opportunity():
    planned = close(None, CloseType.LOST, work_date=day("2024-02-02"))
    assert planned.sales_cycle_stage == 0
    assert planned.previous_sales_cycle_stage == 0
    assert planned.date_of_change == day("2024-02-02")
    assert planned.date_closed == day("2024-02-02")
    assert planned.estimate.estimated_value == D(0)
    assert planned.estimate.probability_pct == D(0)
    won = close(None, CloseType.WON, sales_value=D(50))
    assert won.estimate.calculated_current_value == D(50)
    assert won.estimate.probability_pct == D(100)


def test_closing_without_cycle_is_possible():
    planned = plan_close(
        None, at(2), CloseRequest(CloseType.LOST, "X"), close_code_type=CloseType.LOST, work_date=WORK_DATE
    )
    assert planned.action_taken == ActionTaken.LOST


def test_closing_on_the_date_of_the_last_change_is_allowed():
    active = at(2, day("2024-05-01"))
    planned = close(active, CloseType.LOST, date_closed=day("2024-05-01"), work_date=day("2024-04-01"))
    assert planned.date_of_change == dt.date(2024, 5, 1)
