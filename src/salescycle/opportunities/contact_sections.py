"""The blocks that apps above ``opportunities`` add to the contact card (issue #15): the sales app's quotes and orders.
The card cannot import them (dependencies point one way: conventions "Layout"), so they register here from their
``AppConfig.ready``, like the sales document lookup (:mod:`salescycle.opportunities.documents`). Model-free, so that
an ``apps.py`` may import it at the top."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salescycle.contacts.models import Contact
    from salescycle.core.actors import Actor


@dataclass(frozen=True)
class ContactSection:
    """A block of the contact card: ``template`` is included with ``section`` = ``context(contact, user)``, what
    ``user`` may see of ``contact`` (a fixed number of queries)."""

    name: str
    template: str
    context: Callable[[Contact, Actor], dict[str, Any]]


_SECTIONS: dict[str, ContactSection] = {}


def register(section: ContactSection) -> None:
    """Add ``section`` to the contact card, after those registered before (registering a name again replaces it)."""
    _SECTIONS[section.name] = section


def sections() -> list[ContactSection]:
    """The registered sections, in registration order."""
    return list(_SECTIONS.values())
