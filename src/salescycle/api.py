"""The one NinjaAPI (spec api.md): mounts each app's router, authenticates, and maps every error to the one JSON
error shape ``{code, message, fields}``. Handlers never catch errors; this module does."""

from __future__ import annotations

import decimal
import functools
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from salescycle.apitokens import idempotency
from salescycle.apitokens.tokens import stick_to_primary, token_primary_until, user_for_token
from salescycle.contacts import permissions
from salescycle.contacts.api import router as contacts_router
from salescycle.contacts.me import router as me_router
from salescycle.core import replicas
from salescycle.core.dberrors import is_database_unavailable, is_unique_violation
from salescycle.core.error_views import (
    error_body,
    internal_error_response,
    request_too_large_response,
    service_unavailable_response,
)
from salescycle.core.errors import DomainError, InvalidInput
from salescycle.core.schemas import KEY_ERROR
from salescycle.jobs.api import router as jobs_router
from salescycle.opportunities.api import router as opportunities_router
from salescycle.sales.api import router as sales_router
from salescycle.tasks.api import router as tasks_router

logger = logging.getLogger(__name__)

logger = logging.getLogger(__name__)

ERROR_CODES_BY_STATUS = {
    400: "invalid_json",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_too_large",
    422: "invalid_input",
    500: "internal_error",
    503: "service_unavailable",
}


def _reject_unsafe_text(value: Any, where: str) -> None:
    """NUL and lone surrogates cannot be stored (PostgreSQL, UTF-8): refuse them as input errors, not 500s."""
    if isinstance(value, str):
        if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
            raise InvalidInput(
                "invalid_input", _("Text contains characters that cannot be stored."), fields={where: ["Invalid."]}
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_unsafe_text(key, where)
            _reject_unsafe_text(item, str(key))
    elif isinstance(value, list):
        for item in value:
            _reject_unsafe_text(item, where)


class _InvalidJson(Exception):
    pass


class UnsupportedMediaType(DomainError):
    """A request body declared as something other than JSON (``Content-Type: text/plain``, form-encoded, multipart,
    or a charset other than UTF-8): 415 ``unsupported_media_type``. An addition to api.md's error list (issue #12
    item 10); a body without a Content-Type is read as JSON."""

    status = 415


# Media types read as JSON: application/json and the structured-syntax suffix +json (RFC 6839).
_JSON_MEDIA_TYPE = re.compile(r"application/(?:[a-z0-9.+-]+\+)?json", re.ASCII)


def _check_media_type(request: HttpRequest) -> None:
    content_type = (request.content_type or "").strip().lower()
    charset = (request.content_params or {}).get("charset", "utf-8").strip().strip('"').lower()
    if (content_type and not _JSON_MEDIA_TYPE.fullmatch(content_type)) or charset not in ("utf-8", "utf8"):
        logger.info("Refused a request body of media type %r, charset %r", content_type[:100], charset[:40])
        raise UnsupportedMediaType(
            "unsupported_media_type",
            _("The request body must be JSON in UTF-8 (Content-Type: application/json)."),
            fields={"Content-Type": [_("Unsupported media type.")]},
        )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key in a JSON object")
    return result


def parse_json_object(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object (spec api.md "Strict input"), read strictly: UTF-8 without a byte order
    mark (UTF-16/32 bodies are not UTF-8), RFC 8259 JSON (no ``NaN``/``Infinity``), no key twice in one object, and
    a JSON object at the top (not an array, number, string or ``null``). JSON numbers with a fraction or exponent
    become ``Decimal`` (exact, as api.md's decimals). Raises ``_InvalidJson`` (400 ``invalid_json``) otherwise."""
    try:
        text = body.decode("utf-8")
        if text.startswith("\ufeff"):
            raise ValueError("byte order mark")
        data = json.loads(
            text,
            parse_float=decimal.Decimal,
            parse_constant=_refuse_constant,
            object_pairs_hook=_object_without_duplicate_keys,
        )
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        logger.info("Refused a request body that is not strict JSON: %s: %.200s", type(exc).__name__, exc)
        raise _InvalidJson from None
    if not isinstance(data, dict):
        logger.info("Refused a request body that is a JSON %s, not an object", type(data).__name__)
        raise _InvalidJson
    return data


class JsonParser(Parser):
    """The API's body parser (spec api.md "Strict input"): a body declared as another media type is 415
    ``unsupported_media_type``; a body that is not a JSON object (:func:`parse_json_object`) is 400
    ``invalid_json``; text that cannot be stored (NUL, lone surrogates) is 422 ``invalid_input``."""

    def parse_body(self, request: HttpRequest) -> Any:
        """The body of ``request`` as a dict (see the class)."""
        _check_media_type(request)
        data = parse_json_object(request.body)
        _reject_unsafe_text(data, "body")
        return data


def _declared_query(operation: Any) -> tuple[frozenset[str], frozenset[str], bool]:
    """The query parameter names an operation declares, those of them that are lists (may repeat), and whether it
    declares a request body."""
    names: set[str] = set()
    lists: set[str] = set()
    has_body = False
    for model in operation.models:
        source = getattr(model, "__ninja_param_source__", None)
        if source == "query":
            names.update(getattr(model, "__ninja_flatten_map__", {}))
            lists.update(getattr(model, "__ninja_collection_fields__", []))
        elif source == "body":
            has_body = True
    return frozenset(names), frozenset(lists), has_body


def strict_request(view_func: Callable[..., Any]) -> Callable[..., Any]:
    """An operation decorator, applied to every operation of the API (``api.add_decorator``): after authentication,
    a query parameter the operation does not declare, or one given twice that is not a list, is 422
    ``invalid_input`` naming it in ``fields`` (a misspelt filter must never widen a list or a delete); an operation
    without a request body refuses a body other than nothing or ``{}`` (400 ``invalid_json`` for a non-object,
    415 for another media type, 422 naming each field). Implements api.md "Strict input" for query parameters;
    bodies with a schema are checked by :class:`JsonParser` and ``core.schemas.InputSchema``."""
    operation = view_func._ninja_operation  # type: ignore[attr-defined]
    allowed, repeatable, has_body = _declared_query(operation)

    @functools.wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        fields: dict[str, list[str]] = {}
        for name, values in request.GET.lists():
            if name not in allowed:
                fields[name] = [_("Unknown query parameter.")]
            elif len(values) > 1 and name not in repeatable:
                fields[name] = [_("Given more than once.")]
        if fields:
            raise InvalidInput(
                "invalid_input",
                _("Unknown or repeated query parameter: %(names)s.") % {"names": ", ".join(sorted(fields))},
                fields=fields,
            )
        if not has_body and request.body:
            _check_media_type(request)
            extra = parse_json_object(request.body)
            if extra:
                raise InvalidInput(
                    "invalid_input",
                    _("This operation takes no request body fields: %(names)s.") % {"names": ", ".join(sorted(extra))},
                    fields={name: [_("Unknown field.")] for name in extra},
                )
        return view_func(request, *args, **kwargs)

    return wrapper


def _check_request_text(request: HttpRequest) -> None:
    _reject_unsafe_text(request.path_info, "path")
    for key, values in request.GET.lists():
        _reject_unsafe_text(key, key)
        for value in values:
            _reject_unsafe_text(value, key)


class RoleRequired:
    """Mixin for the API's authentication classes: a user who authenticates but has no role is refused with 403
    ``permission_denied`` and the message that they have no role (:func:`permissions.require_read`), before the
    operation reads its input or runs (issue #12 item 4).

    Every operation gets it from the API's default ``auth``; only ``/me`` opts out (``role_required=False`` on its
    router, :func:`_mount`), and ``/health`` needs no authentication. ``tests/security/test_no_role.py`` walks every
    operation of the OpenAPI document, so a new endpoint cannot forget it."""

    def __init__(self, *args: Any, role_required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role_required = role_required

    def __call__(self, request: HttpRequest) -> Any:
        user = super().__call__(request)  # type: ignore[misc]
        if user and self.role_required:
            # Raised here, ninja's authentication hands it to the DomainError handler below: 403 in the error shape.
            permissions.require_read(user)
        return user


class TokenAuth(RoleRequired, HttpBearer):
    """``Authorization: Bearer <token>`` for API clients."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        _check_request_text(request)
        user = user_for_token(token)
        if user is not None:
            # Services and WorkDate read request.user; a token request has no session user.
            request.user = user
            setattr(request, replicas.STICKY_REQUEST_ATTRIBUTE, token_primary_until(user))
        return user


class BrowserSessionAuth(RoleRequired, SessionAuth):
    """The web UI's session; CSRF is enforced for unsafe methods of a signed-in session only.

    Implements api.md "No credentials → 401": a request without a signed-in session (no session cookie, an expired
    one, or only an invalid or revoked Bearer token) is not a browser session, so it gets no CSRF check and ends in
    401 ``not_authenticated``; a signed-in session without a valid CSRF token stays 403 ``permission_denied``."""

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        _check_request_text(request)
        return super().authenticate(request, key)


IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "description": (
        "Makes a retried POST safe: a repeat of the same key by the same user within 24 hours answers the first "
        "answer again (status, body, ETag, Location; with `Idempotent-Replayed: true`) without doing the work "
        "twice; the same key with another operation, path, query or body answers 422 `idempotency.key_reused`. "
        "1 to 255 printable ASCII characters (otherwise 422 `invalid_input`), e.g. a UUID."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]*[!-~][ -~]*$"},
}


class SalescycleAPI(NinjaAPI):
    """The NinjaAPI whose URL list ends with a catch-all (unknown routes → 404 JSON) and whose 405s are JSON, and
    whose OpenAPI operation ids are the handlers' names (``create_opportunity``, ``update_opportunity``), so that
    generated clients get readable method names. Handler names are unique across routers (a test checks it)."""

    def get_openapi_operation_id(self, operation: Any) -> str:
        return str(operation.view_func.__name__)

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Ninja's document plus the optional ``Idempotency-Key`` header on every POST operation."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            post = operations.get("post")
            if post is not None:
                post.setdefault("parameters", []).append(dict(IDEMPOTENCY_KEY_PARAMETER))
        return schema

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        wrapped: list[URLResolver | URLPattern] = []
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_405(pattern.callback)
            wrapped.append(pattern)
        wrapped.append(re_path(r"^.*$", _unknown_route, name="unknown-route"))
        return wrapped, app_name, namespace


def _json_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            response = JsonResponse(
                error_body(
                    "method_not_allowed", _("Method %(method)s is not allowed here.") % {"method": request.method}
                ),
                status=405,
            )
            response["Allow"] = allowed
        return response

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    for name in ("__name__", "__qualname__", "__doc__"):
        value = getattr(view, name, None)
        if isinstance(value, str):
            setattr(wrapper, name, value)
    return wrapper


@csrf_exempt
def _unknown_route(request: HttpRequest) -> HttpResponse:
    return JsonResponse(error_body("not_found", _("There is no such API route.")), status=404)


api = SalescycleAPI(
    title="Salescycle API",
    version="1",
    description=(
        "Opportunity management in sales cycles (spec api.md). Authenticate with `Authorization: Bearer`. "
        "Any POST may carry an `Idempotency-Key` header (1–255 printable ASCII characters) so that a retry after a "
        "lost answer does not do the work twice: the same user's repeat within 24 hours gets the first answer again."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), BrowserSessionAuth(csrf=True)],
    parser=JsonParser(),
    docs=Swagger(settings={"persistAuthorization": True}),
)
# Strict query parameters (and no stray body) on every operation, mounted or not yet mounted.
api.add_decorator(strict_request, mode="operation")


def stick_token_writes(view_func: Callable[..., Any]) -> Callable[..., Any]:
    """An operation decorator: after a write (any method but GET/HEAD) with an API token, that token reads from the
    primary for ``REPLICA_STICKY_SECONDS`` (read replicas, issue #16 item 2; browsers get a cookie from
    ``core.replicas.ReplicaMiddleware``). Nothing, not even a query, when no replica is configured."""

    @functools.wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        result = view_func(request, *args, **kwargs)
        # Only after a write that went through: one that raised wrote nothing (and its transaction may be broken).
        if settings.REPLICA_DATABASES and request.method in replicas.WRITE_METHODS:
            stick_to_primary(request.user)
        return result

    return wrapper


# Read replicas: the handlers marked @reads_from_replica read from one on GET; token writes stick to the primary.
api.add_decorator(replicas.api_operation, mode="operation")
api.add_decorator(stick_token_writes, mode="operation")


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, error_body(exc.code, exc.message, exc.fields), status=exc.status)


def _is_path_key_error(error: dict[str, Any]) -> bool:
    loc = error.get("loc") or ("",)
    return loc[0] == "path" and error.get("type") in (KEY_ERROR, "string_too_long")


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if exc.errors and all(_is_path_key_error(error) for error in exc.errors):
        # A lookup by a key that no record can have (api.md "Strict input"): not found, as any unknown key.
        logger.info("Key in the path breaks the key rule, answered 404: %s", exc.errors)
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "header", "payload")]
        # Drop the body parameter's own name (e.g. "data") so fields are the JSON names.
        if len(loc) > 1 and error.get("loc", ("",))[0] == "body":
            loc = loc[1:]
        name = ".".join(loc) or "__all__"
        fields.setdefault(name, []).append(str(error.get("msg", "Invalid.")))
    first = next(iter(fields.items()), ("__all__", [_("Invalid input.")]))
    message = f"{first[0]}: {first[1][0]}"
    return api.create_response(request, error_body("invalid_input", message, fields), status=422)


@api.exception_handler(_InvalidJson)
def _invalid_json(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(
        request, error_body("invalid_json", _("The request body is not valid JSON.")), status=400
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = ERROR_CODES_BY_STATUS.get(exc.status_code, "error")
    if isinstance(exc.__cause__, DomainError):
        return _domain_error(request, exc.__cause__)
    if exc.status_code == 400:
        return _invalid_json(request, exc)
    return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        error_body("not_authenticated", _("Authentication credentials were not provided or are invalid.")),
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def _http404(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@api.exception_handler(ObjectDoesNotExist)
def _does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _http404(request, exc)


@api.exception_handler(IntegrityError)
def _integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    """A unique key already taken (a race the services' own checks could not see) → 409 ``conflict.exists``; any
    other integrity error (check, not-null, foreign key) is a bug → logged with its traceback, 500."""
    if is_unique_violation(exc):
        logger.info("unique key already taken on %s %s: %s", request.method, request.path, exc)
        return api.create_response(request, error_body("conflict.exists", _("The record already exists.")), status=409)
    return _internal_error(request, exc)


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """PostgreSQL's "numeric field overflow" (SQLSTATE 22003) is a value from the client that the schemas let through
    but the column cannot hold (e.g. a computed amount past its digits) → 422 ``invalid_input``, logged as a
    validation gap. Every other ``DataError`` (text too long, invalid encoding…) means validation is missing or
    broken → logged 500."""
    if _sqlstate_of(exc) == "22003":
        logger.warning("value out of range reached the database on %s %s: %s", request.method, request.path, exc)
        return api.create_response(request, error_body("invalid_input", _("A value is out of range.")), status=422)
    return _internal_error(request, exc)


@api.exception_handler(OverflowError)
def _overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """``OverflowError`` comes from date arithmetic at the ends of the calendar on a date the client sent (such as
    9999-12-31 plus a day, or a time-zone shift of 0001-01-01). ``calc_date`` already turns its own into
    ``date_formula.out_of_range``, so one reaching here is an input error that validation missed: 422
    ``invalid_input``, logged with its traceback at WARNING so that the gap can be closed where it arose."""
    logger.warning("date out of range on %s %s", request.method, request.path, exc_info=exc)
    return api.create_response(request, error_body("invalid_input", _("A date is out of range.")), status=422)


@api.exception_handler(decimal.InvalidOperation)
def _invalid_decimal(request: HttpRequest, exc: decimal.InvalidOperation) -> HttpResponse:
    """``decimal.InvalidOperation`` is raised when a computed amount outgrows its digits although each input passed
    its schema: a line amount (quantity × unit price, each up to 15 integer digits) rounded in ``line_amount``, or
    stored or summed on SQLite (Django quantizes with the column's ``max_digits`` as precision). An input error
    that validation missed: 422 ``invalid_input``, logged with its traceback at WARNING."""
    logger.warning("number out of range on %s %s", request.method, request.path, exc_info=exc)
    return api.create_response(request, error_body("invalid_input", _("A number is out of range.")), status=422)


@api.exception_handler(OperationalError)
def _operational_error(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    """The database cannot be reached (see :func:`is_database_unavailable`) → 503 ``service_unavailable`` with
    ``Retry-After``; any other ``OperationalError`` (deadlock, timeout, schema) → logged 500."""
    if is_database_unavailable(exc):
        return service_unavailable_response(request, exc)
    return _internal_error(request, exc)


@api.exception_handler(InterfaceError)
def _interface_error(request: HttpRequest, exc: InterfaceError) -> HttpResponse:
    """A connection already closed or lost → 503 ``service_unavailable`` with ``Retry-After``."""
    return service_unavailable_response(request, exc)


@api.exception_handler(RequestDataTooBig)
def _request_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` → 413 ``request_too_large`` (api.md "Strict input"). The
    middleware refuses it before the view when ``Content-Length`` says so; this covers the rest."""
    return request_too_large_response(request)


def _internal_error(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """Log ``exc`` with its traceback at ERROR and answer 500 ``internal_error`` (no detail of the failure)."""
    logger.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.path, exc_info=exc)
    return internal_error_response(request)


def _sqlstate_of(exc: BaseException) -> str | None:
    state = getattr(exc.__cause__, "sqlstate", None)
    return state if isinstance(state, str) else None


class HealthOut(Schema):
    status: str
    database: str


@api.get("/health", auth=None, response=HealthOut, tags=["health"])
def health(request: HttpRequest) -> dict[str, str]:
    """Liveness and database check, without authentication."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor}


idempotency.install(api)


def _mount() -> None:
    # /me stays open to a signed-in user without a role (their WorkDate and language); everything else needs one.
    api.add_router(
        "", me_router, auth=[TokenAuth(role_required=False), BrowserSessionAuth(csrf=True, role_required=False)]
    )
    api.add_router("", contacts_router)
    api.add_router("", opportunities_router)
    api.add_router("", tasks_router)
    api.add_router("", sales_router)
    api.add_router("", jobs_router)


_mount()

# Mounted by ``path("api/v1/", include("salescycle.api"))`` in the project URLs (namespace ``api``).
urlpatterns = api.urls[0]
app_name = api.urls_namespace
