"""Spec rule 15 (spec §2.8, "Opportunity No."): a task linked to an opportunity by hand takes the opportunity's
active entry as Opportunity Entry No. (0, shown as null, when the opportunity has none) — through ``POST /tasks``,
``PATCH /tasks/{no}`` and the web task form alike, since all three reach the one task service."""

from __future__ import annotations

from typing import Any

import pytest

from salescycle import testing
from salescycle.opportunities.models import OpportunityEntry
from salescycle.tasks.models import Task
from tests.security.conftest import DAY, api_client, web_client

pytestmark = pytest.mark.django_db


def _active_entry_no(no: str) -> int:
    return OpportunityEntry.objects.get(opportunity_id=no, active=True).entry_no


@pytest.fixture
def started(world: dict[str, Any]) -> Any:
    """AH's opportunity with an active entry, moved once so the active entry is not the first one."""
    from salescycle.opportunities import services
    from salescycle.opportunities.engine import UpdateRequest

    opportunity = testing.create_opportunity(world["company"], world["salespeople"]["own"], activate=True)
    services.update_opportunity(
        opportunity.no, by=world["users"]["manager"], request=UpdateRequest("next", date_of_change=DAY), work_date=DAY
    )
    return opportunity


def test_post_task_with_an_opportunity_takes_its_active_entry(world: dict[str, Any], started: Any) -> None:
    response = api_client(world, "salesperson").post(
        "/tasks", {"description": "Call", "date": "2026-01-06", "opportunity_no": started.no}
    )

    assert response.status_code == 201, response.content
    assert response.json()["opportunity_entry_no"] == _active_entry_no(started.no)
    assert Task.objects.get(no=response.json()["no"]).opportunity_entry_no == _active_entry_no(started.no)


def test_patch_setting_the_opportunity_takes_its_active_entry_and_blanking_it_clears_it(
    world: dict[str, Any], started: Any
) -> None:
    api = api_client(world, "salesperson")
    no = api.post("/tasks", {"description": "Call", "date": "2026-01-06"}).json()["no"]

    linked = api.patch(f"/tasks/{no}", {"opportunity_no": started.no})
    unlinked = api.patch(f"/tasks/{no}", {"opportunity_no": None})

    assert linked.status_code == 200, linked.content
    assert linked.json()["opportunity_entry_no"] == _active_entry_no(started.no)
    assert unlinked.json()["opportunity_entry_no"] is None
    assert Task.objects.get(no=no).opportunity_entry_no == 0


def test_an_opportunity_not_started_gives_no_entry(world: dict[str, Any]) -> None:
    opportunity = testing.create_opportunity(world["company"], world["salespeople"]["own"], activate=False)

    response = api_client(world, "salesperson").post(
        "/tasks", {"description": "Call", "date": "2026-01-06", "opportunity_no": opportunity.no}
    )

    assert response.status_code == 201, response.content
    assert response.json()["opportunity_entry_no"] is None


def test_the_web_task_form_takes_the_active_entry(world: dict[str, Any], started: Any) -> None:
    web = web_client(world, "salesperson")
    page = web.get(f"/tasks/new/?opportunity={started.no}")
    assert page.status_code == 200
    assert f'value="{started.no}"' in page.content.decode()  # filled in from ?opportunity=
    assert 'value="AH"' in page.content.decode()  # the user's own salesperson by default

    response = web.post(
        "/tasks/new/",
        {
            "description": "Visit",
            "date": "2026-01-06",
            "type": "",
            "priority": "normal",
            "salesperson_code": "AH",
            "opportunity_no": started.no,
        },
    )

    assert response.status_code == 302
    task = Task.objects.get(description="Visit")
    assert response["Location"].endswith(f"/tasks/{task.no}/")
    assert (task.opportunity_no, task.opportunity_entry_no) == (started.no, _active_entry_no(started.no))
