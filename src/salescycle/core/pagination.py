"""Keyset (cursor) pagination: the API's lists (spec api.md "Lists": ``{"items", "count", "next"}``) and the web
app's opportunity list and board columns.

The cursor is an opaque URL-safe base64 of the last row's ordering values and primary key. The next page is the rows
strictly after that key in the list's order (``WHERE (key, pk) > (…)``, spelled with ``Q`` objects), so pages stay
stable while rows are inserted and every page costs the same queries whatever its position.

Where NULLs go (a nullable column such as an opportunity's Estimated Closing Date, NULL while Not Started) is the
keyset's :class:`Nulls` policy: ``SMALLEST`` (the API: first ascending, last descending, on every database) or
``DATABASE`` (the web screens: where the database puts them without a NULLS clause — last ascending on PostgreSQL,
first on SQLite — so that each ordering is a plain scan of its index). Either way the cursor condition follows the
order, so no row is lost or repeated.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from salescycle.core.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Nulls(enum.Enum):
    """Where NULLs sort in a keyset's order."""

    SMALLEST = "smallest"  # first ascending, last descending, on every database
    DATABASE = "database"  # the database's own place: largest on PostgreSQL, smallest on SQLite


@dataclass(frozen=True)
class OrderKey:
    """One column of a list's order: the model field, whether it is descending and whether it can be NULL."""

    field: str
    descending: bool = False
    nullable: bool = False

    def expression(self, nulls_largest: bool) -> Any:
        """The ORDER BY term; nullable columns name where their NULLs go."""
        column = F(self.field)
        if not self.nullable:
            return column.desc() if self.descending else column.asc()
        nulls_first = self.descending == nulls_largest
        order = column.desc if self.descending else column.asc
        return order(nulls_first=True) if nulls_first else order(nulls_last=True)

    def after(self, value: Any, rest: Q | None, nulls_largest: bool) -> Q:
        """Rows after ``value`` on this column, or equal to it and satisfying ``rest`` (the condition on the
        following columns; None for the last, unique column)."""
        name = self.field
        nulls_first = self.descending == nulls_largest  # do NULLs come before the values in this traversal?
        if value is None:
            same = Q(**{f"{name}__isnull": True}) & rest if rest is not None else Q(pk__in=[])
            return same | Q(**{f"{name}__isnull": False}) if nulls_first else same
        gt, ge = ("lt", "lte") if self.descending else ("gt", "gte")
        if rest is None:
            condition = Q(**{f"{name}__{gt}": value})
        else:
            # The redundant bound (>= value) lets the database seek in its index instead of filtering from the start.
            condition = Q(**{f"{name}__{ge}": value}) & (Q(**{f"{name}__{gt}": value}) | rest)
        if self.nullable and not nulls_first:
            condition |= Q(**{f"{name}__isnull": True})
        return condition


def _invalid_cursor() -> InvalidInput:
    return InvalidInput(
        "invalid_input", _("The cursor is not valid for this list."), fields={"cursor": [str(_("Invalid cursor."))]}
    )


@dataclass(frozen=True)
class Keyset:
    """A list's order for keyset paging: its columns, the last one unique (the primary key)."""

    model: type[models.Model]
    keys: tuple[OrderKey, ...]
    nulls: Nulls = Nulls.SMALLEST

    @classmethod
    def of(cls, model: type[models.Model], ordering: Sequence[str], *, nulls: Nulls = Nulls.SMALLEST) -> Keyset:
        """The keyset of ``ordering`` (model field names, ``-`` for descending); the primary key is added as the
        last, ascending tie-breaker unless ``ordering`` names it."""
        pk = model._meta.pk
        assert pk is not None
        names = [text.lstrip("-") for text in ordering]
        if pk.name not in names:
            ordering = [*ordering, pk.name]
        keys = []
        for text in ordering:
            name = text.lstrip("-")
            keys.append(OrderKey(name, text.startswith("-"), bool(model._meta.get_field(name).null)))
            if name == pk.name:
                break  # nothing after a unique column changes the order
        return cls(model, tuple(keys), nulls)

    def _nulls_largest(self, queryset: models.QuerySet[Any]) -> bool:
        return self.nulls is Nulls.DATABASE and connections[queryset.db].vendor == "postgresql"

    def order(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """``queryset`` in this order."""
        nulls_largest = self._nulls_largest(queryset)
        return queryset.order_by(*[key.expression(nulls_largest) for key in self.keys])

    def after(self, queryset: models.QuerySet[Any], cursor: str) -> models.QuerySet[Any]:
        """The rows of ``queryset`` strictly after ``cursor``. Errors: 422 ``invalid_input`` for a cursor that does
        not belong to this order."""
        condition: Q | None = None
        nulls_largest = self._nulls_largest(queryset)
        for key, value in reversed(list(zip(self.keys, self.decode(cursor), strict=True))):
            condition = key.after(value, condition, nulls_largest)
        assert condition is not None
        return queryset.filter(condition)

    def page(
        self,
        queryset: models.QuerySet[Any],
        *,
        cursor: str | None,
        size: int,
        rows_of: Callable[[models.QuerySet[Any]], models.QuerySet[Any]] | None = None,
    ) -> tuple[list[Any], str | None]:
        """Up to ``size`` rows of ``queryset`` after ``cursor`` (from the start when None) in this order, and the
        cursor of the next page (None on the last). One query. Errors: as :meth:`after`.

        With ``rows_of``, the page is found on ``queryset`` (its primary keys only, as a subquery) and its rows are
        read from ``rows_of(<the model's rows with those keys>)``, in this order: annotations that ``rows_of`` adds
        (correlated subqueries) are then computed for the page's rows only, not for every row the database sorts
        before it can cut the page. Still one query."""
        page_qs = self.order(queryset)
        if cursor:
            page_qs = self.after(page_qs, cursor)
        if rows_of is not None:
            keys = page_qs.values("pk")[: size + 1]
            page_qs = self.order(rows_of(self.model._default_manager.filter(pk__in=keys)))
        rows = list(page_qs[: size + 1])
        if len(rows) <= size:
            return rows, None
        rows = rows[:size]
        return rows, self.encode(rows[-1])

    def _fields(self) -> list[models.Field[Any, Any]]:
        return [self.model._meta.get_field(key.field) for key in self.keys]  # type: ignore[misc]

    def encode(self, row: Any) -> str:
        """The cursor of ``row`` (a model instance, or a dict of a ``values()`` query keyed by attribute name): its
        values of the keyset's columns."""
        if isinstance(row, dict):
            values = [row[field.attname] for field in self._fields()]
        else:
            values = [getattr(row, field.attname) for field in self._fields()]
        raw = json.dumps([None if v is None else str(v) for v in values], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def decode(self, cursor: str) -> list[Any]:
        """The column values of ``cursor``. Errors: 422 ``invalid_input``."""
        fields = self._fields()
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
            if value is None and not field.null:
                raise _invalid_cursor()
            try:
                values.append(None if value is None else field.to_python(value))
            except (ValidationError, ValueError, TypeError):
                raise _invalid_cursor() from None
        return values


def paginate(
    queryset: models.QuerySet[Any],
    *,
    ordering: Sequence[str],
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    serialize: Callable[[Any], Any],
    rows: Callable[[models.QuerySet[Any]], models.QuerySet[Any]] | None = None,
    page_queryset: models.QuerySet[Any] | None = None,
    count: Callable[[], int] | None = None,
) -> dict[str, Any]:
    """One page of ``queryset`` in ``ordering`` (model field names, ``-`` for descending; the primary key is added
    as the last tie-breaker; NULLs are the smallest value) as ``{"items", "count", "next"}``. ``count`` is the size
    of the whole filtered list. Two queries; one when the first page holds the whole list (its length is the
    count). Errors: 422 ``invalid_input`` for a limit outside 1..500 or a cursor
    that does not belong to this order. ``rows`` turns the (counted) queryset into the one the page is read from,
    e.g. a ``values()`` of it with joined columns, so that the count needs no joins. ``page_queryset``, when given,
    has the same rows as ``queryset`` written to find one ordered page faster (the page is read from it, the count
    from ``queryset``). ``count``, when given, counts ``queryset`` faster (the same number)."""
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidInput(
            "invalid_input",
            _("limit must be between 1 and %(max)s."),
            fields={"limit": [str(_("Out of range."))]},
            params={"max": MAX_LIMIT},
        )
    keyset = Keyset.of(queryset.model, ordering)
    source = queryset if page_queryset is None else page_queryset
    page, next_cursor = keyset.page(rows(source) if rows else source, cursor=cursor, size=limit)
    # A first page with no next one is the whole list: its length is the count (no second query).
    if cursor is None and next_cursor is None:
        total = len(page)
    else:
        total = count() if count is not None else queryset.count()
    return {"items": [serialize(row) for row in page], "count": total, "next": next_cursor}
