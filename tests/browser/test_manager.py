"""A sales manager in the browser: set up a sales cycle with stages, filter the list per salesperson, export CSV."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from salescycle import testing
from salescycle.opportunities.models import SalesCycleStage
from tests.browser.conftest import assert_accessible, choose, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def team(transactional_db: Any) -> dict[str, Any]:
    testing.demo_setup()
    testing.make_user("maria", role="Administrator")
    annette = testing.make_salesperson("AH", name="Annette Hill")
    jo = testing.make_salesperson("JO", name="Jo Bloggs")
    cronus = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    mine = [testing.create_opportunity(cronus, annette, activate=True, description=f"AH deal {i}") for i in range(3)]
    theirs = testing.create_opportunity(cronus, jo, activate=True, description="JO deal")
    return {"mine": mine, "theirs": theirs}


def test_a_managers_setup_list_and_export(page: Any, live_server: Any, team: dict[str, Any], tmp_path: Path) -> None:
    base = live_server.url
    sign_in(page, base, "maria")

    # Set up a sales cycle with two stages.
    page.click("nav >> text=Setup")
    page.click("text=Sales cycles")
    assert_accessible(page)
    page.click(".page-head .actions a:text-is('New')")
    page.fill("#id_code", "B2B")
    page.fill("#id_description", "Business to business")
    page.fill("input[name=lines-0-stage]", "1")
    page.fill("input[name=lines-0-description]", "Lead")
    page.fill("input[name=lines-0-chances_of_success_pct]", "10")
    page.fill("input[name=lines-1-stage]", "2")
    page.fill("input[name=lines-1-description]", "Offer")
    page.check("input[name=lines-1-allow_skip]")
    assert_accessible(page)
    page.click("button:has-text('Save')")
    page.wait_for_url(f"{base}/setup/sales-cycles/B2B/")
    assert page.input_value("input[name=lines-1-description]") == "Offer"
    assert list(SalesCycleStage.objects.filter(sales_cycle_id="B2B").values_list("stage", flat=True)) == [1, 2]

    # Filter the list per salesperson.
    page.click("nav >> text=Opportunities")
    choose(page, "#id_salesperson", "Annette", "Annette Hill")  # the lookup, by name
    assert page.input_value("#id_salesperson") == "AH"
    page.click("button:has-text('Filter')")
    assert page.inner_text("h1") == "AH Annette Hill"
    rows = page.locator("#opportunity-list tbody tr")
    assert rows.count() == 3
    assert team["theirs"].no not in page.inner_text("#opportunity-list")
    page.click("th >> text=Estimated Value (LCY)")
    assert page.locator("#opportunity-list tbody tr").count() == 3
    assert_accessible(page)
    page.screenshot(path="test-output/list.png", full_page=True)

    # Export the filtered list as CSV.
    with page.expect_download() as download_info:
        page.click("text=Export CSV")
    target = tmp_path / "export.csv"
    download_info.value.save_as(str(target))
    with target.open(encoding="utf-8-sig") as handle:
        exported = list(csv.reader(handle))
    assert exported[0][0] == "No."
    assert sorted(row[0] for row in exported[1:]) == sorted(o.no for o in team["mine"])
