"""The project's plumbing: the app answers, the database is one we support and configured as we intend."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connection
from django.db.utils import ConnectionHandler
from django.test import Client

import salescycle.settings

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_login_page_answers_200(client: Client) -> None:
    response = client.get("/accounts/login/")

    assert response.status_code == 200


@pytest.mark.both_databases  # no query, but its subject is the database of the pass
def test_database_is_sqlite_or_postgresql() -> None:
    assert connection.vendor in {"sqlite", "postgresql"}


def test_embedded_sqlite_is_configured_for_wal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)

    options = salescycle.settings._database_config()["OPTIONS"]

    assert "PRAGMA journal_mode=WAL" in options["init_command"]  # type: ignore[index]


@pytest.mark.django_db
def test_a_file_database_opened_with_the_sqlite_settings_reports_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytest-django's SQLite test database is in memory, where WAL cannot exist: open a real file instead, through
    # Django's own backend, with the settings the app uses when no DATABASE_URL is given.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = salescycle.settings._database_config()
    config["NAME"] = str(tmp_path / "wal-check.sqlite3")
    handler = ConnectionHandler({"default": config})
    file_connection = handler["default"]
    try:
        with file_connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            journal_mode = cursor.fetchone()[0]
            cursor.execute("PRAGMA foreign_keys")
            foreign_keys = cursor.fetchone()[0]
    finally:
        file_connection.close()

    assert journal_mode == "wal"
    assert foreign_keys == 1


def test_the_postgres_harness_script_is_executable() -> None:
    script = REPO_ROOT / "scripts" / "with-postgres.sh"

    assert script.is_file()
    assert os.access(script, os.X_OK)
