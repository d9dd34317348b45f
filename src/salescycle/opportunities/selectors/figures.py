"""Building blocks of the charts and the dashboard (spec §5.8, issue #14 items 2 and 5): a count with its two exact
sums and the drill-down URL of exactly the opportunities it counts.

Every figure here is read from the opportunity's own columns (status, stage, values and dates of its active entry,
kept in step by the services), which are also what the Opportunity List filters: a figure and the list it drills
down to are one condition, so their counts cannot differ."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse

from salescycle.core.money import ZERO, exact_sum, exact_value, normalize
from salescycle.opportunities.selectors.list_views import ALL_VIEW

# The web list's words (``ListFilters``) for an open (In Progress) opportunity.
IN_PROGRESS = "in_progress"


def list_url(words: Mapping[str, Any]) -> str:
    """The Opportunity List's URL with the filter ``words`` (the web list's names: ``salesperson``, ``status``,
    ``cycle``, ``stage``, ``closing_from`` …; dates as ISO; blank values left out). No words: "All opportunities"
    (``?view=all``; the list without a query string opens the user's default view)."""
    query = {name: value.isoformat() if isinstance(value, dt.date) else value for name, value in words.items()}
    query = {name: value for name, value in query.items() if value not in (None, "")}
    return f"{reverse('opportunities:list')}?{urlencode(query or {'view': ALL_VIEW})}"


@dataclass(frozen=True)
class Linked:
    """A count of opportunities and the list URL of exactly those (``url`` blank where no list word says it)."""

    count: int
    url: str


@dataclass(frozen=True)
class LinkedFigures:
    """No. of Opportunities, Estimated Value (LCY) and Calcd. Current Value (LCY, the weighted value) of a set of
    opportunities, exact sums, and the list URL of exactly that set."""

    no_of_opportunities: int
    estimated_value: Decimal
    calculated_current_value: Decimal
    url: str

    @classmethod
    def total(cls, parts: Iterable[LinkedFigures], url: str) -> LinkedFigures:
        """The sum of ``parts`` (exact) with the list URL of the whole."""
        items = list(parts)
        return cls(
            sum((p.no_of_opportunities for p in items), 0),
            normalize(sum((p.estimated_value for p in items), ZERO)),
            normalize(sum((p.calculated_current_value for p in items), ZERO)),
            url,
        )


def figure_aggregates(prefix: str, *, sqlite: bool, condition: Q | None = None) -> dict[str, Any]:
    """The aggregates of a :class:`LinkedFigures` over the rows matching ``condition`` (all rows: None), named
    ``<prefix>_count``, ``<prefix>_estimated``, ``<prefix>_current`` (read them back with :func:`figures_of`)."""
    return {
        f"{prefix}_count": Count("no", filter=condition),
        f"{prefix}_estimated": exact_sum("estimated_value", sqlite=sqlite, filter=condition),
        f"{prefix}_current": exact_sum("calculated_current_value", sqlite=sqlite, filter=condition),
    }


def figures_of(row: Mapping[str, Any], prefix: str, url: str, *, sqlite: bool) -> LinkedFigures:
    """The :class:`LinkedFigures` of the aggregates ``prefix`` in ``row`` (see :func:`figure_aggregates`)."""
    return LinkedFigures(
        int(row[f"{prefix}_count"] or 0),
        normalize(exact_value(row[f"{prefix}_estimated"], sqlite=sqlite)),
        normalize(exact_value(row[f"{prefix}_current"], sqlite=sqlite)),
        url,
    )


def empty(url: str) -> LinkedFigures:
    """No opportunities (zero count and sums), with the list URL that shows none."""
    return LinkedFigures(0, ZERO, ZERO, url)
