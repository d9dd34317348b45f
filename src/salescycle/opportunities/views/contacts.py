"""HTML views of contacts as a main page (issue #15): the contact list, the contact card (BC's Contact Card with its
opportunities, tasks, interactions, statistics and Create Opportunity) and "Log interaction" from the contact card
and the opportunity card (D22).

The card lives here, not in ``contacts``, because it shows opportunities (dependencies point one way: conventions
"Layout"); apps above (sales) add their blocks through :mod:`salescycle.opportunities.contact_sections`. Editing a
contact stays on the setup page (``setup:edit``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from salescycle.contacts import permissions
from salescycle.contacts.selectors import contact_page
from salescycle.core.actors import RequestUser
from salescycle.core.errors import DomainError
from salescycle.core.replicas import reads_from_replica
from salescycle.core.views import add_domain_error, is_htmx, request_work_date
from salescycle.opportunities import contact_sections, services, statistics
from salescycle.opportunities.contact_forms import ContactListFilterForm, InteractionForm
from salescycle.opportunities.selectors.contacts import ContactCard, contact_card, loggable_opportunities
from salescycle.opportunities.views.opportunities import opportunity_or_404

GET_POST = ["GET", "POST"]


@reads_from_replica
@require_GET
@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    """Contacts by number, filtered by search (number, name), type, company and salesperson (the API list's
    filters), keyset-paged: "More" appends the next page (htmx) or opens it."""
    form = ContactListFilterForm(request.GET)
    page = contact_page(form.filters(), request.GET.get("after"), user=request.user)
    params = request.GET.copy()
    params.pop("after", None)
    context = {
        "form": form,
        "page": page,
        "query": params.urlencode(),
        "may_write": permissions.may_write(request.user),
    }
    if is_htmx(request) and request.GET.get("after"):
        return render(request, "contacts/list.html#rows", context)
    return render(request, "contacts/list.html", context)


def _card_or_404(request: HttpRequest, no: str) -> ContactCard:
    card = contact_card(no, request.user, request_work_date(request))
    if card is None:
        raise Http404(no)
    return card


def _card_context(request: HttpRequest, card: ContactCard, form: InteractionForm | None = None) -> dict[str, Any]:
    contact = card.contact
    sections = [(s.template, s.context(contact, request.user)) for s in contact_sections.sections()]
    if form is None and card.can_write:
        form = InteractionForm(opportunities=loggable_opportunities(contact.no, request.user))
    return {
        "card": card,
        "c": contact,
        "statistics": statistics.contact_statistics(contact.no, user=request.user),
        "sections": sections,
        "interaction_form": form,
    }


@require_GET
@login_required
def contact_card_view(request: HttpRequest, no: str) -> HttpResponse:
    """The contact card: its fields (edited on the setup page), for a company its persons, its opportunities (a
    company's: its persons' too; open first), tasks, interactions, sales documents and statistics (spec §5.4),
    with Create Opportunity and Log interaction."""
    card = _card_or_404(request, no)
    return render(request, "contacts/card.html", _card_context(request, card))


def _salesperson_code(user: RequestUser, *fallbacks: str | None) -> str | None:
    """Who logs the interaction: the signed-in user's own salesperson, else the first given code."""
    own = permissions.access(user).salesperson_code
    return own or next((code for code in fallbacks if code), None)


def _log(request: HttpRequest, form: InteractionForm, **references: Any) -> DomainError | None:
    """Log the interaction of a valid ``form`` through the service; the refusal, if any."""
    data = form.cleaned_data
    try:
        services.create_interaction(
            by=request.user,
            type=data["type"],
            date=data["date"],
            description=data["description"],
            **references,
        )
    except DomainError as error:
        return error
    messages.success(request, _("Interaction logged."))
    return None


@require_http_methods(GET_POST)
@login_required
def log_contact_interaction(request: HttpRequest, no: str) -> HttpResponse:
    """Log an interaction with contact ``no`` (optionally for one of its open opportunities) through
    ``create_interaction``; back to the contact card, or the form again with the refusal."""
    card = _card_or_404(request, no)
    contact = card.contact
    form = InteractionForm(request.POST or None, opportunities=loggable_opportunities(contact.no, request.user))
    if request.method == "POST" and form.is_valid():
        opportunity_no = form.cleaned_data.get("opportunity_no") or None
        salesperson = _salesperson_code(request.user, contact.salesperson_id)
        error = _log(request, form, contact_no=contact.no, opportunity_no=opportunity_no, salesperson_code=salesperson)
        if error is None:
            return redirect("contacts:card", no=contact.no)
        add_domain_error(form, error)
    context = {
        "form": form,
        "title": _("Log interaction with %(contact)s") % {"contact": contact},
        "cancel_url": reverse("contacts:card", kwargs={"no": contact.no}),
    }
    return render(request, "contacts/log_interaction.html", context)


@require_http_methods(GET_POST)
@login_required
def log_opportunity_interaction(request: HttpRequest, no: str) -> HttpResponse:
    """Log an interaction for opportunity ``no`` with its contact through ``create_interaction`` (which refuses an
    opportunity the user may see but not change, and one without contact); back to the opportunity card, whose
    No. of Interactions counts it."""
    opportunity = opportunity_or_404(no, request.user)
    form = InteractionForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not opportunity.contact_id:
        form.add_error(None, _("Opportunity %(no)s has no contact: set its contact first.") % {"no": opportunity.no})
    elif request.method == "POST" and form.is_valid():
        references = {
            "contact_no": opportunity.contact_id,
            "opportunity_no": opportunity.no,
            "salesperson_code": _salesperson_code(request.user, opportunity.salesperson_id),
        }
        error = _log(request, form, **references)
        if error is None:
            return redirect("opportunities:card", no=opportunity.no)
        add_domain_error(form, error)
    context = {
        "form": form,
        "title": _("Log interaction for opportunity %(no)s") % {"no": opportunity.no},
        "cancel_url": reverse("opportunities:card", kwargs={"no": opportunity.no}),
    }
    return render(request, "contacts/log_interaction.html", context)
