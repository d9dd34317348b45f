"""Creating opportunities (spec §4.1–§4.2, §4.4.1, D8, D9)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.contacts.models import Campaign, Contact, Salesperson, Segment, SegmentLine
from salescycle.core.actors import Actor
from salescycle.core.errors import Conflict, DomainError
from salescycle.core.keys import normalize_key, optional_key
from salescycle.core.money import ZERO
from salescycle.core.numbering import next_no
from salescycle.jobs.models import Job
from salescycle.jobs.runner import JobRun, percent, start_job
from salescycle.opportunities import engine
from salescycle.opportunities.models import (
    Opportunity,
)
from salescycle.opportunities.selectors.cycles import default_sales_cycle_code, load_cycle
from salescycle.opportunities.services._common import (
    _check_campaign,
    _check_segment,
    _insert_entry,
    _sales_cycle,
    _salesperson,
    _user_salesperson,
    _work_date,
)
from salescycle.tasks.models import Priority

# ---------------------------------------------------------------------------------------------------------------
# Creating (spec §4.1–§4.2)


@dataclass(frozen=True)
class Estimates:
    """The creation wizard's "Estimates" group (spec §4.2.2): amounts in LCY, chances in %."""

    estimated_value: Decimal | None = None
    chances_of_success_pct: Decimal | None = None
    estimated_closing_date: dt.date | None = None


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


def _new_opportunity_salesperson(by: Actor, salesperson_code: str | None, contact: Contact) -> Salesperson:
    """The salesperson of a new opportunity: ``salesperson_code``, else a Salesperson's own (a Salesperson creates
    only for themselves), else the contact's, else the acting user's; checked to exist, not blocked, and one ``by``
    may create opportunities for. Errors: ``opportunity.create.salesperson_required``, ``salesperson.not_found``,
    ``salesperson.blocked``, 403 ``permission_denied``."""
    who = permissions.access(by)
    own = who.salesperson_code if who.changes_own and not who.changes_all else ""
    salesperson_key = normalize_key(salesperson_code) or own or contact.salesperson_id or _user_salesperson(by)
    if not salesperson_key:
        raise DomainError(
            "opportunity.create.salesperson_required",
            _("You must fill in the Salesperson Code field."),
            fields={"salesperson_code": [str(_("Required."))]},
        )
    salesperson = _salesperson(salesperson_key)
    permissions.require_create_opportunity(by, salesperson.code)
    return salesperson


@transaction.atomic
def create_opportunity(
    *,
    by: Actor,
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
    Permissions (issue #8): 403 ``permission_denied`` for Viewers and users without a role; a Salesperson creates
    opportunities only for themselves (their own salesperson is the default, before the contact's).
    Implements spec §4.1, §4.2.2, §4.4.1.
    """
    permissions.require_write(by)
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
    contact = permissions.require_visible_ref(by, Contact, contact_key, code="contact.not_found", field="contact_no")
    salesperson = _new_opportunity_salesperson(by, salesperson_code, contact)
    cycle_key = normalize_key(sales_cycle_code) or default_sales_cycle_code()
    if not cycle_key:
        raise DomainError(
            "opportunity.create.sales_cycle_required",
            _("You must fill in the Sales Cycle Code field."),
            fields={"sales_cycle_code": [str(_("Required."))]},
        )
    cycle = _sales_cycle(cycle_key)
    key = optional_key(no, "no")
    campaign = None
    if campaign_no:
        campaign = permissions.require_visible_ref(
            by, Campaign, normalize_key(campaign_no), code="campaign.not_found", field="campaign_no"
        )
        _check_campaign(campaign, creation, key or "")
    segment = None
    if segment_no:
        segment = permissions.require_visible_ref(
            by, Segment, normalize_key(segment_no), code="segment.not_found", field="segment_no"
        )
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


@transaction.atomic
def create_opportunities_from_segment(
    segment_no: str,
    *,
    by: Actor,
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
    segment = _segment_with_lines(segment_no, by=by)
    return _create_for_lines(
        segment,
        _segment_lines(segment),
        by=by,
        description=description,
        sales_cycle_code=sales_cycle_code,
        salesperson_code=salesperson_code,
        priority=priority,
        creation_date=creation_date,
        activate_first_stage=activate_first_stage,
        estimates=estimates,
        work_date=work_date,
    )


def _segment_lines(segment: Segment) -> QuerySet[SegmentLine]:
    return segment.lines.exclude(contact_id="").order_by("line_no")


def _segment_with_lines(segment_no: str, *, by: Actor) -> Segment:
    """The segment ``segment_no`` when ``by`` may write and see it and it has a line with a contact. Errors: 403
    ``permission_denied``, ``segment.not_found``, ``segment.empty``."""
    permissions.require_write(by)
    segment = permissions.require_visible_ref(
        by, Segment, normalize_key(segment_no), code="segment.not_found", field="segment_no"
    )
    if not _segment_lines(segment).exists():
        raise DomainError(
            "segment.empty", _("You cannot create opportunities on an empty segment."), params={"no": segment.no}
        )
    return segment


def _create_for_lines(
    segment: Segment,
    lines: Iterable[SegmentLine],
    *,
    by: Actor,
    description: str,
    sales_cycle_code: str | None,
    salesperson_code: str | None,
    priority: str,
    creation_date: dt.date | None,
    activate_first_stage: bool,
    estimates: Estimates | None,
    work_date: dt.date | None,
) -> list[Opportunity]:
    """:func:`create_opportunity` for each of ``lines`` of ``segment``: the one rule of §4.2.3, for the request and
    for each step of the job alike."""
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
# Create Opportunities from a large segment as a background job (issue #16)

CREATE_FROM_SEGMENT_JOB = "opportunities.create_from_segment"
# Segment lines per job step (one transaction each, with the checkpoint).
SEGMENT_JOB_CHUNK = 500


def create_opportunities_from_segment_or_start_job(
    segment_no: str,
    *,
    by: Actor,
    description: str,
    sales_cycle_code: str | None = None,
    salesperson_code: str | None = None,
    priority: str = Priority.NORMAL,
    creation_date: dt.date | None = None,
    activate_first_stage: bool = False,
    estimates: Estimates | None = None,
    work_date: dt.date | None = None,
) -> list[Opportunity] | Job:
    """Create Opportunities from a segment as the web app and the API run it: up to ``JOBS_SYNC_LIMIT`` (10,000)
    lines with a contact, :func:`create_opportunities_from_segment` now (its result); more, a background job
    (:func:`create_opportunities_from_segment_job`), returned queued, with the creation date fixed now (the
    WorkDate of ``by`` when not given). Errors before the job starts: 403 ``permission_denied``,
    ``segment.not_found``, ``segment.empty``; the others of :func:`create_opportunity` fail the job at its first
    step (nothing created) or, for a line found wrong later, stop it with the lines before that one created (the
    job's error says so). Implements spec §4.2.3 and issue #16."""
    segment = _segment_with_lines(segment_no, by=by)
    limit = settings.JOBS_SYNC_LIMIT
    values: dict[str, Any] = {
        "description": description,
        "sales_cycle_code": sales_cycle_code,
        "salesperson_code": salesperson_code,
        "priority": priority,
        "activate_first_stage": activate_first_stage,
        "estimates": estimates,
        "work_date": work_date,
    }
    if _segment_lines(segment).values("pk")[: limit + 1].count() <= limit:
        return create_opportunities_from_segment(segment.no, by=by, creation_date=creation_date, **values)
    est = estimates or Estimates()
    parameters = {
        "segment_no": segment.no,
        "description": description,
        "sales_cycle_code": sales_cycle_code,
        "salesperson_code": salesperson_code,
        "priority": priority,
        "creation_date": creation_date or _work_date(by, work_date),
        "activate_first_stage": activate_first_stage,
        "estimated_value": est.estimated_value,
        "chances_of_success_pct": est.chances_of_success_pct,
        "estimated_closing_date": est.estimated_closing_date,
    }
    return start_job(CREATE_FROM_SEGMENT_JOB, by=by, parameters=parameters)


def _date_or_none(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _decimal_or_none(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def create_opportunities_from_segment_job(
    run: JobRun,
    *,
    by: Actor,
    segment_no: str,
    description: str,
    sales_cycle_code: str | None,
    salesperson_code: str | None,
    priority: str,
    creation_date: str,
    activate_first_stage: bool,
    estimated_value: str | None,
    chances_of_success_pct: str | None,
    estimated_closing_date: str | None,
) -> dict[str, Any]:
    """The job function of Create Opportunities from a large segment: the segment's lines with a contact in line
    order, :data:`SEGMENT_JOB_CHUNK` per step, each step one transaction that creates their opportunities
    (:func:`_create_for_lines`, the rule of the request) and records the last line done and the count in the job's
    checkpoint. A run after a crash starts after that line: no line gets two opportunities. Lines added to the
    segment behind the job's position are included; lines before it are not. Result ``{"segment_no",
    "created_count", "first_no", "last_no"}``. Errors: those of :func:`create_opportunity` (the steps before stay
    committed; ``opportunity.segment_job_stopped`` names the line). Implements spec §4.2.3 and issue #16."""
    segment = _segment_with_lines(segment_no, by=by)
    estimates = Estimates(
        _decimal_or_none(estimated_value),
        _decimal_or_none(chances_of_success_pct),
        _date_or_none(estimated_closing_date),
    )
    common: dict[str, Any] = {
        "by": by,
        "description": description,
        "sales_cycle_code": sales_cycle_code,
        "salesperson_code": salesperson_code,
        "priority": priority,
        "creation_date": dt.date.fromisoformat(creation_date),
        "activate_first_stage": activate_first_stage,
        "estimates": estimates,
        "work_date": None,
    }
    if "total" not in run.checkpoint:
        with run.step() as checkpoint:
            checkpoint.update(total=_segment_lines(segment).count(), after_line=0, created=0, first_no="", last_no="")
    while True:
        with run.step() as checkpoint:
            lines = list(_segment_lines(segment).filter(line_no__gt=checkpoint["after_line"])[:SEGMENT_JOB_CHUNK])
            if not lines:
                break
            try:
                created = _create_for_lines(segment, lines, **common)
            except DomainError as error:
                if not checkpoint["created"]:
                    raise
                raise DomainError(
                    "opportunity.segment_job_stopped",
                    _("Stopped after %(count)s opportunities, before segment line %(line)s: %(reason)s"),
                    params={"count": checkpoint["created"], "line": lines[0].line_no, "reason": error.message},
                ) from error
            checkpoint["after_line"] = lines[-1].line_no
            checkpoint["created"] += len(created)
            checkpoint["first_no"] = checkpoint["first_no"] or created[0].no
            checkpoint["last_no"] = created[-1].no
            run.progress = percent(checkpoint["created"], checkpoint["total"])
    return {
        "segment_no": segment.no,
        "created_count": run.checkpoint["created"],
        "first_no": run.checkpoint["first_no"],
        "last_no": run.checkpoint["last_no"],
    }
