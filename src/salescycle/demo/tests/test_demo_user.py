"""The demo user of ``make run`` gets its known password only on a database make run created (issue #12 item 14).
The empty-database claim itself (before the first migrate) is proved end to end by ``tests/test_make_run.py``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from salescycle.core.checks import DEFAULT_DEMO_PASSWORD
from salescycle.demo.demo_user import claim_if_empty, database_identity, ensure_demo_user, is_claimed, marker_path
from salescycle.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(tmp_path: Path) -> object:
    with override_settings(DATA_DIR=tmp_path, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield tmp_path


def _demo_with_private_password() -> None:
    user = make_user("demo", is_superuser=True)
    user.set_password("a-private-password-7f3a")
    user.save()


def _demo_password_is(password: str) -> bool:
    return bool(get_user_model().objects.get(username="demo").check_password(password))


def test_a_database_with_tables_is_not_claimed(data_dir: Path) -> None:
    assert claim_if_empty() is False
    assert not marker_path().exists()
    assert not is_claimed()


def test_on_an_unclaimed_database_the_demo_password_is_left_alone(data_dir: Path) -> None:
    _demo_with_private_password()
    out = io.StringIO()

    call_command("demo_user", stdout=out)

    assert _demo_password_is("a-private-password-7f3a")
    assert "make run did not create it" in out.getvalue()
    assert "Log in as" not in out.getvalue()


def test_no_demo_user_is_created_on_an_unclaimed_database(data_dir: Path) -> None:
    assert ensure_demo_user(DEFAULT_DEMO_PASSWORD) is False
    assert not get_user_model().objects.filter(username="demo").exists()


def test_a_marker_of_another_database_does_not_count(data_dir: Path) -> None:
    _demo_with_private_password()
    other = {**database_identity(), "name": "/somewhere/else.sqlite3"}
    marker_path().write_text(json.dumps(other))

    assert ensure_demo_user(DEFAULT_DEMO_PASSWORD) is False
    assert _demo_password_is("a-private-password-7f3a")


def test_on_the_claimed_database_the_demo_user_is_reset_to_the_demo_password(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _demo_with_private_password()
    get_user_model().objects.filter(username="demo").update(is_active=False, is_superuser=False)
    marker_path().write_text(json.dumps(database_identity()))
    monkeypatch.setenv("DEMO_PASSWORD", "chosen-demo-pass")
    out = io.StringIO()

    call_command("demo_user", stdout=out)

    assert out.getvalue().strip() == "Log in as: demo / chosen-demo-pass"
    demo = get_user_model().objects.get(username="demo")
    assert demo.is_active
    assert demo.is_superuser
    assert demo.is_staff
    assert demo.check_password("chosen-demo-pass")


def test_an_unreadable_marker_counts_as_absent(data_dir: Path) -> None:
    marker_path().write_text("{not json")

    assert is_claimed() is False
