"""Idempotency keys for the API's POST operations (spec api.md "Idempotency", issue #12 item 11).

A POST may carry ``Idempotency-Key: <1–255 printable ASCII characters>``. The first request with a key runs as
usual, in **one** database transaction that also stores the key with the answer (status, body, and the
``Content-Type``, ``ETag`` and ``Location`` headers): a crash either loses both the write and the key, or keeps both.
A repeat of the key by the same user within :data:`KEY_LIFETIME` answers the stored answer again, with
``Idempotent-Replayed: true``, without running the operation; the same key on another operation, path, query or body
answers 422 ``idempotency.key_reused``. Client-error answers (4xx) are stored like successes (the first answer is
the answer); a 5xx rolls the whole transaction back, so nothing, not the key either, is stored.

Two hooks do this, both installed on the one NinjaAPI by :func:`install` (so every POST operation has them):

- :func:`in_one_transaction` wraps the operation's ``run`` (ninja's ``view`` mode: before authentication): it
  checks the header's shape and runs the whole request, authentication included, inside ``transaction.atomic()``;
  after the handler it stores the answer on the claimed key.
- :func:`claim_or_replay` wraps the handler (ninja's ``operation`` mode: after authentication and input
  validation): it claims the key by inserting its row (the unique constraint on (user, key) is the lock: on
  PostgreSQL a concurrent repeat's insert waits for the first transaction and then finds its committed answer; on
  SQLite ``BEGIN IMMEDIATE`` already serialises writers), or answers the stored answer.

Because the claim happens after validation, a request refused before its handler runs (401 without credentials,
400/422 for a malformed body) stores nothing and is simply refused again when repeated.

Expired keys are ignored, deleted when their key is used again, purged for all users after every
:data:`PURGE_EVERY`-th new key (after that request's commit), and by ``salescycle purge-idempotency-keys``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from salescycle.apitokens.models import IDEMPOTENCY_KEY_MAX_LENGTH, IdempotencyKey
from salescycle.core.errors import Conflict, DomainError, InvalidInput

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

HEADER: Final = "Idempotency-Key"
REPLAYED_HEADER: Final = "Idempotent-Replayed"
KEY_LIFETIME: Final = dt.timedelta(hours=24)
PURGE_EVERY: Final = 100
STORED_HEADERS: Final = ("Content-Type", "ETag", "Location")

# Request attributes: set by in_one_transaction (the transaction is open) and by claim_or_replay (the claimed row).
_ARMED_ATTRIBUTE: Final = "_salescycle_idempotency_armed"
_CLAIM_ATTRIBUTE: Final = "_salescycle_idempotency_claim"


class KeyReused(DomainError):
    """The key was already used by this user for another request (HTTP 422 ``idempotency.key_reused``)."""


def is_valid_key(key: str) -> bool:
    """True for 1–255 printable ASCII characters (space to ``~``), not only spaces."""
    return 0 < len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH and key.strip() != "" and all(" " <= c <= "~" for c in key)


def fingerprint(request: HttpRequest) -> str:
    """SHA-256 (hex) of what makes two requests "the same": method, path, query string and body. A JSON body counts
    by its value (key order and white space do not matter); anything else by its bytes."""
    body = request.body
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    except (ValueError, UnicodeDecodeError, RecursionError):
        canonical = body
    digest = hashlib.sha256()
    for part in (request.method or "", request.path_info, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\x00")
    digest.update(canonical)
    return digest.hexdigest()


def _invalid_key() -> InvalidInput:
    message = _("Idempotency-Key must be 1 to %(max)d printable ASCII characters.") % {
        "max": IDEMPOTENCY_KEY_MAX_LENGTH
    }
    return InvalidInput("invalid_input", message, fields={HEADER: [message]})


class _RollBack(Exception):
    """Leaves the request's transaction with a rollback, carrying the answer to give anyway."""

    def __init__(self, response: HttpResponseBase) -> None:
        super().__init__(response.status_code)
        self.response = response


def in_one_transaction(
    run: Callable[..., HttpResponseBase], on_error: Callable[[HttpRequest, Exception], HttpResponseBase] | None = None
) -> Callable[..., HttpResponseBase]:
    """Ninja ``view``-mode decorator of an operation's ``run``: a POST carrying a well-formed ``Idempotency-Key``
    runs in one transaction with the storing of its answer; other requests (and a malformed key, which
    :func:`claim_or_replay` refuses) pass through untouched. A 5xx answer, or a transaction that can no longer
    commit, rolls everything back and stores nothing. An exception of the transaction itself (BEGIN, or COMMIT with
    a deferred foreign key) goes to ``on_error`` (the API's exception mapping, so the answer is the one the same
    error gets without a key: 503 for an unreachable database, a logged 500 for a foreign-key violation), or
    propagates. Implements api.md "Idempotency"."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not is_valid_key(key):
            return run(request, *args, **kwargs)  # a malformed key is refused after authentication (claim_or_replay)
        try:
            with transaction.atomic():
                setattr(request, _ARMED_ATTRIBUTE, True)
                response = run(request, *args, **kwargs)
                claim: IdempotencyKey | None = getattr(request, _CLAIM_ATTRIBUTE, None)
                if claim is not None:
                    if response.status_code >= 500:
                        raise _RollBack(response)
                    _store(claim, response)
        except _RollBack as rollback:
            return rollback.response
        except Exception as error:
            if on_error is None:
                raise
            logger.info("idempotency: the transaction of a POST failed: %r", error)
            return on_error(request, error)
        return response

    return wrapper


def _store(claim: IdempotencyKey, response: HttpResponseBase) -> None:
    """Write the answer onto the claimed key, in the request's transaction. When that is impossible (the transaction
    is already broken, or the answer is streamed) nothing is kept: a refusal (4xx) still goes out
    (:class:`_RollBack`), a success re-raises the database error (500), since its write is not kept either."""
    if getattr(response, "streaming", False) or transaction.get_connection().needs_rollback:
        logger.warning("idempotency key %s: answer cannot be stored, transaction rolled back", claim.pk)
        if response.status_code < 400:
            raise DatabaseError("The answer to an Idempotency-Key request could not be stored with its write.")
        raise _RollBack(response)
    claim.status_code = response.status_code
    claim.response_headers = {name: response[name] for name in STORED_HEADERS if response.has_header(name)}
    claim.response_body = response.content  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            claim.save(update_fields=["status_code", "response_headers", "response_body"])
    except DatabaseError:
        if response.status_code < 400:
            # Never announce a success that is not kept: the write rolls back with the key, the client sees a 500.
            raise
        # A database error that the handler's code mapped to a 4xx left the transaction unusable: that refusal goes
        # out, the transaction (with the key) is rolled back, and a repeat runs again.
        logger.warning("idempotency key %s: answer not stored, transaction rolled back", claim.pk, exc_info=True)
        raise _RollBack(response) from None


def claim_or_replay(view_func: Callable[..., Any]) -> Callable[..., Any]:
    """Ninja ``operation``-mode decorator of a handler (runs after authentication and validation): claims the
    request's ``Idempotency-Key`` for the user and runs the handler, or returns the stored answer of the key's first
    request. Errors: 422 ``invalid_input`` for a key that is not 1–255 printable ASCII characters (checked after
    authentication: no credentials stay 401); 422 ``idempotency.key_reused`` when the key was used for another
    request (operation, path, query or body); 409 ``conflict.in_progress`` when the key's first request has not
    finished (defensive: the insert's lock wait makes that unobservable). Implements api.md "Idempotency"."""

    @functools.wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        user = getattr(request, "user", None)
        if key is None or request.method != "POST":
            return view_func(request, *args, **kwargs)
        if not is_valid_key(key):
            raise _invalid_key()
        if not getattr(request, _ARMED_ATTRIBUTE, False) or user is None or not user.is_authenticated:
            return view_func(request, *args, **kwargs)
        stored = _claim(request, user, key)
        if stored is not None:
            return stored
        return view_func(request, *args, **kwargs)

    return wrapper


def _claim(request: HttpRequest, user: User, key: str) -> HttpResponse | None:
    """Insert the key's row (then None: run the operation) or return the stored answer to replay."""
    request_print = fingerprint(request)
    now = timezone.now()
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lte=now - KEY_LIFETIME).delete()
    claim = IdempotencyKey(user=user, key=key, fingerprint=request_print, created_at=now)
    try:
        with transaction.atomic():
            claim.save(force_insert=True)
    except IntegrityError:
        # Taken: on PostgreSQL the insert waited for the holder's transaction, which has now committed its answer.
        existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is None:  # the holder was rolled back between our insert and this read: rare; ask to retry
            raise Conflict(
                "conflict.in_progress", _("A request with this Idempotency-Key is in progress; try again.")
            ) from None
        return _replay(existing, request_print)
    setattr(request, _CLAIM_ATTRIBUTE, claim)
    if claim.pk % PURGE_EVERY == 0:
        # Opportunistic purge of every user's expired keys, after this request's commit (not holding its locks).
        transaction.on_commit(purge_expired)
    return None


def _replay(existing: IdempotencyKey, request_print: str) -> HttpResponse:
    if existing.fingerprint != request_print:
        raise KeyReused(
            "idempotency.key_reused",
            _("This Idempotency-Key was already used for a different request."),
            fields={HEADER: [_("Already used for a different request.")]},
        )
    if existing.status_code is None:
        raise Conflict("conflict.in_progress", _("A request with this Idempotency-Key is in progress; try again."))
    headers = dict(existing.response_headers or {})
    response = HttpResponse(
        bytes(existing.response_body), status=existing.status_code, content_type=headers.pop("Content-Type", None)
    )
    for name, value in headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete every key older than :data:`KEY_LIFETIME` (all users); the number deleted."""
    cutoff = (now or timezone.now()) - KEY_LIFETIME
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lte=cutoff).delete()
    return deleted


def install(api: Any) -> None:
    """Put both hooks on every operation of ``api`` (they act on POSTs with the header only)."""
    api.add_decorator(functools.partial(in_one_transaction, on_error=api.on_exception), mode="view")
    api.add_decorator(claim_or_replay, mode="operation")
