"""The world of the access tests: team NORTH = AH (the signed-in salesperson "sam") and JO, team SOUTH = ZED; the
targets are the opportunities of ``own`` (AH), ``mate`` (JO, same team) and ``other`` (ZED, another team), for
contact CT-CRONUS (and its person CT-CRONUS-P); one user per persona. Clients: the API with a Bearer token, the
web with a session and an enforced CSRF check (the token is sent like a browser form does)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.apitokens.tokens import create_token
from salescycle.contacts.models import Contact, Customer, Segment, SegmentLine, Team
from salescycle.opportunities.models import Interaction, Opportunity, OpportunityComment, OpportunityEntry
from salescycle.sales.models import PostedInvoice, SalesHeader, SalesLine
from salescycle.tasks.models import Task
from tests.api.conftest import ApiClient

PERSONAS = ["salesperson", "manager", "administrator", "viewer", "norole"]
TARGETS = ["own", "mate", "other"]
DAY = dt.date(2026, 1, 5)
CSRF = "s3cUr1tyT3stS3cr3tT0k3nF0rF0rms0"  # 32 characters: Django's CSRF secret length


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Five users per test: a fast hasher instead of PBKDF2's million rounds (test data only)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    testing.demo_setup()
    north = Team.objects.create(code="NORTH", name="North")
    south = Team.objects.create(code="SOUTH", name="South")
    salespeople = {
        "own": testing.make_salesperson("AH", name="Annette Hill"),
        "mate": testing.make_salesperson("JO", name="Jo Bloggs"),
        "other": testing.make_salesperson("ZED", name="Zed Zulu"),
    }
    salespeople["own"].teams.add(north)
    salespeople["mate"].teams.add(north)
    salespeople["other"].teams.add(south)
    company = testing.make_company("CT-CRONUS", name="Cronus Ltd")
    testing.make_person(company, "CT-CRONUS-P", name="Pat Person")
    users = {
        "salesperson": testing.make_user("sam", role="Salesperson", salesperson=salespeople["own"]),
        "manager": testing.make_manager("maria"),
        "administrator": testing.make_administrator("adam"),
        "viewer": testing.make_viewer("vic"),
        "norole": testing.make_user("nobody"),
    }
    return {"users": users, "salespeople": salespeople, "company": company}


def api_client(world: dict[str, Any], persona: str) -> ApiClient:
    """A JSON client with ``persona``'s Bearer token."""
    return ApiClient(Client(), create_token(world["users"][persona], name="tests")[1])


class WebClient:
    """A browser-like session for ``persona``: the CSRF check is enforced and every POST carries the form token."""

    def __init__(self, user: Any) -> None:
        self.client = Client(enforce_csrf_checks=True)
        self.client.force_login(user)
        self.client.cookies["csrftoken"] = CSRF

    def get(self, path: str) -> Any:
        return self.client.get(path)

    def post(self, path: str, data: dict[str, Any], *, htmx: bool = False) -> Any:
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(path, {**data, "csrfmiddlewaretoken": CSRF}, headers=headers)


def web_client(world: dict[str, Any], persona: str) -> WebClient:
    """A signed-in web session for ``persona``."""
    return WebClient(world["users"][persona])


def database_state() -> tuple[Any, ...]:
    """Every row a write of the matrix could touch, with its version: a refusal must leave all of it unchanged."""
    return (
        sorted(Task.objects.values_list("no", "version", "opportunity_no", "description", "closed", "canceled")),
        sorted(Interaction.objects.values_list("entry_no", "version", "opportunity_id", "description", "canceled")),
        sorted(SalesHeader.objects.values_list("document_type", "no", "version", "opportunity_no")),
        sorted(SalesLine.objects.values_list("header_id", "line_no", "quantity", "unit_price", "amount")),
        sorted(
            Opportunity.objects.values_list(
                "no", "version", "status", "contact_id", "campaign_id", "sales_document_type", "sales_document_no"
            )
        ),
        sorted(OpportunityEntry.objects.values_list("entry_no", "active", "calculated_current_value")),
        OpportunityComment.objects.count(),
        PostedInvoice.objects.count(),
        sorted(Segment.objects.values_list("no", "version")),
        sorted(SegmentLine.objects.values_list("segment_id", "line_no", "contact_id")),
        sorted(Contact.objects.values_list("no", "name", "salesperson_id")),
        Customer.objects.count(),
    )
