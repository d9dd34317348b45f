"""The bulk writers' own I/O (``demo/bulk.py``): customers numbered by the number series like the services."""

from __future__ import annotations

import pytest

from salescycle import testing
from salescycle.contacts.models import Customer
from salescycle.core.errors import DomainError
from salescycle.core.models import NumberSeries
from salescycle.demo.bulk import ensure_customers

pytestmark = pytest.mark.django_db


def test_ensure_customers_numbers_in_contact_order_and_skips_numbers_taken_by_hand() -> None:
    for no in ("CT-B", "CT-A", "CT-C"):
        testing.make_company(no, name=f"Company {no}")
    Customer.objects.create(no="CU000002", name="By hand", contact_id="CT-C")

    created = ensure_customers(["CT-B", "CT-A", "CT-C", "CT-A"])

    assert created == 2  # CT-C is a customer already
    assert sorted(Customer.objects.values_list("contact_id", "no", "name")) == [
        ("CT-A", "CU000001", "Company CT-A"),
        ("CT-B", "CU000003", "Company CT-B"),
        ("CT-C", "CU000002", "By hand"),
    ]
    assert NumberSeries.objects.get(code="customer").last_no_used == 3


def test_ensure_customers_refuses_a_series_that_gives_bad_keys() -> None:
    testing.make_company("CT-A")
    NumberSeries.objects.filter(code="customer").update(prefix="CU/")

    with pytest.raises(DomainError) as caught:
        ensure_customers(["CT-A"])

    assert caught.value.code == "setup.number_series_invalid"
    assert not Customer.objects.exists()
