"""The database filter of a BC filter expression (``core.bcfilter.filter_q``) selects exactly the keys the Python
reference (``bcfilter.matches``) accepts, on SQLite and PostgreSQL (issue #15, L9). Salesperson codes serve as the
key column."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from salescycle.contacts.models import Salesperson
from salescycle.core.bcfilter import FilterSyntaxError, filter_q, matches

pytestmark = pytest.mark.django_db

ALPHABET = "AB01"
# Every key of one to three characters over the alphabet (84 keys): ranges, prefixes and inner wildcards all meet
# keys on both sides of their bounds.
KEYS = sorted("".join(chars) for n in (1, 2, 3) for chars in itertools.product(ALPHABET, repeat=n))

value = st.text(alphabet=ALPHABET + "ab", min_size=1, max_size=4)
pattern = st.text(alphabet=ALPHABET + "*?", min_size=1, max_size=5)
range_ = st.tuples(st.one_of(st.just(""), value), st.one_of(st.just(""), value)).filter(lambda r: r[0] or r[1])
alternative = st.one_of(value, pattern, range_.map(lambda r: f"{r[0]}..{r[1]}"))
expression = st.lists(alternative, min_size=1, max_size=4).map("|".join)


@pytest.fixture
def keys(db: Any) -> list[str]:
    Salesperson.objects.bulk_create(Salesperson(code=key, name=key) for key in KEYS)
    return KEYS


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expression=expression)
def test_the_database_selects_what_the_reference_matches(keys: list[str], expression: str) -> None:
    note(expression)
    try:
        query = filter_q("code", expression, field="salesperson_code_filter")
    except FilterSyntaxError:
        return
    selected = sorted(Salesperson.objects.filter(query).values_list("code", flat=True))

    assert selected == [key for key in keys if matches(key, expression)]


def test_a_refused_expression_reads_nothing(keys: list[str], django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0), pytest.raises(FilterSyntaxError):
        Salesperson.objects.filter(filter_q("code", "A..B..C", field="code")).count()
