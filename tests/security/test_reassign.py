"""Handing an opportunity to another salesperson, and the answer to a committed write (issue #12 item 7).

- A Salesperson may give their opportunity only to a salesperson whose records they see — themselves or a team
  mate; to anyone else the change is refused with 403 ``permission_denied`` and nothing changes, through the API and
  the web form alike (one rule, ``permissions.require_assign_salesperson``, in the service).
- A write the API has committed is never answered with an error: the handlers read their answer inside the write's
  transaction, so a batch delete that removes the opportunity right after the commit cannot turn a committed close
  into a 404.

Data: team NORTH = AH (the signed-in salesperson "sam") and JO; team SOUTH = ZED.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from salescycle import testing
from salescycle.apitokens.tokens import create_token
from salescycle.contacts.models import Team
from salescycle.core.actors import SYSTEM
from salescycle.opportunities import services
from salescycle.opportunities.models import Opportunity, OpportunityChange, OpportunityEntry


def world() -> dict[str, Any]:
    testing.demo_setup()
    north = Team.objects.create(code="NORTH")
    south = Team.objects.create(code="SOUTH")
    people = {code: testing.make_salesperson(code) for code in ("AH", "JO", "ZED")}
    people["AH"].teams.add(north)
    people["JO"].teams.add(north)
    people["ZED"].teams.add(south)
    company = testing.make_company("CT-CRONUS")
    own = testing.create_opportunity(company, people["AH"], activate=True, description="own")
    users = {
        "salesperson": testing.make_user("sam", role="Salesperson", salesperson=people["AH"]),
        "manager": testing.make_manager("maria"),
    }
    return {"own": own, "users": users}


def api_for(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(user, name='tests')[1]}"}


def patch(headers: dict[str, str], no: str, body: dict[str, Any]) -> Any:
    return Client().patch(f"/api/v1/opportunities/{no}", json.dumps(body), "application/json", headers=headers)


def state(no: str) -> tuple[Any, ...]:
    """What a refused change must leave as it was: the row, its entries' salesperson and the change log."""
    row = Opportunity.objects.filter(no=no).values_list("version", "salesperson_id").get()
    entries = sorted(OpportunityEntry.objects.filter(opportunity_id=no).values_list("entry_no", "salesperson_id"))
    return row, entries, OpportunityChange.objects.filter(opportunity_no=no).count()


# ---------------------------------------------------------------------------------------------------------------
# The rule


@pytest.mark.django_db
def test_a_salesperson_may_not_give_an_opportunity_to_someone_outside_their_team() -> None:
    data = world()
    no = data["own"].no
    before = state(no)

    response = patch(api_for(data["users"]["salesperson"]), no, {"salesperson_code": "ZED"})

    assert response.status_code == 403, response.content
    body = response.json()
    assert body["code"] == "permission_denied"
    assert body["message"] == "You may only give an opportunity to yourself or to a salesperson of your team."
    assert body["fields"] == {"salesperson_code": ["Not allowed."]}
    assert state(no) == before


@pytest.mark.django_db
def test_a_salesperson_may_hand_an_opportunity_to_a_team_mate_and_is_answered_with_it() -> None:
    data = world()
    no = data["own"].no

    response = patch(api_for(data["users"]["salesperson"]), no, {"salesperson_code": "JO"})

    assert response.status_code == 200, response.content
    assert (response.json()["no"], response.json()["salesperson_code"]) == (no, "JO")
    assert Opportunity.objects.get(no=no).salesperson_id == "JO"
    assert set(OpportunityEntry.objects.filter(opportunity_id=no).values_list("salesperson_id", flat=True)) == {"JO"}


@pytest.mark.django_db
def test_a_manager_gives_an_opportunity_to_anyone() -> None:
    data = world()

    response = patch(api_for(data["users"]["manager"]), data["own"].no, {"salesperson_code": "ZED"})

    assert (response.status_code, response.json()["salesperson_code"]) == (200, "ZED")


@pytest.mark.django_db
def test_the_web_form_refuses_the_same_and_changes_nothing() -> None:
    data = world()
    own = data["own"]
    before = state(own.no)
    client = Client()
    client.force_login(data["users"]["salesperson"])

    response = client.post(
        f"/opportunities/{own.no}/",
        {
            "version": own.version,
            "description": "own",
            "contact_no": "CT-CRONUS",
            "salesperson_code": "ZED",
            "priority": "normal",
        },
    )

    assert response.status_code == 200  # the card again, with the refusal
    assert "You may only give an opportunity to yourself or to a salesperson of your team." in response.content.decode()
    assert state(own.no) == before


@pytest.mark.django_db
def test_creating_stays_for_themselves_only() -> None:
    """Creating is stricter than handing over: a Salesperson creates only for themselves, not for a team mate."""
    data = world()
    headers = api_for(data["users"]["salesperson"])
    count = Opportunity.objects.count()

    for code in ("JO", "ZED"):
        response = Client().post(
            "/api/v1/opportunities",
            json.dumps({"description": "x", "contact_no": "CT-CRONUS", "salesperson_code": code}),
            "application/json",
            headers=headers,
        )
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied"), code
    assert Opportunity.objects.count() == count


# ---------------------------------------------------------------------------------------------------------------
# A committed write is answered with what was committed


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_close_whose_opportunity_is_batch_deleted_right_after_the_commit_is_answered_200(monkeypatch: Any) -> None:
    """The batch delete runs the moment the close commits (``on_commit``), before the handler could read the
    opportunity again: the answer is still 200 with the closed opportunity, as it was committed."""
    data = world()
    no = data["own"].no
    close = services.close_opportunity

    def close_then_lose_the_race(*args: Any, **kwargs: Any) -> Any:
        result = close(*args, **kwargs)
        transaction.on_commit(lambda: services.delete_closed_opportunities(by=SYSTEM, no=no))
        return result

    monkeypatch.setattr(services, "close_opportunity", close_then_lose_the_race)

    response = Client().post(
        f"/api/v1/opportunities/{no}/close",
        json.dumps({"outcome": "lost", "close_opportunity_code": "PRICE_L"}),
        "application/json",
        headers=api_for(data["users"]["salesperson"]),
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["no"], body["status"], body["closed"], body["salesperson_code"]) == (no, "lost", True, "AH")
    assert response["ETag"] == f'"{body["version"]}"'
    assert not Opportunity.objects.filter(no=no).exists()  # the batch delete did run, after the commit


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_closes_racing_batch_deletes_are_answered_200_or_refused_before_commit() -> None:
    """Real races on PostgreSQL: a close over the API and a batch delete of the salesperson's closed opportunities
    at the same moment, several rounds. The batch delete only removes closed opportunities, so every close commits
    and must be answered 200 with the closed opportunity, whichever ran first."""
    data = world()
    company = data["own"].contact
    headers = api_for(data["users"]["salesperson"])
    rounds = [testing.create_opportunity(company, data["own"].salesperson, activate=True).no for _round in range(10)]
    answers: list[Any] = []

    for no in rounds:
        barrier = threading.Barrier(2)
        outcome: dict[str, Any] = {}

        def close(no: str = no, barrier: threading.Barrier = barrier, outcome: dict[str, Any] = outcome) -> None:
            try:
                barrier.wait(timeout=10)
                outcome["close"] = Client().post(
                    f"/api/v1/opportunities/{no}/close",
                    json.dumps({"outcome": "lost", "close_opportunity_code": "PRICE_L"}),
                    "application/json",
                    headers=headers,
                )
            finally:
                outcome["done"] = True
                connection.close()

        def batch(barrier: threading.Barrier = barrier, outcome: dict[str, Any] = outcome) -> None:
            try:
                barrier.wait(timeout=10)
                # Delete again and again while the close runs, to hit the moment between its commit and its answer.
                while "done" not in outcome:
                    services.delete_closed_opportunities(by=SYSTEM, salesperson_code="AH")
            finally:
                connection.close()

        threads = [threading.Thread(target=close), threading.Thread(target=batch)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads), "a racing call hung"
        answers.append((no, outcome["close"]))

    for no, response in answers:
        assert response.status_code == 200, (no, response.content)
        assert (response.json()["no"], response.json()["status"]) == (no, "lost")
