"""The opportunity side of sales quotes, orders and posted invoices (spec §4.10, §4.11.5–§4.11.6, D3, D12, D18).

The sales app calls these inside its own transaction; each function locks the opportunity, writes only the
opportunity and its entries, and tells the caller what it must change on the sales side (this package cannot import
the sales app). New entries go through :func:`_insert_entry`; the calculated value of the active entry changes with
:func:`set_active_calculated_value`, which keeps the opportunity's copy of the figures in step.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.errors import DomainError
from salescycle.core.money import ZERO
from salescycle.opportunities import documents, ledger
from salescycle.opportunities.choices import OpportunityStatus, SalesDocumentType
from salescycle.opportunities.models import Opportunity, OpportunityEntry
from salescycle.opportunities.selectors.entries import active_entry
from salescycle.opportunities.services import audit
from salescycle.opportunities.services._common import (
    _insert_entry,
    _lock,
    _work_date,
    copy_active_figures,
)


def _not_in_progress(opportunity: Opportunity) -> DomainError:
    return DomainError(
        "opportunity.not_in_progress",
        _("Status must be equal to 'In Progress' in Opportunity %(no)s. Current value is '%(status)s'."),
        fields={"opportunity_no": [str(_("The opportunity must be in progress."))]},
        params={"no": opportunity.no, "status": OpportunityStatus(opportunity.status).label},
    )


def _save_link(opportunity: Opportunity, document_type: str, document_no: str, *, by: Actor) -> None:
    before = audit.snapshot(opportunity)
    opportunity.sales_document_type = document_type if document_no else SalesDocumentType.BLANK
    opportunity.sales_document_no = document_no if document_type else ""
    opportunity.version = F("version") + 1
    opportunity.save(update_fields=["sales_document_type", "sales_document_no", "version", "modified_at"])
    opportunity.refresh_from_db()
    audit.record(opportunity, before, by=by)


def has_linked_document(opportunity: Opportunity) -> bool:
    """True when the opportunity's Sales Document No. names an existing quote, order or posted invoice (D3)."""
    return bool(opportunity.sales_document_type and opportunity.sales_document_no) and documents.lookup().exists(
        opportunity.sales_document_type, opportunity.sales_document_no
    )


def lock_for_sales_quote(no: str, *, by: Actor, expected_version: int | None = None) -> Opportunity:
    """Lock opportunity ``no`` and check that a sales quote may be created for it, in the order of spec §4.10.2:
    the contact must exist (``opportunity.contact_required``); no quote, order or posted invoice may be linked
    already (``quote.already_assigned``, D3); the status must be In Progress (``opportunity.not_in_progress``).
    Returns the locked opportunity. Implements spec §4.10.2 steps 1, 2 and 4."""
    opportunity = _lock(no, expected_version, by=by)
    if not opportunity.contact_id:
        raise DomainError(
            "opportunity.contact_required",
            _("Contact No. must have a value in Opportunity %(no)s."),
            params={"no": opportunity.no},
        )
    if has_linked_document(opportunity):
        raise DomainError(
            "quote.already_assigned",
            _("A sales quote has already been assigned to this opportunity."),
            params={"no": opportunity.no},
        )
    if opportunity.status != OpportunityStatus.IN_PROGRESS:
        raise _not_in_progress(opportunity)
    return opportunity


@transaction.atomic
def link_new_quote(no: str, *, quote_no: str, by: Actor) -> Opportunity:
    """Link opportunity ``no`` to the quote just created for it: Sales Document Type Quote, No. ``quote_no``.
    Implements spec §4.10.2 step 6."""
    opportunity = _lock(no, None, by=by)
    _save_link(opportunity, SalesDocumentType.QUOTE, quote_no, by=by)
    return opportunity


@transaction.atomic
def assign_quote(no: str, *, quote_no: str, reassign: bool = True, by: Actor) -> str | None:
    """Link opportunity ``no`` to quote ``quote_no`` from the quote's side (its Opportunity No. changes).

    The opportunity must be In Progress (``opportunity.not_in_progress``). When it is already linked to another
    document: with ``reassign`` the link moves to this quote, without it the call is refused with
    ``quote.reassign_declined`` and nothing changes (D18). Returns the number of the quote that lost the opportunity
    (the caller clears that quote's Opportunity No.), or None. Implements spec §4.10.4.
    """
    opportunity = _lock(no, None, by=by)
    if opportunity.status != OpportunityStatus.IN_PROGRESS:
        raise _not_in_progress(opportunity)
    current = (opportunity.sales_document_type, opportunity.sales_document_no)
    if current == (SalesDocumentType.QUOTE, quote_no):
        return None
    previous_quote = None
    if opportunity.sales_document_no:
        if not reassign:
            raise DomainError(
                "quote.reassign_declined",
                _(
                    "Sales %(type)s %(document)s has already been assigned to opportunity %(no)s; "
                    "the quote was not reassigned."
                ),
                fields={"opportunity_no": [str(_("Already linked to another document."))]},
                params={
                    "type": SalesDocumentType(opportunity.sales_document_type).label,
                    "document": opportunity.sales_document_no,
                    "no": opportunity.no,
                },
            )
        if opportunity.sales_document_type == SalesDocumentType.QUOTE:
            previous_quote = opportunity.sales_document_no
    _save_link(opportunity, SalesDocumentType.QUOTE, quote_no, by=by)
    return previous_quote


@transaction.atomic
def unlink_document(document_type: str, document_no: str, *, except_no: str | None = None, by: Actor) -> list[str]:
    """Clear Sales Document Type/No. on every opportunity linked to (``document_type``, ``document_no``), except
    opportunity ``except_no``; statuses and entries stay as they are. Returns the opportunities changed. Each must
    be changeable by ``by`` (404/403 as :func:`permissions.require_change_opportunity`).
    Implements spec §4.10.4 (the old opportunity loses its link) and §4.11.5 (deleting a quote)."""
    linked = Opportunity.objects.select_for_update().filter(
        sales_document_type=document_type, sales_document_no=document_no
    )
    if except_no:
        linked = linked.exclude(no=except_no)
    opportunities = list(linked.only("no", "salesperson_id"))
    for opportunity in opportunities:
        permissions.require_change_opportunity(by, opportunity)
    nos = [opportunity.no for opportunity in opportunities]
    Opportunity.objects.filter(no__in=nos).update(
        sales_document_type=SalesDocumentType.BLANK, sales_document_no="", version=F("version") + 1
    )
    before = {"sales_document_type": document_type, "sales_document_no": document_no}
    for no in nos:
        audit.record_values(no, before, {"sales_document_type": "", "sales_document_no": ""}, by=by)
    return nos


def set_active_calculated_value(opportunity: Opportunity, value: Decimal) -> None:
    """Set the active entry's Calcd. Current Value (LCY) to ``value`` and copy the figures onto the (locked)
    opportunity. The entry is changed in place: BC updates the active entry, it does not add one (§4.10.5–§4.10.6)."""
    entry = active_entry(opportunity)
    if entry is None:
        return
    entry.calculated_current_value = value
    entry.save(update_fields=["calculated_current_value"])
    copy_active_figures(opportunity, entry)
    opportunity.version = F("version") + 1
    opportunity.save()
    opportunity.refresh_from_db()


def linked_opportunity_no(document_type: str, document_no: str) -> str | None:
    """The opportunity linked to (``document_type``, ``document_no``) from the opportunity's side, or None."""
    return (
        Opportunity.objects.filter(sales_document_type=document_type, sales_document_no=document_no)
        .order_by("no")
        .values_list("no", flat=True)
        .first()
    )


def open_opportunity_of_quote(quote_no: str) -> Opportunity | None:
    """The In Progress opportunity linked to quote ``quote_no`` (type Quote), or None (spec §4.10.5 step 2)."""
    return Opportunity.objects.filter(
        sales_document_type=SalesDocumentType.QUOTE,
        sales_document_no=quote_no,
        status=OpportunityStatus.IN_PROGRESS,
    ).first()


@transaction.atomic
def move_link_to_order(quote_no: str, *, order_no: str, order_amount: Decimal, by: Actor) -> Opportunity | None:
    """After Make Order: the opportunity linked to quote ``quote_no`` follows the new order. Won → linked to the
    order (type Order) and its active entry's Calcd. Current Value := ``order_amount``; Lost → link cleared;
    Not Started → untouched. Returns that opportunity, or None. Implements spec §4.10.5 step 4."""
    no = linked_opportunity_no(SalesDocumentType.QUOTE, quote_no)
    if no is None:
        return None
    opportunity = _lock(no, None, by=by)
    if opportunity.status == OpportunityStatus.WON:
        _save_link(opportunity, SalesDocumentType.ORDER, order_no, by=by)
        set_active_calculated_value(opportunity, order_amount)
    elif opportunity.status == OpportunityStatus.LOST:
        _save_link(opportunity, SalesDocumentType.BLANK, "", by=by)
    return opportunity


@transaction.atomic
def move_link_to_posted_invoice(
    order_no: str, *, invoice_no: str, order_amount: Decimal, by: Actor
) -> Opportunity | None:
    """After posting order ``order_no``: a Won opportunity linked to it gets Sales Document Type Posted Invoice,
    No. ``invoice_no``, and its active entry's Calcd. Current Value := ``order_amount`` (the posted order's value).
    Returns that opportunity, or None. Implements spec §4.10.6."""
    no = (
        Opportunity.objects.filter(
            sales_document_type=SalesDocumentType.ORDER, sales_document_no=order_no, status=OpportunityStatus.WON
        )
        .values_list("no", flat=True)
        .first()
    )
    if no is None:
        return None
    opportunity = _lock(no, None, by=by)
    _save_link(opportunity, SalesDocumentType.POSTED_INVOICE, invoice_no, by=by)
    set_active_calculated_value(opportunity, order_amount)
    return opportunity


@transaction.atomic
def lose_opportunity_of_deleted_order(
    no: str,
    *,
    order_no: str,
    set_opportunity_lost: bool = True,
    by: Actor,
    work_date: dt.date | None = None,
) -> Opportunity | None:
    """Deleting sales order ``order_no`` whose Opportunity No. is ``no``.

    When the opportunity exists and is not Lost yet: with ``set_opportunity_lost`` false the deletion is refused
    (``sales.order_delete_opportunity_not_lost``); otherwise a new active Lost entry is inserted — Date of Change =
    Date Closed = Estimated Close Date = WorkDate, Estimated Value of the last entry (0 without entries), Completed
    100 %, chances, probability and calculated value 0, stage 0, no close code, no tasks; the entry that stops being
    active gets Days Open = max(0, days) (D12) — and the opportunity becomes Lost, closed on WorkDate. In every case
    a link to this order is cleared. Returns the opportunity, or None when it does not exist.
    Implements spec §4.11.6 with D12.
    """
    if not no or not Opportunity.objects.filter(no=no).exists():
        return None
    opportunity = _lock(no, None, by=by)
    if opportunity.status != OpportunityStatus.LOST:
        if not set_opportunity_lost:
            raise DomainError(
                "sales.order_delete_opportunity_not_lost",
                _("The status of the opportunity has not been changed. The program has aborted deleting the order."),
                params={"no": opportunity.no},
            )
        when = _work_date(by, work_date)
        last = OpportunityEntry.objects.filter(opportunity_id=opportunity.no).order_by("-entry_no").first()
        planned = ledger.lost_by_deleted_order(
            estimated_value=last.estimated_value if last is not None else ZERO, on=when
        )
        _insert_entry(opportunity, planned, by=by)
    if (opportunity.sales_document_type, opportunity.sales_document_no) == (SalesDocumentType.ORDER, order_no):
        _save_link(opportunity, SalesDocumentType.BLANK, "", by=by)
    return opportunity
