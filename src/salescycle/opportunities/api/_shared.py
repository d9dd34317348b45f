"""The opportunities router and helpers shared by its endpoint modules."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from salescycle.contacts.services import normalize_key
from salescycle.core.actors import Actor
from salescycle.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from salescycle.core.records import not_found
from salescycle.core.schemas import set_etag
from salescycle.opportunities import selectors
from salescycle.opportunities.models import (
    Opportunity,
)
from salescycle.opportunities.schemas import (
    opportunity_out,
)

router = Router()
LIMIT = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def _by(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _opportunity(no: str, response: HttpResponse | None = None, *, user: Actor) -> dict[str, Any]:
    obj = selectors.opportunity(no, user)
    if obj is None:
        raise not_found(Opportunity, normalize_key(no))
    if response is not None:
        set_etag(response, obj.version)
    return opportunity_out(obj)
