"""gunicorn's request limits (issue #12 item 9), over real HTTP with ``salescycle serve`` (the flags of run.sh).

A request line up to 8190 bytes reaches the app (the API answers it in its error shape; gunicorn's default of 4094
answered HTML 414); past it gunicorn itself answers 414, which is the documented limit. SQLite pass only: the server
needs no database for these requests, so the PostgreSQL pass would only repeat it.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite_only

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = _free_port()
    data_dir: Path = tmp_path_factory.mktemp("serve")
    env = {
        **os.environ,
        "SALESCYCLE_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "salescycle.settings",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "serve", "--bind", f"{HOST}:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection((HOST, port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("salescycle serve did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _get(port: int, path: str) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def test_a_long_request_line_reaches_the_app(server: int) -> None:
    path = "/api/v1/opportunities?q=" + "x" * 7000  # 7 KB: gunicorn's default limit (4094) answered HTML 414
    status, content_type, body = _get(server, path)
    assert (status, content_type) == (401, "application/json; charset=utf-8"), body[:200]
    assert b'"not_authenticated"' in body


def test_past_the_documented_limit_gunicorn_answers_414(server: int) -> None:
    status, _content_type, _body = _get(server, "/api/v1/opportunities?q=" + "x" * 8200)
    assert status == 414
