"""Hardened defaults (issue #8): the secret key, ``check --deploy``, the Content Security Policy, login throttling
and API tokens stored as hashes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from salescycle import testing
from salescycle.apitokens.models import ApiToken

ROOT = Path(__file__).resolve().parents[1]
SALESCYCLE = Path(sys.executable).with_name("salescycle")

# Everything the settings read, so the subprocesses start from a clean environment whatever the caller exported.
SETTINGS_VARIABLES = (
    "SECRET_KEY",
    "DEBUG",
    "DATABASE_URL",
    "SALESCYCLE_HTTPS",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SALESCYCLE_PROXY_SSL_HEADER",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by tests/browser/conftest.py; check --deploy rightly refuses it (async.E001)
)

PRODUCTION_HTTPS = {
    "SALESCYCLE_HTTPS": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def _env(tmp_path: Path, **variables: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(SALESCYCLE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="salescycle.settings", **variables)
    return env


def _run(args: list[str], tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=ROOT, env=_env(tmp_path, **variables), capture_output=True, text=True, timeout=120, check=False
    )


def _settings_in_subprocess(tmp_path: Path, **variables: str) -> dict[str, Any]:
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({n: getattr(s, n, None) for n in "
        "['DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_HTTPONLY',"
        " 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', 'SILENCED_SYSTEM_CHECKS']}))"
    )
    result = _run([sys.executable, "-c", code], tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _key() -> str:
    return secrets.token_urlsafe(50)


# Secret key -----------------------------------------------------------------------------------------------------


def test_without_secret_key_and_debug_off_the_settings_refuse_to_start(tmp_path: Path) -> None:
    result = _run([sys.executable, "-c", "import django; django.setup()"], tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set and DEBUG is off" in result.stderr


def test_development_without_secret_key_still_starts(tmp_path: Path) -> None:
    assert _settings_in_subprocess(tmp_path, DEBUG="1")["DEBUG"] is True


def test_the_test_suite_runs_with_a_key_of_its_own() -> None:
    assert settings.SECRET_KEY
    assert "insecure" not in settings.SECRET_KEY


# check --deploy ------------------------------------------------------------------------------------------------


def test_plain_http_settings_use_httponly_cookies_and_silence_only_the_https_checks(tmp_path: Path) -> None:
    values = _settings_in_subprocess(tmp_path, SECRET_KEY=_key())

    assert values["SESSION_COOKIE_HTTPONLY"]
    assert values["CSRF_COOKIE_HTTPONLY"]
    assert not values["SESSION_COOKIE_SECURE"]
    assert not values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_HSTS_SECONDS"] == 0
    silenced = sorted(values["SILENCED_SYSTEM_CHECKS"])
    assert silenced == ["security.W004", "security.W008", "security.W012", "security.W016"]


def test_https_settings_turn_on_secure_cookies_redirect_and_hsts(tmp_path: Path) -> None:
    values = _settings_in_subprocess(tmp_path, SECRET_KEY=_key(), SALESCYCLE_PROXY_SSL_HEADER="1", **PRODUCTION_HTTPS)

    assert values["SESSION_COOKIE_SECURE"]
    assert values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert not values["SILENCED_SYSTEM_CHECKS"]


@pytest.mark.parametrize(
    "variables",
    [pytest.param({}, id="plain-http-like-make-run"), pytest.param(PRODUCTION_HTTPS, id="https-with-hsts")],
)
def test_check_deploy_is_clean_in_production_mode(tmp_path: Path, variables: dict[str, str]) -> None:
    result = _run(
        [str(SALESCYCLE), "check", "--deploy", "--fail-level", "WARNING"], tmp_path, SECRET_KEY=_key(), **variables
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_reminds_https_deployments_without_hsts(tmp_path: Path) -> None:
    result = _run(
        [str(SALESCYCLE), "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        SECRET_KEY=_key(),
        SALESCYCLE_HTTPS="1",
    )

    assert result.returncode != 0
    assert "security.W004" in result.stderr
    assert "security.W012" not in result.stderr
    assert "security.W016" not in result.stderr


# check --deploy reads the users (core.W001, the demo password: src/salescycle/core/checks.py), hence the database.
@pytest.mark.django_db
@override_settings(
    DEBUG=False,
    SECRET_KEY="x" * 10 + secrets.token_urlsafe(50),
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_HSTS_PRELOAD=True,
    SILENCED_SYSTEM_CHECKS=[],
)
def test_check_deploy_passes_in_process_with_https_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    call_command("check", "--deploy", "--fail-level", "WARNING", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_check_deploy_passes_in_process_with_the_plain_http_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    assert not settings.SESSION_COOKIE_SECURE  # the suite runs without SALESCYCLE_HTTPS
    call_command("check", "--deploy", "--fail-level", "WARNING", stdout=io.StringIO(), stderr=io.StringIO())


# Content Security Policy -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/opportunities/?view=all", "/api/v1/docs"])
def test_html_responses_carry_the_content_security_policy(client: Client, path: str) -> None:
    client.force_login(testing.make_user(role="Viewer"))

    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    policy = {
        directive.split()[0]: directive.split()[1:] for directive in response["Content-Security-Policy"].split(";")
    }
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "unsafe" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_style(client: Client) -> None:
    client.force_login(testing.make_user(role="Viewer"))

    for path in ["/accounts/login/", "/opportunities/?view=all", "/api/v1/docs", "/admin/"]:
        html = client.get(path).content.decode()
        scripts = html.split("<script")[1:]
        for script in scripts:
            tag = script.split(">", 1)[0]
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert " style=" not in html, path
        assert " onclick=" not in html, path
        assert " onload=" not in html, path


@pytest.mark.django_db
def test_htmx_indicator_styles_are_switched_off(client: Client) -> None:
    html = client.get("/accounts/login/").content.decode()

    assert '<meta name="htmx-config"' in html
    config = html.split('<meta name="htmx-config" content=\'', 1)[1].split("'", 1)[0]
    assert json.loads(config)["includeIndicatorStyles"] is False


# Login throttling ----------------------------------------------------------------------------------------------


def _sign_in(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_the_sixth_sign_in_is_refused_after_five_failures_even_with_the_right_password(client: Client) -> None:
    assert settings.AXES_ENABLED
    testing.make_user("mallory-target")  # password "pw"

    for attempt in range(1, 5):
        response = _sign_in(client, "mallory-target", f"wrong-{attempt}")
        assert response.status_code == 200, attempt  # the form again, with its error
    fifth = _sign_in(client, "mallory-target", "wrong-5")
    sixth = _sign_in(client, "mallory-target", "pw")

    assert fifth.status_code == 429
    assert sixth.status_code == 429
    assert not _signed_in(client)
    html = sixth.content.decode()
    assert "Too many failed sign-ins" in html
    assert "5 times in a row" in html
    assert "Try again in 15 minutes" in html
    assert "registration/lockout.html" in [template.name for template in sixth.templates]


@pytest.mark.django_db
def test_the_lockout_is_per_username_and_ip_address(client: Client) -> None:
    testing.make_user("locked")
    testing.make_user("other")
    for attempt in range(5):
        _sign_in(client, "locked", f"wrong-{attempt}")

    assert _sign_in(client, "locked", "pw").status_code == 429
    assert _sign_in(Client(), "other", "pw").status_code == 302  # another user from the same address
    elsewhere = Client(REMOTE_ADDR="192.0.2.10")
    assert _sign_in(elsewhere, "locked", "pw").status_code == 302  # the same user from another address
    assert _signed_in(elsewhere)


@pytest.mark.django_db
def test_a_successful_sign_in_resets_the_failure_count(client: Client) -> None:
    testing.make_user("forgetful")
    for attempt in range(4):
        _sign_in(client, "forgetful", f"wrong-{attempt}")
    assert _sign_in(client, "forgetful", "pw").status_code == 302
    client.logout()

    for attempt in range(4):
        assert _sign_in(client, "forgetful", f"again-{attempt}").status_code == 200
    assert _sign_in(client, "forgetful", "pw").status_code == 302


@pytest.mark.django_db
def test_force_login_and_api_tokens_are_not_throttled(client: Client) -> None:
    from salescycle.apitokens.tokens import create_token

    user = testing.make_user("scripted", role="Viewer")
    for attempt in range(5):
        _sign_in(client, "scripted", f"wrong-{attempt}")
    assert _sign_in(client, "scripted", "pw").status_code == 429
    token = create_token(user)[1]

    for _ in range(6):  # wrong tokens answer 401 and are not counted as failed sign-ins
        api = Client().get("/api/v1/me", headers={"Authorization": "Bearer not-a-real-token-at-all"})
        assert api.status_code == 401
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert AccessAttempt.objects.count() == 1  # only the form sign-ins of "scripted"
    forced = Client()
    forced.force_login(user)
    assert forced.get("/opportunities/?view=all").status_code == 200


# API tokens ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_tokens_are_shown_once_and_stored_only_as_a_hash() -> None:
    testing.make_user("tokenowner")
    out = io.StringIO()

    call_command("create_token", "tokenowner", stdout=out)

    token = out.getvalue().strip()
    row = ApiToken.objects.get()
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(getattr(row, field.attname)) for field in ApiToken._meta.concrete_fields]
    assert not any(token in value for value in stored)  # only the hash and the 8-character prefix are kept
    assert row.key_prefix == token[:8]


def test_password_validators_are_configured() -> None:
    names = {validator["NAME"].rsplit(".", 1)[1] for validator in settings.AUTH_PASSWORD_VALIDATORS}

    assert names == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }
