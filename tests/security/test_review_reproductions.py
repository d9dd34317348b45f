"""The reproductions of ``reviews/security-probes-2026-12.md`` finding 2 (IDOR on interactions and tasks) and the
two item-4 observations (a team mate's quote lines, a message naming a hidden opportunity), with the review's own
numbers and bodies.

``sp_as`` (salesperson AS, team EAST) cannot see VL's opportunity ``ZK4S74FD`` (VL is in team WEST); interaction 61
is linked to it. ``TD000001`` is AS's own task. ``VVO21D4Z`` belongs to VO, AS's team mate, with quote ``SQ000134``
(one line of 100).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.apitokens.tokens import create_token
from salescycle.contacts.models import Team
from salescycle.opportunities.models import Interaction, Opportunity
from salescycle.sales import services as sales_services
from salescycle.sales.models import SalesHeader, SalesLine
from salescycle.tasks.models import Task
from tests.api.conftest import ApiClient
from tests.security.conftest import database_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def probe(db: None, settings: Any) -> dict[str, Any]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    testing.demo_setup()
    east, west = Team.objects.create(code="EAST"), Team.objects.create(code="WEST")
    as_, vl, vo = (testing.make_salesperson(code) for code in ("AS", "VL", "VO"))
    as_.teams.add(east)
    vo.teams.add(east)
    vl.teams.add(west)
    contact = testing.make_company("MAVEN-0064", name="Maven 64")
    day = dt.date(2026, 12, 1)
    Task.objects.create(no="TD000001", description="mine", date=day, salesperson=as_)  # before the stage tasks
    hidden = testing.create_opportunity(contact, vl, activate=True, no="ZK4S74FD", creation_date=day)
    mates = testing.create_opportunity(contact, vo, activate=True, no="VVO21D4Z", creation_date=day)
    Interaction.objects.create(entry_no=61, date=day, contact=contact, opportunity=hidden, salesperson=vl)
    manager = testing.make_manager("mgr")
    sales_services.create_sales_quote(
        by=manager,
        no="SQ000134",
        sell_to_contact_no="MAVEN-0064",
        opportunity_no=mates.no,
        lines=[{"description": "Widget", "quantity": 1, "unit_price": 100}],
    )
    sp_as = testing.make_user("sp_as", role="Salesperson", salesperson=as_)
    sp_vl = testing.make_user("sp_vl", role="Salesperson", salesperson=vl)
    clients = {user.username: ApiClient(Client(), create_token(user, name="probe")[1]) for user in (sp_as, sp_vl)}
    return {"clients": clients, "hidden": hidden}


def test_reading_the_hidden_interaction_is_404(probe: dict[str, Any]) -> None:
    # curl -H "Authorization: Bearer $SP_AS" $B/interactions/61                       # 404 (correct)
    assert probe["clients"]["sp_as"].get("/interactions/61").status_code == 404


@pytest.mark.parametrize("body", [{"description": "hijack"}, {"canceled": True}])
def test_patching_the_hidden_interaction_is_404_and_changes_nothing(probe: dict[str, Any], body: Any) -> None:
    # curl -X PATCH ... $B/interactions/61 -d '{"description":"hijack"}'  → was 200; {"canceled":true} → 200
    before = database_state()

    response = probe["clients"]["sp_as"].patch("/interactions/61", body)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert database_state() == before
    assert Interaction.objects.get(entry_no=61).version == 1


def test_creating_a_task_on_the_hidden_opportunity_is_refused_as_unknown(probe: dict[str, Any]) -> None:
    # curl ... $B/tasks -d '{"description":"x","date":"2026-12-03","opportunity_no":"ZK4S74FD"}'       # was 201
    before = database_state()

    response = probe["clients"]["sp_as"].post(
        "/tasks", {"description": "x", "date": "2026-12-03", "opportunity_no": "ZK4S74FD"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "opportunity.not_found"
    assert response.json()["fields"] == {"opportunity_no": ["Unknown value."]}
    assert database_state() == before
    # VL's opportunity shows no planted task.
    listed = probe["clients"]["sp_vl"].get("/opportunities/ZK4S74FD/tasks").json()["items"]
    assert "x" not in {task["description"] for task in listed}


def test_an_invisible_opportunity_is_refused_exactly_as_a_missing_one(probe: dict[str, Any]) -> None:
    api = probe["clients"]["sp_as"]
    body = {"description": "x", "date": "2026-12-03"}

    hidden = api.post("/tasks", {**body, "opportunity_no": "ZK4S74FD"}).json()
    missing = api.post("/tasks", {**body, "opportunity_no": "ZZ000000"}).json()

    assert hidden == {**missing, "message": missing["message"].replace("ZZ000000", "ZK4S74FD")}


def test_logging_an_interaction_on_the_hidden_opportunity_is_refused(probe: dict[str, Any]) -> None:
    # curl ... $B/interactions -d '{"date":"2026-12-02","contact_no":"MAVEN-0064","opportunity_no":"ZK4S74FD",
    #                              "description":"x"}'  # was 201
    before = database_state()

    response = probe["clients"]["sp_as"].post(
        "/interactions",
        {"date": "2026-12-02", "contact_no": "MAVEN-0064", "opportunity_no": "ZK4S74FD", "description": "x"},
    )

    assert response.status_code == 422
    assert response.json()["code"] == "opportunity.not_found"
    assert database_state() == before
    assert probe["clients"]["sp_vl"].get("/opportunities/ZK4S74FD/statistics").json()["no_of_interactions"] == 1


def test_moving_an_own_task_onto_the_hidden_opportunity_is_refused(probe: dict[str, Any]) -> None:
    # curl -X PATCH ... $B/tasks/TD000001 -d '{"opportunity_no":"ZK4S74FD"}'   # was 200
    before = database_state()

    response = probe["clients"]["sp_as"].patch("/tasks/TD000001", {"opportunity_no": "ZK4S74FD"})

    assert response.status_code == 422
    assert response.json()["code"] == "opportunity.not_found"
    assert database_state() == before
    assert Task.objects.get(no="TD000001").opportunity_no == ""


def test_a_team_mates_quote_lines_cannot_be_cut(probe: dict[str, Any]) -> None:
    # Finding 9: PATCH lines of SQ000134 (on team mate VO's VVO21D4Z) cut 100 → 0.01 with 200.
    before = database_state()

    response = probe["clients"]["sp_as"].patch(
        "/sales-quotes/SQ000134", {"lines": [{"description": "Widget", "quantity": 1, "unit_price": "0.01"}]}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert database_state() == before
    assert SalesLine.objects.get(header__no="SQ000134").amount == Decimal(100)


def test_the_already_assigned_message_names_only_an_opportunity_the_reader_may_see(probe: dict[str, Any]) -> None:
    # Finding 9: linking a quote assigned elsewhere said "…already assigned to opportunity ZK4S74FD".
    manager = testing.make_manager("mgr2")
    contact = probe["hidden"].contact
    sales_services.create_sales_quote(by=manager, no="SQ-VL", sell_to_contact_no=contact.no, opportunity_no="ZK4S74FD")
    own = testing.create_opportunity(contact, testing.make_salesperson("AS2"), activate=True)
    Opportunity.objects.filter(no=own.no).update(salesperson_id="AS")
    body = {"sales_document_type": "quote", "sales_document_no": "SQ-VL"}

    response = probe["clients"]["sp_as"].patch(f"/opportunities/{own.no}", body)
    seen_by_manager = ApiClient(Client(), create_token(manager, name="m")[1]).patch(f"/opportunities/{own.no}", body)

    assert response.status_code == 422
    assert response.json()["code"] == "opportunity.document_already_linked"
    assert "ZK4S74FD" not in response.content.decode()
    assert response.json()["message"] == "Sales Quote SQ-VL is already assigned to another opportunity."
    assert "ZK4S74FD" in seen_by_manager.json()["message"]  # who may see it is still told which
    assert SalesHeader.objects.get(no="SQ-VL").opportunity_no == "ZK4S74FD"
