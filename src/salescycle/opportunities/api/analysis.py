"""Analysis endpoints (api.md "Analysis (from the entry ledger)", spec §5.7; issue #14 items 1 and 4): the
Opportunities matrix, the pipeline as of a date, movement between two dates, calibration of the stages' chances and
the forecast by closing period. Every one answers JSON, or CSV with ``Accept: text/csv`` or ``?format=csv``
(:mod:`salescycle.opportunities.analysis_tables`, the code path of the analysis pages' exports too: cells through
:mod:`salescycle.core.spreadsheet`, so no text is read as a formula)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Query, Schema
from pydantic import Field

from salescycle.core.dates import PeriodKind
from salescycle.core.http import ApiRequest
from salescycle.core.replicas import reads_from_replica
from salescycle.core.schemas import DateQuery, DecimalOut, KeyFilter, OneOf, with_errors
from salescycle.opportunities import analysis
from salescycle.opportunities import analysis_tables as tables
from salescycle.opportunities.api._shared import router
from salescycle.opportunities.choices import OpportunityStatus

TAGS = ["analysis"]
# A required sales cycle code (a query parameter): at least one character; looked up as stored.
CycleCode = Annotated[str, Field(min_length=1, max_length=10)]
Format = Literal["json", "csv"]
Columns = Annotated[int, Field(ge=1, le=32)]


# --- Query parameters ------------------------------------------------------------------------------------------


class AnalysisFilters(Schema):
    """The common filters (api.md "Analysis"); ``contact_no`` of a company covers its persons."""

    sales_cycle_code: KeyFilter = None
    salesperson_code: KeyFilter = None
    campaign_no: KeyFilter = None
    contact_no: KeyFilter = None
    format: Format | None = None

    def common(self) -> analysis.AnalysisFilter:
        """The selector's filter."""
        return analysis.AnalysisFilter(self.sales_cycle_code, self.salesperson_code, self.campaign_no, self.contact_no)


class AnalysisCycleFilters(AnalysisFilters):
    """The common filters with a required ``sales_cycle_code``."""

    sales_cycle_code: CycleCode


class AnalysisPeriodFilters(AnalysisFilters):
    """The common filters and the periods: ``period``, ``start`` (any date inside the first period, default the
    WorkDate), ``columns`` (1–32, default 12)."""

    period: PeriodKind = "month"
    start: DateQuery | None = None
    columns: Columns = 12


class AnalysisMatrixFilters(AnalysisPeriodFilters):
    """The matrix's parameters (spec §5.7)."""

    rows: analysis.MatrixRows = "salesperson"
    show: analysis.MatrixShow = "no_of_opportunities"
    status: Annotated[str, OneOf(OpportunityStatus.IN_PROGRESS, OpportunityStatus.WON, OpportunityStatus.LOST)] = (
        "in_progress"
    )
    rounding_factor: analysis.RoundingFactor = "none"
    close_opportunity_code: KeyFilter = None
    sales_cycle_stage: int | None = None


class AnalysisPipelineFilters(AnalysisCycleFilters):
    as_of: DateQuery | None = None


class AnalysisMovementFilters(AnalysisFilters):
    date_from: DateQuery
    date_to: DateQuery


# --- Answers -----------------------------------------------------------------------------------------------------

# A matrix value: a count (integer) or an amount (decimal string), null for zero.
CellOut = int | DecimalOut | None


class AnalysisPeriodOut(Schema):
    start: dt.date
    end: dt.date


class MatrixRowOut(Schema):
    key: str
    name: str
    cells: list[CellOut]
    total: CellOut


class MatrixTotalOut(Schema):
    cells: list[CellOut]
    total: CellOut


class MatrixOut(Schema):
    columns: list[AnalysisPeriodOut]
    rows: list[MatrixRowOut]
    total: MatrixTotalOut


class PipelineStageOut(Schema):
    stage: int
    description: str
    no_of_opportunities: int
    estimated_value: DecimalOut
    calculated_current_value: DecimalOut


class PipelineOut(Schema):
    as_of: dt.date
    sales_cycle_code: str
    no_of_opportunities: int
    estimated_value: DecimalOut
    calculated_current_value: DecimalOut
    stages: list[PipelineStageOut]


class PipelineFiguresOut(Schema):
    no_of_opportunities: int
    estimated_value: DecimalOut
    calculated_current_value: DecimalOut


class MovementCreatedOut(Schema):
    no_of_opportunities: int
    estimated_value: DecimalOut


class MovementWonOut(Schema):
    no_of_opportunities: int
    value: DecimalOut


class MovementLostOut(Schema):
    no_of_opportunities: int
    estimated_value: DecimalOut


class MovementOut(Schema):
    date_from: dt.date
    date_to: dt.date
    open_at_start: PipelineFiguresOut
    created: MovementCreatedOut
    advanced: int
    moved_back: int
    won: MovementWonOut
    lost: MovementLostOut
    open_at_end: PipelineFiguresOut


class CalibrationStageOut(Schema):
    stage: int
    description: str
    chances_of_success_pct: DecimalOut
    reached: int
    won: int
    win_rate_pct: DecimalOut | None


class CalibrationOut(Schema):
    sales_cycle_code: str
    stages: list[CalibrationStageOut]


class ForecastPeriodOut(Schema):
    start: dt.date
    end: dt.date
    no_of_opportunities: int
    estimated_value: DecimalOut
    calculated_current_value: DecimalOut
    won_count: int
    won_value: DecimalOut


class ForecastOut(Schema):
    periods: list[ForecastPeriodOut]


# --- CSV -----------------------------------------------------------------------------------------------------------


def _wants_csv(request: ApiRequest, format_: str | None) -> bool:
    """``?format=csv``, or ``Accept: text/csv`` without ``?format=json``."""
    if format_ is not None:
        return format_ == "csv"
    return "text/csv" in request.headers.get("Accept", "")


# --- Endpoints -----------------------------------------------------------------------------------------------------


@reads_from_replica
@router.get("/analysis/matrix", response=with_errors({200: MatrixOut}), tags=TAGS)
def analysis_matrix(request: ApiRequest, filters: Query[AnalysisMatrixFilters]) -> Any:
    """BC's Opportunities matrix (spec §5.7): rows by salesperson, contact or campaign, one column per period of the
    active entries' Estimated Close Date (api.md "Analysis")."""
    options = analysis.MatrixOptions(
        rows=filters.rows,
        show=filters.show,
        status=filters.status,  # type: ignore[arg-type]  # one of OneOf's values
        rounding_factor=filters.rounding_factor,
        close_opportunity_code=filters.close_opportunity_code,
        sales_cycle_stage=filters.sales_cycle_stage,
    )
    result = analysis.matrix(
        filters.common(),
        options,
        period=filters.period,
        start=filters.start,
        columns=filters.columns,
        user=request.auth,
    )
    if _wants_csv(request, filters.format):
        return tables.csv_response("opportunities-matrix", tables.matrix_table(result))
    return result


@reads_from_replica
@router.get("/analysis/pipeline", response=with_errors({200: PipelineOut}), tags=TAGS)
def analysis_pipeline(request: ApiRequest, filters: Query[AnalysisPipelineFilters]) -> Any:
    """The open pipeline of a sales cycle as it stood at the end of ``as_of`` (api.md "Analysis")."""
    result = analysis.pipeline_as_of(filters.sales_cycle_code, filters.as_of, filters.common(), user=request.auth)
    if _wants_csv(request, filters.format):
        return tables.csv_response("pipeline", tables.pipeline_table(result))
    return result


@reads_from_replica
@router.get("/analysis/movement", response=with_errors({200: MovementOut}), tags=TAGS)
def analysis_movement(request: ApiRequest, filters: Query[AnalysisMovementFilters]) -> Any:
    """What happened to the pipeline from ``date_from`` to ``date_to`` (api.md "Analysis")."""
    result = analysis.movement(filters.date_from, filters.date_to, filters.common(), user=request.auth)
    if _wants_csv(request, filters.format):
        return tables.csv_response("movement", tables.movement_table(result))
    return {
        "date_from": result.date_from,
        "date_to": result.date_to,
        "open_at_start": result.open_at_start,
        "created": {"no_of_opportunities": result.created.no_of_opportunities, "estimated_value": result.created.value},
        "advanced": result.advanced,
        "moved_back": result.moved_back,
        "won": result.won,
        "lost": {"no_of_opportunities": result.lost.no_of_opportunities, "estimated_value": result.lost.value},
        "open_at_end": result.open_at_end,
    }


@reads_from_replica
@router.get("/analysis/calibration", response=with_errors({200: CalibrationOut}), tags=TAGS)
def analysis_calibration(request: ApiRequest, filters: Query[AnalysisCycleFilters]) -> Any:
    """Each stage's Chances of Success % beside the win rate its closed opportunities achieved (api.md
    "Analysis")."""
    result = analysis.calibration(filters.sales_cycle_code, filters.common(), user=request.auth)
    if _wants_csv(request, filters.format):
        return tables.csv_response("calibration", tables.calibration_table(result))
    return result


@reads_from_replica
@router.get("/analysis/forecast", response=with_errors({200: ForecastOut}), tags=TAGS)
def analysis_forecast(request: ApiRequest, filters: Query[AnalysisPeriodFilters]) -> Any:
    """Open opportunities by Estimated Close Date and Won ones by Date Closed, per period (api.md "Analysis")."""
    result = analysis.forecast(
        filters.common(), period=filters.period, start=filters.start, columns=filters.columns, user=request.auth
    )
    if _wants_csv(request, filters.format):
        return tables.csv_response("forecast", tables.forecast_table(result))
    return result
