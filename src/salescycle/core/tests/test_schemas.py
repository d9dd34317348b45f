"""The API's hand-written text forms of decimals and timestamps equal the reference forms they replace."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from hypothesis import given
from hypothesis import strategies as st

from salescycle.core.money import normalize
from salescycle.core.schemas import datetime_text, decimal_text

AMOUNTS = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**15), max_value=10**15, places=5)


@given(AMOUNTS | st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**20), max_value=10**20, places=8))
def test_decimal_text_is_the_normalized_decimal_without_exponent(value: Decimal) -> None:
    # Every stored amount and percentage (at most 20 digits, D19). Beyond the decimal context's 28 digits
    # normalize() would round and decimal_text stays exact.
    assert decimal_text(value) == format(normalize(value), "f")


@given(
    st.datetimes(
        timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=2)), dt.timezone(dt.timedelta(hours=-5))])
    )
    | st.datetimes()
)
def test_datetime_text_is_what_djangos_json_encoder_writes(value: dt.datetime) -> None:
    assert datetime_text(value) == DjangoJSONEncoder().default(value)


def test_examples() -> None:
    assert decimal_text(Decimal("4150.00000")) == "4150"
    assert decimal_text(Decimal("12.34500")) == "12.345"
    assert decimal_text(Decimal("1E+3")) == "1000"
    assert datetime_text(dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)) == "2026-01-02T03:04:05.678Z"
