"""The link kept on both sides when the opportunity's own fields change (spec §4.10.1, §4.3.1): the previous quote
loses its Opportunity No., the new quote gets it, and a linked quote follows the opportunity's contact."""

from __future__ import annotations

from typing import Any

import pytest

from salescycle.core.actors import SYSTEM
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.services import change_opportunity
from salescycle.sales import services
from salescycle.sales.models import SalesHeader

pytestmark = pytest.mark.django_db


def _quote(opportunity: Opportunity, *, linked: bool) -> SalesHeader:
    return services.create_sales_quote(
        sell_to_contact_no=opportunity.contact_id, opportunity_no=opportunity.no if linked else None, by=SYSTEM
    )


def test_linking_another_quote_moves_the_opportunity_no_from_the_old_quote_to_the_new(
    opportunity: Opportunity,
) -> None:
    first = _quote(opportunity, linked=True)
    second = _quote(opportunity, linked=False)

    change_opportunity(
        opportunity.no, changes={"sales_document_type": "quote", "sales_document_no": second.no}, by=SYSTEM
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.opportunity_no, second.opportunity_no) == ("", opportunity.no)


def test_blanking_the_document_no_clears_the_quotes_opportunity_no(opportunity: Opportunity) -> None:
    quote = _quote(opportunity, linked=True)

    change_opportunity(opportunity.no, changes={"sales_document_no": ""}, by=SYSTEM)

    quote.refresh_from_db()
    opportunity.refresh_from_db()
    assert quote.opportunity_no == ""
    assert (opportunity.sales_document_type, opportunity.sales_document_no) == ("", "")


def test_a_linked_quote_follows_the_opportunitys_new_contact(opportunity: Opportunity, person: Any) -> None:
    quote = _quote(opportunity, linked=True)

    change_opportunity(opportunity.no, changes={"contact_no": person.no}, by=SYSTEM)

    quote.refresh_from_db()
    assert quote.sell_to_contact_id == person.no


def test_the_opportunity_card_offers_create_sales_quote_while_in_progress(
    opportunity: Opportunity, admin_client: Any
) -> None:
    page = admin_client.get(f"/opportunities/{opportunity.no}/").content.decode()

    assert f"/sales/opportunities/{opportunity.no}/create-sales-quote/" in page
    assert 'href="/tasks/"' in page
