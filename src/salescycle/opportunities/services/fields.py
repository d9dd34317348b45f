"""Changing an opportunity's fields and comments (spec §4.3, §4.10.1, §4.12, D13)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.contacts.models import Campaign, Contact, Segment
from salescycle.core.actors import Actor, user_of
from salescycle.core.errors import DomainError
from salescycle.core.keys import normalize_key
from salescycle.core.workdate import get_work_date
from salescycle.opportunities import documents
from salescycle.opportunities.choices import OpportunityStatus, SalesDocumentType
from salescycle.opportunities.models import Opportunity, OpportunityComment, OpportunityEntry
from salescycle.opportunities.services import audit
from salescycle.opportunities.services._common import (
    _check_campaign,
    _check_segment,
    _lock,
    _sales_cycle,
    _salesperson,
)
from salescycle.tasks import services as task_services
from salescycle.tasks.models import Priority

# ---------------------------------------------------------------------------------------------------------------
# Changing fields (spec §4.3, §4.10.1, §4.12, D13)

EDITABLE: dict[str, set[str]] = {
    "sales_cycle_code": {OpportunityStatus.NOT_STARTED},
    "contact_no": {OpportunityStatus.NOT_STARTED, OpportunityStatus.IN_PROGRESS},
    "salesperson_code": {OpportunityStatus.NOT_STARTED, OpportunityStatus.IN_PROGRESS},
    "campaign_no": {OpportunityStatus.NOT_STARTED, OpportunityStatus.IN_PROGRESS},
    "priority": {OpportunityStatus.NOT_STARTED, OpportunityStatus.IN_PROGRESS},
    "sales_document_type": {OpportunityStatus.IN_PROGRESS},
    "sales_document_no": {OpportunityStatus.IN_PROGRESS},
    "description": set(OpportunityStatus),
    "segment_no": set(OpportunityStatus),
}


@transaction.atomic
def change_opportunity(
    no: str,
    *,
    by: Actor,
    changes: dict[str, Any],
    update_open_tasks: bool = False,
    expected_version: int | None = None,
) -> Opportunity:
    """Change fields of an opportunity with their side effects. ``changes`` maps API names (``description``,
    ``contact_no``, ``salesperson_code``, ``campaign_no``, ``segment_no``, ``priority``, ``sales_cycle_code``,
    ``sales_document_type``, ``sales_document_no``) to new values (``None``/``""`` = blank).

    Editability per §4.12 (``opportunity.field_not_editable`` with ``fields``; the cycle once started:
    ``opportunity.sales_cycle_locked``, D13). Contact (§4.3.1): required, same company once started
    (``opportunity.contact_other_company``), active entries follow. Salesperson (§4.3.2): required, not blocked,
    one ``by`` may hand the opportunity to (403 ``permission_denied``: a Salesperson only to themselves or a team
    mate, :func:`permissions.require_assign_salesperson`), active entries follow. Campaign (§4.3.3): period and
    activation, segment reset. Segment (§4.3.4). Sales document (§4.10.1): ``opportunity.document_already_linked``,
    ``opportunity.document_not_found``. With ``update_open_tasks`` the open tasks with the old
    salesperson/contact/campaign get the new one.
    """
    opportunity = _lock(no, expected_version, by=by)
    before = audit.snapshot(opportunity)
    changed = _changed_fields(opportunity, changes)
    entry_updates: dict[str, Any] = {}
    if "description" in changed:
        opportunity.description = changed["description"]
    if "priority" in changed:
        _change_priority(opportunity, changed["priority"])
    if "sales_cycle_code" in changed:
        _change_sales_cycle(opportunity, changed["sales_cycle_code"])
    if "contact_no" in changed:
        _change_contact(opportunity, changed["contact_no"], update_open_tasks, entry_updates, by=by)
    if "salesperson_code" in changed:
        _change_salesperson(opportunity, changed["salesperson_code"], update_open_tasks, entry_updates, by=by)
    if "campaign_no" in changed:
        _change_campaign(opportunity, changed["campaign_no"], update_open_tasks, entry_updates, by=by)
    if "segment_no" in changed:
        _change_segment(opportunity, changed["segment_no"], by=by)
    if "sales_document_type" in changed or "sales_document_no" in changed:
        _change_document(
            opportunity,
            changed.get("sales_document_type", opportunity.sales_document_type),
            changed.get("sales_document_no", opportunity.sales_document_no) or "",
            by=by,
        )
    if entry_updates:
        OpportunityEntry.objects.filter(opportunity_id=opportunity.no, active=True).update(**entry_updates)
    if changed:
        opportunity.version = F("version") + 1
        opportunity.save()
        opportunity.refresh_from_db()
        audit.record(opportunity, before, by=by)
    return opportunity


def _changed_fields(opportunity: Opportunity, changes: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``changes`` whose normalized value differs from the opportunity's, once every name is known
    (``invalid_input``) and editable in the opportunity's status (``opportunity.sales_cycle_locked``,
    ``opportunity.field_not_editable``)."""
    status = opportunity.status
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError(
            "invalid_input",
            _("These fields cannot be changed: %(fields)s."),
            fields={name: [str(_("Not changeable."))] for name in sorted(unknown)},
            params={"fields": ", ".join(sorted(unknown))},
        )
    current = audit.field_values(opportunity)
    normalized: dict[str, Any] = {}
    for name, value in changes.items():
        if name in {"description", "priority", "sales_document_type"}:
            normalized[name] = value if value is not None else ""
        else:
            normalized[name] = normalize_key(value) or None
    changed = {k: v for k, v in normalized.items() if (v or None) != (current[k] or None)}
    if "sales_cycle_code" in changed and status != OpportunityStatus.NOT_STARTED:
        raise DomainError(
            "opportunity.sales_cycle_locked",
            _("The sales cycle of opportunity %(no)s cannot be changed once it has started."),
            fields={"sales_cycle_code": [str(_("Read-only once the opportunity has started."))]},
            params={"no": opportunity.no},
        )
    refused = sorted(name for name in changed if status not in EDITABLE[name])
    if refused:
        raise DomainError(
            "opportunity.field_not_editable",
            _("These fields cannot be changed while the opportunity is %(status)s: %(fields)s."),
            fields={name: [str(_("Read-only in this status."))] for name in refused},
            params={"status": OpportunityStatus(status).label, "fields": ", ".join(refused)},
        )
    return changed


def _change_priority(opportunity: Opportunity, priority: str) -> None:
    if priority not in Priority.values:
        raise DomainError(
            "invalid_input", _("Unknown priority."), fields={"priority": [str(_("Use low, normal or high."))]}
        )
    opportunity.priority = priority


def _change_sales_cycle(opportunity: Opportunity, code: str | None) -> None:
    if not code:
        raise DomainError(
            "opportunity.sales_cycle_required",
            _("Sales Cycle Code must have a value in Opportunity %(no)s."),
            fields={"sales_cycle_code": [str(_("Required."))]},
            params={"no": opportunity.no},
        )
    opportunity.sales_cycle = _sales_cycle(code)


def _change_contact(
    opportunity: Opportunity, new_no: str | None, update_tasks: bool, entries: dict[str, Any], *, by: Actor
) -> None:
    if not new_no:
        raise DomainError(
            "opportunity.contact_required",
            _("Contact No. must have a value in Opportunity %(no)s."),
            fields={"contact_no": [str(_("Required."))]},
            params={"no": opportunity.no},
        )
    contact = permissions.require_visible_ref(by, Contact, new_no, code="contact.not_found", field="contact_no")
    if (
        opportunity.contact_id
        and opportunity.status != OpportunityStatus.NOT_STARTED
        and contact.company_id != opportunity.contact_company_id
    ):
        raise DomainError(
            "opportunity.contact_other_company",
            _("Contact %(no)s %(name)s is related to another company."),
            fields={"contact_no": [str(_("Must belong to the opportunity's company."))]},
            params={"no": contact.no, "name": contact.name},
        )
    old = opportunity.contact_id
    if update_tasks and old:
        task_services.propagate_to_open_tasks(opportunity.no, "contact_id", old, contact.no)
    opportunity.contact = contact
    opportunity.contact_company_id = contact.company_id
    if opportunity.sales_document_type == SalesDocumentType.QUOTE:
        documents.lookup().set_quote_contact(opportunity.sales_document_no, contact.no)
    entries.update(contact_id=contact.no, contact_company_id=contact.company_id)


def _change_salesperson(
    opportunity: Opportunity, new_code: str | None, update_tasks: bool, entries: dict[str, Any], *, by: Actor
) -> None:
    if not new_code:
        raise DomainError(
            "opportunity.salesperson_required",
            _("Salesperson Code must have a value in Opportunity %(no)s."),
            fields={"salesperson_code": [str(_("Required."))]},
            params={"no": opportunity.no},
        )
    salesperson = _salesperson(new_code)
    # Before anything is written: a Salesperson hands an opportunity only to someone whose records they see.
    permissions.require_assign_salesperson(by, salesperson.code)
    old = opportunity.salesperson_id
    if update_tasks and old:
        task_services.propagate_to_open_tasks(opportunity.no, "salesperson_id", old, salesperson.code)
    opportunity.salesperson = salesperson
    entries.update(salesperson_id=salesperson.code)


def _change_campaign(
    opportunity: Opportunity, new_no: str | None, update_tasks: bool, entries: dict[str, Any], *, by: Actor
) -> None:
    campaign = None
    if new_no:
        campaign = permissions.require_visible_ref(by, Campaign, new_no, code="campaign.not_found", field="campaign_no")
        _check_campaign(campaign, opportunity.creation_date, opportunity.no)
    old = opportunity.campaign_id
    if update_tasks and old:
        task_services.propagate_to_open_tasks(opportunity.no, "campaign_id", old, new_no)
    opportunity.campaign = campaign
    entries.update(campaign_id=new_no)
    # Segment No. follows the campaign: the campaign's only segment, else blank (spec §4.3.3).
    segments = list(Segment.objects.filter(campaign_id=new_no)[:2]) if new_no else []
    only = segments[0] if len(segments) == 1 else None
    opportunity.segment = only
    opportunity.segment_description = only.description if only else ""


def _change_segment(opportunity: Opportunity, new_no: str | None, *, by: Actor) -> None:
    segment = None
    if new_no:
        segment = permissions.require_visible_ref(by, Segment, new_no, code="segment.not_found", field="segment_no")
        _check_segment(segment, opportunity.campaign_id)
    opportunity.segment = segment
    opportunity.segment_description = segment.description if segment else ""


def _change_document(opportunity: Opportunity, document_type: str | None, document_no: str, *, by: Actor) -> None:
    document_type = document_type or ""
    if document_type not in (SalesDocumentType.BLANK, SalesDocumentType.QUOTE, SalesDocumentType.ORDER):
        raise DomainError(
            "invalid_input",
            _("Sales Document Type must be blank, quote or order."),
            fields={"sales_document_type": [str(_("Use quote or order."))]},
        )
    previous_quote = opportunity.sales_document_no if opportunity.sales_document_type == SalesDocumentType.QUOTE else ""
    if not document_type or not document_no:
        opportunity.sales_document_type = SalesDocumentType.BLANK
        opportunity.sales_document_no = ""
        documents.lookup().set_quote_opportunity(previous_quote, "")
        return
    other = (
        Opportunity.objects.filter(sales_document_type=document_type, sales_document_no=document_no)
        .exclude(no=opportunity.no)
        .values_list("no", flat=True)
        .first()
    )
    if other:
        if permissions.can_name_opportunity(by, other):
            message = _("Sales %(type)s %(document)s is already assigned to opportunity %(no)s.")
        else:  # never name a record the reader may not see (issue #12 item 4)
            message = _("Sales %(type)s %(document)s is already assigned to another opportunity.")
            other = ""
        raise DomainError(
            "opportunity.document_already_linked",
            message,
            fields={"sales_document_no": [str(_("Already linked to another opportunity."))]},
            params={"type": SalesDocumentType(document_type).label, "document": document_no, "no": other},
        )
    if not documents.lookup().exists(document_type, document_no, contact_no=opportunity.contact_id):
        raise DomainError(
            "opportunity.document_not_found",
            _("Sales %(type)s %(document)s for contact %(contact)s does not exist."),
            fields={"sales_document_no": [str(_("Unknown document for this contact."))]},
            params={
                "type": SalesDocumentType(document_type).label,
                "document": document_no,
                "contact": opportunity.contact_id,
            },
        )
    opportunity.sales_document_type = document_type
    opportunity.sales_document_no = document_no
    # The link is kept on both sides (spec §4.10.1): the previous quote loses it, a new quote gets it.
    if previous_quote and previous_quote != document_no:
        documents.lookup().set_quote_opportunity(previous_quote, "")
    if document_type == SalesDocumentType.QUOTE:
        documents.lookup().set_quote_opportunity(document_no, opportunity.no)


# ---------------------------------------------------------------------------------------------------------------
# Comments


@transaction.atomic
def add_comment(no: str, *, by: Actor, comment: str, date: dt.date | None = None) -> OpportunityComment:
    """Add a comment line to an opportunity (BC Rlshp. Mgt. Comment Line)."""
    opportunity = _lock(no, None, by=by)
    if not comment.strip():
        raise DomainError("invalid_input", _("A comment cannot be empty."), fields={"comment": [str(_("Required."))]})
    last = opportunity.comments.order_by("-line_no").values_list("line_no", flat=True).first() or 0
    return OpportunityComment.objects.create(
        opportunity=opportunity,
        line_no=last + 10000,
        date=date or get_work_date(by),
        comment=comment.strip(),
        created_by=user_of(by),
    )
