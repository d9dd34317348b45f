"""The type-ahead lookups of the contact app's records (issue #15): what a user may pick in a reference field, by
key prefix or name (:func:`salescycle.core.lookups.lookup`, ten at most, two small indexed queries). Contacts,
companies, campaigns and segments are working data every role reads (:func:`permissions.can_see_reference`); the
salespeople offered are those whose opportunities the user sees (all, or a Salesperson's own and their team
mates'), unblocked."""

from __future__ import annotations

from django.db.models import Q

from salescycle.contacts import permissions
from salescycle.contacts.models import Campaign, Contact, ContactType, Salesperson, Segment
from salescycle.core.actors import Actor
from salescycle.core.lookups import LookupRow, lookup


def contacts(text: str, *, by: Actor) -> list[LookupRow]:
    """Contacts (companies and persons) by number prefix or name. Errors: 403 ``permission_denied`` for an actor
    without a role."""
    permissions.require_read(by)
    return lookup(Contact.objects.all(), text, key="no", name="name", model=Contact)


def companies(text: str, *, by: Actor) -> list[LookupRow]:
    """Company contacts by number prefix or name (a person's Company No.). Errors as :func:`contacts`."""
    permissions.require_read(by)
    return lookup(Contact.objects.filter(type=ContactType.COMPANY), text, key="no", name="name", model=Contact)


def salespeople(text: str, *, by: Actor) -> list[LookupRow]:
    """Unblocked salespeople whose opportunities ``by`` sees (:func:`permissions.visibility_filter`), by code prefix
    or name. Errors as :func:`contacts`."""
    permissions.require_read(by)
    queryset = Salesperson.objects.filter(blocked=False)
    who = permissions.access(by)
    if not who.sees_all:
        own = who.salesperson_code if permissions.SALESPERSON in who.roles else ""
        mates = Q(code=own) | Q(code__in=permissions.visible_salesperson_codes(own))
        queryset = queryset.filter(mates) if own else queryset.none()
    return lookup(queryset, text, key="code", name="name")


def campaigns(text: str, *, by: Actor) -> list[LookupRow]:
    """Campaigns by number prefix or description. Errors as :func:`contacts`."""
    permissions.require_read(by)
    return lookup(Campaign.objects.all(), text, key="no", name="description")


def segments(text: str, *, by: Actor) -> list[LookupRow]:
    """Segments by number prefix or description. Errors as :func:`contacts`."""
    permissions.require_read(by)
    return lookup(Segment.objects.all(), text, key="no", name="description")
