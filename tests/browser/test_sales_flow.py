"""The quote → order → invoice flow in the browser: from an In Progress opportunity create a quote, add two lines,
move into a Quote Required stage, make the order (closing Won), post it, and see the opportunity's value and links
follow (spec §4.5.5, §4.10)."""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from typing import Any

import pytest

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.core.workdate import set_work_date
from salescycle.opportunities.engine import UpdateRequest
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.services import update_opportunity
from tests.browser.conftest import assert_accessible, sign_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

START = dt.date(2026, 1, 5)


@pytest.fixture
def opportunity(transactional_db: Any) -> Opportunity:
    """OP000001 for Cronus by Annette on cycle NEW, at stage 2 (the next stage, 3, requires a quote)."""
    testing.demo_setup()
    user = testing.make_user("annette", role="Salesperson")
    salesperson = testing.make_salesperson("AH", name="Annette Hill", user=user)
    cronus = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    set_work_date(user, START)
    opportunity = testing.create_opportunity(cronus, salesperson, activate=True, value="5000", chances="20")
    return update_opportunity(
        opportunity.no, request=UpdateRequest("next", date_of_change=START), work_date=START, by=SYSTEM
    )


def test_quote_to_order_to_invoice_with_the_opportunity_following(
    page: Any, live_server: Any, opportunity: Opportunity
) -> None:
    base = live_server.url
    no = opportunity.no
    sign_in(page, base, "annette")

    # Create Sales Quote from the In Progress opportunity.
    page.goto(f"{base}/sales/opportunities/{no}/create-sales-quote/")
    page.click("#create-quote-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/sales/quotes/SQ000001/$"))

    # Two lines through the formset.
    page.fill("#id_lines-0-description", "Consulting")
    page.fill("#id_lines-0-quantity", "10")
    page.fill("#id_lines-0-unit_price", "150")
    page.fill("#id_lines-0-line_discount_pct", "10")
    page.fill("#id_lines-1-description", "Licence")
    page.fill("#id_lines-1-quantity", "2")
    page.fill("#id_lines-1-unit_price", "500")
    page.click("#quote-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/sales/quotes/SQ000001/$"))
    assert "2,350.00" in page.locator("#document-amount").inner_text()

    # Next into Presentation (Quote Required) now succeeds.
    page.goto(f"{base}/opportunities/{no}/update/")
    page.click("button:has-text('Finish')")
    page.wait_for_url(re.compile(rf".*/opportunities/{no}/$"))
    opportunity.refresh_from_db()
    assert (opportunity.current_sales_cycle_stage, opportunity.estimated_value) == (3, Decimal(2350))

    # Make Order: without a close code the open opportunity blocks it; with a won code it goes through.
    page.goto(f"{base}/sales/quotes/SQ000001/make-order/")
    page.click("#make-order-form button[type=submit]")
    assert "still linked to this Quote" in page.locator(".form-errors").inner_text()
    page.select_option("#id_close_opportunity_code", "PRICE_W")
    page.click("#make-order-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/sales/orders/SO000001/$"))
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.sales_document_type, opportunity.sales_document_no) == (
        "won", "order", "SO000001"
    )  # fmt: skip
    assert opportunity.calculated_current_value == Decimal(2350)

    # Post the order, after its confirmation page: the opportunity's link moves to the posted invoice.
    page.click("a[href$='/post/']")
    page.wait_for_url(re.compile(r".*/sales/orders/SO000001/post/$"))
    assert_accessible(page)
    page.click("button:has-text('Yes, post')")
    page.wait_for_url(re.compile(r".*/sales/invoices/PI000001/$"))
    assert "2,350.00" in page.locator("#document-amount").inner_text()
    opportunity.refresh_from_db()
    assert (opportunity.sales_document_type, opportunity.sales_document_no) == ("posted_invoice", "PI000001")

    # The opportunity card shows the Won value.
    page.click(f"a:has-text('{no}')")
    page.wait_for_url(re.compile(rf".*/opportunities/{no}/$"))
    assert "2,350.00" in page.locator(".factbox").inner_text()
