"""Contacts as a main page, the interaction log and the follow-up flags (issue #15).

Personas: Annette (salesperson ``AH``, team ``NORTH``, signed in as ``annette``) sells to Cronus (company
``CT-CRONUS``) and its buyer Linda (``CT-LINDA``); Bob (``BB``, another team) sells to Cronus's engineer Eric
(``CT-ERIC``), which Annette may not see. WorkDate is fixed at 2026-01-05.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from salescycle import testing
from salescycle.core.actors import SYSTEM
from salescycle.core.errors import InvalidInput
from salescycle.core.workdate import set_work_date
from salescycle.opportunities import services
from salescycle.opportunities.models import Interaction, Opportunity
from salescycle.opportunities.selectors import ListFilters, filtered_opportunities
from salescycle.opportunities.selectors.activity import follow_up, with_next_activity
from salescycle.opportunities.statistics import contact_statistics
from salescycle.sales import services as sales_services
from salescycle.tasks import services as task_services
from salescycle.tasks.models import Task

WORK_DATE = dt.date(2026, 1, 5)


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    testing.demo_setup()
    annette = testing.make_salesperson("AH", name="Annette Hill")
    bob = testing.make_salesperson("BB", name="Bob Brown")
    user = testing.make_salesperson_user("annette", salesperson=annette, teams=("NORTH",))
    testing.make_salesperson_user("bob", salesperson=bob, teams=("SOUTH",))
    cronus = testing.make_company("CT-CRONUS", name="Cronus Ltd", salesperson=annette, city="Oslo")
    linda = testing.make_person(cronus, "CT-LINDA", name="Linda Martin", email="linda@cronus.test")
    eric = testing.make_person(cronus, "CT-ERIC", name="Eric Lund")
    fabrikam = testing.make_company("CT-FABRIKAM", name="Fabrikam Inc", salesperson=bob)
    set_work_date(user, WORK_DATE)
    return {"user": user, "annette": annette, "bob": bob, "cronus": cronus, "linda": linda, "eric": eric,
            "fabrikam": fabrikam}  # fmt: skip


@pytest.fixture
def annette(client: Client, world: dict[str, Any]) -> Client:
    client.force_login(world["user"])
    return client


def opportunity(world: dict[str, Any], contact: Any, salesperson: str = "annette", **extra: Any) -> Opportunity:
    extra.setdefault("creation_date", dt.date(2025, 11, 1))
    return testing.create_opportunity(contact, world[salesperson], activate=extra.pop("activate", True), **extra)


def html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def task(opportunity_no: str, date: dt.date, **extra: Any) -> Task:
    extra.setdefault("description", "Call back")
    return task_services.create_task(by=SYSTEM, date=date, opportunity_no=opportunity_no, **extra)


def row_of(page: str, no: str) -> str:
    """The table row of the list or card that links to opportunity ``no``."""
    # The list's rows begin with the bulk-action checkbox (issue #15).
    match = re.search(
        rf"<tr>\s*(?:<td class=\"select\">[^\n]*?</td>\s*)?<td><a href=\"/opportunities/{no}/\">.*?</tr>", page, re.S
    )
    assert match, no
    return match.group(0)


# ---------------------------------------------------------------------------------------------------------------
# The contact list


def test_the_main_navigation_leads_to_the_contact_list(annette: Client) -> None:
    page = html(annette.get("/contacts/"))

    assert '<a href="/contacts/" aria-current="page">Contacts</a>' in page
    assert page.index("CT-CRONUS") < page.index("CT-ERIC") < page.index("CT-FABRIKAM") < page.index("CT-LINDA")
    assert '<a href="/contacts/CT-LINDA/">Linda Martin</a>' in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("q=linda", ["CT-LINDA"], ["CT-ERIC", "CT-FABRIKAM"]),
        ("q=fabrik", ["CT-FABRIKAM"], ["CT-LINDA"]),
        ("q=ct-er", ["CT-ERIC"], ["CT-LINDA"]),
        ("company=ct-cronus", ["CT-CRONUS", "CT-LINDA", "CT-ERIC"], ["CT-FABRIKAM"]),
        ("salesperson=BB", ["CT-FABRIKAM"], ["CT-LINDA", "CT-ERIC"]),
        ("type=person", ["CT-LINDA", "CT-ERIC"], ["CT-FABRIKAM"]),
    ],
)
def test_the_contact_list_searches_and_filters_like_the_api(
    annette: Client, query: str, shown: list[str], hidden: list[str]
) -> None:
    page = html(annette.get(f"/contacts/?{query}"))
    listed = set(re.findall(r'<a href="/contacts/([^/"]+)/">\1</a>', page))

    assert set(shown) <= listed
    assert not listed & set(hidden)


def test_the_contact_list_pages_with_more(annette: Client, world: dict[str, Any]) -> None:
    for n in range(55):
        testing.make_person(world["cronus"], f"CT-P{n:03d}")

    first = html(annette.get("/contacts/?company=CT-CRONUS"))
    cursor = re.search(r'hx-get="\?company=CT-CRONUS&amp;after=([^"]+)"', first)
    assert cursor
    rest = html(annette.get(f"/contacts/?company=CT-CRONUS&after={cursor.group(1)}", headers={"HX-Request": "true"}))

    assert first.count('<tr>\n      <td><a href="/contacts/') == 50
    assert "<html" not in rest
    assert rest.count('<tr>\n      <td><a href="/contacts/') == 8  # 58 contacts of Cronus in all (itself, 2, 55)
    assert "more-row" not in rest


def test_the_contact_list_runs_a_constant_number_of_queries(annette: Client, world: dict[str, Any]) -> None:
    few = queries_for(annette, "/contacts/")
    for n in range(30):
        testing.make_person(world["cronus"], f"CT-Q{n:03d}", salesperson=world["bob"])

    assert queries_for(annette, "/contacts/") == few


# ---------------------------------------------------------------------------------------------------------------
# The contact card


def test_the_company_card_shows_its_persons_opportunities_tasks_and_statistics(
    annette: Client, world: dict[str, Any]
) -> None:
    won = opportunity(world, world["linda"], description="Old deal")
    services.close_opportunity(
        won.no, by=SYSTEM, outcome="won", close_opportunity_code="PRICE_W", sales_value=Decimal(5), work_date=WORK_DATE
    )
    not_started = opportunity(world, world["cronus"], activate=False, description="Idea")
    in_progress = opportunity(world, world["linda"], value="20000", chances="50", description="Big deal")
    task(in_progress.no, dt.date(2026, 1, 9), contact_no="CT-LINDA")  # tasks are the contact's by their own contact

    page = html(annette.get("/contacts/CT-CRONUS/"))

    assert "Cronus Ltd" in page
    assert "Oslo" in page
    persons = page[page.index('id="contact-persons"') :]
    assert '<a href="/contacts/CT-LINDA/">CT-LINDA</a>' in persons
    assert "CT-ERIC" in persons
    table = page[page.index('id="contact-opportunities"') : page.index('id="persons-heading"')]
    assert table.index(in_progress.no) < table.index(not_started.no) < table.index(won.no)  # open first
    assert "In Progress" in row_of(table, in_progress.no)
    assert "20,000.00" in row_of(table, in_progress.no)
    statistics = page[page.index('id="contact-statistics"') :]
    # Over the active entries (spec §5.4): the Won one and the one in progress; not the one not started.
    assert re.search(r"No. of Opportunities</dt><dd class=\"num\">2</dd>", statistics)
    figures = contact_statistics("CT-CRONUS", user=world["user"])
    assert figures.estimated_value > Decimal(20000)
    assert f'<dd class="num">{figures.estimated_value:,.2f}</dd>' in statistics
    assert f'<dd class="num">{figures.calculated_current_value:,.2f}</dd>' in statistics
    assert "Call back" in page[page.index('id="contact-tasks"') :]
    assert 'href="/opportunities/new/?contact=CT-CRONUS"' in page
    assert 'href="/setup/contacts/CT-CRONUS/"' in page


def test_the_card_leaves_out_what_the_salesperson_may_not_see(annette: Client, world: dict[str, Any]) -> None:
    mine = opportunity(world, world["linda"], value="1000")
    hidden = opportunity(world, world["eric"], salesperson="bob", value="7000")
    task(hidden.no, dt.date(2026, 1, 9), description="Secret call", contact_no="CT-ERIC")
    services.create_interaction(by=SYSTEM, contact_no="CT-ERIC", opportunity_no=hidden.no, description="Secret talk")

    page = html(annette.get("/contacts/CT-CRONUS/"))

    assert mine.no in page
    assert hidden.no not in page
    assert "Secret call" not in page
    assert "Secret talk" not in page
    assert "7,000.00" not in page
    assert re.search(r'id="contact-no-of-interactions">0<', page)


def test_the_card_shows_the_contacts_sales_quotes(annette: Client, world: dict[str, Any]) -> None:
    quote = sales_services.create_sales_quote(by=SYSTEM, sell_to_contact_no="CT-LINDA")

    page = html(annette.get("/contacts/CT-CRONUS/"))

    documents = page[page.index('id="contact-sales-documents"') :]
    assert f'href="/sales/quotes/{quote.no}/"' in documents


def test_a_person_card_shows_its_company_and_only_its_own_opportunities(annette: Client, world: dict[str, Any]) -> None:
    lindas = opportunity(world, world["linda"])
    companys = opportunity(world, world["cronus"])

    page = html(annette.get("/contacts/ct-linda/"))

    assert '<a href="/contacts/CT-CRONUS/">CT-CRONUS Cronus Ltd</a>' in page
    assert lindas.no in page
    assert companys.no not in page
    assert 'id="contact-persons"' not in page


def test_an_unknown_contact_is_404(annette: Client) -> None:
    assert annette.get("/contacts/CT-NOPE/").status_code == 404


def test_the_contact_card_runs_a_constant_number_of_queries(annette: Client, world: dict[str, Any]) -> None:
    sales_services.create_sales_quote(by=SYSTEM, sell_to_contact_no="CT-LINDA")
    opportunity(world, world["linda"])
    few = queries_for(annette, "/contacts/CT-CRONUS/")
    for _ in range(4):
        o = opportunity(world, world["linda"])
        task(o.no, dt.date(2026, 1, 9))
        services.create_interaction(by=SYSTEM, contact_no="CT-LINDA", opportunity_no=o.no)
        sales_services.create_sales_quote(by=SYSTEM, sell_to_contact_no="CT-LINDA")
        testing.make_person(world["cronus"])

    assert queries_for(annette, "/contacts/CT-CRONUS/") == few


def test_the_opportunity_list_and_card_link_to_the_contact_card(annette: Client, world: dict[str, Any]) -> None:
    o = opportunity(world, world["linda"])

    listed = html(annette.get("/opportunities/?view=all"))
    card = html(annette.get(f"/opportunities/{o.no}/"))

    assert '<a href="/contacts/CT-LINDA/">CT-LINDA Linda Martin</a>' in listed
    assert '<a href="/contacts/CT-LINDA/" id="contact-link">Linda Martin</a>' in card
    assert '<a href="/contacts/CT-CRONUS/">Cronus Ltd</a>' in card


def test_the_setup_list_of_contacts_links_to_the_card(annette: Client) -> None:
    page = html(annette.get("/setup/contacts/"))

    assert 'href="/contacts/CT-LINDA/"' in page


# ---------------------------------------------------------------------------------------------------------------
# Log interaction (D22)


def test_logging_a_call_on_the_opportunity_card_counts_in_no_of_interactions(
    annette: Client, world: dict[str, Any]
) -> None:
    o = opportunity(world, world["linda"])
    before = html(annette.get(f"/opportunities/{o.no}/"))
    assert "<dt>No. of Interactions</dt><dd>0</dd>" in before
    assert f'href="/opportunities/{o.no}/interactions/new/"' in before
    assert html(annette.get(f"/opportunities/{o.no}/interactions/new/"))

    response = annette.post(f"/opportunities/{o.no}/interactions/new/", {"type": "call", "description": "Asked"})

    assert response.status_code == 302
    assert response["Location"] == f"/opportunities/{o.no}/"
    logged = Interaction.objects.get()
    assert (logged.type, logged.description, logged.date) == ("call", "Asked", WORK_DATE)
    assert (logged.contact_id, logged.opportunity_id, logged.salesperson_id) == ("CT-LINDA", o.no, "AH")
    after = html(annette.get(f"/opportunities/{o.no}/"))
    assert "<dt>No. of Interactions</dt><dd>1</dd>" in after
    assert "Interaction logged." in after
    assert "Asked" in after
    assert "Call" in after


def test_logging_from_the_contact_card_can_name_an_open_opportunity(annette: Client, world: dict[str, Any]) -> None:
    o = opportunity(world, world["linda"])
    card = html(annette.get("/contacts/CT-LINDA/"))
    assert f'<option value="{o.no}">' in card

    response = annette.post(
        "/contacts/CT-LINDA/interactions/new/",
        {"type": "meeting", "description": "Demo", "date": "2026-01-02", "opportunity_no": o.no},
    )

    assert response.status_code == 302
    assert response["Location"] == "/contacts/CT-LINDA/"
    logged = Interaction.objects.get()
    assert (logged.type, logged.date, logged.opportunity_id) == ("meeting", dt.date(2026, 1, 2), o.no)
    company = html(annette.get("/contacts/CT-CRONUS/"))  # a company's card counts its persons' interactions
    assert re.search(r'id="contact-no-of-interactions">1<', company)
    assert "Demo" in company
    assert "<dt>No. of Interactions</dt><dd>1</dd>" in html(annette.get(f"/opportunities/{o.no}/"))


def test_a_note_without_opportunity_is_logged_on_the_contact(annette: Client) -> None:
    response = annette.post("/contacts/CT-ERIC/interactions/new/", {"type": "note", "description": "Likes golf"})

    assert response.status_code == 302
    assert Interaction.objects.filter(contact_id="CT-ERIC", opportunity=None, type="note").exists()


def test_an_unknown_type_is_refused_on_the_form(annette: Client) -> None:
    page = html(annette.post("/contacts/CT-ERIC/interactions/new/", {"type": "fax"}))

    assert "Select a valid choice." in page
    assert not Interaction.objects.exists()


def test_the_service_refuses_an_unknown_type(world: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        services.create_interaction(by=SYSTEM, contact_no="CT-ERIC", type="fax")


def test_a_viewer_cannot_log_an_interaction(client: Client, world: dict[str, Any]) -> None:
    o = opportunity(world, world["linda"])
    client.force_login(testing.make_viewer("vera"))

    card = html(client.get(f"/opportunities/{o.no}/"))
    contact = html(client.get("/contacts/CT-LINDA/"))
    refused = html(client.post(f"/opportunities/{o.no}/interactions/new/", {"type": "call"}))

    assert "interactions/new/" not in card
    assert "interactions/new/" not in contact
    assert "Create Opportunity" not in contact
    assert "You do not have permission" in refused
    assert not Interaction.objects.exists()


def test_a_team_mates_opportunity_is_not_offered_nor_accepted(client: Client, world: dict[str, Any]) -> None:
    mate = testing.make_salesperson("CM", name="Carl Mate")
    world["bob"].teams.add(*world["annette"].teams.all())
    mate.teams.add(*world["annette"].teams.all())
    theirs = opportunity(world, world["linda"], salesperson="bob")
    client.force_login(world["user"])

    card = html(client.get("/contacts/CT-LINDA/"))
    refused = html(client.post("/contacts/CT-LINDA/interactions/new/", {"type": "call", "opportunity_no": theirs.no}))

    assert theirs.no in card  # visible in the team …
    assert f'<option value="{theirs.no}">' not in card  # … but not hers to log on
    assert "Select a valid choice." in refused
    assert html(client.get(f"/opportunities/{theirs.no}/")).count("interactions/new/") == 0
    assert client.post(f"/opportunities/{theirs.no}/interactions/new/", {"type": "call"}).status_code == 200
    assert not Interaction.objects.exists()


# ---------------------------------------------------------------------------------------------------------------
# Next activity, overdue, stale


def test_the_next_activity_is_the_earliest_open_task(world: dict[str, Any]) -> None:
    o = opportunity(world, world["linda"], activate=False)
    done = task(o.no, dt.date(2026, 1, 1))
    Task.objects.filter(no=done.no).update(closed=True, date_closed=WORK_DATE)
    task(o.no, dt.date(2026, 1, 20))
    task(o.no, dt.date(2026, 1, 10))

    row = with_next_activity(Opportunity.objects.filter(no=o.no), WORK_DATE).get()

    assert getattr(row, "next_activity_date") == dt.date(2026, 1, 10)
    assert not getattr(row, "is_overdue")


def test_the_flags_follow_the_work_date(world: dict[str, Any]) -> None:
    late = opportunity(world, world["linda"], closing=dt.date(2026, 1, 4))
    task(late.no, dt.date(2026, 1, 2))
    fine = opportunity(world, world["linda"], closing=dt.date(2026, 2, 1))
    task(fine.no, dt.date(2026, 1, 5))
    idle = opportunity(world, world["linda"], activate=False)  # no estimated closing date, no task
    closed = opportunity(world, world["linda"], closing=dt.date(2026, 1, 1))
    services.close_opportunity(
        closed.no, by=SYSTEM, outcome="lost", close_opportunity_code="PRICE_L", work_date=WORK_DATE
    )
    Task.objects.exclude(description="Call back").delete()  # the stages' own tasks

    flagged = with_next_activity(Opportunity.objects.all(), WORK_DATE)
    rows = {o.no: (getattr(o, "is_overdue"), getattr(o, "is_stale")) for o in flagged}

    assert bool(rows[late.no][0])
    assert bool(rows[late.no][1])
    assert not any(rows[fine.no])
    assert not any(rows[idle.no])
    assert not rows[closed.no][1]  # a closed opportunity is never stale
    assert follow_up(late.no, WORK_DATE).is_overdue
    assert follow_up(late.no, WORK_DATE).is_stale


def test_the_list_and_card_show_the_next_activity_and_flags(annette: Client, world: dict[str, Any]) -> None:
    late = opportunity(world, world["linda"], closing=dt.date(2026, 1, 4))
    Task.objects.filter(opportunity_no=late.no).delete()  # the stage's own tasks
    task(late.no, dt.date(2026, 1, 2))
    fine = opportunity(world, world["linda"], closing=dt.date(2026, 2, 1))
    Task.objects.filter(opportunity_no=fine.no).delete()
    task(fine.no, dt.date(2026, 1, 8))

    page = html(annette.get("/opportunities/?view=all"))
    card = html(annette.get(f"/opportunities/{late.no}/"))

    assert "Next Activity" in page
    assert "Overdue" in row_of(page, late.no)
    assert "Stale" in row_of(page, late.no)
    assert "01/08/2026" in row_of(page, fine.no) or "1/8/2026" in row_of(page, fine.no)
    assert "Overdue" not in row_of(page, fine.no)
    assert "Stale" not in row_of(page, fine.no)
    follow = card[card.index('id="follow-up"') :]
    assert 'class="flag flag-overdue"' in follow
    assert 'id="stale-flag"' in follow


def test_the_web_list_with_flags_runs_a_constant_number_of_queries(annette: Client, world: dict[str, Any]) -> None:
    opportunity(world, world["linda"])
    few = queries_for(annette, "/opportunities/?view=all")
    for _ in range(5):
        o = opportunity(world, world["linda"], closing=dt.date(2025, 12, 1))
        task(o.no, dt.date(2025, 12, 20))

    assert queries_for(annette, "/opportunities/?view=all") == few


@pytest.mark.parametrize("sort", ["no", "-estimated_closing_date", "estimated_closing_date", "-estimated_value"])
def test_paging_with_flags_walks_the_same_rows_as_without(world: dict[str, Any], sort: str) -> None:
    for n in range(7):
        closing = dt.date(2026, 2, 1 + n % 2)
        opportunity(world, world["linda"], activate=n % 3 != 0, value=str(1000 + n % 2), closing=closing)
    filters = ListFilters(sort=sort)
    keyset = filters.keyset()

    def walk(**rows_of: Any) -> list[str]:
        seen: list[str] = []
        cursor = None
        while True:
            rows, cursor = keyset.page(filtered_opportunities(filters, user=SYSTEM), cursor=cursor, size=3, **rows_of)
            seen += [o.no for o in rows]
            if cursor is None:
                return seen

    flagged = walk(rows_of=lambda page: with_next_activity(page, WORK_DATE))

    assert flagged == walk()
    assert len(flagged) == 7
