"""Errors inside the contract (issue #12 items 9 and 12; api.md "Errors", "No credentials → 401", "Strict input").

Every write of the OpenAPI document answers 401 without credentials or with a revoked token (not a CSRF 403); a body
over the limit is 413, a wrong method 405, an unreachable database 503 with ``Retry-After``, all in the error shape;
only a unique key taken is 409 ``conflict.exists``, any other integrity error a logged 500 ``internal_error``.
"""

from __future__ import annotations

import copy
import json
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.test import Client

from salescycle import testing
from salescycle.apitokens.tokens import create_token, revoke_tokens
from salescycle.core.dberrors import RETRY_AFTER_SECONDS, is_database_unavailable, is_unique_violation

BASE = "/api/v1"
WRITE_METHODS = ("post", "put", "patch", "delete")


def _write_operations(client: Client) -> list[tuple[str, str]]:
    """(method, concrete path) of every write operation of the served OpenAPI document."""
    document = client.get(f"{BASE}/openapi.json").json()
    operations = []
    for template, item in document["paths"].items():
        for method in item:
            if method not in WRITE_METHODS:
                continue
            path = template
            for parameter in item[method].get("parameters", []):
                if parameter["in"] == "path":
                    value = "1" if parameter.get("schema", {}).get("type") == "integer" else "X1"
                    path = path.replace("{" + parameter["name"] + "}", value)
            operations.append((method, path))
    return operations


def _assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert body["code"] == code, body
    assert body["message"]
    return body


def _write_refusals(client: Client, headers: dict[str, str]) -> list[tuple[str, str, int, str]]:
    """The write operations that do not answer 401 ``not_authenticated`` with ``headers``."""
    operations = _write_operations(client)
    assert len(operations) > 40, operations  # the document really lists the writes
    wrong = []
    for method, path in operations:
        response = getattr(client, method)(path, data="{}", content_type="application/json", headers=headers)
        code = response.json().get("code") if response["Content-Type"].startswith("application/json") else None
        if response.status_code != 401 or code != "not_authenticated" or "WWW-Authenticate" not in response:
            wrong.append((method, path, response.status_code, code or response.content[:80].decode()))
    return wrong


@pytest.mark.django_db
def test_every_write_without_credentials_is_401_not_a_csrf_403() -> None:
    client = Client(enforce_csrf_checks=True)
    assert _write_refusals(client, {}) == []


@pytest.mark.django_db
def test_every_write_with_a_revoked_or_unknown_token_is_401() -> None:
    user = testing.make_user("revoked", role="Administrator")
    token = create_token(user, name="to revoke")[1]
    assert revoke_tokens(token=token) == 1
    client = Client(enforce_csrf_checks=True)
    assert _write_refusals(client, {"Authorization": f"Bearer {token}"}) == []
    assert _write_refusals(client, {"Authorization": "Bearer not-a-token"})[:1] == []


@pytest.mark.django_db
def test_a_signed_in_session_without_csrf_token_stays_403() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(testing.make_user("browser", role="Administrator"))
    response = client.post(f"{BASE}/salespeople", data='{"code": "S1", "name": "S"}', content_type="application/json")
    _assert_error(response, 403, "permission_denied")


@pytest.mark.django_db
def test_a_revoked_token_beside_a_signed_in_session_uses_the_session_and_its_csrf_check() -> None:
    user = testing.make_user("both", role="Administrator")
    token = create_token(user, name="to revoke")[1]
    revoke_tokens(token=token)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(
        f"{BASE}/salespeople",
        data='{"code": "S1", "name": "S"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    _assert_error(response, 403, "permission_denied")


@pytest.mark.django_db
@pytest.mark.parametrize("authenticated", [True, False])
def test_a_body_over_the_limit_is_413_json_without_a_traceback(
    settings: Any, caplog: pytest.LogCaptureFixture, authenticated: bool
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    headers = {}
    if authenticated:
        headers["Authorization"] = f"Bearer {create_token(testing.make_user('big', role='Administrator'))[1]}"
    body = '{"code": "S1", "name": "' + "x" * 1000 + '"}'
    with caplog.at_level(logging.INFO):
        response = Client().post(f"{BASE}/salespeople", data=body, content_type="application/json", headers=headers)
    error = _assert_error(response, 413, "request_too_large")
    assert "1000" in error["message"]
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    assert any(r.levelno == logging.WARNING and "too large" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_a_body_read_over_the_limit_without_content_length_check_is_413_too(settings: Any) -> None:
    """The ninja handler behind the middleware: a RequestDataTooBig raised while parsing is 413, not Django's 400."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("ApiBodyLimitMiddleware")]
    token = create_token(testing.make_user("big2", role="Administrator"))[1]
    body = '{"code": "S1", "name": "' + "x" * 1000 + '"}'
    response = Client().post(
        f"{BASE}/salespeople", data=body, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    _assert_error(response, 413, "request_too_large")


@pytest.mark.django_db
def test_a_method_the_route_does_not_have_is_405_json() -> None:
    token = create_token(testing.make_user("m", role="Administrator"))[1]
    response = Client().put(f"{BASE}/salespeople", data="{}", headers={"Authorization": f"Bearer {token}"})
    _assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


# Database unavailable ---------------------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def unreachable_database(tmp_path: Path) -> Iterator[None]:
    """Replace the default connection by one to a database that is not there: a PostgreSQL port nobody listens on,
    or an SQLite file in a folder that does not exist. The real connection (and the test's transaction) is put
    back afterwards."""
    original = connections["default"]
    settings_dict = copy.deepcopy(original.settings_dict)
    if original.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "no-such-folder" / "db.sqlite3")
    else:
        settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
        settings_dict["OPTIONS"] = {**settings_dict.get("OPTIONS", {}), "connect_timeout": 2}
    broken = type(original)(settings_dict, alias="default")
    setattr(connections._connections, "default", broken)
    try:
        yield
    finally:
        broken.close()
        setattr(connections._connections, "default", original)


@pytest.mark.django_db
def test_an_unreachable_database_is_503_json_with_retry_after(tmp_path: Path) -> None:
    token = create_token(testing.make_user("outage", role="Administrator"))[1]
    client = Client(raise_request_exception=False)
    with unreachable_database(tmp_path):
        responses = [
            client.get(f"{BASE}/salespeople", headers={"Authorization": f"Bearer {token}"}),
            client.post(
                f"{BASE}/salespeople",
                data='{"code": "S1", "name": "S"}',
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            ),
            client.get(f"{BASE}/health"),
        ]
    for response in responses:
        _assert_error(response, 503, "service_unavailable")
        assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


@pytest.mark.django_db
def test_a_connection_lost_in_the_middle_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    token = create_token(testing.make_user("lost", role="Administrator"))[1]

    def lost(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "cursor", lost)
    response = Client(raise_request_exception=False).get(
        f"{BASE}/salespeople", headers={"Authorization": f"Bearer {token}"}
    )
    _assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


# Integrity errors ---------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(db: None) -> Client:
    token = create_token(testing.make_user("integrity", role="Administrator"))[1]
    return Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token}"})


def _post_salesperson(client: Client) -> Any:
    return client.post(f"{BASE}/salespeople", data='{"code": "NEW", "name": "New"}', content_type="application/json")


def test_a_duplicate_key_from_the_database_is_409_conflict_exists(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from salescycle.contacts import services as setup_services
    from salescycle.contacts.models import Salesperson

    testing.make_salesperson("TAKEN")

    def racing_create(**kwargs: Any) -> Any:
        # As if another request inserted the key between the service's check and its insert.
        with transaction.atomic():
            Salesperson.objects.bulk_create([Salesperson(code="TAKEN", name="Twin")])

    monkeypatch.setattr(setup_services, "create_salesperson", racing_create)
    with caplog.at_level(logging.INFO, logger="salescycle"):
        response = _post_salesperson(admin_client)
    _assert_error(response, 409, "conflict.exists")
    logged = [r for r in caplog.records if r.name == "salescycle.api"]
    assert [r.levelno for r in logged] == [logging.INFO]
    assert "unique key" in logged[0].getMessage()


def test_another_integrity_error_is_a_logged_500_that_leaks_nothing(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from salescycle.contacts import services as setup_services
    from salescycle.contacts.models import Contact

    company = testing.make_company("CO1")
    other = testing.make_company("CO2")

    def broken_create(**kwargs: Any) -> Any:
        # A programming error: breaks the check "a company is its own company".
        with transaction.atomic():
            Contact.objects.filter(no=company.no).update(company=other)

    monkeypatch.setattr(setup_services, "create_salesperson", broken_create)
    with caplog.at_level(logging.INFO):
        response = _post_salesperson(admin_client)
    body = _assert_error(response, 500, "internal_error")
    assert "contact_company_is_self" not in body["message"]
    assert "constraint" not in body["message"].lower()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert errors, [r.getMessage() for r in caplog.records]
    assert isinstance(errors[0].exc_info[1], IntegrityError)
    assert not is_unique_violation(errors[0].exc_info[1])


def test_an_unexpected_exception_is_500_in_the_error_shape(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from salescycle.contacts import services as setup_services

    def bug(**kwargs: Any) -> Any:
        raise KeyError("secret detail")

    monkeypatch.setattr(setup_services, "create_salesperson", bug)
    with caplog.at_level(logging.INFO):
        response = _post_salesperson(admin_client)
    body = _assert_error(response, 500, "internal_error")
    assert "secret" not in body["message"]
    assert any(r.name == "django.request" and r.exc_info for r in caplog.records)


def test_an_operational_error_that_is_not_an_outage_is_a_logged_500(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from salescycle.contacts import services as setup_services

    def deadlock(**kwargs: Any) -> Any:
        error = OperationalError("deadlock detected")
        error.__cause__ = type("DeadlockDetected", (Exception,), {"sqlstate": "40P01"})()
        raise error

    monkeypatch.setattr(setup_services, "create_salesperson", deadlock)
    with caplog.at_level(logging.INFO):
        response = _post_salesperson(admin_client)
    _assert_error(response, 500, "internal_error")
    assert "Retry-After" not in response
    assert any(r.levelno >= logging.ERROR and r.exc_info for r in caplog.records)


@pytest.mark.parametrize(
    ("sqlstate", "unavailable"),
    [(None, True), ("08006", True), ("57P03", True), ("57P01", True), ("53300", True), ("40P01", False)],
)
def test_which_postgresql_errors_mean_unavailable(sqlstate: str | None, unavailable: bool) -> None:
    error = OperationalError("x")
    error.__cause__ = type("PgError", (Exception,), {"sqlstate": sqlstate})()
    assert is_database_unavailable(error) is unavailable


def test_which_sqlite_errors_mean_unavailable() -> None:
    import sqlite3

    for message, unavailable in [
        ("unable to open database file", True),
        ("database is locked", True),
        ("no such table: x", False),
    ]:
        error = OperationalError(message)
        error.__cause__ = sqlite3.OperationalError(message)
        assert is_database_unavailable(error) is unavailable, message


@pytest.mark.django_db
def test_real_integrity_errors_of_this_database_are_told_apart() -> None:
    """Against the database under test (SQLite here, PostgreSQL in the second pass): a duplicate primary key is a
    unique violation, a broken check constraint is neither that nor a foreign-key violation."""
    from salescycle.contacts.models import Contact, Salesperson
    from salescycle.core.dberrors import is_foreign_key_violation

    testing.make_salesperson("DUP")
    with pytest.raises(IntegrityError) as duplicate, transaction.atomic():
        Salesperson.objects.bulk_create([Salesperson(code="DUP", name="Twin")])
    assert is_unique_violation(duplicate.value)
    assert not is_foreign_key_violation(duplicate.value)

    company, other = testing.make_company("CHK1"), testing.make_company("CHK2")
    with pytest.raises(IntegrityError) as check, transaction.atomic():
        Contact.objects.filter(no=company.no).update(company=other)
    assert not is_unique_violation(check.value)
    assert not is_foreign_key_violation(check.value)


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_a_real_foreign_key_violation_on_postgresql() -> None:
    """(SQLite checks its deferred foreign keys only at the commit, which a test transaction never reaches; its
    message "FOREIGN KEY constraint failed" is covered below.)"""
    from salescycle.contacts.models import Contact
    from salescycle.core.dberrors import is_foreign_key_violation

    company = testing.make_company("FK1")

    def dangle() -> None:
        with transaction.atomic():
            Contact.objects.filter(no=company.no).update(salesperson_id="NOBODY")
            connection.check_constraints()  # deferred foreign keys are checked at the commit; this checks them now

    with pytest.raises(IntegrityError) as dangling:
        dangle()
    assert is_foreign_key_violation(dangling.value)
    assert not is_unique_violation(dangling.value)


def test_sqlite_integrity_messages() -> None:
    import sqlite3

    from salescycle.core.dberrors import is_foreign_key_violation

    def wrapped(message: str) -> IntegrityError:
        error = IntegrityError(message)
        error.__cause__ = sqlite3.IntegrityError(message)
        return error

    assert is_unique_violation(wrapped("UNIQUE constraint failed: contacts_salesperson.code"))
    assert is_foreign_key_violation(wrapped("FOREIGN KEY constraint failed"))
    for other in ("CHECK constraint failed: contact_company_is_self", "NOT NULL constraint failed: x.y"):
        assert not is_unique_violation(wrapped(other))
        assert not is_foreign_key_violation(wrapped(other))


def test_an_amount_past_its_digits_from_client_input_is_422_and_logged(
    admin_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    """The kept mappings are real input errors: quantity × unit price, each within the schema's 20 digits, can
    overflow the line amount (``decimal.InvalidOperation`` while rounding; on PostgreSQL a numeric overflow); the
    client gets 422 ``invalid_input`` and the gap is logged at WARNING with its traceback."""
    testing.make_company("CT-BIG", name="Big Ltd")
    created = admin_client.post(
        f"{BASE}/sales-quotes", data='{"sell_to_contact_no": "CT-BIG"}', content_type="application/json"
    )
    assert created.status_code == 201, created.content
    line = {"line_no": 10000, "description": "x", "quantity": "999999999999999", "unit_price": "999999999999999"}
    with caplog.at_level(logging.INFO):
        response = admin_client.patch(
            f"{BASE}/sales-quotes/{created.json()['no']}",
            data=json.dumps({"lines": [line]}),
            content_type="application/json",
        )
    _assert_error(response, 422, "invalid_input")
    assert [r for r in caplog.records if r.name == "salescycle.api" and r.levelno == logging.WARNING and r.exc_info]


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_a_connection_the_server_terminates_is_503_on_postgresql() -> None:
    """A real server-side loss: the app's connection is killed by the server (``pg_terminate_backend``, as in a
    crash or a restart) before its next query; the request answers 503."""
    token = create_token(testing.make_user("killed", role="Administrator"))[1]
    original = connections["default"]
    doomed = type(original)(copy.deepcopy(original.settings_dict), alias="default")
    with doomed.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with original.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    setattr(connections._connections, "default", doomed)
    try:
        response = Client(raise_request_exception=False).get(
            f"{BASE}/salespeople", headers={"Authorization": f"Bearer {token}"}
        )
    finally:
        doomed.close()
        setattr(connections._connections, "default", original)
    _assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
