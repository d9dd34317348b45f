"""The Opportunity List's bulk actions on the web (issue #15): a checkbox per row and the bulk-action bar (a plain
form POST with CSRF, so it works without JavaScript), reassign with a result page listing done and refused, close as
Lost only after a confirmation that shows what will be closed, export of the selection as the list exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.core.workdate import set_work_date
from salescycle.opportunities import services
from salescycle.opportunities.models import Opportunity

pytestmark = pytest.mark.django_db

WORK_DATE = dt.date(2026, 1, 5)
BULK = "/opportunities/bulk/"


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """A Sales Manager "maria"; three opportunities of AH (the second closed as Lost); salesperson JO."""
    testing.demo_setup()
    annette = testing.make_salesperson("AH", name="Annette Hill")
    testing.make_salesperson("JO", name="Jo Bloggs")
    cronus = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    nos = [testing.create_opportunity(cronus, annette, activate=True, description=f"Deal {i}").no for i in range(3)]
    services.close_opportunity(
        nos[1], outcome="lost", close_opportunity_code="PRICE_L", date_closed=WORK_DATE, by=SYSTEM
    )
    manager = testing.make_manager("maria")
    set_work_date(manager, WORK_DATE)
    return {"nos": nos, "manager": manager}


@pytest.fixture
def maria(client: Client, world: dict[str, Any]) -> Client:
    client.force_login(world["manager"])
    return client


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def salespeople() -> dict[str, str | None]:
    return dict(Opportunity.objects.values_list("no", "salesperson_id"))


def test_the_list_has_a_labelled_checkbox_per_row_and_the_bar_posting_to_bulk(
    maria: Client, world: dict[str, Any]
) -> None:
    page = maria.get("/opportunities/?sort=-no").content.decode()

    first = world["nos"][0]
    assert f'<input type="checkbox" name="no" value="{first}" form="bulk-form" aria-label="Select {first}">' in page
    assert 'id="select-all" hidden aria-label="Select all opportunities shown"' in page
    form = re.search(r'<form method="post" action="/opportunities/bulk/" id="bulk-form"[^>]*>', page)
    assert form is not None
    assert 'name="csrfmiddlewaretoken"' in page[form.end() : form.end() + 300]
    for action in ("reassign", "close", "export_csv", "export_xlsx"):
        assert f'name="action" value="{action}"' in page
    assert 'name="sort" value="-no"' in page
    assert '<option value="PRICE_L">PRICE_L' in page
    assert '<option value="PRICE_W"' not in page  # only Lost codes
    assert "bulk.js" in page


def test_a_viewer_is_offered_only_the_export(client: Client, world: dict[str, Any]) -> None:
    client.force_login(testing.make_viewer("vic"))
    page = client.get("/opportunities/?view=all").content.decode()
    assert 'value="export_csv"' in page
    assert 'value="reassign"' not in page
    assert 'value="close"' not in page


def test_reassign_lists_done_and_refused_with_the_reason(maria: Client, world: dict[str, Any]) -> None:
    nos = world["nos"]

    response = maria.post(
        BULK, {"no": [nos[0], nos[1], nos[2]], "action": "reassign", "salesperson_code": "JO", "query": "sort=-no"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "2 reassigned. 1 refused:" in page
    assert f"<td>{nos[1]}</td><td>These fields cannot be changed while the opportunity is Lost" in page
    assert "<code>opportunity.field_not_editable</code>" in page
    assert 'href="/opportunities/?sort=-no"' in page  # back to the same list
    assert salespeople() == {nos[0]: "JO", nos[1]: "AH", nos[2]: "JO"}


def test_close_asks_first_showing_what_will_be_closed_and_writes_nothing(maria: Client, world: dict[str, Any]) -> None:
    nos = world["nos"]

    response = maria.post(
        BULK, {"no": [nos[0], nos[1], "OP999999"], "action": "close", "close_opportunity_code": "PRICE_L"}
    )

    page = response.content.decode()
    assert "Close 3 selected opportunities as Lost with close code “PRICE_L" in page
    assert f"<td>{nos[0]}</td>" in page
    assert "Deal 0" in page
    assert "(already closed: will be refused)" in page
    assert "1 selected opportunity does not exist and will be refused." in page
    assert "OP999999</td>" not in page
    assert page.count('<input type="hidden" name="no"') == 3
    assert '<input type="hidden" name="confirm" value="1">' in page
    assert 'class="danger">Yes, close as Lost</button>' in page
    assert Opportunity.objects.get(no=nos[0]).status == "in_progress"


def test_the_confirmed_close_closes_as_lost_and_reports_the_refused(maria: Client, world: dict[str, Any]) -> None:
    nos = world["nos"]
    data = {"no": nos, "action": "close", "close_opportunity_code": "PRICE_L", "date_closed": "2026-01-07"}

    response = maria.post(BULK, {**data, "confirm": "1"})

    page = response.content.decode()
    assert "2 closed as Lost. 1 refused:" in page
    assert "<code>opportunity.closed</code>" in page
    closed = Opportunity.objects.get(no=nos[2])
    assert (closed.status, closed.date_closed) == ("lost", dt.date(2026, 1, 7))


@pytest.mark.parametrize(
    ("selected", "data", "message"),
    [
        (False, {"action": "reassign", "salesperson_code": "JO"}, "Select at least one opportunity."),
        (True, {"action": "reassign"}, "Required."),
        (True, {"action": "close", "close_opportunity_code": ""}, "Required."),
        (True, {"action": "reassign", "salesperson_code": "ZZZ"}, "does not exist"),
        (True, {"action": "delete"}, "Select a valid choice."),
    ],
    ids=["nothing selected", "no salesperson", "no close code", "unknown salesperson", "unknown action"],
)
def test_a_request_that_cannot_be_done_says_why_and_writes_nothing(
    maria: Client, world: dict[str, Any], selected: bool, data: dict[str, Any], message: str
) -> None:
    before = list(Opportunity.objects.order_by("no").values())

    response = maria.post(BULK, {"no": world["nos"][0], **data} if selected else data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(Opportunity.objects.order_by("no").values()) == before


def test_a_salesperson_cannot_hand_opportunities_outside_their_team(client: Client, world: dict[str, Any]) -> None:
    sam = testing.make_user("sam", role="Salesperson", salesperson=testing.make_salesperson("SAM"))
    client.force_login(sam)

    response = client.post(BULK, {"no": world["nos"][0], "action": "reassign", "salesperson_code": "JO"})

    assert "You may only give an opportunity to yourself or to a salesperson of your team." in response.content.decode()
    assert salespeople()[world["nos"][0]] == "AH"


def test_the_selection_exports_as_the_list_does(maria: Client, world: dict[str, Any]) -> None:
    nos = world["nos"]
    Opportunity.objects.filter(no=nos[2]).update(description='=HYPERLINK("http://evil.example","x")')

    response = maria.post(BULK, {"no": [nos[0], nos[2], "OP999999"], "action": "export_csv", "sort": "-no"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert rows[0][:4] == ["No.", "Closed", "Creation Date", "Description"]
    assert [row[0] for row in rows[1:]] == [nos[2], nos[0]]  # the list's order (sort=-no), the unknown left out
    assert rows[1][3].startswith("'=HYPERLINK")  # escaped as the list's export escapes it

    workbook = maria.post(BULK, {"no": [nos[1]], "action": "export_xlsx"})
    sheet = load_workbook(io.BytesIO(body(workbook)), read_only=True).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["No.", nos[1]]


def test_a_salesperson_exports_only_what_they_see(client: Client, world: dict[str, Any]) -> None:
    client.force_login(testing.make_user("sam", role="Salesperson", salesperson=testing.make_salesperson("SAM")))
    response = client.post(BULK, {"no": world["nos"], "action": "export_csv"})
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert len(rows) == 1  # the header only


def test_the_bulk_address_takes_only_a_post_with_a_csrf_token(world: dict[str, Any]) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["manager"])
    assert browser.get(BULK).status_code == 405
    refused = browser.post(BULK, {"no": world["nos"][0], "action": "reassign", "salesperson_code": "JO"})
    assert refused.status_code == 403
    assert salespeople()[world["nos"][0]] == "AH"
    anonymous = Client().post(BULK, {"no": world["nos"][0], "action": "reassign", "salesperson_code": "JO"})
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
