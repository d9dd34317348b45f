"""The pure rules of the sales cycle (spec §4.4–§4.8): no ORM, no I/O — plain frozen dataclasses in and out.

The services (``services.py``) load a :class:`Cycle` and the active entry as :class:`EntryState`, ask this module
for the new entry (:func:`plan_update`, :func:`plan_first_stage`, :func:`plan_close`), and write what it returns.
Every refusal is a :class:`~salescycle.core.errors.DomainError` with the spec's key, raised in the spec's order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from salescycle.core.dates import calc_date
from salescycle.core.decimals import HUNDRED, ZERO
from salescycle.core.errors import DomainError
from salescycle.core.translation import gettext_lazy as _
from salescycle.opportunities.choices import ActionTaken, ActionType, CloseType, ProbabilityCalculation

# The order in which the wizard picks its default action (spec §4.5.2).
DEFAULT_ORDER = (
    ActionType.FIRST,
    ActionType.NEXT,
    ActionType.UPDATE,
    ActionType.PREVIOUS,
    ActionType.SKIP,
    ActionType.JUMP,
)


@dataclass(frozen=True)
class Stage:
    """A sales cycle stage as the engine sees it (spec §2.3); percentages in %, ``date_formula`` in BC syntax."""

    stage: int
    description: str = ""
    completed_pct: Decimal = ZERO
    chances_of_success_pct: Decimal = ZERO
    date_formula: str = ""
    quote_required: bool = False
    allow_skip: bool = False
    activity_code: str | None = None


@dataclass(frozen=True)
class Cycle:
    """A sales cycle with its stages sorted by ``stage`` (spec §2.2)."""

    code: str
    probability_calculation: str = ProbabilityCalculation.MULTIPLY
    stages: tuple[Stage, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", tuple(sorted(self.stages, key=lambda s: s.stage)))

    def stage(self, number: int) -> Stage | None:
        """The stage numbered ``number``, or None."""
        for stage in self.stages:
            if stage.stage == number:
                return stage
        return None

    @property
    def stage_numbers(self) -> tuple[int, ...]:
        """The stage numbers in ascending order."""
        return tuple(s.stage for s in self.stages)


@dataclass(frozen=True)
class EntryState:
    """The values of an opportunity's active entry that the rules read (spec §2.6)."""

    sales_cycle_stage: int
    date_of_change: dt.date
    estimated_value: Decimal = ZERO
    chances_of_success_pct: Decimal = ZERO
    estimated_close_date: dt.date | None = None
    action_taken: str = ActionTaken.FIRST


@dataclass(frozen=True)
class StageLists:
    """The candidate stage lists of the Update wizard (spec §4.5.2), each ascending."""

    first: tuple[int, ...] = ()
    next: tuple[int, ...] = ()
    previous: tuple[int, ...] = ()
    skip: tuple[int, ...] = ()
    update: tuple[int, ...] = ()
    jump: tuple[int, ...] = ()

    def for_action(self, action: ActionType) -> tuple[int, ...]:
        """The list belonging to ``action``."""
        return tuple(getattr(self, action.value))

    def is_available(self, action: ActionType) -> bool:
        """Whether ``action`` is a valid selection: non-empty list; Skip and Jump need at least two stages."""
        size = len(self.for_action(action))
        if action in (ActionType.SKIP, ActionType.JUMP):
            return size > 1
        return size > 0

    @property
    def available(self) -> tuple[ActionType, ...]:
        """The available actions in the wizard's default order (First, Next, Update, Previous, Skip, Jump)."""
        return tuple(a for a in DEFAULT_ORDER if self.is_available(a))

    @property
    def default_action_type(self) -> ActionType | None:
        """The action the wizard opens with, or None when the cycle offers nothing (spec §4.5.2)."""
        available = self.available
        return available[0] if available else None


def candidate_stage_lists(cycle: Cycle, active: EntryState | None) -> StageLists:
    """Build the six candidate lists for an opportunity on ``cycle`` whose active entry is ``active``.

    ``active`` is None for a Not Started opportunity (only First is built). All lists are empty for a cycle
    without stages. Implements spec §4.5.2 and D5.
    """
    numbers = cycle.stage_numbers
    if not numbers:
        return StageLists()
    if active is None:
        return StageLists(first=(numbers[0],))
    current = active.sales_cycle_stage
    after = [s for s in cycle.stages if s.stage > current]
    before = [n for n in numbers if n < current]
    skip: list[int] = []
    if after and after[0].allow_skip:
        for stage in after:
            skip.append(stage.stage)
            if not stage.allow_skip:
                break
    return StageLists(
        next=(after[0].stage,) if after else (),
        previous=(before[-1],) if before else (),
        skip=tuple(skip),
        update=(current,) if cycle.stage(current) is not None else (),
        jump=tuple(before),
    )


def default_target_stage(action: ActionType, lists: StageLists) -> int | None:
    """The stage an action goes to unless the user picks another (Skip: the next stage; Jump: the previous one).

    Implements spec §4.5.3.
    """
    stages = lists.for_action(action)
    if not stages:
        return None
    return stages[-1] if action is ActionType.JUMP else stages[0]


def action_taken_for(action: ActionType, target: int, lists: StageLists) -> ActionTaken:
    """The Action Taken recorded for ``action`` to ``target``: Skip to the adjacent stage is Next, Jump to it
    is Previous (D5). Implements spec §3 and §4.5.3."""
    if action is ActionType.FIRST:
        return ActionTaken.FIRST
    if action is ActionType.NEXT:
        return ActionTaken.NEXT
    if action is ActionType.PREVIOUS:
        return ActionTaken.PREVIOUS
    if action is ActionType.UPDATE:
        return ActionTaken.UPDATED
    if action is ActionType.SKIP:
        return ActionTaken.NEXT if lists.next and target == lists.next[0] else ActionTaken.JUMPED
    return ActionTaken.PREVIOUS if lists.previous and target == lists.previous[0] else ActionTaken.JUMPED


def probability(method: str, chances_of_success_pct: Decimal, completed_pct: Decimal) -> Decimal:
    """Probability % by the cycle's method (spec §4.6 step 1.3), unrounded.

    Multiply: chances × completed / 100; Add: (chances + completed) / 2; Chances of Success %: chances;
    Completed %: completed.
    """
    if method == ProbabilityCalculation.MULTIPLY:
        return chances_of_success_pct * completed_pct / HUNDRED
    if method == ProbabilityCalculation.ADD:
        return (chances_of_success_pct + completed_pct) / 2
    if method == ProbabilityCalculation.CHANCES_OF_SUCCESS:
        return chances_of_success_pct
    return completed_pct


@dataclass(frozen=True)
class Estimate:
    """The figures of an entry after recalculation: amounts in LCY, percentages in %."""

    estimated_value: Decimal
    chances_of_success_pct: Decimal
    completed_pct: Decimal
    probability_pct: Decimal
    calculated_current_value: Decimal
    estimated_close_date: dt.date | None


def recalculate_estimates(
    cycle: Cycle | None,
    *,
    stage: int,
    action_taken: ActionTaken,
    action_type: ActionType | None,
    date_of_change: dt.date,
    estimated_value: Decimal,
    chances_of_success_pct: Decimal,
    estimated_close_date: dt.date | None,
    completed_pct: Decimal = ZERO,
    probability_pct: Decimal = ZERO,
    calculated_current_value: Decimal = ZERO,
    quote_value: Decimal | None = None,
) -> Estimate:
    """BC's UpdateEstimates, exactly (spec §4.6).

    1. On a stage of the cycle: chances take the stage's when they are 0 or the action is Skip/Jump (and the stage's
       are not 0); completed % from the stage; probability by the cycle's method; calculated value = estimated value
       × probability / 100; a blank estimated close date, or one equal to the date of change, becomes
       CalcDate(stage formula, date of change).
    2. Won: calculated value = ``quote_value`` when a linked quote exists (else as given); 100/100/100.
       Lost: calculated value 0; completed 100, chances 0, probability 0.
    """
    chances = chances_of_success_pct
    completed = completed_pct
    prob = probability_pct
    calculated = calculated_current_value
    close_date = estimated_close_date
    target = cycle.stage(stage) if cycle is not None and stage else None
    if target is not None and cycle is not None:
        if (chances == 0 or action_type in (ActionType.JUMP, ActionType.SKIP)) and target.chances_of_success_pct != 0:
            chances = target.chances_of_success_pct
        completed = target.completed_pct
        prob = probability(cycle.probability_calculation, chances, completed)
        calculated = estimated_value * prob / HUNDRED
        if close_date is None or close_date == date_of_change:
            close_date = calc_date(target.date_formula, date_of_change)
    if action_taken == ActionTaken.WON:
        if quote_value is not None:
            calculated = quote_value
        completed = chances = prob = HUNDRED
    elif action_taken == ActionTaken.LOST:
        calculated = ZERO
        completed = HUNDRED
        chances = prob = ZERO
    return Estimate(
        estimated_value=estimated_value,
        chances_of_success_pct=chances,
        completed_pct=completed,
        probability_pct=prob,
        calculated_current_value=calculated,
        estimated_close_date=close_date,
    )


@dataclass(frozen=True)
class PlannedEntry:
    """The entry a service must insert (spec §4.7), with what to do about tasks."""

    sales_cycle_stage: int
    sales_cycle_stage_description: str
    previous_sales_cycle_stage: int
    date_of_change: dt.date
    action_taken: ActionTaken
    estimate: Estimate
    close_opportunity_code: str | None = None
    date_closed: dt.date | None = None
    cancel_old_tasks: bool = False
    create_stage_tasks: bool = False
    activity_code: str | None = None

    @property
    def is_closing(self) -> bool:
        """True for a Won or Lost entry."""
        return self.action_taken in (ActionTaken.WON, ActionTaken.LOST)


def default_date_of_change(active: EntryState | None, work_date: dt.date) -> dt.date:
    """max(active entry's Date of Change, WorkDate), or WorkDate without an active entry (spec §4.5.1)."""
    if active is None:
        return work_date
    return max(active.date_of_change, work_date)


@dataclass(frozen=True)
class Proposal:
    """The values the wizard proposes for one action (spec §4.5.1, §4.5.3, D15)."""

    action_type: ActionType
    sales_cycle_stage: int
    estimated_value: Decimal
    chances_of_success_pct: Decimal
    estimated_close_date: dt.date | None


@dataclass(frozen=True)
class UpdateOptions:
    """The Update wizard's opening state: date, lists, default action and its proposals (spec §4.5.1–§4.5.2)."""

    date_of_change: dt.date
    lists: StageLists
    default_action_type: ActionType | None
    proposed: Proposal | None
    proposals: dict[ActionType, Proposal] = field(default_factory=dict)


def propose(
    cycle: Cycle,
    active: EntryState | None,
    action: ActionType,
    *,
    date_of_change: dt.date,
    lists: StageLists,
    target: int | None = None,
    quote_value: Decimal | None = None,
) -> Proposal | None:
    """The proposed values for ``action`` to ``target`` (default: the action's default target stage).

    Estimated value: the linked quote's value, else the active entry's (0 without one); chances: the target stage's;
    estimated close date: CalcDate(target stage's date formula, date of change) (D15). None when the action offers
    no stage. Implements spec §4.5.1 and §4.5.3.
    """
    stage_no = target if target is not None else default_target_stage(action, lists)
    stage = cycle.stage(stage_no) if stage_no is not None else None
    if stage is None or stage_no is None:
        return None
    if quote_value is not None:
        value = quote_value
    else:
        value = active.estimated_value if active is not None else ZERO
    return Proposal(
        action_type=action,
        sales_cycle_stage=stage_no,
        estimated_value=value,
        chances_of_success_pct=stage.chances_of_success_pct,
        estimated_close_date=calc_date(stage.date_formula, date_of_change),
    )


def update_options(
    cycle: Cycle,
    active: EntryState | None,
    *,
    work_date: dt.date,
    date_of_change: dt.date | None = None,
    quote_value: Decimal | None = None,
) -> UpdateOptions:
    """The Update wizard's opening state for an opportunity (spec §4.5.1–§4.5.2, D6: First pre-selects stage 1)."""
    when = date_of_change or default_date_of_change(active, work_date)
    lists = candidate_stage_lists(cycle, active)
    proposals = {}
    for action in lists.available:
        proposal = propose(cycle, active, action, date_of_change=when, lists=lists, quote_value=quote_value)
        if proposal is not None:
            proposals[action] = proposal
    default = lists.default_action_type
    return UpdateOptions(
        date_of_change=when,
        lists=lists,
        default_action_type=default,
        proposed=proposals.get(default) if default is not None else None,
        proposals=proposals,
    )


@dataclass(frozen=True)
class UpdateRequest:
    """What a user asks of the Update wizard; omitted (None) values take the proposals (D15)."""

    action_type: ActionType | str | None
    sales_cycle_stage: int | None = None
    date_of_change: dt.date | None = None
    estimated_value: Decimal | None = None
    chances_of_success_pct: Decimal | None = None
    estimated_close_date: dt.date | None = None
    cancel_old_tasks: bool = False


def _no_stages(cycle: Cycle) -> DomainError:
    return DomainError(
        "sales_cycle.no_stages",
        _("There are no stages in sales cycle %(cycle)s."),
        params={"cycle": cycle.code},
    )


def _close_type_label(value: str) -> str:
    """Won/Lost in the active language (a value that is neither is shown as it is)."""
    return str(CloseType(value).label) if value in set(CloseType) else value


def _closed_error() -> DomainError:
    return DomainError("opportunity.closed", _("The opportunity is closed: Closed must be equal to 'No'."))


def _check_percent(value: Decimal, field_name: str) -> None:
    if value < 0 or value > 100:
        raise DomainError(
            "invalid_input",
            _("%(field)s must be between 0 and 100."),
            fields={field_name: [str(_("Must be between 0 and 100."))]},
            params={"field": field_name},
        )


def plan_update(
    cycle: Cycle,
    active: EntryState | None,
    request: UpdateRequest,
    *,
    work_date: dt.date,
    is_closed: bool = False,
    has_quote: bool = False,
    quote_value: Decimal | None = None,
) -> PlannedEntry:
    """Validate an Update wizard request and compute the new entry.

    Checks, in order (spec §4.5.4–§4.5.5): ``opportunity.closed``; ``sales_cycle.no_stages``;
    ``update.action_not_available``; ``update.date_before_previous``; ``update.stage_not_allowed``;
    ``update.quote_required`` (Next/Skip into a Quote Required stage without a linked quote, D4);
    ``update.estimated_value_not_positive``; ``update.chances_not_positive``; ``update.close_date_missing``;
    ``update.close_date_before_change``. Then recalculates with the action type known (§4.6) and says whether to
    cancel old tasks (user choice, forced off for First/Update, D7) and create stage tasks (not for Update).
    """
    if is_closed:
        raise _closed_error()
    lists = candidate_stage_lists(cycle, active)
    if not lists.available:
        raise _no_stages(cycle)
    try:
        action = ActionType(request.action_type) if request.action_type else None
    except ValueError:
        action = None
    if action is None or not lists.is_available(action):
        raise DomainError(
            "update.action_not_available",
            _("%(action)s is not a valid selection."),
            fields={"action_type": [str(_("Not available for this opportunity now."))]},
            params={"action": action.label if action else request.action_type or ""},
        )
    when = request.date_of_change or default_date_of_change(active, work_date)
    if active is not None and when < active.date_of_change:
        raise DomainError(
            "update.date_before_previous",
            _("The Date of Change has to be after last Date of change."),
            fields={"date_of_change": [str(_("Must not be earlier than %(date)s.") % {"date": active.date_of_change})]},
        )
    allowed = lists.for_action(action)
    target = request.sales_cycle_stage if request.sales_cycle_stage is not None else default_target_stage(action, lists)
    if target is None or target not in allowed:
        raise DomainError(
            "update.stage_not_allowed",
            _("Stage %(stage)s cannot be chosen for this action."),
            fields={"sales_cycle_stage": [str(_("Choose one of: %(stages)s.") % {"stages": list(allowed)})]},
            params={"stage": target if target is not None else ""},
        )
    stage = cycle.stage(target)
    assert stage is not None  # every list holds stages of the cycle
    if action in (ActionType.NEXT, ActionType.SKIP) and stage.quote_required and not has_quote:
        raise DomainError(
            "update.quote_required", _("You cannot go to this stage before you have assigned a sales quote.")
        )
    proposal = propose(cycle, active, action, date_of_change=when, lists=lists, target=target, quote_value=quote_value)
    assert proposal is not None
    value = request.estimated_value if request.estimated_value is not None else proposal.estimated_value
    chances = (
        request.chances_of_success_pct
        if request.chances_of_success_pct is not None
        else proposal.chances_of_success_pct
    )
    close_date = (
        request.estimated_close_date if request.estimated_close_date is not None else proposal.estimated_close_date
    )
    if value <= 0:
        raise DomainError(
            "update.estimated_value_not_positive",
            _("Estimated Value (LCY) must be greater than 0."),
            fields={"estimated_value": [str(_("Must be greater than 0."))]},
        )
    _check_percent(chances, "chances_of_success_pct")
    if chances <= 0:
        raise DomainError(
            "update.chances_not_positive",
            _("Chances of Success % must be greater than 0."),
            fields={"chances_of_success_pct": [str(_("Must be greater than 0."))]},
        )
    if close_date is None:
        raise DomainError(
            "update.close_date_missing",
            _("You must fill in the Estimated Close Date field."),
            fields={"estimated_close_date": [str(_("Required."))]},
        )
    if close_date < when:
        raise DomainError(
            "update.close_date_before_change",
            _("The Estimated closing date has to be later than this change."),
            fields={"estimated_close_date": [str(_("Must not be earlier than the date of change."))]},
        )
    taken = action_taken_for(action, target, lists)
    estimate = recalculate_estimates(
        cycle,
        stage=target,
        action_taken=taken,
        action_type=action,
        date_of_change=when,
        estimated_value=value,
        chances_of_success_pct=chances,
        estimated_close_date=close_date,
    )
    cancel = request.cancel_old_tasks and action not in (ActionType.FIRST, ActionType.UPDATE)
    return PlannedEntry(
        sales_cycle_stage=target,
        sales_cycle_stage_description=stage.description,
        previous_sales_cycle_stage=active.sales_cycle_stage if active is not None else 0,
        date_of_change=when,
        action_taken=taken,
        estimate=estimate,
        cancel_old_tasks=cancel,
        create_stage_tasks=taken != ActionTaken.UPDATED,
        activity_code=stage.activity_code,
    )


def plan_first_stage(
    cycle: Cycle,
    *,
    date_of_change: dt.date,
    estimated_value: Decimal = ZERO,
    chances_of_success_pct: Decimal = ZERO,
    estimated_close_date: dt.date | None = None,
    is_started: bool = False,
) -> PlannedEntry:
    """The first-stage entry of the Activate First Stage action (§4.4.2: value 0, chances and close date from the
    stage) or of creation with activation (§4.4.1: the wizard's estimates).

    Raises ``opportunity.not_not_started`` when the opportunity already has entries and ``sales_cycle.no_stages``
    for a cycle without stages (D9). Stage tasks are created, old tasks are not cancelled.
    """
    if is_started:
        raise DomainError(
            "opportunity.not_not_started", _("The first stage can only be activated while the status is Not Started.")
        )
    if not cycle.stages:
        raise _no_stages(cycle)
    _check_percent(chances_of_success_pct, "chances_of_success_pct")
    first = cycle.stages[0]
    estimate = recalculate_estimates(
        cycle,
        stage=first.stage,
        action_taken=ActionTaken.FIRST,
        action_type=None,
        date_of_change=date_of_change,
        estimated_value=estimated_value,
        chances_of_success_pct=chances_of_success_pct,
        estimated_close_date=estimated_close_date,
    )
    return PlannedEntry(
        sales_cycle_stage=first.stage,
        sales_cycle_stage_description=first.description,
        previous_sales_cycle_stage=0,
        date_of_change=date_of_change,
        action_taken=ActionTaken.FIRST,
        estimate=estimate,
        cancel_old_tasks=False,
        create_stage_tasks=True,
        activity_code=first.activity_code,
    )


@dataclass(frozen=True)
class CloseRequest:
    """What a user asks of the Close wizard (spec §4.8.2)."""

    outcome: str | None
    close_opportunity_code: str | None
    date_closed: dt.date | None = None
    sales_value: Decimal | None = None
    cancel_old_tasks: bool = True


def plan_close(
    cycle: Cycle | None,
    active: EntryState | None,
    request: CloseRequest,
    *,
    close_code_type: str | None,
    work_date: dt.date,
    is_closed: bool = False,
    quote_value: Decimal | None = None,
) -> PlannedEntry:
    """Validate a Close wizard request and compute the closing entry (stage 0).

    ``close_code_type`` is the type of the given code (None when the code does not exist). Checks, in order
    (spec §4.8.3, D10, D11): ``opportunity.closed``; ``close.won_or_lost_required``; ``close.code_required``;
    ``close.code_not_found``; ``close.code_type_mismatch``; ``close.date_before_previous``;
    ``close.sales_not_positive`` (Won: the linked quote's value, else the typed sales value, must be > 0).
    """
    if is_closed:
        raise _closed_error()
    if request.outcome not in (CloseType.WON, CloseType.LOST):
        raise DomainError(
            "close.won_or_lost_required",
            _("You must select either Won or Lost."),
            fields={"outcome": [str(_("Choose won or lost."))]},
        )
    outcome = ActionTaken(request.outcome)
    if not request.close_opportunity_code:
        raise DomainError(
            "close.code_required",
            _("You must fill in the Close Opportunity Code field."),
            fields={"close_opportunity_code": [str(_("Required."))]},
        )
    if close_code_type is None:
        raise DomainError(
            "close.code_not_found",
            _("Close opportunity code %(code)s does not exist."),
            fields={"close_opportunity_code": [str(_("Unknown code."))]},
            params={"code": request.close_opportunity_code},
        )
    if close_code_type != request.outcome:
        raise DomainError(
            "close.code_type_mismatch",
            _("Close opportunity code %(code)s is of type %(type)s and cannot be used to close as %(outcome)s."),
            fields={"close_opportunity_code": [str(_("The code's type does not match the outcome."))]},
            params={
                "code": request.close_opportunity_code,
                "type": _close_type_label(close_code_type),
                "outcome": _close_type_label(request.outcome),
            },
        )
    when = request.date_closed or default_date_of_change(active, work_date)
    if active is not None and when < active.date_of_change:
        raise DomainError(
            "close.date_before_previous",
            _("The closing date must not be earlier than the last Date of Change (%(date)s)."),
            fields={"date_closed": [str(_("Must not be earlier than %(date)s.") % {"date": active.date_of_change})]},
            params={"date": active.date_of_change},
        )
    sales = ZERO
    if outcome == ActionTaken.WON:
        sales = quote_value if quote_value is not None else (request.sales_value or ZERO)
        if sales <= 0:
            raise DomainError(
                "close.sales_not_positive",
                _("Sales (LCY) must be greater than 0."),
                fields={"sales_value": [str(_("Must be greater than 0."))]},
            )
    estimate = recalculate_estimates(
        cycle,
        stage=0,
        action_taken=outcome,
        action_type=None,
        date_of_change=when,
        estimated_value=active.estimated_value if active is not None else ZERO,
        chances_of_success_pct=active.chances_of_success_pct if active is not None else ZERO,
        estimated_close_date=when,
        calculated_current_value=sales,
        quote_value=quote_value,
    )
    return PlannedEntry(
        sales_cycle_stage=0,
        sales_cycle_stage_description="",
        previous_sales_cycle_stage=active.sales_cycle_stage if active is not None else 0,
        date_of_change=when,
        action_taken=outcome,
        estimate=estimate,
        close_opportunity_code=request.close_opportunity_code,
        date_closed=when,
        cancel_old_tasks=request.cancel_old_tasks,
        create_stage_tasks=False,
    )


@dataclass(frozen=True)
class PlannedStage:
    """A stage still ahead of an opportunity, as the Opportunity - Details report plans it: its stage and the
    planned starting date (None when the plan has no date to start from)."""

    stage: Stage
    starting_date: dt.date | None


def current_report_stage(stages: list[int]) -> int:
    """The stage the Opportunity - Details report plans from: the stage of the last entry on a stage (``stages``:
    the stage numbers of the opportunity's entries in entry order, closing entries' 0 included), 0 when none.
    Implements spec §5.9 (report 5068)."""
    reached = [stage for stage in stages if stage]
    return reached[-1] if reached else 0


def planned_stages(cycle: Cycle, current_stage: int, start: dt.date | None) -> tuple[PlannedStage, ...]:
    """The stages of ``cycle`` after ``current_stage`` in order, each planned to start on CalcDate(its date formula,
    the previous planned date), the first from ``start`` (the first task date of the current stage, or WorkDate when
    no stage was reached; None: no dates, as BC leaves them blank). An activity step of a planned stage is then
    dated CalcDate(step formula, the stage's starting date), as stage tasks are (spec §4.9.1). Raises
    ``date_formula.out_of_range`` like :func:`~salescycle.core.dates.calc_date`. Implements spec §5.9 (report 5068)."""
    planned = []
    previous = start
    for stage in cycle.stages:
        if stage.stage <= current_stage:
            continue
        previous = calc_date(stage.date_formula, previous)
        planned.append(PlannedStage(stage=stage, starting_date=previous))
    return tuple(planned)
