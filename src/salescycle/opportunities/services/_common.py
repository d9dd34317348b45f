"""Shared pieces of the opportunity services: locking, validation helpers and the one writer of entries (spec §4.7).
The reads they build on (cycle, active entry, linked quote) are selectors (``selectors/cycles.py``,
``selectors/entries.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.contacts.models import Campaign, Contact, Salesperson, Segment
from salescycle.core.actors import Actor, user_of
from salescycle.core.errors import DomainError
from salescycle.core.keys import normalize_key
from salescycle.core.records import check_version, lock, require
from salescycle.core.workdate import get_work_date
from salescycle.opportunities import engine, ledger
from salescycle.opportunities.choices import ActionTaken
from salescycle.opportunities.models import Opportunity, OpportunityEntry, SalesCycle
from salescycle.opportunities.selectors.cycles import load_cycle
from salescycle.opportunities.selectors.entries import active_entry
from salescycle.opportunities.services.customers import ensure_customer
from salescycle.tasks import services as task_services

# ---------------------------------------------------------------------------------------------------------------
# Locking and checks


def _lock(no: str, expected_version: int | None, *, by: Actor) -> Opportunity:
    """Lock opportunity ``no`` for a change by ``by``: 404 when missing or invisible to them, 403 when they may only
    read it, then 409 ``conflict.version`` (after the permission check, so a stale If-Match reveals nothing)."""
    opportunity = lock(Opportunity, normalize_key(no))
    permissions.require_change_opportunity(by, opportunity)
    check_version(opportunity, expected_version)
    return opportunity


def _work_date(by: Actor, work_date: dt.date | None) -> dt.date:
    return work_date or get_work_date(by)


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


_UNREAD: Any = object()  # the caller has not read the active entry


def _insert_entry(
    opportunity: Opportunity,
    planned: engine.PlannedEntry,
    *,
    by: Actor,
    previous: OpportunityEntry | None = _UNREAD,
) -> OpportunityEntry:
    """Deactivate the active entry (setting its Days Open), insert ``planned`` as the new active entry, cancel and
    create tasks, ensure the customer on Won, and update the opportunity's status and figures, with the row builders
    of :mod:`salescycle.opportunities.ledger`. ``previous`` is the active entry when the caller has read it under
    the opportunity's lock (one read less). The opportunity must be locked (:func:`_lock`): its version goes up by
    one from the value read under that lock. Spec §4.7."""
    if previous is _UNREAD:
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
    # The row is locked since it was read (select_for_update; SQLite: the write transaction), so its version is
    # exactly the one read: no re-read after the update.
    opportunity.version += 1
    # Only the columns an entry changes: the other indexes of a large table are left alone.
    opportunity.save(update_fields=[*ledger.STATE_FIELDS, "version", "modified_at"])
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
