"""Writes on segments and their lines (spec §2.9, §4.2.3, D17): the one home of each, reached by the web setup
pages and the API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from salescycle.contacts import permissions
from salescycle.contacts.models import Contact, Segment, SegmentLine
from salescycle.contacts.references import resolve_references
from salescycle.core.actors import Actor
from salescycle.core.keys import normalize_key, optional_key
from salescycle.core.numbering import next_no
from salescycle.core.records import create_record, delete_record, in_use, lock, require, update_record


@transaction.atomic
def create_segment(
    *, by: Actor, no: str | None = None, lines: Sequence[Mapping[str, Any]] = (), **data: Any
) -> Segment:
    """Create a segment with its lines (``[{contact_no, description}]``); ``no`` from the ``segment`` series,
    ``campaign_no`` and ``salesperson_code`` name the campaign and salesperson (:mod:`salescycle.contacts.references`).
    Errors: 403 ``permission_denied``, 422 ``campaign.not_found``, ``salesperson.not_found``, ``contact.not_found``
    (a line), ``invalid_input``, 409 ``conflict.exists``."""
    permissions.require_write(by)
    values = resolve_references(data, by=by)
    key = optional_key(no, "no") or next_no("segment", exists=lambda n: Segment.objects.filter(no=n).exists())
    segment = create_record(Segment, {"no": key, **values})
    replace_segment_lines(segment, lines)
    return segment


def replace_segment_lines(segment: Segment, lines: Sequence[Mapping[str, Any]]) -> None:
    """Replace the segment's lines; each ``contact_no`` must exist (``contact.not_found``)."""
    segment.lines.all().delete()
    objs = []
    for index, line in enumerate(lines, start=1):
        contact = require(Contact, normalize_key(line.get("contact_no")), code="contact.not_found", field="lines")
        objs.append(
            SegmentLine(
                segment=segment,
                line_no=index * 10000,
                contact=contact,
                description=line.get("description") or contact.name,
            )
        )
    SegmentLine.objects.bulk_create(objs)


@transaction.atomic
def update_segment(
    no: str,
    *,
    by: Actor,
    expected_version: int | None = None,
    lines: Sequence[Mapping[str, Any]] | None = None,
    **changes: Any,
) -> Segment:
    """Change a segment's header (references as :func:`create_segment`) and, when ``lines`` is given, replace its
    lines. Errors: 403, 404 ``not_found``, 409 ``conflict.version``, 422 as :func:`create_segment`."""
    permissions.require_write(by)
    values = resolve_references(changes, by=by)
    segment = lock(Segment, normalize_key(no), expected_version=expected_version)
    segment = update_record(segment, values)
    if lines is not None:
        replace_segment_lines(segment, lines)
    return segment


@transaction.atomic
def delete_segment(no: str, *, by: Actor, expected_version: int | None = None) -> None:
    """Delete a segment with its lines; ``conflict.in_use`` while opportunities or tasks refer to it (D17)."""
    permissions.require_write(by)
    segment = lock(Segment, normalize_key(no), expected_version=expected_version)
    if segment.opportunities.exists() or segment.tasks.exists():
        raise in_use(segment)
    segment.lines.all().delete()
    delete_record(segment)
