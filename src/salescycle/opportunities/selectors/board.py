"""The pipeline board: one column per stage of a sales cycle with its figures and its first cards, keyset paged."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.errors import DomainError, InvalidInput
from salescycle.core.pagination import Keyset, Nulls
from salescycle.opportunities import engine, statistics  # the module, not its names: it imports selectors.opportunities
from salescycle.opportunities.choices import ActionType
from salescycle.opportunities.models import Opportunity, OpportunityEntry, SalesCycleStage
from salescycle.opportunities.selectors.cycles import load_cycle
from salescycle.opportunities.selectors.entries import active_entry, entry_state, has_quote, quote_value
from salescycle.opportunities.selectors.wizards import chances_taken_from_stage

BOARD_PAGE_SIZE = 20

# Active entries at a stage by (estimated close date, entry no.), NULL dates where the database puts them: a scan of
# the partial index ``entry_active_cycle_stage``.
CARD_ORDER = Keyset.of(OpportunityEntry, ["estimated_close_date", "entry_no"], nulls=Nulls.DATABASE)


@dataclass(frozen=True)
class MoveTarget:
    """A stage a card may move to and the Update action that takes it there (as the wizard offers them)."""

    stage: int
    description: str
    action: ActionType


@dataclass
class BoardCard:
    """A card of the board: the opportunity's active entry (with its opportunity, contact and salesperson) and the
    stages the engine lets it move to."""

    entry: OpportunityEntry
    targets: tuple[MoveTarget, ...]


@dataclass
class BoardColumn:
    """One stage of the board: its header figures (open opportunities at the stage) and its first cards."""

    stage: SalesCycleStage
    count: int
    estimated_value: Decimal
    calculated_current_value: Decimal
    cards: list[BoardCard]
    next_cursor: str | None


# The order in which a target stage is given its action: the neighbours by Next and Previous, the others by Skip and
# Jump (the engine records a Skip to the next stage as Next anyway, spec D5).
_MOVE_ORDER = (ActionType.NEXT, ActionType.PREVIOUS, ActionType.SKIP, ActionType.JUMP)


def allowed_moves(cycle: engine.Cycle | None, state: engine.EntryState | None) -> tuple[MoveTarget, ...]:
    """The stages an opportunity whose active entry is ``state`` may move to, each with its action, in stage order:
    the engine's Next, Previous, Skip and Jump lists (Skip and Jump only when the engine offers them, spec §4.5.2).
    Quote Required is not checked here: the move dialog shows that refusal (:func:`move_preview`)."""
    if cycle is None or state is None:
        return ()
    lists = engine.candidate_stage_lists(cycle, state)
    targets: dict[int, ActionType] = {}
    for action in _MOVE_ORDER:
        if lists.is_available(action):
            for stage in lists.for_action(action):
                targets.setdefault(stage, action)
    return tuple(
        MoveTarget(stage=n, description=_stage_description(cycle, n), action=targets[n]) for n in sorted(targets)
    )


def _stage_description(cycle: engine.Cycle, number: int) -> str:
    stage = cycle.stage(number)
    return stage.description if stage is not None else ""


def move_action(lists: engine.StageLists, current: int, target: int) -> ActionType:
    """The Update action that moves an opportunity at stage ``current`` to ``target``: the one of
    :func:`allowed_moves`, Update for the current stage, else Skip forward or Jump back (the engine then refuses it
    with its own message)."""
    for action in _MOVE_ORDER:
        if lists.is_available(action) and target in lists.for_action(action):
            return action
    if target == current:
        return ActionType.UPDATE
    return ActionType.SKIP if target > current else ActionType.JUMP


def _stage_entries(cycle_code: str, stage: int, salesperson: str = "", *, user: Actor) -> QuerySet[OpportunityEntry]:
    qs = OpportunityEntry.objects.filter(active=True, sales_cycle_id=cycle_code, sales_cycle_stage=stage)
    if salesperson:
        qs = qs.filter(salesperson_id=salesperson)
    # Active entries carry their opportunity's salesperson: the visibility filter needs no join.
    condition = permissions.visibility_filter(user)
    return qs if condition is None else qs.filter(condition)


def board_cards(
    cycle_code: str,
    stage: int,
    *,
    salesperson: str = "",
    cursor: str | None = None,
    size: int = BOARD_PAGE_SIZE,
    user: Actor,
    cycle: engine.Cycle | None = None,
) -> tuple[list[BoardCard], str | None]:
    """One page of a stage's cards after ``cursor`` (a cursor that does not parse starts from the beginning) and
    the next page's cursor, each card with its allowed moves. One query, plus two to load the cycle when ``cycle``
    (the engine's view of ``cycle_code``) is not given."""
    if cycle is None:
        cycle = load_cycle(cycle_code)
    qs = _stage_entries(cycle_code, stage, salesperson, user=user).select_related(
        "opportunity", "contact", "salesperson"
    )
    try:
        entries, next_cursor = CARD_ORDER.page(qs, cursor=cursor, size=size)
    except InvalidInput:
        entries, next_cursor = CARD_ORDER.page(qs, cursor=None, size=size)
    cards = [BoardCard(entry=e, targets=allowed_moves(cycle, entry_state(e))) for e in entries]
    return cards, next_cursor


def board(cycle_code: str, *, salesperson: str = "", user: Actor) -> list[BoardColumn]:
    """The board of a sales cycle: one column per stage with count, estimated and calculated current value of the
    open opportunities at the stage (one aggregate query, :func:`statistics.stage_figures`) and its first cards
    (one query per stage)."""
    stages = list(SalesCycleStage.objects.filter(sales_cycle_id=cycle_code).order_by("stage"))
    cycle = load_cycle(cycle_code)
    totals = statistics.stage_figures(
        cycle_code, statistics.StatisticsFilter(salesperson_code=salesperson or None), user=user
    )
    columns = []
    for stage in stages:
        figures = totals.get(stage.stage, statistics.EMPTY)
        cards, next_cursor = board_cards(cycle_code, stage.stage, salesperson=salesperson, user=user, cycle=cycle)
        columns.append(
            BoardColumn(
                stage=stage,
                count=figures.no_of_opportunities,
                estimated_value=figures.estimated_value,
                calculated_current_value=figures.calculated_current_value,
                cards=cards,
                next_cursor=next_cursor,
            )
        )
    return columns


# ---------------------------------------------------------------------------------------------------------------
# The move dialog

# The refusals that concern the move itself (the action or the target stage), known before the user confirms; the
# refusals of values (value, chances, dates) are shown on the fields when the user confirms.
_TARGET_REFUSALS = frozenset(
    {"update.action_not_available", "update.stage_not_allowed", "update.quote_required", "sales_cycle.no_stages"}
)


@dataclass(frozen=True)
class MovePreview:
    """What the board's Update dialog shows for a move of ``opportunity`` to stage ``target``: the action, the
    current values (the active entry's), the engine's proposals for the target stage, and the engine's refusal of
    the move (None when it may go ahead)."""

    opportunity: Opportunity
    action: ActionType
    target: int
    target_description: str
    current: engine.EntryState | None
    proposal: engine.Proposal | None
    refusal: str | None

    @property
    def stage_chances(self) -> Decimal | None:
        """The target stage's Chances of Success % when the move takes it whatever is typed (Skip and Jump, spec
        §4.6 step 1.1), else None."""
        return chances_taken_from_stage(self.action, self.proposal)


def move_preview(opportunity: Opportunity, options: engine.UpdateOptions, target: int) -> MovePreview:
    """The Update dialog of a move of ``opportunity`` (opened with ``options``, from
    :func:`services.get_update_options`) to stage ``target``: the action of :func:`move_action`, the engine's
    proposals (spec §4.5.3, D15) and its refusal of the action or stage, found by planning the update without
    writing it (:func:`engine.plan_update`; ``update.action_not_available``, ``update.stage_not_allowed``,
    ``update.quote_required``). A few queries."""
    cycle = load_cycle(opportunity.sales_cycle_id)
    state = entry_state(active_entry(opportunity))
    current = state.sales_cycle_stage if state is not None else 0
    action = move_action(options.lists, current, target)
    quote = quote_value(opportunity)
    proposal = None
    refusal = None
    if cycle is not None:
        lists = options.lists
        if target in lists.for_action(action):
            proposal = engine.propose(
                cycle,
                state,
                action,
                date_of_change=options.date_of_change,
                lists=lists,
                target=target,
                quote_value=quote,
            )
        request = engine.UpdateRequest(action, sales_cycle_stage=target, date_of_change=options.date_of_change)
        try:
            engine.plan_update(
                cycle,
                state,
                request,
                work_date=options.date_of_change,
                has_quote=has_quote(opportunity),
                quote_value=quote,
            )
        except DomainError as error:
            if error.code in _TARGET_REFUSALS:
                refusal = error.message
    return MovePreview(
        opportunity=opportunity,
        action=action,
        target=target,
        target_description=_stage_description(cycle, target) if cycle is not None else "",
        current=state,
        proposal=proposal,
        refusal=refusal,
    )
