"""Contact services: numbering, company links, type changes, deletion rules (§4.11.4, D17, D21), customers
(§4.8.4), segments and campaigns."""

from __future__ import annotations

import datetime as dt

import pytest

from salescycle import testing
from salescycle.contacts.models import Contact, Customer, Segment
from salescycle.contacts.selectors import customer_contact
from salescycle.contacts.services import (
    create_campaign,
    create_contact,
    create_segment,
    delete_contact,
    update_contact,
)
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError
from salescycle.opportunities.models import MarketingSetup
from salescycle.opportunities.services import close_opportunity
from salescycle.opportunities.services.customers import ensure_customer

pytestmark = pytest.mark.django_db


def code_of(call: object, *args: object, **kwargs: object) -> str:
    assert callable(call)
    with pytest.raises(DomainError) as error:
        call(*args, **testing.with_actor(call, kwargs))
    return error.value.code


def test_contacts_are_numbered_from_the_contact_series() -> None:
    first = create_contact(name="Linda", type="person", by=SYSTEM)
    second = create_contact(name="Sam", type="person", by=SYSTEM)
    manual = create_contact(no="ct-own", name="Own number", type="person", by=SYSTEM)

    assert [first.no, second.no, manual.no] == ["CT000001", "CT000002", "CT-OWN"]


def test_a_company_contact_is_created_as_its_own_company() -> None:
    """Spec §2.9: a company contact's Company No. is its own No. (the default type is company)."""
    company = create_contact(name="Cronus", by=SYSTEM)
    fabrikam = create_contact(no="CT-FAB", name="Fabrikam", type="company", by=SYSTEM)

    assert (company.no, company.company_id, fabrikam.company_id) == ("CT000001", "CT000001", "CT-FAB")


def test_a_person_points_to_its_company_or_none() -> None:
    company = testing.make_company("CT-CRONUS")
    person = create_contact(name="Linda", type="person", company_no="ct-cronus", by=SYSTEM)
    loner = create_contact(name="Sam", type="person", by=SYSTEM)

    assert (person.company_id, loner.company_id) == (company.no, None)


def test_a_persons_company_must_be_a_company() -> None:
    person = create_contact(name="Linda", type="person", by=SYSTEM)

    assert code_of(create_contact, name="Kid", type="person", company_no=person.no) == "contact.company_not_company"
    assert code_of(create_contact, name="Kid", type="person", company_no="CT-NONE") == "contact.not_found"
    assert code_of(update_contact, person.no, company_no=person.no) == "contact.company_not_company"


def test_a_taken_number_is_a_conflict() -> None:
    testing.make_company("CT-A")

    assert code_of(create_contact, no="ct-a", name="Again", type="person") == "conflict.exists"


def test_a_contact_without_name_is_invalid_input() -> None:
    assert code_of(create_contact, name="") == "invalid_input"
    assert not Contact.objects.exists()


def test_changing_the_type_keeps_the_company_link_consistent() -> None:
    company = testing.make_company("CT-CRONUS")
    person = create_contact(name="Linda", type="person", company_no=company.no, by=SYSTEM)

    as_company = update_contact(person.no, type="company", by=SYSTEM)
    back = update_contact(person.no, type="person", by=SYSTEM)

    assert as_company.company_id == person.no
    assert back.company_id is None
    assert back.version == 3


def test_the_type_cannot_change_while_opportunities_refer_to_the_contact() -> None:
    testing.demo_setup()
    company = testing.make_company("CT-CRONUS")
    testing.create_opportunity(company, testing.make_salesperson("AH"))

    assert code_of(update_contact, company.no, type="person") == "contact.type_in_use"
    assert update_contact(company.no, name="Cronus Ltd", by=SYSTEM).name == "Cronus Ltd"


def test_a_stale_version_is_refused() -> None:
    contact = create_contact(name="Linda", type="person", by=SYSTEM)
    update_contact(contact.no, name="Linda 2", by=SYSTEM)

    assert code_of(update_contact, contact.no, name="Mine", expected_version=1) == "conflict.version"


@pytest.mark.parametrize("status", ["not_started", "in_progress"])
def test_a_contact_with_open_opportunities_cannot_be_deleted(status: str) -> None:
    testing.demo_setup()
    company = testing.make_company("CT-CRONUS")
    testing.create_opportunity(company, testing.make_salesperson("AH"), activate=status == "in_progress")

    assert code_of(delete_contact, company.no) == "contact.has_open_opportunities"
    assert Contact.objects.filter(no=company.no).exists()


def test_a_contact_with_only_closed_opportunities_is_in_use() -> None:
    testing.demo_setup()
    company = testing.make_company("CT-CRONUS")
    no = testing.create_opportunity(company, testing.make_salesperson("AH")).no
    close_opportunity(no, outcome="lost", close_opportunity_code="PRICE_L", date_closed=dt.date(2026, 1, 6), by=SYSTEM)

    assert code_of(delete_contact, company.no) == "conflict.in_use"


def test_an_unreferenced_company_is_deleted() -> None:
    company = testing.make_company("CT-CRONUS")

    delete_contact(company.no, by=SYSTEM)

    assert not Contact.objects.exists()


# ---------------------------------------------------------------------------------------------------------------
# Customers (§4.8.4 step 3)


def test_ensure_customer_creates_once_and_is_idempotent() -> None:
    company = testing.make_company("CT-CRONUS", name="Cronus")

    first = ensure_customer(company)
    again = ensure_customer(company)

    assert (first.no, first.name, first.contact_id) == ("CU000001", "Cronus", company.no)
    assert again.no == first.no
    assert Customer.objects.count() == 1


def test_a_persons_company_becomes_the_customer() -> None:
    company = testing.make_company("CT-CRONUS")
    person = create_contact(name="Linda", type="person", company_no=company.no, by=SYSTEM)

    customer = ensure_customer(person)

    assert customer.contact_id == company.no
    assert customer_contact(person) == company
    assert ensure_customer(company).no == customer.no


def test_a_person_without_company_becomes_a_customer_itself() -> None:
    loner = create_contact(name="Sam", type="person", by=SYSTEM)

    assert ensure_customer(loner, template_code="RETAIL").contact_id == loner.no
    assert Customer.objects.get().template_code == "RETAIL"


def test_ensure_customer_needs_the_business_relation_code() -> None:
    MarketingSetup.objects.update_or_create(id=1, defaults={"bus_rel_code_for_customers": ""})
    company = testing.make_company("CT-CRONUS")

    assert code_of(ensure_customer, company) == "setup.bus_rel_code_missing"
    assert not Customer.objects.exists()


# ---------------------------------------------------------------------------------------------------------------
# Segments and campaigns


def test_segments_are_numbered_and_keep_their_lines_in_order() -> None:
    cronus = testing.make_company("CT-CRONUS", name="Cronus")
    fabrikam = testing.make_company("CT-FAB", name="Fabrikam")

    segment = create_segment(
        description="Fair",
        lines=[{"contact_no": fabrikam.no.lower()}, {"contact_no": cronus.no, "description": "Key"}],
        by=SYSTEM,
    )

    assert segment.no == "SG000001"
    assert list(segment.lines.values_list("line_no", "contact_id", "description")) == [
        (10000, fabrikam.no, "Fabrikam"), (20000, cronus.no, "Key")
    ]  # fmt: skip


def test_a_segment_line_with_an_unknown_contact_creates_nothing() -> None:
    assert code_of(create_segment, description="Bad", lines=[{"contact_no": "CT-NONE"}]) == "contact.not_found"
    assert not Segment.objects.exists()


def test_campaigns_are_numbered() -> None:
    campaign = create_campaign(
        description="Spring",
        starting_date=dt.date(2026, 3, 1),
        ending_date=dt.date(2026, 5, 31),
        activated=True,
        by=SYSTEM,
    )

    assert (campaign.no, campaign.activated, campaign.version) == ("CP000001", True, 1)
    assert create_campaign(no="cp-x", by=SYSTEM).no == "CP-X"
