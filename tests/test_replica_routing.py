"""The read-replica router and middleware without a replica server (issue #16 item 2): these run on SQLite and in
the PostgreSQL pass. The real standby is exercised by ``tests/test_replica.py`` (``-m replica``).

Where a test needs "a configured replica", it names ``default`` as the replica alias: every routing decision runs,
the reads simply land on the one database."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from django.db import DatabaseError, connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from salescycle import testing
from salescycle.api import api
from salescycle.apitokens.tokens import create_token, stick_to_primary, token_primary_until, user_for_token
from salescycle.core import replicas

SALES_READS = {
    "opportunities:list",
    "opportunities:export_csv",
    "opportunities:export_xlsx",
    "opportunities:board",
    "opportunities:cycle_statistics",
    "opportunities:stage_statistics",
    "opportunities:people_statistics",
    "analysis:matrix",
    "analysis:pipeline",
    "analysis:movement",
    "analysis:calibration",
    "analysis:forecast",
    "charts:index",
    "reports:opportunity_list",
    "reports:sales_cycle_analysis",
    "home",
}
API_READS = {
    "list_opportunities",
    "sales_cycle_statistics",
    "salesperson_statistics",
    "contact_statistics",
    "campaign_statistics",
    "analysis_matrix",
    "analysis_pipeline",
    "analysis_movement",
    "analysis_calibration",
    "analysis_forecast",
}


def _web_views(resolver: Any = None, namespace: str = "") -> dict[str, Any]:
    views: dict[str, Any] = {}
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "api":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            views.update(_web_views(pattern, inner))
        elif isinstance(pattern, URLPattern) and pattern.name:
            views[f"{namespace}{pattern.name}"] = pattern.callback
    return views


def _api_operations() -> list[Any]:
    return [
        operation
        for _prefix, router in api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    ]


@pytest.fixture
def one_database_as_replica(settings: Any) -> Any:
    settings.REPLICA_DATABASES = ["default"]
    replicas.forget_health()
    yield settings
    replicas.forget_health()


def test_without_a_replica_there_is_no_router_and_no_choice(rf: Any, settings: Any) -> None:
    settings.REPLICA_DATABASES = []
    assert replicas.choose_read_alias(rf.get("/opportunities/")) is None
    assert replicas.current_read_alias() is None


def test_the_router_sends_writes_and_unmarked_reads_to_the_primary() -> None:
    router = replicas.ReplicaRouter()
    assert router.db_for_read(object) is None  # Django then reads from default (or the instance's database)
    assert router.db_for_write(object) == "default"
    assert router.allow_migrate("default", "opportunities") is True
    assert router.allow_migrate("replica", "opportunities") is False
    token = replicas._READ_ALIAS.set("replica")
    try:
        assert router.db_for_read(object) == "replica"
        assert router.db_for_write(object) == "default"
    finally:
        replicas._READ_ALIAS.reset(token)


def test_the_read_only_pages_and_endpoints_are_marked_and_only_reads() -> None:
    views = _web_views()
    marked = {name for name, view in views.items() if replicas.is_marked(view)}
    assert marked >= SALES_READS, SALES_READS - marked
    # Pages that write (the wizards, the card with its comment form, the setup) are never marked.
    for name in ("opportunities:card", "opportunities:create", "opportunities:update", "opportunities:delete_closed"):
        assert not replicas.is_marked(views[name]), name
    operations = _api_operations()
    marked_api = {operation.view_func.__name__: operation for operation in operations if _marked(operation)}
    assert set(marked_api) >= API_READS, API_READS - set(marked_api)
    for name, operation in marked_api.items():
        assert operation.methods == ["GET"], name


def _marked(operation: Any) -> bool:
    return replicas.is_marked(operation.view_func)


@pytest.mark.django_db
def test_a_configured_replica_is_chosen_for_a_marked_read(rf: Any, one_database_as_replica: Any) -> None:
    assert replicas.choose_read_alias(rf.get("/opportunities/")) == "default"
    health = replicas.replica_health("default")
    assert health.available
    assert health.usable
    assert health.lag_seconds == 0


@pytest.mark.django_db
def test_a_marked_view_reads_under_the_chosen_replica_and_an_unmarked_one_does_not(
    client: Client, one_database_as_replica: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    testing.demo_setup()
    client.force_login(testing.make_manager())
    chosen: list[str] = []

    def choose(request: Any) -> str:
        chosen.append(request.path)
        return "default"

    monkeypatch.setattr(replicas, "choose_read_alias", choose)
    assert client.get("/opportunities/?view=all").status_code == 200
    assert client.get("/api/v1/opportunities").status_code == 200
    assert client.get("/setup/").status_code == 200
    assert chosen == ["/opportunities/", "/api/v1/opportunities"]
    assert replicas.current_read_alias() is None  # reset after each request


@pytest.mark.django_db
def test_a_write_sets_the_sticky_cookie_and_the_next_read_stays_on_the_primary(
    client: Client, rf: Any, one_database_as_replica: Any
) -> None:
    testing.demo_setup()
    client.force_login(testing.make_manager())
    one_database_as_replica.REPLICA_STICKY_SECONDS = 30
    response = client.post("/work-date/", {"work_date": "2026-01-05"})
    assert response.status_code < 500
    cookie = response.cookies[replicas.STICKY_COOKIE]
    assert cookie["httponly"]
    assert 29 <= int(cookie["max-age"]) <= 30
    request = rf.get("/opportunities/")
    request.COOKIES[replicas.STICKY_COOKIE] = cookie.value
    assert time.time() + 25 < replicas.sticky_until(request) <= time.time() + 30
    assert replicas.choose_read_alias(request) is None
    request.COOKIES[replicas.STICKY_COOKIE] = cookie.value[:-2] + "xx"  # tampered: ignored
    assert replicas.sticky_until(request) == 0
    assert replicas.choose_read_alias(request) == "default"


@pytest.mark.django_db
def test_a_token_write_sticks_that_token_to_the_primary(one_database_as_replica: Any) -> None:
    user = testing.make_manager()
    _, token = create_token(user)
    assert replicas.STICKY_REQUEST_ATTRIBUTE == "replica_primary_until"
    assert token_primary_until(user_for_token(token)) is None
    stick_to_primary(user_for_token(token))
    until = token_primary_until(user_for_token(token))
    assert until is not None
    assert time.time() < until <= time.time() + one_database_as_replica.REPLICA_STICKY_SECONDS


def test_a_replica_that_cannot_be_reached_is_left_out_and_logged_once(
    rf: Any, one_database_as_replica: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(self: Any) -> None:
        raise DatabaseError("connection refused")

    monkeypatch.setattr(type(connections["default"]), "ensure_connection", refuse)
    with caplog.at_level(logging.WARNING, logger="salescycle.core.replicas"):
        assert replicas.choose_read_alias(rf.get("/")) is None
        assert replicas.choose_read_alias(rf.get("/")) is None
    messages = [record.getMessage() for record in caplog.records if record.name == "salescycle.core.replicas"]
    assert len(messages) == 1
    assert "unavailable" in messages[0]
    assert not replicas.replica_health("default").available


def test_a_lagging_replica_is_left_out(rf: Any, one_database_as_replica: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    lagging = replicas.ReplicaHealth("default", True, True, 30.0, False, "", time.monotonic())
    monkeypatch.setattr(replicas, "_look", lambda alias: lagging)
    assert replicas.choose_read_alias(rf.get("/")) is None
    assert replicas.replica_health("default") is lagging  # trusted until REPLICA_CHECK_SECONDS pass
