"""The answers the app gives when a request fails outside a view's own rules (issue #12 items 9 and 12).

Implements api.md "Errors" ("every error the app itself answers (also 405, 413, 503 when the database is
unreachable) uses the error shape") for ``/api/`` paths, and friendly pages for the web app:

- :func:`server_error` is the project's ``handler500``: an exception nobody handled. When the database is unavailable
  (:func:`~salescycle.core.dberrors.is_database_unavailable`) it answers 503 with ``Retry-After``, else 500; JSON
  ``{code, message, fields}`` under ``/api/``, else the page ``503.html`` / ``500.html``. Django has already logged
  the exception with its traceback (logger ``django.request``) before calling it.
- :func:`bad_request` is ``handler400``: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is 413 ``request_too_large``,
  anything else Django refuses as suspicious under ``/api/`` is 400 ``bad_request`` in the error shape.

The pages extend ``base.html`` but are rendered without the request, so no context processor runs and nothing reads
the database (no user, no session): the layout shows its signed-out header. Should even that fail, a self-contained
page is sent.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import defaults

from salescycle.core.dberrors import RETRY_AFTER_SECONDS, is_database_unavailable

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The one error shape of api.md "Errors": ``{"code", "message", "fields"}`` (``fields`` ``{}`` when none)."""
    return {"code": code, "message": message, "fields": fields or {}}


def is_api_request(request: HttpRequest) -> bool:
    """True for a request to the REST API (``/api/…``), which answers JSON errors."""
    return request.path_info.startswith(API_PREFIX)


def json_error(code: str, message: str, status: int) -> JsonResponse:
    """A JSON response in the error shape with ``status``."""
    return JsonResponse(error_body(code, message), status=status)


def _page(template: str, status: int, context: dict[str, Any]) -> HttpResponse:
    """``template`` inside the layout, rendered without the request (no database access); a bare page if even that
    fails (a template error must not turn a 503 into a crash of the error handler)."""
    try:
        content: str = render_to_string(template, context)
    except Exception:
        logger.exception("the error page %s could not be rendered", template)
        content = (
            f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(context["title"])}</title></head>'
            f"<body><h1>{escape(context['title'])}</h1><p>{escape(context['text'])}</p></body></html>"
        )
    return HttpResponse(content, status=status)


def service_unavailable_response(request: HttpRequest, exc: BaseException | None = None) -> HttpResponse:
    """503 with ``Retry-After: RETRY_AFTER_SECONDS``: JSON ``service_unavailable`` for the API, else the translated
    page ``503.html`` ("try again"). Logs a WARNING naming the error (the traceback is logged where the exception
    was caught, if anywhere)."""
    logger.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    if is_api_request(request):
        response: HttpResponse = json_error(
            "service_unavailable", _("The service is temporarily unavailable. Try again in a few seconds."), 503
        )
    else:
        response = _page(
            "503.html",
            503,
            {
                "title": _("Temporarily unavailable"),
                "text": _("Salescycle cannot reach its database right now. Please try again in a few seconds."),
                "retry_url": request.get_full_path() if request.method == "GET" else "",
                "retry_after": RETRY_AFTER_SECONDS,
            },
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def internal_error_response(request: HttpRequest) -> HttpResponse:
    """500: JSON ``internal_error`` (no detail of the failure) for the API, else the translated page ``500.html``."""
    if is_api_request(request):
        return json_error("internal_error", _("An unexpected error occurred. It has been logged."), 500)
    return _page(
        "500.html",
        500,
        {
            "title": _("Something went wrong"),
            "text": _("An unexpected error occurred. It has been logged; please try again later."),
        },
    )


def request_too_large_response(request: HttpRequest) -> HttpResponse:
    """413: JSON ``request_too_large`` for the API (naming the limit in bytes, ``DATA_UPLOAD_MAX_MEMORY_SIZE``), else
    the page ``413.html``."""
    logger.warning(
        "request body too large on %s %s (Content-Length %s)",
        request.method,
        request.path,
        request.META.get("CONTENT_LENGTH"),
    )
    text = _("The request body is too large (at most %(limit)s bytes).") % {
        "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    }
    if is_api_request(request):
        return json_error("request_too_large", text, 413)
    return _page("413.html", 413, {"title": _("Request too large"), "text": text})


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: 503 when the exception being handled says the database is unavailable, else 500 (see the
    module docstring). Django calls it inside its ``except`` block, so ``sys.exc_info()`` is that exception."""
    exc = sys.exc_info()[1]
    if exc is not None and is_database_unavailable(exc):
        return service_unavailable_response(request, exc)
    return internal_error_response(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: 413 ``request_too_large`` for ``RequestDataTooBig`` (a form or body over the limit), else
    JSON 400 ``bad_request`` under ``/api/`` and Django's own 400 page elsewhere."""
    if isinstance(exception, RequestDataTooBig):
        return request_too_large_response(request)
    if is_api_request(request):
        return json_error("bad_request", _("The request was refused as malformed."), 400)
    return defaults.bad_request(request, exception)
