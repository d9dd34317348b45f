"""The demo superuser of ``make run`` and the marker that limits it to a database ``make run`` created.

``make run`` (``scripts/run.sh``) prints a known sign-in (``demo`` / ``demo-sales-2026``, or ``$DEMO_PASSWORD``) and
used to reset that password at every start, whatever the database. Now (issue #12 item 14):

1. Before ``migrate``, :func:`claim_if_empty` looks at the database: when it has no table at all, ``make run`` is
   about to create its schema, so it writes the marker file ``<SALESCYCLE_DATA_DIR>/demo-database`` holding the
   database's identity (:func:`database_identity`: engine, host, port and name; no credentials).
2. After the data is loaded, :func:`ensure_demo_user` creates the demo user or resets its password, but only when the
   marker names the database in use (:func:`is_claimed`). A database make run found with tables (production, a copy,
   one migrated by hand, or one made by make run before the marker existed) keeps its users as they are.

Deleting the SQLite file (or dropping the database) and starting ``make run`` again claims the new, empty one.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from axes.utils import reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from salescycle.core.checks import DEMO_USERNAME

logger = logging.getLogger(__name__)

MARKER_NAME = "demo-database"


def marker_path() -> Path:
    """``<SALESCYCLE_DATA_DIR>/demo-database``: beside the SQLite file and the secret key of ``make run``."""
    return Path(settings.DATA_DIR) / MARKER_NAME


def database_identity(using: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """What tells one database from another: engine, host, port and name of the connection ``using`` (the SQLite
    file's absolute path as its name). No user or password, so the marker holds no secret."""
    config = connections[using].settings_dict
    name = str(config.get("NAME") or "")
    if config["ENGINE"] == "django.db.backends.sqlite3" and name and not name.startswith(":"):
        name = str(Path(name).resolve())
    return {
        "engine": str(config["ENGINE"]),
        "host": str(config.get("HOST") or ""),
        "port": str(config.get("PORT") or ""),
        "name": name,
    }


def claim_if_empty(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Write the marker for the database ``using`` when it has no table yet (``make run`` is about to migrate it);
    return whether it did. A database with any table is left unclaimed and an existing marker is kept."""
    if connections[using].introspection.table_names():
        return False
    path = marker_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(database_identity(using), sort_keys=True) + "\n")
    logger.info("empty database claimed for the demo user: %s", path)
    return True


def is_claimed(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the marker exists and names the database ``using`` (so ``make run`` created it)."""
    try:
        recorded = json.loads(marker_path().read_text())
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        logger.warning("unreadable demo database marker %s: treated as absent", marker_path(), exc_info=True)
        return False
    return bool(recorded == database_identity(using))


def ensure_demo_user(password: str, using: str = DEFAULT_DB_ALIAS) -> bool:
    """On a database :func:`is_claimed`: create the user ``demo`` or bring it back to a known state (active
    superuser with ``password``) and lift a django-axes sign-in lockout of it; return True. On any other database
    change nothing and return False."""
    if not is_claimed(using):
        return False
    user_model = get_user_model()
    with transaction.atomic(using=using):
        lookup: dict[str, Any] = {user_model.USERNAME_FIELD: DEMO_USERNAME}
        user, _ = user_model._default_manager.db_manager(using).get_or_create(**lookup)
        user.is_active = user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save(using=using)
    reset(username=DEMO_USERNAME)
    return True
