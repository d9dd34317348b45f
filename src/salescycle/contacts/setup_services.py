"""Writes on salespeople, campaigns and segments that have no business rule beyond validation (spec api.md
"Setup"): thin wrappers over :mod:`salescycle.core.records` so the API never writes from a handler."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from salescycle.contacts import permissions, services
from salescycle.contacts.models import Campaign, Contact, Salesperson, Segment, Team
from salescycle.contacts.services import replace_segment_lines
from salescycle.core.actors import Actor
from salescycle.core.keys import normalize_key, validate_key
from salescycle.core.records import create_record, delete_record, in_use, lock, require, update_record


def resolve_references(data: dict[str, Any]) -> dict[str, Any]:
    """Turn the API's reference names (``salesperson_code``, ``campaign_no``) into foreign keys, checking that the
    referenced rows exist (``salesperson.not_found``, ``campaign.not_found``); ``""``/None is blank."""
    result = dict(data)
    if "salesperson_code" in result:
        code = normalize_key(result.pop("salesperson_code"))
        result["salesperson"] = (
            require(Salesperson, code, code="salesperson.not_found", field="salesperson_code") if code else None
        )
    if "campaign_no" in result:
        no = normalize_key(result.pop("campaign_no"))
        result["campaign"] = require(Campaign, no, code="campaign.not_found", field="campaign_no") if no else None
    return result


@transaction.atomic
def create_salesperson(*, by: Actor, code: str, **data: Any) -> Salesperson:
    """Create a salesperson. Errors: ``invalid_input``, ``conflict.exists``."""
    permissions.require_setup(by)
    return create_record(Salesperson, {"code": validate_key(code, "code"), **data})


@transaction.atomic
def update_salesperson(code: str, *, by: Actor, expected_version: int | None = None, **changes: Any) -> Salesperson:
    """Change a salesperson (not its code). Errors: ``not_found``, ``conflict.version``, ``invalid_input``."""
    permissions.require_setup(by)
    return update_record(lock(Salesperson, normalize_key(code), expected_version=expected_version), changes)


@transaction.atomic
def delete_salesperson(code: str, *, by: Actor, expected_version: int | None = None) -> None:
    """Delete a salesperson; refused with ``conflict.in_use`` while data refers to it (D17: block it instead)."""
    permissions.require_setup(by)
    delete_record(lock(Salesperson, normalize_key(code), expected_version=expected_version))


@transaction.atomic
def save_team(code: str, *, by: Actor, name: str = "") -> Team:
    """Create team ``code`` or change its name (bumping ``version``). Errors: 403 ``permission_denied`` (setup is
    for Administrators), ``invalid_input`` (also a new code that breaks the key rule, ``salescycle.core.keys``)."""
    permissions.require_setup(by)
    team = Team.objects.select_for_update().filter(code=normalize_key(code)).first()
    if team is None:
        return create_record(Team, {"code": validate_key(code, "code"), "name": name})
    return update_record(team, {"name": name})


@transaction.atomic
def delete_team(code: str, *, by: Actor) -> None:
    """Delete team ``code`` (its salespeople stay, without the team). Errors: 403 ``permission_denied``,
    404 ``not_found``."""
    permissions.require_setup(by)
    delete_record(lock(Team, normalize_key(code), expected_version=None))


@transaction.atomic
def assign_salesperson(
    code: str, *, by: Actor, account: Any, teams: Sequence[Team], expected_version: int | None = None
) -> Salesperson:
    """Link salesperson ``code`` to the sign-in ``account`` (a Django user, or None) and set their ``teams``: the
    assignments that decide what a Salesperson sees (``contacts/permissions.py``), bumping ``version``. Errors:
    403 ``permission_denied``, 404 ``not_found``, 409 ``conflict.version``/``conflict.exists`` (the user belongs to
    another salesperson)."""
    permissions.require_setup(by)
    salesperson = update_record(
        lock(Salesperson, normalize_key(code), expected_version=expected_version), {"user": account}
    )
    salesperson.teams.set(teams)
    if account is not None:
        permissions.forget(account)
    return salesperson


@transaction.atomic
def update_campaign(no: str, *, by: Actor, expected_version: int | None = None, **changes: Any) -> Campaign:
    """Change a campaign (``salesperson_code`` by code)."""
    permissions.require_write(by)
    campaign = lock(Campaign, normalize_key(no), expected_version=expected_version)
    return update_record(campaign, resolve_references(changes))


@transaction.atomic
def delete_campaign(no: str, *, by: Actor, expected_version: int | None = None) -> None:
    """Delete a campaign; ``conflict.in_use`` while segments, opportunities or tasks refer to it (D17)."""
    permissions.require_write(by)
    delete_record(lock(Campaign, normalize_key(no), expected_version=expected_version))


@transaction.atomic
def update_segment(
    no: str,
    *,
    by: Actor,
    expected_version: int | None = None,
    lines: Sequence[Mapping[str, Any]] | None = None,
    **changes: Any,
) -> Segment:
    """Change a segment's header and, when ``lines`` is given, replace its lines."""
    permissions.require_write(by)
    segment = lock(Segment, normalize_key(no), expected_version=expected_version)
    segment = update_record(segment, resolve_references(changes))
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


def create_contact(*, by: Actor, **data: Any) -> Contact:
    """:func:`salescycle.contacts.services.create_contact` with the API's ``salesperson_code``."""
    return services.create_contact(by=by, **resolve_references(data))


def update_contact(no: str, *, by: Actor, expected_version: int | None = None, **changes: Any) -> Contact:
    """:func:`salescycle.contacts.services.update_contact` with the API's ``salesperson_code``."""
    return services.update_contact(no, by=by, expected_version=expected_version, **resolve_references(changes))


def create_campaign(*, by: Actor, **data: Any) -> Campaign:
    """:func:`salescycle.contacts.services.create_campaign` with the API's ``salesperson_code``."""
    return services.create_campaign(by=by, **resolve_references(data))


def create_segment(*, by: Actor, **data: Any) -> Segment:
    """:func:`salescycle.contacts.services.create_segment` with the API's reference names."""
    return services.create_segment(by=by, **resolve_references(data))
