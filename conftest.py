"""Project-wide pytest hooks, for the tests in ``src/salescycle/*/tests/`` and ``tests/`` alike.

Tests that cannot run in this environment are deselected, not skipped, so that a green run never hides a pile of
skipped tests: they are simply not part of this run, and pytest's summary counts them as "deselected".

- ``@pytest.mark.postgres_only`` runs only when the database is PostgreSQL (``scripts/with-postgres.sh``).
- ``@pytest.mark.sqlite_only`` runs only on SQLite (a test whose subject does not depend on the database, such as
  ``make run``'s own SQLite server, so the PostgreSQL pass would only repeat it).
- ``@pytest.mark.browser`` runs unless ``SALESCYCLE_SKIP_BROWSER=1``.
- ``@pytest.mark.replica`` runs only when a read replica is configured (``DATABASE_REPLICA_URL``, as
  ``scripts/with-postgres.sh --replica`` sets it: the replica step of ``make test``, ``pytest -m replica``).
- ``--database-tests-only`` (the PostgreSQL pass of ``make test``) leaves out every test that uses no database: the
  pure engine and date tests, the Hypothesis properties of pure functions, the translation and lock checks. They ran
  in the SQLite pass already, and nothing in them depends on the database. The classification is automatic
  (:func:`_uses_database`) and errs on the side of the database: a test stays when it has the ``django_db`` marker,
  any of pytest-django's database fixtures in its closure (``db``, ``transactional_db``, ``live_server``, …), a
  fixture of its own that unblocks the database (``django_db_blocker``: the module-scoped data fixtures), or
  ``@pytest.mark.both_databases``; a test pytest-django cannot vouch for (not a plain pytest function, or a unittest
  class) stays too. The rest cannot reach the database through Django: pytest-django's blocker fails such a test in
  the SQLite pass ("Database access not allowed"). What the blocker cannot see, a subprocess that inherits
  ``DATABASE_URL`` or a check of ``connection.vendor`` without a query, needs ``@pytest.mark.both_databases``.
  The summary says how many tests were left out.

Every transactional test (``django_db(transaction=True)``) also sets ``serialized_rollback=True``: Django reloads the
migrations' rows (roles, number series, content types) at the start of such a test and leaves the database empty
after it, so a transactional test without it would meet an empty database after one with it, and one with it would
meet content types recreated under other keys after one without it (``UNIQUE constraint failed:
django_content_type``). :func:`pytest_collection_modifyitems` refuses a transactional test that forgets it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

DATABASE_TESTS_ONLY = "--database-tests-only"
# pytest-django's fixtures that give a test the database; the live server serves from it.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "django_db_setup",
        "live_server",
    }
)
LEFT_OUT = "salescycle_left_out"  # xdist: how many tests a worker left out, reported to the controller
_LEFT_OUT_KEY = pytest.StashKey[int]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        DATABASE_TESTS_ONLY,
        action="store_true",
        help="leave out the tests that use no database (see conftest.py); the PostgreSQL pass of make test",
    )


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
    if not os.environ.get("DATABASE_REPLICA_URL", "").strip():
        reasons["replica"] = "no read replica (DATABASE_REPLICA_URL; scripts/with-postgres.sh --replica)"
    return reasons


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [
        f"salescycle: database {_database_vendor()}; deselected markers: {marker} ({reason})"
        for marker, reason in _deselection_reasons().items()
    ]
    if config.getoption(DATABASE_TESTS_ONLY):
        lines.append(f"salescycle: {DATABASE_TESTS_ONLY}: the tests that use no database are left out")
    return lines


def _uses_database(item: pytest.Item) -> bool:
    """Whether ``item`` uses (or may use) the database; False only when pytest-django would refuse it any access."""
    if item.get_closest_marker("django_db") or item.get_closest_marker("both_databases"):
        return True
    # A doctest, a unittest method (Django's TestCase manages the database itself), another plugin's item such as
    # schemathesis': not ours to judge.
    if not isinstance(item, pytest.Function) or type(item) is not pytest.Function:
        return True
    if DATABASE_FIXTURES.intersection(item.fixturenames):
        return True
    # pytest-django's own autouse fixtures request django_db_blocker for every test; any other fixture (or the test
    # itself) that requests it may unblock the database by hand.
    info = item._fixtureinfo
    if "django_db_blocker" in info.argnames:
        return True
    return any(
        "django_db_blocker" in definition.argnames and not definition.func.__module__.startswith("pytest_django")
        for definitions in info.name2fixturedefs.values()
        for definition in definitions
    )


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
    database_tests_only = config.getoption(DATABASE_TESTS_ONLY)
    kept: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    left_out = 0
    for item in items:
        if any(item.get_closest_marker(marker) for marker in reasons):
            deselected.append(item)
        elif database_tests_only and not _uses_database(item):
            deselected.append(item)
            left_out += 1
        else:
            kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
    config.stash[_LEFT_OUT_KEY] = left_out
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[LEFT_OUT] = left_out


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist's controller: keep what a worker left out (every worker collects, and leaves out, the same tests)."""
    left_out = getattr(node, "workeroutput", {}).get(LEFT_OUT)
    if left_out is not None:
        node.config.stash[_LEFT_OUT_KEY] = left_out


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if config.getoption(DATABASE_TESTS_ONLY) and not hasattr(config, "workeroutput"):
        left_out = config.stash.get(_LEFT_OUT_KEY, None)
        terminalreporter.write_line(
            f"salescycle: {DATABASE_TESTS_ONLY}: {'?' if left_out is None else left_out} tests that use no database "
            "left out of this run (the SQLite pass runs them)",
            bold=True,
        )
