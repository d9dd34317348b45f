"""The demo data of ``salescycle load-demo``: the spec §7 setup plus salespeople, contacts and opportunities.

The opportunities carry the numbers and outcomes of spec §7 (OP100015–OP100019 Won, OP100022–OP100026 In Progress
at stage 1, OP100027 Not Started, OP100037–OP100039 Lost on NEW, OP100040 Lost on EXISTING) and are made through
the services (:func:`create_opportunity`, :func:`update_opportunity`, :func:`close_opportunity`) with explicit
dates counted back from a base date, so every rule, entry, task and customer is exactly what a user would get.

Unlike the BC demo (OP100015 reaches EXISTING stage 4 before it is won), the histories stay in the stages that need
no sales quote (EXISTING 1–2, NEW 1–2) and close from there: stages 3 and up are Quote Required and can only be
entered by Next or Skip with a linked sales quote, and the demo has no sales documents.

:func:`load_demo` is idempotent: setup, salespeople and contacts are got-or-created, and an opportunity whose number
exists is left alone, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from salescycle.contacts.models import Contact, ContactType, Salesperson
from salescycle.core.actors import SYSTEM
from salescycle.demo.setup_data import install_demo_setup
from salescycle.opportunities import engine
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.services import (
    Estimates,
    close_opportunity,
    create_opportunity,
    update_opportunity,
)

# code: name (as Business Central's demo salespeople)
SALESPEOPLE = {"JO": "Jim Olive", "OF": "Otis Falls", "PS": "Peter Saddow"}

# (no, name, salesperson, city, country)
COMPANIES = [
    ("CT100001", "Adatum Corporation", "JO", "Atlanta", "US"),
    ("CT100002", "Trey Research", "OF", "Chicago", "US"),
    ("CT100003", "School of Fine Art", "PS", "Miami", "US"),
    ("CT100004", "Alpine Ski House", "JO", "Oslo", "NO"),
    ("CT100005", "Relecloud", "OF", "Helsinki", "FI"),
]

# (no, name, company no.)
PERSONS = [
    ("CT100011", "Robert Townes", "CT100001"),
    ("CT100012", "Helen Ray", "CT100002"),
    ("CT100013", "Meagan Bond", "CT100003"),
    ("CT100014", "Ian Deberry", "CT100004"),
    ("CT100015", "Jesse Homer", "CT100005"),
]


@dataclass(frozen=True)
class Step:
    """One action of a demo history, ``days`` before the base date.

    ``kind`` is ``next``, ``won`` or ``lost``; ``value``/``chances`` are the Next estimates (LCY, %), ``value`` the
    sales value of a Won close; ``code`` the close opportunity code."""

    kind: str
    days: int
    value: str = "0"
    chances: str = "0"
    code: str = ""


@dataclass(frozen=True)
class DemoOpportunity:
    """A demo opportunity: created ``days`` before the base date, activated with ``value``/``chances`` unless
    ``activate`` is off, then moved through ``steps``."""

    no: str
    cycle: str
    contact: str
    salesperson: str
    description: str
    days: int
    value: str = "0"
    chances: str = "10"
    activate: bool = True
    steps: tuple[Step, ...] = ()


OPPORTUNITIES = [
    DemoOpportunity(
        "OP100015", "EXISTING", "CT100011", "JO", "Furniture for the new office", 90, "10000",
        steps=(Step("next", 75, "9000", "30"), Step("won", 40, "9000", code="BUSINESS_W")),
    ),
    DemoOpportunity(
        "OP100016", "EXISTING", "CT100002", "OF", "Conference room setup", 80, "5000",
        steps=(Step("next", 60, "6000", "40"), Step("won", 30, "6000", code="PRICE_W")),
    ),
    DemoOpportunity(
        "OP100017", "EXISTING", "CT100013", "PS", "Classroom chairs", 70, "2500",
        steps=(Step("next", 50, "2500", "40"), Step("won", 20, "2500", code="PRODUCT_W")),
    ),
    DemoOpportunity(
        "OP100018", "NEW", "CT100004", "JO", "Reception desk", 60, "7500",
        steps=(Step("next", 45, "7500", "20"), Step("won", 15, "7500", code="RELATION_W")),
    ),
    DemoOpportunity(
        "OP100019", "EXISTING", "CT100015", "OF", "Storage solution", 50, "3200",
        steps=(Step("won", 10, "3200", code="SALESREP_W"),),
    ),
    DemoOpportunity("OP100022", "NEW", "CT100001", "JO", "Lobby furniture", 20, "4000"),
    DemoOpportunity("OP100023", "NEW", "CT100012", "OF", "Laboratory benches", 15, "12000"),
    DemoOpportunity("OP100024", "EXISTING", "CT100003", "PS", "Art supplies cabinets", 10, "1800"),
    DemoOpportunity("OP100025", "NEW", "CT100014", "JO", "Ski lodge seating", 7, "9500"),
    DemoOpportunity("OP100026", "NEW", "CT100005", "OF", "Open-plan workstations", 3, "15000"),
    DemoOpportunity("OP100027", "NEW", "CT100011", "PS", "Meeting room chairs", 1, activate=False),
    DemoOpportunity(
        "OP100037", "NEW", "CT100012", "OF", "Office chairs", 100, "450",
        steps=(Step("lost", 85, code="BUSINESS_L"),),
    ),
    DemoOpportunity(
        "OP100038", "NEW", "CT100013", "PS", "Whiteboards", 95, "1200",
        steps=(Step("next", 80, "1200", "20"), Step("lost", 60, code="PRICE_L")),
    ),
    DemoOpportunity(
        "OP100039", "NEW", "CT100014", "JO", "Waiting area sofas", 65, "3000",
        steps=(Step("next", 50, "3000", "20"), Step("lost", 25, code="PRODUCT_L")),
    ),
    DemoOpportunity(
        "OP100040", "EXISTING", "CT100001", "JO", "Canteen tables", 55, "8000",
        steps=(Step("next", 40, "8000", "40"), Step("lost", 12, code="TIMEWST_L")),
    ),
]  # fmt: skip

ESTIMATE_DAYS = 30  # estimated closing date = date of the action + 30 days


@dataclass(frozen=True)
class DemoResult:
    """How many salespeople, contacts and opportunities :func:`load_demo` created."""

    salespeople: int
    contacts: int
    opportunities: int


@transaction.atomic
def load_demo(base_date: dt.date) -> DemoResult:
    """Install the spec §7 setup, the demo salespeople and contacts, and the demo opportunities with their histories
    dated back from ``base_date``. Idempotent (see module docstring). Raises a ``DomainError`` if a service refuses
    a step (a bug in the demo data)."""
    install_demo_setup()
    salespeople = sum(
        Salesperson.objects.get_or_create(code=code, defaults={"name": name})[1] for code, name in SALESPEOPLE.items()
    )
    contacts = 0
    for no, name, salesperson, city, country in COMPANIES:
        contacts += Contact.objects.get_or_create(
            no=no,
            defaults={
                "type": ContactType.COMPANY,
                "company_id": no,
                "name": name,
                "salesperson_id": salesperson,
                "city": city,
                "country_code": country,
            },
        )[1]
    for no, name, company in PERSONS:
        contacts += Contact.objects.get_or_create(
            no=no,
            defaults={
                "type": ContactType.PERSON,
                "company_id": company,
                "name": name,
                "salesperson_id": Contact.objects.filter(no=company).values_list("salesperson_id", flat=True).first(),
            },
        )[1]
    existing = set(Opportunity.objects.filter(no__in=[o.no for o in OPPORTUNITIES]).values_list("no", flat=True))
    created = 0
    for demo in OPPORTUNITIES:
        if demo.no not in existing:
            _create(demo, base_date)
            created += 1
    return DemoResult(salespeople=salespeople, contacts=contacts, opportunities=created)


def _create(demo: DemoOpportunity, base_date: dt.date) -> None:
    created = base_date - dt.timedelta(days=demo.days)
    create_opportunity(
        no=demo.no,
        description=demo.description,
        contact_no=demo.contact,
        salesperson_code=demo.salesperson,
        sales_cycle_code=demo.cycle,
        creation_date=created,
        activate_first_stage=demo.activate,
        estimates=Estimates(Decimal(demo.value), Decimal(demo.chances), created + dt.timedelta(days=ESTIMATE_DAYS))
        if demo.activate
        else None,
        work_date=created,
        by=SYSTEM,
    )
    for step in demo.steps:
        when = base_date - dt.timedelta(days=step.days)
        if step.kind == "next":
            update_opportunity(
                demo.no,
                request=engine.UpdateRequest(
                    engine.ActionType.NEXT,
                    date_of_change=when,
                    estimated_value=Decimal(step.value),
                    chances_of_success_pct=Decimal(step.chances),
                    estimated_close_date=when + dt.timedelta(days=ESTIMATE_DAYS),
                ),
                work_date=when,
                by=SYSTEM,
            )
        else:
            close_opportunity(
                demo.no,
                outcome=step.kind,
                close_opportunity_code=step.code,
                date_closed=when,
                sales_value=Decimal(step.value) if step.kind == "won" else None,
                work_date=when,
                by=SYSTEM,
            )
