"""Number series (spec §4.1, D20): unique, increasing document numbers taken inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Collection

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from salescycle.core.errors import DomainError
from salescycle.core.keys import is_valid_key, validate_key
from salescycle.core.models import NumberSeries
from salescycle.core.prepared import Prepared, first_of

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


_SERIES: Prepared[NumberSeries] = Prepared(
    lambda code: first_of(NumberSeries.objects.select_for_update().filter(code=code)), str
)


def next_nos(series_code: str, count: int, *, taken: Callable[[list[str]], Collection[str]] | None = None) -> list[str]:
    """Take the next ``count`` numbers of series ``series_code`` with one update of the series row.

    Locks the series row for the rest of the caller's transaction, so two writers never get the same number.
    ``taken(candidates)`` returns those of the candidate numbers already given by hand, which are skipped (D20: a
    client may give its own number). Raises ``DomainError("setup.number_series_missing")`` when the series is not
    set up. Implements spec §4.1 and D20.
    """
    with transaction.atomic():
        series = _SERIES.first(series_code)
        if series is None:
            raise DomainError(
                "setup.number_series_missing",
                _("Number series %(series)s is not set up."),
                params={"series": series_code},
            )
        number = series.last_no_used
        numbers: list[str] = []
        while len(numbers) < count:
            candidates = [series.format(n) for n in range(number + 1, number + 1 + count - len(numbers))]
            number += len(candidates)
            used = set(taken(candidates)) if taken is not None else set()
            numbers.extend(c for c in candidates if c not in used)
        # A prefix stored before the key rule, or a counter past its digits, could give a key that breaks a URL.
        bad = [n for n in numbers if not is_valid_key(n)]
        if bad:
            raise DomainError(
                "setup.number_series_invalid",
                _("Number series %(series)s gives %(no)s, which is not a valid key: change its prefix or digits."),
                params={"series": series_code, "no": bad[0]},
            )
        NumberSeries.objects.filter(code=series_code).update(last_no_used=number)
        return numbers


def next_no(series_code: str, *, exists: Callable[[str], bool] | None = None) -> str:
    """Take the next number of series ``series_code`` (e.g. ``"opportunity"`` → ``"OP000001"``), skipping numbers
    for which ``exists(no)`` is true. See :func:`next_nos`."""
    taken = None if exists is None else (lambda candidates: [c for c in candidates if exists(c)])
    return next_nos(series_code, 1, taken=taken)[0]


def validate_prefix(prefix: str, *, digits: int, field: str) -> str:
    """A number-series prefix as stored: upper-cased and NFC like a key, such that the prefix plus ``digits``
    digits is a valid key (:mod:`salescycle.core.keys`; at most 20 characters in all). A blank prefix is allowed.
    Raises 422 ``invalid_input`` on ``field`` otherwise. Implements api.md "Strict input" for D20."""
    return validate_key(prefix + "0" * digits, field)[:-digits]


def ensure_default_series() -> None:
    """Create the D20 number series that do not exist yet (idempotent; used by the data migration and demo)."""
    for code, (prefix, description) in DEFAULT_SERIES.items():
        NumberSeries.objects.get_or_create(code=code, defaults={"prefix": prefix, "description": description})
