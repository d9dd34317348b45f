"""Pure row builders of every write to the opportunity ledger (spec §4.7, §4.8.4, §4.9, §4.11.6).

No ORM and no I/O: engine values in (:class:`~salescycle.opportunities.engine.PlannedEntry`), plain dicts out, keyed
by the models' attribute names (``opportunity_id``, ``sales_cycle_id``, ``created_by_id``…) so that ``Model(**row)``,
``bulk_create`` and the raw inserts of :func:`salescycle.demo.bulk.insert_rows` all take them:

- :func:`entry_row` — the new active entry of a planned entry; :func:`deactivation` — the entry it replaces;
- :func:`opportunity_state` — the opportunity's status, closed flag, date closed and copy of the active entry's
  figures (:data:`FIGURES`) after an entry;
- :func:`~salescycle.tasks.rows.stage_task_rows` and :func:`~salescycle.tasks.rows.cancel_open` — the tasks an entry
  creates and cancels (their home is :mod:`salescycle.tasks.rows`: the tasks app cannot import this one);
- :func:`lost_by_deleted_order` — the Lost entry of a deleted sales order.

``services._insert_entry`` writes one entry with them through the ORM; the bulk writers (``salescycle generate``,
the Maven importer) fold them over whole histories with :func:`history` and write millions of rows. The
differential property test ``opportunities/tests/test_ledger_differential.py`` holds the two paths equal, field by
field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from salescycle.core.money import ZERO
from salescycle.opportunities import engine

# The one import of the enumerations' values in this module (they are moving out of models.py).
from salescycle.opportunities.models import ActionTaken, OpportunityStatus
from salescycle.tasks import rows as task_rows

# The opportunity's copy of its active entry's figures (spec §2.5 fields 17–22 and 28): (opportunity field, entry
# field).
FIGURES: tuple[tuple[str, str], ...] = (
    ("current_sales_cycle_stage", "sales_cycle_stage"),
    ("current_stage_description", "sales_cycle_stage_description"),
    ("estimated_value", "estimated_value"),
    ("chances_of_success_pct", "chances_of_success_pct"),
    ("completed_pct", "completed_pct"),
    ("probability_pct", "probability_pct"),
    ("calculated_current_value", "calculated_current_value"),
    ("estimated_closing_date", "estimated_close_date"),
)

# The opportunity's columns that inserting an entry may change (besides its version and modification time).
STATE_FIELDS: tuple[str, ...] = ("status", "closed", "date_closed", *(opportunity for opportunity, _entry in FIGURES))

# The state of an opportunity without entries (Not Started): every column of STATE_FIELDS.
NOT_STARTED: Mapping[str, Any] = MappingProxyType(
    {
        "status": OpportunityStatus.NOT_STARTED,
        "closed": False,
        "date_closed": None,
        "current_sales_cycle_stage": 0,
        "current_stage_description": "",
        "estimated_value": ZERO,
        "chances_of_success_pct": ZERO,
        "completed_pct": ZERO,
        "probability_pct": ZERO,
        "calculated_current_value": ZERO,
        "estimated_closing_date": None,
    }
)

FIRST_VERSION = 1  # an opportunity's version when created; every entry inserted raises it by one

_CLOSING = (ActionTaken.WON, ActionTaken.LOST)


@dataclass(frozen=True)
class Parties:
    """The opportunity's columns that its entries and stage tasks copy (spec §2.6 fields 2–8, §4.9.1), under the
    opportunity's attribute names: ``no`` and the codes of its sales cycle, contact, contact company, salesperson,
    campaign and segment (None when blank)."""

    no: str
    sales_cycle_id: str | None
    contact_id: str | None
    contact_company_id: str | None
    salesperson_id: str | None
    campaign_id: str | None = None
    segment_id: str | None = None

    @classmethod
    def of(cls, opportunity: Mapping[str, Any]) -> Parties:
        """The parties of an opportunity row (a dict keyed by attribute name; ``no`` required, the others default
        to None)."""
        return cls(
            no=opportunity["no"],
            sales_cycle_id=opportunity.get("sales_cycle_id"),
            contact_id=opportunity.get("contact_id"),
            contact_company_id=opportunity.get("contact_company_id"),
            salesperson_id=opportunity.get("salesperson_id"),
            campaign_id=opportunity.get("campaign_id"),
            segment_id=opportunity.get("segment_id"),
        )


def entry_row(
    planned: engine.PlannedEntry,
    parties: Parties,
    *,
    entry_no: int | None = None,
    created_by_id: int | None = None,
) -> dict[str, Any]:
    """The row of ``planned`` inserted as the opportunity's new active entry (spec §4.7 steps 2 and 4): the
    opportunity's cycle, contact, contact company, salesperson and campaign; the planned stage, description,
    previous stage, date of change, date closed, action taken, close code and estimate (amounts in LCY, percentages
    in %); active, Days Open 0. ``entry_no`` is left out when None (the database numbers the entry);
    ``created_by_id`` is the acting user's id (None for the system). Implements spec §4.7."""
    estimate = planned.estimate
    row: dict[str, Any] = {
        "opportunity_id": parties.no,
        "sales_cycle_id": parties.sales_cycle_id,
        "sales_cycle_stage": planned.sales_cycle_stage,
        "sales_cycle_stage_description": planned.sales_cycle_stage_description,
        "previous_sales_cycle_stage": planned.previous_sales_cycle_stage,
        "contact_id": parties.contact_id,
        "contact_company_id": parties.contact_company_id,
        "salesperson_id": parties.salesperson_id,
        "campaign_id": parties.campaign_id,
        "date_of_change": planned.date_of_change,
        "active": True,
        "date_closed": planned.date_closed,
        "days_open": 0,
        "action_taken": planned.action_taken,
        "estimated_value": estimate.estimated_value,
        "calculated_current_value": estimate.calculated_current_value,
        "completed_pct": estimate.completed_pct,
        "chances_of_success_pct": estimate.chances_of_success_pct,
        "probability_pct": estimate.probability_pct,
        "close_opportunity_code_id": planned.close_opportunity_code,
        "estimated_close_date": estimate.estimated_close_date,
        "created_by_id": created_by_id,
    }
    if entry_no is not None:
        row["entry_no"] = entry_no
    return row


def days_open(date_of_change: dt.date, following: dt.date) -> int:
    """Days Open of an entry dated ``date_of_change`` replaced by one dated ``following``: the whole days between,
    never negative (D12). Implements spec §4.7 step 1."""
    return max((following - date_of_change).days, 0)


def deactivation(date_of_change: dt.date, following: dt.date) -> dict[str, Any]:
    """The columns that change on the active entry (dated ``date_of_change``) when an entry dated ``following``
    replaces it: not active, Days Open (:func:`days_open`). Implements spec §4.7 step 1."""
    return {"active": False, "days_open": days_open(date_of_change, following)}


def status_after(action_taken: str) -> str:
    """The opportunity's status after inserting an entry with ``action_taken``: Won, Lost, else In Progress.
    Implements spec §4.7 step 4."""
    if action_taken == ActionTaken.WON:
        return OpportunityStatus.WON
    if action_taken == ActionTaken.LOST:
        return OpportunityStatus.LOST
    return OpportunityStatus.IN_PROGRESS


def active_figures(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The opportunity's copy of its active entry's figures (:data:`FIGURES`) taken from ``entry`` (a row keyed by
    attribute name). Implements spec §2.5 fields 17–22 and 28."""
    return {opportunity: entry[name] for opportunity, name in FIGURES}


def opportunity_state(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The opportunity's columns after inserting ``entry`` (a row as :func:`entry_row` makes it): its status
    (:func:`status_after`) and copy of the figures (:func:`active_figures`); for a Won or Lost entry also Closed
    and Date Closed = the entry's Date of Change (other entries leave those two as they are). The version is the
    writer's (one more per entry). Implements spec §4.7 step 4 and §4.8.4 step 4."""
    state = {"status": status_after(entry["action_taken"]), **active_figures(entry)}
    if entry["action_taken"] in _CLOSING:
        state["closed"] = True
        state["date_closed"] = entry["date_of_change"]
    return state


def active_state(planned: engine.PlannedEntry) -> engine.EntryState:
    """The engine's view of ``planned`` once inserted: the active entry the next planned step starts from."""
    estimate = planned.estimate
    return engine.EntryState(
        sales_cycle_stage=planned.sales_cycle_stage,
        date_of_change=planned.date_of_change,
        estimated_value=estimate.estimated_value,
        chances_of_success_pct=estimate.chances_of_success_pct,
        estimated_close_date=estimate.estimated_close_date,
        action_taken=planned.action_taken,
    )


def customer_contact_no(parties: Parties) -> str | None:
    """The contact that becomes a customer when the opportunity is won: its contact company (a person's company, a
    company itself), else its contact (a person without company); None without contact. Implements spec §4.8.4
    step 3 from the opportunity's own columns (``contacts.services.customer_contact`` reads the contact)."""
    if not parties.contact_id:
        return None
    return parties.contact_company_id or parties.contact_id


def lost_by_deleted_order(*, estimated_value: Decimal, on: dt.date) -> engine.PlannedEntry:
    """The Lost entry inserted when a sales order linked to an opportunity that is not Lost is deleted: stage 0,
    previous stage 0, Date of Change = Date Closed = Estimated Close Date = ``on`` (WorkDate), ``estimated_value``
    (LCY) of the last entry, the Lost figures of the estimate recalculation (completed 100 %; chances, probability
    and calculated value 0), no close code, no tasks created or cancelled. Implements spec §4.11.6 with D12."""
    estimate = engine.recalculate_estimates(
        None,
        stage=0,
        action_taken=ActionTaken.LOST,
        action_type=None,
        date_of_change=on,
        estimated_value=estimated_value,
        chances_of_success_pct=ZERO,
        estimated_close_date=on,
    )
    return engine.PlannedEntry(
        sales_cycle_stage=0,
        sales_cycle_stage_description="",
        previous_sales_cycle_stage=0,
        date_of_change=on,
        action_taken=ActionTaken.LOST,
        estimate=estimate,
        close_opportunity_code=None,
        date_closed=on,
        cancel_old_tasks=False,
        create_stage_tasks=False,
    )


@dataclass(frozen=True)
class Ledger:
    """An opportunity's history as rows (dicts keyed by attribute name), as :func:`history` makes it.

    ``opportunity`` holds every column of :data:`STATE_FIELDS` and ``version``, to be merged into the opportunity's
    own columns; ``entries`` oldest first, the last one active; ``tasks`` unnumbered (no ``no`` nor
    ``created_at``) in creation order; ``customer`` the contact that must be a customer (a Won history), or None.
    """

    opportunity: dict[str, Any]
    entries: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    customer: str | None = None


def history(
    planned: Sequence[engine.PlannedEntry],
    parties: Parties,
    *,
    first_entry_no: int | None = None,
    steps: Mapping[str, Sequence[task_rows.StepTemplate]] | None = None,
    cancelled_on: dt.date | None = None,
    created_by_id: int | None = None,
) -> Ledger:
    """The rows of a new opportunity (version 1, Not Started) after inserting the entries ``planned`` in turn, as
    ``services._insert_entry`` leaves them after each (spec §4.7): each entry deactivates the previous one (Days
    Open), cancels the open tasks when it says so, then creates its stage tasks from ``steps`` (activity code →
    its steps in step order; an activity missing from ``steps`` has none); the opportunity takes the state of the
    last entry and a version one higher per entry; a Won entry asks for a customer (:func:`customer_contact_no`).

    ``first_entry_no`` numbers the entries consecutively (None leaves ``entry_no`` to the database, for histories
    without stage tasks: a stage task needs its entry's number, else ``ValueError``). ``cancelled_on`` is the system
    date of the cancellations (None: each cancelling entry's Date of Change, for a simulated past).
    """
    entries: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    state = dict(NOT_STARTED)
    customer = None
    for offset, step in enumerate(planned):
        entry_no = None if first_entry_no is None else first_entry_no + offset
        if entries:
            entries[-1].update(deactivation(entries[-1]["date_of_change"], step.date_of_change))
        if step.cancel_old_tasks:
            task_rows.cancel_open(tasks, on=cancelled_on or step.date_of_change)
        row = entry_row(step, parties, entry_no=entry_no, created_by_id=created_by_id)
        entries.append(row)
        if step.create_stage_tasks and step.activity_code:
            if entry_no is None:
                raise ValueError("stage tasks need numbered entries: give first_entry_no")
            tasks.extend(
                task_rows.stage_task_rows(
                    (steps or {}).get(step.activity_code, ()),
                    date_of_change=step.date_of_change,
                    opportunity_no=parties.no,
                    opportunity_entry_no=entry_no,
                    salesperson_id=parties.salesperson_id,
                    contact_id=parties.contact_id,
                    contact_company_id=parties.contact_company_id,
                    campaign_id=parties.campaign_id,
                    segment_id=parties.segment_id,
                )
            )
        if step.action_taken == ActionTaken.WON:
            customer = customer_contact_no(parties)
        state.update(opportunity_state(row))
    state["version"] = FIRST_VERSION + len(planned)
    return Ledger(opportunity=state, entries=entries, tasks=tasks, customer=customer)
