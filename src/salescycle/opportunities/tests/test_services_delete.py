"""Deletion rules: opportunities one by one (§4.11.1, D1) and in batch (§4.11.2), sales cycles (§2.2), stages (§2.3),
close codes, activities, salespeople and contacts still referenced by data (D17, §4.11.4)."""

from __future__ import annotations

from typing import Any

import pytest

from salescycle import testing
from salescycle.contacts.models import Contact, Salesperson
from salescycle.contacts.services import create_campaign, delete_contact
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError, InvalidInput
from salescycle.core.records import delete_record
from salescycle.opportunities import services as setup
from salescycle.opportunities.models import (
    CloseOpportunityCode,
    MarketingSetup,
    Opportunity,
    OpportunityComment,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
)
from salescycle.opportunities.services import (
    DeleteResult,
    add_comment,
    close_opportunity,
    closed_opportunities_preview,
    delete_closed_opportunities,
    delete_opportunity,
)
from salescycle.opportunities.services.delete import closed_opportunities
from salescycle.opportunities.tests.conftest import D, day, move, snapshot
from salescycle.tasks.models import Activity, ActivityStep, Task

pytestmark = pytest.mark.django_db


def closed(contact: Any, salesperson: Any, outcome: str = "won", on: int = 2, **extra: Any) -> str:
    """An opportunity activated on START and closed ``on`` days later; returns its number."""
    no = testing.create_opportunity(contact, salesperson, activate=True, **extra).no
    code = "PRICE_W" if outcome == "won" else "PRICE_L"
    close_opportunity(
        no, outcome=outcome, close_opportunity_code=code, date_closed=day(on), sales_value=D(1), by=SYSTEM
    )
    return no


def refused(code: str, call: Any, *args: Any, **kwargs: Any) -> DomainError:
    """Call and assert the refusal ``code`` and that no row changed."""
    before = snapshot()
    with pytest.raises(DomainError) as error:
        call(*args, **testing.with_actor(call, kwargs))
    assert error.value.code == code
    assert snapshot() == before
    return error.value


# ---------------------------------------------------------------------------------------------------------------
# One opportunity (§4.11.1, D1)


def test_an_in_progress_opportunity_cannot_be_deleted(salesperson: Any, company: Any) -> None:
    no = testing.create_opportunity(company, salesperson, activate=True).no

    refused("opportunity.delete_in_progress", delete_opportunity, no)


def test_a_not_started_opportunity_is_deleted_with_its_comments(salesperson: Any, company: Any) -> None:
    no = testing.create_opportunity(company, salesperson).no
    add_comment(no, comment="Maybe later", date=day(0), by=SYSTEM)

    delete_opportunity(no, by=SYSTEM)

    assert not Opportunity.objects.filter(no=no).exists()
    assert not OpportunityComment.objects.exists()


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_a_closed_opportunity_is_deleted_but_its_tasks_stay_unlinked(
    outcome: str, salesperson: Any, company: Any
) -> None:
    no = closed(company, salesperson, outcome)
    other = testing.create_opportunity(company, salesperson, activate=True).no
    add_comment(no, comment="Done", date=day(3), by=SYSTEM)

    delete_opportunity(no, by=SYSTEM)

    assert not Opportunity.objects.filter(no=no).exists()
    assert not OpportunityEntry.objects.filter(opportunity_id=no).exists()
    assert not OpportunityComment.objects.exists()
    # The two INIT tasks stay, cancelled by the close and unlinked; the other opportunity keeps its own.
    assert list(Task.objects.filter(opportunity_no="").values_list("opportunity_entry_no", "closed")) == [
        (0, True), (0, True)
    ]  # fmt: skip
    assert Task.objects.filter(opportunity_no=other).count() == 2
    assert OpportunityEntry.objects.filter(opportunity_id=other).count() == 1


# ---------------------------------------------------------------------------------------------------------------
# Batch (§4.11.2)


@pytest.fixture
def closed_book(salesperson: Any, company: Any, person: Any) -> dict[str, str]:
    """Five closed opportunities differing in one filter each, plus an open and a Not Started one."""
    testing.make_salesperson("BO")
    campaign = create_campaign(no="CP-FAIR", starting_date=day(-5), ending_date=day(5), activated=True, by=SYSTEM)
    testing.make_cycle("SHORT", stages=[{"stage": 1, "completed_pct": "50", "chances_of_success_pct": "50"}])
    bo = Salesperson.objects.get(code="BO")
    return {
        "plain": closed(company, salesperson, "won", on=2),
        "late": closed(company, salesperson, "lost", on=20),
        "bo": closed(company, bo, "lost", on=3),
        "fair": closed(company, salesperson, "won", on=4, campaign_no=campaign.no),
        "linda": closed(person, salesperson, "lost", on=5),
        "short": closed(company, salesperson, "lost", on=6, cycle="SHORT"),
        "open": testing.create_opportunity(company, salesperson, activate=True).no,
        "new": testing.create_opportunity(company, salesperson).no,
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param({}, ["plain", "late", "bo", "fair", "linda", "short"], id="all-closed"),
        pytest.param({"no": "op000001"}, ["plain"], id="no"),
        pytest.param({"no": "OP000007"}, [], id="no-of-open-one"),
        pytest.param({"date_closed_from": day(4)}, ["late", "fair", "linda", "short"], id="date-from"),
        pytest.param({"date_closed_to": day(3)}, ["plain", "bo"], id="date-to"),
        pytest.param({"date_closed_from": day(3), "date_closed_to": day(5)}, ["bo", "fair", "linda"], id="date-range"),
        pytest.param({"salesperson_code": "bo"}, ["bo"], id="salesperson"),
        pytest.param({"campaign_no": "CP-FAIR"}, ["fair"], id="campaign"),
        pytest.param({"contact_no": "CT-LINDA"}, ["linda"], id="contact"),
        pytest.param({"sales_cycle_code": "SHORT"}, ["short"], id="sales-cycle"),
        pytest.param({"salesperson_code": "AH", "sales_cycle_code": "NEW", "date_closed_to": day(4)},
                     ["plain", "fair"], id="combined"),
        # BC filter syntax (issue #15, L9): the *_filter arguments.
        pytest.param({"no_filter": "op00000*"}, ["plain", "late", "bo", "fair", "linda", "short"], id="no-wildcard"),
        pytest.param({"no_filter": "OP000002..OP000004"}, ["late", "bo", "fair"], id="no-range"),
        pytest.param({"no_filter": "OP000001|OP000005|OP000007"}, ["plain", "linda"], id="no-or"),
        pytest.param({"no": "OP00000*"}, [], id="exact-no-stays-exact"),
        pytest.param({"salesperson_code_filter": "B*"}, ["bo"], id="salesperson-wildcard"),
        pytest.param({"campaign_no_filter": "CP-*"}, ["fair"], id="campaign-wildcard"),
        pytest.param({"contact_no_filter": "*LINDA|NOBODY"}, ["linda"], id="contact-or"),
        pytest.param({"sales_cycle_code_filter": "S?ORT"}, ["short"], id="sales-cycle-one-character"),
        pytest.param({"no_filter": "..OP000003", "salesperson_code_filter": "AH"}, ["plain", "late"],
                     id="filters-combined"),
    ],
)  # fmt: skip
def test_batch_delete_takes_closed_opportunities_matching_every_filter(
    closed_book: dict[str, str], filters: dict[str, Any], expected: list[str]
) -> None:
    nos = [closed_book[name] for name in expected]
    entries = OpportunityEntry.objects.filter(opportunity_id__in=nos).count()
    tasks = set(Task.objects.filter(opportunity_no__in=nos).values_list("no", flat=True))
    before = snapshot()

    dry = delete_closed_opportunities(dry_run=True, **filters, by=SYSTEM)

    assert dry == DeleteResult(deleted_opportunities=len(nos), deleted_entries=entries)
    assert snapshot() == before

    result = delete_closed_opportunities(**filters, by=SYSTEM)

    assert result == dry
    remaining = set(Opportunity.objects.values_list("no", flat=True))
    assert remaining == set(closed_book.values()) - set(nos)
    assert not OpportunityEntry.objects.filter(opportunity_id__in=nos).exists()
    assert set(Task.objects.filter(opportunity_no="", opportunity_entry_no=0).values_list("no", flat=True)) == tasks


def test_batch_delete_never_touches_open_opportunities(closed_book: dict[str, str]) -> None:
    delete_closed_opportunities(by=SYSTEM)

    assert set(Opportunity.objects.values_list("no", flat=True)) == {closed_book["open"], closed_book["new"]}
    assert delete_closed_opportunities(by=SYSTEM) == DeleteResult(0, 0)


def test_batch_delete_in_chunks_deletes_and_counts_every_row_once(
    closed_book: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys are deleted DELETE_CHUNK at a time; the counts are the statements' row counts, summed over the chunks."""
    monkeypatch.setattr("salescycle.opportunities.services.delete.DELETE_CHUNK", 4)
    closed_nos = set(closed_book.values()) - {closed_book["open"], closed_book["new"]}
    entries = OpportunityEntry.objects.filter(opportunity_id__in=closed_nos).count()

    result = delete_closed_opportunities(by=testing.make_manager("mgr"))

    assert result == DeleteResult(deleted_opportunities=6, deleted_entries=entries)
    assert set(Opportunity.objects.values_list("no", flat=True)) == {closed_book["open"], closed_book["new"]}
    assert not OpportunityEntry.objects.filter(opportunity_id__in=closed_nos).exists()


# ---------------------------------------------------------------------------------------------------------------
# Sales cycles (§2.2, D17)


def test_a_cycle_with_open_opportunities_cannot_be_deleted(salesperson: Any, company: Any) -> None:
    testing.make_cycle("SHORT", stages=[{"stage": 1}])
    testing.create_opportunity(company, salesperson, cycle="SHORT", activate=True, chances="5")

    refused("sales_cycle.has_open_opportunities", setup.delete_sales_cycle, "SHORT")


def test_a_cycle_with_only_closed_or_not_started_opportunities_is_in_use(salesperson: Any, company: Any) -> None:
    testing.make_cycle("SHORT", stages=[{"stage": 1}])
    testing.make_cycle("IDLE", stages=[{"stage": 1}])
    closed(company, salesperson, cycle="SHORT")
    testing.create_opportunity(company, salesperson, cycle="IDLE")

    error = refused("conflict.in_use", setup.delete_sales_cycle, "SHORT")
    refused("conflict.in_use", setup.delete_sales_cycle, "IDLE")

    assert error.status == 409


def test_the_default_cycle_is_in_use(demo: None) -> None:
    assert MarketingSetup.get().default_sales_cycle_id == "NEW"

    refused("conflict.in_use", setup.delete_sales_cycle, "NEW")


def test_an_unused_cycle_is_deleted_with_its_stages(demo: None) -> None:
    setup.delete_sales_cycle("existing", by=SYSTEM)

    assert not SalesCycle.objects.filter(code="EXISTING").exists()
    assert not SalesCycleStage.objects.filter(sales_cycle_id="EXISTING").exists()


# ---------------------------------------------------------------------------------------------------------------
# Stages (§2.3, D17)


def test_a_stage_with_an_active_entry_cannot_be_deleted(salesperson: Any, company: Any) -> None:
    testing.create_opportunity(company, salesperson, activate=True)

    refused("stage.has_active_entries", setup.delete_sales_cycle_stage, "NEW", 1)


def test_a_stage_with_only_inactive_entries_is_in_use(salesperson: Any, company: Any) -> None:
    no = testing.create_opportunity(company, salesperson, activate=True).no
    move(no, "next", date_of_change=day(1))

    refused("conflict.in_use", setup.delete_sales_cycle_stage, "NEW", 1)


def test_a_stage_a_closed_opportunity_passed_through_is_in_use(salesperson: Any, company: Any) -> None:
    closed(company, salesperson)

    refused("conflict.in_use", setup.delete_sales_cycle_stage, "NEW", 1)


def test_an_unused_stage_is_deleted(salesperson: Any, company: Any) -> None:
    testing.create_opportunity(company, salesperson, activate=True)

    setup.delete_sales_cycle_stage("NEW", 5, by=SYSTEM)

    assert list(SalesCycleStage.objects.filter(sales_cycle_id="NEW").values_list("stage", flat=True)) == [1, 2, 3, 4]


# ---------------------------------------------------------------------------------------------------------------
# Close codes, activities, salespeople, contacts (D17, §4.11.4)


def test_a_close_code_in_use_cannot_be_deleted_an_unused_one_can(salesperson: Any, company: Any) -> None:
    closed(company, salesperson, "lost")

    refused("conflict.in_use", setup.delete_close_opportunity_code, "PRICE_L")
    setup.delete_close_opportunity_code("walked_l", by=SYSTEM)

    assert not CloseOpportunityCode.objects.filter(code="WALKED_L").exists()


def test_an_activity_used_by_a_stage_cannot_be_deleted_an_unused_one_goes_with_its_steps(demo: None) -> None:
    refused("conflict.in_use", setup.delete_activity, "QUAL")

    setup.delete_activity("WORKSHOP", by=SYSTEM)

    assert not Activity.objects.filter(code="WORKSHOP").exists()
    assert not ActivityStep.objects.filter(activity_id="WORKSHOP").exists()


def test_a_salesperson_with_opportunities_cannot_be_deleted(salesperson: Any, company: Any) -> None:
    closed(company, salesperson)

    error = refused("conflict.in_use", delete_record, salesperson)

    assert error.status == 409
    assert Salesperson.objects.filter(code="AH").exists()


def test_a_contact_with_a_not_started_opportunity_cannot_be_deleted(salesperson: Any, company: Any) -> None:
    testing.create_opportunity(company, salesperson)

    refused("contact.has_open_opportunities", delete_contact, company.no)


def test_a_company_whose_person_has_an_open_opportunity_cannot_be_deleted(
    salesperson: Any, company: Any, person: Any
) -> None:
    testing.create_opportunity(person, salesperson, activate=True)

    refused("contact.has_open_opportunities", delete_contact, company.no)


def test_a_contact_with_only_closed_opportunities_is_in_use(salesperson: Any, company: Any) -> None:
    closed(company, salesperson, "lost")

    refused("conflict.in_use", delete_contact, company.no)


def test_a_company_with_persons_is_in_use(company: Any, person: Any) -> None:
    refused("conflict.in_use", delete_contact, company.no)


def test_an_unreferenced_contact_is_deleted(company: Any, person: Any) -> None:
    delete_contact(person.no, by=SYSTEM)
    delete_contact(company.no, by=SYSTEM)

    assert not Contact.objects.exists()


def test_a_malformed_filter_is_refused_before_anything_is_read(
    closed_book: dict[str, str], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0), pytest.raises(InvalidInput) as error:
        closed_opportunities(no_filter="OP000001..OP000002..OP000003")

    assert error.value.fields.keys() == {"no_filter"}
    with pytest.raises(InvalidInput):
        delete_closed_opportunities(contact_no_filter="CT|", by=SYSTEM)
    assert Opportunity.objects.filter(closed=True).count() == 6


def test_code_filters_read_the_foreign_key_columns_without_a_join() -> None:
    sql = str(closed_opportunities(salesperson_code_filter="A*", contact_no_filter="C..D|E?", no_filter="X|Y*Z").query)

    assert "JOIN" not in sql.upper()


def test_the_preview_lists_the_first_matching_opportunities_in_key_order(closed_book: dict[str, str]) -> None:
    rows = closed_opportunities_preview(no_filter="OP000002..", limit=3, by=SYSTEM)

    assert [row["no"] for row in rows] == [closed_book["late"], closed_book["bo"], closed_book["fair"]]
    assert rows[0]["status"] == "lost"
    assert rows[1]["salesperson_id"] == "BO"
