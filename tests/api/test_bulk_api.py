"""The bulk actions of the API (issue #15): ``POST /opportunities/bulk/reassign`` and ``/bulk/close`` answer 200
``{"done": [...], "refused": [{"no", "code", "message"}]}``; strict input with a cap of 1,000 numbers; idempotency
keys as every action POST; what concerns the whole request is refused as the single-opportunity endpoints would."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from salescycle import testing
from salescycle.apitokens import idempotency
from salescycle.apitokens.models import IdempotencyKey
from salescycle.apitokens.tokens import create_token
from salescycle.contacts.models import Team
from salescycle.core.actors import SYSTEM
from salescycle.opportunities import services
from salescycle.opportunities.models import Opportunity
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

REASSIGN = "/opportunities/bulk/reassign"
CLOSE = "/opportunities/bulk/close"


@pytest.fixture
def nos(demo: None) -> list[str]:
    """Three activated opportunities of SP1; the second one is closed as Lost."""
    salesperson = testing.make_salesperson("SP1", name="Sam")
    testing.make_salesperson("SP2", name="Sue")
    company = testing.make_company("C1", name="Contoso")
    numbers = [testing.create_opportunity(company, salesperson, activate=True).no for _ in range(3)]
    services.close_opportunity(
        numbers[1], outcome="lost", close_opportunity_code="PRICE_L", date_closed=dt.date(2026, 1, 6), by=SYSTEM
    )
    return numbers


def salespeople() -> dict[str, str | None]:
    return dict(Opportunity.objects.values_list("no", "salesperson_id"))


def test_reassign_answers_done_and_refused_with_code_and_message(api: ApiClient, nos: list[str]) -> None:
    response = api.post(REASSIGN, {"nos": [nos[0], nos[1].lower(), nos[2], "OP999"], "salesperson_code": "sp2"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["done"] == [nos[0], nos[2]]
    assert body["refused"] == [
        {
            "no": nos[1],
            "code": "opportunity.field_not_editable",
            "message": "These fields cannot be changed while the opportunity is Lost: salesperson_code.",
        },
        {"no": "OP999", "code": "not_found", "message": "Opportunity OP999 does not exist."},
    ]
    assert salespeople() == {nos[0]: "SP2", nos[1]: "SP1", nos[2]: "SP2"}


def test_close_closes_as_lost_and_refuses_the_closed_one(api: ApiClient, nos: list[str]) -> None:
    response = api.post(CLOSE, {"nos": nos, "close_opportunity_code": "price_l", "date_closed": "2026-01-08"})

    assert response.status_code == 200, response.content
    assert response.json() == {
        "done": [nos[0], nos[2]],
        "refused": [
            {
                "no": nos[1],
                "code": "opportunity.closed",
                "message": "The opportunity is closed: Closed must be equal to 'No'.",
            }
        ],
    }
    closed = Opportunity.objects.get(no=nos[2])
    assert (closed.status, closed.date_closed) == ("lost", dt.date(2026, 1, 8))


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "field"),
    [
        (REASSIGN, {"nos": ["X"], "salesperson_code": "SP2", "reason": "x"}, 422, "invalid_input", "reason"),
        (REASSIGN, {"nos": [], "salesperson_code": "SP2"}, 422, "invalid_input", "nos"),
        (REASSIGN, {"nos": "OP000001", "salesperson_code": "SP2"}, 422, "invalid_input", "nos"),
        (REASSIGN, {"nos": ["A/B"], "salesperson_code": "SP2"}, 422, "invalid_input", "nos.0"),
        (REASSIGN, {"nos": ["X"]}, 422, "invalid_input", "salesperson_code"),
        (REASSIGN, {"nos": ["X"], "salesperson_code": "NOBODY"}, 422, "salesperson.not_found", "salesperson_code"),
        (REASSIGN, {"nos": ["X"], "salesperson_code": "SP2", "update_open_tasks": "yes"}, 422, "invalid_input", None),
        (CLOSE, {"nos": ["X"], "close_opportunity_code": "PRICE_W"}, 422, "close.code_type_mismatch", None),
        (CLOSE, {"nos": ["X"], "close_opportunity_code": "NOPE"}, 422, "close.code_not_found", None),
        (CLOSE, {"nos": ["X"], "close_opportunity_code": "PRICE_L", "outcome": "won"}, 422, "invalid_input", None),
        (
            CLOSE,
            {"nos": ["X"], "close_opportunity_code": "PRICE_L", "date_closed": "8.1.2026"},
            422,
            "invalid_input",
            None,
        ),
    ],
    ids=[
        "unknown field",
        "empty",
        "not a list",
        "bad key",
        "no salesperson",
        "unknown salesperson",
        "not a boolean",
        "won code",
        "unknown code",
        "outcome is not asked",
        "not an ISO date",
    ],
)
def test_strict_input_refuses_the_whole_request_and_writes_nothing(
    api: ApiClient, nos: list[str], path: str, body: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    before = list(Opportunity.objects.order_by("no").values())

    response = api.post(path, body)

    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    if field is not None:
        assert field in response.json()["fields"], response.json()
    assert list(Opportunity.objects.order_by("no").values()) == before


@pytest.mark.parametrize("path", [REASSIGN, CLOSE])
def test_a_non_object_body_is_400(api: ApiClient, nos: list[str], path: str) -> None:
    response = api.request("POST", path, raw='["OP000001"]')
    assert (response.status_code, response.json()["code"]) == (400, "invalid_json")


def test_more_than_1000_numbers_are_refused_and_1000_are_taken(api: ApiClient, nos: list[str]) -> None:
    too_many = api.post(REASSIGN, {"nos": [f"X{i}" for i in range(1001)], "salesperson_code": "SP2"})
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "invalid_input"
    assert "nos" in too_many.json()["fields"]
    assert salespeople()[nos[0]] == "SP1"

    exactly = api.post(REASSIGN, {"nos": [nos[0], *(f"X{i}" for i in range(999))], "salesperson_code": "SP2"})
    assert exactly.status_code == 200
    assert (len(exactly.json()["done"]), len(exactly.json()["refused"])) == (1, 999)


def test_a_repeated_idempotency_key_answers_the_first_answer_without_working_again(
    api: ApiClient, nos: list[str]
) -> None:
    body = {"nos": [nos[0], nos[2]], "close_opportunity_code": "PRICE_L"}
    first = api.post(CLOSE, body, **{"Idempotency-Key": "close-42"})
    again = api.post(CLOSE, body, **{"Idempotency-Key": "close-42"})
    fresh = api.post(CLOSE, body, **{"Idempotency-Key": "close-43"})
    reused = api.post(CLOSE, {**body, "nos": [nos[0]]}, **{"Idempotency-Key": "close-42"})

    assert first.json()["done"] == [nos[0], nos[2]]
    assert (again.status_code, again.content) == (200, first.content)
    assert again[idempotency.REPLAYED_HEADER] == "true"
    # Without the key the work is done again: both are closed now, so both are refused.
    assert [r["code"] for r in fresh.json()["refused"]] == ["opportunity.closed"] * 2
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency.key_reused")
    assert IdempotencyKey.objects.count() == 2


@pytest.fixture
def teams(demo: None) -> dict[str, Any]:
    """Salesperson "sam" (AH) in team NORTH with JO; ZED in SOUTH; one opportunity each."""
    north, south = Team.objects.create(code="NORTH", name="North"), Team.objects.create(code="SOUTH", name="South")
    people = {code: testing.make_salesperson(code) for code in ("AH", "JO", "ZED")}
    for code, team in (("AH", north), ("JO", north), ("ZED", south)):
        people[code].teams.add(team)
    company = testing.make_company("CT1")
    numbers = {code: testing.create_opportunity(company, people[code], activate=True).no for code in people}
    sam = testing.make_user("sam", role="Salesperson", salesperson=people["AH"])
    return {"nos": numbers, "sam": sam}


def test_a_salesperson_changes_their_own_and_cannot_tell_an_invisible_one_from_a_missing_one(
    client: Any, teams: dict[str, Any]
) -> None:
    sam = ApiClient(client, create_token(teams["sam"])[1])
    nos = teams["nos"]

    response = sam.post(REASSIGN, {"nos": [nos["AH"], nos["JO"], nos["ZED"], "OP999"], "salesperson_code": "JO"})

    assert response.status_code == 200
    refused = {r["no"]: (r["code"], r["message"]) for r in response.json()["refused"]}
    assert response.json()["done"] == [nos["AH"]]
    assert refused[nos["JO"]][0] == "permission_denied"
    assert refused[nos["ZED"]] == ("not_found", f"Opportunity {nos['ZED']} does not exist.")
    assert refused["OP999"] == ("not_found", "Opportunity OP999 does not exist.")
    # Handing opportunities to a salesperson of another team is refused for the whole request.
    other_team = sam.post(REASSIGN, {"nos": [nos["AH"]], "salesperson_code": "ZED"})
    assert (other_team.status_code, other_team.json()["code"]) == (403, "permission_denied")
    assert other_team.json()["fields"] == {"salesperson_code": ["Not allowed."]}


def test_a_viewer_is_refused_403_once(client: Any, teams: dict[str, Any]) -> None:
    viewer = ApiClient(client, create_token(testing.make_viewer("vic"))[1])
    for path, body in (
        (REASSIGN, {"nos": [teams["nos"]["AH"]], "salesperson_code": "JO"}),
        (CLOSE, {"nos": [teams["nos"]["AH"]], "close_opportunity_code": "PRICE_L"}),
    ):
        response = viewer.post(path, body)
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert Opportunity.objects.filter(closed=True).count() == 0


def test_without_credentials_401(anonymous: ApiClient, nos: list[str]) -> None:
    response = anonymous.post(REASSIGN, {"nos": [nos[0]], "salesperson_code": "SP2"})
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_the_openapi_document_describes_the_cap(api: ApiClient) -> None:
    document = api.get("/openapi.json").json()
    schema = document["components"]["schemas"]["BulkReassignIn"]
    assert schema["properties"]["nos"]["maxItems"] == services.MAX_SELECTION
    assert schema["additionalProperties"] is False
    assert "/api/v1/opportunities/bulk/close" in document["paths"]


def test_an_opportunity_numbered_bulk_is_still_closed_by_its_own_path(api: ApiClient, nos: list[str]) -> None:
    """The bulk paths are lower-case words; an opportunity numbered BULK keeps its own actions."""
    response = api.post(f"/opportunities/{nos[0]}/close", {"outcome": "lost", "close_opportunity_code": "PRICE_L"})
    assert response.status_code == 200
