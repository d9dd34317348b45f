"""Lookups in the browser (issue #15): a sales manager creates an opportunity choosing its contact and salesperson
with the keyboard alone through the type-ahead lookups (WAI-ARIA combobox: ArrowDown, Enter, Escape), sees their
names beside the codes, then finds the opportunity in the list by the contact's name and by the salesperson's
first name in the salesperson filter. axe finds nothing serious with the listbox open."""

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
def mia(transactional_db: Any) -> Any:
    testing.demo_setup()
    user = testing.make_manager("mia")
    testing.make_salesperson("AH", name="Annette Hill")
    testing.make_salesperson("JB", name="Jonathan Baker")
    cronus = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    testing.make_person(cronus, "CT-LINDA", name="Linda Martin")
    testing.make_company("CT-FABRIKAM", name="Fabrikam Inc")
    set_work_date(user, dt.date(2026, 1, 5))
    return user


def test_choose_contact_and_salesperson_by_keyboard_then_find_it_in_the_list(
    page: Any, live_server: Any, mia: Any
) -> None:
    base = live_server.url
    sign_in(page, base, "mia")
    page.goto(f"{base}/opportunities/new/")
    assert page.get_attribute("#id_contact_no", "role") == "combobox"
    assert page.get_attribute("#id_contact_no", "aria-controls") == "id_contact_no-list"

    page.fill("#id_description", "Bikes for the fleet")
    choose(page, "#id_contact_no", "linda", "Linda Martin")
    assert page.input_value("#id_contact_no") == "CT-LINDA"
    assert page.inner_text("#id_contact_no-name") == "Linda Martin"

    # Escape closes the list without choosing.
    page.focus("#id_salesperson_code")
    page.keyboard.type("an")
    page.locator("#id_salesperson_code-list [role=option]").first.wait_for()
    assert_accessible(page)
    page.keyboard.press("Escape")
    assert page.get_attribute("#id_salesperson_code", "aria-expanded") == "false"

    choose(page, "#id_salesperson_code", "jonat", "Jonathan Baker")
    assert page.input_value("#id_salesperson_code") == "JB"
    assert page.inner_text("#id_salesperson_code-name") == "Jonathan Baker"
    page.click("button:has-text('Create')")
    page.wait_for_url("**/opportunities/OP*/")
    opportunity = Opportunity.objects.get()
    assert (opportunity.contact_id, opportunity.salesperson_id) == ("CT-LINDA", "JB")

    # The list's search finds it by the contact's name; the salesperson filter by his first name.
    page.goto(f"{base}/opportunities/")
    page.fill("#id_q", "linda mar")
    page.keyboard.press("Enter")
    page.wait_for_url("**/opportunities/?*q=linda+mar*")
    assert opportunity.no in page.inner_text("main")
    page.goto(f"{base}/opportunities/")
    choose(page, "#id_salesperson", "Jonathan", "Jonathan Baker")
    assert page.input_value("#id_salesperson") == "JB"
    page.keyboard.press("Enter")
    page.wait_for_url("**/opportunities/?*salesperson=JB*")
    assert opportunity.no in page.inner_text("main")
