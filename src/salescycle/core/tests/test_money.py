"""Exact money aggregates (spec D19, issue #14 item 6): ``core.money.ExactSum``, ``ExactAvg``, ``exact_average``.

SQLite stores a DecimalField as a double and sums through floating point; ``ExactSum`` sums the integer parts and the
rounded fractions apart. Hypothesis compares every form of use (``aggregate``, ``values().annotate()`` GROUP BY,
``filter=``, an annotation over a join) with Python ``Decimal`` sums over the same rows, with amounts that expose
float error, negative ones, and values up to the fields' limit of 15 significant digits. A rule test holds that no
``Sum``/``Avg`` over a money field is left anywhere in the package outside ``core/money.py``.
"""

from __future__ import annotations

import ast
import decimal
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models, transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salescycle
from salescycle.core.money import ExactAvg, ExactSum, exact_average, exact_sums
from salescycle.sales.models import SalesHeader, SalesLine

NASTY = (
    "0.1",
    "0.2",
    "0.3",
    "0.03",
    "0.00001",
    "2452104.27",
    "99999.99999",
    "9999999999.99999",
    "12345678901.2345",
    "123456789012.345",
    "1234567890123.45",
    "12345678901234.5",
    "99999999999999.9",
    "999999999999999",
)


def amounts(signed: bool = True) -> st.SearchStrategy[Decimal]:
    """Amounts of at most 15 significant digits and 5 decimal places (what the API accepts), some negative."""
    drawn = st.builds(
        lambda digits, places: Decimal(digits).scaleb(-places), st.integers(0, 10**15 - 1), st.integers(0, 5)
    )
    positive = st.one_of(st.sampled_from(NASTY).map(Decimal), drawn)
    if not signed:
        return positive
    return st.builds(lambda value, negative: -value if negative else value, positive, st.booleans())


def oracle_average(total: Decimal, count: int, places: int = 5) -> Decimal:
    """total ÷ count to 80 digits, then half away from zero to ``places``."""
    with decimal.localcontext(decimal.Context(prec=80)):
        return (total / count).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------------------------
# exact_average (pure)


@given(
    total=st.builds(lambda n, e: Decimal(n).scaleb(e), st.integers(-(10**24), 10**24), st.integers(-7, 3)),
    count=st.integers(1, 10**7),
    places=st.integers(0, 6),
)
def test_exact_average_is_the_quotient_rounded_half_away_from_zero(total: Decimal, count: int, places: int) -> None:
    assert exact_average(total, count, places) == oracle_average(total, count, places)


def test_exact_average_worked_examples() -> None:
    assert exact_average(Decimal("0.00001"), 2) == Decimal("0.00001")  # a tie: away from zero, not to even
    assert exact_average(Decimal("-0.00001"), 2) == Decimal("-0.00001")
    assert exact_average(Decimal("0.01"), 3, 2) == Decimal("0.00")
    assert str(exact_average(Decimal("2000"), 1)) == "2000.00000"
    assert str(exact_average(Decimal("-0.000001"), 3)) == "0.00000"  # no negative zero
    assert exact_average(Decimal("12.5"), 0) == 0


# ---------------------------------------------------------------------------------------------------------------
# ExactSum / ExactAvg on the database (sales lines: a header and an amount column)

GROUPS = ("Q1", "Q2", "Q3")
ROWS = st.lists(st.tuples(st.sampled_from(GROUPS), amounts()), max_size=12)
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def write(rows: list[tuple[str, Decimal]]) -> None:
    """Quotes Q1–Q3 (Q3 without lines when no row names it) and one line per row."""
    headers = {no: SalesHeader.objects.create(document_type="quote", no=no) for no in GROUPS}
    SalesLine.objects.bulk_create(
        SalesLine(header=headers[no], line_no=10000 * (i + 1), amount=amount) for i, (no, amount) in enumerate(rows)
    )


def total(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


@pytest.mark.django_db
@EXAMPLES
@given(rows=ROWS)
def test_exact_sum_and_average_equal_the_decimal_oracle_in_every_form(rows: list[tuple[str, Decimal]]) -> None:
    with transaction.atomic():
        write(rows)
        stored = [(line.header.no, line.amount) for line in SalesLine.objects.select_related("header")]
        assert sorted(stored) == sorted(rows)  # 15 significant digits survive SQLite's double exactly
        by_group = {no: [a for g, a in rows if g == no] for no in GROUPS}
        everything = [a for _g, a in rows]

        # aggregate(): the sum (0 over no rows), the average (None over no rows), a filtered sum.
        row = SalesLine.objects.aggregate(
            s=ExactSum("amount"),
            a=ExactAvg("amount"),
            cents=ExactAvg("amount", places=2),
            q1=ExactSum("amount", filter=Q(header__no="Q1")),
            n=models.Count("*"),
        )
        assert row["s"] == total(everything)
        assert row["q1"] == total(by_group["Q1"])
        assert row["a"] == (oracle_average(total(everything), len(everything)) if everything else None)
        assert row["cents"] == (oracle_average(total(everything), len(everything), 2) if everything else None)

        # values().annotate(): GROUP BY, with a filtered sum beside the plain one.
        grouped = {
            r["header__no"]: r
            for r in SalesLine.objects.values("header__no").annotate(
                s=ExactSum("amount"), a=ExactAvg("amount"), big=ExactSum("amount", filter=Q(amount__gte=10**10))
            )
        }
        for no, values in by_group.items():
            if not values:
                assert no not in grouped
                continue
            assert grouped[no]["s"] == total(values)
            assert grouped[no]["a"] == oracle_average(total(values), len(values))
            assert grouped[no]["big"] == total([a for a in values if a >= 10**10])

        # An annotation over a join (the sales documents' amount) and the helper of the list totals.
        documents = SalesHeader.objects.with_amount()
        amounts_by_no = dict(documents.values_list("no", "amount"))  # type: ignore[misc]  # the plugin misses annotate
        assert amounts_by_no == {no: total(values) for no, values in by_group.items()}
        assert exact_sums(SalesLine.objects.filter(header__no="Q2"), ["amount", "unit_price"]) == {
            "amount": total(by_group["Q2"]),
            "unit_price": Decimal(0),
        }
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_over_nothing_the_sum_is_zero_and_the_average_none() -> None:
    none = SalesLine.objects.filter(pk__in=[])  # Django answers without a query (EmptyResultSet)

    assert none.aggregate(s=ExactSum("amount"), a=ExactAvg("amount")) == {"s": 0, "a": None}
    assert SalesLine.objects.aggregate(s=ExactSum("amount"), a=ExactAvg("amount")) == {"s": 0, "a": None}
    assert SalesLine.objects.aggregate(s=ExactSum("amount", filter=Q(pk__in=[]))) == {"s": 0}


@pytest.mark.django_db
def test_a_float_hostile_sum_is_exact() -> None:
    """28 × 0.03 is 0.840000000000001 through binary floating point at 15 significant digits (SQLite's SUM as Django
    reads it); 12345678901.2345 + 0.00001 has 16 significant digits, more than a double keeps."""
    write([("Q1", Decimal("0.03"))] * 28 + [("Q2", Decimal("12345678901.2345")), ("Q2", Decimal("0.00001"))])

    sums = dict(SalesLine.objects.values_list("header__no").annotate(s=ExactSum("amount")))

    assert sums == {"Q1": Decimal("0.84"), "Q2": Decimal("12345678901.23451")}
    assert str(sums["Q1"]) == "0.84000"  # 5 places, as PostgreSQL's numeric(20, 5) sum


def test_exact_sum_takes_no_default() -> None:
    with pytest.raises(TypeError):
        ExactSum("amount", default=0)  # type: ignore[call-arg]


# ---------------------------------------------------------------------------------------------------------------
# The rule: every sum or average of money goes through core.money

PACKAGE = Path(salescycle.__file__).resolve().parent
MONEY = PACKAGE / "core" / "money.py"
AGGREGATES = {"Sum", "Avg"}


def decimal_field_names() -> set[str]:
    """The names of every DecimalField of the project's models (amounts, percentages, quantities)."""
    return {
        field.name
        for model in apps.get_models()
        if model.__module__.startswith("salescycle.")
        for field in model._meta.get_fields()
        if isinstance(field, models.DecimalField)
    }


def offences(source: str, money: set[str]) -> list[tuple[int, str]]:
    """``Sum(…)``/``Avg(…)`` calls in ``source`` whose argument is a field in ``money`` (the last part of a
    ``a__b`` path) or not a plain field name (an expression cannot be proved not to be money), and raw SQL
    ``SUM(``/``AVG(`` in string literals: ``(line, text)``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name not in AGGREGATES:
                continue
            arg = node.args[0] if node.args else None
            field = arg.value.split("__")[-1] if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
            if field is None or field in money:
                found.append((node.lineno, ast.get_source_segment(source, node) or ""))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            upper = node.value.upper()
            if "SUM(" in upper or "AVG(" in upper:
                found.append((node.lineno, node.value[:60]))
    return found


def aggregates_of_money() -> list[str]:
    """:func:`offences` in every module of the package (tests and migrations aside, ``core/money.py`` itself
    aside), as ``path:line: text``."""
    money = decimal_field_names()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if {"tests", "migrations"} & set(relative.parts) or path == MONEY:
            continue
        found += [f"{relative}:{line}: {text}" for line, text in offences(path.read_text(encoding="utf-8"), money)]
    return found


def test_no_money_is_summed_or_averaged_outside_core_money() -> None:
    """D19: a plain ``Sum``/``Avg`` over a DecimalField goes through floating point on SQLite; use
    ``core.money.ExactSum`` / ``ExactAvg`` / ``exact_sums`` / ``exact_average``. Integer sums (Days Open) are exact
    and allowed."""
    assert {"estimated_value", "calculated_current_value", "amount"} <= decimal_field_names()
    assert aggregates_of_money() == []


def test_the_rule_finds_what_it_is_there_to_find() -> None:
    source = "\n".join(
        (
            'a = Sum("estimated_value")',
            'b = models.Avg("lines__amount")',
            'c = Sum(F("amount") * 2)',
            'd = "SELECT sum(amount) FROM x"',
            'e = Sum("days_open")',
            'f = ExactSum("amount")',
        )
    )

    assert [line for line, _text in offences(source, {"estimated_value", "amount"})] == [1, 2, 3, 4]
