"""Date inputs follow the interface language, not the browser's locale (issue #15, "Formats"): with an en-US browser
and the interface in Finnish, the work date shows ``2.12.2026``, a date typed as ``3.12.2026`` saves as
2026-12-03, and the calendar button writes the picked date in the same format."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from salescycle import testing
from salescycle.core.workdate import set_work_date
from salescycle.opportunities.models import Opportunity
from tests.browser.conftest import assert_accessible, sign_in
from tests.test_translations import use_compiled_catalogs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def us_browser(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def lena(transactional_db: Any) -> Any:
    use_compiled_catalogs()
    testing.demo_setup()
    user = testing.make_user("lena", role="Salesperson")
    salesperson = testing.make_salesperson("LE", name="Lena Eriksen", user=user)
    testing.make_company("CT-NORD", name="Nordlys Oy", salesperson=salesperson)
    set_work_date(user, dt.date(2026, 12, 2))
    return user


def test_dates_are_shown_and_typed_in_the_interface_language(us_browser: Any, live_server: Any, lena: Any) -> None:
    page = us_browser
    base = live_server.url
    sign_in(page, base, "lena")
    page.select_option("#header-language", "fi")
    page.wait_for_function("() => document.documentElement.lang === 'fi'")

    assert page.input_value("#header-work-date") == "2.12.2026"
    assert page.get_attribute("#header-work-date", "type") == "text"

    page.goto(f"{base}/opportunities/new/?contact=CT-NORD")
    page.fill("#id_description", "Päivämäärät")
    page.check("#id_activate_first_stage")
    page.fill("#id_estimated_value", "5000")
    page.fill("#id_chances_of_success_pct", "20")
    page.fill("#id_estimated_closing_date", "3.12.2026")
    assert_accessible(page)
    page.click("main form button[type=submit]:not(.date-button)")
    page.wait_for_url("**/opportunities/OP*/")

    assert Opportunity.objects.get().estimated_closing_date == dt.date(2026, 12, 3)

    # The calendar button: the browser's picker (a native date input) writes its choice in the language's format.
    page.goto(f"{base}/tasks/new/")
    field = page.locator("#id_date")
    button = page.locator("#id_date ~ button.date-button")
    assert button.get_attribute("aria-label")
    page.locator("#id_date ~ input.date-picker").evaluate(
        "p => { p.value = '2026-12-24'; p.dispatchEvent(new Event('change', {bubbles: true})); }"
    )
    assert field.input_value() == "24.12.2026"
    assert_accessible(page)

    # A filter (a GET form) sends its dates as ISO, so the address means the same in every language, and shows them
    # the Finnish way again.
    page.goto(f"{base}/opportunities/")
    page.fill("#id_created_from", "1.12.2026")
    page.press("#id_created_from", "Enter")
    page.wait_for_url("**created_from=2026-12-01*")
    assert page.input_value("#id_created_from") == "1.12.2026"

    # The work date typed the Finnish way.
    page.fill("#header-work-date", "5.1.2027")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.input_value("#header-work-date") == "5.1.2027"
