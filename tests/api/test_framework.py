"""The API's framework contract (spec api.md "Conventions"): authentication, the error shape, unknown routes,
malformed JSON, method not allowed, health, docs without CDN, tokens on the command line."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from salescycle import testing
from salescycle.apitokens.models import ApiToken
from salescycle.apitokens.tokens import user_for_token

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert set(body) == {"code", "message", "fields"}
    return body


def test_requests_without_credentials_answer_401_not_authenticated(anonymous) -> None:
    assert_error(anonymous.get("/opportunities"), 401, "not_authenticated")


def test_a_wrong_token_answers_401(client: Client) -> None:
    response = client.get("/api/v1/opportunities", headers={"Authorization": "Bearer not-a-real-token-at-all"})

    assert_error(response, 401, "not_authenticated")


def test_a_revoked_token_answers_401(api, token: str) -> None:
    call_command("revoke_token", token, stdout=io.StringIO())

    assert_error(api.get("/me"), 401, "not_authenticated")


def test_health_answers_without_authentication(anonymous) -> None:
    response = anonymous.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "sqlite"} or response.json()["status"] == "ok"


def test_unknown_route_answers_404_json(api) -> None:
    assert_error(api.get("/no-such-thing/here"), 404, "not_found")
    assert_error(api.post("/opportunities/X/no-such-action"), 404, "not_found")


def test_unknown_route_without_credentials_is_still_404(anonymous) -> None:
    assert_error(anonymous.get("/nothing"), 404, "not_found")


def test_malformed_json_answers_400_invalid_json(api) -> None:
    response = api.request("POST", "/opportunities", raw="{not json")

    assert_error(response, 400, "invalid_json")


def test_method_not_allowed_answers_405_json(api) -> None:
    response = api.request("PUT", "/opportunities", {})

    assert_error(response, 405, "method_not_allowed")


def test_invalid_field_answers_422_invalid_input_with_fields(api) -> None:
    body = assert_error(api.post("/opportunities", {"description": 5, "priority": "urgent"}), 422, "invalid_input")

    assert "priority" in body["fields"]


def test_limit_out_of_range_answers_422(api) -> None:
    assert_error(api.get("/opportunities?limit=0"), 422, "invalid_input")
    assert_error(api.get("/opportunities?limit=501"), 422, "invalid_input")


def test_invalid_cursor_answers_422(api) -> None:
    body = assert_error(api.get("/opportunities?cursor=garbage!"), 422, "invalid_input")

    assert "cursor" in body["fields"]


def test_nul_characters_are_refused_as_input_errors(api) -> None:
    assert_error(api.post("/salespeople", {"code": "A\u0000B"}), 422, "invalid_input")
    assert_error(api.get("/contacts?q=a%00b"), 422, "invalid_input")


def test_openapi_document_is_public_and_describes_the_api(anonymous) -> None:
    response = anonymous.get("/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Salescycle API"
    assert "/api/v1/opportunities/{no}/update" in document["paths"]


def test_docs_are_served_from_our_static_files_not_a_cdn(anonymous) -> None:
    response = anonymous.get("/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_session_authentication_works_for_the_web_ui(client: Client, user) -> None:
    client.force_login(user)

    assert client.get("/api/v1/me").status_code == 200


def test_session_writes_need_the_csrf_token(user) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.patch("/api/v1/me", data=json.dumps({"language": "nl"}), content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_create_token_prints_only_the_token(user) -> None:
    out = io.StringIO()

    call_command("create_token", "alice", "--name", "ci", stdout=out)

    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    token = lines[0]
    assert len(token) >= 40
    assert user_for_token(token) == user
    stored = ApiToken.objects.get()
    assert stored.key_hash != token
    assert stored.key_prefix == token[:8]


def test_revoke_token_by_user(user) -> None:
    for _ in range(2):
        call_command("create_token", "alice", stdout=io.StringIO())

    call_command("revoke_token", "--user", "alice", stdout=io.StringIO())

    assert not ApiToken.objects.filter(revoked=False).exists()


def test_me_reads_and_sets_the_work_date(api) -> None:
    testing.make_salesperson("SP1", user=api_user())
    response = api.patch("/me", {"work_date": "2026-02-03", "language": "de"})

    assert response.status_code == 200
    assert response.json() == {
        "username": "alice",
        "salesperson_code": "SP1",
        "work_date": "2026-02-03",
        "language": "de",
        "roles": ["Administrator"],
        "is_superuser": False,
    }


def api_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="alice")


def test_tokens_never_start_with_a_dash_so_the_command_line_takes_them() -> None:
    """``salescycle revoke-token TOKEN``: a token starting with ``-`` would be read as an option (one in 64 of
    ``token_urlsafe`` does; this test failed now and then before create_token drew again)."""
    from salescycle import testing
    from salescycle.apitokens.tokens import create_token

    user = testing.make_user("dash")
    tokens = [create_token(user)[1] for _ in range(400)]

    assert not [token for token in tokens if token.startswith("-")]
    assert len(set(tokens)) == 400
