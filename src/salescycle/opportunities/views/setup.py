"""Setup pages of the opportunity setup: sales cycles with stages, close codes, activities with steps and Marketing
Setup, each saved through its one service (``opportunities/services/``: ``sales_cycles``, ``close_codes``,
``activities``, ``marketing_setup``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.errors import DomainError
from salescycle.core.models import NumberSeries
from salescycle.core.money import normalize
from salescycle.core.views import SetupPage, add_domain_error, disable_fields, register_setup
from salescycle.opportunities import services
from salescycle.opportunities.forms import CloseCodeForm, MarketingSetupForm, SalesCycleForm, StageFormSet
from salescycle.opportunities.models import CloseOpportunityCode, MarketingSetup, SalesCycle
from salescycle.tasks.forms import ActivityForm, ActivityStepFormSet
from salescycle.tasks.models import Activity


def _save_cycle(by: Actor, obj: SalesCycle | None, data: dict[str, Any], lines: list[dict[str, Any]] | None) -> Any:
    code = obj.code if obj is not None else data.pop("code")
    data.pop("code", None)
    stages = [_stage_values(row) for row in lines or []]
    return services.save_sales_cycle(code, by=by, create=obj is None, stages=stages, **data)


def _stage_values(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "stage": row["stage"],
        "description": row["description"],
        "completed_pct": row["completed_pct"] or Decimal(0),
        "chances_of_success_pct": row["chances_of_success_pct"] or Decimal(0),
        "activity_code": row["activity"] or None,
        "quote_required": row["quote_required"],
        "allow_skip": row["allow_skip"],
        "date_formula": row["date_formula"],
    }


def _stage_lines(cycle: SalesCycle) -> list[dict[str, Any]]:
    return [
        {
            **{k: v for k, v in s.items() if k != "activity_id"},
            "activity": s["activity_id"] or "",
            # 2, not 2.00000 (issue #15)
            "completed_pct": normalize(s["completed_pct"]),
            "chances_of_success_pct": normalize(s["chances_of_success_pct"]),
        }
        for s in cycle.stages.order_by("stage").values(
            "stage",
            "description",
            "completed_pct",
            "chances_of_success_pct",
            "activity_id",
            "quote_required",
            "allow_skip",
            "date_formula",
        )
    ]


def _save_close_code(by: Actor, obj: CloseOpportunityCode | None, data: dict[str, Any], lines: Any) -> Any:
    if obj is None:
        return services.create_close_code(by=by, **data)
    data.pop("code", None)
    return services.update_close_code(obj.code, by=by, **data)


def _save_activity(by: Actor, obj: Activity | None, data: dict[str, Any], lines: Any) -> Activity:
    code = obj.code if obj is not None else data["code"]
    return services.save_activity(code, by=by, description=data["description"], steps=lines or [], create=obj is None)


register_setup(
    SetupPage(
        slug="sales-cycles",
        title=gettext_lazy("Sales cycles"),
        model=SalesCycle,
        form=SalesCycleForm,
        columns=("code", "description", "probability_calculation", "blocked"),
        may_edit=permissions.may_setup,
        save=_save_cycle,
        delete=lambda by, obj: services.delete_sales_cycle(obj.code, by=by),
        formset=StageFormSet,
        lines=_stage_lines,
        extra_links=lambda row: [
            (gettext_lazy("Pipeline"), f"{reverse('opportunities:board')}?{urlencode({'cycle': row.pk})}"),
            (gettext_lazy("Statistics"), reverse("opportunities:stage_statistics", args=[row.pk])),
            (gettext_lazy("Opportunities"), f"{reverse('opportunities:list')}?{urlencode({'cycle': row.pk})}"),
        ],
    )
)
register_setup(
    SetupPage(
        slug="close-codes",
        title=gettext_lazy("Close opportunity codes"),
        model=CloseOpportunityCode,
        form=CloseCodeForm,
        columns=("code", "description", "type"),
        may_edit=permissions.may_setup,
        save=_save_close_code,
        delete=lambda by, obj: services.delete_close_opportunity_code(obj.code, by=by),
    )
)
register_setup(
    SetupPage(
        slug="activities",
        title=gettext_lazy("Activities"),
        model=Activity,
        form=ActivityForm,
        columns=("code", "description"),
        may_edit=permissions.may_setup,
        save=_save_activity,
        delete=lambda by, obj: services.delete_activity(obj.code, by=by),
        formset=ActivityStepFormSet,
        lines=lambda obj: list(
            obj.steps.order_by("step_no").values("step_no", "type", "description", "priority", "date_formula")
        ),
    )
)


@require_http_methods(["GET", "POST"])
@login_required
def marketing_setup(request: HttpRequest) -> HttpResponse:
    """Marketing Setup: the default sales cycle, the Bus. Rel. Code for Customers and the number-series prefixes,
    saved through ``update_setup`` like
    the API's ``PATCH /setup``; a refusal (unknown cycle, stale version) appears on the form."""
    marketing = MarketingSetup.get()
    series = list(NumberSeries.objects.order_by("code"))
    form = MarketingSetupForm(request.POST or None, setup=marketing, series=series)
    may_edit = permissions.may_setup(request.user)
    if not may_edit:
        disable_fields(form)
    if request.method == "POST" and form.is_valid():
        prefixes = form.number_series()
        try:
            services.update_setup(
                by=request.user,
                expected_version=form.cleaned_data["version"],
                default_sales_cycle_code=form.cleaned_data["default_sales_cycle_code"] or None,
                change_default_cycle=True,
                number_series={code: prefix for code, prefix in prefixes.items() if prefix != _prefix(series, code)},
                bus_rel_code_for_customers=form.cleaned_data["bus_rel_code_for_customers"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(record)s saved.") % {"record": marketing})
            return redirect("setup:marketing")
    return render(request, "setup/marketing.html", {"form": form, "may_edit": may_edit})


def _prefix(series: list[NumberSeries], code: str) -> str:
    return next(s.prefix for s in series if s.code == code)
