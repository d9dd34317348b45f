"""The dashboard in a real browser (issue #14 items 2 and 5): a Sales Manager lands on it, its chart is drawn under
the strict Content Security Policy with no violation, a click on a bar and a click on a figure of its table open the
Opportunity List with exactly the counted opportunities; the charts page draws its four charts."""

from __future__ import annotations

from typing import Any

import pytest

from salescycle.opportunities.tests.chart_fixtures import chart_world
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_csp import RECORD_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    return chart_world()


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


def _bar_centre(page: Any, canvas: str, dataset: int, index: int) -> tuple[float, float]:
    """The page coordinates (in the viewport) of the centre of a bar drawn by Chart.js, upright or horizontal."""
    page.locator(canvas).scroll_into_view_if_needed()
    box = page.locator(canvas).bounding_box()
    bar = page.evaluate(
        """([selector, dataset, index]) => {
            const el = Chart.getChart(document.querySelector(selector)).getDatasetMeta(dataset).data[index];
            return el.horizontal ? {x: (el.x + el.base) / 2, y: el.y} : {x: el.x, y: (el.y + el.base) / 2};
        }""",
        [canvas, dataset, index],
    )
    return box["x"] + bar["x"], box["y"] + bar["y"]


def test_a_managers_dashboard_chart_drills_down_to_the_list(tab: Any, live_server: Any, world: Any) -> None:
    base = live_server.url
    sign_in(tab, base, "mia")

    # The chart is drawn from its JSON block, with no CSP violation.
    tab.wait_for_selector("#stage-chart[data-drawn='1']")
    assert tab.evaluate("() => window.__cspViolations") == []
    assert tab.problems == []
    assert tab.get_attribute("#stage-chart", "role") == "img"
    assert_accessible(tab)

    # Team NORTH, stage 2 Offer: A2 and A3 (the table says 2; the bar drills down to exactly those).
    row = tab.locator("#stage-table tbody tr", has_text="2 Offer")
    assert row.locator("td.num a").inner_text() == "2"
    x, y = _bar_centre(tab, "#stage-chart", 0, 1)
    tab.mouse.click(x, y)
    tab.wait_for_url("**/opportunities/?*")
    assert "stage=2" in tab.url
    numbers = tab.locator("#opportunity-list tbody tr td > a[href^='/opportunities/']").all_inner_texts()
    assert sorted(numbers) == ["A2", "A3"]

    # The same through the table: the open pipeline of the team (A1, A2, A3, J1).
    tab.goto(f"{base}/")
    tab.click("#summary-pipeline a")
    tab.wait_for_url("**/opportunities/?*")
    assert sorted(tab.locator("#opportunity-list tbody tr td > a[href^='/opportunities/']").all_inner_texts()) == [
        "A1",
        "A2",
        "A3",
        "J1",
    ]
    assert tab.evaluate("() => window.__cspViolations") == []


def test_the_charts_page_draws_four_charts(tab: Any, live_server: Any, world: Any) -> None:
    base = live_server.url
    sign_in(tab, base, "admin")
    tab.goto(f"{base}/analysis/charts/")

    for chart in ("status-chart", "top-chart", "funnel-chart", "months-chart"):
        tab.wait_for_selector(f"#{chart}[data-drawn='1']")
    assert tab.evaluate("() => window.__cspViolations") == []
    assert tab.problems == []
    assert_accessible(tab)

    # Relationship Performance: the largest bar is S1 and opens its card.
    x, y = _bar_centre(tab, "#top-chart", 0, 0)
    tab.mouse.click(x, y)
    tab.wait_for_url(f"{base}/opportunities/S1/")
