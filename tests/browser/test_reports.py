"""Print Details in the browser (issue #14 item 3, spec §5.9): from an opportunity's card to its Opportunity - Details
report, which shows the planned remaining stages and their activity steps, and downloads as PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from salescycle import testing
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def opportunity(transactional_db: Any) -> Any:
    testing.demo_setup()
    annette = testing.make_salesperson("AH", name="Annette Hill")
    testing.make_salesperson_user("annette", salesperson=annette)
    cronus = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    linda = testing.make_person(cronus, "CT-LINDA", name="Linda Dvořák")
    return testing.create_opportunity(linda, annette, activate=True, description="Dvořák deal")


def test_print_details_shows_the_planned_remaining_stages(
    page: Any, live_server: Any, opportunity: Any, tmp_path: Path
) -> None:
    base = live_server.url
    sign_in(page, base, "annette")

    page.goto(f"{base}/opportunities/{opportunity.no}/")
    page.click("#print-details")

    page.wait_for_url(f"{base}/reports/opportunity-details/{opportunity.no}/")
    assert page.inner_text("h1") == "Opportunity - Details"
    planned = page.locator("section[aria-label='Planned Remaining Stages'] tbody tr")
    assert planned.count() == 4  # NEW has stages 1..5; the opportunity is at stage 1
    assert "Qualification" in planned.first.inner_text()
    steps = page.inner_text("section[aria-label='Planned Activity Steps']")
    assert "Send letter of introduction" in steps
    assert "Planned" in steps
    assert page.locator("button.js-print").is_visible()  # app.js shows it (no inline script)
    assert_accessible(page)

    with page.expect_download() as download:
        page.click("#report-pdf")
    saved = tmp_path / "details.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    assert download.value.suggested_filename == "opportunity-details.pdf"
