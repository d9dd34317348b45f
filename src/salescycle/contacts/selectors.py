"""Reads of contacts for the rules of other apps: which contact is (or becomes) the customer (spec §4.8.4), who is in
a team."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from salescycle.contacts.models import Contact, ContactType, Salesperson
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


def team_salesperson_codes(team_code: str) -> QuerySet[Any]:
    """A subquery of the codes of the salespeople in team ``team_code`` (key as stored; an unknown team: none),
    served by the index of the membership table's team column. Used alike by the opportunity
    list's ``team`` word, the task list's and the dashboard's team figures, so that a figure and its list agree."""
    return Salesperson.teams.through.objects.filter(team_id=team_code).values("salesperson_id")
