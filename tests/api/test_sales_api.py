"""Contract of the sales endpoints (spec api.md "Sales documents, customers, tasks"; spec §4.10–§4.11): paths,
fields, status codes and error codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from salescycle import testing
from salescycle.opportunities.models import Opportunity, OpportunityEntry
from salescycle.sales.models import SalesHeader
from salescycle.tasks.models import Task

WORK = dt.date(2026, 1, 5)


@pytest.fixture
def opportunity(demo: None) -> Opportunity:
    """OP000001 for Cronus (company, not a customer) by Annette, cycle NEW, In Progress at stage 1."""
    salesperson = testing.make_salesperson("AH", name="Annette Hill")
    company = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    return testing.create_opportunity(company, salesperson, activate=True, value="10000", chances="10")


LINES = [
    {"description": "Consulting", "quantity": "10", "unit_price": "150", "line_discount_pct": "10"},
    {"description": "Licence", "quantity": 2, "unit_price": 500},
]


def quote(api: Any, opportunity: Opportunity) -> dict[str, Any]:
    response = api.post(f"/opportunities/{opportunity.no}/create-sales-quote", {})
    assert response.status_code == 201, response.json()
    response = api.patch(f"/sales-quotes/{response.json()['no']}", {"lines": LINES})
    assert response.status_code == 200, response.json()
    return response.json()


def opportunity_json(api: Any, no: str) -> dict[str, Any]:
    return api.get(f"/opportunities/{no}").json()


def test_items_crud(api: Any, db: None) -> None:
    created = api.post("/items", {"code": "bike", "description": "Bicycle", "unit_price": "4000.50"})
    assert created.status_code == 201
    assert created.json() == {
        "code": "BIKE", "description": "Bicycle", "unit_price": "4000.5", "blocked": False, "version": 1
    }  # fmt: skip
    assert api.post("/items", {"code": "BIKE"}).json()["code"] == "conflict.exists"
    patched = api.patch("/items/BIKE", {"blocked": True}, **{"If-Match": '"1"'})
    assert (patched.status_code, patched.json()["blocked"], patched["ETag"]) == (200, True, '"2"')
    assert api.patch("/items/BIKE", {"blocked": False}, **{"If-Match": '"1"'}).json()["code"] == "conflict.version"
    assert api.get("/items").json()["count"] == 1
    assert api.delete("/items/BIKE").status_code == 204
    assert api.get("/items/BIKE").status_code == 404


def test_customer_templates_and_create_customer(api: Any, demo: None) -> None:
    company = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    person = testing.make_person(company, "CT-LINDA")
    assert api.post("/customer-templates", {"code": "retail", "description": "Retail"}).status_code == 201
    assert api.get("/customer-templates").json()["items"][0]["code"] == "RETAIL"

    response = api.post(f"/contacts/{person.no}/create-customer", {"customer_template": "RETAIL"})

    assert response.status_code == 200
    assert (response.json()["no"], response.json()["customer_no"]) == ("CT-LINDA", "CU000001")
    customers = api.get("/customers").json()
    assert customers["items"] == [
        {"no": "CU000001", "name": "Cronus Ltd", "contact_no": "CT-CRONUS", "customer_template": "RETAIL", "version": 1}
    ]
    assert api.get("/customers/CU000001").status_code == 200
    bad = api.post(f"/contacts/{company.no}/create-customer", {"customer_template": "NOPE"})
    assert (bad.status_code, bad.json()["code"]) == (422, "customer_template.not_found")
    assert api.post("/contacts/CT-NONE/create-customer", {}).status_code == 404


def test_create_sales_quote_answers_201_with_the_quote(api: Any, opportunity: Opportunity) -> None:
    response = api.post(f"/opportunities/{opportunity.no}/create-sales-quote", {})

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "no": "SQ000001",
        "sell_to_contact_no": "CT-CRONUS",
        "sell_to_customer_no": None,
        "customer_template": None,
        "salesperson_code": "AH",
        "campaign_no": None,
        "opportunity_no": "OP000001",
        "order_date": "2026-02-04",
        "shipment_date": "2026-02-04",
        "lines": [],
        "amount": "0",
        "version": 1,
    }
    opp = opportunity_json(api, opportunity.no)
    assert (opp["sales_document_type"], opp["sales_document_no"]) == ("quote", "SQ000001")


def test_create_sales_quote_when_one_is_assigned_is_quote_already_assigned(api: Any, opportunity: Opportunity) -> None:
    quote(api, opportunity)

    response = api.post(f"/opportunities/{opportunity.no}/create-sales-quote", {})

    assert (response.status_code, response.json()["code"]) == (422, "quote.already_assigned")


def test_create_sales_quote_for_an_opportunity_not_in_progress(api: Any, demo: None) -> None:
    opportunity = testing.create_opportunity(testing.make_company("CT-X"), testing.make_salesperson("AH"))

    response = api.post(f"/opportunities/{opportunity.no}/create-sales-quote", {})

    assert (response.status_code, response.json()["code"]) == (422, "opportunity.not_in_progress")


def test_show_sales_quote(api: Any, opportunity: Opportunity) -> None:
    none = api.get(f"/opportunities/{opportunity.no}/sales-quote")
    assert (none.status_code, none.json()["code"]) == (404, "quote.none_assigned")

    created = quote(api, opportunity)
    shown = api.get(f"/opportunities/{opportunity.no}/sales-quote")
    assert (shown.status_code, shown.json()["no"], shown.json()["amount"]) == (200, created["no"], "2350")

    Opportunity.objects.filter(no=opportunity.no).update(sales_document_no="SQ999")
    missing = api.get(f"/opportunities/{opportunity.no}/sales-quote")
    assert (missing.status_code, missing.json()["code"]) == (404, "quote.not_found")


def test_quote_lines_and_amounts(api: Any, opportunity: Opportunity) -> None:
    body = quote(api, opportunity)

    assert body["lines"] == [
        {
            "line_no": 10000,
            "item_code": None,
            "description": "Consulting",
            "quantity": "10",
            "unit_price": "150",
            "line_discount_pct": "10",
            "amount": "1350",
        },
        {
            "line_no": 20000,
            "item_code": None,
            "description": "Licence",
            "quantity": "2",
            "unit_price": "500",
            "line_discount_pct": "0",
            "amount": "1000",
        },
    ]
    assert body["amount"] == "2350"
    bad = api.patch(f"/sales-quotes/{body['no']}", {"lines": [{"quantity": 1}]})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_input")
    discount = api.patch(f"/sales-quotes/{body['no']}", {"lines": [{"description": "x", "line_discount_pct": 101}]})
    assert (discount.status_code, discount.json()["code"]) == (422, "invalid_input")


def test_post_and_list_sales_quotes_with_item_lines(api: Any, opportunity: Opportunity) -> None:
    api.post("/items", {"code": "BIKE", "description": "Bicycle", "unit_price": "4000"})

    response = api.post(
        "/sales-quotes",
        {"sell_to_contact_no": "ct-cronus", "lines": [{"item_code": "BIKE", "quantity": 2, "line_discount_pct": 5}]},
    )

    assert response.status_code == 201
    assert response["ETag"] == '"1"'
    assert (response.json()["lines"][0]["description"], response.json()["amount"]) == ("Bicycle", "7600")
    listed = api.get("/sales-quotes?sell_to_contact_no=CT-CRONUS").json()
    assert (listed["count"], listed["items"][0]["amount"]) == (1, "7600")
    assert api.get("/sales-quotes/SQ404").json()["code"] == "not_found"


def test_setting_opportunity_no_on_a_quote_reassigns_unless_declined(api: Any, opportunity: Opportunity) -> None:
    first = quote(api, opportunity)
    other = api.post("/sales-quotes", {"sell_to_contact_no": "CT-CRONUS"}).json()

    declined = api.patch(f"/sales-quotes/{other['no']}", {"opportunity_no": opportunity.no, "reassign": False})
    assert (declined.status_code, declined.json()["code"]) == (422, "quote.reassign_declined")
    assert opportunity_json(api, opportunity.no)["sales_document_no"] == first["no"]
    assert api.get(f"/sales-quotes/{other['no']}").json()["opportunity_no"] is None

    accepted = api.patch(f"/sales-quotes/{other['no']}", {"opportunity_no": opportunity.no})
    assert (accepted.status_code, accepted.json()["opportunity_no"]) == (200, "OP000001")
    assert opportunity_json(api, opportunity.no)["sales_document_no"] == other["no"]
    assert api.get(f"/sales-quotes/{first['no']}").json()["opportunity_no"] is None


def test_sales_header_guards(api: Any, opportunity: Opportunity) -> None:
    api.post("/contacts/CT-CRONUS/create-customer", {})
    body = quote(api, opportunity)
    testing.make_company("CT-OTHER")
    api.post("/contacts/CT-OTHER/create-customer", {})

    blank = api.patch(f"/sales-quotes/{body['no']}", {"sell_to_contact_no": ""})
    assert (blank.status_code, blank.json()["code"]) == (422, "sales.contact_required_by_opportunity")
    locked = api.patch(f"/sales-quotes/{body['no']}", {"sell_to_contact_no": "CT-OTHER"})
    assert (locked.status_code, locked.json()["code"]) == (422, "sales.customer_locked_by_opportunity")


def test_make_order_while_in_progress_without_a_close_code_changes_nothing(api: Any, opportunity: Opportunity) -> None:
    body = quote(api, opportunity)
    before = (
        list(Opportunity.objects.values()),
        list(OpportunityEntry.objects.values()),
        list(SalesHeader.objects.values()),
        list(Task.objects.values()),
    )

    response = api.post(f"/sales-quotes/{body['no']}/make-order", {"create_customer": True})

    assert (response.status_code, response.json()["code"]) == (422, "quote_to_order.opportunity_still_open")
    after = (
        list(Opportunity.objects.values()),
        list(OpportunityEntry.objects.values()),
        list(SalesHeader.objects.values()),
        list(Task.objects.values()),
    )
    assert after == before
    assert api.get("/customers").json()["count"] == 0


def test_make_order_errors(api: Any, opportunity: Opportunity) -> None:
    body = quote(api, opportunity)

    no_customer = api.post(f"/sales-quotes/{body['no']}/make-order", {"close_opportunity_code": "PRICE_W"})
    lost_code = api.post(
        f"/sales-quotes/{body['no']}/make-order", {"create_customer": True, "close_opportunity_code": "PRICE_L"}
    )

    assert (no_customer.status_code, no_customer.json()["code"]) == (422, "quote_to_order.customer_required")
    assert (lost_code.status_code, lost_code.json()["code"]) == (422, "close.code_type_mismatch")
    assert opportunity_json(api, opportunity.no)["status"] == "in_progress"


def test_make_order_post_and_the_opportunity_follows(api: Any, opportunity: Opportunity) -> None:
    body = quote(api, opportunity)

    made = api.post(
        f"/sales-quotes/{body['no']}/make-order",
        {"create_customer": True, "close_opportunity_code": "PRICE_W", "date_closed": "2026-01-08"},
    )

    assert made.status_code == 201
    order = made.json()
    assert (order["no"], order["quote_no"], order["opportunity_no"], order["amount"]) == (
        "SO000001", "SQ000001", "OP000001", "2350"
    )  # fmt: skip
    assert order["sell_to_customer_no"] == "CU000001"
    assert api.get(f"/sales-quotes/{body['no']}").status_code == 404
    opp = opportunity_json(api, opportunity.no)
    assert (opp["status"], opp["date_closed"], opp["sales_document_type"], opp["sales_document_no"]) == (
        "won", "2026-01-08", "order", "SO000001"
    )  # fmt: skip
    assert opp["calculated_current_value"] == "2350"
    assert api.get("/sales-orders").json()["count"] == 1

    posted = api.post("/sales-orders/SO000001/post", {})

    assert posted.status_code == 201
    invoice = posted.json()
    assert (invoice["no"], invoice["order_no"], invoice["sell_to_customer_no"], invoice["amount"]) == (
        "PI000001", "SO000001", "CU000001", "2350"
    )  # fmt: skip
    assert len(invoice["lines"]) == 2
    opp = opportunity_json(api, opportunity.no)
    assert (opp["sales_document_type"], opp["sales_document_no"], opp["calculated_current_value"]) == (
        "posted_invoice", "PI000001", "2350"
    )  # fmt: skip
    assert api.get("/posted-invoices").json()["items"][0]["no"] == "PI000001"
    assert api.get("/posted-invoices/PI000001").status_code == 200
    assert api.get("/sales-orders/SO000001").status_code == 404


def test_deleting_a_linked_order(api: Any, opportunity: Opportunity) -> None:
    body = quote(api, opportunity)
    api.post(f"/sales-quotes/{body['no']}/make-order", {"create_customer": True, "close_opportunity_code": "PRICE_W"})

    refused = api.delete("/sales-orders/SO000001?set_opportunity_lost=false")
    assert (refused.status_code, refused.json()["code"]) == (422, "sales.order_delete_opportunity_not_lost")
    assert opportunity_json(api, opportunity.no)["status"] == "won"

    assert api.delete("/sales-orders/SO000001").status_code == 204
    opp = opportunity_json(api, opportunity.no)
    assert (opp["status"], opp["closed"], opp["sales_document_type"], opp["sales_document_no"]) == (
        "lost", True, None, None
    )  # fmt: skip
    newest = api.get(f"/opportunities/{opportunity.no}/entries").json()["items"][0]
    assert (newest["action_taken"], newest["active"], newest["close_opportunity_code"], newest["estimated_value"]) == (
        "lost", True, None, "10000"
    )  # fmt: skip


def test_deleting_a_quote_only_clears_the_link(api: Any, opportunity: Opportunity) -> None:
    body = quote(api, opportunity)

    assert api.delete(f"/sales-quotes/{body['no']}").status_code == 204

    opp = opportunity_json(api, opportunity.no)
    assert (opp["status"], opp["sales_document_type"], opp["sales_document_no"]) == ("in_progress", None, None)


def test_next_into_a_quote_required_stage_once_a_quote_is_linked(api: Any, opportunity: Opportunity) -> None:
    assert api.post(f"/opportunities/{opportunity.no}/update", {"action_type": "next"}).status_code == 200
    refused = api.post(f"/opportunities/{opportunity.no}/update", {"action_type": "next"})
    assert (refused.status_code, refused.json()["code"]) == (422, "update.quote_required")

    quote(api, opportunity)
    moved = api.post(f"/opportunities/{opportunity.no}/update", {"action_type": "next"})

    assert (moved.status_code, moved.json()["current_sales_cycle_stage"], moved.json()["estimated_value"]) == (
        200, 3, "2350"
    )  # fmt: skip


def test_task_actions(api: Any, opportunity: Opportunity) -> None:
    no = Task.objects.filter(opportunity_no=opportunity.no).order_by("no").first().no

    done = api.post(f"/tasks/{no}/complete", {})
    assert (done.status_code, done.json()["status"], done.json()["closed"]) == (200, "completed", True)
    reopened = api.post(f"/tasks/{no}/reopen", {}).json()
    assert (reopened["status"], reopened["closed"], reopened["date_closed"]) == ("in_progress", False, None)
    canceled = api.post(f"/tasks/{no}/cancel", {}, **{"If-Match": f'"{reopened["version"]}"'}).json()
    assert (canceled["canceled"], canceled["closed"], canceled["status"]) == (True, True, "completed")
    assert api.post("/tasks/TD404/complete", {}).status_code == 404
