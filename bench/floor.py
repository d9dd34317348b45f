"""The benchmark's "hand-written SQL through the same stack" endpoints (bench only; never mounted by the app).

Bare SQL on the benchmark's connection (``legs.reads``) is the database's own limit, but no request can be faster
than the HTTP stack around it: URL resolution, middleware (sessions, CSRF, locale, security headers), token or
session authentication and JSON or HTML rendering cost 1–20 ms whatever the query. So every read measured against
a ratio target is also measured against its **floor**: a request through the same stack (this module is the URLconf
of the benchmark's test client: the app's own URLs plus these) whose handler runs the *same hand-written SQL* as the
reference and renders the result as plainly as possible — ``json.dumps`` of the raw rows through the same ninja
renderer and authentication for the API, the app's own ``opportunities/list.html`` template fed with the raw rows
for the HTML list. "app ÷ floor" is then what the application's own code (ORM, selectors, permissions, schemas)
costs on top of hand-written SQL; "app ÷ SQL" is reported next to it.

``legs.reads`` fills :data:`SQL` with the reference statements before the first request.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from ninja import NinjaAPI

from salescycle.api import BrowserSessionAuth, TokenAuth
from salescycle.core.fields import model_choices
from salescycle.core.money import AMOUNT_PLACES
from salescycle.opportunities.choices import OpportunityStatus, SalesDocumentType
from salescycle.opportunities.forms import ListFilterForm
from salescycle.urls import urlpatterns as app_urlpatterns

# name → SQL text (``%s`` parameters), filled in by legs.reads
SQL: dict[str, str] = {}

floor_api = NinjaAPI(
    title="bench floor",
    urls_namespace="bench-floor",
    auth=[TokenAuth(), BrowserSessionAuth()],
    docs_url=None,
    openapi_url=None,
)


def _rows(sql: str, params: list[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return names, cursor.fetchall()


def _sums(parts: tuple[Any, ...]) -> tuple[Any, ...]:
    """The money sums of a reference row (``legs._money_sum``): as they are on PostgreSQL; on SQLite each sum is
    two columns (integer parts, fraction units of 10⁻⁵) added into one ``Decimal``, as ``core.money`` does."""
    if connection.vendor != "sqlite":
        return tuple(Decimal(0) if part is None else part for part in parts)
    return tuple(
        Decimal(parts[i] or 0) + Decimal(parts[i + 1] or 0).scaleb(-AMOUNT_PLACES) for i in range(0, len(parts), 2)
    )


@floor_api.get("/cycle-statistics/{code}")
def cycle_statistics(request: HttpRequest, code: str) -> Any:
    """The cycle statistics' three statements; per stage: open count and values, closed-stage days."""
    _n, open_rows = _rows(SQL["stage_open"], [code])
    _n, days_rows = _rows(SQL["stage_days"], [code])
    _n, stages = _rows(SQL["stages"], [code])
    open_by = {row[0]: (row[1], *_sums(row[2:])) for row in open_rows}
    days_by = {row[0]: row[1:] for row in days_rows}
    out = []
    for stage, description in stages:
        n, value, calculated = open_by.get(stage, (0, 0, 0))
        passed, days = days_by.get(stage, (0, 0))
        out.append(
            {
                "stage": stage,
                "description": description,
                "no_of_opportunities": n,
                "estimated_value": value,
                "calculated_current_value": calculated,
                "average_no_of_days": (days / passed) if passed else 0,
            }
        )
    return {"sales_cycle_code": code, "stages": out}


@floor_api.get("/salesperson-statistics/{code}")
def salesperson_statistics(request: HttpRequest, code: str) -> Any:
    """The salesperson statistics' one aggregate."""
    _n, rows = _rows(SQL["salesperson"], [code])
    n, value, calculated = rows[0][0], *_sums(rows[0][1:])
    return {"salesperson_code": code, "no_of_opportunities": n, "estimated_value": value, "calculated": calculated}


@floor_api.get("/opportunities")
def opportunities(request: HttpRequest, salesperson_code: str) -> Any:
    """The list's count and keyset page (51 rows read, 50 shown) as raw rows."""
    _n, counted = _rows(SQL["count"], [salesperson_code])
    names, rows = _rows(SQL["list"], [salesperson_code])
    items = [dict(zip(names, row, strict=True)) for row in rows[:50]]
    return {"items": items, "count": counted[0][0], "next": items[-1]["no"] if len(rows) > 50 else None}


@floor_api.get("/matrix")
def matrix(request: HttpRequest, start: str, end: str) -> Any:
    """The matrix's grouped statement and the row names by hand: per salesperson, 12 monthly sums and the totals."""
    _n, grouped = _rows(SQL["matrix"], [start, end])
    grid: dict[str, dict[str, Decimal]] = {}
    labels: set[str] = set()
    for key, period, _count, *sums in grouped:
        grid.setdefault(key, {})[period] = _sums(tuple(sums))[0]
        labels.add(period)
    keys = sorted(grid)
    columns = sorted(labels)
    _n, names = _rows(SQL["matrix_names"] + "(" + ", ".join(["%s"] * len(keys)) + ")", keys) if keys else ([], [])
    name_of = dict(names)
    rows = [{"key": key, "name": name_of.get(key, ""), "cells": [grid[key].get(c) for c in columns]} for key in keys]
    totals = [sum((grid[key].get(c) or 0 for key in keys), Decimal(0)) for c in columns]
    return {"columns": columns, "rows": rows, "total": {"cells": totals, "total": sum(totals, Decimal(0))}}


@floor_api.get("/pipeline")
def pipeline(request: HttpRequest, code: str, as_of: str) -> Any:
    """The pipeline as of a date by hand: the cycle, its stages, the figures per stage (and the totals)."""
    _rows(SQL["cycle"], [code])
    _n, longest = _rows(SQL["pipeline_longest"], [])
    start = dt.date.fromisoformat(as_of) - dt.timedelta(days=longest[0][0] if longest else 0)
    _n, rows = _rows(SQL["pipeline"], [code, as_of, as_of, code, start.isoformat(), as_of, as_of, as_of])
    _n, stages = _rows(SQL["pipeline_stages"], [code])
    figures: dict[int, tuple[Any, ...]] = {}
    for stage, n, *sums in rows:
        before, more = figures.get(stage, (0, Decimal(0), Decimal(0))), _sums(tuple(sums))
        figures[stage] = (before[0] + n, before[1] + more[0], before[2] + more[1])
    out = [
        {"stage": stage, "description": description, "figures": figures.get(stage, (0, 0, 0))}
        for stage, description in stages
    ]
    return {"as_of": as_of, "sales_cycle_code": code, "stages": out, "n": sum(f[0] for f in figures.values())}


_STATUS = dict(model_choices(OpportunityStatus))
_DOCUMENT = dict(model_choices(SalesDocumentType))
_DATES = ("creation_date", "estimated_closing_date", "date_closed")
_AMOUNTS = ("estimated_value", "calculated_current_value")


class _Row:
    """A raw list row with what ``opportunities/list.html`` reads of an opportunity."""

    def __init__(self, values: dict[str, Any]) -> None:
        for name in _DATES:  # SQLite hands back text
            if isinstance(values.get(name), str):
                values[name] = dt.date.fromisoformat(values[name])
        for name in _AMOUNTS:
            if values.get(name) is not None and not isinstance(values[name], Decimal):
                values[name] = Decimal(str(values[name]))
        self.__dict__.update(values)
        self.contact_id = values.get("contact_no")
        self.salesperson_id = values.get("salesperson_code")
        self.campaign_id = values.get("campaign_no")
        self.contact = {"name": values.get("contact_name")}
        self.campaign = None

    def get_status_display(self) -> str:
        return str(_STATUS.get(self.status, self.status))

    def get_sales_document_type_display(self) -> str:
        return str(_DOCUMENT.get(self.sales_document_type, self.sales_document_type))


class _Page:
    def __init__(self, rows: list[_Row], next_cursor: str | None, caption: str) -> None:
        self.rows, self.next_cursor, self.caption = rows, next_cursor, caption


@login_required
def opportunity_list(request: HttpRequest) -> HttpResponse:
    """The HTML list page from the hand-written caption and page statements, through the app's own template."""
    salesperson = request.GET.get("salesperson", "")
    _n, caption = _rows(SQL["caption"], [salesperson])
    names, rows = _rows(SQL["web_list"], [salesperson])
    page = _Page(
        [_Row(dict(zip(names, row, strict=True))) for row in rows[:50]],
        str(rows[49][0]) if len(rows) > 50 else None,
        f"{caption[0][0]} {caption[0][1]}" if caption else "",
    )
    context = {
        "form": ListFilterForm(request.GET),
        "page": page,
        "sort": request.GET.get("sort", "no"),
        "query": request.GET.urlencode(),
        "sort_query": request.GET.urlencode(),
    }
    return render(request, "opportunities/list.html", context)


urlpatterns = [
    path("bench-floor/api/", floor_api.urls),
    path("bench-floor/opportunities/", opportunity_list),
    *app_urlpatterns,
]
