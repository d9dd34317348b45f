"""Translatable text for the modules that import no Django: the sales-cycle engine, the enumerations of
``choices.py``, date formulas and the domain errors (conventions: "The engine imports no Django").

``gettext_lazy(message)`` marks ``message`` for the catalogs (``makemessages`` reads the ``_("…")`` calls as it
reads Django's) and returns a :class:`LazyText`, which translates when it is turned into text, in the language
active at that moment, as Django's lazy texts do. The translator is installed by the core app when Django starts
(``CoreConfig.ready`` calls :func:`install` with Django's ``gettext``); until then, and in a process without
Django, a text is its English message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any


def _untranslated(message: str) -> str:
    return message


_translate: Callable[[str], str] = _untranslated
_format_date: Callable[[dt.date], str] = dt.date.isoformat


def install(translate: Callable[[str], str], format_date: Callable[[dt.date], str] | None = None) -> None:
    """Translate every :class:`LazyText` with ``translate`` from now on (Django's ``gettext``: active language), and
    write the dates put into messages with ``format_date`` (Django's short date format of the active language)."""
    global _translate, _format_date
    _translate = translate
    if format_date is not None:
        _format_date = format_date


def localized_params(params: Any) -> Any:
    """``params`` of a message (a mapping, a tuple or one value) with every date written as the active language
    writes a date (``5.1.2026`` in Finnish; ISO before Django is ready): a date inside a message reads like the
    dates around it (issue #15). Other values are left as they are."""
    if isinstance(params, Mapping):
        return {key: localized_params(value) for key, value in params.items()}
    if isinstance(params, tuple):
        return tuple(localized_params(value) for value in params)
    if isinstance(params, dt.date):
        return _format_date(params)
    return params


class LazyText:
    """A message translated when it is turned into text (``str()``, ``%``, a template): Django's lazy text without
    Django. Equal to a ``str`` holding its translation, as Django's lazy texts are."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return _translate(self.message)

    def __mod__(self, params: Any) -> str:
        return str(self) % localized_params(params)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyText | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return f"LazyText({self.message!r})"


def gettext_lazy(message: str) -> LazyText:
    """``message`` (an English msgid of the catalogs), translated when it is used as text."""
    return LazyText(message)
