"""A small, strict stand-in for a Sage 300 Web API server, for ``httpx.MockTransport`` (written from the facts).

Why not the emulator: these unit tests must catch the client's mistakes on their own, without sharing the
emulator's reading of the facts. The fake knows only what DR22 says every server does — a request without
``Content-Type: application/json`` is answered 500, errors come in ``{"error":{"code","message"}}`` — and
answers each route with what a test gives it. Every request is kept for the test to inspect.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
from pydantic import SecretStr

from cwsage import money
from cwsage.http import RetryPolicy
from cwsage.sage300.client import Sage300Client

PASSWORD = "s3cr3t-Pa55word"
ROOT = "/Sage300WebApi/v1.0/-/SAMINC/"
BASE = "https://sage.example.com" + ROOT

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


@dataclass
class Settings:
    """What :class:`Sage300Client` needs to connect."""

    url: str = "https://sage.example.com"
    company: str = "samInc"
    user: str = "webapi"
    password: SecretStr = field(default_factory=lambda: SecretStr(PASSWORD))
    verify_tls: bool = True
    timeout_seconds: float = 30.0


def sage_json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    """A JSON answer (Decimals written exactly)."""
    return httpx.Response(
        status, content=money.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )


def sage_error(status: int, code: str, text: str) -> httpx.Response:
    """DR22's error envelope."""
    return sage_json(status, {"error": {"code": code, "message": {"lang": "en-US", "value": text}}})


def path_of(request: httpx.Request) -> str:
    """The request path under the company, unquoted (``AR/ARCustomers('1200')``)."""
    return unquote(request.url.raw_path.decode().split("?", 1)[0]).removeprefix(ROOT)


def body_of(request: httpx.Request) -> Any:
    """The request body, decoded with Decimals (None when empty)."""
    return money.loads(request.content) if request.content else None


class FakeSage:
    """Routes ``(METHOD, path)`` to answers; answers 500 to a request without the JSON Content-Type (DR22).

    A route's answer is a response, a function of the request, or a list of those used in turn (the last
    one repeats). Unrouted requests answer 404 ``ResourceNotFound``.
    """

    def __init__(self, routes: dict[tuple[str, str], Answer | list[Answer]] | None = None) -> None:
        self.routes: dict[tuple[str, str], Answer | list[Answer]] = dict(routes or {})
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            return sage_error(500, "InternalServerError", "The request has no JSON Content-Type.")
        answer = self.routes.get((request.method, path_of(request)))
        if answer is None:
            return sage_error(404, "ResourceNotFound", f"No resource {path_of(request)}.")
        if isinstance(answer, list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        return answer(request) if callable(answer) else answer

    def calls(self) -> list[tuple[str, str]]:
        """``(METHOD, path)`` of every request, in order."""
        return [(r.method, path_of(r)) for r in self.requests]

    def bodies(self, method: str, path: str) -> list[Any]:
        """The decoded bodies of the requests to one route."""
        return [body_of(r) for r in self.requests if (r.method, path_of(r)) == (method, path)]


class Sleeps:
    """A sleep that only records how long it was asked to sleep."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_client(handler: Callable[[httpx.Request], httpx.Response], **settings: Any) -> Sage300Client:
    """A client talking to ``handler`` through ``httpx.MockTransport``, with instant retries."""
    policy = RetryPolicy(sleep=Sleeps(), jitter=lambda: 1.0)
    return Sage300Client(Settings(**settings), transport=httpx.MockTransport(handler), policy=policy)


def page(*rows: dict[str, Any], **extra: Any) -> httpx.Response:
    """A v4 collection answer."""
    return sage_json(200, {"@odata.context": "x", "value": list(rows), **extra})


def dumps(value: Any) -> str:
    """JSON text of a fixture value (for comparisons in failure messages)."""
    return json.dumps(value, default=str, sort_keys=True)
