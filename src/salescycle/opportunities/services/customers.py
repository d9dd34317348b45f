"""Customers made from contacts (spec §4.8.4): making the contact (or its company) one; which contact becomes the
customer is a read, :func:`salescycle.contacts.selectors.customer_contact`. Here rather than in contacts because it
needs Marketing Setup (Bus. Rel. Code for Customers), an opportunities record: contacts stay below opportunities."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from salescycle.contacts.models import Contact, Customer
from salescycle.contacts.selectors import customer_contact
from salescycle.core.errors import DomainError
from salescycle.core.numbering import next_no
from salescycle.opportunities.models import MarketingSetup


def ensure_customer(contact: Contact, *, template_code: str = "") -> Customer:
    """Return the contact's customer, creating it (no template) when the contact — or, for a person with a company,
    its company — has none. Requires Marketing Setup's Bus. Rel. Code for Customers
    (``setup.bus_rel_code_missing``). Implements spec §4.8.4 step 3."""
    target = customer_contact(contact)
    existing = Customer.objects.filter(contact=target).first()
    if existing is not None:
        return existing
    if not MarketingSetup.get().bus_rel_code_for_customers:
        raise DomainError(
            "setup.bus_rel_code_missing",
            _("Bus. Rel. Code for Customers must have a value in Marketing Setup."),
        )
    no = next_no("customer", exists=lambda n: Customer.objects.filter(no=n).exists())
    return Customer.objects.create(no=no, name=target.name, contact=target, template_code=template_code)
