"""Business Central's filter syntax for key fields (issue #15, finding L9): ``*`` any characters, ``?`` one
character, ``A..B`` a range (``A..`` from, ``..B`` up to, both ends included), ``A|B`` either. ``OP0000*``,
``OP000001..OP000003``, ``OP000001|OP000003``, ``CT*|..CT0100``.

One parser for every face that offers the syntax (the Delete Closed Opportunities page, its command and the API's
additive ``*_filter`` fields); the API's exact fields (``no``…) keep their exact meaning. Strict, because it selects
what a batch deletes: anything it does not understand is refused with a message naming the problem, never read in a
wider way. BC operators we do not implement (``< > = & ( ) @ '``) are refused, not taken literally. Values are
compared as keys are stored (upper-case, NFC, see :mod:`salescycle.core.keys`); a range compares keys in the
database's order of the key column, the order of every key list (code-point order for upper-case letters and digits
on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salescycle.core.errors import InvalidInput
from salescycle.core.keys import normalize_key

OR = "|"
RANGE = ".."
WILDCARDS = frozenset("*?")
# BC filter operators that this parser does not implement: refused so that nobody gets a literal match by surprise.
UNSUPPORTED = frozenset("<>=&()@'")
MAX_LENGTH = 250
MAX_ALTERNATIVES = 50


@dataclass(frozen=True)
class Exact:
    """One key, as stored."""

    value: str


@dataclass(frozen=True)
class Pattern:
    """A key pattern with ``*`` (any characters, also none) and ``?`` (exactly one character)."""

    value: str


@dataclass(frozen=True)
class Range:
    """Keys from ``low`` to ``high``, both included; None: open on that side (never both None)."""

    low: str | None
    high: str | None


Alternative = Exact | Pattern | Range


class FilterSyntaxError(InvalidInput):
    """A filter expression this parser refuses (422 ``invalid_input``, the message under ``fields[field]``)."""


def parse(expression: str, *, field: str) -> tuple[Alternative, ...]:
    """The alternatives of a BC filter ``expression`` for the input ``field`` (its name, for the error); ``()`` for a
    blank expression (no filter). Errors: :class:`FilterSyntaxError` (422 ``invalid_input``, ``fields={field: …}``)
    for an empty alternative (``A||B``, ``|A``), more than one ``..`` in an alternative, a range without any end or
    with a wildcard, an unsupported operator, or an expression longer than 250 characters or with more than 50
    alternatives. Implements issue #15 (L9)."""
    text = expression.strip()
    if not text:
        return ()
    if len(text) > MAX_LENGTH:
        _refuse(field, _("A filter may have at most %(max)d characters.") % {"max": MAX_LENGTH})
    unsupported = sorted(UNSUPPORTED.intersection(text))
    if unsupported:
        _refuse(
            field,
            _("%(characters)s cannot be used in a filter: use * (any characters), ? (one character), .. and |.")
            % {"characters": " ".join(unsupported)},
        )
    parts = text.split(OR)
    if len(parts) > MAX_ALTERNATIVES:
        _refuse(field, _("A filter may have at most %(max)d alternatives.") % {"max": MAX_ALTERNATIVES})
    return tuple(_alternative(part.strip(), field) for part in parts)


def _alternative(part: str, field: str) -> Alternative:
    if not part:
        _refuse(field, _("Each side of | needs a value, for example OP000001|OP000003."))
    if RANGE in part:
        if part.count(RANGE) > 1 or "..." in part:
            _refuse(field, _("A range has one .. between its two ends, for example OP000001..OP000003."))
        low, high = (end.strip() for end in part.split(RANGE))
        if not low and not high:
            _refuse(field, _("A range needs at least one end, for example OP000001.. or ..OP000003."))
        if WILDCARDS.intersection(low + high):
            _refuse(field, _("A range cannot contain * or ?."))
        return Range(normalize_key(low) or None, normalize_key(high) or None)
    if WILDCARDS.intersection(part):
        return Pattern(normalize_key(part))
    return Exact(normalize_key(part))


def _refuse(field: str, message: object) -> NoReturn:
    raise FilterSyntaxError("invalid_input", str(message), fields={field: [str(message)]})


def filter_q(lookup: str, expression: str, *, field: str) -> Q:
    """A ``Q`` selecting the rows whose ``lookup`` (a key column, e.g. ``"no"``, or a foreign key as
    ``"salesperson__pk"``, which Django reads without a join) matches the BC filter ``expression``; an empty ``Q``
    (everything) for a blank expression. Errors as :func:`parse`. Implements issue #15 (L9)."""
    query = Q()
    for alternative in parse(expression, field=field):
        query |= _q(lookup, alternative)
    return query


def _q(lookup: str, alternative: Alternative) -> Q:
    if isinstance(alternative, Exact):
        return Q(**{lookup: alternative.value})
    if isinstance(alternative, Range):
        bounds: dict[str, str] = {}
        if alternative.low is not None:
            bounds[f"{lookup}__gte"] = alternative.low
        if alternative.high is not None:
            bounds[f"{lookup}__lte"] = alternative.high
        return Q(**bounds)
    value = alternative.value
    head = value.rstrip("*")
    if head and not WILDCARDS.intersection(head):
        # The common case, ``OP0000*``: a prefix (LIKE 'OP0000%' with the key's own % and _ escaped).
        return Q(**{f"{lookup}__startswith": head})
    return Q(**{f"{lookup}__regex": pattern_regex(value)})


def pattern_regex(pattern: str) -> str:
    """The anchored regular expression of a ``*``/``?`` pattern, every other character literal; the same expression
    on SQLite (Python's ``re``) and PostgreSQL (``~``): only non-alphanumeric characters are escaped."""
    pieces = [".*" if c == "*" else "." if c == "?" else (c if c.isalnum() else "\\" + c) for c in pattern]
    return "^" + "".join(pieces) + "$"


def matches(key: str, expression: str, *, field: str = "filter") -> bool:
    """Whether ``key`` (as stored) matches ``expression``, in Python: the reference the database filter is tested
    against, and for callers that hold a key in hand. Errors as :func:`parse`."""
    alternatives = parse(expression, field=field)
    return any(_matches(key, alternative) for alternative in alternatives)


def _matches(key: str, alternative: Alternative) -> bool:
    if isinstance(alternative, Exact):
        return key == alternative.value
    if isinstance(alternative, Range):
        return (alternative.low is None or key >= alternative.low) and (
            alternative.high is None or key <= alternative.high
        )
    return _wildcard_match(key, alternative.value)


def _wildcard_match(key: str, pattern: str) -> bool:
    # Dynamic programming over (key position, pattern position): no regular expression, so that the reference
    # does not share the database path's translation.
    reachable = {0}
    for c in pattern:
        if c == "*":
            reachable = set(range(min(reachable), len(key) + 1))
        else:
            reachable = {i + 1 for i in reachable if i < len(key) and (c == "?" or key[i] == c)}
        if not reachable:
            return False
    return len(key) in reachable


__all__ = ["Alternative", "Exact", "FilterSyntaxError", "Pattern", "Range", "filter_q", "matches", "parse"]
