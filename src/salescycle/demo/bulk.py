"""Writing engine-planned opportunity histories in bulk: shared by the Maven importer and ``salescycle generate``.

The per-opportunity services lock and query for every action, far too slow for thousands or millions of
opportunities. Instead each entry is computed with the engine's pure functions (``plan_first_stage``,
``plan_update``, ``plan_close``), so the same validation order and estimate recalculation apply as through the
services, and :func:`ledger` turns the planned entries into rows exactly as ``services._insert_entry`` leaves them
after each step (spec §4.7): one active entry (the newest), Days Open = next entry's Date of Change − its own, the
opportunity's status, closed flag, date closed and copy of the active entry's figures. :func:`stage_tasks` mirrors
``tasks.services.create_stage_tasks`` (spec §4.9.1) and :func:`ensure_customers` the "ensure customer" of a Won
closing (spec §4.8.4).

:func:`insert_rows` writes plain tuples without building model instances: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL, an order of magnitude faster than ``bulk_create`` for millions of rows.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from salescycle.contacts.models import Contact, Customer
from salescycle.core.dates import calc_date
from salescycle.core.errors import DomainError
from salescycle.core.models import NumberSeries
from salescycle.opportunities import engine
from salescycle.opportunities.choices import ActionTaken, OpportunityStatus
from salescycle.opportunities.integrity import FIGURES
from salescycle.opportunities.models import MarketingSetup, OpportunityEntry
from salescycle.tasks.models import Priority, TaskStatus
from salescycle.tasks.services import STAGE_TASK_MINUTES

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def state_of(planned: engine.PlannedEntry) -> engine.EntryState:
    """The engine's view of a planned entry once inserted (the next step's active entry)."""
    estimate = planned.estimate
    return engine.EntryState(
        sales_cycle_stage=planned.sales_cycle_stage,
        date_of_change=planned.date_of_change,
        estimated_value=estimate.estimated_value,
        chances_of_success_pct=estimate.chances_of_success_pct,
        estimated_close_date=estimate.estimated_close_date,
        action_taken=planned.action_taken,
    )


@dataclass(frozen=True)
class Ledger:
    """An opportunity's entries as rows (dicts keyed by attribute name) and what its own row must say.

    ``opportunity`` holds status, closed, date closed and the copy of the active entry's figures
    (``current_sales_cycle_stage`` …), ready to be merged into the opportunity's other fields.
    """

    opportunity: dict[str, Any]
    entries: list[dict[str, Any]]


def ledger(
    planned: Sequence[engine.PlannedEntry],
    *,
    opportunity_no: str,
    sales_cycle_code: str,
    contact_no: str | None,
    contact_company_no: str | None,
    salesperson_code: str | None,
    campaign_no: str | None = None,
    first_entry_no: int | None = None,
) -> Ledger:
    """The rows of an opportunity with the entries ``planned`` (oldest first, at least one), as
    ``services._insert_entry`` leaves them after inserting each in turn (spec §4.7). ``first_entry_no`` numbers the
    entries explicitly (consecutively); None leaves ``entry_no`` to the database."""
    entries: list[dict[str, Any]] = []
    last_index = len(planned) - 1
    for index, step in enumerate(planned):
        following = planned[index + 1].date_of_change if index < last_index else None
        estimate = step.estimate
        row: dict[str, Any] = {
            "opportunity_id": opportunity_no,
            "sales_cycle_id": sales_cycle_code,
            "sales_cycle_stage": step.sales_cycle_stage,
            "sales_cycle_stage_description": step.sales_cycle_stage_description,
            "previous_sales_cycle_stage": step.previous_sales_cycle_stage,
            "contact_id": contact_no,
            "contact_company_id": contact_company_no,
            "salesperson_id": salesperson_code,
            "campaign_id": campaign_no,
            "date_of_change": step.date_of_change,
            "active": following is None,
            "date_closed": step.date_closed,
            "days_open": max((following - step.date_of_change).days, 0) if following is not None else 0,
            "action_taken": step.action_taken,
            "estimated_value": estimate.estimated_value,
            "calculated_current_value": estimate.calculated_current_value,
            "completed_pct": estimate.completed_pct,
            "chances_of_success_pct": estimate.chances_of_success_pct,
            "probability_pct": estimate.probability_pct,
            "close_opportunity_code_id": step.close_opportunity_code,
            "estimated_close_date": estimate.estimated_close_date,
            "created_by_id": None,
        }
        if first_entry_no is not None:
            row["entry_no"] = first_entry_no + index
        entries.append(row)
    last = planned[-1]
    if last.action_taken == ActionTaken.WON:
        status = OpportunityStatus.WON
    elif last.action_taken == ActionTaken.LOST:
        status = OpportunityStatus.LOST
    else:
        status = OpportunityStatus.IN_PROGRESS
    active = entries[-1]
    opportunity: dict[str, Any] = {
        "status": status,
        "closed": last.is_closing,
        "date_closed": last.date_of_change if last.is_closing else None,
    }
    for opportunity_field, entry_field in FIGURES:
        opportunity[opportunity_field] = active[entry_field]
    return Ledger(opportunity=opportunity, entries=entries)


@dataclass(frozen=True)
class StepTemplate:
    """An activity step as :func:`stage_tasks` needs it (spec §2.7)."""

    type: str
    description: str
    priority: str
    date_formula: str


def stage_tasks(
    steps: Sequence[StepTemplate],
    *,
    date_of_change: dt.date,
    opportunity_no: str,
    opportunity_entry_no: int,
    salesperson_code: str | None,
    contact_no: str | None,
    contact_company_no: str | None,
    campaign_no: str | None = None,
    segment_no: str | None = None,
) -> list[dict[str, Any]]:
    """The stage tasks of an entry, unnumbered, as ``tasks.services.create_stage_tasks`` makes them (spec §4.9.1):
    one per activity step in step order dated CalcDate(step formula, Date of Change), or one blank task dated the
    Date of Change for an activity without steps."""
    specs = [(s.type, s.description, s.priority, _calc_date(s.date_formula, date_of_change)) for s in steps] or [
        ("", "", Priority.NORMAL, date_of_change)
    ]
    return [
        {
            "type": kind,
            "description": description,
            "date": date,
            "status": TaskStatus.NOT_STARTED,
            "priority": priority,
            "closed": False,
            "canceled": False,
            "date_closed": None,
            "recurring": False,
            "duration_minutes": STAGE_TASK_MINUTES,
            "salesperson_id": salesperson_code,
            "team_id": None,
            "contact_id": contact_no,
            "contact_company_id": contact_company_no,
            "campaign_id": campaign_no,
            "segment_id": segment_no,
            "opportunity_no": opportunity_no,
            "opportunity_entry_no": opportunity_entry_no,
            "version": 1,
        }
        for kind, description, priority, date in specs
    ]


@functools.lru_cache(maxsize=65536)
def _calc_date(formula: str, date: dt.date) -> dt.date:
    # Pure, and a few formulas over a few thousand dates repeat millions of times in a large load.
    result = calc_date(formula, date)
    assert result is not None  # a date in, a date out
    return result


def cancel_tasks(tasks: Iterable[dict[str, Any]], *, on: dt.date) -> None:
    """Cancel the open task rows among ``tasks`` as ``tasks.services.cancel_open_tasks`` does (spec §4.9.2);
    ``on`` stands for the system date of the (simulated) action."""
    for task in tasks:
        if not task["closed"] and not task["canceled"]:
            task.update(recurring=False, canceled=True, closed=True, status=TaskStatus.COMPLETED, date_closed=on)


def reserve_numbers(series_code: str, count: int) -> list[str]:
    """Take ``count`` consecutive numbers of number series ``series_code`` in one update (the series row is locked
    until the caller's transaction ends). Numbers given by hand beyond the series' last number are not skipped:
    the bulk writers own the series while they run."""
    series = NumberSeries.objects.select_for_update().get(code=series_code)
    first = series.last_no_used + 1
    NumberSeries.objects.filter(code=series_code).update(last_no_used=series.last_no_used + count)
    return [series.format(number) for number in range(first, first + count)]


def ensure_customers(contact_nos: Iterable[str]) -> int:
    """Make every contact in ``contact_nos`` a customer unless it is one (spec §4.8.4), numbered from one block of
    the customer series (numbers already taken are skipped). The contacts must be the ones that become customers
    (a person's company, not the person). Returns how many were created. Error: ``setup.bus_rel_code_missing``."""
    wanted = set(contact_nos)
    needed = sorted(wanted - set(Customer.objects.filter(contact_id__in=wanted).values_list("contact_id", flat=True)))
    if not needed:
        return 0
    if not MarketingSetup.get().bus_rel_code_for_customers:
        raise DomainError(
            "setup.bus_rel_code_missing", _("Bus. Rel. Code for Customers must have a value in Marketing Setup.")
        )
    series = NumberSeries.objects.select_for_update().get(code="customer")
    number = series.last_no_used
    nos: list[str] = []
    while len(nos) < len(needed):
        candidates = [series.format(n) for n in range(number + 1, number + 1 + len(needed) - len(nos))]
        number += len(candidates)
        used = set(Customer.objects.filter(no__in=candidates).values_list("no", flat=True))
        nos.extend(c for c in candidates if c not in used)
    NumberSeries.objects.filter(code="customer").update(last_no_used=number)
    names = dict(Contact.objects.filter(no__in=needed).values_list("no", "name"))
    Customer.objects.bulk_create(
        Customer(no=no, name=names[contact_no], contact_id=contact_no)
        for no, contact_no in zip(nos, needed, strict=True)
    )
    return len(needed)


def next_entry_no() -> int:
    """The first free opportunity entry number. On PostgreSQL the entry table is locked against other writers
    until the caller's transaction ends, so explicitly numbered entries cannot collide."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {OpportunityEntry._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    return (OpportunityEntry.objects.aggregate(last=Max("entry_no"))["last"] or 0) + 1


def reset_sequences(*model_classes: type[models.Model]) -> None:
    """Move the primary-key sequences past explicitly inserted keys (PostgreSQL; SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def columns(model: type[models.Model], *, exclude: Sequence[str] = ()) -> list[str]:
    """The attribute names of ``model``'s concrete columns, in the table's order, minus ``exclude``."""
    return [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]


def insert_rows(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (tuples of values for the attributes ``names``) into ``model``'s table; returns how many.

    Values are Python values as the ORM would hold them (``Decimal``, ``date``, aware ``datetime``, ``None``…).
    No defaults, ``auto_now`` or signals apply: every column must be given. SQLite: ``executemany``; PostgreSQL:
    ``COPY … FROM STDIN``. Runs in the caller's transaction.
    """
    opts = model._meta
    fields = [field for field in opts.concrete_fields if field.attname in names]
    fields.sort(key=lambda field: list(names).index(field.attname))
    if len(fields) != len(names):
        raise ValueError(f"not all of {names} are columns of {opts.label}")
    quote = connection.ops.quote_name
    column_list = ", ".join(quote(f.column or f.attname) for f in fields)
    table = quote(opts.db_table)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        datetimes = [i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField)]
        adapt = connection.ops.adapt_datetimefield_value

        def prepared() -> Iterator[Sequence[Any]]:
            nonlocal count
            for row in rows:
                count += 1
                if datetimes:
                    values = list(row)
                    for i in datetimes:
                        values[i] = adapt(values[i])
                    yield values
                else:
                    yield row

        placeholders = ", ".join(["%s"] * len(fields))
        # Not an injection (bandit B608): the table and column names come from the model's _meta, quoted by the
        # backend; every value goes through a %s parameter.
        sql = f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})"  # noqa: S608  # nosec B608
        cursor.executemany(sql, prepared())  # type: ignore[arg-type]  # any iterable works
    return count


def analyze() -> None:
    """Gather the query planner's statistics after a bulk load (``ANALYZE`` of the whole database).

    SQLite keeps no statistics until ``ANALYZE`` runs (then it guesses, and for instance prefers a plain foreign-key
    index to a smaller partial one); PostgreSQL's autovacuum would get there eventually, but not before the first
    queries. About 1.5 s at 100,000 generated opportunities on SQLite, under a minute at 1,000,000. On PostgreSQL
    outside a transaction it is ``VACUUM ANALYZE``, which also sets the visibility map, so the statistics'
    covering indexes serve index-only scans at once (``VACUUM`` cannot run inside a transaction; there, and on
    SQLite, it is plain ``ANALYZE``, which runs in the caller's transaction).
    """
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes of ``table`` that do not back its primary key or a constraint."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) ORDER BY i.relname",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL "
                "ORDER BY name",
                [table],
            )
        return [(name, sql) for name, sql in cursor.fetchall()]


@contextmanager
def indexes_deferred(*model_classes: type[models.Model]) -> Iterator[None]:
    """Drop the secondary indexes of the models' tables for a bulk load and create them again afterwards (also
    when the load fails or is interrupted with Ctrl-C): building an index once over sorted data is several times
    faster than maintaining it row by row. Unique indexes are re-checked when they are created again. Only for
    loads that dwarf the existing data and while no one else uses the database."""
    dropped: list[tuple[str, str]] = []
    try:
        with connection.cursor() as cursor:
            for model in model_classes:
                for name, sql in _secondary_indexes(model._meta.db_table):
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                    dropped.append((name, sql))
        yield
    finally:
        with connection.cursor() as cursor:
            for _name, sql in dropped:
                cursor.execute(sql)
