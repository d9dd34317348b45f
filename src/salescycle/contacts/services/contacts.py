"""Writes on contacts, companies and persons (spec §2.9, §4.11.4, D21): the one home of each, reached by the web
setup pages, the API and the importers alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.contacts.models import Contact, ContactType
from salescycle.contacts.references import resolve_references
from salescycle.core.actors import Actor
from salescycle.core.errors import DomainError
from salescycle.core.keys import normalize_key, optional_key
from salescycle.core.numbering import next_no
from salescycle.core.records import create_record, delete_record, lock, require, update_record


@transaction.atomic
def create_contact(*, by: Actor, no: str | None = None, **data: Any) -> Contact:
    """Create a company or person contact. ``no`` defaults to the ``contact`` series; a company's ``company`` is
    itself; a person's ``company_no`` must name a company contact (``contact.company_not_company``);
    ``salesperson_code`` names the salesperson (:mod:`salescycle.contacts.references`). Errors: 403
    ``permission_denied``, 422 ``salesperson.not_found``, ``contact.not_found``, ``invalid_input``, 409
    ``conflict.exists``. Implements spec §2.9."""
    permissions.require_write(by)
    data = resolve_references(data, by=by)
    key = optional_key(no, "no") or next_no("contact", exists=lambda n: Contact.objects.filter(no=n).exists())
    company_no = normalize_key(data.pop("company_no", None))
    contact_type = data.get("type", ContactType.COMPANY)
    if contact_type == ContactType.COMPANY:
        data["company_id"] = key
    elif company_no:
        data["company_id"] = _company(company_no).no
    else:
        data["company_id"] = None
    # A company refers to itself, a row that does not exist before the insert: its company is not validated.
    exclude = ["company"] if contact_type == ContactType.COMPANY else None
    return create_record(Contact, {"no": key, **data}, exclude=exclude)


def _company(no: str) -> Contact:
    company = require(Contact, no, code="contact.not_found", field="company_no")
    if company.type != ContactType.COMPANY:
        raise DomainError(
            "contact.company_not_company",
            _("Contact %(no)s is not a company."),
            fields={"company_no": [str(_("Must be a company contact."))]},
            params={"no": no},
        )
    return company


@transaction.atomic
def update_contact(no: str, *, by: Actor, expected_version: int | None = None, **changes: Any) -> Contact:
    """Change a contact. Its type cannot change while any opportunity refers to it (``contact.type_in_use``,
    D21); a person's ``company_no`` must be a company; ``salesperson_code`` as in :func:`create_contact`. Errors:
    403 ``permission_denied``, 404 ``not_found``, 409 ``conflict.version``, 422 as :func:`create_contact`.
    Implements spec §4.11.4."""
    permissions.require_write(by)
    changes = resolve_references(changes, by=by)
    contact = lock(Contact, normalize_key(no), expected_version=expected_version)
    type_changes = "type" in changes and changes["type"] != contact.type
    if type_changes and (contact.opportunities.exists() or contact.company_opportunities.exists()):
        raise DomainError(
            "contact.type_in_use",
            _("You cannot change the type of contact %(no)s because it has opportunities."),
            fields={"type": [str(_("Not changeable while opportunities refer to the contact."))]},
            params={"no": contact.no},
        )
    if "company_no" in changes:
        company_no = normalize_key(changes.pop("company_no"))
        changes["company_id"] = _company(company_no).no if company_no else None
    new_type = changes.get("type", contact.type)
    if new_type == ContactType.COMPANY:
        changes["company_id"] = contact.no
    elif changes.get("company_id", contact.company_id) == contact.no:
        changes["company_id"] = None
    return update_record(contact, changes)


# What other apps refuse about deleting a contact, each a function that raises a DomainError: the opportunities app
# registers "not while it has open opportunities" (spec §4.11.4) from its AppConfig.ready, so that contacts, below
# opportunities in the layers, needs no import of it.
DELETE_CONTACT_CHECKS: list[Callable[[Contact], None]] = []


@transaction.atomic
def delete_contact(no: str, *, by: Actor, expected_version: int | None = None) -> None:
    """Delete a contact: refused while it has Not Started or In Progress opportunities
    (``contact.has_open_opportunities``, spec §4.11.4, checked by :data:`DELETE_CONTACT_CHECKS`); refused with 409
    ``conflict.in_use`` while any other data (closed opportunities, entries, tasks, persons of a company) refers to
    it (D17 — we do not re-point or blank the references BC changes)."""
    permissions.require_write(by)
    contact = lock(Contact, normalize_key(no), expected_version=expected_version)
    for check in DELETE_CONTACT_CHECKS:
        check(contact)
    if contact.type == ContactType.COMPANY:
        # The self-reference of a company would otherwise block its own deletion.
        Contact.objects.filter(pk=contact.no).update(company=None)
        contact.company_id = None
    delete_record(contact)
