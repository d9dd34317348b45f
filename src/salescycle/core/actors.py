"""Who performs a service call or a read (issue #12, "fail closed").

Every service and selector takes the actor as a **required** argument: a signed-in Django user (whose roles decide
what they may see and do, ``contacts/permissions.py``) or :data:`SYSTEM`, the explicit sentinel for work started at
the shell — management commands, importers, the demo loader, batch jobs — which may do everything. There is no
default: a forgotten actor is a ``TypeError`` (and a mypy error), never "allowed everything". ``None`` is not an
actor; :func:`salescycle.contacts.permissions.access` treats it, and an anonymous user, as someone without a role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeAlias, final

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@final
class System:
    """The system actor: commands, importers and batch jobs run from the shell. Use the one instance
    :data:`SYSTEM`; it is never what a web or API request acts as."""

    _instance: System | None = None

    def __new__(cls) -> System:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SYSTEM"

    def __bool__(self) -> bool:
        return True


SYSTEM: Final = System()

# A user as a request brings it (``request.user``): signed in, or anonymous; never the system. For the functions
# that only a web page or an API operation calls. ``User`` is the user model (``AUTH_USER_MODEL``).
RequestUser: TypeAlias = "User | AnonymousUser"

# A user of the web app or the API (``request.user``), or the system.
Actor: TypeAlias = "User | AnonymousUser | System"


def is_system(actor: object) -> bool:
    """True only for :data:`SYSTEM` (not for ``None``, not for a superuser)."""
    return actor is SYSTEM


def user_of(actor: Actor) -> User | None:
    """The Django user to record as the author of a row (``created_by``, the change log): the actor when it is a
    saved user, None for :data:`SYSTEM` and for an anonymous user."""
    if isinstance(actor, System) or not actor.is_authenticated or not actor.pk:
        return None
    return actor
