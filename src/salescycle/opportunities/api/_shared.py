"""The opportunities router and helpers shared by its endpoint modules."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Query, Router

from salescycle.core.actors import SYSTEM, Actor
from salescycle.core.keys import normalize_key
from salescycle.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from salescycle.core.records import not_found
from salescycle.core.schemas import set_etag
from salescycle.opportunities import selectors
from salescycle.opportunities.models import (
    Opportunity,
)
from salescycle.opportunities.schemas import OpportunityDict, opportunity_out

router = Router()
LIMIT = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def _opportunity(no: str, response: HttpResponse | None = None, *, user: Actor) -> OpportunityDict:
    obj = selectors.opportunity(no, user)
    if obj is None:
        raise not_found(Opportunity, normalize_key(no))
    if response is not None:
        set_etag(response, obj.version)
    return opportunity_out(obj)


def _written(no: str, response: HttpResponse | None = None) -> OpportunityDict:
    """The answer to a write of opportunity ``no``: read with its names and counts **inside the write's
    transaction** (call it in the handler's ``transaction.atomic()`` block around the service), so the answer is
    what was committed, never a 404 for a committed write — neither because the write took the opportunity out of
    the caller's sight nor because a concurrent delete removed it after the commit (issue #12 item 7). The service
    has already decided that the caller may write it, so this read is the system's, not the caller's view; the
    write's row lock (PostgreSQL) or write transaction (SQLite) keeps the row until the answer is read. Errors: 404
    ``not_found`` only when the row is gone (then the write is rolled back with it)."""
    return _opportunity(no, response, user=SYSTEM)
