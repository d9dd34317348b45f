"""HTML screens of tasks: the list (mine, overdue, per opportunity) and the task card with Complete, Cancel and
Reopen (spec §2.8, §4.9)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salescycle.contacts.models import Salesperson
from salescycle.contacts.selectors import team_salesperson_codes
from salescycle.core.errors import DomainError, NotFound
from salescycle.core.keys import normalize_key
from salescycle.core.replicas import reads_from_replica
from salescycle.core.views import add_domain_error
from salescycle.core.workdate import get_work_date
from salescycle.tasks import services
from salescycle.tasks.api import tasks
from salescycle.tasks.filters import TaskFilters
from salescycle.tasks.forms import TaskForm
from salescycle.tasks.models import Task

PAGE = 200


@reads_from_replica
@require_GET
@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """Tasks by date: ``?show=mine`` (the signed-in salesperson's open tasks), ``overdue`` (open, dated before the
    WorkDate), ``due`` (open, dated on or before the WorkDate: the dashboard's "tasks due", narrowed by
    ``?salesperson=`` or ``?team=`` when given), ``all``; ``?opportunity=OP…`` narrows to one opportunity."""
    show = request.GET.get("show", "mine")
    opportunity_no = normalize_key(request.GET.get("opportunity"))
    work_date = get_work_date(request.user)
    salesperson = Salesperson.objects.filter(user_id=request.user.pk or 0).values_list("code", flat=True).first()
    if opportunity_no:
        show = "all" if "show" not in request.GET else show
    words: dict[str, Any] = {"opportunity_no": opportunity_no}
    if show in ("mine", "overdue"):
        words.update(salesperson_code=salesperson, closed=False)
    elif show == "due":
        words.update(salesperson_code=request.GET.get("salesperson"), closed=False)
    qs: QuerySet[Task] = TaskFilters(**words).filter(tasks(request.user)).select_related("contact")
    if show == "mine" and not salesperson:
        qs = qs.filter(salesperson__isnull=True)  # not linked to a salesperson: "mine" are the unassigned ones
    elif show == "overdue":
        qs = qs.filter(date__lt=work_date)
    elif show == "due":
        qs = qs.filter(date__lte=work_date)
        if team := normalize_key(request.GET.get("team")):
            qs = qs.filter(salesperson_id__in=team_salesperson_codes(team))
    qs = qs.order_by("date", "no")
    context = {
        "tasks": qs[:PAGE],
        "show": show,
        "opportunity_no": opportunity_no,
        "work_date": work_date,
        "salesperson": salesperson,
    }
    return render(request, "tasks/list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def task_create(request: HttpRequest) -> HttpResponse:
    """A new task by hand, through the one task service (``tasks.services.create_task``, like ``POST
    /tasks``): ``?opportunity=`` fills in the opportunity, the salesperson defaults to the user's own; a refusal
    (an opportunity they may not see or change, an unknown contact) appears on the form. Spec §2.8, rule 15."""
    own = Salesperson.objects.filter(user_id=request.user.pk or 0).values_list("code", flat=True).first() or ""
    initial = {"opportunity_no": normalize_key(request.GET.get("opportunity")), "salesperson_code": own}
    form = TaskForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.create_task(by=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Task %(no)s created.") % {"no": task.no})
            return redirect("tasks:card", no=task.no)
    return render(request, "tasks/new.html", {"form": form})


@require_GET
@login_required
def task_card(request: HttpRequest, no: str) -> HttpResponse:
    """One task with its actions."""
    task = tasks(request.user).select_related("contact", "salesperson").filter(no=normalize_key(no)).first()
    if task is None:
        raise Http404(no)
    return render(request, "tasks/card.html", {"task": task})


ACTIONS = {
    "complete": (services.complete_task, _("Task %(no)s completed.")),
    "cancel": (services.cancel_task, _("Task %(no)s canceled.")),
    "reopen": (services.reopen_task, _("Task %(no)s reopened.")),
}


@require_POST
@login_required
def task_action(request: HttpRequest, no: str, action: str) -> HttpResponse:
    """Complete, cancel or reopen the task (spec §2.8), then back to the card; 404 for a task the user may not
    see, a refusal (403, a stale version) as a message on the card."""
    if action not in ACTIONS:
        raise Http404(action)
    service, done = ACTIONS[action]
    try:
        task = service(no, by=request.user, expected_version=int(request.POST.get("version") or 0) or None)
    except NotFound as error:
        # Missing, or linked to an opportunity the user may not see: the same 404 as the card.
        raise Http404(no) from error
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("tasks:card", no=normalize_key(no))
    messages.success(request, str(done) % {"no": task.no})
    return redirect("tasks:card", no=task.no)
