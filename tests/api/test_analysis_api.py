"""The analysis endpoints (api.md "Analysis (from the entry ledger)"): their JSON and CSV answers on the worked example
of ``opportunities/tests/analysis_fixtures.py`` (read its table first), their errors, who sees what, the constant
number of queries, and exact money on both databases (amounts that floating point gets wrong)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salescycle import testing
from salescycle.apitokens.tokens import create_token
from salescycle.core.actors import SYSTEM
from salescycle.core.workdate import set_work_date
from salescycle.opportunities import analysis
from salescycle.opportunities.tests.analysis_fixtures import CYCLE, Step, World, d, ledger, make_world
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: None) -> World:
    return make_world()


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.content
    return response.json()


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    return body


def client_for(client: Any, user: Any) -> ApiClient:
    return ApiClient(client, create_token(user, name="tests")[1])


# --- JSON answers -----------------------------------------------------------------------------------------------


def test_matrix_answers_columns_rows_and_total(api: ApiClient, world: World) -> None:
    body = ok(api.get("/analysis/matrix?period=month&start=2026-03-15&columns=2&show=estimated_value"))

    assert body == {
        "columns": [{"start": "2026-03-01", "end": "2026-03-31"}, {"start": "2026-04-01", "end": "2026-04-30"}],
        "rows": [
            {"key": "AN", "name": "Anna", "cells": ["1000", None], "total": "1000"},
            {"key": "BE", "name": "Bert", "cells": [None, "500"], "total": "500"},
        ],
        "total": {"cells": ["1000", "500"], "total": "1500"},
    }


def test_matrix_defaults_to_twelve_months_from_the_work_date_counting_in_progress(
    api: ApiClient, user: Any, world: World
) -> None:
    set_work_date(user, d(2, 10))
    body = ok(api.get("/analysis/matrix"))

    assert [c["start"] for c in body["columns"]][:2] == ["2026-02-01", "2026-03-01"]
    assert len(body["columns"]) == 12
    assert [(r["key"], r["cells"][:4], r["total"]) for r in body["rows"]] == [
        ("AN", [None, 1, None, None], 1),
        ("BE", [None, None, 1, None], 1),
    ]


def test_matrix_won_in_thousands_by_quarter(api: ApiClient, world: World) -> None:
    body = ok(
        api.get(
            "/analysis/matrix?status=won&show=calculated_current_value&rounding_factor=1000&period=quarter"
            "&start=2026-01-01&columns=2"
        )
    )
    assert body["rows"] == [{"key": "AN", "name": "Anna", "cells": ["2.1", None], "total": "2.1"}]


def test_pipeline_answers_every_stage(api: ApiClient, world: World) -> None:
    body = ok(api.get("/analysis/pipeline?sales_cycle_code=cal&as_of=2026-02-12"))

    assert body == {
        "as_of": "2026-02-12",
        "sales_cycle_code": "CAL",
        "no_of_opportunities": 4,
        "estimated_value": "3800",
        "calculated_current_value": "980",
        "stages": [
            {
                "stage": 1,
                "description": "Initial",
                "no_of_opportunities": 2,
                "estimated_value": "2300",
                "calculated_current_value": "230",
            },
            {
                "stage": 2,
                "description": "Presentation",
                "no_of_opportunities": 2,
                "estimated_value": "1500",
                "calculated_current_value": "750",
            },
            {
                "stage": 3,
                "description": "Proposal",
                "no_of_opportunities": 0,
                "estimated_value": "0",
                "calculated_current_value": "0",
            },
        ],
    }


def test_pipeline_of_a_company_covers_its_persons(api: ApiClient, world: World) -> None:
    body = ok(api.get("/analysis/pipeline?sales_cycle_code=CAL&as_of=2026-02-12&contact_no=K1"))
    assert (body["no_of_opportunities"], body["estimated_value"], body["calculated_current_value"]) == (
        2,
        "3000",
        "700",
    )


def test_movement_answers_the_waterfall(api: ApiClient, world: World) -> None:
    body = ok(api.get("/analysis/movement?date_from=2026-02-01&date_to=2026-02-28"))

    assert body == {
        "date_from": "2026-02-01",
        "date_to": "2026-02-28",
        "open_at_start": {"no_of_opportunities": 3, "estimated_value": "3500", "calculated_current_value": "350"},
        "created": {"no_of_opportunities": 1, "estimated_value": "300"},
        "advanced": 3,
        "moved_back": 1,
        "won": {"no_of_opportunities": 0, "value": "0"},
        "lost": {"no_of_opportunities": 1, "estimated_value": "300"},
        "open_at_end": {"no_of_opportunities": 3, "estimated_value": "3500", "calculated_current_value": "750"},
    }


def test_calibration_answers_each_stage(api: ApiClient, world: World) -> None:
    body = ok(api.get("/analysis/calibration?sales_cycle_code=CAL"))

    assert body == {
        "sales_cycle_code": "CAL",
        "stages": [
            {
                "stage": 1,
                "description": "Initial",
                "chances_of_success_pct": "10",
                "reached": 2,
                "won": 1,
                "win_rate_pct": "50",
            },
            {
                "stage": 2,
                "description": "Presentation",
                "chances_of_success_pct": "50",
                "reached": 0,
                "won": 0,
                "win_rate_pct": None,
            },
            {
                "stage": 3,
                "description": "Proposal",
                "chances_of_success_pct": "70",
                "reached": 1,
                "won": 1,
                "win_rate_pct": "100",
            },
        ],
    }


def test_forecast_answers_each_period(api: ApiClient, world: World) -> None:
    body = ok(api.get("/analysis/forecast?period=month&start=2026-03-02&columns=2"))

    assert body == {
        "periods": [
            {
                "start": "2026-03-01",
                "end": "2026-03-31",
                "no_of_opportunities": 1,
                "estimated_value": "1000",
                "calculated_current_value": "500",
                "won_count": 1,
                "won_value": "2100",
            },
            {
                "start": "2026-04-01",
                "end": "2026-04-30",
                "no_of_opportunities": 1,
                "estimated_value": "500",
                "calculated_current_value": "50",
                "won_count": 0,
                "won_value": "0",
            },
        ]
    }


# --- CSV ---------------------------------------------------------------------------------------------------------


def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_matrix_as_csv_with_accept_neutralizes_formula_like_names(api: ApiClient, world: World) -> None:
    response = api.get("/analysis/matrix?rows=contact&start=2026-03-01&columns=2", Accept="text/csv")

    assert csv_rows(response) == [
        ["key", "name", "2026-03-01..2026-03-31", "2026-04-01..2026-04-30", "total"],
        ["K1", "Kappa One", "1", "", "1"],
        ["K2", "'=Kappa Two", "", "1", "1"],
        ["P1", "Paula", "1", "", "1"],
        ["", "total", "1", "1", "2"],
    ]
    assert 'filename="opportunities-matrix.csv"' in response["Content-Disposition"]


def test_every_analysis_answers_csv_with_format_csv(api: ApiClient, world: World) -> None:
    assert csv_rows(api.get("/analysis/pipeline?sales_cycle_code=CAL&as_of=2026-02-12&format=csv"))[1:] == [
        ["1", "Initial", "2", "2300", "230"],
        ["2", "Presentation", "2", "1500", "750"],
        ["3", "Proposal", "0", "0", "0"],
        ["", "total", "4", "3800", "980"],
    ]
    movement = csv_rows(api.get("/analysis/movement?date_from=2026-02-01&date_to=2026-02-28&format=csv"))
    assert movement[1] == ["open_at_start", "3", "3500", "350", ""]
    assert movement[-1] == ["open_at_end", "3", "3500", "750", ""]
    calibration = csv_rows(api.get("/analysis/calibration?sales_cycle_code=CAL&format=csv"))
    assert calibration[1:] == [
        ["1", "Initial", "10", "2", "1", "50"],
        ["2", "Presentation", "50", "0", "0", ""],
        ["3", "Proposal", "70", "1", "1", "100"],
    ]
    forecast = csv_rows(api.get("/analysis/forecast?start=2026-03-01&columns=1&format=csv"))
    assert forecast == [
        [
            "start",
            "end",
            "no_of_opportunities",
            "estimated_value",
            "calculated_current_value",
            "won_count",
            "won_value",
        ],
        ["2026-03-01", "2026-03-31", "1", "1000", "500", "1", "2100"],
    ]


def test_format_json_wins_over_accept_csv(api: ApiClient, world: World) -> None:
    response = api.get("/analysis/forecast?start=2026-03-01&columns=1&format=json", Accept="text/csv")
    assert response["Content-Type"].startswith("application/json")


# --- Errors --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/analysis/matrix?show=everything", "show"),
        ("/analysis/matrix?rows=team", "rows"),
        ("/analysis/matrix?status=not_started", "status"),
        ("/analysis/matrix?rounding_factor=10", "rounding_factor"),
        ("/analysis/matrix?period=fortnight", "period"),
        ("/analysis/matrix?columns=33", "columns"),
        ("/analysis/forecast?columns=0", "columns"),
        ("/analysis/forecast?start=2026-13-01", "start"),
        ("/analysis/forecast?format=xlsx", "format"),
        ("/analysis/pipeline", "sales_cycle_code"),
        ("/analysis/pipeline?sales_cycle_code=", "sales_cycle_code"),
        ("/analysis/calibration", "sales_cycle_code"),
        ("/analysis/movement?date_from=2026-02-01", "date_to"),
        ("/analysis/movement?date_from=2026-03-01&date_to=2026-02-01", "date_to"),
        ("/analysis/matrix?period=year&start=9999-01-01&columns=2", "start"),
    ],
)
def test_bad_parameters_are_422_invalid_input_naming_the_field(api: ApiClient, path: str, field: str) -> None:
    body = error(api.get(path), 422)
    assert body["code"] == "invalid_input"
    assert field in body["fields"], body


def test_an_unknown_cycle_is_404(api: ApiClient, world: World) -> None:
    assert error(api.get("/analysis/pipeline?sales_cycle_code=NOPE"), 404)["code"] == "not_found"
    assert error(api.get("/analysis/calibration?sales_cycle_code=NOPE"), 404)["code"] == "not_found"


PATHS = [
    "/analysis/matrix",
    "/analysis/pipeline?sales_cycle_code=CAL",
    "/analysis/movement?date_from=2026-02-01&date_to=2026-02-28",
    "/analysis/calibration?sales_cycle_code=CAL",
    "/analysis/forecast",
]


@pytest.mark.parametrize("path", PATHS)
def test_every_analysis_needs_a_signed_in_user_with_a_role(
    client: Any, anonymous: ApiClient, world: World, path: str
) -> None:
    assert error(anonymous.get(path), 401)["code"] == "not_authenticated"
    assert error(client_for(client, testing.make_user()).get(path), 403)["code"] == "permission_denied"


# --- Visibility -----------------------------------------------------------------------------------------------------


def test_a_salesperson_sees_only_their_own_figures(client: Any, world: World) -> None:
    anna = client_for(client, testing.make_salesperson_user(salesperson=world.an))

    pipeline = ok(anna.get("/analysis/pipeline?sales_cycle_code=CAL&as_of=2026-02-12"))
    assert (pipeline["no_of_opportunities"], pipeline["estimated_value"]) == (2, "3000")
    matrix = ok(anna.get("/analysis/matrix?start=2026-01-01&columns=4"))
    assert [row["key"] for row in matrix["rows"]] == ["AN"]
    movement = ok(anna.get("/analysis/movement?date_from=2026-02-01&date_to=2026-02-28"))
    assert (movement["advanced"], movement["moved_back"], movement["lost"]["no_of_opportunities"]) == (1, 0, 0)
    calibration = ok(anna.get("/analysis/calibration?sales_cycle_code=CAL"))
    assert [(s["reached"], s["won"]) for s in calibration["stages"]] == [(1, 1), (0, 0), (1, 1)]
    forecast = ok(anna.get("/analysis/forecast?start=2026-03-01&columns=2"))
    assert [p["no_of_opportunities"] for p in forecast["periods"]] == [1, 0]


# --- Query counts ---------------------------------------------------------------------------------------------------


def more_opportunities(world: World, count: int) -> None:
    for i in range(count):
        ledger(
            f"MORE{i:03d}",
            contact=world.p1 if i % 2 else world.k2,
            salesperson=world.an if i % 3 else world.be,
            steps=[
                Step(d(1, 2), "first", 1, "10.10", "1.01", d(1 + i % 6, 10)),
                Step(d(1, 3), "next", 2, "20.20", "10.10", d(1 + i % 6, 12)),
                *([Step(d(1, 4), "won", 0, "20.20", "20.20")] if i % 4 == 0 else []),
            ],
        )


@pytest.mark.parametrize(
    "path",
    [
        "/analysis/matrix?start=2026-01-01",
        "/analysis/matrix?rows=contact&start=2026-01-01&show=avg_estimated_value",
        "/analysis/matrix?rows=campaign&start=2026-01-01",
        "/analysis/pipeline?sales_cycle_code=CAL&as_of=2026-02-12",
        "/analysis/pipeline?sales_cycle_code=CAL",
        "/analysis/movement?date_from=2026-01-01&date_to=2026-03-31",
        "/analysis/calibration?sales_cycle_code=CAL",
        "/analysis/forecast?start=2026-01-01&period=week&columns=32",
        "/analysis/forecast",
    ],
)
def test_each_analysis_runs_a_constant_number_of_queries(client: Any, world: World, path: str) -> None:
    anna = client_for(client, testing.make_salesperson_user(salesperson=world.an))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            ok(anna.get(path))
        return len(captured)

    queries()  # the token's first use of the day writes its last-used time
    few = queries()
    more_opportunities(world, 40)
    assert queries() == few
    assert few <= 6  # the user with their roles, the work date, the cycle or names, the figures (grouped queries)


# --- Exact money ---------------------------------------------------------------------------------------------------


def test_sums_that_floating_point_gets_wrong_are_exact(api: ApiClient, world: World) -> None:
    # Ten opportunities of 0.1 (current value 0.2) each: 1.0 and 2.0 (a float sum gives 0.9999999999999999), and two
    # of 1234567.89 and 1217536.38: 2452104.27 (a float sum gives 2452104.2699999996).
    values = [("0.1", "0.2")] * 10 + [("1234567.89", "1234567.89"), ("1217536.38", "1217536.38")]
    for i, (value, current) in enumerate(values):
        ledger(
            f"FLT{i:02d}",
            contact=world.k1,
            salesperson=world.an,
            steps=[Step(d(6, 1), "first", 1, value, current, d(6, 15))],
        )
    pipeline = ok(api.get("/analysis/pipeline?sales_cycle_code=CAL&as_of=2026-06-30&salesperson_code=AN"))
    # OP1 (1000/500) is still open on 06-30 too.
    assert (pipeline["estimated_value"], pipeline["calculated_current_value"]) == ("2453105.27", "2452606.27")
    matrix = ok(api.get("/analysis/matrix?start=2026-06-01&columns=1&show=estimated_value"))
    assert matrix["rows"][0]["cells"] == ["2452105.27"]
    forecast = ok(api.get("/analysis/forecast?start=2026-06-01&columns=1"))
    assert forecast["periods"][0]["calculated_current_value"] == "2452106.27"


def test_averages_and_rounding_are_half_away_from_zero(api: ApiClient, world: World) -> None:
    # Two entries of 0.01 and 0.02 in July: average 0.015 → 0.02; 1250.5 and 1249.5: average 1250 → with factor 1000,
    # 1.25 → 1.3; factor 1: 1250.
    for no, value in [("R1", "0.01"), ("R2", "0.02")]:
        ledger(no, contact=world.k1, salesperson=world.an, steps=[Step(d(7, 1), "first", 1, value, "0", d(7, 5))])
    for no, value in [("R3", "1250.5"), ("R4", "1249.5")]:
        ledger(no, contact=world.k2, salesperson=world.be, steps=[Step(d(8, 1), "first", 1, value, "0", d(8, 5))])
    base = "/analysis/matrix?show=avg_estimated_value&period=month&start=2026-07-01&columns=2"
    assert [r["cells"] for r in ok(api.get(base))["rows"]] == [["0.02", None], [None, "1250"]]
    assert [r["cells"] for r in ok(api.get(base + "&rounding_factor=1000"))["rows"]] == [[None, None], [None, "1.3"]]
    assert [r["cells"] for r in ok(api.get(base + "&rounding_factor=1"))["rows"]] == [[None, None], [None, "1250"]]
    # The matrix keeps rows with matching entries even when their rounded cells are all blank (AN's 0.015 → 0).
    assert [r["key"] for r in ok(api.get(base + "&rounding_factor=1000"))["rows"]] == ["AN", "BE"]


AMOUNTS = st.sampled_from(["0.1", "0.2", "0.3", "0.7", "1.1", "2.675", "1.005", "0.00001", "1234567.89", "99999.99999"])


def cents(value: Decimal) -> str:
    text = format(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(AMOUNTS, AMOUNTS, st.integers(0, 2)), min_size=1, max_size=12))
def test_each_aggregate_equals_a_decimal_sum_over_the_same_rows(db: None, rows: list[tuple[str, str, int]]) -> None:
    with transaction.atomic():
        sp = testing.make_salesperson("HYP")
        company = testing.make_company("HYPCO")
        testing.make_cycle(CYCLE, stages=[{"stage": 1, "description": "One"}])
        for i, (value, current, month) in enumerate(rows):
            ledger(
                f"H{i:03d}",
                contact=company,
                salesperson=sp,
                steps=[Step(d(1, 5), "first", 1, value, current, d(1 + month, 10))],
            )
        values = [Decimal(value) for value, _current, _month in rows]
        currents = [Decimal(current) for _value, current, _month in rows]
        pipeline = analysis.pipeline_as_of(CYCLE, d(1, 31), user=SYSTEM)
        assert (str(pipeline.estimated_value), str(pipeline.calculated_current_value)) == (
            str(sum(values).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
            str(sum(currents).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
        )
        forecast = analysis.forecast(start=d(1, 1), columns=3, user=SYSTEM)
        for month, period in enumerate(forecast.periods):
            in_month = [Decimal(v) for v, _c, m in rows if m == month]
            assert cents(period.estimated_value) == cents(sum(in_month, Decimal(0)))
        matrix = analysis.matrix(
            options=analysis.MatrixOptions(show="avg_calculated_current_value"), start=d(1, 1), columns=3, user=SYSTEM
        )
        average = sum(currents) / len(currents)
        expected = average.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert matrix.total.total == (expected or None)
        movement = analysis.movement(d(1, 1), d(1, 31), user=SYSTEM)
        assert movement.created.value == sum(values).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        transaction.set_rollback(True)


def test_work_date_default_of_the_pipeline(api: ApiClient, user: Any, world: World) -> None:
    set_work_date(user, dt.date(2026, 2, 12))
    assert ok(api.get("/analysis/pipeline?sales_cycle_code=CAL"))["as_of"] == "2026-02-12"
