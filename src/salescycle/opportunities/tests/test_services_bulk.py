"""Bulk actions on a selection (issue #15): each opportunity through the one-opportunity service in its own
transaction, the refused ones reported with the service's code and message, the whole request refused only for what
concerns all of it (the selection's size, the actor, the target salesperson or close code)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salescycle import testing
from salescycle.contacts.models import Team
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError
from salescycle.opportunities import services
from salescycle.opportunities.models import Opportunity, OpportunityChange, OpportunityEntry
from salescycle.opportunities.services import BulkResult, Refusal, close_as_lost, reassign_salesperson
from salescycle.opportunities.tests.conftest import D, day, move, snapshot
from salescycle.tasks.models import Task

pytestmark = pytest.mark.django_db


def opportunities(person: Any, salesperson: Any, count: int) -> list[str]:
    return [testing.create_opportunity(person, salesperson, activate=True).no for _ in range(count)]


def lose(no: str) -> None:
    services.close_opportunity(no, outcome="lost", close_opportunity_code="PRICE_L", date_closed=day(2), by=SYSTEM)


def test_reassign_gives_each_opportunity_to_the_salesperson_and_refuses_the_closed_one(
    person: Any, salesperson: Any
) -> None:
    testing.make_salesperson("JO", name="Jo Bloggs")
    first, closed, last = opportunities(person, salesperson, 3)
    lose(closed)

    manager = testing.make_manager("maria")
    result = reassign_salesperson([first, closed, last], "jo", by=manager)

    assert result.done == [first, last]
    assert [(r.no, r.code) for r in result.refused] == [(closed, "opportunity.field_not_editable")]
    assert "salesperson_code" in result.refused[0].message
    assert dict(Opportunity.objects.values_list("no", "salesperson_id")) == {first: "JO", closed: "AH", last: "JO"}
    # What the card's change does: the active entry follows and the change log says who changed it.
    assert OpportunityEntry.objects.get(opportunity_id=first, active=True).salesperson_id == "JO"
    change = OpportunityChange.objects.get(opportunity_no=last, field="salesperson_code")
    assert (change.old_value, change.new_value, change.user_id) == ("AH", "JO", manager.pk)


def test_reassign_takes_the_open_tasks_along_when_asked(person: Any, salesperson: Any) -> None:
    testing.make_salesperson("JO")
    (no,) = opportunities(person, salesperson, 1)
    Task.objects.create(no="T1", description="Call", date=day(1), salesperson_id="AH", opportunity_no=no)

    reassign_salesperson([no], "JO", by=SYSTEM, update_open_tasks=True)

    assert Task.objects.get(no="T1").salesperson_id == "JO"


def test_an_opportunity_that_already_has_the_salesperson_is_done_without_a_write(person: Any, salesperson: Any) -> None:
    (no,) = opportunities(person, salesperson, 1)
    version = Opportunity.objects.get(no=no).version

    assert reassign_salesperson([no, no.lower()], "AH", by=SYSTEM) == BulkResult(done=[no], refused=[])
    assert Opportunity.objects.get(no=no).version == version


def test_close_as_lost_closes_each_and_refuses_one_already_closed(person: Any, salesperson: Any) -> None:
    first, closed, last = opportunities(person, salesperson, 3)
    lose(closed)

    result = close_as_lost([first, closed, last], "price_l", by=SYSTEM, date_closed=day(3))

    assert result.done == [first, last]
    assert result.refused == [
        Refusal(closed, "opportunity.closed", "The opportunity is closed: Closed must be equal to 'No'.")
    ]
    for no in (first, last):
        opportunity = Opportunity.objects.get(no=no)
        assert (opportunity.status, opportunity.date_closed) == ("lost", day(3))
        entry = OpportunityEntry.objects.get(opportunity_id=no, active=True)
        assert (entry.action_taken, entry.close_opportunity_code_id, entry.sales_cycle_stage) == ("lost", "PRICE_L", 0)


def test_each_opportunity_is_its_own_transaction(person: Any, salesperson: Any) -> None:
    """A closing date before one opportunity's last Date of Change refuses that one with nothing of it written, and
    the ones before and after it are closed."""
    first, moved, last = opportunities(person, salesperson, 3)
    move(moved, "next", date_of_change=day(10))
    before = {name: [row for row in rows if moved in str(row)] for name, rows in snapshot().items()}

    result = close_as_lost([first, moved, last], "PRICE_L", by=SYSTEM, date_closed=day(5))

    assert result.done == [first, last]
    assert [(r.no, r.code) for r in result.refused] == [(moved, "close.date_before_previous")]
    after = {name: [row for row in rows if moved in str(row)] for name, rows in snapshot().items()}
    assert after == before
    assert set(Opportunity.objects.filter(no__in=[first, last]).values_list("status", flat=True)) == {"lost"}


def test_without_a_date_each_opportunity_closes_on_its_own_default_date(person: Any, salesperson: Any) -> None:
    first, moved = opportunities(person, salesperson, 2)
    move(moved, "next", date_of_change=day(10))

    close_as_lost([first, moved], "PRICE_L", by=SYSTEM, work_date=day(4))

    assert dict(Opportunity.objects.values_list("no", "date_closed")) == {first: day(4), moved: day(10)}


@pytest.fixture
def team(demo: None) -> dict[str, Any]:
    """AH (the user "sam") and JO in team NORTH, ZED in SOUTH; one opportunity each."""
    north, south = Team.objects.create(code="NORTH", name="North"), Team.objects.create(code="SOUTH", name="South")
    people = {code: testing.make_salesperson(code) for code in ("AH", "JO", "ZED")}
    people["AH"].teams.add(north)
    people["JO"].teams.add(north)
    people["ZED"].teams.add(south)
    company = testing.make_company("CT-CRONUS")
    nos = {code: testing.create_opportunity(company, people[code], activate=True).no for code in people}
    return {"sam": testing.make_user("sam", role="Salesperson", salesperson=people["AH"]), "nos": nos}


def test_a_salesperson_changes_only_their_own_and_an_invisible_one_is_refused_as_missing(team: dict[str, Any]) -> None:
    nos = team["nos"]
    selection = [nos["AH"], nos["JO"], nos["ZED"], "OP999999"]

    result = reassign_salesperson(selection, "JO", by=team["sam"])

    assert result.done == [nos["AH"]]
    refused = {r.no: (r.code, r.message) for r in result.refused}
    assert refused[nos["JO"]] == ("permission_denied", "You do not have permission to perform this action.")
    assert refused[nos["ZED"]] == ("not_found", f"Opportunity {nos['ZED']} does not exist.")
    assert refused["OP999999"] == ("not_found", "Opportunity OP999999 does not exist.")
    assert dict(Opportunity.objects.values_list("no", "salesperson_id")) == {
        nos["AH"]: "JO",
        nos["JO"]: "JO",
        nos["ZED"]: "ZED",
    }


TOO_MANY = [f"X{i}" for i in range(1000)]  # with the one given: 1,001, and repeats count once


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda nos, by: reassign_salesperson(nos, "ZED", by=by), "permission_denied"),
        (lambda nos, by: reassign_salesperson(nos, "NOBODY", by=by), "salesperson.not_found"),
        (lambda nos, by: reassign_salesperson([], "JO", by=by), "invalid_input"),
        (
            lambda nos, by: reassign_salesperson(["OP1"] * 2 + [f"X{i}" for i in range(1000)], "JO", by=by),
            "invalid_input",
        ),
        (lambda nos, by: close_as_lost(nos, "PRICE_W", by=by), "close.code_type_mismatch"),
        (lambda nos, by: close_as_lost(nos, "NOPE", by=by), "close.code_not_found"),
        (lambda nos, by: close_as_lost(nos, "", by=by), "close.code_required"),
    ],
    ids=["salesperson of another team", "unknown salesperson", "empty", "1001 numbers", "won code", "unknown", "blank"],
)
def test_what_concerns_the_whole_request_refuses_it_with_nothing_written(
    team: dict[str, Any], call: Any, code: str
) -> None:
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        call([team["nos"]["AH"]], team["sam"])

    assert refused.value.code == code
    assert snapshot() == before


def test_a_blocked_salesperson_refuses_the_whole_request(team: dict[str, Any]) -> None:
    testing.make_salesperson("OLD", blocked=True)
    with pytest.raises(DomainError) as refused:
        reassign_salesperson([team["nos"]["AH"]], "OLD", by=SYSTEM)
    assert (refused.value.code, refused.value.fields) == ("salesperson.blocked", {"salesperson_code": ["Blocked."]})


@pytest.mark.parametrize("role", ["Viewer", None])
def test_an_actor_who_may_not_change_anything_is_refused_once(team: dict[str, Any], role: str | None) -> None:
    user = testing.make_user(role=role)
    for call in (
        lambda: reassign_salesperson([team["nos"]["AH"]], "JO", by=user),
        lambda: close_as_lost([team["nos"]["AH"]], "PRICE_L", by=user),
    ):
        with pytest.raises(DomainError) as refused:
            call()
        assert (refused.value.code, refused.value.status) == ("permission_denied", 403)


def test_exactly_the_cap_is_accepted(team: dict[str, Any]) -> None:
    nos = [team["nos"]["AH"], *(f"X{i}" for i in range(services.MAX_SELECTION - 1))]
    result = reassign_salesperson(nos, "JO", by=SYSTEM)
    assert (len(result.done), len(result.refused)) == (1, services.MAX_SELECTION - 1)


def _queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


@pytest.mark.parametrize("action", ["reassign", "close"])
def test_the_queries_per_opportunity_are_a_constant_few(person: Any, salesperson: Any, action: str) -> None:
    testing.make_salesperson("JO")
    nos = opportunities(person, salesperson, 12)
    Task.objects.create(no="T1", description="Call", date=day(1), salesperson_id="AH", opportunity_no=nos[0])

    def run(selection: list[str]) -> Any:
        if action == "reassign":
            return lambda: reassign_salesperson(selection, "JO", by=SYSTEM, update_open_tasks=True)
        return lambda: close_as_lost(selection, "PRICE_L", by=SYSTEM, date_closed=day(3))

    two, four, six = _queries(run(nos[:2])), _queries(run(nos[2:6])), _queries(run(nos[6:12]))

    per_item = (six - four) // 2
    assert six - four == four - two == 2 * per_item
    assert per_item <= 12, per_item


def test_amounts_are_left_alone_by_a_reassign(person: Any, salesperson: Any) -> None:
    testing.make_salesperson("JO")
    (no,) = opportunities(person, salesperson, 1)
    before = Opportunity.objects.values("estimated_value", "calculated_current_value", "status").get(no=no)

    reassign_salesperson([no], "JO", by=SYSTEM)

    assert Opportunity.objects.values("estimated_value", "calculated_current_value", "status").get(no=no) == before
    assert before["estimated_value"] == D(10000)


def test_the_selection_is_worked_in_number_order_each_number_once(person: Any, salesperson: Any) -> None:
    """Number order is the lock order: two bulk requests in one transaction each wait rather than deadlock."""
    testing.make_salesperson("JO")
    first, second = opportunities(person, salesperson, 2)

    result = reassign_salesperson([f" {second.lower()}", first, second, ""], "JO", by=SYSTEM)

    assert result == BulkResult(done=[first, second], refused=[])
