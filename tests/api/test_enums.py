"""Every enumeration of the OpenAPI document is a model field's choices (issue #13 item 3): the schemas read the
values from the enumerations (``core.schemas.OneOf``), and this test holds each ``enum`` (and each ``const`` of a
blank alternative) of the document to the field it stands for, so that a value added to a model reaches the API and
the API offers no value the database refuses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import models

from salescycle.api import api
from salescycle.contacts.models import Contact
from salescycle.jobs.models import Job
from salescycle.opportunities.choices import ActionType
from salescycle.opportunities.models import CloseOpportunityCode, Opportunity, OpportunityEntry, SalesCycle
from salescycle.tasks.models import ActivityStep, Task


def choices(model: type[models.Model], field: str) -> list[str]:
    """The values of ``model.field``'s choices, in order, the blank one ("") included."""
    return [str(value) for value, _label in model._meta.get_field(field).choices or []]


def without_blank(values: list[str]) -> list[str]:
    return [value for value in values if value != ""]


ACTION_TAKEN = choices(OpportunityEntry, "action_taken")
CLOSE_TYPE = choices(CloseOpportunityCode, "type")
CONTACT_TYPE = choices(Contact, "type")
DOCUMENT_TYPE = choices(Opportunity, "sales_document_type")
OPPORTUNITY_PRIORITY = choices(Opportunity, "priority")
OPPORTUNITY_STATUS = choices(Opportunity, "status")
PROBABILITY_CALCULATION = choices(SalesCycle, "probability_calculation")
STEP_PRIORITY = choices(ActivityStep, "priority")
STEP_TYPE = choices(ActivityStep, "type")
TASK_PRIORITY = choices(Task, "priority")
TASK_STATUS = choices(Task, "status")
TASK_TYPE = choices(Task, "type")
JOB_STATE = choices(Job, "state")
# The Update wizard's Action Type is no column: it is the engine's enumeration.
ACTION_TYPE = [member.value for member in ActionType]
# The statistics' filter: every in-progress action at once ("in_progress", an opportunity status), or one action.
ACTION_TAKEN_FILTER = ["in_progress", *ACTION_TAKEN]

# (component schema or operation id, property or parameter) → the values its enum stands for. An enum's values must
# be these without the blank; a blank alternative (``const: ""``) must be among them.
FIELDS: dict[tuple[str, str], list[str]] = {
    ("list_contacts", "type"): CONTACT_TYPE,
    ("ContactOut", "type"): CONTACT_TYPE,
    ("ContactIn", "type"): CONTACT_TYPE,
    ("ContactPatch", "type"): CONTACT_TYPE,
    ("list_opportunities", "status"): OPPORTUNITY_STATUS,
    ("OpportunityFilters", "status"): OPPORTUNITY_STATUS,
    ("OpportunityOut", "status"): OPPORTUNITY_STATUS,
    ("OpportunityOut", "priority"): OPPORTUNITY_PRIORITY,
    ("OpportunityIn", "priority"): OPPORTUNITY_PRIORITY,
    ("OpportunityPatch", "priority"): OPPORTUNITY_PRIORITY,
    ("SegmentOpportunitiesIn", "priority"): OPPORTUNITY_PRIORITY,
    ("OpportunityOut", "sales_document_type"): DOCUMENT_TYPE,
    ("EntryOut", "action_taken"): ACTION_TAKEN,
    ("UpdateOptionsOut", "default_action_type"): ACTION_TYPE,
    ("UpdateIn", "action_type"): ACTION_TYPE,
    ("CloseIn", "outcome"): CLOSE_TYPE,
    ("list_close_codes", "type"): CLOSE_TYPE,
    ("CloseCodeOut", "type"): CLOSE_TYPE,
    ("CloseCodeIn", "type"): CLOSE_TYPE,
    ("CloseCodePatch", "type"): CLOSE_TYPE,
    ("SalesCycleOut", "probability_calculation"): PROBABILITY_CALCULATION,
    ("SalesCycleIn", "probability_calculation"): PROBABILITY_CALCULATION,
    ("SalesCyclePatch", "probability_calculation"): PROBABILITY_CALCULATION,
    ("TaskOut", "type"): TASK_TYPE,
    ("TaskIn", "type"): TASK_TYPE,
    ("TaskPatch", "type"): TASK_TYPE,
    ("TaskOut", "status"): TASK_STATUS,
    ("TaskIn", "status"): TASK_STATUS,
    ("TaskPatch", "status"): TASK_STATUS,
    ("TaskOut", "priority"): TASK_PRIORITY,
    ("TaskIn", "priority"): TASK_PRIORITY,
    ("TaskPatch", "priority"): TASK_PRIORITY,
    ("StepOut", "type"): STEP_TYPE,
    ("StepSchema", "type"): STEP_TYPE,
    ("StepOut", "priority"): STEP_PRIORITY,
    ("StepSchema", "priority"): STEP_PRIORITY,
    ("salesperson_statistics", "action_taken"): ACTION_TAKEN_FILTER,
    ("contact_statistics", "action_taken"): ACTION_TAKEN_FILTER,
    ("campaign_statistics", "action_taken"): ACTION_TAKEN_FILTER,
    ("SalespersonStatisticsFilter", "action_taken"): ACTION_TAKEN_FILTER,
    ("ActionDateRange", "action_taken"): ACTION_TAKEN_FILTER,
    ("ExportIn", "status"): OPPORTUNITY_STATUS,
    ("list_jobs", "state"): JOB_STATE,
}
# Fields whose enum is a part of the choices on purpose: a PATCH links a quote or an order, or unlinks ("");
# a posted invoice is linked by posting the order.
PARTS: dict[tuple[str, str], set[str]] = {
    ("OpportunityPatch", "sales_document_type"): set(DOCUMENT_TYPE) - {"posted_invoice"},
    # The Opportunities matrix's Status filter (spec §5.7): the statuses of a started opportunity.
    ("analysis_matrix", "status"): set(OPPORTUNITY_STATUS) - {"not_started"},
    ("AnalysisMatrixFilters", "status"): set(OPPORTUNITY_STATUS) - {"not_started"},
}
# Enumerations of the API that are no model's choices.
NOT_CHOICES = {
    ("list_opportunities", "ordering"),
    # The export job's file format and the list's ordering words (the same as list_opportunities' ordering).
    ("ExportIn", "format"),
    ("ExportIn", "sort"),
    # The analysis' own words (api.md "Analysis"): periods, the matrix's rows, show and rounding factor, the format.
    *(
        (owner, name)
        for owner in ("analysis_matrix", "AnalysisMatrixFilters", "analysis_forecast", "AnalysisPeriodFilters")
        for name in ("period", "format")
    ),
    *(
        (owner, name)
        for owner in ("analysis_matrix", "AnalysisMatrixFilters")
        for name in ("rows", "show", "rounding_factor")
    ),
    *(
        (owner, "format")
        for owner in (
            "analysis_pipeline",
            "AnalysisPipelineFilters",
            "analysis_movement",
            "AnalysisMovementFilters",
            "analysis_calibration",
            "AnalysisCycleFilters",
        )
    ),
}


def enumerations(node: Any, owner: tuple[str, str] | None = None) -> Iterator[tuple[tuple[str, str], Any]]:
    """Each ``enum`` list (and ``const`` value) of ``node`` with the (schema or operation, field) it belongs to."""
    if isinstance(node, list):
        for item in node:
            yield from enumerations(item, owner)
        return
    if not isinstance(node, dict):
        return
    if owner is not None and "enum" in node:
        yield owner, list(node["enum"])
    if owner is not None and "const" in node:
        yield owner, node["const"]
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict) and owner is not None:
            for name, prop in value.items():
                yield from enumerations(prop, (owner[0], name))
        else:
            yield from enumerations(value, owner)


def document_enumerations() -> list[tuple[tuple[str, str], Any]]:
    document = api.get_openapi_schema()
    found: list[tuple[tuple[str, str], Any]] = []
    for name, schema in document["components"]["schemas"].items():
        found += enumerations(schema, (name, ""))
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                found += enumerations(parameter["schema"], (operation["operationId"], parameter["name"]))
    return found


def test_every_enumeration_of_the_api_is_a_model_fields_choices() -> None:
    found = document_enumerations()
    unknown = sorted({owner for owner, _values in found} - set(FIELDS) - set(PARTS) - NOT_CHOICES)

    assert unknown == [], f"tie these enumerations of the API to their model field in FIELDS: {unknown}"
    assert len(found) >= len(FIELDS) + len(PARTS) + len(NOT_CHOICES)
    for owner, values in found:
        if owner in NOT_CHOICES:
            continue
        if owner in PARTS:
            assert set(values) == PARTS[owner], (owner, values)
        elif isinstance(values, str):
            assert values == "", (owner, values)
            assert "" in FIELDS[owner], (owner, values)
        else:
            assert sorted(values) == sorted(without_blank(FIELDS[owner])), (owner, values, FIELDS[owner])


def test_every_enumeration_field_tied_here_is_in_the_api() -> None:
    owners = {owner for owner, _values in document_enumerations()}

    assert set(FIELDS) | set(PARTS) | NOT_CHOICES <= owners
