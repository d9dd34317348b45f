"""Cursor (keyset) pagination of API lists (spec api.md "Lists"): ``{"items", "count", "next"}``.

The cursor is an opaque URL-safe base64 of the last row's ordering values and primary key. The next page is the rows
strictly after that key in the list's order (``WHERE (key, pk) > (…)``, spelled with ``Q`` objects), so pages stay
stable while rows are inserted and every page costs the same two queries (count + page) whatever its position.
NULLs sort as the smallest value in both directions.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from salescycle.core.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class OrderKey:
    """One column of a list's order: the model field name and whether it is descending."""

    field: str
    descending: bool = False

    @classmethod
    def parse(cls, text: str) -> OrderKey:
        """``"-name"`` → descending ``name``."""
        return cls(text.lstrip("-"), text.startswith("-"))

    def expression(self) -> Any:
        # NULL is the smallest value: first when ascending, last when descending, on every database.
        if self.descending:
            return F(self.field).desc(nulls_last=True)
        return F(self.field).asc(nulls_first=True)


def _invalid_cursor() -> InvalidInput:
    return InvalidInput(
        "invalid_input", _("The cursor is not valid for this list."), fields={"cursor": [str(_("Invalid cursor."))]}
    )


def _encode(values: list[Any]) -> str:
    raw = json.dumps([None if v is None else str(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, fields: list[models.Field[Any, Any]]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode())
    except (ValueError, UnicodeError, binascii.Error):
        raise _invalid_cursor() from None
    if not isinstance(raw, list) or len(raw) != len(fields):
        raise _invalid_cursor()
    values = []
    for field, value in zip(fields, raw, strict=True):
        if value is not None and not isinstance(value, str):
            raise _invalid_cursor()
        try:
            values.append(None if value is None else field.to_python(value))
        except (ValidationError, ValueError, TypeError):
            raise _invalid_cursor() from None
        if value is None and not field.null:
            raise _invalid_cursor()
    return values


def _after(keys: Sequence[OrderKey], values: Sequence[Any]) -> Q:
    """Rows strictly after ``values`` in the order ``keys`` (lexicographic keyset condition)."""
    condition = Q(pk__in=[])
    equal_so_far = Q()
    for key, value in zip(keys, values, strict=True):
        name = key.field
        if key.descending:
            beyond = Q(pk__in=[]) if value is None else Q(**{f"{name}__lt": value}) | Q(**{f"{name}__isnull": True})
        else:
            beyond = Q(**{f"{name}__isnull": False}) if value is None else Q(**{f"{name}__gt": value})
        condition |= equal_so_far & beyond
        equal = Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
        equal_so_far &= equal
    return condition


def paginate(
    queryset: models.QuerySet[Any],
    *,
    ordering: Sequence[str],
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    serialize: Callable[[Any], Any],
) -> dict[str, Any]:
    """One page of ``queryset`` in ``ordering`` (model field names, ``-`` for descending; the primary key is added
    as the last tie-breaker) as ``{"items", "count", "next"}``. ``count`` is the size of the whole filtered list.
    Errors: 422 ``invalid_input`` for a limit outside 1..500 or a cursor that does not belong to this order."""
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidInput(
            "invalid_input",
            _("limit must be between 1 and %(max)s."),
            fields={"limit": [str(_("Out of range."))]},
            params={"max": MAX_LIMIT},
        )
    model = queryset.model
    pk_name = model._meta.pk.name
    keys = [OrderKey.parse(text) for text in ordering if text.lstrip("-") != pk_name]
    pk_descending = any(text.lstrip("-") == pk_name and text.startswith("-") for text in ordering)
    keys.append(OrderKey(pk_name, pk_descending))
    fields = [model._meta.get_field(key.field) for key in keys]
    count = queryset.count()
    page_qs = queryset.order_by(*[key.expression() for key in keys])
    if cursor:
        page_qs = page_qs.filter(_after(keys, _decode(cursor, fields)))
    rows = list(page_qs[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = _encode([getattr(last, field.attname) for field in fields])
    return {"items": [serialize(row) for row in rows], "count": count, "next": next_cursor}
