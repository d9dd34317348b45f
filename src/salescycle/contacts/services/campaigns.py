"""Writes on campaigns (spec §2.9, D17): the one home of each, reached by the web setup pages and the API."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from salescycle.contacts import permissions
from salescycle.contacts.models import Campaign
from salescycle.contacts.references import resolve_references
from salescycle.core.actors import Actor
from salescycle.core.keys import normalize_key, optional_key
from salescycle.core.numbering import next_no
from salescycle.core.records import create_record, delete_record, lock, update_record


@transaction.atomic
def create_campaign(*, by: Actor, no: str | None = None, **data: Any) -> Campaign:
    """Create a campaign; ``no`` from the ``campaign`` series, ``salesperson_code`` names the salesperson
    (:mod:`salescycle.contacts.references`). Errors: 403 ``permission_denied``, 422 ``salesperson.not_found``,
    ``invalid_input``, 409 ``conflict.exists``."""
    permissions.require_write(by)
    values = resolve_references(data, by=by)
    key = optional_key(no, "no") or next_no("campaign", exists=lambda n: Campaign.objects.filter(no=n).exists())
    return create_record(Campaign, {"no": key, **values})


@transaction.atomic
def update_campaign(no: str, *, by: Actor, expected_version: int | None = None, **changes: Any) -> Campaign:
    """Change a campaign (``salesperson_code`` as in :func:`create_campaign`). Errors: 403, 404 ``not_found``, 409
    ``conflict.version``, 422 as :func:`create_campaign`."""
    permissions.require_write(by)
    values = resolve_references(changes, by=by)
    campaign = lock(Campaign, normalize_key(no), expected_version=expected_version)
    return update_record(campaign, values)


@transaction.atomic
def delete_campaign(no: str, *, by: Actor, expected_version: int | None = None) -> None:
    """Delete a campaign; ``conflict.in_use`` while segments, opportunities or tasks refer to it (D17)."""
    permissions.require_write(by)
    delete_record(lock(Campaign, normalize_key(no), expected_version=expected_version))
