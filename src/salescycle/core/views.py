"""Views and helpers shared by every screen: the header's work date, the page context, DomainError to form errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db import models
from django.forms.formsets import TOTAL_FORM_COUNT
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salescycle.core.actors import RequestUser
from salescycle.core.date_input import LocalizedDateInput
from salescycle.core.errors import DomainError
from salescycle.core.http import AuthedRequest
from salescycle.core.workdate import get_work_date, set_work_date


class WorkDateForm(forms.Form):
    """The header's work date: blank returns to today."""

    work_date = forms.DateField(label=_("Work date"), required=False, widget=LocalizedDateInput())


def header_context(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: the signed-in user's work date for the header (one query) and the navigation's
    current section (:func:`nav_section`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    work_date = request_work_date(request)
    return {
        "header_work_date": work_date,
        # The header's input, as every date input: in the interface language's format (issue #15).
        "header_work_date_input": LocalizedDateInput(attrs={"id": "header-work-date"}).render("work_date", work_date),
        "nav_section": nav_section(request),
    }


def request_work_date(request: HttpRequest) -> dt.date:
    """The signed-in user's WorkDate (spec §0.2), read once per request: the page (e.g. the overdue and stale flags
    of the opportunity list) and the header's work date share the one query. A change of the work date is a POST
    that redirects, so no request reads it before and after."""
    cached: dt.date | None = getattr(request, "_salescycle_work_date", None)
    if cached is None:
        cached = get_work_date(getattr(request, "user", None))
        request._salescycle_work_date = cached  # type: ignore[attr-defined]
    return cached


# The main navigation's sections by route: (namespace, url names or None for all the namespace's routes). The first
# match wins, so the narrower entries of a namespace come first.
NAV_SECTIONS: tuple[tuple[str, str, frozenset[str] | None], ...] = (
    ("board", "opportunities", frozenset({"board"})),
    ("create", "opportunities", frozenset({"create"})),
    ("statistics", "opportunities", frozenset({"cycle_statistics", "stage_statistics", "people_statistics"})),
    ("opportunities", "opportunities", None),
    ("contacts", "contacts", None),
    ("tasks", "tasks", None),
    ("quotes", "sales", frozenset({"quotes", "quote", "create_quote", "make_order", "delete_quote"})),
    ("orders", "sales", None),
    ("analysis", "analysis", None),
    ("charts", "charts", None),
    ("reports", "reports", None),
    ("setup", "setup", None),
)


def nav_section(request: HttpRequest) -> str:
    """The main navigation's section of the page being shown (``aria-current="page"`` on its link), or ``""``."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    namespace = match.namespaces[0] if match.namespaces else ""
    for section, wanted_namespace, names in NAV_SECTIONS:
        if namespace == wanted_namespace and (names is None or match.url_name in names):
            return section
    return ""


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
def change_work_date(request: AuthedRequest) -> HttpResponse:
    """Store the user's work date (spec §0.2) and go back to the page they came from."""
    form = WorkDateForm(request.POST)
    work_date: dt.date | None = form.cleaned_data["work_date"] if form.is_valid() else None
    set_work_date(request.user, work_date)
    return HttpResponseRedirect(safe_next(request))


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Show a refused action on ``form``: the message on top, the per-field messages next to their fields."""
    form.add_error(None, error.message)
    for name, texts in error.fields.items():
        if name in form.fields and name not in form.errors:
            form.add_error(name, texts)


# ---------------------------------------------------------------------------------------------------------------
# Setup pages: a list and an edit form per setup table, each saving through its app's services. Apps register their
# pages in their own ``views.py`` (core imports nothing of theirs).


@dataclass(frozen=True)
class SetupPage:
    """One setup table: its form (shape only), list columns and the service calls that write it.

    ``save(by, obj, data, lines)`` creates (``obj`` None) or changes the record and returns it; ``lines`` are the
    cleaned rows of ``formset`` (activity steps, segment lines) or None. ``delete(by, obj)`` deletes it.
    """

    slug: str
    title: Any
    model: type[models.Model]
    form: type[forms.BaseForm]
    columns: tuple[str, ...]
    save: Callable[[Any, Any, dict[str, Any], list[dict[str, Any]] | None], Any]
    delete: Callable[[Any, Any], None] | None = None
    formset: Any = None
    initial: Callable[[Any], dict[str, Any]] | None = None
    lines: Callable[[Any], list[dict[str, Any]]] | None = None
    opportunity_filter: str = ""
    extra_links: Callable[[Any], list[tuple[Any, str]]] | None = None
    order_by: tuple[str, ...] = ()
    # Whether a user may write this table (the services check it anyway); None: anyone who may sign in. Pages
    # shown to others are read-only: no New, Save or Delete, fields disabled, and a notice saying so.
    may_edit: Callable[[Any], bool] | None = None

    def editable_by(self, user: RequestUser) -> bool:
        """True when ``user`` may create, change and delete records of this table."""
        return self.may_edit is None or self.may_edit(user)


SETUP_PAGES: dict[str, SetupPage] = {}
SETUP_LIST_SIZE = 200


def register_setup(page: SetupPage) -> SetupPage:
    """Add a setup page to the setup menu."""
    SETUP_PAGES[page.slug] = page
    return page


def _setup_page(slug: str) -> SetupPage:
    page = SETUP_PAGES.get(slug)
    if page is None:
        raise Http404(slug)
    return page


@require_GET
@login_required
def setup_index(request: HttpRequest) -> HttpResponse:
    """The setup start page: links to every setup list."""
    pages = [(slug, page.title) for slug, page in SETUP_PAGES.items()]
    return render(request, "setup/index.html", {"setup_pages": pages})


def _list_cell(row: Any, column: str) -> Any:
    """A setup list cell: a choice field's label (``get_FOO_display``, issue #15), else the value."""
    field = row._meta.get_field(column)
    if getattr(field, "choices", None):
        return getattr(row, f"get_{column}_display")()
    return getattr(row, column)


@require_GET
@login_required
def setup_list(request: HttpRequest, slug: str) -> HttpResponse:
    """A setup table's records (the first 200 after ``?after=`` in key order; one query)."""
    page = _setup_page(slug)
    pk = page.model._meta.pk
    assert pk is not None
    qs = page.model._default_manager.order_by(*(page.order_by or (pk.name,)))
    if request.GET.get("after"):
        qs = qs.filter(pk__gt=request.GET["after"])
    rows = list(qs[: SETUP_LIST_SIZE + 1])
    more = rows[SETUP_LIST_SIZE - 1].pk if len(rows) > SETUP_LIST_SIZE else None
    table = [
        (row, [_list_cell(row, column) for column in page.columns], page.extra_links(row) if page.extra_links else [])
        for row in rows[:SETUP_LIST_SIZE]
    ]
    headers = [getattr(page.model._meta.get_field(column), "verbose_name", column) for column in page.columns]
    context = {
        "page": page,
        "table": table,
        "headers": headers,
        "more": more,
        "may_edit": page.editable_by(request.user),
    }
    return render(request, "setup/list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def setup_edit(request: HttpRequest, slug: str, key: str | None = None) -> HttpResponse:
    """Create (no ``key``) or change a setup record through its service; refusals appear on the form."""
    page = _setup_page(slug)
    obj = page.model._default_manager.filter(pk=key).first() if key is not None else None
    if key is not None and obj is None:
        raise Http404(key)
    may_edit = page.editable_by(request.user)
    if obj is None and not may_edit:
        raise Forbidden  # nothing to show: the "new" form of a table the user may only read
    initial = page.initial(obj) if (page.initial and obj is not None) else {}
    form = page.form(request.POST or None, instance=obj, initial=initial)  # type: ignore[call-arg]
    lines = page.lines(obj) if (page.lines and obj is not None) else []
    formset = page.formset(request.POST or None, initial=lines, prefix=LINES_PREFIX) if page.formset else None
    if not may_edit:  # read-only: the values as disabled fields (a POST still reaches the service, which refuses)
        disable_fields(form, *(formset.forms if formset is not None else []))
    if request.method == "POST" and may_edit and page.formset is not None and ADD_LINE in request.POST:
        # "Add line" without JavaScript (issue #15, L5): the same values again with one more blank row; nothing saved.
        form, formset = _with_one_more_line(request, page, page.formset, obj, initial, lines)
    elif request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
        rows = _formset_rows(formset)
        try:
            saved = page.save(request.user, obj, form.cleaned_data, rows)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(record)s saved.") % {"record": saved})
            return redirect("setup:edit", slug=slug, key=saved.pk)
    # can_delete, not page.delete in the template: the template engine would call the function (and fail silently)
    can_delete = obj is not None and page.delete is not None and may_edit
    context = {
        "page": page,
        "form": form,
        "formset": formset,
        "obj": obj,
        "may_edit": may_edit,
        "can_delete": can_delete,
    }
    return render(request, "setup/edit.html", context)


LINES_PREFIX = "lines"
# The submit button that adds a formset row instead of saving (app.js adds the row in the page when it can).
ADD_LINE = "add_line"


def _with_one_more_line(
    request: HttpRequest,
    page: SetupPage,
    formset_class: Any,
    obj: Any,
    initial: dict[str, Any],
    lines: list[dict[str, Any]],
) -> tuple[forms.BaseForm, Any]:
    """The posted form and formset again, the formset one blank row longer, shown without validation messages (the
    user has not asked to save yet); the focus goes to the new row."""
    data = request.POST.copy()
    total = f"{LINES_PREFIX}-{TOTAL_FORM_COUNT}"
    try:
        count = int(data.get(total, ""))
    except ValueError:
        count = 0
    data[total] = str(max(count, 0) + 1)
    form = page.form(data, instance=obj, initial=initial)  # type: ignore[call-arg]
    formset = formset_class(data, initial=lines, prefix=LINES_PREFIX)
    for each in (form, *formset.forms):
        each._errors = ErrorDict()
    formset._errors = []
    formset._non_form_errors = formset.error_class()
    if formset.forms:
        new_row = formset.forms[-1]
        first = next((name for name, field in new_row.fields.items() if not field.widget.is_hidden), None)
        if first is not None:
            new_row.fields[first].widget.attrs["autofocus"] = True
    return form, formset


def disable_fields(*forms_: forms.BaseForm) -> None:
    """Show every field of ``forms_`` disabled (a read-only view of a record the user may not change)."""
    for form in forms_:
        for field in form.fields.values():
            field.disabled = True


def _formset_rows(formset: Any) -> list[dict[str, Any]] | None:
    if formset is None:
        return None
    return [
        {k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


def confirmation(
    request: HttpRequest,
    *,
    title: Any,
    question: Any,
    yes: Any,
    cancel_url: str,
    danger: bool = True,
    template: str = "confirm.html",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page that asks before a destructive or irreversible action (``confirm.html``): ``question``, a button
    ``yes`` that POSTs to the same address, and Cancel back to ``cancel_url``. The action's view answers GET with
    this page and acts on POST (the UX walk's M3: Delete and Post acted on one click). A page that shows more (what
    will change) or posts more (hidden inputs) extends ``confirm.html`` (blocks ``details`` and ``fields``) as
    ``template``, with ``extra`` context."""
    context = {"title": title, "question": question, "yes": yes, "cancel_url": cancel_url, "danger": danger}
    return render(request, template, {**(extra or {}), **context})


@require_http_methods(["GET", "POST"])
@login_required
def setup_delete(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Delete a setup record through its service after a confirmation page (GET); a refusal is shown on the
    record's page."""
    page = _setup_page(slug)
    obj = page.model._default_manager.filter(pk=key).first()
    if obj is None or page.delete is None:
        raise Http404(key)
    if request.method == "GET":
        return confirmation(
            request,
            title=_("Delete %(record)s") % {"record": obj},
            question=_("Delete %(record)s? This cannot be undone.") % {"record": obj},
            yes=_("Yes, delete"),
            cancel_url=reverse("setup:edit", kwargs={"slug": slug, "key": key}),
        )
    try:
        page.delete(request.user, obj)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("setup:edit", slug=slug, key=key)
    messages.success(request, _("%(record)s deleted.") % {"record": obj})
    return redirect("setup:list", slug=slug)


class LineForm(forms.Form):
    """A formset row: its inputs are named by their label (the table header is not their label)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", str(field.label))


class LineFormSet(forms.BaseFormSet):
    """A formset whose Delete checkboxes are named for screen readers."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = str(_("Delete line"))
