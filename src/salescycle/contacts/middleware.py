"""The web app's one check for users without a role (issue #12 item 4).

A signed-in user without any role (``contacts/permissions.py``) sees nothing: every page answers 403 with the page
saying so (``templates/403.html``, :data:`permissions.NO_ROLE_MESSAGE`), except the few that concern only the user
themselves — signing in and out, changing the password, the language and the work date. The check is by URL name,
after URL resolution, so that a new page is refused unless it is added to :data:`OPEN_TO_NO_ROLE` on purpose
(``tests/security/test_no_role.py`` walks every URL pattern). The API answers for itself, in its JSON error shape
(``api.py``, :class:`salescycle.api.RoleRequired`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from salescycle.contacts import permissions
from salescycle.core.http import Request

logger = logging.getLogger(__name__)

# URL names (``namespace:name``) a user without a role may still open: their own account, language and work date.
OPEN_TO_NO_ROLE = frozenset(
    {
        "login",
        "logout",
        "password_change",
        "password_change_done",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "set_language",
        "change_work_date",
        "admin:logout",
    }
)
# Namespaces that check roles themselves: the API answers 403 in its JSON error shape.
CHECKED_ELSEWHERE = frozenset({"api"})


def is_open_to_no_role(view_name: str, namespaces: list[str]) -> bool:
    """True when the URL named ``view_name`` (with its ``namespaces``) stays open to a user without a role."""
    return view_name in OPEN_TO_NO_ROLE or bool(CHECKED_ELSEWHERE.intersection(namespaces))


class RoleRequiredMiddleware:
    """Refuse every page to a signed-in user without a role (403, ``templates/403.html`` with
    :data:`permissions.NO_ROLE_MESSAGE`), but those of :data:`OPEN_TO_NO_ROLE`. Anonymous users are left to
    ``login_required``. Marks the request with ``has_no_role`` so the layout leaves out the navigation that would
    only lead to refusals. Goes after ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: Request, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        """Raise Django's ``PermissionDenied`` (→ the 403 page) for a user without a role on a page not open to
        them; None (go on) otherwise."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not permissions.has_no_role(user):
            return None
        request.has_no_role = True
        match = request.resolver_match
        if match is not None and is_open_to_no_role(match.view_name, match.namespaces):
            return None
        logger.info("refused %s %s to %s: no role", request.method, request.path, user.get_username())
        raise PermissionDenied(permissions.NO_ROLE_MESSAGE)
