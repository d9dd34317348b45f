"""The Opportunity List's filters, defined once (conventions "Where a query goes"): the API list takes them as query
parameters (``GET /opportunities``, api.md "Opportunities") and the web list builds them from its form
(``forms.ListFilterForm``), so the same words give the same results on both faces.

Each word is one field of :class:`OpportunityFilters` with its database lookup beside it (ninja ``FilterSchema``):
a blank value (``None``, ``""``, only spaces) filters nothing, keys are looked up as stored (upper-case, NFC).
The words after ``q`` (the current stage, the Estimated Closing Date range, the close code, ``has_…``) let a figure
of the Opportunities matrix and of the analysis pages name exactly its opportunities (drill-down, spec §5.7)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from ninja import FilterLookup, FilterSchema
from pydantic import PrivateAttr

from salescycle.contacts.models import Contact, ContactType, Salesperson
from salescycle.contacts.selectors import team_salesperson_codes
from salescycle.core.keys import normalize_key
from salescycle.core.schemas import DateQuery, KeyFilter, OneOf
from salescycle.core.search import MIN_TRIGRAM, candidate_count, contains_q, unindexed_in
from salescycle.opportunities.choices import OpportunityStatus
from salescycle.opportunities.models import Opportunity

# An opportunity status as the API takes it (``schemas.StatusLiteral``, which this module cannot import: the schemas
# read the list's columns from the selectors, which use these filters).
Status = Annotated[str, OneOf(OpportunityStatus)]


def contact_filter(contact_no: str) -> Q:
    """The opportunities (or opportunity entries: both store the contact and its company) of contact
    ``contact_no``: a person's own, and for a company those of all its contacts (spec §5.2, api.md ``contact_no``).
    One condition for both kinds, without looking up the contact's type: a company is the company of each of its
    contacts and of itself (constraint ``contact_company_is_self_for_companies``) and a person is no one's company,
    so "the contact, or the contact's company, is ``contact_no``" is exactly the rule. Implements spec §5.2."""
    key = normalize_key(contact_no)
    return Q(contact_id=key) | Q(contact_company_id=key)


# At most this many contact or salesperson keys are looked up first and named in the query (so each database can
# answer ``contact_id IN (…)`` from its index and combine it with the other columns' indexes); a name matching more
# is common enough that the ordered list finds its page quickly by the key's order, so it stays a subquery.
NAME_KEYS = 1000


def _named_keys(queryset: QuerySet[Any], key: str) -> list[str] | QuerySet[Any]:
    # Unordered: a set of keys, read until one more than NAME_KEYS (the model's ordering made PostgreSQL read and
    # sort every match first: the 4,606 contacts named "Ben" at 1M, 53 ms).
    keys = list(queryset.order_by().values_list(key, flat=True)[: NAME_KEYS + 1])
    return keys if len(keys) <= NAME_KEYS else queryset.order_by().values(key)


@dataclass(frozen=True)
class SearchKeys:
    """A search text (stripped, not blank) with the keys of the contacts, of the companies among them and of the
    salespeople whose name contains it (each a list of at most :data:`NAME_KEYS` keys, or a subquery when more
    match): what :func:`search_filter` looks up before it narrows the opportunities. An opportunity's Contact
    Company No. is always a company (spec §3, Opportunity field 6; the services refuse a person as a contact's
    company: ``contact.company_not_company``), so only the companies are matched against it: "Ben" names 4,606
    contacts at 1M and no company, and PostgreSQL's count scanned the table for their companies (217 → ~100 ms)."""

    words: str
    contacts: list[str] | QuerySet[Any]
    companies: list[str] | QuerySet[Any]
    salespeople: list[str] | QuerySet[Any]


def search_keys(text: str) -> SearchKeys | None:
    """The :class:`SearchKeys` of ``text`` (two small queries through the trigram indexes, a third when more than
    :data:`NAME_KEYS` contacts match); None for a blank text."""
    words = text.strip()
    if not words:
        return None
    named = Contact.objects.filter(contains_q(Contact, ["name"], words)).order_by()
    found = list(named.values_list("no", "type")[: NAME_KEYS + 1])
    if len(found) <= NAME_KEYS:
        contacts: list[str] | QuerySet[Any] = [no for no, _kind in found]
        companies: list[str] | QuerySet[Any] = [no for no, kind in found if kind == ContactType.COMPANY]
    else:
        contacts = named.values("no")
        companies = _named_keys(named.filter(type=ContactType.COMPANY), "no")
    salespeople = _named_keys(Salesperson.objects.filter(name__icontains=words), "code")
    return SearchKeys(words, contacts, companies, salespeople)


def search_filter(text: str, *, page: bool = False) -> Q:
    """The opportunities whose number, description, contact name, company name or salesperson name contains
    ``text`` (case-insensitive as ``icontains``; surrounding spaces ignored; blank: all). Implements api.md "Lists"
    (``q`` on ``/opportunities``, "the same in the web list") and issue #15 (through the trigram indexes of
    :mod:`salescycle.core.search`: the contacts and salespeople whose name matches are looked up first, two small
    queries (:func:`search_keys`), then their keys narrow the opportunities through the foreign-key indexes). Texts
    under three characters cannot use trigrams and are searched by the same definition, by a scan.

    ``page``: the condition will find one ordered page (``ORDER BY … LIMIT``), not count or sum the whole list. A
    text that very many opportunities contain (a common first name; any text under three characters) is then
    written to be tested on each row (:func:`_walking`), so that the planner walks the list's order and stops at the
    page instead of gathering and sorting every match; on SQLite capped per-term counts decide (:func:`_dense`), on
    PostgreSQL the names found (:func:`_few`). The count and sums read the terms' indexes: SQLite through one ``OR``,
    PostgreSQL through the union of the terms (:func:`_union`; a text under three characters: :func:`_walking`, one
    scan). Every form has the rows of :func:`plain_search_filter` (held by ``tests/test_search.py``)."""
    return search_condition(search_keys(text), page=page)


def search_condition(keys: SearchKeys | None, *, page: bool = False) -> Q:
    """:func:`search_filter`'s condition for keys already looked up (None: every row)."""
    if keys is None:
        return Q()
    if connection.vendor == "postgresql":
        if page and (len(keys.words) < MIN_TRIGRAM or not _few(keys)):
            return _walking(keys, page=True)  # a common text's page: the planner walks the order
        if _counted_by_union(keys):
            return _union(keys)
        # a short text (no trigram index): one scan, each row tested (q=e at 1M: the count 3.5 s through the
        # union, 1.0 s so)
        return _walking(keys, page=False)
    if page and (len(keys.words) < MIN_TRIGRAM or _dense(keys)):
        return _walking(keys, page=True)
    return (
        contains_q(Opportunity, ["no", "description"], keys.words)
        | Q(contact_id__in=keys.contacts)
        | Q(contact_company_id__in=keys.companies)
        | Q(salesperson_id__in=keys.salespeople)
    )


# On SQLite, from this many matching opportunities on, walking the list's order and testing each row finds a page of
# 50 after a few thousand rows; below it, gathering the matches through the indexes and sorting them is faster
# (bench/README "Search and lookups": "Ben" at 1M, 245 → 43 ms for the page).
DENSE_MATCHES = 2000


def _dense(keys: SearchKeys) -> bool:
    """Whether about :data:`DENSE_MATCHES` opportunities or more contain ``keys``'s text: each term counted on its
    own, capped there, cheapest first, until their sum reaches it — the matching salespeople's, contacts' and
    companies' opportunities from their indexes, then the FTS5 candidates of the number and description (a
    superset of their matches). A sum, so an estimate (a row two terms meet counts twice): it only chooses the
    plan, never the rows. At most four small queries, each stopping at the cap (≈ 1–2 ms each at 1M): counting the
    whole condition instead cost 100–170 ms for a word in many descriptions ("Media": 84,193 at 1M)."""
    total = 0
    for field, values in (
        ("salesperson_id", keys.salespeople),
        ("contact_id", keys.contacts),
        ("contact_company_id", keys.companies),
    ):
        if isinstance(values, list) and not values:
            continue
        total += Opportunity.objects.filter(**{f"{field}__in": values}).order_by()[:DENSE_MATCHES].count()
        if total >= DENSE_MATCHES:
            return True
    total += candidate_count(Opportunity, ["no", "description"], keys.words, limit=DENSE_MATCHES)
    return total >= DENSE_MATCHES


def _walking(keys: SearchKeys, *, page: bool) -> Q:
    """:func:`search_filter`'s condition written to be tested on each row while the planner walks the list's order:
    the number and description by their ``icontains`` itself (a ``LIKE`` per row walked, where the FTS5 candidates
    would first be gathered whole: 84,193 for "Media", 180 ms), the keys out of index use on SQLite and a names
    subquery probed per row (:func:`_row_in`). The same rows.

    ``page`` (a page of the ordered list, a walk that stops after a few hundred rows): more names than
    :data:`NAME_KEYS` are probed once per row for the contact and its company together (the contact's key index,
    both keys at once). Otherwise (PostgreSQL's count of a short text, one scan of every row) each is a subquery of
    its own, which PostgreSQL reads once into a hash: probing the index per row of the whole table took 3.6 s for
    "an" at 1M, the hashes 1.1 s; for a page, building the two hashes took 140 ms before the first row (1.8 ms
    so)."""
    if page and not isinstance(keys.contacts, list) and not isinstance(keys.companies, list):
        key = keys.contacts.query.values_select[0]
        both = [OuterRef("contact_id"), OuterRef("contact_company_id")]
        names = Q(Exists(keys.contacts.filter(**{f"{key}__in": both})))
    else:
        names = _row_in("contact_id", keys.contacts) | _row_in("contact_company_id", keys.companies)
    return (
        Q(no__icontains=keys.words)
        | Q(description__icontains=keys.words)
        | names
        | _row_in("salesperson_id", keys.salespeople)
    )


def _union(keys: SearchKeys) -> Q:
    """:func:`search_filter`'s condition as the union of its terms' keys, each term read from its own index
    (PostgreSQL, for a count or sum of the whole list): PostgreSQL plans the ``OR`` of a common word as one scan of
    the table (it cannot estimate the terms' overlap: "Ben" at 1M, 455 ms), and the union of the index reads as
    index reads (143 ms). Inside an ``OR``, a names subquery too large to hash in ``work_mem`` (a one-letter text:
    250,000 contacts) became a subplan read again for every row, a count that ran for more than 14 minutes at 1M;
    on its own in a union branch it is a semi-join. The same rows."""
    return Q(pk__in=_union_of(Opportunity.objects.order_by(), _terms(keys)))


def _counted_by_union(keys: SearchKeys) -> bool:
    """Whether the count of ``keys``'s text reads the union of its terms (:func:`_union`, :meth:`OpportunityFilters.
    count`): on PostgreSQL, for a text of three characters or more (each term then has an index)."""
    return connection.vendor == "postgresql" and len(keys.words) >= MIN_TRIGRAM


def _terms(keys: SearchKeys) -> list[Q]:
    """The terms whose ``OR`` is :func:`search_filter`'s condition, each one an index can answer: the number and
    description, then the contacts, the companies and the salespeople named (a term that names nobody left out)."""
    terms = [contains_q(Opportunity, ["no", "description"], keys.words)]
    for field, values in (
        ("contact_id", keys.contacts),
        ("contact_company_id", keys.companies),
        ("salesperson_id", keys.salespeople),
    ):
        if not (isinstance(values, list) and not values):
            terms.append(Q(**{f"{field}__in": values}))
    return terms


def _union_of(rows: QuerySet[Opportunity], terms: list[Q]) -> QuerySet[Any]:
    """The keys of ``rows`` meeting any of ``terms``: the union of one ``SELECT pk`` per term."""
    first, *others = [rows.filter(term).values("pk") for term in terms]
    return first.union(*others)


def _few(keys: SearchKeys) -> bool:
    """Whether ``keys`` name no salesperson and at most :data:`NAME_KEYS` contacts: then few opportunities match
    through them, and PostgreSQL finds a page faster from the union of the terms' index reads (a company's name at
    1M: 76 → 23 ms) than by walking the primary key, which it chooses from an even spread it assumes but that a
    company's clustered opportunities do not have (114,165 rows read for 51). A salesperson's name, or more than
    :data:`NAME_KEYS` names, matches thousands of opportunities, whose page the walk finds at once ("Ben" 10 ms, by
    the union 140 ms)."""
    return isinstance(keys.contacts, list) and isinstance(keys.salespeople, list) and not keys.salespeople


def _row_in(field: str, keys: list[str] | QuerySet[Any]) -> Q:
    """``field`` is one of ``keys``, tested on the row: against the list, or, for a subquery (more than
    :data:`NAME_KEYS` names match), by looking the row's own key up in it (a correlated ``EXISTS``, one primary-key
    read per row walked) rather than gathering every matching name first (285,773 contacts scanned for "an")."""
    if isinstance(keys, list):
        return unindexed_in(field, keys) if connection.vendor == "sqlite" else Q(**{f"{field}__in": keys})
    key = keys.query.values_select[0]
    return Q(Exists(keys.filter(**{key: OuterRef(field)})))


def plain_search_filter(text: str) -> Q:
    """The definition of ``q`` (api.md): ``icontains`` on the number, description, contact name, company name and
    salesperson name, through the joins. Slow at scale (full scans): kept as the reference :func:`search_filter` is
    tested against."""
    words = text.strip()
    if not words:
        return Q()
    return (
        Q(no__icontains=words)
        | Q(description__icontains=words)
        | Q(contact__name__icontains=words)
        | Q(contact_company__name__icontains=words)
        | Q(salesperson__name__icontains=words)
    )


def team_filter(team_code: str) -> Q:
    """The opportunities whose salesperson is in team ``team_code`` (blank: all; an unknown team: none). Implements
    the drill-down of the dashboard's team figures (issue #14 item 5)."""
    key = normalize_key(team_code)
    return Q(salesperson_id__in=team_salesperson_codes(key)) if key else Q()


class OpportunityFilters(FilterSchema):
    """The Opportunity List's filters (api.md "Opportunities", spec §5.2). Every given filter narrows the list; a
    blank code, number or search text is ignored. `contact_no` of a company covers all its contacts; `q` searches
    the number, description, contact name, company name and salesperson name (case-insensitive); `_from`/`_to`
    dates are inclusive. The current stage, Estimated Closing Date and close code are those of the active entry (the
    opportunity's copy of it, ``ledger.FIGURES``; the close code read from the entry itself); ``has_salesperson``,
    ``has_contact``, ``has_campaign`` keep the opportunities with (true) or without (false) one; ``team_code`` those
    of the team's salespeople."""

    status: Annotated[Status | None, FilterLookup("status")] = None
    closed: Annotated[bool | None, FilterLookup("closed")] = None
    salesperson_code: Annotated[KeyFilter, FilterLookup("salesperson_id")] = None
    contact_no: str | None = None
    contact_company_no: Annotated[KeyFilter, FilterLookup("contact_company_id")] = None
    sales_cycle_code: Annotated[KeyFilter, FilterLookup("sales_cycle_id")] = None
    campaign_no: Annotated[KeyFilter, FilterLookup("campaign_id")] = None
    segment_no: Annotated[KeyFilter, FilterLookup("segment_id")] = None
    creation_date_from: Annotated[DateQuery | None, FilterLookup("creation_date__gte")] = None
    creation_date_to: Annotated[DateQuery | None, FilterLookup("creation_date__lte")] = None
    date_closed_from: Annotated[DateQuery | None, FilterLookup("date_closed__gte")] = None
    date_closed_to: Annotated[DateQuery | None, FilterLookup("date_closed__lte")] = None
    q: str | None = None
    current_sales_cycle_stage: Annotated[int | None, FilterLookup("current_sales_cycle_stage")] = None
    estimated_closing_date_from: Annotated[DateQuery | None, FilterLookup("estimated_closing_date__gte")] = None
    estimated_closing_date_to: Annotated[DateQuery | None, FilterLookup("estimated_closing_date__lte")] = None
    close_opportunity_code: KeyFilter = None
    has_salesperson: bool | None = None
    has_contact: bool | None = None
    has_campaign: bool | None = None
    team_code: str | None = None

    # Whether these filters will find one ordered page rather than count or sum the list (:meth:`for_page`), and
    # the search keys of ``q`` once looked up (shared with the copy :meth:`for_page` makes: the count and the page
    # of one request look them up once).
    _page: bool = PrivateAttr(default=False)
    _search: dict[str, SearchKeys | None] = PrivateAttr(default_factory=dict)

    def for_page(self) -> OpportunityFilters:
        """These filters written to find one ordered page of the list fastest: the same rows (``search_filter``'s
        ``page``). Use it for the page only; count and sum with the filters themselves."""
        copy = self.model_copy()
        copy._page = True
        return copy

    def count(self, queryset: QuerySet[Opportunity]) -> int:
        """How many opportunities of ``queryset`` these filters keep: ``self.filter(queryset).count()``, the API
        list's ``count``. On PostgreSQL a search text of three characters or more is counted as the union of its
        terms (:func:`_terms`), each narrowed by the other filters and ``queryset`` itself, without matching the
        union back against the table: that match read every key of the table ("Ben" at 1M: the count 108 → 26
        ms). The same number (held by ``tests/test_search.py``)."""
        keys = self._keys(self.q or "")
        if keys is None or not _counted_by_union(keys):
            return self.filter(queryset).count()
        others = self.model_copy(update={"q": None}).filter(queryset).order_by()
        return _union_of(others, _terms(keys)).count()

    def _keys(self, text: str) -> SearchKeys | None:
        if text not in self._search:
            self._search[text] = search_keys(text)
        return self._search[text]

    def filter_contact_no(self, value: str | None) -> Q:
        """:func:`contact_filter` for a given contact, else nothing."""
        key = normalize_key(value)
        return contact_filter(key) if key else Q()

    def filter_q(self, value: str | None) -> Q:
        """:func:`search_filter` (its ``page`` form after :meth:`for_page`)."""
        return search_condition(self._keys(value or ""), page=self._page)

    def filter_close_opportunity_code(self, value: str | None) -> Q:
        """The opportunities whose active entry (a closing one: Won or Lost) carries close code ``value``. A join
        on the one active entry of each opportunity (a partial unique index), so no row is doubled."""
        key = normalize_key(value)
        return Q(entries__active=True, entries__close_opportunity_code_id=key) if key else Q()

    def filter_has_salesperson(self, value: bool | None) -> Q:
        """With (true) or without (false) a salesperson; None: all."""
        return Q() if value is None else Q(salesperson__isnull=not value)

    def filter_has_contact(self, value: bool | None) -> Q:
        """With (true) or without (false) a contact; None: all."""
        return Q() if value is None else Q(contact__isnull=not value)

    def filter_has_campaign(self, value: bool | None) -> Q:
        """With (true) or without (false) a campaign; None: all."""
        return Q() if value is None else Q(campaign__isnull=not value)

    def filter_team_code(self, value: str | None) -> Q:
        """:func:`team_filter`."""
        return team_filter(value or "")
