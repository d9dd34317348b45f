"""Business Central's filter syntax for key fields (issue #15, L9): what each form means, and that anything else is
refused rather than read in a wider way (it selects what a batch deletes)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescycle.core.bcfilter import Exact, FilterSyntaxError, Pattern, Range, matches, parse, pattern_regex


@pytest.mark.parametrize(
    ("expression", "alternatives"),
    [
        ("", ()),
        ("   ", ()),
        ("op000001", (Exact("OP000001"),)),
        ("OP0000*", (Pattern("OP0000*"),)),
        ("OP00000?", (Pattern("OP00000?"),)),
        ("OP000001..OP000003", (Range("OP000001", "OP000003"),)),
        ("OP000002..", (Range("OP000002", None),)),
        ("..OP000002", (Range(None, "OP000002"),)),
        ("OP000001 | OP000003", (Exact("OP000001"), Exact("OP000003"))),
        ("A*|B..C|D", (Pattern("A*"), Range("B", "C"), Exact("D"))),
        ("CT 1.5", (Exact("CT 1.5"),)),
    ],
)
def test_each_form_of_the_syntax(expression: str, alternatives: tuple[object, ...]) -> None:
    assert parse(expression, field="no") == alternatives


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("OP1||OP2", "Each side of |"),
        ("|OP1", "Each side of |"),
        ("OP1|", "Each side of |"),
        ("..", "at least one end"),
        ("A..B..C", "one .."),
        ("A...B", "one .."),
        ("A*..B", "cannot contain"),
        ("<>OP1", "cannot be used"),
        ("OP1&OP2", "cannot be used"),
        ("'OP1'", "cannot be used"),
        ("@op1", "cannot be used"),
        ("(A|B)", "cannot be used"),
        ("A" * 251, "at most 250"),
        ("|".join(["A"] * 51), "at most 50"),
    ],
)
def test_a_malformed_expression_is_refused_with_a_message_for_its_field(expression: str, message: str) -> None:
    with pytest.raises(FilterSyntaxError) as error:
        parse(expression, field="no_filter")

    assert error.value.code == "invalid_input"
    assert message in error.value.message
    assert error.value.fields == {"no_filter": [error.value.message]}


@pytest.mark.parametrize(
    ("key", "expression", "expected"),
    [
        ("OP000001", "OP0000*", True),
        ("OP000010", "OP0000?", False),
        ("OP000010", "OP0000??", True),
        ("OP000002", "OP000001..OP000003", True),
        ("OP000004", "OP000001..OP000003", False),
        ("OP000003", "OP000001|OP000003", True),
        ("OP000002", "OP000001|OP000003", False),
        ("CT-LINDA", "*LINDA", True),
        ("CT-LINDA", "C*D*", True),
        ("CT-LINDA", "*X*", False),
    ],
)
def test_matches(key: str, expression: str, expected: bool) -> None:
    assert matches(key, expression) is expected


def test_the_regular_expression_takes_every_other_character_literally() -> None:
    assert pattern_regex("A.B*C?+") == r"^A\.B.*C.\+$"


SAFE = st.text(alphabet="AB1-.*?|_ ", max_size=12)


@given(SAFE)
def test_parsing_refuses_or_answers_never_crashes(expression: str) -> None:
    with contextlib.suppress(FilterSyntaxError):
        parse(expression, field="no")


@given(st.text(alphabet="AB1-_ ", min_size=1, max_size=10).filter(lambda s: s.strip()))
def test_a_plain_key_is_exact_never_wider(key: str) -> None:
    assert parse(key, field="no") == (Exact(key.strip().upper()),)
