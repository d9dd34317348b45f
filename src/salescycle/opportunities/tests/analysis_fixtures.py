"""A small entry ledger written row by row for the analysis tests (api.md "Analysis"), with every figure chosen so
that the expected answers can be worked out by hand (see the tests' comments).

Rows are written directly (``make_*`` style, not through the services) so that each entry's date, stage and
values are exactly the ones the worked numbers use; :func:`ledger` keeps the ledger's invariants (one active entry,
the latest; Days Open; previous stage; closing entries at stage 0 with their Date Closed).

The world (sales cycle ``CAL``: stage 1 "Initial" 10 %, 2 "Presentation" 50 %, 3 "Proposal" 70 %):

====  ===========  ==============  ====================================================================
no.   salesperson  contact         entries (date, action, stage, estimated value / calcd. current value,
                                   estimated close date)
====  ===========  ==============  ====================================================================
OP1   AN           P1 (of K1),     01-05 first 1  1000/100  03-31;  02-10 next 2  1000/500  03-31
                   campaign CP1
OP2   AN           K1              01-10 first 1  2000/200  02-15;  03-01 jumped 3  2000/1400  04-10;
                                   03-20 won  2000/2100
OP3   BE           K2              01-20 first 1  500/50  01-31;  02-01 next 2  500/250  02-28;
                                   02-15 previous 1  500/50  04-30
OP4   BE           K2              02-01 first 1  300/30  05-01;  02-20 lost  300/0
====  ===========  ==============  ====================================================================

All dates are in 2026.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from salescycle import testing
from salescycle.contacts.models import Campaign
from salescycle.opportunities.models import Opportunity, OpportunityEntry

CYCLE = "CAL"


def d(month: int, day: int) -> dt.date:
    """A date of 2026."""
    return dt.date(2026, month, day)


@dataclass(frozen=True)
class Step:
    """One entry of a ledger: ``action`` at ``stage`` on ``on`` with its values (LCY) and Estimated Close Date."""

    on: dt.date
    action: str
    stage: int
    value: str
    current: str
    close: dt.date | None = None


def ledger(no: str, *, contact: Any, salesperson: Any, steps: list[Step], campaign: Any = None) -> Opportunity:
    """Opportunity ``no`` of cycle :data:`CYCLE` with the entries ``steps`` (oldest first; the last is active)."""
    last = steps[-1]
    closing = last.action in ("won", "lost")
    opportunity = Opportunity.objects.create(
        no=no,
        description=f"Opportunity {no}",
        salesperson=salesperson,
        campaign=campaign,
        contact=contact,
        contact_company_id=contact.company_id,
        sales_cycle_id=CYCLE,
        creation_date=steps[0].on,
        status=last.action if closing else "in_progress",
        closed=closing,
        date_closed=last.on if closing else None,
        current_sales_cycle_stage=last.stage,
        estimated_value=Decimal(last.value),
        calculated_current_value=Decimal(last.current),
        # The copy of the active entry's Estimated Close Date (ledger.FIGURES), which the list's drill-downs read.
        estimated_closing_date=last.on if closing else last.close,
    )
    previous_stage = 0
    for i, step in enumerate(steps):
        following = steps[i + 1].on if i + 1 < len(steps) else None
        step_closing = step.action in ("won", "lost")
        OpportunityEntry.objects.create(
            opportunity=opportunity,
            sales_cycle_id=CYCLE,
            sales_cycle_stage=step.stage,
            previous_sales_cycle_stage=previous_stage,
            contact=contact,
            contact_company_id=contact.company_id,
            salesperson=salesperson,
            campaign=campaign,
            date_of_change=step.on,
            active=following is None,
            date_closed=step.on if step_closing else None,
            days_open=(following - step.on).days if following else 0,
            action_taken=step.action,
            estimated_value=Decimal(step.value),
            calculated_current_value=Decimal(step.current),
            estimated_close_date=step.on if step_closing else step.close,
        )
        previous_stage = step.stage
    return opportunity


@dataclass(frozen=True)
class World:
    """The records of the worked example (module docstring)."""

    an: Any
    be: Any
    k1: Any
    p1: Any
    k2: Any
    cp1: Any


def make_world() -> World:
    """Write the worked example of the module docstring."""
    testing.make_cycle(
        CYCLE,
        stages=[
            {"stage": 1, "description": "Initial", "chances_of_success_pct": "10"},
            {"stage": 2, "description": "Presentation", "chances_of_success_pct": "50"},
            {"stage": 3, "description": "Proposal", "chances_of_success_pct": "70"},
        ],
    )
    an = testing.make_salesperson("AN", name="Anna")
    be = testing.make_salesperson("BE", name="Bert")
    k1 = testing.make_company("K1", name="Kappa One")
    p1 = testing.make_person(k1, "P1", name="Paula")
    k2 = testing.make_company("K2", name="=Kappa Two")  # a name a spreadsheet would read as a formula
    cp1 = Campaign.objects.create(no="CP1", description="Spring")
    ledger(
        "OP1",
        contact=p1,
        salesperson=an,
        campaign=cp1,
        steps=[
            Step(d(1, 5), "first", 1, "1000", "100", d(3, 31)),
            Step(d(2, 10), "next", 2, "1000", "500", d(3, 31)),
        ],
    )
    ledger(
        "OP2",
        contact=k1,
        salesperson=an,
        steps=[
            Step(d(1, 10), "first", 1, "2000", "200", d(2, 15)),
            Step(d(3, 1), "jumped", 3, "2000", "1400", d(4, 10)),
            Step(d(3, 20), "won", 0, "2000", "2100"),
        ],
    )
    ledger(
        "OP3",
        contact=k2,
        salesperson=be,
        steps=[
            Step(d(1, 20), "first", 1, "500", "50", d(1, 31)),
            Step(d(2, 1), "next", 2, "500", "250", d(2, 28)),
            Step(d(2, 15), "previous", 1, "500", "50", d(4, 30)),
        ],
    )
    ledger(
        "OP4",
        contact=k2,
        salesperson=be,
        steps=[
            Step(d(2, 1), "first", 1, "300", "30", d(5, 1)),
            Step(d(2, 20), "lost", 0, "300", "0"),
        ],
    )
    return World(an, be, k1, p1, k2, cp1)
