"""Generic create / update / delete of setup records with the API's error codes (spec api.md "Errors").

Business rules live in each app's services; these helpers only turn Django's validation and integrity failures into
``DomainError``s with stable codes: ``invalid_input`` (422), ``conflict.exists``, ``conflict.version`` and
``conflict.in_use`` (409), ``not_found`` (404).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from salescycle.core.dberrors import is_foreign_key_violation, is_unique_violation
from salescycle.core.errors import Conflict, DomainError, InvalidInput, NotFound
from salescycle.core.prepared import Prepared, first_of

M = TypeVar("M", bound=models.Model)


def not_found(model: type[models.Model], key: object) -> NotFound:
    """A 404 ``not_found`` error naming the model and key."""
    return NotFound(
        "not_found",
        _("%(model)s %(key)s does not exist."),
        params={"model": str(model._meta.verbose_name).capitalize(), "key": key},
    )


def validation_to_domain(error: ValidationError) -> InvalidInput:
    """A Django ``ValidationError`` as 422 ``invalid_input`` with per-field messages."""
    fields: dict[str, list[str]] = {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            fields[name] = [str(message) for e in errors for message in e.messages]
    else:
        fields["__all__"] = [str(m) for m in error.messages]
    first = next(iter(fields.values()), [str(_("Invalid input."))])
    return InvalidInput("invalid_input", first[0] if first else _("Invalid input."), fields=fields)


def lock(model: type[M], key: object, *, expected_version: int | None = None) -> M:
    """Fetch ``model`` row ``key`` locked for this transaction; 404 when missing, 409 ``conflict.version`` when its
    ``version`` differs from ``expected_version`` (the client's If-Match)."""
    obj = _locker(model, key)
    if obj is None:
        raise not_found(model, key)
    check_version(obj, expected_version)
    return obj


_LOCKERS: dict[tuple[type[models.Model], type], Prepared[Any]] = {}


def _locker(model: type[M], key: object) -> M | None:
    """``model``'s row ``key`` selected for update: a compiled-once read (:mod:`salescycle.core.prepared`) for a
    ``str`` or ``int`` key, the ORM's for any other."""
    kind = type(key)
    if kind not in (str, int):
        return model._default_manager.select_for_update().filter(pk=key).first()
    locker = _LOCKERS.get((model, kind))
    if locker is None:
        locker = Prepared(lambda pk: first_of(model._default_manager.select_for_update().filter(pk=pk)), kind)
        _LOCKERS[(model, kind)] = locker
    return locker.first(key)


def check_version(obj: models.Model, expected_version: int | None) -> None:
    """Raise 409 ``conflict.version`` when ``expected_version`` is given and differs from ``obj.version``."""
    if expected_version is not None and getattr(obj, "version", None) != expected_version:
        raise Conflict(
            "conflict.version",
            _("%(record)s was changed by someone else since you read it (version %(current)s, yours %(expected)s)."),
            params={"record": str(obj), "current": getattr(obj, "version", None), "expected": expected_version},
        )


def full_clean(obj: models.Model, *, exclude: Iterable[str] | None = None, validate_unique: bool = True) -> None:
    """Run model validation; a failure becomes 422 ``invalid_input`` (or 409 ``conflict.exists`` for a taken key)."""
    try:
        obj.full_clean(exclude=list(exclude or []), validate_unique=False, validate_constraints=False)
        if validate_unique:
            obj.validate_unique()
        obj.validate_constraints()
    except ValidationError as error:
        if hasattr(error, "error_dict") and any(
            getattr(e, "code", None) in {"unique", "unique_together"}
            for errors in error.error_dict.values()
            for e in errors
        ):
            raise Conflict("conflict.exists", _("%(record)s already exists."), params={"record": str(obj)}) from None
        raise validation_to_domain(error) from None


def create_record(model: type[M], data: Mapping[str, Any], *, exclude: Iterable[str] | None = None) -> M:
    """Insert a ``model`` row from ``data`` after validation (fields in ``exclude`` are not validated, e.g. a
    reference to the row itself); 409 ``conflict.exists`` when the key is taken."""
    obj = model(**data)
    if model._default_manager.filter(pk=obj.pk).exists():
        raise Conflict(
            "conflict.exists",
            _("%(model)s %(key)s already exists."),
            params={"model": str(model._meta.verbose_name).capitalize(), "key": obj.pk},
        )
    full_clean(obj, exclude=exclude)
    try:
        with transaction.atomic():
            obj.save(force_insert=True)
    except IntegrityError as error:
        # Only a key taken meanwhile is the client's conflict; any other integrity error is a bug (logged 500).
        if not is_unique_violation(error):
            raise
        raise Conflict("conflict.exists", _("%(record)s already exists."), params={"record": str(obj)}) from error
    return obj


def update_record(obj: M, changes: Mapping[str, Any]) -> M:
    """Apply ``changes`` to ``obj`` (already locked), validate, bump ``version`` and save."""
    for name, value in changes.items():
        setattr(obj, name, value)
    full_clean(obj)
    if hasattr(obj, "version"):
        obj.version = F("version") + 1
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        raise Conflict("conflict.exists", _("%(record)s already exists."), params={"record": str(obj)}) from error
    obj.refresh_from_db()
    return obj


def delete_record(obj: models.Model) -> None:
    """Delete ``obj``; when other data still refers to it, 409 ``conflict.in_use`` and nothing is deleted (D17)."""
    try:
        with transaction.atomic():
            obj.delete()
    except (models.ProtectedError, models.RestrictedError) as error:
        raise in_use(obj) from error
    except IntegrityError as error:
        # A database-level reference (foreign key) still pointing at the row; any other integrity error is a bug.
        if not is_foreign_key_violation(error):
            raise
        raise in_use(obj) from error


def in_use(obj: models.Model) -> Conflict:
    """409 ``conflict.in_use`` for ``obj`` (D17)."""
    return Conflict(
        "conflict.in_use",
        _("%(record)s cannot be deleted because other data refers to it; block it instead."),
        params={"record": str(obj)},
    )


def require(model: type[M], key: object, *, code: str, field: str) -> M:
    """Fetch ``model`` row ``key`` or raise 422 ``code`` pointing at input ``field`` (an unknown reference)."""
    obj = model._default_manager.filter(pk=key).first()
    if obj is None:
        raise DomainError(
            code,
            _("%(model)s %(key)s does not exist."),
            fields={field: [str(_("Unknown value."))]},
            params={"model": str(model._meta.verbose_name).capitalize(), "key": key},
        )
    return obj
