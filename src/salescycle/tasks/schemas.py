"""API schemas of tasks and activities (spec api.md "Tasks", "Setup")."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Literal, TypedDict

from ninja import Schema
from pydantic import Field

from salescycle.core.schemas import DateIn, InputSchema, Key, Key10, Omittable, OneOf, Text32, Text100, blank_to_none
from salescycle.tasks.models import Priority, TaskStatus, TaskType

if TYPE_CHECKING:
    from salescycle.tasks.models import Activity, Task

# Each ``*_out`` builder returns a TypedDict with its schema's fields (``TaskOut`` → ``TaskDict``), so that mypy
# checks the keys and values it builds; ``tests/api/test_out_dicts.py`` holds the two field lists equal. A field
# the schema narrows to a Literal is a ``str`` here: the model's text choice.

# The enumerations as the API takes and shows them: a Literal of the models' values (a blank type is null or "").
TaskTypeLiteral = Annotated[str, OneOf(TaskType)]
TaskStatusLiteral = Annotated[str, OneOf(TaskStatus)]
PriorityLiteral = Annotated[str, OneOf(Priority)]


class TaskOut(Schema):
    no: str
    type: TaskTypeLiteral | None
    description: str
    date: dt.date
    status: TaskStatusLiteral
    priority: PriorityLiteral
    closed: bool
    canceled: bool
    date_closed: dt.date | None
    salesperson_code: str | None
    contact_no: str | None
    campaign_no: str | None
    segment_no: str | None
    opportunity_no: str | None
    opportunity_entry_no: int | None
    version: int


class TaskDict(TypedDict):
    no: str
    type: str | None
    description: str
    date: dt.date
    status: str
    priority: str
    closed: bool
    canceled: bool
    date_closed: dt.date | None
    salesperson_code: str | None
    contact_no: str | None
    campaign_no: str | None
    segment_no: str | None
    opportunity_no: str | None
    opportunity_entry_no: int | None
    version: int


class TaskIn(InputSchema):
    no: Key | None = None
    type: TaskTypeLiteral | Literal[""] | None = None
    description: Text100 = ""
    date: DateIn | None = None
    status: TaskStatusLiteral = TaskStatus.NOT_STARTED.value
    priority: PriorityLiteral = Priority.NORMAL.value
    canceled: bool = False
    salesperson_code: Key | None = None
    contact_no: Key | None = None
    campaign_no: Key | None = None
    segment_no: Key | None = None
    opportunity_no: Key | None = None


class TaskPatch(InputSchema):
    type: TaskTypeLiteral | Literal[""] | None = None
    description: Omittable[Text100] = None
    date: DateIn | None = None
    status: Omittable[TaskStatusLiteral] = None
    priority: Omittable[PriorityLiteral] = None
    canceled: Omittable[bool] = None
    salesperson_code: Key | None = None
    contact_no: Key | None = None
    campaign_no: Key | None = None
    segment_no: Key | None = None
    opportunity_no: Key | None = None


def task_out(obj: Task) -> TaskDict:
    return {
        "no": obj.no,
        "type": blank_to_none(obj.type),
        "description": obj.description,
        "date": obj.date,
        "status": obj.status,
        "priority": obj.priority,
        "closed": obj.closed,
        "canceled": obj.canceled,
        "date_closed": obj.date_closed,
        "salesperson_code": obj.salesperson_id,
        "contact_no": obj.contact_id,
        "campaign_no": obj.campaign_id,
        "segment_no": obj.segment_id,
        "opportunity_no": blank_to_none(obj.opportunity_no),
        "opportunity_entry_no": obj.opportunity_entry_no or None,
        "version": obj.version,
    }


class StepSchema(InputSchema):
    step_no: int | None = Field(default=None, ge=1, le=2_000_000_000)
    type: TaskTypeLiteral | Literal[""] | None = None
    description: Text100 = ""
    priority: PriorityLiteral = Priority.NORMAL.value
    date_formula: Text32 = ""


class StepOut(Schema):
    step_no: int
    type: TaskTypeLiteral | None
    description: str
    priority: PriorityLiteral
    date_formula: str


class ActivityOut(Schema):
    code: str
    description: str
    steps: list[StepOut]
    version: int


class StepDict(TypedDict):
    step_no: int
    type: str | None
    description: str
    priority: str
    date_formula: str


class ActivityDict(TypedDict):
    code: str
    description: str
    steps: list[StepDict]
    version: int


class ActivityIn(InputSchema):
    code: Key10 = Field(min_length=1)
    description: Text100 = ""
    steps: list[StepSchema] = Field(default_factory=list, max_length=200)


class ActivityPatch(InputSchema):
    description: Omittable[Text100] = None
    steps: Omittable[list[StepSchema]] = Field(default=None, max_length=200)


def activity_out(obj: Activity) -> ActivityDict:
    return {
        "code": obj.code,
        "description": obj.description,
        "steps": [
            {
                "step_no": step.step_no,
                "type": blank_to_none(step.type),
                "description": step.description,
                "priority": step.priority,
                "date_formula": step.date_formula,
            }
            for step in obj.steps.all()
        ],
        "version": obj.version,
    }
