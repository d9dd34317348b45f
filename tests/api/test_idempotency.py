"""Idempotency keys on the API's POST operations (spec api.md "Idempotency", issue #12 item 11): a repeat of a key
answers the first answer without doing the work twice, the key is kept in the write's own transaction, and nothing
is kept when that transaction rolls back."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.test import Client, RequestFactory

from salescycle import testing
from salescycle.apitokens import idempotency
from salescycle.apitokens.models import IdempotencyKey
from salescycle.apitokens.tokens import create_token
from salescycle.contacts.models import Contact, Salesperson
from salescycle.opportunities import services
from salescycle.opportunities.models import Opportunity
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

KEY = "Idempotency-Key"
BODY = {"description": "Big deal", "contact_no": "P1", "creation_date": "2026-01-05"}


@pytest.fixture
def people(demo: None) -> None:
    salesperson = testing.make_salesperson("SP1", name="Sam")
    company = testing.make_company("C1", name="Contoso", salesperson=salesperson)
    testing.make_person(company, "P1", name="Pat", salesperson=salesperson)


def post(api: ApiClient, key: str, body: dict[str, Any] | None = None, path: str = "/opportunities") -> Any:
    return api.post(path, BODY if body is None else body, **{KEY: key})


def test_a_create_repeated_with_one_key_makes_one_opportunity_and_answers_the_same(api, people) -> None:
    first = post(api, "order-42")
    second = post(api, "order-42")

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.content == first.content
    assert second["ETag"] == first["ETag"] == '"1"'
    assert second["Content-Type"] == first["Content-Type"] == "application/json; charset=utf-8"
    assert second[idempotency.REPLAYED_HEADER] == "true"
    assert not first.has_header(idempotency.REPLAYED_HEADER)
    assert list(Opportunity.objects.values_list("no", flat=True)) == ["OP000001"]
    assert IdempotencyKey.objects.get().status_code == 201


def test_without_a_key_a_repeated_create_still_makes_two(api, people) -> None:
    assert api.post("/opportunities", BODY).status_code == 201
    assert api.post("/opportunities", BODY).status_code == 201

    assert Opportunity.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_the_body_counts_by_its_json_value_not_its_spelling(api, people) -> None:
    first = post(api, "k")
    respelt = api.request("POST", "/opportunities", raw=json.dumps(BODY, indent=2, sort_keys=True), **{KEY: "k"})

    assert respelt.status_code == 201
    assert respelt.content == first.content
    assert Opportunity.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/opportunities", {**BODY, "description": "Another deal"}),
        ("/contacts", {"no": "P2", "type": "person", "name": "Pia"}),
    ],
    ids=["other body", "other operation"],
)
def test_the_same_key_on_another_request_is_refused_422_key_reused(api, people, path, body) -> None:
    assert post(api, "k").status_code == 201

    response = post(api, "k", body, path=path)

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency.key_reused"
    assert set(response.json()["fields"]) == {KEY}
    assert Opportunity.objects.count() == 1
    assert not Contact.objects.filter(no="P2").exists()


def test_another_users_same_key_is_independent(api, client, people) -> None:
    other = ApiClient(client, create_token(testing.make_user("bob", role="Administrator"))[1])

    mine = post(api, "shared")
    theirs = post(other, "shared")

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert (mine.json()["no"], theirs.json()["no"]) == ("OP000001", "OP000002")
    assert not theirs.has_header(idempotency.REPLAYED_HEADER)
    assert IdempotencyKey.objects.count() == 2


def test_an_error_answer_is_stored_and_replayed_even_when_the_request_would_now_succeed(api, people) -> None:
    body = {**BODY, "contact_no": "P9"}
    first = post(api, "k", body)
    assert first.status_code == 422
    testing.make_person(Contact.objects.get(no="C1"), "P9", name="New person", salesperson_id="SP1")

    again = post(api, "k", body)

    assert again.status_code == 422
    assert again.content == first.content
    assert again[idempotency.REPLAYED_HEADER] == "true"
    assert not Opportunity.objects.exists()
    fresh = post(api, "k2", body)
    assert fresh.status_code == 201, fresh.content  # a new key does the work


def test_a_crash_after_the_write_rolls_back_the_write_and_the_key(api, people, monkeypatch) -> None:
    """The key is stored in the write's transaction: the crash (a 500) rolls both back, and the retry with the same
    key then does the work exactly once."""
    real_create = services.create_opportunity

    def create_then_crash(**kwargs: Any) -> Any:
        real_create(**kwargs)
        assert Opportunity.objects.count() == 1  # written, not yet committed
        raise RuntimeError("worker died")

    monkeypatch.setattr(services, "create_opportunity", create_then_crash)
    with pytest.raises(RuntimeError):
        post(api, "k")
    assert not Opportunity.objects.exists()
    assert not IdempotencyKey.objects.exists()

    monkeypatch.setattr(services, "create_opportunity", real_create)
    assert post(api, "k").status_code == 201
    assert post(api, "k")[idempotency.REPLAYED_HEADER] == "true"
    assert Opportunity.objects.count() == 1


def test_a_success_whose_key_cannot_be_stored_is_not_kept_either(api, people, monkeypatch) -> None:
    real_save = IdempotencyKey.save

    def failing_save(self: IdempotencyKey, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("update_fields"):
            raise DatabaseError("disk full")
        real_save(self, *args, **kwargs)

    monkeypatch.setattr(IdempotencyKey, "save", failing_save)
    with pytest.raises(DatabaseError):
        post(api, "k")

    assert not Opportunity.objects.exists()
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_write_refused_at_commit_gets_the_apis_own_answer_as_without_a_key_and_keeps_nothing(
    api, people, monkeypatch
) -> None:
    """The request's transaction commits after the handler: an error at COMMIT (a deferred foreign key) still goes
    through the API's error mapping (here the logged 500 ``internal_error`` in the error shape, as the same bug
    answers without a key), not an unhandled exception; neither the write nor the key is kept."""
    real_create = services.create_opportunity

    def create_with_a_dangling_reference(**kwargs: Any) -> Any:
        created = real_create(**kwargs)
        IdempotencyKey.objects.create(user_id=987654321, key="dangling", fingerprint="")
        return created

    monkeypatch.setattr(services, "create_opportunity", create_with_a_dangling_reference)

    with_key = post(api, "k")

    assert (with_key.status_code, with_key.json()["code"]) == (500, "internal_error")
    assert not Opportunity.objects.exists()
    assert not IdempotencyKey.objects.exists()
    # The same answer without a key (where, the service having committed on its own, the opportunity is kept).
    without_key = api.post("/opportunities", BODY)
    assert (without_key.status_code, without_key.json()["code"]) == (500, "internal_error")


def test_a_5xx_answer_is_not_stored_and_its_writes_roll_back(people) -> None:
    """A handler answering 503 after writing (as an outage mapping would): no key, no write, the 503 goes out."""
    user = testing.make_user("carol", role="Administrator")

    def run(request: Any) -> HttpResponse:
        response = idempotency.claim_or_replay(lambda request: HttpResponse(status=201))(request)
        assert response.status_code == 201
        assert IdempotencyKey.objects.count() == 1
        testing.make_salesperson("WRITTEN")
        return HttpResponse(b'{"code": "unavailable"}', status=503)

    request = RequestFactory().post("/api/v1/salespeople", b"{}", content_type="application/json", headers={KEY: "k"})
    request.user = user

    answer = idempotency.in_one_transaction(run)(request)

    assert answer.status_code == 503
    assert not IdempotencyKey.objects.exists()
    assert not Salesperson.objects.filter(code="WRITTEN").exists()


def test_a_key_expires_after_24_hours_and_then_does_the_work_again(api, people) -> None:
    assert post(api, "k").status_code == 201
    IdempotencyKey.objects.update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=24, seconds=1))

    again = post(api, "k")

    assert again.status_code == 201
    assert not again.has_header(idempotency.REPLAYED_HEADER)
    assert Opportunity.objects.count() == 2
    assert IdempotencyKey.objects.get().created_at > dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)


def test_a_key_younger_than_24_hours_still_replays(api, people) -> None:
    assert post(api, "k").status_code == 201
    IdempotencyKey.objects.update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=23, minutes=59))

    assert post(api, "k")[idempotency.REPLAYED_HEADER] == "true"
    assert Opportunity.objects.count() == 1


def test_the_purge_command_deletes_only_expired_keys(api, people, capsys) -> None:
    post(api, "old")
    post(api, "new", {**BODY, "description": "Second"})
    IdempotencyKey.objects.filter(key="old").update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))

    call_command("purge_idempotency_keys")

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    assert capsys.readouterr().out.strip() == "1 expired idempotency key(s) deleted."


def test_every_hundredth_new_key_purges_all_users_expired_keys_after_its_commit(
    api, people, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    other = testing.make_user("dave")
    IdempotencyKey.objects.create(
        user=other, key="stale", fingerprint="", created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    )
    monkeypatch.setattr(idempotency, "PURGE_EVERY", 1)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert post(api, "k").status_code == 201

    assert len(callbacks) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["k"]


@pytest.mark.parametrize(
    "key",
    ["x" * 256, "", "   ", "caf\u00e9", "tab\there", "del\x7f"],
    ids=["256 characters", "empty", "spaces only", "non-ASCII", "control character", "DEL"],
)
def test_an_over_long_or_non_printable_key_is_refused_422_and_nothing_is_done(api, people, key) -> None:
    response = post(api, key)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert set(response.json()["fields"]) == {KEY}
    assert not Opportunity.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_a_key_of_255_printable_characters_is_accepted(api, people) -> None:
    key = ("a-Z_0.9 ~!" * 26)[:255]

    assert post(api, key).status_code == 201
    assert IdempotencyKey.objects.get().key == key


@pytest.mark.parametrize("key", ["k", "x" * 256], ids=["valid key", "malformed key"])
def test_without_credentials_the_key_changes_nothing_401(anonymous, people, key) -> None:
    response = post(anonymous, key)

    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_the_openapi_document_offers_the_header_on_every_post_and_only_there(anonymous) -> None:
    paths = anonymous.get("/openapi.json").json()["paths"]

    posts = [ops["post"] for ops in paths.values() if "post" in ops]
    assert len(posts) >= 20
    for operation in posts:
        assert [p["name"] for p in operation["parameters"] if p["in"] == "header"] == [KEY]
    for ops in paths.values():
        for method in set(ops) - {"post"}:
            assert KEY not in [p["name"] for p in ops[method].get("parameters", [])]


# --- PostgreSQL: two requests with one key at the same moment ----------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("round_", range(3))
def test_two_requests_racing_with_one_key_create_exactly_one_opportunity(people, round_: int) -> None:
    token = create_token(testing.make_user("racer", role="Administrator"))[1]
    barrier = threading.Barrier(2)
    answers: list[Any] = [None, None]

    def send(index: int) -> None:
        try:
            api = ApiClient(Client(), token)
            barrier.wait(timeout=10)
            answers[index] = post(api, "race")
        except BaseException as error:
            answers[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,), daemon=True) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racing request hung (deadlock?)"

    assert [getattr(a, "status_code", a) for a in answers] == [201, 201]
    assert answers[0].content == answers[1].content
    assert sorted(a.has_header(idempotency.REPLAYED_HEADER) for a in answers) == [False, True]
    assert Opportunity.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
