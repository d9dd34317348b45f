"""Regressions of the security review (issue #12 items 1 and 10, reviews/security-probes-2026-12.md findings 1 and
8): the delete-closed reproductions delete nothing, and lax parsing is refused (spec api.md "Strict input")."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from salescycle.opportunities.models import Opportunity

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert set(body) == {"code", "message", "fields"}
    return body


def raw(client: Client, token: str, method: str, path: str, body: bytes, content_type: str | None) -> Any:
    """``body`` exactly as given, with ``content_type`` (None: no Content-Type header at all)."""
    headers = {"Authorization": f"Bearer {token}"}
    if content_type is None:
        return client.generic(method, f"{BASE}{path}", data=body, headers=headers, CONTENT_TYPE="")
    return client.generic(method, f"{BASE}{path}", data=body, content_type=content_type, headers=headers)


@pytest.fixture
def closed(api: Any, demo: None) -> list[str]:
    """Three closed opportunities, one of them salesperson VH's (the review's setting)."""
    api.post("/contacts", {"no": "CT1", "name": "Cronus"})
    numbers = []
    for code in ("VH", "AS", "AS"):
        api.post("/salespeople", {"code": code})
        made = api.post(
            "/opportunities",
            {
                "description": "Deal",
                "contact_no": "CT1",
                "salesperson_code": code,
                "activate_first_stage": True,
                "estimated_value": "100",
                "chances_of_success_pct": "10",
                "estimated_closing_date": "2026-12-31",
            },
        )
        assert made.status_code == 201, made.content
        no = made.json()["no"]
        closing = api.post(f"/opportunities/{no}/close", {"outcome": "lost", "close_opportunity_code": "PRICE_L"})
        assert closing.status_code == 200, closing.content
        numbers.append(no)
    assert Opportunity.objects.filter(closed=True).count() == 3
    return numbers


# --- Finding 1: delete-closed ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["[true]", '[{"dry_run": true}]', "192", '"x"', "[null, null]", "null"])
def test_delete_closed_with_a_body_that_is_not_an_object_deletes_nothing(
    client: Client, token: str, closed: list[str], body: str
) -> None:
    response = raw(client, token, "POST", "/opportunities/delete-closed", body.encode(), "application/json")

    assert_error(response, 400, "invalid_json")
    assert Opportunity.objects.filter(closed=True).count() == 3


def test_delete_closed_with_a_misspelt_filter_counts_nothing(api: Any, closed: list[str]) -> None:
    response = api.post("/opportunities/delete-closed", {"salesperson": "VH", "dry_run": True})

    body = assert_error(response, 422, "invalid_input")
    assert set(body["fields"]) == {"salesperson"}
    assert Opportunity.objects.filter(closed=True).count() == 3


def test_delete_closed_with_a_misspelt_dry_run_deletes_nothing(api: Any, closed: list[str]) -> None:
    response = api.post("/opportunities/delete-closed", {"salesperson_code": "VH", "dryrun": True})

    body = assert_error(response, 422, "invalid_input")
    assert set(body["fields"]) == {"dryrun"}
    assert Opportunity.objects.filter(closed=True).count() == 3


def test_delete_closed_spelt_right_still_works(api: Any, closed: list[str]) -> None:
    counted = api.post("/opportunities/delete-closed", {"salesperson_code": "VH", "dry_run": True})
    assert counted.status_code == 200
    assert counted.json()["deleted_opportunities"] == 1
    assert Opportunity.objects.filter(closed=True).count() == 3

    deleted = api.post("/opportunities/delete-closed", {"salesperson_code": "VH"})
    assert deleted.json()["deleted_opportunities"] == 1
    assert Opportunity.objects.filter(closed=True).count() == 2


def test_an_unknown_list_filter_does_not_widen_the_list(api: Any, closed: list[str]) -> None:
    body = assert_error(api.get("/opportunities?salesperson=VH"), 422, "invalid_input")
    assert body["fields"] == {"salesperson": ["Unknown query parameter."]}
    assert api.get("/opportunities?salesperson_code=VH").json()["count"] == 1


def test_a_query_parameter_given_twice_is_refused(api: Any, closed: list[str]) -> None:
    body = assert_error(api.get("/opportunities?salesperson_code=VH&salesperson_code=AS"), 422, "invalid_input")
    assert set(body["fields"]) == {"salesperson_code"}


def test_blank_records_are_not_created_from_non_object_bodies(client: Client, token: str, closed: list[str]) -> None:
    from salescycle.contacts.models import Segment
    from salescycle.sales.models import SalesHeader
    from salescycle.tasks.models import Task

    def counts() -> tuple[int, int, int]:
        return Task.objects.count(), Segment.objects.count(), SalesHeader.objects.count()

    before = counts()
    for path in ("/tasks", "/segments", f"/opportunities/{closed[0]}/create-sales-quote"):
        assert_error(raw(client, token, "POST", path, b"[1]", "application/json"), 400, "invalid_json")
    assert counts() == before


def test_an_action_without_a_body_refuses_fields_but_takes_nothing_or_an_empty_object(
    client: Client, token: str, api: Any, demo: None
) -> None:
    task = api.post("/tasks", {"description": "Visit"}).json()["no"]
    sent = raw(client, token, "POST", f"/tasks/{task}/complete", b'{"closed": false}', "application/json")
    assert assert_error(sent, 422, "invalid_input")["fields"] == {"closed": ["Unknown field."]}
    assert_error(raw(client, token, "POST", f"/tasks/{task}/complete", b"[]", "application/json"), 400, "invalid_json")
    assert api.post(f"/tasks/{task}/complete", {}).status_code == 200
    assert raw(client, token, "POST", f"/tasks/{task}/reopen", b"", None).status_code == 200


# --- Finding 8: lax parsing -------------------------------------------------------------------------------------


@pytest.fixture
def opportunity(api: Any, closed: list[str]) -> str:
    made = api.post("/opportunities", {"description": "Open deal", "contact_no": "CT1", "salesperson_code": "AS"})
    assert made.status_code == 201, made.content
    return str(made.json()["no"])


def stored(no: str) -> dict[str, Any]:
    return Opportunity.objects.filter(no=no).values().get()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("estimated_value", "١٢٣"),
        ("estimated_value", "１２３"),
        ("estimated_value", " 123"),
        ("estimated_value", "1_000"),
        ("estimated_value", True),
        ("chances_of_success_pct", "٥٠"),
        ("estimated_close_date", 1767225600),
        ("estimated_close_date", "1767225600"),
        ("estimated_close_date", "2026-01-05T00:00:00Z"),
        ("estimated_close_date", "٢٠٢٦-٠١-٠٥"),
    ],
)
def test_numbers_are_ascii_digits_and_dates_iso_dates_only(api: Any, opportunity: str, field: str, value: Any) -> None:
    before = stored(opportunity)
    body = {"action_type": "first", "estimated_value": "100", "chances_of_success_pct": "10"}
    body["estimated_close_date"] = "2026-12-31"
    body[field] = value

    response = api.post(f"/opportunities/{opportunity}/update", body)

    assert set(assert_error(response, 422, "invalid_input")["fields"]) == {field}
    assert stored(opportunity) == before


def test_dates_in_query_parameters_are_iso_dates_only(api: Any, closed: list[str]) -> None:
    for value in ("1767225600", "2026-01-05T00:00:00Z"):
        response = api.get(f"/opportunities?creation_date_from={value}")
        assert set(assert_error(response, 422, "invalid_input")["fields"]) == {"creation_date_from"}
    assert api.get("/opportunities?creation_date_from=2026-01-01").status_code == 200


@pytest.mark.parametrize("path_field", [("description", "/opportunities/{no}"), ("priority", "/opportunities/{no}")])
def test_null_for_a_required_field_is_refused(api: Any, opportunity: str, path_field: tuple[str, str]) -> None:
    field, path = path_field
    before = stored(opportunity)

    response = api.patch(path.format(no=opportunity), {field: None})

    assert set(assert_error(response, 422, "invalid_input")["fields"]) == {field}
    assert stored(opportunity) == before
    assert stored(opportunity)["description"] == "Open deal"


def test_null_for_a_link_still_blanks_it(api: Any, opportunity: str) -> None:
    response = api.patch(f"/opportunities/{opportunity}", {"contact_no": None})
    assert response.status_code in (200, 422), response.content  # a rule may refuse it, the schema does not
    if response.status_code == 422:
        assert response.json()["code"] != "invalid_input"


def test_a_boolean_is_true_or_false(api: Any, closed: list[str]) -> None:
    for value in (1, "true", "yes", 0):
        response = api.post("/opportunities/delete-closed", {"dry_run": value})
        assert set(assert_error(response, 422, "invalid_input")["fields"]) == {"dry_run"}
    assert Opportunity.objects.filter(closed=True).count() == 3


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'\xef\xbb\xbf{"description": "bom"}', "UTF-8 byte order mark"),
        ('{"description": "utf16"}'.encode("utf-16"), "UTF-16 with a byte order mark"),
        ('{"description": "utf16"}'.encode("utf-16-le"), "UTF-16 without one"),
        (b'{"description": "caf\xe9"}', "Latin-1"),
        (b'{"description": "one", "description": "two"}', "a key twice"),
        (b'{"estimated_value": NaN}', "NaN is not JSON"),
        (b'{"estimated_value": Infinity}', "Infinity is not JSON"),
    ],
)
def test_bodies_that_are_not_strict_json_are_400(
    client: Client, token: str, opportunity: str, body: bytes, why: str
) -> None:
    before = stored(opportunity)

    response = raw(client, token, "PATCH", f"/opportunities/{opportunity}", body, "application/json")

    assert_error(response, 400, "invalid_json")
    assert stored(opportunity) == before, why


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
    ],
)
def test_a_body_declared_as_another_media_type_is_415(
    client: Client, token: str, opportunity: str, content_type: str
) -> None:
    before = stored(opportunity)

    response = raw(client, token, "PATCH", f"/opportunities/{opportunity}", b'{"description": "x"}', content_type)

    assert_error(response, 415, "unsupported_media_type")
    assert stored(opportunity) == before


@pytest.mark.parametrize(
    "content_type", [None, "application/json", "application/json; charset=utf-8", "application/merge-patch+json"]
)
def test_a_json_body_without_or_with_a_json_content_type_is_read(
    client: Client, token: str, opportunity: str, content_type: str | None
) -> None:
    response = raw(client, token, "PATCH", f"/opportunities/{opportunity}", b'{"description": "New"}', content_type)

    assert response.status_code == 200, response.content
    assert stored(opportunity)["description"] == "New"


def test_a_json_number_is_read_exactly(api: Any, client: Client, token: str, opportunity: str) -> None:
    body = json.dumps({"action_type": "first", "chances_of_success_pct": "10", "estimated_close_date": "2026-12-31"})
    body = body[:-1] + ', "estimated_value": 1234567890.12345}'
    response = raw(client, token, "POST", f"/opportunities/{opportunity}/update", body.encode(), "application/json")

    assert response.status_code == 200, response.content
    assert stored(opportunity)["estimated_value"] == Decimal("1234567890.12345")


# --- The largest amount: the same on SQLite and PostgreSQL --------------------------------------------------------


@pytest.mark.parametrize("value", ["999999999999999.99999", "99999999999.99999", "123456789012345.12345"])
def test_an_amount_beyond_what_both_databases_keep_is_refused(api: Any, opportunity: str, value: str) -> None:
    before = stored(opportunity)
    body = {"action_type": "first", "estimated_value": value, "chances_of_success_pct": "10"}
    body["estimated_close_date"] = "2026-12-31"

    response = api.post(f"/opportunities/{opportunity}/update", body)

    assert assert_error(response, 422, "invalid_input")["fields"].keys() == {"estimated_value"}
    assert stored(opportunity) == before


@pytest.mark.parametrize("value", ["999999999999999", "1234567890.12345", "-999999999999999"])
def test_the_largest_amounts_are_stored_and_computed_exactly(api: Any, opportunity: str, value: str) -> None:
    body = {"action_type": "first", "estimated_value": value, "chances_of_success_pct": "100"}
    body["estimated_close_date"] = "2026-12-31"

    response = api.post(f"/opportunities/{opportunity}/update", body)

    if value.startswith("-"):  # a rule of the service (not the schema) may refuse a negative estimate
        assert response.status_code in (200, 422), response.content
        return
    assert response.status_code == 200, (connection.vendor, response.content)
    assert response.json()["estimated_value"] == value
    assert stored(opportunity)["estimated_value"] == Decimal(value)
    listed = api.get(f"/opportunities?q={opportunity}").json()
    assert listed["items"][0]["estimated_value"] == value
