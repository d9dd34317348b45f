"""A small world for the charts and the dashboard (issue #14 items 2 and 5), written row by row so that every figure
can be worked out by hand (the tests' comments do). WorkDate 2026-03-10; sales cycle ``FUN``: 1 Lead, 2 Offer,
3 Deal. Teams: NORTH = AH, JO and MG (the Sales Manager Mia's own salesperson record); SOUTH = SU.

====  ==  ===========  =====  ===========  ===========  ==========  ==========  ===========
no.   sp  status       stage  est. value   calc. value  est. close  created     date closed
====  ==  ===========  =====  ===========  ===========  ==========  ==========  ===========
A1    AH  in_progress  1      1000.10      100.01       2026-03-20  2026-01-05
A2    AH  in_progress  2      2000.20      1000.10      2026-04-15  2026-02-01
A3    AH  in_progress  2      500.05       250.03       2026-03-01  2026-02-15
A4    AH  won                 3000         3000                     2026-01-10  2026-03-05
A5    AH  lost                700          0                        2026-01-12  2026-02-20
A6    AH  not_started         0            0                        2026-03-08
J1    JO  in_progress  3      4000         2800         2026-02-28  2026-04-02
J2    JO  lost                100          0                        2026-01-01  2026-03-31
S1    SU  in_progress  1      9000         900          2026-03-15  2026-01-20
S2    SU  won                 50           50                       2026-01-01  2026-03-01
====  ==  ===========  =====  ===========  ===========  ==========  ==========  ===========

Open tasks (not closed): T1 AH 03-10, T2 AH 03-01, T3 AH 03-11 (not due yet), T5 JO 03-05, T6 SU 03-09; closed: T4
AH 03-01.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from salescycle import testing
from salescycle.contacts.models import Team
from salescycle.core.workdate import set_work_date
from salescycle.opportunities.models import Opportunity
from salescycle.tasks.models import Task

WORK_DATE = dt.date(2026, 3, 10)
STAGES = {1: "Lead", 2: "Offer", 3: "Deal"}

ROWS: list[tuple[str, str, str, int, str, str, str | None, str, str | None]] = [
    # no, salesperson, status, stage, estimated, calculated, closing, created, closed
    ("A1", "AH", "in_progress", 1, "1000.10", "100.01", "2026-03-20", "2026-01-05", None),
    ("A2", "AH", "in_progress", 2, "2000.20", "1000.10", "2026-04-15", "2026-02-01", None),
    ("A3", "AH", "in_progress", 2, "500.05", "250.03", "2026-03-01", "2026-02-15", None),
    ("A4", "AH", "won", 0, "3000", "3000", None, "2026-01-10", "2026-03-05"),
    ("A5", "AH", "lost", 0, "700", "0", None, "2026-01-12", "2026-02-20"),
    ("A6", "AH", "not_started", 0, "0", "0", None, "2026-03-08", None),
    ("J1", "JO", "in_progress", 3, "4000", "2800", "2026-02-28", "2026-04-02", None),
    ("J2", "JO", "lost", 0, "100", "0", None, "2026-01-01", "2026-03-31"),
    ("S1", "SU", "in_progress", 1, "9000", "900", "2026-03-15", "2026-01-20", None),
    ("S2", "SU", "won", 0, "50", "50", None, "2026-01-01", "2026-03-01"),
]

TASKS: list[tuple[str, str, str, bool]] = [
    ("T1", "AH", "2026-03-10", False),
    ("T2", "AH", "2026-03-01", False),
    ("T3", "AH", "2026-03-11", False),
    ("T4", "AH", "2026-03-01", True),
    ("T5", "JO", "2026-03-05", False),
    ("T6", "SU", "2026-03-09", False),
]


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def chart_world() -> dict[str, Any]:
    """The world of the module docstring; the users: ``annette`` (Salesperson AH), ``sue`` (Salesperson SU),
    ``mia`` (Sales Manager, salesperson MG in NORTH), ``admin`` (Administrator), each with WorkDate 2026-03-10."""
    testing.make_cycle("FUN", stages=[{"stage": s, "description": d} for s, d in STAGES.items()])
    north = Team.objects.create(code="NORTH", name="North")
    south = Team.objects.create(code="SOUTH", name="South")
    people = {
        code: testing.make_salesperson(code, name=name)
        for code, name in (("AH", "Annette Hill"), ("JO", "Jo Otis"), ("SU", "Sue Up"), ("MG", "Mia Gold"))
    }
    for code in ("AH", "JO", "MG"):
        people[code].teams.add(north)
    people["SU"].teams.add(south)
    company = testing.make_company("C-CHART", name="Chart Ltd")
    for no, sp, status, stage, estimated, calculated, closing, created, closed in ROWS:
        Opportunity.objects.create(
            no=no,
            description=f"Deal {no}",
            salesperson=people[sp],
            contact=company,
            contact_company=company,
            sales_cycle_id="FUN",
            creation_date=dt.date.fromisoformat(created),
            status=status,
            closed=closed is not None,
            date_closed=_date(closed),
            current_sales_cycle_stage=stage,
            current_stage_description=STAGES.get(stage, ""),
            estimated_value=Decimal(estimated),
            calculated_current_value=Decimal(calculated),
            estimated_closing_date=_date(closing),
        )
    for task_no, code, day, done in TASKS:
        Task.objects.create(
            no=task_no,
            description=f"Task {task_no}",
            date=dt.date.fromisoformat(day),
            salesperson=people[code],
            closed=done,
            date_closed=dt.date.fromisoformat(day) if done else None,
        )
    users = {
        "annette": testing.make_user("annette", role="Salesperson", salesperson=people["AH"]),
        "sue": testing.make_user("sue", role="Salesperson", salesperson=people["SU"]),
        "mia": testing.make_user("mia", role="Sales Manager", salesperson=people["MG"]),
        "admin": testing.make_user("admin", role="Administrator"),
    }
    for user in users.values():
        set_work_date(user, WORK_DATE)
    return users
