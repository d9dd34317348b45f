"""Every main page at phone width (390 × 844, issue #15 finding M7): no page-level horizontal overflow (tables
scroll inside their own ``.table-wrap``), a compact header whose navigation opens behind a Menu button with 44 px
touch targets, and axe clean at that width."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.core.workdate import set_work_date
from salescycle.opportunities.services import close_opportunity
from salescycle.sales.services import create_sales_quote
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
# The header on a phone: the brand and the Menu button on one row (was about 530 px with the navigation open).
HEADER_MAX_PX = 120
TOUCH_PX = 44


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    """A tab the size of a phone (CSP on, as always)."""
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    testing.demo_setup()
    user = testing.make_user("maria", role="Administrator")
    annette = testing.make_salesperson("AH", name="Annette Hill with a rather long name", user=user)
    cronus = testing.make_company("CT-CRONUS", name="Cronus International Trading Company Ltd")
    testing.make_person(cronus, "CT-LINDA", name="Linda Martin", salesperson=annette)
    set_work_date(user, dt.date(2026, 1, 5))
    active = testing.create_opportunity(
        cronus, annette, activate=True, description="Bikes for the whole fleet of couriers", value="18000"
    )
    won = testing.create_opportunity(cronus, annette, activate=True, description="Spare parts", value="2500")
    close_opportunity(won.no, outcome="won", close_opportunity_code="PRICE_W", sales_value=Decimal(2500), by=SYSTEM)
    quote = create_sales_quote(sell_to_contact_no="CT-CRONUS", salesperson_code="AH", by=SYSTEM)
    return {"active": active.no, "won": won.no, "quote": quote.no}


def _paths(world: dict[str, Any]) -> list[str]:
    no = world["active"]
    return [
        reverse("home"),
        reverse("opportunities:list"),
        reverse("opportunities:board"),
        reverse("opportunities:create"),
        reverse("opportunities:card", args=[no]),
        reverse("opportunities:card", args=[world["won"]]),
        reverse("opportunities:update", args=[no]),
        reverse("opportunities:close", args=[no]),
        reverse("opportunities:delete_closed"),
        reverse("opportunities:cycle_statistics"),
        reverse("opportunities:stage_statistics", args=["NEW"]),
        reverse("opportunities:people_statistics", args=["salespeople"]),
        reverse("opportunities:people_statistics", args=["contacts"]),
        reverse("contacts:list"),
        reverse("contacts:card", args=["CT-CRONUS"]),
        reverse("analysis:matrix"),
        reverse("analysis:pipeline"),
        reverse("analysis:movement"),
        reverse("analysis:forecast"),
        reverse("charts:index"),
        reverse("reports:index"),
        reverse("reports:opportunity_list"),
        reverse("setup:index"),
        reverse("setup:list", args=["sales-cycles"]),
        reverse("setup:edit", args=["sales-cycles", "NEW"]),
        reverse("setup:create", args=["sales-cycles"]),
        reverse("setup:edit", args=["activities", "INIT"]),
        reverse("setup:list", args=["contacts"]),
        reverse("setup:marketing"),
        reverse("tasks:list"),
        reverse("sales:quotes"),
        reverse("sales:quote", args=[world["quote"]]),
        reverse("sales:orders"),
    ]


def _overflow(page: Any) -> str:
    """The widest elements that stick out of the viewport (for the failure message), or '' when none does."""
    return page.evaluate(
        """() => {
          if (document.documentElement.scrollWidth <= window.innerWidth) return "";
          const out = [];
          for (const el of document.querySelectorAll("body *")) {
            const r = el.getBoundingClientRect();
            if (r.right > window.innerWidth + 1 && !el.closest(".table-wrap, .columns")) {
              out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} right=${Math.round(r.right)}`);
            }
          }
          return `scrollWidth ${document.documentElement.scrollWidth}: ` + out.slice(0, 8).join(", ");
        }"""
    )


def test_every_main_page_fits_a_phone_with_a_compact_header(
    phone: Any, live_server: Any, world: dict[str, Any]
) -> None:
    base = live_server.url
    sign_in(phone, base, "maria")
    problems: list[str] = []
    for path in _paths(world):
        response = phone.goto(f"{base}{path}")
        assert response is not None, path
        assert response.ok, path
        phone.wait_for_load_state("networkidle")
        overflow = _overflow(phone)
        if overflow or not phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"):
            problems.append(f"{path}: {overflow}")
        # The content starts near the top: the header is one row (brand and Menu), the navigation behind it.
        header = phone.locator("header.topbar").bounding_box()
        if header["height"] > HEADER_MAX_PX or not phone.locator("nav[aria-label='Main']").is_hidden():
            problems.append(f"{path}: header {header}")
        try:
            assert_accessible(phone)
        except AssertionError as error:
            problems.append(f"{path}: {error}")
    assert not problems, "\n".join(problems)

    # The menu: it opens with its button, shows the navigation with 44 px targets (the current page marked), the
    # work date, the language and Sign out, and is still axe clean and within the width.
    phone.goto(f"{base}{reverse('opportunities:list')}")
    toggle = phone.locator("button.menu-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    box = toggle.bounding_box()
    assert box["height"] >= TOUCH_PX
    assert box["width"] >= TOUCH_PX
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    links = phone.locator("nav[aria-label='Main'] a")
    assert links.count() == 12
    for i in range(links.count()):
        link = links.nth(i).bounding_box()
        assert link["height"] >= TOUCH_PX, (links.nth(i).inner_text(), link)
        assert link["width"] >= TOUCH_PX, (links.nth(i).inner_text(), link)
    assert phone.get_attribute("nav >> text=Opportunities", "aria-current") == "page"
    for control in ("#header-work-date", "#header-language", "button:has-text('Sign out')"):
        assert phone.locator(control).is_visible(), control
        assert phone.locator(control).bounding_box()["height"] >= TOUCH_PX, control
    assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(phone)

    # Escape closes it and gives the focus back to the button; a link in it navigates.
    phone.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert phone.locator("nav[aria-label='Main']").is_hidden()
    assert phone.evaluate("() => document.activeElement.classList.contains('menu-toggle')")
    toggle.click()
    phone.click("nav >> text=Pipeline")
    phone.wait_for_url(f"{base}{reverse('opportunities:board')}")
    assert phone.locator("nav[aria-label='Main']").is_hidden()


def test_the_desktop_header_shows_the_navigation_without_a_menu_button(
    page: Any, live_server: Any, world: dict[str, Any]
) -> None:
    sign_in(page, live_server.url, "maria")
    assert page.locator("nav[aria-label='Main']").is_visible()
    assert page.locator("button.menu-toggle").is_hidden()
    assert page.locator("nav >> text=Opportunities").bounding_box()["height"] >= TOUCH_PX
