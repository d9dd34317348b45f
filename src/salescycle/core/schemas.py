"""Shared API field types and schemas (spec api.md "Conventions"): decimals as exact strings, ISO dates in a sane
range, keys of at most 20 characters, blank values as null, the one error shape and the list envelope.

Input is strict (api.md "Strict input"): every request body schema derives from :class:`InputSchema` (unknown fields
refused, no coercion), numbers are ASCII digits (:data:`AmountIn`, :data:`PercentIn`), dates are ISO dates only
(:data:`DateIn`) and a PATCH field declared with :data:`NotNull` refuses ``null``."""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Generic, TypeVar

from django.http import HttpResponse
from ninja import Schema
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
    TypeAdapter,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError, core_schema

from salescycle.core.errors import InvalidInput
from salescycle.core.keys import canonical_key, key_problem, normalize_key
from salescycle.core.records import not_found

T = TypeVar("T")

MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2999, 12, 31)


def decimal_text(value: Decimal) -> str:
    """The exact decimal as JSON text without exponent or trailing zeros (``Decimal("4150.00000")`` → ``"4150"``):
    ``format(money.normalize(value), "f")``, by string operations (a list page writes hundreds of these)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _date_in_range(value: dt.date) -> dt.date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError("Date must be between 1900-01-01 and 2999-12-31.")
    return value


def _text_without_control_characters(value: str) -> str:
    # Texts (descriptions, names…): no C0 control but tab and line breaks, no DEL and no C1 controls (U+0080–U+009F,
    # which the review found passing the C0-only check; finding 8). Keys have their own check.
    if any((ord(ch) < 32 and ch not in "\t\n\r") or 0x7F <= ord(ch) <= 0x9F for ch in value):
        raise PydanticCustomError("string_control_characters", "Text must not contain control characters.")
    return value


def datetime_text(value: dt.datetime) -> str:
    """A timestamp as every other API response writes it: what Django's JSON encoder (``DjangoJSONEncoder``) writes,
    ISO 8601 with milliseconds and ``Z`` for UTC."""
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


# A decimal in a JSON string: ASCII digits with an optional sign, fraction and exponent, as a JSON number is
# written (no blanks, no "_", no "+", no other script's digits, no NaN or Infinity).
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?", re.ASCII)
# An ISO calendar date and nothing else: no time, no offset, no week or ordinal date, no other script's digits.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def decimal_input(value: Any) -> Any:
    """An input decimal (spec api.md "Decimals": a JSON string or a number) as a ``Decimal``, before its range and
    digit checks. Accepts a ``Decimal`` (JSON numbers are parsed to ``Decimal`` by the API's body parser, exactly),
    an ``int`` and a string of ASCII digits as a JSON number is written (``"-12.5"``, ``"1e3"``). Refuses booleans,
    ``float`` values that are not finite, strings with blanks, ``_``, ``+``, non-ASCII digits (``"١٢٣"``), ``NaN``
    and ``Infinity``, and every other type: pydantic error ``decimal_parsing`` (422 ``invalid_input``).
    Implements api.md "Strict input" (numbers are ASCII digits)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise PydanticCustomError("finite_number", "Input should be a finite number.")
        return value
    if isinstance(value, bool):
        raise PydanticCustomError("decimal_type", "Input should be a number or a string of ASCII digits.")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise PydanticCustomError("finite_number", "Input should be a finite number.")
        return Decimal(repr(value))
    if isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value):
            raise PydanticCustomError(
                "decimal_parsing", 'Input should be a number of ASCII digits, e.g. "1234.5" or 1234.5.'
            )
        return Decimal(value)
    raise PydanticCustomError("decimal_type", "Input should be a number or a string of ASCII digits.")


def date_input(value: Any) -> Any:
    """An input date as a ``datetime.date``, before its range check: only a string ``YYYY-MM-DD`` of ASCII digits
    (or a ``date`` from Python callers). Refuses numbers (a Unix timestamp such as ``1767225600``), timestamps
    (``"2026-01-05T00:00:00Z"``), week and ordinal dates and non-ASCII digits: pydantic error ``date_parsing``
    (422 ``invalid_input``). Implements api.md "Strict input" (dates are ISO dates only)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("date_parsing", "Input should be a valid calendar date.") from None
    raise PydanticCustomError("date_parsing", "Input should be an ISO date, YYYY-MM-DD.")


# Significant digits every database keeps exactly: SQLite stores a DecimalField as REAL (an IEEE double), which holds
# 15 significant decimal digits (DBL_DIG), and Django reads it back rounded to 15; PostgreSQL's numeric(20, 5) keeps
# all 20. An amount with more digits would be 200 on PostgreSQL and silently rounded (or, at 10^15 after rounding,
# 422 "out of range") on SQLite; refused on both, the limit is one.
SIGNIFICANT_DIGITS = 15


def _storable_everywhere(value: Decimal) -> Decimal:
    if len(value.normalize().as_tuple().digits) > SIGNIFICANT_DIGITS:
        raise PydanticCustomError(
            "decimal_max_digits",
            "Decimal input should have no more than {max_digits} significant digits.",
            {"max_digits": SIGNIFICANT_DIGITS},
        )
    return value


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("not_null", 'Input may not be null; leave the field out to keep it, or send "".')
    return value


NotNull = BeforeValidator(_refuse_null)
# A PATCH field that may be left out (then the stored value stays) but not sent as ``null``: texts, flags and
# enumerations whose column has no null (a blank text is ""). Spec api.md "Strict input": null for a required text
# → 422. ``description: Omittable[Text100] = None``; the OpenAPI document shows the type without null.
Omittable = Annotated[T | SkipJsonSchema[None], NotNull]


class OneOf:
    """Pydantic annotation of a text field that takes the values of an enumeration: ``Annotated[str,
    OneOf(CloseType)]`` is ``Literal["won", "lost"]`` with the values read from the enumeration (its members but a
    blank one; ``OneOf(SalesDocumentType.QUOTE, SalesDocumentType.BLANK)``: the members named). Validation, error
    messages and locations, and the OpenAPI document (``"enum": [...]`` inline) are a ``Literal``'s; the value is the
    plain text. The API's enumerations so cannot drift from the models' choices (``tests/api/test_enums.py``)."""

    def __init__(self, *choices: type[Enum] | Enum) -> None:
        values: list[Any] = []
        for choice in choices:
            if isinstance(choice, Enum):
                values.append(choice.value)
            else:
                values.extend(member.value for member in choice if member.value != "")
        self.values = tuple(values)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        """A ``Literal`` of the values."""
        return core_schema.literal_schema(list(self.values))


class InputSchema(BaseModel):
    """Base of every request body schema (spec api.md "Strict input"): a field the schema does not declare is refused
    (``extra="forbid"``: 422 ``invalid_input`` naming it in ``fields``), and values are not coerced (``strict``: a
    boolean is ``true``/``false``, an integer a JSON integer, a text a JSON string). Decimals and dates keep the
    contract's forms through their own validators (:func:`decimal_input`, :func:`date_input`). The OpenAPI document
    shows ``additionalProperties: false`` for every such schema. ``dict()`` is ``model_dump()`` (as ninja's
    ``Schema.dict``), so handlers read ``data.dict(exclude_unset=True)`` as before."""

    model_config = ConfigDict(extra="forbid", strict=True)

    def dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The validated fields as a dict (``model_dump`` with the same arguments)."""
        return self.model_dump(*args, **kwargs)


# Output: an exact decimal as a string.
DecimalOut = Annotated[Decimal, PlainSerializer(decimal_text, return_type=str)]
# Output: a timestamp, in JSON exactly as ninja's encoder writes one (for responses rendered by json_response).
DateTimeOut = Annotated[dt.datetime, PlainSerializer(datetime_text, return_type=str, when_used="json")]
# Input: a string or a number of ASCII digits, finite, at most 15 integer digits and 5 decimals (D19), and at most 15
# significant digits in all (what both databases store exactly: ``SIGNIFICANT_DIGITS``), so 999999999999999 and
# 1234567890.12345 are amounts, 999999999999999.99999 is not.
AmountIn = Annotated[
    Decimal,
    BeforeValidator(decimal_input),
    Field(max_digits=20, decimal_places=5),
    AfterValidator(_storable_everywhere),
]
PercentIn = Annotated[Decimal, BeforeValidator(decimal_input), Field(max_digits=8, decimal_places=5)]
# Input: an ISO date "YYYY-MM-DD" between 1900-01-01 and 2999-12-31.
DateIn = Annotated[dt.date, BeforeValidator(date_input), AfterValidator(_date_in_range)]
# A date query parameter (a list filter's bound): an ISO date "YYYY-MM-DD" only, any year.
DateQuery = Annotated[dt.date, BeforeValidator(date_input)]


def _key(value: str) -> str:
    if value == "":
        return value
    key = canonical_key(value)
    problem = key_problem(key)
    if problem is not None:
        raise PydanticCustomError(KEY_ERROR, str(problem))
    return key


# The pydantic error type of a key that breaks the rule (the API answers 404 for one in a path: a lookup).
KEY_ERROR = "invalid_key"
# A business key (api.md "Strict input", salescycle.core.keys): upper-cased and NFC on input; "" means blank.
Key = Annotated[str, Field(max_length=20), AfterValidator(_key)]
# The key of a sales cycle, close code or activity: the same rule, at most 10 characters (the model's length).
Key10 = Annotated[str, Field(max_length=10), AfterValidator(_key)]


def _key_filter(value: str | None) -> str | None:
    return normalize_key(value) or None


# A list filter's key (``?salesperson_code=ah``): looked up as stored (``normalize_key``: stripped, upper-case, NFC);
# blank is None, which filters nothing. Any text is accepted (a key no record has simply matches nothing).
KeyFilter = Annotated[str | None, AfterValidator(_key_filter)]


def _filter_expression(value: str) -> str:
    _text_without_control_characters(value)
    if not value.strip():
        raise PydanticCustomError("string_blank", "A filter must not be blank: leave the field out for no filter.")
    return value


# A Business Central filter expression (``core.bcfilter``, issue #15 L9), at most 250 characters and never blank:
# leaving the field out means no filter, so an empty value cannot widen a delete by accident. The service's parser
# checks the syntax (422 ``invalid_input`` naming the field).
FilterExpression = Annotated[str, Field(max_length=250), AfterValidator(_filter_expression)]


# Text fields of at most N characters, without control characters (C0 but tab and line breaks, DEL, C1).
Text10 = Annotated[str, Field(max_length=10), AfterValidator(_text_without_control_characters)]
Text20 = Annotated[str, Field(max_length=20), AfterValidator(_text_without_control_characters)]
Text30 = Annotated[str, Field(max_length=30), AfterValidator(_text_without_control_characters)]
Text32 = Annotated[str, Field(max_length=32), AfterValidator(_text_without_control_characters)]
Text50 = Annotated[str, Field(max_length=50), AfterValidator(_text_without_control_characters)]
Text80 = Annotated[str, Field(max_length=80), AfterValidator(_text_without_control_characters)]
Text100 = Annotated[str, Field(max_length=100), AfterValidator(_text_without_control_characters)]


class ErrorOut(Schema):
    """The one error shape (spec api.md "Errors")."""

    code: str
    message: str
    fields: dict[str, list[str]] = Field(default_factory=dict)


class Page(BaseModel, Generic[T]):
    """A page of a list: the items, the size of the whole filtered list and the cursor of the next page (or null)."""

    items: list[T]
    count: int
    next: str | None


class Totals(BaseModel):
    """Exact sums over a whole filtered list, not the page (api.md ``?totals=true``), LCY."""

    estimated_value: DecimalOut
    calculated_current_value: DecimalOut


class PageWithTotals(Page[T], Generic[T]):
    """A :class:`Page` with the :class:`Totals` of the whole filtered list, present only when asked for with
    ``?totals=true`` (absent otherwise: the plain :class:`Page` is answered)."""

    totals: Totals | None = None


class DeletedOut(Schema):
    """Nothing: DELETE answers 204."""


@functools.cache
def _adapter(schema: Any) -> TypeAdapter[Any]:
    return TypeAdapter(schema)


def json_response(schema: Any, data: Any, *, status: int = 200) -> HttpResponse:
    """``data`` validated against ``schema`` (the operation's declared response, e.g. ``Page[OpportunityOut]``) and
    written as JSON by pydantic-core, as ninja would answer but without its Python-level dump and ``json.dumps``:
    for hot lists (the opportunity list: about 0.5 ms of a 5 ms request at 50 rows). The schema's fields must
    render as ninja's do (``DecimalOut``, ``DateTimeOut``; dates are ISO in both). Errors: a ``ValidationError``
    for data that does not fit the schema, as ninja's own check (a bug, answered 500)."""
    adapter = _adapter(schema)
    return HttpResponse(
        adapter.dump_json(adapter.validate_python(data)), status=status, content_type="application/json; charset=utf-8"
    )


def blank_to_none(value: str | None) -> str | None:
    """Blank codes and numbers are JSON null (spec api.md "Blank values")."""
    return value if value not in ("", None) else None


# Every error status the app itself may answer, in the one error shape (api.md "Errors", "Strict input"): 413 for a
# body over the size limit, 415 ``unsupported_media_type`` for a body declared as another media type than JSON,
# 500 ``internal_error`` (logged), 503 ``service_unavailable`` while the database is down.
ERRORS = frozenset({400, 401, 403, 404, 405, 409, 413, 415, 422, 500, 503})


def with_errors(responses: dict[int, Any]) -> dict[Any, Any]:
    """An operation's responses plus the error shape for every client error status it may answer."""
    return {**responses, ERRORS: ErrorOut}


def expected_version(request: Any) -> int | None:
    """The version in the ``If-Match`` header (``"3"``, ``W/"3"`` or ``3``), None without one or for ``*``.
    Anything else is 422 ``invalid_input``."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header or header == "*":
        return None
    text = header.removeprefix("W/").strip().strip('"')
    if not text.isdigit() or len(text) > 18:
        raise InvalidInput(
            "invalid_input", 'If-Match must be a version in quotes, e.g. "3".', fields={"If-Match": ["Invalid."]}
        )
    return int(text)


def set_etag(response: Any, version: int) -> None:
    """Send the resource's version as its ETag (spec api.md "Concurrency")."""
    response["ETag"] = f'"{version}"'


def fetch(queryset: Any, **lookup: Any) -> Any:
    """The one row of ``queryset`` matching ``lookup``, or 404 ``not_found``."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise not_found(queryset.model, " ".join(str(v) for v in lookup.values()))
    return obj
