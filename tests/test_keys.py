"""Keys cannot break a page (issue #12 item 5, api.md "Strict input"): every place that accepts a new key refuses
one that breaks a URL (422 ``invalid_input`` on the field), lookups by such a key are 404, stored bad keys are
reported, and every web page and API route works with the nastiest keys the rule allows."""

from __future__ import annotations

import datetime as dt
import html
import importlib
import io
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from salescycle import testing
from salescycle.apitokens.tokens import create_token
from salescycle.contacts import services as contact_services
from salescycle.contacts import services as contact_setup
from salescycle.contacts.models import Contact, Salesperson, Team
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError, InvalidInput
from salescycle.core.models import NumberSeries
from salescycle.core.numbering import next_no
from salescycle.core.views import SETUP_PAGES
from salescycle.demo.generate import generate
from salescycle.opportunities import services as opportunity_setup
from salescycle.opportunities import services as opportunity_setup_services
from salescycle.opportunities.integrity import check_integrity
from salescycle.opportunities.services import create_opportunity
from salescycle.sales import services as sales_services
from salescycle.sales import setup_services as sales_setup
from salescycle.tasks import services as task_setup

# The nastiest keys the rule allows: a space inside, quotes, HTML, query-string and path characters, non-ASCII.
K20 = "Ä <B>&'\"+;=@!*ÖÜ:,XY"
K10 = "Ä <&'\"+;=@"  # sales cycles, close codes and activities have 10-character codes
PREFIX = "Ö <&'\"+;=@"  # number series (10 characters + 6 digits): the customer, order and invoice numbers
BAD = ["A/B", "A\\B", "A?B", "A#B", "A%B", "A\x85B", "A\ue000B", " AB", "AB ", ".", ".."]
API = "/api/v1"


def q(key: str) -> str:
    """A key as a path segment of a URL."""
    return quote(key, safe="")


@pytest.fixture
def admin(db: None) -> Any:
    testing.demo_setup()
    return testing.make_user("keys-admin", role="Administrator")


@pytest.fixture
def api(client: Client, admin: Any) -> Client:
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {create_token(admin, name='keys')[1]}"
    return client


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}{path}", body, content_type="application/json")


def test_the_nasty_keys_have_the_largest_allowed_length() -> None:
    assert (len(K20), len(K10), len(PREFIX) + 6) == (20, 10, 16)


# ---------------------------------------------------------------------------------------------------------------
# Refused on input: API, services (reached by web, API, importers alike), web forms, number series


CREATES = [
    ("/salespeople", "code", {"name": "X"}),
    ("/contacts", "no", {"type": "company", "name": "X"}),
    ("/campaigns", "no", {"description": "X"}),
    ("/segments", "no", {"description": "X"}),
    ("/sales-cycles", "code", {"description": "X", "probability_calculation": "add"}),
    ("/close-opportunity-codes", "code", {"description": "X", "type": "won"}),
    ("/activities", "code", {"description": "X"}),
    ("/items", "code", {"description": "X"}),
    ("/customer-templates", "code", {"description": "X"}),
    ("/tasks", "no", {"description": "X", "date": "2026-12-03"}),
    ("/sales-quotes", "no", {}),
    ("/opportunities", "no", {"description": "X", "contact_no": "C1", "salesperson_code": "SP1"}),
]


@pytest.mark.parametrize(("path", "field", "body"), CREATES, ids=[c[0] for c in CREATES])
def test_every_api_create_refuses_a_key_that_breaks_a_url(
    api: Client, path: str, field: str, body: dict[str, Any]
) -> None:
    for bad in BAD:
        response = post(api, path, {field: bad, **body})
        assert response.status_code == 422, (bad, response.content)
        assert response.json()["code"] == "invalid_input"
        assert field in response.json()["fields"]


def test_a_reference_to_a_key_that_breaks_the_rule_is_invalid_input(api: Client) -> None:
    response = post(api, "/opportunities", {"description": "X", "contact_no": "SP/X"})
    assert (response.status_code, response.json()["code"], list(response.json()["fields"])) == (
        422,
        "invalid_input",
        ["contact_no"],
    )


SERVICE_CREATES = [
    ("salesperson", lambda by, key: contact_setup.create_salesperson(by=by, code=key, name="X"), "code"),
    ("contact", lambda by, key: contact_services.create_contact(by=by, no=key, name="X"), "no"),
    ("campaign", lambda by, key: contact_services.create_campaign(by=by, no=key), "no"),
    ("segment", lambda by, key: contact_services.create_segment(by=by, no=key), "no"),
    ("cycle", lambda by, key: opportunity_setup_services.create_sales_cycle(by=by, code=key), "code"),
    ("close code", lambda by, key: opportunity_setup_services.create_close_code(by=by, code=key, type="won"), "code"),
    ("activity", lambda by, key: opportunity_setup.save_activity(key, by=by, create=True), "code"),
    ("item", lambda by, key: sales_setup.create_item(by=by, code=key), "code"),
    ("template", lambda by, key: sales_setup.create_customer_template(by=by, code=key), "code"),
    ("task", lambda by, key: task_setup.create_task(by=by, no=key, description="X"), "no"),
    ("quote", lambda by, key: sales_services.create_sales_quote(by=by, no=key), "no"),
    (
        "opportunity",
        lambda by, key: create_opportunity(by=by, no=key, description="X", contact_no="C1", salesperson_code="SP1"),
        "no",
    ),
]


@pytest.mark.parametrize(("name", "create", "field"), SERVICE_CREATES, ids=[s[0] for s in SERVICE_CREATES])
def test_every_service_that_creates_a_keyed_record_refuses_a_bad_key(
    admin: Any, name: str, create: Any, field: str
) -> None:
    # The services are what the web forms, the API, the importers and the admin-free shell all reach.
    testing.make_salesperson("SP1")
    testing.make_company("C1")
    for bad in ("SP/X", "N/Ò\x90", "A#1", " PAD"):
        with pytest.raises(InvalidInput) as caught:
            create(admin, bad)
        assert caught.value.fields.keys() == {field}


WEB_FORMS = {
    "salespeople": {"code": "SP/X", "name": "Bad"},
    "contacts": {"no": "A?B", "type": "company", "name": "Bad"},
    "campaigns": {"no": "A#B", "description": "Bad"},
    "segments": {"no": "A%B", "description": "Bad"},
    "sales-cycles": {"code": "A\\B", "description": "Bad", "probability_calculation": "add"},
    "close-codes": {"code": "..", "description": "Bad", "type": "won"},
    "activities": {"code": "N/\u00d2", "description": "Bad"},
}


@pytest.mark.parametrize("slug", WEB_FORMS)
def test_every_setup_form_shows_a_bad_key_on_its_field(client: Client, admin: Any, slug: str) -> None:
    client.force_login(admin)
    data = {**WEB_FORMS[slug], "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"}
    key_field = "code" if "code" in data else "no"
    response = client.post(f"/setup/{slug}/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors[key_field], response.context["form"].errors
    model = SETUP_PAGES[slug].model
    assert not model._default_manager.filter(**{key_field: data[key_field]}).exists()


def test_a_number_series_prefix_that_would_give_bad_keys_is_refused(api: Client) -> None:
    for prefix in ("OP/", "O#", "ÄÖÜ" * 3 + "ABCDEF"):  # the last: 15 + 6 digits
        response = api.patch(
            f"{API}/setup", {"number_series": {"opportunity": prefix}}, content_type="application/json"
        )
        assert response.status_code == 422, prefix
        assert response.json()["code"] == "invalid_input"
    response = api.patch(f"{API}/setup", {"number_series": {"opportunity": "op-"}}, content_type="application/json")
    assert response.json()["number_series"]["opportunity"] == "OP-"


def test_a_stored_series_that_would_give_a_bad_key_refuses_to_number(admin: Any) -> None:
    NumberSeries.objects.filter(code="contact").update(prefix="CT/")
    with pytest.raises(DomainError) as caught:
        next_no("contact")
    assert caught.value.code == "setup.number_series_invalid"


# ---------------------------------------------------------------------------------------------------------------
# Lookups by a bad key: 404


@pytest.mark.parametrize("resource", ["contacts", "opportunities", "items", "sales-cycles", "tasks", "sales-quotes"])
def test_a_lookup_by_a_key_no_record_can_have_is_404(api: Client, resource: str) -> None:
    for key in ("A%5CB", "A%3FB", "A%23B", "A%25B", "%C2%85", "X" * 21, "%2E", "%20A", "A%20"):
        response = api.get(f"{API}/{resource}/{key}")
        assert response.status_code == 404, (resource, key, response.content)
        assert response.json()["code"] == "not_found"


# ---------------------------------------------------------------------------------------------------------------
# Stored bad keys (from before the rule) are reported, never renamed


@pytest.fixture
def bad_rows(db: None) -> None:
    testing.make_salesperson("SP/X")
    testing.make_company("ADV/1")
    testing.make_company("lower")
    Team.objects.create(code="T\x90", name="C1 control")


def test_check_integrity_lists_stored_bad_keys_per_table_and_fails(bad_rows: None) -> None:
    problems = check_integrity().problems
    assert any(p.startswith("contacts.Salesperson.code:") and "'SP/X'" in p for p in problems)
    assert any(p.startswith("contacts.Contact.no:") and "'ADV/1'" in p and "'lower'" in p for p in problems)
    assert any(p.startswith("contacts.Team.code:") and "'T\\x90'" in p for p in problems)
    with pytest.raises(CommandError):
        call_command("check_integrity", stderr=io.StringIO(), stdout=io.StringIO())
    assert Contact.objects.filter(no="ADV/1").exists()  # reported, not renamed


def test_the_data_migration_reports_stored_bad_keys_without_changing_them(
    bad_rows: None, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    migration = importlib.import_module("salescycle.sales.migrations.0003_report_invalid_keys")
    migration.report_invalid_keys(apps, None)
    out = capsys.readouterr().out
    assert "contacts.Contact.no" in out
    assert "'ADV/1'" in out
    assert "'SP/X'" in out
    assert "contacts.Contact.no" in caplog.text
    assert Salesperson.objects.filter(code="SP/X").exists()


def test_no_problem_is_reported_for_good_keys(db: None) -> None:
    testing.make_company("C1")
    assert not [p for p in check_integrity().problems if "key rule" in p]


# ---------------------------------------------------------------------------------------------------------------
# Every page and route survives the nastiest allowed keys


def _world(api: Client, admin: Any) -> dict[str, Any]:
    """Every keyed record with a nasty key, created through the API as an administrator."""

    def ok(response: Any, status: int = 201) -> Any:
        assert response.status_code == status, response.content
        return response.json()

    series = {code: PREFIX for code in ("quote", "order", "posted_invoice", "customer")}
    ok(api.patch(f"{API}/setup", {"number_series": series}, content_type="application/json"), 200)
    ok(post(api, "/salespeople", {"code": K20, "name": "Nasty salesperson"}))
    team = Team.objects.create(code=K20, name="Nasty team")
    Salesperson.objects.get(code=K20).teams.add(team)
    ok(post(api, "/contacts", {"no": K20, "type": "company", "name": "Nasty company", "salesperson_code": K20}))
    person = ok(post(api, "/contacts", {"type": "person", "name": "Nasty person", "company_no": K20}))
    campaign = {"no": K20, "description": "Nasty campaign", "salesperson_code": K20, "activated": True}
    ok(post(api, "/campaigns", {**campaign, "starting_date": "2000-01-01", "ending_date": "2099-12-31"}))
    ok(post(api, "/segments", {"no": K20, "description": "Nasty segment", "lines": [{"contact_no": K20}]}))
    step = {"type": "phone_call", "description": "Call", "priority": "normal", "date_formula": "+1D"}
    ok(post(api, "/activities", {"code": K10, "description": "Nasty activity", "steps": [step]}))
    ok(post(api, "/sales-cycles", {"code": K10, "description": "Nasty cycle", "probability_calculation": "add"}))
    for stage in (1, 2):
        body = {"stage": stage, "description": f"S{stage}", "chances_of_success_pct": "50", "completed_pct": "50"}
        ok(post(api, f"/sales-cycles/{q(K10)}/stages", {**body, "activity_code": K10}))
    ok(post(api, "/close-opportunity-codes", {"code": K10, "description": "Nasty close", "type": "won"}))
    ok(post(api, "/items", {"code": K20, "description": "Nasty item", "unit_price": "10"}))
    ok(post(api, "/customer-templates", {"code": K20, "description": "Nasty template"}))
    opportunity = {
        "no": K20,
        "description": "Nasty opportunity",
        "contact_no": K20,
        "salesperson_code": K20,
        "sales_cycle_code": K10,
        "campaign_no": K20,
        "activate_first_stage": True,
        "estimated_value": "100",
        "chances_of_success_pct": "50",
        "estimated_closing_date": "2030-01-01",
    }
    ok(post(api, "/opportunities", opportunity))
    closed = {**opportunity, "no": K20[:-1] + "Z", "campaign_no": None}
    ok(post(api, "/opportunities", closed))
    won = {"outcome": "won", "close_opportunity_code": K10, "sales_value": "90"}
    ok(post(api, f"/opportunities/{q(closed['no'])}/close", won), 200)
    ok(post(api, "/tasks", {"no": K20, "description": "Nasty task", "date": "2026-12-03", "opportunity_no": K20}))
    line = {"item_code": K20, "quantity": "1"}
    quote_body = {"no": K20, "sell_to_contact_no": K20, "customer_template": K20, "opportunity_no": K20}
    ok(post(api, "/sales-quotes", {**quote_body, "lines": [line]}))
    second = K20[:-1] + "Q"
    ok(post(api, "/sales-quotes", {"no": second, "sell_to_contact_no": K20, "lines": [line]}))
    order = ok(post(api, f"/sales-quotes/{q(second)}/make-order", {"create_customer": True}))
    other = ok(post(api, "/sales-quotes", {"no": K20[:-1] + "R", "sell_to_contact_no": K20, "lines": [line]}))
    to_post = ok(post(api, f"/sales-quotes/{q(other['no'])}/make-order", {}))
    invoice = ok(post(api, f"/sales-orders/{q(to_post['no'])}/post", {}))
    numbers = {"order": order["no"], "invoice": invoice["no"], "customer": order["sell_to_customer_no"]}
    assert all(n.startswith(PREFIX) for n in numbers.values()), numbers
    job = opportunity_setup.start_deleting_closed_opportunities(by=admin, salesperson_code=K20)
    return {**numbers, "person": person["no"], "closed": closed["no"], "job": str(job.pk)}


# What each path parameter of a web route takes (the route's records have the nasty keys).
def _web_kwargs(name: str, world: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if name.startswith("setup:") and name != "setup:index" and name != "setup:marketing":
        for slug, page in SETUP_PAGES.items():
            key = K10 if page.model._meta.get_field(page.model._meta.pk.name).max_length == 10 else K20  # type: ignore[union-attr]
            yield {"slug": slug, "key": key}
        return
    values = {
        "opportunities:stage_statistics": {"code": K10},
        "opportunities:board_column": {"cycle": K10, "stage": 1},
        "opportunities:people_statistics": {"kind": None},
        "sales:order": {"no": world["order"]},
        "sales:post_order": {"no": world["order"]},
        "sales:delete_order": {"no": world["order"]},
        "sales:invoice": {"no": world["invoice"]},
        "jobs:detail": {"job_id": world["job"]},
        "opportunities:delete_view": {"pk": 1},  # POST only: a GET answers 405
    }
    if name == "jobs:download":
        return  # a job's file: its key is a UUID, never a user's key (downloads are tested in jobs/tests)
    if name == "opportunities:people_statistics":
        for kind in ("salespeople", "campaigns", "contacts"):
            yield {"kind": kind}
        return
    yield values.get(name, {"no": K20, "action": "complete"})


def _web_routes(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, list[str]]]:
    """(route name, route pattern, its parameter names) of every named route of our web app."""
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if pattern.startswith(("admin/", "api/", "accounts/", "i18n/")):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _web_routes(entry, pattern, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", pattern, re.findall(r"<(?:\w+:)?(\w+)>", pattern)


def _fill(pattern: str, kwargs: dict[str, Any]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: q(str(kwargs[m.group(1)])), pattern)


def _links(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'(?:href|hx-get)="([^"]+)"', page)]


NASTY_IN_LINKS = tuple(
    {quote(k, safe="") for k in (K20, K10, PREFIX)}
    | {quote(k, safe="/~:@!$&'()*+,;=") for k in (K20, K10, PREFIX)}  # Django's reverse(): RFC 3986 sub-delims
)


def _pages(world: dict[str, Any]) -> list[str]:
    """Every web page of ``world``'s records, and the list pages filtered by the nasty keys."""
    pages: list[str] = []
    for name, pattern, params in _web_routes(get_resolver()):
        for kwargs in _web_kwargs(name, world) if params else [{}]:
            pages.append(_fill(pattern, kwargs))
    # The whole list (``/opportunities/`` itself redirects to the user's default view), the list pages filtered by the
    # nasty keys (the filters the setup pages link to), and the exports.
    pages.append("/opportunities/?view=all")
    for param, key in (("salesperson", K20), ("contact", K20), ("campaign", K20), ("cycle", K10), ("q", K20)):
        pages += [f"/opportunities/?{param}={quote(key)}", f"/opportunities/export.csv?{param}={quote(key)}"]
    pages += [f"/opportunities/board/?cycle={quote(K10)}&salesperson={quote(K20)}", f"/tasks/?opportunity={quote(K20)}"]
    return pages


def _follow_nasty_links(web: Client, path: str, page: str, seen: set[str]) -> int:
    """Open each link of ``page`` (at ``path``) to a record with a nasty key not ``seen`` yet; how many."""
    followed = 0
    for link in _links(page):
        target = urlsplit(link)
        if target.netloc or not target.path.startswith("/") or link in seen:
            continue
        if any(n in link for n in NASTY_IN_LINKS) or any(k in unquote(target.query) for k in (K20, K10)):
            if target.query and any(k in unquote(target.query) for k in (K20, K10)):
                # A key in a query string is one whole, encoded value (not cut at its & or = or +).
                values = [v for vs in parse_qs(target.query).values() for v in vs]
                assert any(v in (K20, K10) for v in values), (path, link)
            seen.add(link)
            followed += 1
            linked = web.get(link)
            assert linked.status_code in (200, 302), (path, link, linked.status_code)
    return followed


def test_every_page_and_api_route_works_with_the_nastiest_allowed_keys(client: Client, api: Client, admin: Any) -> None:
    world = _world(api, admin)
    web = Client()
    web.force_login(admin)
    pages = _pages(world)
    assert len(pages) > 40
    seen: set[str] = set()
    followed = 0
    for path in pages:
        response = web.get(path)
        assert response.status_code in (200, 302, 405), (path, response.status_code)
        seen.add(path)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            # Every link to a record with a nasty key leads to a working page.
            followed += _follow_nasty_links(web, path, response.content.decode(), seen)
    assert followed > 20
    for path in ("/setup/salespeople/", "/setup/contacts/", "/opportunities/?view=all", f"/opportunities/{q(K20)}/"):
        page = web.get(path).content.decode()
        assert html.escape(K20) in page or html.escape(K20, quote=False) in page  # shown, escaped
        assert K20 not in page  # never raw: <B> would be markup

    # The API reads, changes and deletes the records by their keys.
    reads = {
        "salespeople": K20,
        "contacts": K20,
        "campaigns": K20,
        "segments": K20,
        "sales-cycles": K10,
        "close-opportunity-codes": K10,
        "activities": K10,
        "items": K20,
        "customer-templates": K20,
        "opportunities": K20,
        "tasks": K20,
        "sales-quotes": K20,
        "sales-orders": world["order"],
        "posted-invoices": world["invoice"],
        "customers": world["customer"],
    }
    for resource, key in reads.items():
        response = api.get(f"{API}/{resource}/{q(key)}")
        assert response.status_code == 200, (resource, response.content)
        assert response.json().get("no", response.json().get("code")) == key
    for extra in ("entries", "tasks", "statistics", "update-options", "sales-quote"):
        assert api.get(f"{API}/opportunities/{q(K20)}/{extra}").status_code == 200, extra
    for resource, key in (("salespeople", K20), ("contacts", K20), ("campaigns", K20), ("sales-cycles", K10)):
        assert api.get(f"{API}/{resource}/{q(key)}/statistics").status_code == 200, resource
    changes = {
        "salespeople": (K20, {"name": "Renamed"}),
        "contacts": (K20, {"name": "Renamed"}),
        "campaigns": (K20, {"description": "Renamed"}),
        "sales-cycles": (K10, {"description": "Renamed"}),
        "close-opportunity-codes": (K10, {"description": "Renamed"}),
        "items": (K20, {"description": "Renamed"}),
        "opportunities": (K20, {"description": "Renamed"}),
        "tasks": (K20, {"description": "Renamed"}),
    }
    for resource, (key, body) in changes.items():
        response = api.patch(f"{API}/{resource}/{q(key)}", body, content_type="application/json")
        assert response.status_code == 200, (resource, response.content)
    # Deletes reach the record: done, or refused by a rule because other data refers to it (never 404 or 500).
    deletes = [
        ("sales-quotes", K20),
        ("sales-orders", world["order"]),
        ("opportunities", world["closed"]),
        ("segments", K20),
        ("items", K20),
        ("close-opportunity-codes", K10),
        ("contacts", world["person"]),
    ]
    for resource, key in deletes:
        response = api.delete(f"{API}/{resource}/{q(key)}")
        assert response.status_code in (204, 409, 422), (resource, response.status_code, response.content)
        assert response.status_code != 204 or api.get(f"{API}/{resource}/{q(key)}").status_code == 404
    assert api.delete(f"{API}/sales-quotes/{q(K20)}").status_code == 404  # it was deleted above


def test_the_admin_team_screen_creates_teams_only_with_valid_keys(client: Client, db: None) -> None:
    # The one admin screen that creates a keyed record (the rest is read-only) saves through save_team.
    testing.demo_setup()
    client.force_login(testing.make_user("root", role="Administrator", is_staff=True, is_superuser=True))
    response = client.post("/admin/contacts/team/add/", {"code": "T/1", "name": "Slash"})
    assert response.status_code in (200, 302)
    assert not Team.objects.filter(name="Slash").exists()
    client.post("/admin/contacts/team/add/", {"code": "t 1", "name": "Good"})
    assert Team.objects.get(name="Good").code == "T 1"
    with pytest.raises(InvalidInput):
        contact_setup.save_team("N/\x90", name="C1", by=SYSTEM)


def test_the_demo_generator_refuses_a_seed_whose_keys_would_be_too_long(db: None) -> None:

    with pytest.raises(InvalidInput) as caught:
        generate(1, seed=10**15, as_of=dt.date(2026, 1, 5))  # G1000000000000000-P0000001: 26 characters
    assert list(caught.value.fields) == ["seed"]
    assert not Contact.objects.exists()


def test_every_page_survives_keys_stored_before_the_rule(client: Client, admin: Any) -> None:
    """Keys with ``/`` and ``%`` from before the rule (issue #12 item 5: "every page and route survive any stored
    key"): the lists that link to them, and the pages they link to, answer 200 (the ``<key:…>`` converter)."""
    testing.demo_setup()
    salesperson = testing.make_salesperson("SP/X", name="Slash")
    company = testing.make_company("ADV/1", name="Slash company")
    percent = testing.make_company("100%", name="Percent company")
    cycle = testing.make_cycle("C/1", stages=[{"stage": 1, "description": "One", "chances_of_success_pct": 10}])
    opportunity = testing.create_opportunity(company, salesperson, activate=True)
    testing.create_opportunity(percent, salesperson, cycle=cycle.code, activate=True)
    client.force_login(admin)

    pages = [
        "/setup/contacts/",
        "/setup/salespeople/",
        "/setup/sales-cycles/",
        f"/opportunities/?salesperson={q('SP/X')}",
        f"/opportunities/?contact={q('ADV/1')}",
        f"/opportunities/board/?cycle={q('C/1')}",
        reverse("opportunities:card", args=[opportunity.no]),
        reverse("setup:edit", args=["contacts", "ADV/1"]),
        reverse("setup:edit", args=["contacts", "100%"]),
        reverse("setup:edit", args=["salespeople", "SP/X"]),
        reverse("setup:edit", args=["sales-cycles", "C/1"]),
        reverse("opportunities:stage_statistics", args=["C/1"]),
        reverse("opportunities:board_column", args=["C/1", 1]),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)
    edit = client.get(reverse("setup:edit", args=["contacts", "ADV/1"])).content.decode()
    assert "Slash company" in edit  # the key came back whole, not cut at the slash
    assert "%252F" in reverse("setup:edit", args=["contacts", "ADV/1"])
    assert reverse("opportunities:card", args=["OP000001"]).endswith("/OP000001/")  # good keys unchanged
