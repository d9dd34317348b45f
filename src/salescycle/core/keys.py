"""Business keys (``no``, ``code``) that can always travel in a URL (spec api.md "Strict input", issue #12 item 5).

The one definition of a valid key, used by the API's ``Key`` type, every service that creates a keyed record (web,
API, importers and the demo generator alike), the number series that generate keys, and the report of stored keys
that break the rule (the ``sales`` data migration and ``salescycle check-integrity``).

A key is at most 20 **printable** characters, upper-case (input is upper-cased and put in Unicode NFC form), and has

- none of ``/ \\ ? # %`` (a path separator, a separator browsers turn into ``/``, the query and fragment starts, and
  the escape character: each changes what a URL means);
- no control or other invisible code point: C0, DEL, C1, format characters, unassigned, private use, surrogates,
  line and paragraph separators, and spaces other than the ASCII space (:meth:`str.isprintable` is false for all);
- no space at its start or end (invisible in a link, and stripped by forms and by copy and paste);
- not only dots (``.`` and ``..`` are removed from a URL path by browsers and HTTP clients; ``...`` is refused with
  them to keep the rule simple).

Everything else is allowed, also spaces inside, quotes, ``<>&'"+;=@!*`` and letters such as ``ÄÖÜ``: templates escape
keys in HTML and ``reverse()`` percent-encodes them in links.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from salescycle.core.errors import InvalidInput

logger = logging.getLogger(__name__)

KEY_MAX_LENGTH = 20
URL_CHARACTERS = frozenset("/\\?#%")

# The keyed tables and their key field, as ``(app label, model name, field)`` (string labels: core imports no app).
# Number series codes are internal names (``opportunity``), not business keys, and are not listed.
KEYED_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("contacts", "Team", "code"),
    ("contacts", "Salesperson", "code"),
    ("contacts", "Contact", "no"),
    ("contacts", "Customer", "no"),
    ("contacts", "Campaign", "no"),
    ("contacts", "Segment", "no"),
    ("tasks", "Activity", "code"),
    ("tasks", "Task", "no"),
    ("opportunities", "SalesCycle", "code"),
    ("opportunities", "CloseOpportunityCode", "code"),
    ("opportunities", "Opportunity", "no"),
    ("sales", "Item", "code"),
    ("sales", "CustomerTemplate", "code"),
    ("sales", "SalesHeader", "no"),
    ("sales", "PostedInvoice", "no"),
)


def canonical_key(value: str) -> str:
    """``value`` upper-cased in Unicode NFC form (before and after upper-casing, which may decompose): the form
    every key is stored and looked up in."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", value).upper())


def normalize_key(value: str | None) -> str:
    """A key as stored, for looking a record up: stripped, NFC and upper-case; ``""`` for None (spec api.md
    "Identifiers"). Never raises: a lookup by a key that breaks the rule simply finds nothing (404)."""
    return canonical_key((value or "").strip())


def key_problem(value: str) -> Any | None:
    """Why ``value`` (as given, before upper-casing) is not a valid key: a translatable message, or None when it is
    one. Checks everything of the module docstring except case."""
    if not value:
        return _("A key is required.")
    if len(value) > KEY_MAX_LENGTH:
        return _("A key has at most %(max)d characters.") % {"max": KEY_MAX_LENGTH}
    if any(ch in URL_CHARACTERS for ch in value):
        return _("A key must not contain /, \\, ?, # or %.")
    if not value.isprintable():
        return _("A key must not contain control or invisible characters.")
    if value != value.strip(" "):
        return _("A key must not start or end with a space.")
    if not value.strip("."):
        return _("A key must not consist of dots only.")
    return None


def is_valid_key(value: object) -> bool:
    """True when ``value`` is a key as stored: a string that satisfies the rule and is upper-case NFC (what
    :func:`validate_key` returns). Used to report stored keys that break the rule."""
    return isinstance(value, str) and key_problem(value) is None and value == canonical_key(value)


def validate_key(value: object, field: str) -> str:
    """A new key as it will be stored: ``value`` in NFC form and upper-cased, checked against the rule of the
    module docstring after both (upper-casing may lengthen it: ``ß`` → ``SS``). Raises 422 ``invalid_input`` with
    the reason on ``field`` for a key that breaks the rule, also for a blank one (callers that number a blank key
    from a series test for blank first). Implements api.md "Strict input"."""
    if not isinstance(value, str):
        raise InvalidInput("invalid_input", _("A key must be text."), fields={field: [str(_("A key must be text."))]})
    key = canonical_key(value)
    problem = key_problem(key)
    if problem is not None:
        raise InvalidInput(
            "invalid_input",
            _("%(field)s: %(reason)s"),
            fields={field: [str(problem)]},
            params={"field": field, "reason": str(problem)},
        )
    return key


def optional_key(value: str | None, field: str) -> str:
    """``""`` for a blank ``value`` (None or ``""``: take the next number of a series), else :func:`validate_key`."""
    return "" if value in (None, "") else validate_key(value, field)


def bad_keys(values: Iterable[object]) -> list[str]:
    """The values that :func:`is_valid_key` refuses, in the given order, as their ``repr`` (a report must show
    invisible characters)."""
    return [repr(value) for value in values if not is_valid_key(value)]


def stored_bad_keys(apps: Any, *, limit: int = 50) -> dict[str, list[str]]:
    """Every keyed table (:data:`KEYED_FIELDS`) whose stored keys break the rule: ``{"app.Model.field": [repr of
    up to ``limit`` keys, then "… and N more"]}``; tables without problems are left out. ``apps`` is Django's app
    registry (``django.apps.apps``) or a migration's historical one. Reads every key once (streamed); changes
    nothing."""
    report: dict[str, list[str]] = {}
    for app_label, model_name, field in KEYED_FIELDS:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:  # an app not installed (or not yet migrated in a historical registry)
            continue
        values = model._default_manager.order_by(field).values_list(field, flat=True).iterator(chunk_size=5000)
        found = bad_keys(values)
        if found:
            shown = found[:limit]
            if len(found) > limit:
                shown.append(f"… and {len(found) - limit} more")
            report[f"{app_label}.{model_name}.{field}"] = shown
    return report


def log_stored_bad_keys(report: dict[str, list[str]]) -> None:
    """Log each table of a :func:`stored_bad_keys` report as one warning line (for the data migration)."""
    for table, keys in report.items():
        logger.warning(
            "Keys that break the key rule in %s (fix by hand, e.g. in the admin): %s", table, ", ".join(keys)
        )


class KeyConverter:
    """The ``<key:…>`` path converter of the web routes: any stored key, also one from before the key rule that
    holds ``/`` or ``%`` (issue #12 item 5: every page survives any stored key). ``to_url`` writes ``%`` as ``%25``
    and ``/`` as ``%2F`` (``reverse`` then percent-encodes those ``%`` once more, so the path segment survives the
    server's decoding); ``to_python`` undoes it. A key without ``/`` and ``%`` — every key the rule allows — is
    written exactly as the ``str`` converter wrote it."""

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return re.sub("%(2F|2f|25)", lambda match: "/" if match.group(1).upper() == "2F" else "%", value)

    def to_url(self, value: object) -> str:
        return str(value).replace("%", "%25").replace("/", "%2F")
