"""The board in a real browser (issue #15): a drag opens the Update dialog with the current and proposed values
(Esc leaves the card where it was, Enter moves it with the values the user kept), the keyboard moves a card through
its Move menu (WCAG 2.5.7), the Won drop zone opens the Close dialog pre-filled with the estimate; the Update wizard
keeps a typed date when the action changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from salescycle import testing
from salescycle.core.workdate import set_work_date
from salescycle.opportunities.models import Opportunity
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def annette(transactional_db: Any) -> Any:
    testing.demo_setup()
    user = testing.make_user("annette", role="Salesperson")
    person = testing.make_salesperson("AH", name="Annette Hill", user=user)
    cronus = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    linda = testing.make_person(cronus, "CT-LINDA", name="Linda Martin")
    set_work_date(user, dt.date(2026, 1, 5))
    for _ in range(2):
        testing.create_opportunity(linda, person, activate=True, value="18000", closing=dt.date(2026, 4, 30))
    return user


def test_board_moves_through_a_dialog_by_drag_and_by_keyboard(page: Any, live_server: Any, annette: Any) -> None:
    first, second = Opportunity.objects.order_by("no").values_list("no", flat=True)
    sign_in(page, live_server.url, "annette")
    page.goto(f"{live_server.url}/opportunities/board/?cycle=NEW")
    card = f".board-card[data-no='{first}']"
    assert "Annette Hill" in page.inner_text(card)
    assert "No. of Opportunities" in page.inner_text(".column[data-stage='1'] .col-figures")

    # Drag to Qualification: a dialog shows current and proposed values; Esc cancels, nothing moved.
    page.drag_and_drop(card, ".column[data-stage='2'] ul.cards")
    page.wait_for_selector("#board-dialog[open] #move-form")
    assert "04/30/2026" in page.inner_text("#values tr[data-field='estimated_close_date']")
    assert_accessible(page)
    page.keyboard.press("Escape")
    page.wait_for_selector("#board-dialog:not([open])", state="attached")
    assert page.locator(f".column[data-stage='1'] {card}").count() == 1

    # Drag again, keep the current close date, Enter accepts.
    page.drag_and_drop(card, ".column[data-stage='2'] ul.cards")
    page.wait_for_selector("#board-dialog[open] #move-form")
    page.click("tr[data-field='estimated_close_date'] button.js-keep")
    assert page.input_value("#id_estimated_close_date") == "04/30/2026"
    page.focus("#id_estimated_value")
    page.keyboard.press("Enter")
    page.wait_for_selector(f".column[data-stage='2'] {card}")
    assert not page.is_visible("#board-dialog")
    moved = Opportunity.objects.get(no=first)
    assert (moved.current_sales_cycle_stage, moved.estimated_closing_date) == (2, dt.date(2026, 4, 30))

    # Keyboard only: open the second card's Move menu, choose Next, confirm with Enter.
    other = f".board-card[data-no='{second}']"
    page.focus(f"{other} summary")
    page.keyboard.press("Enter")
    page.focus(f"{other} .move-option[data-stage='2']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#board-dialog[open] #move-form")
    assert page.evaluate("document.activeElement.textContent") == "Move"
    page.keyboard.press("Enter")
    page.wait_for_selector(f".column[data-stage='2'] {other}")
    assert Opportunity.objects.get(no=second).current_sales_cycle_stage == 2

    # Won drop zone: the Close dialog with Sales (LCY) from the estimate.
    page.drag_and_drop(card, ".drop-zone.won")
    page.wait_for_selector("#board-dialog[open] #close-form")
    assert page.input_value("#id_sales_value") == "18000"
    assert_accessible(page)
    page.select_option("#id_close_opportunity_code", "PRICE_W")
    page.click("#close-form button[type=submit]")
    page.wait_for_selector(card, state="detached")
    assert "closed" in page.inner_text("#move-message")
    assert Opportunity.objects.get(no=first).status == "won"


def test_the_wizard_keeps_a_typed_date_when_the_action_changes(page: Any, live_server: Any, annette: Any) -> None:
    no = Opportunity.objects.order_by("no").values_list("no", flat=True)[0]
    sign_in(page, live_server.url, "annette")
    page.goto(f"{live_server.url}/opportunities/{no}/update/")
    assert "04/30/2026" in page.inner_text("#id_estimated_close_date_current")

    page.fill("#id_estimated_close_date", "2026-06-30")
    page.fill("#id_chances_of_success_pct", "45")
    page.check("input[name=action_type][value=update]")
    page.wait_for_function("() => document.querySelector('#target-stage').textContent.includes('1 Initial')")
    assert page.input_value("#id_estimated_close_date") == "06/30/2026"  # the language's format (issue #15)
    assert page.input_value("#id_chances_of_success_pct") == "45"
    assert_accessible(page)
