"""``/opportunities?totals=true`` (api.md "Lists"): exact sums over the whole filtered list, not the page, also on
SQLite, where decimals are stored as floating point and a plain SUM is not exact."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from salescycle import testing
from salescycle.opportunities.models import Opportunity

pytestmark = pytest.mark.django_db

# Amounts whose floating-point sum is not exact (0.1 + 0.2 ≠ 0.3; cents that binary fractions cannot hold).
VALUES = ["0.10000", "0.20000", "1234567.01", "2452104.27", "0.00001", "99999.99999", "0.3"]


@pytest.fixture
def world(client: Client) -> dict[str, object]:
    testing.demo_setup()
    salesperson = testing.make_salesperson("AH")
    other = testing.make_salesperson("JO")
    company = testing.make_company("CT1")
    for value in VALUES:
        testing.create_opportunity(company, salesperson, activate=True, value=value, chances="33.33333")
    testing.create_opportunity(company, other, activate=True, value="5")
    client.force_login(testing.make_manager())
    return {"client": client}


def test_totals_are_exact_sums_over_the_whole_filtered_list(world: dict[str, object]) -> None:
    client: Client = world["client"]  # type: ignore[assignment]

    body = client.get("/api/v1/opportunities?salesperson_code=AH&limit=2&totals=true").json()

    rows = Opportunity.objects.filter(salesperson_id="AH")
    expected_estimated = sum((o.estimated_value for o in rows), Decimal(0))
    expected_current = sum((o.calculated_current_value for o in rows), Decimal(0))
    assert len(body["items"]) == 2
    assert body["count"] == len(VALUES)
    assert Decimal(body["totals"]["estimated_value"]) == expected_estimated
    assert Decimal(body["totals"]["calculated_current_value"]) == expected_current
    assert body["totals"]["estimated_value"] == "3786671.88"


def test_without_totals_the_page_has_no_totals_key(world: dict[str, object]) -> None:
    client: Client = world["client"]  # type: ignore[assignment]

    body = client.get("/api/v1/opportunities?limit=1").json()

    assert set(body) == {"items", "count", "next"}


def test_totals_of_an_empty_list_are_zero(world: dict[str, object]) -> None:
    client: Client = world["client"]  # type: ignore[assignment]

    body = client.get("/api/v1/opportunities?salesperson_code=NOBODY&totals=true").json()

    assert body["totals"] == {"estimated_value": "0", "calculated_current_value": "0"}
