"""The request types of our views and API handlers: what our middleware and the API's authentication add to
Django's ``HttpRequest``, declared once so that mypy checks every use (issue #13 item 8).

These classes are annotations only: Django still passes its own ``WSGIRequest``/``ASGIRequest``, to which the
middleware named below has set the attributes (the pattern django-htmx documents for ``request.htmx``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_htmx.middleware import HtmxDetails


class Request(HttpRequest):
    """A request that went through ``settings.MIDDLEWARE``."""

    #: ``core.request_log.RequestIdMiddleware``: the request's id and its start (``time.perf_counter()``).
    request_id: str
    started_at: float
    #: ``contacts.middleware.RoleRequiredMiddleware``: set (True) only for a signed-in user without a role.
    has_no_role: bool
    #: ``django_htmx.middleware.HtmxMiddleware``.
    htmx: HtmxDetails


class AuthedRequest(Request):
    """A request to a web view behind ``login_required``: ``user`` is signed in."""

    user: User


class ApiRequest(Request):
    """A request to an API operation that requires authentication (every one but ``/health``): ninja has run
    ``api.TokenAuth`` or ``api.BrowserSessionAuth``, so ``auth`` is the signed-in user and ``user`` the same user
    (``TokenAuth`` sets it for a token request)."""

    auth: User
    user: User
