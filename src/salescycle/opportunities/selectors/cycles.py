"""Reads of sales cycles for the rules: the engine's view of a cycle and Marketing Setup's default cycle."""

from __future__ import annotations

from typing import Any

from salescycle.core.prepared import Prepared, first_of
from salescycle.opportunities import engine
from salescycle.opportunities.models import MarketingSetup, SalesCycle, SalesCycleStage

# Rows, not model instances: the engine's view needs only these columns, read on every move (issue #13 item 9).
_CYCLE: Prepared[tuple[str, str]] = Prepared(
    lambda code: first_of(SalesCycle.objects.filter(code=code).values_list("code", "probability_calculation")), str
)
# (column, the engine.Stage field it fills)
_STAGE_COLUMNS = (
    ("stage", "stage"),
    ("description", "description"),
    ("completed_pct", "completed_pct"),
    ("chances_of_success_pct", "chances_of_success_pct"),
    ("date_formula", "date_formula"),
    ("quote_required", "quote_required"),
    ("allow_skip", "allow_skip"),
    ("activity_id", "activity_code"),
)
_STAGES: Prepared[tuple[Any, ...]] = Prepared(
    lambda code: (
        SalesCycleStage.objects.filter(sales_cycle_id=code)
        .order_by("stage")
        .values_list(*(column for column, _field in _STAGE_COLUMNS))
    ),
    str,
)


def load_cycle(code: str | None) -> engine.Cycle | None:
    """The engine's view of sales cycle ``code`` with its stages (one query each), or None when ``code`` is blank or
    no such cycle exists."""
    if not code:
        return None
    cycle = _CYCLE.first(code)
    if cycle is None:
        return None
    stages = _STAGES(code)
    code, probability_calculation = cycle
    return engine.Cycle(
        code=code,
        probability_calculation=probability_calculation,
        stages=tuple(
            engine.Stage(**{field: value for (_column, field), value in zip(_STAGE_COLUMNS, row, strict=True)})
            for row in stages
        ),
    )


def default_sales_cycle_code() -> str | None:
    """Marketing Setup's default sales cycle when it exists and is not blocked, else None (spec §2.1)."""
    setup = MarketingSetup.objects.select_related("default_sales_cycle").filter(id=1).first()
    if setup is None or setup.default_sales_cycle is None or setup.default_sales_cycle.blocked:
        return None
    return setup.default_sales_cycle.code
