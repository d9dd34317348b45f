"""Ledger invariants of opportunity entries (spec §4.7), checked over the whole database.

1. Exactly one active entry per started opportunity; none for a Not Started one.
2. The opportunity's status, closed flag and date closed agree with its active entry.
3. The opportunity's copy of the active entry's figures equals the entry.
4. Days Open of every inactive entry = the next entry's Date of Change − its own (whole days); 0 on active ones.
5. Every stored key (``no``, ``code``) of every keyed table follows the key rule (``salescycle.core.keys``,
   issue #12 item 5); keys stored before the rule are listed to be fixed by hand, never renamed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Exists, F, OuterRef, Q

from salescycle.core.keys import stored_bad_keys
from salescycle.opportunities.choices import ActionTaken, OpportunityStatus
from salescycle.opportunities.ledger import FIGURES
from salescycle.opportunities.models import Opportunity, OpportunityEntry

MAX_REPORTED = 50


@dataclass
class IntegrityReport:
    """The result of :func:`check_integrity`: counts checked and the problems found (at most 50 listed per rule)."""

    opportunities: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no invariant is broken."""
        return not self.problems


def _report(report: IntegrityReport, rule: str, nos: list[str]) -> None:
    for no in nos[:MAX_REPORTED]:
        report.problems.append(f"{no}: {rule}")


def check_integrity() -> IntegrityReport:
    """Verify the ledger invariants (see module docstring) with set-based queries plus one streamed pass over the
    entries for Days Open. Returns an :class:`IntegrityReport`; changes nothing."""
    report = IntegrityReport(opportunities=Opportunity.objects.count(), entries=OpportunityEntry.objects.count())
    active = OpportunityEntry.objects.filter(opportunity_id=OuterRef("no"), active=True)
    any_entry = OpportunityEntry.objects.filter(opportunity_id=OuterRef("no"))
    started = Opportunity.objects.exclude(status=OpportunityStatus.NOT_STARTED)
    _report(
        report,
        "started but has no active entry",
        list(started.filter(~Exists(active)).values_list("no", flat=True)[:MAX_REPORTED]),
    )
    _report(
        report,
        "Not Started but has entries",
        list(
            Opportunity.objects.filter(status=OpportunityStatus.NOT_STARTED)
            .filter(Exists(any_entry))
            .values_list("no", flat=True)[:MAX_REPORTED]
        ),
    )
    _report(
        report,
        "more than one active entry",
        list(
            OpportunityEntry.objects.filter(active=True)
            .values("opportunity_id")
            .annotate(n=Count("entry_no"))
            .filter(n__gt=1)
            .values_list("opportunity_id", flat=True)[:MAX_REPORTED]
        ),
    )
    entries = OpportunityEntry.objects.filter(active=True)
    status_mismatch = (
        entries.filter(action_taken=ActionTaken.WON).exclude(opportunity__status=OpportunityStatus.WON)
        | entries.filter(action_taken=ActionTaken.LOST).exclude(opportunity__status=OpportunityStatus.LOST)
        | entries.exclude(action_taken__in=[ActionTaken.WON, ActionTaken.LOST]).exclude(
            opportunity__status=OpportunityStatus.IN_PROGRESS
        )
    )
    _report(
        report,
        "status does not agree with the active entry",
        list(status_mismatch.values_list("opportunity_id", flat=True)[:MAX_REPORTED]),
    )
    closing = entries.filter(action_taken__in=[ActionTaken.WON, ActionTaken.LOST])
    _report(
        report,
        "closed flag or date closed does not agree with the closing entry",
        list(
            closing.filter(Q(opportunity__closed=False) | ~Q(opportunity__date_closed=F("date_of_change"))).values_list(
                "opportunity_id", flat=True
            )[:MAX_REPORTED]
        ),
    )
    figure_mismatch = Q()
    for opp_field, entry_field in FIGURES:
        figure_mismatch |= ~Q(**{f"opportunity__{opp_field}": F(entry_field)})
    _report(
        report,
        "figures differ from the active entry",
        list(entries.filter(figure_mismatch).values_list("opportunity_id", flat=True)[:MAX_REPORTED]),
    )
    _report(
        report,
        "Not Started or Won/Lost figures on an opportunity without entries",
        list(
            Opportunity.objects.filter(status=OpportunityStatus.NOT_STARTED)
            .exclude(current_sales_cycle_stage=0, estimated_value=0, calculated_current_value=0)
            .values_list("no", flat=True)[:MAX_REPORTED]
        ),
    )
    _check_days_open(report)
    _check_keys(report)
    return report


def _check_keys(report: IntegrityReport) -> None:
    for table, keys in stored_bad_keys(apps, limit=MAX_REPORTED).items():
        report.problems.append(f"{table}: keys breaking the key rule (fix by hand): {', '.join(keys)}")


def _check_days_open(report: IntegrityReport) -> None:
    rows = (
        OpportunityEntry.objects.order_by("opportunity_id", "entry_no")
        .values_list("opportunity_id", "entry_no", "date_of_change", "days_open", "active")
        .iterator(chunk_size=20000)
    )
    found = 0
    previous = None
    for row in itertools.chain(rows, [None]):
        problem = None
        if previous is not None and row is not None and previous[0] == row[0]:
            expected = max((row[2] - previous[2]).days, 0)
            if previous[4]:
                problem = f"{previous[0]}: entry {previous[1]} is active but not the newest entry"
            elif previous[3] != expected:
                problem = f"{previous[0]}: entry {previous[1]} has Days Open {previous[3]}, expected {expected}"
        elif previous is not None and previous[4] and previous[3] != 0:
            problem = f"{previous[0]}: active entry {previous[1]} has Days Open {previous[3]}"
        if problem:
            report.problems.append(problem)
            found += 1
            if found >= MAX_REPORTED:
                return
        previous = row
