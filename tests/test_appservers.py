"""Issue #16 item 3: two app servers behind a load balancer, over real HTTP (``scripts/with-appservers.sh``).

The script starts two gunicorn servers (one worker each, to start fast) and HAProxy on a fresh database of the
PostgreSQL server the PostgreSQL pass of ``make test`` runs on (``scripts/with-postgres.sh``), and this test, through
the balancer only, checks what makes two servers one site:

- a sign-in answered by one server is a session the other one knows (sessions are in the database, and both sign
  with the same ``SECRET_KEY``), for the API and for a page; both serve the static files (WhiteNoise);
- an API POST with an ``Idempotency-Key`` repeated through the other server answers the stored answer and writes
  nothing again (the keys are in the database);
- once a server is killed (``SIGKILL`` to its process group), requests, POSTs included, still succeed through the
  other: HAProxy sends a request whose connection is refused to the other server, and stops sending any once its
  health check fails.

The ``X-Served-By`` header (``SALESCYCLE_SERVER_NAME``, which the script sets per server) tells which server
answered. PostgreSQL only: on SQLite, the servers of a site must share one machine (the file), which proves less.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.test import Client, override_settings

from tests.live_http import Browser, Response

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "with-appservers.sh"
USERNAME, PASSWORD = "balanced", "Balanced-Servers-2026"
# CMD for the script: hands its environment to the test on one line, then waits until the test closes its stdin.
CHILD = (
    "import json, os, sys; "
    "print(json.dumps({k: v for k, v in os.environ.items() if k.startswith('SALESCYCLE_')}), flush=True); "
    "sys.stdin.read()"
)


@dataclass
class Site:
    """The running script: the balancer's URL, each server's name, URL and process group."""

    script: subprocess.Popen[str]
    lb_url: str
    lb_pid: int
    servers: dict[str, tuple[str, int]]  # name (app1, app2) -> (URL, gunicorn master pid = process group id)


def _group_alive(group: int) -> bool:
    """Whether a process of process group ``group`` runs (a zombie, dead but not reaped yet, does not)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _parent, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue  # gone meanwhile
        if int(pgrp) == group and state != "Z":
            return True
    return False


def _refuses(url: str) -> bool:
    parsed = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


@pytest.fixture
def database_url() -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server of ``DATABASE_URL`` (dropped afterwards)."""
    server = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    name = f"appservers_{uuid.uuid4().hex[:12]}"
    maintenance = server._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    """``scripts/with-appservers.sh --servers 2 --workers 1`` running, with a superuser in its database."""
    # A replica of DATABASE_URL's database (scripts/with-postgres.sh --replica) is not one of this new database.
    env = {
        **{name: value for name, value in os.environ.items() if name != "DATABASE_REPLICA_URL"},
        "DATABASE_URL": database_url,
        "SALESCYCLE_PYTHON": sys.executable,
        "DJANGO_SETTINGS_MODULE": "salescycle.settings",
    }
    log = tmp_path / "with-appservers.log"
    with log.open("w") as stderr:
        script = subprocess.Popen(
            [str(SCRIPT), "--servers", "2", "--workers", "1", sys.executable, "-c", CHILD],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            start_new_session=True,  # so that a failing test can stop it (and so its servers) by its group
        )
    try:
        assert script.stdout is not None
        line = script.stdout.readline()  # the script gives up by itself after 120 s per server
        assert line, f"with-appservers.sh exited ({script.wait()}):\n{log.read_text()[-4000:]}"
        exported = json.loads(line)
        urls = exported["SALESCYCLE_APP_URLS"].split()
        pids = [int(pid) for pid in exported["SALESCYCLE_APP_PIDS"].split()]
        subprocess.run(
            [
                sys.executable,
                "-m",
                "django",
                "createsuperuser",
                "--noinput",
                "--skip-checks",
                "--username",
                USERNAME,
                "--email",
                "",
            ],
            env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD, "DEBUG": "0"},
            check=True,
            capture_output=True,
        )
        yield Site(
            script=script,
            lb_url=exported["SALESCYCLE_LB_URL"],
            lb_pid=int(exported["SALESCYCLE_LB_PID"]),
            servers={f"app{k}": (url, pid) for k, (url, pid) in enumerate(zip(urls, pids, strict=True), start=1)},
        )
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGTERM)  # the script's trap stops the servers and HAProxy
            script.wait(timeout=60)


def _sign_in(browser: Browser) -> str:
    """Sign in through the login form; the name of the server that answered the sign-in."""
    page = browser.request("/accounts/login/")
    assert page.status == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    assert token
    signed_in = browser.request(
        "/accounts/login/",
        form={"csrfmiddlewaretoken": token.group(1).decode(), "username": USERNAME, "password": PASSWORD},
    )
    assert signed_in.status == 302, signed_in.body[-2000:]
    assert signed_in.served_by in {"app1", "app2"}
    return signed_in.served_by


def _until_served_by_another(send: Any, first: str, tries: int = 4) -> list[Response]:
    """``send()`` repeated until a server other than ``first`` answered (round-robin: the next request); every
    answer."""
    answers: list[Response] = []
    while not answers or answers[-1].served_by == first:
        assert len(answers) < tries, f"only {first} answered {tries} requests"
        answers.append(send())
    return answers


@pytest.mark.postgres_only
@pytest.mark.both_databases  # a subprocess on DATABASE_URL's server, no database fixture of pytest-django
def test_two_app_servers_behind_a_load_balancer_are_one_site(site: Site) -> None:
    browser = Browser(site.lb_url)

    # 1. A session made by one server works on the other, for the API and for a page.
    signed_in_on = _sign_in(browser)
    answers = _until_served_by_another(lambda: browser.request("/api/v1/me"), signed_in_on)
    assert all(a.status == 200 and a.json()["username"] == USERNAME for a in answers)
    pages = [browser.request("/opportunities/?view=all") for _ in range(2)]  # one from each server (round-robin)
    assert {p.served_by for p in pages} == {"app1", "app2"}
    assert all(p.status == 200 and USERNAME.encode() in p.body for p in pages)
    # Both serve the static files themselves (WhiteNoise), the same bytes.
    source = (REPO / "src" / "salescycle" / "static" / "salescycle" / "app.css").read_bytes()
    styles = [browser.request("/static/salescycle/app.css") for _ in range(2)]
    assert {s.served_by for s in styles} == {"app1", "app2"}
    assert all(s.status == 200 and s.body == source for s in styles)

    # 2. An idempotent POST answered by one server, retried through the other: the stored answer, no second write.
    key = str(uuid.uuid4())
    name = f"Balanced {key[:8]}"

    csrf = browser.cookie("csrftoken")
    assert csrf

    def create() -> Response:
        return browser.request(
            "/api/v1/contacts",
            body={"type": "company", "name": name},
            headers={"Idempotency-Key": key, "X-CSRFToken": csrf},
        )

    first = create()
    assert first.status == 201, first.body
    assert first.headers.get("Idempotent-Replayed") is None
    retries = _until_served_by_another(create, str(first.served_by))
    for retry in retries:
        assert (retry.status, retry.body, retry.headers.get("Idempotent-Replayed")) == (201, first.body, "true")
    listed = browser.request("/api/v1/contacts?" + urllib.parse.urlencode({"q": name}))
    assert [c["no"] for c in listed.json()["items"]] == [first.json()["no"]]

    # 3. A server killed: every request still succeeds, through the other one.
    victim = retries[-1].served_by
    assert victim is not None
    survivor = ({"app1", "app2"} - {victim}).pop()
    victim_url, victim_group = site.servers[victim]
    os.killpg(victim_group, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _group_alive(victim_group):
        assert time.monotonic() < deadline, f"{victim} still runs"
        time.sleep(0.01)
    assert _refuses(victim_url)
    after = [browser.request("/api/v1/me") for _ in range(4)]
    after += [
        browser.request(
            "/api/v1/contacts",
            body={"type": "company", "name": f"After {n}"},
            headers={"X-CSRFToken": csrf},
        )
        for n in range(2)
    ]
    assert [(a.status, a.served_by) for a in after] == [(200, survivor)] * 4 + [(201, survivor)] * 2

    # The script ends with its command and leaves nothing running.
    assert site.script.stdin is not None
    site.script.stdin.close()
    assert site.script.wait(timeout=60) == 0
    survivor_group = site.servers[survivor][1]
    assert not any(_group_alive(group) for group in (survivor_group, victim_group, site.lb_pid))


def test_the_server_name_header_only_when_asked(db: None) -> None:
    with override_settings(SERVER_NAME_HEADER=""):
        assert "X-Served-By" not in Client().get("/api/v1/health")
    with override_settings(SERVER_NAME_HEADER="app7"):
        assert Client().get("/api/v1/health")["X-Served-By"] == "app7"
