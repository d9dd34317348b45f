"""Writes on the interaction log (D22, api.md "Interactions"): logging an interaction and changing one, with the
visibility rules of issue #12 for the records it refers to."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from salescycle.contacts import permissions
from salescycle.contacts.references import resolve_references
from salescycle.core.actors import Actor
from salescycle.core.keys import normalize_key
from salescycle.core.records import check_version, full_clean, lock, update_record
from salescycle.core.workdate import get_work_date
from salescycle.opportunities.models import Interaction


def _interaction_references(data: dict[str, Any], *, by: Actor) -> dict[str, Any]:
    """The API's reference names as rows, each checked for ``by`` (issue #12 item 3): a contact or salesperson they
    may not see is ``contact.not_found`` / ``salesperson.not_found`` (422) like a missing one
    (:mod:`salescycle.contacts.references`; the contact may not be blank); an opportunity they may not see is
    ``opportunity.not_found``, one they may see but not change 403 ``permission_denied``."""
    result = resolve_references(data, by=by, required=("contact_no",))
    if "opportunity_no" in result:
        no = normalize_key(result.pop("opportunity_no"))
        result["opportunity"] = permissions.require_linkable_opportunity_ref(by, no) if no else None
    return result


@transaction.atomic
def create_interaction(*, by: Actor, **data: Any) -> Interaction:
    """Log an interaction (D22); ``date`` defaults to the WorkDate. Errors: 403 ``permission_denied`` (no right to
    write working data, or an ``opportunity_no`` the actor may see but not change), 422 ``contact.not_found``,
    ``opportunity.not_found``, ``salesperson.not_found`` (missing or invisible), ``invalid_input``."""
    permissions.require_write(by)
    values = _interaction_references(data, by=by)
    values["date"] = values.get("date") or get_work_date(by)
    obj = Interaction(**values)
    full_clean(obj, validate_unique=False)
    obj.save()
    return obj


@transaction.atomic
def update_interaction(entry_no: int, *, by: Actor, expected_version: int | None = None, **changes: Any) -> Interaction:
    """Change an interaction log entry. Its stored opportunity decides first (404 ``not_found`` when invisible to
    ``by``, 403 when they may not change it), then the version (409 ``conflict.version``), then the new references
    as :func:`create_interaction`. Implements spec api.md "Visibility vs permission"."""
    obj = lock(Interaction, entry_no)
    permissions.require_change_linked(by, Interaction, entry_no, obj.opportunity_id)
    check_version(obj, expected_version)
    return update_record(obj, _interaction_references(changes, by=by))
