"""Fixtures of the sales service tests: the §7 demo setup and named personas.

Annette (salesperson ``AH``) sells to Cronus (company ``CT-CRONUS``, not yet a customer) and its buyer Linda (person
``CT-LINDA``). ``START`` (2026-01-05, a Monday) is the creation date and WorkDate the tests pass explicitly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.opportunities.engine import UpdateRequest
from salescycle.opportunities.models import Opportunity, OpportunityEntry
from salescycle.opportunities.services import update_opportunity

START = dt.date(2026, 1, 5)


def D(value: str | int) -> Decimal:
    """A Decimal from text or an int (never a float)."""
    return Decimal(str(value))


def day(offset: int) -> dt.date:
    """``START`` + ``offset`` days."""
    return START + dt.timedelta(days=offset)


def move(no: str, action: str, **request: Any) -> Opportunity:
    """``update_opportunity`` with an ``UpdateRequest(action, **request)``."""
    return update_opportunity(
        no, request=UpdateRequest(action, **request), work_date=request.get("date_of_change"), by=SYSTEM
    )


def entries_of(no: str) -> list[OpportunityEntry]:
    """The opportunity's entries in entry order."""
    return list(OpportunityEntry.objects.filter(opportunity_id=no).order_by("entry_no"))


@pytest.fixture
def demo(db: Any) -> None:
    """The spec §7 setup: cycles EXISTING and NEW (default), activities with steps, close codes, number series."""
    testing.demo_setup()


@pytest.fixture
def salesperson(demo: None) -> Any:
    return testing.make_salesperson("AH", name="Annette Hill")


@pytest.fixture
def company(demo: None) -> Any:
    return testing.make_company("CT-CRONUS", name="Cronus Ltd")


@pytest.fixture
def person(company: Any) -> Any:
    return testing.make_person(company, "CT-LINDA", name="Linda Martin")


@pytest.fixture
def opportunity(company: Any, salesperson: Any) -> Opportunity:
    """OP000001 for Cronus on cycle NEW, In Progress at stage 1 (value 10000, chances 10, closing START+30)."""
    return testing.create_opportunity(company, salesperson, activate=True, value="10000", chances="10")
