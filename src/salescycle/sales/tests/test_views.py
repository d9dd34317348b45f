"""The sales and task screens: each page renders, each form calls its service and shows refusals in the form."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.opportunities.models import Opportunity
from salescycle.sales.models import PostedInvoice, SalesHeader
from salescycle.tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client: Client, salesperson: Any) -> Client:
    user = testing.make_user("annette", role="Salesperson")
    salesperson.user = user
    salesperson.save()
    client.force_login(user)
    return client


def lines_post(rows: list[dict[str, str]], **header: str) -> dict[str, str]:
    data = {
        "sell_to_contact_no": "CT-CRONUS",
        "salesperson_code": "AH",
        "opportunity_no": "OP000001",
        "reassign": "on",
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        **header,
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"lines-{index}-{name}"] = value
    return data


def test_the_quote_flow_through_the_screens(browser: Client, opportunity: Opportunity) -> None:
    assert browser.get("/sales/opportunities/OP000001/create-sales-quote/").status_code == 200
    response = browser.post("/sales/opportunities/OP000001/create-sales-quote/", {})
    assert response.status_code == 302
    assert response["Location"] == "/sales/quotes/SQ000001/"
    assert "SQ000001" in browser.get("/sales/quotes/SQ000001/").content.decode()

    rows = [
        {"description": "Consulting", "quantity": "10", "unit_price": "150", "line_discount_pct": "10"},
        {"description": "Licence", "quantity": "2", "unit_price": "500"},
        {"description": "", "quantity": ""},
    ]
    assert browser.post("/sales/quotes/SQ000001/", lines_post(rows)).status_code == 302
    page = browser.get("/sales/quotes/SQ000001/").content.decode()
    assert "2,350.00" in page or "2350.00" in page
    assert browser.get("/sales/opportunities/OP000001/sales-quote/")["Location"] == "/sales/quotes/SQ000001/"

    refused = browser.post("/sales/quotes/SQ000001/make-order/", {"create_customer": "on"})
    assert refused.status_code == 200
    assert "An open Opportunity is still linked to this Quote" in refused.content.decode()

    made = browser.post(
        "/sales/quotes/SQ000001/make-order/", {"create_customer": "on", "close_opportunity_code": "PRICE_W"}
    )
    assert made["Location"] == "/sales/orders/SO000001/"
    assert browser.get("/sales/orders/SO000001/").status_code == 200
    assert browser.get("/sales/orders/").status_code == 200
    assert browser.get("/sales/quotes/").status_code == 200

    posted = browser.post("/sales/orders/SO000001/post/")
    assert posted["Location"] == "/sales/invoices/PI000001/"
    assert browser.get("/sales/invoices/PI000001/").status_code == 200
    assert PostedInvoice.objects.get().amount == 2350
    opportunity.refresh_from_db()
    assert (opportunity.sales_document_type, opportunity.calculated_current_value) == ("posted_invoice", 2350)


def test_a_refused_quote_save_shows_the_error(browser: Client, opportunity: Opportunity) -> None:
    browser.post("/sales/opportunities/OP000001/create-sales-quote/", {})

    response = browser.post("/sales/quotes/SQ000001/", lines_post([], sell_to_contact_no=""))

    assert response.status_code == 200
    assert "cannot be blank because this quote is linked" in response.content.decode()


def test_deleting_an_order_through_the_screen(browser: Client, opportunity: Opportunity) -> None:
    browser.post("/sales/opportunities/OP000001/create-sales-quote/", {})
    browser.post("/sales/quotes/SQ000001/", lines_post([{"description": "X", "quantity": "1", "unit_price": "5"}]))
    browser.post("/sales/quotes/SQ000001/make-order/", {"create_customer": "on", "close_opportunity_code": "PRICE_W"})

    refused = browser.post("/sales/orders/SO000001/delete/", {})
    assert "has not been changed" in refused.content.decode()
    assert browser.post("/sales/orders/SO000001/delete/", {"set_opportunity_lost": "on"}).status_code == 302

    assert not SalesHeader.objects.exists()
    opportunity.refresh_from_db()
    assert opportunity.status == "lost"


def test_show_sales_quote_without_a_quote_goes_back_to_the_card(browser: Client, opportunity: Opportunity) -> None:
    response = browser.get("/sales/opportunities/OP000001/sales-quote/")

    assert response["Location"] == "/opportunities/OP000001/"


def test_task_screens(browser: Client, opportunity: Opportunity) -> None:
    task = Task.objects.filter(opportunity_no="OP000001").order_by("no").first()
    assert task is not None

    assert task.no in browser.get("/tasks/").content.decode()
    assert task.no in browser.get("/tasks/?opportunity=OP000001").content.decode()
    assert browser.get("/tasks/?show=overdue").status_code == 200
    assert browser.get(f"/tasks/{task.no}/").status_code == 200
    browser.post(f"/tasks/{task.no}/complete/", {"version": task.version})
    task.refresh_from_db()
    assert (task.status, task.closed) == ("completed", True)
    browser.post(f"/tasks/{task.no}/reopen/")
    browser.post(f"/tasks/{task.no}/cancel/")
    task.refresh_from_db()
    assert (task.canceled, task.closed) == (True, True)


def test_deleting_a_quote_and_posting_an_order_ask_first(browser: Client, opportunity: Opportunity) -> None:
    """The UX walk's M3: Delete on a quote and Post on an order acted on one click."""
    browser.post("/sales/opportunities/OP000001/create-sales-quote/", {})
    assert 'href="/sales/quotes/SQ000001/delete/"' in browser.get("/sales/quotes/SQ000001/").content.decode()
    question = browser.get("/sales/quotes/SQ000001/delete/").content.decode()
    assert "Delete sales quote SQ000001? This cannot be undone." in question
    assert SalesHeader.objects.filter(no="SQ000001").exists()

    browser.post("/sales/quotes/SQ000001/", lines_post([{"description": "X", "quantity": "1", "unit_price": "5"}]))
    browser.post("/sales/quotes/SQ000001/make-order/", {"create_customer": "on", "close_opportunity_code": "PRICE_W"})
    assert 'href="/sales/orders/SO000001/post/"' in browser.get("/sales/orders/SO000001/").content.decode()
    question = browser.get("/sales/orders/SO000001/post/").content.decode()
    assert "A posted invoice cannot be changed." in question
    assert SalesHeader.objects.filter(no="SO000001").exists()
    assert browser.post("/sales/orders/SO000001/post/").status_code == 302
    assert not SalesHeader.objects.filter(no="SO000001").exists()
