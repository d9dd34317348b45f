"""Tell apart the database errors a request can meet (issue #12 items 9 and 12).

Django wraps the driver's exception (``django.db.IntegrityError`` from ``psycopg.errors.UniqueViolation`` or from
``sqlite3.IntegrityError``) and keeps the original as ``__cause__``; PostgreSQL's errors carry an SQLSTATE there.
These predicates look at both, so that callers map only what they expect:

- :func:`is_unique_violation`: a unique key already taken → the API's 409 ``conflict.exists``; any other integrity
  error (check, not-null, foreign key) is a programming error → a logged 500.
- :func:`is_database_unavailable`: the database cannot be reached or is restarting (connection refused or lost,
  crash recovery, shutdown, too many connections, SQLite file that cannot be opened or stays locked) → 503 with
  ``Retry-After`` (api.md "Errors": 503 when the database is unreachable); any other ``OperationalError`` (a
  deadlock, a statement timeout, a missing table) stays a logged 500.
"""

from __future__ import annotations

from django.db import IntegrityError, InterfaceError, OperationalError

#: Seconds a client should wait before retrying when the database is unavailable (``Retry-After``). PostgreSQL's
#: crash recovery took 3.8 s in the security probes of 2026-12.
RETRY_AFTER_SECONDS = 5

# SQLSTATEs of a server that is there but not serving: admin_shutdown, crash_shutdown, cannot_connect_now (starting
# up or in recovery), too_many_connections, and class 08 (connection exception).
_UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
_UNIQUE_VIOLATION = "23505"
_FOREIGN_KEY_VIOLATION = "23503"
# sqlite3's messages for a database it cannot reach: a missing or unreadable file, or a lock held past the timeout.
_SQLITE_UNAVAILABLE = ("unable to open database file", "database is locked", "disk i/o error")


def _sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of the driver exception behind ``exc`` (psycopg), or None (SQLite, or no server answer)."""
    for candidate in (exc, exc.__cause__):
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str):
            return state
    return None


def _is_sqlite(exc: BaseException) -> bool:
    cause = exc.__cause__
    return cause is not None and type(cause).__module__.startswith("sqlite3")


def is_unique_violation(exc: BaseException) -> bool:
    """True when ``exc`` is an ``IntegrityError`` from a unique key (PostgreSQL SQLSTATE 23505
    ``unique_violation``; SQLite "UNIQUE constraint failed: …"), the only integrity error the services expect."""
    if not isinstance(exc, IntegrityError):
        return False
    state = _sqlstate(exc)
    if state is not None:
        return state == _UNIQUE_VIOLATION
    return str(exc).startswith("UNIQUE constraint failed")


def is_foreign_key_violation(exc: BaseException) -> bool:
    """True when ``exc`` is an ``IntegrityError`` from a foreign key (PostgreSQL SQLSTATE 23503
    ``foreign_key_violation``; SQLite "FOREIGN KEY constraint failed"): a row still referred to, or a reference to
    a row that is gone."""
    if not isinstance(exc, IntegrityError):
        return False
    state = _sqlstate(exc)
    if state is not None:
        return state == _FOREIGN_KEY_VIOLATION
    return str(exc).startswith("FOREIGN KEY constraint failed")


def is_database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database cannot serve now (a retry later may work): an ``InterfaceError``
    (connection already closed), or an ``OperationalError`` with no SQLSTATE from psycopg (connection refused,
    lost, server closed the connection), SQLSTATE class 08 or 57P01/57P02/57P03/53300, or SQLite's "unable to open
    database file" / "database is locked" / "disk I/O error". Every other error is False."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if _is_sqlite(exc):
        return str(exc).lower().startswith(_SQLITE_UNAVAILABLE)
    state = _sqlstate(exc)
    if state is None:
        return True
    return state.startswith("08") or state in _UNAVAILABLE_SQLSTATES
