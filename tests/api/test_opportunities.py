"""Contract of the opportunity endpoints (spec api.md "Opportunities"): paths, fields, status codes, rule keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from salescycle import testing
from salescycle.opportunities.models import Interaction, Opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(demo: None) -> dict[str, Any]:
    salesperson = testing.make_salesperson("SP1", name="Sam")
    company = testing.make_company("C1", name="Contoso", salesperson=salesperson)
    person = testing.make_person(company, "P1", name="Pat", salesperson=salesperson)
    return {"salesperson": salesperson, "company": company, "person": person}


def create(api, **extra: Any) -> dict[str, Any]:
    body = {
        "description": "Big deal",
        "contact_no": "p1",
        "creation_date": "2026-01-05",
        "activate_first_stage": True,
        "estimated_value": "2000",
        "chances_of_success_pct": 50,
        "estimated_closing_date": "2026-03-01",
        **extra,
    }
    response = api.post("/opportunities", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_create_answers_201_with_the_whole_opportunity_and_etag(api, people) -> None:
    response = api.post(
        "/opportunities",
        {
            "description": "Big deal",
            "contact_no": "p1",
            "creation_date": "2026-01-05",
            "activate_first_stage": True,
            "estimated_value": 2000,
            "chances_of_success_pct": "50",
            "estimated_closing_date": "2026-03-01",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert response["ETag"] == f'"{body["version"]}"'
    assert body["no"] == "OP000001"
    assert body["contact_no"] == "P1"
    assert body["contact_name"] == "Pat"
    assert body["contact_company_no"] == "C1"
    assert body["contact_company_name"] == "Contoso"
    assert body["salesperson_code"] == "SP1"
    assert body["salesperson_name"] == "Sam"
    assert body["sales_cycle_code"] == "NEW"
    assert body["status"] == "in_progress"
    assert body["closed"] is False
    assert body["current_sales_cycle_stage"] == 1
    assert body["estimated_value"] == "2000"
    assert body["chances_of_success_pct"] == "50"
    assert body["campaign_no"] is None
    assert body["sales_document_type"] is None
    assert body["no_of_interactions"] == 0


def test_create_without_activation_is_not_started_with_null_stage(api, people) -> None:
    body = create(api, activate_first_stage=False)

    assert body["status"] == "not_started"
    assert body["current_sales_cycle_stage"] is None


def test_create_errors_use_the_rule_keys(api, people) -> None:
    response = api.post("/opportunities", {"contact_no": "P1"})
    assert response.status_code == 422
    assert response.json()["code"] == "opportunity.create.description_required"

    response = api.post(
        "/opportunities",
        {"description": "x", "contact_no": "P1", "activate_first_stage": True, "estimated_value": "0"},
    )
    assert response.json()["code"] == "opportunity.create.estimated_value_not_positive"


def test_duplicate_number_answers_409_conflict_exists(api, people) -> None:
    create(api, no="OPX")

    response = api.post("/opportunities", {"no": "opx", "description": "again", "contact_no": "P1"})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict.exists"


def test_get_patch_and_etag(api, people) -> None:
    no = create(api)["no"]

    response = api.get(f"/opportunities/{no}")
    assert response.status_code == 200
    etag = response["ETag"]

    response = api.patch(f"/opportunities/{no}", {"description": "Bigger deal", "priority": "high"}, If_Match=etag)

    assert response.status_code == 200
    assert response.json()["description"] == "Bigger deal"
    assert response.json()["priority"] == "high"
    assert response["ETag"] != etag


def test_stale_if_match_answers_409_conflict_version(api, people) -> None:
    no = create(api)["no"]
    etag = api.get(f"/opportunities/{no}")["ETag"]
    api.patch(f"/opportunities/{no}", {"description": "changed"})

    response = api.patch(f"/opportunities/{no}", {"description": "mine"}, If_Match=etag)

    assert response.status_code == 409
    assert response.json()["code"] == "conflict.version"
    assert Opportunity.objects.get(no=no).description == "changed"


def test_changing_the_cycle_after_start_is_refused(api, people) -> None:
    no = create(api)["no"]

    response = api.patch(f"/opportunities/{no}", {"sales_cycle_code": "EXISTING"})

    assert response.status_code == 422
    assert response.json()["code"] == "opportunity.sales_cycle_locked"


def test_unknown_opportunity_answers_404_not_found(api, people) -> None:
    response = api.get("/opportunities/NOPE")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_update_options_lists_the_available_actions(api, people) -> None:
    no = create(api)["no"]

    response = api.get(f"/opportunities/{no}/update-options?date_of_change=2026-01-10")

    assert response.status_code == 200
    body = response.json()
    assert body["date_of_change"] == "2026-01-10"
    assert body["default_action_type"] == "next"
    assert body["actions"] == {"next": [2], "update": [1]}
    assert body["proposed"]["sales_cycle_stage"] == 2
    assert body["proposed"]["chances_of_success_pct"] == "20"


def test_next_moves_the_opportunity_and_writes_an_entry(api, people) -> None:
    no = create(api)["no"]

    response = api.post(f"/opportunities/{no}/update", {"action_type": "next", "date_of_change": "2026-01-10"})

    assert response.status_code == 200
    assert response.json()["current_sales_cycle_stage"] == 2
    entries = api.get(f"/opportunities/{no}/entries").json()
    assert entries["count"] == 2
    newest = entries["items"][0]
    assert newest["action_taken"] == "next"
    assert newest["sales_cycle_stage"] == 2
    assert newest["previous_sales_cycle_stage"] == 1
    assert newest["active"] is True
    assert entries["items"][1]["days_open"] == 5


def test_next_into_a_quote_required_stage_without_quote_is_refused(api, people) -> None:
    no = create(api)["no"]
    api.post(f"/opportunities/{no}/update", {"action_type": "next"})

    response = api.post(f"/opportunities/{no}/update", {"action_type": "next"})

    assert response.status_code == 422
    assert response.json()["code"] == "update.quote_required"


def test_an_action_not_offered_is_refused(api, people) -> None:
    no = create(api)["no"]

    response = api.post(f"/opportunities/{no}/update", {"action_type": "previous"})

    assert response.status_code == 422
    assert response.json()["code"] == "update.action_not_available"


def test_activate_first_stage(api, people) -> None:
    no = create(api, activate_first_stage=False)["no"]

    response = api.post(f"/opportunities/{no}/activate-first-stage", {"date_of_change": "2026-01-06"})

    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    assert response.json()["current_sales_cycle_stage"] == 1


def test_close_won_with_a_lost_code_is_refused(api, people) -> None:
    testing.make_close_code("LOSTIT", "lost")
    no = create(api)["no"]

    response = api.post(f"/opportunities/{no}/close", {"outcome": "won", "close_opportunity_code": "LOSTIT"})

    assert response.status_code == 422
    assert response.json()["code"] == "close.code_type_mismatch"


def test_close_won_closes_the_opportunity(api, people) -> None:
    testing.make_close_code("WONIT", "won")
    no = create(api)["no"]

    response = api.post(
        f"/opportunities/{no}/close",
        {"outcome": "won", "close_opportunity_code": "wonit", "date_closed": "2026-02-01", "sales_value": "2500.50"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "won"
    assert body["closed"] is True
    assert body["date_closed"] == "2026-02-01"
    entry = api.get(f"/opportunities/{no}/entries").json()["items"][0]
    assert entry["action_taken"] == "won"
    assert entry["sales_cycle_stage"] == 0
    assert entry["close_opportunity_code"] == "WONIT"
    assert entry["calculated_current_value"] == "2500.5"


def test_any_action_on_a_closed_opportunity_is_refused(api, people) -> None:
    testing.make_close_code("LOSTIT", "lost")
    no = create(api)["no"]
    api.post(f"/opportunities/{no}/close", {"outcome": "lost", "close_opportunity_code": "LOSTIT"})

    response = api.post(f"/opportunities/{no}/update", {"action_type": "next"})

    assert response.status_code == 422
    assert response.json()["code"] == "opportunity.closed"


def test_deleting_an_in_progress_opportunity_is_refused(api, people) -> None:
    no = create(api)["no"]

    response = api.delete(f"/opportunities/{no}")

    assert response.status_code == 422
    assert response.json()["code"] == "opportunity.delete_in_progress"


def test_deleting_a_not_started_opportunity_answers_204(api, people) -> None:
    no = create(api, activate_first_stage=False)["no"]

    response = api.delete(f"/opportunities/{no}")

    assert response.status_code == 204
    assert not Opportunity.objects.filter(no=no).exists()


def test_delete_closed_counts_and_deletes(api, people) -> None:
    testing.make_close_code("LOSTIT", "lost")
    no = create(api)["no"]
    create(api)
    api.post(f"/opportunities/{no}/close", {"outcome": "lost", "close_opportunity_code": "LOSTIT"})

    dry = api.post("/opportunities/delete-closed", {"dry_run": True})
    assert dry.status_code == 200
    assert dry.json() == {"deleted_opportunities": 1, "deleted_entries": 2}
    assert Opportunity.objects.count() == 2

    response = api.post("/opportunities/delete-closed", {"salesperson_code": "sp1"})
    assert response.json() == {"deleted_opportunities": 1, "deleted_entries": 2}
    assert Opportunity.objects.count() == 1


def test_opportunity_tasks_and_statistics(api, people) -> None:
    no = create(api)["no"]
    Interaction.objects.create(date=dt.date(2026, 1, 6), contact_id="P1", opportunity_id=no)

    tasks = api.get(f"/opportunities/{no}/tasks").json()
    assert tasks["count"] == 2  # the INIT activity's two steps
    assert {t["opportunity_no"] for t in tasks["items"]} == {no}

    stats = api.get(f"/opportunities/{no}/statistics").json()
    assert stats == {
        "no_of_interactions": 1,
        "current_sales_cycle_stage": 1,
        "estimated_value": "2000",
        "chances_of_success_pct": "50",
        "completed_pct": "2",
        "probability_pct": "50",
        "calculated_current_value": "1000",
    }
    assert api.get(f"/opportunities/{no}").json()["no_of_interactions"] == 1


def test_list_filters_contact_of_a_company_covers_its_persons(api, people) -> None:
    create(api, contact_no="P1")
    create(api, contact_no="C1")
    other = testing.make_company("C2")
    create(api, contact_no=other.no, salesperson_code="SP1")

    assert api.get("/opportunities?contact_no=C1").json()["count"] == 2
    assert api.get("/opportunities?contact_no=P1").json()["count"] == 1
    assert api.get("/opportunities?contact_company_no=C1").json()["count"] == 2
    assert api.get("/opportunities?status=in_progress&closed=false").json()["count"] == 3
    assert api.get("/opportunities?q=big").json()["count"] == 3


def test_list_pages_with_a_stable_cursor_in_every_ordering(api, people) -> None:
    for value in ["300", "100", "200", "100", "500"]:
        create(api, estimated_value=value)

    for ordering in ["no", "-no", "estimated_value", "-estimated_value", "creation_date", "-estimated_closing_date"]:
        seen: list[str] = []
        cursor = None
        while True:
            url = f"/opportunities?limit=2&ordering={ordering}" + (f"&cursor={cursor}" if cursor else "")
            page = api.get(url).json()
            assert page["count"] == 5
            seen += [item["no"] for item in page["items"]]
            cursor = page["next"]
            if not cursor:
                break
        assert len(seen) == 5, ordering
        assert len(set(seen)) == 5, ordering
    values = [i["estimated_value"] for i in api.get("/opportunities?ordering=-estimated_value").json()["items"]]
    assert values == ["500", "300", "200", "100", "100"]


def walk(api, ordering: str, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = api.get(f"/opportunities?limit={limit}&ordering={ordering}" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status_code == 200, page.content
        items += page.json()["items"]
        cursor = page.json()["next"]
        if not cursor:
            return items


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_paging_by_estimated_closing_date_keeps_not_started_opportunities_whose_date_is_null(
    api, people, limit
) -> None:
    # Not Started opportunities have no Estimated Closing Date; NULL is the smallest value on every database
    # (PostgreSQL would put it last ascending, SQLite first).
    dated = [create(api, estimated_closing_date=day)["no"] for day in ["2026-03-01", "2026-02-01", "2026-03-01"]]
    undated = [create(api, activate_first_stage=False)["no"] for _ in range(3)]
    dated.append(create(api, estimated_closing_date="2026-01-15")["no"])
    by_date = {"2026-03-01": [dated[0], dated[2]], "2026-02-01": [dated[1]], "2026-01-15": [dated[3]]}

    ascending = walk(api, "estimated_closing_date", limit)
    descending = walk(api, "-estimated_closing_date", limit)

    expected = [*undated, *by_date["2026-01-15"], *by_date["2026-02-01"], *by_date["2026-03-01"]]
    assert [item["no"] for item in ascending] == expected
    assert [item["estimated_closing_date"] for item in ascending[:3]] == [None, None, None]
    # Ties are broken by No. in the ordering's direction: descending is exactly ascending reversed (one index,
    # read backwards).
    assert [item["no"] for item in descending] == expected[::-1]


def test_segment_create_opportunities(api, people) -> None:
    segment = api.post("/segments", {"no": "SEG1", "lines": [{"contact_no": "P1"}, {"contact_no": "C1"}]})
    assert segment.status_code == 201

    response = api.post("/segments/SEG1/create-opportunities", {"description": "Mailing", "salesperson_code": "SP1"})

    assert response.status_code == 200
    assert len(response.json()["created"]) == 2
    assert api.get("/opportunities?segment_no=SEG1").json()["count"] == 2


def test_list_items_are_exactly_what_get_answers_for_each_opportunity(api, people) -> None:
    """The list is read as ``values()`` rows and rendered by pydantic-core (``json_response``), the single
    opportunity from a model through ninja: both must write every field alike (names, blanks as null, exact
    decimals, stage null while Not Started, No. of Interactions, timestamps with milliseconds and ``Z``)."""
    started = create(api)["no"]
    not_started = create(api, activate_first_stage=False, contact_no="c1")["no"]
    Interaction.objects.create(date=dt.date(2026, 1, 6), contact_id="P1", opportunity_id=started)
    Interaction.objects.create(date=dt.date(2026, 1, 7), contact_id="P1", opportunity_id=started, canceled=True)
    Opportunity.objects.filter(no=started).update(estimated_value="1234.50000")

    response = api.get("/opportunities?ordering=-no&limit=1")
    listed = response.json()
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert listed["count"] == 2
    assert listed["next"]
    page_two = api.get(f"/opportunities?ordering=-no&limit=1&cursor={listed['next']}").json()
    items = listed["items"] + page_two["items"]

    assert [item["no"] for item in items] == [not_started, started]
    for item in items:
        assert item == api.get(f"/opportunities/{item['no']}").json()
    by_no = {item["no"]: item for item in items}
    assert by_no[started]["no_of_interactions"] == 1
    assert by_no[started]["estimated_value"] == "1234.5"
    assert by_no[not_started]["current_sales_cycle_stage"] is None
    assert by_no[not_started]["contact_company_name"] == "Contoso"
    assert by_no[started]["created_at"].endswith("Z")


def test_delete_closed_takes_bc_filters_only_in_the_filter_fields(api, people) -> None:
    """Issue #15 (L9): ``no_filter`` & co. take BC filter syntax; ``no`` stays an exact key, so ``OP*`` there matches
    nothing; a malformed or blank expression is refused (422) and nothing is deleted."""
    testing.make_close_code("LOSTIT", "lost")
    nos = [create(api)["no"] for _ in range(3)]
    for no in nos:
        api.post(f"/opportunities/{no}/close", {"outcome": "lost", "close_opportunity_code": "LOSTIT"})

    assert api.post("/opportunities/delete-closed", {"no": "OP*", "dry_run": True}).json()["deleted_opportunities"] == 0
    dry = api.post("/opportunities/delete-closed", {"no_filter": f"{nos[0]}|{nos[2]}", "dry_run": True})
    assert dry.json() == {"deleted_opportunities": 2, "deleted_entries": 4}

    malformed = api.post("/opportunities/delete-closed", {"no_filter": f"{nos[0]}||{nos[2]}"})
    assert malformed.status_code == 422
    assert malformed.json()["code"] == "invalid_input"
    assert list(malformed.json()["fields"]) == ["no_filter"]
    blank = api.post("/opportunities/delete-closed", {"contact_no_filter": "  "})
    assert blank.status_code == 422
    assert Opportunity.objects.count() == 3

    done = api.post("/opportunities/delete-closed", {"no_filter": f"..{nos[1]}", "salesperson_code_filter": "SP*"})
    assert done.json() == {"deleted_opportunities": 2, "deleted_entries": 4}
    assert list(Opportunity.objects.values_list("no", flat=True)) == [nos[2]]
