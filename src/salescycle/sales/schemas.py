"""API schemas of items, customer templates, customers, sales quotes and orders, and posted invoices
(spec api.md "Setup" and "Sales documents, customers, tasks")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from ninja import Schema
from pydantic import Field

from salescycle.core.schemas import (
    AmountIn,
    DateIn,
    DecimalOut,
    InputSchema,
    Key,
    Omittable,
    PercentIn,
    Text100,
    blank_to_none,
)

if TYPE_CHECKING:
    from salescycle.contacts.models import Customer
    from salescycle.sales.models import CustomerTemplate, Item, PostedInvoice, PostedInvoiceLine, SalesHeader, SalesLine

# Each ``*_out`` builder returns a TypedDict with its schema's fields (``ItemOut`` → ``ItemDict``), so that mypy
# checks the keys and values it builds; ``tests/api/test_out_dicts.py`` holds the two field lists equal.

# --- Items and customer templates --------------------------------------------------------------------------------


class ItemOut(Schema):
    code: str
    description: str
    unit_price: DecimalOut
    blocked: bool
    version: int


class ItemDict(TypedDict):
    code: str
    description: str
    unit_price: Decimal
    blocked: bool
    version: int


class ItemIn(InputSchema):
    code: Key = Field(min_length=1)
    description: Text100 = ""
    unit_price: AmountIn = Field(default=Decimal(0), ge=0)
    blocked: bool = False


class ItemPatch(InputSchema):
    description: Omittable[Text100] = None
    unit_price: Omittable[AmountIn] = Field(default=None, ge=0)
    blocked: Omittable[bool] = None


def item_out(obj: Item) -> ItemDict:
    return {
        "code": obj.code,
        "description": obj.description,
        "unit_price": obj.unit_price,
        "blocked": obj.blocked,
        "version": obj.version,
    }


class CustomerTemplateOut(Schema):
    code: str
    description: str
    version: int


class CustomerTemplateDict(TypedDict):
    code: str
    description: str
    version: int


class CustomerTemplateIn(InputSchema):
    code: Key = Field(min_length=1)
    description: Text100 = ""


def customer_template_out(obj: CustomerTemplate) -> CustomerTemplateDict:
    return {"code": obj.code, "description": obj.description, "version": obj.version}


class CustomerOut(Schema):
    no: str
    name: str
    contact_no: str
    customer_template: str | None
    version: int


class CustomerDict(TypedDict):
    no: str
    name: str
    contact_no: str
    customer_template: str | None
    version: int


def customer_out(obj: Customer) -> CustomerDict:
    return {
        "no": obj.no,
        "name": obj.name,
        "contact_no": obj.contact_id,
        "customer_template": blank_to_none(obj.template_code),
        "version": obj.version,
    }


class CreateCustomerIn(InputSchema):
    customer_template: Key | None = None


# --- Sales documents --------------------------------------------------------------------------------------------


class LineIn(InputSchema):
    line_no: int | None = Field(default=None, ge=1, le=2_000_000_000)
    item_code: Key | None = None
    description: Text100 = ""
    quantity: AmountIn = Field(default=Decimal(0), ge=0)
    unit_price: AmountIn | None = Field(default=None, ge=0)
    line_discount_pct: PercentIn = Field(default=Decimal(0), ge=0, le=100)


class LineOut(Schema):
    line_no: int
    item_code: str | None
    description: str
    quantity: DecimalOut
    unit_price: DecimalOut
    line_discount_pct: DecimalOut
    amount: DecimalOut


class LineDict(TypedDict):
    line_no: int
    item_code: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    line_discount_pct: Decimal
    amount: Decimal


class SalesQuoteIn(InputSchema):
    no: Key | None = None
    sell_to_contact_no: Key | None = None
    customer_template: Key | None = None
    salesperson_code: Key | None = None
    campaign_no: Key | None = None
    opportunity_no: Key | None = None
    order_date: DateIn | None = None
    shipment_date: DateIn | None = None
    lines: list[LineIn] = Field(default_factory=list, max_length=1000)
    reassign: bool = True


class SalesQuotePatch(InputSchema):
    sell_to_contact_no: Key | None = None
    customer_template: Key | None = None
    salesperson_code: Key | None = None
    campaign_no: Key | None = None
    opportunity_no: Key | None = None
    order_date: DateIn | None = None
    shipment_date: DateIn | None = None
    lines: Omittable[list[LineIn]] = Field(default=None, max_length=1000)
    reassign: bool = True


class SalesQuoteOut(Schema):
    no: str
    sell_to_contact_no: str | None
    sell_to_customer_no: str | None
    customer_template: str | None
    salesperson_code: str | None
    campaign_no: str | None
    opportunity_no: str | None
    order_date: dt.date | None
    shipment_date: dt.date | None
    lines: list[LineOut]
    amount: DecimalOut
    version: int


class SalesOrderOut(SalesQuoteOut):
    quote_no: str | None


class SalesDocumentDict(TypedDict):
    """A quote or an order: the fields of :class:`SalesOrderOut` (a quote's answer leaves out ``quote_no``)."""

    no: str
    sell_to_contact_no: str | None
    sell_to_customer_no: str | None
    customer_template: str | None
    salesperson_code: str | None
    campaign_no: str | None
    opportunity_no: str | None
    order_date: dt.date | None
    shipment_date: dt.date | None
    quote_no: str | None
    lines: list[LineDict]
    amount: Decimal
    version: int


class MakeOrderIn(InputSchema):
    create_customer: bool = False
    close_opportunity_code: Key | None = None
    date_closed: DateIn | None = None


class PostIn(InputSchema):
    posting_date: DateIn | None = None


class CreateSalesQuoteIn(InputSchema):
    customer_template: Key | None = None
    create_customer: bool = False


class PostedInvoiceOut(Schema):
    no: str
    order_no: str | None
    quote_no: str | None
    sell_to_customer_no: str
    sell_to_contact_no: str | None
    salesperson_code: str | None
    campaign_no: str | None
    opportunity_no: str | None
    order_date: dt.date | None
    posting_date: dt.date
    amount: DecimalOut
    lines: list[LineOut]


class PostedInvoiceDict(TypedDict):
    no: str
    order_no: str | None
    quote_no: str | None
    sell_to_customer_no: str
    sell_to_contact_no: str | None
    salesperson_code: str | None
    campaign_no: str | None
    opportunity_no: str | None
    order_date: dt.date | None
    posting_date: dt.date
    amount: Decimal
    lines: list[LineDict]


def line_out(line: SalesLine | PostedInvoiceLine) -> LineDict:
    return {
        "line_no": line.line_no,
        "item_code": line.item_id,
        "description": line.description,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "line_discount_pct": line.line_discount_pct,
        "amount": line.amount,
    }


def document_out(obj: SalesHeader) -> SalesDocumentDict:
    """A quote or order loaded by ``selectors.sales_documents`` (amount annotated, lines prefetched)."""
    lines = list(obj.lines.all())
    amount = getattr(obj, "amount", None)
    return {
        "no": obj.no,
        "sell_to_contact_no": obj.sell_to_contact_id,
        "sell_to_customer_no": obj.sell_to_customer_id,
        "customer_template": obj.customer_template_id,
        "salesperson_code": obj.salesperson_id,
        "campaign_no": obj.campaign_id,
        "opportunity_no": blank_to_none(obj.opportunity_no),
        "order_date": obj.order_date,
        "shipment_date": obj.shipment_date,
        "quote_no": blank_to_none(obj.quote_no),
        "lines": [line_out(line) for line in lines],
        "amount": amount if amount is not None else sum((line.amount for line in lines), Decimal(0)),
        "version": obj.version,
    }


def posted_invoice_out(obj: PostedInvoice) -> PostedInvoiceDict:
    return {
        "no": obj.no,
        "order_no": blank_to_none(obj.order_no),
        "quote_no": blank_to_none(obj.quote_no),
        "sell_to_customer_no": obj.sell_to_customer_id,
        "sell_to_contact_no": obj.sell_to_contact_id,
        "salesperson_code": obj.salesperson_id,
        "campaign_no": obj.campaign_id,
        "opportunity_no": blank_to_none(obj.opportunity_no),
        "order_date": obj.order_date,
        "posting_date": obj.posting_date,
        "amount": obj.amount,
        "lines": [line_out(line) for line in obj.lines.all()],
    }
