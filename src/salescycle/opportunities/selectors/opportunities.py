"""Composed reads of opportunities for the API and the screens: the filtered list with its keyset pages and exports,
the card (spec §5.1–§5.2, §4.12, api.md "Opportunities"). Every function runs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, IntegerField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.contacts.models import Campaign, Contact, Salesperson, Segment
from salescycle.core.actors import SYSTEM, Actor
from salescycle.core.errors import InvalidInput
from salescycle.core.keys import normalize_key
from salescycle.core.money import ExactSum
from salescycle.core.pagination import Keyset, Nulls
from salescycle.core.prepared import Prepared, first_of
from salescycle.core.records import not_found
from salescycle.core.workdate import get_work_date
from salescycle.opportunities import documents
from salescycle.opportunities.choices import OpportunityStatus, SalesDocumentType
from salescycle.opportunities.filters import OpportunityFilters
from salescycle.opportunities.models import (
    Interaction,
    Opportunity,
    OpportunityChange,
    OpportunityEntry,
    SalesCycleStage,
)
from salescycle.opportunities.selectors import display
from salescycle.opportunities.selectors.activity import with_next_activity
from salescycle.tasks.models import Task

PAGE_SIZE = 50
# The most rows a reload of the web list shows at once (``?rows=N`` after "More"; issue #15 "The list").
MAX_ROWS = 1000


def counted_interactions() -> Any:
    """The number of an opportunity's interactions that are neither canceled nor postponed (spec §5.1), as a
    correlated subquery over ``interaction_opportunity`` for a queryset of opportunities.

    Written as SQL (names from the models' ``_meta``, no parameters): Django compiles a ``Subquery`` anew on every
    request, about a tenth of the API list's time; this text is the same statement without that work. It names the
    opportunity table itself, so use it only to annotate a queryset over that table (as :func:`opportunities` and
    :func:`opportunity_values` do), never inside a subquery, where the table would have another alias."""
    quote = connection.ops.quote_name
    interaction, opportunity = Interaction._meta, Opportunity._meta
    assert opportunity.pk is not None

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    # Not an injection (bandit B608/B611): every name comes from the models' _meta, quoted by the backend.
    table, pk = quote(opportunity.db_table), quote(opportunity.pk.column or opportunity.pk.attname)
    where = f"{column(interaction, 'opportunity')} = {table}.{pk}"
    flags = f"NOT {column(interaction, 'canceled')} AND NOT {column(interaction, 'postponed')}"
    sql = f"(SELECT COUNT(*) FROM {quote(interaction.db_table)} WHERE {where} AND {flags})"  # noqa: S608  # nosec B608
    return RawSQL(sql, (), output_field=IntegerField())  # noqa: S611  # nosec B611


def opportunities(user: Actor) -> QuerySet[Opportunity]:
    """The opportunities ``user`` may see (None: the system, all) with the names the API shows (contact, company,
    salesperson) and No. of Interactions, in one query whatever the number of rows."""
    return (
        visible(user)
        .select_related("contact", "contact_company", "salesperson")
        .annotate(no_of_interactions=counted_interactions())
    )


def visible(user: Actor) -> QuerySet[Opportunity]:
    """The opportunities ``user`` may see (None: the system, all), plain: nothing joined or annotated, so that
    counting them costs only the filter."""
    return permissions.visible_opportunities(user, Opportunity.objects.all())


# The opportunity columns the API shows, by attribute name (``contact_id`` …), for ``QuerySet.values()``.
OPPORTUNITY_VALUES = (
    "no",
    "description",
    "contact_id",
    "contact_company_id",
    "salesperson_id",
    "campaign_id",
    "segment_id",
    "sales_cycle_id",
    "priority",
    "status",
    "closed",
    "creation_date",
    "date_closed",
    "current_sales_cycle_stage",
    "current_stage_description",
    "estimated_value",
    "chances_of_success_pct",
    "completed_pct",
    "probability_pct",
    "calculated_current_value",
    "estimated_closing_date",
    "sales_document_type",
    "sales_document_no",
    "version",
    "created_at",
    "modified_at",
)


def opportunity_values(queryset: QuerySet[Opportunity]) -> QuerySet[Opportunity, dict[str, Any]]:
    """``queryset`` (from :func:`visible` or :func:`opportunities`) as dict rows of the API's columns
    (:data:`OPPORTUNITY_VALUES`) with the joined names and No. of Interactions: the API list builds no model
    instances (one query)."""
    return queryset.values(
        *OPPORTUNITY_VALUES,
        no_of_interactions=counted_interactions(),
        contact_name=F("contact__name"),
        contact_company_name=F("contact_company__name"),
        salesperson_name=F("salesperson__name"),
    )


_SYSTEM_OPPORTUNITY: Prepared[Opportunity] = Prepared(lambda no: first_of(opportunities(SYSTEM).filter(no=no)), str)


def opportunity(no: str, user: Actor) -> Opportunity | None:
    """One opportunity as :func:`opportunities` loads it, or None (also when ``user`` may not see it). The system's
    read (the answer to a write) is compiled once (:mod:`salescycle.core.prepared`)."""
    if user is SYSTEM:
        return _SYSTEM_OPPORTUNITY.first(normalize_key(no))
    return opportunities(user).filter(no=normalize_key(no)).first()


def visible_opportunity(no: str, user: Actor) -> Opportunity:
    """Opportunity ``no`` when ``user`` may see it. Errors: 404 ``not_found`` (missing or invisible alike)."""
    key = normalize_key(no)
    obj = permissions.visible_opportunities(user, Opportunity.objects.filter(no=key)).first()
    if obj is None:
        raise not_found(Opportunity, key)
    return obj


def filter_opportunities(queryset: QuerySet[Opportunity], **words: Any) -> QuerySet[Opportunity]:
    """``queryset`` narrowed by the Opportunity List's filter ``words`` (the API's names: ``status``, ``closed``,
    ``salesperson_code``, ``contact_no``, ``q``…; :class:`~salescycle.opportunities.filters.OpportunityFilters`).
    Errors: pydantic ``ValidationError`` for a value of the wrong type. Implements spec §5.2, api.md
    "Opportunities"."""
    return OpportunityFilters(**words).filter(queryset)


@dataclass(frozen=True)
class ListTotals:
    """The count and exact sums (LCY, D19) of a filtered list of opportunities: the web list's footer line and the
    API list's ``totals`` (api.md "Lists")."""

    count: int
    estimated_value: Decimal
    calculated_current_value: Decimal


def list_totals(queryset: QuerySet[Opportunity]) -> ListTotals:
    """The number of opportunities in ``queryset`` (a filtered list: :func:`visible` narrowed by the list's filters)
    and the exact sums of their Estimated Value and Calcd. Current Value (LCY; :class:`~salescycle.core.money.ExactSum`,
    exact on SQLite too), in one aggregate query over the whole list, not a page. The one definition behind the web
    list's count and sums and the API's ``?totals=true`` (issue #15 "The list", api.md "Lists")."""
    row = queryset.order_by().aggregate(
        count=Count("pk"),
        estimated_value=ExactSum("estimated_value"),
        calculated_current_value=ExactSum("calculated_current_value"),
    )
    return ListTotals(
        count=row["count"],
        estimated_value=row["estimated_value"],
        calculated_current_value=row["calculated_current_value"],
    )


# The API list's orderings (api.md "Opportunities" ``ordering``) that name a column otherwise than the model does.
_API_ORDER_FIELDS = {"salesperson_code": "salesperson_id", "contact_no": "contact_id"}


def api_ordering(ordering: str) -> list[str]:
    """The model ordering of the API list's ``ordering`` value (``-contact_no`` → ``["-contact_id", "-no"]``): the
    column, then No. in the same direction, so that every ordering is one index read forwards or backwards
    (``opp_creation_date``, ``opp_estimated_value``, ``opp_api_closing``, ``opp_api_salesperson``…) rather than an
    index plus a sort."""
    descending = ordering.startswith("-")
    name = ordering.lstrip("-")
    prefix = "-" if descending else ""
    return [f"{prefix}{_API_ORDER_FIELDS.get(name, name)}", f"{prefix}no"]


def entries(no: str) -> QuerySet[OpportunityEntry]:
    """The opportunity's entries (the card's "Sales Cycle Stages" subform, spec §5.2); check the opportunity's
    visibility first (:func:`visible_opportunity`)."""
    return OpportunityEntry.objects.filter(opportunity_id=normalize_key(no))


def changes(no: str) -> QuerySet[OpportunityChange]:
    """The opportunity's audit trail (issue #8), newest first; check the opportunity's visibility first."""
    return OpportunityChange.objects.filter(opportunity_no=normalize_key(no)).select_related("user")


# ---------------------------------------------------------------------------------------------------------------
# The web list (spec §5.2): filters from the query string, keyset pages, exports

# sort parameter → model field; each order (and its reverse) is one index read: the primary key, opp_creation_date,
# opp_estimated_closing, opp_estimated_value, opp_salesperson, opp_contact, opp_status, opp_calculated_current_value.
SORTS = {
    "no": "no",
    "creation_date": "creation_date",
    "estimated_closing_date": "estimated_closing_date",
    "estimated_value": "estimated_value",
    "salesperson": "salesperson_id",
    "contact": "contact_id",
    "status": "status",
    "calculated_current_value": "calculated_current_value",
}


@dataclass(frozen=True)
class ListFilters:
    """The web list's filters, from its query string (all optional), under the names of the list's links
    (``?salesperson=AH``, ``?contact=…``, ``?cycle=…``); :meth:`words` gives them to the one filter definition
    (:class:`~salescycle.opportunities.filters.OpportunityFilters`) under the API's names (:data:`LIST_WORDS`)."""

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
    closed_from: dt.date | None = None
    closed_to: dt.date | None = None
    close_code: str = ""
    has_salesperson: str = ""  # "", "yes", "no"
    has_contact: str = ""
    has_campaign: str = ""
    team: str = ""
    q: str = ""
    sort: str = "no"  # a SORTS key, "-" prefix for descending
    nothing: bool = False  # a view that has nothing to show (My pipeline of a user without salesperson)

    def words(self) -> OpportunityFilters:
        """The filters as the list's filter words (the API's names; blank values filter nothing)."""
        yes_no = {"yes": True, "no": False}
        return OpportunityFilters.model_validate(
            {
                "status": self.status or None,
                "closed": yes_no.get(self.closed),
                "salesperson_code": self.salesperson,
                "contact_no": self.contact,
                "sales_cycle_code": self.cycle,
                "campaign_no": self.campaign,
                "segment_no": self.segment,
                "creation_date_from": self.created_from,
                "creation_date_to": self.created_to,
                "team_code": self.team,
                "q": self.q,
                "current_sales_cycle_stage": self.stage,
                "estimated_closing_date_from": self.closing_from,
                "estimated_closing_date_to": self.closing_to,
                "date_closed_from": self.closed_from,
                "date_closed_to": self.closed_to,
                "close_opportunity_code": self.close_code,
                "has_salesperson": yes_no.get(self.has_salesperson),
                "has_contact": yes_no.get(self.has_contact),
                "has_campaign": yes_no.get(self.has_campaign),
            }
        )

    def keyset(self) -> Keyset:
        """The list's order: the sort column, then No. in the same direction. NULL Estimated Closing Dates (Not
        Started) sort where the database puts them, so each order is a plain scan of its index
        (:data:`SORTS`)."""
        key = self.sort.lstrip("-")
        name = SORTS.get(key, "no")
        prefix = "-" if self.sort.startswith("-") else ""
        return Keyset.of(Opportunity, [f"{prefix}{name}", f"{prefix}no"], nulls=Nulls.DATABASE)


@dataclass
class ListPage:
    """One page of the list: its rows, the cursor of the next page (or None) and the caption."""

    rows: list[Opportunity]
    next_cursor: str | None
    caption: str
    contact: Contact | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# The web list's query parameter of each filter word (api.md "Opportunities" names → ``ListFilters`` fields): the
# drill-down links of the analysis pages name the API's words and reach the web list through this table.
LIST_WORDS: dict[str, str] = {
    "status": "status",
    "closed": "closed",
    "salesperson_code": "salesperson",
    "contact_no": "contact",
    "sales_cycle_code": "cycle",
    "campaign_no": "campaign",
    "segment_no": "segment",
    "creation_date_from": "created_from",
    "creation_date_to": "created_to",
    "current_sales_cycle_stage": "stage",
    "estimated_closing_date_from": "closing_from",
    "estimated_closing_date_to": "closing_to",
    "date_closed_from": "closed_from",
    "date_closed_to": "closed_to",
    "close_opportunity_code": "close_code",
    "has_salesperson": "has_salesperson",
    "has_contact": "has_contact",
    "has_campaign": "has_campaign",
    "team_code": "team",
    "q": "q",
}


def list_query(words: dict[str, Any]) -> dict[str, str]:
    """The web list's query parameters for filter ``words`` (the API's names, :data:`LIST_WORDS`): dates in ISO
    form, booleans as ``yes``/``no``, None and blank values left out. Errors: ``KeyError`` for a word the web list
    does not take (``contact_company_no``). Implements spec §5.7 "Drill-down"."""
    query: dict[str, str] = {}
    for word, value in words.items():
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, dt.date):
            text = value.isoformat()
        else:
            text = str(value)
        query[LIST_WORDS[word]] = text
    return query


def list_filters_of_words(words: dict[str, Any], *, sort: str = "no") -> ListFilters:
    """The web list's :class:`ListFilters` for filter ``words`` (the API's names, :data:`LIST_WORDS`; booleans
    become ``yes``/``no``, None and blank values are left out) in the order ``sort``, so that an API export lists
    what the web list with the same words lists. Errors: ``KeyError`` for a word the web list does not take.
    Implements issue #16 (``POST /opportunities/export``)."""
    values: dict[str, Any] = {"sort": sort}
    for word, value in words.items():
        if value is None or value == "":
            continue
        values[LIST_WORDS[word]] = ("yes" if value else "no") if isinstance(value, bool) else value
    return ListFilters(**values)


def filtered_opportunities(filters: ListFilters, *, user: Actor, page: bool = False) -> QuerySet[Opportunity]:
    """The opportunities ``user`` may see matching ``filters`` (:meth:`ListFilters.words`: the API list's filters,
    so the same words give the same rows), unordered; none when the filters say ``nothing``. ``page``: written to
    find one ordered page fastest (``OpportunityFilters.for_page``: the same rows). Implements spec §5.2."""
    if filters.nothing:
        return visible(user).none()
    words = filters.words()
    return (words.for_page() if page else words).filter(visible(user))


def ordered(qs: QuerySet[Opportunity], filters: ListFilters) -> QuerySet[Opportunity]:
    """``qs`` in the list's order (:meth:`ListFilters.keyset`)."""
    return filters.keyset().order(qs)


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


def opportunity_page(
    filters: ListFilters,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    *,
    user: Actor,
    work_date: dt.date | None = None,
) -> ListPage:
    """One page of the filtered list of what ``user`` may see, after ``cursor`` (a cursor that does not parse starts
    from the beginning), each row with its next activity and overdue and stale flags as of ``work_date`` (default:
    the user's WorkDate; :func:`~salescycle.opportunities.selectors.activity.with_next_activity`, computed for the
    page's rows only: :meth:`Keyset.page`'s ``rows_of``). Two queries: the caption's record and the page (plus the
    WorkDate's when not given)."""
    caption, contact = caption_for(filters)
    qs = filtered_opportunities(filters, user=user, page=True)
    when = work_date or get_work_date(user)

    def rows_of(page: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
        return with_next_activity(page.select_related("contact", "campaign"), when)

    keyset = filters.keyset()
    try:
        rows, next_cursor = keyset.page(qs, cursor=cursor, size=size, rows_of=rows_of)
    except InvalidInput:
        rows, next_cursor = keyset.page(qs, cursor=None, size=size, rows_of=rows_of)
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


def export_rows(filters: ListFilters, *, user: Actor, nos: Collection[str] | None = None) -> Iterator[tuple[Any, ...]]:
    """The filtered list of what ``user`` may see, in its order, as value tuples of :data:`EXPORT_COLUMNS` as people
    read them (labels, Yes/No, no trailing zeros: :func:`display.export_labels`, in the active language), streamed
    from a server-side cursor (rows are never all in memory). With ``nos`` (stored keys), only those opportunities:
    the export of a selection (issue #15); the ones ``user`` may not see are left out, as from the list."""
    qs = ordered(filtered_opportunities(filters, user=user), filters)
    if nos is not None:
        qs = qs.filter(no__in=list(nos))
    columns = [name for name, _label in EXPORT_COLUMNS]
    yield from display.labelled_rows(columns, qs.values_list(*columns).iterator(chunk_size=2000))


def selected_opportunities(nos: Collection[str], *, user: Actor) -> list[Opportunity]:
    """The opportunities of a selection (stored keys) that ``user`` may see, by No., with their contact's name: what
    a bulk action's confirmation shows (issue #15). One query."""
    qs = visible(user).filter(no__in=list(nos)).select_related("contact").order_by("no")
    return list(qs.only("no", "description", "status", "salesperson_id", "contact_id", "contact__name", "closed"))


def export_is_large(filters: ListFilters, *, user: Actor) -> bool:
    """True when the export of ``filters`` as ``user`` sees it has more than ``JOBS_SYNC_LIMIT`` rows, so that it
    runs as a background job (issue #16). One query that counts at most ``JOBS_SYNC_LIMIT + 1`` keys."""
    limit = settings.JOBS_SYNC_LIMIT
    return filtered_opportunities(filters, user=user).values("pk")[: limit + 1].count() > limit


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
    changes: list[display.ChangeRow] = field(default_factory=list)
    can_change: bool = True
    progress: list[display.ProgressStep] = field(default_factory=list)
    has_document: bool = False

    @property
    def has_quote(self) -> bool:
        """True when a sales quote that exists is linked (Show Sales Quote has something to show)."""
        return self.has_document and self.opportunity.sales_document_type == SalesDocumentType.QUOTE

    @property
    def can_create_quote(self) -> bool:
        """Create Sales Quote's preconditions (``services.lock_for_sales_quote``, spec §4.10.2): a contact, no
        linked quote, order or invoice, In Progress."""
        o = self.opportunity
        return bool(o.contact_id) and not self.has_document and o.status == OpportunityStatus.IN_PROGRESS

    @property
    def can_delete(self) -> bool:
        """Delete's precondition (``services.delete_opportunity``, spec §4.11.1): not In Progress."""
        return self.opportunity.status != OpportunityStatus.IN_PROGRESS


CARD_CHANGES = 50


def card(no: str, user: Actor) -> Card | None:
    """The card of opportunity ``no`` as ``user`` may see it (None when missing or invisible): seven queries (eight
    with a linked document) whatever the number of entries, comments, tasks and changes (the newest
    :data:`CARD_CHANGES`), the cycle's stages as progress steps and the change log as labels."""
    opportunity = (
        visible(user)
        .select_related("contact", "contact_company", "salesperson", "campaign", "sales_cycle")
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
    stages = (
        SalesCycleStage.objects.filter(sales_cycle_id=opportunity.sales_cycle_id)
        .order_by("stage")
        .values_list("stage", "description")
    )
    return Card(
        opportunity=opportunity,
        entries=entries,
        comments=list(opportunity.comments.order_by("line_no")),
        tasks=list(Task.objects.filter(opportunity_no=opportunity.no).order_by("date", "no")[:200]),
        no_of_interactions=opportunity.interactions.filter(canceled=False, postponed=False).count(),
        last_date_of_change=entries[0].date_of_change if entries else None,
        changes=display.change_rows(changes(opportunity.no)[:CARD_CHANGES]),
        can_change=permissions.can_change_opportunity(user, opportunity),
        progress=display.progress(opportunity, stages, entries[0].previous_sales_cycle_stage if entries else 0),
        has_document=bool(opportunity.sales_document_type and opportunity.sales_document_no)
        and documents.lookup().exists(opportunity.sales_document_type, opportunity.sales_document_no),
    )
