"""Reads of sales documents for screens, endpoints and the opportunity rules (spec §4.10)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.contacts.models import Contact, Customer
from salescycle.contacts.selectors import customer_contact
from salescycle.core.actors import Actor
from salescycle.core.errors import NotFound
from salescycle.core.keys import normalize_key
from salescycle.core.money import ExactSum
from salescycle.opportunities.choices import SalesDocumentType
from salescycle.opportunities.models import Opportunity
from salescycle.sales.models import DocumentType, PostedInvoice, PostedInvoiceLine, SalesHeader, SalesLine


def sales_documents(document_type: str, *, user: Actor) -> QuerySet[SalesHeader]:
    """Quotes or orders ``user`` may see (none linked to an opportunity they may not see) with their amount
    annotated and their lines prefetched (a constant number of queries)."""
    return (
        _visible(SalesHeader.objects.filter(document_type=document_type).with_amount(), user)
        .select_related("sell_to_contact", "sell_to_customer")
        .prefetch_related(Prefetch("lines", queryset=SalesLine.objects.order_by("line_no")))
    )


def sales_document(document_type: str, no: str, *, user: Actor) -> SalesHeader | None:
    """One quote or order (amount annotated, lines prefetched), or None (also when ``user`` may not see it)."""
    return sales_documents(document_type, user=user).filter(no=no).first()


CONTACT_DOCUMENTS = 100


def contact_documents(contact_no: str, *, user: Actor) -> list[SalesHeader]:
    """The quotes and orders (quotes first, newest number first; at most :data:`CONTACT_DOCUMENTS`) whose sell-to
    contact is ``contact_no`` or, for a company, one of its persons, that ``user`` may see, each with its
    ``amount``: the contact card's sales documents (issue #15). One query."""
    key = normalize_key(contact_no)
    documents = SalesHeader.objects.filter(Q(sell_to_contact_id=key) | Q(sell_to_contact__company_id=key))
    qs = _visible(documents.with_amount(), user).select_related("sell_to_contact")
    return list(qs.order_by("-document_type", "-no")[:CONTACT_DOCUMENTS])


def contact_documents_section(contact: Contact, user: Actor) -> dict[str, Any]:
    """The contact card's block of sales documents (registered by ``SalesConfig.ready`` in
    :mod:`salescycle.opportunities.contact_sections`): ``{"documents": [...]}``, :func:`contact_documents`."""
    return {"documents": contact_documents(contact.no, user=user)}


def _visible(qs: QuerySet[Any], user: Actor) -> QuerySet[Any]:
    condition = permissions.linked_to_visible(user)
    return qs if condition is None else qs.filter(condition)


def posted_invoices(*, user: Actor) -> QuerySet[PostedInvoice]:
    """Posted invoices ``user`` may see, with their lines prefetched."""
    return _visible(PostedInvoice.objects.all(), user).prefetch_related(
        Prefetch("lines", queryset=PostedInvoiceLine.objects.order_by("line_no"))
    )


def document_amount(document_type: str, no: str) -> Decimal | None:
    """The amount excluding VAT in LCY of a quote, order or posted invoice, or None when it does not exist."""
    if document_type == SalesDocumentType.POSTED_INVOICE:
        return PostedInvoice.objects.filter(no=no).values_list("amount", flat=True).first()
    if not SalesHeader.objects.filter(document_type=document_type, no=no).exists():
        return None
    lines = SalesLine.objects.filter(header__document_type=document_type, header__no=no)
    amount: Decimal = lines.aggregate(s=ExactSum("amount"))["s"]  # exact, 0 without lines (D19)
    return amount


def linked_quote(opportunity: Opportunity, *, user: Actor) -> SalesHeader:
    """The sales quote linked to ``opportunity`` (Show Sales Quote). Errors: 404 ``quote.none_assigned`` when the
    opportunity is not linked to a quote, 404 ``quote.not_found`` when that quote does not exist. Spec §4.10.3."""
    if opportunity.sales_document_type != SalesDocumentType.QUOTE or not opportunity.sales_document_no:
        raise NotFound("quote.none_assigned", _("There is no sales quote that is assigned to this opportunity."))
    quote = sales_document(DocumentType.QUOTE, opportunity.sales_document_no, user=user)
    if quote is None:
        raise NotFound(
            "quote.not_found",
            _("Sales quote %(no)s does not exist."),
            params={"no": opportunity.sales_document_no},
        )
    return quote


def customer_of(contact: Contact | None) -> Customer | None:
    """The customer a document for ``contact`` sells to: the customer of the contact, or of a person's company."""
    if contact is None:
        return None
    return Customer.objects.filter(contact=customer_contact(contact)).first()


class SalesDocumentLookup:
    """The sales app's answer to the opportunity rules' questions (``opportunities.documents.DocumentLookup``)."""

    def exists(self, document_type: str, no: str, *, contact_no: str | None = None) -> bool:
        """True when the quote, order or posted invoice exists (for that sell-to contact when given)."""
        if not no:
            return False
        if document_type == SalesDocumentType.POSTED_INVOICE:
            invoices = PostedInvoice.objects.filter(no=no)
            if contact_no is not None:
                invoices = invoices.filter(sell_to_contact_id=contact_no)
            return invoices.exists()
        if document_type not in DocumentType.values:
            return False
        documents = SalesHeader.objects.filter(document_type=document_type, no=no)
        if contact_no is not None:
            documents = documents.filter(sell_to_contact_id=contact_no)
        return documents.exists()

    def amount(self, document_type: str, no: str) -> Decimal | None:
        """The document's amount excluding VAT in LCY, or None when it does not exist."""
        return document_amount(document_type, no)

    def set_quote_opportunity(self, quote_no: str, opportunity_no: str) -> None:
        """Set or clear the Opportunity No. of sales quote ``quote_no`` (spec §4.10.1)."""
        if quote_no:
            SalesHeader.objects.filter(document_type=DocumentType.QUOTE, no=quote_no).exclude(
                opportunity_no=opportunity_no
            ).update(opportunity_no=opportunity_no, version=F("version") + 1)

    def set_quote_contact(self, quote_no: str, contact_no: str) -> None:
        """The linked quote follows the opportunity's new contact, and its customer with it (spec §4.3.1)."""
        if not quote_no:
            return
        contact = Contact.objects.filter(no=contact_no).first()
        customer = customer_of(contact)
        SalesHeader.objects.filter(document_type=DocumentType.QUOTE, no=quote_no).exclude(
            sell_to_contact_id=contact_no
        ).update(
            sell_to_contact_id=contact_no,
            sell_to_customer_id=customer.no if customer else None,
            version=F("version") + 1,
        )
