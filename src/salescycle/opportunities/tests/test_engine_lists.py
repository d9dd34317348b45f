"""Candidate stage lists, option availability, default action, target stage and Action Taken (spec §4.5.2, §4.5.3,
§7 "Derived navigation", D5, D7). Pure engine tests: no database."""

from __future__ import annotations

import pytest

from salescycle.opportunities.choices import ActionTaken, ActionType
from salescycle.opportunities.engine import (
    Cycle,
    StageLists,
    UpdateRequest,
    action_taken_for,
    candidate_stage_lists,
    default_target_stage,
    plan_update,
)
from salescycle.opportunities.tests.engine_fixtures import EMPTY, EXISTING, NEW, WORK_DATE, D, at, stage

A = ActionType
FIRST, NEXT, PREVIOUS, SKIP, UPDATE, JUMP = A.FIRST, A.NEXT, A.PREVIOUS, A.SKIP, A.UPDATE, A.JUMP


# --- §7 "Derived navigation", every stage of both demo cycles -----------------------------------------------------

EXISTING_NAVIGATION = {
    1: (StageLists(next=(2,), skip=(2, 3), update=(1,)), (NEXT, UPDATE, SKIP)),
    2: (StageLists(next=(3,), previous=(1,), update=(2,), jump=(1,)), (NEXT, UPDATE, PREVIOUS)),
    3: (StageLists(next=(4,), previous=(2,), update=(3,), jump=(1, 2)), (NEXT, UPDATE, PREVIOUS, JUMP)),
    4: (StageLists(previous=(3,), update=(4,), jump=(1, 2, 3)), (UPDATE, PREVIOUS, JUMP)),
}

NEW_NAVIGATION = {
    1: (StageLists(next=(2,), update=(1,)), (NEXT, UPDATE)),
    2: (StageLists(next=(3,), previous=(1,), skip=(3, 4), update=(2,), jump=(1,)), (NEXT, UPDATE, PREVIOUS, SKIP)),
    3: (StageLists(next=(4,), previous=(2,), update=(3,), jump=(1, 2)), (NEXT, UPDATE, PREVIOUS, JUMP)),
    4: (StageLists(next=(5,), previous=(3,), update=(4,), jump=(1, 2, 3)), (NEXT, UPDATE, PREVIOUS, JUMP)),
    5: (StageLists(previous=(4,), update=(5,), jump=(1, 2, 3, 4)), (UPDATE, PREVIOUS, JUMP)),
}


@pytest.mark.parametrize(("current", "expected"), EXISTING_NAVIGATION.items(), ids=lambda v: str(v))
def test_existing_cycle_lists_and_available_actions_match_derived_navigation(current, expected):
    lists, available = expected
    result = candidate_stage_lists(EXISTING, at(current))
    assert result == lists
    assert result.available == available
    assert result.default_action_type is available[0]


@pytest.mark.parametrize(("current", "expected"), NEW_NAVIGATION.items(), ids=lambda v: str(v))
def test_new_cycle_lists_and_available_actions_match_derived_navigation(current, expected):
    lists, available = expected
    result = candidate_stage_lists(NEW, at(current))
    assert result == lists
    assert result.available == available
    assert result.default_action_type is available[0]


@pytest.mark.parametrize("cycle", [EXISTING, NEW], ids=["EXISTING", "NEW"])
def test_not_started_opportunity_offers_only_first_with_the_first_stage(cycle):
    lists = candidate_stage_lists(cycle, None)
    assert lists == StageLists(first=(1,))
    assert lists.available == (FIRST,)
    assert lists.default_action_type is FIRST


@pytest.mark.parametrize("active", [None, at(1)], ids=["not_started", "started"])
def test_cycle_without_stages_has_all_lists_empty_and_no_default_action(active):
    lists = candidate_stage_lists(EMPTY, active)
    assert lists == StageLists()
    assert lists.available == ()
    assert lists.default_action_type is None


def test_first_list_of_a_started_opportunity_is_empty():
    assert candidate_stage_lists(EXISTING, at(2)).first == ()


# --- gaps in stage numbers ------------------------------------------------------------------------------------------

GAPPED = Cycle(
    code="GAPS",
    stages=(
        stage(40, 90, 90, skip=False),
        stage(10, 10, 10, skip=True),  # given out of order on purpose: the cycle sorts by stage number
        stage(20, 40, 40, skip=True),
    ),
)


def test_cycle_sorts_stages_by_number():
    assert GAPPED.stage_numbers == (10, 20, 40)


def test_gapped_cycle_not_started_first_is_the_lowest_stage_number():
    assert candidate_stage_lists(GAPPED, None) == StageLists(first=(10,))


def test_gapped_cycle_lists_use_neighbouring_numbers_not_plus_or_minus_one():
    assert candidate_stage_lists(GAPPED, at(10)) == StageLists(next=(20,), skip=(20, 40), update=(10,))
    assert candidate_stage_lists(GAPPED, at(20)) == StageLists(
        next=(40,), previous=(10,), skip=(), update=(20,), jump=(10,)
    )
    assert candidate_stage_lists(GAPPED, at(40)) == StageLists(previous=(20,), update=(40,), jump=(10, 20))


def test_gapped_cycle_availability():
    assert candidate_stage_lists(GAPPED, at(10)).available == (NEXT, UPDATE, SKIP)
    # Stage 40 forbids skipping: nothing to skip from 20; Jump [10] has a single stage.
    assert candidate_stage_lists(GAPPED, at(20)).available == (NEXT, UPDATE, PREVIOUS)
    assert candidate_stage_lists(GAPPED, at(40)).available == (UPDATE, PREVIOUS, JUMP)


# --- Skip list construction -----------------------------------------------------------------------------------------


def test_skip_list_is_empty_when_the_next_stage_forbids_skipping_even_if_later_stages_allow_it():
    cycle = Cycle("C", stages=(stage(1, 0, 0), stage(2, 0, 0, skip=False), stage(3, 0, 0, skip=True)))
    assert candidate_stage_lists(cycle, at(1)).skip == ()


def test_skip_list_stops_after_the_first_stage_that_forbids_skipping():
    cycle = Cycle(
        "C",
        stages=(
            stage(1, 0, 0),
            stage(2, 0, 0, skip=True),
            stage(3, 0, 0, skip=True),
            stage(4, 0, 0, skip=False),
            stage(5, 0, 0, skip=True),
        ),
    )
    assert candidate_stage_lists(cycle, at(1)).skip == (2, 3, 4)


def test_skip_list_runs_to_the_end_of_the_cycle_when_every_following_stage_is_skippable():
    cycle = Cycle("C", stages=(stage(1, 0, 0), stage(2, 0, 0, skip=True), stage(3, 0, 0, skip=True)))
    assert candidate_stage_lists(cycle, at(1)).skip == (2, 3)


def test_skip_with_a_single_stage_list_is_not_available():
    cycle = Cycle("C", stages=(stage(1, 0, 0), stage(2, 0, 0), stage(3, 0, 0, skip=True)))
    lists = candidate_stage_lists(cycle, at(2))
    assert lists.skip == (3,)
    assert not lists.is_available(SKIP)
    assert SKIP not in lists.available


def test_jump_with_a_single_stage_list_is_not_available_but_with_two_it_is():
    assert not candidate_stage_lists(EXISTING, at(2)).is_available(JUMP)
    assert candidate_stage_lists(EXISTING, at(3)).is_available(JUMP)


def test_single_stage_cycle_offers_only_update_once_started():
    cycle = Cycle("ONE", stages=(stage(7, 50, 50, skip=True),))
    lists = candidate_stage_lists(cycle, at(7))
    assert lists == StageLists(update=(7,))
    assert lists.available == (UPDATE,)


def test_default_action_order_is_first_next_update_previous_skip_jump():
    lists = StageLists(first=(1,), next=(2,), previous=(1,), skip=(2, 3), update=(2,), jump=(1, 2))
    assert lists.available == (FIRST, NEXT, UPDATE, PREVIOUS, SKIP, JUMP)
    assert lists.default_action_type is FIRST
    assert StageLists(previous=(1,), skip=(2, 3), jump=(1, 2)).default_action_type is PREVIOUS
    assert StageLists(skip=(2, 3), jump=(1, 2)).default_action_type is SKIP
    assert StageLists(skip=(2,), jump=(1, 2)).default_action_type is JUMP
    assert StageLists(skip=(2,), jump=(1,)).default_action_type is None


# --- §4.5.3 target stage defaults -----------------------------------------------------------------------------------


def test_default_target_of_skip_is_the_next_stage():
    lists = candidate_stage_lists(NEW, at(2))
    assert default_target_stage(SKIP, lists) == 3


def test_default_target_of_jump_is_the_last_element_the_previous_stage():
    lists = candidate_stage_lists(NEW, at(5))
    assert lists.jump == (1, 2, 3, 4)
    assert default_target_stage(JUMP, lists) == 4


@pytest.mark.parametrize(
    ("action", "current", "expected"),
    [(NEXT, 2, 3), (PREVIOUS, 2, 1), (UPDATE, 2, 2), (JUMP, 4, 3), (SKIP, 1, 2)],
)
def test_default_target_of_other_actions(action, current, expected):
    assert default_target_stage(action, candidate_stage_lists(EXISTING, at(current))) == expected


def test_default_target_of_first_is_the_first_stage():
    assert default_target_stage(FIRST, candidate_stage_lists(NEW, None)) == 1


def test_default_target_is_none_for_an_empty_list():
    assert default_target_stage(NEXT, candidate_stage_lists(EXISTING, at(4))) is None


# --- §4.5.3 Action Taken mapping ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "current", "target", "expected"),
    [
        (FIRST, None, 1, ActionTaken.FIRST),
        (NEXT, 1, 2, ActionTaken.NEXT),
        (PREVIOUS, 3, 2, ActionTaken.PREVIOUS),
        (UPDATE, 2, 2, ActionTaken.UPDATED),
        (SKIP, 1, 3, ActionTaken.JUMPED),
        (SKIP, 1, 2, ActionTaken.NEXT),  # Skip to the adjacent stage records Next (D5)
        (JUMP, 4, 1, ActionTaken.JUMPED),
        (JUMP, 4, 2, ActionTaken.JUMPED),
        (JUMP, 4, 3, ActionTaken.PREVIOUS),  # Jump to the adjacent stage records Previous (D5)
    ],
)
def test_action_taken_mapping(action, current, target, expected):
    lists = candidate_stage_lists(EXISTING, at(current) if current else None)
    assert action_taken_for(action, target, lists) == expected


@pytest.mark.parametrize(
    ("active", "action", "target", "expected"),
    [
        (None, FIRST, None, ActionTaken.FIRST),
        (at(1), NEXT, None, ActionTaken.NEXT),
        (at(3), PREVIOUS, None, ActionTaken.PREVIOUS),
        (at(2), UPDATE, None, ActionTaken.UPDATED),
        (at(1), SKIP, None, ActionTaken.NEXT),
        (at(1), SKIP, 2, ActionTaken.NEXT),
        (at(1), SKIP, 3, ActionTaken.JUMPED),
        (at(4), JUMP, None, ActionTaken.PREVIOUS),
        (at(4), JUMP, 3, ActionTaken.PREVIOUS),
        (at(4), JUMP, 1, ActionTaken.JUMPED),
    ],
)
def test_plan_update_records_the_mapped_action_taken(active, action, target, expected):
    planned = plan_update(
        EXISTING,
        active,
        UpdateRequest(action, sales_cycle_stage=target, estimated_value=D(500)),
        work_date=WORK_DATE,
        has_quote=True,
    )
    assert planned.action_taken == expected


def test_skip_to_adjacent_stage_on_gapped_cycle_records_next():
    lists = candidate_stage_lists(GAPPED, at(10))
    assert action_taken_for(SKIP, 20, lists) == ActionTaken.NEXT
    assert action_taken_for(SKIP, 40, lists) == ActionTaken.JUMPED


def test_jump_to_adjacent_stage_on_gapped_cycle_records_previous():
    lists = candidate_stage_lists(GAPPED, at(40))
    assert action_taken_for(JUMP, 20, lists) == ActionTaken.PREVIOUS
    assert action_taken_for(JUMP, 10, lists) == ActionTaken.JUMPED


# --- §4.5.3 / §4.5.6 / D7 task flags ---------------------------------------------------------------------------------

TASK_CASES = [
    (None, FIRST, None),
    (at(1), NEXT, None),
    (at(3), PREVIOUS, None),
    (at(1), SKIP, 3),
    (at(2), UPDATE, None),
    (at(4), JUMP, 1),
]


@pytest.mark.parametrize(("active", "action", "target"), TASK_CASES, ids=[c[1].value for c in TASK_CASES])
@pytest.mark.parametrize("cancel", [True, False])
def test_cancel_old_tasks_is_forced_false_for_first_and_update_and_passed_through_otherwise(
    active, action, target, cancel
):
    planned = plan_update(
        EXISTING,
        active,
        UpdateRequest(action, sales_cycle_stage=target, estimated_value=D(500), cancel_old_tasks=cancel),
        work_date=WORK_DATE,
        has_quote=True,
    )
    if action in (FIRST, UPDATE):
        assert planned.cancel_old_tasks is False
    else:
        assert planned.cancel_old_tasks is cancel


@pytest.mark.parametrize(("active", "action", "target"), TASK_CASES, ids=[c[1].value for c in TASK_CASES])
def test_create_stage_tasks_is_false_only_for_update(active, action, target):
    planned = plan_update(
        EXISTING,
        active,
        UpdateRequest(action, sales_cycle_stage=target, estimated_value=D(500)),
        work_date=WORK_DATE,
        has_quote=True,
    )
    assert planned.create_stage_tasks is (action is not UPDATE)


def test_planned_entry_carries_target_stage_description_activity_and_previous_stage():
    planned = plan_update(
        EXISTING, at(1), UpdateRequest(SKIP, sales_cycle_stage=3), work_date=WORK_DATE, has_quote=True
    )
    assert planned.sales_cycle_stage == 3
    assert planned.sales_cycle_stage_description == "Proposal"
    assert planned.activity_code == "PROPOSAL"
    assert planned.previous_sales_cycle_stage == 1
    assert planned.close_opportunity_code is None
    assert planned.date_closed is None
    assert not planned.is_closing


def test_first_via_update_has_previous_stage_zero():
    planned = plan_update(NEW, None, UpdateRequest(FIRST, estimated_value=D(100)), work_date=WORK_DATE)
    assert planned.sales_cycle_stage == 1
    assert planned.previous_sales_cycle_stage == 0
    assert planned.action_taken == ActionTaken.FIRST


def test_action_type_accepts_its_string_value():
    planned = plan_update(EXISTING, at(3), UpdateRequest("jump", sales_cycle_stage=1), work_date=WORK_DATE)
    assert planned.sales_cycle_stage == 1
    assert planned.action_taken == ActionTaken.JUMPED
