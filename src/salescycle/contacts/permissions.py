"""Who may see and change what (issue #8): the four roles, resolved once per user object, and the checks every
service and selector calls, so that the web app, the API and the CLI cannot differ (conventions: "Permission checks
live here too").

Roles are Django groups created by ``core/migrations/0002_roles.py``:

- **Salesperson** — a user linked to a Salesperson record (``Salesperson.user``). Sees the opportunities whose
  salesperson shares a team with them, plus their own (no team: only their own); changes only opportunities where
  they are the salesperson, creates opportunities only for themselves and hands them over only to a team mate
  (:func:`require_assign_salesperson`); may create and change working data
  (contacts, campaigns, segments, interactions, tasks, sales documents of visible opportunities); no setup.
- **Sales Manager** — sees and changes all opportunities, runs the batch delete, sees all statistics; no setup.
- **Administrator** — everything a Sales Manager does, plus setup (sales cycles and stages, close codes,
  activities, Marketing Setup with its number series, salespeople, teams, items, customer templates).
- **Viewer** — sees everything, changes nothing.

Superusers act as Administrators. :data:`salescycle.core.actors.SYSTEM` is the system (CLI commands, importers,
batch jobs started at the shell) and may do everything; it is an explicit argument, never a default (issue #12:
fail closed), and ``None`` or an anonymous user is someone without a role. A signed-in user **without a role**
sees nothing and may change nothing: the API answers 403 ``permission_denied`` saying so to everything but ``/me``
and ``/health``, and the web app shows the same message (``templates/403.html``) on every page but sign-in/out,
language and work date (:func:`require_read`). Several roles add up (a Salesperson who is also a Viewer sees all
but changes only their own).

A record the actor may not see is refused as 404 ``not_found`` (lists leave it out); a record they may see but not
change as 403 ``permission_denied`` (spec api.md "Visibility vs permission").

This module sits in ``contacts`` because it needs the Salesperson; the opportunity model it filters is named by its
label (``opportunities.Opportunity``), the way foreign keys across apps are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as PageDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from salescycle.contacts.models import Salesperson
from salescycle.core.actors import Actor, RequestUser, System
from salescycle.core.errors import DomainError, NotFound, PermissionDenied
from salescycle.core.records import not_found

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import Model

M = TypeVar("M", bound="Model")

SALESPERSON = "Salesperson"
SALES_MANAGER = "Sales Manager"
ADMINISTRATOR = "Administrator"
VIEWER = "Viewer"
ROLES = (SALESPERSON, SALES_MANAGER, ADMINISTRATOR, VIEWER)

_CACHE_ATTRIBUTE = "_salescycle_access"


@dataclass(frozen=True)
class Access:
    """What one actor may do, from their roles. ``salesperson_code`` is the user's own Salesperson (or "")."""

    roles: frozenset[str]
    is_system: bool = False
    is_superuser: bool = False
    salesperson_code: str = ""

    @property
    def sees_all(self) -> bool:
        """Reads every opportunity (system, superuser, Administrator, Sales Manager, Viewer)."""
        return self.is_system or self.is_superuser or bool(self.roles & {ADMINISTRATOR, SALES_MANAGER, VIEWER})

    @property
    def changes_all(self) -> bool:
        """Changes every opportunity (system, superuser, Administrator, Sales Manager)."""
        return self.is_system or self.is_superuser or bool(self.roles & {ADMINISTRATOR, SALES_MANAGER})

    @property
    def changes_own(self) -> bool:
        """Changes the opportunities where they are the salesperson (a Salesperson with a Salesperson record)."""
        return SALESPERSON in self.roles and bool(self.salesperson_code)

    @property
    def may_read(self) -> bool:
        """Has any role at all (a user without one sees nothing)."""
        return self.is_system or self.is_superuser or bool(self.roles)

    @property
    def may_write(self) -> bool:
        """May create and change working data (contacts, campaigns, segments, interactions, tasks, quotes)."""
        return self.changes_all or self.changes_own

    @property
    def may_setup(self) -> bool:
        """May change setup (system, superuser, Administrator)."""
        return self.is_system or self.is_superuser or ADMINISTRATOR in self.roles

    @property
    def may_batch_delete(self) -> bool:
        """May run the Delete Opportunities batch job (system, superuser, Administrator, Sales Manager)."""
        return self.changes_all

    @property
    def role_names(self) -> list[str]:
        """The roles in the order of :data:`ROLES` (for the header and the 403 page)."""
        return [role for role in ROLES if role in self.roles]


SYSTEM = Access(roles=frozenset(), is_system=True)
NOBODY = Access(roles=frozenset())


def access(user: Actor | None) -> Access:
    """The actor's :class:`Access`: :data:`~salescycle.core.actors.SYSTEM` may do everything; ``None`` and an
    anonymous user have no role (fail closed: a forgotten actor grants nothing). Resolved with one small query
    (groups and own salesperson) and cached on the user object, so once per request."""
    if isinstance(user, System):
        return SYSTEM
    if user is None:
        return NOBODY
    if not user.is_authenticated or not user.pk:
        return NOBODY
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if isinstance(cached, Access):
        return cached
    # One query: the user's role groups joined with their salesperson (one row per group, or one without).
    users = get_user_model()._default_manager
    rows = list(users.filter(pk=user.pk).values_list("groups__name", "salesperson__code"))
    return remember(user, {name for name, _code in rows}, next((code for _name, code in rows if code), ""))


def remember(user: User, roles: Iterable[str], salesperson_code: str) -> Access:
    """Cache the :class:`Access` of ``user`` from roles and salesperson loaded with the user (``contacts/auth.py``)."""
    held = frozenset(roles) & frozenset(ROLES)
    result = Access(
        roles=held,
        is_superuser=bool(user.is_superuser),
        salesperson_code=salesperson_code if SALESPERSON in held else "",
    )
    setattr(user, _CACHE_ATTRIBUTE, result)
    return result


def forget(user: User | None) -> None:
    """Drop the cached :class:`Access` of ``user`` (after changing their groups or salesperson)."""
    if user is not None and hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


# ---------------------------------------------------------------------------------------------------------------
# Visibility (SQL only)


def visible_salesperson_codes(code: str) -> QuerySet[Any]:
    """A subquery of the salesperson codes sharing a team with salesperson ``code`` (both ways on the teams table's
    indexes)."""
    membership = Salesperson.teams.through.objects
    own_teams = membership.filter(salesperson_id=code).values("team_id")
    return membership.filter(team_id__in=own_teams).values("salesperson_id")


def visibility_filter(user: Actor, field: str = "salesperson") -> Q | None:
    """The condition on ``<field>_id`` (an opportunity's or entry's salesperson) for the rows ``user`` may see:
    None when they see all, an always-false condition when they see none."""
    who = access(user)
    if who.sees_all:
        return None
    if SALESPERSON not in who.roles or not who.salesperson_code:
        return Q(pk__in=[])
    code = who.salesperson_code
    return Q(**{f"{field}_id": code}) | Q(**{f"{field}_id__in": visible_salesperson_codes(code)})


def visible_opportunities(user: Actor, qs: QuerySet[Any] | None = None) -> QuerySet[Any]:
    """``qs`` (default all opportunities) restricted to the opportunities ``user`` may see: a filter on the
    salesperson column with a subquery on team membership, so the database uses ``opp_salesperson_*`` indexes."""
    if qs is None:
        qs = apps.get_model("opportunities", "Opportunity").objects.all()
    condition = visibility_filter(user)
    return qs if condition is None else qs.filter(condition)


def visible_opportunity_nos(user: Actor) -> QuerySet[Any] | None:
    """A subquery of the numbers of the opportunities ``user`` may see, or None when they see all (for filtering
    rows that reference an opportunity by number: tasks, sales documents)."""
    if visibility_filter(user) is None:
        return None
    return visible_opportunities(user).values("no")


def linked_to_visible(user: Actor, field: str = "opportunity_no") -> Q | None:
    """The condition for rows with an opportunity number in ``field`` (blank = none): no opportunity, or a visible
    one. None when the user sees all."""
    nos = visible_opportunity_nos(user)
    if nos is None:
        return None
    return Q(**{field: ""}) | Q(**{f"{field}__in": nos})


def can_see_opportunity(user: Actor, opportunity: Any) -> bool:
    """True when ``user`` may read ``opportunity`` (no query for the roles that see all or see nothing)."""
    who = access(user)
    if who.sees_all:
        return True
    if SALESPERSON not in who.roles or not who.salesperson_code:
        return False
    if opportunity.salesperson_id == who.salesperson_code:
        return True
    if not opportunity.salesperson_id:
        return False
    return visible_salesperson_codes(who.salesperson_code).filter(salesperson_id=opportunity.salesperson_id).exists()


def can_see_opportunity_no(user: Actor, no: str) -> bool:
    """True when ``no`` is blank or names an opportunity ``user`` may see (or one that no longer exists)."""
    if not no or visibility_filter(user) is None:
        return True
    model = apps.get_model("opportunities", "Opportunity")
    salesperson = model.objects.filter(no=no).values_list("salesperson_id", flat=True).first()
    if salesperson is None and not model.objects.filter(no=no).exists():
        return True
    return visible_opportunities(user, model.objects.filter(no=no)).exists()


def can_change_opportunity(user: Actor, opportunity: Any) -> bool:
    """True when ``user`` may change ``opportunity``: all for managers and administrators, their own for a
    Salesperson."""
    who = access(user)
    if who.changes_all:
        return True
    return who.changes_own and opportunity.salesperson_id == who.salesperson_code


# ---------------------------------------------------------------------------------------------------------------
# The checks services call (they raise; 404 when the record is invisible, 403 when it is only read-only)


NO_ROLE_MESSAGE = _(
    "Your user has no role in Salescycle yet, so there is nothing to show. "
    "Ask an administrator to give you a role (Salesperson, Sales Manager, Administrator or Viewer)."
)


def _denied() -> PermissionDenied:
    return PermissionDenied("permission_denied", _("You do not have permission to perform this action."))


def _not_found(opportunity: Any) -> NotFound:
    # Exactly the answer for a number that does not exist: an invisible record must not be told apart.
    return not_found(type(opportunity), opportunity.pk)


def may_write(user: Actor) -> bool:
    """True when ``user`` may change working data such as contacts, campaigns and segments (not a Viewer)."""
    return access(user).may_write


def may_setup(user: Actor) -> bool:
    """True when ``user`` may change the setup (an Administrator, a superuser or the system)."""
    return access(user).may_setup


def require_read(by: Actor) -> None:
    """Refuse an actor without any role: 403 ``permission_denied`` with :data:`NO_ROLE_MESSAGE` (issue #12 item 4).

    The API calls it for every operation but ``/me`` and ``/health`` (``api.py``'s authentication), the web app for
    every page but sign-in/out, language and work date (``core/middleware.py``): a user without a role sees nothing,
    rather than empty lists, so that they are told why (spec api.md "Visibility vs permission")."""
    if not access(by).may_read:
        raise PermissionDenied("permission_denied", NO_ROLE_MESSAGE)


def require_see_opportunity(by: Actor, opportunity: Any) -> None:
    """Refuse with 404 ``not_found`` when ``by`` may not see ``opportunity``."""
    if not can_see_opportunity(by, opportunity):
        raise _not_found(opportunity)


def require_change_opportunity(by: Actor, opportunity: Any) -> None:
    """Refuse a change of ``opportunity`` by ``by``: 404 ``not_found`` when they may not even see it, 403
    ``permission_denied`` when they may see but not change it."""
    if can_change_opportunity(by, opportunity):
        return
    require_see_opportunity(by, opportunity)
    raise _denied()


def can_assign_salesperson(user: Actor, salesperson_code: str) -> bool:
    """True when ``user`` may give an opportunity to salesperson ``salesperson_code``: managers and administrators
    (and the system) to anyone; a Salesperson only to a salesperson whose opportunities they see — themselves or a
    team mate (one query for a team mate, none otherwise); Viewers and users without a role to nobody."""
    who = access(user)
    if who.changes_all:
        return True
    if not who.changes_own or not salesperson_code:
        return False
    if salesperson_code == who.salesperson_code:
        return True
    return visible_salesperson_codes(who.salesperson_code).filter(salesperson_id=salesperson_code).exists()


def require_assign_salesperson(by: Actor, salesperson_code: str) -> None:
    """Refuse (403 ``permission_denied``, with ``fields.salesperson_code``) giving an opportunity to a salesperson
    whose records ``by`` may not see (:func:`can_assign_salesperson`), so that a Salesperson can neither hand an
    opportunity to someone outside their team nor lose sight of what they just wrote (issue #12 item 7). Used when
    an opportunity is created (:func:`require_create_opportunity`) and when its salesperson is changed."""
    if not can_assign_salesperson(by, salesperson_code):
        raise PermissionDenied(
            "permission_denied",
            _("You may only give an opportunity to yourself or to a salesperson of your team."),
            fields={"salesperson_code": [str(_("Not allowed."))]},
        )


def require_create_opportunity(by: Actor, salesperson_code: str) -> None:
    """Refuse (403) creating an opportunity for ``salesperson_code``: managers and administrators for anyone, a
    Salesperson only for themselves (stricter than :func:`require_assign_salesperson`, which a later change of the
    salesperson follows: a Salesperson may hand their own opportunity to a team mate, not create one for them)."""
    who = access(by)
    if who.changes_all or (who.changes_own and salesperson_code == who.salesperson_code):
        return
    raise PermissionDenied(
        "permission_denied",
        _("You may only create opportunities for yourself as the salesperson."),
        fields={"salesperson_code": [str(_("Not allowed."))]} if who.changes_own else None,
    )


def require_write(by: Actor) -> None:
    """Refuse (403) an actor who may not change working data (Viewers, users without a role)."""
    if not access(by).may_write:
        raise _denied()


def require_setup(by: Actor) -> None:
    """Refuse (403) a setup change by anyone but an Administrator (or a superuser, or the system)."""
    if not access(by).may_setup:
        raise _denied()


def require_batch_delete(by: Actor) -> None:
    """Refuse (403) the Delete Opportunities batch job to anyone but a Sales Manager or Administrator."""
    if not access(by).may_batch_delete:
        raise _denied()


# ---------------------------------------------------------------------------------------------------------------
# References: every write checks the records it links to (issue #12 item 3)
#
# A write that stores a link (a task's opportunity, an interaction's contact, a quote's campaign...) answers like
# the reads: a referenced record the actor may not see is refused exactly as a missing one (422
# ``<thing>.not_found`` on the input field, the same message and parameters as ``core.records.require``), and a
# linked opportunity they may see but not change is refused with 403. The record being changed is checked by its
# stored link: 404 ``not_found`` (naming the record, not its opportunity) when the link is invisible, 403 when it
# is visible but not changeable.


def can_see_reference(user: Actor, obj: Any) -> bool:
    """True when ``user`` may read ``obj`` as the target of a link: an opportunity by
    :func:`can_see_opportunity`; a record linked to an opportunity (``opportunity_no`` or ``opportunity_id``: tasks,
    interactions, sales documents) by that opportunity; anything else (contacts, campaigns, segments, salespeople,
    items, templates: working data every role reads) to anyone with a role."""
    if obj._meta.label == "opportunities.Opportunity":
        return can_see_opportunity(user, obj)
    link = getattr(obj, "opportunity_no", None)
    if link is None:
        link = getattr(obj, "opportunity_id", None)
    if link and not can_see_opportunity_no(user, link):
        return False
    return access(user).may_read


def _unknown_reference(model: Any, key: object, *, code: str, field: str) -> DomainError:
    # Word for word the error of ``core.records.require`` for a missing row, so an invisible one is not told apart.
    return DomainError(
        code,
        _("%(model)s %(key)s does not exist."),
        fields={field: [str(_("Unknown value."))]},
        params={"model": str(model._meta.verbose_name).capitalize(), "key": key},
    )


def require_visible_ref(by: Actor, model: type[M], key: object, *, code: str, field: str) -> M:
    """The ``model`` row ``key`` that input ``field`` refers to, when ``by`` may see it (:func:`can_see_reference`);
    a missing or invisible row raises 422 ``code`` (e.g. ``contact.not_found``) with ``fields={field: [...]}``.
    Implements issue #12 item 3 ("a referenced record the user may not see is refused exactly as a missing one")."""
    obj = model._default_manager.filter(pk=key).first()
    if obj is None or not can_see_reference(by, obj):
        raise _unknown_reference(model, key, code=code, field=field)
    return obj


def require_visible_opportunity_ref(by: Actor, no: str, *, field: str = "opportunity_no") -> Any:
    """The opportunity ``no`` that input ``field`` refers to, when ``by`` may see it; else 422
    ``opportunity.not_found`` exactly as for a number that does not exist."""
    return require_visible_ref(
        by, apps.get_model("opportunities", "Opportunity"), no, code="opportunity.not_found", field=field
    )


def require_linkable_opportunity_ref(by: Actor, no: str, *, field: str = "opportunity_no") -> Any:
    """The opportunity ``no`` that a write links a record to (a task, an interaction, a sales quote): 422
    ``opportunity.not_found`` when missing or invisible to ``by``, 403 ``permission_denied`` (with ``fields``) when
    they may see but not change it (a Salesperson and a team mate's opportunity: linking something to it changes
    what its salesperson sees and counts)."""
    opportunity = require_visible_opportunity_ref(by, no, field=field)
    if not can_change_opportunity(by, opportunity):
        raise PermissionDenied(
            "permission_denied",
            _("You may not link records to opportunity %(no)s."),
            fields={field: [str(_("Not allowed."))]},
            params={"no": opportunity.no},
        )
    return opportunity


def require_change_linked(by: Actor, model: Any, key: object, opportunity_no: str | None) -> None:
    """Refuse a change by ``by`` of the ``model`` record ``key`` whose stored opportunity link is
    ``opportunity_no`` (blank: none): 404 ``not_found`` naming the record when the linked opportunity is invisible
    to them, 403 ``permission_denied`` when they may not change working data or may see but not change that
    opportunity. A link to an opportunity that no longer exists counts as none (D1 keeps such tasks).
    Implements spec api.md "Visibility vs permission" for tasks, interactions and sales documents."""
    if opportunity_no and not can_see_opportunity_no(by, opportunity_no):
        raise not_found(model, key)
    require_write(by)
    if not opportunity_no:
        return
    opportunity = apps.get_model("opportunities", "Opportunity").objects.filter(no=opportunity_no).first()
    if opportunity is not None and not can_change_opportunity(by, opportunity):
        raise _denied()


def can_name_opportunity(user: Actor, no: str) -> bool:
    """True when an error message for ``user`` may name opportunity ``no`` (they may see it): messages never name
    a record the reader could not open (issue #12 item 4)."""
    return can_see_opportunity_no(user, no)


# ---------------------------------------------------------------------------------------------------------------
# The web app


def has_no_role(user: RequestUser) -> bool:
    """True for a signed-in user without any role (every page but a few answers 403 with :data:`NO_ROLE_MESSAGE`)."""
    return not access(user).may_read


def require_for_page(check: Callable[[Actor], None], user: RequestUser) -> None:
    """Run ``check(user)`` (one of the ``require_*`` above) for a whole page: its refusal becomes Django's 403 with
    the translated message, which ``templates/403.html`` shows."""
    try:
        check(user)
    except PermissionDenied as error:
        raise PageDenied(error.message) from error
