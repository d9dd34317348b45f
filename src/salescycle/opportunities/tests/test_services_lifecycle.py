"""Service stories of spec §8.3 style, end to end against the database: create (with activation), First, Next,
Previous, Skip, Jump, Update, close Won/Lost and delete, asserting every entry row, the opportunity's copied figures,
the stage tasks (§4.9) and the customer created on Won (§4.8.4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from salescycle import testing
from salescycle.contacts.models import Customer
from salescycle.contacts.services import create_campaign, create_segment
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import DomainError
from salescycle.opportunities import services
from salescycle.opportunities.choices import ActionTaken, ActionType, OpportunityStatus
from salescycle.opportunities.engine import UpdateRequest
from salescycle.opportunities.integrity import check_integrity
from salescycle.opportunities.models import Opportunity, OpportunityEntry
from salescycle.opportunities.services import (
    Estimates,
    close_opportunity,
    create_opportunity,
    create_sales_cycle_stage,
    save_activity,
    update_sales_cycle_stage,
)
from salescycle.opportunities.services.customers import ensure_customer
from salescycle.opportunities.tests.conftest import START, D, FakeDocuments, day, entries_of, move
from salescycle.tasks.models import Task, TaskStatus, TaskType

pytestmark = pytest.mark.django_db

ENTRY_FIELDS = (
    "sales_cycle_stage",
    "sales_cycle_stage_description",
    "previous_sales_cycle_stage",
    "action_taken",
    "date_of_change",
    "active",
    "days_open",
    "estimated_value",
    "completed_pct",
    "chances_of_success_pct",
    "probability_pct",
    "calculated_current_value",
    "estimated_close_date",
    "date_closed",
    "close_opportunity_code_id",
)


def rows(no: str) -> list[dict[str, Any]]:
    """The opportunity's entries as dicts of ``ENTRY_FIELDS``, in entry order."""
    return list(OpportunityEntry.objects.filter(opportunity_id=no).order_by("entry_no").values(*ENTRY_FIELDS))


def row(
    stage: int,
    description: str,
    previous: int,
    action: str,
    date_of_change: dt.date,
    active: bool,
    days_open: int,
    value: str,
    completed: str,
    chances: str,
    probability: str,
    calculated: str,
    close_date: dt.date,
    date_closed: dt.date | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """An expected entry row, in the order of the Opportunity Entries page."""
    return dict(
        zip(
            ENTRY_FIELDS,
            (
                stage,
                description,
                previous,
                action,
                date_of_change,
                active,
                days_open,
                D(value),
                D(completed),
                D(chances),
                D(probability),
                D(calculated),
                close_date,
                date_closed,
                code,
            ),
            strict=True,
        )
    )


def figures(opportunity: Opportunity) -> tuple[Any, ...]:
    """The opportunity's copy of its active entry (spec §2.5 fields 17–22, 28) plus status fields."""
    opportunity.refresh_from_db()
    return (
        opportunity.status,
        opportunity.closed,
        opportunity.date_closed,
        opportunity.current_sales_cycle_stage,
        opportunity.current_stage_description,
        opportunity.estimated_value,
        opportunity.chances_of_success_pct,
        opportunity.completed_pct,
        opportunity.probability_pct,
        opportunity.calculated_current_value,
        opportunity.estimated_closing_date,
    )


def tasks_of(no: str) -> list[Task]:
    return list(Task.objects.filter(opportunity_no=no).order_by("no"))


def fast_cycle() -> Any:
    """A Multiply cycle with skippable stages 1–2 and date formulas; stage 3 has an activity without steps."""
    save_activity("NOSTEPS", description="Activity without steps", create=True, by=SYSTEM)
    return testing.make_cycle(
        "FAST",
        method="multiply",
        stages=[
            {"stage": 1, "description": "Lead", "completed_pct": "10", "chances_of_success_pct": "20",
             "allow_skip": True, "date_formula": "+1W"},
            {"stage": 2, "description": "Meeting", "completed_pct": "30", "chances_of_success_pct": "40",
             "allow_skip": True, "date_formula": "+2W"},
            {"stage": 3, "description": "Offer", "completed_pct": "60", "chances_of_success_pct": "70",
             "date_formula": "+1M", "activity_id": "NOSTEPS"},
            {"stage": 4, "description": "Contract", "completed_pct": "90", "chances_of_success_pct": "90"},
        ],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Story 1: EXISTING cycle (Completed % method), created with activation, Next, Previous, Skip, Update, Won, delete


def test_story_existing_cycle_from_creation_to_won_and_delete(salesperson: Any, company: Any) -> None:
    opportunity = create_opportunity(
        description="Furniture for the new office",
        contact_no=company.no,
        salesperson_code=salesperson.code,
        sales_cycle_code="EXISTING",
        creation_date=START,
        activate_first_stage=True,
        estimates=Estimates(D(10000), D(10), dt.date(2026, 3, 31)),
        by=SYSTEM,
    )
    no = opportunity.no
    close = dt.date(2026, 3, 31)
    assert no == "OP000001"
    assert opportunity.no_series == "opportunity"
    assert opportunity.version == 2  # insert, then the first entry
    assert rows(no) == [row(1, "Initial", 0, "first", START, True, 0, "10000", "2", "10", "2", "200", close)]
    assert figures(opportunity) == (
        "in_progress", False, None, 1, "Initial", D(10000), D(10), D(2), D(2), D(200), close
    )  # fmt: skip
    # INIT: 5000 '' and 10000 '+1W' → two tasks on the Date of Change and a week later.
    first_entry = entries_of(no)[0]
    assert [(t.description, t.date, t.priority, t.opportunity_entry_no) for t in tasks_of(no)] == [
        ("Verify quality of opportunity", START, "high", first_entry.entry_no),
        ("Identify key persons", day(7), "normal", first_entry.entry_no),
    ]

    move(no, "next", date_of_change=day(7), estimated_value=D(12000), chances_of_success_pct=D(30),
         estimated_close_date=close)  # fmt: skip
    move(no, "previous", date_of_change=day(15), estimated_close_date=close, cancel_old_tasks=True)
    # Skip to the adjacent stage records Next (D5) and takes the stage's chances over the typed 35 (§4.6 1.1).
    move(no, "skip", sales_cycle_stage=2, date_of_change=day(17), chances_of_success_pct=D(35),
         estimated_close_date=close)  # fmt: skip
    # Update on the same day: same stage, user's chances kept, no tasks, cancel forced off (D7).
    move(no, "update", date_of_change=day(17), estimated_value=D(15000), chances_of_success_pct=D(45),
         estimated_close_date=close, cancel_old_tasks=True)  # fmt: skip

    assert rows(no) == [
        row(1, "Initial", 0, "first", START, False, 7, "10000", "2", "10", "2", "200", close),
        row(2, "Presentation", 1, "next", day(7), False, 8, "12000", "50", "30", "50", "6000", close),
        row(1, "Initial", 2, "previous", day(15), False, 2, "12000", "2", "10", "2", "240", close),
        row(2, "Presentation", 1, "next", day(17), False, 0, "12000", "50", "40", "50", "6000", close),
        row(2, "Presentation", 2, "updated", day(17), True, 0, "15000", "50", "45", "50", "7500", close),
    ]
    tasks = tasks_of(no)
    # 2 INIT + 4 P-WORK (cancelled by Previous), 2 INIT + 4 P-WORK (open); Update made none.
    assert len(tasks) == 12
    cancelled = [t for t in tasks if t.canceled]
    assert len(cancelled) == 6
    assert all(t.closed and t.status == TaskStatus.COMPLETED and t.date_closed is not None for t in cancelled)
    assert [t.date for t in tasks if not t.closed] == [day(15), day(22), day(17), day(20), day(20), day(20)]

    close_opportunity(
        no, outcome="won", close_opportunity_code="BUSINESS_W", date_closed=day(36), sales_value=D(9000), by=SYSTEM
    )

    assert rows(no)[-2:] == [
        row(2, "Presentation", 2, "updated", day(17), False, 19, "15000", "50", "45", "50", "7500", close),
        row(0, "", 2, "won", day(36), True, 0, "15000", "100", "100", "100", "9000", day(36), day(36), "BUSINESS_W"),
    ]
    assert figures(opportunity) == ("won", True, day(36), 0, "", D(15000), D(100), D(100), D(100), D(9000), day(36))
    assert opportunity.version == 7  # one more per entry
    assert Task.objects.filter(opportunity_no=no, closed=False).count() == 0  # cancel_old_tasks defaults to true
    customer = Customer.objects.get(contact=company)
    assert (customer.no, customer.name) == ("CU000001", "Cronus Ltd")
    assert check_integrity().ok

    services.delete_opportunity(no, by=SYSTEM)

    assert not Opportunity.objects.filter(no=no).exists()
    assert not OpportunityEntry.objects.filter(opportunity_id=no).exists()
    assert Task.objects.count() == 12
    assert set(Task.objects.values_list("opportunity_no", "opportunity_entry_no")) == {("", 0)}


# ---------------------------------------------------------------------------------------------------------------
# Story 2: a Multiply cycle: Activate First Stage, Update, Skip over a stage, Next, Jump back, close Lost


def test_story_multiply_cycle_with_skip_jump_and_lost(salesperson: Any, company: Any) -> None:
    fast_cycle()
    opportunity = testing.create_opportunity(company, salesperson, cycle="FAST")
    no = opportunity.no
    assert (opportunity.status, opportunity.version, rows(no)) == ("not_started", 1, [])

    options = services.get_update_options(no, work_date=START, by=SYSTEM)
    assert options.default_action_type == ActionType.FIRST
    assert options.proposed is not None
    assert options.proposed.sales_cycle_stage == 1

    services.activate_first_stage(no, date_of_change=START, by=SYSTEM)
    # §4.4.2: value 0, chances and completed from the stage, close date = CalcDate('+1W', Date of Change).
    assert rows(no) == [row(1, "Lead", 0, "first", START, True, 0, "0", "10", "20", "2", "0", day(7))]

    move(no, "update", date_of_change=day(1), estimated_value=D(5000))
    options = services.get_update_options(no, work_date=day(5), by=SYSTEM)
    assert options.lists.skip == (2, 3)
    assert options.lists.next == (2,)
    move(no, "skip", sales_cycle_stage=3, date_of_change=day(5), chances_of_success_pct=D(99))
    move(no, "next", date_of_change=day(10))
    options = services.get_update_options(no, work_date=day(15), by=SYSTEM)
    assert options.lists.jump == (1, 2, 3)
    move(no, "jump", sales_cycle_stage=1, date_of_change=day(15))
    close_opportunity(no, outcome="lost", close_opportunity_code="PRICE_L", date_closed=day(26), by=SYSTEM)

    assert rows(no) == [
        row(1, "Lead", 0, "first", START, False, 1, "0", "10", "20", "2", "0", day(7)),
        row(1, "Lead", 1, "updated", day(1), False, 4, "5000", "10", "20", "2", "100", day(8)),
        row(3, "Offer", 1, "jumped", day(5), False, 5, "5000", "60", "70", "42", "2100", dt.date(2026, 2, 10)),
        row(4, "Contract", 3, "next", day(10), False, 5, "5000", "90", "90", "81", "4050", day(10)),
        row(1, "Lead", 4, "jumped", day(15), False, 11, "5000", "10", "20", "2", "100", day(22)),
        row(0, "", 1, "lost", day(26), True, 0, "5000", "100", "0", "0", "0", day(26), day(26), "PRICE_L"),
    ]
    assert figures(opportunity) == ("lost", True, day(26), 0, "", D(5000), D(0), D(100), D(0), D(0), day(26))
    # Only stage 3 has an activity, without steps: one blank task on the Date of Change; cancelled by the close.
    (task,) = tasks_of(no)
    assert (task.type, task.description, task.date, task.priority, task.duration_minutes) == (
        TaskType.BLANK, "", day(5), "normal", 1440
    )  # fmt: skip
    assert (task.closed, task.canceled, task.status) == (True, True, TaskStatus.COMPLETED)
    assert not Customer.objects.exists()  # only Won makes a customer
    assert check_integrity().ok


def test_jump_to_the_immediately_previous_stage_records_previous(salesperson: Any, company: Any) -> None:
    fast_cycle()
    no = testing.create_opportunity(company, salesperson, cycle="FAST", activate=True).no
    move(no, "skip", sales_cycle_stage=3, date_of_change=day(1))
    move(no, "next", date_of_change=day(2))

    move(no, "jump", sales_cycle_stage=3, date_of_change=day(3))

    last = entries_of(no)[-1]
    assert (last.sales_cycle_stage, last.previous_sales_cycle_stage, last.action_taken) == (3, 4, "previous")


def test_skip_and_jump_overwrite_typed_chances_but_next_keeps_them(salesperson: Any, company: Any) -> None:
    fast_cycle()
    no = testing.create_opportunity(company, salesperson, cycle="FAST", activate=True).no

    move(no, "next", date_of_change=day(1), chances_of_success_pct=D(33))
    move(no, "next", date_of_change=day(2), chances_of_success_pct=D(33))
    move(no, "jump", sales_cycle_stage=1, date_of_change=day(3), chances_of_success_pct=D(33))

    assert [e.chances_of_success_pct for e in entries_of(no)] == [D(10), D(33), D(33), D(20)]


def test_new_cycle_activation_at_creation_uses_the_chances_method(salesperson: Any, company: Any) -> None:
    opportunity = testing.create_opportunity(company, salesperson, activate=True, value="8000", chances="25")

    # NEW computes Probability % = Chances of Success %: 25 % of 8000.
    assert rows(opportunity.no) == [
        row(1, "Initial", 0, "first", START, True, 0, "8000", "2", "25", "25", "2000", day(30))
    ]


def test_work_date_before_the_last_change_moves_the_date_of_change_forward(salesperson: Any, company: Any) -> None:
    no = testing.create_opportunity(company, salesperson, cycle="EXISTING", activate=True).no
    move(no, "next", date_of_change=day(10), estimated_close_date=day(40))

    services.update_opportunity(
        no, request=UpdateRequest("previous", estimated_close_date=day(40)), work_date=day(3), by=SYSTEM
    )

    assert entries_of(no)[-1].date_of_change == day(10)  # max(last Date of Change, WorkDate), §4.5.1
    assert entries_of(no)[-2].days_open == 0


def test_close_defaults_to_the_work_date_and_keeps_the_last_estimate(salesperson: Any, company: Any) -> None:
    no = testing.create_opportunity(company, salesperson, activate=True, value="700").no

    close_opportunity(no, outcome="lost", close_opportunity_code="WALKED_L", work_date=day(4), by=SYSTEM)

    last = entries_of(no)[-1]
    assert (last.date_of_change, last.date_closed, last.estimated_value, last.previous_sales_cycle_stage) == (
        day(4), day(4), D(700), 1
    )  # fmt: skip
    assert entries_of(no)[0].days_open == 4


def test_closing_straight_from_not_started_is_allowed(salesperson: Any, company: Any) -> None:
    no = testing.create_opportunity(company, salesperson).no

    close_opportunity(
        no, outcome="won", close_opportunity_code="PRICE_W", date_closed=day(2), sales_value=D(300), by=SYSTEM
    )

    assert rows(no) == [
        row(0, "", 0, "won", day(2), True, 0, "0", "100", "100", "100", "300", day(2), day(2), "PRICE_W")
    ]
    assert Opportunity.objects.get(no=no).status == OpportunityStatus.WON


def test_closing_keeps_open_tasks_when_asked(salesperson: Any, company: Any) -> None:
    no = testing.create_opportunity(company, salesperson, activate=True).no

    close_opportunity(
        no, outcome="lost", close_opportunity_code="PRICE_L", date_closed=day(1), cancel_old_tasks=False, by=SYSTEM
    )

    assert [(t.closed, t.canceled) for t in tasks_of(no)] == [(False, False), (False, False)]


def test_cancelling_old_tasks_closes_them_on_the_system_date(salesperson: Any, company: Any) -> None:
    from salescycle.core.workdate import today

    no = testing.create_opportunity(company, salesperson, activate=True).no
    done = tasks_of(no)[0]
    Task.objects.filter(no=done.no).update(closed=True, status=TaskStatus.COMPLETED, date_closed=day(1))

    move(no, "next", date_of_change=day(2), cancel_old_tasks=True)

    first, second, *qual = tasks_of(no)
    assert (first.canceled, first.date_closed) == (False, day(1))  # already closed: untouched
    assert (second.closed, second.canceled, second.status, second.date_closed, second.recurring) == (
        True, True, TaskStatus.COMPLETED, today(), False
    )  # fmt: skip
    # QUAL: '' , +1W, +2W, +2W+1D from the new Date of Change, all open.
    assert [(t.date, t.closed) for t in qual] == [(day(2), False), (day(9), False), (day(16), False), (day(17), False)]


def test_first_and_update_never_cancel_old_tasks(salesperson: Any, company: Any) -> None:
    no = testing.create_opportunity(company, salesperson, activate=True).no

    move(no, "update", date_of_change=day(1), cancel_old_tasks=True)

    assert Task.objects.filter(opportunity_no=no, closed=False).count() == 2
    assert entries_of(no)[-1].action_taken == ActionTaken.UPDATED


def test_stage_tasks_carry_the_opportunity_context(salesperson: Any, person: Any) -> None:
    campaign = create_campaign(
        description="Spring", starting_date=day(-30), ending_date=day(60), activated=True, by=SYSTEM
    )
    segment = create_segment(description="Spring buyers", campaign=campaign, by=SYSTEM)
    opportunity = testing.create_opportunity(
        person, salesperson, activate=True, campaign_no=campaign.no, segment_no=segment.no, by=SYSTEM
    )

    task = tasks_of(opportunity.no)[0]

    assert (task.salesperson_id, task.contact_id, task.contact_company_id, task.campaign_id, task.segment_id) == (
        "AH", "CT-LINDA", "CT-CRONUS", campaign.no, segment.no
    )  # fmt: skip
    assert (task.status, task.duration_minutes, task.opportunity_no) == ("not_started", 1440, opportunity.no)
    assert task.no.startswith("TD")


def test_setup_changes_drive_later_moves(salesperson: Any, company: Any) -> None:
    testing.make_cycle("SETUP", method="add")
    save_activity(
        "CALL",
        description="Call",
        create=True,
        steps=[{"type": "phone_call", "description": "Call back", "priority": "high", "date_formula": "+2D"}],
        by=SYSTEM,
    )
    create_sales_cycle_stage(
        "SETUP", stage=10, description="Contact", completed_pct=D(20), chances_of_success_pct=D(30), by=SYSTEM
    )
    create_sales_cycle_stage(
        "SETUP",
        stage=20,
        description="Offer",
        completed_pct=D(50),
        chances_of_success_pct=D(60),
        activity_id="CALL",
        by=SYSTEM,
    )
    update_sales_cycle_stage("SETUP", 20, date_formula="<+2W>", by=SYSTEM)
    no = testing.create_opportunity(
        company, salesperson, cycle="SETUP", activate=True, value="1000", chances="33", by=SYSTEM
    ).no

    move(no, "next", date_of_change=day(1))

    first, second = entries_of(no)
    assert (first.probability_pct, first.calculated_current_value) == (D("26.5"), D("265"))  # Add: (33 + 20) / 2
    assert (second.sales_cycle_stage, second.estimated_close_date, second.probability_pct) == (20, day(15), D(55))
    (task,) = Task.objects.filter(opportunity_entry_no=second.entry_no)
    assert (task.type, task.description, task.priority, task.date) == ("phone_call", "Call back", "high", day(3))


# ---------------------------------------------------------------------------------------------------------------
# Won: the customer (§4.8.4) and the quote's amount (D11)


def test_won_for_a_person_makes_the_company_a_customer(salesperson: Any, person: Any, company: Any) -> None:
    no = testing.create_opportunity(person, salesperson, activate=True).no

    close_opportunity(
        no, outcome="won", close_opportunity_code="PRICE_W", date_closed=day(1), sales_value=D(1), by=SYSTEM
    )

    assert list(Customer.objects.values_list("contact_id", flat=True)) == [company.no]


def test_won_for_a_person_without_company_makes_the_person_a_customer(salesperson: Any, demo: None) -> None:
    loner = testing.make_person(None, "CT-SOLO", name="Sam Solo")
    no = testing.create_opportunity(loner, salesperson, activate=True).no

    close_opportunity(
        no, outcome="won", close_opportunity_code="PRICE_W", date_closed=day(1), sales_value=D(1), by=SYSTEM
    )

    assert list(Customer.objects.values_list("contact_id", "name")) == [("CT-SOLO", "Sam Solo")]


def test_won_for_an_existing_customer_creates_no_second_customer(salesperson: Any, company: Any) -> None:
    existing = ensure_customer(company)
    no = testing.create_opportunity(company, salesperson, activate=True).no

    close_opportunity(
        no, outcome="won", close_opportunity_code="PRICE_W", date_closed=day(1), sales_value=D(1), by=SYSTEM
    )

    assert list(Customer.objects.values_list("no", flat=True)) == [existing.no]


def test_won_with_a_linked_quote_takes_the_quote_amount(
    salesperson: Any, company: Any, sales_documents: FakeDocuments
) -> None:
    sales_documents.add("quote", "SQ000001", contact_no=company.no, amount="4321.5")
    no = testing.create_opportunity(company, salesperson, cycle="EXISTING", activate=True).no
    move(no, "next", date_of_change=day(1), estimated_close_date=day(40))
    services.change_opportunity(
        no, changes={"sales_document_type": "quote", "sales_document_no": "SQ000001"}, by=SYSTEM
    )

    # Quote Required stage 3 can be entered by Next now that a quote is linked (§4.5.5), value = quote's.
    move(no, "next", date_of_change=day(2), estimated_close_date=day(40))
    close_opportunity(
        no, outcome="won", close_opportunity_code="PRICE_W", date_closed=day(3), sales_value=D(999), by=SYSTEM
    )

    stage3, won = entries_of(no)[-2:]
    assert (stage3.sales_cycle_stage, stage3.estimated_value) == (3, D("4321.5"))
    assert won.calculated_current_value == D("4321.5")


# ---------------------------------------------------------------------------------------------------------------
# Creation (§4.2.2, §4.2.3, §4.1)


def test_creation_takes_the_contacts_salesperson_and_the_default_cycle(demo: None) -> None:
    owner = testing.make_salesperson("OWN")
    contact = testing.make_company("CT-OWNED", salesperson=owner)

    opportunity = create_opportunity(description="Desk", contact_no="ct-owned", creation_date=START, by=SYSTEM)

    assert (opportunity.salesperson_id, opportunity.sales_cycle_id, opportunity.contact_company_id) == (
        "OWN", "NEW", contact.no
    )  # fmt: skip
    assert (opportunity.status, opportunity.creation_date, opportunity.priority) == ("not_started", START, "normal")


def test_creation_takes_the_acting_users_salesperson(demo: None) -> None:
    user = testing.make_user("annette", role="Salesperson")
    testing.make_salesperson("USR", user=user)
    contact = testing.make_company("CT-X")

    opportunity = create_opportunity(by=user, description="Desk", contact_no=contact.no, creation_date=START)

    assert opportunity.salesperson_id == "USR"


def test_number_series_gives_op000001_and_skips_numbers_taken_by_hand(salesperson: Any, company: Any) -> None:
    first = testing.create_opportunity(company, salesperson)
    second = testing.create_opportunity(company, salesperson)
    manual = create_opportunity(
        no="op000004",
        description="By hand",
        contact_no=company.no,
        salesperson_code="AH",
        creation_date=START,
        by=SYSTEM,
    )
    third = testing.create_opportunity(company, salesperson)
    fifth = testing.create_opportunity(company, salesperson)

    assert [first.no, second.no, manual.no, third.no, fifth.no] == [
        "OP000001", "OP000002", "OP000004", "OP000003", "OP000005"
    ]  # fmt: skip
    assert (manual.no_series, first.no_series) == ("", "opportunity")


def test_creating_from_a_segment_makes_one_activated_opportunity_per_line(salesperson: Any, company: Any) -> None:
    campaign = create_campaign(description="Fair", starting_date=day(-1), ending_date=day(9), activated=True, by=SYSTEM)
    other = testing.make_company("CT-OTHER")
    loner = testing.make_person(None, "CT-SOLO")
    segment = create_segment(
        description="Fair visitors",
        campaign=campaign,
        salesperson=salesperson,
        lines=[{"contact_no": company.no}, {"contact_no": other.no}, {"contact_no": loner.no}],
        by=SYSTEM,
    )

    created = services.create_opportunities_from_segment(
        segment.no,
        description="Fair lead",
        creation_date=START,
        activate_first_stage=True,
        estimates=Estimates(D(500), D(15), day(20)),
        by=SYSTEM,
    )

    assert [(o.no, o.contact_id, o.contact_company_id) for o in created] == [
        ("OP000001", company.no, company.no), ("OP000002", other.no, other.no), ("OP000003", loner.no, None)
    ]  # fmt: skip
    for opportunity in created:
        assert (opportunity.campaign_id, opportunity.segment_id, opportunity.salesperson_id) == (
            campaign.no, segment.no, "AH"
        )  # fmt: skip
        assert rows(opportunity.no) == [
            row(1, "Initial", 0, "first", START, True, 0, "500", "2", "15", "15", "75", day(20))
        ]
        assert len(tasks_of(opportunity.no)) == 2  # INIT for each
    assert opportunity.segment_description == "Fair visitors"


def test_creating_from_a_segment_without_activation_leaves_them_not_started(salesperson: Any, company: Any) -> None:
    segment = create_segment(description="Cold", lines=[{"contact_no": company.no}], by=SYSTEM)

    (created,) = services.create_opportunities_from_segment(
        segment.no, description="Cold lead", salesperson_code=salesperson.code, creation_date=START, by=SYSTEM
    )

    assert (created.status, created.salesperson_id, rows(created.no)) == ("not_started", "AH", [])


def test_creating_from_an_empty_segment_is_refused(demo: None) -> None:
    segment = create_segment(description="Nobody", by=SYSTEM)

    with pytest.raises(DomainError) as error:
        services.create_opportunities_from_segment(segment.no, description="x", creation_date=START, by=SYSTEM)

    assert error.value.code == "segment.empty"


def test_comments_are_numbered_in_steps_of_10000(salesperson: Any, company: Any) -> None:
    no = testing.create_opportunity(company, salesperson).no

    services.add_comment(no, comment=" Called ", date=START, by=SYSTEM)
    second = services.add_comment(no, comment="Sent brochure", date=day(1), by=SYSTEM)

    assert (second.line_no, second.comment) == (20000, "Sent brochure")
    assert list(Opportunity.objects.get(no=no).comments.values_list("comment", flat=True)) == [
        "Called", "Sent brochure"
    ]  # fmt: skip
