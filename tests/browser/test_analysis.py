"""A sales manager in the browser opens the Opportunities matrix (spec §5.7) from the navigation, checks it with axe,
clicks a value and lands on the Opportunity List with exactly that many opportunities."""

from __future__ import annotations

from typing import Any

import pytest

from salescycle import testing
from salescycle.core.workdate import set_work_date
from salescycle.opportunities.tests.analysis_fixtures import d, make_world
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def ledger(transactional_db: Any) -> None:
    make_world()  # In Progress: OP1 (Anna) closes in March, OP3 (Bert) in April 2026
    set_work_date(testing.make_manager("maria"), d(1, 5))


def test_a_matrix_value_drills_down_to_its_opportunities(page: Any, live_server: Any, ledger: None) -> None:
    base = live_server.url
    sign_in(page, base, "maria")

    page.click("nav >> text=Analysis")
    page.wait_for_url(f"{base}/analysis/matrix/")
    assert page.inner_text("h1") == "Opportunities Matrix"
    assert page.locator("#opportunities-matrix tbody tr").count() == 2
    assert_accessible(page)
    page.screenshot(path="test-output/matrix.png", full_page=True)

    total = page.locator("#opportunities-matrix tfoot tr td:last-child a")
    assert total.inner_text() == "2"
    total.click()
    page.wait_for_url(f"{base}/opportunities/?**")
    assert page.locator("#opportunity-list tbody tr").count() == 2
    assert sorted(page.locator("#opportunity-list tbody tr td:first-child").all_inner_texts()) == ["OP1", "OP3"]

    page.go_back()
    page.select_option("#id_rows", "contact")
    page.fill("#id_columns", "4")
    page.click("form.filters button[type=submit]")
    bert = page.locator("#opportunities-matrix tbody tr[data-key='K2'] a").first
    assert bert.inner_text() == "1"
    bert.click()
    page.wait_for_url(f"{base}/opportunities/?**")
    assert page.locator("#opportunity-list tbody tr td:first-child").all_inner_texts() == ["OP3"]
    assert_accessible(page)
