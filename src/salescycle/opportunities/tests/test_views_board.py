"""Issue #15, "The board" and "The card": a move on the board opens a dialog with the current and proposed values
(nothing changes until it is confirmed), Won/Lost through the Close dialog; the Update wizard keeps what the user
typed; the card shows the stage progress, only the actions that can work, and labels instead of stored values.

Personas and setup as ``test_views``: Annette (``AH``) sells to Linda (``CT-LINDA``) on cycle NEW (stage 1 Initial
10 %, 2 Qualification 20 %, 3 Presentation needs a quote, stage 2 cannot be skipped) or EXISTING (1 → 2 → 3 may be
skipped to). WorkDate 2026-01-05; an opportunity made by ``make`` closes on 2026-02-04 with 10,000 and 10 %.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.test import Client

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.opportunities import services
from salescycle.opportunities.engine import UpdateRequest
from salescycle.opportunities.models import Opportunity
from salescycle.opportunities.tests.test_views import WORK_DATE, body, html, make, setup, signed_in

__all__ = ["setup", "signed_in"]  # the fixtures

DIALOG = {"HX-Request": "true", "HX-Target": "board-dialog-body"}


def skippy(setup: dict[str, Any]) -> Opportunity:
    """An opportunity at stage 1 of cycle SKIPPY: 1 (10 %), 2 (20 %, may be skipped), 3 (80 %)."""
    stages = [
        {"stage": 1, "description": "One", "chances_of_success_pct": "10"},
        {"stage": 2, "description": "Two", "chances_of_success_pct": "20", "allow_skip": True},
        {"stage": 3, "description": "Three", "chances_of_success_pct": "80"},
    ]
    testing.make_cycle("SKIPPY", stages=stages)
    return make(setup, cycle="SKIPPY")


def dialog(client: Client, no: str, stage: int, cycle: str = "NEW") -> str:
    return html(client.get(f"/opportunities/board/move/?no={no}&stage={stage}&cycle={cycle}", headers=DIALOG))


# ---------------------------------------------------------------------------------------------------------------
# The board


def test_a_drop_opens_a_dialog_with_current_and_proposed_values_and_changes_nothing(
    signed_in: Client, setup: dict[str, Any]
) -> None:
    opportunity = make(setup)

    page = dialog(signed_in, opportunity.no, 2)

    assert "<strong>Next</strong>: 1 Initial → 2 Qualification" in page
    close_row = page.split('data-field="estimated_close_date"')[1].split("</tr>")[0]
    assert "02/04/2026" in close_row  # the current forecast …
    assert 'value="01/05/2026"' in close_row  # … beside the proposal (no date formula: the date of change)
    assert 'data-value="02/04/2026"' in close_row  # "Keep current", in the date input's format (issue #15)
    assert "(changes)" in close_row
    chances_row = page.split('data-field="chances_of_success_pct"')[1].split("</tr>")[0]
    assert 'value="20"' in chances_row
    opportunity.refresh_from_db()
    assert opportunity.current_sales_cycle_stage == 1


def test_confirming_the_dialog_moves_with_the_values_the_user_kept(signed_in: Client, setup: dict[str, Any]) -> None:
    opportunity = make(setup)
    data = {
        "no": opportunity.no,
        "stage": "2",
        "cycle": "NEW",
        "date_of_change": "2026-01-05",
        "estimated_value": "12000",
        "chances_of_success_pct": "35",
        "estimated_close_date": "2026-02-04",
    }

    response = signed_in.post("/opportunities/board/move/", data, headers=DIALOG)

    assert response["HX-Retarget"] == "#board"
    assert response["HX-Trigger"] == "board-done"
    assert 'id="move-message"' in html(response)
    opportunity.refresh_from_db()
    assert opportunity.current_sales_cycle_stage == 2
    assert opportunity.estimated_closing_date == dt.date(2026, 2, 4)
    assert opportunity.chances_of_success_pct == Decimal(35)
    assert opportunity.estimated_value == Decimal(12000)


def test_a_dialog_form_the_browser_submits_itself_gets_the_whole_board_page(
    signed_in: Client, setup: dict[str, Any]
) -> None:
    """Without JavaScript, or an Enter before htmx took the dialog's form over, the browser posts the form itself:
    the answer is the whole page with the result, never a fragment without the layout (a browser walk found it)."""
    opportunity = make(setup)
    data = {"no": opportunity.no, "stage": "2", "cycle": "NEW", "date_of_change": "2026-01-05"}

    moved = html(signed_in.post("/opportunities/board/move/", data))
    closed = html(signed_in.post("/opportunities/board/close/", {"no": opportunity.no, "outcome": "lost"}))

    assert '<nav aria-label="Main">' in moved
    assert f"{opportunity.no} moved to stage 2." in moved
    assert '<nav aria-label="Main">' in closed
    assert 'id="move-message"' in closed or 'id="move-error"' in closed
    opportunity.refresh_from_db()
    assert opportunity.current_sales_cycle_stage == 2


def test_the_dialog_shows_the_refusal_of_a_stage_that_cannot_be_skipped(
    signed_in: Client, setup: dict[str, Any]
) -> None:
    opportunity = make(setup)

    page = dialog(signed_in, opportunity.no, 3)

    assert 'id="move-error"' in page
    assert "Skip is not a valid selection." in page
    assert 'id="move-form"' not in page


def test_the_dialog_shows_that_a_quote_required_stage_needs_a_quote(signed_in: Client, setup: dict[str, Any]) -> None:
    opportunity = make(setup)
    services.update_opportunity(opportunity.no, request=UpdateRequest("next"), work_date=WORK_DATE, by=SYSTEM)

    page = dialog(signed_in, opportunity.no, 3)

    assert "You cannot go to this stage before you have assigned a sales quote." in page


def test_a_refused_value_keeps_the_dialog_open_with_the_error_on_the_field(
    signed_in: Client, setup: dict[str, Any]
) -> None:
    opportunity = make(setup)
    data = {"no": opportunity.no, "stage": "2", "cycle": "NEW", "estimated_close_date": "2025-12-01"}

    response = signed_in.post("/opportunities/board/move/", data, headers=DIALOG)

    page = html(response)
    assert "HX-Retarget" not in response
    assert 'id="move-form"' in page
    assert 'id="id_estimated_close_date_error"' in page
    opportunity.refresh_from_db()
    assert opportunity.current_sales_cycle_stage == 1


def test_a_skip_in_the_dialog_says_the_stage_takes_its_chances(signed_in: Client, setup: dict[str, Any]) -> None:
    opportunity = skippy(setup)

    page = dialog(signed_in, opportunity.no, 3, cycle="SKIPPY")
    signed_in.post(
        "/opportunities/board/move/",
        {"no": opportunity.no, "stage": "3", "cycle": "SKIPPY", "chances_of_success_pct": "60"},
        headers=DIALOG,
    )

    assert "<strong>Skip</strong>" in page
    assert "Skip and Jump always take the target stage&#x27;s chances." in page
    opportunity.refresh_from_db()
    assert (opportunity.current_sales_cycle_stage, opportunity.chances_of_success_pct) == (3, Decimal(80))


def test_cards_show_the_owner_and_a_move_menu_of_the_allowed_stages(signed_in: Client, setup: dict[str, Any]) -> None:
    make(setup, cycle="EXISTING")

    page = html(signed_in.get("/opportunities/board/?cycle=EXISTING"))

    card = page.split('class="board-card"')[1].split("</details>")[0]
    assert "Annette Hill" in card
    assert 'data-targets="2 3 "' in card
    assert ">Next: 2 Presentation</a>" in card
    assert ">Skip: 3 Proposal</a>" in card
    assert "4 Sign Contract" not in card  # the skip chain ends at Proposal
    assert ">Close: Won</a>" in card
    assert ">Close: Lost</a>" in card
    assert 'data-outcome="won"' in page.split('class="close-zones"')[1]


def test_the_won_drop_zone_opens_the_close_dialog_with_the_estimate_and_closes(
    signed_in: Client, setup: dict[str, Any]
) -> None:
    opportunity = make(setup)

    page = html(signed_in.get(f"/opportunities/board/close/?no={opportunity.no}&outcome=won&cycle=NEW", headers=DIALOG))
    lost = html(
        signed_in.get(f"/opportunities/board/close/?no={opportunity.no}&outcome=lost&cycle=NEW", headers=DIALOG)
    )
    response = signed_in.post(
        "/opportunities/board/close/",
        {
            "no": opportunity.no,
            "outcome": "won",
            "cycle": "NEW",
            "close_opportunity_code": "PRICE_W",
            "date_closed": "2026-01-05",
            "sales_value": "10000",
            "cancel_old_tasks": "on",
        },
        headers=DIALOG,
    )

    assert 'name="sales_value"' in page
    assert 'value="10000"' in page
    assert 'name="sales_value"' not in lost
    assert response["HX-Retarget"] == "#board"
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.calculated_current_value) == ("won", Decimal(10000))


# ---------------------------------------------------------------------------------------------------------------
# The Update wizard


def test_the_wizard_shows_the_current_values_beside_the_proposals(signed_in: Client, setup: dict[str, Any]) -> None:
    opportunity = make(setup)

    page = html(signed_in.get(f"/opportunities/{opportunity.no}/update/"))

    row = page.split('data-field="estimated_close_date"')[1].split("</tr>")[0]
    assert 'id="id_estimated_close_date_current">02/04/2026<' in row
    assert 'value="01/05/2026"' in row
    assert 'name="shown_estimated_close_date" value="01/05/2026"' in row


def test_changing_the_action_keeps_the_values_the_user_typed(signed_in: Client, setup: dict[str, Any]) -> None:
    opportunity = make(setup, cycle="EXISTING")
    services.update_opportunity(opportunity.no, request=UpdateRequest("next"), work_date=WORK_DATE, by=SYSTEM)
    typed = (
        "estimated_close_date=2026-04-30&shown_estimated_close_date=2026-01-05"
        "&estimated_value=10000&shown_estimated_value=10000"
        "&chances_of_success_pct=60&shown_chances_of_success_pct=80"
    )

    page = html(
        signed_in.get(f"/opportunities/{opportunity.no}/update/?action_type=previous&{typed}", HTTP_HX_REQUEST="true")
    )

    close_row = page.split('data-field="estimated_close_date"')[1].split("</tr>")[0]
    chances_row = page.split('data-field="chances_of_success_pct"')[1].split("</tr>")[0]
    assert 'value="04/30/2026"' in close_row  # typed: kept (shown in the language's format)
    assert 'name="shown_estimated_close_date" value="2026-01-05"' in close_row  # still counted as typed
    assert 'value="60"' in chances_row  # typed: kept, not Previous's 10


def test_changing_the_action_reproposes_the_values_the_user_did_not_touch(
    signed_in: Client, setup: dict[str, Any]
) -> None:
    opportunity = make(setup, cycle="EXISTING")
    services.update_opportunity(opportunity.no, request=UpdateRequest("next"), work_date=WORK_DATE, by=SYSTEM)

    page = html(
        signed_in.get(
            f"/opportunities/{opportunity.no}/update/?action_type=previous"
            "&chances_of_success_pct=80&shown_chances_of_success_pct=80",
            HTTP_HX_REQUEST="true",
        )
    )

    chances_row = page.split('data-field="chances_of_success_pct"')[1].split("</tr>")[0]
    assert 'value="10"' in chances_row  # Previous's stage (1 Initial)


def test_jump_shows_the_stage_chances_and_keeps_the_typed_ones_for_later(
    signed_in: Client, setup: dict[str, Any]
) -> None:
    opportunity = skippy(setup)
    for _ in range(2):
        services.update_opportunity(opportunity.no, request=UpdateRequest("next"), work_date=WORK_DATE, by=SYSTEM)

    page = html(
        signed_in.get(
            f"/opportunities/{opportunity.no}/update/?action_type=jump&sales_cycle_stage=1"
            "&chances_of_success_pct=60&shown_chances_of_success_pct=80",
            HTTP_HX_REQUEST="true",
        )
    )

    chances_row = page.split('data-field="chances_of_success_pct"')[1].split("</tr>")[0]
    assert "Skip and Jump always take the target stage&#x27;s chances." in chances_row
    assert '<span class="readonly" id="id_chances_of_success_pct">10</span>' in chances_row
    assert '<input type="hidden" name="chances_of_success_pct" value="60">' in chances_row


# ---------------------------------------------------------------------------------------------------------------
# The card


def test_the_card_shows_the_stage_progress(signed_in: Client, setup: dict[str, Any]) -> None:
    opportunity = make(setup)
    services.update_opportunity(opportunity.no, request=UpdateRequest("next"), work_date=WORK_DATE, by=SYSTEM)

    page = html(signed_in.get(f"/opportunities/{opportunity.no}/"))

    bar = page.split('id="stage-progress"')[1].split("</ol>")[0]
    assert bar.count("<li") == 6  # five stages and the outcome
    assert '<li class="current" aria-current="step">2 Qualification</li>' in bar
    assert bar.count('aria-current="step"') == 1
    assert 'class="done"' in bar.split("2 Qualification")[0]


def test_a_closed_card_is_at_its_outcome_and_offers_no_move(signed_in: Client, setup: dict[str, Any]) -> None:
    opportunity = make(setup)
    services.close_opportunity(
        opportunity.no, outcome="lost", close_opportunity_code="PRICE_L", work_date=WORK_DATE, by=SYSTEM
    )

    page = html(signed_in.get(f"/opportunities/{opportunity.no}/"))

    assert 'aria-current="step">Lost</li>' in page
    actions = page.split('class="actions"')[1].split("</div>")[0]
    for absent in ("Activate First Stage", ">Update<", ">Close<", "Create Sales Quote", "Show Sales Quote"):
        assert absent not in actions
    assert ">Delete<" in actions
    assert "Also change the open tasks" not in page
    entries = page.split('id="entries"')[1]
    assert '<td class="close-code">PRICE_L <span class="muted">' in entries


def test_an_active_card_offers_neither_delete_nor_show_quote_without_a_quote(
    signed_in: Client, setup: dict[str, Any]
) -> None:
    opportunity = make(setup)

    actions = html(signed_in.get(f"/opportunities/{opportunity.no}/")).split('class="actions"')[1].split("</div>")[0]

    assert ">Update<" in actions
    assert "Create Sales Quote" in actions
    assert ">Delete<" not in actions
    assert "Show Sales Quote" not in actions


def test_the_close_wizard_prefills_won_sales_from_the_estimate_and_hides_it_for_lost(
    signed_in: Client, setup: dict[str, Any]
) -> None:
    opportunity = make(setup, value="18000")

    won = html(signed_in.get(f"/opportunities/{opportunity.no}/close/"))
    lost = html(signed_in.get(f"/opportunities/{opportunity.no}/close/?outcome=lost", HTTP_HX_REQUEST="true"))

    assert 'name="sales_value" value="18000"' in won
    assert 'id="outcome-fields"' in lost
    assert 'name="sales_value"' not in lost


def test_the_change_log_shows_labels(signed_in: Client, setup: dict[str, Any]) -> None:
    opportunity = make(setup)
    services.change_opportunity(opportunity.no, changes={"priority": "high"}, by=SYSTEM)

    changes = html(signed_in.get(f"/opportunities/{opportunity.no}/")).split('id="changes"')[1]

    assert "<td>Priority</td><td>Normal</td><td>High</td>" in changes


def test_the_export_shows_labels_and_plain_numbers(signed_in: Client, setup: dict[str, Any]) -> None:
    opportunity = make(setup, value="550")
    services.close_opportunity(
        opportunity.no,
        outcome="won",
        close_opportunity_code="PRICE_W",
        sales_value=Decimal(550),
        work_date=WORK_DATE,
        by=SYSTEM,
    )

    rows = list(csv.reader(io.StringIO(body(signed_in.get("/opportunities/export.csv")).decode("utf-8-sig"))))

    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["Closed"], row["Status"]) == ("Yes", "Won")
    assert (row["Estimated Value (LCY)"], row["Probability %"]) == ("550.00", "100")


def test_setup_lists_show_choice_labels(client: Client, setup: dict[str, Any]) -> None:
    client.force_login(testing.make_user("boss", role="Administrator"))

    cycles = html(client.get("/setup/sales-cycles/"))
    codes = html(client.get("/setup/close-codes/"))

    assert "Chances of Success %" in cycles
    assert ">chances_of_success<" not in cycles
    assert ">Won<" in codes
    assert ">won<" not in codes
