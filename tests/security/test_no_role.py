"""A signed-in user without a role sees nothing (issue #12 item 4).

The API answers every operation but ``/me`` and ``/health`` with 403 ``permission_denied`` and a message saying that
the user has no role — before it reads the input, so a write is refused the same way whatever its body. The web app
answers every page but sign-in/out, password, language and work date with the 403 page saying the same.

Both lists are generated, not written down: every operation of the OpenAPI document and every pattern of the URL
resolver, so a new endpoint or page that forgets the check fails here.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from salescycle import testing
from salescycle.api import api
from salescycle.apitokens.tokens import create_token
from salescycle.contacts.middleware import OPEN_TO_NO_ROLE
from salescycle.contacts.permissions import NO_ROLE_MESSAGE
from salescycle.core.models import UserPreference

pytestmark = pytest.mark.django_db

# The operations a user without a role may still call: their own WorkDate and language, and the health check.
API_OPEN = {("GET", "/api/v1/me"), ("PATCH", "/api/v1/me"), ("GET", "/api/v1/health")}
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def nobody(db: None) -> Any:
    """A user without any role, with a few records around that they must not see."""
    testing.demo_setup()
    company = testing.make_company("CT-SECRET", name="Secret Ltd")
    testing.create_opportunity(company, testing.make_salesperson("AH"), activate=True)
    return testing.make_user("nobody")


@functools.cache
def openapi_paths() -> dict[str, Any]:
    """The ``paths`` of the OpenAPI document, generated once for the module: it depends on the code only, and each
    generation costs ~0.6 s of CPU (it was generated once per operation walked, ~100 times per test)."""
    return api.get_openapi_schema()["paths"]


def api_operations() -> list[tuple[str, str]]:
    """Every (method, path template) of the OpenAPI document."""
    paths = openapi_paths()
    return sorted((method.upper(), path) for path, item in paths.items() for method in item if method in METHODS)


def concrete(path: str) -> str:
    """``path`` with each ``{parameter}`` filled in with a value of its type (a number for integer parameters)."""
    paths = openapi_paths()
    types = {
        parameter["name"]: parameter.get("schema", {}).get("type")
        for operation in paths[path].values()
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "path"
    }
    return re.sub(r"\{(\w+)\}", lambda m: "1" if types.get(m.group(1)) == "integer" else "X1", path)


def call(client: Client, method: str, path: str, **headers: str) -> Any:
    body = {"data": json.dumps({}), "content_type": "application/json"} if method in {"POST", "PUT", "PATCH"} else {}
    return getattr(client, method.lower())(concrete(path), headers=headers, **body)


def test_the_walk_covers_the_whole_api() -> None:
    operations = api_operations()

    assert len(operations) > 90
    assert set(operations) >= API_OPEN
    assert ("PATCH", "/api/v1/opportunities/{no}") in operations


@pytest.mark.parametrize("credentials", ["token", "session"])
def test_every_api_operation_but_me_and_health_refuses_a_user_without_a_role(nobody: Any, credentials: str) -> None:
    client = Client()
    headers = {}
    if credentials == "token":
        headers["Authorization"] = f"Bearer {create_token(nobody, name='tests')[1]}"
    else:
        client.force_login(nobody)

    answers = {(method, path): call(client, method, path, **headers) for method, path in api_operations()}

    refused = {key for key, response in answers.items() if response.status_code == 403}
    assert set(answers) - refused == API_OPEN
    for key in refused:
        body = answers[key].json()
        assert body == {"code": "permission_denied", "message": str(NO_ROLE_MESSAGE), "fields": {}}, key
    for key in API_OPEN:
        assert answers[key].status_code == 200, key


def test_a_user_without_a_role_keeps_their_work_date_and_language(nobody: Any) -> None:
    client = Client()
    headers = {"Authorization": f"Bearer {create_token(nobody, name='tests')[1]}"}

    changed = client.patch(
        "/api/v1/me", json.dumps({"work_date": "2026-03-02", "language": "fi"}), "application/json", headers=headers
    )
    read = client.get("/api/v1/me", headers=headers)

    assert changed.status_code == read.status_code == 200
    assert (read.json()["work_date"], read.json()["language"], read.json()["roles"]) == ("2026-03-02", "fi", [])
    assert UserPreference.objects.get(user=nobody).language == "fi"


def test_a_user_with_a_role_is_not_refused(nobody: Any) -> None:
    """The contrast: the same calls with a Viewer's token read the records."""
    viewer = testing.make_viewer("vic")
    headers = {"Authorization": f"Bearer {create_token(viewer, name='tests')[1]}"}

    contacts = Client().get("/api/v1/contacts", headers=headers)

    assert contacts.status_code == 200
    assert "CT-SECRET" in {item["no"] for item in contacts.json()["items"]}


def test_a_refused_write_changes_nothing(nobody: Any) -> None:
    headers = {"Authorization": f"Bearer {create_token(nobody, name='tests')[1]}"}

    response = Client().post(
        "/api/v1/contacts", json.dumps({"type": "company", "name": "Planted"}), "application/json", headers=headers
    )

    assert response.status_code == 403
    from salescycle.contacts.models import Contact

    assert not Contact.objects.filter(name="Planted").exists()


# ---------------------------------------------------------------------------------------------------------------
# The web app

SAMPLES = {"int": "1", "slug": "contacts", "path": "1", "str": "X1", "key": "X1", "": "X1"}
REGEX_SAMPLES = {"admin:app_list": "admin/auth/", "admin:?": "admin/no-such-page/"}


def url_patterns(patterns: list[Any], prefix: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[tuple]:
    """Every URL pattern of the resolver: (route as ``ResolverMatch.route`` gives it, ``namespace:name``,
    namespaces, a path that resolves to it)."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern).removeprefix("^")
        if isinstance(pattern, URLResolver):
            names = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from url_patterns(pattern.url_patterns, route, names)
            continue
        assert isinstance(pattern, URLPattern)
        name = ":".join((*namespaces, pattern.name or "?"))
        if "(?P<" in route:
            sample = REGEX_SAMPLES[name]
        else:
            sample = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or ""], route)
        yield route, name, namespaces, "/" + sample


def web_pages() -> list[tuple[str, str, str]]:
    """(route, name, path) of every pattern outside the API (the API is walked above, from its OpenAPI)."""
    return [
        (route, name, path)
        for route, name, namespaces, path in url_patterns(get_resolver().url_patterns)
        if "api" not in namespaces
    ]


def test_the_web_walk_reaches_every_pattern_it_names() -> None:
    pages = web_pages()

    assert len(pages) > 60
    for route, name, path in pages:
        assert resolve(path).route == route, (name, path)
    assert {name for _route, name, _path in pages} >= {"opportunities:list", "setup:edit", "tasks:list", "home"}


def test_every_web_page_but_the_users_own_refuses_a_user_without_a_role(nobody: Any) -> None:
    client = Client()
    client.force_login(nobody)
    message = str(NO_ROLE_MESSAGE)
    open_pages = set()

    for _route, name, path in web_pages():
        if name in OPEN_TO_NO_ROLE:
            open_pages.add(name)
            for method in ("get", "post"):
                assert getattr(client, method)(path).status_code != 403, (method, name, path)
            client.force_login(nobody)  # the logout pages sign out
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code == 403, (method, name, path)
            assert message in response.content.decode(), (method, name, path)

    assert open_pages == set(OPEN_TO_NO_ROLE)


def test_the_no_role_page_offers_only_what_they_may_use(nobody: Any) -> None:
    client = Client()
    client.force_login(nobody)

    page = client.get("/opportunities/").content.decode()

    assert str(NO_ROLE_MESSAGE) in page
    assert "CT-SECRET" not in page
    assert 'href="/setup/"' not in page  # no navigation to refusals
    assert 'href="/tasks/"' not in page
    assert 'action="/work-date/"' in page
    assert 'action="/i18n/setlang/"' in page
    assert 'action="/accounts/logout/"' in page
    assert 'href="/">' not in page  # no "Back" to a page that refuses them again


def test_a_user_without_a_role_may_still_set_their_work_date_and_language(nobody: Any) -> None:
    client = Client()
    client.force_login(nobody)

    work_date = client.post("/work-date/", {"work_date": "2026-03-02", "next": "/opportunities/"})
    language = client.post("/i18n/setlang/", {"language": "nl", "next": "/opportunities/"})

    assert (work_date.status_code, language.status_code) == (302, 302)
    preference = UserPreference.objects.get(user=nobody)
    assert (str(preference.work_date), preference.language) == ("2026-03-02", "nl")
