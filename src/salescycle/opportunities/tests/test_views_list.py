"""The web Opportunity List's grid (issue #15 "The list"): the count and sums are the API's totals for the same
filters, the new sorts, the column choice remembered per user, saved views per user (never another's), the built-in
views, a reload after "More" (``?rows=N``) and a constant number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.core.workdate import set_work_date
from salescycle.opportunities import services
from salescycle.opportunities.models import ListPreference, Opportunity, SavedView
from salescycle.opportunities.selectors import display, list_views
from salescycle.opportunities.selectors.opportunities import PAGE_SIZE, ListFilters, list_totals, opportunity_page
from salescycle.opportunities.services import list_views as view_services

pytestmark = pytest.mark.django_db

WORK_DATE = dt.date(2026, 3, 10)
# Amounts whose floating-point sum is not exact.
VALUES = ["0.10000", "0.20000", "1234567.01", "2452104.27", "0.3"]


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """Annette (AH, signed in) and Jo (JO): opportunities with inexact amounts, statuses and closing dates."""
    testing.demo_setup()
    user = testing.make_user("annette", role="Salesperson")
    annette = testing.make_salesperson("AH", name="Annette Hill", user=user)
    jo_user = testing.make_user("jo", role="Salesperson")
    jo = testing.make_salesperson("JO", name="Jo Otis", user=jo_user)
    zeta = testing.make_company("CT-ZETA", name="Zeta Ltd")
    alpha = testing.make_company("CT-ALPHA", name="Alpha Inc")
    set_work_date(user, WORK_DATE)
    set_work_date(jo_user, WORK_DATE)
    nos: dict[str, str] = {}
    for index, value in enumerate(VALUES):
        contact = alpha if index % 2 else zeta
        person = annette if index < 3 else jo
        opportunity = testing.create_opportunity(
            contact,
            person,
            activate=True,
            value=value,
            chances="33.33333",
            creation_date=dt.date(2026, 3, 1),
            closing=dt.date(2026, 3, 1) + dt.timedelta(days=7 * index),
        )
        nos[value] = opportunity.no
    not_started = testing.create_opportunity(zeta, annette, activate=False, creation_date=dt.date(2026, 3, 2))
    nos["not_started"] = not_started.no
    services.close_opportunity(
        nos["0.3"],
        outcome="lost",
        close_opportunity_code="BUSINESS_L",
        date_closed=dt.date(2026, 3, 5),
        by=SYSTEM,
    )
    manager = testing.make_manager("manager")
    set_work_date(manager, WORK_DATE)
    return {"user": user, "jo_user": jo_user, "manager": manager, "nos": nos, "zeta": zeta, "annette": annette}


@pytest.fixture
def manager(client: Client, world: dict[str, Any]) -> Client:
    client.force_login(world["manager"])
    return client


def _totals(client: Client, query: dict[str, str]) -> Any:
    """The count and sums of the list page with ``?totals=1`` (the page without script; htmx gets the same values as
    a partial, see test_the_sums_are_exact_and_shown_to_the_cent)."""
    response = client.get(f"/opportunities/?{urlencode({**query, 'totals': '1'})}")
    assert response.status_code == 200
    return response.context["totals"]


# (web list query, API list query)
TOTAL_CASES = [
    ({}, {}),
    ({"salesperson": "AH"}, {"salesperson_code": "AH"}),
    ({"closed": "no"}, {"closed": "false"}),
    ({"contact": "CT-ALPHA", "status": "in_progress"}, {"contact_no": "CT-ALPHA", "status": "in_progress"}),
    ({"q": "nothing like it"}, {"q": "nothing like it"}),
]


@pytest.mark.parametrize(("web", "api"), TOTAL_CASES, ids=[urlencode(case[1]) or "all" for case in TOTAL_CASES])
def test_the_lists_count_and_sums_are_the_api_totals_for_the_same_filters(
    manager: Client, web: dict[str, str], api: dict[str, str]
) -> None:
    on_the_web = _totals(manager, web)
    body = manager.get(f"/api/v1/opportunities?{urlencode({**api, 'totals': 'true', 'limit': 1})}").json()

    assert on_the_web.count == body["count"]
    assert on_the_web.estimated_value == Decimal(body["totals"]["estimated_value"])
    assert on_the_web.calculated_current_value == Decimal(body["totals"]["calculated_current_value"])


def test_the_sums_are_exact_and_shown_to_the_cent(manager: Client, world: dict[str, Any]) -> None:
    totals = _totals(manager, {})
    rows = Opportunity.objects.all()

    assert totals.count == len(VALUES) + 1
    assert totals.estimated_value == sum((o.estimated_value for o in rows), Decimal(0))
    assert totals.estimated_value == Decimal("3686671.88")
    partial = manager.get("/opportunities/?totals=1", HTTP_HX_REQUEST="true").content.decode()
    assert '<strong id="total-estimated-value">3,686,671.88</strong>' in partial
    assert "6 opportunities" in partial
    assert "<h1>" not in partial


def test_the_page_loads_the_totals_after_the_rows_and_without_script_in_the_page(manager: Client) -> None:
    page = manager.get("/opportunities/?salesperson=AH").content.decode()
    assert 'hx-get="?salesperson=AH&amp;totals=1"' in page
    assert 'hx-trigger="load"' in page
    assert "total-estimated-value" not in page

    without_script = manager.get("/opportunities/?salesperson=AH&totals=1").content.decode()
    assert "<h1>" in without_script
    assert 'id="total-estimated-value"' in without_script


def test_a_salesperson_sees_the_totals_of_what_they_may_see_only(client: Client, world: dict[str, Any]) -> None:
    outsider = testing.make_user("sam", role="Salesperson")
    testing.make_salesperson("SAM", name="Sam Solo", user=outsider)
    client.force_login(outsider)

    assert _totals(client, {}).count == 0


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("salesperson", lambda o: (o.salesperson_id or "", o.no)),
        ("-salesperson", lambda o: (o.salesperson_id or "", o.no)),
        ("contact", lambda o: (o.contact_id or "", o.no)),
        ("status", lambda o: (o.status, o.no)),
        ("-status", lambda o: (o.status, o.no)),
        ("calculated_current_value", lambda o: (o.calculated_current_value, o.no)),
        ("-calculated_current_value", lambda o: (o.calculated_current_value, o.no)),
        ("-estimated_value", lambda o: (o.estimated_value, o.no)),
    ],
)
def test_the_list_sorts_by_the_new_columns(manager: Client, world: dict[str, Any], sort: str, key: Any) -> None:
    page = manager.get(f"/opportunities/?sort={sort}").content.decode()
    expected = sorted(Opportunity.objects.all(), key=key, reverse=sort.startswith("-"))

    shown = sorted(expected, key=lambda o: page.index(f">{o.no}<"))
    assert [o.no for o in shown] == [o.no for o in expected]


@pytest.mark.parametrize("sort", ["salesperson", "-contact", "status", "-calculated_current_value"])
def test_keyset_paging_walks_every_row_once_in_the_new_orders(world: dict[str, Any], sort: str) -> None:
    filters = ListFilters(sort=sort)
    seen: list[str] = []
    cursor = None
    while True:
        page = opportunity_page(filters, cursor, size=2, user=SYSTEM, work_date=WORK_DATE)
        seen.extend(o.no for o in page.rows)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert seen == [o.no for o in filters.keyset().order(Opportunity.objects.all())]


@pytest.mark.parametrize(
    ("ordering", "key"),
    [
        ("salesperson_code", lambda item: (item["salesperson_code"] or "", item["no"])),
        ("-contact_no", lambda item: (item["contact_no"] or "", item["no"])),
        ("status", lambda item: (item["status"], item["no"])),
        ("-calculated_current_value", lambda item: (Decimal(item["calculated_current_value"]), item["no"])),
    ],
)
def test_the_api_list_takes_the_new_orderings(manager: Client, ordering: str, key: Any) -> None:
    items = manager.get(f"/api/v1/opportunities?ordering={ordering}&limit=500").json()["items"]

    assert [i["no"] for i in items] == [i["no"] for i in sorted(items, key=key, reverse=ordering.startswith("-"))]
    assert len(items) == len(VALUES) + 1


def test_an_unknown_api_ordering_is_refused(manager: Client) -> None:
    response = manager.get("/api/v1/opportunities?ordering=contact_name")

    assert response.status_code == 422


# ---------------------------------------------------------------------------------------------------------------
# Columns


def _headings(page: str) -> list[str]:
    return [part.split('"')[0] for part in page.split('data-column="')[1:]]


def test_the_default_columns_hold_both_money_columns(manager: Client) -> None:
    headings = _headings(manager.get("/opportunities/?view=all").content.decode())

    assert headings == [c.key for c in display.LIST_COLUMNS if c.default]
    assert headings[-2:] == ["estimated_value", "calculated_current_value"]


def test_the_column_choice_is_remembered_per_user(client: Client, world: dict[str, Any]) -> None:
    client.force_login(world["user"])

    response = client.post(
        "/opportunities/columns/",
        {"cols": ["calculated_current_value", "creation_date"], "next": "salesperson=AH&sort=-status"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/opportunities/?salesperson=AH&sort=-status"
    assert _headings(client.get("/opportunities/?view=all").content.decode()) == [
        "select",
        "no",
        "creation_date",
        "calculated_current_value",
    ]
    client.force_login(world["jo_user"])
    assert "creation_date" not in _headings(client.get("/opportunities/?view=all").content.decode())


def test_the_columns_of_the_url_win_over_the_users_choice(client: Client, world: dict[str, Any]) -> None:
    view_services.save_list_columns(columns=["description"], by=world["user"])
    client.force_login(world["user"])

    page = client.get("/opportunities/?cols=status&cols=bogus").content.decode()

    assert _headings(page) == ["select", "no", "status"]


def test_an_unknown_column_is_refused_and_nothing_is_saved(client: Client, world: dict[str, Any]) -> None:
    client.force_login(world["user"])

    client.post("/opportunities/columns/", {"cols": ["status", "secret_field"]})

    assert not ListPreference.objects.exists()
    with pytest.raises(Exception, match="invalid_input"):
        view_services.save_list_columns(columns=["secret_field"], by=world["user"])


def test_the_system_has_no_list_views(world: dict[str, Any]) -> None:
    with pytest.raises(Exception, match="permission_denied"):
        view_services.save_list_view(name="x", query="", by=SYSTEM)


# ---------------------------------------------------------------------------------------------------------------
# Saved views


def test_a_saved_view_keeps_filters_sort_and_columns_and_only_its_user_sees_it(
    client: Client, world: dict[str, Any]
) -> None:
    client.force_login(world["user"])
    page = client.get("/opportunities/?closed=no&sort=-calculated_current_value&after=abc&rows=100")
    save_query = page.context["save_query"]

    response = client.post("/opportunities/views/", {"name": "  Big   deals ", "query": save_query})

    view = SavedView.objects.get()
    assert view.name == "Big deals"
    assert view.user == world["user"]
    assert "after" not in view.query
    assert "rows" not in view.query
    assert "closed=no" in view.query
    assert "sort=-calculated_current_value" in view.query
    assert "cols=estimated_value" in view.query
    assert response["Location"] == f"/opportunities/?{view.query}"
    assert "Big deals" in client.get("/opportunities/?view=all").content.decode()

    client.force_login(world["jo_user"])
    assert "Big deals" not in client.get("/opportunities/?view=all").content.decode()
    assert client.post(f"/opportunities/views/{view.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()

    client.force_login(world["user"])
    assert client.post(f"/opportunities/views/{view.pk}/delete/", {"next": "closed=no"}).status_code == 302
    assert not SavedView.objects.exists()


def test_saving_a_view_under_its_name_again_replaces_it(client: Client, world: dict[str, Any]) -> None:
    client.force_login(world["user"])
    client.post("/opportunities/views/", {"name": "Mine", "query": "closed=no"})
    client.post("/opportunities/views/", {"name": "Mine", "query": "closed=yes&evil=<script>"})

    assert list(SavedView.objects.values_list("name", "query")) == [("Mine", "closed=yes")]


def test_a_view_without_a_name_is_refused(client: Client, world: dict[str, Any]) -> None:
    client.force_login(world["user"])

    response = client.post("/opportunities/views/", {"name": "   ", "query": "closed=no"})

    assert response.status_code == 302
    assert not SavedView.objects.exists()


def test_the_redirect_after_saving_columns_stays_on_the_list(client: Client, world: dict[str, Any]) -> None:
    client.force_login(world["user"])

    response = client.post("/opportunities/columns/", {"cols": ["status"], "next": "https://evil.example/"})

    assert response["Location"] == "/opportunities/?view=all"


# ---------------------------------------------------------------------------------------------------------------
# Built-in views


def _rows(client: Client, query: str) -> set[str]:
    page = client.get(f"/opportunities/?{query}")
    assert page.status_code == 200
    return {o.no for o in page.context["page"].rows}


def test_my_pipeline_is_the_users_salespersons_open_opportunities(client: Client, world: dict[str, Any]) -> None:
    client.force_login(world["user"])

    expected = set(Opportunity.objects.filter(salesperson_id="AH", closed=False).values_list("no", flat=True))

    assert _rows(client, "view=mine") == expected
    assert len(expected) == 4


def test_my_pipeline_without_a_salesperson_shows_nothing_and_says_why(manager: Client) -> None:
    page = manager.get("/opportunities/?view=mine")

    assert page.context["page"].rows == []
    assert "not linked to a salesperson" in page.content.decode()
    assert "export.csv" not in page.content.decode()
    assert _totals(manager, {"view": "mine"}).count == 0
    assert manager.get("/opportunities/export.csv?view=mine").getvalue().decode().count("\n") == 1  # the header


def test_closing_this_month_and_stale_follow_the_work_date(manager: Client, world: dict[str, Any]) -> None:
    open_ones = Opportunity.objects.filter(closed=False, estimated_closing_date__isnull=False)
    dates: dict[str, dt.date] = dict(open_ones.values_list("no", "estimated_closing_date"))  # type: ignore[arg-type]
    march = {no for no, day in dates.items() if day.month == 3}
    stale = {no for no, day in dates.items() if day < WORK_DATE}

    assert _rows(manager, "view=closing") == march
    assert _rows(manager, "view=stale") == stale
    assert stale
    assert march
    assert stale != march


def test_a_built_in_view_fills_the_filter_form_and_the_query_refines_it(manager: Client) -> None:
    page = manager.get("/opportunities/?view=stale&salesperson=JO")

    form = page.context["form"]
    assert form.data["closing_to"] == "2026-03-09"
    assert form.data["salesperson"] == "JO"
    assert page.context["active_filters"] == 3
    assert {o.salesperson_id for o in page.context["page"].rows} <= {"JO"}


def test_the_built_in_views_are_defined_once() -> None:
    assert [v.key for v in list_views.BUILTIN_VIEWS] == ["mine", "closing", "stale", "all"]
    assert list_views.builtin_view("nope") is None


# ---------------------------------------------------------------------------------------------------------------
# More and reload


def test_a_reload_with_rows_shows_the_rows_more_loaded(manager: Client, world: dict[str, Any]) -> None:
    for _ in range(PAGE_SIZE):
        testing.create_opportunity(world["zeta"], world["annette"], activate=False)
    first = manager.get("/opportunities/?sort=-creation_date").content.decode()
    more = first.split('hx-get="')[-1].split('"')[0].replace("&amp;", "&")
    pushed = first.split('hx-push-url="')[1].split('"')[0].replace("&amp;", "&")
    assert pushed == f"?sort=-creation_date&rows={2 * PAGE_SIZE}"

    partial = manager.get(f"/opportunities/{more}", HTTP_HX_REQUEST="true")
    reloaded = manager.get(f"/opportunities/{pushed}")

    loaded = [o.no for o in manager.get("/opportunities/?sort=-creation_date").context["page"].rows]
    more_html = partial.content.decode()
    appended = [no for no in Opportunity.objects.values_list("no", flat=True) if f">{no}<" in more_html]
    loaded += sorted(appended, key=lambda no: more_html.index(f">{no}<"))
    assert [o.no for o in reloaded.context["page"].rows] == loaded
    assert len(loaded) == Opportunity.objects.count()


def test_rows_is_bounded(manager: Client) -> None:
    page = manager.get("/opportunities/?rows=999999999")

    assert page.status_code == 200
    assert manager.get("/opportunities/?rows=abc").status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# Queries


def test_the_list_page_and_its_totals_run_a_constant_number_of_queries(
    client: Client, world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client.force_login(world["user"])
    view_services.save_list_view(name="A", query="closed=no", by=world["user"])
    view_services.save_list_view(name="B", query="closed=yes", by=world["user"])
    view_services.save_list_columns(columns=["status"], by=world["user"])

    # Session, user, cycles, WorkDate, caption, page, the bulk bar's salespeople and close codes, columns, saved views.
    with django_assert_max_num_queries(10):
        client.get("/opportunities/?salesperson=AH&sort=status")
    # …and the salesperson of "My pipeline".
    with django_assert_max_num_queries(11):
        client.get("/opportunities/?view=mine")
    # Session, user, cycles, WorkDate, the aggregate.
    with django_assert_max_num_queries(5):
        client.get("/opportunities/?totals=1", HTTP_HX_REQUEST="true")


def test_list_totals_is_one_query(world: dict[str, Any], django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        totals = list_totals(Opportunity.objects.filter(salesperson_id="AH"))

    assert totals.count == 4
