"""Shared pieces of the opportunity services: loading, validation helpers and the one writer of entries (spec §4.7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.contacts.models import Campaign, Contact, Salesperson, Segment
from salescycle.contacts.services import ensure_customer, normalize_key
from salescycle.core.actors import Actor, user_of
from salescycle.core.errors import DomainError
from salescycle.core.records import check_version, lock, require
from salescycle.core.workdate import get_work_date
from salescycle.opportunities import documents, engine, ledger
from salescycle.opportunities.models import (
    ActionTaken,
    MarketingSetup,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
    SalesDocumentType,
)
from salescycle.tasks import services as task_services

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


def _lock(no: str, expected_version: int | None, *, by: Actor) -> Opportunity:
    """Lock opportunity ``no`` for a change by ``by``: 404 when missing or invisible to them, 403 when they may only
    read it, then 409 ``conflict.version`` (after the permission check, so a stale If-Match reveals nothing)."""
    opportunity = lock(Opportunity, normalize_key(no))
    permissions.require_change_opportunity(by, opportunity)
    check_version(opportunity, expected_version)
    return opportunity


def _work_date(by: Actor, work_date: dt.date | None) -> dt.date:
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


def _insert_entry(opportunity: Opportunity, planned: engine.PlannedEntry, *, by: Actor) -> OpportunityEntry:
    """Deactivate the active entry (setting its Days Open), insert ``planned`` as the new active entry, cancel and
    create tasks, ensure the customer on Won, and update the opportunity's status and figures, with the row builders
    of :mod:`salescycle.opportunities.ledger`. Spec §4.7."""
    previous = active_entry(opportunity)
    if previous is not None:
        changes = ledger.deactivation(previous.date_of_change, planned.date_of_change)
        for name, value in changes.items():
            setattr(previous, name, value)
        previous.save(update_fields=list(changes))
    if planned.cancel_old_tasks:
        task_services.cancel_open_tasks(opportunity.no)
    user = user_of(by)
    row = ledger.entry_row(planned, _parties(opportunity), created_by_id=user.pk if user is not None else None)
    entry = OpportunityEntry.objects.create(**row)
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
    if planned.action_taken == ActionTaken.WON and opportunity.contact_id:
        contact = Contact.objects.get(no=opportunity.contact_id)
        ensure_customer(contact)
    for name, value in ledger.opportunity_state(row).items():
        setattr(opportunity, name, value)
    opportunity.version = F("version") + 1
    # Only the columns an entry changes: the other indexes of a large table are left alone.
    opportunity.save(update_fields=[*ledger.STATE_FIELDS, "version", "modified_at"])
    opportunity.refresh_from_db()
    return entry


def _parties(opportunity: Opportunity) -> ledger.Parties:
    return ledger.Parties(
        no=opportunity.no,
        sales_cycle_id=opportunity.sales_cycle_id,
        contact_id=opportunity.contact_id,
        contact_company_id=opportunity.contact_company_id,
        salesperson_id=opportunity.salesperson_id,
        campaign_id=opportunity.campaign_id,
        segment_id=opportunity.segment_id,
    )


def copy_active_figures(opportunity: Opportunity, entry: OpportunityEntry) -> None:
    """Copy the active entry's figures onto the opportunity (its FlowFields, spec §2.5 fields 17–22 and 28:
    :data:`salescycle.opportunities.ledger.FIGURES`)."""
    for opportunity_field, entry_field in ledger.FIGURES:
        setattr(opportunity, opportunity_field, getattr(entry, entry_field))


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


def _user_salesperson(by: Actor) -> str | None:
    user = user_of(by)
    if user is None:
        return None
    return Salesperson.objects.filter(user_id=user.pk).values_list("code", flat=True).first()
