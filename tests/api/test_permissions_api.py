"""The permission matrix of issue #8 through the API (spec api.md "Visibility vs permission"): a record the user may
not see answers 404 ``not_found`` and lists leave it out; one they may see but not change answers 403
``permission_denied``; a refused call changes nothing. Personas and data as ``tests/test_permissions.py``."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.apitokens.tokens import create_token
from salescycle.contacts.models import Team
from salescycle.core.actors import SYSTEM
from salescycle.opportunities.models import Opportunity, SalesCycle
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

# A user without a role is answered 403 ``permission_denied`` by every operation but /me and /health (issue #12
# item 4): tests/security/test_no_role.py walks every operation of the OpenAPI document for them.
PERSONAS = ["salesperson", "manager", "administrator", "viewer"]
CHANGE = {
    "salesperson": {"own": 200, "mate": 403, "other": 404},
    "manager": {"own": 200, "mate": 200, "other": 200},
    "administrator": {"own": 200, "mate": 200, "other": 200},
    "viewer": {"own": 403, "mate": 403, "other": 403},
}
SEES = {
    "salesperson": {"own", "mate"},
    "manager": {"own", "mate", "other"},
    "administrator": {"own", "mate", "other"},
    "viewer": {"own", "mate", "other"},
}


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    testing.demo_setup()
    north = Team.objects.create(code="NORTH")
    south = Team.objects.create(code="SOUTH")
    salespeople = {code: testing.make_salesperson(code) for code in ("AH", "JO", "ZED")}
    salespeople["AH"].teams.add(north)
    salespeople["JO"].teams.add(north)
    salespeople["ZED"].teams.add(south)
    company = testing.make_company("CT-CRONUS")
    rows = {
        target: testing.create_opportunity(company, salespeople[code], activate=True, description=target)
        for target, code in (("own", "AH"), ("mate", "JO"), ("other", "ZED"))
    }
    users = {
        "salesperson": testing.make_user("sam", role="Salesperson", salesperson=salespeople["AH"]),
        "manager": testing.make_manager("maria"),
        "administrator": testing.make_administrator("adam"),
        "viewer": testing.make_viewer("vic"),
        "norole": testing.make_user("nobody"),
    }
    return {"rows": rows, "users": users}


def client_for(world: dict[str, Any], persona: str) -> ApiClient:
    return ApiClient(Client(), create_token(world["users"][persona], name="tests")[1])


def versions() -> dict[str, tuple[Any, ...]]:
    return {o.no: (o.version, o.description, o.status) for o in Opportunity.objects.all()}


@pytest.mark.parametrize("persona", PERSONAS)
def test_reads_follow_the_matrix(world: dict[str, Any], persona: str) -> None:
    api = client_for(world, persona)
    rows = world["rows"]
    expected = {rows[target].no for target in SEES[persona]}

    listed = api.get("/opportunities?limit=100").json()

    assert {item["no"] for item in listed["items"]} == expected
    assert listed["count"] == len(expected)
    for target, opportunity in rows.items():
        status = 200 if target in SEES[persona] else 404
        for path in ("", "/entries", "/tasks", "/statistics", "/changes", "/update-options"):
            response = api.get(f"/opportunities/{opportunity.no}{path}")
            assert response.status_code == status, (persona, target, path)
            if status == 404:
                assert response.json()["code"] == "not_found"
    figures = api.get("/salespeople/ZED/statistics").json()
    assert figures["no_of_opportunities"] == (1 if "other" in SEES[persona] else 0)
    cycle = api.get("/sales-cycles/NEW/statistics").json()
    assert cycle["no_of_opportunities"] == len(expected)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("verb", "path", "body"),
    [
        ("patch", "", {"description": "Changed over the API"}),
        ("post", "/close", {"outcome": "lost", "close_opportunity_code": "PRICE_L"}),
        ("post", "/update", {"action_type": "next"}),
    ],
)
def test_changes_follow_the_matrix(world: dict[str, Any], persona: str, verb: str, path: str, body: Any) -> None:
    api = client_for(world, persona)

    for target, opportunity in world["rows"].items():
        before = versions()[opportunity.no]
        response = getattr(api, verb)(f"/opportunities/{opportunity.no}{path}", body)
        expected = CHANGE[persona][target]

        assert response.status_code == expected, (persona, target, path, response.content)
        if expected != 200:
            assert response.json()["code"] == {403: "permission_denied", 404: "not_found"}[expected]
            assert versions()[opportunity.no] == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_delete_follows_the_matrix(world: dict[str, Any], persona: str) -> None:
    api = client_for(world, persona)
    company = world["rows"]["own"].contact
    not_started = {
        target: testing.create_opportunity(
            company, world["rows"][target].salesperson, description=f"{target} new", by=SYSTEM
        )
        for target in ("own", "mate", "other")
    }

    for target, opportunity in not_started.items():
        expected = 204 if CHANGE[persona][target] == 200 else CHANGE[persona][target]
        response = api.delete(f"/opportunities/{opportunity.no}")
        assert response.status_code == expected, (persona, target)
        assert Opportunity.objects.filter(no=opportunity.no).exists() == (expected != 204)


@pytest.mark.parametrize("persona", PERSONAS)
def test_create_batch_delete_and_setup_follow_the_matrix(world: dict[str, Any], persona: str) -> None:
    api = client_for(world, persona)
    count = Opportunity.objects.count()

    own = api.post("/opportunities", {"description": "Mine", "contact_no": "CT-CRONUS", "salesperson_code": "AH"})
    theirs = api.post("/opportunities", {"description": "Not", "contact_no": "CT-CRONUS", "salesperson_code": "ZED"})
    batch = api.post("/opportunities/delete-closed", {"dry_run": True})
    setup = api.post("/sales-cycles", {"code": "B2B", "description": "B2B"})

    may_create_own = persona in {"salesperson", "manager", "administrator"}
    may_create_any = persona in {"manager", "administrator"}
    assert own.status_code == (201 if may_create_own else 403)
    assert theirs.status_code == (201 if may_create_any else 403)
    assert Opportunity.objects.count() == count + may_create_own + may_create_any
    assert batch.status_code == (200 if may_create_any else 403)
    assert setup.status_code == (201 if persona == "administrator" else 403)
    assert SalesCycle.objects.filter(code="B2B").exists() == (persona == "administrator")
    for response in (own, theirs, batch, setup):
        if response.status_code == 403:
            assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("persona", PERSONAS)
def test_interactions_of_opportunities_the_user_may_not_see_are_left_out(world: dict[str, Any], persona: str) -> None:
    from salescycle.opportunities.models import Interaction

    rows = world["rows"]
    for target, opportunity in rows.items():
        Interaction.objects.create(
            date=opportunity.creation_date,
            contact_id=opportunity.contact_id,
            opportunity=opportunity,
            description=target,
        )
    api = client_for(world, persona)

    listed = api.get("/interactions?limit=100").json()

    assert {item["description"] for item in listed["items"]} == SEES[persona]
