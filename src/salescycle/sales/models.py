"""Sales documents and what they sell (spec §2.9, §4.10): items, customer templates, sales quotes and orders with
their lines, and posted invoices.

A quote or order is one :class:`SalesHeader` row (BC table 36) told apart by ``document_type``; its amount is the sum
of its line amounts, excluding VAT, in LCY. ``opportunity_no`` is a soft link (not a foreign key): deleting an
opportunity keeps the document and its Opportunity No. (spec §4.11.1).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salescycle.core.money import (
    AMOUNT_PLACES,
    HUNDRED,
    ZERO,
    ExactSum,
    amount_field,
    percent_field,
    percent_range_q,
)

AMOUNT_QUANTUM = Decimal(1).scaleb(-AMOUNT_PLACES)


def line_amount(quantity: Decimal, unit_price: Decimal, line_discount_pct: Decimal) -> Decimal:
    """Quantity × Unit Price × (1 − Line Discount % / 100), to the stored precision (5 decimals, half up)."""
    raw = quantity * unit_price * (HUNDRED - line_discount_pct) / HUNDRED
    return raw.quantize(AMOUNT_QUANTUM, rounding=ROUND_HALF_UP)


class Item(models.Model):
    """A product or service the company sells, with its unit price in LCY (BC Item, subset)."""

    code = models.CharField(_("no."), max_length=20, primary_key=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    unit_price = amount_field(_("unit price (LCY)"))
    blocked = models.BooleanField(_("blocked"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


class CustomerTemplate(models.Model):
    """A named set of defaults a customer is created from (BC Customer Template, reduced to code and description)."""

    code = models.CharField(_("code"), max_length=20, primary_key=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("customer template")
        verbose_name_plural = _("customer templates")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


class DocumentType(models.TextChoices):
    """Sales Header Document Type (spec §3): only quotes and orders exist here."""

    QUOTE = "quote", _("Quote")
    ORDER = "order", _("Order")


class SalesHeaderQuerySet(models.QuerySet["SalesHeader"]):
    """Chainable filters for sales quotes and orders."""

    def quotes(self) -> SalesHeaderQuerySet:
        """Sales quotes."""
        return self.filter(document_type=DocumentType.QUOTE)

    def orders(self) -> SalesHeaderQuerySet:
        """Sales orders."""
        return self.filter(document_type=DocumentType.ORDER)

    def with_amount(self) -> SalesHeaderQuerySet:
        """Annotate ``amount``: the exact sum of the line amounts (LCY; 0 without lines), computed by the database
        (:class:`~salescycle.core.money.ExactSum`, D19: not through floating point on SQLite)."""
        return self.annotate(amount=ExactSum("lines__amount"))


class SalesHeader(models.Model):
    """A sales quote or sales order (BC Sales Header, subset of spec §2.9)."""

    document_type = models.CharField(_("document type"), max_length=8, choices=DocumentType.choices)
    no = models.CharField(_("no."), max_length=20)
    sell_to_contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("sell-to contact no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="sell_to_contact_no",
        related_name="sales_documents",
    )
    sell_to_customer = models.ForeignKey(
        "contacts.Customer",
        verbose_name=_("sell-to customer no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="sell_to_customer_no",
        related_name="sales_documents",
    )
    customer_template = models.ForeignKey(
        CustomerTemplate,
        verbose_name=_("sell-to customer templ. code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="customer_template_code",
        related_name="sales_documents",
    )
    salesperson = models.ForeignKey(
        "contacts.Salesperson",
        verbose_name=_("salesperson code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="salesperson_code",
        related_name="sales_documents",
    )
    campaign = models.ForeignKey(
        "contacts.Campaign",
        verbose_name=_("campaign no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="campaign_no",
        related_name="sales_documents",
    )
    # Soft link to the opportunity (spec §4.10.4; kept when the opportunity is deleted, §4.11.1).
    opportunity_no = models.CharField(_("opportunity no."), max_length=20, blank=True, db_index=True)
    order_date = models.DateField(_("order date"), null=True, blank=True)
    shipment_date = models.DateField(_("shipment date"), null=True, blank=True)
    quote_no = models.CharField(_("quote no."), max_length=20, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = SalesHeaderQuerySet.as_manager()

    class Meta:
        verbose_name = _("sales document")
        verbose_name_plural = _("sales documents")
        ordering = ["document_type", "no"]
        constraints = [
            models.UniqueConstraint(fields=["document_type", "no"], name="sales_header_unique_no"),
            models.CheckConstraint(condition=~Q(no=""), name="sales_header_no_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} {self.no}"


class SalesLine(models.Model):
    """A line of a quote or order: an item or free text, with quantity, unit price and line discount."""

    header = models.ForeignKey(SalesHeader, verbose_name=_("document"), on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line no."))
    item = models.ForeignKey(
        Item,
        verbose_name=_("item no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="item_code",
        related_name="sales_lines",
    )
    description = models.CharField(_("description"), max_length=100, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=AMOUNT_PLACES, default=ZERO)
    unit_price = amount_field(_("unit price (LCY)"))
    line_discount_pct = percent_field(_("line discount %"))
    amount = amount_field(_("line amount excl. VAT (LCY)"))

    class Meta:
        verbose_name = _("sales line")
        verbose_name_plural = _("sales lines")
        ordering = ["header", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["header", "line_no"], name="sales_line_unique_no"),
            models.CheckConstraint(condition=percent_range_q("line_discount_pct"), name="sales_line_discount_range"),
        ]

    def __str__(self) -> str:
        return f"{self.header} {self.line_no} {self.description}".strip()


class PostedInvoice(models.Model):
    """A posted sales invoice, created by posting a sales order (spec §4.10.6); read-only."""

    no = models.CharField(_("no."), max_length=20, primary_key=True)
    order_no = models.CharField(_("order no."), max_length=20, blank=True)
    quote_no = models.CharField(_("quote no."), max_length=20, blank=True)
    sell_to_customer = models.ForeignKey(
        "contacts.Customer",
        verbose_name=_("sell-to customer no."),
        on_delete=models.PROTECT,
        db_column="sell_to_customer_no",
        related_name="posted_invoices",
    )
    sell_to_contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("sell-to contact no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="sell_to_contact_no",
        related_name="posted_invoices",
    )
    salesperson = models.ForeignKey(
        "contacts.Salesperson",
        verbose_name=_("salesperson code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="salesperson_code",
        related_name="posted_invoices",
    )
    campaign = models.ForeignKey(
        "contacts.Campaign",
        verbose_name=_("campaign no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="campaign_no",
        related_name="posted_invoices",
    )
    opportunity_no = models.CharField(_("opportunity no."), max_length=20, blank=True, db_index=True)
    order_date = models.DateField(_("order date"), null=True, blank=True)
    posting_date = models.DateField(_("posting date"))
    amount = amount_field(_("amount excl. VAT (LCY)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("posted sales invoice")
        verbose_name_plural = _("posted sales invoices")
        ordering = ["no"]

    def __str__(self) -> str:
        return f"{self.no}"


class PostedInvoiceLine(models.Model):
    """A line of a posted sales invoice (a copy of the order line)."""

    invoice = models.ForeignKey(
        PostedInvoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines", db_column="invoice_no"
    )
    line_no = models.PositiveIntegerField(_("line no."))
    item = models.ForeignKey(
        Item,
        verbose_name=_("item no."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="item_code",
        related_name="posted_invoice_lines",
    )
    description = models.CharField(_("description"), max_length=100, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=AMOUNT_PLACES, default=ZERO)
    unit_price = amount_field(_("unit price (LCY)"))
    line_discount_pct = percent_field(_("line discount %"))
    amount = amount_field(_("line amount excl. VAT (LCY)"))

    class Meta:
        verbose_name = _("posted sales invoice line")
        verbose_name_plural = _("posted sales invoice lines")
        ordering = ["invoice", "line_no"]
        constraints = [models.UniqueConstraint(fields=["invoice", "line_no"], name="posted_line_unique_no")]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.line_no} {self.description}".strip()
