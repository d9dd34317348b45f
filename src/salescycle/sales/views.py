"""HTML screens of sales quotes, orders and posted invoices, and the quote actions of an opportunity (issue #5).

Each handler: decorators → selector → form → one service call → DomainError to a form error → page or redirect.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salescycle.contacts import permissions
from salescycle.core.actors import RequestUser
from salescycle.core.errors import DomainError
from salescycle.core.keys import normalize_key
from salescycle.core.replicas import reads_from_replica
from salescycle.core.views import confirmation
from salescycle.opportunities.models import Opportunity
from salescycle.sales import selectors, services
from salescycle.sales.forms import CreateQuoteForm, DeleteOrderForm, LineFormSet, MakeOrderForm, QuoteHeaderForm
from salescycle.sales.models import DocumentType, SalesHeader

GET_POST = ["GET", "POST"]


def _show_error(form: forms.BaseForm, error: DomainError) -> None:
    form.add_error(None, error.message)
    for name, texts in error.fields.items():
        if name in form.fields and name not in form.errors:
            form.add_error(name, texts)


def _document(document_type: str, no: str, user: RequestUser) -> SalesHeader:
    document = selectors.sales_document(document_type, normalize_key(no), user=user)
    if document is None:
        raise Http404(no)
    return document


def _opportunity(no: str, user: RequestUser) -> Opportunity:
    opportunity = permissions.visible_opportunities(user, Opportunity.objects.filter(no=normalize_key(no))).first()
    if opportunity is None:
        raise Http404(no)
    return opportunity


@reads_from_replica
@require_GET
@login_required
def document_list(request: HttpRequest, document_type: str) -> HttpResponse:
    """Quotes or orders (newest number last), with their amounts."""
    documents = selectors.sales_documents(document_type, user=request.user).order_by("no")[:500]
    return render(request, "sales/list.html", {"documents": documents, "document_type": document_type})


def _header_initial(quote: SalesHeader) -> dict[str, Any]:
    return {
        "sell_to_contact_no": quote.sell_to_contact_id or "",
        "customer_template": quote.customer_template_id or "",
        "salesperson_code": quote.salesperson_id or "",
        "campaign_no": quote.campaign_id or "",
        "opportunity_no": quote.opportunity_no,
        "order_date": quote.order_date,
        "shipment_date": quote.shipment_date,
        "reassign": True,
    }


def _lines_initial(document: SalesHeader) -> list[dict[str, Any]]:
    return [
        {
            "line_no": line.line_no,
            "item_code": line.item_id or "",
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "line_discount_pct": line.line_discount_pct,
        }
        for line in document.lines.all()
    ]


@require_http_methods(GET_POST)
@login_required
def quote_card(request: HttpRequest, no: str) -> HttpResponse:
    """The sales quote: header and lines (a formset: add, change, delete lines) saved together."""
    quote = _document(DocumentType.QUOTE, no, request.user)
    if request.method == "POST":
        form = QuoteHeaderForm(request.POST)
        lines = LineFormSet(request.POST, prefix="lines")
        if form.is_valid() and lines.is_valid():
            data = dict(form.cleaned_data)
            reassign = data.pop("reassign")
            new_lines = [line for line in (f.line() for f in lines.forms) if line is not None]
            try:
                services.update_sales_quote(
                    quote.no,
                    by=request.user,
                    changes=data,
                    lines=new_lines,
                    reassign=reassign,
                    expected_version=int(request.POST.get("version") or 0) or None,
                )
            except DomainError as error:
                _show_error(form, error)
            else:
                messages.success(request, _("Sales quote %(no)s saved.") % {"no": quote.no})
                return redirect("sales:quote", no=quote.no)
    else:
        form = QuoteHeaderForm(initial=_header_initial(quote))
        lines = LineFormSet(initial=_lines_initial(quote), prefix="lines")
    return render(request, "sales/quote.html", {"document": quote, "form": form, "lines": lines})


@require_http_methods(GET_POST)
@login_required
def make_order(request: HttpRequest, no: str) -> HttpResponse:
    """Make Order: close a linked open opportunity as Won and turn the quote into an order (spec §4.10.5)."""
    quote = _document(DocumentType.QUOTE, no, request.user)
    opportunity = Opportunity.objects.filter(
        sales_document_type="quote", sales_document_no=quote.no, status="in_progress"
    ).first()
    form = MakeOrderForm(
        request.POST if request.method == "POST" else None,
        initial={"create_customer": quote.sell_to_customer_id is None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = services.make_order(
                quote.no,
                by=request.user,
                create_customer=form.cleaned_data["create_customer"],
                close_opportunity_code=form.cleaned_data["close_opportunity_code"] or None,
                date_closed=form.cleaned_data["date_closed"],
            )
        except DomainError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Sales order %(no)s created.") % {"no": order.no})
            return redirect("sales:order", no=order.no)
    context = {"document": quote, "form": form, "opportunity": opportunity}
    return render(request, "sales/make_order.html", context)


@require_http_methods(GET_POST)
@login_required
def delete_quote(request: HttpRequest, no: str) -> HttpResponse:
    """Delete the quote after a confirmation page (GET); a linked opportunity loses the link (spec §4.11.5)."""
    quote = _document(DocumentType.QUOTE, no, request.user)
    if request.method == "GET":
        return confirmation(
            request,
            title=_("Delete sales quote %(no)s") % {"no": quote.no},
            question=_("Delete sales quote %(no)s? This cannot be undone.") % {"no": quote.no},
            yes=_("Yes, delete"),
            cancel_url=reverse("sales:quote", kwargs={"no": quote.no}),
        )
    try:
        services.delete_sales_quote(quote.no, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("sales:quote", no=quote.no)
    messages.success(request, _("Sales quote %(no)s deleted.") % {"no": quote.no})
    return redirect("sales:quotes")


@require_GET
@login_required
def order_card(request: HttpRequest, no: str) -> HttpResponse:
    """The sales order (read-only lines) with Post and Delete."""
    order = _document(DocumentType.ORDER, no, request.user)
    return render(request, "sales/order.html", {"document": order, "delete_form": DeleteOrderForm()})


@require_http_methods(GET_POST)
@login_required
def post_order(request: HttpRequest, no: str) -> HttpResponse:
    """Post the order as an invoice after a confirmation page (GET); a linked Won opportunity follows (spec
    §4.10.6)."""
    order = _document(DocumentType.ORDER, no, request.user)
    if request.method == "GET":
        return confirmation(
            request,
            title=_("Post sales order %(no)s") % {"no": order.no},
            question=_("Post sales order %(no)s as an invoice? A posted invoice cannot be changed.") % {"no": order.no},
            yes=_("Yes, post"),
            cancel_url=reverse("sales:order", kwargs={"no": order.no}),
            danger=False,
        )
    try:
        invoice = services.post_order(order.no, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("sales:order", no=order.no)
    messages.success(request, _("Posted invoice %(no)s created.") % {"no": invoice.no})
    return redirect("sales:invoice", no=invoice.no)


@require_POST
@login_required
def delete_order(request: HttpRequest, no: str) -> HttpResponse:
    """Delete the order; a linked opportunity becomes Lost unless declined (spec §4.11.6)."""
    order = _document(DocumentType.ORDER, no, request.user)
    form = DeleteOrderForm(request.POST)
    form.is_valid()
    try:
        services.delete_sales_order(
            order.no, by=request.user, set_opportunity_lost=form.cleaned_data.get("set_opportunity_lost", False)
        )
    except DomainError as error:
        _show_error(form, error)
        return render(request, "sales/order.html", {"document": order, "delete_form": form})
    messages.success(request, _("Sales order %(no)s deleted.") % {"no": order.no})
    return redirect("sales:orders")


@require_GET
@login_required
def invoice_card(request: HttpRequest, no: str) -> HttpResponse:
    """A posted invoice (read-only)."""
    invoice = selectors.posted_invoices(user=request.user).filter(no=normalize_key(no)).first()
    if invoice is None:
        raise Http404(no)
    return render(request, "sales/invoice.html", {"invoice": invoice})


@require_http_methods(GET_POST)
@login_required
def create_sales_quote(request: HttpRequest, no: str) -> HttpResponse:
    """Create Sales Quote for an opportunity (spec §4.10.2), then open the quote."""
    opportunity = _opportunity(no, request.user)
    form = CreateQuoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            quote = services.create_sales_quote_for_opportunity(
                opportunity.no,
                by=request.user,
                customer_template=form.cleaned_data["customer_template"] or None,
                create_customer=form.cleaned_data["create_customer"],
            )
        except DomainError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Sales quote %(no)s created.") % {"no": quote.no})
            return redirect("sales:quote", no=quote.no)
    return render(request, "sales/create_quote.html", {"o": opportunity, "form": form})


@require_GET
@login_required
def show_sales_quote(request: HttpRequest, no: str) -> HttpResponse:
    """Show Sales Quote (spec §4.10.3): open the linked quote, or say why there is none."""
    opportunity = _opportunity(no, request.user)
    try:
        quote = selectors.linked_quote(opportunity, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("opportunities:card", no=opportunity.no)
    return redirect("sales:quote", no=quote.no)
