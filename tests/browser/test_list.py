"""The Opportunity List in the browser (issue #15 "The list"; review M1, L10): at 1366 px both money columns are in
view; the count and sums arrive after the rows; "More" survives a reload; a saved view comes back with its filters,
sort and columns, and only for its user; the column choice is remembered; a salesperson lands on "My pipeline" and
may make another view their default; on a phone the filters are collapsed and the first row is in view. The card's
entry table shows the Close Opportunity Code without scrolling."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.core.workdate import set_work_date
from salescycle.opportunities import services
from salescycle.opportunities.selectors.opportunities import PAGE_SIZE
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def team(transactional_db: Any) -> dict[str, Any]:
    """Annette (salesperson AH) with opportunities to realistic names and amounts, and Jo, another salesperson."""
    testing.demo_setup()
    user = testing.make_user("annette", role="Salesperson")
    annette = testing.make_salesperson("AH", name="Annette Hill", user=user)
    jo_user = testing.make_user("jo", role="Salesperson")
    testing.make_salesperson("JO", name="Jo Otis", user=jo_user)
    cronus = testing.make_company("CT-CRONUS", name="Cronus Cardoxy Procurement Ltd", salesperson=annette)
    linda = testing.make_person(cronus, "CT-LINDA", name="Linda Martin-Whitfield", salesperson=annette)
    for user_ in (user, jo_user):
        set_work_date(user_, dt.date(2026, 1, 5))
    first = testing.create_opportunity(
        linda,
        annette,
        activate=True,
        creation_date=dt.date(2026, 1, 5),
        description="Cargo bikes for the northern region fleet renewal",
        value="1234567.89",
        chances="40",
    )
    return {"user": user, "annette": annette, "linda": linda, "first": first}


def _more_opportunities(team: dict[str, Any], count: int) -> None:
    for index in range(count):
        testing.create_opportunity(
            team["linda"],
            team["annette"],
            activate=index % 2 == 0,
            creation_date=dt.date(2026, 1, 5),
            description=f"Deal {index:03d}",
            value=str(1000 + index),
        )


def _box_inside(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    width = page.evaluate("window.innerWidth")
    assert box["x"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= width, (selector, box, width)
    return box


def test_both_money_columns_and_the_totals_are_in_view_at_1366_px(page: Any, live_server: Any, team: Any) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "annette")

    page.goto(f"{live_server.url}/opportunities/")

    _box_inside(page, "#opportunity-list th[data-column=estimated_value]")
    _box_inside(page, "#opportunity-list th[data-column=calculated_current_value]")
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the list scrolls sideways at 1366 px"
    # The count and sums come after the rows (htmx, hx-trigger="load").
    page.wait_for_selector("#total-estimated-value")
    assert page.inner_text("#total-estimated-value") == "1,234,567.89"
    assert page.inner_text("#list-totals").startswith("1 opportunity")
    assert_accessible(page)

    # The card: the entry table shows the Close Opportunity Code without scrolling.
    services.close_opportunity(
        team["first"].no,
        outcome="lost",
        close_opportunity_code="BUSINESS_L",
        date_closed=dt.date(2026, 1, 5),
        by=SYSTEM,
    )
    page.goto(f"{live_server.url}/opportunities/{team['first'].no}/")
    code_column = page.locator("#entries th", has_text="Close Opportunity Code")
    box = code_column.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= DESKTOP["width"], box
    assert "BUSINESS_L" in page.inner_text("#entries")


def test_a_reload_after_more_keeps_the_rows(page: Any, live_server: Any, team: Any) -> None:
    _more_opportunities(team, PAGE_SIZE + 4)  # 55 in all
    sign_in(page, live_server.url, "annette")
    page.goto(f"{live_server.url}/opportunities/?sort=-estimated_value")
    rows = page.locator("#opportunity-list tbody tr:not(#more-row)")
    assert rows.count() == PAGE_SIZE

    page.click("#more-row a")
    page.wait_for_selector(f"#opportunity-list tbody tr:nth-child({PAGE_SIZE + 5})")
    page.wait_for_url("**rows=100*")
    assert "rows=100" in page.url
    before = rows.all_inner_texts()

    page.reload()

    assert rows.count() == PAGE_SIZE + 5
    assert rows.all_inner_texts() == before
    assert page.locator("#more-row").count() == 0


def test_a_saved_view_comes_back_with_its_filters_sort_and_columns_for_its_user_only(
    page: Any, live_server: Any, team: Any, chromium: Any
) -> None:
    _more_opportunities(team, 3)
    base = live_server.url
    sign_in(page, base, "annette")
    page.goto(f"{base}/opportunities/?status=in_progress")
    # Sort by Calcd. Current Value, highest first.
    page.click("#opportunity-list th[data-column=calculated_current_value] a")
    page.click("#opportunity-list th[data-column=calculated_current_value] a")
    page.wait_for_url("**sort=-calculated_current_value*")
    # Show the creation date too (the column choice is remembered).
    page.click("#columns-menu summary")
    page.check("#columns-menu input[value=creation_date]")
    page.click("#columns-menu button[type=submit]")
    page.wait_for_selector("#opportunity-list th[data-column=creation_date]")
    assert "status=in_progress" in page.url

    page.click("#views-menu summary")
    page.fill("#id_view_name", "Big open deals")
    page.click("#views-menu .save-view button")
    page.wait_for_selector("#saved-views", state="attached")

    page.goto(f"{base}/opportunities/")
    assert "Big open deals" in page.text_content("#views-menu")
    page.click("#views-menu summary")
    page.click("#saved-views >> text=Big open deals")
    page.wait_for_url("**status=in_progress*")
    assert "sort=-calculated_current_value" in page.url
    assert page.input_value("#id_status") == "in_progress"
    assert page.locator("#opportunity-list th[data-column=creation_date]").count() == 1
    values = [
        Decimal(text.replace(",", ""))
        for text in page.locator("#opportunity-list tbody td:last-child").all_inner_texts()
    ]
    assert values == sorted(values, reverse=True)
    assert len(values) == 3
    assert_accessible(page)

    # Jo does not see Annette's view.
    other = chromium.new_context(viewport=DESKTOP)
    try:
        jo = other.new_page()
        sign_in(jo, base, "jo")
        jo.goto(f"{base}/opportunities/")
        assert "Big open deals" not in (jo.text_content("#views-menu") or "")
    finally:
        other.close()


def test_a_salesperson_lands_on_my_pipeline_and_makes_closing_this_month_the_default(
    page: Any, live_server: Any, team: Any
) -> None:
    base = live_server.url
    january = testing.create_opportunity(
        team["linda"], team["annette"], activate=True, description="January deal", closing=dt.date(2026, 1, 20)
    )
    lost = testing.create_opportunity(team["linda"], team["annette"], activate=True, description="Lost deal")
    services.close_opportunity(
        lost.no, outcome="lost", close_opportunity_code="BUSINESS_L", date_closed=dt.date(2026, 1, 5), by=SYSTEM
    )
    rows = page.locator("#opportunity-list tbody")
    sign_in(page, base, "annette")

    page.goto(f"{base}/opportunities/")

    page.wait_for_url("**/opportunities/?view=mine")
    assert page.inner_text("#views-menu summary") == "Views: My pipeline"
    assert team["first"].no in rows.inner_text()
    assert january.no in rows.inner_text()
    assert lost.no not in rows.inner_text()  # her open opportunities only
    page.click("#views-menu summary")
    assert "(my default view)" in page.locator("#views-menu li", has_text="My pipeline").inner_text()
    assert_accessible(page)

    page.get_by_role("button", name="Make default Closing this month").click()

    page.wait_for_selector("text=“Closing this month” is now your default view.")
    assert page.url.endswith("/opportunities/?view=mine")  # still where she was
    page.click("#views-menu summary")
    assert "(my default view)" in page.locator("#views-menu li", has_text="Closing this month").inner_text()
    assert "(my default view)" not in page.locator("#views-menu li", has_text="My pipeline").inner_text()

    page.goto(f"{base}/opportunities/")

    page.wait_for_url("**/opportunities/?view=closing")
    assert page.inner_text("#views-menu summary") == "Views: Closing this month"
    assert january.no in rows.inner_text()
    assert team["first"].no not in rows.inner_text()  # closing in February
    # The whole list stays one click away.
    page.click("#filters >> text=Clear filters")
    page.wait_for_url("**/opportunities/?view=all")
    assert lost.no in rows.inner_text()


def test_my_pipeline_without_a_salesperson_says_so(page: Any, live_server: Any, team: Any) -> None:
    testing.make_manager("sue")
    sign_in(page, live_server.url, "sue")

    page.goto(f"{live_server.url}/opportunities/?view=mine")

    assert "not linked to a salesperson" in page.inner_text("#view-notice")
    assert team["first"].no not in page.inner_text("#opportunity-list")


def test_on_a_phone_the_filters_are_collapsed_and_the_first_row_is_in_view(
    page: Any, live_server: Any, team: Any
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "annette")

    page.goto(f"{live_server.url}/opportunities/?closed=no&salesperson=AH")

    filters = page.locator("#filters")
    assert filters.evaluate("el => el.open") is False
    assert "2 active" in page.inner_text("#filters summary")
    first_row = page.locator("#opportunity-list tbody tr").first
    box = first_row.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"], box
    # The keyboard reaches the first row's link in four Tab presses: skip to content, skip to the rows, the row's
    # checkbox, its No.
    page.goto(f"{live_server.url}/opportunities/?closed=no&salesperson=AH")
    for key in ("Tab", "Enter", "Tab", "Enter", "Tab", "Tab"):
        page.keyboard.press(key)
    assert page.evaluate("document.activeElement.textContent") == team["first"].no
    # Opened on request.
    page.click("#filters summary")
    assert filters.evaluate("el => el.open") is True
    assert page.is_visible("#id_q")
