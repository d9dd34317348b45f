"""Shared builders for the pure engine tests: the Contoso demo cycles of spec §7 and small helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from salescycle.opportunities.choices import ActionTaken, ProbabilityCalculation
from salescycle.opportunities.engine import Cycle, EntryState, Stage

WORK_DATE = dt.date(2024, 5, 15)  # a Wednesday


def D(value: str | int) -> Decimal:
    """A Decimal from text or an int (never a float)."""
    return Decimal(str(value))


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def stage(
    number: int,
    completed: str | int,
    chances: str | int,
    *,
    quote: bool = False,
    skip: bool = False,
    formula: str = "",
    description: str = "",
    activity: str | None = None,
) -> Stage:
    return Stage(
        stage=number,
        description=description or f"Stage {number}",
        completed_pct=D(completed),
        chances_of_success_pct=D(chances),
        date_formula=formula,
        quote_required=quote,
        allow_skip=skip,
        activity_code=activity,
    )


def existing_cycle(formulas: dict[int, str] | None = None) -> Cycle:
    """Demo cycle EXISTING (§7), Completed % method; ``formulas`` optionally gives stages date formulas."""
    f = formulas or {}
    return Cycle(
        code="EXISTING",
        probability_calculation=ProbabilityCalculation.COMPLETED,
        stages=(
            Stage(1, "Initial", D(2), D(10), f.get(1, ""), False, True, "INIT"),
            Stage(2, "Presentation", D(50), D(40), f.get(2, ""), False, True, "P-WORK"),
            Stage(3, "Proposal", D(80), D(80), f.get(3, ""), True, False, "PROPOSAL"),
            Stage(4, "Sign Contract", D(95), D(100), f.get(4, ""), True, False, "SIGN"),
        ),
    )


def new_cycle(formulas: dict[int, str] | None = None) -> Cycle:
    """Demo cycle NEW (§7), Chances of Success % method; ``formulas`` optionally gives stages date formulas."""
    f = formulas or {}
    return Cycle(
        code="NEW",
        probability_calculation=ProbabilityCalculation.CHANCES_OF_SUCCESS,
        stages=(
            Stage(1, "Initial", D(2), D(10), f.get(1, ""), False, False, "INIT"),
            Stage(2, "Qualification", D(5), D(20), f.get(2, ""), False, False, "QUAL"),
            Stage(3, "Presentation", D(40), D(50), f.get(3, ""), True, True, "P-WORK"),
            Stage(4, "Proposal", D(60), D(75), f.get(4, ""), True, False, "PROPOSAL"),
            Stage(5, "Sign Contract", D(95), D(100), f.get(5, ""), True, False, "SIGN"),
        ),
    )


EXISTING = existing_cycle()
NEW = new_cycle()
EMPTY = Cycle(code="EMPTY", probability_calculation=ProbabilityCalculation.MULTIPLY, stages=())


def at(
    stage_no: int,
    date_of_change: dt.date = WORK_DATE,
    *,
    value: str | int = 10000,
    chances: str | int = 30,
    close: dt.date | None = None,
    taken: str = ActionTaken.NEXT,
) -> EntryState:
    """An active entry sitting on ``stage_no``."""
    return EntryState(
        sales_cycle_stage=stage_no,
        date_of_change=date_of_change,
        estimated_value=D(value),
        chances_of_success_pct=D(chances),
        estimated_close_date=close if close is not None else date_of_change + dt.timedelta(days=30),
        action_taken=taken,
    )
