"""Contacts as a main page in the browser (issue #15): find a contact from the navigation, open its card, start a deal
with Create Opportunity, log a meeting on the opportunity and a note on the contact, and see No. of Interactions, the
next activity and the flags follow. Every page passes axe; the contact card fits a phone (390 px)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from salescycle import testing
from salescycle.core.workdate import set_work_date
from salescycle.opportunities.models import Interaction, Opportunity
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def annette(transactional_db: Any) -> Any:
    testing.demo_setup()
    user = testing.make_user("annette", role="Salesperson")
    annette = testing.make_salesperson("AH", name="Annette Hill", user=user)
    cronus = testing.make_company("CT-CRONUS", name="Cronus Ltd", salesperson=annette)
    testing.make_person(cronus, "CT-LINDA", name="Linda Martin", salesperson=annette)
    testing.make_company("CT-FABRIKAM", name="Fabrikam Inc")
    set_work_date(user, dt.date(2026, 1, 5))
    return user


def test_a_deal_started_and_followed_up_from_the_contact_card(page: Any, live_server: Any, annette: Any) -> None:
    base = live_server.url
    sign_in(page, base, "annette")

    # Find Linda from the main navigation.
    page.click("nav >> text=Contacts")
    page.wait_for_url(f"{base}/contacts/")
    assert page.get_attribute("nav >> text=Contacts", "aria-current") == "page"
    page.fill("#id_q", "linda")
    page.keyboard.press("Enter")
    page.wait_for_url("**/contacts/?q=linda*")
    assert "Fabrikam" not in page.inner_text("#contact-list")
    assert_accessible(page)
    page.click("#contact-list >> text=Linda Martin")
    page.wait_for_url(f"{base}/contacts/CT-LINDA/")
    assert "Cronus Ltd" in page.inner_text("#general-heading ~ dl")
    assert_accessible(page)

    # Create Opportunity: the wizard starts with the contact and its salesperson.
    page.click("#create-opportunity")
    page.wait_for_url("**/opportunities/new/?contact=CT-LINDA")
    assert page.input_value("#id_contact_no") == "CT-LINDA"
    page.fill("#id_description", "Bikes for the fleet")
    page.check("#id_activate_first_stage")
    page.fill("#id_estimated_value", "5000")
    page.fill("#id_chances_of_success_pct", "20")
    page.fill("#id_estimated_closing_date", "2026-01-31")
    page.click("button:has-text('Create')")
    page.wait_for_url("**/opportunities/OP*/")
    no = Opportunity.objects.get().no

    # The card's follow-up: the first stage's task is the next activity; no interaction yet.
    follow = page.inner_text("#follow-up")
    assert "No open task" not in follow
    assert "Overdue" not in follow
    assert page.inner_text("#follow-up-no-of-interactions") == "0"
    assert_accessible(page)

    # Log a meeting on the opportunity.
    page.click("#log-interaction")
    page.wait_for_url(f"**/opportunities/{no}/interactions/new/")
    page.select_option("#id_type", "meeting")
    page.fill("#id_description", "Showed the cargo bike")
    assert_accessible(page)
    page.click("button:has-text('Log interaction')")
    page.wait_for_url(f"**/opportunities/{no}/")
    assert page.inner_text("#follow-up-no-of-interactions") == "1"
    assert "Showed the cargo bike" in page.inner_text("#follow-up")
    assert page.locator(".factbox").inner_text().count("No. of Interactions\n1") == 1

    # Back to the contact, through its name on the card: a note, without opportunity.
    page.click("#contact-link")
    page.wait_for_url(f"{base}/contacts/CT-LINDA/")
    assert no in page.inner_text("#contact-opportunities")
    page.click("summary:has-text('Log interaction')")
    page.select_option("#id_type", "note")
    page.fill("#id_description", "Prefers mornings")
    page.click("details button:has-text('Log interaction')")
    page.wait_for_url(f"{base}/contacts/CT-LINDA/")
    assert page.inner_text("#contact-no-of-interactions") == "2"
    assert "Prefers mornings" in page.inner_text("#interactions")
    assert list(Interaction.objects.order_by("entry_no").values_list("type", flat=True)) == ["meeting", "note"]

    # The company's card covers its person's deal and interactions.
    page.click("#general-heading ~ dl >> text=Cronus Ltd")
    page.wait_for_url(f"{base}/contacts/CT-CRONUS/")
    assert no in page.inner_text("#contact-opportunities")
    assert page.inner_text("#contact-no-of-interactions") == "2"
    assert_accessible(page)

    # A month later the deal is stale and its task overdue, on the list and the card.
    page.fill("#header-work-date", "2026-03-01")
    page.click("form:has(#header-work-date) button[type=submit]")
    page.goto(f"{base}/opportunities/")
    row = page.inner_text(f"#opportunity-list tr:has(a[href='/opportunities/{no}/'])")
    assert "Stale" in row
    assert "Overdue" in row
    page.goto(f"{base}/opportunities/{no}/")
    assert "Overdue" in page.inner_text("#follow-up")
    assert "Stale" in page.inner_text("#follow-up")

    # The contact card fits a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/contacts/CT-CRONUS/")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
