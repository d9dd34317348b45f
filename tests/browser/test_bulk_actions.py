"""Bulk actions on the Opportunity List in a real browser (issue #15): a sales manager selects two rows with the
keyboard (Space on their checkboxes), the bar appears saying "2 selected", reassigns them to another salesperson and
reads "2 reassigned"; then closes one as Lost with a close code, through the confirmation that shows it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from salescycle import testing
from salescycle.core.workdate import set_work_date
from salescycle.opportunities.models import Opportunity
from tests.browser.conftest import assert_accessible, choose, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def maria(transactional_db: Any) -> Any:
    testing.demo_setup()
    annette = testing.make_salesperson("AH", name="Annette Hill")
    testing.make_salesperson("JO", name="Jo Bloggs")
    cronus = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    for i in range(3):
        testing.create_opportunity(cronus, annette, activate=True, description=f"Deal {i}")
    user = testing.make_manager("maria")
    set_work_date(user, dt.date(2026, 1, 5))
    return user


def test_select_with_the_keyboard_reassign_and_close_as_lost(page: Any, live_server: Any, maria: Any) -> None:
    first, second, third = Opportunity.objects.order_by("no").values_list("no", flat=True)
    sign_in(page, live_server.url, "maria")
    page.goto(f"{live_server.url}/opportunities/?sort=no")

    # Nothing selected: the bar is hidden, the select-all checkbox is there.
    assert not page.is_visible("#bulk-form")
    assert page.is_visible("#select-all")

    for no in (first, second):
        page.focus(f"input[name=no][value='{no}']")
        page.keyboard.press("Space")
    page.wait_for_selector("#bulk-form", state="visible")
    assert page.inner_text("#bulk-count") == "2 selected"
    assert page.eval_on_selector("#select-all", "el => el.indeterminate")
    assert_accessible(page)

    choose(page, "#bulk_salesperson_code", "Bloggs", "Jo Bloggs")
    page.focus("#bulk-reassign")
    page.keyboard.press("Enter")
    page.wait_for_selector("#bulk-summary")
    assert page.inner_text("#bulk-summary") == "2 reassigned."
    assert_accessible(page)
    assert dict(Opportunity.objects.values_list("no", "salesperson_id")) == {first: "JO", second: "JO", third: "AH"}

    # Back to the list; close the third as Lost, through the confirmation.
    page.click("text=Back to the list")
    page.wait_for_selector("#opportunity-list")
    page.focus(f"input[name=no][value='{third}']")
    page.keyboard.press("Space")
    page.select_option("#bulk_close_opportunity_code", "PRICE_L")
    page.click("#bulk-close")
    page.wait_for_selector("#bulk-confirm-list")
    assert third in page.inner_text("#bulk-confirm-list")
    assert "Deal 2" in page.inner_text("#bulk-confirm-list")
    assert Opportunity.objects.get(no=third).status == "in_progress"  # nothing yet
    assert_accessible(page)
    page.click("text=Yes, close as Lost")
    page.wait_for_selector("#bulk-summary")
    assert page.inner_text("#bulk-summary") == "1 closed as Lost."
    closed = Opportunity.objects.get(no=third)
    assert (closed.status, closed.date_closed) == ("lost", dt.date(2026, 1, 5))


def test_select_all_selects_every_row_shown(page: Any, live_server: Any, maria: Any) -> None:
    sign_in(page, live_server.url, "maria")
    page.goto(f"{live_server.url}/opportunities/")
    page.focus("#select-all")
    page.keyboard.press("Space")
    page.wait_for_selector("#bulk-form", state="visible")
    assert page.inner_text("#bulk-count") == "3 selected"
    assert page.locator("input[name=no]:checked").count() == 3
