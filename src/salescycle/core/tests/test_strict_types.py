"""The strict input types of the API (spec api.md "Strict input", issue #12 item 10): numbers are ASCII digits, dates
are ISO dates only, an amount has at most 15 significant digits, ``null`` is refused where it means nothing, and
an input schema refuses unknown fields and coercions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from salescycle.core.schemas import AmountIn, DateIn, InputSchema, Omittable, PercentIn, Text100

AMOUNT = TypeAdapter(AmountIn)
PERCENT = TypeAdapter(PercentIn)
DATE = TypeAdapter(DateIn)


def error_type(adapter: TypeAdapter[Any], value: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    return str(caught.value.errors()[0]["type"])


@pytest.mark.parametrize(
    "value", ["١٢٣", "１２３", "१२३", " 12", "12 ", "1_000", "+5", "0x10", "NaN", "Infinity", "", "1,5"]
)
def test_a_decimal_is_ascii_digits_only(value: str) -> None:
    assert error_type(AMOUNT, value) == "decimal_parsing"
    assert error_type(PERCENT, value) == "decimal_parsing"


@pytest.mark.parametrize("value", [True, False, [1], {"a": 1}, None])
def test_a_decimal_is_not_a_boolean_or_container(value: Any) -> None:
    with pytest.raises(ValidationError):
        AMOUNT.validate_python(value)


def test_a_decimal_is_a_json_string_or_number() -> None:
    assert AMOUNT.validate_python("1234.5") == Decimal("1234.5")
    assert AMOUNT.validate_python("-2") == Decimal(-2)
    assert AMOUNT.validate_python("1e3") == Decimal(1000)
    assert AMOUNT.validate_python(7) == Decimal(7)
    assert AMOUNT.validate_python(Decimal("0.10000")) == Decimal("0.1")
    assert AMOUNT.validate_python(0.5) == Decimal("0.5")


def test_an_amount_has_at_most_15_significant_digits() -> None:
    assert AMOUNT.validate_python("999999999999999") == Decimal("999999999999999")
    assert AMOUNT.validate_python("1234567890.12345") == Decimal("1234567890.12345")
    assert AMOUNT.validate_python("100000000000000.00000") == Decimal("1E+14")
    assert error_type(AMOUNT, "999999999999999.99999") == "decimal_max_digits"
    assert error_type(AMOUNT, "99999999999.99999") == "decimal_max_digits"
    assert error_type(AMOUNT, "1000000000000000") in {"decimal_max_digits", "decimal_whole_digits"}
    assert error_type(AMOUNT, "0.000001") == "decimal_max_places"


@given(st.decimals(min_value=-(10**15) + 1, max_value=10**15 - 1, places=5, allow_nan=False))
def test_every_accepted_amount_survives_a_round_trip_through_a_double(value: Decimal) -> None:
    # What SQLite does to a DecimalField (REAL), and Django's read-back (rounded to 15 digits, then quantized).
    try:
        accepted = AMOUNT.validate_python(str(value))
    except ValidationError:
        return
    assert Decimal(repr(float(accepted))).quantize(Decimal("0.00001")) == accepted


@pytest.mark.parametrize(
    "value",
    [1767225600, "1767225600", "2026-01-05T00:00:00Z", "2026-01-05T00:00:00", "2026-W01-1", "2026-005", "20260105",
     "٢٠٢٦-٠١-٠٥", " 2026-01-05", "2026-1-5", "2026-02-30", True, None],
)  # fmt: skip
def test_a_date_is_an_iso_date_only(value: Any) -> None:
    with pytest.raises(ValidationError):
        DATE.validate_python(value)


def test_an_iso_date_in_range_is_a_date() -> None:
    assert DATE.validate_python("2026-01-05") == dt.date(2026, 1, 5)
    assert error_type(DATE, "1899-12-31") == "value_error"


class Example(InputSchema):
    name: Text100 = ""
    count: int = 0
    flag: bool = False
    description: Omittable[Text100] = None


def test_an_input_schema_refuses_unknown_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        Example.model_validate({"name": "x", "zz_unknown": 1})
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [(("zz_unknown",), "extra_forbidden")]


@pytest.mark.parametrize("data", [{"count": "5"}, {"count": 5.0}, {"count": True}, {"flag": 1}, {"flag": "true"}])
def test_an_input_schema_does_not_coerce(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Example.model_validate(data)


def test_an_omittable_field_may_be_left_out_but_not_null() -> None:
    assert Example.model_validate({}).model_dump(exclude_unset=True) == {}
    assert Example.model_validate({"description": ""}).description == ""
    assert error_type(TypeAdapter(Example), {"description": None}) == "not_null"


def test_an_input_schema_shows_no_additional_properties_and_no_null_for_omittable_fields() -> None:
    schema = Example.model_json_schema()
    assert schema["additionalProperties"] is False
    assert schema["properties"]["description"].get("type") == "string"


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x80", "\x85", "\x9f"])
def test_a_text_has_no_control_characters_c1_included(char: str) -> None:
    assert error_type(TypeAdapter(Text100), f"a{char}b") == "string_control_characters"


def test_a_text_may_hold_tabs_line_breaks_and_any_printable_letter() -> None:
    assert TypeAdapter(Text100).validate_python("Line 1\n\tLine 2\r\n é ß 中 ١٢٣") == "Line 1\n\tLine 2\r\n é ß 中 ١٢٣"
