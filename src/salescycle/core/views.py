"""Views and helpers shared by every screen: the header's work date, the page context, DomainError to form errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salescycle.core.errors import DomainError
from salescycle.core.workdate import get_work_date, set_work_date


class WorkDateForm(forms.Form):
    """The header's work date: blank returns to today."""

    work_date = forms.DateField(label=_("Work date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


def header_context(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: the signed-in user's work date for the header (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"header_work_date": get_work_date(user)}


def is_htmx(request: HttpRequest) -> bool:
    """True for a request htmx sent (django-htmx's ``request.htmx``)."""
    return bool(getattr(request, "htmx", False))


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    """The ``next`` parameter when it points to this site, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@require_POST
@login_required
def change_work_date(request: HttpRequest) -> HttpResponse:
    """Store the user's work date (spec §0.2) and go back to the page they came from."""
    form = WorkDateForm(request.POST)
    work_date: dt.date | None = form.cleaned_data["work_date"] if form.is_valid() else None
    set_work_date(request.user, work_date)
    return HttpResponseRedirect(safe_next(request))


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Show a refused action on ``form``: the message on top, the per-field messages next to their fields."""
    form.add_error(None, error.message)
    for name, messages in error.fields.items():
        if name in form.fields and name not in form.errors:
            form.add_error(name, messages)


@login_required
def setup_index(request: HttpRequest) -> HttpResponse:
    """The setup start page: links to every setup list."""
    from django.shortcuts import render

    return render(request, "setup/index.html")
