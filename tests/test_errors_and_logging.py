"""The web app's error pages, the request log and error tracking (issue #12 items 9 and 12).

- A database outage on a page is a friendly, translated 503 page inside the layout with ``Retry-After``; any other
  crash is the 500 page, logged with its traceback by ``django.request`` through the JSON formatter.
- Every request logs one JSON line (request id, user, method, path, status, duration) whose id is the
  ``X-Request-ID`` response header; a sane incoming id is kept, anything else replaced.
- Sentry is off without ``SENTRY_DSN`` and initialised with it (no network: a fake transport).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.apitokens.tokens import create_token
from salescycle.core.dberrors import RETRY_AFTER_SECONDS
from salescycle.core.log_config import init_error_tracking, logging_settings
from salescycle.core.request_log import request_id_from
from tests.api.test_errors_contract import unreachable_database


def _json_formatter() -> logging.Formatter:
    """The formatter the project's LOGGING puts on the root logger's handler (the real configuration)."""
    for handler in logging.getLogger().handlers:
        formatter = handler.formatter
        if formatter is not None and type(formatter).__name__ == "ProcessorFormatter":
            return formatter
    raise AssertionError("no structlog ProcessorFormatter on the root logger")


class JsonLog:
    """The lines the project's formatter writes while a test runs (formatted when emitted, inside the request)."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]

    def requests(self) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line.get("event") in {"request_finished", "request_failed"}]


@pytest.fixture
def json_log() -> Iterator[JsonLog]:
    log = JsonLog()
    handler = logging.StreamHandler(log.stream)
    handler.setFormatter(_json_formatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield log
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


# Error pages ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("en", "Try again"), ("nl", None)])
def test_a_database_outage_on_a_page_is_the_friendly_503_page(
    tmp_path: Path, json_log: JsonLog, language: str, expected: str | None
) -> None:
    client = Client(raise_request_exception=False, headers={"Accept-Language": language})
    client.force_login(testing.make_user("webuser", role="Salesperson"))
    with unreachable_database(tmp_path):
        response = client.get("/opportunities/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'class="topbar"' in page  # inside the layout (its signed-out header: no database needed)
    assert f'lang="{language}"' in page
    assert 'href="/opportunities/"' in page  # "try again" goes back to the same page
    if expected:
        assert expected in page
        assert "cannot reach its database" in page
    assert "Traceback" not in page
    assert "OperationalError" not in page
    # Django logged the exception with its traceback, through the JSON formatter.
    [line] = [line for line in json_log.lines() if line["logger"] == "django.request"]
    assert line["level"] == "error"
    assert "django.db.utils.OperationalError" in line["exception"]
    assert line["request_id"] == response["X-Request-ID"]
    [request_line] = json_log.requests()
    assert request_line["event"] == "request_failed"
    assert request_line["status"] == 503
    assert request_line["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_a_crash_on_a_page_is_the_500_page_and_is_logged_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch, json_log: JsonLog
) -> None:
    from salescycle.opportunities.views import opportunities

    def bug(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("programming error")

    monkeypatch.setattr(opportunities.selectors, "opportunity_page", bug)
    client = Client(raise_request_exception=False)
    client.force_login(testing.make_user("web500", role="Salesperson"))
    response = client.get("/opportunities/?view=all")
    assert response.status_code == 500
    assert "Retry-After" not in response
    page = response.content.decode()
    assert 'class="topbar"' in page
    assert "Something went wrong" in page
    assert "programming error" not in page
    [failed] = [line for line in json_log.lines() if line.get("logger") == "django.request"]
    assert "RuntimeError: programming error" in failed["exception"]
    assert failed["request_id"] == response["X-Request-ID"]


# Request log ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_json_line_per_request_with_the_id_of_the_response_header(json_log: JsonLog) -> None:
    user = testing.make_user("logger", role="Administrator")
    token = create_token(user, name="log")[1]
    response = Client().get("/api/v1/salespeople?limit=5", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    [line] = json_log.requests()
    assert line["request_id"] == response["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/salespeople"
    assert line["status"] == 200
    assert line["user"] == "logger"
    assert line["user_id"] == user.pk
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["level"] == "info"
    assert "timestamp" in line


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_kept_and_an_insane_one_replaced(json_log: JsonLog) -> None:
    client = Client()
    kept = client.get("/api/v1/health", headers={"X-Request-ID": "edge-42.a:b_c"})
    replaced = client.get("/api/v1/health", headers={"X-Request-ID": 'x"\n{"user": "root"}'})
    anonymous_401 = client.get("/api/v1/salespeople", headers={"X-Request-ID": "r" * 129})
    assert kept["X-Request-ID"] == "edge-42.a:b_c"
    assert replaced["X-Request-ID"] != 'x"\n{"user": "root"}'
    assert len(replaced["X-Request-ID"]) == 32
    assert len(anonymous_401["X-Request-ID"]) == 32
    lines = json_log.requests()
    assert [line["request_id"] for line in lines] == [r["X-Request-ID"] for r in (kept, replaced, anonymous_401)]
    assert [line["status"] for line in lines] == [200, 200, 401]
    assert lines[2]["user"] is None


def test_request_id_from() -> None:
    assert request_id_from("abc-123") == "abc-123"
    for insane in (None, "", "a b", "é", "x" * 129, "a\r\nb"):
        generated = request_id_from(insane)
        assert generated != insane
        assert len(generated) == 32


@pytest.mark.django_db
def test_the_413_and_the_503_carry_a_request_id_and_a_log_line(
    settings: Any, tmp_path: Path, json_log: JsonLog
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    client = Client(raise_request_exception=False)
    too_large = client.post("/api/v1/salespeople", data="{" + " " * 20 + "}", content_type="application/json")
    with unreachable_database(tmp_path):
        unavailable = client.get("/api/v1/health")
    lines = json_log.requests()
    assert [(line["status"], line["request_id"]) for line in lines] == [
        (413, too_large["X-Request-ID"]),
        (503, unavailable["X-Request-ID"]),
    ]


def test_logging_settings_formats() -> None:
    assert logging_settings("info", "json")["root"]["level"] == "INFO"
    assert logging_settings("WARNING", "console")["formatters"]["structured"]["processors"][-1].__class__.__name__ == (
        "ConsoleRenderer"
    )
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_settings("INFO", "xml")


# Error tracking ---------------------------------------------------------------------------------------------------


def test_error_tracking_is_off_without_sentry_dsn(monkeypatch: pytest.MonkeyPatch) -> None:
    import sentry_sdk

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: calls.append(kwargs))
    assert init_error_tracking({}) is False
    assert init_error_tracking({"SENTRY_DSN": "  "}) is False
    assert calls == []
    assert not sentry_sdk.get_client().is_active()  # the settings did not start it either


def test_error_tracking_starts_with_sentry_dsn(monkeypatch: pytest.MonkeyPatch) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: calls.append(kwargs))
    dsn = "https://public@sentry.example.invalid/1"
    assert init_error_tracking({"SENTRY_DSN": dsn, "SENTRY_ENVIRONMENT": "staging"}) is True
    [options] = calls
    assert options["dsn"] == dsn
    assert options["environment"] == "staging"
    assert not options.get("send_default_pii")
    assert options["traces_sample_rate"] == 0
    assert any(isinstance(integration, DjangoIntegration) for integration in options["integrations"])


def test_error_tracking_sends_an_error_through_the_transport() -> None:
    """A real ``sentry_sdk.init`` with a fake transport: an exception captured while it is on reaches the
    transport, and nothing goes to the network."""
    import sentry_sdk
    from sentry_sdk.transport import Transport

    class FakeTransport(Transport):
        def __init__(self, options: Any = None) -> None:
            super().__init__(options)
            self.envelopes: list[Any] = []

        def capture_envelope(self, envelope: Any) -> None:
            self.envelopes.append(envelope)

    transport = FakeTransport()
    try:
        assert init_error_tracking({"SENTRY_DSN": "https://public@sentry.example.invalid/1"}, transport=transport)
        try:
            raise ValueError("tracked")
        except ValueError:
            sentry_sdk.capture_exception()
        sentry_sdk.flush()
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # back to the inactive client
    events = [item.payload.json for envelope in transport.envelopes for item in envelope.items if item.type == "event"]
    assert events
    assert events[0]["exception"]["values"][0]["value"] == "tracked"


@pytest.mark.django_db
def test_a_form_over_the_limit_is_a_413_page(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = Client(raise_request_exception=False).post(
        "/accounts/login/", data={"username": "x" * 200, "password": "y"}
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert 'class="topbar"' in page
    assert "too large" in page
    assert "100" in page


@pytest.mark.django_db
def test_the_request_line_names_the_signed_in_user_of_a_page(json_log: JsonLog) -> None:
    user = testing.make_user("pageuser", role="Salesperson")
    client = Client()
    client.force_login(user)
    response = client.get("/opportunities/?view=all")
    assert response.status_code == 200
    [line] = json_log.requests()
    assert (line["user"], line["user_id"], line["status"], line["path"]) == (
        "pageuser",
        user.pk,
        200,
        "/opportunities/",
    )
    assert line["request_id"] == response["X-Request-ID"]
