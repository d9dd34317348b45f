"""Synthetic data for demos and benchmarks (issue #6): ``salescycle generate --opportunities N --seed S``.

Adds, under numbers prefixed ``G<seed>-``: salespeople in teams (about one per 2,000 opportunities, at least 10),
company contacts with their person contacts, and N opportunities whose histories are random walks through a sales
cycle (First, then Next/Previous/Skip/Jump/Update, then Won or Lost for most of the older ones) over the three
years up to ``as_of``, with the stage tasks every entry creates and a customer for every Won company. The demo
setup of spec §7 is installed first, plus the ``GENERATED`` cycle (six stages, skippable ones, no Quote Required).

Every entry is planned by the engine's pure functions, so the histories obey the rules exactly as through the
services: the walk simply asks the engine and, when it refuses (e.g. Next into a Quote Required stage of the demo
cycles, since no sales quotes are generated), takes another action. The rows come from the builders the services
write with (:mod:`salescycle.opportunities.ledger`) and are written by :mod:`salescycle.demo.bulk` in batches of
5,000 opportunities, one transaction per batch.

The result depends only on the seed, N and ``as_of`` (never on the clock): random numbers come from one generator
per batch seeded with ``(seed, batch)``, and creation timestamps are derived from the business dates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import random
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from tqdm import tqdm

from salescycle.contacts.models import Contact, ContactType, Salesperson, Team
from salescycle.core.errors import DomainError
from salescycle.core.keys import validate_key
from salescycle.demo import bulk
from salescycle.demo.setup_data import install_demo_setup
from salescycle.opportunities import engine, ledger
from salescycle.opportunities.choices import CloseType
from salescycle.opportunities.models import (
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
)
from salescycle.opportunities.selectors.cycles import load_cycle
from salescycle.tasks.models import Task, TaskStatus
from salescycle.tasks.rows import StepTemplate

BATCH = 5000  # opportunities per transaction
# From this size on, and when it more than doubles the opportunities, the load drops the secondary indexes of the
# opportunity, entry and task tables and builds them again at the end (see bulk.indexes_deferred).
DEFER_INDEXES_FROM = 50_000
YEARS_OF_HISTORY = 3
OPPORTUNITIES_PER_SALESPERSON = 2000
MIN_SALESPEOPLE = 10
SALESPEOPLE_PER_TEAM = 8
OPPORTUNITIES_PER_COMPANY = 10

GENERATED_CYCLE = "GENERATED"
# (stage, description, completed %, chances %, activity, allow skip, date formula); no stage requires a quote,
# because the generator makes no sales documents.
GENERATED_STAGES = (
    (1, "Lead", 5, 10, "INIT", False, "+1W"),
    (2, "Qualification", 15, 25, "QUAL", True, "+2W"),
    (3, "Needs analysis", 30, 40, "NEEDS", True, "+3W"),
    (4, "Presentation", 50, 55, "P-PRES", False, "+1M"),
    (5, "Workshop", 70, 70, "WORKSHOP", True, "+1M"),
    (6, "Negotiation", 85, 85, "C-PRES", False, "+2W"),
)
CYCLE_WEIGHTS = {GENERATED_CYCLE: 5, "NEW": 3, "EXISTING": 2}
ACTION_WEIGHTS = {
    engine.ActionType.NEXT: 50,
    engine.ActionType.UPDATE: 12,
    engine.ActionType.SKIP: 15,
    engine.ActionType.PREVIOUS: 8,
    engine.ActionType.JUMP: 6,
}

FIRST_NAMES = [
    "Anna",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Finn",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kara",
    "Liam",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Viktor",
    "Wendy",
    "Xavier",
    "Yara",
    "Zoe",
    "Aiko",
    "Bruno",
    "Carla",
    "Diego",
    "Elena",
    "Farid",
    "Greta",
    "Hamid",
    "Ivy",
    "Jamal",
    "Kenji",
    "Lena",
    "Marco",
    "Nina",
]
LAST_NAMES = [
    "Andersen",
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Keller",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Olsen",
    "Petrov",
    "Quist",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Umar",
    "Vogel",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zimmer",
    "Bakker",
    "Novak",
    "Silva",
    "Kowalski",
]
COMPANY_WORDS = [
    "Alpine",
    "Blue",
    "Cedar",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Harbor",
    "Iron",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple",
    "Nova",
    "Orbit",
    "Pine",
    "Quartz",
    "River",
    "Summit",
    "Tidal",
    "Umbra",
    "Vertex",
    "Willow",
    "Zenith",
]
COMPANY_KINDS = [
    "Systems",
    "Foods",
    "Logistics",
    "Labs",
    "Energy",
    "Retail",
    "Media",
    "Health",
    "Motors",
    "Textiles",
    "Software",
    "Builders",
]
COMPANY_SUFFIXES = ("Inc.", "Ltd", "GmbH", "AS", "Oy", "BV", "LLC", "SA")
PRODUCTS = (
    "CRM rollout",
    "Support contract",
    "Hardware refresh",
    "Cloud migration",
    "Training package",
    "Consulting days",
    "License renewal",
    "Analytics add-on",
)
CITIES = (("Atlanta", "US"), ("Chicago", "US"), ("Oslo", "NO"), ("Helsinki", "FI"), ("Berlin", "DE"), ("Utrecht", "NL"))


@dataclass
class GenerateResult:
    """What :func:`generate` added."""

    opportunities: int = 0
    entries: int = 0
    tasks: int = 0
    salespeople: int = 0
    teams: int = 0
    contacts: int = 0
    customers: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Company:
    no: str
    name: str
    salesperson: str
    persons: tuple[str, ...]


@dataclass(frozen=True)
class _World:
    """The setup every batch reads: engine cycles, close codes by type, activity steps, parties."""

    cycles: dict[str, engine.Cycle]
    close_codes: dict[str, tuple[str, ...]]
    steps: dict[str, tuple[StepTemplate, ...]]
    salespeople: tuple[str, ...]
    companies: tuple[_Company, ...]


def prefix_for(seed: int) -> str:
    """The prefix of every number ``generate`` gives for ``seed`` (``G42-``)."""
    return f"G{seed}-"


def generate(
    opportunities: int, *, seed: int, as_of: dt.date, progress: bool = False, batch_size: int = BATCH
) -> GenerateResult:
    """Add ``opportunities`` synthetic opportunities with their salespeople, contacts, entries, tasks and customers
    (see the module docstring), dated within three years up to ``as_of``. Deterministic for (seed, N, as_of).

    Each batch of ``batch_size`` opportunities is one transaction. Errors: ``generate.seed_used`` when opportunities
    with this seed's prefix exist (generate with another seed to add more), ``invalid_input`` for N < 1 or a seed
    whose keys would be longer than 20 characters (the key rule, :mod:`salescycle.core.keys`).
    Writers running at the same time must not create entries or tasks (numbers are taken in blocks).
    """
    if opportunities < 1:
        raise DomainError("invalid_input", _("The number of opportunities must be at least 1."))
    prefix = prefix_for(seed)
    validate_key(f"{prefix}P{0:07d}", "seed")  # the longest key generated: a seed too long for 20 characters
    if Opportunity.objects.filter(no__startswith=prefix).exists():
        raise DomainError(
            "generate.seed_used",
            _("Opportunities numbered %(prefix)s… exist already: generate with another seed to add more."),
            params={"prefix": prefix},
        )
    result = GenerateResult()
    with transaction.atomic():
        install_demo_setup()
        _install_generated_cycle()
        world = _world(opportunities, seed=seed, as_of=as_of, result=result)
    bar = tqdm(total=opportunities, desc="Generating opportunities", unit="opp", file=sys.stderr, disable=not progress)
    large = opportunities >= DEFER_INDEXES_FROM and Opportunity.objects.count() < opportunities
    with bulk.indexes_deferred(Opportunity, OpportunityEntry, Task) if large else contextlib.nullcontext():
        for batch, start in enumerate(range(0, opportunities, batch_size)):
            size = min(batch_size, opportunities - start)
            with transaction.atomic():
                _batch(world, random.Random(f"{seed}:{batch}"), prefix, start, size, as_of, result)
            bar.update(size)
        bar.close()
    bulk.reset_sequences(OpportunityEntry)
    bulk.analyze()  # the planner's statistics, after the indexes are built again
    return result


def _install_generated_cycle() -> None:
    """The GENERATED sales cycle and its stages (get-or-create: existing records are left as they are)."""
    SalesCycle.objects.get_or_create(
        code=GENERATED_CYCLE,
        defaults={"description": "Generated pipeline", "probability_calculation": "multiply"},
    )
    for stage, description, completed, chances, activity, skip, formula in GENERATED_STAGES:
        SalesCycleStage.objects.get_or_create(
            sales_cycle_id=GENERATED_CYCLE,
            stage=stage,
            defaults={
                "description": description,
                "completed_pct": Decimal(completed),
                "chances_of_success_pct": Decimal(chances),
                "activity_id": activity,
                "allow_skip": skip,
                "date_formula": formula,
            },
        )


def _timestamp(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def _world(n: int, *, seed: int, as_of: dt.date, result: GenerateResult) -> _World:
    """Load the setup and create the salespeople, teams and contacts of this seed."""
    rng = random.Random(f"{seed}:people")
    prefix = prefix_for(seed)
    cycles = {code: cycle for code in CYCLE_WEIGHTS if (cycle := load_cycle(code)) is not None and cycle.stages}
    close_codes: dict[str, list[str]] = {CloseType.WON: [], CloseType.LOST: []}
    for code, kind in CloseOpportunityCode.objects.order_by("code").values_list("code", "type"):
        close_codes[kind].append(code)

    salespeople = max(MIN_SALESPEOPLE, round(n / OPPORTUNITIES_PER_SALESPERSON))
    teams = [
        Team(code=f"{prefix}T{i:02d}", name=f"Generated team {i} (seed {seed})")
        for i in range(1, max(2, math.ceil(salespeople / SALESPEOPLE_PER_TEAM)) + 1)
    ]
    people = [
        Salesperson(
            code=f"{prefix}S{i:04d}",
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            job_title="Account manager",
        )
        for i in range(1, salespeople + 1)
    ]
    Team.objects.bulk_create(teams)
    Salesperson.objects.bulk_create(people)
    membership = Salesperson.teams.through
    membership.objects.bulk_create(
        membership(salesperson_id=p.code, team_id=teams[i % len(teams)].code) for i, p in enumerate(people)
    )
    result.salespeople, result.teams = len(people), len(teams)

    companies: list[_Company] = []
    contact_rows: list[tuple[Any, ...]] = []
    names = bulk.columns(Contact)
    stamp = _timestamp(as_of - dt.timedelta(days=YEARS_OF_HISTORY * 366), 8)
    person_no = 0
    for i in range(1, max(20, n // OPPORTUNITIES_PER_COMPANY) + 1):
        no = f"{prefix}C{i:07d}"
        name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {rng.choice(COMPANY_SUFFIXES)}"
        city, country = rng.choice(CITIES)
        owner = rng.choice(people).code
        persons = []
        for _i in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
            person_no += 1
            persons.append(f"{prefix}P{person_no:07d}")
            person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            contact_rows.append(
                _contact_row(names, persons[-1], ContactType.PERSON, person, no, owner, (city, country), stamp)
            )
        contact_rows.append(_contact_row(names, no, ContactType.COMPANY, name, no, owner, (city, country), stamp))
        companies.append(_Company(no, name, owner, tuple(persons)))
    result.contacts = bulk.insert_rows(Contact, names, contact_rows)
    return _World(
        cycles=cycles,
        close_codes={kind: tuple(codes) for kind, codes in close_codes.items()},
        steps=bulk.activity_steps(),
        salespeople=tuple(p.code for p in people),
        companies=tuple(companies),
    )


def _contact_row(
    names: list[str],
    no: str,
    kind: str,
    name: str,
    company: str,
    owner: str,
    place: tuple[str, str],
    stamp: dt.datetime,
) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "no": no,
        "type": kind,
        "name": name,
        "company_id": company,
        "salesperson_id": owner,
        "email": f"{no.lower()}@example.com",
        "phone": "",
        "address": "",
        "city": place[0],
        "post_code": "",
        "country_code": place[1],
        "industry": "",
        "year_established": None,
        "annual_revenue": None,
        "no_of_employees": None,
        "parent_company_id": None,
        "version": 1,
        "created_at": stamp,
        "modified_at": stamp,
    }
    return tuple(values[name] for name in names)


def _batch(
    world: _World, rng: random.Random, prefix: str, start: int, size: int, as_of: dt.date, result: GenerateResult
) -> None:
    """Plan and write ``size`` opportunities numbered from ``start + 1``."""
    out = bulk.Batch(first_entry_no=bulk.next_entry_no())
    cycle_codes = list(world.cycles)
    cycle_weights = [CYCLE_WEIGHTS[c] for c in cycle_codes]
    for index in range(start, start + size):
        no = f"{prefix}{index + 1:07d}"
        company = rng.choice(world.companies)
        contact = rng.choice(company.persons) if company.persons and rng.random() < 0.7 else company.no
        salesperson = company.salesperson if rng.random() < 0.85 else rng.choice(world.salespeople)
        cycle = world.cycles[rng.choices(cycle_codes, cycle_weights)[0]]
        created = as_of - dt.timedelta(days=rng.randrange(YEARS_OF_HISTORY * 365))
        planned = _history(world, rng, cycle, created, as_of)
        row: dict[str, Any] = {
            "no": no,
            "salesperson_id": salesperson,
            "campaign_id": None,
            "contact_id": contact,
            "contact_company_id": company.no,
            "sales_cycle_id": cycle.code,
            "segment_id": None,
            "segment_description": "",
            "sales_document_type": "",
            "sales_document_no": "",
            "creation_date": created,
            "no_series": "",
            "created_at": _timestamp(created, 9),
            "modified_at": _timestamp(planned[-1].date_of_change if planned else created, 17),
        }
        history = out.add(row, planned, steps=world.steps)
        _work_on_tasks(rng, history.tasks, as_of)
        row["description"] = f"{rng.choice(PRODUCTS)} for {company.name}"
        row["priority"] = rng.choices(("low", "normal", "high"), (2, 6, 2))[0]
        result.by_status[row["status"]] = result.by_status.get(row["status"], 0) + 1
    written = bulk.write(out)
    result.opportunities += written.opportunities
    result.entries += written.entries
    result.tasks += written.tasks
    result.customers += written.customers


def _history(
    world: _World, rng: random.Random, cycle: engine.Cycle, created: dt.date, as_of: dt.date
) -> list[engine.PlannedEntry]:
    """A random walk through ``cycle`` from ``created`` to at most ``as_of``: the planned entries."""
    if rng.random() < 0.03:
        return []
    age = (as_of - created).days
    value = Decimal(max(500, round(rng.lognormvariate(10.1, 0.9), -2)))
    when = min(created + dt.timedelta(days=rng.randrange(0, 8)), as_of)
    planned = [
        engine.plan_first_stage(
            cycle,
            date_of_change=when,
            estimated_value=value,
            estimated_close_date=when + dt.timedelta(days=rng.randint(30, 180)),
        )
    ]
    will_close = rng.random() < min(0.92, 0.1 + age / 400)
    for _move in range(rng.choices((0, 1, 2, 3, 4, 5, 6), (10, 20, 22, 18, 12, 10, 8))[0]):
        when = when + dt.timedelta(days=rng.randint(2, 40))
        if when > as_of:
            break
        moved = _move_once(rng, cycle, ledger.active_state(planned[-1]), when)
        if moved is None:
            break
        planned.append(moved)
    when = planned[-1].date_of_change + dt.timedelta(days=rng.randint(3, 60))
    if will_close and when <= as_of:
        planned.append(_close(world, rng, cycle, planned[-1], when))
    return planned


def _move_once(
    rng: random.Random, cycle: engine.Cycle, active: engine.EntryState, when: dt.date
) -> engine.PlannedEntry | None:
    """One Update wizard action the engine accepts, chosen at random among the available ones; None if none."""
    lists = engine.candidate_stage_lists(cycle, active)
    options = [a for a in lists.available if a in ACTION_WEIGHTS]
    while options:
        action = rng.choices(options, [ACTION_WEIGHTS[a] for a in options])[0]
        choices = lists.for_action(action)
        target = rng.choice(choices) if action in (engine.ActionType.SKIP, engine.ActionType.JUMP) else None
        factor = Decimal(rng.choice((90, 95, 100, 100, 100, 105, 110, 120))) / 100
        request = engine.UpdateRequest(
            action,
            sales_cycle_stage=target,
            date_of_change=when,
            estimated_value=(active.estimated_value * factor).quantize(Decimal(100)),
            estimated_close_date=when + dt.timedelta(days=rng.randint(14, 120)),
            cancel_old_tasks=rng.random() < 0.3,
        )
        try:
            return engine.plan_update(cycle, active, request, work_date=when)
        except DomainError:
            # e.g. Next or Skip into a Quote Required stage: no quotes exist, so try another action.
            options.remove(action)
    return None


def _close(
    world: _World, rng: random.Random, cycle: engine.Cycle, last: engine.PlannedEntry, when: dt.date
) -> engine.PlannedEntry:
    """Close as Won (more likely from later stages) or Lost with a random code of that type."""
    position = cycle.stage_numbers.index(last.sales_cycle_stage) + 1
    won = rng.random() < 0.2 + 0.5 * position / len(cycle.stages)
    outcome = CloseType.WON if won else CloseType.LOST
    value = last.estimate.estimated_value
    sales = (value * Decimal(rng.randint(70, 110)) / 100).quantize(Decimal("0.01")) if won else None
    return engine.plan_close(
        cycle,
        ledger.active_state(last),
        engine.CloseRequest(
            outcome=outcome,
            close_opportunity_code=rng.choice(world.close_codes[outcome]),
            date_closed=when,
            sales_value=sales,
            cancel_old_tasks=rng.random() < 0.9,
        ),
        close_code_type=outcome,
        work_date=when,
    )


def _work_on_tasks(rng: random.Random, tasks: list[dict[str, Any]], as_of: dt.date) -> None:
    """Date the stage tasks' creation on their own date; of the tasks left open, most of those due before ``as_of``
    were done on their date."""
    for task in tasks:
        if not task["closed"] and task["date"] < as_of and rng.random() < 0.8:
            task.update(closed=True, status=TaskStatus.COMPLETED, date_closed=task["date"])
        task["created_at"] = _timestamp(task["date"], 7)
