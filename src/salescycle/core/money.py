"""Money and percentage fields (D19): ``Decimal`` end to end, stored unrounded up to 5 decimal places."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

ZERO = Decimal(0)
HUNDRED = Decimal(100)
AMOUNT_PLACES = 5


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
