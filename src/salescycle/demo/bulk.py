"""Writing engine-planned opportunity histories in bulk: shared by the Maven importer and ``salescycle generate``.

The per-opportunity services lock and query for every action, far too slow for thousands or millions of
opportunities. Instead each entry is planned with the engine's pure functions (``plan_first_stage``,
``plan_update``, ``plan_close``), so the same validation order and estimate recalculation apply as through the
services, and the rows come from the same builders the services write with (:mod:`salescycle.opportunities.ledger`):
:func:`~salescycle.opportunities.ledger.history` folds them over a whole history exactly as
``services._insert_entry`` leaves the rows after each step (spec §4.7, §4.9). This module keeps only the bulk I/O:
:class:`Batch` collects the rows of many opportunities with their entries numbered in one block, :func:`write`
numbers their tasks, inserts everything and makes the customers of the Won ones (spec §4.8.4). The differential
property test ``opportunities/tests/test_ledger_differential.py`` holds this path equal to the services.

:func:`insert_rows` writes plain tuples without building model instances: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL, an order of magnitude faster than ``bulk_create`` for millions of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salescycle.contacts.models import Contact, Customer
from salescycle.core.errors import DomainError
from salescycle.core.models import NumberSeries
from salescycle.core.numbering import next_nos
from salescycle.opportunities import engine, ledger
from salescycle.opportunities.models import MarketingSetup, Opportunity, OpportunityEntry
from salescycle.tasks.models import ActivityStep, Task
from salescycle.tasks.rows import StepTemplate

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Batch:
    """The rows of many new opportunities for one :func:`write`, with their entries numbered consecutively from
    ``first_entry_no`` (:func:`next_entry_no`, in the transaction that writes them). Rows are dicts keyed by
    attribute name, read when the batch is written: until then the caller may still change them (complete a task,
    fill in a column)."""

    first_entry_no: int
    opportunities: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    customers: set[str] = field(default_factory=set)

    def add(
        self,
        opportunity: dict[str, Any],
        planned: Sequence[engine.PlannedEntry],
        *,
        steps: Mapping[str, Sequence[StepTemplate]] | None = None,
        cancelled_on: dt.date | None = None,
    ) -> ledger.Ledger:
        """Add the opportunity ``opportunity`` (its own columns, every column of the table but those of
        :data:`~salescycle.opportunities.ledger.STATE_FIELDS` and ``version``, which it receives here in place)
        with the history ``planned`` (oldest first; may be empty): its entries, stage tasks from ``steps`` and
        customer, as :func:`salescycle.opportunities.ledger.history` makes them with ``cancelled_on``. Returns that
        ledger, whose task rows are the batch's own."""
        history = ledger.history(
            planned,
            ledger.Parties.of(opportunity),
            first_entry_no=self.first_entry_no + len(self.entries),
            steps=steps,
            cancelled_on=cancelled_on,
        )
        opportunity.update(history.opportunity)
        self.opportunities.append(opportunity)
        self.entries.extend(history.entries)
        self.tasks.extend(history.tasks)
        if history.customer is not None:
            self.customers.add(history.customer)
        return history


def activity_steps() -> dict[str, tuple[StepTemplate, ...]]:
    """Every activity's steps in step order, as the stage-task builder reads them (activity code → steps; an
    activity without steps is missing). One query, for a bulk writer to read once (spec §2.7)."""
    steps: dict[str, list[StepTemplate]] = {}
    for step in ActivityStep.objects.order_by("activity_id", "step_no"):
        steps.setdefault(step.activity_id, []).append(
            StepTemplate(step.type, step.description, step.priority, step.date_formula)
        )
    return {code: tuple(items) for code, items in steps.items()}


@dataclass(frozen=True)
class Written:
    """How many rows :func:`write` inserted, and how many customers it created."""

    opportunities: int
    entries: int
    tasks: int
    customers: int


def write(batch: Batch) -> Written:
    """Insert the rows of ``batch`` in the caller's transaction: task numbers from one block of the ``task`` series
    (:func:`reserve_numbers`) in the order the tasks were added, ``created_at`` of a task without one = now; then
    the opportunities, entries and tasks (:func:`insert_rows`) and the customers (:func:`ensure_customers`).
    Errors as those functions'."""
    numbers = reserve_numbers("task", len(batch.tasks))
    now = timezone.now()
    for task, number in zip(batch.tasks, numbers, strict=True):
        task["no"] = number
        task.setdefault("created_at", now)
    return Written(
        opportunities=insert_rows(Opportunity, OPPORTUNITY_COLUMNS, _tuples(batch.opportunities, OPPORTUNITY_COLUMNS)),
        entries=insert_rows(OpportunityEntry, ENTRY_COLUMNS, _tuples(batch.entries, ENTRY_COLUMNS)),
        tasks=insert_rows(Task, TASK_COLUMNS, _tuples(batch.tasks, TASK_COLUMNS)),
        customers=ensure_customers(batch.customers),
    )


def _tuples(rows: Iterable[Mapping[str, Any]], names: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    for row in rows:
        yield tuple(row[name] for name in names)


def reserve_numbers(series_code: str, count: int) -> list[str]:
    """Take ``count`` consecutive numbers of number series ``series_code`` in one update (the series row is locked
    until the caller's transaction ends). Numbers given by hand beyond the series' last number are not skipped:
    the bulk writers own the series while they run."""
    series = NumberSeries.objects.select_for_update().get(code=series_code)
    first = series.last_no_used + 1
    NumberSeries.objects.filter(code=series_code).update(last_no_used=series.last_no_used + count)
    return [series.format(number) for number in range(first, first + count)]


def ensure_customers(contact_nos: Iterable[str]) -> int:
    """Make every contact in ``contact_nos`` a customer unless it is one (spec §4.8.4), numbered in the order of
    their numbers from one block of the customer series (:func:`salescycle.core.numbering.next_nos`: numbers
    already taken are skipped). The contacts must be the ones that become customers (a person's company, not the
    person: :func:`salescycle.opportunities.ledger.customer_contact_no`). Returns how many were created. Errors:
    ``setup.bus_rel_code_missing``, ``setup.number_series_missing``, ``setup.number_series_invalid``."""
    wanted = set(contact_nos)
    needed = sorted(wanted - set(Customer.objects.filter(contact_id__in=wanted).values_list("contact_id", flat=True)))
    if not needed:
        return 0
    if not MarketingSetup.get().bus_rel_code_for_customers:
        raise DomainError(
            "setup.bus_rel_code_missing", _("Bus. Rel. Code for Customers must have a value in Marketing Setup.")
        )
    nos = next_nos("customer", len(needed), taken=_customers_taken)
    names = dict(Contact.objects.filter(no__in=needed).values_list("no", "name"))
    Customer.objects.bulk_create(
        Customer(no=no, name=names[contact_no], contact_id=contact_no)
        for no, contact_no in zip(nos, needed, strict=True)
    )
    return len(needed)


def _customers_taken(candidates: list[str]) -> set[str]:
    return set(Customer.objects.filter(no__in=candidates).values_list("no", flat=True))


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


# The columns write() inserts, in the tables' order.
OPPORTUNITY_COLUMNS = columns(Opportunity)
ENTRY_COLUMNS = columns(OpportunityEntry)
TASK_COLUMNS = columns(Task)


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
