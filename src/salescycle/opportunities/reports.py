"""BC's four opportunity reports (spec §5.9) as data: Opportunity - List (5061), Salesperson - Opportunities (5058),
Sales Cycle - Analysis (5062) and Opportunity - Details (5068, the card's "Print Details").

Reads only (the import contract "reads" forbids services): each report is a :class:`Report` of plain values
(text, ``int``, ``Decimal`` in LCY or %, ``date``, ``bool``, ``None``) in :class:`Table` s whose :class:`Column` s
say how a cell is shown, so that one template prints every report and one function (``core.pdf``) draws every
PDF. Every figure covers only what the user may see (``contacts.permissions``); each report runs a constant number
of queries whatever the number of rows; sums are exact (``core.money.ExactSum``, D19); lists stop at
:data:`REPORT_ROWS` rows and say how many matched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.dates import calc_date
from salescycle.core.keys import normalize_key
from salescycle.core.money import ZERO, ExactSum, exact_average
from salescycle.opportunities import engine
from salescycle.opportunities.models import Opportunity, OpportunityEntry, SalesCycle, SalesCycleStage
from salescycle.opportunities.selectors import ListFilters, filtered_opportunities, visible
from salescycle.tasks.models import ActivityStep, Priority, Task, TaskStatus, TaskType

# A printed list longer than this is cut (the report says how many rows matched): a page of a million rows helps no
# one and would take minutes to draw as PDF.
REPORT_ROWS = 2000

Label = str | Promise


@dataclass(frozen=True)
class Column:
    """A report column: its caption and the kind of its cells: ``text``, ``int``, ``amount`` (LCY, 2 decimals),
    ``pct`` (%, up to 2 decimals), ``days`` (1 decimal), ``date`` or ``bool`` (Yes/No)."""

    label: Label
    kind: str = "text"

    @property
    def is_number(self) -> bool:
        """True for the right-aligned kinds (``int``, ``amount``, ``pct``, ``days``)."""
        return self.kind in {"int", "amount", "pct", "days"}


@dataclass(frozen=True)
class Table:
    """One table of a report: an optional heading, its columns, its rows (tuples in column order) and an optional
    total line (a tuple in column order, blank cells None)."""

    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    heading: Label = ""
    totals: tuple[Any, ...] | None = None
    empty: Label = ""  # shown when there are no rows; blank: "Nothing to print."


@dataclass(frozen=True)
class Report:
    """A report ready to print: its BC title, the filters applied (caption, value), header fields (caption, value,
    kind as in :class:`Column`), its tables, and ``matched`` (the number of rows the filters matched when the list
    was cut at :data:`REPORT_ROWS`, else None)."""

    title: Label
    tables: list[Table]
    filters: list[tuple[Label, str]] = field(default_factory=list)
    fields: list[tuple[Label, Any, str]] = field(default_factory=list)
    matched: int | None = None


def _labels(choices: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    return dict(choices)


def _cut(qs: QuerySet[Any]) -> tuple[list[Any], int | None]:
    """The first :data:`REPORT_ROWS` rows of ``qs`` and, when there are more, how many match (one more query)."""
    rows = list(qs[: REPORT_ROWS + 1])
    if len(rows) <= REPORT_ROWS:
        return rows, None
    return rows[:REPORT_ROWS], qs.count()


# ---------------------------------------------------------------------------------------------------------------
# Opportunity - List (report 5061)

OPPORTUNITY_LIST_COLUMNS = (
    Column(_("No.")),
    Column(_("Description")),
    Column(_("Sales Cycle Code")),
    Column(_("Current Sales Cycle Stage")),
    Column(_("Salesperson Code")),
    Column(_("Campaign No.")),
    Column(_("Contact No.")),
    Column(_("Contact Name")),
    Column(_("Probability %"), "pct"),
    Column(_("Completed %"), "pct"),
    Column(_("Status")),
)


def opportunity_list(filters: ListFilters, *, user: Actor) -> Report:
    """Opportunity - List: the opportunities ``user`` may see that match the list's ``filters`` (the web list's, so
    the report prints what the list shows), in the list's order: No., Description, Sales Cycle Code, Current Sales
    Cycle Stage (its description), Salesperson Code, Campaign No., Contact No. (and name), Probability %, Completed %,
    Status. No totals. One query (two when cut). Implements spec §5.9 (report 5061)."""
    qs = filters.keyset().order(filtered_opportunities(filters, user=user)).select_related("contact")
    found, matched = _cut(qs)
    status = _labels(Opportunity._meta.get_field("status").choices or ())
    rows = [
        (
            o.no,
            o.description,
            o.sales_cycle_id,
            o.current_stage_description if o.status != "not_started" else "",
            o.salesperson_id,
            o.campaign_id,
            o.contact_id,
            o.contact.name if o.contact is not None else "",
            o.probability_pct,
            o.completed_pct,
            status.get(o.status, o.status),
        )
        for o in found
    ]
    return Report(
        title=_("Opportunity - List"),
        tables=[Table(OPPORTUNITY_LIST_COLUMNS, rows)],
        matched=matched,
    )


# ---------------------------------------------------------------------------------------------------------------
# Salesperson - Opportunities (report 5058)

SALESPERSON_OPPORTUNITIES_COLUMNS = (
    Column(_("No.")),
    Column(_("Contact No.")),
    Column(_("Creation Date"), "date"),
    Column(_("Status")),
    Column(_("Priority")),
    Column(_("Probability %"), "pct"),
    Column(_("Chances of Success %"), "pct"),
    Column(_("Completed %"), "pct"),
    Column(_("Campaign No.")),
    Column(_("Date Closed"), "date"),
    Column(_("Description")),
)


def salesperson_opportunities(filters: ListFilters, *, user: Actor) -> Report:
    """Salesperson - Opportunities: the opportunities ``user`` may see matching the list's ``filters`` (BC's:
    Salesperson Code, No., Campaign No., Contact No., Creation Date, Closed, Date Closed; and the list's others), one
    table per salesperson (heading "code name") sorted by Salesperson Code, then Closed (open first), then No.;
    opportunities without a salesperson are not in it (BC reads them per salesperson). Columns: No., Contact No.,
    Creation Date, Status, Priority, Probability %, Chances of Success %, Completed %, Campaign No., Date Closed,
    Description. One query (two when cut). Implements spec §5.9 (report 5058)."""
    qs = (
        filtered_opportunities(filters, user=user)
        .exclude(salesperson=None)
        .select_related("salesperson")
        .order_by("salesperson_id", "closed", "no")
    )
    found, matched = _cut(qs)
    status = _labels(Opportunity._meta.get_field("status").choices or ())
    priority = _labels(Priority.choices)
    tables: list[Table] = []
    for o in found:
        if not tables or tables[-1].heading != _salesperson_heading(o):
            tables.append(Table(SALESPERSON_OPPORTUNITIES_COLUMNS, [], heading=_salesperson_heading(o)))
        tables[-1].rows.append(
            (
                o.no,
                o.contact_id,
                o.creation_date,
                status.get(o.status, o.status),
                priority.get(o.priority, o.priority),
                o.probability_pct,
                o.chances_of_success_pct,
                o.completed_pct,
                o.campaign_id,
                o.date_closed,
                o.description,
            )
        )
    return Report(
        title=_("Salesperson - Opportunities"),
        tables=tables or [Table(SALESPERSON_OPPORTUNITIES_COLUMNS, [])],
        matched=matched,
    )


def _salesperson_heading(o: Opportunity) -> str:
    return f"{o.salesperson_id} {o.salesperson.name}".strip() if o.salesperson is not None else ""


# ---------------------------------------------------------------------------------------------------------------
# Sales Cycle - Analysis (report 5062)

SALES_CYCLE_ANALYSIS_COLUMNS = (
    Column(_("Stage"), "int"),
    Column(_("Description")),
    Column(_("Activity Code")),
    Column(_("No. of Opportunities"), "int"),
    Column(_("Estimated Value (LCY)"), "amount"),
    Column(_("Calcd. Current Value (LCY)"), "amount"),
    Column(_("Average No. of Days"), "days"),
)


def _visible_entries(entries: QuerySet[OpportunityEntry], user: Actor, field: str) -> QuerySet[OpportunityEntry]:
    condition = permissions.visibility_filter(user, field)
    return entries if condition is None else entries.filter(condition)


def _dated(entries: QuerySet[OpportunityEntry], start: dt.date | None, end: dt.date | None) -> QuerySet[Any]:
    if start:
        entries = entries.filter(estimated_close_date__gte=start)
    if end:
        entries = entries.filter(estimated_close_date__lte=end)
    return entries


def sales_cycle_analysis(
    *,
    code: str = "",
    blocked: bool | None = None,
    estimated_close_date_from: dt.date | None = None,
    estimated_close_date_to: dt.date | None = None,
    user: Actor,
) -> Report:
    """Sales Cycle - Analysis: per sales cycle (all, or ``code``; ``blocked`` True/False narrows to blocked or
    unblocked cycles) a table of its stages: Stage, Description, Activity Code, No. of Opportunities, Estimated
    Value (LCY) and Calcd. Current Value (LCY) of the open opportunities at that stage (active entries not Won/Lost),
    Average No. of Days (days open of the entries that left the stage, 5 places); the total line is the cycle's
    open opportunities. Only what ``user`` may see counts; the Estimated Close Date range narrows both. The same
    figures as the Sales Cycle statistics (spec §5.3), for all cycles at once: four queries. Implements spec §5.9
    (report 5062)."""
    cycles = SalesCycle.objects.order_by("code")
    if code:
        cycles = cycles.filter(code=normalize_key(code))
    if blocked is not None:
        cycles = cycles.filter(blocked=blocked)
    cycle_list = list(cycles)
    codes = [c.code for c in cycle_list]
    open_entries = _visible_entries(
        OpportunityEntry.objects.open().filter(sales_cycle_id__in=codes), user, "salesperson"
    )
    figures = {
        (row["sales_cycle_id"], row["sales_cycle_stage"]): row
        for row in _dated(open_entries, estimated_close_date_from, estimated_close_date_to)
        .order_by()
        .values("sales_cycle_id", "sales_cycle_stage")
        .annotate(n=Count("*"), value=ExactSum("estimated_value"), current=ExactSum("calculated_current_value"))
    }
    inactive = _visible_entries(
        OpportunityEntry.objects.filter(sales_cycle_id__in=codes, active=False), user, "opportunity__salesperson"
    )
    days = {
        (row["sales_cycle_id"], row["sales_cycle_stage"]): row
        for row in _dated(inactive, estimated_close_date_from, estimated_close_date_to)
        .order_by()
        .values("sales_cycle_id", "sales_cycle_stage")
        .annotate(n=Count("*"), days=Sum("days_open"))
    }
    stages: dict[str, list[SalesCycleStage]] = {}
    for stage in SalesCycleStage.objects.filter(sales_cycle_id__in=codes).order_by("sales_cycle_id", "stage"):
        stages.setdefault(stage.sales_cycle_id, []).append(stage)
    tables = [_cycle_table(cycle, stages.get(cycle.code, []), figures, days) for cycle in cycle_list]
    return Report(title=_("Sales Cycle - Analysis"), tables=tables)


def _cycle_table(
    cycle: SalesCycle,
    stages: list[SalesCycleStage],
    figures: dict[tuple[str, int], dict[str, Any]],
    days: dict[tuple[str, int], dict[str, Any]],
) -> Table:
    rows = []
    total_n, total_value, total_current = 0, ZERO, ZERO
    for stage in stages:
        row = figures.get((cycle.code, stage.stage), {})
        n, value, current = row.get("n", 0), row.get("value") or ZERO, row.get("current") or ZERO
        left = days.get((cycle.code, stage.stage), {})
        average = exact_average(Decimal(left.get("days") or 0), left.get("n", 0))
        rows.append((stage.stage, stage.description, stage.activity_id, n, value, current, average))
        total_n, total_value, total_current = total_n + n, total_value + value, total_current + current
    return Table(
        SALES_CYCLE_ANALYSIS_COLUMNS,
        rows,
        heading=f"{cycle.code} {cycle.description}".strip(),
        totals=(None, str(_("Total")), None, total_n, total_value, total_current, None),
        empty=_("This sales cycle has no stages."),
    )


# ---------------------------------------------------------------------------------------------------------------
# Opportunity - Details (report 5068, "Print Details")

TASK_COLUMNS = (
    Column(_("Status")),
    Column(_("Date"), "date"),
    Column(_("Description")),
    Column(_("Priority")),
    Column(_("Type")),
)
ENTRY_COLUMNS = (
    Column(_("Stage"), "int"),
    Column(_("Description")),
    Column(_("Date of Change"), "date"),
    Column(_("Estimated Close Date"), "date"),
    Column(_("Active"), "bool"),
    Column(_("Quote Required"), "bool"),
    Column(_("Allow Skip"), "bool"),
)
PLANNED_STAGE_COLUMNS = (
    Column(_("Stage"), "int"),
    Column(_("Description")),
    Column(_("Starting Date"), "date"),
    Column(_("Chances of Success %"), "pct"),
    Column(_("Completed %"), "pct"),
    Column(_("Quote Required"), "bool"),
    Column(_("Allow Skip"), "bool"),
)
PLANNED_STEP_COLUMNS = (
    Column(_("Stage"), "int"),
    Column(_("Step No."), "int"),
    Column(_("Status")),
    Column(_("Date"), "date"),
    Column(_("Description")),
    Column(_("Priority")),
    Column(_("Type")),
)


def _task_row(task: Task) -> tuple[Any, ...]:
    return (
        _labels(TaskStatus.choices).get(task.status, task.status),
        task.date,
        task.description,
        _labels(Priority.choices).get(task.priority, task.priority),
        _labels(TaskType.choices).get(task.type, task.type) if task.type else "",
    )


def _engine_cycle(code: str | None, stages: list[SalesCycleStage], method: str) -> engine.Cycle:
    return engine.Cycle(
        code=code or "",
        probability_calculation=method,
        stages=tuple(
            engine.Stage(
                stage=s.stage,
                description=s.description,
                completed_pct=s.completed_pct,
                chances_of_success_pct=s.chances_of_success_pct,
                date_formula=s.date_formula,
                quote_required=s.quote_required,
                allow_skip=s.allow_skip,
                activity_code=s.activity_id,
            )
            for s in stages
        ),
    )


def opportunity_details(no: str, *, work_date: dt.date, user: Actor) -> Report | None:
    """Opportunity - Details of opportunity ``no`` as ``user`` may see it (None when missing or invisible): the
    header (No., Description, Contact, Salesperson, Sales Cycle, Status, Date Closed); "Initial Tasks" (its tasks of
    no entry); each entry on a stage in entry order (Stage, its description, Date of Change, Estimated Close Date,
    Active, the stage's Quote Required and Allow Skip) and the tasks each created; then the planned remaining stages
    after the current one (the last entry's stage, 0 before any) with their activity steps, dated by the engine
    (:func:`~salescycle.opportunities.engine.planned_stages`: from the first task date of the current stage, or
    ``work_date`` when no stage was reached; a step on CalcDate(step formula, stage starting date)), status Planned.
    Five queries. Implements spec §5.9 (report 5068)."""
    o = visible(user).select_related("contact", "salesperson", "sales_cycle").filter(no=normalize_key(no)).first()
    if o is None:
        return None
    entries = list(
        OpportunityEntry.objects.filter(opportunity_id=o.no)
        .exclude(sales_cycle_stage=0)
        .order_by("entry_no")
        .only("entry_no", "sales_cycle_stage", "date_of_change", "estimated_close_date", "active")
    )
    tasks = list(Task.objects.filter(opportunity_no=o.no).order_by("date", "closed", "no"))
    stages = list(SalesCycleStage.objects.filter(sales_cycle_id=o.sales_cycle_id).order_by("stage"))
    tasks_of: dict[int, list[Task]] = {}
    for task in tasks:
        tasks_of.setdefault(task.opportunity_entry_no, []).append(task)

    entry_rows, task_tables, start = _stage_entries(entries, {s.stage: s for s in stages}, tasks_of)
    current = engine.current_report_stage([e.sales_cycle_stage for e in entries])
    cycle = _engine_cycle(o.sales_cycle_id, stages, o.sales_cycle.probability_calculation if o.sales_cycle else "")
    planned = engine.planned_stages(cycle, current, work_date if current == 0 else start)
    planned_rows, step_rows = _planned(planned)
    fields: list[tuple[Label, Any, str]] = [
        (_("No."), o.no, "text"),
        (_("Description"), o.description, "text"),
        (_("Contact"), f"{o.contact_id or ''} {o.contact.name if o.contact else ''}".strip(), "text"),
        (_("Salesperson"), f"{o.salesperson_id or ''} {o.salesperson.name if o.salesperson else ''}".strip(), "text"),
        (_("Sales Cycle Code"), o.sales_cycle_id or "", "text"),
        (_("Status"), o.get_status_display(), "text"),
        (_("Date Closed"), o.date_closed, "date"),
    ]
    tables = [
        Table(TASK_COLUMNS, [_task_row(t) for t in tasks_of.get(0, [])], heading=_("Initial Tasks")),
        Table(ENTRY_COLUMNS, entry_rows, heading=_("Sales Cycle Stages")),
        *task_tables,
        Table(PLANNED_STAGE_COLUMNS, planned_rows, heading=_("Planned Remaining Stages")),
        Table(PLANNED_STEP_COLUMNS, step_rows, heading=_("Planned Activity Steps")),
    ]
    return Report(title=_("Opportunity - Details"), tables=tables, fields=fields)


def _stage_entries(
    entries: list[OpportunityEntry], by_stage: dict[int, SalesCycleStage], tasks_of: dict[int, list[Task]]
) -> tuple[list[tuple[Any, ...]], list[Table], dt.date | None]:
    """The entry rows, a task table per entry that created tasks, and the date the plan starts from: the first task
    date of the current stage (BC's PlannedStartingDate, reset when an entry moves to another stage)."""
    rows, tables = [], []
    start: dt.date | None = None
    last = None
    for entry in entries:
        stage = by_stage.get(entry.sales_cycle_stage)
        rows.append(
            (
                entry.sales_cycle_stage,
                stage.description if stage else "",
                entry.date_of_change,
                entry.estimated_close_date,
                entry.active,
                stage.quote_required if stage else False,
                stage.allow_skip if stage else False,
            )
        )
        if entry.sales_cycle_stage != last:
            start = None
        last = entry.sales_cycle_stage
        own = tasks_of.get(entry.entry_no, [])
        if own:
            start = start or own[0].date
            heading = _("Tasks of stage %(stage)s (entry %(entry)s)") % {
                "stage": entry.sales_cycle_stage,
                "entry": entry.entry_no,
            }
            tables.append(Table(TASK_COLUMNS, [_task_row(t) for t in own], heading=heading))
    return rows, tables, start


def _planned(planned: tuple[engine.PlannedStage, ...]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The planned stages' rows and their activity steps' rows (one query), each step dated CalcDate(step formula,
    the stage's starting date), status Planned."""
    steps_of: dict[str, list[ActivityStep]] = {}
    activities = {p.stage.activity_code for p in planned if p.stage.activity_code}
    for step in ActivityStep.objects.filter(activity_id__in=activities).order_by("activity_id", "step_no"):
        steps_of.setdefault(step.activity_id, []).append(step)
    priority, kind = _labels(Priority.choices), _labels(TaskType.choices)
    stage_rows, step_rows = [], []
    for p in planned:
        s = p.stage
        stage_rows.append(
            (
                s.stage,
                s.description,
                p.starting_date,
                s.chances_of_success_pct,
                s.completed_pct,
                s.quote_required,
                s.allow_skip,
            )
        )
        step_rows += [
            (
                s.stage,
                step.step_no,
                str(_("Planned")),
                calc_date(step.date_formula, p.starting_date),
                step.description,
                priority.get(step.priority, step.priority),
                kind.get(step.type, step.type) if step.type else "",
            )
            for step in steps_of.get(s.activity_code or "", [])
        ]
    return stage_rows, step_rows
