"""Writes on salespeople, their teams and their sign-in account (spec api.md "Setup", D17; the assignments that
decide what a Salesperson sees, ``contacts/permissions.py``): the one home of each, reached by the web setup pages,
the API and the admin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from salescycle.contacts import permissions
from salescycle.contacts.models import Salesperson, Team
from salescycle.core.actors import Actor
from salescycle.core.keys import normalize_key, validate_key
from salescycle.core.records import create_record, delete_record, lock, update_record


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
