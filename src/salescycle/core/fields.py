"""Django's side of the pure enumerations (:mod:`salescycle.core.enums`): the ``choices=`` of model and form
fields, with Django's lazy translations of the same messages (what migrations and ``get_…_display`` expect)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from salescycle.core.enums import Choices


def model_choices(enumeration: type[Choices]) -> list[tuple[str, Promise]]:
    """``[(value, label), …]`` of every member of ``enumeration`` in declaration order, labels translated lazily."""
    return [(member.value, gettext_lazy(member.label.message)) for member in enumeration]
