"""Decimal constants of amounts and percentages (D19) for the modules that import no Django (the engine); the
fields that store them are in :mod:`salescycle.core.money`."""

from __future__ import annotations

from decimal import Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)
# Decimal places stored for amounts and percentages.
AMOUNT_PLACES = 5
