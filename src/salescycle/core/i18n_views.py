"""The header's language switcher (issue #7): Django's ``set_language`` that also remembers the choice."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import i18n
from django.views.decorators.http import require_POST

from salescycle.core.middleware import SESSION_KEY, supported
from salescycle.core.models import UserPreference


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Set the language cookie and go back to ``next`` (Django's view), and save the language as the signed-in
    user's ``UserPreference.language`` so that it follows them to other browsers."""
    response = i18n.set_language(request)
    language = supported(request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER))
    if language is not None and request.user.is_authenticated:
        UserPreference.objects.update_or_create(user=request.user, defaults={"language": language})
        request.session[SESSION_KEY] = language
    return response
