"""The API's reference names and the rows they name: ``salesperson_code`` → the salesperson, ``contact_no`` → the
contact, ``campaign_no``, ``segment_no``, ``activity_code`` (api.md "Resources"). The one translation from an input
field to a foreign key, used by every write that takes these names (contacts, campaigns, segments, tasks,
interactions, sales quotes, sales cycle stages), so that each answers a missing or invisible record alike: 422
``<thing>.not_found`` on the input field (issue #12 item 3, :func:`permissions.require_visible_ref`).

``opportunity_no`` is not here: linking a record to an opportunity needs the right to change it
(:func:`permissions.require_linkable_opportunity_ref`), and tasks keep the number itself."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.keys import normalize_key


@dataclass(frozen=True)
class Reference:
    """An input name's foreign key: the model ``field`` it sets, the ``model`` it names (an app label, so that a
    lower app need not import a higher one) and the error ``code`` of a missing or invisible record."""

    field: str
    model: str
    code: str


REFERENCES: dict[str, Reference] = {
    "salesperson_code": Reference("salesperson", "contacts.Salesperson", "salesperson.not_found"),
    "contact_no": Reference("contact", "contacts.Contact", "contact.not_found"),
    "campaign_no": Reference("campaign", "contacts.Campaign", "campaign.not_found"),
    "segment_no": Reference("segment", "contacts.Segment", "segment.not_found"),
    "activity_code": Reference("activity", "tasks.Activity", "activity.not_found"),
}


def resolve(name: str, value: str | None, *, by: Actor, required: bool = False) -> Any:
    """The row that input ``name`` (a key of :data:`REFERENCES`, e.g. ``"campaign_no"``) with ``value`` names, or
    None when ``value`` is blank (``None``, ``""``) and not ``required``. Errors: 422 ``<thing>.not_found`` with
    ``fields={name: …}`` when no such row exists, ``by`` may not see it, or a ``required`` one is blank."""
    reference = REFERENCES[name]
    key = normalize_key(value)
    if not key and not required:
        return None
    model = apps.get_model(reference.model)
    return permissions.require_visible_ref(by, model, key, code=reference.code, field=name)


def resolve_references(data: Mapping[str, Any], *, by: Actor, required: Collection[str] = ()) -> dict[str, Any]:
    """``data`` with each reference name of :data:`REFERENCES` it holds replaced by the model field it sets and the
    row (:func:`resolve`; names in ``required`` may not be blank): ``{"salesperson_code": "ah", "name": "X"}`` →
    ``{"salesperson": <Salesperson AH>, "name": "X"}``; other items are kept. Errors as :func:`resolve`, for the
    first bad name in the order of :data:`REFERENCES`."""
    result = dict(data)
    for name, reference in REFERENCES.items():
        if name in result:
            result[reference.field] = resolve(name, result.pop(name), by=by, required=name in required)
    return result
