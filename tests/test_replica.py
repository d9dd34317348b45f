"""Read replicas against a real streaming standby (issue #16 item 2): ``scripts/with-postgres.sh --replica`` starts
the primary and a standby made with ``pg_basebackup -R``; ``make test`` runs these with ``pytest -m replica``.

The ``replica`` alias is a test mirror of ``default`` (settings.py): Django creates no test database on it and only
gives it the test database's name. The standby replicates the whole cluster, so the test database created on the
primary is there too, and the alias reads it through a real connection to the standby process. Rows reach the
standby only once committed: these tests are transactional, and wait for the standby to replay the primary's WAL
before they read (:func:`wait_for_replay`).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from salescycle import testing
from salescycle.apitokens.tokens import create_token
from salescycle.core import replicas

pytestmark = [
    pytest.mark.replica,
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica"]),
]

OPPORTUNITY_TABLE = "opportunities_opportunity"


def _one(alias: str, sql: str, params: list[Any] | None = None) -> Any:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def wait_for_replay(timeout: float = 20.0) -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    target = _one("default", "SELECT pg_current_wal_insert_lsn()::text")
    deadline = time.monotonic() + timeout
    while not _one("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
        if time.monotonic() > deadline:
            raise AssertionError(f"the standby did not replay up to {target} within {timeout} s")
        time.sleep(0.05)


def wait_until_accepting(timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        connections["replica"].close()
        try:
            if _one("replica", "SELECT pg_is_in_recovery()"):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


@pytest.fixture
def standby(settings: Any) -> Iterator[None]:
    """The standby caught up, this process's look at it forgotten, and replay resumed afterwards."""
    assert settings.REPLICA_DATABASES == ["replica"]
    settings.REPLICA_CHECK_SECONDS = 60  # the tests say when to look again (replicas.forget_health)
    replicas.forget_health()
    wait_for_replay()
    yield
    try:
        _one("replica", "SELECT pg_wal_replay_resume()::text")
    finally:
        connections["replica"].close()
        replicas.forget_health()


@pytest.fixture
def people(standby: None) -> dict[str, Any]:
    testing.demo_setup()
    salesperson = testing.make_salesperson("SP1", name="Sam")
    company = testing.make_company("C1", name="Contoso", salesperson=salesperson)
    person = testing.make_person(company, "P1", name="Pat", salesperson=salesperson)
    testing.create_opportunity(person, salesperson, description="Replicated deal", activate=True)
    writer = testing.make_manager("writer")
    reader = testing.make_manager("reader")
    wait_for_replay()
    return {"writer": writer, "reader": reader}


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_client(user: Any) -> tuple[Client, dict[str, str]]:
    _, token = create_token(user)
    return Client(), {"Authorization": f"Bearer {token}"}


def descriptions(response: Any) -> set[str]:
    assert response.status_code == 200, response.content[:500]
    return {row["description"] for row in response.json()["items"]}


def opportunity_reads(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if OPPORTUNITY_TABLE in query["sql"]]


def create_through_api(client: Client, headers: dict[str, str], description: str) -> None:
    body = {
        "description": description,
        "contact_no": "P1",
        "creation_date": "2026-01-05",
        "activate_first_stage": True,
        "estimated_value": "2000",
        "chances_of_success_pct": 50,
        "estimated_closing_date": "2026-03-01",
    }
    response = client.post("/api/v1/opportunities", json.dumps(body), content_type="application/json", headers=headers)
    assert response.status_code == 201, response.content[:500]


def test_marked_reads_are_served_by_the_standby(people: dict[str, Any]) -> None:
    assert _one("replica", "SELECT pg_is_in_recovery()") is True
    assert _one("default", "SELECT pg_is_in_recovery()") is False
    client, headers = token_client(people["reader"])
    browser = signed_in(people["reader"])
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        api_answer = client.get("/api/v1/opportunities", headers=headers)
        page = browser.get("/opportunities/?view=all")
        statistics = client.get("/api/v1/sales-cycles/NEW/statistics", headers=headers)
    assert descriptions(api_answer) == {"Replicated deal"}
    assert page.status_code == 200
    assert b"Replicated deal" in page.content
    assert statistics.status_code == 200
    assert opportunity_reads(on_replica), "the list read nothing on the standby"
    assert not opportunity_reads(on_primary), opportunity_reads(on_primary)
    # An unmarked read (the card) stays on the primary.
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        card = browser.get(f"/opportunities/{Opportunity_no()}/")
    assert card.status_code == 200
    assert not on_replica.captured_queries


def Opportunity_no() -> str:
    return str(_one("default", f"SELECT no FROM {OPPORTUNITY_TABLE} ORDER BY no LIMIT 1"))


def test_a_read_after_a_write_sees_it_through_the_api_and_the_web(people: dict[str, Any], settings: Any) -> None:
    settings.REPLICA_MAX_LAG_SECONDS = 3600  # the paused standby stays in use: only stickiness can show the write
    settings.REPLICA_STICKY_SECONDS = 2
    _one("replica", "SELECT pg_wal_replay_pause()::text")
    writer, headers = token_client(people["writer"])
    reader, reader_headers = token_client(people["reader"])
    browser = signed_in(people["writer"])

    create_through_api(writer, headers, "Written by token")
    create_through_api(browser, {}, "Written in the browser")

    # The writers read their own writes (from the primary) ...
    assert "Written by token" in descriptions(writer.get("/api/v1/opportunities", headers=headers))
    page = browser.get("/opportunities/?view=all")
    assert page.status_code == 200
    assert b"Written in the browser" in page.content
    assert replicas.STICKY_COOKIE in browser.cookies
    # ... while the paused standby, which everyone else reads, has not seen them.
    assert descriptions(reader.get("/api/v1/opportunities", headers=reader_headers)) == {"Replicated deal"}
    # After the sticky time the writer reads from the replica again.
    time.sleep(2.2)
    assert descriptions(writer.get("/api/v1/opportunities", headers=headers)) == {"Replicated deal"}
    _one("replica", "SELECT pg_wal_replay_resume()::text")
    wait_for_replay()
    assert len(descriptions(reader.get("/api/v1/opportunities", headers=reader_headers))) == 3


def test_a_stopped_replica_is_survived(people: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    ctl = os.environ["SALESCYCLE_TEST_STANDBY_CTL"]
    client, headers = token_client(people["reader"])
    browser = signed_in(people["reader"])
    assert descriptions(client.get("/api/v1/opportunities", headers=headers)) == {"Replicated deal"}
    assert replicas.replica_health("replica").usable  # looked at, and trusted for REPLICA_CHECK_SECONDS
    subprocess.run([ctl, "stop"], check=True, timeout=60)
    try:
        with (
            caplog.at_level(logging.WARNING, logger="salescycle.core.replicas"),
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            api_answer = client.get("/api/v1/opportunities", headers=headers)
            page = browser.get("/opportunities/?view=all")
            again = client.get("/api/v1/analysis/pipeline?sales_cycle_code=NEW", headers=headers)
        assert descriptions(api_answer) == {"Replicated deal"}
        assert page.status_code == 200
        assert b"Replicated deal" in page.content
        assert again.status_code == 200, again.content[:300]
        assert opportunity_reads(on_primary)
        warnings = [r.getMessage() for r in caplog.records if r.name == "salescycle.core.replicas"]
        # Once per look: the replica is left out until the next one, not retried on every request.
        assert len(warnings) == 1, warnings
        assert "read replica 'replica' is unavailable" in warnings[0]
        assert not replicas.replica_health("replica").available
        with pytest.raises(CommandError):
            call_command("replica_status")
    finally:
        subprocess.run([ctl, "start"], check=True, timeout=120)
        wait_until_accepting()
    replicas.forget_health()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert descriptions(client.get("/api/v1/opportunities", headers=headers)) == {"Replicated deal"}
    assert opportunity_reads(on_replica)


def test_lag_is_visible_and_reads_fall_back_past_the_limit(
    people: dict[str, Any], settings: Any, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.REPLICA_MAX_LAG_SECONDS = 0.5
    client, headers = token_client(people["reader"])
    call_command("replica_status")
    assert "lag 0.000 s, in use" in capsys.readouterr().out

    _one("replica", "SELECT pg_wal_replay_pause()::text")
    person = testing.make_person(None, "P2", name="Lee")
    testing.create_opportunity(person, testing.make_salesperson("SP2"), description="Written while paused")
    time.sleep(1.0)
    replicas.forget_health()
    with (
        caplog.at_level(logging.WARNING, logger="salescycle.core.replicas"),
        CaptureQueriesContext(connections["replica"]) as on_replica,
    ):
        seen = descriptions(client.get("/api/v1/opportunities", headers=headers))
    assert seen == {"Replicated deal", "Written while paused"}  # from the primary: the replica is too far behind
    assert not opportunity_reads(on_replica)
    health = replicas.replica_health("replica")
    assert health.available
    assert not health.usable
    assert health.lag_seconds is not None
    assert health.lag_seconds >= 0.9
    assert any("lags" in record.getMessage() for record in caplog.records), caplog.records
    with pytest.raises(CommandError):
        call_command("replica_status", "--json")
    status = json.loads(capsys.readouterr().out)
    assert status["alias"] == "replica"
    assert status["in_recovery"] is True
    assert not status["usable"]
    assert status["lag_seconds"] >= 0.9

    _one("replica", "SELECT pg_wal_replay_resume()::text")
    wait_for_replay()
    replicas.forget_health()
    assert replicas.replica_health("replica").lag_seconds == 0
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert "Written while paused" in descriptions(client.get("/api/v1/opportunities", headers=headers))
    assert opportunity_reads(on_replica)


def test_the_script_runs_a_real_standby_and_removes_both_servers_on_exit() -> None:
    script = Path(__file__).resolve().parent.parent / "scripts" / "with-postgres.sh"
    command = (
        'echo "$(dirname "$SALESCYCLE_TEST_STANDBY_CTL") $DATABASE_URL $DATABASE_REPLICA_URL"; '
        'psql "$DATABASE_REPLICA_URL" -Atc "SELECT pg_is_in_recovery()"; exit 3'
    )
    result = subprocess.run(
        [str(script), "--replica", "bash", "-c", command], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 3, result.stderr  # the command's own status
    workdir, primary, replica, in_recovery = result.stdout.split()
    assert in_recovery == "t"
    assert not Path(workdir).exists()
    for url in (primary, replica):
        with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
            probe.connect(("127.0.0.1", urlparse(url).port or 0))
