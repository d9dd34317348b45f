"""Pure row builders of the tasks an opportunity's entries create and cancel (spec §4.9.1–§4.9.2).

No ORM and no I/O: plain values in, dicts keyed by the ``Task`` model's attribute names out, so that the services
write one entry's tasks with ``Task(**row)`` (:mod:`salescycle.tasks.services`) and the bulk writers write millions
of them as raw rows (:mod:`salescycle.demo.bulk`, through :mod:`salescycle.opportunities.ledger`) from the same
builder. The rows hold every column but ``no`` (from the ``task`` number series) and ``created_at`` (a timestamp).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from salescycle.core.dates import calc_date

# The one import of the task enumerations' values in this module (their home may move out of models.py).
from salescycle.tasks.models import Priority, TaskStatus

STAGE_TASK_MINUTES = 1440  # stage tasks last one day (spec §2.8 Duration)


@dataclass(frozen=True)
class StepTemplate:
    """An activity step as the stage-task builder reads it (spec §2.7): ``type`` and ``priority`` are the stored
    values of the Task Type and Priority enumerations, ``date_formula`` is in BC syntax."""

    type: str
    description: str
    priority: str
    date_formula: str


def stage_task_rows(
    steps: Sequence[StepTemplate],
    *,
    date_of_change: dt.date,
    opportunity_no: str,
    opportunity_entry_no: int,
    salesperson_id: str | None,
    contact_id: str | None,
    contact_company_id: str | None,
    campaign_id: str | None,
    segment_id: str | None,
) -> list[dict[str, Any]]:
    """The stage tasks of a new opportunity entry, unnumbered, in step order.

    One task per activity step with the step's type, description and priority, dated CalcDate(step date formula,
    ``date_of_change``); an activity without steps (``steps`` empty) gives one task with blank type and description
    and Normal priority dated ``date_of_change``. Every task is Not Started, open, not recurring, lasts one day
    (:data:`STAGE_TASK_MINUTES`) and carries the opportunity's salesperson, contact, contact company, campaign and
    segment, the opportunity's number and ``opportunity_entry_no``. Each row holds every ``Task`` column except
    ``no`` and ``created_at``. Raises ``date_formula.invalid`` for a step formula CalcDate refuses.
    Implements spec §4.9.1.
    """
    specs = [(s.type, s.description, s.priority, _calc_date(s.date_formula, date_of_change)) for s in steps] or [
        ("", "", Priority.NORMAL, date_of_change)
    ]
    return [
        {
            "type": kind,
            "description": description,
            "date": date,
            "status": TaskStatus.NOT_STARTED,
            "priority": priority,
            "closed": False,
            "canceled": False,
            "date_closed": None,
            "recurring": False,
            "duration_minutes": STAGE_TASK_MINUTES,
            "salesperson_id": salesperson_id,
            "team_id": None,
            "contact_id": contact_id,
            "contact_company_id": contact_company_id,
            "campaign_id": campaign_id,
            "segment_id": segment_id,
            "opportunity_no": opportunity_no,
            "opportunity_entry_no": opportunity_entry_no,
            "version": 1,
        }
        for kind, description, priority, date in specs
    ]


@functools.lru_cache(maxsize=65536)
def _calc_date(formula: str, date: dt.date) -> dt.date:
    # Pure, and a few formulas over a few thousand dates repeat millions of times in a large load.
    result = calc_date(formula, date)
    assert result is not None  # a date in, a date out
    return result


def cancellation(on: dt.date) -> dict[str, Any]:
    """The columns an open task takes when the opportunity logic cancels it: not recurring, canceled, closed,
    status Completed, date closed ``on`` (the system date, not WorkDate); the writer also raises the task's
    ``version`` by one. Implements spec §4.9.2."""
    return {
        "recurring": False,
        "canceled": True,
        "closed": True,
        "status": TaskStatus.COMPLETED,
        "date_closed": on,
    }


def cancel_open(tasks: Iterable[dict[str, Any]], *, on: dt.date) -> None:
    """Cancel, in place, the open task rows among ``tasks`` (neither closed nor canceled): :func:`cancellation`
    ``(on)`` and ``version`` + 1, as ``tasks.services.cancel_open_tasks`` leaves them. Implements spec §4.9.2."""
    changes = cancellation(on)
    for task in tasks:
        if not task["closed"] and not task["canceled"]:
            task.update(changes)
            task["version"] += 1
