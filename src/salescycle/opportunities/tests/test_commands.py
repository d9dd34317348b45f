"""The management commands ``check_integrity`` and ``delete_closed_opportunities`` (spec §4.7, §4.11.2)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.jobs.models import Job
from salescycle.opportunities.models import Opportunity, OpportunityEntry
from salescycle.opportunities.services import close_opportunity
from salescycle.opportunities.tests.conftest import D, day, move

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def book(salesperson: Any, company: Any, person: Any) -> dict[str, str]:
    """OP000001 won on day 2 (Cronus), OP000002 lost on day 6 (Linda), OP000003 in progress."""
    won = testing.create_opportunity(company, salesperson, activate=True).no
    close_opportunity(
        won, outcome="won", close_opportunity_code="PRICE_W", date_closed=day(2), sales_value=D(10), by=SYSTEM
    )
    lost = testing.create_opportunity(person, salesperson, activate=True).no
    move(lost, "next", date_of_change=day(1))
    close_opportunity(lost, outcome="lost", close_opportunity_code="PRICE_L", date_closed=day(6), by=SYSTEM)
    open_ = testing.create_opportunity(company, salesperson, activate=True).no
    return {"won": won, "lost": lost, "open": open_}


def test_check_integrity_reports_ok_with_the_counts(book: dict[str, str]) -> None:
    out, err = run("check_integrity")

    assert out.strip() == "OK: 3 opportunities, 6 entries checked."
    assert err == ""


def test_check_integrity_fails_with_command_error_on_a_corrupted_ledger(book: dict[str, str]) -> None:
    Opportunity.objects.filter(no=book["open"]).update(estimated_value=D(123))
    err = StringIO()

    with pytest.raises(CommandError) as error:
        call_command("check_integrity", stdout=StringIO(), stderr=err)

    assert str(error.value) == "1 problem(s) found; 3 opportunities, 6 entries checked."
    assert err.getvalue().strip() == f"{book['open']}: figures differ from the active entry"


def test_delete_closed_opportunities_dry_run_counts_and_keeps(book: dict[str, str]) -> None:
    out, _err = run("delete_closed_opportunities", "--dry-run")

    assert out.splitlines() == [
        f"{book['won']}\twon\t2026-01-07\tTest opportunity",
        f"{book['lost']}\tlost\t2026-01-11\tTest opportunity",
        "Would delete 2 opportunities and 5 entries.",
    ]
    assert Opportunity.objects.count() == 3


def test_the_dry_run_lists_the_first_twenty_with_the_total(salesperson: Any, company: Any) -> None:
    nos = []
    for _i in range(22):
        no = testing.create_opportunity(company, salesperson, activate=True).no
        close_opportunity(no, outcome="won", close_opportunity_code="PRICE_W", sales_value=D(1), by=SYSTEM)
        nos.append(no)

    out, _err = run("delete_closed_opportunities", "--dry-run", "--no", "OP*")

    lines = out.splitlines()
    assert [line.split("\t")[0] for line in lines[:20]] == sorted(nos)[:20]
    assert lines[20:] == ["… the first 20 of 22", "Would delete 22 opportunities and 44 entries."]


@pytest.mark.parametrize(
    ("expression", "deleted"),
    [
        pytest.param("OP00000*", ["won", "lost"], id="wildcard"),
        pytest.param("op000002..op000003", ["lost"], id="range (the open one is never deleted)"),
        pytest.param("OP000001|OP000003", ["won"], id="or"),
        pytest.param("..OP000001", ["won"], id="up to"),
        pytest.param("OP00000?", ["won", "lost"], id="one character"),
    ],
)
def test_the_key_options_take_bc_filter_syntax(book: dict[str, str], expression: str, deleted: list[str]) -> None:
    run("delete_closed_opportunities", "--no", expression)

    remaining = set(Opportunity.objects.values_list("no", flat=True))
    assert remaining == set(book.values()) - {book[name] for name in deleted}


def test_the_code_options_take_bc_filter_syntax(book: dict[str, str]) -> None:
    run("delete_closed_opportunities", "--contact-no", "CT-L*|NOBODY", "--sales-cycle-code", "N*")

    assert book["lost"] not in set(Opportunity.objects.values_list("no", flat=True))
    assert Opportunity.objects.count() == 2


@pytest.mark.parametrize("background", [[], ["--background"]])
def test_a_malformed_filter_is_refused_and_nothing_is_deleted(book: dict[str, str], background: list[str]) -> None:
    with pytest.raises(CommandError, match=r"^--no: Each side of \| needs a value"):
        run("delete_closed_opportunities", "--no", "OP000001||OP000002", *background)
    with pytest.raises(CommandError, match=r"^--salesperson-code: < > cannot be used"):
        run("delete_closed_opportunities", "--salesperson-code", "<>AH", *background)

    assert Opportunity.objects.count() == 3
    assert not Job.objects.exists()


def test_delete_closed_opportunities_deletes_the_closed_ones(book: dict[str, str]) -> None:
    out, _err = run("delete_closed_opportunities")

    assert out.strip() == "Deleted 2 opportunities and 5 entries."
    assert list(Opportunity.objects.values_list("no", flat=True)) == [book["open"]]
    assert OpportunityEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "deleted"),
    [
        pytest.param(["--no", "op000002"], ["lost"], id="no"),
        pytest.param(["--date-closed-from", "2026-01-08"], ["lost"], id="date-from"),
        pytest.param(["--date-closed-to", "2026-01-05"], [], id="date-to-before-all"),
        pytest.param(["--date-closed-to", "2026-01-07"], ["won"], id="date-to"),
        pytest.param(["--contact-no", "CT-LINDA"], ["lost"], id="contact"),
        pytest.param(["--salesperson-code", "AH", "--sales-cycle-code", "NEW"], ["won", "lost"],
                     id="salesperson-cycle"),
        pytest.param(["--campaign-no", "CP-NONE"], [], id="campaign"),
    ],
)  # fmt: skip
def test_delete_closed_opportunities_applies_the_filters(
    book: dict[str, str], args: list[str], deleted: list[str]
) -> None:
    run("delete_closed_opportunities", *args)

    remaining = set(Opportunity.objects.values_list("no", flat=True))
    assert remaining == set(book.values()) - {book[name] for name in deleted}


def test_delete_closed_opportunities_refuses_a_bad_date(book: dict[str, str]) -> None:
    with pytest.raises(CommandError, match="Not a date"):
        run("delete_closed_opportunities", "--date-closed-from", "5 January")

    assert Opportunity.objects.count() == 3


def test_check_integrity_passes_after_the_batch_delete(book: dict[str, str]) -> None:
    run("delete_closed_opportunities")

    out, _err = run("check_integrity")

    assert out.startswith("OK: 1 opportunities, 1 entries")
