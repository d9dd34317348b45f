"""The bulk path writes exactly what the services write (issue #13 item 2; conventions, "Where a business rule
goes": a fast path writes with the same ledger builders as the services, and a differential property test holds
the two equal).

Hypothesis draws a small setup (a sales cycle of 3–5 stages, most with activities of 0–3 steps, so that stage tasks
are created; a Won and a Lost close code; a company, its person and a person without company; a campaign and a
segment) and 1–3 opportunities, each created with or without its first stage and then moved at random: First (the
action or the wizard's), an Update wizard action (mostly one of those available, as the wizard offers them; else
Next, Previous, Skip, Jump or Update whether available or not), Close Won or Lost — with dates (some going back),
values, chances, close dates, target stages, close codes and Cancel Old Tasks drawn too, so that some moves are
refused. The histories are written twice in one database, from the same starting point (a savepoint):

1. through the services (``create_opportunity``, ``activate_first_stage``, ``update_opportunity``,
   ``close_opportunity``), one opportunity after the other; a refused move changes nothing;
2. through the bulk path of ``salescycle generate`` and the Maven importer: every move planned by the engine (a
   refusal skipped), then ``bulk.Batch.add`` and ``bulk.write``.

Every opportunity, entry, task, customer and number-series row is then compared field by field, except what
legitimately differs:

- ``entry_no``: the services take it from the database's sequence, the bulk path numbers a block from the highest
  number + 1 (and PostgreSQL sequences do not roll back with the savepoint). Entries are compared per opportunity in
  order, and a task's ``opportunity_entry_no`` as the position of its entry in its opportunity's ledger;
- ``created_at`` and ``modified_at``: the clock's (the bulk writers derive them from business dates or take now);
- a customer's ``no``: the services number customers in the order opportunities are won, the bulk path a whole batch
  at once in contact order. The set of numbers taken and each contact's customer are compared.

Each example runs in its own transaction, rolled back at its end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pprint import pformat
from typing import Any

import pytest
from django.db import models, transaction
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st

from salescycle import testing
from salescycle.contacts.models import Campaign, Customer, Segment
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError
from salescycle.core.models import NumberSeries
from salescycle.core.workdate import today
from salescycle.demo import bulk
from salescycle.opportunities import engine, ledger, services
from salescycle.opportunities.choices import ActionTaken, CloseType, ProbabilityCalculation
from salescycle.opportunities.models import Opportunity, OpportunityEntry
from salescycle.opportunities.selectors.cycles import load_cycle
from salescycle.tasks.models import Activity, ActivityStep, Priority, Task, TaskType

METHODS = [method.value for method in ProbabilityCalculation]

pytestmark = pytest.mark.django_db

CYCLE = "DIFF"
SALESPERSON = "DIFF-SP"
COMPANY, PERSON, LONE_PERSON = "DIFF-CO", "DIFF-PERSON", "DIFF-LONE"  # a company, its person, a person without one
CAMPAIGN, SEGMENT = "DIFF-CAMP", "DIFF-SEG"
WON_CODE, LOST_CODE = "DIFF-WON", "DIFF-LOST"
ACTIVITIES = ("DIFF-A0", "DIFF-A1", "DIFF-A2")  # the first has no steps: one blank task
BASE = dt.date(2026, 3, 2)
FORMULAS = ("", "+1W", "+2D", "CM", "+1M", "-1D")  # the last gives a date before the date of change

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # No explain phase: it re-runs a failing example many more times, at a fraction of a second each.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)

# ---------------------------------------------------------------------------------------------------------------
# What Hypothesis draws


@dataclass(frozen=True)
class Step:
    type: str
    description: str
    priority: str
    date_formula: str


@dataclass(frozen=True)
class StageSpec:
    stage: int
    completed_pct: Decimal
    chances_of_success_pct: Decimal
    date_formula: str
    allow_skip: bool
    quote_required: bool
    activity: str | None


@dataclass(frozen=True)
class Setup:
    method: str
    stages: tuple[StageSpec, ...]
    steps: dict[str, tuple[Step, ...]]


@dataclass(frozen=True)
class Create:
    contact: str
    campaign: bool
    segment: bool
    priority: str
    date: dt.date
    # (estimated value, chances %, estimated closing date) when created with its first stage
    estimates: tuple[Decimal, Decimal, dt.date] | None


@dataclass(frozen=True)
class First:
    date: dt.date
    as_update: bool  # the Update wizard's First (with this estimated value), else the Activate First Stage action
    estimated_value: Decimal | None


@dataclass(frozen=True)
class Move:
    """An Update wizard action: ``action``, or else the ``pick``-th of the actions available at that moment (as the
    wizard offers them); the target stage: the action's default, or else the ``target``-th of its stages (of the
    cycle's stages for a given action, which the engine may refuse)."""

    action: engine.ActionType | None
    pick: int
    target: int | None
    date: dt.date
    estimated_value: Decimal | None
    chances_of_success_pct: Decimal | None
    estimated_close_date: dt.date | None
    cancel_old_tasks: bool


@dataclass(frozen=True)
class Close:
    outcome: str | None
    code: str
    date: dt.date
    sales_value: Decimal | None
    cancel_old_tasks: bool


@dataclass(frozen=True)
class History:
    create: Create
    moves: tuple[First | Move | Close, ...]


@dataclass(frozen=True)
class Scenario:
    setup: Setup
    histories: tuple[History, ...]


percent = st.decimals(min_value=0, max_value=100, places=2)
positive = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100000), places=2)
# Mostly values the engine accepts, sometimes one it refuses (a zero), sometimes none (take the proposal).
chances = st.sampled_from(("positive",) * 11 + ("zero",)).flatmap(
    lambda kind: st.decimals(min_value=1, max_value=100, places=2) if kind == "positive" else st.just(Decimal(0))
)
maybe_value = st.sampled_from(("value",) * 9 + ("none",) * 2 + ("zero",)).flatmap(
    lambda kind: {"value": positive, "none": st.none(), "zero": st.just(Decimal(0))}[kind]
)
MOVES = ("first",) * 2 + ("move",) * 12 + ("close",)


@st.composite
def setups(draw: st.DrawFn) -> Setup:
    steps = {
        ACTIVITIES[0]: (),
        **{
            code: tuple(
                draw(
                    st.lists(
                        st.builds(
                            Step,
                            type=st.sampled_from(TaskType.values),
                            description=st.sampled_from(("Call", "Demo", "Send offer", "")),
                            priority=st.sampled_from(Priority.values),
                            date_formula=st.sampled_from(FORMULAS),
                        ),
                        min_size=1,
                        max_size=3,
                    )
                )
            )
            for code in ACTIVITIES[1:]
        },
    }
    numbers = sorted(draw(st.sets(st.integers(1, 9), min_size=3, max_size=5)))
    stages = tuple(
        StageSpec(
            stage=number,
            completed_pct=draw(percent),
            chances_of_success_pct=draw(chances),
            date_formula=draw(st.sampled_from(FORMULAS[:-1] * 2 + FORMULAS[-1:])),
            allow_skip=draw(st.sampled_from((True, True, False))),
            quote_required=draw(st.sampled_from((False,) * 9 + (True,))),
            activity=draw(st.sampled_from((None, *ACTIVITIES, *ACTIVITIES))),
        )
        for number in numbers
    )
    return Setup(method=draw(st.sampled_from(METHODS)), stages=stages, steps=steps)


@st.composite
def histories(draw: st.DrawFn) -> History:
    created = BASE + dt.timedelta(days=draw(st.integers(0, 20)))
    estimates = None
    if draw(st.sampled_from((True, True, False))):
        closing = created + dt.timedelta(days=draw(st.integers(0, 90)))
        estimates = (draw(positive), draw(st.decimals(min_value=1, max_value=100, places=2)), closing)
    create = Create(
        contact=draw(st.sampled_from((COMPANY, PERSON, LONE_PERSON))),
        campaign=draw(st.booleans()),
        segment=draw(st.booleans()),
        priority=draw(st.sampled_from(Priority.values)),
        date=created,
        estimates=estimates,
    )
    moves: list[First | Move | Close] = []
    when = created
    actions = (None,) * 24 + tuple(a for a in engine.ActionType if a is not engine.ActionType.FIRST)
    for kind in draw(st.lists(st.sampled_from(MOVES), min_size=1, max_size=10)):
        when += dt.timedelta(days=draw(st.sampled_from((0, 1, 3, 7, 14, 30, -1))))  # a step back is refused
        if kind == "first":
            moves.append(First(date=when, as_update=draw(st.booleans()), estimated_value=draw(maybe_value)))
        elif kind == "move":
            close_in = draw(st.sampled_from((None, None, None, 0, 10, 45, -3)))
            moves.append(
                Move(
                    action=draw(st.sampled_from(actions)),
                    pick=draw(st.sampled_from(range(6))),
                    target=draw(st.sampled_from((None, None, 0, 1, 2, 3))),
                    date=when,
                    estimated_value=draw(maybe_value),
                    chances_of_success_pct=draw(st.none() | chances),
                    estimated_close_date=None if close_in is None else when + dt.timedelta(days=close_in),
                    cancel_old_tasks=draw(st.booleans()),
                )
            )
        else:
            outcome = draw(st.sampled_from((CloseType.WON, CloseType.LOST) * 3 + (None,)))
            code = {CloseType.WON.value: WON_CODE, CloseType.LOST.value: LOST_CODE}.get(outcome or "", "DIFF-NONE")
            moves.append(
                Close(
                    outcome=outcome,
                    code=draw(st.sampled_from((code,) * 6 + (WON_CODE, LOST_CODE, "DIFF-NONE"))),
                    date=when,
                    sales_value=draw(maybe_value),
                    cancel_old_tasks=draw(st.booleans()),
                )
            )
    return History(create=create, moves=tuple(moves))


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    return Scenario(setup=draw(setups()), histories=tuple(draw(st.lists(histories(), min_size=1, max_size=3))))


# ---------------------------------------------------------------------------------------------------------------
# The setup rows, and the opportunity's own columns


def install(setup: Setup) -> None:
    for code in ACTIVITIES:
        Activity.objects.create(code=code, description=code)
        for index, step in enumerate(setup.steps[code], start=1):
            ActivityStep.objects.create(
                activity_id=code,
                step_no=index * 10000,
                type=step.type,
                description=step.description,
                priority=step.priority,
                date_formula=step.date_formula,
            )
    testing.make_cycle(
        CYCLE,
        method=setup.method,
        stages=[
            {
                "stage": s.stage,
                "description": f"Stage {s.stage}",
                "completed_pct": s.completed_pct,
                "chances_of_success_pct": s.chances_of_success_pct,
                "date_formula": s.date_formula,
                "allow_skip": s.allow_skip,
                "quote_required": s.quote_required,
                "activity_id": s.activity,
            }
            for s in setup.stages
        ],
    )
    testing.make_close_code(WON_CODE, CloseType.WON)
    testing.make_close_code(LOST_CODE, CloseType.LOST)
    testing.make_salesperson(SALESPERSON)
    company = testing.make_company(COMPANY)
    testing.make_person(company, PERSON)
    testing.make_person(None, LONE_PERSON)
    campaign = Campaign.objects.create(
        no=CAMPAIGN, starting_date=dt.date(2026, 1, 1), ending_date=dt.date(2026, 12, 31), activated=True
    )
    Segment.objects.create(no=SEGMENT, description="Differential segment", campaign=campaign)


def opportunity_no(index: int) -> str:
    return f"DIFF-{index + 1}"


def own_columns(index: int, create: Create) -> dict[str, Any]:
    """The opportunity's own columns, as ``create_opportunity`` stores them (the bulk writer's caller gives them)."""
    company = {COMPANY: COMPANY, PERSON: COMPANY, LONE_PERSON: None}[create.contact]
    now = dt.datetime.now(tz=dt.UTC)
    return {
        "no": opportunity_no(index),
        "description": "Differential",
        "salesperson_id": SALESPERSON,
        "campaign_id": CAMPAIGN if create.campaign else None,
        "contact_id": create.contact,
        "contact_company_id": company,
        "sales_cycle_id": CYCLE,
        "segment_id": SEGMENT if create.segment else None,
        "segment_description": "Differential segment" if create.segment else "",
        "sales_document_type": "",
        "sales_document_no": "",
        "creation_date": create.date,
        "priority": create.priority,
        "no_series": "",
        "created_at": now,
        "modified_at": now,
    }


def update_request(move: Move | First, cycle: engine.Cycle, lists: engine.StageLists) -> engine.UpdateRequest | None:
    """The wizard's request for ``move`` on an opportunity whose candidate lists are ``lists``; None when the move
    picks among the available actions and there is none."""
    if isinstance(move, First):
        return engine.UpdateRequest(
            engine.ActionType.FIRST, date_of_change=move.date, estimated_value=move.estimated_value
        )
    action, stages = move.action, cycle.stage_numbers
    if action is None:
        if not lists.available:
            return None
        action = lists.available[move.pick % len(lists.available)]
        stages = lists.for_action(action)
    return engine.UpdateRequest(
        action,
        sales_cycle_stage=None if move.target is None else stages[move.target % len(stages)],
        date_of_change=move.date,
        estimated_value=move.estimated_value,
        chances_of_success_pct=move.chances_of_success_pct,
        estimated_close_date=move.estimated_close_date,
        cancel_old_tasks=move.cancel_old_tasks,
    )


# ---------------------------------------------------------------------------------------------------------------
# The two paths


def through_services(scenario: Scenario) -> None:
    cycle = load_cycle(CYCLE)
    assert cycle is not None
    for index, history in enumerate(scenario.histories):
        create, no = history.create, opportunity_no(index)
        services.create_opportunity(
            by=SYSTEM,
            no=no,
            description="Differential",
            contact_no=create.contact,
            salesperson_code=SALESPERSON,
            sales_cycle_code=CYCLE,
            campaign_no=CAMPAIGN if create.campaign else None,
            segment_no=SEGMENT if create.segment else None,
            priority=create.priority,
            creation_date=create.date,
            activate_first_stage=create.estimates is not None,
            estimates=services.Estimates(*create.estimates) if create.estimates else None,
            work_date=create.date,
        )
        for move in history.moves:
            try:
                if isinstance(move, First) and not move.as_update:
                    services.activate_first_stage(no, by=SYSTEM, date_of_change=move.date, work_date=move.date)
                elif isinstance(move, First | Move):
                    options = services.get_update_options(no, by=SYSTEM, work_date=move.date)
                    request = update_request(move, cycle, options.lists)
                    if request is not None:
                        services.update_opportunity(no, by=SYSTEM, request=request, work_date=move.date)
                else:
                    services.close_opportunity(
                        no,
                        by=SYSTEM,
                        outcome=move.outcome,
                        close_opportunity_code=move.code,
                        date_closed=move.date,
                        sales_value=move.sales_value,
                        cancel_old_tasks=move.cancel_old_tasks,
                        work_date=move.date,
                    )
            except DomainError as exc:  # refused: nothing written
                event(f"refused: {exc.code}")


def plan(cycle: engine.Cycle, history: History) -> list[engine.PlannedEntry]:
    """The history as the bulk writers plan it: every move asked of the engine, a refused one skipped."""
    planned: list[engine.PlannedEntry] = []
    if history.create.estimates is not None:
        value, chances, closing = history.create.estimates
        planned.append(
            engine.plan_first_stage(
                cycle,
                date_of_change=history.create.date,
                estimated_value=value,
                chances_of_success_pct=chances,
                estimated_close_date=closing,
            )
        )
    close_types = {WON_CODE: CloseType.WON, LOST_CODE: CloseType.LOST}
    for move in history.moves:
        active = ledger.active_state(planned[-1]) if planned else None
        closed = bool(planned) and planned[-1].is_closing
        try:
            if isinstance(move, First) and not move.as_update:
                step = engine.plan_first_stage(cycle, date_of_change=move.date, is_started=bool(planned))
            elif isinstance(move, First | Move):
                if closed:
                    continue  # the wizard does not open on a closed opportunity
                request = update_request(move, cycle, engine.candidate_stage_lists(cycle, active))
                if request is None:
                    continue
                step = engine.plan_update(cycle, active, request, work_date=move.date)
            else:
                close_request = engine.CloseRequest(
                    outcome=move.outcome,
                    close_opportunity_code=move.code,
                    date_closed=move.date,
                    sales_value=move.sales_value,
                    cancel_old_tasks=move.cancel_old_tasks,
                )
                step = engine.plan_close(
                    cycle,
                    active,
                    close_request,
                    close_code_type=close_types.get(move.code),
                    work_date=move.date,
                    is_closed=closed,
                )
        except DomainError:
            continue
        planned.append(step)
    return planned


def through_bulk(scenario: Scenario) -> None:
    cycle = load_cycle(CYCLE)
    assert cycle is not None
    steps = bulk.activity_steps()
    batch = bulk.Batch(first_entry_no=bulk.next_entry_no())
    for index, history in enumerate(scenario.histories):
        batch.add(own_columns(index, history.create), plan(cycle, history), steps=steps, cancelled_on=today())
    bulk.write(batch)


# ---------------------------------------------------------------------------------------------------------------
# The rows, field by field

TIMESTAMPS = {"created_at", "modified_at"}


def _values(model: type[models.Model], leave_out: set[str], order: tuple[str, ...]) -> list[dict[str, Any]]:
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in leave_out]
    return list(model._default_manager.order_by(*order).values(*names))


def rows() -> dict[str, dict[str, dict[str, Any]]]:
    """Every row the two paths write, keyed for the comparison (see the module docstring for what is left out)."""
    position: dict[int, str] = {}
    entries: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for entry in _values(OpportunityEntry, set(), ("opportunity_id", "entry_no")):
        number = counts[entry["opportunity_id"]] = counts.get(entry["opportunity_id"], 0) + 1
        key = f"{entry['opportunity_id']}#{number}"
        position[entry.pop("entry_no")] = key
        entries[key] = entry
    tasks = {}
    for task in _values(Task, TIMESTAMPS, ("no",)):
        task["opportunity_entry_no"] = position.get(task["opportunity_entry_no"], task["opportunity_entry_no"])
        tasks[task["no"]] = task
    customers = {c["contact_id"]: c for c in _values(Customer, {"no", *TIMESTAMPS}, ("contact_id",))}
    return {
        "opportunity": {o["no"]: o for o in _values(Opportunity, TIMESTAMPS, ("no",))},
        "entry": entries,
        "task": tasks,
        "customer": customers,
        "customer numbers": {"taken": {"numbers": sorted(Customer.objects.values_list("no", flat=True))}},
        "number series": {s["code"]: s for s in _values(NumberSeries, set(), ("code",))},
    }


def differences(services_rows: dict[str, Any], bulk_rows: dict[str, Any]) -> list[str]:
    """One line per row or field that differs: ``task TD000003 priority: services 'high' != bulk 'normal'``."""
    found = []
    for table, by_services in services_rows.items():
        by_bulk = bulk_rows[table]
        for key in sorted(by_services.keys() | by_bulk.keys()):
            if key not in by_bulk or key not in by_services:
                side = "bulk" if key not in by_bulk else "services"
                found.append(f"{table} {key}: missing in {side}")
                continue
            for name in by_services[key]:
                ours, theirs = by_services[key][name], by_bulk[key][name]
                if ours != theirs:
                    found.append(f"{table} {key} {name}: services {ours!r} != bulk {theirs!r}")
    return found


def both_paths(scenario: Scenario) -> tuple[dict[str, Any], dict[str, Any]]:
    """The rows after :func:`through_services` and after :func:`through_bulk`, each from the same installed setup
    (a savepoint), in a transaction rolled back at the end."""
    with transaction.atomic():
        install(scenario.setup)
        start = transaction.savepoint()
        through_services(scenario)
        by_services = rows()
        transaction.savepoint_rollback(start)
        through_bulk(scenario)
        by_bulk = rows()
        transaction.set_rollback(True)
    return by_services, by_bulk


# ---------------------------------------------------------------------------------------------------------------
# The tests


@EXAMPLES
@given(scenarios())
def test_the_bulk_path_writes_every_row_as_the_services_do(scenario: Scenario) -> None:
    note(pformat(scenario, width=120))  # the failing example, readable (Hypothesis prints it as "scenario=,")
    by_services, by_bulk = both_paths(scenario)

    found = differences(by_services, by_bulk)
    assert not found, "the bulk path differs from the services:\n" + "\n".join(found)
    entries, tasks = by_services["entry"].values(), by_services["task"].values()
    longest = max((int(key.split("#")[1]) for key in by_services["entry"]), default=0)
    event(f"longest ledger: {longest} entries")
    event(f"stage tasks: {'some' if tasks else 'none'}")
    event(f"cancelled tasks: {'some' if any(t['canceled'] for t in tasks) else 'none'}")
    event(f"customers: {len(by_services['customer'])}")
    for action in sorted({e["action_taken"] for e in entries}):
        event(f"action taken: {action}")


# A fixed scenario with stage tasks of every priority, a cancellation and a Won close, for the test below.
SENSITIVE = Scenario(
    setup=Setup(
        method=ProbabilityCalculation.MULTIPLY,
        stages=(
            StageSpec(1, Decimal(10), Decimal(20), "+1W", True, False, ACTIVITIES[1]),
            StageSpec(2, Decimal(50), Decimal(60), "+2W", False, False, ACTIVITIES[0]),
        ),
        steps={
            ACTIVITIES[0]: (),
            ACTIVITIES[1]: (Step("phone_call", "Call", Priority.HIGH, "+1D"), Step("", "Offer", Priority.LOW, "")),
            ACTIVITIES[2]: (),
        },
    ),
    histories=(
        History(
            create=Create(PERSON, True, True, Priority.HIGH, BASE, (Decimal(1000), Decimal(25), BASE)),
            moves=(
                Move(engine.ActionType.NEXT, 0, None, BASE + dt.timedelta(days=3), None, None, None, True),
                Close(CloseType.WON, WON_CODE, BASE + dt.timedelta(days=9), Decimal(900), True),
            ),
        ),
    ),
)


def test_a_bulk_path_that_writes_other_stage_tasks_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # The mutant of issue #13 (stage tasks of another priority and duration, in the bulk path only: the services
    # never call ledger.history) must show as a difference of exactly those fields.
    fold = ledger.history

    def wrong_tasks(*args: Any, **kwargs: Any) -> ledger.Ledger:
        result = fold(*args, **kwargs)
        for task in result.tasks:
            task.update(priority=Priority.NORMAL, duration_minutes=60)
        return result

    by_services, by_bulk = both_paths(SENSITIVE)
    assert differences(by_services, by_bulk) == []
    monkeypatch.setattr(bulk.ledger, "history", wrong_tasks)

    by_services, by_bulk = both_paths(SENSITIVE)

    assert differences(by_services, by_bulk) == [
        "task TD000001 priority: services 'high' != bulk 'normal'",
        "task TD000001 duration_minutes: services 1440 != bulk 60",
        "task TD000002 priority: services 'low' != bulk 'normal'",
        "task TD000002 duration_minutes: services 1440 != bulk 60",
        "task TD000003 duration_minutes: services 1440 != bulk 60",
    ]
    assert {t["action_taken"] for t in by_services["entry"].values()} == {
        ActionTaken.FIRST,
        ActionTaken.NEXT,
        ActionTaken.WON,
    }
