"""Text enumerations with translated labels that import no Django (the vocabulary of ``choices.py`` modules, read by
models, the engine and the API schemas alike). Models and forms get Django's ``choices=`` from
:func:`salescycle.core.fields.model_choices`."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from salescycle.core.translation import LazyText


class Choices(StrEnum):
    """A text enumeration whose members carry a translated label, declared as Django's ``TextChoices`` are
    (``WON = "won", _("Won")`` with ``_`` from :mod:`salescycle.core.translation`). A member is its value (a
    ``str``); ``label`` is translated when it is used as text. A member declared without label is labelled with its
    value."""

    _value_: str
    _label: LazyText

    def __new__(cls, value: str, label: LazyText | None = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else LazyText(value)
        return member

    @property
    def label(self) -> LazyText:
        """The member's name for people, in the active language when it is turned into text."""
        return self._label
