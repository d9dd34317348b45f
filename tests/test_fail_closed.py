"""Fail closed (issue #12 item 2): the actor of every service and selector is a required, typed argument; only the
explicit ``SYSTEM`` sentinel is allowed everything; ``None`` and anonymous users get nothing; the Django admin never
writes around the services.

The signature test is generated from the modules, so a new service or selector cannot reintroduce a default actor.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client
from django.urls import reverse

import salescycle
from salescycle import testing
from salescycle.contacts import permissions
from salescycle.contacts import services as setup_services
from salescycle.contacts.models import Salesperson, Team
from salescycle.core.actors import SYSTEM, System, user_of
from salescycle.core.errors import NotFound, PermissionDenied
from salescycle.opportunities import selectors, services
from salescycle.opportunities.models import Opportunity

ACTOR_NAMES = {"by", "user", "actor"}


def _our_modules() -> list[Any]:
    modules = []
    for info in pkgutil.walk_packages(salescycle.__path__, "salescycle."):
        name = info.name
        if ".tests" in name or ".migrations" in name or name.endswith(("settings", "wsgi", "asgi")):
            continue
        if not any(
            part in name for part in ("services", "selectors", "setup", "statistics", "analysis", "permissions")
        ):
            continue
        modules.append(importlib.import_module(name))
    return modules


def _functions_with_an_actor() -> list[tuple[str, inspect.Parameter]]:
    found = []
    for module in _our_modules():
        for name, function in vars(module).items():
            if not inspect.isfunction(function) or function.__module__ != module.__name__:
                continue
            for parameter in inspect.signature(function).parameters.values():
                if parameter.name in ACTOR_NAMES:
                    found.append((f"{module.__name__}.{name}", parameter))
    return found


def test_no_service_or_selector_has_a_default_actor() -> None:
    functions = _functions_with_an_actor()

    assert len(functions) > 80  # the services, selectors, statistics and permission checks were all found
    defaults = [name for name, parameter in functions if parameter.default is not inspect.Parameter.empty]
    assert defaults == []


def test_services_and_selectors_type_their_actor() -> None:
    untyped = [
        name
        for name, parameter in _functions_with_an_actor()
        if ".permissions." not in name and "Actor" not in str(parameter.annotation)
    ]
    assert untyped == []


@pytest.mark.django_db
def test_a_forgotten_actor_is_a_type_error_not_the_system() -> None:
    with pytest.raises(TypeError):
        services.delete_closed_opportunities()  # type: ignore[call-arg]


def test_only_the_sentinel_is_the_system() -> None:
    assert System() is SYSTEM
    assert permissions.access(SYSTEM).is_system
    for nobody in (None, AnonymousUser()):
        who = permissions.access(nobody)
        assert not who.is_system
        assert not who.sees_all
        assert not who.may_write
        assert not who.may_setup
        assert not who.may_read
    assert user_of(SYSTEM) is None
    assert user_of(AnonymousUser()) is None


@pytest.mark.django_db
def test_none_as_actor_sees_and_changes_nothing() -> None:
    testing.demo_setup()
    salesperson = testing.make_salesperson("AH")
    opportunity = testing.create_opportunity(testing.make_company("CT1"), salesperson, activate=True)

    assert list(selectors.visible(None)) == []  # type: ignore[arg-type]
    assert selectors.opportunity(opportunity.no, None) is None  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        services.change_opportunity(opportunity.no, changes={"description": "x"}, by=None)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        services.delete_closed_opportunities(by=None)  # type: ignore[arg-type]
    assert Opportunity.objects.get(no=opportunity.no).description == opportunity.description


# --- The admin --------------------------------------------------------------------------------------------------

# What the admin may still write, each through a service: teams, and a salesperson's user and teams.
WRITABLE = {Team, Salesperson}
TOKENS = "apitokens"  # revoking a token in the admin is the admin's job


def _our_admins() -> list[tuple[type, Any]]:
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in {"core", "contacts", "opportunities", "tasks", "sales"}
    ]


@pytest.mark.django_db
def test_the_admin_is_read_only_for_every_salescycle_model() -> None:
    superuser = testing.make_user("root", is_superuser=True, is_staff=True)
    request = type("Request", (), {"user": superuser})()
    admins = _our_admins()

    assert len(admins) >= 20
    for model, model_admin in admins:
        adds = model_admin.has_add_permission(request) if model is not Team else False
        deletes = model_admin.has_delete_permission(request) if model is not Team else False
        changes = model_admin.has_change_permission(request) if model not in WRITABLE else False
        assert (model.__name__, adds, changes, deletes) == (model.__name__, False, False, False)
        for inline in model_admin.inlines:
            instance = inline(model, admin.site)
            assert not instance.has_add_permission(request, None), inline
            assert not instance.has_change_permission(request, None), inline
            assert not instance.has_delete_permission(request, None), inline


@pytest.mark.django_db
def test_admin_pages_refuse_writes_over_http() -> None:
    testing.demo_setup()
    testing.make_user("root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(User.objects.get(username="root"))

    cycle_url = reverse("admin:opportunities_salescycle_change", args=["NEW"])
    assert client.get(cycle_url).status_code == 200  # readable
    response = client.post(cycle_url, {"code": "NEW", "description": "Hacked", "blocked": "on"})
    assert response.status_code == 403
    assert client.get(reverse("admin:opportunities_salescycle_add")).status_code == 403
    assert (
        client.post(reverse("admin:opportunities_salescycle_delete", args=["NEW"]), {"post": "yes"}).status_code == 403
    )
    setup_page = reverse("admin:opportunities_marketingsetup_changelist")
    assert client.get(setup_page).status_code == 200


@pytest.mark.django_db
def test_admin_team_and_salesperson_assignments_go_through_the_services() -> None:
    root = testing.make_user("root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(User.objects.get(username="root"))
    salesperson = testing.make_salesperson("AH", name="Annette")
    user = testing.make_user("annette", role="Salesperson")

    response = client.post(reverse("admin:contacts_team_add"), {"code": "north", "name": "North"})
    assert response.status_code == 302
    team = Team.objects.get(code="NORTH")  # the service upper-cased the key
    assert team.version == 1

    url = reverse("admin:contacts_salesperson_change", args=["AH"])
    response = client.post(url, {"user": user.pk, "teams": ["NORTH"], "name": "Changed"})
    assert response.status_code == 302
    salesperson.refresh_from_db()
    assert (salesperson.user_id, list(salesperson.teams.values_list("code", flat=True))) == (user.pk, ["NORTH"])
    assert salesperson.name == "Annette"  # read-only in the admin
    assert salesperson.version == 2
    assert permissions.access(root).is_superuser


@pytest.mark.django_db
def test_team_and_assignment_services_are_for_administrators() -> None:
    testing.make_salesperson("AH")
    manager = testing.make_user(role="Sales Manager")
    with pytest.raises(PermissionDenied):
        setup_services.save_team("T1", name="x", by=manager)
    with pytest.raises(PermissionDenied):
        setup_services.assign_salesperson("AH", account=manager, teams=[], by=manager)
    assert not Team.objects.exists()
    assert Salesperson.objects.get(code="AH").user_id is None
