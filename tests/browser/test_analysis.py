"""A sales manager in the browser opens the Opportunities matrix (spec §5.7) from the navigation, checks it with axe,
clicks a value and lands on the Opportunity List with exactly that many opportunities; the movement page draws its
waterfalls (and the forecast and calibration pages their charts) under the strict Content Security Policy with no
violation, and the movement's Won bar drills down to the opportunity won."""

from __future__ import annotations

from typing import Any

import pytest

from salescycle import testing
from salescycle.core.workdate import set_work_date
from salescycle.opportunities.tests.analysis_fixtures import d, make_world
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_csp import RECORD_VIOLATIONS
from tests.browser.test_dashboard import _bar_centre

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
    assert sorted(
        page.locator("#opportunity-list tbody tr td:has(> a[href^='/opportunities/'])").all_inner_texts()
    ) == ["OP1", "OP3"]

    page.go_back()
    page.select_option("#id_rows", "contact")
    page.fill("#id_columns", "4")
    page.click("form.filters button[type=submit]")
    bert = page.locator("#opportunities-matrix tbody tr[data-key='K2'] a").first
    assert bert.inner_text() == "1"
    bert.click()
    page.wait_for_url(f"{base}/opportunities/?**")
    assert page.locator("#opportunity-list tbody tr td:has(> a[href^='/opportunities/'])").all_inner_texts() == ["OP3"]
    assert_accessible(page)


@pytest.fixture
def tab(chromium: Any) -> Any:
    """A tab with the page's CSP on, recording violations, CSP console errors and script errors."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    yield page
    context.close()


def test_the_movement_waterfalls_draw_under_the_csp_and_the_won_bar_drills_down(
    tab: Any, live_server: Any, ledger: None
) -> None:
    base = live_server.url
    sign_in(tab, base, "maria")
    tab.goto(f"{base}/analysis/movement/?date_from=2026-02-01&date_to=2026-03-31")

    for chart in ("movement-count-chart", "movement-value-chart"):
        tab.wait_for_selector(f"#{chart}[data-drawn='1']")
        assert tab.get_attribute(f"#{chart}", "role") == "img"
    assert tab.evaluate("() => window.__cspViolations") == []
    assert tab.problems == []
    # Floating bars: the count's "Other changes" bar (index 4) spans 2..2, the last total 0..2 (open at end).
    bars = tab.evaluate(
        """() => Chart.getChart(document.querySelector("#movement-count-chart")).data.datasets[0].data"""
    )
    assert bars == [[0, 3], [3, 4], [4, 3], [3, 2], [2, 2], [0, 2]]
    assert_accessible(tab)
    tab.screenshot(path="test-output/movement.png", full_page=True)

    # The Won bar (index 2) lists the opportunity won in the range: OP2.
    x, y = _bar_centre(tab, "#movement-count-chart", 0, 2)
    tab.mouse.click(x, y)
    tab.wait_for_url(f"{base}/opportunities/?**")
    assert tab.locator("#opportunity-list tbody tr td:has(> a[href^='/opportunities/'])").all_inner_texts() == ["OP2"]

    for url, chart in (
        ("/analysis/forecast/?start=2026-01-01&columns=4", "forecast-chart"),
        ("/analysis/calibration/?sales_cycle_code=CAL", "calibration-chart"),
    ):
        tab.goto(f"{base}{url}")
        tab.wait_for_selector(f"#{chart}[data-drawn='1']")
        assert tab.evaluate("() => window.__cspViolations") == []
        assert tab.problems == []
        assert_accessible(tab)
        tab.screenshot(path=f"test-output/{chart}.png", full_page=True)
