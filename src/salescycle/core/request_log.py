"""Request ids, the one log line per request, and the API's body limit (issue #12 items 9 and 12).

Middleware, first in ``settings.MIDDLEWARE``:

0. :class:`ServedByMiddleware` (issue #16, only when ``SALESCYCLE_SERVER_NAME`` is set) names the app server that
   answered in an ``X-Served-By`` response header, for several servers behind a load balancer.
1. :class:`RequestIdMiddleware` gives every request an id: the client's ``X-Request-ID`` when it is sane (1–128
   characters of ``A-Z a-z 0-9 . _ : -``), else a new UUID4 hex; the id is echoed in the ``X-Request-ID`` response
   header and logged with every record of the request.
2. ``django_structlog.middlewares.RequestMiddleware`` (django-structlog) logs one ``request_finished`` line per
   request (``request_failed``, with the traceback, for an unhandled exception); the receivers below add ``method``,
   ``path``, ``status``, ``duration_ms``, ``user_id`` and ``user`` (the user name, when signed in).
3. :class:`ApiBodyLimitMiddleware` answers 413 ``request_too_large`` (api.md "Strict input") before any view reads a
   body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` on ``/api/`` — instead of Django's HTML 400 and a logged traceback.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty
from django_structlog import signals

from salescycle.core.dberrors import is_database_unavailable
from salescycle.core.error_views import is_api_request, request_too_large_response
from salescycle.core.http import Request

REQUEST_ID_HEADER = "X-Request-ID"
SERVED_BY_HEADER = "X-Served-By"
_META_KEY = "HTTP_X_REQUEST_ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_from(value: str | None) -> str:
    """``value`` when it is a sane request id (1–128 of ``A-Z a-z 0-9 . _ : -``), else a new UUID4 hex (32
    characters). Refusing anything else keeps log lines and response headers free of injected text."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class ServedByMiddleware:
    """Adds ``X-Served-By: <settings.SERVER_NAME_HEADER>`` to every response, so that a client behind a load
    balancer sees which app server answered (issue #16; ``scripts/with-appservers.sh`` and its test). Not used at
    all (Django's ``MiddlewareNotUsed``) when the setting is empty, the default: no header then."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not settings.SERVER_NAME_HEADER:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.name = settings.SERVER_NAME_HEADER

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response[SERVED_BY_HEADER] = self.name
        return response


class RequestIdMiddleware:
    """Sets ``request.request_id`` (see :func:`request_id_from`), puts it where django-structlog reads it
    (``DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID``), records the start time for ``duration_ms``, and echoes the id
    in the ``X-Request-ID`` response header. Goes first in ``MIDDLEWARE``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: Request) -> HttpResponse:
        request_id = request_id_from(request.META.get(_META_KEY))
        request.META[_META_KEY] = request_id
        request.__dict__.pop("headers", None)  # HttpRequest.headers is cached from META
        request.request_id = request_id
        request.started_at = time.perf_counter()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class ApiBodyLimitMiddleware:
    """413 ``request_too_large`` for an ``/api/`` request whose ``Content-Length`` exceeds
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (JSON only, no file uploads, so the whole body counts), answered before
    authentication and before anything reads the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and is_api_request(request):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return request_too_large_response(request)
        return self.get_response(request)


def _user(request: HttpRequest) -> Any | None:
    """The request's user if it is already known, without a query: the lazy ``request.user`` of
    ``AuthenticationMiddleware`` is read only if something read it before (reading it now could hit a database
    that is down, inside the logging of that very failure)."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        wrapped = user._wrapped
        user = None if wrapped is empty else wrapped
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def _request_fields(request: HttpRequest, status: int) -> dict[str, Any]:
    started = getattr(request, "started_at", None)
    user = _user(request)
    return {
        "method": request.method,
        "path": request.path,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started is not None else None,
        "user_id": user.pk if user is not None else None,
        "user": user.get_username() if user is not None else None,
    }


@receiver(signals.bind_extra_request_finished_metadata, dispatch_uid="salescycle-request-finished")
def _on_request_finished(
    sender: Any, request: HttpRequest, logger: Any, response: HttpResponse, log_kwargs: dict[str, Any], **kwargs: Any
) -> None:
    """Add the request's fields to django-structlog's ``request_finished`` line."""
    log_kwargs.update(_request_fields(request, response.status_code))


@receiver(signals.bind_extra_request_failed_metadata, dispatch_uid="salescycle-request-failed")
def _on_request_failed(
    sender: Any, request: HttpRequest, logger: Any, exception: Exception, log_kwargs: dict[str, Any], **kwargs: Any
) -> None:
    """Add the request's fields to ``request_failed``, with the status ``handler500`` will answer (503 when the
    database is unavailable, else 500)."""
    status = 503 if is_database_unavailable(exception) else 500
    log_kwargs.update(_request_fields(request, status))
    log_kwargs["code"] = status
