"""Money and percentage fields (D19): ``Decimal`` end to end, stored unrounded up to 5 decimal places."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.db.models import F, IntegerField, Sum
from django.db.models.functions import Cast, Round

# The constants live in decimals.py (no Django, for the engine); the apps import them from here too.
from salescycle.core.decimals import AMOUNT_PLACES, HUNDRED, ZERO


def amount_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """A LCY amount column: up to 15 integer digits and 5 decimals, default 0."""
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=AMOUNT_PLACES, **kwargs)


def percent_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """A percentage column in 0..100 with up to 5 decimals, default 0."""
    kwargs.setdefault("default", ZERO)
    kwargs.setdefault("validators", [MinValueValidator(ZERO), MaxValueValidator(HUNDRED)])
    return models.DecimalField(verbose_name, max_digits=8, decimal_places=AMOUNT_PLACES, **kwargs)


def normalize(value: Decimal) -> Decimal:
    """``value`` without trailing zeros and never in exponent form (``Decimal("4150.00000")`` → ``4150``)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def percent_range_q(field: str) -> models.Q:
    """A ``Q`` for a CheckConstraint that ``field`` lies in 0..100."""
    return models.Q(**{f"{field}__gte": 0, f"{field}__lte": 100})


def is_sqlite(using: str) -> bool:
    """True when database alias ``using`` is SQLite, whose decimals are floating point (see :func:`exact_sum`)."""
    return connections[using].vendor == "sqlite"


def exact_sum(field: str, *, sqlite: bool, filter: models.Q | None = None) -> Sum:
    """An aggregate of the exact sum of the decimal ``field`` (LCY, D19), optionally over the rows matching
    ``filter``, for grouped queries (``.values(...).annotate(total=exact_sum(...))``); read its result with
    :func:`exact_value` and the same ``sqlite``. PostgreSQL sums ``numeric`` exactly; SQLite stores decimals as
    floating point and would sum through it (``2452104.26999998``), so there each value is scaled to an integer of
    10⁻⁵ (exact: an amount has at most 15 significant digits, which a double holds) and the integers are summed.
    Errors: none for sums below about 9.2 × 10¹³ LCY; beyond that SQLite's integer overflow is an
    ``OperationalError``."""
    if sqlite:
        return Sum(Cast(Round(F(field) * 10**AMOUNT_PLACES), IntegerField()), filter=filter)
    return Sum(field, filter=filter)


def exact_value(raw: Any, *, sqlite: bool) -> Decimal:
    """The ``Decimal`` (LCY) of an :func:`exact_sum` result ``raw`` read from the database (0 for no rows)."""
    if raw is None:
        return ZERO
    if sqlite:
        return Decimal(raw).scaleb(-AMOUNT_PLACES)
    return Decimal(raw)


def exact_sums(queryset: models.QuerySet[Any], fields: list[str]) -> dict[str, Decimal]:
    """The exact sums (LCY, D19) of the decimal ``fields`` over ``queryset``, in one aggregate query: ``{field:
    Decimal}``, 0 for no rows (see :func:`exact_sum`)."""
    sqlite = is_sqlite(queryset.db)
    row = queryset.aggregate(**{f: exact_sum(f, sqlite=sqlite) for f in fields})
    return {f: exact_value(row[f], sqlite=sqlite) for f in fields}


CENT = Decimal("0.01")


def round_half_away(value: Decimal, step: Decimal = CENT) -> Decimal:
    """``value`` rounded to a multiple of ``step`` (a power of ten: ``0.01``, ``1``, ``0.1``), halves away from zero
    (BC's ``Round(value, step)``, ``2.345`` → ``2.35``, ``-2.345`` → ``-2.35``). Implements api.md "Analysis"
    ("exact to the cent")."""
    return value.quantize(step, rounding=ROUND_HALF_UP)
