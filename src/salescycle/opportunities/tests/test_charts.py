"""The charts (spec §5.8, issue #14 item 2) and the dashboard (item 5) on the world of :mod:`.chart_fixtures`, with
hand-worked figures; every bar's and figure's drill-down list holds exactly the opportunities it counts; a
Salesperson never sees another team's figures; constant query counts; no inline script or style."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext

from salescycle.contacts import permissions
from salescycle.contacts.models import Salesperson, Team
from salescycle.opportunities import selectors
from salescycle.opportunities.forms import ListFilterForm
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.selectors import charts
from salescycle.opportunities.selectors.dashboard import dashboard
from salescycle.opportunities.tests.chart_fixtures import WORK_DATE, chart_world
from salescycle.tasks.models import Task

pytestmark = pytest.mark.django_db

MARCH = (WORK_DATE.replace(day=1), WORK_DATE.replace(day=31))


@pytest.fixture
def users(db: None) -> dict[str, Any]:
    return chart_world()


def listed(url: str, user: Any) -> list[str]:
    """The numbers the Opportunity List shows for drill-down ``url`` (the list's own form and filters)."""
    parts = urlsplit(url)
    assert parts.path == "/opportunities/"
    filters = ListFilterForm(QueryDict(parts.query)).filters()
    return sorted(selectors.filtered_opportunities(filters, user=user).values_list("no", flat=True))


def json_block(html: str, block_id: str) -> Any:
    """The data of the page's ``json_script`` block ``block_id``."""
    match = re.search(rf'<script id="{block_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match is not None, block_id
    return json.loads(match[1])


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------------------------------------------------------
# Opportunity chart (spec §5.8): In Progress if created by the period's end, Won/Lost if closed in the period


def test_the_opportunity_chart_counts_by_status_in_the_period(users: dict[str, Any]) -> None:
    chart = charts.opportunity_chart(*MARCH, user=users["admin"])

    # AH: A1, A2, A3 in progress (created before 31 March); A4 won 5 March; A5 lost in February: not counted.
    # JO: J1 created 2 April: not counted; J2 lost 31 March. SU: S1 in progress; S2 won 1 March.
    assert [(r.salesperson_code, r.in_progress.count, r.won.count, r.lost.count) for r in chart.rows] == [
        ("AH", 3, 1, 0),
        ("JO", 0, 0, 1),
        ("SU", 1, 1, 0),
    ]


def test_every_opportunity_chart_bar_drills_down_to_exactly_its_opportunities(users: dict[str, Any]) -> None:
    admin = users["admin"]
    chart = charts.opportunity_chart(*MARCH, user=admin)
    ah = chart.rows[0]

    assert listed(ah.in_progress.url, admin) == ["A1", "A2", "A3"]
    assert listed(ah.won.url, admin) == ["A4"]
    assert listed(ah.lost.url, admin) == []
    for row in chart.rows:
        for bar in (row.in_progress, row.won, row.lost):
            assert len(listed(bar.url, admin)) == bar.count


def test_a_salesperson_sees_only_his_teams_bars(users: dict[str, Any]) -> None:
    assert [r.salesperson_code for r in charts.opportunity_chart(*MARCH, user=users["annette"]).rows] == ["AH", "JO"]
    assert [r.salesperson_code for r in charts.opportunity_chart(*MARCH, user=users["sue"]).rows] == ["SU"]


# ---------------------------------------------------------------------------------------------------------------
# Relationship Performance (spec §5.8): top 5 open by Estimated Value


def test_relationship_performance_is_the_five_largest_open_opportunities(users: dict[str, Any]) -> None:
    top = charts.relationship_performance(user=users["admin"])

    assert [(t.no, t.estimated_value, t.calculated_current_value, t.stage_description) for t in top] == [
        ("S1", Decimal("9000"), Decimal("900"), "Lead"),
        ("J1", Decimal("4000"), Decimal("2800"), "Deal"),
        ("A2", Decimal("2000.2"), Decimal("1000.1"), "Offer"),
        ("A1", Decimal("1000.1"), Decimal("100.01"), "Lead"),
        ("A3", Decimal("500.05"), Decimal("250.03"), "Offer"),
    ]
    assert top[0].url == "/opportunities/S1/"
    # Sue sees her own team only: S1 (A4, S2 are closed).
    assert [t.no for t in charts.relationship_performance(user=users["sue"])] == ["S1"]


# ---------------------------------------------------------------------------------------------------------------
# Stage funnel and value by closing month


def test_the_stage_funnel_lists_every_stage_with_its_open_opportunities(users: dict[str, Any]) -> None:
    funnel = charts.stage_funnel("FUN", user=users["admin"])

    # Stage 1: A1 + S1 = 1000.10 + 9000 / 100.01 + 900; stage 2: A2 + A3 = 2500.25 / 1250.13; stage 3: J1.
    assert [
        (
            s.stage,
            s.description,
            s.figures.no_of_opportunities,
            s.figures.estimated_value,
            s.figures.calculated_current_value,
        )
        for s in funnel.stages
    ] == [
        (1, "Lead", 2, Decimal("10000.1"), Decimal("1000.01")),
        (2, "Offer", 2, Decimal("2500.25"), Decimal("1250.13")),
        (3, "Deal", 1, Decimal("4000"), Decimal("2800")),
    ]
    for stage in funnel.stages:
        assert len(listed(stage.figures.url, users["admin"])) == stage.figures.no_of_opportunities
    # Sue: only S1 in stage 1; the other stages are listed with zeros.
    assert [s.figures.no_of_opportunities for s in charts.stage_funnel("FUN", user=users["sue"]).stages] == [1, 0, 0]
    assert charts.stage_funnel("NOPE", user=users["admin"]).stages == ()


def test_value_by_closing_month_from_the_periods_month(users: dict[str, Any]) -> None:
    months = charts.closing_months(WORK_DATE, user=users["admin"])

    assert len(months) == 12
    assert (months[0].period.start.isoformat(), months[-1].period.end.isoformat()) == ("2026-03-01", "2027-02-28")
    # March: A1 (20th), A3 (1st), S1 (15th); April: A2. J1 (28 February) lies before the first month.
    march, april = months[0].figures, months[1].figures
    assert (march.no_of_opportunities, march.estimated_value, march.calculated_current_value) == (
        3,
        Decimal("10500.15"),
        Decimal("1250.04"),
    )
    assert (april.no_of_opportunities, april.estimated_value, april.calculated_current_value) == (
        1,
        Decimal("2000.2"),
        Decimal("1000.1"),
    )
    assert all(m.figures.no_of_opportunities == 0 for m in months[2:])
    for month in months:
        assert len(listed(month.figures.url, users["admin"])) == month.figures.no_of_opportunities


# ---------------------------------------------------------------------------------------------------------------
# Dashboard (issue #14 item 5)


def test_a_salespersons_dashboard_shows_his_own_figures(users: dict[str, Any]) -> None:
    annette = users["annette"]
    board = dashboard(WORK_DATE, user=annette)

    assert board.scope.kind == "salesperson"
    # Stages: FUN 1 = A1; FUN 2 = A2 + A3 (2000.20 + 500.05; 1000.10 + 250.03). J1 is Jo's: not on his dashboard.
    assert [
        (s.sales_cycle_code, s.stage, s.description, s.figures.no_of_opportunities, s.figures.estimated_value)
        for s in board.stages
    ] == [("FUN", 1, "Lead", 1, Decimal("1000.1")), ("FUN", 2, "Offer", 2, Decimal("2500.25"))]
    assert board.stages[1].figures.calculated_current_value == Decimal("1250.13")
    # Pipeline: A1 + A2 + A3.
    p = board.pipeline
    assert (p.no_of_opportunities, p.estimated_value, p.calculated_current_value) == (
        3,
        Decimal("3500.35"),
        Decimal("1350.14"),
    )
    # March: A1 (20th) and A3 (1st); April: A2.
    m = board.this_month.figures
    assert (m.no_of_opportunities, m.estimated_value, m.calculated_current_value) == (
        2,
        Decimal("1500.15"),
        Decimal("350.04"),
    )
    assert board.next_month.figures.no_of_opportunities == 1
    assert board.next_month.figures.calculated_current_value == Decimal("1000.1")
    # Stale: A3 (closing 1 March < 10 March).
    assert board.stale.count == 1
    assert [s.no for s in board.stale_first] == ["A3"]
    # Tasks due: T1 (today) and T2 (overdue); T3 is tomorrow's, T4 is closed.
    assert board.tasks_due.count == 2
    assert board.people == ()


def test_a_sales_managers_dashboard_covers_his_team_per_salesperson(users: dict[str, Any]) -> None:
    board = dashboard(WORK_DATE, user=users["mia"])

    assert (board.scope.kind, board.scope.code) == ("team", "NORTH")
    # NORTH = AH, JO, MG: A1, A2, A3 and J1; S1 (SOUTH) is left out.
    p = board.pipeline
    assert (p.no_of_opportunities, p.estimated_value, p.calculated_current_value) == (
        4,
        Decimal("7500.35"),
        Decimal("4150.14"),
    )
    assert [(s.stage, s.figures.no_of_opportunities) for s in board.stages] == [(1, 1), (2, 2), (3, 1)]
    assert board.this_month.figures.no_of_opportunities == 2
    assert board.stale.count == 2
    assert [s.no for s in board.stale_first] == ["J1", "A3"]  # oldest closing date first
    assert board.tasks_due.count == 3  # T1, T2 (AH) and T5 (JO)
    rows = [
        (
            r.code,
            r.pipeline.no_of_opportunities,
            r.pipeline.estimated_value,
            r.this_month.no_of_opportunities,
            r.next_month.no_of_opportunities,
            r.stale.count,
            r.tasks_due.count,
        )
        for r in board.people
    ]
    assert rows == [("AH", 3, Decimal("3500.35"), 2, 1, 1, 2), ("JO", 1, Decimal("4000"), 0, 0, 1, 1)]


def test_every_dashboard_figure_drills_down_to_exactly_what_it_counts(users: dict[str, Any]) -> None:
    for name in ("annette", "mia", "admin"):
        user = users[name]
        board = dashboard(WORK_DATE, user=user)
        figures = [board.pipeline, board.this_month.figures, board.next_month.figures]
        figures += [s.figures for s in board.stages]
        for row in board.people:
            figures += [row.pipeline, row.this_month, row.next_month]
            assert len(listed(row.stale.url, user)) == row.stale.count
        for figure in figures:
            assert len(listed(figure.url, user)) == figure.no_of_opportunities, (name, figure.url)
        assert len(listed(board.stale.url, user)) == board.stale.count


def test_the_tasks_due_link_lists_exactly_the_tasks_counted(users: dict[str, Any]) -> None:
    for name, expected in (("annette", {"T1", "T2"}), ("mia", {"T1", "T2", "T5"}), ("admin", {"T1", "T2", "T5", "T6"})):
        board = dashboard(WORK_DATE, user=users[name])
        html = client_for(users[name]).get(board.tasks_due.url).content.decode()
        shown = set(re.findall(r'href="/tasks/(T\d)/"', html))
        assert shown == expected, name
        assert board.tasks_due.count == len(expected)


def test_a_salesperson_never_sees_another_teams_figures(users: dict[str, Any]) -> None:
    sue = users["sue"]
    board = dashboard(WORK_DATE, user=sue)

    assert board.pipeline.no_of_opportunities == 1  # S1 only
    assert board.tasks_due.count == 1  # T6
    page = client_for(sue).get("/").content.decode()
    for text in ("Deal A3", "Deal J1", "Annette", "salesperson=AH", "salesperson=JO"):
        assert text not in page
    charts_page = client_for(sue).get("/analysis/charts/").content.decode()
    for text in ("Annette", "Deal J1", "salesperson=AH"):
        assert text not in charts_page


def test_a_manager_switches_between_his_teams(users: dict[str, Any]) -> None:

    Salesperson.objects.get(code="MG").teams.add(Team.objects.get(code="SOUTH"))
    board = dashboard(WORK_DATE, user=users["mia"], team="south")

    assert (board.scope.code, board.pipeline.no_of_opportunities) == ("SOUTH", 1)
    assert [code for code, _name in board.scope.teams] == ["NORTH", "SOUTH"]
    assert dashboard(WORK_DATE, user=users["mia"], team="ELSEWHERE").scope.code == "NORTH"


def test_the_dashboard_is_the_landing_page_and_links_every_figure(users: dict[str, Any]) -> None:
    response = client_for(users["mia"]).get("/")

    assert response.status_code == 200
    html = unescape(response.content.decode())
    board = dashboard(WORK_DATE, user=users["mia"])
    for url in [board.pipeline.url, board.stale.url, board.tasks_due.url, board.this_month.figures.url]:
        assert f'href="{url}"' in html
    data = json_block(html, "stage-chart-data")
    assert data["datasets"][0]["links"] == [s.figures.url for s in board.stages]
    assert data["datasets"][0]["data"] == ["1000.1", "2500.25", "4000"]


# ---------------------------------------------------------------------------------------------------------------
# Query counts and the page's policy


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", ["/", "/analysis/charts/"])
@pytest.mark.parametrize("name", ["annette", "mia", "admin"])
def test_query_counts_do_not_grow_with_the_data(users: dict[str, Any], url: str, name: str) -> None:
    client = client_for(users[name])
    client.get(url)  # the session and the user's roles
    before = _queries(client, url)
    template = Opportunity.objects.get(no="A1")
    for i in range(30):
        template.pk = f"X{i:03}"
        template.salesperson_id = ["AH", "JO", "SU"][i % 3]
        template.save(force_insert=True)
        Task.objects.create(no=f"TX{i:03}", date=WORK_DATE, salesperson_id=template.salesperson_id)

    assert _queries(client, url) == before
    assert before <= 12


@pytest.mark.parametrize(
    "url", ["/", "/analysis/charts/", "/analysis/charts/?start=2026-01-01&end=2026-12-31&cycle=FUN"]
)
def test_chart_pages_have_no_inline_script_or_style(users: dict[str, Any], url: str) -> None:
    html = client_for(users["admin"]).get(url).content.decode()

    for script in html.split("<script")[1:]:
        tag = script.split(">", 1)[0]
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert " style=" not in html
    assert html.count('role="img"') == (1 if url == "/" else 4)
    assert html.count("<canvas") == html.count('role="img" aria-label="')


def test_the_charts_page_takes_the_period_and_cycle(users: dict[str, Any]) -> None:
    html = client_for(users["admin"]).get("/analysis/charts/?start=2026-02-01&end=2026-02-28").content.decode()

    # February: A5 lost (20th) → AH lost 1; nothing won.
    data = json_block(html, "status-chart-data")
    assert data["labels"][0] == "AH Annette Hill"
    assert [d["data"][0] for d in data["datasets"]] == [3, 0, 1]
    query = parse_qs(urlsplit(unescape(data["datasets"][2]["links"][0])).query)
    assert query == {
        "salesperson": ["AH"],
        "status": ["lost"],
        "closed_from": ["2026-02-01"],
        "closed_to": ["2026-02-28"],
    }


@pytest.mark.sqlite_only
@pytest.mark.parametrize("name", ["annette", "mia"])
def test_the_dashboard_reads_only_the_scopes_rows_along_the_salesperson_indexes(
    users: dict[str, Any], name: str
) -> None:
    user = users[name]
    permissions.access(user)
    with CaptureQueriesContext(connection) as captured:
        dashboard(WORK_DATE, user=user)

    for query in captured.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
        # Never the whole table, never every open opportunity of everyone (opp_status): the scope's salespeople.
        assert "SCAN opportunities_opportunity" not in plan, plan
        assert "SCAN tasks_task" not in plan, plan
        assert "INDEX opp_status " not in plan, plan
