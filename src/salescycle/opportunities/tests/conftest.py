"""Fixtures and helpers for the service tests: the §7 demo setup, named personas, a fake sales-document lookup and
a whole-database snapshot.

Personas: Annette (salesperson ``AH``) sells to Cronus (company ``CT-CRONUS``) and its buyer Linda (person
``CT-LINDA``). Dates are fixed (January 2026, ``START`` is a Monday); service calls pass them explicitly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.opportunities import documents
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
    return update_opportunity(no, request=UpdateRequest(action, **request), by=SYSTEM)


def entries_of(no: str) -> list[OpportunityEntry]:
    """The opportunity's entries in entry order."""
    return list(OpportunityEntry.objects.filter(opportunity_id=no).order_by("entry_no"))


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of the tables a service may write, as plain dicts in key order (to assert "nothing changed")."""
    from salescycle.contacts.models import Contact, Customer
    from salescycle.core.models import NumberSeries
    from salescycle.opportunities.models import OpportunityComment, SalesCycle, SalesCycleStage
    from salescycle.tasks.models import Activity, ActivityStep, Task

    models: list[Any] = [
        Opportunity,
        OpportunityEntry,
        OpportunityComment,
        Task,
        Customer,
        NumberSeries,
        Contact,
        SalesCycle,
        SalesCycleStage,
        Activity,
        ActivityStep,
    ]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


class FakeDocuments:
    """A stand-in for the sales app's document lookup (the boundary of ``opportunities.documents``)."""

    def __init__(self) -> None:
        self.documents: dict[tuple[str, str], tuple[str, Decimal]] = {}
        self.quote_links: dict[str, str] = {}

    def add(self, document_type: str, no: str, *, contact_no: str, amount: str) -> None:
        self.documents[(document_type, no)] = (contact_no, D(amount))

    def exists(self, document_type: str, no: str, *, contact_no: str | None = None) -> bool:
        found = self.documents.get((document_type, no))
        return found is not None and (contact_no is None or found[0] == contact_no)

    def amount(self, document_type: str, no: str) -> Decimal | None:
        found = self.documents.get((document_type, no))
        return found[1] if found else None

    def set_quote_opportunity(self, quote_no: str, opportunity_no: str) -> None:
        self.quote_links[quote_no] = opportunity_no

    def set_quote_contact(self, quote_no: str, contact_no: str) -> None:
        found = self.documents.get(("quote", quote_no))
        if found is not None:
            self.documents[("quote", quote_no)] = (contact_no, found[1])


@pytest.fixture
def sales_documents(monkeypatch: pytest.MonkeyPatch) -> FakeDocuments:
    """Installs a fake sales-document lookup for the test (quotes and orders by number, with amounts)."""
    fake = FakeDocuments()
    monkeypatch.setattr(documents._registry, "lookup", fake)
    return fake


@pytest.fixture(scope="module")
def demo_once(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Installs the §7 demo setup once per test module, inside a transaction rolled back after the module; each
    test's own transaction (the ``db`` fixture) nests inside it as a savepoint. Saves ~60 ms per test."""
    with django_db_blocker.unblock(), transaction.atomic():
        testing.demo_setup()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_once: None, db: Any) -> None:
    """The spec §7 setup: cycles EXISTING and NEW (default), activities with steps, close codes, number series."""


@pytest.fixture
def salesperson(demo: None) -> Any:
    """Annette, an unblocked salesperson."""
    return testing.make_salesperson("AH", name="Annette Hill")


@pytest.fixture
def company(demo: None) -> Any:
    """Cronus, a company contact without salesperson."""
    return testing.make_company("CT-CRONUS", name="Cronus Ltd")


@pytest.fixture
def person(company: Any) -> Any:
    """Linda, a person working for Cronus."""
    return testing.make_person(company, "CT-LINDA", name="Linda Martin")


@pytest.fixture
def work_date() -> dt.date:
    """The WorkDate the tests pass to the services."""
    return START
