"""The charts of the analysis pages (issue #14 items 2 and 4): the movement waterfalls, the forecast by closing period
and the calibration of the stages' chances, each drawn by ``charts.js`` from a JSON block beside the page's table.

Worked numbers on the ledger of ``analysis_fixtures`` (read its table first). Movement from 1 February to 31 March
2026: open at start (31 January) OP1 1000, OP2 2000, OP3 500 = 3 / 3,500.00; created OP4 (300); won OP2 at
2,100.00 (its Calcd. Current Value, the sale; its estimate was 2,000); lost OP4 (300); open at end OP1 1000, OP3
500 = 2 / 1,500.00. The count adds up by itself (3 + 1 − 1 − 1 = 2); the value does not (3,500 + 300 − 2,100 − 300
= 1,400): Other changes = +100.00, OP2 won for 100 more than its estimate.
"""

from __future__ import annotations

import html
import json
import re
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.core.workdate import set_work_date
from salescycle.opportunities.models import Opportunity, OpportunityEntry
from salescycle.opportunities.tests.analysis_fixtures import World, d, make_world
from salescycle.opportunities.views.analysis_charts import Change, balance, waterfall

pytestmark = pytest.mark.django_db

MOVEMENT = "/analysis/movement/?date_from=2026-02-01&date_to=2026-03-31"


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture
def manager(client: Client, world: World) -> Client:
    user = testing.make_manager("manager")
    set_work_date(user, d(1, 5))
    client.force_login(user)
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def json_block(text: str, block_id: str) -> Any:
    """The data of the page's ``json_script`` block ``block_id``."""
    match = re.search(rf'<script id="{block_id}" type="application/json">(.*?)</script>', text, re.S)
    assert match is not None, block_id
    return json.loads(match[1])


def row(text: str, row_id: str) -> list[str]:
    """The texts of the cells of the table row ``row_id``."""
    match = re.search(rf'<tr id="{row_id}">(.*?)</tr>', text, re.S)
    assert match is not None, row_id
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", "", c)).split())
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match[1], re.S)
    ]


def table_links(text: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<a href="(/opportunities/\?[^"]*)">', text)]


def bars(data: dict[str, Any]) -> list[tuple[str, str, Any, Any]]:
    """(label, kind, from, to) of each bar of a waterfall's JSON."""
    (series,) = data["datasets"]
    return [
        (label, kind, pair[0], pair[1])
        for label, kind, pair in zip(data["labels"], series["kinds"], series["data"], strict=True)
    ]


# ---------------------------------------------------------------------------------------------------------------
# The waterfall itself


def test_a_waterfall_ends_at_the_closing_level_with_the_balance_before_it() -> None:
    steps = waterfall(
        Change("start", Decimal("10.00"), "total"),
        [Change("in", Decimal("5.50"), "increase"), Change("out", Decimal("-3.25"), "decrease", "/won")],
        "other",
        Change("end", Decimal("11.00"), "total"),
    )

    assert [(s.label, s.kind, s.start, s.end, s.url) for s in steps] == [
        ("start", "total", Decimal("0"), Decimal("10.00"), ""),
        ("in", "increase", Decimal("10.00"), Decimal("15.50"), ""),
        ("out", "decrease", Decimal("15.50"), Decimal("12.25"), "/won"),
        ("other", "other", Decimal("12.25"), Decimal("11.00"), ""),
        ("end", "total", Decimal("0"), Decimal("11.00"), ""),
    ]
    assert balance(steps) == Decimal("-1.25")
    # Every bar starts where the one before it ends; the last total is the closing level.
    assert all(a.end == b.start for a, b in pairwise(steps[:-1]))


def test_figures_that_add_up_leave_an_empty_balance() -> None:
    steps = waterfall(
        Change("s", 3, "total"), [Change("c", 1, "increase"), Change("w", -2, "decrease")], "o", Change("e", 2, "total")
    )

    assert balance(steps) == 0
    assert [(s.start, s.end) for s in steps] == [(0, 3), (3, 4), (4, 2), (2, 2), (0, 2)]


# ---------------------------------------------------------------------------------------------------------------
# Movement


def test_the_movement_waterfalls_add_up_to_open_at_end_for_count_and_value(manager: Client) -> None:
    text = page(manager, MOVEMENT)
    count = json_block(text, "movement-count-chart-data")
    value = json_block(text, "movement-value-chart-data")

    assert (count["waterfall"], count["money"], value["waterfall"], value["money"]) == (True, False, True, True)
    assert bars(count) == [
        ("Open at start", "total", 0, 3),
        ("+ Created", "increase", 3, 4),
        ("\u2212 Won", "decrease", 4, 3),
        ("\u2212 Lost", "decrease", 3, 2),
        ("\u00b1 Other changes", "other", 2, 2),
        ("Open at end", "total", 0, 2),
    ]
    assert [(kind, Decimal(a), Decimal(b)) for _l, kind, a, b in bars(value)] == [
        ("total", 0, Decimal("3500")),
        ("increase", Decimal("3500"), Decimal("3800")),
        ("decrease", Decimal("3800"), Decimal("1700")),
        ("decrease", Decimal("1700"), Decimal("1400")),
        ("other", Decimal("1400"), Decimal("1500")),  # OP2 won for 2,100 against its estimate of 2,000
        ("total", 0, Decimal("1500")),
    ]
    # The table, the chart's alternative, shows the balance too.
    assert row(text, "movement-other") == ["Other changes (the balance)", "0", "100.00", ""]


def test_the_won_and_lost_bars_drill_down_as_the_tables_counts_and_no_other_bar_does(manager: Client) -> None:
    text = page(manager, MOVEMENT)
    won, lost = table_links(text)

    for block in ("movement-count-chart-data", "movement-value-chart-data"):
        assert json_block(text, block)["datasets"][0]["links"] == ["", "", won, lost, "", ""]


def test_a_figure_that_moves_into_the_filter_shows_as_other_changes(manager: Client, world: World) -> None:
    # OP3 passes from Bert to Anna on 15 February (its latest entry is Anna's).
    Opportunity.objects.filter(no="OP3").update(salesperson=world.an)
    OpportunityEntry.objects.filter(opportunity_id="OP3", date_of_change=d(2, 15)).update(salesperson=world.an)

    text = page(manager, f"{MOVEMENT}&salesperson_code=AN")

    # Anna: open at start OP1 1000, OP2 2000; nothing created or lost; OP2 won (2,100); open at end OP1 1000 and
    # OP3 500. Count 2 − 1 = 1, but 2 at the end: OP3 came in (+1). Value 3,000 − 2,100 = 900, but 1,500 at the
    # end: OP3's 500 and OP2's 100 above its estimate (+600).
    assert [(a, b) for _l, _k, a, b in bars(json_block(text, "movement-count-chart-data"))] == [
        (0, 2),
        (2, 2),
        (2, 1),
        (1, 1),
        (1, 2),
        (0, 2),
    ]
    value = bars(json_block(text, "movement-value-chart-data"))
    assert (Decimal(value[4][2]), Decimal(value[4][3])) == (Decimal("900"), Decimal("1500"))
    assert value[-1][3] == value[4][3]
    assert row(text, "movement-other") == ["Other changes (the balance)", "1", "600.00", ""]


# ---------------------------------------------------------------------------------------------------------------
# Forecast and calibration


def test_the_forecast_chart_shows_unweighted_weighted_and_won_value_per_period(manager: Client) -> None:
    text = page(manager, "/analysis/forecast/?start=2026-01-01&columns=4")
    data = json_block(text, "forecast-chart-data")

    assert data["labels"] == ["January 2026", "February 2026", "March 2026", "April 2026"]
    assert (data["money"], data["waterfall"]) == (True, False)
    estimated, weighted, won = data["datasets"]
    assert (estimated["label"], weighted["label"], won["label"]) == (
        "Estimated Value (LCY)",
        "Calcd. Current Value (LCY)",
        "Won value (LCY)",
    )
    assert [Decimal(v) for v in estimated["data"]] == [0, 0, Decimal("1000"), Decimal("500")]
    assert [Decimal(v) for v in weighted["data"]] == [0, 0, Decimal("500"), Decimal("50")]
    assert [Decimal(v) for v in won["data"]] == [0, 0, Decimal("2100"), 0]
    # The open bars link where the table's open count does (OP1 in March, OP3 in April), the won bar where its won
    # count does (OP2 in March); an empty period links nowhere.
    open_march, won_march, open_april = table_links(text)  # in the order of the table's rows
    assert estimated["links"] == weighted["links"] == ["", "", open_march, open_april]
    assert won["links"] == ["", "", won_march, ""]


def test_the_calibration_chart_sets_each_stages_chances_beside_its_win_rate(manager: Client) -> None:
    data = json_block(page(manager, "/analysis/calibration/?sales_cycle_code=CAL"), "calibration-chart-data")

    assert data["labels"] == ["1 Initial", "2 Presentation", "3 Proposal"]
    assert (data["percent"], data["money"]) == (True, False)
    chances, rates = data["datasets"]
    assert [Decimal(v) for v in chances["data"]] == [10, 50, 70]
    # Stage 2: no closed opportunity reached it, so no bar (null), as the table leaves the cell empty.
    assert rates["data"][1] is None
    assert [Decimal(rates["data"][0]), Decimal(rates["data"][2])] == [50, 100]
    assert chances["links"] == rates["links"] == ["", "", ""]  # "reached a stage" is history: no list


# ---------------------------------------------------------------------------------------------------------------
# The pages' policy


@pytest.mark.parametrize(
    ("url", "canvases"),
    [
        (MOVEMENT, 2),
        ("/analysis/forecast/?start=2026-01-01&columns=4", 1),
        ("/analysis/calibration/?sales_cycle_code=CAL", 1),
        ("/analysis/movement/?date_from=2026-03-01&date_to=2026-02-01", 0),  # a form error: no figures, no chart
    ],
)
def test_the_analysis_charts_have_no_inline_script_or_style(manager: Client, url: str, canvases: int) -> None:
    text = page(manager, url)

    for script in text.split("<script")[1:]:
        tag = script.split(">", 1)[0]
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert " style=" not in text
    assert text.count("<canvas") == canvases
    assert text.count('role="img" aria-label="') == canvases
    assert ("charts.js" in text) == bool(canvases)
