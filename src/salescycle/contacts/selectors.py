"""Reads of contacts: the contact list's pages (issue #15), and for the rules of other apps which contact is (or
becomes) the customer (spec §4.8.4), who is in a team."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.contacts.filters import ContactFilters
from salescycle.contacts.models import Contact, ContactType, Salesperson
from salescycle.core.actors import Actor
from salescycle.core.errors import DomainError, InvalidInput
from salescycle.core.pagination import Keyset

CONTACT_PAGE_SIZE = 50


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


@dataclass(frozen=True)
class ContactPage:
    """One page of the contact list: its contacts (company and salesperson joined) and the next page's cursor."""

    rows: list[Contact]
    next_cursor: str | None


def contact_page(
    filters: ContactFilters, cursor: str | None = None, size: int = CONTACT_PAGE_SIZE, *, user: Actor
) -> ContactPage:
    """The contacts matching ``filters`` (:class:`~salescycle.contacts.filters.ContactFilters`, the API list's) in
    number order, ``size`` after ``cursor`` (a cursor that does not parse starts from the beginning). Contacts are
    working data every role reads (:func:`permissions.can_see_reference`); an actor without a role gets none.
    One query (keyset paging on the primary key)."""
    if not permissions.access(user).may_read:
        return ContactPage(rows=[], next_cursor=None)
    qs = filters.filter(Contact.objects.select_related("company", "salesperson"))
    keyset = Keyset.of(Contact, ["no"])
    try:
        rows, next_cursor = keyset.page(qs, cursor=cursor, size=size)
    except InvalidInput:
        rows, next_cursor = keyset.page(qs, cursor=None, size=size)
    return ContactPage(rows=rows, next_cursor=next_cursor)
