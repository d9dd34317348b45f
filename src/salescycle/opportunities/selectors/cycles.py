"""Reads of sales cycles for the rules: the engine's view of a cycle and Marketing Setup's default cycle."""

from __future__ import annotations

from salescycle.core.prepared import Prepared, first_of
from salescycle.opportunities import engine
from salescycle.opportunities.models import MarketingSetup, SalesCycle, SalesCycleStage

_CYCLE: Prepared[SalesCycle] = Prepared(lambda code: first_of(SalesCycle.objects.filter(code=code)), str)
_STAGES: Prepared[SalesCycleStage] = Prepared(
    lambda code: SalesCycleStage.objects.filter(sales_cycle_id=code).order_by("stage"), str
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
    return engine.Cycle(
        code=cycle.code,
        probability_calculation=cycle.probability_calculation,
        stages=tuple(
            engine.Stage(
                stage=s.stage,
                description=s.description,
                completed_pct=s.completed_pct,
                chances_of_success_pct=s.chances_of_success_pct,
                date_formula=s.date_formula,
                quote_required=s.quote_required,
                allow_skip=s.allow_skip,
                activity_code=s.activity_id,
            )
            for s in stages
        ),
    )


def default_sales_cycle_code() -> str | None:
    """Marketing Setup's default sales cycle when it exists and is not blocked, else None (spec §2.1)."""
    setup = MarketingSetup.objects.select_related("default_sales_cycle").filter(id=1).first()
    if setup is None or setup.default_sales_cycle is None or setup.default_sales_cycle.blocked:
        return None
    return setup.default_sales_cycle.code
