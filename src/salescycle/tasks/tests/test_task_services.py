"""Task services: stage tasks from activity steps (§4.9.1), cancelling open tasks (§4.9.2) and propagating a
changed salesperson, contact or campaign to open tasks (§4.3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from salescycle import testing
from salescycle.core.workdate import today
from salescycle.tasks.models import Activity, ActivityStep, Task
from salescycle.tasks.services import cancel_open_tasks, create_stage_tasks, propagate_to_open_tasks

pytestmark = pytest.mark.django_db

CHANGE = dt.date(2026, 1, 30)  # a Friday, the last-but-one day of January


def stage_tasks(activity: str, **context: Any) -> list[Task]:
    values: dict[str, Any] = dict(
        activity_code=activity,
        date_of_change=CHANGE,
        opportunity_no="OP000001",
        opportunity_entry_no=7,
        salesperson_id=None,
        contact_id=None,
        contact_company_id=None,
        campaign_id=None,
        segment_id=None,
    )
    values.update(context)
    return create_stage_tasks(**values)


def test_one_task_per_step_in_step_order_dated_by_the_step_formula() -> None:
    testing.demo_setup()

    tasks = stage_tasks("SIGN")

    assert [(t.no, t.type, t.description, t.priority, t.date) for t in tasks] == [
        ("TD000001", "", "Check delivery status on products", "low", CHANGE),
        ("TD000002", "meeting", "Sign Contract", "high", dt.date(2026, 2, 6)),
        ("TD000003", "", "Arrange that the admin. handles the contract", "normal", dt.date(2026, 2, 13)),
        ("TD000004", "", "Follow-up on customer satisfaction", "normal", dt.date(2026, 7, 30)),
    ]
    stored = Task.objects.get(no="TD000002")
    assert (stored.opportunity_no, stored.opportunity_entry_no, stored.duration_minutes, stored.status) == (
        "OP000001", 7, 1440, "not_started"
    )  # fmt: skip
    assert (stored.closed, stored.canceled, stored.date_closed) == (False, False, None)


def test_an_activity_without_steps_gives_one_blank_task_on_the_date_of_change() -> None:
    Activity.objects.create(code="EMPTY")

    (task,) = stage_tasks("EMPTY")

    assert (task.type, task.description, task.priority, task.date) == ("", "", "normal", CHANGE)
    assert Task.objects.count() == 1


def test_stage_tasks_carry_the_opportunity_context() -> None:
    Activity.objects.create(code="ONE")
    ActivityStep.objects.create(
        activity_id="ONE", step_no=10000, type="phone_call", description="Call", date_formula="+2D"
    )
    salesperson = testing.make_salesperson("AH")
    company = testing.make_company("CT-CRONUS")
    person = testing.make_person(company, "CT-LINDA")

    (task,) = stage_tasks("ONE", salesperson_id=salesperson.code, contact_id=person.no, contact_company_id=company.no)

    stored = Task.objects.get(no=task.no)
    assert (stored.salesperson_id, stored.contact_id, stored.contact_company_id, stored.date) == (
        "AH", "CT-LINDA", "CT-CRONUS", dt.date(2026, 2, 1)
    )  # fmt: skip


def test_task_numbers_skip_numbers_taken_by_hand() -> None:
    Activity.objects.create(code="EMPTY")
    Task.objects.create(no="TD000002", date=CHANGE)

    first = stage_tasks("EMPTY")
    second = stage_tasks("EMPTY")

    assert [first[0].no, second[0].no] == ["TD000001", "TD000003"]


def test_cancelling_closes_only_the_open_tasks_of_the_opportunity() -> None:
    Activity.objects.create(code="EMPTY")
    open_one = stage_tasks("EMPTY")[0]
    done = stage_tasks("EMPTY")[0]
    Task.objects.filter(no=done.no).update(closed=True, status="completed", date_closed=dt.date(2026, 1, 2))
    other = stage_tasks("EMPTY", opportunity_no="OP000002")[0]
    Task.objects.filter(no=open_one.no).update(recurring=True, status="in_progress")

    assert cancel_open_tasks("OP000001") == 1

    rows = {t.no: t for t in Task.objects.all()}
    cancelled = rows[open_one.no]
    assert (cancelled.closed, cancelled.canceled, cancelled.status, cancelled.date_closed, cancelled.recurring) == (
        True, True, "completed", today(), False
    )  # fmt: skip
    assert cancelled.version == 2
    assert (rows[done.no].canceled, rows[done.no].date_closed) == (False, dt.date(2026, 1, 2))
    assert (rows[other.no].closed, rows[other.no].canceled) == (False, False)
    assert cancel_open_tasks("OP000001") == 0


@pytest.mark.parametrize("field", ["salesperson_id", "campaign_id"])
def test_propagation_changes_open_tasks_with_the_old_value_only(field: str) -> None:
    testing.make_salesperson("AH")
    testing.make_salesperson("BO")
    testing.make_salesperson("CY")
    from salescycle.contacts.models import Campaign

    for code in ("AH", "BO", "CY"):
        Campaign.objects.create(no=code)
    Task.objects.create(no="T1", date=CHANGE, opportunity_no="OP1", **{field: "AH"})
    Task.objects.create(no="T2", date=CHANGE, opportunity_no="OP1", closed=True, date_closed=CHANGE, **{field: "AH"})
    Task.objects.create(no="T3", date=CHANGE, opportunity_no="OP1", **{field: "CY"})
    Task.objects.create(no="T4", date=CHANGE, opportunity_no="OP2", **{field: "AH"})

    assert propagate_to_open_tasks("OP1", field, "AH", "BO") == 1

    assert dict(Task.objects.values_list("no", field)) == {"T1": "BO", "T2": "AH", "T3": "CY", "T4": "AH"}


def test_propagating_a_contact_also_sets_its_company() -> None:
    company = testing.make_company("CT-CRONUS")
    linda = testing.make_person(company, "CT-LINDA")
    Task.objects.create(no="T1", date=CHANGE, opportunity_no="OP1", contact=company, contact_company=company)

    propagate_to_open_tasks("OP1", "contact_id", company.no, linda.no)

    assert Task.objects.values_list("contact_id", "contact_company_id").get() == ("CT-LINDA", "CT-CRONUS")
