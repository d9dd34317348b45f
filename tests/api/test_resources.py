"""Contract of the setup, contact, task, interaction and statistics endpoints (spec api.md): one success case per
path plus the rule keys clients rely on."""

from __future__ import annotations

from typing import Any

import pytest

from salescycle import testing
from salescycle.contacts.models import Customer

pytestmark = pytest.mark.django_db


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json() if status != 204 else None


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    return response.json()


def test_salespeople_crud_and_search(api, demo) -> None:
    created = ok(api.post("/salespeople", {"code": "jd", "name": "Jane Doe", "email": "jane@example.com"}), 201)
    assert created["code"] == "JD"
    assert created["version"] == 1

    error(api.post("/salespeople", {"code": "JD"}), 409, "conflict.exists")
    error(api.post("/salespeople", {"code": "X", "email": "not-an-email"}), 422, "invalid_input")
    assert ok(api.get("/salespeople?q=jane"))["count"] == 1
    assert ok(api.get("/salespeople/jd"))["name"] == "Jane Doe"
    assert ok(api.patch("/salespeople/JD", {"blocked": True}))["blocked"] is True
    ok(api.delete("/salespeople/JD"), 204)
    error(api.get("/salespeople/JD"), 404, "not_found")


def test_salesperson_in_use_cannot_be_deleted(api, demo) -> None:
    salesperson = testing.make_salesperson("SP1")
    testing.make_company("C1", salesperson=salesperson)

    error(api.delete("/salespeople/SP1"), 409, "conflict.in_use")


def test_contacts_crud(api, demo) -> None:
    company = ok(api.post("/contacts", {"type": "company", "name": "Contoso"}), 201)
    assert company["no"] == "CT000001"
    assert company["company_no"] == "CT000001"
    assert company["customer_no"] is None
    person = ok(api.post("/contacts", {"type": "person", "name": "Pat", "company_no": company["no"]}), 201)
    assert person["company_no"] == company["no"]
    assert person["company_name"] == "Contoso"

    assert ok(api.get("/contacts?q=pat"))["count"] == 1
    assert ok(api.get(f"/contacts/{person['no']}"))["name"] == "Pat"
    assert ok(api.patch(f"/contacts/{person['no']}", {"city": "Oslo"}))["city"] == "Oslo"
    error(
        api.post("/contacts", {"type": "person", "name": "X", "company_no": person["no"]}),
        422,
        "contact.company_not_company",
    )
    ok(api.delete(f"/contacts/{person['no']}"), 204)


def test_deleting_a_contact_with_open_opportunities_is_refused(api, demo) -> None:
    salesperson = testing.make_salesperson("SP1")
    company = testing.make_company("C1", salesperson=salesperson)
    testing.create_opportunity(company, salesperson)

    error(api.delete("/contacts/C1"), 422, "contact.has_open_opportunities")


def test_campaigns_crud(api, demo) -> None:
    created = ok(
        api.post("/campaigns", {"description": "Spring", "starting_date": "2026-01-01", "ending_date": "2026-06-30"}),
        201,
    )
    no = created["no"]
    assert no == "CP000001"
    assert created["salesperson_code"] is None
    assert ok(api.get("/campaigns"))["count"] == 1
    assert ok(api.get(f"/campaigns/{no}"))["description"] == "Spring"
    assert ok(api.patch(f"/campaigns/{no}", {"activated": True}))["activated"] is True
    ok(api.delete(f"/campaigns/{no}"), 204)


def test_segments_crud_with_lines(api, demo) -> None:
    testing.make_company("C1", name="Contoso")
    created = ok(api.post("/segments", {"description": "Mailing", "lines": [{"contact_no": "c1"}]}), 201)
    no = created["no"]
    assert created["lines"] == [{"contact_no": "C1", "description": "Contoso"}]
    assert ok(api.get("/segments"))["count"] == 1
    assert ok(api.get(f"/segments/{no}"))["description"] == "Mailing"
    assert ok(api.patch(f"/segments/{no}", {"lines": []}))["lines"] == []
    ok(api.delete(f"/segments/{no}"), 204)


def test_sales_cycles_and_stages(api, demo) -> None:
    cycle = ok(
        api.post("/sales-cycles", {"code": "fast", "description": "Fast", "probability_calculation": "add"}), 201
    )
    assert cycle["code"] == "FAST"
    assert ok(api.get("/sales-cycles"))["count"] == 3
    assert ok(api.get("/sales-cycles/FAST"))["probability_calculation"] == "add"
    assert ok(api.patch("/sales-cycles/FAST", {"blocked": True}))["blocked"] is True

    stage = ok(
        api.post(
            "/sales-cycles/FAST/stages",
            {
                "stage": 1,
                "description": "Start",
                "completed_pct": "12.5",
                "chances_of_success_pct": 30,
                "activity_code": "init",
                "date_formula": "+1W",
            },
        ),
        201,
    )
    assert stage["completed_pct"] == "12.5"
    assert stage["activity_code"] == "INIT"
    assert stage["date_formula"] == "+1W"
    error(api.post("/sales-cycles/FAST/stages", {"stage": 1}), 409, "conflict.exists")
    assert ok(api.get("/sales-cycles/FAST/stages"))["count"] == 1
    assert ok(api.get("/sales-cycles/FAST/stages/1"))["description"] == "Start"
    assert ok(api.patch("/sales-cycles/FAST/stages/1", {"allow_skip": True}))["allow_skip"] is True
    ok(api.delete("/sales-cycles/FAST/stages/1"), 204)
    ok(api.delete("/sales-cycles/FAST"), 204)


def test_deleting_a_stage_with_active_entries_is_refused(api, demo) -> None:
    salesperson = testing.make_salesperson("SP1")
    company = testing.make_company("C1")
    testing.create_opportunity(company, salesperson, activate=True)

    error(api.delete("/sales-cycles/NEW/stages/1"), 422, "stage.has_active_entries")
    error(api.delete("/sales-cycles/NEW"), 422, "sales_cycle.has_open_opportunities")


def test_close_opportunity_codes(api, demo) -> None:
    created = ok(api.post("/close-opportunity-codes", {"code": "price", "description": "Price", "type": "lost"}), 201)
    assert created == {"code": "PRICE", "description": "Price", "type": "lost", "version": 1}
    assert ok(api.get("/close-opportunity-codes?type=lost"))["count"] >= 1
    assert ok(api.get("/close-opportunity-codes/PRICE"))["type"] == "lost"
    assert ok(api.patch("/close-opportunity-codes/PRICE", {"description": "Too expensive"}))["version"] == 2
    ok(api.delete("/close-opportunity-codes/PRICE"), 204)


def test_activities_with_steps(api, demo) -> None:
    created = ok(
        api.post(
            "/activities",
            {
                "code": "call",
                "description": "Calls",
                "steps": [
                    {"type": "phone_call", "description": "Call", "date_formula": "+1D"},
                    {"description": "Note"},
                ],
            },
        ),
        201,
    )
    assert [s["step_no"] for s in created["steps"]] == [10000, 20000]
    assert created["steps"][1]["type"] is None
    assert ok(api.get("/activities"))["count"] >= 1
    assert ok(api.get("/activities/CALL"))["description"] == "Calls"
    assert ok(api.patch("/activities/CALL", {"steps": []}))["steps"] == []
    ok(api.delete("/activities/CALL"), 204)
    error(api.delete("/activities/INIT"), 409, "conflict.in_use")


def test_setup_reads_and_changes(api, demo) -> None:
    setup = ok(api.get("/setup"))
    assert setup["default_sales_cycle_code"] == "NEW"
    assert setup["local_currency_code"] == "EUR"
    assert setup["number_series"]["opportunity"] == "OP"

    changed = ok(api.patch("/setup", {"default_sales_cycle_code": "existing", "number_series": {"opportunity": "OPP"}}))
    assert changed["default_sales_cycle_code"] == "EXISTING"
    assert changed["number_series"]["opportunity"] == "OPP"
    error(api.patch("/setup", {"default_sales_cycle_code": "NOPE"}), 422, "sales_cycle.not_found")


def test_tasks_create_list_patch(api, demo) -> None:
    testing.make_salesperson("SP1")
    created = ok(api.post("/tasks", {"description": "Call back", "date": "2026-02-01", "salesperson_code": "sp1"}), 201)
    no = created["no"]
    assert created["type"] is None
    assert created["closed"] is False
    assert created["opportunity_no"] is None
    assert ok(api.get("/tasks?salesperson_code=SP1&closed=false"))["count"] == 1
    assert ok(api.get(f"/tasks/{no}"))["description"] == "Call back"
    done = ok(api.patch(f"/tasks/{no}", {"status": "completed"}))
    assert done["closed"] is True
    assert done["date_closed"] is not None
    assert ok(api.get("/tasks?closed=true"))["count"] == 1


def test_interactions(api, demo) -> None:
    testing.make_company("C1")
    created = ok(api.post("/interactions", {"contact_no": "c1", "description": "Met", "date": "2026-01-02"}), 201)
    entry_no = created["entry_no"]
    assert ok(api.get("/interactions?contact_no=C1"))["count"] == 1
    assert ok(api.get(f"/interactions/{entry_no}"))["description"] == "Met"
    assert ok(api.patch(f"/interactions/{entry_no}", {"canceled": True}))["canceled"] is True


def test_statistics_endpoints(api, demo) -> None:
    salesperson = testing.make_salesperson("SP1")
    company = testing.make_company("C1")
    person = testing.make_person(company, "P1")
    testing.create_opportunity(person, salesperson, activate=True, value="1000", chances="50")
    testing.create_opportunity(company, salesperson, activate=True, value="3000", chances="10")
    testing.create_opportunity(company, salesperson, activate=False)

    cycle = ok(api.get("/sales-cycles/NEW/statistics"))
    assert cycle["no_of_opportunities"] == 2
    assert cycle["estimated_value"] == "4000"
    assert cycle["stages"][0]["stage"] == 1
    assert cycle["stages"][0]["no_of_opportunities"] == 2
    assert len(cycle["stages"]) == 5

    person_stats = ok(api.get("/contacts/P1/statistics"))
    assert person_stats["no_of_opportunities"] == 1
    assert person_stats["estimated_value"] == "1000"
    assert ok(api.get("/contacts/C1/statistics"))["no_of_opportunities"] == 2

    sp = ok(api.get("/salespeople/SP1/statistics?action_taken=in_progress&sales_cycle_code=NEW"))
    assert sp["no_of_opportunities"] == 2
    assert sp["avg_estimated_value"] == "2000"
    assert ok(api.get("/salespeople/SP1/statistics?action_taken=won"))["no_of_opportunities"] == 0
    assert ok(api.get("/salespeople/SP1/statistics?estimated_close_date_to=2000-01-01"))["no_of_opportunities"] == 0

    campaign = ok(api.post("/campaigns", {"description": "x"}), 201)
    assert ok(api.get(f"/campaigns/{campaign['no']}/statistics")) == {
        "no_of_opportunities": 0,
        "estimated_value": "0",
        "calculated_current_value": "0",
    }
    error(api.get("/sales-cycles/NOPE/statistics"), 404, "not_found")


def _close_won(api: Any, opportunity_no: str) -> None:
    ok(
        api.post(
            f"/opportunities/{opportunity_no}/close",
            {"outcome": "won", "close_opportunity_code": "PRICE_W", "date_closed": "2026-03-20", "sales_value": "9500"},
        )
    )


def test_a_person_without_company_who_won_shows_her_own_customer_no(api, demo) -> None:
    """api.md /contacts ``customer_no``: the contact's own customer; spec §4.8.4: closing Won makes a person without
    company a customer herself (rule 16: it used to read null)."""
    salesperson = testing.make_salesperson("SP1")
    person = testing.make_person(None, "P1", salesperson=salesperson)
    assert ok(api.get("/contacts/P1"))["customer_no"] is None
    opportunity = testing.create_opportunity(person, salesperson, activate=True)

    _close_won(api, opportunity.no)

    own = Customer.objects.get(contact_id="P1").no
    assert ok(api.get("/contacts/P1"))["customer_no"] == own
    listed = ok(api.get("/contacts?q=P1"))["items"]
    assert [(c["no"], c["customer_no"]) for c in listed] == [("P1", own)]


def test_a_person_of_a_company_shows_the_company_customer_no(api, demo) -> None:
    """api.md /contacts ``customer_no``: for a person, the company's customer (§4.8.4 makes the company the customer
    when a person of it wins); null while neither is a customer."""
    salesperson = testing.make_salesperson("SP1")
    company = testing.make_company("C1", salesperson=salesperson)
    testing.make_person(company, "P1", salesperson=salesperson)
    testing.make_person(testing.make_company("C2"), "P2")
    opportunity = testing.create_opportunity(company, salesperson, activate=True)

    _close_won(api, opportunity.no)

    company_customer = Customer.objects.get(contact_id="C1").no
    assert not Customer.objects.filter(contact_id="P1").exists()
    assert ok(api.get("/contacts/P1"))["customer_no"] == company_customer
    assert ok(api.get("/contacts/C1"))["customer_no"] == company_customer
    assert ok(api.get("/contacts/P2"))["customer_no"] is None
