"""Project-wide pytest hooks, for the tests in ``src/salescycle/*/tests/`` and ``tests/`` alike.

Tests that cannot run in this environment are deselected, not skipped, so that a green run never hides a pile of
skipped tests: they are simply not part of this run, and pytest's summary counts them as "deselected".

- ``@pytest.mark.postgres_only`` runs only when the database is PostgreSQL (``scripts/with-postgres.sh``).
- ``@pytest.mark.sqlite_only`` runs only on SQLite (a test whose subject does not depend on the database, such as
  ``make run``'s own SQLite server, so the PostgreSQL pass would only repeat it).
- ``@pytest.mark.browser`` runs unless ``SALESCYCLE_SKIP_BROWSER=1``.

Every transactional test (``django_db(transaction=True)``) also sets ``serialized_rollback=True``: Django reloads the
migrations' rows (roles, number series, content types) at the start of such a test and leaves the database empty
after it, so a transactional test without it would meet an empty database after one with it, and one with it would
meet content types recreated under other keys after one without it (``UNIQUE constraint failed:
django_content_type``). :func:`pytest_collection_modifyitems` refuses a transactional test that forgets it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher() -> Iterator[None]:
    """Tests create users by the hundred (``testing.make_user``, password "pw"), and PBKDF2's million rounds cost
    about 0.3 s of CPU per hash: MD5 hashes the test users' passwords instead. The settings' own hashers stay listed
    after it, so a hash they made still verifies. Only the test process changes: salescycle/settings.py keeps
    Django's defaults, and the subprocesses the tests start (make run, check --deploy) use those."""
    from django.conf import settings
    from django.test import override_settings

    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    ):
        yield


def _database_vendor() -> str:
    from django.db import connection

    # The vendor is a class attribute of the backend: reading it opens no connection.
    return connection.vendor


def _skip_browser() -> bool:
    return os.environ.get("SALESCYCLE_SKIP_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}


def _deselection_reasons() -> dict[str, str]:
    reasons = {}
    vendor = _database_vendor()
    if vendor != "postgresql":
        reasons["postgres_only"] = f"database is {vendor}, not postgresql"
    if vendor != "sqlite":
        reasons["sqlite_only"] = f"database is {vendor}, not sqlite"
    if _skip_browser():
        reasons["browser"] = "SALESCYCLE_SKIP_BROWSER=1"
    return reasons


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"salescycle: database {_database_vendor()}; deselected markers: {marker} ({reason})"
        for marker, reason in _deselection_reasons().items()
    ]


def _check_transactional_tests(items: list[pytest.Item]) -> None:
    forgetful = [
        item.nodeid
        for item in items
        for marker in item.iter_markers("django_db")
        if marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback")
    ]
    if forgetful:
        raise pytest.UsageError(
            "django_db(transaction=True) needs serialized_rollback=True (see conftest.py): " + ", ".join(forgetful)
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _check_transactional_tests(items)
    reasons = _deselection_reasons()
    if not reasons:
        return
    kept: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        if any(item.get_closest_marker(marker) for marker in reasons):
            deselected.append(item)
        else:
            kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
