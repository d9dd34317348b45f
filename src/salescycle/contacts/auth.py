"""The authentication backend that loads a session's user together with their roles (issue #8).

Django's ``ModelBackend.get_user`` reads the user row on every request; this one reads the role groups and the
user's own salesperson in the same query, so the permission checks of ``contacts/permissions.py`` cost no extra
query on any page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Subquery

from salescycle.contacts import permissions
from salescycle.contacts.models import Salesperson
from salescycle.core.prepared import Prepared, first_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def with_roles(queryset: Any) -> Any:
    """``queryset`` of users annotated with one flag per role and their salesperson code (for :func:`prime`)."""
    flags = {
        f"_role_{index}": Exists(Group.objects.filter(user=OuterRef("pk"), name=role))
        for index, role in enumerate(permissions.ROLES)
    }
    code = Subquery(Salesperson.objects.filter(user_id=OuterRef("pk")).values("code")[:1])
    return queryset.annotate(**flags, _salesperson_code=code)


def prime(user: User) -> User:
    """Cache the :class:`permissions.Access` of a user loaded through :func:`with_roles`."""
    roles = [role for index, role in enumerate(permissions.ROLES) if getattr(user, f"_role_{index}", False)]
    permissions.remember(user, roles, getattr(user, "_salesperson_code", None) or "")
    return user


# The session's user with roles, on every page: compiled once per connection (four role subqueries).
_USER_WITH_ROLES: Prepared[Any] = Prepared(
    lambda pk: first_of(with_roles(get_user_model()._default_manager.filter(pk=pk))), int
)


class RoleBackend(ModelBackend):
    """``ModelBackend`` whose ``get_user`` also loads the roles (one query per request, as before)."""

    def get_user(self, user_id: Any) -> Any:
        if type(user_id) is int:
            user = _USER_WITH_ROLES.first(user_id)
        else:
            user = with_roles(get_user_model()._default_manager.filter(pk=user_id)).first()
        return prime(user) if user is not None and self.user_can_authenticate(user) else None
