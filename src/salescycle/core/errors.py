"""Domain errors with stable codes.

Every business rule of the specification that can refuse an action raises a :class:`DomainError` whose ``code`` is
the stable key from ``spec/opportunities.md`` / ``spec/api.md`` (for example ``update.quote_required``) and whose
``message`` is a translatable, human sentence. The API maps these to the one JSON error shape
``{code, message, fields}``; the web app shows ``message`` next to the form field named in ``fields``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from salescycle.core.translation import localized_params

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from salescycle.core.translation import LazyText


class DomainError(Exception):
    """A refused business action: ``code`` (stable key), ``message`` (translated text), ``fields`` (input errors).

    ``status`` is the HTTP status the API answers with: 422 for a rule (the default), 409 for conflicts,
    404 for a missing record, 403 for a permission refusal.
    """

    status: int = 422

    def __init__(
        self,
        code: str,
        message: str | Promise | LazyText,
        *,
        fields: Mapping[str, list[str]] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.code = code
        self._message = message
        self.params = dict(params or {})
        self.fields = {k: list(v) for k, v in (fields or {}).items()}
        super().__init__(code)

    @property
    def message(self) -> str:
        """The message in the active language, with its ``%(name)s`` parameters filled in."""
        text = str(self._message)
        if self.params:
            try:
                return text % localized_params(self.params)
            except (KeyError, ValueError, TypeError):
                return text
        return text

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class NotFound(DomainError):
    """The addressed record does not exist (HTTP 404 ``not_found`` or a rule-specific key)."""

    status = 404


class Conflict(DomainError):
    """A key already used, a stale version or a record still in use (HTTP 409 ``conflict.*``)."""

    status = 409


class PermissionDenied(DomainError):
    """The actor may see the record but not change it (HTTP 403 ``permission_denied``)."""

    status = 403


class InvalidInput(DomainError):
    """Shape, type or range of an input field is wrong (HTTP 422 ``invalid_input``)."""
