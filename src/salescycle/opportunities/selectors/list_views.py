"""The Opportunity List's views (issue #15 "The list"): the built-in views every user has ("My pipeline", "Closing
this month", "Stale", "All opportunities"), defined once here as filter words of the web list, the views a user saved
under a name, and the columns and default view a user chose. Each read is one query at most."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from salescycle.contacts.models import Salesperson
from salescycle.core.actors import Actor, System
from salescycle.opportunities.models import SavedView
from salescycle.opportunities.selectors.display import LIST_COLUMN_KEYS
from salescycle.opportunities.selectors.opportunities import LIST_WORDS

# The web list's query parameters a view keeps: its filters (the ``ListFilters`` fields), its sort, the built-in view
# it starts from and its columns. Paging (``after``, ``rows``) and ``totals`` are not part of a view.
VIEW_PARAMETERS = (*LIST_WORDS.values(), "sort", "view", "cols")


def _my_pipeline(salesperson_code: str, work_date: dt.date) -> dict[str, str] | None:
    if not salesperson_code:
        return None
    return {"salesperson": salesperson_code, "closed": "no"}


def _closing_this_month(salesperson_code: str, work_date: dt.date) -> dict[str, str]:
    last = calendar.monthrange(work_date.year, work_date.month)[1]
    return {
        "closed": "no",
        "closing_from": work_date.replace(day=1).isoformat(),
        "closing_to": work_date.replace(day=last).isoformat(),
    }


def _stale(salesperson_code: str, work_date: dt.date) -> dict[str, str]:
    # Open with an Estimated Closing Date before the WorkDate: the list's stale flag (selectors.activity.with_next_
    # activity's is_stale), as the filter words that read opp_estimated_closing.
    return {"closed": "no", "closing_to": (work_date - dt.timedelta(days=1)).isoformat()}


def _all(salesperson_code: str, work_date: dt.date) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class BuiltinView:
    """A view every user has: its key (``?view=<key>``), its name, whether it needs the user's own salesperson, and
    its filter words as of a WorkDate (the web list's query parameters; None: nothing to show)."""

    key: str
    label: Any
    words: Callable[[str, dt.date], dict[str, str] | None]
    needs_salesperson: bool = False


MY_PIPELINE = "mine"
ALL_VIEW = "all"
BUILTIN_VIEWS: tuple[BuiltinView, ...] = (
    BuiltinView(MY_PIPELINE, _("My pipeline"), _my_pipeline, needs_salesperson=True),
    BuiltinView("closing", _("Closing this month"), _closing_this_month),
    BuiltinView("stale", _("Stale"), _stale),
    # Every opportunity the user may see, as ``/opportunities/`` showed before it opened the user's default view.
    BuiltinView(ALL_VIEW, _("All opportunities"), _all),
)
_BUILTINS = {view.key: view for view in BUILTIN_VIEWS}


def builtin_view(key: str | None) -> BuiltinView | None:
    """The built-in view ``key`` (None for a blank or unknown key)."""
    return _BUILTINS.get(key or "")


def own_salesperson_code(user: Actor) -> str:
    """The code of the Salesperson linked to ``user`` ("" when none, or for the system). One query."""
    if isinstance(user, System) or user is None or not user.is_authenticated:
        return ""
    return Salesperson.objects.filter(user_id=user.pk).values_list("code", flat=True).first() or ""


def builtin_words(view: BuiltinView, user: Actor, work_date: dt.date) -> dict[str, str] | None:
    """The web list's filter words of built-in ``view`` for ``user`` as of ``work_date`` (their WorkDate): "My
    pipeline" is their own salesperson's open opportunities, None (nothing to show, never everything) when the user
    has no salesperson; "Closing this month" the open ones whose Estimated Closing Date is in the WorkDate's month;
    "Stale" the open ones whose Estimated Closing Date is before the WorkDate. At most one query (the salesperson)."""
    code = own_salesperson_code(user) if view.needs_salesperson else ""
    return view.words(code, work_date)


def saved_views(user: Actor) -> list[SavedView]:
    """The views ``user`` saved, by name (none for the system or an anonymous user). One query."""
    if isinstance(user, System) or user is None or not user.is_authenticated:
        return []
    return list(SavedView.objects.filter(user_id=user.pk).only("id", "name", "query").order_by("name"))


@dataclass(frozen=True)
class ListSettings:
    """What a user chose for the list, resolved: their column keys (None: not chosen, the defaults) and their
    default view, as the built-in view's key (``default_key``, "" for a saved view) or the saved view's id
    (``default_saved_view_id``), and the list's query string that opens it (``default_query``, never blank: the list
    without a query string opens the default view)."""

    columns: list[str] | None
    default_key: str
    default_saved_view_id: int | None
    default_query: str


def list_settings(user: Actor) -> ListSettings:
    """``user``'s columns and default view of the Opportunity List. The default view is the one they made their
    default (a built-in view or one of their saved views; a saved view without filters opens "All opportunities");
    when they made none (or an unknown key, or their default saved view was deleted), "My pipeline" for a user
    linked to a salesperson and "All opportunities" otherwise (the system and an anonymous user too). One query
    (the user with their salesperson, preference and default saved view)."""
    row = None
    if not (isinstance(user, System) or user is None or not user.is_authenticated):
        row = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .values_list(
                "salesperson__code",
                "opportunity_list_preference__columns",
                "opportunity_list_preference__default_view",
                "opportunity_list_preference__default_saved_view_id",
                "opportunity_list_preference__default_saved_view__query",
            )
            .first()
        )
    code, columns, key, saved_id, saved_query = row or ("", None, "", None, "")
    chosen = list(columns) if isinstance(columns, list) else None
    if saved_id is not None:
        return ListSettings(chosen, "", saved_id, saved_query or f"view={ALL_VIEW}")
    if builtin_view(key) is None:
        key = MY_PIPELINE if code else ALL_VIEW
    return ListSettings(chosen, key, None, urlencode({"view": key}))


def view_query(params: Mapping[str, Iterable[str]]) -> str:
    """The query string a view keeps of the list's query ``params`` (name → values, e.g. a ``QueryDict``'s lists):
    only :data:`VIEW_PARAMETERS`, blank values left out, column keys only when known, in a stable order."""
    pairs: list[tuple[str, str]] = []
    for name in VIEW_PARAMETERS:
        for value in params.get(name, ()):
            text = str(value).strip()
            if not text or (name == "cols" and text not in LIST_COLUMN_KEYS):
                continue
            pairs.append((name, text))
    return urlencode(pairs)
