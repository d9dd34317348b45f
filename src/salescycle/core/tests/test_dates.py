"""Tests for BC date formulas and CalcDate (spec §0.2). Pure Python: no database, no settings needed."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from salescycle.core.dates import DateFormula, Term, calc_date, validate_date_formula
from salescycle.core.errors import DomainError


def d(text: str) -> date:
    return date.fromisoformat(text)


def calc(formula: str, base: str) -> date | None:
    return calc_date(formula, d(base))


# --- demo data formulas and simple terms ----------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "base", "expected"),
    [
        ("<+1W>", "2024-05-15", "2024-05-22"),
        ("<+2W>", "2024-05-15", "2024-05-29"),
        ("<+3W>", "2024-05-15", "2024-06-05"),
        ("<+2D>", "2024-05-15", "2024-05-17"),
        ("<+3D>", "2024-05-15", "2024-05-18"),
        ("<+2W+1D>", "2024-05-15", "2024-05-30"),
        ("<+6M>", "2024-05-15", "2024-11-15"),
        ("+1W", "2024-12-28", "2025-01-04"),
        ("-2D", "2024-03-01", "2024-02-28"),
        ("1M", "2024-05-15", "2024-06-15"),
        ("+1Q", "2024-11-30", "2025-02-28"),
        ("+1Y", "2024-05-15", "2025-05-15"),
        ("2W+3D", "2024-05-15", "2024-06-01"),
        ("+0D", "2024-05-15", "2024-05-15"),
    ],
)
def test_counted_terms_move_by_units(formula: str, base: str, expected: str) -> None:
    assert calc(formula, base) == d(expected)


def test_blank_formula_returns_base_unchanged() -> None:
    assert calc("", "2024-05-15") == d("2024-05-15")
    assert calc("   ", "2024-05-15") == d("2024-05-15")
    assert calc("<>", "2024-05-15") == d("2024-05-15")
    assert calc_date(DateFormula(), d("2024-05-15")) == d("2024-05-15")


def test_blank_base_returns_none() -> None:
    assert calc_date("+1W", None) is None
    assert calc_date("", None) is None


def test_calc_date_accepts_parsed_formula() -> None:
    assert calc_date(DateFormula.parse("CM+1D"), d("2024-05-15")) == d("2024-06-01")


# --- month clamping -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "base", "expected"),
    [
        ("+1M", "2023-01-31", "2023-02-28"),
        ("+1M", "2024-01-31", "2024-02-29"),
        ("-1M", "2023-03-31", "2023-02-28"),
        ("-1M", "2024-03-31", "2024-02-29"),
        ("+1M", "2024-02-29", "2024-03-29"),
        ("+1M", "2024-04-30", "2024-05-30"),
        ("+1Y", "2024-02-29", "2025-02-28"),
        ("-1Y", "2024-02-29", "2023-02-28"),
        ("+4Y", "2024-02-29", "2028-02-29"),
        ("+1Q", "2024-01-31", "2024-04-30"),
        ("-1Q", "2024-05-31", "2024-02-29"),
        ("+13M", "2024-01-31", "2025-02-28"),
    ],
)
def test_month_arithmetic_clamps_to_month_end(formula: str, base: str, expected: str) -> None:
    assert calc(formula, base) == d(expected)


# --- current-period anchors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "base", "expected"),
    [
        ("CD", "2024-05-15", "2024-05-15"),
        ("-CD", "2024-05-15", "2024-05-15"),
        ("CW", "2024-05-15", "2024-05-19"),  # Wednesday -> Sunday
        ("-CW", "2024-05-15", "2024-05-13"),  # Wednesday -> Monday
        ("CW", "2024-05-19", "2024-05-19"),  # a Sunday is its own week end
        ("-CW", "2024-05-13", "2024-05-13"),  # a Monday is its own week start
        ("CW", "2024-12-30", "2025-01-05"),  # week across the year end
        ("-CW", "2025-01-01", "2024-12-30"),
        ("CM", "2024-02-10", "2024-02-29"),
        ("CM", "2023-02-10", "2023-02-28"),
        ("+CM", "2024-04-10", "2024-04-30"),
        ("-CM", "2024-02-10", "2024-02-01"),
        ("CY", "2024-05-15", "2024-12-31"),
        ("-CY", "2024-05-15", "2024-01-01"),
    ],
)
def test_current_period_anchors(formula: str, base: str, expected: str) -> None:
    assert calc(formula, base) == d(expected)


@pytest.mark.parametrize(
    ("base", "start", "end"),
    [
        ("2024-01-01", "2024-01-01", "2024-03-31"),
        ("2024-02-29", "2024-01-01", "2024-03-31"),
        ("2024-03-31", "2024-01-01", "2024-03-31"),
        ("2024-04-01", "2024-04-01", "2024-06-30"),
        ("2024-05-15", "2024-04-01", "2024-06-30"),
        ("2024-07-31", "2024-07-01", "2024-09-30"),
        ("2024-09-30", "2024-07-01", "2024-09-30"),
        ("2024-10-01", "2024-10-01", "2024-12-31"),
        ("2024-12-31", "2024-10-01", "2024-12-31"),
    ],
)
def test_quarter_anchors_for_each_quarter(base: str, start: str, end: str) -> None:
    assert calc("-CQ", base) == d(start)
    assert calc("CQ", base) == d(end)


def test_year_boundaries() -> None:
    assert calc("+1D", "2024-12-31") == d("2025-01-01")
    assert calc("-1D", "2025-01-01") == d("2024-12-31")
    assert calc("+1M", "2024-12-15") == d("2025-01-15")
    assert calc("-1M", "2025-01-15") == d("2024-12-15")
    assert calc("CY+1D", "2024-06-01") == d("2025-01-01")
    assert calc("-CY-1D", "2024-06-01") == d("2023-12-31")


def test_negative_terms() -> None:
    assert calc("-1W", "2024-01-03") == d("2023-12-27")
    assert calc("-2M", "2024-01-15") == d("2023-11-15")
    assert calc("-1Q", "2024-02-15") == d("2023-11-15")
    assert calc("-2Y", "2024-05-15") == d("2022-05-15")


@pytest.mark.parametrize(
    ("formula", "base", "expected"),
    [
        ("CM+1D", "2024-02-10", "2024-03-01"),  # first day of next month
        ("CM+1D", "2024-12-31", "2025-01-01"),
        ("-CM-1D", "2024-03-10", "2024-02-29"),  # last day of previous month
        ("+1M-1D", "2024-01-31", "2024-02-28"),  # clamp happens before the day term
        ("-1Y+CQ", "2024-05-15", "2023-06-30"),
        ("CQ+1M-10D", "2014-01-25", "2014-04-20"),  # BC documentation example
        ("CM+30D", "2014-01-25", "2014-03-02"),  # BC documentation example
        ("CM+1M", "2024-01-15", "2024-02-29"),
        ("CW+1W", "2024-05-15", "2024-05-26"),
        ("1D+CM", "2024-01-31", "2024-02-29"),  # order matters
        ("CM+1D", "2024-01-31", "2024-02-01"),
    ],
)
def test_combined_terms_apply_left_to_right(formula: str, base: str, expected: str) -> None:
    assert calc(formula, base) == d(expected)


# --- parsing and canonical text -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("  ", ""),
        ("<>", ""),
        ("+1W", "+1W"),
        ("<+1W>", "+1W"),
        ("1W", "+1W"),
        ("<+2W+1D>", "+2W+1D"),
        ("-2D", "-2D"),
        ("CM", "CM"),
        ("+CM", "CM"),
        ("-CM", "-CM"),
        ("CM+1D", "CM+1D"),
        ("-CQ", "-CQ"),
        ("-1Y+CQ", "-1Y+CQ"),
        ("1M-CM", "+1M-CM"),
        ("2W3D", "+2W+3D"),
        ("cm+1d", "CM+1D"),
        ("<-cq>", "-CQ"),
        (" < + 2 w + 1 d > ", "+2W+1D"),
        ("+01D", "+1D"),
        ("CY", "CY"),
        ("CD", "CD"),
        ("CW", "CW"),
    ],
)
def test_parse_gives_canonical_text(text: str, canonical: str) -> None:
    assert str(DateFormula.parse(text)) == canonical
    assert validate_date_formula(text) == canonical


def test_parse_builds_terms() -> None:
    assert DateFormula.parse("<-CM+2W>") == DateFormula((Term(-1, "M"), Term(1, "W", 2)))
    assert not DateFormula.parse("")
    assert DateFormula.parse("CD")


@pytest.mark.parametrize(
    "text",
    [
        "+W",
        "1X",
        "++1D",
        "C",
        "+1",
        "abc",
        "1.5D",
        "+-1D",
        "1D+",
        "<1D",
        "1D>",
        "<<1D>>",
        "CX",
        "C1M",
        "1CM",
        "1P",
        "CP",
        "1234567890D",
        "1Ｄ",
        "١D",
    ],
)
def test_invalid_text_is_rejected(text: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        DateFormula.parse(text)
    assert excinfo.value.code == "date_formula.invalid"
    assert excinfo.value.params == {"formula": text}
    with pytest.raises(DomainError):
        validate_date_formula(text)
    with pytest.raises(DomainError):
        calc_date(text, date(2024, 5, 15))


@pytest.mark.parametrize("text", ["WD2", "<-WD2>", "D10", "CM+D15"])
def test_weekday_and_day_of_month_forms_are_rejected(text: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        DateFormula.parse(text)
    assert excinfo.value.code == "date_formula.invalid"


def test_invalid_formula_is_rejected_even_without_base() -> None:
    with pytest.raises(DomainError):
        calc_date("abc", None)


# --- range ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "base"),
    [
        ("+1D", "9999-12-31"),
        ("-1D", "0001-01-01"),
        ("+1M", "9999-12-15"),
        ("-1Y", "0001-06-01"),
        ("CW", "9999-12-31"),  # a Friday: its Sunday is in year 10000
        ("+1D-1D", "9999-12-31"),  # every intermediate step must stay in range
        ("+999999999W", "2024-01-01"),
        ("-999999999Y", "2024-01-01"),
    ],
)
def test_out_of_range_dates_are_rejected(formula: str, base: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        calc(formula, base)
    assert excinfo.value.code == "date_formula.out_of_range"


def test_range_edges_are_allowed() -> None:
    assert calc("-CW", "0001-01-03") == d("0001-01-01")
    assert calc("CY", "9999-06-01") == d("9999-12-31")
    assert calc("-CY", "0001-06-01") == d("0001-01-01")


# --- properties -----------------------------------------------------------------------------------

terms = st.one_of(
    st.builds(
        Term,
        st.sampled_from([1, -1]),
        st.sampled_from(["D", "W", "M", "Q", "Y"]),
        st.integers(min_value=0, max_value=999_999_999),
    ),
    st.builds(Term, st.sampled_from([1, -1]), st.sampled_from(["D", "W", "M", "Q", "Y"])),
)
formulas = st.builds(DateFormula, st.lists(terms, max_size=4).map(tuple))
dates = st.dates(min_value=date.min, max_value=date.max)


@given(formulas, dates)
def test_calc_date_only_fails_with_out_of_range(formula: DateFormula, base: date) -> None:
    code = None
    try:
        result = calc_date(formula, base)
    except DomainError as error:
        code = error.code
    else:
        assert isinstance(result, date)
    assert code in (None, "date_formula.out_of_range")


@given(formulas)
def test_parse_of_canonical_text_round_trips(formula: DateFormula) -> None:
    text = str(formula)
    assert DateFormula.parse(text) == formula
    assert DateFormula.parse(f"<{text.lower()}>") == formula


@given(st.integers(min_value=0, max_value=10_000), dates)
def test_adding_then_subtracting_days_is_identity(n: int, base: date) -> None:
    try:
        there = calc_date(f"+{n}D", base)
    except DomainError:
        assume(False)
    assert calc_date(f"-{n}D", there) == base
    assert calc_date(f"+{n}D-{n}D", base) == base


@given(dates)
def test_current_month_gives_last_and_first_day(base: date) -> None:
    last = calc_date("CM", base)
    first = calc_date("-CM", base)
    assert last is not None
    assert first is not None
    assert (last.year, last.month) == (first.year, first.month) == (base.year, base.month)
    assert last.day == calendar.monthrange(base.year, base.month)[1]
    assert first.day == 1


@given(dates)
def test_current_week_runs_monday_to_sunday(base: date) -> None:
    try:
        end = calc_date("CW", base)
    except DomainError:
        assume(False)
    start = calc_date("-CW", base)
    assert start is not None
    assert end is not None
    assert start.weekday() == 0
    assert end.weekday() == 6
    assert start <= base <= end
    assert (end - start).days == 6


@given(st.text(alphabet=st.sampled_from("+-<> 0123456789cdwmqyxCDWMQYX.") | st.characters(), max_size=20))
def test_parse_of_any_text_either_succeeds_or_is_invalid(text: str) -> None:
    code = None
    try:
        formula = DateFormula.parse(text)
    except DomainError as error:
        code = error.code
    else:
        assert DateFormula.parse(str(formula)) == formula
    assert code in (None, "date_formula.invalid")
