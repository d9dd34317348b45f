"""How stored values are shown to people (issue #15): the card's stage progress, the change log with field names and
choice values as labels, and the export rows with labels instead of stored codes — always in the active language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from salescycle.core.money import normalize
from salescycle.opportunities.choices import OpportunityStatus, SalesDocumentType
from salescycle.opportunities.models import Opportunity, OpportunityChange
from salescycle.tasks.models import Priority

# ---------------------------------------------------------------------------------------------------------------
# Stage progress


@dataclass(frozen=True)
class ProgressStep:
    """One step of the card's progress bar: a stage of the cycle (``stage`` > 0) or the outcome (``stage`` 0);
    ``state`` is ``done``, ``current`` or ``todo``."""

    stage: int
    label: str
    state: str

    @property
    def is_current(self) -> bool:
        """True for the step the opportunity is at."""
        return self.state == "current"


def progress(opportunity: Opportunity, stages: Iterable[tuple[int, str]], last_stage: int) -> list[ProgressStep]:
    """The stages of the opportunity's cycle as progress steps, then its outcome: a Not Started opportunity is at no
    step; an In Progress one at its current stage (the earlier stages done); a closed one at its outcome, Won or Lost,
    after the stage it was closed at (``last_stage``, the closing entry's previous stage)."""
    closed = opportunity.status in (OpportunityStatus.WON, OpportunityStatus.LOST)
    reached = last_stage if closed else (opportunity.current_sales_cycle_stage or 0)
    steps = []
    for number, description in stages:
        if number == reached and not closed:
            state = "current"
        else:
            state = "done" if reached and number <= reached else "todo"
        steps.append(ProgressStep(stage=number, label=f"{number} {description}".strip(), state=state))
    if closed:
        steps.append(ProgressStep(stage=0, label=str(OpportunityStatus(opportunity.status).label), state="current"))
    else:
        steps.append(ProgressStep(stage=0, label=str(_("Won or Lost")), state="todo"))
    return steps


# ---------------------------------------------------------------------------------------------------------------
# The change log

# The audited fields (``services.audit.AUDITED``) as the card labels them.
FIELD_LABELS: dict[str, Any] = {
    "description": _("Description"),
    "contact_no": _("Contact No."),
    "salesperson_code": _("Salesperson Code"),
    "campaign_no": _("Campaign No."),
    "segment_no": _("Segment No."),
    "priority": _("Priority"),
    "sales_cycle_code": _("Sales Cycle Code"),
    "sales_document_type": _("Sales Document Type"),
    "sales_document_no": _("Sales Document No."),
}

# Fields whose stored values are choices: value → label.
_VALUE_LABELS: dict[str, dict[str, Any]] = {
    "priority": dict(Priority.choices),
    "sales_document_type": {member.value: member.label for member in SalesDocumentType if member.value},
}


@dataclass(frozen=True)
class ChangeRow:
    """One line of the card's change log, as people read it."""

    changed_at: dt.datetime
    user: Any
    field: str
    old_value: str
    new_value: str


def value_label(field: str, value: str) -> str:
    """A stored value of an audited field as shown: a choice's label (``quote`` → "Quote"), else the value."""
    labels = _VALUE_LABELS.get(field, {})
    return str(labels[value]) if value in labels else value


def change_rows(changes: Iterable[OpportunityChange]) -> list[ChangeRow]:
    """The change log with field names and choice values as labels, in the active language."""
    return [
        ChangeRow(
            changed_at=c.changed_at,
            user=c.user,
            field=str(FIELD_LABELS.get(c.field, c.field)),
            old_value=value_label(c.field, c.old_value),
            new_value=value_label(c.field, c.new_value),
        )
        for c in changes
    ]


# ---------------------------------------------------------------------------------------------------------------
# Export values

AMOUNT_COLUMNS = frozenset({"estimated_value", "calculated_current_value"})
PERCENT_COLUMNS = frozenset({"probability_pct", "chances_of_success_pct", "completed_pct"})


def amount(value: Decimal) -> Decimal:
    """An amount (LCY) for an export: no trailing zeros past the cents (``550.00000`` → ``550.00``, ``0.12345``
    stays)."""
    plain = normalize(value)
    return plain.quantize(Decimal("0.01")) if -plain.as_tuple().exponent < 2 else plain  # type: ignore[operator]


def export_labels(columns: list[str]) -> Any:
    """A function turning an export row of ``columns`` (stored values) into what people read: Yes/No for booleans,
    labels for Status and Sales Document Type, amounts to the cent without trailing zeros, percentages without
    trailing zeros; everything else unchanged. Call it while the request's language is active."""
    yes, no = str(_("Yes")), str(_("No"))
    statuses = {m.value: str(m.label) for m in OpportunityStatus}
    document_types = {m.value: str(m.label) for m in SalesDocumentType if m.value}
    converters: list[Any] = []
    for column in columns:
        if column == "closed":
            converters.append(lambda v: yes if v else no)
        elif column == "status":
            converters.append(lambda v: statuses.get(v, v))
        elif column == "sales_document_type":
            converters.append(lambda v: document_types.get(v, ""))
        elif column in AMOUNT_COLUMNS:
            converters.append(lambda v: None if v is None else amount(v))
        elif column in PERCENT_COLUMNS:
            converters.append(lambda v: None if v is None else normalize(v))
        else:
            converters.append(lambda v: v)

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(f(v) for f, v in zip(converters, row, strict=True))

    return convert


def labelled_rows(columns: list[str], rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """``rows`` of ``columns`` through :func:`export_labels`, lazily."""
    convert = export_labels(columns)
    for row in rows:
        yield convert(row)


# ---------------------------------------------------------------------------------------------------------------
# The Opportunity List's columns (issue #15 "The list")


@dataclass(frozen=True)
class ListColumn:
    """One column of the web Opportunity List: its key (what the template's cell partial renders and the column
    chooser stores), its heading, the sort key of ``selectors.SORTS`` it sorts by ("" when it does not sort),
    whether it holds amounts (right-aligned), whether it shows by default, whether it can be hidden and whether the
    column chooser offers it."""

    key: str
    label: Any
    sort: str = ""
    numeric: bool = False
    default: bool = True
    required: bool = False
    choosable: bool = True  # offered in the column chooser


# In display order. The default columns fit a 1366 px screen with both money columns in view (issue #15, review M1);
# a column added here (e.g. a selection checkbox) needs one branch in ``opportunities/list.html#cell``.
LIST_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn("select", _("Selection"), required=True, choosable=False),  # the bulk actions' checkbox
    ListColumn("no", _("No."), sort="no", required=True),
    ListColumn("description", _("Description")),
    ListColumn("creation_date", _("Creation Date"), sort="creation_date", default=False),
    ListColumn("contact", _("Contact"), sort="contact"),
    ListColumn("salesperson", _("Salesperson"), sort="salesperson"),
    ListColumn("status", _("Status"), sort="status"),
    ListColumn("stage", _("Current Sales Cycle Stage")),
    ListColumn("campaign", _("Campaign"), default=False),
    ListColumn("sales_document", _("Sales Document"), default=False),
    ListColumn("estimated_closing_date", _("Estimated Closing Date"), sort="estimated_closing_date"),
    ListColumn("next_activity", _("Next Activity")),
    ListColumn("estimated_value", _("Estimated Value (LCY)"), sort="estimated_value", numeric=True),
    ListColumn(
        "calculated_current_value", _("Calcd. Current Value (LCY)"), sort="calculated_current_value", numeric=True
    ),
)
LIST_COLUMN_KEYS = frozenset(column.key for column in LIST_COLUMNS)


def list_columns(keys: Iterable[str] | None) -> list[ListColumn]:
    """The list's columns named by ``keys`` (a user's choice), in display order, with the required ones (No.) always;
    unknown keys are ignored. None or no known key: the default columns."""
    chosen = {key for key in keys or () if key in LIST_COLUMN_KEYS}
    if not chosen:
        return [column for column in LIST_COLUMNS if column.default or column.required]
    return [column for column in LIST_COLUMNS if column.key in chosen or column.required]
