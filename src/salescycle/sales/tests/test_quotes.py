"""Sales quotes and their link to opportunities: lines and amounts, Create/Show Sales Quote (§4.10.2–§4.10.3, D2,
D3), linking from the quote's side (§4.10.4, D18), header guards, deleting a quote (§4.11.5), Quote Required (§4.5.5,
D4) and the Won value from the quote (§4.6, D11)."""

from __future__ import annotations

from typing import Any

import pytest

from salescycle import testing
from salescycle.contacts.models import Customer
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.services import change_opportunity, close_opportunity
from salescycle.sales import services
from salescycle.sales.models import CustomerTemplate, Item, SalesHeader, line_amount
from salescycle.sales.selectors import linked_quote, sales_document
from salescycle.sales.tests.conftest import D, day, entries_of, move

pytestmark = pytest.mark.django_db

LINES = [
    {"description": "Consulting", "quantity": D(10), "unit_price": D(150), "line_discount_pct": D(10)},
    {"description": "Licence", "quantity": D(2), "unit_price": D(500)},
]  # 1350 + 1000 = 2350


def quote_for(opportunity: Opportunity, lines: list[dict[str, Any]] = LINES) -> SalesHeader:
    quote = services.create_sales_quote_for_opportunity(opportunity.no, by=SYSTEM)
    services.update_sales_quote(quote.no, changes={}, lines=lines, by=SYSTEM)
    return quote


def test_line_amount_is_quantity_times_unit_price_less_the_line_discount() -> None:
    assert line_amount(D(3), D("19.99"), D("12.5")) == D("52.47375")
    assert line_amount(D(10), D(150), D(10)) == D(1350)


def test_quote_amount_is_the_sum_of_its_line_amounts(opportunity: Opportunity) -> None:
    Item.objects.create(code="1000", description="Bicycle", unit_price=D("4000"))
    quote = quote_for(opportunity, [*LINES, {"item_code": "1000", "quantity": D(1), "line_discount_pct": D(5)}])

    stored = sales_document("quote", quote.no, user=SYSTEM)
    assert stored is not None
    assert getattr(stored, "amount") == D(2350) + D(3800)
    item_line = stored.lines.all()[2]
    assert (item_line.line_no, item_line.description, item_line.unit_price) == (30000, "Bicycle", D(4000))


def test_a_blocked_item_cannot_be_sold(opportunity: Opportunity) -> None:
    Item.objects.create(code="OLD", description="Old", unit_price=D(1), blocked=True)
    quote = services.create_sales_quote_for_opportunity(opportunity.no, by=SYSTEM)

    with pytest.raises(DomainError) as error:
        services.update_sales_quote(quote.no, changes={}, lines=[{"item_code": "OLD", "quantity": D(1)}], by=SYSTEM)

    assert error.value.code == "item.blocked"


def test_create_sales_quote_copies_the_opportunity_and_links_it(opportunity: Opportunity) -> None:
    quote = services.create_sales_quote_for_opportunity(opportunity.no, by=SYSTEM)

    assert (quote.no, quote.sell_to_contact_id, quote.salesperson_id, quote.opportunity_no) == (
        "SQ000001", "CT-CRONUS", "AH", "OP000001"
    )  # fmt: skip
    assert quote.order_date == quote.shipment_date == day(30)
    assert quote.sell_to_customer_id is None
    opportunity.refresh_from_db()
    assert (opportunity.sales_document_type, opportunity.sales_document_no) == ("quote", "SQ000001")


def test_create_sales_quote_is_refused_when_a_quote_is_already_assigned(opportunity: Opportunity) -> None:
    services.create_sales_quote_for_opportunity(opportunity.no, by=SYSTEM)

    with pytest.raises(DomainError) as error:
        services.create_sales_quote_for_opportunity(opportunity.no, by=SYSTEM)

    assert error.value.code == "quote.already_assigned"
    assert SalesHeader.objects.count() == 1


def test_create_sales_quote_is_refused_when_an_order_is_linked(opportunity: Opportunity) -> None:
    quote_for(opportunity)
    services.make_order("SQ000001", create_customer=True, close_opportunity_code="PRICE_W", work_date=day(1), by=SYSTEM)

    # The opportunity is Won now; D3 is checked before the status.
    with pytest.raises(DomainError) as error:
        services.create_sales_quote_for_opportunity(opportunity.no, by=SYSTEM)

    assert error.value.code == "quote.already_assigned"


@pytest.mark.parametrize("activate", [False, True])
def test_create_sales_quote_needs_an_opportunity_in_progress(company: Any, salesperson: Any, activate: bool) -> None:
    opportunity = testing.create_opportunity(company, salesperson, activate=activate)
    if activate:
        close_opportunity(opportunity.no, outcome="lost", close_opportunity_code="PRICE_L", work_date=day(1), by=SYSTEM)

    with pytest.raises(DomainError) as error:
        services.create_sales_quote_for_opportunity(opportunity.no, by=SYSTEM)

    assert error.value.code == "opportunity.not_in_progress"


def test_a_person_without_company_gets_a_quote(demo: None, salesperson: Any) -> None:
    loner = testing.make_person(None, "CT-SOLO", name="Solo Trader")
    opportunity = testing.create_opportunity(loner, salesperson, activate=True)

    quote = services.create_sales_quote_for_opportunity(opportunity.no, by=SYSTEM)

    assert quote.sell_to_contact_id == "CT-SOLO"


def test_a_person_of_a_customer_company_sells_to_the_company_customer(person: Any, salesperson: Any) -> None:
    customer = services.create_customer_from_contact("CT-LINDA", by=SYSTEM)
    opportunity = testing.create_opportunity(person, salesperson, activate=True)

    quote = services.create_sales_quote_for_opportunity(opportunity.no, by=SYSTEM)

    assert customer.contact_id == "CT-CRONUS"
    assert (quote.sell_to_contact_id, quote.sell_to_customer_id) == ("CT-LINDA", customer.no)


def test_create_sales_quote_stores_the_template_or_creates_the_customer_from_it(opportunity: Opportunity) -> None:
    CustomerTemplate.objects.create(code="RETAIL", description="Retail")

    quote = services.create_sales_quote_for_opportunity(opportunity.no, customer_template="retail", by=SYSTEM)
    assert (quote.customer_template_id, quote.sell_to_customer_id) == ("RETAIL", None)

    services.delete_sales_quote(quote.no, by=SYSTEM)
    quote = services.create_sales_quote_for_opportunity(
        opportunity.no, customer_template="RETAIL", create_customer=True, by=SYSTEM
    )
    customer = Customer.objects.get(contact_id="CT-CRONUS")
    assert (customer.template_code, quote.sell_to_customer_id) == ("RETAIL", customer.no)


def test_an_unknown_customer_template_is_refused(opportunity: Opportunity) -> None:
    with pytest.raises(DomainError) as error:
        services.create_sales_quote_for_opportunity(opportunity.no, customer_template="NOPE", by=SYSTEM)

    assert error.value.code == "customer_template.not_found"


def test_show_sales_quote_without_a_quote_is_none_assigned(opportunity: Opportunity) -> None:
    with pytest.raises(DomainError) as error:
        linked_quote(opportunity, user=SYSTEM)

    assert (error.value.code, error.value.status) == ("quote.none_assigned", 404)


def test_show_sales_quote_of_a_missing_quote_is_not_found(opportunity: Opportunity) -> None:
    Opportunity.objects.filter(no=opportunity.no).update(sales_document_type="quote", sales_document_no="SQ999")
    opportunity.refresh_from_db()

    with pytest.raises(DomainError) as error:
        linked_quote(opportunity, user=SYSTEM)

    assert (error.value.code, error.value.status) == ("quote.not_found", 404)


def test_show_sales_quote_returns_the_linked_quote(opportunity: Opportunity) -> None:
    quote_for(opportunity)
    opportunity.refresh_from_db()

    assert linked_quote(opportunity, user=SYSTEM).no == "SQ000001"


def test_deleting_a_quote_only_clears_the_opportunity_link(opportunity: Opportunity) -> None:
    quote_for(opportunity)
    entries_before = len(entries_of(opportunity.no))

    services.delete_sales_quote("SQ000001", by=SYSTEM)

    opportunity.refresh_from_db()
    assert (opportunity.sales_document_type, opportunity.sales_document_no, opportunity.status) == (
        "", "", "in_progress"
    )  # fmt: skip
    assert len(entries_of(opportunity.no)) == entries_before
    assert not SalesHeader.objects.exists()


def test_next_into_a_quote_required_stage_succeeds_once_a_quote_is_linked(opportunity: Opportunity) -> None:
    move(opportunity.no, "next", date_of_change=day(1))  # stage 2; stage 3 needs a quote
    with pytest.raises(DomainError) as error:
        move(opportunity.no, "next", date_of_change=day(2))
    assert error.value.code == "update.quote_required"

    quote_for(opportunity)
    moved = move(opportunity.no, "next", date_of_change=day(2))

    assert moved.current_sales_cycle_stage == 3
    # §4.5.1: the quote's value is the proposed estimated value.
    assert moved.estimated_value == D(2350)


def test_closing_won_takes_the_quote_amount_over_a_typed_value(opportunity: Opportunity) -> None:
    quote_for(opportunity)

    won = close_opportunity(
        opportunity.no,
        outcome="won",
        close_opportunity_code="PRICE_W",
        sales_value=D(99999),
        work_date=day(3),
        by=SYSTEM,
    )

    assert won.calculated_current_value == D(2350)


def test_linking_a_quote_from_its_side_reassigns_by_default(opportunity: Opportunity) -> None:
    quote_for(opportunity)
    other = services.create_sales_quote(sell_to_contact_no="CT-CRONUS", lines=LINES[:1], by=SYSTEM)

    services.update_sales_quote(other.no, changes={"opportunity_no": opportunity.no}, by=SYSTEM)

    opportunity.refresh_from_db()
    assert opportunity.sales_document_no == other.no
    assert SalesHeader.objects.get(no="SQ000001").opportunity_no == ""
    assert SalesHeader.objects.get(no=other.no).opportunity_no == "OP000001"


def test_a_declined_reassignment_changes_nothing(opportunity: Opportunity) -> None:
    quote_for(opportunity)
    other = services.create_sales_quote(sell_to_contact_no="CT-CRONUS", by=SYSTEM)

    with pytest.raises(DomainError) as error:
        services.update_sales_quote(other.no, changes={"opportunity_no": opportunity.no}, reassign=False, by=SYSTEM)

    assert error.value.code == "quote.reassign_declined"
    opportunity.refresh_from_db()
    assert opportunity.sales_document_no == "SQ000001"
    assert SalesHeader.objects.get(no="SQ000001").opportunity_no == "OP000001"


def test_a_quote_can_only_be_linked_to_an_opportunity_in_progress(company: Any, salesperson: Any) -> None:
    opportunity = testing.create_opportunity(company, salesperson)
    quote = services.create_sales_quote(sell_to_contact_no="CT-CRONUS", by=SYSTEM)

    with pytest.raises(DomainError) as error:
        services.update_sales_quote(quote.no, changes={"opportunity_no": opportunity.no}, by=SYSTEM)

    assert error.value.code == "opportunity.not_in_progress"


def test_unlinking_a_quote_from_its_side_clears_the_opportunity(opportunity: Opportunity) -> None:
    quote_for(opportunity)

    services.update_sales_quote("SQ000001", changes={"opportunity_no": None}, by=SYSTEM)

    opportunity.refresh_from_db()
    assert (opportunity.sales_document_type, opportunity.sales_document_no) == ("", "")


def test_the_contact_of_a_linked_quote_cannot_be_blanked(opportunity: Opportunity) -> None:
    quote_for(opportunity)

    with pytest.raises(DomainError) as error:
        services.update_sales_quote("SQ000001", changes={"sell_to_contact_no": ""}, by=SYSTEM)

    assert error.value.code == "sales.contact_required_by_opportunity"


def test_the_customer_of_a_linked_quote_cannot_change(opportunity: Opportunity, salesperson: Any) -> None:
    services.create_customer_from_contact("CT-CRONUS", by=SYSTEM)
    quote_for(opportunity)
    other = testing.make_company("CT-OTHER")
    services.create_customer_from_contact(other.no, by=SYSTEM)

    with pytest.raises(DomainError) as error:
        services.update_sales_quote("SQ000001", changes={"sell_to_contact_no": "CT-OTHER"}, by=SYSTEM)

    assert error.value.code == "sales.customer_locked_by_opportunity"


def test_a_new_contact_of_the_same_company_is_carried_to_the_opportunity(opportunity: Opportunity, person: Any) -> None:
    quote_for(opportunity)

    services.update_sales_quote("SQ000001", changes={"sell_to_contact_no": "CT-LINDA"}, by=SYSTEM)

    opportunity.refresh_from_db()
    assert opportunity.contact_id == "CT-LINDA"


def test_the_opportunity_links_real_documents_of_its_contact(opportunity: Opportunity) -> None:
    quote = services.create_sales_quote(sell_to_contact_no="CT-CRONUS", by=SYSTEM)

    linked = change_opportunity(
        opportunity.no, changes={"sales_document_type": "quote", "sales_document_no": quote.no}, by=SYSTEM
    )
    assert linked.sales_document_no == quote.no
    with pytest.raises(DomainError) as error:
        change_opportunity(
            opportunity.no, changes={"sales_document_type": "order", "sales_document_no": "SO404"}, by=SYSTEM
        )
    assert error.value.code == "opportunity.document_not_found"
