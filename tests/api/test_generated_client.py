"""An independent client built only from the OpenAPI document (no import of the app's code): it checks each
request against the documented operation and request schema, and each answer against the documented status and
response schema, while walking the main scenario: contact, salesperson, cycle with stages, opportunity, Next,
close Won."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

JSON_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}


class OpenApiClient:
    """A generic client driven by an OpenAPI 3 document."""

    def __init__(self, http: Client, document: dict[str, Any], token: str) -> None:
        self.http = http
        self.document = document
        self.headers = {"Authorization": f"Bearer {token}"}

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            schema = self.document["components"]["schemas"][name]
        return schema

    def _check(self, value: Any, schema: dict[str, Any], where: str) -> None:
        schema = self._resolve(schema)
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            self._check_one_of(value, options, where)
            return
        if "enum" in schema:
            assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
        kind = schema.get("type")
        if kind == "null":
            assert value is None, where
            return
        if kind in JSON_TYPES:
            assert isinstance(value, JSON_TYPES[kind]), f"{where}: {value!r} is not {kind}"
        if kind == "object" or "properties" in schema:
            self._check_object(value, schema, where)
        if kind == "array":
            for index, item in enumerate(value):
                self._check(item, schema.get("items", {}), f"{where}[{index}]")

    def _check_one_of(self, value: Any, options: list[dict[str, Any]], where: str) -> None:
        errors = []
        for option in options:
            try:
                self._check(value, option, where)
                return
            except AssertionError as error:
                errors.append(str(error))
        raise AssertionError(f"{where}: {value!r} matches none of {errors}")

    def _check_object(self, value: Any, schema: dict[str, Any], where: str) -> None:
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            assert name in value, f"{where}: required {name} missing"
        for name, item in value.items():
            if name in properties:
                self._check(item, properties[name], f"{where}.{name}")
            elif schema.get("additionalProperties") not in (None, True):
                self._check(item, schema["additionalProperties"], f"{where}.{name}")

    def call(self, method: str, template: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
        """Send ``method`` to the documented path ``template`` (e.g. ``/api/v1/opportunities/{no}``)."""
        operation = self.document["paths"][template][method.lower()]
        path = template.format(**params)
        kwargs: dict[str, Any] = {"headers": self.headers}
        if body is not None:
            request_schema = operation["requestBody"]["content"]["application/json"]["schema"]
            resolved = self._resolve(request_schema)
            unknown = set(body) - set(resolved.get("properties", {}))
            assert not unknown, f"{method} {template}: undocumented fields {unknown}"
            self._check(body, request_schema, f"{method} {template} body")
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = getattr(self.http, method.lower())(path, **kwargs)
        documented = operation["responses"]
        status = str(response.status_code)
        assert status in documented, f"{method} {template}: status {status} not documented ({response.content!r})"
        if response.status_code >= 400:
            raise AssertionError(f"{method} {template}: {status} {response.content!r}")
        content = documented[status].get("content")
        if not content:
            return None
        data = response.json()
        self._check(data, content["application/json"]["schema"], f"{method} {template} -> {status}")
        return data


@pytest.fixture
def generated(client: Client) -> OpenApiClient:
    user = get_user_model().objects.create_user(username="integrator", password="x")
    user.groups.add(Group.objects.get_or_create(name="Administrator")[0])
    out = io.StringIO()
    call_command("create_token", "integrator", stdout=out)
    document = client.get("/api/v1/openapi.json").json()
    return OpenApiClient(client, document, out.getvalue().strip())


def test_generated_client_walks_an_opportunity_from_creation_to_won(generated: OpenApiClient) -> None:
    c = generated
    base = "/api/v1"
    c.call("POST", f"{base}/salespeople", {"code": "JD", "name": "Jane"})
    contact = c.call("POST", f"{base}/contacts", {"type": "company", "name": "Fabrikam", "salesperson_code": "JD"})
    c.call(
        "POST",
        f"{base}/sales-cycles",
        {"code": "SIMPLE", "description": "Simple", "probability_calculation": "multiply"},
    )
    for stage, pct in [(1, 20), (2, 60)]:
        c.call(
            "POST",
            f"{base}/sales-cycles/{{code}}/stages",
            {"stage": stage, "description": f"Stage {stage}", "completed_pct": pct, "chances_of_success_pct": pct},
            code="SIMPLE",
        )
    c.call("POST", f"{base}/close-opportunity-codes", {"code": "SIGNED", "description": "Signed", "type": "won"})

    opportunity = c.call(
        "POST",
        f"{base}/opportunities",
        {
            "description": "Fabrikam rollout",
            "contact_no": contact["no"],
            "sales_cycle_code": "SIMPLE",
            "creation_date": "2026-03-02",
            "activate_first_stage": True,
            "estimated_value": "10000",
            "chances_of_success_pct": "40",
            "estimated_closing_date": "2026-06-30",
        },
    )
    no = opportunity["no"]
    assert opportunity["current_sales_cycle_stage"] == 1
    assert opportunity["probability_pct"] == "8"

    options = c.call("GET", f"{base}/opportunities/{{no}}/update-options", no=no)
    assert options["actions"]["next"] == [2]

    moved = c.call(
        "POST", f"{base}/opportunities/{{no}}/update", {"action_type": "next", "date_of_change": "2026-03-10"}, no=no
    )
    assert moved["current_sales_cycle_stage"] == 2
    assert moved["probability_pct"] == "36"

    closed = c.call(
        "POST",
        f"{base}/opportunities/{{no}}/close",
        {"outcome": "won", "close_opportunity_code": "SIGNED", "date_closed": "2026-03-20", "sales_value": "9500"},
        no=no,
    )
    assert closed["status"] == "won"
    assert closed["closed"] is True

    entries = c.call("GET", f"{base}/opportunities/{{no}}/entries", no=no)
    assert [e["action_taken"] for e in entries["items"]] == ["won", "next", "first"]
    stats = c.call("GET", f"{base}/contacts/{{no}}/statistics", no=contact["no"])
    assert stats["no_of_opportunities"] == 1
    assert stats["calculated_current_value"] == "9500"
