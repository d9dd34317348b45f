"""The audit trail of issue #8: entries record who caused them, field changes are logged with user, time, old and new
value (OpportunityChange) whether made through the web app, the API or the CLI (the CLI is the system: no user)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.apitokens.tokens import create_token
from salescycle.core.actors import SYSTEM
from salescycle.opportunities import services
from salescycle.opportunities.models import OpportunityChange, OpportunityEntry
from salescycle.sales import services as sales_services
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 1, 5)


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    testing.demo_setup()
    annette = testing.make_salesperson("AH", name="Annette Hill")
    jo = testing.make_salesperson("JO", name="Jo Bloggs")
    company = testing.make_company("CT-CRONUS")
    manager = testing.make_manager("maria")
    opportunity = testing.create_opportunity(company, annette, activate=True, creation_date=DAY)
    return {"opportunity": opportunity, "manager": manager, "annette": annette, "jo": jo, "company": company}


def changes(no: str) -> list[tuple[Any, ...]]:
    return [
        (c.user.username if c.user else None, c.field, c.old_value, c.new_value)
        for c in OpportunityChange.objects.filter(opportunity_no=no).order_by("id")
    ]


def test_a_change_in_the_web_app_is_logged_with_the_user_and_shown_on_the_card(world: dict[str, Any]) -> None:
    opportunity = world["opportunity"]
    client = Client()
    client.force_login(world["manager"])
    data = {
        "version": opportunity.version,
        "description": "Bikes",
        "contact_no": "CT-CRONUS",
        "salesperson_code": "JO",
        "priority": "normal",
    }

    assert client.post(f"/opportunities/{opportunity.no}/", data).status_code == 302
    card = client.get(f"/opportunities/{opportunity.no}/").content.decode()

    assert changes(opportunity.no) == [
        ("maria", "description", "Test opportunity", "Bikes"),
        ("maria", "salesperson_code", "AH", "JO"),
    ]
    assert 'id="changes"' in card
    assert "<td>Salesperson Code</td><td>AH</td><td>JO</td>" in card  # labels, not field names (issue #15)


def test_a_change_over_the_api_is_logged_and_listed_newest_first(world: dict[str, Any]) -> None:
    opportunity = world["opportunity"]
    api = ApiClient(Client(), create_token(world["manager"], name="t")[1])

    api.patch(f"/opportunities/{opportunity.no}", {"priority": "high"})
    api.patch(f"/opportunities/{opportunity.no}", {"description": "Bikes"})
    page = api.get(f"/opportunities/{opportunity.no}/changes?limit=1").json()
    rest = api.get(f"/opportunities/{opportunity.no}/changes?limit=1&cursor={page['next']}").json()

    assert page["count"] == 2
    first = page["items"][0]
    assert {k: first[k] for k in ("user", "field", "old_value", "new_value")} == {
        "user": "maria",
        "field": "description",
        "old_value": "Test opportunity",
        "new_value": "Bikes",
    }
    assert first["changed_at"]
    assert [item["field"] for item in rest["items"]] == ["priority"]


def test_a_change_from_the_cli_or_an_import_is_the_systems(world: dict[str, Any]) -> None:
    opportunity = world["opportunity"]

    services.change_opportunity(opportunity.no, changes={"description": "From a script"}, by=SYSTEM)  # what commands do

    assert changes(opportunity.no) == [(None, "description", "Test opportunity", "From a script")]


def test_entries_record_who_caused_them(world: dict[str, Any]) -> None:
    opportunity = world["opportunity"]
    client = Client()
    client.force_login(world["manager"])

    client.post(
        f"/opportunities/{opportunity.no}/close/",
        {"outcome": "lost", "close_opportunity_code": "PRICE_L", "date_closed": "2026-01-10"},
    )

    users = list(OpportunityEntry.objects.filter(opportunity_id=opportunity.no).order_by("entry_no"))
    assert [e.created_by.username if e.created_by else None for e in users] == [None, "maria"]


def test_linking_a_sales_quote_is_logged(world: dict[str, Any]) -> None:
    opportunity = world["opportunity"]

    quote = sales_services.create_sales_quote_for_opportunity(opportunity.no, by=world["manager"])
    sales_services.delete_sales_quote(quote.no, by=world["manager"])

    assert changes(opportunity.no) == [
        ("maria", "sales_document_type", "", "quote"),
        ("maria", "sales_document_no", "", quote.no),
        ("maria", "sales_document_type", "quote", ""),
        ("maria", "sales_document_no", quote.no, ""),
    ]
