"""The type-ahead lookup endpoints of the web forms (issue #15): ``GET /lookups/<kind>/?q=…`` answers
``{"items": [{"key": "CT000001", "name": "Cronus Ltd"}, …]}`` (ten at most, by key prefix, then by name), for the
combobox script ``static/salescycle/lookup.js`` that :class:`salescycle.core.widgets.LookupInput` sets up on every
reference field. Session login like every page (a user without a role is refused by ``RoleRequiredMiddleware``);
which records each kind offers is its selector's (``contacts/lookups.py``, ``sales/lookups.py``). Mounted by
``urls.py`` under the namespace ``lookups``; one module above the apps, as ``api.py``, because it names lookups
of several apps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from salescycle.contacts import lookups as contact_lookups
from salescycle.core.actors import Actor
from salescycle.core.lookups import LookupRow
from salescycle.sales import lookups as sales_lookups

# The longest search text taken (longer input is cut: no key or name is longer).
MAX_TEXT = 100

Search = Callable[..., list[LookupRow]]

LOOKUPS: dict[str, Search] = {
    "contacts": contact_lookups.contacts,
    "companies": contact_lookups.companies,
    "salespeople": contact_lookups.salespeople,
    "campaigns": contact_lookups.campaigns,
    "segments": contact_lookups.segments,
    "items": sales_lookups.items,
}


def _endpoint(search: Search) -> Callable[[HttpRequest], JsonResponse]:
    @require_GET
    @login_required
    def view(request: HttpRequest) -> JsonResponse:
        by: Actor = request.user
        text = request.GET.get("q", "")[:MAX_TEXT].replace("\x00", "")
        rows = search(text, by=by)
        response = JsonResponse({"items": [asdict(row) for row in rows]})
        response["Cache-Control"] = "private, no-store"
        return response

    view.__doc__ = f"The lookup of {search.__name__} (JSON): {search.__doc__}"
    return view


app_name = "lookups"
urlpatterns = [path(f"{kind}/", _endpoint(search), name=kind) for kind, search in LOOKUPS.items()]
