"""Plain typed factories for tests, with visible defaults (conventions: "How a test looks"). A top-level module: the
factories build rows of every app, and ``core`` imports nothing of ours.

``make_*`` functions create rows directly (not through services) unless the name says otherwise; business actions in
tests go through the services so the rules run.
"""

from __future__ import annotations

import datetime as dt
import inspect
import itertools
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from salescycle.contacts.models import Contact, Salesperson, Team
from salescycle.contacts.permissions import forget
from salescycle.core.actors import SYSTEM
from salescycle.demo.setup_data import install_demo_setup
from salescycle.opportunities.models import CloseOpportunityCode, SalesCycle, SalesCycleStage
from salescycle.opportunities.services import Estimates
from salescycle.opportunities.services import create_opportunity as create

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_counter = itertools.count(1)


def _next(prefix: str) -> str:
    return f"{prefix}{next(_counter):05d}"


def make_user(username: str | None = None, *, role: str | None = None, salesperson: Any = None, **extra: Any) -> Any:
    """A Django user (password ``pw``) with ``role`` (a group of ``core/migrations/0002_roles.py``: "Salesperson",
    "Sales Manager", "Administrator", "Viewer"; None = no role) and linked to ``salesperson`` when given."""
    user_model = get_user_model()
    user = user_model.objects.create_user(username=username or _next("user"), password="pw", **extra)  # noqa: S106
    if role:
        give_role(user, role)
    if salesperson is not None:
        salesperson.user = user
        salesperson.save(update_fields=["user"])
    return user


def give_role(user: User, role: str) -> User:
    """Add ``role`` to ``user``'s roles (and forget their cached rights)."""
    # get_or_create: transactional tests flush the groups the data migration created.
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    forget(user)
    return user


def make_salesperson_user(
    username: str | None = None, *, salesperson: Any = None, teams: tuple[str, ...] = (), **extra: Any
) -> Any:
    """Persona "salesperson": a user with the Salesperson role linked to ``salesperson`` (a new one by default),
    which belongs to ``teams`` (team codes, created when missing)."""
    salesperson = salesperson or make_salesperson()
    for code in teams:
        salesperson.teams.add(Team.objects.get_or_create(code=code, defaults={"name": f"Team {code}"})[0])
    return make_user(username, role="Salesperson", salesperson=salesperson, **extra)


def make_manager(username: str | None = None, **extra: Any) -> Any:
    """Persona "sales manager": reads and changes all opportunities, runs the batch delete."""
    return make_user(username, role="Sales Manager", **extra)


def make_administrator(username: str | None = None, **extra: Any) -> Any:
    """Persona "administrator": a Sales Manager who also edits the setup."""
    return make_user(username, role="Administrator", **extra)


def make_viewer(username: str | None = None, **extra: Any) -> Any:
    """Persona "viewer": reads everything, changes nothing."""
    return make_user(username, role="Viewer", **extra)


def make_salesperson(code: str | None = None, **fields: Any) -> Any:
    """A salesperson (not blocked)."""
    code = code or _next("SP")
    return Salesperson.objects.create(code=code, name=fields.pop("name", f"Salesperson {code}"), **fields)


def make_company(no: str | None = None, **fields: Any) -> Any:
    """A company contact (its company is itself)."""
    no = no or _next("CT")
    return Contact.objects.create(
        no=no, type="company", company_id=no, name=fields.pop("name", f"Company {no}"), **fields
    )


def make_person(company: Any | None = None, no: str | None = None, **fields: Any) -> Any:
    """A person contact, of ``company`` or without company."""
    no = no or _next("CT")
    return Contact.objects.create(
        no=no, type="person", company=company, name=fields.pop("name", f"Person {no}"), **fields
    )


def make_cycle(code: str | None = None, *, method: str = "multiply", stages: list[dict[str, Any]] | None = None) -> Any:
    """A sales cycle with ``stages`` (dicts of SalesCycleStage fields; ``stage`` required)."""
    cycle = SalesCycle.objects.create(
        code=code or _next("SC"), description="Test cycle", probability_calculation=method
    )
    for data in stages or []:
        values = dict(data)
        for key in ("completed_pct", "chances_of_success_pct"):
            if key in values:
                values[key] = Decimal(values[key])
        SalesCycleStage.objects.create(sales_cycle=cycle, **values)
    return cycle


def make_close_code(code: str, type: str = "won") -> Any:
    """A close opportunity code of ``type`` (``won``/``lost``)."""
    return CloseOpportunityCode.objects.create(code=code, description=code, type=type)


def demo_setup() -> None:
    """Install the spec §7 demo setup (EXISTING and NEW cycles, activities, close codes; default cycle NEW)."""
    install_demo_setup()


def create_opportunity(
    contact: Any,
    salesperson: Any,
    *,
    cycle: str = "NEW",
    activate: bool = False,
    value: str = "10000",
    chances: str = "10",
    closing: dt.date | None = None,
    creation_date: dt.date = dt.date(2026, 1, 5),
    **extra: Any,
) -> Any:
    """An opportunity created through the service (optionally activated with the given estimates), by ``by`` (default
    :data:`~salescycle.core.actors.SYSTEM`: a test fixture is set up by the system)."""
    return create(
        description=extra.pop("description", "Test opportunity"),
        contact_no=contact.no,
        salesperson_code=salesperson.code,
        sales_cycle_code=cycle,
        creation_date=creation_date,
        activate_first_stage=activate,
        estimates=Estimates(Decimal(value), Decimal(chances), closing or creation_date + dt.timedelta(days=30)),
        by=extra.pop("by", SYSTEM),
        **extra,
    )


def with_actor(call: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` plus ``by=SYSTEM`` when ``call`` takes an actor and none is given (for test helpers that call many
    services: the fixture acts as the system unless the test says who acts)."""
    if "by" in kwargs or "by" not in inspect.signature(call).parameters:
        return kwargs
    return {**kwargs, "by": SYSTEM}
