"""Every write on sales documents (spec §4.10–§4.11): quotes with their lines, Create Sales Quote from an
opportunity, Make Order, posting, deleting quotes and orders, and creating customers from contacts.

The opportunity side of each verb (links, closing, entries) is done by ``opportunities.services`` in the same
transaction, so a refused action leaves both sides unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions, references
from salescycle.contacts.models import Contact, Customer
from salescycle.core.actors import Actor
from salescycle.core.errors import Conflict, DomainError, InvalidInput
from salescycle.core.keys import normalize_key, optional_key
from salescycle.core.money import ZERO, ExactSum
from salescycle.core.numbering import next_no
from salescycle.core.records import check_version, full_clean, not_found, require
from salescycle.core.workdate import get_work_date
from salescycle.opportunities import services as opportunity_services
from salescycle.opportunities.choices import SalesDocumentType
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.services.customers import ensure_customer
from salescycle.opportunities.services.sales_links import linked_opportunity_no
from salescycle.sales.models import (
    CustomerTemplate,
    DocumentType,
    Item,
    PostedInvoice,
    PostedInvoiceLine,
    SalesHeader,
    SalesLine,
    line_amount,
)
from salescycle.sales.selectors import customer_of

LINE_STEP = 10000


def _opportunity_ref(no: str, *, by: Actor) -> Opportunity:
    """The opportunity a quote is linked to: one ``by`` may not see is as unknown as a missing one (422
    ``opportunity.not_found``); one they may see but not change is refused with 403 (issue #12 items 3–4)."""
    opportunity: Opportunity = permissions.require_linkable_opportunity_ref(by, no)
    return opportunity


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def _lock_document(document_type: str, no: str, expected_version: int | None, *, by: Actor) -> SalesHeader:
    """Lock a quote or order for a change by ``by``: 404 when missing or linked to an opportunity they may not see,
    403 without the right to change working data or, for a document linked to an opportunity, without the right
    to change that opportunity (its amount becomes the opportunity's won value: issue #12 item 4), then 409 on a
    stale version."""
    key = normalize_key(no)
    document = SalesHeader.objects.select_for_update().filter(document_type=document_type, no=key).first()
    if document is None:
        raise not_found(SalesHeader, key)
    permissions.require_change_linked(by, SalesHeader, key, document.opportunity_no)
    check_version(document, expected_version)
    return document


def _contact(no: str, *, by: Actor) -> Contact:
    return permissions.require_visible_ref(
        by, Contact, normalize_key(no), code="contact.not_found", field="sell_to_contact_no"
    )


def _template(code: str | None, *, by: Actor) -> CustomerTemplate | None:
    key = normalize_key(code)
    if not key:
        return None
    return permissions.require_visible_ref(
        by, CustomerTemplate, key, code="customer_template.not_found", field="customer_template"
    )


def _optional(model: Any, value: str | None, *, code: str, field: str, by: Actor) -> Any:
    key = normalize_key(value)
    return permissions.require_visible_ref(by, model, key, code=code, field=field) if key else None


def document_amount(document: SalesHeader) -> Decimal:
    """The exact sum of the document's line amounts (excl. VAT, LCY; 0 without lines), read from the database
    (D19: :class:`~salescycle.core.money.ExactSum`)."""
    amount: Decimal = SalesLine.objects.filter(header=document).aggregate(s=ExactSum("amount"))["s"]
    return amount


def _bump(document: SalesHeader) -> None:
    document.version = F("version") + 1
    document.save()
    document.refresh_from_db()


def replace_lines(document: SalesHeader, lines: Sequence[Mapping[str, Any]], *, by: Actor) -> list[SalesLine]:
    """Replace the document's lines. Each line has ``item_code`` (optional; must exist and not be blocked:
    ``item.not_found``, ``item.blocked``) or a ``description``, a ``quantity`` ≥ 0, a ``unit_price`` ≥ 0 (default the
    item's) and a ``line_discount_pct`` in 0..100; ``line_no`` defaults to 10000, 20000, … ``amount`` = quantity ×
    unit price × (1 − discount / 100). Errors: ``invalid_input``."""
    SalesLine.objects.filter(header=document).delete()
    objs: list[SalesLine] = []
    used: set[int] = set()
    for index, data in enumerate(lines, start=1):
        line_no = data.get("line_no") or index * LINE_STEP
        if line_no in used:
            raise InvalidInput(
                "invalid_input",
                _("Line no. %(line)s is used twice."),
                fields={"lines": [str(_("Duplicate line no."))]},
                params={"line": line_no},
            )
        used.add(line_no)
        item = _optional(Item, data.get("item_code"), code="item.not_found", field="lines", by=by)
        if item is not None and item.blocked:
            raise DomainError(
                "item.blocked",
                _("Item %(code)s is blocked."),
                fields={"lines": [str(_("Blocked item."))]},
                params={"code": item.code},
            )
        description = (data.get("description") or "").strip() or (item.description if item else "")
        if item is None and not description:
            raise InvalidInput(
                "invalid_input",
                _("A line needs an item or a description."),
                fields={"lines": [str(_("Give an item or a description."))]},
            )
        unit_price = data.get("unit_price")
        if unit_price is None:
            unit_price = item.unit_price if item is not None else ZERO
        unit_price = Decimal(str(unit_price))
        quantity = Decimal(str(data.get("quantity") or 0))
        discount = Decimal(str(data.get("line_discount_pct") or 0))
        if quantity < 0 or unit_price < 0 or not 0 <= discount <= 100:
            raise InvalidInput(
                "invalid_input",
                _("Quantity and unit price must not be negative; the line discount lies in 0..100."),
                fields={"lines": [str(_("Out of range."))]},
            )
        line = SalesLine(
            header=document,
            line_no=line_no,
            item=item,
            description=description[:100],
            quantity=quantity,
            unit_price=unit_price,
            line_discount_pct=discount,
            amount=line_amount(quantity, unit_price, discount),
        )
        full_clean(line, exclude=["header"], validate_unique=False)
        objs.append(line)
    return SalesLine.objects.bulk_create(objs)


def _link_quote_to_opportunity(quote: SalesHeader, new_no: str, *, reassign: bool, by: Actor) -> None:
    """Spec §4.10.4: the quote's Opportunity No. changes to ``new_no`` (blank allowed)."""
    old_no = quote.opportunity_no
    if new_no:
        opportunity = _opportunity_ref(new_no, by=by)
        if quote.sell_to_contact_id != opportunity.contact_id:
            raise DomainError(
                "sales.opportunity_other_contact",
                _("Opportunity %(no)s is not for sell-to contact %(contact)s."),
                fields={"opportunity_no": [str(_("Choose an opportunity of the quote's contact."))]},
                params={"no": new_no, "contact": quote.sell_to_contact_id or ""},
            )
        previous_quote = opportunity_services.assign_quote(new_no, quote_no=quote.no, reassign=reassign, by=by)
        if previous_quote and previous_quote != quote.no:
            SalesHeader.objects.filter(
                document_type=DocumentType.QUOTE, no=previous_quote, opportunity_no=new_no
            ).update(opportunity_no="", version=F("version") + 1)
    if old_no and old_no != new_no:
        # The previously referenced opportunity loses its link to this quote.
        opportunity_services.unlink_document(SalesDocumentType.QUOTE, quote.no, except_no=new_no or None, by=by)
    quote.opportunity_no = new_no


# ---------------------------------------------------------------------------------------------------------------
# Quotes


@transaction.atomic
def create_sales_quote(
    *,
    by: Actor,
    no: str | None = None,
    sell_to_contact_no: str | None = None,
    customer_template: str | None = None,
    salesperson_code: str | None = None,
    campaign_no: str | None = None,
    opportunity_no: str | None = None,
    order_date: dt.date | None = None,
    shipment_date: dt.date | None = None,
    lines: Sequence[Mapping[str, Any]] = (),
    reassign: bool = True,
) -> SalesHeader:
    """Create a sales quote with its lines. ``no`` from the ``quote`` series; the sell-to customer follows the
    contact (its customer, or its company's). With ``opportunity_no`` the quote is linked per §4.10.4 (the
    contact defaults to the opportunity's; ``opportunity.not_in_progress``, ``quote.reassign_declined`` when
    ``reassign`` is false and the opportunity has a document, ``sales.opportunity_other_contact``).
    Errors: ``conflict.exists``, ``contact.not_found``, ``customer_template.not_found``, ``item.*``,
    ``invalid_input``. Implements spec §2.9, §4.10.4."""
    permissions.require_write(by)
    key = optional_key(no, "no") or next_no(
        "quote", exists=lambda n: SalesHeader.objects.filter(document_type=DocumentType.QUOTE, no=n).exists()
    )
    if SalesHeader.objects.filter(document_type=DocumentType.QUOTE, no=key).exists():
        raise Conflict("conflict.exists", _("Sales quote %(no)s already exists."), params={"no": key})
    opportunity_key = normalize_key(opportunity_no)
    contact_key = normalize_key(sell_to_contact_no)
    if not contact_key and opportunity_key:
        opportunity = _opportunity_ref(opportunity_key, by=by)
        contact_key = opportunity.contact_id or ""
    contact = _contact(contact_key, by=by) if contact_key else None
    quote = SalesHeader(
        document_type=DocumentType.QUOTE,
        no=key,
        sell_to_contact=contact,
        sell_to_customer=customer_of(contact),
        customer_template=_template(customer_template, by=by),
        salesperson=references.resolve("salesperson_code", salesperson_code, by=by),
        campaign=references.resolve("campaign_no", campaign_no, by=by),
        order_date=order_date,
        shipment_date=shipment_date,
    )
    full_clean(quote, validate_unique=False)
    quote.save(force_insert=True)
    replace_lines(quote, lines, by=by)
    if opportunity_key:
        _link_quote_to_opportunity(quote, opportunity_key, reassign=reassign, by=by)
        quote.save(update_fields=["opportunity_no"])
    return quote


@transaction.atomic
def update_sales_quote(
    no: str,
    *,
    by: Actor,
    changes: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]] | None = None,
    reassign: bool = True,
    expected_version: int | None = None,
) -> SalesHeader:
    """Change a quote's header (``sell_to_contact_no``, ``customer_template``, ``salesperson_code``,
    ``campaign_no``, ``opportunity_no``, ``order_date``, ``shipment_date``) and, when ``lines`` is given, replace
    its lines. Guards of spec §4.10.4: the contact cannot be blanked while the quote has an opportunity
    (``sales.contact_required_by_opportunity``); the sell-to customer cannot change from a non-blank value
    (``sales.customer_locked_by_opportunity``); a new contact is carried to the opportunity (which may refuse with
    ``opportunity.contact_other_company``). ``opportunity_no`` follows §4.10.4 (see :func:`create_sales_quote`)."""
    quote = _lock_document(DocumentType.QUOTE, no, expected_version, by=by)
    new_opportunity = normalize_key(changes["opportunity_no"]) if "opportunity_no" in changes else quote.opportunity_no
    if "sell_to_contact_no" in changes:
        contact_key = normalize_key(changes["sell_to_contact_no"])
        if contact_key != (quote.sell_to_contact_id or ""):
            _change_quote_contact(quote, contact_key, new_opportunity, by=by)
    if "customer_template" in changes:
        quote.customer_template = _template(changes["customer_template"], by=by)
    if "salesperson_code" in changes:
        quote.salesperson = references.resolve("salesperson_code", changes["salesperson_code"], by=by)
    if "campaign_no" in changes:
        quote.campaign = references.resolve("campaign_no", changes["campaign_no"], by=by)
    for name in ("order_date", "shipment_date"):
        if name in changes:
            setattr(quote, name, changes[name])
    if new_opportunity != quote.opportunity_no:
        _link_quote_to_opportunity(quote, new_opportunity, reassign=reassign, by=by)
    full_clean(quote, validate_unique=False)
    if lines is not None:
        replace_lines(quote, lines, by=by)
    _bump(quote)
    return quote


def _change_quote_contact(quote: SalesHeader, contact_key: str, new_opportunity: str, *, by: Actor) -> None:
    """Give ``quote`` the sell-to contact ``contact_key`` (blank: none) and that contact's customer, and carry the
    contact to the opportunity the quote stays linked to (spec §4.10.4; the errors of :func:`update_sales_quote`)."""
    if not contact_key and new_opportunity:
        raise DomainError(
            "sales.contact_required_by_opportunity",
            _("The Sell-to Contact No. field cannot be blank because this quote is linked to an opportunity."),
            fields={"sell_to_contact_no": [str(_("Required while linked to an opportunity."))]},
        )
    contact = _contact(contact_key, by=by) if contact_key else None
    customer = customer_of(contact)
    if new_opportunity and quote.sell_to_customer_id and customer != quote.sell_to_customer:
        raise DomainError(
            "sales.customer_locked_by_opportunity",
            _(
                "You cannot change Sell-to Customer No. because the corresponding Opportunity No. "
                "%(opportunity)s has been assigned to this Quote."
            ),
            fields={"sell_to_contact_no": [str(_("Locked by the opportunity."))]},
            params={"opportunity": new_opportunity},
        )
    quote.sell_to_contact = contact
    quote.sell_to_customer = customer
    if contact is not None and quote.opportunity_no and quote.opportunity_no == new_opportunity:
        linked = Opportunity.objects.filter(no=quote.opportunity_no).first()
        if linked is not None and linked.contact_id != contact.no:
            opportunity_services.change_opportunity(linked.no, by=by, changes={"contact_no": contact.no})


@transaction.atomic
def delete_sales_quote(no: str, *, by: Actor, expected_version: int | None = None) -> None:
    """Delete a quote and its lines; an opportunity linked to it loses the link, its status unchanged.
    Implements spec §4.11.5."""
    quote = _lock_document(DocumentType.QUOTE, no, expected_version, by=by)
    opportunity_services.unlink_document(SalesDocumentType.QUOTE, quote.no, by=by)
    quote.delete()


@transaction.atomic
def create_sales_quote_for_opportunity(
    opportunity_no: str,
    *,
    by: Actor,
    customer_template: str | None = None,
    create_customer: bool = False,
    expected_version: int | None = None,
) -> SalesHeader:
    """The Create Sales Quote action of an opportunity.

    Checks (spec §4.10.2, D2, D3): the template exists (``customer_template.not_found``); the opportunity has a
    contact (``opportunity.contact_required``); no quote, order or posted invoice is linked yet
    (``quote.already_assigned``); it is In Progress (``opportunity.not_in_progress``). When the contact (a person's
    company) is not a customer, ``customer_template`` is stored on the quote, and with ``create_customer`` the
    customer is created from it right away. Person contacts are allowed (D2). The quote gets the opportunity's
    contact, salesperson and campaign, Order Date = Shipment Date = the active entry's Estimated Close Date, and the
    opportunity is linked to it (type Quote). Returns the quote. Implements spec §4.10.2."""
    template = _template(customer_template, by=by)
    opportunity = opportunity_services.lock_for_sales_quote(opportunity_no, by=by, expected_version=expected_version)
    contact = require(Contact, opportunity.contact_id, code="contact.not_found", field="contact_no")
    customer = customer_of(contact)
    if customer is None and create_customer:
        customer = ensure_customer(contact, template_code=template.code if template else "")
    key = next_no("quote", exists=lambda n: SalesHeader.objects.filter(document_type=DocumentType.QUOTE, no=n).exists())
    quote = SalesHeader.objects.create(
        document_type=DocumentType.QUOTE,
        no=key,
        sell_to_contact=contact,
        sell_to_customer=customer,
        customer_template=template if customer is None else None,
        salesperson_id=opportunity.salesperson_id,
        campaign_id=opportunity.campaign_id,
        opportunity_no=opportunity.no,
        order_date=opportunity.estimated_closing_date,
        shipment_date=opportunity.estimated_closing_date,
    )
    opportunity_services.link_new_quote(opportunity.no, quote_no=quote.no, by=by)
    return quote


# ---------------------------------------------------------------------------------------------------------------
# Quote → order → posted invoice


def _copy_lines(source: SalesHeader, target: SalesHeader) -> None:
    SalesLine.objects.bulk_create(
        SalesLine(
            header=target,
            line_no=line.line_no,
            item_id=line.item_id,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            line_discount_pct=line.line_discount_pct,
            amount=line.amount,
        )
        for line in source.lines.order_by("line_no")
    )


@transaction.atomic
def make_order(
    quote_no: str,
    *,
    by: Actor,
    create_customer: bool = False,
    close_opportunity_code: str | None = None,
    date_closed: dt.date | None = None,
    work_date: dt.date | None = None,
    expected_version: int | None = None,
) -> SalesHeader:
    """Convert a quote into an order (Make Order).

    1. The quote needs a customer: its contact's (or company's) customer; otherwise, with ``create_customer``, one
       is created from the contact with the quote's template, else ``quote_to_order.customer_required``.
    2. An In Progress opportunity linked to the quote must be closed Won first: without ``close_opportunity_code``
       the call is refused with ``quote_to_order.opportunity_still_open``; with it the opportunity is closed Won with
       that code (a Lost code: ``close.code_type_mismatch``), the quote's amount, ``date_closed`` (default
       max(last Date of Change, WorkDate)), cancelling open tasks.
    3. The order copies the quote (lines, Opportunity No.; Quote No. = the quote).
    4. A Won opportunity linked to the quote is linked to the order and its Calcd. Current Value := the order amount;
       a Lost one loses its link.
    5. The quote is deleted.
    Refused calls change nothing. Returns the order. Implements spec §4.10.5.
    """
    quote = _lock_document(DocumentType.QUOTE, quote_no, expected_version, by=by)
    customer = quote.sell_to_customer or customer_of(quote.sell_to_contact)
    if customer is None:
        if not create_customer or quote.sell_to_contact is None:
            raise DomainError(
                "quote_to_order.customer_required",
                _("Sales quote %(no)s has no customer: create the customer from contact %(contact)s first."),
                fields={"create_customer": [str(_("The quote's contact is not a customer."))]},
                params={"no": quote.no, "contact": quote.sell_to_contact_id or ""},
            )
        customer = ensure_customer(quote.sell_to_contact, template_code=quote.customer_template_id or "")
    amount = document_amount(quote)
    opportunity = opportunity_services.open_opportunity_of_quote(quote.no)
    if opportunity is not None:
        if not normalize_key(close_opportunity_code):
            raise DomainError(
                "quote_to_order.opportunity_still_open",
                _("An open Opportunity is still linked to this Quote. The conversion to an Order was aborted."),
                fields={"close_opportunity_code": [str(_("Close the opportunity as won with a close code."))]},
                params={"no": opportunity.no},
            )
        opportunity_services.close_opportunity(
            opportunity.no,
            by=by,
            outcome="won",
            close_opportunity_code=close_opportunity_code,
            date_closed=date_closed,
            sales_value=amount,
            cancel_old_tasks=True,
            work_date=work_date,
        )
    order_no = next_no(
        "order", exists=lambda n: SalesHeader.objects.filter(document_type=DocumentType.ORDER, no=n).exists()
    )
    order = SalesHeader.objects.create(
        document_type=DocumentType.ORDER,
        no=order_no,
        sell_to_contact_id=quote.sell_to_contact_id,
        sell_to_customer=customer,
        customer_template_id=quote.customer_template_id,
        salesperson_id=quote.salesperson_id,
        campaign_id=quote.campaign_id,
        opportunity_no=quote.opportunity_no,
        order_date=quote.order_date,
        shipment_date=quote.shipment_date,
        quote_no=quote.no,
    )
    _copy_lines(quote, order)
    opportunity_services.move_link_to_order(quote.no, order_no=order.no, order_amount=document_amount(order), by=by)
    quote.delete()
    return order


@transaction.atomic
def post_order(
    order_no: str,
    *,
    by: Actor,
    posting_date: dt.date | None = None,
    expected_version: int | None = None,
) -> PostedInvoice:
    """Post (invoice) a sales order: a posted invoice copies it (customer, lines, amount), a Won opportunity linked
    to the order moves its link to the invoice and takes the order amount as Calcd. Current Value, and the order is
    deleted. ``posting_date`` defaults to the WorkDate. Errors: ``sales.customer_required``.
    Implements spec §4.10.6."""
    order = _lock_document(DocumentType.ORDER, order_no, expected_version, by=by)
    if order.sell_to_customer_id is None:
        raise DomainError(
            "sales.customer_required",
            _("Sell-to Customer No. must have a value in Sales Order %(no)s."),
            params={"no": order.no},
        )
    amount = document_amount(order)
    invoice_no = next_no("posted_invoice", exists=lambda n: PostedInvoice.objects.filter(no=n).exists())
    invoice = PostedInvoice.objects.create(
        no=invoice_no,
        order_no=order.no,
        quote_no=order.quote_no,
        sell_to_customer_id=order.sell_to_customer_id,
        sell_to_contact_id=order.sell_to_contact_id,
        salesperson_id=order.salesperson_id,
        campaign_id=order.campaign_id,
        opportunity_no=order.opportunity_no,
        order_date=order.order_date,
        posting_date=posting_date or get_work_date(by),
        amount=amount,
    )
    PostedInvoiceLine.objects.bulk_create(
        PostedInvoiceLine(
            invoice=invoice,
            line_no=line.line_no,
            item_id=line.item_id,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            line_discount_pct=line.line_discount_pct,
            amount=line.amount,
        )
        for line in order.lines.order_by("line_no")
    )
    opportunity_services.move_link_to_posted_invoice(order.no, invoice_no=invoice.no, order_amount=amount, by=by)
    order.delete()
    return invoice


@transaction.atomic
def delete_sales_order(
    no: str,
    *,
    by: Actor,
    set_opportunity_lost: bool = True,
    work_date: dt.date | None = None,
    expected_version: int | None = None,
) -> None:
    """Delete a sales order. A linked opportunity that is not Lost becomes Lost with a new entry (see
    ``opportunities.services.lose_opportunity_of_deleted_order``); with ``set_opportunity_lost`` false the deletion
    is refused (``sales.order_delete_opportunity_not_lost``) and nothing changes. The link is cleared.
    Implements spec §4.11.6 with D12."""
    order = _lock_document(DocumentType.ORDER, no, expected_version, by=by)
    opportunity_no = order.opportunity_no or linked_opportunity_no(SalesDocumentType.ORDER, order.no)
    if opportunity_no:
        opportunity_services.lose_opportunity_of_deleted_order(
            opportunity_no,
            order_no=order.no,
            set_opportunity_lost=set_opportunity_lost,
            by=by,
            work_date=work_date,
        )
    order.delete()


# ---------------------------------------------------------------------------------------------------------------
# Customers and templates


@transaction.atomic
def create_customer_from_contact(contact_no: str, *, by: Actor, customer_template: str | None = None) -> Customer:
    """Make a contact a customer: a person with a company makes the company the customer, a person without company
    becomes a customer itself; a contact that is already a customer keeps its customer. ``customer_template`` must
    exist (``customer_template.not_found``). Errors: ``not_found``. Implements spec §4.8.4 via
    ``contacts.services.ensure_customer``."""
    permissions.require_write(by)
    template = _template(customer_template, by=by)
    contact = Contact.objects.filter(no=normalize_key(contact_no)).first()
    if contact is None:
        raise not_found(Contact, normalize_key(contact_no))
    return ensure_customer(contact, template_code=template.code if template else "")
