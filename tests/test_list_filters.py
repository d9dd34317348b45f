"""The web list and the API list of opportunities are one filter definition (``opportunities/filters.py``): the
same filter words give the same opportunities on both faces (conventions "Where a query goes"), on SQLite and
PostgreSQL alike, and each word means what api.md and spec §5.2 say.

The world: Annette Hill (``AH``) sells to Cronus Ltd (company ``C-CRONUS``) and its buyer Linda Martin (person
``P-LINDA``); Jo Otis (``JO``) sells to Linda too, to Fabrikam Inc (``C-FABRIKAM``) and, in campaign ``CP1``, to Solo
Trader (``P-SOLO``, a person without company)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client

from salescycle import testing
from salescycle.contacts.models import Campaign, Salesperson, Segment, Team
from salescycle.core.actors import SYSTEM
from salescycle.core.pagination import Keyset
from salescycle.opportunities import selectors, services
from salescycle.opportunities.forms import ListFilterForm
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.selectors import list_views
from salescycle.tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: None) -> dict[str, str]:
    """Five opportunities, one per status and kind of contact; label → opportunity no."""
    testing.demo_setup()
    annette = testing.make_salesperson("AH", name="Annette Hill")
    jo = testing.make_salesperson("JO", name="Jo Otis")
    cronus = testing.make_company("C-CRONUS", name="Cronus Ltd")
    linda = testing.make_person(cronus, "P-LINDA", name="Linda Martin")
    fabrikam = testing.make_company("C-FABRIKAM", name="Fabrikam Inc")
    solo = testing.make_person(None, "P-SOLO", name="Solo Trader")
    campaign = Campaign.objects.create(
        no="CP1", description="Spring", starting_date=dt.date(2026, 1, 1), ending_date=dt.date(2026, 12, 31)
    )
    campaign.activated = True
    campaign.save()
    Segment.objects.create(no="SG1", description="Traders", campaign=campaign)

    def create(contact: Any, salesperson: Any, day: str, description: str, **extra: Any) -> str:
        creation = dt.date.fromisoformat(day)
        opportunity = testing.create_opportunity(
            contact, salesperson, creation_date=creation, description=description, **extra
        )
        return str(opportunity.no)

    nos = {
        "cronus_fleet": create(cronus, annette, "2026-01-05", "Bikes for the fleet", activate=True),
        "linda_chairs": create(linda, annette, "2026-01-10", "Chairs"),
        "linda_won": create(linda, jo, "2026-01-15", "Desks", activate=True),
        "fabrikam_lost": create(fabrikam, jo, "2026-02-01", "Printers", cycle="EXISTING", activate=True),
        "solo_campaign": create(
            solo, jo, "2026-02-10", "Fleet cards", activate=True, campaign_no="CP1", segment_no="SG1"
        ),
    }
    services.close_opportunity(
        nos["linda_won"],
        outcome="won",
        close_opportunity_code="BUSINESS_W",
        date_closed=dt.date(2026, 1, 20),
        sales_value=Decimal(900),
        by=SYSTEM,
    )
    services.close_opportunity(
        nos["fabrikam_lost"],
        outcome="lost",
        close_opportunity_code="BUSINESS_L",
        date_closed=dt.date(2026, 2, 5),
        by=SYSTEM,
    )
    return nos


@pytest.fixture
def browser(client: Client, world: dict[str, str]) -> Client:
    """A Sales Manager's session (sees every opportunity), for the web list and, as a browser session, the API."""
    client.force_login(testing.make_manager("manager"))
    return client


ALL = ["cronus_fleet", "linda_chairs", "linda_won", "fabrikam_lost", "solo_campaign"]

# (web list query, API list query, expected opportunities). "{fabrikam_lost}" is that opportunity's number.
CASES: list[tuple[dict[str, str], dict[str, str], list[str]]] = [
    ({}, {}, ALL),
    ({"q": "fleet"}, {"q": "fleet"}, ["cronus_fleet", "solo_campaign"]),  # description, any case
    ({"q": "CRONUS"}, {"q": "CRONUS"}, ["cronus_fleet", "linda_chairs", "linda_won"]),  # contact or company name
    ({"q": "linda"}, {"q": "linda"}, ["linda_chairs", "linda_won"]),  # contact name
    ({"q": "otis"}, {"q": "otis"}, ["linda_won", "fabrikam_lost", "solo_campaign"]),  # salesperson name
    ({"q": "  hill "}, {"q": "  hill "}, ["cronus_fleet", "linda_chairs"]),  # surrounding spaces ignored
    ({"q": "{fabrikam_lost}"}, {"q": "{fabrikam_lost}"}, ["fabrikam_lost"]),  # the number, lower-case
    ({"q": "nothing like it"}, {"q": "nothing like it"}, []),
    ({"status": "not_started"}, {"status": "not_started"}, ["linda_chairs"]),
    ({"status": "in_progress"}, {"status": "in_progress"}, ["cronus_fleet", "solo_campaign"]),
    ({"status": "won"}, {"status": "won"}, ["linda_won"]),
    ({"status": "lost"}, {"status": "lost"}, ["fabrikam_lost"]),
    ({"closed": "yes"}, {"closed": "true"}, ["linda_won", "fabrikam_lost"]),
    ({"closed": "no"}, {"closed": "false"}, ["cronus_fleet", "linda_chairs", "solo_campaign"]),
    ({"salesperson": "AH"}, {"salesperson_code": "AH"}, ["cronus_fleet", "linda_chairs"]),
    ({"salesperson": " jo"}, {"salesperson_code": " jo"}, ["linda_won", "fabrikam_lost", "solo_campaign"]),
    ({"contact": "C-CRONUS"}, {"contact_no": "C-CRONUS"}, ["cronus_fleet", "linda_chairs", "linda_won"]),  # company
    ({"contact": "p-linda"}, {"contact_no": "p-linda"}, ["linda_chairs", "linda_won"]),  # a person: her own only
    ({"contact": "P-SOLO"}, {"contact_no": "P-SOLO"}, ["solo_campaign"]),  # a person without company
    ({"contact": "C-FABRIKAM"}, {"contact_no": "C-FABRIKAM"}, ["fabrikam_lost"]),
    ({"contact": "NOBODY"}, {"contact_no": "NOBODY"}, []),
    ({"cycle": "EXISTING"}, {"sales_cycle_code": "EXISTING"}, ["fabrikam_lost"]),
    ({"campaign": "CP1"}, {"campaign_no": "CP1"}, ["solo_campaign"]),
    ({"segment": "sg1"}, {"segment_no": "sg1"}, ["solo_campaign"]),
    (
        {"created_from": "2026-01-15"},
        {"creation_date_from": "2026-01-15"},
        ["linda_won", "fabrikam_lost", "solo_campaign"],
    ),
    ({"created_to": "2026-01-10"}, {"creation_date_to": "2026-01-10"}, ["cronus_fleet", "linda_chairs"]),
    (
        {"created_from": "2026-01-10", "created_to": "2026-02-01"},
        {"creation_date_from": "2026-01-10", "creation_date_to": "2026-02-01"},
        ["linda_chairs", "linda_won", "fabrikam_lost"],
    ),
    (
        {"salesperson": "JO", "closed": "no", "q": "FLEET"},
        {"salesperson_code": "JO", "closed": "false", "q": "FLEET"},
        ["solo_campaign"],
    ),
    (
        {"contact": "C-CRONUS", "status": "won"},
        {"contact_no": "C-CRONUS", "status": "won"},
        ["linda_won"],
    ),
    ({"salesperson": "", "contact": "", "q": ""}, {"salesperson_code": "", "contact_no": "", "q": ""}, ALL),  # blank
    # The words of the analysis drill-downs (spec §5.7): the active entry's stage, closing date and close code.
    ({"stage": "1"}, {"current_sales_cycle_stage": "1"}, ["cronus_fleet", "solo_campaign"]),
    ({"stage": "0"}, {"current_sales_cycle_stage": "0"}, ["linda_chairs", "linda_won", "fabrikam_lost"]),
    (
        {"closing_from": "2026-02-05"},
        {"estimated_closing_date_from": "2026-02-05"},
        ["fabrikam_lost", "solo_campaign"],  # a closed one's closing date is its Date Closed
    ),
    ({"closing_to": "2026-02-04"}, {"estimated_closing_date_to": "2026-02-04"}, ["cronus_fleet", "linda_won"]),
    ({"closed_from": "2026-02-01"}, {"date_closed_from": "2026-02-01"}, ["fabrikam_lost"]),
    ({"closed_to": "2026-01-31"}, {"date_closed_to": "2026-01-31"}, ["linda_won"]),
    ({"close_code": "business_w"}, {"close_opportunity_code": "business_w"}, ["linda_won"]),
    ({"close_code": "BUSINESS_L"}, {"close_opportunity_code": "BUSINESS_L"}, ["fabrikam_lost"]),
    ({"close_code": "NONE"}, {"close_opportunity_code": "NONE"}, []),
    ({"has_campaign": "yes"}, {"has_campaign": "true"}, ["solo_campaign"]),
    (
        {"has_campaign": "no"},
        {"has_campaign": "false"},
        ["cronus_fleet", "linda_chairs", "linda_won", "fabrikam_lost"],
    ),
    ({"has_salesperson": "yes", "has_contact": "yes"}, {"has_salesperson": "true", "has_contact": "true"}, ALL),
    ({"has_salesperson": "no"}, {"has_salesperson": "false"}, []),
    ({"has_contact": "no"}, {"has_contact": "false"}, []),
]


def test_every_word_of_the_web_list_reaches_the_same_filter_word(world: dict[str, str]) -> None:
    # The drill-down links (selectors.list_query) name the API's words; the web list reads them back unchanged.
    special = {"closed": True, "current_sales_cycle_stage": 2, "status": "won", "sales_cycle_code": "EXISTING"}
    for word, name in selectors.LIST_WORDS.items():
        value: Any = special.get(word, "X1")
        if word.startswith("has_"):
            value = False
        if word.endswith(("_from", "_to")):
            value = dt.date(2026, 3, 1)
        query = selectors.list_query({word: value})
        assert list(query) == [name]
        form = ListFilterForm(query)
        assert form.is_valid(), (word, form.errors)
        assert getattr(form.filters().words(), word) == value, word


def _filled(query: dict[str, str], world: dict[str, str]) -> dict[str, str]:
    return {name: value.format(**{k: v.lower() for k, v in world.items()}) for name, value in query.items()}


def web_list(browser: Client, query: dict[str, str], world: dict[str, str]) -> set[str]:
    """The opportunities of the web list page (one page: the world is smaller than a page). No words: the whole list,
    ``?view=all`` (``/opportunities/`` alone redirects to the user's default view)."""
    response = browser.get(f"/opportunities/?{urlencode(query) or 'view=all'}")
    assert response.status_code == 200
    page = response.content.decode()
    return {no for no in world.values() if f">{no}<" in page}


def api_list(browser: Client, query: dict[str, str]) -> set[str]:
    """The opportunities of the API list (one page)."""
    response = browser.get(f"/api/v1/opportunities?{urlencode({**query, 'limit': 500})}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["items"])
    return {item["no"] for item in body["items"]}


@pytest.mark.parametrize(("web", "api", "expected"), CASES, ids=[urlencode(case[1]) or "all" for case in CASES])
def test_the_web_list_and_the_api_list_give_the_same_opportunities_for_the_same_words(
    browser: Client, world: dict[str, str], web: dict[str, str], api: dict[str, str], expected: list[str]
) -> None:
    on_the_web = web_list(browser, _filled(web, world), world)
    over_the_api = api_list(browser, _filled(api, world))

    assert on_the_web == over_the_api == {world[label] for label in expected}


def test_the_exports_hold_the_rows_of_the_web_list(browser: Client, world: dict[str, str]) -> None:
    query = urlencode({"contact": "C-CRONUS", "q": "an"})  # Annette, Linda Martin's company Cronus…
    exported = browser.get(f"/opportunities/export.csv?{query}").getvalue().decode()

    assert {no for no in world.values() if f"\n{no}," in exported} == web_list(
        browser, {"contact": "C-CRONUS", "q": "an"}, world
    )


def _plan(queryset: Any) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.parametrize("contact_no", ["C-CRONUS", "P-LINDA"])
def test_the_contact_filter_reads_the_contact_indexes_whatever_the_kind_of_contact(contact_no: str) -> None:
    queryset = selectors.filter_opportunities(selectors.visible(SYSTEM), contact_no=contact_no)

    # The filter alone: with the list's order by No. and a page limit, PostgreSQL may walk the primary key of a tiny
    # test table and filter it (its choice follows the statistics autovacuum happens to have gathered), which says
    # nothing about the filter; unordered, the only way to avoid reading every row is the two contact indexes.
    plan = _plan(queryset.order_by().values("no"))
    keyset_plan = _plan(Keyset.of(Opportunity, ["no", "no"]).order(queryset)[:51])

    # One condition for companies and persons (no look-up of the contact's type): an index on each column (the
    # contact, the company), never a full scan.
    assert "Seq Scan" not in keyset_plan, keyset_plan
    assert "SCAN opportunities_opportunity" not in keyset_plan, keyset_plan
    assert "MULTI-INDEX OR" in plan or "BitmapOr" in plan, plan
    assert "Seq Scan" not in plan, plan
    assert "SCAN opportunities_opportunity" not in plan, plan


# ---------------------------------------------------------------------------------------------------------------
# Tasks: the web list's views are the API list's filters (``tasks/filters.py``)

TASK_CASES: list[tuple[dict[str, str], dict[str, str]]] = [
    ({"show": "all"}, {}),
    ({"show": "mine"}, {"salesperson_code": "JO", "closed": "false"}),  # the user is Jo Otis
    ({"show": "all", "opportunity": "{linda_won}"}, {"opportunity_no": "{linda_won}"}),
    ({"opportunity": "{cronus_fleet}"}, {"opportunity_no": "{cronus_fleet}"}),  # an opportunity: all its tasks
    (
        {"show": "mine", "opportunity": "{solo_campaign}"},
        {"opportunity_no": "{solo_campaign}", "salesperson_code": "jo", "closed": "false"},
    ),
]


@pytest.mark.parametrize(("web", "api"), TASK_CASES, ids=[urlencode(case[0]) for case in TASK_CASES])
def test_the_web_task_list_and_the_api_task_list_give_the_same_tasks_for_the_same_words(
    client: Client, world: dict[str, str], web: dict[str, str], api: dict[str, str]
) -> None:

    client.force_login(testing.make_user("jo", role="Sales Manager", salesperson=Salesperson.objects.get(code="JO")))
    every = set(Task.objects.values_list("no", flat=True))
    assert len(every) > 4

    page = client.get(f"/tasks/?{urlencode(_filled(web, world))}").content.decode()
    on_the_web = {no for no in every if f">{no}<" in page}
    response = client.get(f"/api/v1/tasks?{urlencode({**_filled(api, world), 'limit': 500})}")
    over_the_api = {item["no"] for item in response.json()["items"]}

    assert on_the_web == over_the_api
    assert on_the_web


def test_the_web_lists_closed_dates_are_the_apis_date_closed_words(browser: Client, world: dict[str, str]) -> None:
    closed = dict(Opportunity.objects.filter(closed=True).values_list("no", "date_closed"))
    day = min(closed.values())
    words = {"from": day.isoformat(), "to": day.isoformat()}

    on_the_web = web_list(browser, {"closed_from": words["from"], "closed_to": words["to"]}, world)
    over_the_api = api_list(browser, {"date_closed_from": words["from"], "date_closed_to": words["to"]})

    assert on_the_web == over_the_api == {no for no, date in closed.items() if date == day}
    assert on_the_web


def test_the_web_lists_team_word_takes_the_teams_salespeople(browser: Client, world: dict[str, str]) -> None:
    team = Team.objects.create(code="NORTH", name="North")
    Salesperson.objects.get(code="AH").teams.add(team)

    assert web_list(browser, {"team": "north"}, world) == {world["cronus_fleet"], world["linda_chairs"]}
    assert web_list(browser, {"team": "NOWHERE"}, world) == set()
    assert web_list(browser, {"team": ""}, world) == set(world.values())


@pytest.mark.parametrize("view", ["mine", "closing", "stale"])
def test_the_built_in_views_read_an_index(view: str) -> None:
    # Their words (list_views.BUILTIN_VIEWS) narrow the list through an index, never a scan of every opportunity.
    words = list_views.builtin_view(view).words("AH", dt.date(2026, 3, 10))  # type: ignore[union-attr]
    assert words is not None
    filters = ListFilterForm(words).filters()
    queryset = selectors.filtered_opportunities(filters, user=SYSTEM)

    plan = _plan(queryset.order_by().values("no"))

    assert "Seq Scan" not in plan, plan
    assert "SCAN opportunities_opportunity" not in plan, plan  # SQLite: a SEARCH of an index range


def test_every_web_sort_gives_the_same_rows_as_the_api_ordering(browser: Client, world: dict[str, str]) -> None:
    # The sorts of issue #15: the web list's sort key and the API's ordering name the same order.
    pairs = {"salesperson": "salesperson_code", "contact": "contact_no", "status": "status"}
    pairs |= {"calculated_current_value": "calculated_current_value", "estimated_value": "estimated_value"}
    for web, api in pairs.items():
        for sign in ("", "-"):
            page = browser.get(f"/opportunities/?sort={sign}{web}").content.decode()
            on_the_web = sorted(world.values(), key=lambda no, page=page: page.index(f">{no}<"))
            items = browser.get(f"/api/v1/opportunities?ordering={sign}{api}&limit=500").json()["items"]
            assert on_the_web == [item["no"] for item in items], (web, sign)
