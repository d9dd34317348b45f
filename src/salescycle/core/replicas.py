"""Read replicas (issue #16 item 2): which database a read goes to.

``DATABASE_REPLICA_URL`` adds the aliases in ``settings.REPLICA_DATABASES`` (``replica``, ``replica2``, …; see
``settings.py``). With none, nothing here acts: no router is installed and the middleware passes requests through.

**What reads from a replica.** Only what is marked, explicitly: a view or API operation decorated with
:func:`reads_from_replica` (the lists, statistics, analysis, charts, reports, exports and the dashboard), and only
for ``GET``/``HEAD``. While such a view runs, :data:`_READ_ALIAS` holds the chosen replica and
:class:`ReplicaRouter` sends every ORM read there; everything else — every write, and every read of a view that is
not marked, so a path that reads and then writes never reads stale rows — goes to ``default``, the primary.
Authentication and the session are read before the choice, from the primary.

**Read-your-writes.** A signed-in user who sends a write (any ``POST``/``PUT``/``PATCH``/``DELETE``) reads from the
primary for ``REPLICA_STICKY_SECONDS``. The stamp must be seen by every app server (a load balancer may send the
next request elsewhere), so it travels with the client, not in a process: a signed cookie
(:data:`STICKY_COOKIE`, set on the write's answer; the browser sends it to whichever server) and, for API tokens,
whose clients may keep no cookies, a column of the token row (``ApiToken.primary_until``, read by the token's one
authentication query, written by ``apitokens.tokens.stick_to_primary``). A write that runs longer than the sticky
time (a background job) is not covered: its status page is read from the primary.

**Fall-back.** Each process looks at each replica at most once per ``REPLICA_CHECK_SECONDS``
(:func:`replica_health`: one query on the replica, ``pg_is_in_recovery()`` and the replay lag), so a request costs
no extra query. A replica that cannot be reached, or lags more than ``REPLICA_MAX_LAG_SECONDS`` behind, is left out
until the next look, and reads go to the primary; that is logged as a warning once per look. Choosing a replica also
opens (or checks, Django's ``CONN_HEALTH_CHECKS``) its connection, so a replica stopped since the last look costs
the request nothing but the failed connect. ``salescycle replica-status`` shows each replica's state and lag.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connections
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase

logger = logging.getLogger(__name__)

#: The cookie that keeps a browser on the primary after a write: the end of the sticky time, signed.
STICKY_COOKIE = "salescycle_primary_until"
_COOKIE_SALT = "salescycle.core.replicas"
#: The attribute :func:`reads_from_replica` sets on a view.
MARK = "reads_from_replica"
#: The request attribute the API's token authentication sets: the token's own sticky end (epoch seconds).
STICKY_REQUEST_ATTRIBUTE = "replica_primary_until"
READ_METHODS = frozenset({"GET", "HEAD"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# The replica the current view reads from; None: the primary. Set only around a marked view.
_READ_ALIAS: ContextVar[str | None] = ContextVar("salescycle_replica_read_alias", default=None)

V = TypeVar("V", bound=Callable[..., Any])

# Lag in seconds: 0 when everything received is replayed (an idle primary sends nothing, so the age of the last
# replayed commit says nothing then), else the age of the last replayed commit (unknown: NULL → very large).
LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 1e9)
       END::float8
"""


def reads_from_replica(view: V) -> V:
    """Mark ``view`` (a Django view, or an API handler: put it above ``@router.get``) as read-only, so that its
    ``GET``/``HEAD`` requests may read from a replica. Returns the same function: nothing is wrapped here; the
    middleware (views) and :func:`api_operation` (API) act on the mark. Issue #16 item 2."""
    setattr(view, MARK, True)
    return view


def is_marked(view: Any) -> bool:
    """Whether ``view`` was marked with :func:`reads_from_replica`."""
    return bool(getattr(view, MARK, False))


def current_read_alias() -> str | None:
    """The replica the running view reads from, or None (the primary)."""
    return _READ_ALIAS.get()


@dataclass(frozen=True)
class ReplicaHealth:
    """One process's last look at a replica: reachable, in recovery (a standby), lag in seconds (None when not
    reachable), whether reads may go there, the error met, and when (``time.monotonic()``)."""

    alias: str
    available: bool
    in_recovery: bool
    lag_seconds: float | None
    usable: bool
    error: str
    checked_at: float


_health: dict[str, ReplicaHealth] = {}
_health_lock = threading.Lock()
_round_robin = itertools.count()


def forget_health() -> None:
    """Forget every look at the replicas (the next request looks again). For tests and ``replica-status``."""
    with _health_lock:
        _health.clear()


def _look(alias: str) -> ReplicaHealth:
    connection = connections[alias]
    try:
        if connection.vendor != "postgresql":
            connection.ensure_connection()
            in_recovery, lag = False, 0.0
        else:
            connection.close_if_health_check_failed()
            with connection.cursor() as cursor:
                cursor.execute(LAG_SQL)
                in_recovery, lag = cursor.fetchone()
    except DatabaseError as exc:
        connection.close()
        logger.warning("read replica %r is unavailable, reads go to the primary: %s", alias, str(exc).strip()[:300])
        return ReplicaHealth(alias, False, False, None, False, str(exc).strip()[:300], time.monotonic())
    limit = settings.REPLICA_MAX_LAG_SECONDS
    usable = lag <= limit
    if not usable:
        logger.warning("read replica %r lags %.1f s (limit %.1f s), reads go to the primary", alias, lag, limit)
    return ReplicaHealth(alias, True, bool(in_recovery), float(lag), usable, "", time.monotonic())


def replica_health(alias: str, *, fresh: bool = False) -> ReplicaHealth:
    """This process's look at replica ``alias``, taken again when older than ``REPLICA_CHECK_SECONDS`` (or when
    ``fresh``): one query on the replica. A replica that cannot be reached is ``available=False``; one more than
    ``REPLICA_MAX_LAG_SECONDS`` behind is ``usable=False``; each is logged as a warning when seen."""
    with _health_lock:
        known = _health.get(alias)
        if not fresh and known is not None and time.monotonic() - known.checked_at < settings.REPLICA_CHECK_SECONDS:
            return known
        health = _look(alias)
        _health[alias] = health
        return health


def _mark_down(alias: str, exc: BaseException) -> None:
    logger.warning("read replica %r is unavailable, reads go to the primary: %s", alias, str(exc).strip()[:300])
    with _health_lock:
        _health[alias] = ReplicaHealth(alias, False, False, None, False, str(exc).strip()[:300], time.monotonic())


def sticky_until(request: HttpRequest) -> float:
    """The end (epoch seconds) of the time ``request``'s client reads from the primary after its last write: the
    later of the signed cookie and the API token's stamp; 0 when none."""
    until = 0.0
    value = request.COOKIES.get(STICKY_COOKIE)
    if value:
        try:
            until = float(signing.TimestampSigner(salt=_COOKIE_SALT).unsign(value))
        except (signing.BadSignature, ValueError):
            until = 0.0
    token_until = getattr(request, STICKY_REQUEST_ATTRIBUTE, None)
    if token_until:
        until = max(until, float(token_until))
    return until


def choose_read_alias(request: HttpRequest) -> str | None:
    """The replica a marked read of ``request`` goes to, or None for the primary: None when no replica is
    configured, when the client wrote within ``REPLICA_STICKY_SECONDS``, or when no replica is usable (down,
    lagging: :func:`replica_health`). Among usable replicas, in turn. Opens (or checks) the chosen replica's
    connection, so that one stopped since the last look is left out now, not failed on."""
    aliases: list[str] = settings.REPLICA_DATABASES
    if not aliases or sticky_until(request) > time.time():
        return None
    start = next(_round_robin)
    for offset in range(len(aliases)):
        alias = aliases[(start + offset) % len(aliases)]
        if not replica_health(alias).usable:
            continue
        connection = connections[alias]
        try:
            # Django checks a kept connection once per request (CONN_HEALTH_CHECKS) on its first query; checking
            # it here, before the view reads, turns a replica stopped since the last look into a read on the
            # primary instead of a failed request. The view's first query then skips Django's own check.
            if connection.connection is not None:
                connection.health_check_done = False  # type: ignore[attr-defined]
            connection.close_if_health_check_failed()
            connection.ensure_connection()
        except DatabaseError as exc:
            connection.close()
            _mark_down(alias, exc)
            continue
        return alias
    return None


def _under(alias: str | None, content: Iterable[Any]) -> Iterator[Any]:
    # A streamed export reads while the server sends it, after the view has returned: it reads where the view did.
    token = _READ_ALIAS.set(alias)
    try:
        yield from content
    finally:
        _READ_ALIAS.reset(token)


class ReplicaMiddleware:
    """Chooses the database of a marked view's reads (``process_view``) and keeps it for the view only; stamps the
    sticky cookie on the answer to a signed-in user's write. Goes after ``AuthenticationMiddleware``. Does nothing
    (not even read a setting twice) when no replica is configured."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.REPLICA_DATABASES:
            return self.get_response(request)
        token = _READ_ALIAS.set(None)
        try:
            response = self.get_response(request)
            alias = _READ_ALIAS.get()
        finally:
            _READ_ALIAS.reset(token)
        if alias is not None and isinstance(response, StreamingHttpResponse) and not response.is_async:
            response.streaming_content = _under(alias, cast(Iterator[bytes], response.streaming_content))
        user = getattr(request, "user", None)
        if request.method in WRITE_METHODS and user is not None and user.is_authenticated:
            stick_browser_to_primary(response)
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        """Route a marked view's ``GET``/``HEAD`` reads (see the module)."""
        if settings.REPLICA_DATABASES and request.method in READ_METHODS and is_marked(view):
            # Read the user (and so the session) now, from the primary: a fresh session is not on the replica yet.
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                _READ_ALIAS.set(choose_read_alias(request))


def stick_browser_to_primary(response: HttpResponseBase) -> None:
    """Set the signed sticky cookie on ``response``: this browser reads from the primary for
    ``REPLICA_STICKY_SECONDS``."""
    seconds = settings.REPLICA_STICKY_SECONDS
    value = signing.TimestampSigner(salt=_COOKIE_SALT).sign(f"{time.time() + seconds:.3f}")
    response.set_cookie(
        STICKY_COOKIE,
        value,
        max_age=max(1, int(seconds + 0.999)),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def api_operation(handler: V) -> V:
    """The API's operation decorator (``api.add_decorator(..., mode="operation")``: after authentication): a handler
    marked with :func:`reads_from_replica` runs with its reads on :func:`choose_read_alias`'s choice for ``GET``/
    ``HEAD``; any other handler is returned as it is."""
    if not is_marked(handler):
        return handler

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not settings.REPLICA_DATABASES or request.method not in READ_METHODS:
            return handler(request, *args, **kwargs)
        token = _READ_ALIAS.set(choose_read_alias(request))
        try:
            return handler(request, *args, **kwargs)
        finally:
            _READ_ALIAS.reset(token)

    wrapper.__dict__.update(handler.__dict__)
    for name in ("__name__", "__qualname__", "__doc__", "__module__", "__wrapped__"):
        if hasattr(handler, name):
            setattr(wrapper, name, getattr(handler, name))
    wrapper.__wrapped__ = handler  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


class ReplicaRouter:
    """The database router of ``settings.DATABASE_ROUTERS`` when replicas are configured: reads go to the replica
    chosen for the running marked view (:func:`current_read_alias`), else to ``default``; writes always to
    ``default``; migrations only on ``default`` (a replica is a copy of it)."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        """The chosen replica, or None (Django then reads where the instance came from, else ``default``)."""
        return _READ_ALIAS.get()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        """Always the primary."""
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        """Rows of the primary and of its replicas are the same rows."""
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        """Only the primary is migrated; replicas replay it."""
        return db == "default"
