"""PATCH /setup: the Bus. Rel. Code for Customers and the default sales cycle, which must not be blocked (§2.1)."""

from __future__ import annotations

from typing import Any

from salescycle.opportunities.models import SalesCycle
from tests.api.conftest import ApiClient


def test_setup_patch_changes_the_bus_rel_code_for_customers(api: ApiClient, demo: Any) -> None:
    body = api.patch("/api/v1/setup", {"bus_rel_code_for_customers": "kunde"}).json()

    assert body["bus_rel_code_for_customers"] == "KUNDE"
    assert api.get("/api/v1/setup").json()["bus_rel_code_for_customers"] == "KUNDE"


def test_a_blocked_cycle_cannot_become_the_default(api: ApiClient, demo: Any) -> None:
    SalesCycle.objects.filter(code="EXISTING").update(blocked=True)

    response = api.patch("/api/v1/setup", {"default_sales_cycle_code": "EXISTING"})

    assert response.status_code == 422
    assert response.json()["code"] == "sales_cycle.blocked"
    assert api.get("/api/v1/setup").json()["default_sales_cycle_code"] == "NEW"
