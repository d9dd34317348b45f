"""A plain HTTP client for tests that talk to a real server over a socket (``make run``'s gunicorn, the app servers
behind the load balancer): urllib with a cookie jar, no redirects followed, no proxy. Not Django's test client: these
tests prove what a browser or an integrator sees on the wire."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from http.cookiejar import CookieJar
from typing import Any

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Response:
    """What the server answered: status, headers and the body as bytes."""

    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode()

    @property
    def served_by(self) -> str | None:
        """The app server that answered (its ``X-Served-By``, set by ``SALESCYCLE_SERVER_NAME``)."""
        return self.headers.get("X-Served-By")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx reaches the caller as it is


class Browser:
    """A cookie-keeping HTTP client of one base URL that follows no redirects and uses no proxy."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def cookie(self, name: str) -> str | None:
        """The value of the cookie ``name``, if the server set it."""
        return next((c.value for c in self.cookies if c.name == name), None)

    def request(
        self,
        path: str,
        *,
        form: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Response:
        """GET ``path``, or POST ``form`` (urlencoded) or ``body`` (JSON) to it; every status (3xx, 4xx, 5xx) is
        returned, not raised."""
        data = None
        headers = dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with self.opener.open(req, timeout=timeout) as answer:
                return Response(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, error.headers, error.read())
