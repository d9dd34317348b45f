"""Strict input on every operation (spec api.md "Strict input", issue #12 items 1 and 10), generated from the OpenAPI
document: a body that is not a JSON object is 400 ``invalid_json``, an unknown body field or query parameter is 422
``invalid_input`` naming it, and in every case nothing in the database changes. The set of operations tested is the
set in ``/api/v1/openapi.json``, so a new operation cannot escape."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from salescycle.api import api
from salescycle.opportunities.services import start_deleting_closed_opportunities

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
NON_OBJECT_BODIES = ["[true]", "192", '"x"', "null", "[null,null]", '[{"dry_run": true}]']
OUR_APPS = ("core", "contacts", "tasks", "jobs", "opportunities", "sales")


def dump() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the app (not sessions, tokens or users): the database state to compare."""
    state: dict[str, list[dict[str, Any]]] = {}
    for label in OUR_APPS:
        for model in apps.get_app_config(label).get_models():
            state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


@pytest.fixture
def world(api: Any, demo: None, user: Any) -> dict[str, str]:
    """One record of every kind the API addresses by a path parameter, created through the API itself, keyed by
    the path segment before the parameter (``"opportunities"`` → an opportunity's no)."""

    def made(response: Any, status: int = 201) -> dict[str, Any]:
        assert response.status_code == status, response.content
        return response.json()

    sp = made(api.post("/salespeople", {"code": "SP1", "name": "Sally"}))["code"]
    company = made(api.post("/contacts", {"no": "CT1", "name": "Cronus", "salesperson_code": sp}))["no"]
    campaign = made(api.post("/campaigns", {"no": "CP1", "description": "Spring"}))["no"]
    segment = made(api.post("/segments", {"no": "SG1", "lines": [{"contact_no": company}]}))["no"]
    opportunity = made(
        api.post(
            "/opportunities",
            {"no": "OP1", "description": "Bikes", "contact_no": company, "salesperson_code": sp},
        )
    )["no"]
    made(api.post(f"/opportunities/{opportunity}/activate-first-stage", {}), 200)
    interaction = made(api.post("/interactions", {"contact_no": company, "description": "Call"}))["entry_no"]
    task = made(api.post("/tasks", {"no": "TD1", "description": "Visit", "salesperson_code": sp}))["no"]
    item = made(api.post("/items", {"code": "BIKE", "description": "Bike", "unit_price": "100"}))["code"]
    template = made(api.post("/customer-templates", {"code": "RETAIL"}))["code"]
    customer = made(api.post(f"/contacts/{company}/create-customer", {"customer_template": template}), 200)[
        "customer_no"
    ]
    quote = made(
        api.post("/sales-quotes", {"sell_to_contact_no": company, "lines": [{"item_code": item, "quantity": 1}]})
    )["no"]
    second = made(
        api.post("/sales-quotes", {"sell_to_contact_no": company, "lines": [{"item_code": item, "quantity": 2}]})
    )["no"]
    order = made(api.post(f"/sales-quotes/{second}/make-order", {}))["no"]
    third = made(
        api.post("/sales-quotes", {"sell_to_contact_no": company, "lines": [{"item_code": item, "quantity": 3}]})
    )["no"]
    posted_order = made(api.post(f"/sales-quotes/{third}/make-order", {}))["no"]
    invoice = made(api.post(f"/sales-orders/{posted_order}/post", {}))["no"]
    return {
        "salespeople": sp,
        "contacts": company,
        "campaigns": campaign,
        "segments": segment,
        "opportunities": opportunity,
        "sales-cycles": "NEW",
        "stages": "1",
        "close-opportunity-codes": "PRICE_W",
        "activities": "COMPANY",
        "interactions": str(interaction),
        "tasks": task,
        "items": item,
        "customer-templates": template,
        "customers": customer,
        "sales-quotes": quote,
        "sales-orders": order,
        "posted-invoices": invoice,
        "jobs": str(start_deleting_closed_opportunities(by=user, salesperson_code=sp).pk),
    }


def operations(client: Client) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path template, operation) of every operation in the served OpenAPI document."""
    response = client.get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    return [
        (method.upper(), path, operation)
        for path, by_method in response.json()["paths"].items()
        for method, operation in by_method.items()
    ]


def concrete(path: str, world: dict[str, str], operation: dict[str, Any] | None = None) -> str:
    """The template ``/api/v1/opportunities/{no}/close`` with the world's records filled in, and the operation's
    required query parameters (``/analysis/pipeline?sales_cycle_code=NEW``) given, so that the check under test is
    the one that answers."""
    parts = path.split("/")
    url = "/".join(world[parts[i - 1]] if re.fullmatch(r"\{\w+\}", part) else part for i, part in enumerate(parts))
    required = [p for p in (operation or {}).get("parameters", []) if p["in"] == "query" and p.get("required")]
    if required:
        url += "?" + "&".join(f"{p['name']}={sample_query_value(p, world)}" for p in required)
    return url


def sample_query_value(parameter: dict[str, Any], world: dict[str, str]) -> str:
    """A valid value of a required query parameter: a date, or the world's sales cycle, or a key."""
    if parameter["schema"].get("format") == "date":
        return "2026-01-05"
    return world["sales-cycles"] if parameter["name"] == "sales_cycle_code" else "X1"


def send(
    client: Client, token: str, method: str, url: str, body: str | bytes | None, content_type: str = "application/json"
) -> Any:
    kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {token}"}}
    if body is not None:
        kwargs["data"] = body.encode() if isinstance(body, str) else body
        kwargs["content_type"] = content_type
    return client.generic(method, url, **kwargs)


def served_operations() -> set[tuple[str, str]]:
    """(method, path template) of every operation the API serves, from its routers (not from the document)."""

    api.urls  # binds the routers (api._routers then lists every router, nested ones too)
    served = set()
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    served.add((method, re.sub("/+", "/", f"{BASE}/{prefix}/{path}")))
    return served


def test_the_openapi_document_lists_every_served_operation(client: Client, db: None) -> None:
    assert {(method, path) for method, path, _operation in operations(client)} == served_operations()


def test_the_world_covers_every_path_parameter(client: Client, world: dict[str, str]) -> None:
    for _method, path, _operation in operations(client):
        concrete(path, world)  # a KeyError names a resource the fixture lacks


def test_every_operation_refuses_a_body_that_is_not_an_object(
    client: Client, token: str, world: dict[str, str]
) -> None:
    before = dump()
    tested, wrong = set(), []
    for method, path, operation in operations(client):
        tested.add((method, path))
        for body in NON_OBJECT_BODIES:
            response = send(client, token, method, concrete(path, world, operation), body)
            if response.status_code != 400 or response.json()["code"] != "invalid_json":
                wrong.append((method, path, body, response.status_code, response.content[:200]))
    assert wrong == []
    assert dump() == before
    assert tested == served_operations()


def test_every_operation_refuses_an_unknown_body_field(client: Client, token: str, world: dict[str, str]) -> None:
    before = dump()
    wrong = []
    for method, path, operation in operations(client):
        body = json.dumps({"zz_unknown": 1})
        response = send(client, token, method, concrete(path, world, operation), body)
        answer = response.json() if response.status_code != 204 else {}
        if response.status_code != 422 or answer.get("code") != "invalid_input" or "zz_unknown" not in answer["fields"]:
            wrong.append((method, path, response.status_code, response.content[:300]))
    assert wrong == []
    assert dump() == before


def minimal_body(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """A body with every required property of ``schema`` set to a value of its type (to reach the query check)."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        return minimal_body(next(s for s in schema["anyOf"] if s.get("type") != "null"), components)
    values: dict[str, Any] = {}
    for name in schema.get("required", []):
        prop = schema["properties"][name]
        if "$ref" in prop or "allOf" in prop:
            prop = components[(prop.get("$ref") or prop["allOf"][0]["$ref"]).rsplit("/", 1)[1]]
        if "enum" in prop:
            values[name] = prop["enum"][0]
        elif prop.get("type") == "integer":
            values[name] = 7
        elif prop.get("type") == "boolean":
            values[name] = False
        elif prop.get("type") == "array":  # a list of keys (the bulk actions' nos)
            values[name] = ["ZZ7"]
        else:
            values[name] = "ZZ7"
    return values


def test_every_operation_refuses_an_unknown_query_parameter(client: Client, token: str, world: dict[str, str]) -> None:
    document = client.get(f"{BASE}/openapi.json").json()
    components = document["components"]["schemas"]
    before = dump()
    tested, wrong = set(), []
    for method, path, operation in operations(client):
        tested.add((method, path))
        request_body = operation.get("requestBody")
        body = None
        if request_body:
            body = json.dumps(minimal_body(request_body["content"]["application/json"]["schema"], components))
        url = concrete(path, world, operation)
        url += ("&" if "?" in url else "?") + "zz_unknown=1"
        response = send(client, token, method, url, body)
        answer = response.json() if response.status_code != 204 else {}
        if response.status_code != 422 or answer.get("code") != "invalid_input" or "zz_unknown" not in answer["fields"]:
            wrong.append((method, path, response.status_code, response.content[:300]))
    assert wrong == []
    assert dump() == before
    assert tested == served_operations()


def referenced(schema: Any, components: dict[str, Any], seen: set[str]) -> set[str]:
    """The names of the component schemas ``schema`` refers to, transitively."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.rsplit("/", 1)[1] not in seen:
            name = ref.rsplit("/", 1)[1]
            seen.add(name)
            referenced(components[name], components, seen)
        for value in schema.values():
            referenced(value, components, seen)
    elif isinstance(schema, list):
        for value in schema:
            referenced(value, components, seen)
    return seen


def test_the_openapi_document_shows_every_input_schema_without_additional_properties(client: Client, db: None) -> None:
    document = client.get(f"{BASE}/openapi.json").json()
    components = document["components"]["schemas"]
    inputs: set[str] = set()
    for _method, _path, operation in operations(client):
        if "requestBody" in operation:
            inputs |= referenced(operation["requestBody"], components, set())
            assert "415" in operation["responses"]  # unsupported_media_type, in the error shape

    assert {"DeleteClosedIn", "OpportunityPatch", "LineIn", "StepSchema", "SegmentLineSchema"} <= inputs
    assert {name for name in inputs if components[name].get("additionalProperties") is not False} == set()
    # A PATCH text may be left out but not sent as null: the document does not offer null.
    assert components["OpportunityPatch"]["properties"]["description"].get("type") == "string"


def allows_null(schema: dict[str, Any]) -> bool:
    """Whether a property's JSON schema admits null (``anyOf`` with ``{"type": "null"}``, or a type list)."""
    types = schema.get("type")
    return (
        types == "null"
        or (isinstance(types, list) and "null" in types)
        or any(allows_null(option) for option in schema.get("anyOf", []) + schema.get("oneOf", []))
    )


def test_every_field_whose_schema_has_no_null_refuses_null(client: Client, token: str, world: dict[str, str]) -> None:
    document = client.get(f"{BASE}/openapi.json").json()
    components = document["components"]["schemas"]
    before = dump()
    checked, wrong = 0, []
    for method, path, operation in operations(client):
        if "requestBody" not in operation:
            continue
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        ref = schema.get("$ref") or next(s["$ref"] for s in schema["anyOf"] if "$ref" in s)
        properties = components[ref.rsplit("/", 1)[1]]["properties"]
        for name, prop in properties.items():
            if allows_null(prop):
                continue
            checked += 1
            response = send(client, token, method, concrete(path, world), json.dumps({name: None}))
            answer = response.json() if response.status_code != 204 else {}
            if response.status_code != 422 or name not in answer.get("fields", {}):
                wrong.append((method, path, name, response.status_code, response.content[:200]))
    assert wrong == []
    assert checked > 100
    assert dump() == before
