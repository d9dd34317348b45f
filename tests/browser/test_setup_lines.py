"""A new sales cycle with any number of stages in one save (issue #15, L5): "Add line" adds a blank stage row in the
page (app.js) or, without JavaScript, returns the form one row longer; the activity drop-down shows whole codes."""

from __future__ import annotations

from typing import Any

import pytest

from salescycle import testing
from salescycle.opportunities.models import SalesCycleStage
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def maria(transactional_db: Any) -> Any:
    testing.demo_setup()
    return testing.make_user("maria", role="Administrator")


def _fill_stages(page: Any, count: int) -> None:
    for index in range(count):
        page.fill(f"input[name=lines-{index}-stage]", str(index + 1))
        page.fill(f"input[name=lines-{index}-description]", f"Stage {index + 1}")
        page.fill(f"input[name=lines-{index}-chances_of_success_pct]", str((index + 1) * 25))
    page.select_option("select[name=lines-2-activity]", "PROPOSAL")


def test_a_three_stage_cycle_is_created_in_one_save(page: Any, live_server: Any, maria: Any) -> None:
    base = live_server.url
    sign_in(page, base, "maria")
    page.goto(f"{base}/setup/sales-cycles/new/")
    assert page.locator("table.formset tbody tr").count() == 2
    page.fill("#id_code", "THREE")
    page.fill("#id_description", "Three stages")

    page.click("button:has-text('Add line')")

    assert page.url == f"{base}/setup/sales-cycles/new/"  # in the page, no round trip
    assert page.locator("table.formset tbody tr").count() == 3
    assert page.evaluate("() => document.activeElement.name") == "lines-2-stage"
    _fill_stages(page, 3)
    # The activity drop-down shows the whole code.
    select = page.locator("select[name=lines-2-activity]")
    assert select.evaluate("s => s.scrollWidth <= s.clientWidth + 1")
    assert select.bounding_box()["width"] >= 140
    assert_accessible(page)
    page.click("button:has-text('Save')")
    page.wait_for_url(f"{base}/setup/sales-cycles/THREE/")

    stages = SalesCycleStage.objects.filter(sales_cycle_id="THREE").order_by("stage")
    assert list(stages.values_list("stage", "description", "activity_id")) == [
        (1, "Stage 1", None),
        (2, "Stage 2", None),
        (3, "Stage 3", "PROPOSAL"),
    ]


def test_add_line_works_without_javascript(chromium: Any, live_server: Any, maria: Any) -> None:
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    base = live_server.url
    try:
        sign_in(page, base, "maria")
        page.goto(f"{base}/setup/sales-cycles/new/")
        page.fill("#id_code", "NOJS")
        page.fill("input[name=lines-0-stage]", "1")
        page.click("button:has-text('Add line')")
        page.wait_for_load_state()
        assert page.locator("table.formset tbody tr").count() == 3
        assert page.input_value("#id_code") == "NOJS"
        assert page.input_value("input[name=lines-0-stage]") == "1"
        _fill_stages(page, 3)
        page.click("button:has-text('Save')")
        page.wait_for_url(f"{base}/setup/sales-cycles/NOJS/")
        assert SalesCycleStage.objects.filter(sales_cycle_id="NOJS").count() == 3
    finally:
        context.close()
