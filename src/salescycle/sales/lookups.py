"""The item lookup of the quote lines (issue #15): unblocked items by number prefix or description, through the
items' trigram index (:func:`salescycle.core.lookups.lookup`)."""

from __future__ import annotations

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.lookups import LookupRow, lookup
from salescycle.sales.models import Item


def items(text: str, *, by: Actor) -> list[LookupRow]:
    """Unblocked items by number prefix or description (ten at most). Errors: 403 ``permission_denied`` for an actor
    without a role."""
    permissions.require_read(by)
    return lookup(Item.objects.filter(blocked=False), text, key="code", name="description", model=Item)
