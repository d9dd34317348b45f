"""Issue #6: what ``make run`` serves is the opportunity list with the Maven CRM data, proved over real HTTP.

``make run`` is the Makefile's install step (a no-op while ``.venv`` is up to date) followed by ``scripts/run.sh``,
which creates and installs nothing: it migrates, compiles the catalogs, loads the demo data, imports the Maven CRM
data, creates the demo user, collects the static files and starts gunicorn. This test runs that same
``scripts/run.sh`` with this checkout's ``.venv``, against a temporary data folder (``SALESCYCLE_DATA_DIR``: the
SQLite database, the secret key and the static files; the developer's ``data/`` is never touched), with no
``DATABASE_URL`` or ``SECRET_KEY`` (as in a fresh shell) and on a free port (``SALESCYCLE_BIND``). Then, over plain
HTTP with urllib (not Django's test client), it signs in with the credentials run.sh printed, reads the list page
and the API, and stops gunicorn. The whole way from a fresh clone, install included, is ``make check-run``
(``scripts/check-make-run.sh``), too slow for ``make test``.

SQLite pass only: the server always runs on its own SQLite database, so the PostgreSQL pass of ``make test`` would
only repeat it: the module is marked ``sqlite_only``, which ``conftest.py`` deselects on PostgreSQL.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.live_http import HOST, Browser, Response, free_port

pytestmark = pytest.mark.sqlite_only

REPO = Path(__file__).resolve().parents[1]
RUN_SH = REPO / "scripts" / "run.sh"
STARTUP_TIMEOUT = 150  # seconds: migrate, demo data, 8,800 Maven deals, collectstatic, gunicorn (~20 s when idle)


def maven_dir() -> Path:
    """The Maven CRM folder run.sh imports: ``MAVEN_CRM_DIR``, else ``../shared/data/maven-crm`` (run.sh's
    default, relative to the repository)."""
    override = os.environ.get("MAVEN_CRM_DIR")
    return Path(override) if override else REPO.parent / "shared" / "data" / "maven-crm"


def maven_deal_nos() -> list[str]:
    """The opportunity numbers the import makes of ``sales_pipeline.csv`` (its ``opportunity_id``, upper-cased)."""
    with (maven_dir() / "sales_pipeline.csv").open(newline="") as handle:
        return [row["opportunity_id"].strip().upper() for row in csv.DictReader(handle)]


def wait_until_up(browser: Browser, server: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    """Poll ``/api/v1/health`` until it answers 200 (its JSON is returned); fail when run.sh exits or the timeout
    passes."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if server.poll() is not None:
            raise AssertionError(f"run.sh exited ({server.returncode}) before serving:\n{log.read_text()[-4000:]}")
        try:
            health = browser.request("/api/v1/health", timeout=5)
            if health.status == 200:
                return dict(health.json())
        except OSError:
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise AssertionError(f"no answer within {STARTUP_TIMEOUT} s:\n{log.read_text()[-4000:]}")
        time.sleep(0.5)


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop run.sh's process group: gunicorn (run.sh execs it) and its workers."""
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    except ProcessLookupError:
        server.wait(timeout=10)


def test_run_sh_serves_the_opportunity_list_with_the_maven_data_over_http(tmp_path: Path) -> None:
    deals = maven_deal_nos()
    assert len(deals) == len(set(deals)) > 0
    first_deal = min(deals)  # the list is sorted by No.; the demo data's OP… numbers sort after the Maven ids
    data_dir = tmp_path / "data"
    port = free_port()
    base = f"http://{HOST}:{port}"
    env = {name: value for name, value in os.environ.items() if name not in {"DATABASE_URL", "SECRET_KEY", "DEBUG"}}
    # Every batch delete becomes a background job (issue #16), so that the one below proves the worker run.sh starts.
    env.update(SALESCYCLE_DATA_DIR=str(data_dir), SALESCYCLE_BIND=f"{HOST}:{port}", SALESCYCLE_JOBS_SYNC_LIMIT="0")
    log = tmp_path / "run.log"
    browser = Browser(base)

    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(RUN_SH)],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that stop() reaches the gunicorn workers
        )
    try:
        assert wait_until_up(browser, server, log) == {"status": "ok", "database": "sqlite"}
        printed = log.read_text()
        assert f"Imported {len(deals)} opportunities" in printed, printed
        match = re.search(r"^Log in as: (\S+) / (.+)$", printed, re.MULTILINE)
        assert match, printed
        username, password = match.groups()

        # Everything went to the temporary data folder, with the marker of a database run.sh created (issue #12
        # item 14: only such a database gets the demo password).
        assert (data_dir / "salescycle.sqlite3").is_file()
        assert (data_dir / "demo-database").is_file()
        assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
        assert (data_dir / "staticfiles").is_dir()

        # Sign in like a browser: the form's CSRF token, the csrftoken cookie, an Origin header on the POST.
        login = browser.request("/accounts/login/")
        assert login.status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
        assert token
        assert browser.cookie("csrftoken")
        signed_in = browser.request(
            "/accounts/login/",
            form={"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
            headers={"Origin": base, "Referer": f"{base}/accounts/login/"},
        )
        assert signed_in.status == 302, signed_in.text[-2000:]
        assert browser.cookie("sessionid")

        listing = browser.request("/opportunities/?view=all")
        assert listing.status == 200
        shown = re.findall(r'<td><a href="/opportunities/([^/"]+)/">', listing.text)
        assert shown[0] == first_deal
        assert f">{first_deal}<" in listing.text
        assert set(shown) <= set(deals), set(shown) - set(deals)  # the first page is all Maven deals

        everything = browser.request("/api/v1/opportunities?limit=1")
        assert everything.status == 200
        assert everything.json()["count"] >= len(deals)
        maven = browser.request("/api/v1/opportunities?limit=1&sales_cycle_code=MAVEN")
        assert maven.status == 200
        page = maven.json()
        assert page["count"] == len(deals) == 8800
        assert page["items"][0]["no"] == first_deal
        check_a_job_completes_through_the_worker_run_sh_started(base, data_dir, env, username)
    finally:
        stop(server)
    assert server.returncode is not None
    check_the_demo_password_stays_on_the_database_run_sh_created(data_dir, env, tmp_path)


def check_a_job_completes_through_the_worker_run_sh_started(
    base: str, data_dir: Path, env: dict[str, str], username: str
) -> None:
    """Issue #16: a batch delete over the API answers 202 with the job, and the worker that run.sh started beside
    gunicorn runs it to ``succeeded`` with the dry run's count; every answer comes within a second."""
    salescycle = REPO / ".venv" / "bin" / "salescycle"
    env = {**env, "SECRET_KEY": (data_dir / "secret_key").read_text().strip()}
    made = subprocess.run(
        [str(salescycle), "create-token", username], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert made.returncode == 0, made.stderr
    headers = {"Authorization": f"Bearer {made.stdout.strip()}", "Content-Type": "application/json"}
    client = Browser(base)  # no session cookie: the token alone

    def api(path: str, body: dict[str, Any] | None = None) -> Response:
        started = time.monotonic()
        response = client.request(path, body=body, headers=headers, timeout=30)
        assert time.monotonic() - started < 1.0, path
        return response

    filters = {"sales_cycle_code": "MAVEN", "date_closed_to": "2017-03-31"}
    counted = api("/api/v1/opportunities/delete-closed", {**filters, "dry_run": True})
    assert counted.status == 200, counted.text
    expected = counted.json()
    assert expected["deleted_opportunities"] > 0
    started = api("/api/v1/opportunities/delete-closed", filters)
    assert started.status == 202, started.text
    location = started.headers["Location"]
    assert location == f"/api/v1/jobs/{started.json()['job']['id']}"
    deadline = time.monotonic() + 60
    while (job := api(location).json())["state"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.5)
    assert (job["state"], job["progress"], job["result"]) == ("succeeded", 100, expected)


def _demo_password_hash(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        (encoded,) = connection.execute("SELECT password FROM auth_user WHERE username = 'demo'").fetchone()
    return str(encoded)


def check_the_demo_password_stays_on_the_database_run_sh_created(
    data_dir: Path, env: dict[str, str], tmp_path: Path
) -> None:
    """Issue #12 item 14, on the database run.sh just made (a few seconds, no second start): ``check --deploy`` warns
    about its demo password (core.W001), and a copy of it in another data folder (no marker: a database make run did
    not create) keeps its demo password when run.sh's ``demo-user`` step runs there."""
    salescycle = REPO / ".venv" / "bin" / "salescycle"
    env = {**env, "SECRET_KEY": (data_dir / "secret_key").read_text().strip()}
    checked = subprocess.run(
        [str(salescycle), "check", "--deploy"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert "core.W001" in checked.stdout + checked.stderr, checked.stdout + checked.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(data_dir / "salescycle.sqlite3", elsewhere / "salescycle.sqlite3")
    before = _demo_password_hash(elsewhere / "salescycle.sqlite3")
    env.update(SALESCYCLE_DATA_DIR=str(elsewhere), DEMO_PASSWORD="another-demo-pass")
    for step in (["demo-user", "--claim-if-empty"], ["demo-user"]):  # run.sh's two steps
        done = subprocess.run([str(salescycle), *step], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    assert "make run did not create it" in done.stdout
    assert not (elsewhere / "demo-database").exists()
    assert _demo_password_hash(elsewhere / "salescycle.sqlite3") == before
