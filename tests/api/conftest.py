"""Fixtures of the API contract tests: a user with a Bearer token and a JSON client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from salescycle import testing
from salescycle.apitokens.tokens import create_token

BASE = "/api/v1"


class ApiClient:
    """A test client that sends JSON with the Bearer token and returns (status, json, response)."""

    def __init__(self, client: Client, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        result = dict(headers or {})
        if self.token:
            result["Authorization"] = f"Bearer {self.token}"
        return result

    def request(
        self, method: str, path: str, body: Any = None, *, raw: bytes | str | None = None, **headers: str
    ) -> Any:
        data: Any = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs: dict[str, Any] = {"headers": self._headers(headers)}
        if data is not None:
            kwargs["data"] = data
            kwargs["content_type"] = "application/json"
        url = path if path.startswith("/") and path.startswith(BASE) else f"{BASE}{path}"
        response = getattr(self.client, method.lower())(url, **kwargs)
        return response

    def get(self, path: str, **headers: str) -> Any:
        return self.request("GET", path, **headers)

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.request("POST", path, body if body is not None else {}, **headers)

    def patch(self, path: str, body: Any, **headers: str) -> Any:
        return self.request("PATCH", path, body, **headers)

    def delete(self, path: str, **headers: str) -> Any:
        return self.request("DELETE", path, **headers)


@pytest.fixture
def user(db: None) -> Any:
    # The contract tests cover every endpoint, setup included: an Administrator may use them all.
    return testing.make_user("alice", role="Administrator")


@pytest.fixture
def token(user: Any) -> str:
    return create_token(user, name="tests")[1]


@pytest.fixture
def api(client: Client, token: str) -> ApiClient:
    return ApiClient(client, token)


@pytest.fixture
def anonymous(client: Client, db: None) -> ApiClient:
    return ApiClient(client, None)


@pytest.fixture
def demo(db: None) -> None:
    testing.demo_setup()
