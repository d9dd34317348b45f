"""Items and customer templates (spec api.md "Setup", "Sales documents"): validation over core.records."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.keys import normalize_key, validate_key
from salescycle.core.records import create_record, delete_record, lock, update_record
from salescycle.sales.models import CustomerTemplate, Item


@transaction.atomic
def create_item(*, by: Actor, code: str, **data: Any) -> Item:
    """Create an item. Errors: ``conflict.exists``, ``invalid_input``."""
    permissions.require_setup(by)
    return create_record(Item, {"code": validate_key(code, "code"), **data})


@transaction.atomic
def update_item(code: str, *, by: Actor, expected_version: int | None = None, **changes: Any) -> Item:
    """Change an item (``description``, ``unit_price``, ``blocked``); 409 ``conflict.version`` on a stale version."""
    permissions.require_setup(by)
    item = lock(Item, normalize_key(code), expected_version=expected_version)
    return update_record(item, changes)


@transaction.atomic
def delete_item(code: str, *, by: Actor, expected_version: int | None = None) -> None:
    """Delete an item; 409 ``conflict.in_use`` while document lines refer to it (D17: block it instead)."""
    permissions.require_setup(by)
    item = lock(Item, normalize_key(code), expected_version=expected_version)
    delete_record(item)


@transaction.atomic
def create_customer_template(*, by: Actor, code: str, description: str = "") -> CustomerTemplate:
    """Create a customer template. Errors: ``conflict.exists``, ``invalid_input``."""
    permissions.require_setup(by)
    return create_record(CustomerTemplate, {"code": validate_key(code, "code"), "description": description})
