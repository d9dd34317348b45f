"""Writes on close opportunity codes (spec §2.4, api.md "Setup", D17): the one home of each, reached by the web
setup pages and the API."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.keys import normalize_key, validate_key
from salescycle.core.records import create_record, delete_record, lock, update_record
from salescycle.opportunities.models import CloseOpportunityCode


@transaction.atomic
def create_close_code(*, by: Actor, code: str, **data: Any) -> CloseOpportunityCode:
    """Create a close opportunity code (``description``, ``type`` won/lost). Errors: 403 ``permission_denied``,
    422 ``invalid_input``, 409 ``conflict.exists``."""
    permissions.require_setup(by)
    return create_record(CloseOpportunityCode, {"code": validate_key(code, "code"), **data})


@transaction.atomic
def update_close_code(
    code: str, *, by: Actor, expected_version: int | None = None, **changes: Any
) -> CloseOpportunityCode:
    """Change a close opportunity code's description or type. Errors: 403, 404 ``not_found``, 409
    ``conflict.version``, 422 ``invalid_input``."""
    permissions.require_setup(by)
    obj = lock(CloseOpportunityCode, normalize_key(code), expected_version=expected_version)
    return update_record(obj, changes)


@transaction.atomic
def delete_close_opportunity_code(code: str, *, by: Actor, expected_version: int | None = None) -> None:
    """Delete a close opportunity code; refused with ``conflict.in_use`` once an entry uses it (D17)."""
    permissions.require_setup(by)
    delete_record(lock(CloseOpportunityCode, normalize_key(code), expected_version=expected_version))
