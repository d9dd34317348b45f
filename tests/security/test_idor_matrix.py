"""The IDOR matrix of issue #12 item 3: every write on a resource that references an opportunity or a contact, by
persona and by target opportunity (own, a team mate's, a stranger's), through the API and the web forms; and the
bulk actions of issue #15, which answer a refusal per opportunity (:data:`BULK`).

Outcomes (spec api.md "Visibility vs permission"): the record itself invisible → 404 ``not_found``; visible but not
changeable → 403 ``permission_denied``; a new link to an opportunity the user may not see → 422
``opportunity.not_found``, exactly as a missing one. Every refusal leaves the whole database unchanged. The table
:data:`ROWS` drives both tests: a new resource is one line.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.messages import get_messages

from salescycle import testing
from salescycle.contacts.models import Campaign, Salesperson, Segment, SegmentLine, Team
from salescycle.contacts.permissions import NO_ROLE_MESSAGE
from salescycle.opportunities.models import Interaction
from salescycle.sales import services as sales_services
from salescycle.tasks.models import Task
from tests.security.conftest import DAY, PERSONAS, TARGETS, api_client, database_state, web_client

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)

ALL_OK = {target: "ok" for target in TARGETS}
ALL_403 = {target: 403 for target in TARGETS}

# Changing a record linked to the target opportunity (or the opportunity itself).
CHANGE = {
    "salesperson": {"own": "ok", "mate": 403, "other": 404},
    "manager": ALL_OK,
    "administrator": ALL_OK,
    "viewer": ALL_403,
    "norole": {"own": 404, "mate": 404, "other": 404},
}
# Linking a record (new or unlinked) to the target opportunity.
LINK = {
    "salesperson": {"own": "ok", "mate": 403, "other": 422},
    "manager": ALL_OK,
    "administrator": ALL_OK,
    "viewer": ALL_403,
    "norole": ALL_403,
}
# Creating opportunities for the target's salesperson (a segment's create-opportunities).
CREATE_FOR = {
    "salesperson": {"own": "ok", "mate": 403, "other": 403},
    "manager": ALL_OK,
    "administrator": ALL_OK,
    "viewer": ALL_403,
    "norole": ALL_403,
}
# Working data without an opportunity (a segment's contact lines): whoever may write.
WORKING = {
    "salesperson": ALL_OK,
    "manager": ALL_OK,
    "administrator": ALL_OK,
    "viewer": ALL_403,
    "norole": ALL_403,
}

LINE = {"description": "Widget", "quantity": "1", "unit_price": "100"}
REFUSALS = {
    403: ("You do not have permission to perform this action.", "You may not link records to opportunity"),
    422: ("does not exist",),
}


# ---------------------------------------------------------------------------------------------------------------
# Preparing one target's records (as a Sales Manager, who may do all of it)


def _manager(world: dict[str, Any]) -> Any:
    return world["users"]["manager"]


def _opportunity(world: dict[str, Any], target: str) -> Any:
    """A new activated opportunity of the target's salesperson (each check gets its own records)."""
    return testing.create_opportunity(
        world["company"], world["salespeople"][target], activate=True, description=f"{target} deal", creation_date=DAY
    )


def _key(prefix: str) -> str:
    return f"{prefix}{next(_numbers):05d}"


def linked_task(world: dict[str, Any], target: str) -> dict[str, Any]:
    opportunity = _opportunity(world, target)
    task = Task.objects.create(
        no=_key("TL"),
        description="Call back",
        date=DAY,
        salesperson_id=opportunity.salesperson_id,
        contact_id="CT-CRONUS",
        opportunity_no=opportunity.no,
    )
    return {"no": task.no, "version": task.version, "opportunity": opportunity.no}


def free_task(world: dict[str, Any], target: str) -> dict[str, Any]:
    """An unlinked task of the signed-in salesperson (AH)."""
    task = Task.objects.create(no=_key("TF"), description="Mine", date=DAY, salesperson_id="AH")
    return {"no": task.no, "version": task.version, "opportunity": _opportunity(world, target).no}


def linked_interaction(world: dict[str, Any], target: str) -> dict[str, Any]:
    opportunity = _opportunity(world, target)
    obj = Interaction.objects.create(
        date=DAY, contact_id="CT-CRONUS", opportunity=opportunity, salesperson_id=opportunity.salesperson_id
    )
    return {"no": obj.entry_no, "opportunity": opportunity.no}


def free_interaction(world: dict[str, Any], target: str) -> dict[str, Any]:
    obj = Interaction.objects.create(date=DAY, contact_id="CT-CRONUS", salesperson_id="AH", description="Visit")
    return {"no": obj.entry_no, "opportunity": _opportunity(world, target).no}


def target_only(world: dict[str, Any], target: str) -> dict[str, Any]:
    opportunity = _opportunity(world, target)
    return {"opportunity": opportunity.no, "version": opportunity.version, "salesperson": opportunity.salesperson_id}


def linked_quote(world: dict[str, Any], target: str) -> dict[str, Any]:
    opportunity = _opportunity(world, target)
    quote = sales_services.create_sales_quote_for_opportunity(opportunity.no, by=_manager(world))
    quote = sales_services.update_sales_quote(quote.no, by=_manager(world), changes={}, lines=[LINE])
    return {"no": quote.no, "version": quote.version, "opportunity": opportunity.no, "salesperson": "AH"}


def free_quote(world: dict[str, Any], target: str) -> dict[str, Any]:
    quote = sales_services.create_sales_quote(by=_manager(world), sell_to_contact_no="CT-CRONUS", lines=[LINE])
    return {"no": quote.no, "version": quote.version, "opportunity": _opportunity(world, target).no, "salesperson": ""}


def linked_order(world: dict[str, Any], target: str) -> dict[str, Any]:
    """An order of a Won opportunity of the target's salesperson (quote → Make Order, as the manager)."""
    opportunity = _opportunity(world, target)
    quote = sales_services.create_sales_quote_for_opportunity(opportunity.no, by=_manager(world))
    sales_services.update_sales_quote(quote.no, by=_manager(world), changes={}, lines=[LINE])
    order = sales_services.make_order(
        quote.no, by=_manager(world), create_customer=True, close_opportunity_code="PRICE_W", date_closed=DAY
    )
    return {"no": order.no, "opportunity": opportunity.no}


def segment_of(world: dict[str, Any], target: str) -> dict[str, Any]:
    """A segment of the target's salesperson with one contact line."""
    segment = Segment.objects.create(no=_key("SEG"), description="Segment", salesperson=world["salespeople"][target])
    SegmentLine.objects.create(segment=segment, line_no=10000, contact_id="CT-CRONUS")
    return {"no": segment.no, "version": segment.version}


def with_campaign(world: dict[str, Any], target: str) -> dict[str, Any]:
    Campaign.objects.get_or_create(
        no="CAMP-1",
        defaults={
            "description": "Spring",
            "starting_date": DAY,
            "ending_date": DAY.replace(year=2027),
            "activated": True,
        },
    )
    return target_only(world, target)


# ---------------------------------------------------------------------------------------------------------------
# Web form data


def quote_form(ctx: dict[str, Any], *, opportunity_no: str, amount: str = "0.01") -> dict[str, Any]:
    return {
        "version": ctx["version"],
        "sell_to_contact_no": "CT-CRONUS",
        "customer_template": "",
        "salesperson_code": ctx["salesperson"],
        "campaign_no": "",
        "opportunity_no": opportunity_no,
        "order_date": "",
        "shipment_date": "",
        "reassign": "on",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-description": "Widget",
        "lines-0-quantity": "1",
        "lines-0-unit_price": amount,
        "lines-0-line_discount_pct": "0",
    }


def task_form(**values: str) -> dict[str, Any]:
    return {"description": "x", "date": "2026-01-06", "type": "", "priority": "normal", **values}


def card_form(ctx: dict[str, Any], **changes: str) -> dict[str, Any]:
    return {
        "version": ctx["version"],
        "description": "Changed",
        "contact_no": "CT-CRONUS",
        "salesperson_code": ctx["salesperson"],
        "priority": "normal",
        **changes,
    }


def segment_form(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "no": ctx["no"],
        "description": "Segment",
        "campaign": "",
        "salesperson": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-contact_no": "CT-CRONUS-P",
        "lines-0-description": "Pat",
    }


# ---------------------------------------------------------------------------------------------------------------
# The table

Request = tuple[str, str, Any]
Form = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Row:
    """One write: who may do it (``expect``: persona → target → "ok" | 403 | 404 | 422), how to prepare a target's
    records, the API request (method, path, body) and its success status, and the web form (path, data) with the
    status of a refusal there (200: the form again with the message; 302: back to the record with a message)."""

    expect: dict[str, dict[str, Any]]
    prepare: Callable[[dict[str, Any], str], dict[str, Any]]
    api: Callable[[dict[str, Any]], Request] | None
    api_ok: int = 200
    web: Callable[[dict[str, Any]], Form] | None = None
    web_refused: int = 200
    htmx: bool = False
    # False where the page of a refusal has no place for the message (the read-only card has no comment form).
    web_says_why: bool = True


ROWS: dict[str, Row] = {
    # Interactions
    "interaction.patch": Row(
        CHANGE, linked_interaction, lambda c: ("PATCH", f"/interactions/{c['no']}", {"description": "hijack"})
    ),
    "interaction.cancel": Row(
        CHANGE, linked_interaction, lambda c: ("PATCH", f"/interactions/{c['no']}", {"canceled": True})
    ),
    "interaction.create": Row(
        LINK,
        target_only,
        lambda c: (
            "POST",
            "/interactions",
            {"date": "2026-01-06", "contact_no": "CT-CRONUS", "opportunity_no": c["opportunity"]},
        ),
        201,
    ),
    "interaction.relink": Row(
        LINK, free_interaction, lambda c: ("PATCH", f"/interactions/{c['no']}", {"opportunity_no": c["opportunity"]})
    ),
    # Tasks
    "task.patch": Row(
        CHANGE,
        linked_task,
        lambda c: ("PATCH", f"/tasks/{c['no']}", {"description": "hijack"}),
    ),
    "task.complete": Row(
        CHANGE,
        linked_task,
        lambda c: ("POST", f"/tasks/{c['no']}/complete", {}),
        web=lambda c: (f"/tasks/{c['no']}/complete/", {"version": c["version"]}),
        web_refused=302,
    ),
    "task.create": Row(
        LINK,
        target_only,
        lambda c: ("POST", "/tasks", {"description": "x", "date": "2026-01-06", "opportunity_no": c["opportunity"]}),
        201,
        web=lambda c: ("/tasks/new/", task_form(opportunity_no=c["opportunity"])),
    ),
    "task.relink": Row(LINK, free_task, lambda c: ("PATCH", f"/tasks/{c['no']}", {"opportunity_no": c["opportunity"]})),
    # Sales quotes and their lines
    "quote.lines": Row(
        CHANGE,
        linked_quote,
        lambda c: ("PATCH", f"/sales-quotes/{c['no']}", {"lines": [{**LINE, "unit_price": "0.01"}]}),
        web=lambda c: (f"/sales/quotes/{c['no']}/", quote_form(c, opportunity_no=c["opportunity"])),
    ),
    "quote.create": Row(
        LINK,
        target_only,
        lambda c: ("POST", "/sales-quotes", {"sell_to_contact_no": "CT-CRONUS", "opportunity_no": c["opportunity"]}),
        201,
    ),
    "quote.relink": Row(
        LINK,
        free_quote,
        lambda c: ("PATCH", f"/sales-quotes/{c['no']}", {"opportunity_no": c["opportunity"]}),
        web=lambda c: (f"/sales/quotes/{c['no']}/", quote_form(c, opportunity_no=c["opportunity"], amount="100")),
    ),
    "quote.create_for_opportunity": Row(
        CHANGE,
        target_only,
        lambda c: ("POST", f"/opportunities/{c['opportunity']}/create-sales-quote", {}),
        201,
        web=lambda c: (f"/sales/opportunities/{c['opportunity']}/create-sales-quote/", {"customer_template": ""}),
    ),
    "quote.make_order": Row(
        CHANGE,
        linked_quote,
        lambda c: (
            "POST",
            f"/sales-quotes/{c['no']}/make-order",
            {"create_customer": True, "close_opportunity_code": "PRICE_W", "date_closed": "2026-01-06"},
        ),
        201,
        web=lambda c: (
            f"/sales/quotes/{c['no']}/make-order/",
            {"create_customer": "on", "close_opportunity_code": "PRICE_W", "date_closed": "2026-01-06"},
        ),
    ),
    "quote.delete": Row(
        CHANGE,
        linked_quote,
        lambda c: ("DELETE", f"/sales-quotes/{c['no']}", None),
        204,
        web=lambda c: (f"/sales/quotes/{c['no']}/delete/", {}),
        web_refused=302,
    ),
    # Sales orders
    "order.post": Row(
        CHANGE,
        linked_order,
        lambda c: ("POST", f"/sales-orders/{c['no']}/post", {}),
        201,
        web=lambda c: (f"/sales/orders/{c['no']}/post/", {}),
        web_refused=302,
    ),
    "order.delete": Row(
        CHANGE,
        linked_order,
        lambda c: ("DELETE", f"/sales-orders/{c['no']}", None),
        204,
        web=lambda c: (f"/sales/orders/{c['no']}/delete/", {"set_opportunity_lost": "on"}),
    ),
    # Opportunities: their contact and campaign, their comments
    "opportunity.contact": Row(
        CHANGE,
        target_only,
        lambda c: ("PATCH", f"/opportunities/{c['opportunity']}", {"contact_no": "CT-CRONUS-P"}),
        web=lambda c: (f"/opportunities/{c['opportunity']}/", card_form(c, contact_no="CT-CRONUS-P")),
    ),
    "opportunity.campaign": Row(
        CHANGE, with_campaign, lambda c: ("PATCH", f"/opportunities/{c['opportunity']}", {"campaign_no": "CAMP-1"})
    ),
    "opportunity.comment": Row(
        CHANGE,
        target_only,
        None,
        web=lambda c: (f"/opportunities/{c['opportunity']}/comments/", {"comment": "Planted"}),
        htmx=True,
        web_says_why=False,
    ),
    # Segments: their contact lines, and the opportunities created from them
    "segment.lines": Row(
        WORKING,
        segment_of,
        lambda c: ("PATCH", f"/segments/{c['no']}", {"lines": [{"contact_no": "CT-CRONUS-P", "description": "Pat"}]}),
        web=lambda c: (f"/setup/segments/{c['no']}/", segment_form(c)),
    ),
    "segment.create_opportunities": Row(
        CREATE_FOR, segment_of, lambda c: ("POST", f"/segments/{c['no']}/create-opportunities", {"description": "Seg"})
    ),
}

API_ROWS = [name for name, row in ROWS.items() if row.api is not None]
WEB_ROWS = [name for name, row in ROWS.items() if row.web is not None]


def _refusal_text(response: Any) -> str:
    return response.content.decode() + " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.parametrize("name", API_ROWS)
def test_api_writes_follow_the_matrix(world: dict[str, Any], name: str) -> None:
    row = ROWS[name]
    assert row.api is not None
    for persona in PERSONAS:
        api = api_client(world, persona)
        for target in TARGETS:
            method, path, body = row.api(row.prepare(world, target))
            before = database_state()
            response = api.request(method, path, body)
            # A user without a role is refused by the API's authentication before the operation runs (issue #12
            # item 4, tests/security/test_no_role.py); the matrix's no-role row is what the services answer.
            expected = 403 if persona == "norole" else row.expect[persona][target]
            where = (name, persona, target, response.content[:300])
            if expected == "ok":
                assert response.status_code == row.api_ok, where
                assert database_state() != before, where
                continue
            assert response.status_code == expected, where
            code = {403: "permission_denied", 404: "not_found", 422: "opportunity.not_found"}[expected]
            assert response.json()["code"] == code, where
            assert database_state() == before, where


@pytest.mark.parametrize("name", WEB_ROWS)
def test_web_forms_follow_the_matrix(world: dict[str, Any], name: str) -> None:
    row = ROWS[name]
    assert row.web is not None
    for persona in PERSONAS:
        web = web_client(world, persona)
        for target in TARGETS:
            path, data = row.web(row.prepare(world, target))
            before = database_state()
            response = web.post(path, data, htmx=row.htmx)
            expected = row.expect[persona][target]
            where = (name, persona, target, response.status_code)
            if persona == "norole":  # the 403 page saying so, before the view runs (tests/security/test_no_role.py)
                assert (response.status_code, database_state()) == (403, before), where
                assert str(NO_ROLE_MESSAGE) in response.content.decode(), where
                continue
            if expected == "ok":
                assert response.status_code in (200, 302), where
                assert database_state() != before, where
                continue
            assert database_state() == before, where
            if expected == 404:
                assert response.status_code == 404, where
                continue
            assert response.status_code == row.web_refused, where
            text = _refusal_text(response)
            assert not row.web_says_why or any(message in text for message in REFUSALS[expected]), (
                *where,
                text[-2000:],
            )


# ---------------------------------------------------------------------------------------------------------------
# Bulk actions (issue #15): one opportunity per request. A refusal that concerns the opportunity is reported for it
# in a 200 answer (``refused``: ``permission_denied`` when visible but not changeable, ``not_found`` word for word as
# a missing one when invisible); an actor who may change nothing is refused the whole request (403).

ITEM_403, ITEM_404 = "permission_denied", "not_found"
BULK = {
    "salesperson": {"own": "ok", "mate": ITEM_403, "other": ITEM_404},
    "manager": ALL_OK,
    "administrator": ALL_OK,
    "viewer": ALL_403,
    "norole": ALL_403,
}


def bulk_target(world: dict[str, Any], target: str) -> dict[str, Any]:
    """The target's opportunity, and KIM, a salesperson of the signed-in salesperson's team (NORTH) to hand it to."""
    kim, created = Salesperson.objects.get_or_create(code="KIM", defaults={"name": "Kim North"})
    if created:
        kim.teams.add(Team.objects.get(code="NORTH"))
    return target_only(world, target)


BULK_ROWS: dict[str, tuple[Callable[[str], Request], Callable[[str], dict[str, Any]]]] = {
    "opportunity.bulk_reassign": (
        lambda no: ("POST", "/opportunities/bulk/reassign", {"nos": [no], "salesperson_code": "KIM"}),
        lambda no: {"no": no, "action": "reassign", "salesperson_code": "KIM"},
    ),
    "opportunity.bulk_close": (
        lambda no: ("POST", "/opportunities/bulk/close", {"nos": [no], "close_opportunity_code": "PRICE_L"}),
        lambda no: {"no": no, "action": "close", "close_opportunity_code": "PRICE_L", "confirm": "1"},
    ),
}


@pytest.mark.parametrize("name", list(BULK_ROWS))
def test_api_bulk_actions_follow_the_matrix(world: dict[str, Any], name: str) -> None:
    api_request, _web = BULK_ROWS[name]
    for persona in PERSONAS:
        api = api_client(world, persona)
        for target in TARGETS:
            no = bulk_target(world, target)["opportunity"]
            before = database_state()
            response = api.request(*api_request(no))
            expected = BULK[persona][target]
            where = (name, persona, target, response.content[:300])
            if expected == 403:
                assert (response.status_code, response.json()["code"]) == (403, "permission_denied"), where
                assert database_state() == before, where
                continue
            assert response.status_code == 200, where
            body = response.json()
            if expected == "ok":
                assert (body["done"], body["refused"]) == ([no], []), where
                assert database_state() != before, where
                continue
            assert body["done"] == [], where
            assert [(r["no"], r["code"]) for r in body["refused"]] == [(no, expected)], where
            if expected == ITEM_404:
                assert body["refused"][0]["message"] == f"Opportunity {no} does not exist.", where
            assert database_state() == before, where


@pytest.mark.parametrize("name", list(BULK_ROWS))
def test_web_bulk_actions_follow_the_matrix(world: dict[str, Any], name: str) -> None:
    _api, web_form = BULK_ROWS[name]
    for persona in PERSONAS:
        web = web_client(world, persona)
        for target in TARGETS:
            no = bulk_target(world, target)["opportunity"]
            before = database_state()
            response = web.post("/opportunities/bulk/", web_form(no))
            expected = BULK[persona][target]
            where = (name, persona, target, response.status_code)
            text = response.content.decode()
            if persona == "norole":
                assert (response.status_code, database_state()) == (403, before), where
                assert str(NO_ROLE_MESSAGE) in text, where
                continue
            assert response.status_code == 200, where
            if expected == "ok":
                assert database_state() != before, where
                assert "1 refused" not in text, where
                continue
            assert database_state() == before, where
            if expected == 403:
                assert "You do not have permission to perform this action." in text, where
            else:
                assert f"<td>{no}</td>" in text, where
                assert f"<code>{expected}</code>" in text, where
