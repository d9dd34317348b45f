"""The list's ``q`` through the trigram indexes (issue #15) means exactly its plain definition (api.md: ``icontains``
on the number, description, contact name, company name and salesperson name): on a fixed corpus with mixed case,
accents, quotes, FTS5 operators and LIKE wildcards, for texts drawn from it and made up (Hypothesis), on SQLite and
PostgreSQL alike; and the FTS5 tables follow inserts, updates and deletes (their triggers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salescycle import testing
from salescycle.contacts.models import Contact
from salescycle.core.search import MIN_TRIGRAM, candidate_count, contains_q
from salescycle.opportunities import filters
from salescycle.opportunities.filters import OpportunityFilters, plain_search_filter, search_filter
from salescycle.opportunities.models import Opportunity
from salescycle.sales.models import Item

pytestmark = pytest.mark.django_db

SALESPEOPLE = {"JD": "Jonathan Doe", "EM": "Émile Ørsted", "QT": 'Quinn "Q" Tan', "PC": "50% Pct_Under"}
COMPANIES = {"C-ALPINE": "Alpine Systems Inc.", "C-STRASSE": "Straße & Söhne GmbH", "C-EMPTY": "AND OR NOT"}
PERSONS = {"P-LINDA": ("C-ALPINE", "Linda Martin"), "P-ACCENT": ("C-STRASSE", "Zoë Ångström"), "P-SOLO": (None, "Solo")}
DESCRIPTIONS = [
    "Bikes for the fleet",
    "CRM rollout for Alpine Systems Inc.",
    "ÉCOLE: new desks",
    "école chairs",
    "NEAR(a b) * ^ - + : { }",
    'Quote "premium" tier',
    "100% cotton_shirts \\ back",
    "",
    "Straße repaving",
    "ab",
]
WORDS = sorted(
    {*SALESPEOPLE.values(), *COMPANIES.values(), *(name for _c, name in PERSONS.values()), *DESCRIPTIONS} - {""}
)


@pytest.fixture
def corpus(db: None) -> list[str]:
    """Contacts, salespeople and one opportunity per (description, contact, salesperson) combination sampled."""
    for code, name in SALESPEOPLE.items():
        testing.make_salesperson(code, name=name)
    for no, name in COMPANIES.items():
        testing.make_company(no, name=name)
    for no, (company, name) in PERSONS.items():
        testing.make_person(Contact.objects.get(no=company) if company else None, no, name=name)
    contacts = [*COMPANIES, *PERSONS, None]
    codes = [*SALESPEOPLE, None]
    rows = []
    for index, description in enumerate(DESCRIPTIONS * 2):
        contact = contacts[index % len(contacts)]
        company = PERSONS[contact][0] if contact in PERSONS else contact
        rows.append(
            Opportunity(
                no=f"OP{index:04d}" if index % 3 else f"op-é{index:03d}".upper(),
                description=description,
                contact_id=contact,
                contact_company_id=company,
                salesperson_id=codes[index % len(codes)],
                creation_date=dt.date(2026, 1, 1),
            )
        )
    for row in rows:
        row.save()  # one by one: the insert trigger of every row
    return [row.no for row in rows]


def matches(q: Any) -> list[str]:
    return sorted(Opportunity.objects.filter(q).values_list("no", flat=True))


def texts() -> st.SearchStrategy[str]:
    """Pieces of the corpus (any case, with spaces around) and made-up texts of its letters and of FTS/LIKE's
    special characters."""
    piece = st.sampled_from(WORDS).flatmap(
        lambda word: st.tuples(st.integers(0, len(word)), st.integers(1, 8)).map(
            lambda bounds: word[bounds[0] : bounds[0] + bounds[1]]
        )
    )
    casings: list[Callable[[str], str]] = [str, str.upper, str.lower, str.swapcase]
    cased = st.tuples(piece, st.sampled_from(casings)).map(lambda p: p[1](p[0]))
    made_up = st.text(alphabet='aeoÉéßSsÅå "%_\\*:-()^ND', max_size=6)
    padded = st.tuples(cased, st.sampled_from(["", " ", "  "])).map(lambda p: p[1] + p[0] + p[1])
    return st.one_of(padded, made_up)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts())
def test_q_through_the_trigram_index_equals_its_plain_definition(corpus: list[str], text: str) -> None:
    assert matches(search_filter(text)) == matches(plain_search_filter(text))


@pytest.mark.parametrize(
    ("text", "expected_count"),
    [
        ("jonathan", 4),  # a salesperson's name, any case
        ("alpine", 8),  # a company name (its person's opportunities too) and a description
        ("linda", 3),  # a person's name
        ("zoë", 3),  # accented letters
        ("ab", 2),  # shorter than a trigram: the plain definition
        ('"premium"', 2),  # FTS5 quotes are text
        ("% cot", 2),  # LIKE's wildcards are text
        ("NEAR(a", 2),  # FTS5 operators are text
        ("nothing like it", 0),
    ],
)
def test_q_finds_by_each_of_its_five_fields(corpus: list[str], text: str, expected_count: int) -> None:
    found = matches(search_filter(text))
    assert found == matches(plain_search_filter(text))
    assert len(found) == expected_count


def test_the_search_index_follows_inserts_updates_and_deletes(corpus: list[str]) -> None:
    first, second = corpus[1], corpus[2]
    Opportunity.objects.filter(no=first).update(description="Zeppelin hangar")
    Opportunity.objects.filter(no=second).delete()
    Contact.objects.filter(no="P-LINDA").update(name="Linda Zeppelinova")
    renamed = Opportunity.objects.filter(contact_id="P-LINDA").values_list("no", flat=True)
    expected = sorted({first, *renamed})
    assert matches(search_filter("zeppelin")) == expected == matches(plain_search_filter("zeppelin"))
    assert second not in matches(search_filter(DESCRIPTIONS[2 % len(DESCRIPTIONS)][:6]))


def test_items_and_contacts_are_searched_through_their_own_index(db: None) -> None:
    Item.objects.create(code="BIKE-01", description="Mountain bike, Größe M")
    Item.objects.create(code="CHAIR", description="Office chair")
    found = sorted(
        Item.objects.filter(contains_q(Item, ["code", "description"], "ke-0")).values_list("code", flat=True)
    )
    assert found == ["BIKE-01"]
    assert list(Item.objects.filter(contains_q(Item, ["description"], "größe")).values_list("code", flat=True)) == [
        "BIKE-01"
    ]
    testing.make_company("C-X", name="Cronus Ltd")
    assert list(Contact.objects.filter(contains_q(Contact, ["name"], "ronus")).values_list("no", flat=True)) == ["C-X"]


def test_short_texts_are_searched_without_the_index() -> None:
    q = contains_q(Opportunity, ["description"], "x" * (MIN_TRIGRAM - 1))
    assert "MATCH" not in str(Opportunity.objects.filter(q).query)


@pytest.mark.postgres_only
@pytest.mark.parametrize("text", ["in", "IN", "é", "%", "_", "S"])
def test_postgresql_tests_a_text_without_a_trigram_row_by_row(corpus: list[str], text: str) -> None:
    # pg_trgm's GIN index would hand every row over to be rechecked: the column is taken out of its reach
    named = Contact.objects.filter(contains_q(Contact, ["name"], text))
    assert "|| '')" in str(named.query)
    assert sorted(named.values_list("no", flat=True)) == sorted(
        Contact.objects.filter(name__icontains=text).values_list("no", flat=True)
    )


@pytest.mark.sqlite_only  # the FTS5 tables are SQLite's
def test_sqlite_answers_long_texts_from_the_fts_table(db: None) -> None:
    q = contains_q(Opportunity, ["no", "description"], "fleet")
    assert "opportunities_opportunity_search" in str(Opportunity.objects.filter(q).query)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts())
def test_q_for_an_ordered_page_equals_its_plain_definition(corpus: list[str], text: str) -> None:
    # Every text counts as dense here, so on SQLite each takes the walking form (its terms out of index use); on
    # PostgreSQL the page form is the indexed one.
    with mock.patch.object(filters, "DENSE_MATCHES", 0):
        condition = search_filter(text, page=True)
    assert matches(condition) == matches(plain_search_filter(text))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts())
def test_q_for_an_ordered_page_with_names_as_subqueries_equals_its_plain_definition(
    corpus: list[str], text: str
) -> None:
    # More names match than are named in the query (NAME_KEYS): the walk looks each row's key up in the subquery.
    with mock.patch.object(filters, "DENSE_MATCHES", 0), mock.patch.object(filters, "NAME_KEYS", 0):
        condition = search_filter(text, page=True)
    if connection.vendor == "sqlite" and text.strip() and (Contact.objects.filter(name__icontains=text.strip())):
        assert "EXISTS" in str(Opportunity.objects.filter(condition).query)
    assert matches(condition) == matches(plain_search_filter(text))


def test_only_the_companies_among_the_matching_names_are_matched_against_the_company(corpus: list[str]) -> None:
    # "in": the company "Alpine Systems Inc." and the person "Linda Martin"
    keys = filters.search_keys("in")
    assert keys is not None
    assert sorted(keys.contacts) == ["C-ALPINE", "P-LINDA"]
    assert keys.companies == ["C-ALPINE"]
    with mock.patch.object(filters, "NAME_KEYS", 1):  # more names than named: the contacts a subquery
        many = filters.search_keys("in")
    with mock.patch.object(filters, "NAME_KEYS", 0):  # the companies a subquery too
        more = filters.search_keys("in")
    assert many is not None
    assert more is not None
    assert not isinstance(many.contacts, list)
    assert many.companies == ["C-ALPINE"]
    assert not isinstance(more.companies, list)
    assert [row["no"] for row in more.companies] == ["C-ALPINE"]
    assert filters.search_keys("lin") == filters.SearchKeys("lin", ["P-LINDA"], [], [])  # a person only
    for text in ("in", "lin"):
        for page in (False, True):
            with mock.patch.object(filters, "NAME_KEYS", 0):
                assert matches(search_filter(text, page=page)) == matches(plain_search_filter(text))


@pytest.mark.parametrize("text", ["an", "alpine"])
def test_a_walk_probes_the_names_once_for_contact_and_company_and_a_count_does_not(
    corpus: list[str], text: str
) -> None:
    # More names match than are named (NAME_KEYS 0): a page probes the names per row walked, the contact and its
    # company in one look-up; a count (PostgreSQL's of a short text scans every row) keeps a subquery for each.
    both = 'IN ("opportunities_opportunity"."contact_no", "opportunities_opportunity"."contact_company_no")'
    with mock.patch.object(filters, "DENSE_MATCHES", 0), mock.patch.object(filters, "NAME_KEYS", 0):
        page = search_filter(text, page=True)
        count = search_filter(text)
    assert both in str(Opportunity.objects.filter(page).query)
    assert both not in str(Opportunity.objects.filter(count).query)
    assert matches(page) == matches(count) == matches(plain_search_filter(text))


@pytest.mark.sqlite_only  # the walk is SQLite's plan for a text found in very many opportunities
def test_the_page_of_a_dense_text_walks_and_its_count_keeps_the_indexes(corpus: list[str]) -> None:
    with mock.patch.object(filters, "DENSE_MATCHES", 2):
        page = str(Opportunity.objects.filter(search_filter("alpine", page=True)).query)
        count = str(Opportunity.objects.filter(search_filter("alpine")).query)
    assert '+"opportunities_opportunity"."contact_no" IN' in page
    assert "+" not in count.split("WHERE", 1)[1]


@pytest.mark.sqlite_only
def test_the_page_of_a_rare_text_keeps_the_indexes(corpus: list[str]) -> None:
    # "jonathan" is one salesperson's name: fewer than DENSE_MATCHES opportunities
    condition = search_filter("jonathan", page=True)
    assert "+" not in str(Opportunity.objects.filter(condition).query).split("WHERE", 1)[1]


@pytest.mark.sqlite_only
def test_a_short_text_always_walks_for_the_page(corpus: list[str]) -> None:
    condition = search_filter("an", page=True)
    assert '+"opportunities_opportunity"."salesperson_code" IN' in str(Opportunity.objects.filter(condition).query)
    assert matches(condition) == matches(plain_search_filter("an"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=texts(),
    others=st.sampled_from([{}, {"salesperson_code": "JD"}, {"contact_no": "C-ALPINE"}, {"has_contact": False}]),
    narrowed=st.booleans(),
    many_names=st.booleans(),
)
def test_the_lists_count_is_the_number_of_its_rows(
    corpus: list[str], text: str, others: dict[str, Any], narrowed: bool, many_names: bool
) -> None:
    # PostgreSQL counts a search as the union of its terms narrowed by the other filters: the same number
    base = Opportunity.objects.exclude(salesperson_id="QT") if narrowed else Opportunity.objects.all()
    with mock.patch.object(filters, "NAME_KEYS", 0 if many_names else filters.NAME_KEYS):
        words = OpportunityFilters(q=text, **others)
        expected = OpportunityFilters(**others).filter(base).filter(plain_search_filter(text)).count()
        assert words.count(base) == expected


@pytest.mark.postgres_only
def test_postgresql_counts_a_search_without_matching_the_union_back_against_the_table(corpus: list[str]) -> None:
    with CaptureQueriesContext(connection) as queries:
        number = OpportunityFilters(q="jonathan", closed=False).count(Opportunity.objects.all())
    count = queries.captured_queries[-1]["sql"]
    assert "UNION" in count  # the number and description, the salesperson
    assert '"opportunities_opportunity"."no" IN' not in count
    assert number == Opportunity.objects.filter(plain_search_filter("jonathan"), closed=False).count()


def test_the_count_and_the_page_of_one_filter_look_the_keys_up_once(
    corpus: list[str], django_assert_num_queries: Any
) -> None:
    words = OpportunityFilters(q="alpine")
    with django_assert_num_queries(2):  # the contacts' and the salespeople's keys
        words.filter(Opportunity.objects.all())
    # SQLite: the density's capped counts (the contact's, the company's, the FTS5 candidates'); PostgreSQL: none
    with django_assert_num_queries(3 if connection.vendor == "sqlite" else 0):
        words.for_page().filter(Opportunity.objects.all())
    assert not words._page
    assert words.for_page()._page


@pytest.mark.sqlite_only
def test_a_salespersons_name_settles_the_density_from_their_own_opportunities(
    corpus: list[str], django_assert_num_queries: Any
) -> None:
    keys = filters.search_keys("jonathan")  # JD: 4 of the corpus's opportunities
    assert keys is not None
    assert keys.salespeople == ["JD"]
    with mock.patch.object(filters, "DENSE_MATCHES", 4), django_assert_num_queries(1):
        dense = filters.search_condition(keys, page=True)
    with mock.patch.object(filters, "DENSE_MATCHES", 5), django_assert_num_queries(2):
        sparse = filters.search_condition(keys, page=True)
    assert "+" in str(Opportunity.objects.filter(dense).query).split("WHERE", 1)[1]
    assert "+" not in str(Opportunity.objects.filter(sparse).query).split("WHERE", 1)[1]
    assert matches(dense) == matches(sparse) == matches(plain_search_filter("jonathan"))


@pytest.mark.sqlite_only
def test_the_walk_tests_number_and_description_on_each_row_without_the_fts_table(corpus: list[str]) -> None:
    with mock.patch.object(filters, "DENSE_MATCHES", 0):
        condition = search_filter("fleet", page=True)
    sql = str(Opportunity.objects.filter(condition).query)
    assert "MATCH" not in sql
    assert matches(condition) == matches(plain_search_filter("fleet"))


@pytest.mark.sqlite_only
def test_the_fts_candidates_count_stops_at_its_limit(corpus: list[str]) -> None:
    # "ÉCOLE: new desks" and "école chairs", twice each: FTS5 folds É to é (LIKE does not: a superset)
    assert candidate_count(Opportunity, ["no", "description"], "école", limit=100) == 4
    assert candidate_count(Opportunity, ["no", "description"], "école", limit=3) == 3
    assert candidate_count(Opportunity, ["no", "description"], "ab", limit=7) == 7  # no trigram: "many"


@pytest.mark.postgres_only
def test_postgresql_pages_few_matches_from_the_union_and_many_by_the_walk(corpus: list[str]) -> None:
    few = search_filter("alpine", page=True)  # a company's name: no salesperson, one contact
    many = search_filter("jonathan", page=True)  # a salesperson's name
    assert "UNION" in str(Opportunity.objects.filter(few).query)
    assert "UNION" not in str(Opportunity.objects.filter(many).query)
    assert "UNION" in str(Opportunity.objects.filter(search_filter("jonathan")).query)  # the count: the union
    assert matches(few) == matches(plain_search_filter("alpine"))
    assert matches(many) == matches(plain_search_filter("jonathan"))
