"""A salesperson's day in the browser: create and activate, move Next, meet Quote Required, go back, drag on the
board, close won, watch it leave the board and the statistics, batch-delete closed opportunities."""

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
def annette(transactional_db: Any) -> Any:
    testing.demo_setup()
    user = testing.make_user("annette", role="Salesperson")
    testing.give_role(user, "Sales Manager")  # the day ends with the batch delete, a manager's job (issue #8)
    testing.make_salesperson("AH", name="Annette Hill", user=user)
    cronus = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    testing.make_person(cronus, "CT-LINDA", name="Linda Martin")
    set_work_date(user, dt.date(2026, 1, 5))
    return user


def test_a_salespersons_day(page: Any, live_server: Any, annette: Any) -> None:
    base = live_server.url
    sign_in(page, base, "annette")
    assert_accessible(page)

    # Create an opportunity with its first stage activated.
    page.click("nav >> text=New opportunity")
    page.fill("#id_description", "Bikes for the fleet")
    choose(page, "#id_contact_no", "Linda", "Linda Martin")  # lookups: by name, never a typed code
    choose(page, "#id_salesperson_code", "Annette", "Annette Hill")
    assert (page.input_value("#id_contact_no"), page.input_value("#id_salesperson_code")) == ("CT-LINDA", "AH")
    page.check("#id_activate_first_stage")
    page.fill("#id_estimated_value", "5000")
    page.fill("#id_chances_of_success_pct", "20")
    page.fill("#id_estimated_closing_date", "2026-03-01")
    assert_accessible(page)
    page.click("button:has-text('Create')")
    page.wait_for_url("**/opportunities/OP*/")
    no = Opportunity.objects.get().no
    assert page.locator(".factbox").inner_text().count("Initial") == 1
    assert_accessible(page)

    # Update: Next (the default action) to Qualification.
    page.click(".actions >> text=Update")
    assert page.is_checked("input[name=action_type][value=next]")
    assert_accessible(page)
    page.click("button:has-text('Finish')")
    page.wait_for_url(f"**/opportunities/{no}/")
    assert "2 Qualification" in page.locator(".factbox").inner_text()

    # Next again: Presentation requires a quote, the engine refuses.
    page.click(".actions >> text=Update")
    page.click("button:has-text('Finish')")
    page.wait_for_selector(".error-box")
    assert "You cannot go to this stage before you have assigned a sales quote." in page.inner_text(".error-box")
    assert_accessible(page)

    # Go back: choosing Previous re-renders the proposals (htmx), then Finish.
    page.check("input[name=action_type][value=previous]")
    page.wait_for_function("() => document.querySelector('#id_chances_of_success_pct').value === '10'")
    page.click("button:has-text('Finish')")
    page.wait_for_url(f"**/opportunities/{no}/")
    assert "1 Initial" in page.locator(".factbox").inner_text()

    # The board: drag the card to Qualification (Next), then over a stage that forbids skipping (refused).
    page.click("nav >> text=Pipeline")
    card = f".board-card[data-no='{no}']"
    page.select_option("#board-cycle", "NEW")
    assert page.locator(f".column[data-stage='1'] {card}").count() == 1
    assert_accessible(page)
    page.drag_and_drop(card, ".column[data-stage='3'] ul.cards")  # Qualification cannot be skipped
    page.wait_for_selector("#board-dialog[open] #move-error")
    assert "Skip is not a valid selection" in page.inner_text("#move-error")
    page.click("#board-dialog .js-dialog-close")
    page.drag_and_drop(card, ".column[data-stage='2'] ul.cards")
    page.wait_for_selector("#board-dialog[open] #move-form")  # the Update dialog: confirm its values
    page.click("#move-form button[type=submit]")
    page.wait_for_selector("#move-message")
    assert page.locator(f".column[data-stage='2'] {card}").count() == 1
    page.drag_and_drop(card, ".column[data-stage='4'] ul.cards")  # Skip over Presentation into Proposal
    page.wait_for_selector("#board-dialog[open] #move-error")
    assert "before you have assigned a sales quote" in page.inner_text("#move-error")
    page.keyboard.press("Escape")
    page.screenshot(path="test-output/board.png", full_page=True)

    # Close it won.
    page.click(f"{card} a")
    page.click(".actions >> text=Close")
    assert page.is_checked("#id_cancel_old_tasks")
    page.select_option("#id_close_opportunity_code", "PRICE_W")
    page.fill("#id_sales_value", "6000")
    assert_accessible(page)
    page.click("button:has-text('Close opportunity')")
    page.wait_for_url(f"**/opportunities/{no}/")
    assert "Won" in page.inner_text("main")

    # It has left the board and the cycle statistics.
    page.goto(f"{base}/opportunities/board/?cycle=NEW")
    assert page.locator(card).count() == 0
    page.click("nav >> text=Statistics")
    assert page.inner_text("tr[data-cycle=NEW] td >> nth=0") == "0"
    assert_accessible(page)

    # Batch-delete the closed opportunities: preview, confirm, result.
    page.goto(f"{base}/opportunities/delete-closed/")
    choose(page, "#id_salesperson_code", "Annette", "Annette Hill")
    page.click("button[name=preview]")
    assert "1 closed opportunity with 5 entries matches." in page.inner_text("#delete-preview")
    assert_accessible(page)
    page.check("#id_confirm")
    page.click("button[name=delete]")
    assert "1 closed opportunity and 5 entries were deleted." in page.inner_text("#delete-result")
    assert not Opportunity.objects.exists()
