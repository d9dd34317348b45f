"""Writes on contacts, salespeople, campaigns, segments and customers (spec §2.9, §4.8.4, §4.11.4, D17, D21)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.contacts.models import Campaign, Contact, ContactType, Customer, Segment, SegmentLine
from salescycle.contacts.selectors import customer_contact
from salescycle.core.actors import Actor
from salescycle.core.errors import DomainError
from salescycle.core.keys import normalize_key, optional_key
from salescycle.core.numbering import next_no
from salescycle.core.records import create_record, delete_record, lock, require, update_record


@transaction.atomic
def create_contact(*, by: Actor, no: str | None = None, **data: Any) -> Contact:
    """Create a company or person contact. ``no`` defaults to the ``contact`` series; a company's ``company`` is
    itself; a person's ``company_no`` must name a company contact (``contact.company_not_company``).
    Errors: ``invalid_input``, ``conflict.exists``. Implements spec §2.9."""
    permissions.require_write(by)
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
    D21); a person's ``company_no`` must be a company. Implements spec §4.11.4."""
    permissions.require_write(by)
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


@transaction.atomic
def delete_contact(no: str, *, by: Actor, expected_version: int | None = None) -> None:
    """Delete a contact: refused while it has Not Started or In Progress opportunities
    (``contact.has_open_opportunities``, spec §4.11.4); refused with 409 ``conflict.in_use`` while any other data
    (closed opportunities, entries, tasks, persons of a company) refers to it (D17 — we do not re-point or blank
    the references BC changes)."""
    permissions.require_write(by)
    contact = lock(Contact, normalize_key(no), expected_version=expected_version)
    from salescycle.opportunities.models import Opportunity

    open_opportunities = Opportunity.objects.open()
    if (
        open_opportunities.filter(contact_id=contact.no).exists()
        or open_opportunities.filter(contact_company_id=contact.no).exists()
    ):
        raise DomainError(
            "contact.has_open_opportunities",
            _("You cannot delete contact %(no)s because one or more opportunities are not started or in progress."),
            params={"no": contact.no},
        )
    if contact.type == ContactType.COMPANY:
        # The self-reference of a company would otherwise block its own deletion.
        Contact.objects.filter(pk=contact.no).update(company=None)
        contact.company_id = None
    delete_record(contact)


def ensure_customer(contact: Contact, *, template_code: str = "") -> Customer:
    """Return the contact's customer, creating it (no template) when the contact — or, for a person with a company,
    its company — has none. Requires Marketing Setup's Bus. Rel. Code for Customers
    (``setup.bus_rel_code_missing``). Implements spec §4.8.4 step 3."""
    target = customer_contact(contact)
    existing = Customer.objects.filter(contact=target).first()
    if existing is not None:
        return existing
    from salescycle.opportunities.models import MarketingSetup

    if not MarketingSetup.get().bus_rel_code_for_customers:
        raise DomainError(
            "setup.bus_rel_code_missing",
            _("Bus. Rel. Code for Customers must have a value in Marketing Setup."),
        )
    no = next_no("customer", exists=lambda n: Customer.objects.filter(no=n).exists())
    return Customer.objects.create(no=no, name=target.name, contact=target, template_code=template_code)


@transaction.atomic
def create_segment(
    *, by: Actor, no: str | None = None, lines: Sequence[Mapping[str, Any]] = (), **data: Any
) -> Segment:
    """Create a segment with its lines (``[{contact_no, description}]``); ``no`` from the ``segment`` series."""
    permissions.require_write(by)
    key = optional_key(no, "no") or next_no("segment", exists=lambda n: Segment.objects.filter(no=n).exists())
    segment = create_record(Segment, {"no": key, **data})
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
def create_campaign(*, by: Actor, no: str | None = None, **data: Any) -> Campaign:
    """Create a campaign; ``no`` from the ``campaign`` series."""
    permissions.require_write(by)
    key = optional_key(no, "no") or next_no("campaign", exists=lambda n: Campaign.objects.filter(no=n).exists())
    return create_record(Campaign, {"no": key, **data})
