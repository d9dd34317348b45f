"""Property tests of the pure engine: random cycles and random sequences of wizard actions applied to an in-memory
ledger of entries (spec §4.4–§4.8, D4, D5, D7, D10, D11). No database.

The simulator starts Not Started, applies plan_first_stage / plan_update / plan_close, and on success deactivates the
active entry (Days Open = new Date of Change − old Date of Change) and appends the new entry as the active one (§4.7).
A refusal must leave the ledger unchanged and carry the code that an independent reference of the validation order
(§4.5.4, §4.8.3) predicts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar, cast

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from salescycle.core.dates import calc_date
from salescycle.core.errors import DomainError
from salescycle.opportunities.choices import ActionTaken, ActionType, CloseType, ProbabilityCalculation
from salescycle.opportunities.engine import (
    CloseRequest,
    Cycle,
    EntryState,
    PlannedEntry,
    Stage,
    UpdateRequest,
    candidate_stage_lists,
    plan_close,
    plan_first_stage,
    plan_update,
    probability,
)

BASE_DATE = dt.date(2024, 1, 10)
FORMULAS = ["", "+1W", "+2D", "CM", "+1M"]
T = TypeVar("T")
ZERO, HUNDRED = Decimal(0), Decimal(100)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL_SETTINGS = settings(SETTINGS, max_examples=100)

percent = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
amount = st.decimals(min_value=-100, max_value=100000, places=2, allow_nan=False, allow_infinity=False)
positive_amount = st.decimals(
    min_value=Decimal("0.01"), max_value=100000, places=2, allow_nan=False, allow_infinity=False
)


@st.composite
def cycles(draw, min_stages: int = 1, max_stages: int = 6) -> Cycle:
    count = draw(st.integers(min_stages, max_stages))
    gaps = draw(st.lists(st.integers(1, 10), min_size=count, max_size=count))
    numbers, number = [], 0
    for gap in gaps:
        number += gap
        numbers.append(number)
    stages = tuple(
        Stage(
            stage=n,
            description=f"S{n}",
            completed_pct=draw(percent),
            chances_of_success_pct=draw(percent),
            date_formula=draw(st.sampled_from(FORMULAS)),
            quote_required=draw(st.booleans()),
            allow_skip=draw(st.booleans()),
        )
        for n in numbers
    )
    method = draw(st.sampled_from(list(ProbabilityCalculation)))
    return Cycle(code="RND", probability_calculation=method, stages=draw(st.permutations(stages)))


def weighted(draw, options: dict[str, int]) -> str:
    return draw(st.sampled_from([name for name, weight in options.items() for _ in range(weight)]))


@st.composite
def steps(draw, numbers: tuple[int, ...] = ()) -> dict:
    """One wizard call with random inputs; mostly plausible values so that many calls succeed."""
    has_quote = draw(st.booleans())
    stage_kind = weighted(draw, {"none": 5, "cycle": 4, "any": 1})
    value_kind = weighted(draw, {"none": 4, "positive": 4, "any": 1})
    chances_kind = weighted(draw, {"none": 4, "percent": 5, "over": 1})
    return {
        "kind": weighted(draw, {"first": 1, "update": 5, "close": 1}),
        "action": draw(st.sampled_from([*ActionType, *ActionType, *ActionType, "garbage", None])),
        "stage": {
            "none": None,
            "cycle": draw(st.sampled_from(numbers)) if numbers else None,
            "any": draw(st.integers(0, 65)),
        }[stage_kind],
        "date_delta": draw(st.none() | st.integers(-3, -1) | st.integers(0, 20)),
        "work_delta": draw(st.integers(-5, 20)),
        "value": {"none": None, "positive": draw(positive_amount), "any": draw(amount)}[value_kind],
        "chances": {"none": None, "percent": draw(percent), "over": Decimal(101)}[chances_kind],
        "close_delta": draw(st.none() | st.integers(-3, 60)),
        "cancel": draw(st.booleans()),
        "has_quote": has_quote,
        "quote_value": draw(st.none() | amount) if has_quote else None,
        "outcome": draw(st.sampled_from([CloseType.WON, CloseType.LOST, CloseType.WON, CloseType.LOST, None, "x"])),
        "code": draw(st.sampled_from(["CODE", "CODE", "CODE", "", None])),
        "code_type": weighted(draw, {"matching": 4, CloseType.WON: 1, CloseType.LOST: 1, "unknown": 1}),
        # "smart" steps pick an available action and a stage of its list at run time (pick_* index into them).
        "smart": draw(st.booleans()),
        "pick_action": draw(st.integers(0, 1000)),
        "pick_stage": draw(st.none() | st.integers(0, 1000)),
        "sales_value": draw(st.none() | amount),
    }


def cycles_and_steps(max_steps: int = 15, min_steps: int = 0):
    return cycles().flatmap(
        lambda c: st.tuples(st.just(c), st.lists(steps(c.stage_numbers), min_size=min_steps, max_size=max_steps))
    )


# --- the simulator ----------------------------------------------------------------------------------------------


@dataclass
class Row:
    entry: PlannedEntry
    active: bool = True
    days_open: int = 0


class Ledger:
    def __init__(self) -> None:
        self.rows: list[Row] = []

    @property
    def active_row(self) -> Row | None:
        return self.rows[-1] if self.rows else None

    @property
    def is_closed(self) -> bool:
        return bool(self.rows) and self.rows[-1].entry.is_closing

    def active_state(self) -> EntryState | None:
        row = self.active_row
        if row is None:
            return None
        e = row.entry
        return EntryState(
            sales_cycle_stage=e.sales_cycle_stage,
            date_of_change=e.date_of_change,
            estimated_value=e.estimate.estimated_value,
            chances_of_success_pct=e.estimate.chances_of_success_pct,
            estimated_close_date=e.estimate.estimated_close_date,
            action_taken=e.action_taken,
        )

    def insert(self, entry: PlannedEntry) -> None:
        old = self.active_row
        if old is not None:
            old.active = False
            old.days_open = (entry.date_of_change - old.entry.date_of_change).days
        self.rows.append(Row(entry))

    def snapshot(self) -> list[tuple[PlannedEntry, bool, int]]:
        return [(r.entry, r.active, r.days_open) for r in self.rows]


# --- an independent reference of the lists and the validation order --------------------------------------------


def ref_lists(cycle: Cycle, current: int | None) -> dict[ActionType, list[int]]:
    numbers = sorted(s.stage for s in cycle.stages)
    by_no = {s.stage: s for s in cycle.stages}
    if not numbers:
        return {a: [] for a in ActionType}
    if current is None:
        return {**{a: [] for a in ActionType}, ActionType.FIRST: [numbers[0]]}
    after = [n for n in numbers if n > current]
    before = [n for n in numbers if n < current]
    skip: list[int] = []
    if after and by_no[after[0]].allow_skip:
        i = 0
        while i < len(after):
            skip.append(after[i])
            if not by_no[after[i]].allow_skip:
                break
            i += 1
    return {
        ActionType.FIRST: [],
        ActionType.NEXT: after[:1],
        ActionType.PREVIOUS: before[-1:],
        ActionType.SKIP: skip,
        ActionType.UPDATE: [current] if current in by_no else [],
        ActionType.JUMP: before,
    }


def ref_available(lists: dict[ActionType, list[int]], action: ActionType) -> bool:
    return len(lists[action]) > (1 if action in (ActionType.SKIP, ActionType.JUMP) else 0)


def parse_action(value) -> ActionType | None:
    try:
        return ActionType(value) if value else None
    except ValueError:
        return None


def expected_update_error(
    cycle, old: EntryState | None, req: UpdateRequest, step: dict, work_date, closed
) -> str | None:
    if closed:
        return "opportunity.closed"
    lists = ref_lists(cycle, old.sales_cycle_stage if old else None)
    if not any(ref_available(lists, a) for a in ActionType):
        return "sales_cycle.no_stages"
    action = parse_action(req.action_type)
    if action is None or not ref_available(lists, action):
        return "update.action_not_available"
    when = req.date_of_change or (max(old.date_of_change, work_date) if old else work_date)
    if old is not None and when < old.date_of_change:
        return "update.date_before_previous"
    allowed = lists[action]
    target = req.sales_cycle_stage
    if target is None:
        target = allowed[-1] if action is ActionType.JUMP else allowed[0]
    if target not in allowed:
        return "update.stage_not_allowed"
    stage = cycle.stage(target)
    if action in (ActionType.NEXT, ActionType.SKIP) and stage.quote_required and not step["has_quote"]:
        return "update.quote_required"
    return expected_estimate_error(old, req, step, stage, when)


def expected_estimate_error(old: EntryState | None, req: UpdateRequest, step: dict, stage: Stage, when) -> str | None:
    """The error an update to ``stage`` on date ``when`` expects from its estimates (value, chances, close date)."""
    if req.estimated_value is not None:
        value = req.estimated_value
    elif step["quote_value"] is not None:
        value = step["quote_value"]
    else:
        value = old.estimated_value if old else ZERO
    if value <= 0:
        return "update.estimated_value_not_positive"
    chances = req.chances_of_success_pct if req.chances_of_success_pct is not None else stage.chances_of_success_pct
    if chances > 100:
        return "invalid_input"
    if chances <= 0:
        return "update.chances_not_positive"
    close = req.estimated_close_date or calc_date(stage.date_formula, when)
    assert close is not None
    if close < when:
        return "update.close_date_before_change"
    return None


def expected_close_error(old: EntryState | None, req: CloseRequest, step: dict, work_date, closed) -> str | None:
    if closed:
        return "opportunity.closed"
    if req.outcome not in ("won", "lost"):
        return "close.won_or_lost_required"
    if not req.close_opportunity_code:
        return "close.code_required"
    if step["code_type"] is None:
        return "close.code_not_found"
    if step["code_type"] != req.outcome:
        return "close.code_type_mismatch"
    when = req.date_closed or (max(old.date_of_change, work_date) if old else work_date)
    if old is not None and when < old.date_of_change:
        return "close.date_before_previous"
    if req.outcome == "won":
        sales = step["quote_value"] if step["quote_value"] is not None else (req.sales_value or ZERO)
        if sales <= 0:
            return "close.sales_not_positive"
    return None


# --- invariants ---------------------------------------------------------------------------------------------------


def assert_entry_figures(entry: PlannedEntry) -> None:
    est = entry.estimate
    for pct in (est.probability_pct, est.chances_of_success_pct, est.completed_pct):
        assert ZERO <= pct <= HUNDRED, entry
    if entry.action_taken == ActionTaken.WON:
        assert (est.probability_pct, est.chances_of_success_pct, est.completed_pct) == (HUNDRED,) * 3
        assert est.calculated_current_value > 0
    elif entry.action_taken == ActionTaken.LOST:
        assert est.probability_pct == ZERO
        assert est.chances_of_success_pct == ZERO
        assert est.completed_pct == HUNDRED
        assert est.calculated_current_value == ZERO
    else:
        assert est.calculated_current_value == est.estimated_value * est.probability_pct / HUNDRED


def assert_update_move(cycle: Cycle, old: EntryState, action: ActionType | None, e: PlannedEntry) -> None:
    """The stage an update from the active entry ``old`` moved to, and the action taken it recorded."""
    numbers = [s.stage for s in cycle.stages]
    new = e.sales_cycle_stage
    cur = old.sales_cycle_stage
    assert e.previous_sales_cycle_stage == cur
    assert e.date_of_change >= old.date_of_change
    after = [n for n in numbers if n > cur]
    before = [n for n in numbers if n < cur]
    if action is ActionType.NEXT:
        assert new == after[0]
    elif action is ActionType.PREVIOUS:
        assert new == before[-1]
    elif action is ActionType.UPDATE:
        assert new == cur
    elif action is ActionType.SKIP:
        assert new > cur
        # Skip never passes over a stage that forbids skipping, and needs the next stage to allow it.
        assert _stage(cycle, after[0]).allow_skip
        assert all(_stage(cycle, n).allow_skip for n in numbers if cur < n < new)
        assert len(ref_lists(cycle, cur)[ActionType.SKIP]) > 1
    elif action is ActionType.JUMP:
        assert new < cur
        assert len(before) > 1
    if action is ActionType.SKIP:
        expected_taken = ActionTaken.NEXT if new == after[0] else ActionTaken.JUMPED
    elif action is ActionType.JUMP:
        expected_taken = ActionTaken.PREVIOUS if new == before[-1] else ActionTaken.JUMPED
    else:
        expected_taken = {
            ActionType.NEXT: ActionTaken.NEXT,
            ActionType.PREVIOUS: ActionTaken.PREVIOUS,
            ActionType.UPDATE: ActionTaken.UPDATED,
        }[cast(ActionType, action)]
    assert e.action_taken == expected_taken


def assert_update_entry(cycle: Cycle, old: EntryState | None, step: dict, req: UpdateRequest, e: PlannedEntry):
    action = parse_action(req.action_type)
    numbers = [s.stage for s in cycle.stages]
    new = e.sales_cycle_stage
    target = cycle.stage(new)
    assert target is not None
    assert e.sales_cycle_stage_description == target.description
    if old is None:
        assert action is ActionType.FIRST
        assert new == numbers[0]
        assert e.previous_sales_cycle_stage == 0
    else:
        assert_update_move(cycle, old, action, e)
    # Quote Required is never entered by Next/Skip without a quote (D4).
    if action in (ActionType.NEXT, ActionType.SKIP) and target.quote_required:
        assert step["has_quote"]
    # Without a chosen stage the action goes to its default target: Skip the next stage, Jump the previous one.
    if req.sales_cycle_stage is None and old is not None:
        numbers_before = [n for n in numbers if n < old.sales_cycle_stage]
        numbers_after = [n for n in numbers if n > old.sales_cycle_stage]
        if action is ActionType.JUMP:
            assert new == numbers_before[-1]
        if action is ActionType.SKIP:
            assert new == numbers_after[0]
    est = e.estimate
    assert est.estimated_value > 0
    assert est.chances_of_success_pct > 0
    assert est.completed_pct == target.completed_pct
    # §4.6 step 1.1 on top of the proposal (D15): typed or proposed chances, overwritten for Skip/Jump.
    typed = req.chances_of_success_pct if req.chances_of_success_pct is not None else target.chances_of_success_pct
    overwrite = typed == 0 or action in (ActionType.SKIP, ActionType.JUMP)
    expected_chances = target.chances_of_success_pct if overwrite and target.chances_of_success_pct != 0 else typed
    assert est.chances_of_success_pct == expected_chances
    assert est.probability_pct == probability(cycle.probability_calculation, expected_chances, target.completed_pct)
    # §4.6 step 1.5 and D15: a blank close date or one equal to the date of change becomes CalcDate(formula, date).
    if req.estimated_close_date is None or req.estimated_close_date == e.date_of_change:
        assert est.estimated_close_date == calc_date(target.date_formula, e.date_of_change)
    else:
        assert est.estimated_close_date == req.estimated_close_date
    assert est.estimated_close_date is not None
    assert est.estimated_close_date >= e.date_of_change
    assert e.create_stage_tasks is (action is not ActionType.UPDATE)
    assert e.cancel_old_tasks is (req.cancel_old_tasks and action not in (ActionType.FIRST, ActionType.UPDATE))
    assert not e.is_closing


def assert_ledger(ledger: Ledger) -> None:
    if ledger.rows:
        assert sum(r.active for r in ledger.rows) == 1
        assert ledger.rows[-1].active
    for r in ledger.rows:
        assert r.days_open >= 0
        if r.active:
            assert r.days_open == 0
        assert_entry_figures(r.entry)
    for r in ledger.rows[:-1]:
        assert not r.entry.is_closing  # nothing follows a closing entry
    for a, b in zip(ledger.rows, ledger.rows[1:], strict=False):
        assert b.entry.previous_sales_cycle_stage == a.entry.sales_cycle_stage
        assert b.entry.date_of_change >= a.entry.date_of_change


def resolve(cycle: Cycle, old: EntryState | None, step: dict) -> dict:
    """Turn the run-time choices of a step into concrete inputs: a smart step takes an available action and a stage
    of its list; the close code's type is either the outcome's, a fixed one, or unknown (None)."""
    step = dict(step)
    if step["smart"]:
        lists = ref_lists(cycle, old.sales_cycle_stage if old else None)
        # Weighted towards moving through the cycle, so that Skip and Jump get exercised often.
        weights = {"first": 3, "next": 3, "skip": 4, "jump": 4, "previous": 1, "update": 1}
        available = [a for a in ActionType if ref_available(lists, a) for _ in range(weights[a.value])]
        if available:
            action = available[step["pick_action"] % len(available)]
            step["action"] = action
            pick = step["pick_stage"]
            step["stage"] = None if pick is None else lists[action][pick % len(lists[action])]
    kind = step["code_type"]
    if kind == "matching":
        step["code_type"] = step["outcome"] if step["outcome"] in (CloseType.WON, CloseType.LOST) else CloseType.WON
    elif kind == "unknown":
        step["code_type"] = None
    return step


def attempt(call: Callable[[], T]) -> tuple[T | None, DomainError | None]:
    """``call()``'s result, or the DomainError it raised: for the properties where either outcome is allowed."""
    try:
        return call(), None
    except DomainError as error:
        return None, error


def run_step(cycle: Cycle, ledger: Ledger, step: dict) -> None:
    old = ledger.active_state()
    closed = ledger.is_closed
    step = resolve(cycle, old, step)
    ref = old.date_of_change if old else BASE_DATE
    work_date = ref + dt.timedelta(days=step["work_delta"])
    when = ref + dt.timedelta(days=step["date_delta"]) if step["date_delta"] is not None else None
    close_date = (
        (when or work_date) + dt.timedelta(days=step["close_delta"]) if step["close_delta"] is not None else None
    )
    before = ledger.snapshot()

    if step["kind"] == "first":
        chances = step["chances"] if step["chances"] is not None else ZERO
        if ledger.rows:
            expected = "opportunity.not_not_started"
        elif chances > 100:
            expected = "invalid_input"
        else:
            expected = None
        call = lambda: plan_first_stage(  # noqa: E731
            cycle,
            date_of_change=when or work_date,
            estimated_value=step["value"] if step["value"] is not None else ZERO,
            chances_of_success_pct=chances,
            estimated_close_date=close_date,
            is_started=bool(ledger.rows),
        )
        check = None
    elif step["kind"] == "update":
        req = UpdateRequest(
            step["action"],
            sales_cycle_stage=step["stage"],
            date_of_change=when,
            estimated_value=step["value"],
            chances_of_success_pct=step["chances"],
            estimated_close_date=close_date,
            cancel_old_tasks=step["cancel"],
        )
        expected = expected_update_error(cycle, old, req, step, work_date, closed)
        call = lambda: plan_update(  # noqa: E731
            cycle,
            old,
            req,
            work_date=work_date,
            is_closed=closed,
            has_quote=step["has_quote"],
            quote_value=step["quote_value"],
        )
        check = lambda e: assert_update_entry(cycle, old, step, req, e)  # noqa: E731
    else:
        close_req = CloseRequest(step["outcome"], step["code"], date_closed=when, sales_value=step["sales_value"])
        expected = expected_close_error(old, close_req, step, work_date, closed)
        call = lambda: plan_close(  # noqa: E731
            cycle,
            old,
            close_req,
            close_code_type=step["code_type"],
            work_date=work_date,
            is_closed=closed,
            quote_value=step["quote_value"],
        )
        check = None

    if closed and step["kind"] != "first":
        assert expected == "opportunity.closed"
    entry, refused = attempt(call)
    if refused is not None:
        assert ledger.snapshot() == before
        assert refused.code == expected, (refused.code, expected, step)
        event(f"{step['kind']} refused: {refused.code}")
        return
    assert entry is not None
    assert expected is None, (expected, step)
    label = f"{step['action']}" if step["kind"] == "update" else ""
    event(f"{step['kind']} {label} ok: {entry.action_taken}")
    if check is not None:
        check(entry)
    if step["kind"] == "first":
        assert entry.sales_cycle_stage == cycle.stages[0].stage
        assert entry.action_taken == ActionTaken.FIRST
        assert entry.create_stage_tasks
        assert not entry.cancel_old_tasks
    if step["kind"] == "close":
        assert entry.is_closing
        assert entry.sales_cycle_stage == 0
        assert entry.previous_sales_cycle_stage == (old.sales_cycle_stage if old else 0)
        assert entry.date_closed == entry.date_of_change == entry.estimate.estimated_close_date
        assert entry.estimate.estimated_value == (old.estimated_value if old else ZERO)
        assert entry.close_opportunity_code == step["code"]
        assert not entry.create_stage_tasks
        if entry.action_taken == ActionTaken.WON and step["quote_value"] is not None:
            assert entry.estimate.calculated_current_value == step["quote_value"]
    ledger.insert(entry)


@SETTINGS
@given(case=cycles_and_steps())
def test_random_action_sequences_keep_the_ledger_consistent(case):
    cycle, actions = case
    ledger = Ledger()
    for step in actions:
        run_step(cycle, ledger, step)
        assert_ledger(ledger)


@SETTINGS
@given(case=cycles_and_steps())
def test_random_sequences_from_a_started_opportunity(case):
    cycle, actions = case
    # Start the opportunity first so that most steps exercise plan_update and plan_close on a started opportunity.
    ledger = Ledger()
    ledger.insert(plan_first_stage(cycle, date_of_change=BASE_DATE, estimated_value=Decimal(1000)))
    assert_ledger(ledger)
    for step in actions:
        run_step(cycle, ledger, step)
        assert_ledger(ledger)


@SMALL_SETTINGS
@given(case=cycles_and_steps(max_steps=6, min_steps=1))
def test_nothing_is_possible_after_a_closing_entry(case):
    cycle, actions = case
    ledger = Ledger()
    ledger.insert(plan_first_stage(cycle, date_of_change=BASE_DATE))
    ledger.insert(
        plan_close(
            cycle,
            ledger.active_state(),
            CloseRequest(CloseType.LOST, "L"),
            close_code_type=CloseType.LOST,
            work_date=BASE_DATE,
        )
    )
    before = ledger.snapshot()
    for raw in actions:
        old = ledger.active_state()
        step = resolve(cycle, old, raw)
        if step["kind"] == "first":
            code = "opportunity.not_not_started"
            call = lambda: plan_first_stage(cycle, date_of_change=BASE_DATE, is_started=True)  # noqa: E731
        elif step["kind"] == "update":
            code = "opportunity.closed"
            call = lambda: plan_update(  # noqa: E731
                cycle, old, UpdateRequest(step["action"]), work_date=BASE_DATE, is_closed=True, has_quote=True
            )
        else:
            code = "opportunity.closed"
            call = lambda: plan_close(  # noqa: E731
                cycle,
                old,
                CloseRequest(step["outcome"], step["code"]),
                close_code_type=step["code_type"],
                work_date=BASE_DATE,
                is_closed=True,
            )
        with pytest.raises(DomainError) as refused:  # succeeding on a closed opportunity fails the test
            call()
        assert refused.value.code == code
    assert ledger.snapshot() == before


@SETTINGS
@given(cycle=cycles(), current=st.none() | st.integers(1, 70))
def test_candidate_lists_match_the_reference(cycle, current):
    active = EntryState(sales_cycle_stage=current, date_of_change=BASE_DATE) if current is not None else None
    lists = candidate_stage_lists(cycle, active)
    ref = ref_lists(cycle, current)
    for action in ActionType:
        assert list(lists.for_action(action)) == ref[action]
        assert lists.is_available(action) == ref_available(ref, action)
    order = [
        ActionType.FIRST,
        ActionType.NEXT,
        ActionType.UPDATE,
        ActionType.PREVIOUS,
        ActionType.SKIP,
        ActionType.JUMP,
    ]
    assert list(lists.available) == [a for a in order if ref_available(ref, a)]


@SMALL_SETTINGS
@given(cycle=cycles(), actions=st.lists(steps(), max_size=5))
def test_a_cycle_without_stages_refuses_every_update_and_activation(cycle, actions):
    empty = Cycle(code="EMPTY", probability_calculation=cycle.probability_calculation)
    for step in actions:
        for active in (None, EntryState(sales_cycle_stage=1, date_of_change=BASE_DATE)):
            with pytest.raises(DomainError) as refused:
                plan_update(empty, active, UpdateRequest(step["action"]), work_date=BASE_DATE)
            assert refused.value.code == "sales_cycle.no_stages"
        with pytest.raises(DomainError) as refused:
            plan_first_stage(empty, date_of_change=BASE_DATE)
        assert refused.value.code == "sales_cycle.no_stages"


def _stage(cycle: Cycle, number: int) -> Any:
    stage = cycle.stage(number)
    assert stage is not None
    return stage
