"""Reads for the web screens: the filtered opportunity list with keyset paging, the card, the pipeline board and the
statistics of spec §5. Every function runs a fixed number of queries and aggregates in the database.

Keyset paging: a page is the rows strictly after the last row's (sort key, No.) in the list's order; the cursor is
that pair. NULL estimated closing dates sort where the database puts them without a NULLS clause (last ascending on
PostgreSQL, first on SQLite), so each ordering is a plain scan of its index (``opp_creation_date``,
``opp_estimated_closing``, ``opp_estimated_value``, the primary key).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from salescycle.contacts.models import Campaign, Contact, Salesperson, Segment
from salescycle.contacts.services import normalize_key
from salescycle.core.money import ZERO
from salescycle.opportunities.models import (
    ActionTaken,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
)

PAGE_SIZE = 50
BOARD_PAGE_SIZE = 20

# sort parameter → (model field, nullable)
SORTS: dict[str, tuple[str, bool]] = {
    "no": ("no", False),
    "creation_date": ("creation_date", False),
    "estimated_closing_date": ("estimated_closing_date", True),
    "estimated_value": ("estimated_value", False),
}


@dataclass(frozen=True)
class ListFilters:
    """The list's filters, from the query string (all optional)."""

    salesperson: str = ""
    contact: str = ""
    campaign: str = ""
    segment: str = ""
    status: str = ""
    closed: str = ""  # "", "yes", "no"
    cycle: str = ""
    stage: int | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    closing_from: dt.date | None = None
    closing_to: dt.date | None = None
    q: str = ""
    sort: str = "no"  # a SORTS key, "-" prefix for descending


@dataclass
class ListPage:
    """One page of the list: its rows, the cursor of the next page (or None) and the caption."""

    rows: list[Opportunity]
    next_cursor: str | None
    caption: str
    contact: Contact | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _sort(filters: ListFilters) -> tuple[str, bool, bool]:
    key = filters.sort.lstrip("-")
    if key not in SORTS:
        key = "no"
    name, nullable = SORTS[key]
    return name, filters.sort.startswith("-"), nullable


def filtered_opportunities(filters: ListFilters, contact: Contact | None = None) -> QuerySet[Opportunity]:
    """The opportunities matching ``filters``, unordered. A company contact filter covers all its persons (§5.2)."""
    qs = Opportunity.objects.all()
    if filters.salesperson:
        qs = qs.filter(salesperson_id=normalize_key(filters.salesperson))
    if filters.contact:
        if contact is not None and contact.is_company:
            qs = qs.filter(contact_company_id=contact.no)
        else:
            qs = qs.filter(contact_id=normalize_key(filters.contact))
    if filters.campaign:
        qs = qs.filter(campaign_id=normalize_key(filters.campaign))
    if filters.segment:
        qs = qs.filter(segment_id=normalize_key(filters.segment))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.closed in ("yes", "no"):
        qs = qs.filter(closed=filters.closed == "yes")
    if filters.cycle:
        qs = qs.filter(sales_cycle_id=normalize_key(filters.cycle))
    if filters.stage is not None:
        qs = qs.filter(current_sales_cycle_stage=filters.stage)
    if filters.created_from:
        qs = qs.filter(creation_date__gte=filters.created_from)
    if filters.created_to:
        qs = qs.filter(creation_date__lte=filters.created_to)
    if filters.closing_from:
        qs = qs.filter(estimated_closing_date__gte=filters.closing_from)
    if filters.closing_to:
        qs = qs.filter(estimated_closing_date__lte=filters.closing_to)
    if filters.q:
        text = filters.q.strip()
        qs = qs.filter(Q(no__startswith=normalize_key(text)) | Q(description__icontains=text))
    return qs


def ordered(qs: QuerySet[Opportunity], filters: ListFilters) -> QuerySet[Opportunity]:
    """``qs`` in the list's order: the sort column, then No. in the same direction."""
    name, descending, _nullable = _sort(filters)
    prefix = "-" if descending else ""
    if name == "no":
        return qs.order_by(f"{prefix}no")
    return qs.order_by(f"{prefix}{name}", f"{prefix}no")


def _nulls_largest() -> bool:
    return connection.vendor == "postgresql"


def _after(name: str, descending: bool, nullable: bool, value: Any, no: str) -> Q:
    """Rows strictly after (value, no) in the order (name, no) both ascending or both descending."""
    gt, ge = ("lt", "lte") if descending else ("gt", "gte")
    tie = Q(**{f"no__{gt}": no})
    if name == "no":
        return tie
    nulls_first = descending == _nulls_largest()  # do NULLs come before the other values in this traversal?
    if value is None:
        after = Q(**{f"{name}__isnull": True}) & tie
        return after | Q(**{f"{name}__isnull": False}) if nulls_first else after
    # The redundant bound (>= value) lets the database seek in the index instead of filtering from its start.
    after = Q(**{f"{name}__{ge}": value}) & (Q(**{f"{name}__{gt}": value}) | tie)
    if nullable and not nulls_first:
        after |= Q(**{f"{name}__isnull": True})
    return after


def encode_cursor(value: Any, no: str) -> str:
    """An opaque cursor for the pair (sort value, No.)."""
    raw = json.dumps([None if value is None else str(value), no], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, name: str) -> tuple[Any, str] | None:
    """The (sort value, No.) of ``cursor`` for sort column ``name``, or None when it does not parse."""
    try:
        raw = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii")).decode())
        text, no = raw
        if not isinstance(no, str):
            return None
        model_field: Any = Opportunity._meta.get_field(name)
        value = None if text is None else model_field.to_python(text)
    except (ValueError, TypeError, UnicodeError, binascii.Error, Exception):
        return None
    return value, no


def caption_for(filters: ListFilters) -> tuple[str, Contact | None]:
    """The list caption "<No> <Name>" of the contact, salesperson, campaign or segment filter, else "Opportunities",
    and the filter's contact (one query at most). Implements spec §5.2."""
    if filters.contact:
        contact = Contact.objects.filter(no=normalize_key(filters.contact)).only("no", "name", "type").first()
        if contact is not None:
            return f"{contact.no} {contact.name}", contact
    for value, model, label in (
        (filters.salesperson, Salesperson, "name"),
        (filters.campaign, Campaign, "description"),
        (filters.segment, Segment, "description"),
    ):
        if value:
            key = normalize_key(value)
            name = model._default_manager.filter(pk=key).values_list(label, flat=True).first()
            if name is not None:
                return f"{key} {name}", None
    return str(_("Opportunities")), None


def opportunity_page(filters: ListFilters, cursor: str | None = None, size: int = PAGE_SIZE) -> ListPage:
    """One page of the filtered list after ``cursor`` (two queries: the caption's record and the page)."""
    caption, contact = caption_for(filters)
    qs = ordered(filtered_opportunities(filters, contact), filters)
    name, descending, nullable = _sort(filters)
    if cursor:
        decoded = decode_cursor(cursor, name)
        if decoded is not None:
            qs = qs.filter(_after(name, descending, nullable, decoded[0], decoded[1]))
    rows = list(qs.select_related("contact", "campaign")[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, name), last.no)
    return ListPage(rows=rows, next_cursor=next_cursor, caption=caption, contact=contact)


EXPORT_COLUMNS: list[tuple[str, Any]] = [
    ("no", _("No.")),
    ("closed", _("Closed")),
    ("creation_date", _("Creation Date")),
    ("description", _("Description")),
    ("contact_id", _("Contact No.")),
    ("contact__name", _("Contact Name")),
    ("contact_company_id", _("Contact Company No.")),
    ("salesperson_id", _("Salesperson Code")),
    ("status", _("Status")),
    ("sales_cycle_id", _("Sales Cycle Code")),
    ("current_stage_description", _("Current Sales Cycle Stage")),
    ("campaign_id", _("Campaign No.")),
    ("sales_document_type", _("Sales Document Type")),
    ("sales_document_no", _("Sales Document No.")),
    ("estimated_closing_date", _("Estimated Closing Date")),
    ("estimated_value", _("Estimated Value (LCY)")),
    ("calculated_current_value", _("Calcd. Current Value (LCY)")),
    ("probability_pct", _("Probability %")),
]


def export_rows(filters: ListFilters) -> Iterator[tuple[Any, ...]]:
    """The filtered list in its order as value tuples of :data:`EXPORT_COLUMNS`, streamed from a server-side cursor
    (rows are never all in memory)."""
    _caption, contact = caption_for(filters)
    qs = ordered(filtered_opportunities(filters, contact), filters)
    yield from qs.values_list(*[name for name, _label in EXPORT_COLUMNS]).iterator(chunk_size=2000)


# ---------------------------------------------------------------------------------------------------------------
# The card


@dataclass
class Card:
    """Everything the opportunity card shows (spec §4.12, §5.1, §5.2 subform)."""

    opportunity: Opportunity
    entries: list[OpportunityEntry]
    comments: list[Any]
    tasks: list[Any]
    no_of_interactions: int
    last_date_of_change: dt.date | None


def card(no: str) -> Card | None:
    """The card of opportunity ``no`` (five queries whatever the number of entries, comments and tasks)."""
    from salescycle.tasks.models import Task

    opportunity = (
        Opportunity.objects.select_related("contact", "contact_company", "salesperson", "campaign", "sales_cycle")
        .filter(no=normalize_key(no))
        .first()
    )
    if opportunity is None:
        return None
    entries = list(
        OpportunityEntry.objects.filter(opportunity_id=opportunity.no)
        .select_related("close_opportunity_code")
        .order_by("-entry_no")
    )
    return Card(
        opportunity=opportunity,
        entries=entries,
        comments=list(opportunity.comments.order_by("line_no")),
        tasks=list(Task.objects.filter(opportunity_no=opportunity.no).order_by("date", "no")[:200]),
        no_of_interactions=opportunity.interactions.filter(canceled=False, postponed=False).count(),
        last_date_of_change=entries[0].date_of_change if entries else None,
    )


def last_date_of_change(no: str) -> dt.date | None:
    """The Date of Change of the opportunity's active entry (None when Not Started)."""
    return (
        OpportunityEntry.objects.filter(opportunity_id=normalize_key(no), active=True)
        .values_list("date_of_change", flat=True)
        .first()
    )


# ---------------------------------------------------------------------------------------------------------------
# The pipeline board


@dataclass
class BoardColumn:
    """One stage of the board: its header figures (open opportunities at the stage) and its first cards."""

    stage: SalesCycleStage
    count: int
    estimated_value: Decimal
    calculated_current_value: Decimal
    cards: list[OpportunityEntry]
    next_cursor: str | None


def _stage_entries(cycle_code: str, stage: int, salesperson: str = "") -> QuerySet[OpportunityEntry]:
    qs = OpportunityEntry.objects.filter(active=True, sales_cycle_id=cycle_code, sales_cycle_stage=stage)
    if salesperson:
        qs = qs.filter(salesperson_id=salesperson)
    return qs


def board_cards(
    cycle_code: str, stage: int, *, salesperson: str = "", cursor: str | None = None, size: int = BOARD_PAGE_SIZE
) -> tuple[list[OpportunityEntry], str | None]:
    """One page of a stage's cards: active entries at the stage by (estimated close date, entry no.), keyset paged
    on the partial index ``entry_active_cycle_stage``."""
    qs = _stage_entries(cycle_code, stage, salesperson).order_by("estimated_close_date", "entry_no")
    if cursor:
        try:
            raw = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii")).decode())
            date_text, entry_no = raw
            value = dt.date.fromisoformat(date_text) if date_text else None
            entry_no = int(entry_no)
        except (ValueError, TypeError, UnicodeError, binascii.Error):
            value, entry_no = None, None
        if entry_no is not None:
            tie = Q(entry_no__gt=entry_no)
            if value is None:
                after = Q(estimated_close_date__isnull=True) & tie
                if not _nulls_largest():
                    after |= Q(estimated_close_date__isnull=False)
            else:
                after = Q(estimated_close_date__gte=value) & (Q(estimated_close_date__gt=value) | tie)
                if _nulls_largest():
                    after |= Q(estimated_close_date__isnull=True)
            qs = qs.filter(after)
    rows = list(qs.select_related("opportunity", "contact")[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        raw_cursor = json.dumps(
            [last.estimated_close_date.isoformat() if last.estimated_close_date else None, last.entry_no]
        )
        next_cursor = base64.urlsafe_b64encode(raw_cursor.encode()).decode().rstrip("=")
    return rows, next_cursor


def board(cycle_code: str, *, salesperson: str = "") -> list[BoardColumn]:
    """The board of a sales cycle: one column per stage with count, estimated and calculated current value of the
    open opportunities at the stage (one aggregate query) and its first cards (one query per stage)."""
    stages = list(SalesCycleStage.objects.filter(sales_cycle_id=cycle_code).order_by("stage"))
    totals_qs = OpportunityEntry.objects.open().filter(sales_cycle_id=cycle_code)
    if salesperson:
        totals_qs = totals_qs.filter(salesperson_id=salesperson)
    totals: dict[int, dict[str, Any]] = {
        row["sales_cycle_stage"]: dict(row)
        for row in totals_qs.values("sales_cycle_stage").annotate(
            n=Count("entry_no"), ev=Sum("estimated_value"), cv=Sum("calculated_current_value")
        )
    }
    columns = []
    for stage in stages:
        figures = totals.get(stage.stage, {})
        cards, next_cursor = board_cards(cycle_code, stage.stage, salesperson=salesperson)
        columns.append(
            BoardColumn(
                stage=stage,
                count=figures.get("n") or 0,
                estimated_value=figures.get("ev") or ZERO,
                calculated_current_value=figures.get("cv") or ZERO,
                cards=cards,
                next_cursor=next_cursor,
            )
        )
    return columns


# ---------------------------------------------------------------------------------------------------------------
# Statistics (spec §5.3–§5.6), all aggregated in SQL


@dataclass(frozen=True)
class Figures:
    """Count and sums (LCY) over a set of active entries; averages where the spec has them."""

    no_of_opportunities: int
    estimated_value: Decimal
    calculated_current_value: Decimal
    avg_estimated_value: Decimal = ZERO
    avg_calculated_current_value: Decimal = ZERO


def _figures(row: dict[str, Any]) -> Figures:
    return Figures(
        no_of_opportunities=row.get("n") or 0,
        estimated_value=row.get("ev") or ZERO,
        calculated_current_value=row.get("cv") or ZERO,
        avg_estimated_value=Decimal(row.get("aev") or 0).quantize(Decimal("0.01")),
        avg_calculated_current_value=Decimal(row.get("acv") or 0).quantize(Decimal("0.01")),
    )


_SUMS = {
    "n": Count("entry_no"),
    "ev": Sum("estimated_value"),
    "cv": Sum("calculated_current_value"),
    "aev": Avg("estimated_value"),
    "acv": Avg("calculated_current_value"),
}


def _date_filter(qs: QuerySet[OpportunityEntry], date_from: dt.date | None, date_to: dt.date | None) -> Any:
    if date_from:
        qs = qs.filter(estimated_close_date__gte=date_from)
    if date_to:
        qs = qs.filter(estimated_close_date__lte=date_to)
    return qs


def cycle_statistics(date_from: dt.date | None = None, date_to: dt.date | None = None) -> list[tuple[Any, Figures]]:
    """Per sales cycle: open opportunities (active entries not Won/Lost) with estimated close date in the range
    (spec §5.3). Two queries."""
    rows = {
        row["sales_cycle_id"]: _figures(row)
        for row in _date_filter(OpportunityEntry.objects.open(), date_from, date_to)
        .values("sales_cycle_id")
        .annotate(**_SUMS)
    }
    empty = Figures(0, ZERO, ZERO)
    return [(cycle, rows.get(cycle.code, empty)) for cycle in SalesCycle.objects.order_by("code")]


@dataclass(frozen=True)
class StageFigures:
    """A stage's statistics (spec §5.3): active figures and the average Days Open of its inactive entries."""

    stage: SalesCycleStage
    active: Figures
    average_no_of_days: Decimal


def stage_statistics(
    cycle_code: str, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> list[StageFigures]:
    """Per stage of a cycle: active entries at the stage and average days open of inactive ones (three queries)."""
    base = OpportunityEntry.objects.filter(sales_cycle_id=cycle_code)
    active = {
        row["sales_cycle_stage"]: _figures(row)
        for row in _date_filter(base.filter(active=True), date_from, date_to)
        .values("sales_cycle_stage")
        .annotate(**_SUMS)
    }
    days = {
        row["sales_cycle_stage"]: row["d"]
        for row in _date_filter(base.filter(active=False), date_from, date_to)
        .values("sales_cycle_stage")
        .annotate(d=Avg("days_open"))
    }
    empty = Figures(0, ZERO, ZERO)
    return [
        StageFigures(
            stage=stage,
            active=active.get(stage.stage, empty),
            average_no_of_days=Decimal(days.get(stage.stage) or 0).quantize(Decimal("0.01")),
        )
        for stage in SalesCycleStage.objects.filter(sales_cycle_id=cycle_code).order_by("stage")
    ]


STATUS_ACTIONS = {
    "in_progress": [a.value for a in (ActionTaken.FIRST, ActionTaken.NEXT, ActionTaken.PREVIOUS)]
    + [ActionTaken.UPDATED.value, ActionTaken.JUMPED.value],
    "won": [ActionTaken.WON.value],
    "lost": [ActionTaken.LOST.value],
}


def _entry_filters(
    qs: QuerySet[OpportunityEntry], date_from: dt.date | None, date_to: dt.date | None, status: str
) -> Any:
    qs = _date_filter(qs.filter(active=True), date_from, date_to)
    if status in STATUS_ACTIONS:
        qs = qs.filter(action_taken__in=STATUS_ACTIONS[status])
    return qs


def salesperson_statistics(
    date_from: dt.date | None = None, date_to: dt.date | None = None, status: str = ""
) -> list[tuple[Salesperson, Figures]]:
    """Per salesperson over active entries (spec §5.5): count, sums and averages. Two queries."""
    rows = {
        row["salesperson_id"]: _figures(row)
        for row in _entry_filters(OpportunityEntry.objects.all(), date_from, date_to, status)
        .values("salesperson_id")
        .annotate(**_SUMS)
    }
    empty = Figures(0, ZERO, ZERO)
    return [(sp, rows.get(sp.code, empty)) for sp in Salesperson.objects.order_by("code")]


def campaign_statistics(
    date_from: dt.date | None = None, date_to: dt.date | None = None, status: str = ""
) -> list[tuple[Campaign, Figures]]:
    """Per campaign over active entries (spec §5.6). Two queries."""
    rows = {
        row["campaign_id"]: _figures(row)
        for row in _entry_filters(OpportunityEntry.objects.exclude(campaign=None), date_from, date_to, status)
        .values("campaign_id")
        .annotate(**_SUMS)
    }
    empty = Figures(0, ZERO, ZERO)
    return [(c, rows.get(c.no, empty)) for c in Campaign.objects.order_by("no")]


def contact_statistics(
    contact: Contact, date_from: dt.date | None = None, date_to: dt.date | None = None, status: str = ""
) -> Figures:
    """One contact's figures (spec §5.4): a company covers all its contacts, a person only itself. One query."""
    qs = OpportunityEntry.objects.filter(contact_company_id=contact.company_id or contact.no)
    if not contact.is_company:
        qs = OpportunityEntry.objects.filter(contact_id=contact.no)
    return _figures(_entry_filters(qs, date_from, date_to, status).aggregate(**_SUMS))


# ---------------------------------------------------------------------------------------------------------------
# Wizards


def update_proposal(no: str, options: Any, action: Any, target: int | None) -> Any:
    """The Update wizard's proposed values for ``action`` to ``target`` (the engine's proposal; spec §4.5.3)."""
    from salescycle.opportunities import engine
    from salescycle.opportunities.services import _quote_value, active_entry, entry_state, load_cycle

    default = options.proposals.get(action)
    if target is None or (default is not None and default.sales_cycle_stage == target):
        return default
    if target not in options.lists.for_action(action):
        return default
    opportunity = Opportunity.objects.get(no=normalize_key(no))
    cycle = load_cycle(opportunity.sales_cycle_id)
    assert cycle is not None
    return engine.propose(
        cycle,
        entry_state(active_entry(opportunity)),
        action,
        date_of_change=options.date_of_change,
        lists=options.lists,
        target=target,
        quote_value=_quote_value(opportunity),
    )


def stage_names(no: str) -> dict[int, str]:
    """Stage number → description for the opportunity's cycle (one query)."""
    cycle = Opportunity.objects.filter(no=normalize_key(no)).values_list("sales_cycle_id", flat=True)
    return dict(
        SalesCycleStage.objects.filter(sales_cycle_id__in=cycle).order_by("stage").values_list("stage", "description")
    )


def create_defaults(params: Any, work_date: dt.date) -> dict[str, Any]:
    """The Create wizard's initial values when launched from a contact, salesperson, campaign or segment: the
    salesperson comes from the contact, then the salesperson, campaign and segment filters (later ones win;
    spec §4.2.2); the cycle is Marketing Setup's default when not blocked."""
    from salescycle.opportunities.services import default_sales_cycle_code

    initial: dict[str, Any] = {"creation_date": work_date, "sales_cycle_code": default_sales_cycle_code() or ""}
    salesperson = ""
    contact_no = normalize_key(params.get("contact"))
    if contact_no:
        initial["contact_no"] = contact_no
        salesperson = Contact.objects.filter(no=contact_no).values_list("salesperson_id", flat=True).first() or ""
    salesperson = normalize_key(params.get("salesperson")) or salesperson
    campaign_no = normalize_key(params.get("campaign"))
    if campaign_no:
        initial["campaign_no"] = campaign_no
        salesperson = (
            Campaign.objects.filter(no=campaign_no).values_list("salesperson_id", flat=True).first() or salesperson
        )
    segment_no = normalize_key(params.get("segment"))
    if segment_no:
        segment = Segment.objects.filter(no=segment_no).values("campaign_id", "salesperson_id").first()
        initial.update(segment_no=segment_no, for_all_segment_contacts=True)
        if segment:
            initial["campaign_no"] = segment["campaign_id"] or initial.get("campaign_no", "")
            salesperson = segment["salesperson_id"] or salesperson
    initial["salesperson_code"] = salesperson
    return initial
