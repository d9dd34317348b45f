"""View tests of the setup pages: each list answers, forms save through the services, refusals are shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.contacts.models import Contact, Salesperson, Segment
from salescycle.core.actors import SYSTEM
from salescycle.core.models import NumberSeries
from salescycle.opportunities.models import CloseOpportunityCode, MarketingSetup, SalesCycle, SalesCycleStage
from salescycle.tasks.models import Activity

SLUGS = ["salespeople", "contacts", "campaigns", "segments", "sales-cycles", "close-codes", "activities"]


@pytest.fixture
def manager(client: Client, db: Any) -> Client:
    testing.demo_setup()
    client.force_login(testing.make_user("manager", role="Administrator"))
    return client


def formset(prefix: str, rows: list[dict[str, str]], initial: int = 0) -> dict[str, str]:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{k}": v for k, v in row.items()})
    return data


@pytest.mark.parametrize("slug", SLUGS)
def test_every_setup_list_and_new_form_answers(manager: Client, slug: str) -> None:
    assert manager.get(f"/setup/{slug}/").status_code == 200
    assert manager.get(f"/setup/{slug}/new/").status_code == 200


def test_the_setup_index_links_every_page(manager: Client) -> None:
    page = manager.get("/setup/").content.decode()

    for slug in SLUGS:
        assert f'href="/setup/{slug}/"' in page


def test_anonymous_users_cannot_open_setup(client: Client, db: Any) -> None:
    assert client.get("/setup/sales-cycles/").status_code == 302


def test_creating_a_sales_cycle_with_stages(manager: Client) -> None:
    stages = [
        {"stage": "1", "description": "Lead", "completed_pct": "10", "chances_of_success_pct": "10", "activity": ""},
        {"stage": "2", "description": "Offer", "completed_pct": "50", "chances_of_success_pct": "40"},
        {"stage": "", "description": ""},
    ]
    data = {"code": "b2b", "description": "Business", "probability_calculation": "multiply"}

    response = manager.post("/setup/sales-cycles/new/", {**data, **formset("lines", stages)})

    assert response.status_code == 302
    assert response["Location"] == "/setup/sales-cycles/B2B/"
    assert list(SalesCycleStage.objects.filter(sales_cycle_id="B2B").values_list("stage", "description")) == [
        (1, "Lead"),
        (2, "Offer"),
    ]


def test_add_line_returns_the_form_one_stage_row_longer_and_saves_nothing(manager: Client) -> None:
    stages = [
        {"stage": "1", "description": "Lead", "activity": "INIT"},
        {"stage": "2", "description": "Offer", "allow_skip": "on"},
    ]
    data = {"code": "b2b", "description": "", "probability_calculation": "multiply", "add_line": "1"}

    response = manager.post("/setup/sales-cycles/new/", {**data, **formset("lines", stages)})

    assert response.status_code == 200
    page = response.content.decode()
    assert not SalesCycle.objects.filter(code="B2B").exists()
    assert 'name="lines-TOTAL_FORMS" value="3"' in page
    assert 'name="lines-2-stage"' in page
    assert "autofocus" in page
    assert 'name="lines-1-description" value="Offer"' in page
    assert '<option value="INIT" selected>' in page
    assert 'name="code" value="b2b"' in page
    assert 'class="error' not in page  # nothing validated yet: no "This field is required."
    assert '<template id="lines-empty-row">' in page


def test_a_cycle_with_three_stages_saves_in_one_post(manager: Client) -> None:
    stages = [{"stage": str(n), "description": f"Stage {n}", "chances_of_success_pct": str(n * 20)} for n in (1, 2, 3)]
    data = {"code": "three", "description": "Three stages", "probability_calculation": "multiply"}

    response = manager.post("/setup/sales-cycles/new/", {**data, **formset("lines", stages)})

    assert response.status_code == 302
    assert list(SalesCycleStage.objects.filter(sales_cycle_id="THREE").values_list("stage", flat=True)) == [1, 2, 3]


def test_add_line_is_not_offered_to_a_user_who_may_only_read(client: Client, db: Any) -> None:
    testing.demo_setup()
    client.force_login(testing.make_user("viewer", role="Viewer"))

    response = client.get("/setup/sales-cycles/NEW/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="lines-0-stage"' in page
    assert 'name="add_line"' not in page
    assert "lines-empty-row" not in page


def test_editing_a_cycle_updates_changed_stages_and_deletes_removed_ones(manager: Client) -> None:
    testing.make_cycle("B2B", stages=[{"stage": 1, "description": "Lead"}, {"stage": 2, "description": "Offer"}])
    rows = [
        {"stage": "1", "description": "Lead (qualified)", "allow_skip": "on"},
        {"stage": "2", "description": "Offer", "DELETE": "on"},
    ]
    data = {"description": "Business", "probability_calculation": "add", **formset("lines", rows, initial=2)}

    manager.post("/setup/sales-cycles/B2B/", data)

    stages = list(SalesCycleStage.objects.filter(sales_cycle_id="B2B"))
    assert [(s.stage, s.description, s.allow_skip) for s in stages] == [(1, "Lead (qualified)", True)]
    assert SalesCycle.objects.get(code="B2B").probability_calculation == "add"


def test_a_refused_stage_deletion_shows_the_service_message(manager: Client) -> None:
    salesperson = testing.make_salesperson("AH")
    testing.create_opportunity(
        testing.make_company("CT1"), salesperson, activate=True, by=SYSTEM
    )  # active on NEW stage 1
    page = manager.get("/setup/sales-cycles/NEW/").content.decode()
    assert 'value="Initial"' in page
    rows = [{"stage": str(n), "description": d} for n, d in [(2, "Qualification")]]

    response = manager.post(
        "/setup/sales-cycles/NEW/",
        {"description": "New customer", "probability_calculation": "chances_of_success", **formset("lines", rows)},
    )

    assert response.status_code == 200
    assert "You cannot delete a stage which has active entries." in response.content.decode()
    assert SalesCycleStage.objects.filter(sales_cycle_id="NEW").count() == 5


def test_deleting_a_cycle_in_use_is_refused_with_a_message(manager: Client) -> None:
    response = manager.post("/setup/sales-cycles/NEW/delete/", follow=True)

    assert SalesCycle.objects.filter(code="NEW").exists()
    assert "cannot be deleted" in response.content.decode()


def test_creating_a_salesperson_a_contact_and_a_segment_with_lines(manager: Client) -> None:
    manager.post("/setup/salespeople/new/", {"code": "jo", "name": "Jo"})
    manager.post("/setup/contacts/new/", {"no": "CT9", "type": "company", "name": "Nine Ltd", "salesperson": "JO"})
    manager.post("/setup/contacts/new/", {"no": "CT10", "type": "person", "name": "Ten", "company_no": "CT9"})
    lines = [{"contact_no": "CT9"}, {"contact_no": "CT10", "description": "Buyer"}]

    response = manager.post("/setup/segments/new/", {"no": "SEG9", "description": "Nines", **formset("lines", lines)})

    assert response.status_code == 302
    assert Salesperson.objects.get(code="JO").name == "Jo"
    assert Contact.objects.get(no="CT10").company_id == "CT9"
    assert list(Segment.objects.get(no="SEG9").lines.values_list("contact_id", flat=True)) == ["CT9", "CT10"]


def test_an_unknown_segment_contact_shows_the_service_message(manager: Client) -> None:
    response = manager.post("/setup/segments/new/", {"no": "SEG9", **formset("lines", [{"contact_no": "NOPE"}])})

    assert response.status_code == 200
    assert "does not exist" in response.content.decode()


def test_creating_an_activity_with_steps(manager: Client) -> None:
    steps = [{"step_no": "", "type": "phone_call", "description": "Call", "priority": "high", "date_formula": "+1W"}]

    manager.post("/setup/activities/new/", {"code": "CALL", "description": "Calls", **formset("lines", steps)})

    activity = Activity.objects.get(code="CALL")
    assert list(activity.steps.values_list("step_no", "type", "date_formula")) == [(10000, "phone_call", "+1W")]


def test_creating_a_close_code(manager: Client) -> None:
    manager.post("/setup/close-codes/new/", {"code": "late_l", "description": "Too late", "type": "lost"})

    assert CloseOpportunityCode.objects.get(code="LATE_L").type == "lost"


def test_the_contact_list_links_to_its_opportunities(manager: Client) -> None:
    testing.make_company("CT1", name="One")

    page = manager.get("/setup/contacts/").content.decode()

    assert 'href="/opportunities/?contact=CT1"' in page
    assert 'href="/opportunities/new/?contact=CT1"' in page


def test_a_setup_list_runs_a_constant_number_of_queries(manager: Client, django_assert_max_num_queries: Any) -> None:
    for index in range(30):
        testing.make_salesperson(f"SP{index:02d}")

    with django_assert_max_num_queries(6):
        manager.get("/setup/salespeople/")


# ---------------------------------------------------------------------------------------------------------------
# Marketing Setup (the service of the API's PATCH /setup)


def marketing_form(manager: Client) -> dict[str, str]:
    """The Marketing Setup form's current values, as the browser would post them back."""
    form = manager.get("/setup/marketing/").context["form"]
    return {name: "" if value is None else str(value) for name, value in form.initial.items()}


def test_marketing_setup_is_linked_from_the_setup_index(manager: Client) -> None:
    assert 'href="/setup/marketing/"' in manager.get("/setup/").content.decode()


def test_marketing_setup_shows_the_default_cycle_the_customer_relation_code_and_the_prefixes(manager: Client) -> None:
    SalesCycle.objects.create(code="OLD", description="Retired", blocked=True)

    page = manager.get("/setup/marketing/").content.decode()

    assert '<option value="NEW" selected>' in page
    assert 'value="OLD"' not in page  # a blocked cycle cannot become the default
    assert 'name="bus_rel_code_for_customers" value="CUST"' in page
    assert 'name="prefix_opportunity" value="OP"' in page


def test_saving_marketing_setup_changes_the_default_cycle_and_the_prefixes(manager: Client) -> None:
    data = {**marketing_form(manager), "default_sales_cycle_code": "EXISTING", "prefix_opportunity": "OPP"}

    response = manager.post("/setup/marketing/", data)

    assert response.status_code == 302
    assert response["Location"] == "/setup/marketing/"
    setup = MarketingSetup.get()
    assert setup.default_sales_cycle_id == "EXISTING"
    assert setup.version == 2
    assert NumberSeries.objects.get(code="opportunity").prefix == "OPP"
    assert NumberSeries.objects.get(code="contact").prefix == "CT"


def test_saving_marketing_setup_changes_the_bus_rel_code_for_customers(manager: Client) -> None:
    manager.post("/setup/marketing/", {**marketing_form(manager), "bus_rel_code_for_customers": "kunde"})

    assert MarketingSetup.get().bus_rel_code_for_customers == "KUNDE"


def test_marketing_setup_can_have_no_default_cycle(manager: Client) -> None:
    manager.post("/setup/marketing/", {**marketing_form(manager), "default_sales_cycle_code": ""})

    assert MarketingSetup.get().default_sales_cycle_id is None


def test_a_stale_marketing_setup_form_is_refused_on_the_form(manager: Client) -> None:
    stale = marketing_form(manager)
    manager.post("/setup/marketing/", {**stale, "prefix_task": "TK"})

    response = manager.post("/setup/marketing/", {**stale, "prefix_task": "TX"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert NumberSeries.objects.get(code="task").prefix == "TK"


def test_a_blocked_cycle_is_refused_as_default(manager: Client) -> None:
    SalesCycle.objects.create(code="OLD", description="Retired", blocked=True)

    response = manager.post("/setup/marketing/", {**marketing_form(manager), "default_sales_cycle_code": "OLD"})

    assert response.status_code == 200
    assert "default_sales_cycle_code" in response.context["form"].errors
    assert MarketingSetup.get().default_sales_cycle_id == "NEW"


def test_a_stage_number_given_twice_is_refused_and_nothing_is_saved(manager: Client) -> None:
    """The UX walk's M2: two lines with stage 1 saved "successfully" and kept only the second."""
    stages = [
        {"stage": "1", "description": "A", "completed_pct": "10", "chances_of_success_pct": "10"},
        {"stage": "1", "description": "B", "completed_pct": "20", "chances_of_success_pct": "20"},
    ]
    data = {"code": "UXDEL", "description": "Twice", "probability_calculation": "multiply"}

    response = manager.post("/setup/sales-cycles/new/", {**data, **formset("lines", stages)})

    assert response.status_code == 200
    assert "Stage 1 is given more than once." in response.content.decode()
    assert not SalesCycle.objects.filter(code="UXDEL").exists()
    assert not SalesCycleStage.objects.filter(sales_cycle_id="UXDEL").exists()


def test_deleting_a_setup_record_asks_first(manager: Client) -> None:
    """The UX walk's M3: Delete acted on one click; the edit page now links a confirmation page."""
    manager.post("/setup/salespeople/new/", {"code": "GONE", "name": "Gone"})
    edit = manager.get("/setup/salespeople/GONE/").content.decode()
    assert 'href="/setup/salespeople/GONE/delete/"' in edit

    question = manager.get("/setup/salespeople/GONE/delete/")

    assert question.status_code == 200
    assert "This cannot be undone." in question.content.decode()
    assert Salesperson.objects.filter(code="GONE").exists()
    assert manager.post("/setup/salespeople/GONE/delete/")["Location"] == "/setup/salespeople/"
    assert not Salesperson.objects.filter(code="GONE").exists()
