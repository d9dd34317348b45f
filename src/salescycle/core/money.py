"""Money and percentage fields (D19): ``Decimal`` end to end, stored unrounded up to 5 decimal places."""

from __future__ import annotations

from decimal import Decimal
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


def exact_sums(queryset: models.QuerySet[Any], fields: list[str]) -> dict[str, Decimal]:
    """The exact sums (LCY, D19) of the decimal ``fields`` over ``queryset``, in one aggregate query: ``{field:
    Decimal}``, 0 for no rows. PostgreSQL sums ``numeric`` exactly; SQLite stores decimals as floating point and would
    sum through it (``2452104.26999998``), so there each value is scaled to an integer of 10⁻⁵ (exact: an amount has
    at most 15 significant digits, which a double holds) and the integers are summed. Errors: none for sums below
    about 9.2 × 10¹³ LCY; beyond that SQLite's integer overflow is an ``OperationalError``."""
    if connections[queryset.db].vendor == "sqlite":
        scale = 10**AMOUNT_PLACES
        scaled = {f: Sum(Cast(Round(F(f) * scale), IntegerField())) for f in fields}
        row = queryset.aggregate(**scaled)
        return {f: Decimal(row[f] or 0).scaleb(-AMOUNT_PLACES) for f in fields}
    row = queryset.aggregate(**{f: Sum(f) for f in fields})
    return {f: row[f] if row[f] is not None else ZERO for f in fields}
