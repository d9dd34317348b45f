"""Type-ahead lookups of reference fields (issue #15): the shape of a suggestion and the conditions every lookup
uses — a key prefix answered by the primary key's index, a name through the trigram index of
:mod:`salescycle.core.search`. The lookups themselves (which rows a user may reference) live with their models
(``contacts/lookups.py``, ``sales/lookups.py``); the endpoints in ``salescycle/lookups.py``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet

from salescycle.core.keys import normalize_key
from salescycle.core.search import MIN_TRIGRAM, contains_q, icontains_any

# Suggestions per lookup.
LOOKUP_LIMIT = 10
# Above every code point a key may hold: ``key < prefix + KEY_END`` closes the range of keys starting with prefix.
KEY_END = "\U0010ffff"


@dataclass(frozen=True)
class LookupRow:
    """One suggestion: the record's key (what the form posts) and its name or description (what the user reads)."""

    key: str
    name: str


def key_prefix_q(field: str, text: str) -> Q:
    """The rows whose key ``field`` starts with ``text`` (normalized as keys are stored: stripped, upper-case, NFC),
    as a range on the key's index (``key >= p AND key < p + U+10FFFF``), never a scan. Blank: no row."""
    prefix = normalize_key(text)
    if not prefix:
        return Q(pk__in=[])
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + KEY_END})


def lookup(
    queryset: QuerySet[Any],
    text: str,
    *,
    key: str,
    name: str,
    search_fields: Sequence[str] | None = None,
    model: type[Model] | None = None,
    limit: int = LOOKUP_LIMIT,
) -> list[LookupRow]:
    """At most ``limit`` rows of ``queryset`` whose ``key`` starts with ``text`` (first, in key order), then those
    whose ``search_fields`` (default: ``name``) contain it (by name), without repeats. With ``model`` given, the
    name match goes through its trigram index (:func:`~salescycle.core.search.contains_q`) and is skipped for texts
    shorter than a trigram (a code prefix only: a scan of a large table would answer too slowly); without, it is a
    plain ``icontains`` (small tables). Two queries at most. Implements issue #15 ("by code or name")."""
    words = text.strip()
    if not words:
        return list(_rows(queryset.order_by(key)[:limit], key, name))
    by_key = list(_rows(queryset.filter(key_prefix_q(key, words)).order_by(key)[:limit], key, name))
    if len(by_key) >= limit:
        return by_key
    fields = list(search_fields or [name])
    if model is not None and len(words) < MIN_TRIGRAM:
        return by_key
    condition = contains_q(model, fields, words) if model is not None else icontains_any(fields, words)
    seen = {row.key for row in by_key}
    by_name = queryset.filter(condition).exclude(**{f"{key}__in": list(seen)}).order_by(name, key)
    return by_key + list(_rows(by_name[: limit - len(by_key)], key, name))


def _rows(queryset: QuerySet[Any], key: str, name: str) -> Any:
    for row_key, row_name in queryset.values_list(key, name):
        yield LookupRow(str(row_key), str(row_name or ""))
