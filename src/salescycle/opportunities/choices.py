"""The enumerations of opportunity management (spec §3), used alike by the models, the engine and the API schemas.
Plain Python: no Django import (the models' ``choices=`` come from :func:`salescycle.core.fields.model_choices`)."""

from __future__ import annotations

from salescycle.core.enums import Choices
from salescycle.core.translation import gettext_lazy as _


class ProbabilityCalculation(Choices):
    """How a cycle derives Probability % from Chances of Success % and Completed % (spec §4.6)."""

    MULTIPLY = "multiply", _("Multiply")
    ADD = "add", _("Add")
    CHANCES_OF_SUCCESS = "chances_of_success", _("Chances of Success %")
    COMPLETED = "completed", _("Completed %")


class OpportunityStatus(Choices):
    """Opportunity Status (spec §3): Not Started → In Progress → Won or Lost."""

    NOT_STARTED = "not_started", _("Not Started")
    IN_PROGRESS = "in_progress", _("In Progress")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class ActionTaken(Choices):
    """What produced an opportunity entry (spec §3); ``first`` is BC's blank value (first-stage activation)."""

    FIRST = "first", _("First")
    NEXT = "next", _("Next")
    PREVIOUS = "previous", _("Previous")
    UPDATED = "updated", _("Updated")
    JUMPED = "jumped", _("Jumped")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


IN_PROGRESS_ACTIONS = (
    ActionTaken.FIRST,
    ActionTaken.NEXT,
    ActionTaken.PREVIOUS,
    ActionTaken.UPDATED,
    ActionTaken.JUMPED,
)


class CloseType(Choices):
    """Type of a close opportunity code, and the outcome of a closing (spec §2.4)."""

    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class InteractionType(Choices):
    """What kind of contact an interaction log entry records (D22: the minimal log's type); blank for entries from
    before the types (the API does not set it)."""

    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("Email")
    NOTE = "note", _("Note")


class SalesDocumentType(Choices):
    """Opportunity Document Type (spec §3); blank is stored as ``""``."""

    BLANK = "", _("(none)")
    QUOTE = "quote", _("Quote")
    ORDER = "order", _("Order")
    POSTED_INVOICE = "posted_invoice", _("Posted Invoice")


class ActionType(Choices):
    """The Update Opportunity wizard's Action Type (spec §3, §4.5.3), labelled with BC's captions."""

    FIRST = "first", _("First")
    NEXT = "next", _("Next")
    PREVIOUS = "previous", _("Previous")
    SKIP = "skip", _("Skip")
    UPDATE = "update", _("Update")
    JUMP = "jump", _("Jump")
