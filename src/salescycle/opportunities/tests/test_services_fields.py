"""Field changes on an opportunity (spec §4.3, §4.10.1, §4.12, D13): the editability matrix, what follows a
change (active entries, open tasks, segment), and optimistic locking through ``version`` / ``expected_version``."""

from __future__ import annotations

from typing import Any

import pytest

from salescycle import testing
from salescycle.contacts.services import create_campaign, create_segment
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError
from salescycle.opportunities import services
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.services import change_opportunity, close_opportunity
from salescycle.opportunities.tests.conftest import D, FakeDocuments, day, entries_of, move, snapshot
from salescycle.tasks.models import Task

pytestmark = pytest.mark.django_db


def opportunity_in(status: str, contact: Any, salesperson: Any) -> Opportunity:
    """An opportunity of ``contact`` in ``status`` (NEW cycle; started on START, closed on day 2)."""
    opportunity = testing.create_opportunity(contact, salesperson, activate=status != "not_started")
    if status in ("won", "lost"):
        code = "PRICE_W" if status == "won" else "PRICE_L"
        close_opportunity(
            opportunity.no, outcome=status, close_opportunity_code=code, date_closed=day(2), sales_value=D(1), by=SYSTEM
        )
    opportunity.refresh_from_db()
    assert opportunity.status == status
    return opportunity


NEW_VALUES: dict[str, Any] = {
    "description": "Renamed",
    "segment_no": "SG-FREE",
    "priority": "high",
    "contact_no": "CT-LINDA",
    "salesperson_code": "BO",
    "campaign_no": "CP-SPRING",
    "sales_document_type": "quote",
    "sales_cycle_code": "EXISTING",
}
OK = "ok"
NOT_EDITABLE = "opportunity.field_not_editable"
LOCKED = "opportunity.sales_cycle_locked"
# §4.12 (sales_document_no moves together with its type).
MATRIX = {
    "description": (OK, OK, OK, OK),
    "segment_no": (OK, OK, OK, OK),
    "priority": (OK, OK, NOT_EDITABLE, NOT_EDITABLE),
    "contact_no": (OK, OK, NOT_EDITABLE, NOT_EDITABLE),
    "salesperson_code": (OK, OK, NOT_EDITABLE, NOT_EDITABLE),
    "campaign_no": (OK, OK, NOT_EDITABLE, NOT_EDITABLE),
    "sales_document_type": (NOT_EDITABLE, OK, NOT_EDITABLE, NOT_EDITABLE),
    "sales_cycle_code": (OK, LOCKED, LOCKED, LOCKED),
}
STATUSES = ("not_started", "in_progress", "won", "lost")
COLUMNS = {
    "segment_no": "segment_id",
    "contact_no": "contact_id",
    "salesperson_code": "salesperson_id",
    "campaign_no": "campaign_id",
    "sales_cycle_code": "sales_cycle_id",
}


@pytest.mark.parametrize(
    ("field", "status", "expected"),
    [
        pytest.param(field, status, outcomes[i], id=f"{field}-{status}")
        for field, outcomes in MATRIX.items()
        for i, status in enumerate(STATUSES)
    ],
)
def test_editability_matrix(
    field: str,
    status: str,
    expected: str,
    salesperson: Any,
    company: Any,
    person: Any,
    sales_documents: FakeDocuments,
) -> None:
    testing.make_salesperson("BO")
    create_campaign(no="CP-SPRING", starting_date=day(-10), ending_date=day(60), activated=True, by=SYSTEM)
    create_segment(no="SG-FREE", description="Free segment", by=SYSTEM)
    sales_documents.add("quote", "SQ1", contact_no=company.no, amount="10")
    opportunity = opportunity_in(status, company, salesperson)
    changes = {field: NEW_VALUES[field]}
    if field == "sales_document_type":
        changes["sales_document_no"] = "SQ1"

    if expected == OK:
        changed = change_opportunity(opportunity.no, changes=changes, by=SYSTEM)
        assert changed.version == opportunity.version + 1
        column = COLUMNS.get(field, field)
        assert getattr(Opportunity.objects.get(no=opportunity.no), column) == NEW_VALUES[field]
    else:
        before = snapshot()
        with pytest.raises(DomainError) as error:
            change_opportunity(opportunity.no, changes=changes, by=SYSTEM)
        assert error.value.code == expected
        assert field in error.value.fields
        assert snapshot() == before


# ---------------------------------------------------------------------------------------------------------------
# Contact (§4.3.1)


def test_contact_of_another_company_is_allowed_before_the_start(salesperson: Any, company: Any) -> None:
    other = testing.make_company("CT-OTHER")
    no = testing.create_opportunity(company, salesperson).no

    changed = change_opportunity(no, changes={"contact_no": other.no}, by=SYSTEM)

    assert (changed.contact_id, changed.contact_company_id) == ("CT-OTHER", "CT-OTHER")


def test_contact_of_another_company_is_refused_once_started(salesperson: Any, company: Any) -> None:
    other_person = testing.make_person(testing.make_company("CT-OTHER"), "CT-OTHER-P")
    no = testing.create_opportunity(company, salesperson, activate=True).no

    with pytest.raises(DomainError) as error:
        change_opportunity(no, changes={"contact_no": other_person.no}, by=SYSTEM)

    assert error.value.code == "opportunity.contact_other_company"


def test_a_person_without_company_counts_as_another_company(salesperson: Any, company: Any) -> None:
    loner = testing.make_person(None, "CT-SOLO")
    no = testing.create_opportunity(company, salesperson, activate=True).no

    with pytest.raises(DomainError) as error:
        change_opportunity(no, changes={"contact_no": loner.no}, by=SYSTEM)

    assert error.value.code == "opportunity.contact_other_company"


def test_contact_change_moves_active_entry_and_with_consent_open_tasks(
    salesperson: Any, company: Any, person: Any
) -> None:
    no = testing.create_opportunity(company, salesperson, activate=True).no
    move(no, "next", date_of_change=day(1))
    done = Task.objects.filter(opportunity_no=no).order_by("no").first()
    assert done is not None
    Task.objects.filter(no=done.no).update(closed=True, date_closed=day(1))

    change_opportunity(no, changes={"contact_no": person.no}, update_open_tasks=True, by=SYSTEM)

    assert [(e.contact_id, e.contact_company_id, e.active) for e in entries_of(no)] == [
        ("CT-CRONUS", "CT-CRONUS", False), ("CT-LINDA", "CT-CRONUS", True)
    ]  # fmt: skip
    tasks = Task.objects.filter(opportunity_no=no).order_by("no")
    assert [(t.contact_id, t.contact_company_id) for t in tasks] == [("CT-CRONUS", "CT-CRONUS")] + [
        ("CT-LINDA", "CT-CRONUS")
    ] * 5


def test_contact_change_without_consent_leaves_tasks(salesperson: Any, company: Any, person: Any) -> None:
    no = testing.create_opportunity(company, salesperson, activate=True).no

    change_opportunity(no, changes={"contact_no": person.no}, by=SYSTEM)

    assert set(Task.objects.filter(opportunity_no=no).values_list("contact_id", flat=True)) == {"CT-CRONUS"}
    assert Opportunity.objects.get(no=no).contact_id == "CT-LINDA"


# ---------------------------------------------------------------------------------------------------------------
# Salesperson (§4.3.2)


def test_salesperson_change_reaches_the_active_entry_only(salesperson: Any, company: Any) -> None:
    testing.make_salesperson("BO")
    no = testing.create_opportunity(company, salesperson, activate=True).no
    move(no, "next", date_of_change=day(1))

    change_opportunity(no, changes={"salesperson_code": "bo"}, by=SYSTEM)

    assert [(e.salesperson_id, e.active) for e in entries_of(no)] == [("AH", False), ("BO", True)]
    assert set(Task.objects.filter(opportunity_no=no).values_list("salesperson_id", flat=True)) == {"AH"}


def test_salesperson_change_reaches_open_tasks_when_asked(salesperson: Any, company: Any) -> None:
    testing.make_salesperson("BO")
    testing.make_salesperson("CY")
    no = testing.create_opportunity(company, salesperson, activate=True).no
    first, second = Task.objects.filter(opportunity_no=no).order_by("no")
    Task.objects.filter(no=first.no).update(closed=True, date_closed=day(1))
    third = Task.objects.create(no="TD-HAND", date=day(3), opportunity_no=no, salesperson_id="CY")

    change_opportunity(no, changes={"salesperson_code": "BO"}, update_open_tasks=True, by=SYSTEM)

    owners = dict(Task.objects.filter(opportunity_no=no).values_list("no", "salesperson_id"))
    # Closed tasks and tasks of another salesperson keep theirs.
    assert owners == {first.no: "AH", second.no: "BO", third.no: "CY"}


# ---------------------------------------------------------------------------------------------------------------
# Campaign and segment (§4.3.3, §4.3.4)


@pytest.fixture
def spring(demo: None) -> Any:
    return create_campaign(
        no="CP-SPRING", description="Spring", starting_date=day(-10), ending_date=day(60), activated=True, by=SYSTEM
    )


def test_campaign_with_exactly_one_segment_sets_that_segment(salesperson: Any, company: Any, spring: Any) -> None:
    create_segment(no="SG-SPRING", description="Spring buyers", campaign=spring, by=SYSTEM)
    no = testing.create_opportunity(company, salesperson, activate=True).no

    changed = change_opportunity(no, changes={"campaign_no": "cp-spring"}, by=SYSTEM)

    assert (changed.campaign_id, changed.segment_id, changed.segment_description) == (
        "CP-SPRING", "SG-SPRING", "Spring buyers"
    )  # fmt: skip
    assert entries_of(no)[-1].campaign_id == "CP-SPRING"


def test_campaign_with_two_segments_blanks_the_segment(salesperson: Any, company: Any, spring: Any) -> None:
    create_segment(no="SG-A", campaign=spring, by=SYSTEM)
    create_segment(no="SG-B", campaign=spring, by=SYSTEM)
    free = create_segment(no="SG-FREE", description="Free", by=SYSTEM)
    no = testing.create_opportunity(company, salesperson, segment_no=free.no).no

    changed = change_opportunity(no, changes={"campaign_no": spring.no}, by=SYSTEM)

    assert (changed.segment_id, changed.segment_description) == (None, "")


def test_removing_the_campaign_blanks_the_segment(salesperson: Any, company: Any, spring: Any) -> None:
    segment = create_segment(no="SG-SPRING", campaign=spring, by=SYSTEM)
    no = testing.create_opportunity(company, salesperson, campaign_no=spring.no, segment_no=segment.no).no

    changed = change_opportunity(no, changes={"campaign_no": None}, by=SYSTEM)

    assert (changed.campaign_id, changed.segment_id) == (None, None)


def test_campaign_period_is_checked_against_the_creation_date(salesperson: Any, company: Any, spring: Any) -> None:
    no = testing.create_opportunity(company, salesperson, creation_date=day(-11)).no

    with pytest.raises(DomainError) as error:
        change_opportunity(no, changes={"campaign_no": spring.no}, by=SYSTEM)

    assert error.value.code == "opportunity.campaign_out_of_period"


def test_campaign_change_reaches_open_tasks_when_asked(salesperson: Any, company: Any, spring: Any) -> None:
    no = testing.create_opportunity(company, salesperson, activate=True, campaign_no=spring.no).no
    create_campaign(no="CP-AUTUMN", starting_date=day(-1), ending_date=day(1), activated=True, by=SYSTEM)

    change_opportunity(no, changes={"campaign_no": "CP-AUTUMN"}, update_open_tasks=True, by=SYSTEM)

    assert set(Task.objects.filter(opportunity_no=no).values_list("campaign_id", flat=True)) == {"CP-AUTUMN"}


def test_segment_of_the_same_campaign_or_without_campaign_is_accepted(
    salesperson: Any, company: Any, spring: Any
) -> None:
    own = create_segment(no="SG-OWN", description="Own", campaign=spring, by=SYSTEM)
    free = create_segment(no="SG-FREE", description="Free", by=SYSTEM)
    no = testing.create_opportunity(company, salesperson, campaign_no=spring.no).no

    assert change_opportunity(no, changes={"segment_no": own.no}, by=SYSTEM).segment_description == "Own"
    assert change_opportunity(no, changes={"segment_no": free.no}, by=SYSTEM).segment_description == "Free"
    assert change_opportunity(no, changes={"segment_no": ""}, by=SYSTEM).segment_description == ""


# ---------------------------------------------------------------------------------------------------------------
# Sales document link (§4.10.1)


def test_blank_document_type_clears_the_number(salesperson: Any, company: Any, sales_documents: FakeDocuments) -> None:
    sales_documents.add("quote", "SQ1", contact_no=company.no, amount="10")
    no = testing.create_opportunity(company, salesperson, activate=True).no
    change_opportunity(no, changes={"sales_document_type": "quote", "sales_document_no": "sq1"}, by=SYSTEM)

    changed = change_opportunity(no, changes={"sales_document_type": ""}, by=SYSTEM)

    assert (changed.sales_document_type, changed.sales_document_no) == ("", "")


def test_a_quote_of_another_contact_cannot_be_linked(
    salesperson: Any, company: Any, sales_documents: FakeDocuments
) -> None:
    sales_documents.add("quote", "SQ1", contact_no="CT-ELSE", amount="10")
    no = testing.create_opportunity(company, salesperson, activate=True).no

    with pytest.raises(DomainError) as error:
        change_opportunity(no, changes={"sales_document_type": "quote", "sales_document_no": "SQ1"}, by=SYSTEM)

    assert error.value.code == "opportunity.document_not_found"


# ---------------------------------------------------------------------------------------------------------------
# Versions and If-Match (api.md: 409 conflict.version)


def test_every_write_increments_the_version(salesperson: Any, company: Any) -> None:
    no = testing.create_opportunity(company, salesperson).no
    versions = [Opportunity.objects.get(no=no).version]

    versions.append(change_opportunity(no, changes={"description": "A"}, expected_version=1, by=SYSTEM).version)
    versions.append(services.activate_first_stage(no, date_of_change=day(0), expected_version=2, by=SYSTEM).version)
    versions.append(move(no, "next", date_of_change=day(1), estimated_value=D(50)).version)
    versions.append(
        close_opportunity(no, outcome="lost", close_opportunity_code="PRICE_L", expected_version=4, by=SYSTEM).version
    )

    assert versions == [1, 2, 3, 4, 5]


def test_a_change_to_the_same_values_is_no_write(salesperson: Any, company: Any) -> None:
    no = testing.create_opportunity(company, salesperson, description="Same").no

    changed = change_opportunity(
        no, changes={"description": "Same", "salesperson_code": "ah", "campaign_no": ""}, by=SYSTEM
    )

    assert changed.version == 1


def test_a_stale_version_is_a_409_conflict(salesperson: Any, company: Any) -> None:
    no = testing.create_opportunity(company, salesperson).no
    change_opportunity(no, changes={"description": "Someone else"}, by=SYSTEM)

    with pytest.raises(DomainError) as error:
        change_opportunity(no, changes={"description": "Mine"}, expected_version=1, by=SYSTEM)

    assert (error.value.code, error.value.status) == ("conflict.version", 409)
    assert Opportunity.objects.get(no=no).description == "Someone else"
