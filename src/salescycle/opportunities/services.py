"""Every write on opportunities (spec §4.1–§4.9, §4.11): one function per business verb, one transaction each.

Each verb locks the opportunity row (``SELECT … FOR UPDATE``; on SQLite the IMMEDIATE transaction serialises
writers), asks the pure engine for the new entry and writes it with :func:`_insert_entry`, the only place that
changes the active entry, the status and the opportunity's copy of the active entry's figures. A refused action
raises a ``DomainError`` and, because nothing is written before the engine has accepted it, leaves the database
unchanged (the transaction is rolled back in any case).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from salescycle.contacts.models import Campaign, Contact, Salesperson, Segment
from salescycle.contacts.services import ensure_customer, normalize_key
from salescycle.core.errors import Conflict, DomainError
from salescycle.core.money import ZERO
from salescycle.core.numbering import next_no
from salescycle.core.records import lock, require
from salescycle.core.workdate import get_work_date
from salescycle.opportunities import documents, engine
from salescycle.opportunities.models import (
    ActionTaken,
    CloseOpportunityCode,
    MarketingSetup,
    Opportunity,
    OpportunityComment,
    OpportunityEntry,
    OpportunityStatus,
    SalesCycle,
    SalesCycleStage,
    SalesDocumentType,
)
from salescycle.tasks import services as task_services
from salescycle.tasks.models import Priority, Task

# ---------------------------------------------------------------------------------------------------------------
# Loading


def load_cycle(code: str | None) -> engine.Cycle | None:
    """The engine's view of sales cycle ``code`` with its stages (one query each), or None."""
    if not code:
        return None
    cycle = SalesCycle.objects.filter(code=code).first()
    if cycle is None:
        return None
    stages = SalesCycleStage.objects.filter(sales_cycle_id=code).order_by("stage")
    return engine.Cycle(
        code=cycle.code,
        probability_calculation=cycle.probability_calculation,
        stages=tuple(
            engine.Stage(
                stage=s.stage,
                description=s.description,
                completed_pct=s.completed_pct,
                chances_of_success_pct=s.chances_of_success_pct,
                date_formula=s.date_formula,
                quote_required=s.quote_required,
                allow_skip=s.allow_skip,
                activity_code=s.activity_id,
            )
            for s in stages
        ),
    )


def active_entry(opportunity: Opportunity) -> OpportunityEntry | None:
    """The opportunity's active entry, or None when it is Not Started."""
    return OpportunityEntry.objects.filter(opportunity_id=opportunity.no, active=True).first()


def entry_state(entry: OpportunityEntry | None) -> engine.EntryState | None:
    """The engine's view of an entry."""
    if entry is None:
        return None
    return engine.EntryState(
        sales_cycle_stage=entry.sales_cycle_stage,
        date_of_change=entry.date_of_change,
        estimated_value=entry.estimated_value,
        chances_of_success_pct=entry.chances_of_success_pct,
        estimated_close_date=entry.estimated_close_date,
        action_taken=entry.action_taken,
    )


def _lock(no: str, expected_version: int | None) -> Opportunity:
    return lock(Opportunity, normalize_key(no), expected_version=expected_version)


def _work_date(by: Any, work_date: dt.date | None) -> dt.date:
    return work_date or get_work_date(by)


def _has_quote(opportunity: Opportunity) -> bool:
    return opportunity.sales_document_type == SalesDocumentType.QUOTE and documents.lookup().exists(
        "quote", opportunity.sales_document_no
    )


def _quote_value(opportunity: Opportunity) -> Decimal | None:
    return documents.linked_quote_value(opportunity.sales_document_type, opportunity.sales_document_no)


def _cycle_or_error(opportunity: Opportunity) -> engine.Cycle:
    cycle = load_cycle(opportunity.sales_cycle_id)
    if cycle is None:
        raise DomainError(
            "opportunity.sales_cycle_required",
            _("Sales Cycle Code must have a value in Opportunity %(no)s."),
            fields={"sales_cycle_code": [str(_("Required."))]},
            params={"no": opportunity.no},
        )
    return cycle


# ---------------------------------------------------------------------------------------------------------------
# The one place that writes entries (spec §4.7)


def _insert_entry(opportunity: Opportunity, planned: engine.PlannedEntry, *, by: Any) -> OpportunityEntry:
    """Deactivate the active entry (setting its Days Open), insert ``planned`` as the new active entry, cancel and
    create tasks, ensure the customer on Won, and update the opportunity's status and figures. Spec §4.7."""
    previous = active_entry(opportunity)
    if previous is not None:
        previous.active = False
        previous.days_open = max((planned.date_of_change - previous.date_of_change).days, 0)
        previous.save(update_fields=["active", "days_open"])
    if planned.cancel_old_tasks:
        task_services.cancel_open_tasks(opportunity.no)
    estimate = planned.estimate
    entry = OpportunityEntry.objects.create(
        opportunity=opportunity,
        sales_cycle_id=opportunity.sales_cycle_id,
        sales_cycle_stage=planned.sales_cycle_stage,
        sales_cycle_stage_description=planned.sales_cycle_stage_description,
        previous_sales_cycle_stage=planned.previous_sales_cycle_stage,
        contact_id=opportunity.contact_id,
        contact_company_id=opportunity.contact_company_id,
        salesperson_id=opportunity.salesperson_id,
        campaign_id=opportunity.campaign_id,
        date_of_change=planned.date_of_change,
        active=True,
        date_closed=planned.date_closed,
        action_taken=planned.action_taken,
        estimated_value=estimate.estimated_value,
        calculated_current_value=estimate.calculated_current_value,
        completed_pct=estimate.completed_pct,
        chances_of_success_pct=estimate.chances_of_success_pct,
        probability_pct=estimate.probability_pct,
        close_opportunity_code_id=planned.close_opportunity_code,
        estimated_close_date=estimate.estimated_close_date,
        created_by=by if getattr(by, "pk", None) else None,
    )
    if planned.create_stage_tasks and planned.activity_code:
        task_services.create_stage_tasks(
            activity_code=planned.activity_code,
            date_of_change=planned.date_of_change,
            opportunity_no=opportunity.no,
            opportunity_entry_no=entry.entry_no,
            salesperson_id=opportunity.salesperson_id,
            contact_id=opportunity.contact_id,
            contact_company_id=opportunity.contact_company_id,
            campaign_id=opportunity.campaign_id,
            segment_id=opportunity.segment_id,
        )
    if planned.action_taken == ActionTaken.WON:
        if opportunity.contact_id:
            contact = Contact.objects.get(no=opportunity.contact_id)
            ensure_customer(contact)
        opportunity.status = OpportunityStatus.WON
    elif planned.action_taken == ActionTaken.LOST:
        opportunity.status = OpportunityStatus.LOST
    else:
        opportunity.status = OpportunityStatus.IN_PROGRESS
    if planned.is_closing:
        opportunity.closed = True
        opportunity.date_closed = planned.date_of_change
    copy_active_figures(opportunity, entry)
    opportunity.version = F("version") + 1
    opportunity.save()
    opportunity.refresh_from_db()
    return entry


def copy_active_figures(opportunity: Opportunity, entry: OpportunityEntry) -> None:
    """Copy the active entry's figures onto the opportunity (its FlowFields, spec §2.5 fields 17–22 and 28)."""
    opportunity.current_sales_cycle_stage = entry.sales_cycle_stage
    opportunity.current_stage_description = entry.sales_cycle_stage_description
    opportunity.estimated_value = entry.estimated_value
    opportunity.chances_of_success_pct = entry.chances_of_success_pct
    opportunity.completed_pct = entry.completed_pct
    opportunity.probability_pct = entry.probability_pct
    opportunity.calculated_current_value = entry.calculated_current_value
    opportunity.estimated_closing_date = entry.estimated_close_date


# ---------------------------------------------------------------------------------------------------------------
# Creating (spec §4.1–§4.2)


@dataclass(frozen=True)
class Estimates:
    """The creation wizard's "Estimates" group (spec §4.2.2): amounts in LCY, chances in %."""

    estimated_value: Decimal | None = None
    chances_of_success_pct: Decimal | None = None
    estimated_closing_date: dt.date | None = None


def _salesperson(code: str, field: str = "salesperson_code") -> Salesperson:
    salesperson = require(Salesperson, code, code="salesperson.not_found", field=field)
    if salesperson.blocked:
        raise DomainError(
            "salesperson.blocked",
            _("Salesperson %(code)s is blocked."),
            fields={field: [str(_("Blocked."))]},
            params={"code": code},
        )
    return salesperson


def _sales_cycle(code: str) -> SalesCycle:
    cycle = require(SalesCycle, code, code="sales_cycle.not_found", field="sales_cycle_code")
    if cycle.blocked:
        raise DomainError(
            "sales_cycle.blocked",
            _("Blocked must be equal to 'No' in Sales Cycle: Code=%(code)s."),
            fields={"sales_cycle_code": [str(_("Blocked."))]},
            params={"code": code},
        )
    return cycle


def default_sales_cycle_code() -> str | None:
    """Marketing Setup's default sales cycle when it exists and is not blocked (spec §2.1)."""
    setup = MarketingSetup.objects.select_related("default_sales_cycle").filter(id=1).first()
    if setup is None or setup.default_sales_cycle is None or setup.default_sales_cycle.blocked:
        return None
    return setup.default_sales_cycle.code


def _check_campaign(campaign: Campaign, creation_date: dt.date, opportunity_no: str) -> None:
    in_period = (
        campaign.starting_date is not None
        and campaign.starting_date <= creation_date
        and campaign.ending_date is not None
        and campaign.ending_date >= creation_date
    )
    if not in_period:
        raise DomainError(
            "opportunity.campaign_out_of_period",
            _(
                "Campaign No. must not be %(campaign)s in Opportunity No.=%(no)s: "
                "its period does not cover the creation date."
            ),
            fields={"campaign_no": [str(_("The campaign's period does not cover the creation date."))]},
            params={"campaign": campaign.no, "no": opportunity_no},
        )
    if not campaign.activated:
        raise DomainError(
            "opportunity.campaign_not_activated",
            _("Campaign %(campaign)s is not activated."),
            fields={"campaign_no": [str(_("Not activated."))]},
            params={"campaign": campaign.no},
        )


def _check_segment(segment: Segment, campaign_no: str | None) -> None:
    if campaign_no and segment.campaign_id and segment.campaign_id != campaign_no:
        raise DomainError(
            "opportunity.segment_campaign_mismatch",
            _("Segment %(segment)s belongs to campaign %(segment_campaign)s, not %(campaign)s."),
            fields={"segment_no": [str(_("Belongs to another campaign."))]},
            params={"segment": segment.no, "segment_campaign": segment.campaign_id, "campaign": campaign_no},
        )


def _check_create_estimates(estimates: Estimates, creation_date: dt.date) -> None:
    if estimates.estimated_value is None or estimates.estimated_value <= 0:
        raise DomainError(
            "opportunity.create.estimated_value_not_positive",
            _("Estimated Value (LCY) must be greater than 0."),
            fields={"estimated_value": [str(_("Must be greater than 0."))]},
        )
    chances = estimates.chances_of_success_pct
    if chances is None or chances <= 0:
        raise DomainError(
            "opportunity.create.chances_not_positive",
            _("Chances of Success % must be greater than 0."),
            fields={"chances_of_success_pct": [str(_("Must be greater than 0."))]},
        )
    if chances > 100:
        raise DomainError(
            "invalid_input",
            _("Chances of Success % must be between 0 and 100."),
            fields={"chances_of_success_pct": [str(_("Must be between 0 and 100."))]},
        )
    if estimates.estimated_closing_date is None:
        raise DomainError(
            "opportunity.create.closing_date_required",
            _("You must fill in the Estimated Closing Date field."),
            fields={"estimated_closing_date": [str(_("Required."))]},
        )
    if estimates.estimated_closing_date < creation_date:
        raise DomainError(
            "opportunity.create.closing_date_before_creation",
            _("The Estimated Closing Date must not be earlier than the Creation Date."),
            fields={"estimated_closing_date": [str(_("Must not be earlier than the creation date."))]},
        )


@transaction.atomic
def create_opportunity(
    *,
    by: Any = None,
    no: str | None = None,
    description: str,
    contact_no: str | None,
    salesperson_code: str | None = None,
    sales_cycle_code: str | None = None,
    campaign_no: str | None = None,
    segment_no: str | None = None,
    priority: str = Priority.NORMAL,
    creation_date: dt.date | None = None,
    activate_first_stage: bool = False,
    estimates: Estimates | None = None,
    work_date: dt.date | None = None,
) -> Opportunity:
    """Create an opportunity as the Create Opportunity wizard does, optionally activating its first stage.

    Defaults: ``no`` from the opportunity series; ``creation_date`` = WorkDate; salesperson = the contact's, else
    the acting user's; sales cycle = Marketing Setup's default (if not blocked). Errors in order (spec §4.2.2, D8):
    ``opportunity.create.description_required``, ``opportunity.create.contact_required``, ``contact.not_found``,
    ``opportunity.create.salesperson_required``, ``salesperson.not_found``, ``salesperson.blocked``,
    ``opportunity.create.sales_cycle_required``, ``sales_cycle.not_found``, ``sales_cycle.blocked``, campaign and
    segment rules (§4.3.3–§4.3.4), the activation estimates (``…estimated_value_not_positive``,
    ``…chances_not_positive``, ``…closing_date_required``, ``…closing_date_before_creation``),
    ``sales_cycle.no_stages`` (D9), ``conflict.exists`` for a number already used.
    Implements spec §4.1, §4.2.2, §4.4.1.
    """
    creation = creation_date or _work_date(by, work_date)
    if not (description or "").strip():
        raise DomainError(
            "opportunity.create.description_required",
            _("You must fill in the Description field."),
            fields={"description": [str(_("Required."))]},
        )
    contact_key = normalize_key(contact_no)
    if not contact_key:
        raise DomainError(
            "opportunity.create.contact_required",
            _("You must fill in the contact that is involved in the opportunity."),
            fields={"contact_no": [str(_("Required."))]},
        )
    contact = require(Contact, contact_key, code="contact.not_found", field="contact_no")
    salesperson_key = normalize_key(salesperson_code) or contact.salesperson_id or _user_salesperson(by)
    if not salesperson_key:
        raise DomainError(
            "opportunity.create.salesperson_required",
            _("You must fill in the Salesperson Code field."),
            fields={"salesperson_code": [str(_("Required."))]},
        )
    salesperson = _salesperson(salesperson_key)
    cycle_key = normalize_key(sales_cycle_code) or default_sales_cycle_code()
    if not cycle_key:
        raise DomainError(
            "opportunity.create.sales_cycle_required",
            _("You must fill in the Sales Cycle Code field."),
            fields={"sales_cycle_code": [str(_("Required."))]},
        )
    cycle = _sales_cycle(cycle_key)
    key = normalize_key(no)
    campaign = None
    if campaign_no:
        campaign = require(Campaign, normalize_key(campaign_no), code="campaign.not_found", field="campaign_no")
        _check_campaign(campaign, creation, key or "")
    segment = None
    if segment_no:
        segment = require(Segment, normalize_key(segment_no), code="segment.not_found", field="segment_no")
        _check_segment(segment, campaign.no if campaign else None)
    if priority not in Priority.values:
        raise DomainError(
            "invalid_input", _("Unknown priority."), fields={"priority": [str(_("Use low, normal or high."))]}
        )
    engine_cycle = None
    if activate_first_stage:
        _check_create_estimates(estimates or Estimates(), creation)
        engine_cycle = load_cycle(cycle.code)
        assert engine_cycle is not None
        if not engine_cycle.stages:
            raise engine._no_stages(engine_cycle)
    if key:
        if Opportunity.objects.filter(no=key).exists():
            raise Conflict("conflict.exists", _("Opportunity %(no)s already exists."), params={"no": key})
    else:
        key = next_no("opportunity", exists=lambda n: Opportunity.objects.filter(no=n).exists())
    opportunity = Opportunity.objects.create(
        no=key,
        description=description.strip(),
        contact=contact,
        contact_company_id=contact.company_id,
        salesperson=salesperson,
        sales_cycle=cycle,
        campaign=campaign,
        segment=segment,
        segment_description=segment.description if segment else "",
        priority=priority,
        creation_date=creation,
        no_series="" if no else "opportunity",
    )
    if activate_first_stage and engine_cycle is not None:
        est = estimates or Estimates()
        planned = engine.plan_first_stage(
            engine_cycle,
            date_of_change=creation,
            estimated_value=est.estimated_value or ZERO,
            chances_of_success_pct=est.chances_of_success_pct or ZERO,
            estimated_close_date=est.estimated_closing_date,
        )
        _insert_entry(opportunity, planned, by=by)
    return opportunity


def _user_salesperson(by: Any) -> str | None:
    if by is None or not getattr(by, "pk", None):
        return None
    return Salesperson.objects.filter(user_id=by.pk).values_list("code", flat=True).first()


@transaction.atomic
def create_opportunities_from_segment(
    segment_no: str,
    *,
    by: Any = None,
    description: str,
    sales_cycle_code: str | None = None,
    salesperson_code: str | None = None,
    priority: str = Priority.NORMAL,
    creation_date: dt.date | None = None,
    activate_first_stage: bool = False,
    estimates: Estimates | None = None,
    work_date: dt.date | None = None,
) -> list[Opportunity]:
    """One opportunity per segment line with a contact, all with the segment's campaign and salesperson (the segment
    header's salesperson wins over ``salesperson_code``), each optionally activated with the same estimates.
    Errors: ``segment.empty`` and those of :func:`create_opportunity` (the first failure rolls back all).
    Implements spec §4.2.3."""
    segment = require(Segment, normalize_key(segment_no), code="segment.not_found", field="segment_no")
    lines = list(segment.lines.exclude(contact_id="").order_by("line_no"))
    if not lines:
        raise DomainError(
            "segment.empty", _("You cannot create opportunities on an empty segment."), params={"no": segment.no}
        )
    return [
        create_opportunity(
            by=by,
            description=description,
            contact_no=line.contact_id,
            salesperson_code=segment.salesperson_id or salesperson_code,
            sales_cycle_code=sales_cycle_code,
            campaign_no=segment.campaign_id,
            segment_no=segment.no,
            priority=priority,
            creation_date=creation_date,
            activate_first_stage=activate_first_stage,
            estimates=estimates,
            work_date=work_date,
        )
        for line in lines
    ]


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
    "description": set(OpportunityStatus.values),
    "segment_no": set(OpportunityStatus.values),
}


@transaction.atomic
def change_opportunity(
    no: str,
    *,
    by: Any = None,
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
    active entries follow. Campaign (§4.3.3): period and activation, segment reset. Segment (§4.3.4). Sales document
    (§4.10.1): ``opportunity.document_already_linked``, ``opportunity.document_not_found``. With
    ``update_open_tasks`` the open tasks with the old salesperson/contact/campaign get the new one.
    """
    opportunity = _lock(no, expected_version)
    status = opportunity.status
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError(
            "invalid_input",
            _("These fields cannot be changed: %(fields)s."),
            fields={name: [str(_("Not changeable."))] for name in sorted(unknown)},
            params={"fields": ", ".join(sorted(unknown))},
        )
    current = {
        "sales_cycle_code": opportunity.sales_cycle_id,
        "contact_no": opportunity.contact_id,
        "salesperson_code": opportunity.salesperson_id,
        "campaign_no": opportunity.campaign_id,
        "priority": opportunity.priority,
        "sales_document_type": opportunity.sales_document_type,
        "sales_document_no": opportunity.sales_document_no,
        "description": opportunity.description,
        "segment_no": opportunity.segment_id,
    }
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
    entry_updates: dict[str, Any] = {}
    if "description" in changed:
        opportunity.description = changed["description"]
    if "priority" in changed:
        if changed["priority"] not in Priority.values:
            raise DomainError(
                "invalid_input", _("Unknown priority."), fields={"priority": [str(_("Use low, normal or high."))]}
            )
        opportunity.priority = changed["priority"]
    if "sales_cycle_code" in changed:
        if not changed["sales_cycle_code"]:
            raise DomainError(
                "opportunity.sales_cycle_required",
                _("Sales Cycle Code must have a value in Opportunity %(no)s."),
                fields={"sales_cycle_code": [str(_("Required."))]},
                params={"no": opportunity.no},
            )
        opportunity.sales_cycle = _sales_cycle(changed["sales_cycle_code"])
    if "contact_no" in changed:
        _change_contact(opportunity, changed["contact_no"], update_open_tasks, entry_updates)
    if "salesperson_code" in changed:
        _change_salesperson(opportunity, changed["salesperson_code"], update_open_tasks, entry_updates)
    if "campaign_no" in changed:
        _change_campaign(opportunity, changed["campaign_no"], update_open_tasks, entry_updates)
    if "segment_no" in changed:
        _change_segment(opportunity, changed["segment_no"])
    if "sales_document_type" in changed or "sales_document_no" in changed:
        _change_document(
            opportunity,
            changed.get("sales_document_type", opportunity.sales_document_type),
            changed.get("sales_document_no", opportunity.sales_document_no) or "",
        )
    if entry_updates:
        OpportunityEntry.objects.filter(opportunity_id=opportunity.no, active=True).update(**entry_updates)
    if changed:
        opportunity.version = F("version") + 1
        opportunity.save()
        opportunity.refresh_from_db()
    return opportunity


def _change_contact(opportunity: Opportunity, new_no: str | None, update_tasks: bool, entries: dict[str, Any]) -> None:
    if not new_no:
        raise DomainError(
            "opportunity.contact_required",
            _("Contact No. must have a value in Opportunity %(no)s."),
            fields={"contact_no": [str(_("Required."))]},
            params={"no": opportunity.no},
        )
    contact = require(Contact, new_no, code="contact.not_found", field="contact_no")
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
    entries.update(contact_id=contact.no, contact_company_id=contact.company_id)


def _change_salesperson(
    opportunity: Opportunity, new_code: str | None, update_tasks: bool, entries: dict[str, Any]
) -> None:
    if not new_code:
        raise DomainError(
            "opportunity.salesperson_required",
            _("Salesperson Code must have a value in Opportunity %(no)s."),
            fields={"salesperson_code": [str(_("Required."))]},
            params={"no": opportunity.no},
        )
    salesperson = _salesperson(new_code)
    old = opportunity.salesperson_id
    if update_tasks and old:
        task_services.propagate_to_open_tasks(opportunity.no, "salesperson_id", old, salesperson.code)
    opportunity.salesperson = salesperson
    entries.update(salesperson_id=salesperson.code)


def _change_campaign(opportunity: Opportunity, new_no: str | None, update_tasks: bool, entries: dict[str, Any]) -> None:
    campaign = None
    if new_no:
        campaign = require(Campaign, new_no, code="campaign.not_found", field="campaign_no")
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


def _change_segment(opportunity: Opportunity, new_no: str | None) -> None:
    segment = None
    if new_no:
        segment = require(Segment, new_no, code="segment.not_found", field="segment_no")
        _check_segment(segment, opportunity.campaign_id)
    opportunity.segment = segment
    opportunity.segment_description = segment.description if segment else ""


def _change_document(opportunity: Opportunity, document_type: str | None, document_no: str) -> None:
    document_type = document_type or ""
    if document_type not in (SalesDocumentType.BLANK, SalesDocumentType.QUOTE, SalesDocumentType.ORDER):
        raise DomainError(
            "invalid_input",
            _("Sales Document Type must be blank, quote or order."),
            fields={"sales_document_type": [str(_("Use quote or order."))]},
        )
    if not document_type or not document_no:
        opportunity.sales_document_type = SalesDocumentType.BLANK
        opportunity.sales_document_no = ""
        return
    other = (
        Opportunity.objects.filter(sales_document_type=document_type, sales_document_no=document_no)
        .exclude(no=opportunity.no)
        .values_list("no", flat=True)
        .first()
    )
    if other:
        raise DomainError(
            "opportunity.document_already_linked",
            _("Sales %(type)s %(document)s is already assigned to opportunity %(no)s."),
            fields={"sales_document_no": [str(_("Already linked to another opportunity."))]},
            params={"type": document_type, "document": document_no, "no": other},
        )
    if not documents.lookup().exists(document_type, document_no, contact_no=opportunity.contact_id):
        raise DomainError(
            "opportunity.document_not_found",
            _("Sales %(type)s %(document)s for contact %(contact)s does not exist."),
            fields={"sales_document_no": [str(_("Unknown document for this contact."))]},
            params={"type": document_type, "document": document_no, "contact": opportunity.contact_id},
        )
    opportunity.sales_document_type = document_type
    opportunity.sales_document_no = document_no


# ---------------------------------------------------------------------------------------------------------------
# Moving through the cycle (spec §4.4–§4.5)


@transaction.atomic
def activate_first_stage(
    no: str,
    *,
    by: Any = None,
    date_of_change: dt.date | None = None,
    work_date: dt.date | None = None,
    expected_version: int | None = None,
) -> Opportunity:
    """The Activate First Stage action: a first entry on the cycle's lowest stage with value 0, chances and completed
    % from the stage and estimated close date CalcDate(stage formula, date of change); stage tasks are created.
    Errors: ``opportunity.sales_cycle_required``, ``opportunity.not_not_started``, ``sales_cycle.no_stages``.
    Implements spec §4.4.2."""
    opportunity = _lock(no, expected_version)
    if opportunity.closed:
        raise engine._closed_error()
    cycle = _cycle_or_error(opportunity)
    planned = engine.plan_first_stage(
        cycle,
        date_of_change=date_of_change or _work_date(by, work_date),
        is_started=opportunity.status != OpportunityStatus.NOT_STARTED,
    )
    _insert_entry(opportunity, planned, by=by)
    return opportunity


def get_update_options(
    no: str, *, by: Any = None, date_of_change: dt.date | None = None, work_date: dt.date | None = None
) -> engine.UpdateOptions:
    """The Update wizard's opening state for opportunity ``no`` (spec §4.5.1–§4.5.2). Errors: ``not_found``,
    ``opportunity.closed``, ``opportunity.sales_cycle_required``."""
    opportunity = Opportunity.objects.filter(no=normalize_key(no)).first()
    if opportunity is None:
        from salescycle.core.records import not_found

        raise not_found(Opportunity, no)
    if opportunity.closed:
        raise engine._closed_error()
    cycle = _cycle_or_error(opportunity)
    return engine.update_options(
        cycle,
        entry_state(active_entry(opportunity)),
        work_date=_work_date(by, work_date),
        date_of_change=date_of_change,
        quote_value=_quote_value(opportunity),
    )


@transaction.atomic
def update_opportunity(
    no: str,
    *,
    by: Any = None,
    request: engine.UpdateRequest,
    work_date: dt.date | None = None,
    expected_version: int | None = None,
) -> Opportunity:
    """Move the opportunity through its cycle with one of the six actions (First, Next, Previous, Skip, Update,
    Jump). Validation and errors as :func:`engine.plan_update` (spec §4.5.4–§4.5.5); then a new active entry
    (§4.7) with stage tasks except for Update, and cancelling old tasks when asked. Implements spec §4.5."""
    opportunity = _lock(no, expected_version)
    if opportunity.closed:
        raise engine._closed_error()
    cycle = _cycle_or_error(opportunity)
    planned = engine.plan_update(
        cycle,
        entry_state(active_entry(opportunity)),
        request,
        work_date=_work_date(by, work_date),
        has_quote=_has_quote(opportunity),
        quote_value=_quote_value(opportunity),
    )
    _insert_entry(opportunity, planned, by=by)
    return opportunity


# ---------------------------------------------------------------------------------------------------------------
# Closing (spec §4.8)


@transaction.atomic
def close_opportunity(
    no: str,
    *,
    by: Any = None,
    outcome: str | None,
    close_opportunity_code: str | None,
    date_closed: dt.date | None = None,
    sales_value: Decimal | None = None,
    cancel_old_tasks: bool = True,
    work_date: dt.date | None = None,
    expected_version: int | None = None,
) -> Opportunity:
    """Close the opportunity as Won or Lost with a close opportunity code of that type.

    ``date_closed`` defaults to max(last Date of Change, WorkDate); ``sales_value`` (LCY) is the Won value unless a
    linked quote exists, whose amount wins (D11). Old tasks are cancelled by default; no stage tasks. A Won close
    makes the contact (or its company) a customer. Errors as :func:`engine.plan_close`. Implements spec §4.8.
    """
    opportunity = _lock(no, expected_version)
    code_key = normalize_key(close_opportunity_code)
    code_type = CloseOpportunityCode.objects.filter(code=code_key).values_list("type", flat=True).first()
    planned = engine.plan_close(
        load_cycle(opportunity.sales_cycle_id),
        entry_state(active_entry(opportunity)),
        engine.CloseRequest(
            outcome=outcome,
            close_opportunity_code=code_key or None,
            date_closed=date_closed,
            sales_value=sales_value,
            cancel_old_tasks=cancel_old_tasks,
        ),
        close_code_type=code_type,
        work_date=_work_date(by, work_date),
        is_closed=opportunity.closed,
        quote_value=_quote_value(opportunity),
    )
    _insert_entry(opportunity, planned, by=by)
    return opportunity


# ---------------------------------------------------------------------------------------------------------------
# Deleting (spec §4.11.1–§4.11.2, D1)


@transaction.atomic
def delete_opportunity(no: str, *, by: Any = None, expected_version: int | None = None) -> None:
    """Delete an opportunity with its comments and entries; its tasks stay, their link cleared (D1).
    Errors: ``opportunity.delete_in_progress`` while In Progress. Implements spec §4.11.1."""
    opportunity = _lock(no, expected_version)
    if opportunity.status == OpportunityStatus.IN_PROGRESS:
        raise DomainError("opportunity.delete_in_progress", _("You cannot delete this opportunity while it is active."))
    _delete(Opportunity.objects.filter(no=opportunity.no))


@dataclass(frozen=True)
class DeleteResult:
    """How many opportunities and entries a batch delete removed (or would remove, for a dry run)."""

    deleted_opportunities: int
    deleted_entries: int


def closed_opportunities(
    *,
    no: str | None = None,
    date_closed_from: dt.date | None = None,
    date_closed_to: dt.date | None = None,
    salesperson_code: str | None = None,
    campaign_no: str | None = None,
    contact_no: str | None = None,
    sales_cycle_code: str | None = None,
) -> Any:
    """The closed opportunities matching the Delete Opportunities batch job's filters (spec §4.11.2)."""
    qs = Opportunity.objects.filter(closed=True)
    if no:
        qs = qs.filter(no=normalize_key(no))
    if date_closed_from:
        qs = qs.filter(date_closed__gte=date_closed_from)
    if date_closed_to:
        qs = qs.filter(date_closed__lte=date_closed_to)
    if salesperson_code:
        qs = qs.filter(salesperson_id=normalize_key(salesperson_code))
    if campaign_no:
        qs = qs.filter(campaign_id=normalize_key(campaign_no))
    if contact_no:
        qs = qs.filter(contact_id=normalize_key(contact_no))
    if sales_cycle_code:
        qs = qs.filter(sales_cycle_id=normalize_key(sales_cycle_code))
    return qs


@transaction.atomic
def delete_closed_opportunities(*, by: Any = None, dry_run: bool = False, **filters: Any) -> DeleteResult:
    """The Delete Opportunities batch job: delete the closed opportunities matching ``filters`` (see
    :func:`closed_opportunities`) with their comments and entries, in a few set-based statements whatever the
    number. ``dry_run`` only counts. Implements spec §4.11.2."""
    selected = closed_opportunities(**filters)
    nos = selected.values("no")
    result = DeleteResult(
        deleted_opportunities=selected.count(),
        deleted_entries=OpportunityEntry.objects.filter(opportunity_id__in=nos).count(),
    )
    if not dry_run and result.deleted_opportunities:
        _delete(selected)
    return result


def _delete(selected: Any) -> None:
    nos = selected.values("no")
    Task.objects.filter(opportunity_no__in=nos).update(opportunity_no="", opportunity_entry_no=0)
    from salescycle.opportunities.models import Interaction

    Interaction.objects.filter(opportunity_id__in=nos).update(opportunity=None)
    OpportunityComment.objects.filter(opportunity_id__in=nos)._raw_delete(OpportunityComment.objects.db)
    OpportunityEntry.objects.filter(opportunity_id__in=nos)._raw_delete(OpportunityEntry.objects.db)
    # Related rows are gone, so one DELETE suffices (Django's collector would load every row first).
    Opportunity.objects.filter(pk__in=selected.values("no"))._raw_delete(Opportunity.objects.db)


# ---------------------------------------------------------------------------------------------------------------
# Comments


@transaction.atomic
def add_comment(no: str, *, by: Any = None, comment: str, date: dt.date | None = None) -> OpportunityComment:
    """Add a comment line to an opportunity (BC Rlshp. Mgt. Comment Line)."""
    opportunity = _lock(no, None)
    if not comment.strip():
        raise DomainError("invalid_input", _("A comment cannot be empty."), fields={"comment": [str(_("Required."))]})
    last = opportunity.comments.order_by("-line_no").values_list("line_no", flat=True).first() or 0
    return OpportunityComment.objects.create(
        opportunity=opportunity,
        line_no=last + 10000,
        date=date or get_work_date(by),
        comment=comment.strip(),
        created_by=by if getattr(by, "pk", None) else None,
    )
