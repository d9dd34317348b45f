"""The four reports of spec §5.9 (Opportunity - List, Salesperson - Opportunities, Sales Cycle - Analysis,
Opportunity - Details): their data with hand-computed numbers, filters, visibility, the printable pages and the PDFs.

Personas: Annette (salesperson ``AH``, user ``annette``) sells to Linda Dvořák (``CT-LINDA``) of Cronus; Bob
(salesperson ``BB``, user ``bob``) sells to Cronus too; Mona is a Sales Manager and sees everything. The demo setup
(§7) gives cycle NEW (method Chances of Success %: Probability % = Chances %); the tests give its stages date
formulas. WorkDate 2026-01-05 (a Monday).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.core.pdf import PdfDocument, PdfTable, tables_pdf
from salescycle.core.workdate import set_work_date
from salescycle.opportunities import engine, reports, services
from salescycle.opportunities.engine import UpdateRequest
from salescycle.opportunities.models import Opportunity, SalesCycleStage
from salescycle.opportunities.selectors import ListFilters

WORK_DATE = dt.date(2026, 1, 5)


def D(value: str) -> Decimal:
    return Decimal(value)


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    testing.demo_setup()
    for stage, formula in ((2, "+1W"), (3, "+2W"), (4, "+1M"), (5, "+10D")):
        SalesCycleStage.objects.filter(sales_cycle_id="NEW", stage=stage).update(date_formula=formula)
    annette = testing.make_salesperson("AH", name="Annette Hill")
    bob = testing.make_salesperson("BB", name="Bob Brown")
    cronus = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    linda = testing.make_person(cronus, "CT-LINDA", name="Linda Dvořák")
    users = {
        "annette": testing.make_salesperson_user("annette", salesperson=annette),
        "bob": testing.make_salesperson_user("bob", salesperson=bob),
        "mona": testing.make_manager("mona"),
    }
    for user in users.values():
        set_work_date(user, WORK_DATE)
    make = testing.create_opportunity
    a = make(linda, annette, activate=True, value="10000", chances="10", creation_date=WORK_DATE, description="Alpha")
    b = make(linda, annette, activate=True, value="2500.10", chances="10", creation_date=WORK_DATE, description="Beta")
    services.update_opportunity(
        b.no,
        request=UpdateRequest("next", date_of_change=WORK_DATE + dt.timedelta(days=4), chances_of_success_pct=D("20")),
        by=SYSTEM,
    )
    x = make(cronus, bob, activate=True, value="99999", chances="10", creation_date=WORK_DATE, description="Bobs")
    return {"ah": annette, "bb": bob, "linda": linda, "cronus": cronus, "a": a, "b": b, "x": x, **users}


def web(world: dict[str, Any], who: str) -> Client:
    client = Client()
    client.force_login(world[who])
    return client


def numbers(report: reports.Report, table: int = 0, column: int = 0) -> list[Any]:
    return [row[column] for row in report.tables[table].rows]


# ---------------------------------------------------------------------------------------------------------------
# Opportunity - List


def test_opportunity_list_prints_the_lists_columns_of_what_the_user_may_see(world: dict[str, Any]) -> None:
    report = reports.opportunity_list(ListFilters(), user=world["annette"])

    assert str(report.title) == "Opportunity - List"
    assert numbers(report) == [world["a"].no, world["b"].no]  # Bob's is not his to see
    assert report.tables[0].rows[1] == (
        world["b"].no,
        "Beta",
        "NEW",
        "Qualification",
        "AH",
        None,
        "CT-LINDA",
        "Linda Dvořák",
        D("20"),  # NEW computes Probability % = Chances of Success %
        D("5"),
        "In Progress",
    )
    assert report.tables[0].totals is None  # BC prints no totals


def test_opportunity_list_takes_the_lists_filters(world: dict[str, Any]) -> None:
    manager = world["mona"]

    assert numbers(reports.opportunity_list(ListFilters(salesperson="BB"), user=manager)) == [world["x"].no]
    assert numbers(reports.opportunity_list(ListFilters(q="beta"), user=manager)) == [world["b"].no]
    report = reports.opportunity_list(ListFilters(contact="CT-CRONUS", sort="-no"), user=manager)
    assert numbers(report) == [world["x"].no, world["b"].no, world["a"].no]  # a company covers its persons


def test_a_long_list_is_cut_and_says_how_many_matched(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports, "REPORT_ROWS", 2)

    report = reports.opportunity_list(ListFilters(), user=world["mona"])

    assert len(report.tables[0].rows) == 2
    assert report.matched == 3


# ---------------------------------------------------------------------------------------------------------------
# Salesperson - Opportunities


def test_salesperson_opportunities_groups_by_salesperson_open_first(world: dict[str, Any]) -> None:
    services.close_opportunity(
        world["a"].no,
        outcome="won",
        close_opportunity_code="PRES_W",
        date_closed=dt.date(2026, 1, 20),
        sales_value=D("9000"),
        by=SYSTEM,
    )

    report = reports.salesperson_opportunities(ListFilters(), user=world["mona"])

    assert [str(t.heading) for t in report.tables] == ["AH Annette Hill", "BB Bob Brown"]
    assert numbers(report, 0) == [world["b"].no, world["a"].no]  # open before closed
    won = report.tables[0].rows[1]
    assert won[2:] == (
        WORK_DATE,
        "Won",
        "Normal",
        D("100"),
        D("100"),
        D("100"),
        None,
        dt.date(2026, 1, 20),
        "Alpha",
    )


def test_a_salesperson_sees_only_his_own_in_salesperson_opportunities(world: dict[str, Any]) -> None:
    report = reports.salesperson_opportunities(ListFilters(), user=world["annette"])

    assert [str(t.heading) for t in report.tables] == ["AH Annette Hill"]
    assert numbers(report) == [world["a"].no, world["b"].no]


def test_salesperson_opportunities_filters_by_date_closed(world: dict[str, Any]) -> None:
    services.close_opportunity(
        world["a"].no, outcome="lost", close_opportunity_code="PRES_L", date_closed=dt.date(2026, 1, 20), by=SYSTEM
    )

    inside = reports.salesperson_opportunities(
        ListFilters(closed_from=dt.date(2026, 1, 20), closed_to=dt.date(2026, 1, 31)), user=world["mona"]
    )
    outside = reports.salesperson_opportunities(ListFilters(closed_from=dt.date(2026, 1, 21)), user=world["mona"])

    assert numbers(inside) == [world["a"].no]
    assert outside.tables[0].rows == []


# ---------------------------------------------------------------------------------------------------------------
# Sales Cycle - Analysis


def test_sales_cycle_analysis_worked_numbers_for_a_salesperson(world: dict[str, Any]) -> None:
    # Annette: Alpha at stage 1 (10000 × 10 % = 1000), Beta at stage 2 (2500.10 × 20 % = 500.02) after 4 days at
    # stage 1. Bob's 99999 is not hers to see.
    report = reports.sales_cycle_analysis(code="NEW", user=world["annette"])

    (table,) = report.tables
    assert str(table.heading) == "NEW New customer"
    assert table.rows[:2] == [
        (1, "Initial", "INIT", 1, D("10000"), D("1000"), D("4")),
        (2, "Qualification", "QUAL", 1, D("2500.10"), D("500.02"), D("0")),
    ]
    assert [row[3] for row in table.rows[2:]] == [0, 0, 0]
    assert table.totals == (None, "Total", None, 2, D("12500.10"), D("1500.02"), None)


def test_sales_cycle_analysis_counts_open_opportunities_only_and_every_cycle(world: dict[str, Any]) -> None:
    services.close_opportunity(
        world["b"].no, outcome="won", close_opportunity_code="PRES_W", sales_value=D("2600"), by=SYSTEM
    )

    report = reports.sales_cycle_analysis(user=world["mona"])

    assert [str(t.heading) for t in report.tables] == ["EXISTING Existing customer", "NEW New customer"]
    new = report.tables[1]
    # Stage 1: Alpha 10000 → 1000 and Bob's 99999 → 9999.9; Beta (won) counts no more.
    assert new.rows[0][3:6] == (2, D("109999"), D("10999.9"))
    assert new.totals == (None, "Total", None, 2, D("109999"), D("10999.9"), None)
    assert reports.sales_cycle_analysis(blocked=True, user=world["mona"]).tables == []


def test_sales_cycle_analysis_sums_are_exact_to_the_cent(world: dict[str, Any]) -> None:
    # Amounts whose float sum is not exact: 0.1 + 0.2 ≠ 0.3 in binary.
    for value in ("0.10", "0.20", "1234567.07"):
        testing.create_opportunity(world["linda"], world["ah"], activate=True, value=value, chances="10")

    report = reports.sales_cycle_analysis(code="NEW", user=world["annette"])

    assert report.tables[0].rows[0][4] == D("10000") + D("0.10") + D("0.20") + D("1234567.07")


# ---------------------------------------------------------------------------------------------------------------
# Opportunity - Details


def test_opportunity_details_plans_the_remaining_stages_and_their_steps(world: dict[str, Any]) -> None:
    # Beta is at stage 2 since 2026-01-09; its QUAL tasks are dated 01-09, 01-16, 01-23, 01-24, so the plan starts on
    # 01-09: stage 3 +2W → 01-23, stage 4 +1M → 02-23, stage 5 +10D → 03-05.
    report = reports.opportunity_details(world["b"].no, work_date=WORK_DATE, user=world["annette"])

    assert report is not None
    tables = {str(t.heading): t for t in report.tables}
    assert [row[:5] for row in tables["Sales Cycle Stages"].rows] == [
        (1, "Initial", WORK_DATE, dt.date(2026, 2, 4), False),
        (2, "Qualification", dt.date(2026, 1, 9), dt.date(2026, 1, 16), True),
    ]
    assert [row[:3] for row in tables["Planned Remaining Stages"].rows] == [
        (3, "Presentation", dt.date(2026, 1, 23)),
        (4, "Proposal", dt.date(2026, 2, 23)),
        (5, "Sign Contract", dt.date(2026, 3, 5)),
    ]
    steps = tables["Planned Activity Steps"].rows
    # P-WORK at stage 3 from 01-23: "", +3D, +3D, +3D.
    assert [(s[0], s[1], s[2], s[3]) for s in steps if s[0] == 3] == [
        (3, 10000, "Planned", dt.date(2026, 1, 23)),
        (3, 20000, "Planned", dt.date(2026, 1, 26)),
        (3, 30000, "Planned", dt.date(2026, 1, 26)),
        (3, 40000, "Planned", dt.date(2026, 1, 26)),
    ]
    assert [s[3] for s in steps if s[0] == 4] == [
        dt.date(2026, 2, 23),
        dt.date(2026, 2, 26),
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 9),
    ]
    stage_2_tasks = tables[f"Tasks of stage 2 (entry {_entry_no(world['b'], 2)})"].rows
    assert [row[1] for row in stage_2_tasks] == [
        dt.date(2026, 1, 9),
        dt.date(2026, 1, 16),
        dt.date(2026, 1, 23),
        dt.date(2026, 1, 24),
    ]


def _entry_no(opportunity: Opportunity, stage: int) -> int:
    return opportunity.entries.get(sales_cycle_stage=stage).entry_no


def test_details_of_a_not_started_opportunity_plan_every_stage_from_workdate(world: dict[str, Any]) -> None:
    new = testing.create_opportunity(world["linda"], world["ah"], creation_date=WORK_DATE)

    report = reports.opportunity_details(new.no, work_date=dt.date(2026, 2, 2), user=world["annette"])

    assert report is not None
    planned = next(t for t in report.tables if str(t.heading) == "Planned Remaining Stages")
    # Stage 1 has no formula (02-02), then +1W, +2W, +1M, +10D.
    assert [row[2] for row in planned.rows] == [
        dt.date(2026, 2, 2),
        dt.date(2026, 2, 9),
        dt.date(2026, 2, 23),
        dt.date(2026, 3, 23),
        dt.date(2026, 4, 2),
    ]


def test_details_of_another_salespersons_opportunity_are_hidden(world: dict[str, Any]) -> None:
    assert reports.opportunity_details(world["x"].no, work_date=WORK_DATE, user=world["annette"]) is None
    assert web(world, "annette").get(f"/reports/opportunity-details/{world['x'].no}/").status_code == 404
    assert web(world, "annette").get(f"/reports/opportunity-details/{world['x'].no}/?format=pdf").status_code == 404
    assert web(world, "mona").get(f"/reports/opportunity-details/{world['x'].no}/").status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# Pages and PDFs

PAGES = [
    "/reports/",
    "/reports/opportunity-list/",
    "/reports/salesperson-opportunities/",
    "/reports/sales-cycle-analysis/",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_report_page_requires_sign_in(client: Client, world: dict[str, Any], url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_printable_pages_show_the_reports(world: dict[str, Any]) -> None:
    client = web(world, "annette")

    listed = client.get("/reports/opportunity-list/?salesperson=AH").content.decode()
    people = client.get("/reports/salesperson-opportunities/").content.decode()
    cycles = client.get("/reports/sales-cycle-analysis/?cycle=NEW").content.decode()
    details = client.get(f"/reports/opportunity-details/{world['b'].no}/").content.decode()

    assert "<h1>Opportunity - List</h1>" in listed
    assert "Linda Dvořák" in listed
    assert "Bobs" not in listed
    assert 'href="?salesperson=AH&amp;format=pdf"' in listed
    assert "Salesperson Code: AH" in listed  # the filters applied are printed
    assert "AH Annette Hill" in people
    assert "BB Bob Brown" not in people
    assert "12,500.10" in cycles
    assert "1,500.02" in cycles
    assert "Planned Remaining Stages" in details
    assert "Sign Contract" in details


def test_the_page_localizes_numbers_and_dates(world: dict[str, Any]) -> None:
    client = web(world, "annette")

    page = client.get("/reports/sales-cycle-analysis/?cycle=NEW", headers={"accept-language": "de"})
    details = client.get(f"/reports/opportunity-details/{world['b'].no}/", headers={"accept-language": "de"})

    assert "12.500,10" in page.content.decode()
    assert "23.01.2026" in details.content.decode()


def pdf_text(response: Any) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


@pytest.mark.parametrize(
    "url",
    [
        "/reports/opportunity-list/?format=pdf",
        "/reports/salesperson-opportunities/?format=pdf",
        "/reports/sales-cycle-analysis/?format=pdf",
    ],
)
def test_every_report_downloads_as_a_pdf(world: dict[str, Any], url: str) -> None:
    response = web(world, "annette").get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert response.content.startswith(b"%PDF-")
    assert "Annette" in pdf_text(response) or "Initial" in pdf_text(response)


def test_the_details_pdf_prints_a_czech_name_and_the_plan(world: dict[str, Any]) -> None:
    response = web(world, "annette").get(f"/reports/opportunity-details/{world['b'].no}/?format=pdf")

    text = pdf_text(response)
    assert response["Content-Disposition"] == 'attachment; filename="opportunity-details.pdf"'
    assert "Linda Dvořák" in text
    assert "Planned Remaining Stages" in text
    assert "Sign Contract" in text
    assert b"DejaVuSans" in response.content  # the font with ř is embedded


def test_names_that_look_like_markup_or_formulas_print_as_typed(world: dict[str, Any]) -> None:
    odd = testing.make_person(world["cronus"], "CT-ODD", name="<b>x</b> & =1+1")
    opportunity = testing.create_opportunity(odd, world["ah"], activate=True, description='<img src="y"> =SUM(A1)')
    client = web(world, "annette")

    page = client.get(f"/reports/opportunity-details/{opportunity.no}/").content.decode()
    pdf = client.get(f"/reports/opportunity-details/{opportunity.no}/?format=pdf")
    listed = client.get("/reports/opportunity-list/?format=pdf")

    assert "&lt;b&gt;x&lt;/b&gt; &amp; =1+1" in page
    assert "<b>x</b>" not in page
    assert "&lt;img src=&quot;y&quot;&gt; =SUM(A1)" in page
    assert "<b>x</b> & =1+1" in pdf_text(pdf)
    assert '<img src="y"> =SUM(A1)' in pdf_text(listed)


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_each_report_runs_the_same_number_of_queries_for_few_and_many_rows(world: dict[str, Any]) -> None:
    client = web(world, "annette")
    urls = [
        "/reports/opportunity-list/",
        "/reports/salesperson-opportunities/",
        "/reports/sales-cycle-analysis/",
        f"/reports/opportunity-details/{world['b'].no}/",
    ]
    few = [queries(client, url) for url in urls]
    for _ in range(12):
        testing.create_opportunity(world["linda"], world["ah"], activate=True)
    for action in ("previous", "next", "update"):  # more entries and tasks for the details
        services.update_opportunity(world["b"].no, request=UpdateRequest(action), by=SYSTEM)

    many = [queries(client, url) for url in urls]

    assert many == few


def test_a_long_cell_wraps_and_is_still_text_not_markup() -> None:
    long = '<b>bold?</b> <a href="javascript:x">link</a> Łódź ' + "word " * 40
    document = PdfDocument(title="T", tables=[PdfTable(header=["A", "B"], rows=[["1", long]], numeric=[True, False])])

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(tables_pdf(document))).pages)

    assert '<b>bold?</b> <a href="javascript:x">link</a> Łódź' in text
    assert text.count("word") == 40


def test_the_plan_starts_after_the_last_stage_reached_and_keeps_blank_dates_blank() -> None:
    cycle = engine.Cycle(
        code="C",
        stages=(engine.Stage(1, date_formula="+1D"), engine.Stage(2, date_formula="+1W"), engine.Stage(3)),
    )

    assert engine.current_report_stage([1, 2, 1, 0]) == 1  # moved back to 1, then closed (stage 0)
    assert engine.current_report_stage([]) == 0
    planned = engine.planned_stages(cycle, 1, dt.date(2026, 1, 5))
    assert [(p.stage.stage, p.starting_date) for p in planned] == [(2, dt.date(2026, 1, 12)), (3, dt.date(2026, 1, 12))]
    assert [p.starting_date for p in engine.planned_stages(cycle, 0, None)] == [None, None, None]


def test_the_salesperson_statistics_link_each_salesperson_to_his_report(world: dict[str, Any]) -> None:
    page = web(world, "mona").get("/opportunities/statistics/salespeople/").content.decode()

    assert 'href="/reports/salesperson-opportunities/?salesperson=AH"' in page
    assert 'href="/reports/salesperson-opportunities/"' in page
