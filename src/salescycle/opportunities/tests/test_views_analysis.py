"""View tests of the analysis pages (issue #14 items 1 and 4): the Opportunities matrix (spec §5.7) and the pipeline,
movement, calibration and forecast pages (api.md "Analysis").

Two worlds. The worked example of ``analysis_fixtures`` (read its table first; WorkDate 2026-01-05, so the matrix
starts in January 2026) gives the figures. A world written through the services (:func:`serviced`: reassigned
salespeople, a changed contact, a campaign, Won and Lost with close codes, a Not Started one, two cycles) proves
the drill-down: every value of the matrix links to the list of exactly the opportunities it counts, on the web list
and the API list alike.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from salescycle import testing
from salescycle.contacts.models import Campaign
from salescycle.core.actors import SYSTEM
from salescycle.core.workdate import set_work_date
from salescycle.opportunities import selectors, services
from salescycle.opportunities.engine import UpdateRequest
from salescycle.opportunities.models import MarketingSetup
from salescycle.opportunities.tests.analysis_fixtures import World, d, make_world

pytestmark = pytest.mark.django_db

WORK_DATE = d(1, 5)


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture
def manager(client: Client, world: World) -> Client:
    user = testing.make_manager("manager")
    set_work_date(user, WORK_DATE)
    client.force_login(user)
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def table(text: str, table_id: str) -> str:
    match = re.search(rf'<table[^>]*id="{table_id}".*?</table>', text, re.S)
    assert match, table_id
    return match.group(0)


def cells(text: str) -> list[list[str]]:
    """The rows of a table as the texts of their cells (tags stripped, spaces collapsed)."""
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", text, re.S):
        found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([" ".join(html.unescape(re.sub(r"<[^>]+>", "", c)).split()) for c in found])
    return rows


def links(text: str) -> list[tuple[str, str]]:
    """(href, shown text) of every link to the opportunity list in ``text``."""
    return [(html.unescape(h), t) for h, t in re.findall(r'<a href="(/opportunities/\?[^"]*)">([^<]*)</a>', text)]


# ---------------------------------------------------------------------------------------------------------------
# The matrix: worked figures


def test_the_matrix_counts_in_progress_entries_by_estimated_close_month_per_salesperson(manager: Client) -> None:
    # Active In Progress entries: OP1 (Anna, closes 03-31) and OP3 (Bert, back at stage 1, closes 04-30).
    shown = cells(table(page(manager, "/analysis/matrix/?columns=4"), "opportunities-matrix"))

    assert shown[0] == ["Salesperson", "January 2026", "February 2026", "March 2026", "April 2026", "Total"]
    assert shown[1:] == [
        ["AN Anna", "", "", "1", "", "1"],  # a zero cell is blank
        ["BE Bert", "", "", "", "1", "1"],
        ["Total", "", "", "1", "1", "2"],
    ]


def test_the_matrix_shows_sums_averages_and_rounding_factors_localized(manager: Client) -> None:
    values = cells(table(page(manager, "/analysis/matrix/?columns=4&show=estimated_value"), "opportunities-matrix"))
    assert values[1] == ["AN Anna", "", "", "1,000.00", "", "1,000.00"]
    averages = page(manager, "/analysis/matrix/?columns=4&show=avg_calculated_current_value&rows=contact")
    assert cells(table(averages, "opportunities-matrix"))[-1] == ["Total", "", "", "500.00", "50.00", "275.00"]
    # Won, by thousands: OP2 won 2100 (Calc. Current Value) closes 03-20 → 2.1.
    won = page(manager, "/analysis/matrix/?columns=4&status=won&show=calculated_current_value&rounding_factor=1000")
    assert cells(table(won, "opportunities-matrix"))[1] == ["AN Anna", "", "", "2.1", "", "2.1"]
    manager.cookies["django_language"] = "de"
    german = page(manager, "/analysis/matrix/?columns=4&show=estimated_value")
    assert "1.000,00" in table(german, "opportunities-matrix")


def test_the_matrix_lists_contacts_with_a_company_row_covering_its_persons(manager: Client) -> None:
    shown = cells(table(page(manager, "/analysis/matrix/?columns=4&rows=contact"), "opportunities-matrix"))
    # OP1 is Paula's (P1) of Kappa One (K1): in K1's row and in hers; the total counts it once.
    assert shown[1:] == [
        ["K1 Kappa One", "", "", "1", "", "1"],
        ["K2 =Kappa Two", "", "", "", "1", "1"],
        ["P1 Paula", "", "", "1", "", "1"],
        ["Total", "", "", "1", "1", "2"],
    ]


def test_previous_set_and_next_set_move_by_the_number_of_columns(manager: Client) -> None:
    text = page(manager, "/analysis/matrix/?columns=3&period=month")
    following = html.unescape(re.search(r'href="\?([^"]*)" rel="next"', text).group(1))  # type: ignore[union-attr]
    previous = html.unescape(re.search(r'href="\?([^"]*)" rel="prev"', text).group(1))  # type: ignore[union-attr]
    assert dict(parse_qsl(following))["start"] == "2026-04-01"
    assert dict(parse_qsl(previous))["start"] == "2025-10-01"
    assert dict(parse_qsl(following))["columns"] == "3"

    shown = cells(table(page(manager, f"/analysis/matrix/?{following}"), "opportunities-matrix"))
    assert shown[0] == ["Salesperson", "April 2026", "May 2026", "June 2026", "Total"]
    assert shown[1:] == [["BE Bert", "1", "", "", "1"], ["Total", "1", "", "", "1"]]
    weeks = page(manager, "/analysis/matrix/?columns=2&period=week&start=2026-03-30")
    back = html.unescape(re.search(r'href="\?([^"]*)" rel="prev"', weeks).group(1))  # type: ignore[union-attr]
    assert dict(parse_qsl(back))["start"] == "2026-03-16"  # two ISO weeks before Monday 30 March


@pytest.mark.parametrize(
    "query",
    [
        "columns=99",
        "columns=0",
        "columns=x",
        "period=fortnight",
        "start=31.12.2026",
        "start=99999-01-01",
        "rows=region",
        "show=everything",
        "status=not_started",
        "rounding_factor=7",
        "sales_cycle_code=NOPE",
        "sales_cycle_stage=-1",
        "salesperson_code=" + "X" * 21,
        "start=9999-12-01&period=year&columns=2",  # periods past 9999: the analysis' own refusal
    ],
)
def test_a_bad_filter_value_is_shown_on_the_form_not_a_server_error(manager: Client, query: str) -> None:
    response = manager.get(f"/analysis/matrix/?{query}")

    assert response.status_code == 200
    text = response.content.decode()
    assert 'class="error' in text
    assert 'id="opportunities-matrix"' not in text


@pytest.mark.parametrize(
    "url",
    [
        "/analysis/pipeline/?sales_cycle_code=NOPE",
        "/analysis/pipeline/?as_of=yesterday",
        "/analysis/movement/?date_from=2026-03-01&date_to=2026-02-01",
        "/analysis/movement/?date_from=x",
        "/analysis/calibration/?sales_cycle_code=NOPE",
        "/analysis/forecast/?columns=33",
        "/analysis/forecast/?period=decade",
    ],
)
def test_bad_filter_values_on_the_ledger_pages_are_form_errors(manager: Client, url: str) -> None:
    response = manager.get(url)

    assert response.status_code == 200
    assert 'class="error' in response.content.decode()


def test_a_salesperson_sees_only_his_own_figures(client: Client, world: World) -> None:
    anna = testing.make_user("anna", role="Salesperson", salesperson=world.an)
    set_work_date(anna, WORK_DATE)
    client.force_login(anna)

    shown = cells(table(page(client, "/analysis/matrix/?columns=4"), "opportunities-matrix"))
    assert shown[1:] == [["AN Anna", "", "", "1", "", "1"], ["Total", "", "", "1", "", "1"]]
    lost = cells(table(page(client, "/analysis/matrix/?columns=4&status=lost&rows=contact"), "opportunities-matrix"))
    assert lost[1:] == [["No opportunities match."], ["Total", "", "", "", "", ""]]  # OP4 is Bert's
    pipeline = cells(table(page(client, "/analysis/pipeline/?sales_cycle_code=CAL&as_of=2026-02-12"), "pipeline"))
    assert pipeline[-1] == ["Total", "2", "3,000.00", "700.00"]


# ---------------------------------------------------------------------------------------------------------------
# Exports: the API's CSV, and an XLSX of the same table


def test_the_matrix_csv_is_the_apis_csv_and_neutralizes_a_formula_like_name(manager: Client) -> None:
    query = "columns=4&rows=contact&status=lost&show=estimated_value"
    exported = manager.get(f"/analysis/matrix/?{query}&format=csv")
    api = manager.get(f"/api/v1/analysis/matrix?{query}&start=2026-01-05&format=csv")

    assert exported["Content-Type"].startswith("text/csv")
    assert exported.content == api.content
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["key", "name", "2026-01-01..2026-01-31", "2026-02-01..2026-02-28", "2026-03-01..2026-03-31",
                       "2026-04-01..2026-04-30", "total"]  # fmt: skip
    assert rows[1] == ["K2", "'=Kappa Two", "", "300", "", "", "300"]  # OP4 lost 02-20, amounts as the JSON writes them
    assert rows[2] == ["", "total", "", "300", "", "", "300"]


def test_the_matrix_xlsx_holds_numbers_and_names_as_text(manager: Client) -> None:
    response = manager.get("/analysis/matrix/?columns=4&rows=contact&status=lost&show=estimated_value&format=xlsx")

    assert response["Content-Disposition"].startswith('attachment; filename="opportunities-matrix.xlsx"')
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["key", "name", "2026-01-01..2026-01-31"]
    assert rows[1] == ["K2", "=Kappa Two", None, 300, None, None, 300]
    assert sheet["B2"].data_type == "s"  # a string cell, never a formula
    assert rows[2] == [None, "total", None, 300, None, None, 300]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("pipeline", "sales_cycle_code=CAL&as_of=2026-02-12"),
        ("movement", "date_from=2026-02-01&date_to=2026-02-28"),
        ("calibration", "sales_cycle_code=CAL"),
        ("forecast", "start=2026-01-01&columns=4"),
    ],
)
def test_every_ledger_page_exports_the_apis_csv(manager: Client, path: str, query: str) -> None:
    exported = manager.get(f"/analysis/{path}/?{query}&format=csv")
    assert exported["Content-Type"].startswith("text/csv")
    assert exported.content == manager.get(f"/api/v1/analysis/{path}?{query}&format=csv").content


# ---------------------------------------------------------------------------------------------------------------
# The ledger pages: worked figures and their links


def test_the_pipeline_page_as_of_a_date(manager: Client) -> None:
    shown = cells(table(page(manager, "/analysis/pipeline/?sales_cycle_code=CAL&as_of=2026-02-12"), "pipeline"))
    # As test_analysis: OP1 at stage 2 (1000/500), OP2 and OP3 at stage 1... 4 open on 12 February.
    assert shown[-1] == ["Total", "4", "3,800.00", "980.00"]
    assert [row[0] for row in shown[1:-1]] == ["1 Initial", "2 Presentation", "3 Proposal"]


def test_the_pipeline_page_defaults_to_the_setup_cycle_and_the_work_date(manager: Client, world: World) -> None:

    MarketingSetup.objects.update_or_create(id=1, defaults={"default_sales_cycle_id": "CAL"})
    text = page(manager, "/analysis/pipeline/")
    assert "Sales cycle CAL: open pipeline as of 01/05/2026" in " ".join(html.unescape(text).split())
    assert not links(text)  # as of a date: the list cannot show it


def test_the_movement_page_links_won_and_lost_to_the_list(manager: Client) -> None:
    text = page(manager, "/analysis/movement/?date_from=2026-02-01&date_to=2026-03-31")
    shown = cells(table(text, "movement"))

    assert shown[1] == ["Open at start", "3", "3,500.00", "350.00"]
    assert shown[5] == ["Won", "1", "", "2,100.00"]
    assert shown[6] == ["Lost", "1", "300.00", ""]
    assert shown[7] == ["Other changes (the balance)", "0", "100.00", ""]  # the waterfalls' balance
    assert shown[8] == ["Open at end", "2", "1,500.00", "550.00"]
    assert [sorted(opportunities_on(manager, href)) for href, _n in links(text)] == [["OP2"], ["OP4"]]


def test_the_calibration_page(manager: Client) -> None:
    shown = cells(table(page(manager, "/analysis/calibration/?sales_cycle_code=CAL"), "calibration"))

    assert shown[1:] == [
        ["1 Initial", "10", "2", "1", "50.00"],
        ["2 Presentation", "50", "0", "0", ""],
        ["3 Proposal", "70", "1", "1", "100.00"],
    ]


def test_the_forecast_page_links_open_and_won_counts_to_the_list(manager: Client) -> None:
    text = page(manager, "/analysis/forecast/?start=2026-01-01&columns=4")
    shown = cells(table(text, "forecast"))

    assert shown[3] == ["March 2026", "1", "1,000.00", "500.00", "1", "2,100.00"]
    assert shown[4] == ["April 2026", "1", "500.00", "50.00", "0", "0.00"]
    assert [sorted(opportunities_on(manager, href)) for href, _n in links(text)] == [["OP1"], ["OP2"], ["OP3"]]


# ---------------------------------------------------------------------------------------------------------------
# Drill-down: every value of the matrix lists exactly its opportunities, on the web list and the API list


def serviced() -> dict[str, str]:
    """Opportunities written through the services (label → no.); WorkDate 2026-01-05 for the manager."""
    testing.demo_setup()
    ah, jo = testing.make_salesperson("AH", name="Annette"), testing.make_salesperson("JO", name="Jo")
    c1 = testing.make_company("C1", name="Cronus")
    p1 = testing.make_person(c1, "P1", name="Linda")
    c2 = testing.make_company("C2", name="@Fabrikam")
    testing.make_person(c2, "P2", name="Pat")
    solo = testing.make_person(None, "SOLO", name="Solo")
    campaign = Campaign.objects.create(no="CP1", description="Spring", starting_date=d(1, 1), ending_date=d(12, 31))
    campaign.activated = True
    campaign.save()

    def make(contact: Any, who: Any, closing: dt.date, **extra: Any) -> str:
        return str(testing.create_opportunity(contact, who, activate=True, closing=closing, **extra).no)

    nos = {
        "c1": make(c1, ah, d(1, 20)),
        "p1_campaign": make(p1, ah, d(2, 10), campaign_no="CP1"),
        "p1_handed": make(p1, jo, d(2, 25)),
        "c2_won": make(c2, jo, d(3, 15)),
        "solo_lost": make(solo, jo, d(1, 31)),
        "c1_existing": make(c1, jo, d(4, 2), cycle="EXISTING"),
        "c2_later": make(c2, ah, d(1, 28), value="7.35"),
        "not_started": str(testing.create_opportunity(c2, ah).no),
    }
    services.change_opportunity(nos["p1_handed"], by=SYSTEM, changes={"salesperson_code": "AH"})
    services.change_opportunity(nos["c2_later"], by=SYSTEM, changes={"contact_no": "P2", "campaign_no": "CP1"})
    services.update_opportunity(nos["c1_existing"], request=UpdateRequest("next", date_of_change=d(1, 10)), by=SYSTEM)
    services.close_opportunity(
        nos["c2_won"], by=SYSTEM, outcome="won", close_opportunity_code="BUSINESS_W", date_closed=d(2, 3),
        sales_value=Decimal(900),
    )  # fmt: skip
    services.close_opportunity(
        nos["solo_lost"], by=SYSTEM, outcome="lost", close_opportunity_code="BUSINESS_L", date_closed=d(1, 25)
    )
    return nos


def opportunities_on(client: Client, href: str) -> set[str]:
    """The opportunity numbers of the web list page at ``href`` (one page: the worlds are small)."""
    text = page(client, href)
    return set(re.findall(r'<td><a href="/opportunities/[^/"]+/">([^<]+)</a></td>', table(text, "opportunity-list")))


def api_opportunities(client: Client, href: str) -> set[str]:
    """The opportunities of the API list for the web list's query ``href`` (its words under the API's names)."""
    names = {web: word for word, web in selectors.LIST_WORDS.items()}
    words = {names[k]: {"yes": "true", "no": "false"}.get(v, v) for k, v in parse_qsl(urlsplit(href).query)}
    body = client.get(f"/api/v1/opportunities?{urlencode({**words, 'limit': 500})}").json()
    return {item["no"] for item in body["items"]}


DRILLS = [
    "rows=salesperson",
    "rows=contact",
    "rows=campaign",
    "rows=salesperson&status=won",
    "rows=contact&status=lost",
    "rows=salesperson&status=won&close_opportunity_code=business_w",
    "rows=salesperson&sales_cycle_stage=2",
    "rows=contact&contact_no=P1",
    "rows=contact&contact_no=C1",
    "rows=salesperson&sales_cycle_code=EXISTING",
    "rows=campaign&salesperson_code=ah&period=quarter&columns=2",
    "rows=salesperson&period=week&start=2026-01-19&columns=3",
]


@pytest.mark.parametrize("query", DRILLS)
def test_every_matrix_value_lists_exactly_the_opportunities_it_counts(client: Client, db: None, query: str) -> None:
    serviced()
    user = testing.make_manager("boss")
    set_work_date(user, WORK_DATE)
    client.force_login(user)

    text = table(page(client, f"/analysis/matrix/?columns=6&{query}"), "opportunities-matrix")
    found = links(text)
    assert found, query
    for href, count in found:
        on_the_web = opportunities_on(client, href)
        assert len(on_the_web) == int(count), (query, href)
        assert api_opportunities(client, href) == on_the_web, (query, href)
    # The table's non-empty values are exactly the linked ones.
    assert sum(1 for row in cells(text)[1:] for value in row[1:] if value) == len(found)


# ---------------------------------------------------------------------------------------------------------------
# Query counts: constant whatever the number of rows


@pytest.mark.parametrize(
    "url",
    [
        "/analysis/matrix/?columns=12&rows=contact&contact_no=P1",
        "/analysis/matrix/?columns=32&period=week",
        "/analysis/pipeline/?sales_cycle_code=NEW",
        "/analysis/movement/?date_from=2026-01-01&date_to=2026-03-31",
        "/analysis/calibration/?sales_cycle_code=NEW",
        "/analysis/forecast/",
    ],
)
def test_each_page_runs_the_same_number_of_queries_whatever_the_number_of_rows(
    client: Client, db: None, url: str
) -> None:
    serviced()
    user = testing.make_manager("boss")
    set_work_date(user, WORK_DATE)
    client.force_login(user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page(client, url)
        return len(captured)

    before = queries()
    for i in range(6):
        salesperson = testing.make_salesperson(f"S{i}")
        company = testing.make_company(f"K{i}")
        testing.make_person(company, f"KP{i}")
        testing.create_opportunity(company, salesperson, activate=True, closing=d(1 + i % 3, 10 + i))
    assert queries() == before
    assert before <= 14
