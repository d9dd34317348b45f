"""``check --deploy`` warns (core.W001) while a user that matters still has make run's demo password (issue #12
item 14)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import check_password as real_check_password
from django.core.checks import run_checks
from django.test import override_settings

from salescycle.core import checks
from salescycle.core.checks import DEFAULT_DEMO_PASSWORD, MAX_USERS_CHECKED, check_demo_password
from salescycle.testing import make_user

pytestmark = [
    pytest.mark.django_db,
    # MD5 keeps these tests fast; the check itself works with whatever hashers the settings list.
    pytest.mark.usefixtures("_fast_hasher"),
]


@pytest.fixture
def _fast_hasher() -> object:
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


def _user(username: str, password: str, **extra: Any) -> None:
    user = make_user(username, **extra)
    user.set_password(password)
    user.save()


def test_the_demo_user_with_the_default_password_gives_the_deploy_warning() -> None:
    _user("demo", DEFAULT_DEMO_PASSWORD, is_superuser=True, is_staff=True)

    messages = [m for m in run_checks(include_deployment_checks=True) if m.id == "core.W001"]

    assert len(messages) == 1
    assert "demo" in messages[0].msg
    assert messages[0].hint
    assert "changepassword" in messages[0].hint


def test_a_superuser_with_the_configured_demo_password_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "our-own-demo-pass")
    _user("boss", "our-own-demo-pass", is_superuser=True)
    _user("demo", "a-private-password-7f3a")

    [message] = check_demo_password(None)

    assert message.id == "core.W001"
    assert "boss" in message.msg
    assert "demo," not in message.msg
    assert "User(s) boss still" in message.msg


def test_private_passwords_ordinary_users_and_inactive_users_give_no_warning() -> None:
    _user("demo", "a-private-password-7f3a", is_superuser=True)
    _user("clerk", DEFAULT_DEMO_PASSWORD)  # not a superuser, not named demo: not looked at
    _user("former", DEFAULT_DEMO_PASSWORD, is_superuser=True, is_active=False)

    assert check_demo_password(None) == []
    assert not [m for m in run_checks(include_deployment_checks=True) if m.id == "core.W001"]


def test_the_check_is_deploy_only() -> None:
    _user("demo", DEFAULT_DEMO_PASSWORD, is_superuser=True)

    assert not [m for m in run_checks() if m.id == "core.W001"]


def test_the_number_of_hasher_runs_is_bounded_and_the_demo_user_is_always_among_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for number in range(MAX_USERS_CHECKED + 3):
        _user(f"admin{number}", DEFAULT_DEMO_PASSWORD, is_superuser=True)
    _user("demo", DEFAULT_DEMO_PASSWORD, is_superuser=True)  # created last, checked first
    calls: list[str] = []

    def counting(raw: str, encoded: str) -> bool:
        calls.append(raw)
        return real_check_password(raw, encoded)

    monkeypatch.setattr(checks, "check_password", counting)

    found = checks.users_with_demo_password()

    assert len(found) == MAX_USERS_CHECKED
    assert found[0] == "demo"
    assert len(calls) <= MAX_USERS_CHECKED * len(checks.demo_passwords())
