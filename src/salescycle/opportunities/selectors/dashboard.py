"""The dashboard, the landing page (issue #14 item 5): the open pipeline by stage, this and next month's forecast,
the stale opportunities and the tasks due, for a Salesperson his own, for a Sales Manager one of his teams with a
per-salesperson breakdown, for everyone else everything they may see.

A constant number of queries whatever the number of rows (the scope's teams, the stages, the salespeople, the
first stale opportunities, the tasks), each along an index of the salesperson column for a Salesperson
(``opp_salesperson_open``, ``task_salesperson``). Every figure carries the URL of the list of exactly what it counts
(:mod:`.figures`); the opportunity figures are read from the opportunities' own columns, as the list filters them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlencode

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.urls import reverse

from salescycle.contacts import permissions
from salescycle.contacts.models import Team
from salescycle.contacts.selectors import team_salesperson_codes
from salescycle.core.actors import Actor
from salescycle.core.dates import Period, periods
from salescycle.core.keys import normalize_key
from salescycle.core.money import is_sqlite, normalize
from salescycle.opportunities.selectors.figures import (
    IN_PROGRESS,
    Linked,
    LinkedFigures,
    figure_aggregates,
    figures_of,
    list_url,
)
from salescycle.opportunities.selectors.opportunities import visible
from salescycle.tasks.models import Task

STALE_SHOWN = 5

ScopeKind = Literal["salesperson", "team", "all"]


@dataclass(frozen=True)
class Scope:
    """Whose figures the dashboard shows: one salesperson (``code``), one team (``code``; ``teams`` are the Sales
    Manager's teams to switch between, as (code, name)) or everything the user may see."""

    kind: ScopeKind
    code: str = ""
    name: str = ""
    teams: tuple[tuple[str, str], ...] = ()

    def condition(self) -> Q:
        """The condition on a row's ``salesperson`` column (opportunities and tasks alike)."""
        if self.kind == "salesperson":
            return Q(salesperson_id=self.code)
        if self.kind == "team":
            return Q(salesperson_id__in=team_salesperson_codes(self.code))
        return Q()

    def words(self) -> dict[str, str]:
        """The list words of the scope (``salesperson`` or ``team``), for the opportunity and task lists alike."""
        if self.kind == "salesperson":
            return {"salesperson": self.code}
        if self.kind == "team":
            return {"team": self.code}
        return {}


def dashboard_scope(user: Actor, team: str | None = None) -> Scope:
    """The dashboard's scope for ``user``: a Sales Manager linked to a salesperson in teams gets team ``team`` (one
    of his teams; default his first by code); a Salesperson (not a Sales Manager) his own opportunities; anyone else
    (Administrator, Viewer, a Sales Manager without a team) everything they may see. At most one query."""
    who = permissions.access(user)
    if permissions.SALES_MANAGER in who.roles:
        teams = tuple(
            Team.objects.filter(salespeople__user_id=getattr(user, "pk", None) or 0)
            .order_by("code")
            .values_list("code", "name")
        )
        if teams:
            chosen = normalize_key(team)
            code, name = next(((c, n) for c, n in teams if c == chosen), teams[0])
            return Scope("team", code, name, teams)
    if permissions.SALESPERSON in who.roles and who.salesperson_code:
        return Scope("salesperson", who.salesperson_code)
    return Scope("all")


@dataclass(frozen=True)
class DashboardStage:
    """A stage of a sales cycle in the open pipeline."""

    sales_cycle_code: str
    stage: int
    description: str
    figures: LinkedFigures


@dataclass(frozen=True)
class Forecast:
    """The open pipeline expected to close in ``period`` (by Estimated Closing Date); the weighted value is the
    Calcd. Current Value."""

    period: Period
    figures: LinkedFigures


@dataclass(frozen=True)
class StaleOpportunity:
    """An open opportunity whose Estimated Closing Date has passed."""

    no: str
    description: str
    salesperson_code: str
    estimated_closing_date: dt.date
    estimated_value: Decimal
    url: str


@dataclass(frozen=True)
class SalespersonFigures:
    """One salesperson's row of the breakdown (``code`` blank: opportunities and tasks without a salesperson, which
    no list word selects, so their figures carry no URL)."""

    code: str
    name: str
    pipeline: LinkedFigures
    this_month: LinkedFigures
    next_month: LinkedFigures
    stale: Linked
    tasks_due: Linked


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows as of ``work_date`` (the user's WorkDate)."""

    scope: Scope
    work_date: dt.date
    stages: tuple[DashboardStage, ...]
    pipeline: LinkedFigures
    this_month: Forecast
    next_month: Forecast
    stale: Linked
    stale_first: tuple[StaleOpportunity, ...]
    tasks_due: Linked
    people: tuple[SalespersonFigures, ...] = field(default_factory=tuple)


def task_list_url(words: dict[str, Any]) -> str:
    """The task list's URL of the open tasks due on or before the WorkDate, narrowed by ``words``."""
    return f"{reverse('tasks:list')}?{urlencode({'show': 'due', **words})}"


def _open(user: Actor, scope: Scope) -> QuerySet[Any]:
    return visible(user).filter(scope.condition(), status=IN_PROGRESS)


def _stages(user: Actor, scope: Scope, *, sqlite: bool) -> tuple[DashboardStage, ...]:
    rows = (
        _open(user, scope)
        .values("sales_cycle_id", "current_sales_cycle_stage")
        .annotate(description=Max("current_stage_description"), **figure_aggregates("f", sqlite=sqlite))
        .order_by("sales_cycle_id", "current_sales_cycle_stage")
    )
    return tuple(
        DashboardStage(
            row["sales_cycle_id"] or "",
            row["current_sales_cycle_stage"],
            row["description"] or "",
            figures_of(
                row,
                "f",
                list_url(
                    {
                        **scope.words(),
                        "status": IN_PROGRESS,
                        "cycle": row["sales_cycle_id"],
                        "stage": row["current_sales_cycle_stage"],
                    }
                ),
                sqlite=sqlite,
            ),
        )
        for row in rows
    )


def _people(
    user: Actor, scope: Scope, work_date: dt.date, months: tuple[Period, Period], *, sqlite: bool
) -> list[dict[str, Any]]:
    this, following = months
    return list(
        _open(user, scope)
        .values("salesperson_id", "salesperson__name")
        .annotate(
            **figure_aggregates("pipeline", sqlite=sqlite),
            **figure_aggregates(
                "this",
                sqlite=sqlite,
                condition=Q(estimated_closing_date__gte=this.start, estimated_closing_date__lte=this.end),
            ),
            **figure_aggregates(
                "next",
                sqlite=sqlite,
                condition=Q(estimated_closing_date__gte=following.start, estimated_closing_date__lte=following.end),
            ),
            stale=Count("no", filter=Q(estimated_closing_date__lt=work_date)),
        )
        .order_by("salesperson_id")
    )


def _tasks_due(user: Actor, scope: Scope, work_date: dt.date) -> dict[str | None, int]:
    """The open tasks dated on or before ``work_date`` per salesperson, of no or a visible opportunity. The
    visibility is an ``EXISTS`` checked per task due, not ``opportunity_no IN (…)``: SQLite would drive that from the
    opportunity number index (``opportunity_no = ''`` matches most tasks, which its statistics cannot tell), where
    the scope's ``task_salesperson`` index finds the few tasks due (issue #14 "Speed": 128 ms → 1 ms at 100k)."""
    tasks = Task.objects.all()
    if permissions.visibility_filter(user) is not None:
        tasks = tasks.filter(Q(opportunity_no="") | Exists(visible(user).filter(no=OuterRef("opportunity_no"))))
    rows = (
        tasks.filter(scope.condition(), closed=False, date__lte=work_date)
        .values("salesperson_id")
        .annotate(n=Count("no"))
        .order_by()
    )
    return {row["salesperson_id"]: row["n"] for row in rows}


def _breakdown(
    rows: list[dict[str, Any]],
    tasks: dict[str | None, int],
    url: Any,
    dates: tuple[Period, Period, dt.date],
    *,
    sqlite: bool,
) -> list[SalespersonFigures]:
    """The per-salesperson rows from the grouped opportunity figures and task counts (a salesperson with tasks due
    but no open opportunity gets a row too), by code."""
    this, following, stale_to = dates
    by_code = {row["salesperson_id"]: row for row in rows}
    nothing = {**figure_zeros("pipeline"), **figure_zeros("this"), **figure_zeros("next"), "stale": 0}
    people = []
    for key in sorted(by_code.keys() | tasks.keys(), key=lambda k: k or ""):
        row = by_code.get(key) or {"salesperson_id": key, "salesperson__name": "", **nothing}
        code = key or ""

        def own(**extra: Any) -> str:
            return url(salesperson=code, **extra) if code else ""  # noqa: B023 — called within this iteration

        people.append(
            SalespersonFigures(
                code,
                row["salesperson__name"] or "",
                figures_of(row, "pipeline", own(), sqlite=sqlite),
                figures_of(row, "this", own(closing_from=this.start, closing_to=this.end), sqlite=sqlite),
                figures_of(row, "next", own(closing_from=following.start, closing_to=following.end), sqlite=sqlite),
                Linked(row["stale"], own(closing_to=stale_to)),
                Linked(tasks.get(key, 0), task_list_url({"salesperson": code}) if code else ""),
            )
        )
    return people


def figure_zeros(prefix: str) -> dict[str, Any]:
    """The aggregates of :func:`figure_aggregates` for no rows."""
    return {f"{prefix}_count": 0, f"{prefix}_estimated": None, f"{prefix}_current": None}


def dashboard(work_date: dt.date, *, user: Actor, team: str | None = None) -> Dashboard:
    """The dashboard of ``user`` as of ``work_date`` (:func:`dashboard_scope`, ``team`` for a Sales Manager): over
    the In Progress opportunities ``user`` may see in the scope, the pipeline per sales cycle and stage (count,
    Estimated Value, Calcd. Current Value; LCY, exact), this and next month's forecast by Estimated Closing Date,
    the stale ones (Estimated Closing Date before ``work_date``: count and the :data:`STALE_SHOWN` oldest), the open
    tasks dated on or before ``work_date``; and per salesperson the same figures unless the scope is one
    salesperson. Five queries at most (plus the user's roles, cached per request), whatever the number of rows.
    Implements issue #14 item 5 (figures of spec §5.3 and §5.8)."""
    scope = dashboard_scope(user, team)
    sqlite = is_sqlite(visible(user).db)
    months = periods("month", work_date, 2)
    this, following = months[0], months[1]
    words = scope.words()
    stale_to = work_date - dt.timedelta(days=1)

    def url(**extra: Any) -> str:
        return list_url({**words, "status": IN_PROGRESS, **extra})

    people = _breakdown(
        _people(user, scope, work_date, (this, following), sqlite=sqlite),
        _tasks_due(user, scope, work_date),
        url,
        (this, following, stale_to),
        sqlite=sqlite,
    )
    stale_first = tuple(
        StaleOpportunity(
            row["no"],
            row["description"],
            row["salesperson_id"] or "",
            row["estimated_closing_date"],
            normalize(row["estimated_value"]),
            reverse("opportunities:card", args=[row["no"]]),
        )
        for row in _open(user, scope)
        .filter(estimated_closing_date__lt=work_date)
        .order_by("estimated_closing_date", "no")
        .values("no", "description", "salesperson_id", "estimated_closing_date", "estimated_value")[:STALE_SHOWN]
    )
    return Dashboard(
        scope=scope,
        work_date=work_date,
        stages=_stages(user, scope, sqlite=sqlite),
        pipeline=LinkedFigures.total((p.pipeline for p in people), url()),
        this_month=Forecast(
            this, LinkedFigures.total((p.this_month for p in people), url(closing_from=this.start, closing_to=this.end))
        ),
        next_month=Forecast(
            following,
            LinkedFigures.total(
                (p.next_month for p in people), url(closing_from=following.start, closing_to=following.end)
            ),
        ),
        stale=Linked(sum(p.stale.count for p in people), url(closing_to=stale_to)),
        stale_first=stale_first,
        tasks_due=Linked(sum(p.tasks_due.count for p in people), task_list_url(words)),
        people=tuple(people) if scope.kind != "salesperson" else (),
    )
