"""Creating, checking and revoking API tokens (spec api.md "Authentication")."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import threading
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.signals import request_finished
from django.db import DatabaseError
from django.db.models import F
from django.utils import timezone

from salescycle.apitokens.models import PREFIX_LENGTH, ApiToken
from salescycle.contacts.auth import prime, with_roles
from salescycle.core.prepared import Prepared

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

# Writing last_used_at on every request would make each read a write; once a minute is precise enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)

# The token use this thread's request still has to record: (token pk, time), written once the answer is sent.
_pending_use = threading.local()


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored for ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, *, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the token (43 URL-safe characters), shown only now."""
    token = secrets.token_urlsafe(32)
    while token.startswith("-"):  # one in 64 would read as an option on a command line (`revoke-token TOKEN`)
        token = secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name, key_prefix=token[:PREFIX_LENGTH], key_hash=hash_token(token))
    return row, token


def user_for_token(token: str) -> Any | None:
    """The active user owning the non-revoked ``token``, or None. Compares hashes in constant time.

    One query: the users of the tokens with this key prefix, each with its token's hash and last use, and the roles
    the permission checks need (``contacts/auth.py``), so a token request costs no extra query for them. The query
    is compiled once per connection (:mod:`salescycle.core.prepared`): compiling it (four role subqueries and a
    salesperson subquery) took about 1.5 ms of every API request."""
    if not token or len(token) < PREFIX_LENGTH or len(token) > 200:
        return None
    digest = hash_token(token)
    for user in _TOKEN_USERS(token[:PREFIX_LENGTH]):
        if hmac.compare_digest(user._token_hash, digest) and user.is_active:
            now = timezone.now()
            used = user._token_used
            if used is None or now - used > LAST_USED_RESOLUTION:
                _pending_use.value = (user._token_pk, now)
            return prime(user)
    return None


def record_token_use(**_signal: Any) -> None:
    """Write the ``last_used_at`` of the token the finished request authenticated with (at most once a minute, see
    :func:`user_for_token`). Connected to ``request_finished``, which the server sends once the answer has gone out:
    on SQLite the write waits for the database's one write lock, which a background job's step holds for up to a
    second or two, and a read-only API request (a job's status poll) must not wait for it (issue #16 "no request over
    1 s"). A failed write is logged and dropped: it is bookkeeping, never a reason to fail."""
    pending = getattr(_pending_use, "value", None)
    if pending is None:
        return
    _pending_use.value = None
    token_pk, used_at = pending
    try:
        ApiToken.objects.filter(pk=token_pk).update(last_used_at=used_at)
    except DatabaseError:
        logger.warning("token_last_used_not_recorded", extra={"token": token_pk}, exc_info=True)


request_finished.connect(record_token_use, dispatch_uid="salescycle.apitokens.record_token_use")


def _token_query(prefix: str) -> Any:
    users = get_user_model()._default_manager.filter(api_tokens__key_prefix=prefix, api_tokens__revoked=False)
    return with_roles(users).annotate(
        _token_pk=F("api_tokens__pk"),
        _token_hash=F("api_tokens__key_hash"),
        _token_used=F("api_tokens__last_used_at"),
        _token_primary_until=F("api_tokens__primary_until"),
    )


# The users holding a non-revoked token with a prefix, annotated as user_for_token needs, compiled once.
_TOKEN_USERS: Prepared[Any] = Prepared(_token_query, str)


def token_primary_until(user: Any) -> float | None:
    """The end (epoch seconds) of the time the token ``user`` authenticated with reads from the primary after a
    write (read replicas, ``core/replicas.py``), or None: no token, or no write with it. Costs no query: the token's
    authentication query reads it."""
    until = getattr(user, "_token_primary_until", None)
    return until.timestamp() if until is not None else None


def stick_to_primary(user: Any) -> None:
    """After a write with an API token: that token's reads go to the primary for ``REPLICA_STICKY_SECONDS``
    (read-your-writes, issue #16 item 2). One ``UPDATE`` of the token row, which every app server reads; nothing
    when ``user`` did not authenticate with a token."""
    token_pk = getattr(user, "_token_pk", None)
    if token_pk is not None:
        until = timezone.now() + dt.timedelta(seconds=settings.REPLICA_STICKY_SECONDS)
        ApiToken.objects.filter(pk=token_pk).update(primary_until=until)


def revoke_tokens(*, token: str | None = None, prefix: str | None = None, username: str | None = None) -> int:
    """Revoke the token ``token``, the tokens starting with ``prefix`` or all tokens of ``username``; returns how
    many were revoked."""
    tokens = ApiToken.objects.filter(revoked=False)
    if token:
        tokens = tokens.filter(key_hash=hash_token(token))
    elif prefix:
        tokens = tokens.filter(key_prefix=prefix[:PREFIX_LENGTH])
    elif username:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            return 0
        tokens = tokens.filter(user=user)
    else:
        return 0
    return tokens.update(revoked=True)
