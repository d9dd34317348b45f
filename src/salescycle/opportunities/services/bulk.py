"""Bulk actions on a selection of opportunities (issue #15): reassign the salesperson, close as Lost with a close
code. Each opportunity goes through the same service as one opportunity does (the card's
:func:`~salescycle.opportunities.services.fields.change_opportunity`, the Close wizard's
:func:`~salescycle.opportunities.services.moves.close_opportunity`), **in its own transaction**: one refused
opportunity does not undo the others. A sales team expects "12 reassigned, 2 refused: OP000003 is closed", not "nothing
done because one of fourteen was closed"; and every item's write is whole or absent, so a retry of the refused ones is
safe (a repeated reassign changes nothing, a repeated close is refused as ``opportunity.closed``).

What concerns the whole request is checked once, before any opportunity is touched, with the same helpers the
single-opportunity services use, and refuses the whole request: the selection's size (1 to :data:`MAX_SELECTION`
numbers), an actor who may not change anything (403), the target salesperson (unknown, blocked, or one the actor may
not hand opportunities to) and the close code (unknown, or not a Lost code). What concerns one opportunity (missing
or invisible to the actor: ``not_found``, exactly as a missing one; visible but not changeable:
``permission_denied``; closed; a closing date before its last Date of Change …) refuses that opportunity only, with the
service's stable code and message.

Larger selections (a whole filtered list of 1,000,000 opportunities) belong to a filter-based background job like
Delete Closed Opportunities (issue #16), not to a list of numbers.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from django.utils.translation import gettext_lazy as _

from salescycle.contacts import permissions
from salescycle.core.actors import Actor
from salescycle.core.errors import DomainError, InvalidInput
from salescycle.core.keys import normalize_key
from salescycle.core.workdate import get_work_date
from salescycle.opportunities import engine
from salescycle.opportunities.choices import CloseType
from salescycle.opportunities.services._common import _salesperson
from salescycle.opportunities.services.fields import change_opportunity
from salescycle.opportunities.services.moves import _CLOSE_CODE_TYPE, close_opportunity

logger = logging.getLogger(__name__)

# The most opportunity numbers one bulk request may name (web and API). Each is its own transaction with a handful
# of queries, so 1,000 is a few seconds at most; more belongs to a filter-based background job.
MAX_SELECTION: Final = 1000


@dataclass(frozen=True)
class Refusal:
    """One opportunity a bulk action refused: its number (as given, normalised), the stable error ``code`` of the
    service that refused it (``not_found``, ``permission_denied``, ``opportunity.closed`` …) and the translated
    ``message``."""

    no: str
    code: str
    message: str


@dataclass(frozen=True)
class BulkResult:
    """The outcome of a bulk action: the numbers ``done`` (in number order) and the ``refused`` ones with why."""

    done: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def selection(nos: Iterable[str]) -> list[str]:
    """The opportunity numbers of a selection as stored (stripped, upper-case), each once, in number order: the
    order in which the actions lock them, so that two bulk requests that each run in one transaction (with an
    ``Idempotency-Key``) wait for each other rather than deadlock. Errors: 422 ``invalid_input`` on ``nos`` when it
    is empty or names more than :data:`MAX_SELECTION`."""
    keys = sorted({key for key in (normalize_key(no) for no in nos) if key})
    if not keys:
        raise InvalidInput(
            "invalid_input", _("Select at least one opportunity."), fields={"nos": [str(_("Required."))]}
        )
    if len(keys) > MAX_SELECTION:
        message = _("Select at most %(max)d opportunities at a time.")
        raise InvalidInput(
            "invalid_input",
            message,
            fields={"nos": [str(message) % {"max": MAX_SELECTION}]},
            params={"max": MAX_SELECTION},
        )
    return keys


def _each(keys: list[str], act: Callable[[str], Any], *, by: Actor, action: str) -> BulkResult:
    """Run ``act(no)`` (a service call, one transaction) for each number; a ``DomainError`` refuses that number only
    (logged: a client error mapped to a result, conventions)."""
    done: list[str] = []
    refused: list[Refusal] = []
    for no in keys:
        try:
            act(no)
        except DomainError as error:
            logger.info("bulk %s: %s refused for %r: %s", action, no, by, error.code)
            refused.append(Refusal(no=no, code=error.code, message=error.message))
        else:
            done.append(no)
    return BulkResult(done=done, refused=refused)


def reassign_salesperson(
    nos: Iterable[str], salesperson_code: str, *, by: Actor, update_open_tasks: bool = False
) -> BulkResult:
    """Give each opportunity of ``nos`` to salesperson ``salesperson_code`` through
    :func:`~salescycle.opportunities.services.fields.change_opportunity` (spec §4.3.2, §4.12: active entries follow,
    the change log records it; with ``update_open_tasks`` the open tasks of the old salesperson follow), each in its
    own transaction. An opportunity that already has that salesperson counts as done (nothing is written).

    The whole request is refused (nothing written) for: 422 ``invalid_input`` (empty selection, more than
    :data:`MAX_SELECTION`), 403 ``permission_denied`` (the actor may not change opportunities, or may not hand them
    to that salesperson: :func:`permissions.require_assign_salesperson`), 422 ``salesperson.not_found`` /
    ``salesperson.blocked``. Each opportunity is refused on its own with the service's code: ``not_found`` (missing or
    invisible), ``permission_denied`` (visible, not changeable), ``opportunity.field_not_editable`` (closed) ….
    Implements issue #15 "Bulk actions"."""
    keys = selection(nos)
    permissions.require_write(by)
    salesperson = _salesperson(normalize_key(salesperson_code))
    permissions.require_assign_salesperson(by, salesperson.code)
    changes = {"salesperson_code": salesperson.code}
    return _each(
        keys,
        lambda no: change_opportunity(no, by=by, changes=changes, update_open_tasks=update_open_tasks),
        by=by,
        action="reassign",
    )


def close_as_lost(
    nos: Iterable[str],
    close_opportunity_code: str,
    *,
    by: Actor,
    date_closed: dt.date | None = None,
    cancel_old_tasks: bool = True,
    work_date: dt.date | None = None,
) -> BulkResult:
    """Close each opportunity of ``nos`` as Lost with ``close_opportunity_code`` through
    :func:`~salescycle.opportunities.services.moves.close_opportunity` (spec §4.8), each in its own transaction:
    closing date ``date_closed`` or, per opportunity, max(its last Date of Change, the WorkDate); old tasks cancelled
    unless ``cancel_old_tasks`` is false. Irreversible: the web app asks first.

    The whole request is refused (nothing written) for: 422 ``invalid_input`` (empty selection, more than
    :data:`MAX_SELECTION`), 403 ``permission_denied`` (the actor may not change opportunities), the close code's
    own errors of the Close wizard (``close.code_required``, ``close.code_not_found``, ``close.code_type_mismatch``
    for a Won code). Each opportunity is refused on its own with the service's code: ``not_found``,
    ``permission_denied``, ``opportunity.closed``, ``close.date_before_previous`` ….
    Implements issue #15 "Bulk actions", spec §4.8."""
    keys = selection(nos)
    permissions.require_write(by)
    code = normalize_key(close_opportunity_code)
    when = work_date or get_work_date(by)
    request = engine.CloseRequest(
        outcome=CloseType.LOST, close_opportunity_code=code or None, date_closed=date_closed, cancel_old_tasks=True
    )
    # The code's checks of the Close wizard, once for all: the engine's plan for an opportunity without cycle and
    # entry runs exactly the outcome and code checks (no last Date of Change, no sales value for Lost).
    engine.plan_close(None, None, request, close_code_type=_CLOSE_CODE_TYPE.first(code), work_date=when)
    return _each(
        keys,
        lambda no: close_opportunity(
            no,
            by=by,
            outcome=CloseType.LOST,
            close_opportunity_code=code,
            date_closed=date_closed,
            cancel_old_tasks=cancel_old_tasks,
            work_date=when,
        ),
        by=by,
        action="close",
    )
