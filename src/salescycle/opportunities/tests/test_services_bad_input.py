"""Bad input to every service raises the spec's error key and leaves the database exactly as it was.

Each case prepares what it needs (outside the snapshot), then makes one refused call; the test compares every row
of the written tables before and after (conftest ``snapshot``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from salescycle import testing
from salescycle.contacts import services as contact_services
from salescycle.contacts.models import Campaign, Contact, Salesperson
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError
from salescycle.opportunities import services
from salescycle.opportunities import services as setup
from salescycle.opportunities.engine import UpdateRequest
from salescycle.opportunities.models import MarketingSetup, Opportunity, SalesCycle
from salescycle.opportunities.services import Estimates
from salescycle.opportunities.tests.conftest import START, D, FakeDocuments, day, move, snapshot

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """A small database: Cronus and Linda, Annette, a campaign, and opportunities in every status."""

    company: Any
    person: Any
    other_company: Any
    salesperson: Any
    campaign: Any
    not_started: str  # NEW, no entries
    in_progress: str  # NEW, stage 1 since START
    existing_2: str  # EXISTING, stage 2 since day 10
    won: str  # NEW, won on day 3
    documents: FakeDocuments


@pytest.fixture
def world(salesperson: Any, company: Any, person: Any, sales_documents: FakeDocuments) -> World:
    other = testing.make_company("CT-OTHER", name="Other Inc")
    campaign = contact_services.create_campaign(
        no="CP-SPRING", description="Spring", starting_date=day(-10), ending_date=day(60), activated=True, by=SYSTEM
    )
    not_started = testing.create_opportunity(company, salesperson).no
    in_progress = testing.create_opportunity(company, salesperson, activate=True).no
    existing_2 = testing.create_opportunity(company, salesperson, cycle="EXISTING", activate=True).no
    move(existing_2, "next", date_of_change=day(10), estimated_close_date=day(40))
    won = testing.create_opportunity(company, salesperson, activate=True).no
    services.close_opportunity(
        won, outcome="won", close_opportunity_code="PRICE_W", date_closed=day(3), sales_value=D(5), by=SYSTEM
    )
    return World(
        company, person, other, salesperson, campaign, not_started, in_progress, existing_2, won, sales_documents
    )


def create(w: World, **overrides: Any) -> Callable[[], object]:
    """A create_opportunity call with valid activation input, changed by ``overrides``."""
    values: dict[str, Any] = dict(
        description="Chairs",
        contact_no=w.company.no,
        salesperson_code=w.salesperson.code,
        sales_cycle_code="NEW",
        creation_date=START,
        activate_first_stage=True,
        estimates=Estimates(D(100), D(10), day(30)),
    )
    values.update(overrides)
    return lambda: services.create_opportunity(**values, by=SYSTEM)


def estimates(value: str | None = "100", chances: str | None = "10", closing: dt.date | None = day(30)) -> Estimates:
    return Estimates(D(value) if value is not None else None, D(chances) if chances is not None else None, closing)


def update(no: str, action: str | None, **request: Any) -> Callable[[], object]:
    request.setdefault("estimated_close_date", day(40))
    return lambda: move(no, action, **request)  # type: ignore[arg-type]


def close(no: str, **overrides: Any) -> Callable[[], object]:
    values: dict[str, Any] = dict(
        outcome="won", close_opportunity_code="PRICE_W", date_closed=day(20), sales_value=D(9)
    )
    values.update(overrides)
    return lambda: services.close_opportunity(no, **values, by=SYSTEM)


def change(no: str, **changes: Any) -> Callable[[], object]:
    return lambda: services.change_opportunity(no, changes=changes, update_open_tasks=True, by=SYSTEM)


def block_salesperson(w: World) -> Callable[[], object]:
    Salesperson.objects.filter(code="AH").update(blocked=True)
    return create(w)


def block_cycle(w: World) -> Callable[[], object]:
    SalesCycle.objects.filter(code="EXISTING").update(blocked=True)
    return create(w, sales_cycle_code="EXISTING")


def block_default_cycle(w: World) -> Callable[[], object]:
    SalesCycle.objects.filter(code="NEW").update(blocked=True)
    return create(w, sales_cycle_code=None)


def empty_cycle(w: World) -> Callable[[], object]:
    testing.make_cycle("EMPTY")
    return create(w, sales_cycle_code="EMPTY")


def unactivated_campaign(w: World) -> Callable[[], object]:
    Campaign.objects.filter(no="CP-SPRING").update(activated=False)
    return create(w, campaign_no="CP-SPRING")


def campaign_without_end(w: World) -> Callable[[], object]:
    Campaign.objects.filter(no="CP-SPRING").update(ending_date=None)
    return create(w, campaign_no="CP-SPRING")


def foreign_segment(w: World) -> Callable[[], object]:
    other = contact_services.create_campaign(
        no="CP-OTHER", starting_date=day(-1), ending_date=day(1), activated=True, by=SYSTEM
    )
    segment = contact_services.create_segment(no="SG-OTHER", campaign=other, by=SYSTEM)
    return create(w, campaign_no="CP-SPRING", segment_no=segment.no)


def segment_second_line_fails(w: World) -> Callable[[], object]:
    # The first line would succeed (Cronus has a salesperson); the second has none anywhere: nothing may be created.
    Contact.objects.filter(no=w.company.no).update(salesperson_id="AH")
    loner = testing.make_person(None, "CT-SOLO")
    segment = contact_services.create_segment(
        no="SG-MIXED", lines=[{"contact_no": w.company.no}, {"contact_no": loner.no}], by=SYSTEM
    )
    return lambda: services.create_opportunities_from_segment(
        segment.no, description="x", creation_date=START, activate_first_stage=True, estimates=estimates(), by=SYSTEM
    )


def blocked_new_salesperson(w: World) -> Callable[[], object]:
    testing.make_salesperson("BLK", blocked=True)
    return change(w.in_progress, salesperson_code="BLK")


def campaign_changed(w: World, **fields: Any) -> Callable[[], object]:
    Campaign.objects.filter(no="CP-SPRING").update(**fields)
    return change(w.in_progress, campaign_no="CP-SPRING")


def segment_of_another_campaign(w: World) -> Callable[[], object]:
    services.change_opportunity(w.in_progress, changes={"campaign_no": "CP-SPRING"}, by=SYSTEM)
    contact_services.create_campaign(no="CP-B", starting_date=day(-1), ending_date=day(1), activated=True, by=SYSTEM)
    contact_services.create_segment(no="SG-B", campaign_id="CP-B", by=SYSTEM)
    return change(w.in_progress, segment_no="SG-B")


def empty_segment(w: World) -> Callable[[], object]:
    contact_services.create_segment(no="SG-EMPTY", by=SYSTEM)
    return lambda: services.create_opportunities_from_segment(
        "SG-EMPTY", description="x", creation_date=START, by=SYSTEM
    )


def first_stage_on_empty_cycle(w: World) -> Callable[[], object]:
    testing.make_cycle("EMPTY")
    no = testing.create_opportunity(w.company, w.salesperson, cycle="EMPTY").no
    return lambda: services.activate_first_stage(no, date_of_change=START, by=SYSTEM)


def update_on_empty_cycle(w: World) -> Callable[[], object]:
    testing.make_cycle("EMPTY")
    no = testing.create_opportunity(w.company, w.salesperson, cycle="EMPTY").no
    return update(no, "first", estimated_value=D(1))


def without_cycle(w: World) -> Callable[[], object]:
    Opportunity.objects.filter(no=w.not_started).update(sales_cycle=None)
    return lambda: services.activate_first_stage(w.not_started, date_of_change=START, by=SYSTEM)


def missing_bus_rel_code(w: World) -> Callable[[], object]:
    # The Won entry is written before the customer is made: the whole close must roll back (§4.8.4).
    MarketingSetup.objects.filter(id=1).update(bus_rel_code_for_customers="")
    no = testing.create_opportunity(w.other_company, w.salesperson, activate=True).no
    return close(no)


def quote_linked_elsewhere(w: World) -> Callable[[], object]:
    w.documents.add("quote", "SQ1", contact_no=w.company.no, amount="10")
    services.change_opportunity(
        w.existing_2, changes={"sales_document_type": "quote", "sales_document_no": "SQ1"}, by=SYSTEM
    )
    return change(w.in_progress, sales_document_type="quote", sales_document_no="SQ1")


def open_opportunity_of_company(w: World) -> Callable[[], object]:
    return lambda: contact_services.delete_contact(w.company.no, by=SYSTEM)


def open_opportunity_of_person(w: World) -> Callable[[], object]:
    testing.create_opportunity(w.person, w.salesperson)
    return lambda: contact_services.delete_contact(w.person.no, by=SYSTEM)


CASES: list[tuple[str, str, Callable[[World], Callable[[], object]]]] = [
    # create_opportunity (§4.2.2, D8, §4.3)
    ("create-description-blank", "opportunity.create.description_required", lambda w: create(w, description="  ")),
    ("create-contact-missing", "opportunity.create.contact_required", lambda w: create(w, contact_no=None)),
    ("create-contact-unknown", "contact.not_found", lambda w: create(w, contact_no="CT-NOBODY")),
    ("create-salesperson-missing", "opportunity.create.salesperson_required", lambda w: create(w, salesperson_code="")),
    ("create-salesperson-unknown", "salesperson.not_found", lambda w: create(w, salesperson_code="ZZ")),
    ("create-salesperson-blocked", "salesperson.blocked", block_salesperson),
    ("create-cycle-unknown", "sales_cycle.not_found", lambda w: create(w, sales_cycle_code="NOPE")),
    ("create-cycle-blocked", "sales_cycle.blocked", block_cycle),
    ("create-default-cycle-blocked", "opportunity.create.sales_cycle_required", block_default_cycle),
    ("create-cycle-without-stages", "sales_cycle.no_stages", empty_cycle),
    ("create-campaign-unknown", "campaign.not_found", lambda w: create(w, campaign_no="CP-NONE")),
    (
        "create-campaign-starts-later",
        "opportunity.campaign_out_of_period",
        lambda w: create(w, campaign_no="CP-SPRING", creation_date=day(-11), estimates=estimates(closing=day(1))),
    ),
    ("create-campaign-without-end", "opportunity.campaign_out_of_period", campaign_without_end),
    ("create-campaign-not-activated", "opportunity.campaign_not_activated", unactivated_campaign),
    ("create-segment-unknown", "segment.not_found", lambda w: create(w, segment_no="SG-NONE")),
    ("create-segment-other-campaign", "opportunity.segment_campaign_mismatch", foreign_segment),
    ("create-priority-unknown", "invalid_input", lambda w: create(w, priority="urgent")),
    (
        "create-value-zero",
        "opportunity.create.estimated_value_not_positive",
        lambda w: create(w, estimates=estimates(value="0")),
    ),
    (
        "create-value-negative",
        "opportunity.create.estimated_value_not_positive",
        lambda w: create(w, estimates=estimates(value="-5")),
    ),
    (
        "create-value-missing",
        "opportunity.create.estimated_value_not_positive",
        lambda w: create(w, estimates=None),
    ),
    (
        "create-chances-zero",
        "opportunity.create.chances_not_positive",
        lambda w: create(w, estimates=estimates(chances="0")),
    ),
    (
        "create-chances-negative",
        "opportunity.create.chances_not_positive",
        lambda w: create(w, estimates=estimates(chances="-1")),
    ),
    ("create-chances-over-100", "invalid_input", lambda w: create(w, estimates=estimates(chances="100.5"))),
    (
        "create-closing-date-missing",
        "opportunity.create.closing_date_required",
        lambda w: create(w, estimates=estimates(closing=None)),
    ),
    (
        "create-closing-before-creation",
        "opportunity.create.closing_date_before_creation",
        lambda w: create(w, estimates=estimates(closing=day(-1))),
    ),
    ("create-number-taken", "conflict.exists", lambda w: create(w, no=w.in_progress.lower())),
    # create_opportunities_from_segment (§4.2.3)
    ("segment-unknown", "segment.not_found", lambda w: lambda: services.create_opportunities_from_segment(
        "SG-NONE", description="x", creation_date=START, by=SYSTEM)),
    ("segment-empty", "segment.empty", empty_segment),
    ("segment-second-line-fails", "opportunity.create.salesperson_required", segment_second_line_fails),
    # activate_first_stage (§4.4.2, D9)
    ("first-unknown-opportunity", "not_found", lambda w: lambda: services.activate_first_stage("OP999999", by=SYSTEM)),
    ("first-already-started", "opportunity.not_not_started", lambda w: lambda: services.activate_first_stage(
        w.in_progress, date_of_change=day(1), by=SYSTEM)),
    ("first-closed", "opportunity.closed", lambda w: lambda: services.activate_first_stage(
        w.won, date_of_change=day(9), by=SYSTEM)),
    ("first-cycle-without-stages", "sales_cycle.no_stages", first_stage_on_empty_cycle),
    ("first-without-cycle", "opportunity.sales_cycle_required", without_cycle),
    ("first-stale-version", "conflict.version", lambda w: lambda: services.activate_first_stage(
        w.not_started, date_of_change=START, expected_version=7, by=SYSTEM)),
    # update_opportunity (§4.5.4–§4.5.5)
    ("update-unknown-opportunity", "not_found", lambda w: update("OP999999", "next")),
    ("update-closed", "opportunity.closed", lambda w: update(w.won, "next")),
    ("update-cycle-without-stages", "sales_cycle.no_stages", update_on_empty_cycle),
    ("update-unknown-action", "update.action_not_available", lambda w: update(w.in_progress, "fly")),
    ("update-no-action", "update.action_not_available", lambda w: update(w.in_progress, None)),
    ("update-previous-at-first-stage", "update.action_not_available", lambda w: update(w.in_progress, "previous")),
    ("update-first-when-started", "update.action_not_available", lambda w: update(w.in_progress, "first")),
    ("update-next-when-not-started", "update.action_not_available", lambda w: update(w.not_started, "next")),
    ("update-jump-with-one-stage", "update.action_not_available", lambda w: update(w.existing_2, "jump")),
    ("update-date-before-previous", "update.date_before_previous", lambda w: update(
        w.existing_2, "previous", date_of_change=day(9))),
    ("update-next-to-quote-stage", "update.quote_required", lambda w: update(
        w.existing_2, "next", date_of_change=day(11))),
    ("update-value-zero", "update.estimated_value_not_positive", lambda w: update(
        w.in_progress, "next", date_of_change=day(1), estimated_value=D(0))),
    ("update-value-negative", "update.estimated_value_not_positive", lambda w: update(
        w.in_progress, "next", date_of_change=day(1), estimated_value=D(-1))),
    ("update-chances-zero", "update.chances_not_positive", lambda w: update(
        w.in_progress, "next", date_of_change=day(1), chances_of_success_pct=D(0))),
    ("update-chances-negative", "invalid_input", lambda w: update(
        w.in_progress, "next", date_of_change=day(1), chances_of_success_pct=D(-10))),
    ("update-chances-over-100", "invalid_input", lambda w: update(
        w.in_progress, "update", date_of_change=day(1), chances_of_success_pct=D(101))),
    ("update-close-before-change", "update.close_date_before_change", lambda w: update(
        w.in_progress, "next", date_of_change=day(5), estimated_close_date=day(4))),
    ("update-stale-version", "conflict.version", lambda w: lambda: services.update_opportunity(
        w.in_progress, request=UpdateRequest("update"),
        expected_version=1, by=SYSTEM)),
    # close_opportunity (§4.8.3, D10, D11)
    ("close-unknown-opportunity", "not_found", lambda w: close("OP999999")),
    ("close-already-closed", "opportunity.closed", lambda w: close(w.won)),
    ("close-no-outcome", "close.won_or_lost_required", lambda w: close(w.in_progress, outcome=None)),
    ("close-bad-outcome", "close.won_or_lost_required", lambda w: close(w.in_progress, outcome="draw")),
    ("close-no-code", "close.code_required", lambda w: close(w.in_progress, close_opportunity_code="")),
    ("close-unknown-code", "close.code_not_found", lambda w: close(w.in_progress, close_opportunity_code="NOPE")),
    ("close-won-with-lost-code", "close.code_type_mismatch", lambda w: close(
        w.in_progress, close_opportunity_code="PRICE_L")),
    ("close-lost-with-won-code", "close.code_type_mismatch", lambda w: close(w.in_progress, outcome="lost")),
    ("close-before-last-change", "close.date_before_previous", lambda w: close(w.existing_2, date_closed=day(9))),
    ("close-won-without-sales", "close.sales_not_positive", lambda w: close(w.in_progress, sales_value=None)),
    ("close-won-sales-zero", "close.sales_not_positive", lambda w: close(w.in_progress, sales_value=D(0))),
    ("close-won-sales-negative", "close.sales_not_positive", lambda w: close(w.in_progress, sales_value=D(-3))),
    ("close-stale-version", "conflict.version", lambda w: close(w.in_progress, expected_version=1)),
    ("close-won-without-customer-setup", "setup.bus_rel_code_missing", missing_bus_rel_code),
    # change_opportunity (§4.3, §4.12, D13)
    ("change-unknown-field", "invalid_input", lambda w: change(w.in_progress, status="won")),
    ("change-cycle-started", "opportunity.sales_cycle_locked", lambda w: change(
        w.in_progress, sales_cycle_code="EXISTING")),
    ("change-cycle-won", "opportunity.sales_cycle_locked", lambda w: change(w.won, sales_cycle_code="EXISTING")),
    ("change-cycle-blank", "opportunity.sales_cycle_required", lambda w: change(w.not_started, sales_cycle_code="")),
    ("change-cycle-unknown", "sales_cycle.not_found", lambda w: change(w.not_started, sales_cycle_code="NOPE")),
    ("change-contact-won", "opportunity.field_not_editable", lambda w: change(w.won, contact_no="CT-LINDA")),
    ("change-salesperson-won", "opportunity.field_not_editable", lambda w: change(w.won, salesperson_code="ZZ")),
    ("change-priority-won", "opportunity.field_not_editable", lambda w: change(w.won, priority="high")),
    ("change-document-not-started", "opportunity.field_not_editable", lambda w: change(
        w.not_started, sales_document_type="quote", sales_document_no="SQ1")),
    ("change-contact-blank", "opportunity.contact_required", lambda w: change(w.in_progress, contact_no="")),
    ("change-contact-unknown", "contact.not_found", lambda w: change(w.in_progress, contact_no="CT-NOBODY")),
    ("change-contact-other-company", "opportunity.contact_other_company", lambda w: change(
        w.in_progress, contact_no="CT-OTHER")),
    ("change-salesperson-blank", "opportunity.salesperson_required", lambda w: change(
        w.in_progress, salesperson_code=None)),
    ("change-salesperson-unknown", "salesperson.not_found", lambda w: change(w.in_progress, salesperson_code="ZZ")),
    ("change-salesperson-blocked", "salesperson.blocked", blocked_new_salesperson),
    ("change-campaign-unknown", "campaign.not_found", lambda w: change(w.in_progress, campaign_no="CP-NONE")),
    ("change-campaign-not-activated", "opportunity.campaign_not_activated", lambda w: campaign_changed(
        w, activated=False)),
    ("change-campaign-out-of-period", "opportunity.campaign_out_of_period", lambda w: campaign_changed(
        w, starting_date=day(1))),
    ("change-segment-other-campaign", "opportunity.segment_campaign_mismatch", segment_of_another_campaign),
    ("change-segment-unknown", "segment.not_found", lambda w: change(w.won, segment_no="SG-NONE")),
    ("change-priority-unknown", "invalid_input", lambda w: change(w.in_progress, priority="urgent")),
    ("change-document-type-invoice", "invalid_input", lambda w: change(
        w.in_progress, sales_document_type="posted_invoice", sales_document_no="PI1")),
    ("change-document-unknown", "opportunity.document_not_found", lambda w: change(
        w.in_progress, sales_document_type="quote", sales_document_no="SQ404")),
    ("change-document-linked-elsewhere", "opportunity.document_already_linked", quote_linked_elsewhere),
    ("change-stale-version", "conflict.version", lambda w: lambda: services.change_opportunity(
        w.in_progress, changes={"description": "x"}, expected_version=1, by=SYSTEM)),
    # delete_opportunity, add_comment, contacts (§4.11.1, §4.11.4)
    ("delete-in-progress", "opportunity.delete_in_progress", lambda w: lambda: services.delete_opportunity(
        w.in_progress, by=SYSTEM)),
    ("delete-stale-version", "conflict.version", lambda w: lambda: services.delete_opportunity(
        w.won, expected_version=1, by=SYSTEM)),
    ("delete-unknown", "not_found", lambda w: lambda: services.delete_opportunity("OP999999", by=SYSTEM)),
    ("comment-empty", "invalid_input", lambda w: lambda: services.add_comment(w.won, comment="   ", by=SYSTEM)),
    ("contact-delete-company-with-open", "contact.has_open_opportunities", open_opportunity_of_company),
    ("contact-delete-person-with-open", "contact.has_open_opportunities", open_opportunity_of_person),
    ("contact-type-change-in-use", "contact.type_in_use", lambda w: lambda: contact_services.update_contact(
        w.company.no, type="person", by=SYSTEM)),
    ("contact-company-not-company", "contact.company_not_company", lambda w: lambda: contact_services.create_contact(
        type="person", name="Kid", company_no=w.person.no, by=SYSTEM)),
    ("contact-no-taken", "conflict.exists", lambda w: lambda: contact_services.create_contact(
        no=w.company.no, name="Again", by=SYSTEM)),
    ("segment-line-unknown-contact", "contact.not_found", lambda w: lambda: contact_services.create_segment(
        lines=[{"contact_no": "CT-NOBODY"}], by=SYSTEM)),
    # setup (§2.2, §2.3, D17)
    ("setup-stage-bad-formula", "date_formula.invalid", lambda w: lambda: setup.create_sales_cycle_stage(
        "NEW", stage=9, date_formula="+1X", by=SYSTEM)),
    ("setup-stage-duplicate", "conflict.exists", lambda w: lambda: setup.create_sales_cycle_stage(
        "NEW", stage=1, by=SYSTEM)),
    ("setup-stage-chances-over-100", "invalid_input", lambda w: lambda: setup.update_sales_cycle_stage(
        "NEW", 2, chances_of_success_pct=D(120), by=SYSTEM)),
    ("setup-stage-completed-negative", "invalid_input", lambda w: lambda: setup.create_sales_cycle_stage(
        "NEW", stage=9, completed_pct=D(-1), by=SYSTEM)),
    ("setup-activity-duplicate-steps", "invalid_input", lambda w: lambda: setup.save_activity(
        "INIT", steps=[{"step_no": 1}, {"step_no": 1}], by=SYSTEM)),
    ("setup-delete-cycle-open", "sales_cycle.has_open_opportunities", lambda w: lambda: setup.delete_sales_cycle(
        "NEW", by=SYSTEM)),
    ("setup-delete-stage-active", "stage.has_active_entries", lambda w: lambda: setup.delete_sales_cycle_stage(
        "NEW", 1, by=SYSTEM)),
    ("setup-delete-code-used", "conflict.in_use", lambda w: lambda: setup.delete_close_opportunity_code(
        "PRICE_W", by=SYSTEM)),
    ("setup-delete-activity-used", "conflict.in_use", lambda w: lambda: setup.delete_activity("INIT", by=SYSTEM)),
]  # fmt: skip


@pytest.mark.parametrize(("code", "prepare"), [pytest.param(c, p, id=i) for i, c, p in CASES])
def test_bad_input_is_refused_with_the_spec_key_and_changes_nothing(
    world: World, code: str, prepare: Callable[[World], Callable[[], object]]
) -> None:
    call = prepare(world)
    before = snapshot()

    with pytest.raises(DomainError) as error:
        call()

    assert error.value.code == code
    assert snapshot() == before


def test_refusals_carry_the_api_status_and_fields(world: World) -> None:
    with pytest.raises(DomainError) as stale:
        services.change_opportunity(world.in_progress, changes={"description": "x"}, expected_version=1, by=SYSTEM)
    with pytest.raises(DomainError) as missing:
        services.delete_opportunity("OP999999", by=SYSTEM)
    with pytest.raises(DomainError) as rule:
        services.change_opportunity(world.won, changes={"contact_no": "CT-LINDA", "priority": "high"}, by=SYSTEM)

    assert (stale.value.status, missing.value.status, rule.value.status) == (409, 404, 422)
    assert sorted(rule.value.fields) == ["contact_no", "priority"]
    assert rule.value.message


def test_the_world_is_consistent(world: World) -> None:
    """The fixture itself is a valid ledger, so the refusals above start from a sound state."""
    from salescycle.opportunities.integrity import check_integrity

    statuses = dict(Opportunity.objects.values_list("no", "status"))
    assert statuses == {
        world.not_started: "not_started",
        world.in_progress: "in_progress",
        world.existing_2: "in_progress",
        world.won: "won",
    }
    assert check_integrity().ok
