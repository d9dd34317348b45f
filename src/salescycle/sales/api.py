"""API of items, customer templates, customers, sales quotes, sales orders and posted invoices, and the quote
actions of opportunities (spec api.md "Sales documents, customers, tasks"; spec §4.10–§4.11)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpResponse
from ninja import Query, Router, Status

from salescycle.contacts.models import Contact, Customer
from salescycle.contacts.schemas import ContactOut, contact_out
from salescycle.core.actors import SYSTEM, Actor
from salescycle.core.http import ApiRequest
from salescycle.core.keys import normalize_key
from salescycle.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from salescycle.core.records import not_found
from salescycle.core.replicas import reads_from_replica
from salescycle.core.schemas import Key, Page, expected_version, fetch, set_etag, with_errors
from salescycle.opportunities import selectors as opportunity_selectors
from salescycle.sales import selectors, services, setup_services
from salescycle.sales.models import CustomerTemplate, DocumentType, Item, SalesHeader
from salescycle.sales.schemas import (
    CreateCustomerIn,
    CreateSalesQuoteIn,
    CustomerOut,
    CustomerTemplateIn,
    CustomerTemplateOut,
    ItemIn,
    ItemOut,
    ItemPatch,
    MakeOrderIn,
    PostedInvoiceOut,
    PostIn,
    SalesDocumentDict,
    SalesOrderOut,
    SalesQuoteIn,
    SalesQuoteOut,
    SalesQuotePatch,
    customer_out,
    customer_template_out,
    document_out,
    item_out,
    posted_invoice_out,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

router = Router()
LIMIT = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
key = normalize_key


def _lines(lines: Any) -> list[dict[str, Any]] | None:
    return None if lines is None else [line.dict() for line in lines]


def _document(document_type: str, no: str, response: HttpResponse | None = None, *, user: Actor) -> SalesDocumentDict:
    obj = selectors.sales_document(document_type, key(no), user=user)
    if obj is None:
        raise not_found(SalesHeader, key(no))
    if response is not None:
        set_etag(response, obj.version)
    return document_out(obj)


def _written(document_type: str, no: str, response: HttpResponse) -> SalesDocumentDict:
    """The answer to a write of quote or order ``no``, read inside the write's transaction (call it in the handler's
    ``transaction.atomic()`` block around the service) and not through the caller's visibility, which the service
    has already applied: never a 404 for a committed write (issue #12 item 7). 404 ``not_found`` only when the
    document is gone, and then the write is rolled back with it."""
    return _document(document_type, no, response, user=SYSTEM)


# --- Items ------------------------------------------------------------------------------------------------------


@reads_from_replica
@router.get("/items", response=with_errors({200: Page[ItemOut]}), tags=["items"])
def list_items(
    request: ApiRequest,
    q: str | None = None,
    blocked: bool | None = None,
    limit: int = LIMIT,
    cursor: str | None = None,
) -> Any:
    """Items by code; ``q`` searches code and description."""
    qs = Item.objects.all()
    if q:
        qs = qs.filter(code__icontains=q) | qs.filter(description__icontains=q)
    if blocked is not None:
        qs = qs.filter(blocked=blocked)
    return paginate(qs, ordering=["code"], limit=limit, cursor=cursor, serialize=item_out)


@router.post("/items", response=with_errors({201: ItemOut}), tags=["items"])
def create_item(request: ApiRequest, data: ItemIn, response: HttpResponse) -> Any:
    """Create an item."""
    obj = setup_services.create_item(by=request.auth, **data.dict())
    set_etag(response, obj.version)
    return Status(201, item_out(obj))


@router.get("/items/{code}", response=with_errors({200: ItemOut}), tags=["items"])
def get_item(request: ApiRequest, code: Key, response: HttpResponse) -> Any:
    """One item."""
    obj = fetch(Item.objects.all(), code=key(code))
    set_etag(response, obj.version)
    return item_out(obj)


@router.patch("/items/{code}", response=with_errors({200: ItemOut}), tags=["items"])
def patch_item(request: ApiRequest, code: Key, data: ItemPatch, response: HttpResponse) -> Any:
    """Change an item."""
    obj = setup_services.update_item(
        code, by=request.auth, expected_version=expected_version(request), **data.dict(exclude_none=True)
    )
    set_etag(response, obj.version)
    return item_out(obj)


@router.delete("/items/{code}", response=with_errors({204: None}), tags=["items"])
def delete_item(request: ApiRequest, code: Key) -> Any:
    """Delete an item (409 ``conflict.in_use`` while document lines refer to it)."""
    setup_services.delete_item(code, by=request.auth, expected_version=expected_version(request))
    return Status(204, None)


# --- Customer templates and customers ---------------------------------------------------------------------------


@router.get("/customer-templates", response=with_errors({200: Page[CustomerTemplateOut]}), tags=["customers"])
def list_customer_templates(request: ApiRequest, limit: int = LIMIT, cursor: str | None = None) -> Any:
    """Customer templates by code."""
    return paginate(
        CustomerTemplate.objects.all(), ordering=["code"], limit=limit, cursor=cursor, serialize=customer_template_out
    )


@router.post("/customer-templates", response=with_errors({201: CustomerTemplateOut}), tags=["customers"])
def create_customer_template(request: ApiRequest, data: CustomerTemplateIn, response: HttpResponse) -> Any:
    """Create a customer template."""
    obj = setup_services.create_customer_template(by=request.auth, **data.dict())
    set_etag(response, obj.version)
    return Status(201, customer_template_out(obj))


@router.get("/customer-templates/{code}", response=with_errors({200: CustomerTemplateOut}), tags=["customers"])
def get_customer_template(request: ApiRequest, code: Key, response: HttpResponse) -> Any:
    """One customer template."""
    obj = fetch(CustomerTemplate.objects.all(), code=key(code))
    set_etag(response, obj.version)
    return customer_template_out(obj)


@reads_from_replica
@router.get("/customers", response=with_errors({200: Page[CustomerOut]}), tags=["customers"])
def list_customers(
    request: ApiRequest, contact_no: str | None = None, limit: int = LIMIT, cursor: str | None = None
) -> Any:
    """Customers by number; ``contact_no`` filters by the customer's contact."""
    qs = Customer.objects.all()
    if contact_no:
        qs = qs.filter(contact_id=key(contact_no))
    return paginate(qs, ordering=["no"], limit=limit, cursor=cursor, serialize=customer_out)


@router.get("/customers/{no}", response=with_errors({200: CustomerOut}), tags=["customers"])
def get_customer(request: ApiRequest, no: Key, response: HttpResponse) -> Any:
    """One customer."""
    obj = fetch(Customer.objects.all(), no=key(no))
    set_etag(response, obj.version)
    return customer_out(obj)


def _contacts() -> QuerySet[Contact]:
    customer = Customer.objects.filter(contact_id=OuterRef("company_id")).values("no")[:1]
    return Contact.objects.select_related("company").annotate(customer_no=Subquery(customer))


@router.post("/contacts/{no}/create-customer", response=with_errors({200: ContactOut}), tags=["contacts"])
def create_customer(request: ApiRequest, no: Key, response: HttpResponse, data: CreateCustomerIn | None = None) -> Any:
    """Create the customer from the contact (§4.8.4: a person's company, or a person without company itself);
    nothing happens when it already is a customer. Answers the contact."""
    with transaction.atomic():  # the answer is read in the write's transaction (issue #12 item 7)
        services.create_customer_from_contact(
            no, by=request.auth, customer_template=data.customer_template if data else None
        )
        obj = fetch(_contacts(), no=key(no))
    set_etag(response, obj.version)
    return contact_out(obj)


# --- Sales quotes -----------------------------------------------------------------------------------------------


@reads_from_replica
@router.get("/sales-quotes", response=with_errors({200: Page[SalesQuoteOut]}), tags=["sales quotes"])
def list_sales_quotes(
    request: ApiRequest,
    sell_to_contact_no: str | None = None,
    opportunity_no: str | None = None,
    salesperson_code: str | None = None,
    limit: int = LIMIT,
    cursor: str | None = None,
) -> Any:
    """Sales quotes by number, with their lines and amount."""
    return _list(DocumentType.QUOTE, sell_to_contact_no, opportunity_no, salesperson_code, limit, cursor, request.auth)


def _list(
    document_type: str,
    sell_to_contact_no: str | None,
    opportunity_no: str | None,
    salesperson_code: str | None,
    limit: int,
    cursor: str | None,
    user: User,
) -> Any:
    qs = selectors.sales_documents(document_type, user=user)
    if sell_to_contact_no:
        qs = qs.filter(sell_to_contact_id=key(sell_to_contact_no))
    if opportunity_no:
        qs = qs.filter(opportunity_no=key(opportunity_no))
    if salesperson_code:
        qs = qs.filter(salesperson_id=key(salesperson_code))
    return paginate(qs, ordering=["no"], limit=limit, cursor=cursor, serialize=document_out)


@router.post("/sales-quotes", response=with_errors({201: SalesQuoteOut}), tags=["sales quotes"])
def create_sales_quote(request: ApiRequest, data: SalesQuoteIn, response: HttpResponse) -> Any:
    """Create a quote with its lines; ``opportunity_no`` links it (§4.10.4, ``reassign`` default true)."""
    values = data.dict()
    values["lines"] = _lines(data.lines) or []
    with transaction.atomic():
        obj = services.create_sales_quote(by=request.auth, **values)
        return Status(201, _written(DocumentType.QUOTE, obj.no, response))


@router.get("/sales-quotes/{no}", response=with_errors({200: SalesQuoteOut}), tags=["sales quotes"])
def get_sales_quote(request: ApiRequest, no: Key, response: HttpResponse) -> Any:
    """One quote."""
    return _document(DocumentType.QUOTE, no, response, user=request.auth)


@router.patch("/sales-quotes/{no}", response=with_errors({200: SalesQuoteOut}), tags=["sales quotes"])
def patch_sales_quote(request: ApiRequest, no: Key, data: SalesQuotePatch, response: HttpResponse) -> Any:
    """Change the header; ``lines`` replace the whole set; ``opportunity_no`` follows §4.10.4 (``reassign``)."""
    changes = data.dict(exclude_unset=True)
    changes.pop("lines", None)
    reassign = changes.pop("reassign", True)
    with transaction.atomic():
        obj = services.update_sales_quote(
            no,
            by=request.auth,
            changes=changes,
            lines=_lines(data.lines),
            reassign=reassign,
            expected_version=expected_version(request),
        )
        return _written(DocumentType.QUOTE, obj.no, response)


@router.delete("/sales-quotes/{no}", response=with_errors({204: None}), tags=["sales quotes"])
def delete_sales_quote(request: ApiRequest, no: Key) -> Any:
    """Delete a quote; a linked opportunity loses the link (§4.11.5)."""
    services.delete_sales_quote(no, by=request.auth, expected_version=expected_version(request))
    return Status(204, None)


@router.post("/sales-quotes/{no}/make-order", response=with_errors({201: SalesOrderOut}), tags=["sales quotes"])
def make_order(request: ApiRequest, no: Key, response: HttpResponse, data: MakeOrderIn | None = None) -> Any:
    """Convert the quote to an order (§4.10.5); a linked In Progress opportunity is closed Won with the given code."""
    values = data.dict() if data else {}
    with transaction.atomic():
        obj = services.make_order(no, by=request.auth, expected_version=expected_version(request), **values)
        return Status(201, _written(DocumentType.ORDER, obj.no, response))


# --- Sales orders and posted invoices ---------------------------------------------------------------------------


@reads_from_replica
@router.get("/sales-orders", response=with_errors({200: Page[SalesOrderOut]}), tags=["sales orders"])
def list_sales_orders(
    request: ApiRequest,
    sell_to_contact_no: str | None = None,
    opportunity_no: str | None = None,
    salesperson_code: str | None = None,
    limit: int = LIMIT,
    cursor: str | None = None,
) -> Any:
    """Sales orders by number, with their lines and amount."""
    return _list(DocumentType.ORDER, sell_to_contact_no, opportunity_no, salesperson_code, limit, cursor, request.auth)


@router.get("/sales-orders/{no}", response=with_errors({200: SalesOrderOut}), tags=["sales orders"])
def get_sales_order(request: ApiRequest, no: Key, response: HttpResponse) -> Any:
    """One order."""
    return _document(DocumentType.ORDER, no, response, user=request.auth)


@router.delete("/sales-orders/{no}", response=with_errors({204: None}), tags=["sales orders"])
def delete_sales_order(request: ApiRequest, no: Key, set_opportunity_lost: bool = True) -> Any:
    """Delete an order; a linked opportunity becomes Lost (§4.11.6), or with ``set_opportunity_lost=false`` the
    deletion is refused (``sales.order_delete_opportunity_not_lost``)."""
    services.delete_sales_order(
        no, by=request.auth, set_opportunity_lost=set_opportunity_lost, expected_version=expected_version(request)
    )
    return Status(204, None)


@router.post("/sales-orders/{no}/post", response=with_errors({201: PostedInvoiceOut}), tags=["sales orders"])
def post_order(request: ApiRequest, no: Key, data: PostIn | None = None) -> Any:
    """Post the order as an invoice (§4.10.6); a linked Won opportunity follows to the invoice."""
    with transaction.atomic():  # the answer is read in the write's transaction, as the system (issue #12 item 7)
        invoice = services.post_order(
            no,
            by=request.auth,
            posting_date=data.posting_date if data else None,
            expected_version=expected_version(request),
        )
        return Status(201, posted_invoice_out(fetch(selectors.posted_invoices(user=SYSTEM), no=invoice.no)))


@reads_from_replica
@router.get("/posted-invoices", response=with_errors({200: Page[PostedInvoiceOut]}), tags=["posted invoices"])
def list_posted_invoices(
    request: ApiRequest,
    sell_to_customer_no: str | None = None,
    opportunity_no: str | None = None,
    limit: int = LIMIT,
    cursor: str | None = None,
) -> Any:
    """Posted invoices by number (read-only)."""
    qs = selectors.posted_invoices(user=request.auth)
    if sell_to_customer_no:
        qs = qs.filter(sell_to_customer_id=key(sell_to_customer_no))
    if opportunity_no:
        qs = qs.filter(opportunity_no=key(opportunity_no))
    return paginate(qs, ordering=["no"], limit=limit, cursor=cursor, serialize=posted_invoice_out)


@router.get("/posted-invoices/{no}", response=with_errors({200: PostedInvoiceOut}), tags=["posted invoices"])
def get_posted_invoice(request: ApiRequest, no: Key) -> Any:
    """One posted invoice."""
    return posted_invoice_out(fetch(selectors.posted_invoices(user=request.auth), no=key(no)))


# --- Quote actions of opportunities -----------------------------------------------------------------------------


@router.post(
    "/opportunities/{no}/create-sales-quote", response=with_errors({201: SalesQuoteOut}), tags=["opportunities"]
)
def create_sales_quote_for_opportunity(
    request: ApiRequest, no: Key, response: HttpResponse, data: CreateSalesQuoteIn | None = None
) -> Any:
    """Create Sales Quote (§4.10.2, D2, D3): ``customer_template`` is stored on the quote for a contact that is not a
    customer (``create_customer: true`` creates the customer from it right away)."""
    values = data.dict() if data else {}
    with transaction.atomic():
        obj = services.create_sales_quote_for_opportunity(
            no, by=request.auth, expected_version=expected_version(request), **values
        )
        return Status(201, _written(DocumentType.QUOTE, obj.no, response))


@router.get("/opportunities/{no}/sales-quote", response=with_errors({200: SalesQuoteOut}), tags=["opportunities"])
def show_sales_quote(request: ApiRequest, no: Key, response: HttpResponse) -> Any:
    """Show Sales Quote (§4.10.3): the linked quote, or 404 ``quote.none_assigned`` / ``quote.not_found``."""
    opportunity = opportunity_selectors.visible_opportunity(no, request.auth)
    quote = selectors.linked_quote(opportunity, user=request.auth)
    set_etag(response, quote.version)
    return document_out(quote)
