"""The permission matrix of issue #8 through the services, the selectors and the web app.

Data: team NORTH = salespeople AH (the signed-in salesperson "sam") and JO; team SOUTH = ZED. Each test has three
opportunities: ``own`` (AH), ``mate`` (JO, same team) and ``other`` (ZED, another team). The personas:

=============  ======  =====  =====  ======  ===========  =====  ==========
persona        own     mate   other  create  batch delete setup  reads
=============  ======  =====  =====  ======  ===========  =====  ==========
salesperson    change  403    404    self    403          403    own + mate
manager        change  change change  any    yes          403    all
administrator  change  change change  any    yes          yes    all
viewer         403     403    403    403     403          403    all
no role        404     404    404    403     403          403    none
=============  ======  =====  =====  ======  ===========  =====  ==========
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.contacts.models import Team
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import NotFound, PermissionDenied
from salescycle.opportunities import selectors, services, statistics
from salescycle.opportunities import services as setup_services
from salescycle.opportunities.engine import UpdateRequest
from salescycle.opportunities.models import (
    CloseOpportunityCode,
    Opportunity,
    OpportunityComment,
    OpportunityEntry,
    SalesCycle,
)
from salescycle.opportunities.selectors import ListFilters
from salescycle.opportunities.selectors.cycles import default_sales_cycle_code

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 1, 5)
PERSONAS = ["salesperson", "manager", "administrator", "viewer", "norole"]
TARGETS = ["own", "mate", "other"]

# persona → target → expected outcome of a change: "ok", 403 or 404
CHANGE = {
    "salesperson": {"own": "ok", "mate": 403, "other": 404},
    "manager": {"own": "ok", "mate": "ok", "other": "ok"},
    "administrator": {"own": "ok", "mate": "ok", "other": "ok"},
    "viewer": {"own": 403, "mate": 403, "other": 403},
    "norole": {"own": 404, "mate": 404, "other": 404},
}
SEES = {
    "salesperson": {"own", "mate"},
    "manager": set(TARGETS),
    "administrator": set(TARGETS),
    "viewer": set(TARGETS),
    "norole": set(),
}
MAY_BATCH_DELETE = {"manager", "administrator"}
MAY_SETUP = {"administrator"}


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    testing.demo_setup()
    north = Team.objects.create(code="NORTH", name="North")
    south = Team.objects.create(code="SOUTH", name="South")
    ah = testing.make_salesperson("AH", name="Annette Hill")
    jo = testing.make_salesperson("JO", name="Jo Bloggs")
    zed = testing.make_salesperson("ZED", name="Zed Zulu")
    ah.teams.add(north)
    jo.teams.add(north)
    zed.teams.add(south)
    company = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    users = {
        "salesperson": testing.make_user("sam", role="Salesperson", salesperson=ah),
        "manager": testing.make_manager("maria"),
        "administrator": testing.make_administrator("adam"),
        "viewer": testing.make_viewer("vic"),
        "norole": testing.make_user("nobody"),
    }
    return {"users": users, "company": company, "salespeople": {"own": ah, "mate": jo, "other": zed}}


def opportunities(world: dict[str, Any], *, activate: bool) -> dict[str, Opportunity]:
    return {
        target: testing.create_opportunity(
            world["company"], salesperson, activate=activate, description=f"{target} deal", creation_date=DAY, by=SYSTEM
        )
        for target, salesperson in world["salespeople"].items()
    }


def state(no: str) -> tuple[Any, ...]:
    """What a refused action must leave unchanged."""
    row = Opportunity.objects.filter(no=no).values_list("version", "description", "status").first()
    entries = OpportunityEntry.objects.filter(opportunity_id=no).count()
    comments = OpportunityComment.objects.filter(opportunity_id=no).count()
    return (row, entries, comments)


def outcome(action: Callable[[], Any]) -> Any:
    try:
        action()
    except PermissionDenied as error:
        refused, status, code = error, 403, "permission_denied"
    except NotFound as error:
        refused, status, code = error, 404, "not_found"
    else:
        return "ok"
    assert refused.code == code
    return status


# ---------------------------------------------------------------------------------------------------------------
# Services: changes of one opportunity

ACTIONS: dict[str, tuple[bool, Callable[[str, Any], Any]]] = {
    "change": (True, lambda no, by: services.change_opportunity(no, by=by, changes={"description": "Changed"})),
    "comment": (True, lambda no, by: services.add_comment(no, by=by, comment="Called", date=DAY)),
    "update": (
        True,
        lambda no, by: services.update_opportunity(
            no, by=by, request=UpdateRequest("next", date_of_change=DAY), work_date=DAY
        ),
    ),
    "close": (
        True,
        lambda no, by: services.close_opportunity(
            no, by=by, outcome="lost", close_opportunity_code="PRICE_L", date_closed=DAY, work_date=DAY
        ),
    ),
    "activate": (False, lambda no, by: services.activate_first_stage(no, by=by, date_of_change=DAY)),
    "delete": (False, lambda no, by: services.delete_opportunity(no, by=by)),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_changing_an_opportunity_follows_the_matrix(world: dict[str, Any], persona: str, action: str) -> None:
    activate, verb = ACTIONS[action]
    rows = opportunities(world, activate=activate)
    user = world["users"][persona]

    for target, opportunity in rows.items():
        before = state(opportunity.no)
        result = outcome(lambda: verb(opportunity.no, user))

        assert result == CHANGE[persona][target], (persona, action, target)
        if result != "ok":
            assert state(opportunity.no) == before, (persona, action, target)


@pytest.mark.parametrize("persona", PERSONAS)
def test_update_options_are_read_by_whoever_sees_the_opportunity(world: dict[str, Any], persona: str) -> None:
    rows = opportunities(world, activate=True)

    for target, opportunity in rows.items():
        result = outcome(lambda: services.get_update_options(opportunity.no, by=world["users"][persona]))
        assert result == ("ok" if target in SEES[persona] else 404), (persona, target)


def create_for(world: dict[str, Any], persona: str, target: str) -> Any:
    return outcome(
        lambda: services.create_opportunity(
            by=world["users"][persona],
            description="New deal",
            contact_no="CT-CRONUS",
            salesperson_code=world["salespeople"][target].code,
            creation_date=DAY,
        )
    )


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("salesperson", {"own": "ok", "mate": 403, "other": 403}),
        ("manager", {"own": "ok", "mate": "ok", "other": "ok"}),
        ("administrator", {"own": "ok", "mate": "ok", "other": "ok"}),
        ("viewer", {"own": 403, "mate": 403, "other": 403}),
        ("norole", {"own": 403, "mate": 403, "other": 403}),
    ],
)
def test_creating_an_opportunity_follows_the_matrix(world: dict[str, Any], persona: str, expected: dict) -> None:
    results = {target: create_for(world, persona, target) for target in TARGETS}

    assert results == expected
    assert Opportunity.objects.count() == sum(1 for value in expected.values() if value == "ok")


def test_a_salesperson_creates_for_themselves_by_default(world: dict[str, Any]) -> None:
    world["company"].salesperson = world["salespeople"]["other"]
    world["company"].save()

    opportunity = services.create_opportunity(
        by=world["users"]["salesperson"], description="Mine", contact_no="CT-CRONUS", creation_date=DAY
    )

    assert opportunity.salesperson_id == "AH"


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_batch_delete_is_for_managers_and_administrators(world: dict[str, Any], persona: str) -> None:
    rows = opportunities(world, activate=True)
    for opportunity in rows.values():
        services.close_opportunity(
            opportunity.no, outcome="lost", close_opportunity_code="PRICE_L", work_date=DAY, by=SYSTEM
        )

    result = outcome(lambda: services.delete_closed_opportunities(by=world["users"][persona]))

    assert result == ("ok" if persona in MAY_BATCH_DELETE else 403)
    assert Opportunity.objects.count() == (0 if persona in MAY_BATCH_DELETE else 3)


SETUP_EDITS: dict[str, Callable[[Any], Any]] = {
    "sales cycle": lambda by: setup_services.create_sales_cycle(by=by, code="B2B", description="B2B"),
    "marketing setup": lambda by: setup_services.update_setup(by=by, default_sales_cycle_code="EXISTING"),
    "close code": lambda by: setup_services.create_close_code(by=by, code="NEW_W", description="x", type="won"),
}


@pytest.mark.parametrize("edit", list(SETUP_EDITS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_setup_is_for_administrators(world: dict[str, Any], persona: str, edit: str) -> None:
    before = (SalesCycle.objects.count(), default_sales_cycle_code())

    result = outcome(lambda: SETUP_EDITS[edit](world["users"][persona]))

    assert result == ("ok" if persona in MAY_SETUP else 403)
    if result != "ok":
        assert (SalesCycle.objects.count(), default_sales_cycle_code()) == before


def test_the_system_and_superusers_may_do_everything(world: dict[str, Any]) -> None:
    root = testing.make_user("root", is_superuser=True)
    rows = opportunities(world, activate=True)

    services.change_opportunity(rows["other"].no, by=root, changes={"description": "By root"})
    services.change_opportunity(rows["mate"].no, by=SYSTEM, changes={"description": "By the system"})
    setup_services.create_sales_cycle(by=root, code="B2B", description="B2B")

    assert {o.no for o in selectors.opportunities(root)} == {o.no for o in rows.values()}


# ---------------------------------------------------------------------------------------------------------------
# Selectors: what each persona reads


@pytest.mark.parametrize("persona", PERSONAS)
def test_lists_exports_board_and_statistics_hold_only_what_the_user_may_see(
    world: dict[str, Any], persona: str
) -> None:
    rows = opportunities(world, activate=True)
    user = world["users"][persona]
    expected = {rows[target].no for target in SEES[persona]}

    listed = {o.no for o in selectors.opportunities(user)}
    page = {o.no for o in selectors.opportunity_page(ListFilters(), user=user).rows}
    exported = {row[0] for row in selectors.export_rows(ListFilters(), user=user)}
    board = {card.entry.opportunity_id for column in selectors.board("NEW", user=user) for card in column.cards}
    cycles = dict(statistics.sales_cycles_statistics(user=user))
    per_salesperson = {sp.code: figures for sp, figures in statistics.salespeople_statistics(user=user)}

    assert listed == page == exported == board == expected
    assert cycles[SalesCycle.objects.get(code="NEW")].no_of_opportunities == len(expected)
    assert statistics.cycle_statistics("NEW", user=user).no_of_opportunities == len(expected)
    assert {code for code, figures in per_salesperson.items() if figures.no_of_opportunities} == {
        world["salespeople"][target].code for target in SEES[persona]
    }
    for target, opportunity in rows.items():
        card = selectors.card(opportunity.no, user)
        assert (card is not None) == (target in SEES[persona])
        if card is not None:
            assert card.can_change == (CHANGE[persona][target] == "ok")


def test_a_salesperson_without_team_sees_only_their_own(world: dict[str, Any]) -> None:
    world["salespeople"]["own"].teams.clear()
    rows = opportunities(world, activate=True)

    assert {o.no for o in selectors.opportunities(world["users"]["salesperson"])} == {rows["own"].no}


def test_a_salesperson_role_without_a_salesperson_record_sees_nothing(world: dict[str, Any]) -> None:
    opportunities(world, activate=True)
    lonely = testing.make_user("lonely", role="Salesperson")

    assert list(selectors.opportunities(lonely)) == []
    assert outcome(lambda: services.create_opportunity(by=lonely, description="x", contact_no="CT-CRONUS")) == 403


def test_visibility_is_one_query_with_a_subquery_on_teams(world: dict[str, Any], django_assert_num_queries) -> None:
    opportunities(world, activate=True)
    user = world["users"]["salesperson"]
    list(selectors.opportunities(user))  # resolves and caches the role

    with django_assert_num_queries(1) as captured:
        list(selectors.opportunities(user))

    sql = captured.captured_queries[0]["sql"]
    assert "contacts_salesperson_teams" in sql
    assert "IN (SELECT" in sql


# ---------------------------------------------------------------------------------------------------------------
# The web app

# A user without a role gets the 403 page saying so on every page (tests/security/test_no_role.py walks them all).
WEB_PERSONAS = [persona for persona in PERSONAS if persona != "norole"]


def signed_in(world: dict[str, Any], persona: str) -> Client:
    client = Client()
    client.force_login(world["users"][persona])
    return client


@pytest.mark.parametrize("persona", WEB_PERSONAS)
def test_web_list_card_and_csv_export_follow_the_matrix(world: dict[str, Any], persona: str) -> None:
    rows = opportunities(world, activate=True)
    client = signed_in(world, persona)

    listing = client.get("/opportunities/?view=all")
    export = client.get("/opportunities/export.csv")
    board = client.get("/opportunities/board/?cycle=NEW")

    assert listing.status_code == export.status_code == board.status_code == 200
    text = listing.content.decode()
    exported = {line[0] for line in csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")))}
    for target, opportunity in rows.items():
        visible = target in SEES[persona]
        assert (opportunity.no in text) == visible, (persona, target)
        assert (opportunity.no in exported) == visible, (persona, target)
        assert (opportunity.no in board.content.decode()) == visible, (persona, target)
        assert client.get(f"/opportunities/{opportunity.no}/").status_code == (200 if visible else 404)


@pytest.mark.parametrize("persona", WEB_PERSONAS)
def test_web_card_save_shows_the_refusal_and_changes_nothing(world: dict[str, Any], persona: str) -> None:
    rows = opportunities(world, activate=True)
    client = signed_in(world, persona)

    for target, opportunity in rows.items():
        data = {
            "version": opportunity.version,
            "description": "Changed on the web",
            "contact_no": "CT-CRONUS",
            "salesperson_code": opportunity.salesperson_id,
            "priority": "normal",
        }
        before = state(opportunity.no)
        response = client.post(f"/opportunities/{opportunity.no}/", data)
        expected = CHANGE[persona][target]
        if expected == "ok":
            assert response.status_code == 302
            assert Opportunity.objects.get(no=opportunity.no).description == "Changed on the web"
            continue
        if target in SEES[persona]:
            assert response.status_code == 200
            assert "You do not have permission to perform this action." in response.content.decode()
        else:
            assert response.status_code == 404
        assert state(opportunity.no) == before


@pytest.mark.parametrize("persona", WEB_PERSONAS)
def test_web_card_offers_changes_only_to_who_may_make_them(world: dict[str, Any], persona: str) -> None:
    """A read-only card (Viewer, a salesperson on a team mate's) says so, shows its fields disabled and offers no
    Save, Update, Close, Delete, quote or comment action; a card the user may change offers them all."""
    rows = opportunities(world, activate=True)
    client = signed_in(world, persona)

    for target, opportunity in rows.items():
        if target not in SEES[persona]:
            continue
        page = client.get(f"/opportunities/{opportunity.no}/").content.decode()
        may_change = CHANGE[persona][target] == "ok"
        assert ('id="read-only-notice"' in page) != may_change, (persona, target)
        for action in ("update", "close", "comments"):
            assert (f"/opportunities/{opportunity.no}/{action}/" in page) == may_change, (persona, target, action)
        # Delete is refused while In Progress, so it is not offered (issue #15).
        assert f"/opportunities/{opportunity.no}/delete/" not in page, (persona, target)
        assert ('<button type="submit">Save</button>' in page) == may_change, (persona, target)
        assert ('name="description"' in page and " disabled" in page.split('name="description"')[1][:200]) != (
            may_change
        ), (persona, target)


@pytest.mark.parametrize("persona", WEB_PERSONAS)
def test_web_close_delete_batch_delete_and_setup_follow_the_matrix(world: dict[str, Any], persona: str) -> None:
    rows = opportunities(world, activate=True)
    not_started = testing.create_opportunity(
        world["company"], world["salespeople"]["own"], creation_date=DAY, by=SYSTEM
    )
    client = signed_in(world, persona)
    own = rows["own"]
    may_change_own = CHANGE[persona]["own"] == "ok"

    close = client.post(
        f"/opportunities/{own.no}/close/",
        {"outcome": "lost", "close_opportunity_code": "PRICE_L", "date_closed": "2026-01-10"},
    )
    assert Opportunity.objects.get(no=own.no).closed == may_change_own
    delete = client.post(f"/opportunities/{not_started.no}/delete/")
    assert Opportunity.objects.filter(no=not_started.no).exists() != may_change_own
    if not may_change_own:
        assert "You do not have permission to perform this action." in close.content.decode()
        assert "You do not have permission to perform this action." in delete.content.decode()

    closed_before = Opportunity.objects.filter(closed=True).count()
    batch = client.post("/opportunities/delete-closed/", {"delete": "1", "confirm": "on"})
    closed_after = Opportunity.objects.filter(closed=True).count()
    assert closed_after == (0 if persona in MAY_BATCH_DELETE else closed_before)
    if persona not in MAY_BATCH_DELETE:
        assert batch.status_code == 403
        assert "You do not have permission to perform this action." in batch.content.decode()

    setup = client.post("/setup/close-codes/new/", {"code": "WEB_W", "description": "Web", "type": "won"})
    assert setup.status_code == (302 if persona in MAY_SETUP else 403)
    assert CloseOpportunityCode.objects.filter(code="WEB_W").exists() == (persona in MAY_SETUP)


MAY_WRITE = {"salesperson", "manager", "administrator"}


@pytest.mark.parametrize("persona", WEB_PERSONAS)
def test_web_setup_pages_are_read_only_for_who_may_not_write_them(world: dict[str, Any], persona: str) -> None:
    """Setup tables (Administrators) and contacts (everyone who writes working data): the others see the records
    with a notice, disabled fields and no New, Save or Delete; the "new" form is 403 for them."""
    client = signed_in(world, persona)
    for slug, key, writers in (("close-codes", "PRICE_L", MAY_SETUP), ("contacts", "CT-CRONUS", MAY_WRITE)):
        listing = client.get(f"/setup/{slug}/").content.decode()
        record = client.get(f"/setup/{slug}/{key}/").content.decode()
        new = client.get(f"/setup/{slug}/new/")
        may_edit = persona in writers
        assert (f"/setup/{slug}/new/" in listing) == may_edit, (persona, slug)
        assert ('id="read-only-notice"' in listing) != may_edit, (persona, slug)
        assert ('id="read-only-notice"' in record) != may_edit, (persona, slug)
        assert ('<button type="submit">Save</button>' in record) == may_edit, (persona, slug)
        assert (f"/setup/{slug}/{key}/delete/" in record) == may_edit, (persona, slug)
        assert new.status_code == (200 if may_edit else 403), (persona, slug)
    marketing = client.get("/setup/marketing/").content.decode()
    assert ('id="read-only-notice"' in marketing) != (persona in MAY_SETUP)
    assert ('<button type="submit">Save</button>' in marketing) == (persona in MAY_SETUP)


@pytest.mark.parametrize("persona", ["salesperson", "viewer"])
def test_web_statistics_pages_count_only_visible_opportunities(world: dict[str, Any], persona: str) -> None:
    opportunities(world, activate=True)
    client = signed_in(world, persona)

    page = client.get("/opportunities/statistics/salespeople/").content.decode()

    assert "Zed Zulu" in page
    assert client.get("/opportunities/statistics/cycles/").status_code == 200
    figures = dict(statistics.salespeople_statistics(user=world["users"][persona]))
    zed = next(sp for sp in figures if sp.code == "ZED")
    assert figures[zed].no_of_opportunities == (0 if persona == "salesperson" else 1)
    assert Decimal(figures[zed].estimated_value) == (Decimal(0) if persona == "salesperson" else Decimal("10000"))
