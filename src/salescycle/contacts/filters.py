"""The contact list's filters, defined once (conventions "Where a query goes"): the API list takes them as query
parameters (``GET /contacts``, api.md "Setup" and "Lists") and the web list (``/contacts/``) builds them from its
form, so the same words give the same contacts on both faces.

A blank value (``None``, ``""``, only spaces) filters nothing; keys are looked up as stored (upper-case, NFC)."""

from __future__ import annotations

from typing import Annotated

from django.db.models import Q
from ninja import FilterLookup, FilterSchema

from salescycle.contacts.models import ContactType
from salescycle.core.schemas import KeyFilter, OneOf

ContactTypeFilter = Annotated[str, OneOf(ContactType)]


def contact_search(text: str) -> Q:
    """The contacts whose number or name contains ``text`` (case-insensitive, surrounding spaces ignored; blank:
    all). Implements api.md "Lists" (``q`` on ``/contacts`` searches no and name)."""
    words = text.strip()
    if not words:
        return Q()
    return Q(no__icontains=words) | Q(name__icontains=words)


class ContactFilters(FilterSchema):
    """The contact list's filters: ``q`` searches number and name; ``type`` is ``company`` or ``person``;
    ``company_no`` keeps a company and its persons (a company is its own company); ``salesperson_code`` the contacts
    of that salesperson."""

    q: str | None = None
    type: Annotated[ContactTypeFilter | None, FilterLookup("type")] = None
    company_no: Annotated[KeyFilter, FilterLookup("company_id")] = None
    salesperson_code: Annotated[KeyFilter, FilterLookup("salesperson_id")] = None

    def filter_q(self, value: str | None) -> Q:
        """:func:`contact_search`."""
        return contact_search(value or "")
