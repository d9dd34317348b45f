"""API schemas of opportunities, entries, update/close requests, sales cycles, stages, close codes, Marketing Setup,
interactions and statistics (spec api.md "Opportunities", "Setup", "Statistics")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypedDict

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field

from salescycle.core.schemas import (
    AmountIn,
    DateIn,
    DateTimeOut,
    DecimalOut,
    FilterExpression,
    InputSchema,
    Key,
    Key10,
    Omittable,
    OneOf,
    PercentIn,
    Text10,
    Text20,
    Text32,
    Text100,
    blank_to_none,
)
from salescycle.opportunities.choices import (
    ActionTaken,
    ActionType,
    CloseType,
    OpportunityStatus,
    ProbabilityCalculation,
    SalesDocumentType,
)
from salescycle.opportunities.selectors.opportunities import OPPORTUNITY_VALUES
from salescycle.opportunities.services.bulk import MAX_SELECTION
from salescycle.tasks.models import Priority

# The enumerations as the API takes and shows them: a Literal of the values of choices.py (blank aside).
StatusLiteral = Annotated[str, OneOf(OpportunityStatus)]
PriorityLiteral = Annotated[str, OneOf(Priority)]
ActionTakenLiteral = Annotated[str, OneOf(ActionTaken)]
ActionTypeLiteral = Annotated[str, OneOf(ActionType)]
ProbabilityCalculationLiteral = Annotated[str, OneOf(ProbabilityCalculation)]
CloseTypeLiteral = Annotated[str, OneOf(CloseType)]
DocumentTypeLiteral = Annotated[str, OneOf(SalesDocumentType)]
# What a PATCH may set: a quote, an order or nothing (a posted invoice is linked by posting its order).
DocumentTypePatch = Annotated[str, OneOf(SalesDocumentType.QUOTE, SalesDocumentType.ORDER, SalesDocumentType.BLANK)]
Ordering = Literal[
    "no",
    "-no",
    "creation_date",
    "-creation_date",
    "estimated_closing_date",
    "-estimated_closing_date",
    "estimated_value",
    "-estimated_value",
    "salesperson_code",
    "-salesperson_code",
    "contact_no",
    "-contact_no",
    "status",
    "-status",
    "calculated_current_value",
    "-calculated_current_value",
]

if TYPE_CHECKING:
    from salescycle.opportunities.models import (
        CloseOpportunityCode,
        Interaction,
        Opportunity,
        OpportunityEntry,
        SalesCycle,
        SalesCycleStage,
    )


class OpportunityOut(BaseModel):
    """An opportunity as the API shows it (api.md "Opportunities"). A plain pydantic model, not a ninja ``Schema``:
    it is always built from the dicts of :func:`opportunity_out` / :func:`opportunity_row_out`, so it needs no
    attribute resolution, and a list page of 500 validates without a Python-level getter per field (about 2 ms of
    the 50-row list request; see bench/README.md)."""

    model_config = ConfigDict(from_attributes=True)

    no: str
    description: str
    contact_no: str | None
    contact_name: str | None
    contact_company_no: str | None
    contact_company_name: str | None
    salesperson_code: str | None
    salesperson_name: str | None
    campaign_no: str | None
    segment_no: str | None
    sales_cycle_code: str | None
    priority: PriorityLiteral
    status: StatusLiteral
    closed: bool
    creation_date: dt.date
    date_closed: dt.date | None
    current_sales_cycle_stage: int | None
    current_stage_description: str | None
    estimated_value: DecimalOut
    chances_of_success_pct: DecimalOut
    completed_pct: DecimalOut
    probability_pct: DecimalOut
    calculated_current_value: DecimalOut
    estimated_closing_date: dt.date | None
    sales_document_type: DocumentTypeLiteral | None
    sales_document_no: str | None
    no_of_interactions: int
    version: int
    created_at: DateTimeOut
    modified_at: DateTimeOut


# Each ``*_out`` builder returns a TypedDict with its schema's fields (``OpportunityOut`` → ``OpportunityDict``), so
# that mypy checks the keys and values it builds; ``tests/api/test_out_dicts.py`` holds the two field lists equal.
# A field the schema narrows to a Literal is a ``str`` here: the model's text choice.


class OpportunityDict(TypedDict):
    no: str
    description: str
    contact_no: str | None
    contact_name: str | None
    contact_company_no: str | None
    contact_company_name: str | None
    salesperson_code: str | None
    salesperson_name: str | None
    campaign_no: str | None
    segment_no: str | None
    sales_cycle_code: str | None
    priority: str
    status: str
    closed: bool
    creation_date: dt.date
    date_closed: dt.date | None
    current_sales_cycle_stage: int | None
    current_stage_description: str | None
    estimated_value: Decimal
    chances_of_success_pct: Decimal
    completed_pct: Decimal
    probability_pct: Decimal
    calculated_current_value: Decimal
    estimated_closing_date: dt.date | None
    sales_document_type: str | None
    sales_document_no: str | None
    no_of_interactions: int
    version: int
    created_at: dt.datetime
    modified_at: dt.datetime


def opportunity_row_out(row: dict[str, Any]) -> OpportunityDict:
    """The API view of an opportunity from a row of ``selectors.opportunity_values()``: the columns of
    :data:`OPPORTUNITY_VALUES` plus ``contact_name``, ``contact_company_name``, ``salesperson_name`` and
    ``no_of_interactions``. The one place that decides what the API shows of an opportunity."""
    started = row["status"] != "not_started"
    return {
        "no": row["no"],
        "description": row["description"],
        "contact_no": row["contact_id"],
        "contact_name": row["contact_name"] if row["contact_id"] else None,
        "contact_company_no": row["contact_company_id"],
        "contact_company_name": row["contact_company_name"] if row["contact_company_id"] else None,
        "salesperson_code": row["salesperson_id"],
        "salesperson_name": row["salesperson_name"] if row["salesperson_id"] else None,
        "campaign_no": row["campaign_id"],
        "segment_no": row["segment_id"],
        "sales_cycle_code": row["sales_cycle_id"],
        "priority": row["priority"],
        "status": row["status"],
        "closed": row["closed"],
        "creation_date": row["creation_date"],
        "date_closed": row["date_closed"],
        "current_sales_cycle_stage": row["current_sales_cycle_stage"] if started else None,
        "current_stage_description": row["current_stage_description"] if started else None,
        "estimated_value": row["estimated_value"],
        "chances_of_success_pct": row["chances_of_success_pct"],
        "completed_pct": row["completed_pct"],
        "probability_pct": row["probability_pct"],
        "calculated_current_value": row["calculated_current_value"],
        "estimated_closing_date": row["estimated_closing_date"],
        "sales_document_type": blank_to_none(row["sales_document_type"]),
        "sales_document_no": blank_to_none(row["sales_document_no"]),
        "no_of_interactions": row.get("no_of_interactions") or 0,
        "version": row["version"],
        "created_at": row["created_at"],
        "modified_at": row["modified_at"],
    }


def opportunity_out(obj: Opportunity) -> OpportunityDict:
    """The API view of an opportunity loaded by ``selectors.opportunities()`` (names joined, interactions counted):
    :func:`opportunity_row_out` of its values."""
    row = {name: getattr(obj, name) for name in OPPORTUNITY_VALUES}
    # A blank link reads as None without a query; the names are joined by the selector.
    contact, company, salesperson = obj.contact, obj.contact_company, obj.salesperson
    row["contact_name"] = contact.name if contact is not None else None
    row["contact_company_name"] = company.name if company is not None else None
    row["salesperson_name"] = salesperson.name if salesperson is not None else None
    row["no_of_interactions"] = getattr(obj, "no_of_interactions", 0)
    return opportunity_row_out(row)


class OpportunityIn(InputSchema):
    no: Key | None = None
    description: Text100 = ""
    contact_no: Key | None = None
    salesperson_code: Key | None = None
    sales_cycle_code: Key | None = None
    campaign_no: Key | None = None
    segment_no: Key | None = None
    priority: PriorityLiteral = Priority.NORMAL.value
    creation_date: DateIn | None = None
    activate_first_stage: bool = False
    estimated_value: AmountIn | None = None
    chances_of_success_pct: PercentIn | None = None
    estimated_closing_date: DateIn | None = None


class SegmentOpportunitiesIn(InputSchema):
    description: Text100 = ""
    salesperson_code: Key | None = None
    sales_cycle_code: Key | None = None
    priority: PriorityLiteral = Priority.NORMAL.value
    creation_date: DateIn | None = None
    activate_first_stage: bool = False
    estimated_value: AmountIn | None = None
    chances_of_success_pct: PercentIn | None = None
    estimated_closing_date: DateIn | None = None


class CreatedOut(Schema):
    created: list[str]


class OpportunityPatch(InputSchema):
    description: Omittable[Text100] = None
    contact_no: Key | None = None
    salesperson_code: Key | None = None
    campaign_no: Key | None = None
    segment_no: Key | None = None
    priority: Omittable[PriorityLiteral] = None
    sales_cycle_code: Key | None = None
    sales_document_type: DocumentTypePatch | None = None
    sales_document_no: Key | None = None
    update_open_tasks: bool = False


class EntryOut(Schema):
    entry_no: int
    opportunity_no: str
    sales_cycle_code: str | None
    sales_cycle_stage: int
    sales_cycle_stage_description: str
    previous_sales_cycle_stage: int
    contact_no: str | None
    contact_company_no: str | None
    salesperson_code: str | None
    campaign_no: str | None
    date_of_change: dt.date
    active: bool
    date_closed: dt.date | None
    days_open: int
    action_taken: ActionTakenLiteral
    estimated_value: DecimalOut
    calculated_current_value: DecimalOut
    completed_pct: DecimalOut
    chances_of_success_pct: DecimalOut
    probability_pct: DecimalOut
    close_opportunity_code: str | None
    estimated_close_date: dt.date | None


class EntryDict(TypedDict):
    entry_no: int
    opportunity_no: str
    sales_cycle_code: str | None
    sales_cycle_stage: int
    sales_cycle_stage_description: str
    previous_sales_cycle_stage: int
    contact_no: str | None
    contact_company_no: str | None
    salesperson_code: str | None
    campaign_no: str | None
    date_of_change: dt.date
    active: bool
    date_closed: dt.date | None
    days_open: int
    action_taken: str
    estimated_value: Decimal
    calculated_current_value: Decimal
    completed_pct: Decimal
    chances_of_success_pct: Decimal
    probability_pct: Decimal
    close_opportunity_code: str | None
    estimated_close_date: dt.date | None


def entry_out(obj: OpportunityEntry) -> EntryDict:
    return {
        "entry_no": obj.entry_no,
        "opportunity_no": obj.opportunity_id,
        "sales_cycle_code": obj.sales_cycle_id,
        "sales_cycle_stage": obj.sales_cycle_stage,
        "sales_cycle_stage_description": obj.sales_cycle_stage_description,
        "previous_sales_cycle_stage": obj.previous_sales_cycle_stage,
        "contact_no": obj.contact_id,
        "contact_company_no": obj.contact_company_id,
        "salesperson_code": obj.salesperson_id,
        "campaign_no": obj.campaign_id,
        "date_of_change": obj.date_of_change,
        "active": obj.active,
        "date_closed": obj.date_closed,
        "days_open": obj.days_open,
        "action_taken": obj.action_taken,
        "estimated_value": obj.estimated_value,
        "calculated_current_value": obj.calculated_current_value,
        "completed_pct": obj.completed_pct,
        "chances_of_success_pct": obj.chances_of_success_pct,
        "probability_pct": obj.probability_pct,
        "close_opportunity_code": obj.close_opportunity_code_id,
        "estimated_close_date": obj.estimated_close_date,
    }


class ActivateIn(InputSchema):
    date_of_change: DateIn | None = None


class ActionLists(Schema):
    first: list[int] | None = None
    next: list[int] | None = None
    previous: list[int] | None = None
    skip: list[int] | None = None
    update: list[int] | None = None
    jump: list[int] | None = None


class ProposedOut(Schema):
    sales_cycle_stage: int
    estimated_value: DecimalOut
    chances_of_success_pct: DecimalOut
    estimated_close_date: dt.date | None


class UpdateOptionsOut(Schema):
    date_of_change: dt.date
    default_action_type: ActionTypeLiteral | None
    actions: dict[str, list[int]]
    proposed: ProposedOut | None


class UpdateIn(InputSchema):
    action_type: ActionTypeLiteral
    sales_cycle_stage: int | None = Field(default=None, ge=0, le=2_000_000_000)
    date_of_change: DateIn | None = None
    estimated_value: AmountIn | None = None
    chances_of_success_pct: PercentIn | None = None
    estimated_close_date: DateIn | None = None
    cancel_old_tasks: bool = False


class CloseIn(InputSchema):
    outcome: CloseTypeLiteral
    close_opportunity_code: Key | None = None
    date_closed: DateIn | None = None
    sales_value: AmountIn | None = None
    cancel_old_tasks: bool = True


# A selection of opportunity numbers for a bulk action (issue #15): 1 to MAX_SELECTION keys (repeats count once).
Selection = Annotated[list[Key], Field(min_length=1, max_length=MAX_SELECTION)]


class BulkReassignIn(InputSchema):
    """``POST /opportunities/bulk/reassign``: give the opportunities ``nos`` to ``salesperson_code``; with
    ``update_open_tasks`` their open tasks of the old salesperson follow (as PATCH)."""

    nos: Selection
    salesperson_code: Key
    update_open_tasks: bool = False


class BulkCloseIn(InputSchema):
    """``POST /opportunities/bulk/close``: close the opportunities ``nos`` as Lost with the Lost code
    ``close_opportunity_code``; ``date_closed`` (default per opportunity: max(last date of change, WorkDate)) and
    ``cancel_old_tasks`` as the single close (§4.8)."""

    nos: Selection
    close_opportunity_code: Key
    date_closed: DateIn | None = None
    cancel_old_tasks: bool = True


class RefusalOut(Schema):
    no: str
    code: str
    message: str


class BulkResultOut(Schema):
    done: list[str]
    refused: list[RefusalOut]


class DeleteClosedIn(InputSchema):
    no: Key | None = None
    date_closed_from: DateIn | None = None
    date_closed_to: DateIn | None = None
    salesperson_code: Key | None = None
    campaign_no: Key | None = None
    contact_no: Key | None = None
    sales_cycle_code: Key | None = None
    # Business Central filter expressions on the same fields (``OP0000*``, ``A..B``, ``A|B``; issue #15 L9), an
    # addition: the fields above stay exact keys.
    no_filter: FilterExpression | None = None
    salesperson_code_filter: FilterExpression | None = None
    campaign_no_filter: FilterExpression | None = None
    contact_no_filter: FilterExpression | None = None
    sales_cycle_code_filter: FilterExpression | None = None
    dry_run: bool = False


class ExportIn(InputSchema):
    """``POST /opportunities/export`` (issue #16): the file format, the list's order (``sort``: a column of the web
    list, ``-`` for descending) and the Opportunity List's filters under their API names."""

    format: Literal["csv", "xlsx"]
    sort: Literal[
        "no", "-no", "creation_date", "-creation_date", "estimated_closing_date", "-estimated_closing_date",
        "estimated_value", "-estimated_value",
    ] = "no"  # fmt: skip
    status: StatusLiteral | None = None
    closed: bool | None = None
    salesperson_code: Key | None = None
    contact_no: Key | None = None
    sales_cycle_code: Key | None = None
    campaign_no: Key | None = None
    segment_no: Key | None = None
    team_code: Key | None = None
    creation_date_from: DateIn | None = None
    creation_date_to: DateIn | None = None
    current_sales_cycle_stage: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    estimated_closing_date_from: DateIn | None = None
    estimated_closing_date_to: DateIn | None = None
    date_closed_from: DateIn | None = None
    date_closed_to: DateIn | None = None
    close_opportunity_code: Key | None = None
    has_salesperson: bool | None = None
    has_contact: bool | None = None
    has_campaign: bool | None = None
    q: Annotated[str, Field(max_length=100)] | None = None


class DeleteClosedOut(Schema):
    deleted_opportunities: int
    deleted_entries: int


class OpportunityStatisticsOut(Schema):
    no_of_interactions: int
    current_sales_cycle_stage: int | None
    estimated_value: DecimalOut
    chances_of_success_pct: DecimalOut
    completed_pct: DecimalOut
    probability_pct: DecimalOut
    calculated_current_value: DecimalOut


class StageStatisticsOut(Schema):
    stage: int
    description: str
    no_of_opportunities: int
    estimated_value: DecimalOut
    calculated_current_value: DecimalOut
    average_no_of_days: DecimalOut


class CycleStatisticsOut(Schema):
    no_of_opportunities: int
    estimated_value: DecimalOut
    calculated_current_value: DecimalOut
    stages: list[StageStatisticsOut]


class SalespersonStatisticsOut(Schema):
    no_of_opportunities: int
    estimated_value: DecimalOut
    calculated_current_value: DecimalOut
    avg_estimated_value: DecimalOut
    avg_calculated_current_value: DecimalOut


class FiguresOut(Schema):
    no_of_opportunities: int
    estimated_value: DecimalOut
    calculated_current_value: DecimalOut


# --- Setup -----------------------------------------------------------------------------------------------------

CycleCode = Key  # sales cycles, close codes and activities have codes of at most 10 characters (model)


class SalesCycleOut(Schema):
    code: str
    description: str
    probability_calculation: ProbabilityCalculationLiteral
    blocked: bool
    version: int


class SalesCycleIn(InputSchema):
    code: Key10 = Field(min_length=1)
    description: Text100 = ""
    probability_calculation: ProbabilityCalculationLiteral = ProbabilityCalculation.MULTIPLY.value
    blocked: bool = False


class SalesCyclePatch(InputSchema):
    description: Omittable[Text100] = None
    probability_calculation: Omittable[ProbabilityCalculationLiteral] = None
    blocked: Omittable[bool] = None


class SalesCycleDict(TypedDict):
    code: str
    description: str
    probability_calculation: str
    blocked: bool
    version: int


def sales_cycle_out(obj: SalesCycle) -> SalesCycleDict:
    return {
        "code": obj.code,
        "description": obj.description,
        "probability_calculation": obj.probability_calculation,
        "blocked": obj.blocked,
        "version": obj.version,
    }


class StageOut(Schema):
    stage: int
    description: str
    completed_pct: DecimalOut
    chances_of_success_pct: DecimalOut
    activity_code: str | None
    quote_required: bool
    allow_skip: bool
    date_formula: str
    version: int


class StageIn(InputSchema):
    stage: int = Field(ge=1, le=2_000_000_000)
    description: Text100 = ""
    completed_pct: PercentIn = Field(default=Decimal(0), ge=0, le=100)
    chances_of_success_pct: PercentIn = Field(default=Decimal(0), ge=0, le=100)
    activity_code: Key | None = None
    quote_required: bool = False
    allow_skip: bool = False
    date_formula: Text32 = ""


class StagePatch(InputSchema):
    description: Omittable[Text100] = None
    completed_pct: Omittable[PercentIn] = Field(default=None, ge=0, le=100)
    chances_of_success_pct: Omittable[PercentIn] = Field(default=None, ge=0, le=100)
    activity_code: Key | None = None
    quote_required: Omittable[bool] = None
    allow_skip: Omittable[bool] = None
    date_formula: Omittable[Text32] = None


class StageDict(TypedDict):
    stage: int
    description: str
    completed_pct: Decimal
    chances_of_success_pct: Decimal
    activity_code: str | None
    quote_required: bool
    allow_skip: bool
    date_formula: str
    version: int


def stage_out(obj: SalesCycleStage) -> StageDict:
    return {
        "stage": obj.stage,
        "description": obj.description,
        "completed_pct": obj.completed_pct,
        "chances_of_success_pct": obj.chances_of_success_pct,
        "activity_code": obj.activity_id,
        "quote_required": obj.quote_required,
        "allow_skip": obj.allow_skip,
        "date_formula": obj.date_formula,
        "version": obj.version,
    }


class CloseCodeOut(Schema):
    code: str
    description: str
    type: CloseTypeLiteral
    version: int


class CloseCodeIn(InputSchema):
    code: Key10 = Field(min_length=1)
    description: Text100 = ""
    type: CloseTypeLiteral = CloseType.WON.value


class CloseCodePatch(InputSchema):
    description: Omittable[Text100] = None
    type: Omittable[CloseTypeLiteral] = None


class CloseCodeDict(TypedDict):
    code: str
    description: str
    type: str
    version: int


def close_code_out(obj: CloseOpportunityCode) -> CloseCodeDict:
    return {"code": obj.code, "description": obj.description, "type": obj.type, "version": obj.version}


class SetupOut(Schema):
    default_sales_cycle_code: str | None
    bus_rel_code_for_customers: str | None
    local_currency_code: str
    number_series: dict[str, str]
    version: int


class SetupDict(TypedDict):
    default_sales_cycle_code: str | None
    bus_rel_code_for_customers: str | None
    local_currency_code: str
    number_series: dict[str, str]
    version: int


class SetupPatch(InputSchema):
    default_sales_cycle_code: Key | None = None
    bus_rel_code_for_customers: Text10 | None = None  # a code: null is blank, as SetupOut shows it
    number_series: Omittable[dict[Text20, Text10]] = None


class InteractionOut(Schema):
    entry_no: int
    date: dt.date
    contact_no: str
    opportunity_no: str | None
    salesperson_code: str | None
    description: str
    canceled: bool
    postponed: bool
    version: int


class InteractionIn(InputSchema):
    date: DateIn | None = None
    contact_no: Key = Field(min_length=1)
    opportunity_no: Key | None = None
    salesperson_code: Key | None = None
    description: Text100 = ""
    canceled: bool = False
    postponed: bool = False


class InteractionPatch(InputSchema):
    date: DateIn | None = None
    contact_no: Key | None = None
    opportunity_no: Key | None = None
    salesperson_code: Key | None = None
    description: Omittable[Text100] = None
    canceled: Omittable[bool] = None
    postponed: Omittable[bool] = None


class InteractionDict(TypedDict):
    entry_no: int
    date: dt.date
    contact_no: str
    opportunity_no: str | None
    salesperson_code: str | None
    description: str
    canceled: bool
    postponed: bool
    version: int


def interaction_out(obj: Interaction) -> InteractionDict:
    return {
        "entry_no": obj.entry_no,
        "date": obj.date,
        "contact_no": obj.contact_id,
        "opportunity_no": obj.opportunity_id,
        "salesperson_code": obj.salesperson_id,
        "description": obj.description,
        "canceled": obj.canceled,
        "postponed": obj.postponed,
        "version": obj.version,
    }
