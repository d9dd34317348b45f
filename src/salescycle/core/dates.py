"""Business Central date formulas (``DateFormula``) and ``CalcDate`` in pure Python.

Implements spec §0.2 ("Date formula"). A formula is a left-to-right list of terms, each with an optional
sign:

* ``<n><unit>`` moves by ``n`` units: ``D`` days, ``W`` weeks (7 days), ``M`` months, ``Q`` quarters
  (3 months), ``Y`` years (12 months). Month arithmetic keeps the day of month and clamps it to the target
  month's last day (Jan 31 + 1M = Feb 28/29, Feb 29 + 1Y = Feb 28).
* ``C<unit>`` is a "current period" anchor: ``CD`` keeps the date; ``CW``/``CM``/``CQ``/``CY`` go to the
  last day of the current week/month/calendar quarter/year and ``-CW``/``-CM``/``-CQ``/``-CY`` to its first
  day. Weeks run Monday to Sunday as in Business Central: ``CW`` is the Sunday, ``-CW`` the Monday.

Text may carry BC's angle brackets (``<+1W>``), lower case and whitespace; only the English unit letters
are read. BC's ``<unit><number>`` forms (``WD2`` next weekday, ``D10`` next 10th) are rejected.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, cast

from salescycle.core.errors import DomainError, InvalidInput
from salescycle.core.translation import gettext_lazy as _

Unit = Literal["D", "W", "M", "Q", "Y"]
Sign = Literal[1, -1]

_MAX_DIGITS = 9  # larger counts can never produce a date inside 0001..9999
_TERM = rf"([+-]?)(?:([0-9]{{1,{_MAX_DIGITS}}})([DWMQY])|C([DWMQY]))"
_TERM_RE = re.compile(_TERM)
_FORMULA_RE = re.compile(rf"(?:{_TERM})*")
_UNIT_NUMBER_RE = re.compile(r"(?:^|[+-])W?D[0-9]")
_MONTHS: dict[str, int] = {"M": 1, "Q": 3, "Y": 12}


@dataclass(frozen=True, slots=True)
class Term:
    """A signed term: ``count`` units (``+2W``), or a current-period anchor (``-CM``) if ``count`` is None."""

    sign: Sign
    unit: Unit
    count: int | None = None

    def render(self, first: bool) -> str:
        """Canonical text: counted terms always signed (``+1W``), a positive first anchor not (``CM``)."""
        sign = "-" if self.sign < 0 else ("" if first and self.count is None else "+")
        return f"{sign}C{self.unit}" if self.count is None else f"{sign}{self.count}{self.unit}"


def _invalid(text: str, unsupported: bool = False) -> DomainError:
    if unsupported:
        message = _(
            'Date formula "%(formula)s" uses a weekday or day-of-month term (such as WD2 or D10), '
            "which is not supported."
        )
    else:
        message = _('"%(formula)s" is not a valid date formula. Use terms such as +1W, -2D, 1M, CM or CM+1D.')
    return DomainError("date_formula.invalid", message, params={"formula": text})


@dataclass(frozen=True, slots=True)
class DateFormula:
    """A parsed BC date formula: an ordered tuple of :class:`Term` (empty tuple = blank formula).

    Implements spec §0.2. ``str(formula)`` is the canonical text without angle brackets (``+1W``, ``CM+1D``,
    ``-CQ``, ``""`` when blank) and ``DateFormula.parse(str(f)) == f``.
    """

    terms: tuple[Term, ...] = ()

    @classmethod
    def parse(cls, text: str) -> DateFormula:
        """Parse BC formula text (``<+2W+1D>``, ``cm+1d``, ``-CQ``, ``1M``; blank = empty formula).

        Implements spec §0.2. Whitespace is ignored, letters are case-insensitive, a missing sign means ``+``.
        Raises ``DomainError("date_formula.invalid")`` (param ``formula``) for any other text, including the
        unsupported ``WD<n>``/``D<n>`` forms.
        """
        if not isinstance(text, str):
            raise _invalid(str(text))
        compact = "".join(text.split()).upper()
        if compact.startswith("<") and compact.endswith(">"):
            compact = compact[1:-1]
        if not compact.isascii() or not _FORMULA_RE.fullmatch(compact):
            raise _invalid(text, unsupported=bool(_UNIT_NUMBER_RE.search(compact)))
        terms: list[Term] = []
        for match in _TERM_RE.finditer(compact):
            sign: Sign = -1 if match[1] == "-" else 1
            if match[2] is not None:
                terms.append(Term(sign, cast(Unit, match[3]), int(match[2])))
            else:
                terms.append(Term(sign, cast(Unit, match[4])))
        return cls(tuple(terms))

    def __str__(self) -> str:
        return "".join(term.render(i == 0) for i, term in enumerate(self.terms))

    def __bool__(self) -> bool:
        return bool(self.terms)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _apply(term: Term, day: date) -> date:
    if term.count is not None:
        if term.unit in _MONTHS:
            return _add_months(day, term.sign * term.count * _MONTHS[term.unit])
        return day + timedelta(days=term.sign * term.count * (7 if term.unit == "W" else 1))
    end = term.sign > 0
    if term.unit == "D":
        return day
    if term.unit == "W":
        return day + timedelta(days=6 - day.weekday() if end else -day.weekday())
    first_month = {"M": day.month, "Q": 3 * ((day.month - 1) // 3) + 1, "Y": 1}[term.unit]
    start = day.replace(month=first_month, day=1)
    if not end:
        return start
    last = _add_months(start, _MONTHS[term.unit] - 1)
    return last.replace(day=calendar.monthrange(last.year, last.month)[1])


def calc_date(formula: str | DateFormula, base: date | None) -> date | None:
    """BC ``CalcDate(formula, base)``: apply the formula's terms to ``base`` from left to right.

    Implements spec §0.2. ``formula`` is text (parsed with :meth:`DateFormula.parse`) or a
    :class:`DateFormula`; a blank formula returns ``base`` unchanged and a ``None`` base (BC blank date)
    returns ``None``. Raises ``DomainError("date_formula.invalid")`` for invalid text (even when ``base`` is
    None) and ``DomainError("date_formula.out_of_range")`` (params ``formula``, ``date``) when any step leaves
    0001-01-01..9999-12-31.
    """
    parsed = formula if isinstance(formula, DateFormula) else DateFormula.parse(formula)
    if base is None:
        return None
    result = base
    try:
        for term in parsed.terms:
            result = _apply(term, result)
    except OverflowError:
        raise DomainError(
            "date_formula.out_of_range",
            _("Date formula %(formula)s applied to %(date)s gives a date outside 0001-01-01 to 9999-12-31."),
            params={"formula": str(parsed), "date": base.isoformat()},
        ) from None
    return result


def validate_date_formula(text: str) -> str:
    """Validate BC formula text and return its canonical form (``"<+2w + 1d>"`` -> ``"+2W+1D"``; blank -> "").

    Implements spec §0.2. Raises ``DomainError("date_formula.invalid")`` (param ``formula``) for invalid text.
    """
    return str(DateFormula.parse(text))


def date_formula_validator(value: str) -> None:
    """Model/form field validator: raises Django's ``ValidationError`` (code ``date_formula.invalid``) for text that
    is not a date formula, so forms and the admin show the message next to the field. Implements spec §0.2."""
    # In-function import: this module is Django-free at import (the engine uses it without settings); only this
    # field validator, which runs under Django, needs its ValidationError.
    from django.core.exceptions import ValidationError

    try:
        DateFormula.parse(value or "")
    except DomainError as error:
        raise ValidationError(error.message, code=error.code) from None


# ---------------------------------------------------------------------------------------------------------------
# Periods (the matrix's and the analysis' columns)

PeriodKind = Literal["day", "week", "month", "quarter", "year"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("day", "week", "month", "quarter", "year")
MAX_COLUMNS = 32
_PERIOD_UNITS: dict[str, Unit] = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}


@dataclass(frozen=True, slots=True)
class Period:
    """One column of a period matrix: the dates ``start`` to ``end``, both inclusive."""

    start: date
    end: date


def periods(kind: PeriodKind, start: date, columns: int) -> tuple[Period, ...]:
    """The ``columns`` consecutive periods of ``kind`` (``day``, ``week`` = ISO week Monday to Sunday, ``month``,
    ``quarter`` = calendar quarter, ``year``), the first being the one that contains ``start`` (any date inside
    it). Implements spec §5.7 (the matrix's period columns) and api.md "Analysis" (``period``, ``start``,
    ``columns``). Each period runs from BC's ``-C<unit>`` to ``C<unit>`` of a date inside it. Raises
    ``InvalidInput`` (422 ``invalid_input``, field ``columns`` or ``start``) for ``columns`` outside 1..32 or periods
    that leave 0001-01-01..9999-12-31."""
    if not 1 <= columns <= MAX_COLUMNS:
        raise InvalidInput(
            "invalid_input",
            _("Columns must be between 1 and %(max)s."),
            fields={"columns": [str(_("Must be between 1 and %(max)s.")) % {"max": MAX_COLUMNS}]},
            params={"max": MAX_COLUMNS},
        )
    unit = _PERIOD_UNITS[kind]
    result: list[Period] = []
    try:
        first = _apply(Term(-1, unit), start)
        while True:
            last = _apply(Term(1, unit), first)
            result.append(Period(first, last))
            if len(result) == columns:
                break
            first = last + timedelta(days=1)
    except OverflowError:
        raise InvalidInput(
            "invalid_input",
            _("The periods must lie between 0001-01-01 and 9999-12-31."),
            fields={"start": [str(_("Out of range."))]},
        ) from None
    return tuple(result)
