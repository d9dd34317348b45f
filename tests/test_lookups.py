"""The type-ahead lookups of the reference fields (issue #15): ``GET /lookups/<kind>/?q=`` finds records by key
prefix or by name, ten at most, offers a salesperson only the salespeople they may reference, answers in a fixed
number of queries; every reference field of the forms carries the lookup widget (``core/widgets.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.contacts.models import Campaign, Salesperson, Segment
from salescycle.core.lookups import LOOKUP_LIMIT
from salescycle.sales.models import Item

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    annette = testing.make_salesperson("AH", name="Annette Hill")
    jonathan = testing.make_salesperson("JB", name="Jonathan Baker")
    testing.make_salesperson("ZZ", name="Jonathan Other Team")
    testing.make_salesperson("XB", name="Jonathan Blocked", blocked=True)
    cronus = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    testing.make_person(cronus, "CT-LINDA", name="Linda Martin")
    testing.make_company("CT-FABRIKAM", name="Fabrikam Inc")
    for i in range(LOOKUP_LIMIT + 3):
        testing.make_company(f"BULK{i:03d}", name=f"Bulk Buyer {i}")
    Campaign.objects.create(no="CP-SPRING", description="Spring fair")
    Segment.objects.create(no="SG-TRADERS", description="Traders")
    Item.objects.create(code="BIKE-01", description="Mountain bike")
    Item.objects.create(code="OLD-01", description="Mountain bike (old)", blocked=True)
    seller = testing.make_salesperson_user("annette", salesperson=annette, teams=("NORTH",))
    jonathan.teams.add(*annette.teams.all())
    return {"seller": seller, "manager": testing.make_manager("manager")}


def ask(client: Client, kind: str, text: str) -> list[list[str]]:
    response = client.get(f"/lookups/{kind}/", {"q": text})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return [[row["key"], row["name"]] for row in response.json()["items"]]


@pytest.fixture
def manager(client: Client, world: dict[str, Any]) -> Client:
    client.force_login(world["manager"])
    return client


def test_contacts_are_found_by_number_prefix_then_by_name(manager: Client) -> None:
    assert ask(manager, "contacts", "ct-c") == [["CT-CRONUS", "Cronus Ltd"]]
    assert ask(manager, "contacts", "linda") == [["CT-LINDA", "Linda Martin"]]
    assert ask(manager, "contacts", "  RONUS ") == [["CT-CRONUS", "Cronus Ltd"]]
    assert ask(manager, "contacts", "nobody at all") == []


def test_a_lookup_answers_ten_at_most_key_matches_first(manager: Client) -> None:
    rows = ask(manager, "contacts", "bulk")
    assert len(rows) == LOOKUP_LIMIT
    assert rows[0] == ["BULK000", "Bulk Buyer 0"]


def test_short_texts_match_keys_only_on_large_tables(manager: Client) -> None:
    assert ask(manager, "contacts", "CT") == [
        ["CT-CRONUS", "Cronus Ltd"],
        ["CT-FABRIKAM", "Fabrikam Inc"],
        ["CT-LINDA", "Linda Martin"],
    ]
    assert ask(manager, "contacts", "in") == []  # "Linda", "Fabrikam Inc": a name needs three characters


def test_companies_leave_out_persons(manager: Client) -> None:
    assert ask(manager, "companies", "ct-") == [["CT-CRONUS", "Cronus Ltd"], ["CT-FABRIKAM", "Fabrikam Inc"]]


def test_the_salesperson_lookup_finds_jonathan_by_name(manager: Client) -> None:
    assert ask(manager, "salespeople", "jonathan") == [
        ["JB", "Jonathan Baker"],
        ["ZZ", "Jonathan Other Team"],
    ]  # not the blocked one
    # a small table: a name matches from the first character on (after the codes that start with it)
    assert ask(manager, "salespeople", "a") == [
        ["AH", "Annette Hill"],
        ["JB", "Jonathan Baker"],
        ["ZZ", "Jonathan Other Team"],
    ]


def test_a_salesperson_is_offered_only_themselves_and_their_team_mates(client: Client, world: dict[str, Any]) -> None:
    client.force_login(world["seller"])
    assert ask(client, "salespeople", "") == [["AH", "Annette Hill"], ["JB", "Jonathan Baker"]]
    assert ask(client, "salespeople", "jonathan") == [["JB", "Jonathan Baker"]]


def test_a_salesperson_without_a_salesperson_record_is_offered_nobody(client: Client, world: dict[str, Any]) -> None:
    client.force_login(testing.make_user("lost", role="Salesperson"))
    assert ask(client, "salespeople", "") == []
    assert Salesperson.objects.count() == 4


def test_campaigns_segments_and_items(manager: Client) -> None:
    assert ask(manager, "campaigns", "spring") == [["CP-SPRING", "Spring fair"]]
    assert ask(manager, "segments", "sg") == [["SG-TRADERS", "Traders"]]
    assert ask(manager, "items", "mountain") == [["BIKE-01", "Mountain bike"]]  # not the blocked item


def test_a_lookup_runs_two_queries_at_most(manager: Client, django_assert_max_num_queries: Any) -> None:
    manager.get("/lookups/contacts/", {"q": "x"})  # the session and the roles, once
    with django_assert_max_num_queries(5):  # session, user, roles, by key, by name
        assert ask(manager, "contacts", "fabrik") == [["CT-FABRIKAM", "Fabrikam Inc"]]


def test_lookups_need_a_signed_in_user(client: Client, world: dict[str, Any]) -> None:
    response = client.get("/lookups/contacts/", {"q": "cronus"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_lookups_refuse_a_user_without_a_role(client: Client, world: dict[str, Any]) -> None:
    client.force_login(testing.make_user("nobody"))
    assert client.get("/lookups/contacts/", {"q": "cronus"}).status_code == 403


def test_lookups_answer_only_get(manager: Client) -> None:
    assert manager.post("/lookups/contacts/", {"q": "cronus"}).status_code == 405


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        (
            "/opportunities/new/",
            {
                "contact_no": "contacts",
                "salesperson_code": "salespeople",
                "campaign_no": "campaigns",
                "segment_no": "segments",
            },
        ),
        ("/opportunities/?view=all", {"contact": "contacts", "salesperson": "salespeople", "campaign": "campaigns"}),
    ],
)
def test_reference_fields_carry_the_lookup(manager: Client, url: str, fields: dict[str, str]) -> None:
    html = manager.get(url).content.decode()
    for name, kind in fields.items():
        assert f'name="{name}"' in html
        field = html[html.index(f'name="{name}"') - 300 : html.index(f'name="{name}"') + 300]
        assert f'data-lookup-url="/lookups/{kind}/"' in field, name
        assert f'id="id_{name}-list" role="listbox"' in html
