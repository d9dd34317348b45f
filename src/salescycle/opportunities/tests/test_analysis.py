"""The analysis from the entry ledger (api.md "Analysis", spec §5.7) on the worked example of
``analysis_fixtures`` (read its table first): every expectation below is worked out by hand from that table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.core.dates import Period, periods
from salescycle.core.errors import InvalidInput, NotFound
from salescycle.core.workdate import set_work_date
from salescycle.opportunities import analysis
from salescycle.opportunities.analysis import AnalysisFilter, MatrixOptions
from salescycle.opportunities.tests.analysis_fixtures import CYCLE, Step, World, d, ledger, make_world

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def world(db: None) -> World:
    return make_world()


def figures(result: analysis.Figures) -> tuple[int, str, str]:
    return result.no_of_opportunities, str(result.estimated_value), str(result.calculated_current_value)


# --- Periods ---------------------------------------------------------------------------------------------------


def test_periods_of_every_kind_start_with_the_one_holding_the_start_date() -> None:
    assert periods("day", d(2, 28), 2) == (Period(d(2, 28), d(2, 28)), Period(d(3, 1), d(3, 1)))
    # 2026-03-29 is a Sunday: its ISO week began on Monday 03-23.
    assert periods("week", d(3, 29), 2) == (Period(d(3, 23), d(3, 29)), Period(d(3, 30), d(4, 5)))
    assert periods("month", d(1, 31), 2) == (Period(d(1, 1), d(1, 31)), Period(d(2, 1), d(2, 28)))
    assert periods("quarter", d(3, 31), 2) == (Period(d(1, 1), d(3, 31)), Period(d(4, 1), d(6, 30)))
    assert periods("year", d(7, 4), 1) == (Period(d(1, 1), d(12, 31)),)
    # The ISO week of 2026-01-01 (a Thursday) began in 2025.
    assert periods("week", d(1, 1), 1) == (Period(dt.date(2025, 12, 29), d(1, 4)),)


def test_periods_refuse_a_column_count_outside_1_to_32_and_dates_past_9999() -> None:
    assert len(periods("day", d(1, 1), 32)) == 32
    for columns in (0, 33):
        with pytest.raises(InvalidInput) as error:
            periods("month", d(1, 1), columns)
        assert error.value.fields == {"columns": ["Must be between 1 and 32."]}
    assert periods("year", dt.date(9999, 5, 1), 1) == (Period(dt.date(9999, 1, 1), dt.date(9999, 12, 31)),)
    with pytest.raises(InvalidInput):
        periods("year", dt.date(9999, 5, 1), 2)


# --- Pipeline as of a date ---------------------------------------------------------------------------------------


def test_pipeline_as_of_a_date_takes_each_opportunitys_latest_entry_of_that_day(world: World) -> None:
    # 02-12: OP1 02-10 stage 2 1000/500, OP2 01-10 stage 1 2000/200, OP3 02-01 stage 2 500/250, OP4 02-01 stage 1
    # 300/30 (lost only on 02-20).
    result = analysis.pipeline_as_of(CYCLE, d(2, 12), user=SYSTEM)

    assert (result.as_of, result.sales_cycle_code) == (d(2, 12), CYCLE)
    assert figures(result) == (4, "3800.00", "980.00")
    assert [(s.stage, s.description, *figures(s)) for s in result.stages] == [
        (1, "Initial", 2, "2300.00", "230.00"),
        (2, "Presentation", 2, "1500.00", "750.00"),
        (3, "Proposal", 0, "0.00", "0.00"),
    ]


def test_a_closing_entry_takes_the_opportunity_out_of_the_pipeline_from_its_own_day(world: World) -> None:
    # 02-20: OP4 is lost that day; OP3's previous (02-15, stage 1 500/50) is its latest.
    assert figures(analysis.pipeline_as_of(CYCLE, d(2, 20), user=SYSTEM)) == (3, "3500.00", "750.00")
    # 03-31: OP2 won, OP4 lost; OP1 stage 2 1000/500 and OP3 stage 1 500/50 remain.
    late = analysis.pipeline_as_of(CYCLE, d(3, 31), user=SYSTEM)
    assert figures(late) == (2, "1500.00", "550.00")
    assert [s.no_of_opportunities for s in late.stages] == [1, 1, 0]
    # Before the first entry: nothing.
    assert figures(analysis.pipeline_as_of(CYCLE, d(1, 4), user=SYSTEM)) == (0, "0.00", "0.00")


def test_pipeline_filters_and_company_covers_its_persons(world: World) -> None:
    k1 = AnalysisFilter(contact_no="k1")  # keys are looked up as stored
    assert figures(analysis.pipeline_as_of(CYCLE, d(2, 12), k1, user=SYSTEM)) == (2, "3000.00", "700.00")
    p1 = AnalysisFilter(contact_no="P1")
    assert figures(analysis.pipeline_as_of(CYCLE, d(2, 12), p1, user=SYSTEM)) == (1, "1000.00", "500.00")
    be = AnalysisFilter(salesperson_code="BE")
    assert figures(analysis.pipeline_as_of(CYCLE, d(2, 12), be, user=SYSTEM)) == (2, "800.00", "280.00")
    cp1 = AnalysisFilter(campaign_no="CP1")
    assert figures(analysis.pipeline_as_of(CYCLE, d(2, 12), cp1, user=SYSTEM)) == (1, "1000.00", "500.00")


def test_pipeline_of_an_unknown_cycle_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        analysis.pipeline_as_of("NOPE", d(2, 12), user=SYSTEM)


def test_pipeline_defaults_to_the_users_work_date(world: World) -> None:
    viewer = testing.make_viewer()
    set_work_date(viewer, d(2, 12))
    assert analysis.pipeline_as_of(CYCLE, user=viewer).as_of == d(2, 12)
    assert analysis.pipeline_as_of(CYCLE, user=viewer).no_of_opportunities == 4


# --- Visibility ------------------------------------------------------------------------------------------------


def test_a_salesperson_sees_only_their_own_figures_and_a_team_mate_both(world: World) -> None:
    anna = testing.make_salesperson_user(salesperson=world.an)
    # OP1 (1000/500) and OP2 (2000/200) on 02-12.
    assert figures(analysis.pipeline_as_of(CYCLE, d(2, 12), user=anna)) == (2, "3000.00", "700.00")
    matrix = analysis.matrix(period="month", start=d(1, 1), columns=4, user=anna)
    assert [row.key for row in matrix.rows] == ["AN"]
    assert analysis.movement(d(2, 1), d(2, 28), user=anna).lost.no_of_opportunities == 0  # OP4 is Bert's

    bert = testing.make_salesperson_user(salesperson=world.be, teams=("T1",))
    world.an.teams.add(world.be.teams.get())
    assert analysis.pipeline_as_of(CYCLE, d(2, 12), user=bert).no_of_opportunities == 4


def test_a_user_without_a_role_sees_nothing(world: World) -> None:
    nobody = testing.make_user()
    assert analysis.pipeline_as_of(CYCLE, d(2, 12), user=nobody).no_of_opportunities == 0
    assert analysis.matrix(start=d(1, 1), user=nobody).rows == ()


# --- The Opportunities matrix --------------------------------------------------------------------------------------


def test_matrix_counts_active_in_progress_entries_by_estimated_close_month_per_salesperson(world: World) -> None:
    # In progress and active: OP1 (AN, closes 03-31), OP3 (BE, closes 04-30).
    result = analysis.matrix(period="month", start=d(1, 15), columns=4, user=SYSTEM)

    assert [(c.start, c.end) for c in result.columns] == [
        (d(1, 1), d(1, 31)),
        (d(2, 1), d(2, 28)),
        (d(3, 1), d(3, 31)),
        (d(4, 1), d(4, 30)),
    ]
    assert [(r.key, r.name, r.cells, r.total) for r in result.rows] == [
        ("AN", "Anna", (None, None, 1, None), 1),
        ("BE", "Bert", (None, None, None, 1), 1),
    ]
    assert (result.total.cells, result.total.total) == ((None, None, 1, 1), 2)


def test_matrix_shows_sums_and_averages_rounded_by_the_rounding_factor(world: World) -> None:
    values = analysis.matrix(
        options=MatrixOptions(show="estimated_value"), period="month", start=d(1, 1), columns=4, user=SYSTEM
    )
    assert [r.cells for r in values.rows] == [(None, None, D("1000.00"), None), (None, None, None, D("500.00"))]
    averages = analysis.matrix(
        options=MatrixOptions(show="avg_estimated_value"), period="year", start=d(6, 1), columns=1, user=SYSTEM
    )
    # (1000 + 500) / 2 over both rows.
    assert (averages.total.cells, averages.total.total) == ((D("750.00"),), D("750.00"))
    won = analysis.matrix(
        options=MatrixOptions(status="won", show="calculated_current_value", rounding_factor="1000"),
        period="quarter",
        start=d(2, 14),
        columns=2,
        user=SYSTEM,
    )
    # OP2 won 03-20 for 2100 → 2.1 thousands, in the first quarter.
    assert [(r.key, r.cells) for r in won.rows] == [("AN", (D("2.1"), None))]
    millions = analysis.matrix(
        options=MatrixOptions(status="won", show="calculated_current_value", rounding_factor="1000000"),
        period="quarter",
        start=d(2, 14),
        columns=2,
        user=SYSTEM,
    )
    # 2100 / 1,000,000 = 0.0021 → 0.0: a zero cell is blank.
    assert [(r.key, r.cells, r.total) for r in millions.rows] == [("AN", (None, None), None)]


def test_matrix_lost_entries_by_contact(world: World) -> None:
    lost = analysis.matrix(
        options=MatrixOptions(status="lost", rows="contact", show="estimated_value"),
        period="month",
        start=d(2, 1),
        columns=1,
        user=SYSTEM,
    )
    assert [(r.key, r.name, r.cells) for r in lost.rows] == [("K2", "=Kappa Two", (D("300.00"),))]


def test_matrix_week_columns_split_at_monday(world: World) -> None:
    # Start on Sunday 03-29: the first column is the week 03-23..03-29; OP1 closes Tuesday 03-31, in the second.
    result = analysis.matrix(period="week", start=d(3, 29), columns=2, user=SYSTEM)
    assert [(r.key, r.cells) for r in result.rows] == [("AN", (None, 1))]


def test_matrix_quarter_columns_hold_the_last_day_of_the_quarter(world: World) -> None:
    result = analysis.matrix(period="quarter", start=d(2, 14), columns=2, user=SYSTEM)
    assert [(r.key, r.cells) for r in result.rows] == [("AN", (1, None)), ("BE", (None, 1))]


def test_matrix_day_columns(world: World) -> None:
    result = analysis.matrix(period="day", start=d(3, 30), columns=2, user=SYSTEM)
    assert [(r.key, r.cells) for r in result.rows] == [("AN", (None, 1))]


def test_matrix_contact_rows_a_company_row_covers_its_persons_and_the_total_counts_each_entry_once(
    world: World,
) -> None:
    result = analysis.matrix(
        options=MatrixOptions(rows="contact"), period="month", start=d(3, 1), columns=2, user=SYSTEM
    )
    # OP1 (P1 of K1) closes in March, OP3 (K2) in April.
    assert [(r.key, r.name, r.cells, r.total) for r in result.rows] == [
        ("K1", "Kappa One", (1, None), 1),
        ("K2", "=Kappa Two", (None, 1), 1),
        ("P1", "Paula", (1, None), 1),
    ]
    assert (result.total.cells, result.total.total) == ((1, 1), 2)


def test_matrix_campaign_rows_only_for_campaigns_with_entries(world: World) -> None:
    result = analysis.matrix(
        options=MatrixOptions(rows="campaign"), period="month", start=d(3, 1), columns=2, user=SYSTEM
    )
    assert [(r.key, r.name, r.cells) for r in result.rows] == [("CP1", "Spring", (1, None))]
    assert result.total.total == 1


def test_matrix_filters_by_stage_close_code_and_common_filters(world: World) -> None:
    options = MatrixOptions(sales_cycle_stage=1)
    stage1 = analysis.matrix(options=options, period="month", start=d(3, 1), columns=2, user=SYSTEM)
    assert [r.key for r in stage1.rows] == ["BE"]  # OP3 is back at stage 1
    narrowed = analysis.matrix(AnalysisFilter(contact_no="K1"), period="month", start=d(3, 1), columns=2, user=SYSTEM)
    assert [r.key for r in narrowed.rows] == ["AN"]
    coded = analysis.matrix(
        options=MatrixOptions(status="won", close_opportunity_code="NONE"), start=d(3, 1), user=SYSTEM
    )
    assert coded.rows == ()


# --- Movement, calibration, forecast --------------------------------------------------------------------------------


def test_movement_in_february(world: World) -> None:
    result = analysis.movement(d(2, 1), d(2, 28), user=SYSTEM)

    # As of 01-31: OP1 1000/100, OP2 2000/200, OP3 500/50.
    assert figures(result.open_at_start) == (3, "3500.00", "350.00")
    # OP4's first entry is 02-01.
    assert (result.created.no_of_opportunities, str(result.created.value)) == (1, "300.00")
    # next OP3 02-01, first OP4 02-01 (stage 1 > 0), next OP1 02-10; previous OP3 02-15.
    assert (result.advanced, result.moved_back) == (3, 1)
    assert (result.won.no_of_opportunities, str(result.won.value)) == (0, "0.00")
    assert (result.lost.no_of_opportunities, str(result.lost.value)) == (1, "300.00")
    # As of 02-28: OP1 1000/500, OP2 2000/200, OP3 500/50.
    assert figures(result.open_at_end) == (3, "3500.00", "750.00")


def test_movement_in_march_counts_a_jump_forward_and_a_win(world: World) -> None:
    result = analysis.movement(d(3, 1), d(3, 31), user=SYSTEM)
    assert (result.advanced, result.moved_back, result.created.no_of_opportunities) == (1, 0, 0)
    assert (result.won.no_of_opportunities, str(result.won.value)) == (1, "2100.00")
    assert figures(result.open_at_end) == (2, "1500.00", "550.00")


def test_movement_refuses_a_range_that_ends_before_it_starts(world: World) -> None:
    with pytest.raises(InvalidInput):
        analysis.movement(d(3, 1), d(2, 1), user=SYSTEM)


def test_calibration_sets_each_stages_chances_beside_its_win_rate(world: World) -> None:
    # Closed: OP2 won (stages 1 and 3), OP4 lost (stage 1); OP1 and OP3 are open and do not count.
    result = analysis.calibration(CYCLE, user=SYSTEM)
    assert [(s.stage, s.chances_of_success_pct, s.reached, s.won, s.win_rate_pct) for s in result.stages] == [
        (1, D("10"), 2, 1, D("50.00")),
        (2, D("50"), 0, 0, None),
        (3, D("70"), 1, 1, D("100.00")),
    ]


def test_calibration_rounds_the_win_rate_to_two_decimals(world: World) -> None:
    # A third closed opportunity reaching stage 1, lost: 1 won of 3 reached, 33.333… → 33.33.
    ledger(
        "OP5",
        contact=world.k2,
        salesperson=world.be,
        steps=[Step(d(1, 7), "first", 1, "10", "1", d(2, 1)), Step(d(1, 9), "lost", 0, "10", "0")],
    )
    assert analysis.calibration(CYCLE, user=SYSTEM).stages[0].win_rate_pct == D("33.33")
    ledger(
        "OP6",
        contact=world.k2,
        salesperson=world.be,
        steps=[Step(d(1, 7), "first", 1, "10", "1", d(2, 1)), Step(d(1, 9), "won", 0, "10", "10")],
    )
    ledger(
        "OP7",
        contact=world.k2,
        salesperson=world.be,
        steps=[Step(d(1, 7), "first", 1, "10", "1", d(2, 1)), Step(d(1, 9), "won", 0, "10", "10")],
    )
    # 3 won of 5 reached: 60.00; stage 3 still 1 of 1.
    assert analysis.calibration(CYCLE, user=SYSTEM).stages[0].win_rate_pct == D("60.00")


def test_forecast_by_month(world: World) -> None:
    result = analysis.forecast(period="month", start=d(1, 1), columns=4, user=SYSTEM)
    assert [
        (p.start, p.no_of_opportunities, str(p.estimated_value), str(p.calculated_current_value))
        for p in result.periods
    ] == [
        (d(1, 1), 0, "0.00", "0.00"),
        (d(2, 1), 0, "0.00", "0.00"),
        (d(3, 1), 1, "1000.00", "500.00"),  # OP1
        (d(4, 1), 1, "500.00", "50.00"),  # OP3
    ]
    # OP2 won 03-20 for 2100.
    assert [(p.won_count, str(p.won_value)) for p in result.periods] == [
        (0, "0.00"),
        (0, "0.00"),
        (1, "2100.00"),
        (0, "0.00"),
    ]
