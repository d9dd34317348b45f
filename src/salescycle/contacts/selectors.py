"""Reads of contacts for the rules of other apps: which contact is (or becomes) the customer (spec §4.8.4)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from salescycle.contacts.models import Contact, ContactType
from salescycle.core.errors import DomainError


def customer_contact(contact: Contact) -> Contact:
    """The contact that becomes (or is) the customer: a person's company, else the contact itself (spec §4.8.4).
    Errors: 422 ``customer.contact_company_missing`` when the person's company does not exist."""
    if contact.type == ContactType.PERSON and contact.company_id:
        company = Contact.objects.filter(no=contact.company_id).first()
        if company is None:
            raise DomainError(
                "customer.contact_company_missing",
                _("You can not create a Customer from contact %(no)s before you assign a Contact Company No."),
                params={"no": contact.no},
            )
        return company
    return contact
