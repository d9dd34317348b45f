"""Writes of a user's Opportunity List settings (issue #15 "The list"): the columns they chose, the views they
saved under a name and the view the list opens (their default view). Only the user themselves: a view or a column
choice belongs to one signed-in user, never to the system or an anonymous request (fail closed)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from salescycle.core.actors import Actor, System
from salescycle.core.errors import InvalidInput, NotFound, PermissionDenied
from salescycle.opportunities.models import ListPreference, SavedView
from salescycle.opportunities.selectors.display import LIST_COLUMN_KEYS
from salescycle.opportunities.selectors.list_views import builtin_view

NAME_MAX = 60
QUERY_MAX = 2000


def _user_id(by: Actor) -> int:
    if isinstance(by, System) or by is None or not by.is_authenticated or not by.pk:
        raise PermissionDenied("permission_denied", _("Only a signed-in user has list views."))
    return int(by.pk)


@transaction.atomic
def save_list_columns(*, columns: Iterable[str], by: Actor) -> list[str]:
    """Remember the Opportunity List columns ``columns`` (keys of ``selectors.display.LIST_COLUMNS``) for user ``by``
    and return them. An empty choice returns to the default columns. Errors: 403 ``permission_denied`` (no signed-in
    user), 422 ``invalid_input`` (an unknown column key)."""
    user_id = _user_id(by)
    keys = list(dict.fromkeys(str(key) for key in columns))
    unknown = [key for key in keys if key not in LIST_COLUMN_KEYS]
    if unknown:
        raise InvalidInput(
            "invalid_input",
            _("Unknown column: %(columns)s."),
            fields={"cols": [str(_("Unknown column."))]},
            params={"columns": ", ".join(unknown)},
        )
    ListPreference.objects.update_or_create(user_id=user_id, defaults={"columns": keys})
    return keys


@transaction.atomic
def save_list_view(*, name: str, query: str, by: Actor) -> SavedView:
    """Save the list's ``query`` (filters, sort and columns: ``selectors.list_views.view_query``) as user ``by``'s
    view ``name``; a view of the same name is replaced. Errors: 403 ``permission_denied``, 422 ``invalid_input``
    (a blank or too long name, a too long query)."""
    user_id = _user_id(by)
    label = " ".join(name.split())
    if not label or len(label) > NAME_MAX:
        raise InvalidInput(
            "invalid_input",
            _("Give the view a name of 1 to %(max)s characters."),
            fields={"name": [str(_("Required, at most %(max)s characters.") % {"max": NAME_MAX})]},
            params={"max": NAME_MAX},
        )
    if len(query) > QUERY_MAX:
        raise InvalidInput(
            "invalid_input", _("The view has too many filters to save."), fields={"query": [str(_("Too long."))]}
        )
    view, _created = SavedView.objects.update_or_create(user_id=user_id, name=label, defaults={"query": query})
    return view


@transaction.atomic
def delete_list_view(view_id: int, *, by: Actor) -> None:
    """Delete user ``by``'s saved view ``view_id``. Errors: 403 ``permission_denied``, 404 ``not_found`` (no such
    view of this user: another user's view is not found, never deleted)."""
    user_id = _user_id(by)
    deleted, _rows = SavedView.objects.filter(pk=view_id, user_id=user_id).delete()
    if not deleted:
        raise NotFound("not_found", _("No such saved view."))


@transaction.atomic
def set_default_list_view(*, view: str = "", saved_view_id: int | None = None, by: Actor) -> str:
    """Make built-in view ``view`` (a key of ``selectors.list_views.BUILTIN_VIEWS``: "mine", "closing", "stale",
    "all") or user ``by``'s saved view ``saved_view_id`` (exactly one of the two) the view their Opportunity List
    opens (``/opportunities/`` without a query string), and return its name. Errors: 403 ``permission_denied``
    (no signed-in user), 422 ``invalid_input`` (an unknown key, or neither or both given), 404 ``not_found`` (no
    such saved view of this user: another user's view is not found, never made a default). Implements issue #15
    ("saved views per user with 'My pipeline' as a default")."""
    user_id = _user_id(by)
    if saved_view_id is not None and not view:
        saved = SavedView.objects.filter(pk=saved_view_id, user_id=user_id).only("id", "name").first()
        if saved is None:
            raise NotFound("not_found", _("No such saved view."))
        defaults = {"default_view": "", "default_saved_view": saved}
        name = saved.name
    else:
        builtin = builtin_view(view) if saved_view_id is None else None
        if builtin is None:
            raise InvalidInput(
                "invalid_input",
                _("Unknown view: %(view)s."),
                fields={"view": [str(_("Unknown view."))]},
                params={"view": view or "—"},
            )
        defaults = {"default_view": builtin.key, "default_saved_view": None}
        name = str(builtin.label)
    ListPreference.objects.update_or_create(user_id=user_id, defaults=defaults)
    return name
