"""The task list's filters, defined once (conventions "Where a query goes"): the API list takes them as query
parameters (``GET /tasks``, api.md "Tasks") and the web list (``tasks/web.py``) builds its views from them, so the
same words give the same tasks on both faces."""

from __future__ import annotations

from typing import Annotated

from ninja import FilterLookup, FilterSchema

from salescycle.core.schemas import KeyFilter


class TaskFilters(FilterSchema):
    """The task list's filters (api.md "Tasks"). Every given filter narrows the list; a blank code or number is
    ignored."""

    opportunity_no: Annotated[KeyFilter, FilterLookup("opportunity_no")] = None
    salesperson_code: Annotated[KeyFilter, FilterLookup("salesperson_id")] = None
    contact_no: Annotated[KeyFilter, FilterLookup("contact_id")] = None
    closed: Annotated[bool | None, FilterLookup("closed")] = None
