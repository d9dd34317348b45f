"""The signed-in user's interface language (issue #7).

Django's ``LocaleMiddleware`` picks the language from the language cookie (set by the header's language switcher),
else from the browser's ``Accept-Language``. :class:`UserLanguageMiddleware` runs after authentication and puts the
user's saved choice (``UserPreference.language``) in between: the cookie still wins (a choice made in this browser),
the saved language beats the browser's default, so a user who chose Finnish gets Finnish on any device once signed
in. API requests that send ``Accept-Language`` keep that language: an API client chooses per request.

The saved language is cached in the session (set at sign-in and when the user switches), so a request costs no
query; a session from before the cache existed is filled on its first request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from salescycle.core.models import UserPreference

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SESSION_KEY = "salescycle_language"


def supported(language: str | None) -> str | None:
    """``language`` when it is one of ``settings.LANGUAGES``, else None."""
    return language if language and language in dict(settings.LANGUAGES) else None


def saved_language(user: User) -> str:
    """The language ``user`` saved (``""`` when none)."""
    return UserPreference.objects.filter(user=user).values_list("language", flat=True).first() or ""


@receiver(user_logged_in, dispatch_uid="salescycle-user-language")
def remember_language_at_sign_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """Cache the user's saved language in the new session (one query per sign-in)."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = saved_language(user)


class UserLanguageMiddleware:
    """Activate the signed-in user's saved language unless this browser chose one (language cookie) or an API
    client asked for one (``Accept-Language`` on ``/api/``). Goes after ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self.language_for(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)

    @staticmethod
    def language_for(request: HttpRequest) -> str | None:
        """The saved language to activate for ``request``, or None to keep LocaleMiddleware's choice."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return None
        if supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)):
            return None
        if request.path_info.startswith("/api/") and request.META.get("HTTP_ACCEPT_LANGUAGE"):
            return None
        if SESSION_KEY not in request.session:
            request.session[SESSION_KEY] = saved_language(user)
        return supported(request.session[SESSION_KEY])
