"""One whole opportunity with the keyboard alone (issue #15 "How it is shown", WCAG 2.1.1 Keyboard): from the
dashboard a salesperson reaches New opportunity with Tab, fills the form choosing the contact and the salesperson
through the type-ahead lookups (ArrowDown, Enter), creates it with Enter, moves it Next through the Update wizard and
closes it Won — no click, no mouse. Every control is reached by Tab from where the previous step left the focus, so
the test also proves each one is in the tab order."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from salescycle import testing
from salescycle.core.workdate import set_work_date
from salescycle.opportunities.choices import OpportunityStatus
from salescycle.opportunities.models import Opportunity
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MAX_TABS = 80  # the header, the navigation and a form's fields; the page content is reached within this


@pytest.fixture
def annette(transactional_db: Any) -> Any:
    testing.demo_setup()
    user = testing.make_user("annette", role="Salesperson")
    testing.make_salesperson("AH", name="Annette Hill", user=user)
    cronus = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    testing.make_person(cronus, "CT-LINDA", name="Linda Martin")
    set_work_date(user, dt.date(2026, 1, 5))
    return user


def tab_to(page: Any, selector: str) -> None:
    """Press Tab until the focused element matches ``selector`` (it must be reachable in the tab order)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {MAX_TABS} presses of Tab")


def choose_by_keyboard(page: Any, selector: str, text: str, expected: str) -> None:
    """In the lookup ``selector`` (focused), type ``text`` and take the suggestion showing ``expected``."""
    page.keyboard.type(text)
    page.locator(f"{selector}-list [role=option]", has_text=expected).first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.get_attribute(selector, "aria-expanded") == "false"


def test_create_move_and_close_an_opportunity_with_the_keyboard_only(page: Any, live_server: Any, annette: Any) -> None:
    base = live_server.url
    sign_in(page, base, "annette")

    tab_to(page, "nav a[href='/opportunities/new/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/opportunities/new/")

    tab_to(page, "#id_description")
    page.keyboard.type("Bikes for the fleet")
    tab_to(page, "#id_contact_no")
    choose_by_keyboard(page, "#id_contact_no", "linda", "Linda Martin")
    assert page.input_value("#id_contact_no") == "CT-LINDA"
    tab_to(page, "#id_salesperson_code")
    page.keyboard.press("Control+A")
    choose_by_keyboard(page, "#id_salesperson_code", "annette", "Annette Hill")
    assert page.input_value("#id_salesperson_code") == "AH"
    tab_to(page, "#id_activate_first_stage")
    if not page.is_checked("#id_activate_first_stage"):
        page.keyboard.press("Space")
    assert page.is_checked("#id_activate_first_stage")
    tab_to(page, "#id_estimated_value")
    page.keyboard.type("5000")
    tab_to(page, "#id_chances_of_success_pct")
    page.keyboard.press("Control+A")
    page.keyboard.type("20")
    tab_to(page, "#id_estimated_closing_date")
    page.keyboard.type("03/01/2026")  # the English short date format (month/day/year)
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_url("**/opportunities/OP*/")
    opportunity = Opportunity.objects.get()
    assert (opportunity.contact_id, opportunity.salesperson_id, opportunity.status) == (
        "CT-LINDA",
        "AH",
        OpportunityStatus.IN_PROGRESS,
    )
    assert opportunity.estimated_closing_date == dt.date(2026, 3, 1)
    no = opportunity.no

    # Update: Next is the default action; Finish with Enter.
    tab_to(page, f".actions a[href='/opportunities/{no}/update/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/opportunities/{no}/update/")
    assert page.is_checked("input[name=action_type][value=next]")
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/opportunities/{no}/")
    assert "2 Qualification" in page.locator(".factbox").inner_text()

    # Close it won: the close code chosen with the arrow keys, the sales value pre-filled from the estimate.
    tab_to(page, f".actions a[href='/opportunities/{no}/close/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/opportunities/{no}/close/")
    tab_to(page, "#id_close_opportunity_code")
    for _ in range(30):
        if page.input_value("#id_close_opportunity_code") == "PRICE_W":
            break
        page.keyboard.press("ArrowDown")
    assert page.input_value("#id_close_opportunity_code") == "PRICE_W"
    assert page.input_value("#id_sales_value").replace(",", "") in {"5000", "5000.00"}
    assert_accessible(page)
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/opportunities/{no}/")
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.WON
    assert "PRICE_W" in page.inner_text(".close-code")  # the entry table shows the close code
