"""Number series (spec §4.1, D20): unique, increasing document numbers taken inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from salescycle.core.errors import DomainError
from salescycle.core.models import NumberSeries

# Default series of D20: code -> (prefix, description).
DEFAULT_SERIES: dict[str, tuple[str, str]] = {
    "opportunity": ("OP", "Opportunities"),
    "contact": ("CT", "Contacts"),
    "quote": ("SQ", "Sales quotes"),
    "order": ("SO", "Sales orders"),
    "posted_invoice": ("PI", "Posted sales invoices"),
    "task": ("TD", "Tasks"),
    "customer": ("CU", "Customers"),
    "segment": ("SG", "Segments"),
    "campaign": ("CP", "Campaigns"),
}


def next_no(series_code: str, *, exists: Callable[[str], bool] | None = None) -> str:
    """Take the next number of series ``series_code`` (e.g. ``"opportunity"`` → ``"OP000001"``).

    Locks the series row for the rest of the caller's transaction, so two writers never get the same number.
    ``exists(no)`` lets the caller skip numbers already given by hand (D20: a client may give its own number).
    Raises ``DomainError("setup.number_series_missing")`` when the series is not set up.
    Implements spec §4.1 and D20.
    """
    with transaction.atomic():
        series = NumberSeries.objects.select_for_update().filter(code=series_code).first()
        if series is None:
            raise DomainError(
                "setup.number_series_missing",
                _("Number series %(series)s is not set up."),
                params={"series": series_code},
            )
        number = series.last_no_used
        while True:
            number += 1
            candidate = series.format(number)
            if exists is None or not exists(candidate):
                break
        NumberSeries.objects.filter(code=series_code).update(last_no_used=number)
        return candidate


def ensure_default_series() -> None:
    """Create the D20 number series that do not exist yet (idempotent; used by the data migration and demo)."""
    for code, (prefix, description) in DEFAULT_SERIES.items():
        NumberSeries.objects.get_or_create(code=code, defaults={"prefix": prefix, "description": description})
