"""System checks of our own (``salescycle check --deploy``).

``make run`` gives its demo superuser a known password (``demo`` / ``demo-sales-2026``, or ``$DEMO_PASSWORD``):
fine on the database ``make run`` created for a try-out, a hole anywhere else. :func:`check_demo_password` warns
(``core.W001``) when a user that matters still signs in with it. Issue #12 item 14.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, check_password
from django.core.checks import CheckMessage, Tags, Warning, register
from django.db import DEFAULT_DB_ALIAS, DatabaseError
from django.db.models import Q

logger = logging.getLogger(__name__)

DEMO_USERNAME = "demo"
DEFAULT_DEMO_PASSWORD = "demo-sales-2026"  # noqa: S105 - the documented, public demo password (README, run.sh)

# Each check_password() runs the password hasher (PBKDF2: about 0.2-0.5 s each), so the check looks at a bounded
# number of users: the demo user first, then the superusers in the order they were created.
MAX_USERS_CHECKED = 5


def demo_passwords() -> list[str]:
    """The known demo passwords: the documented default and, when set, ``$DEMO_PASSWORD`` (what ``make run``
    gives the demo user). One or two strings, never empty ones."""
    passwords = [DEFAULT_DEMO_PASSWORD]
    configured = os.environ.get("DEMO_PASSWORD", "")
    if configured and configured not in passwords:
        passwords.append(configured)
    return passwords


def users_with_demo_password(using: str = DEFAULT_DB_ALIAS, limit: int = MAX_USERS_CHECKED) -> list[str]:
    """The usernames, among the active user named ``demo`` and the active superusers (at most ``limit`` users, the
    demo user first), whose password is one of :func:`demo_passwords`. At most ``limit`` × 2 hasher runs; writes
    nothing (the hash is not upgraded). Raises ``DatabaseError`` when the user table cannot be read."""
    user_model = get_user_model()
    username_field = user_model.USERNAME_FIELD
    candidates = (
        user_model._default_manager.using(using)
        .filter(Q(**{username_field: DEMO_USERNAME}) | Q(is_superuser=True), is_active=True)
        .exclude(password="")
        .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .values_list(username_field, "password")
    )
    # The demo user first: it is the one make run creates, so it must never fall outside the bound.
    rows = sorted(candidates, key=lambda row: row[0] != DEMO_USERNAME)[:limit]
    passwords = demo_passwords()
    return [username for username, encoded in rows if any(check_password(raw, encoded) for raw in passwords)]


@register(Tags.security, deploy=True)
def check_demo_password(
    app_configs: Sequence[Any] | None, databases: Iterable[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """``core.W001`` for each database (those passed with ``--database``, else ``default``) where the demo user or a
    superuser still has the demo password. A database that cannot be read yet (not migrated) gives no message: there
    is no user in it to warn about. Unlike Django's database checks it reads ``default`` without ``--database``: it
    is a deploy check (``check --deploy`` only, never at runserver or migrate), and the warning must not depend on
    an option nobody passes."""
    messages: list[CheckMessage] = []
    for alias in databases or [DEFAULT_DB_ALIAS]:
        try:
            found = users_with_demo_password(alias)
        except DatabaseError:
            logger.info("check core.W001 skipped: the users of database %r cannot be read", alias, exc_info=True)
            continue
        if found:
            messages.append(
                Warning(
                    f"User(s) {', '.join(sorted(found))} still sign in with the demo password of `make run` "
                    f"(database {alias!r}).",
                    hint="Set a private password (`salescycle changepassword USERNAME`) or deactivate the user. "
                    "Only a database that `make run` created itself gets the demo password again at each start.",
                    id="core.W001",
                )
            )
    return messages
