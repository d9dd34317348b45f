"""Money and percentage fields (D19): ``Decimal`` end to end, stored unrounded up to 5 decimal places."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FullResultSet
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.db.models import Aggregate, Count

# The constants live in decimals.py (no Django, for the engine); the apps import them from here too.
from salescycle.core.decimals import AMOUNT_PLACES, HUNDRED, ZERO

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler


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
    """True when database alias ``using`` is SQLite, whose decimals are floating point (see :class:`ExactSum`)."""
    return connections[using].vendor == "sqlite"


def exact_sum(field: str, *, sqlite: bool = False, filter: models.Q | None = None) -> ExactSum:
    """The :class:`ExactSum` of the decimal ``field`` (LCY, D19), optionally over the rows matching ``filter``, for
    ``aggregate()`` and grouped queries (``.values(...).annotate(total=exact_sum(...))``). ``sqlite`` is no longer
    needed (the aggregate compiles per database) and kept for the callers that pass it; :func:`exact_value` reads the
    result. Errors as :class:`ExactSum`. Implements spec D19."""
    return ExactSum(field, filter=filter)


def exact_value(raw: Any, *, sqlite: bool = False) -> Decimal:
    """The ``Decimal`` (LCY) of an :func:`exact_sum` result ``raw`` (already an exact ``Decimal``; 0 for ``None``).
    ``sqlite`` is ignored (kept for its callers). Implements spec D19."""
    return ZERO if raw is None else Decimal(raw)


def exact_sums(queryset: models.QuerySet[Any], fields: list[str]) -> dict[str, Decimal]:
    """The exact sums (LCY, D19) of the decimal ``fields`` over ``queryset``, in one aggregate query: ``{field:
    Decimal}``, 0 for no rows. Each is an :class:`ExactSum` (see there for SQLite and its limits). Errors: SQLite's
    ``OperationalError`` "integer overflow" when the integer parts of a field add up beyond 9.2 × 10¹⁸ LCY.
    Implements spec D19."""
    row = queryset.aggregate(**{f: ExactSum(f) for f in fields})
    return {f: row[f] for f in fields}


# --- Exact sums and averages (D19) -----------------------------------------------------------------------------
#
# PostgreSQL sums ``numeric`` exactly. SQLite stores a DecimalField as REAL (an IEEE double, integral values as
# INTEGER) and its SUM and AVG go through floating point: the stage statistics of the Maven data answered
# 2452104.26999998 for 2452104.27. There each value x is split into its integer part (``CAST(x AS INTEGER)``: exact,
# truncated toward zero) and its fraction ``x - CAST(x AS INTEGER)`` (exact in binary), the fraction rounded to the
# decimal places the value can carry, in units of 10⁻⁵ LCY. Both are summed exactly (integers; the fraction units are
# whole numbers below 10⁵ each, summed exactly as doubles up to 9 × 10¹⁰ rows) and Python adds them as ``Decimal``.
#
# Which places: a double holds 15 significant decimal digits, and Django reads a stored amount as the value rounded
# to 15 significant digits and then to 5 places. A value below 10¹⁰ keeps its 5 places; from 10¹⁰ up, a value with k
# integer digits keeps 15 − k (so 12345678901.2345 sums as itself, never as 12345678901.23449 or …51). The SQL
# rounds the fraction exactly so: the sum is the sum of the values Django reads, row by row.

_SCALE = 10**AMOUNT_PLACES
# (upper bound of |x|, the unit the fraction is rounded to, in 10⁻⁵ LCY): below 10¹⁰ to 10⁻⁵, below 10¹¹ to 10⁻⁴, …,
# from 10¹⁴ on to whole units.
_FRACTION_STEPS = ((10**11, 10), (10**12, 100), (10**13, 1000), (10**14, 10000))


def _fraction_template() -> str:
    """SQLite: the fraction of ``{x}`` in units of 10⁻⁵, rounded to the places the value carries (an integral REAL);
    a ``str.format`` template in ``x``."""
    frac = "({x} - CAST({x} AS INTEGER))"
    # The common case first and without ABS (a function call per row): |x| < 10¹⁰.
    cases = [f"WHEN {{x}} < 10000000000 AND {{x}} > -10000000000 THEN ROUND({frac} * {_SCALE})"]
    cases += [
        f"WHEN ABS({{x}}) < {bound} THEN ROUND({frac} * {_SCALE // unit}) * {unit}" for bound, unit in _FRACTION_STEPS
    ]
    return f"CASE {' '.join(cases)} ELSE ROUND({frac}) * {_SCALE} END"


_FRACTION = _fraction_template()


def _exact_decimal(integral: str, units: str) -> Decimal:
    """``integral`` + ``units`` × 10⁻⁵ as an exact ``Decimal`` (decimal integer texts; ``units`` may end in ``.0``)."""
    whole = int(integral) * _SCALE + int(Decimal(units))
    return Decimal(f"{whole}E-{AMOUNT_PLACES}")


class _ExactDecimalField(models.DecimalField):
    """The output field of :class:`ExactSum` and :class:`ExactAvg`: a DecimalField that the SQLite backend does not
    read through a float (its converter would); the aggregate's own converter reads what its SQL answers."""

    def get_internal_type(self) -> str:
        return "ExactDecimalField"


class ExactSum(Aggregate):
    """``SUM`` of a decimal (money, LCY) column, exact on both databases (D19): use it wherever ``Sum`` would go —
    ``aggregate()``, ``annotate()``, ``values(…).annotate()`` (GROUP BY), with ``filter=Q(…)``. Answers a ``Decimal``
    (5 places on both databases, e.g. ``Decimal("4150.00000")``), and ``Decimal(0)`` over no rows (not ``None``, so no
    ``default``).

    PostgreSQL: plain ``SUM`` (``numeric`` is exact). SQLite: the sum of the integer parts and the sum of the rounded
    fractions (see the comment above), answered as the text ``"<integer sum> <fraction units>"`` and added exactly in
    Python. So on SQLite the annotation is a text in SQL: it can be selected, not ordered by, filtered on or used inside
    another expression (order or filter in Python). Exact for values below 10¹⁵ (the amount fields' 15 integer
    digits) that have at most 5 decimals and 15 significant digits: every amount the API accepts, and their sums.
    A value the engine wrote unrounded (value × probability ÷ 100, 6 or more decimals) is taken rounded from its
    double to the places it can carry; at an exact half of the 6th decimal (0.000005, 11.329065) that may be 10⁻⁵
    away from what PostgreSQL stores (half away from zero) or Django reads from SQLite (half to even), since the
    double lies just above or below the half. Errors: ``OperationalError`` (SQLite "integer overflow") when the
    integer parts add up beyond 9.2 × 10¹⁸.
    Implements spec D19."""

    function = "SUM"
    name = "ExactSum"
    empty_result_set_value = ZERO  # type: ignore[assignment]  # the stubs know only Count's 0
    output_field = _ExactDecimalField(max_digits=30, decimal_places=AMOUNT_PLACES)

    def __init__(self, expression: Any, *, filter: Any = None) -> None:
        super().__init__(expression, filter=filter)

    def _parts_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[list[str], tuple[Any, ...]]:
        """The SQLite SQL of the integer-part sum and of the fraction sum (``filter`` applied to each), and params."""
        source = self.get_source_expressions()[0]
        x, x_params = compiler.compile(source)
        where, where_params = "", tuple[Any, ...]()
        if self.filter is not None:
            try:
                condition, condition_params = compiler.compile(self.filter)
            except FullResultSet:
                pass
            else:
                where, where_params = f" FILTER (WHERE {condition})", tuple(condition_params)
        integral_sql = f"SUM(CAST({x} AS INTEGER)){where}"
        fraction_sql = f"CAST(SUM({_FRACTION.format(x=x)}){where} AS INTEGER)"
        params = (*x_params, *where_params, *tuple(x_params) * _FRACTION.count("{x}"), *where_params)
        return [integral_sql, fraction_sql], params

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        """``SUM(CAST(x AS INTEGER)) || ' ' || CAST(SUM(<fraction of x>) AS INTEGER)`` (NULL over no rows)."""
        parts, params = self._parts_sqlite(compiler, connection)
        return "(" + " || ' ' || ".join(parts) + ")", params

    def get_db_converters(self, connection: Any) -> list[Any]:
        """Reads the database's answer as an exact ``Decimal`` (0 for no rows)."""
        return [self._from_db]

    def _from_db(self, value: Any, expression: Any, connection: Any) -> Decimal:
        if value is None:
            return ZERO
        if isinstance(value, str) and " " in value:
            integral, units = value.split()
            return _exact_decimal(integral, units)
        return Decimal(value)  # PostgreSQL's numeric; the empty result's 0


class ExactAvg(ExactSum):
    """``AVG`` of a decimal (money, LCY) column, exact on both databases (D19): the :class:`ExactSum` of the values
    divided by their count in Python, rounded half away from zero to ``places`` decimal places (default 5; 2 for
    cents) by :func:`exact_average`. ``None`` over no rows (an average of nothing has no value). Usable where
    ``ExactSum`` is, with the same limits. Implements spec D19."""

    name = "ExactAvg"
    empty_result_set_value = None  # type: ignore[assignment]

    def __init__(self, expression: Any, *, filter: Any = None, places: int = AMOUNT_PLACES) -> None:
        super().__init__(expression, filter=filter)
        self.places = places

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        """The two sums of :class:`ExactSum` and ``COUNT(x)``, joined by blanks (NULL over no rows)."""
        parts, params = self._parts_sqlite(compiler, connection)
        count, count_params = self._count_sql(compiler, connection)
        return "(" + " || ' ' || ".join([*parts, count]) + ")", (*params, *count_params)

    def as_sql(  # type: ignore[override]  # the stubs' Aggregate.as_sql takes only **extra_context, as here
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        """``SUM(x) || ' ' || COUNT(x)`` (PostgreSQL: ``numeric`` text; NULL over no rows)."""
        total, params = super().as_sql(compiler, connection, **extra_context)
        count, count_params = self._count_sql(compiler, connection)
        return f"({total} || ' ' || {count})", (*params, *count_params)

    def _count_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(Count(self.get_source_expressions()[0], filter=self.filter))
        return sql, tuple(params)

    def _from_db(self, value: Any, expression: Any, connection: Any) -> Decimal | None:  # type: ignore[override]
        if value is None:
            return None
        *sums, count = value.split()
        total = _exact_decimal(*sums) if len(sums) == 2 else Decimal(sums[0])
        return exact_average(total, int(count), self.places)

    def get_db_converters(self, connection: Any) -> list[Any]:
        """Reads ``"<sum> <count>"`` as the exact average (``None`` for no rows)."""
        return [self._from_db]


def exact_average(total: Decimal, count: int, places: int = AMOUNT_PLACES) -> Decimal:
    """``total`` ÷ ``count`` (a sum in LCY, a count of rows) rounded half away from zero to ``places`` decimal places,
    computed exactly (integer division: no intermediate rounding to the context's 28 digits); ``Decimal(0)`` when
    ``count`` is 0 (BC's averages of nothing are 0). Implements spec D19 (averages of §5.3, §5.5, §5.7)."""
    if not count:
        return ZERO
    sign, digits, exponent = Decimal(total).as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(f"exact_average: {total} is not finite")
    numerator = int("".join(map(str, digits)) or "0")
    denominator = count
    shift = exponent + places  # total = numerator × 10^exponent; the result is in units of 10^-places
    if shift >= 0:
        numerator *= 10**shift
    else:
        denominator *= 10**-shift
    quotient, remainder = divmod(numerator, denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return Decimal(f"{'-' if sign and quotient else ''}{quotient}E-{places}")


CENT = Decimal("0.01")


def round_half_away(value: Decimal, step: Decimal = CENT) -> Decimal:
    """``value`` rounded to a multiple of ``step`` (a power of ten: ``0.01``, ``1``, ``0.1``), halves away from zero
    (BC's ``Round(value, step)``, ``2.345`` → ``2.35``, ``-2.345`` → ``-2.35``). Implements api.md "Analysis"
    ("exact to the cent")."""
    return value.quantize(step, rounding=ROUND_HALF_UP)
