"""Make Order (§4.10.5), posting (§4.10.6) and deleting orders (§4.11.6, D12), with the opportunity following."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from salescycle import testing
from salescycle.contacts.models import Customer
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError
from salescycle.opportunities.models import Opportunity, OpportunityEntry
from salescycle.opportunities.services import close_opportunity
from salescycle.sales import services
from salescycle.sales.models import CustomerTemplate, PostedInvoice, SalesHeader
from salescycle.sales.tests.conftest import D, day, entries_of, move
from salescycle.tasks.models import Task

pytestmark = pytest.mark.django_db

LINES = [
    {"description": "Consulting", "quantity": D(10), "unit_price": D(150), "line_discount_pct": D(10)},
    {"description": "Licence", "quantity": D(2), "unit_price": D(500)},
]  # 1350 + 1000 = 2350


def quoted(opportunity: Opportunity) -> SalesHeader:
    quote = services.create_sales_quote_for_opportunity(opportunity.no, by=SYSTEM)
    return services.update_sales_quote(quote.no, changes={}, lines=LINES, by=SYSTEM)


def state() -> dict[str, Any]:
    return {
        "opportunities": list(Opportunity.objects.order_by("no").values()),
        "entries": list(OpportunityEntry.objects.order_by("entry_no").values()),
        "documents": list(SalesHeader.objects.order_by("id").values()),
        "customers": list(Customer.objects.order_by("no").values()),
        "tasks": list(Task.objects.order_by("no").values()),
    }


def make_order_safely(**kwargs: Any) -> DomainError:
    """Call make_order in a savepoint (as a request would) and return its error."""
    with pytest.raises(DomainError) as error, transaction.atomic():
        services.make_order("SQ000001", **kwargs, by=SYSTEM)
    return error.value


def test_make_order_while_in_progress_without_a_close_code_is_refused_and_nothing_changes(
    opportunity: Opportunity,
) -> None:
    quoted(opportunity)
    before = state()

    error = make_order_safely(create_customer=True, work_date=day(2))

    assert error.code == "quote_to_order.opportunity_still_open"
    assert state() == before


def test_make_order_with_a_lost_close_code_is_a_type_mismatch(opportunity: Opportunity) -> None:
    quoted(opportunity)
    before = state()

    error = make_order_safely(create_customer=True, close_opportunity_code="PRICE_L", work_date=day(2))

    assert error.code == "close.code_type_mismatch"
    assert state() == before


def test_make_order_needs_a_customer(opportunity: Opportunity) -> None:
    quoted(opportunity)

    error = make_order_safely(close_opportunity_code="PRICE_W", work_date=day(2))

    assert error.code == "quote_to_order.customer_required"
    assert not Customer.objects.exists()


def test_make_order_creates_the_customer_from_the_quote_template(opportunity: Opportunity) -> None:
    CustomerTemplate.objects.create(code="RETAIL")
    quote = quoted(opportunity)
    services.update_sales_quote(quote.no, changes={"customer_template": "RETAIL"}, by=SYSTEM)

    order = services.make_order(
        quote.no, create_customer=True, close_opportunity_code="PRICE_W", work_date=day(2), by=SYSTEM
    )

    customer = Customer.objects.get(contact_id="CT-CRONUS")
    assert (customer.template_code, order.sell_to_customer_id) == ("RETAIL", customer.no)


def test_make_order_with_a_won_close_links_the_order_and_takes_the_order_amount(opportunity: Opportunity) -> None:
    quoted(opportunity)

    order = services.make_order(
        "SQ000001", create_customer=True, close_opportunity_code="PRICE_W", work_date=day(2), by=SYSTEM
    )

    assert (order.no, order.quote_no, order.opportunity_no) == ("SO000001", "SQ000001", "OP000001")
    assert [(line.line_no, line.amount) for line in order.lines.order_by("line_no")] == [
        (10000, D(1350)),
        (20000, D(1000)),
    ]
    assert not SalesHeader.objects.filter(document_type="quote").exists()
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.closed, opportunity.date_closed) == ("won", True, day(2))
    assert (opportunity.sales_document_type, opportunity.sales_document_no) == ("order", "SO000001")
    assert opportunity.calculated_current_value == D(2350)
    won = entries_of(opportunity.no)[-1]
    assert (won.action_taken, won.close_opportunity_code_id, won.calculated_current_value) == (
        "won", "PRICE_W", D(2350)
    )  # fmt: skip


def test_make_order_of_a_lost_opportunity_clears_its_link(opportunity: Opportunity) -> None:
    quoted(opportunity)
    close_opportunity(opportunity.no, outcome="lost", close_opportunity_code="PRICE_L", work_date=day(2), by=SYSTEM)

    services.make_order("SQ000001", create_customer=True, by=SYSTEM)

    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.sales_document_type, opportunity.sales_document_no) == ("lost", "", "")


def test_posting_moves_the_link_to_the_posted_invoice(opportunity: Opportunity) -> None:
    quoted(opportunity)
    services.make_order("SQ000001", create_customer=True, close_opportunity_code="PRICE_W", work_date=day(2), by=SYSTEM)
    # A changed calculated value is set back to the posted order's value.
    OpportunityEntry.objects.filter(opportunity_id=opportunity.no, active=True).update(calculated_current_value=1)

    invoice = services.post_order("SO000001", posting_date=day(9), by=SYSTEM)

    assert (invoice.no, invoice.order_no, invoice.amount, invoice.posting_date) == (
        "PI000001",
        "SO000001",
        D(2350),
        day(9),
    )
    assert invoice.lines.count() == 2
    assert not SalesHeader.objects.exists()
    opportunity.refresh_from_db()
    assert (opportunity.sales_document_type, opportunity.sales_document_no) == ("posted_invoice", "PI000001")
    assert opportunity.calculated_current_value == D(2350)
    assert OpportunityEntry.objects.get(opportunity_id=opportunity.no, active=True).calculated_current_value == D(2350)


def test_deleting_a_linked_order_turns_the_opportunity_lost_with_a_new_entry(opportunity: Opportunity) -> None:
    quoted(opportunity)
    services.make_order("SQ000001", create_customer=True, close_opportunity_code="PRICE_W", work_date=day(2), by=SYSTEM)
    tasks_before = Task.objects.count()

    services.delete_sales_order("SO000001", work_date=day(12), by=SYSTEM)

    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.closed, opportunity.date_closed) == ("lost", True, day(12))
    assert (opportunity.sales_document_type, opportunity.sales_document_no) == ("", "")
    *_, won, lost = entries_of(opportunity.no)
    assert (won.active, won.days_open) == (False, 10)
    assert (lost.active, lost.action_taken, lost.date_of_change, lost.date_closed, lost.estimated_close_date) == (
        True, "lost", day(12), day(12), day(12)
    )  # fmt: skip
    assert (lost.sales_cycle_stage, lost.close_opportunity_code_id, lost.estimated_value) == (0, None, D(10000))
    assert (lost.completed_pct, lost.chances_of_success_pct, lost.probability_pct, lost.calculated_current_value) == (
        100, 0, 0, 0
    )  # fmt: skip
    assert OpportunityEntry.objects.filter(opportunity_id=opportunity.no, active=True).count() == 1
    assert Task.objects.count() == tasks_before
    assert not SalesHeader.objects.exists()


def test_days_open_is_never_negative_when_the_workdate_is_before_the_last_change(opportunity: Opportunity) -> None:
    quoted(opportunity)
    services.make_order("SQ000001", create_customer=True, close_opportunity_code="PRICE_W", work_date=day(5), by=SYSTEM)

    services.delete_sales_order("SO000001", work_date=day(1), by=SYSTEM)

    won = entries_of(opportunity.no)[-2]
    assert won.days_open == 0


def test_deleting_a_linked_order_without_setting_lost_is_refused(opportunity: Opportunity) -> None:
    quoted(opportunity)
    services.make_order("SQ000001", create_customer=True, close_opportunity_code="PRICE_W", work_date=day(2), by=SYSTEM)
    before = state()

    with pytest.raises(DomainError) as error, transaction.atomic():
        services.delete_sales_order("SO000001", set_opportunity_lost=False, by=SYSTEM)

    assert error.value.code == "sales.order_delete_opportunity_not_lost"
    assert state() == before


def test_an_order_without_opportunity_is_simply_deleted(company: Any) -> None:
    services.create_customer_from_contact(company.no, by=SYSTEM)
    services.create_sales_quote(sell_to_contact_no=company.no, lines=LINES, by=SYSTEM)
    services.make_order("SQ000001", by=SYSTEM)

    services.delete_sales_order("SO000001", set_opportunity_lost=False, by=SYSTEM)

    assert not SalesHeader.objects.exists()
    assert not PostedInvoice.objects.exists()


def test_an_activity_with_n_steps_creates_n_tasks_dated_by_their_formulas(opportunity: Opportunity) -> None:
    # NEW stage 2 has activity QUAL: 4 steps '', +1W, +2W, +2W+1D.
    move(opportunity.no, "next", date_of_change=day(3))

    tasks = list(Task.objects.filter(opportunity_no=opportunity.no, opportunity_entry_no__gt=0).order_by("no"))
    stage2 = [t for t in tasks if t.opportunity_entry_no == entries_of(opportunity.no)[-1].entry_no]
    assert [(t.description, t.date) for t in stage2] == [
        ("Est. customer needs", day(3)),
        ("Send letter of introduction", day(10)),
        ("Follow-up on introduction letter", day(17)),
        ("Verify/change customer needs", day(18)),
    ]


def test_make_order_cancels_the_open_tasks_of_the_opportunity(opportunity: Opportunity) -> None:
    quoted(opportunity)
    assert Task.objects.filter(opportunity_no=opportunity.no, closed=False).exists()

    services.make_order("SQ000001", create_customer=True, close_opportunity_code="PRICE_W", work_date=day(2), by=SYSTEM)

    assert not Task.objects.filter(opportunity_no=opportunity.no, closed=False).exists()


def test_customers_from_contacts_follow_the_company_rule(person: Any, demo: None) -> None:
    loner = testing.make_person(None, "CT-SOLO")

    linda = services.create_customer_from_contact("CT-LINDA", by=SYSTEM)
    again = services.create_customer_from_contact("CT-CRONUS", by=SYSTEM)
    solo = services.create_customer_from_contact("CT-SOLO", by=SYSTEM)

    assert linda == again
    assert (linda.contact_id, solo.contact_id) == ("CT-CRONUS", loner.no)
    assert Customer.objects.count() == 2
