"""Contract-test fixtures: the real clients against the real emulators over HTTP on 127.0.0.1.

Each emulator is served once per session (starting uvicorn is the slow part) behind a small ASGI recorder that
notes every request the server received (method, path, headers), so tests can check what went over the wire:
"sent once", the session cookie, the ``Accept`` version. Emulator state, fault rules and the log are reset
before each test.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import SecretStr
from starlette.types import ASGIApp, Receive, Scope, Send

from cwsage.config import ManageSettings, SageSettings
from cwsage.connectwise.client import ManageClient
from cwsage.http import RetryPolicy
from cwsage.sage300.client import Sage300Client
from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.manage.app import ManageEmulator
from cwsage.sandbox.manage.app import create_app as create_manage
from cwsage.sandbox.sage300.app import SageEmulator
from cwsage.sandbox.sage300.app import create_app as create_sage
from cwsage.sandbox.server import ServerThread

SAGE_PAGE_SIZE = 5
"""The Sage emulator's page size without ``$top``: small, so every master-data read follows nextLinks."""


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]


@dataclass
class RequestLog:
    """ASGI middleware recording every request before faults or the emulator see it."""

    app: ASGIApp
    seen: list[Seen] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/_sandbox"):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            self.seen.append(Seen(scope["method"], scope["path"], scope["query_string"].decode(), headers))
        await self.app(scope, receive, send)

    def count(self, method: str, path_part: str) -> int:
        """How many requests of ``method`` had ``path_part`` in their path."""
        return sum(1 for s in self.seen if s.method == method and path_part in s.path)


@dataclass
class Sleeps:
    """A recording ``sleep`` for :class:`RetryPolicy`: no real waiting, the waits are asserted."""

    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture(scope="session")
def _manage_served() -> Iterator[tuple[ManageEmulator, ServerThread, RequestLog]]:
    emulator = create_manage()
    log = RequestLog(emulator.app)
    server = ServerThread(log).start()
    yield emulator, server, log
    server.stop()


@pytest.fixture(scope="session")
def _sage_served() -> Iterator[tuple[SageEmulator, ServerThread, RequestLog]]:
    emulator = create_sage(page_size=SAGE_PAGE_SIZE)
    log = RequestLog(emulator.app)
    server = ServerThread(log).start()
    yield emulator, server, log
    server.stop()


@pytest.fixture
def manage_emu(_manage_served: tuple[ManageEmulator, ServerThread, RequestLog]) -> ManageEmulator:
    """The Manage emulator, reset to the demo company with no faults."""
    emulator, _, log = _manage_served
    emulator.reset()
    log.seen.clear()
    return emulator


@pytest.fixture
def manage_log(
    _manage_served: tuple[ManageEmulator, ServerThread, RequestLog], manage_emu: ManageEmulator
) -> RequestLog:
    """What the Manage emulator received during this test."""
    return _manage_served[2]


@pytest.fixture
def manage_url(_manage_served: tuple[ManageEmulator, ServerThread, RequestLog]) -> str:
    """The Manage emulator's root URL."""
    return _manage_served[1].url


@contextlib.contextmanager
def serve_sage(**options: Any) -> Iterator[tuple[SageEmulator, str, RequestLog]]:
    """Another Sage installation (``create_app`` switches: a dialect, no IC …) served for one test."""
    emulator = create_sage(page_size=SAGE_PAGE_SIZE, **options)
    log = RequestLog(emulator.app)
    server = ServerThread(log).start()
    try:
        yield emulator, server.url, log
    finally:
        server.stop()


@pytest.fixture
def sage_emu(_sage_served: tuple[SageEmulator, ServerThread, RequestLog]) -> Iterator[SageEmulator]:
    """The Sage emulator, reset to the demo company (IC on, Day End unlocked, no faults, no refusals counted),
    ADMIN refused."""
    emulator, _, log = _sage_served
    emulator.reset()
    emulator.allow_admin = False
    log.seen.clear()
    yield emulator
    emulator.reset()
    emulator.allow_admin = False


@pytest.fixture
def sage_log(_sage_served: tuple[SageEmulator, ServerThread, RequestLog], sage_emu: SageEmulator) -> RequestLog:
    """What the Sage emulator received during this test."""
    return _sage_served[2]


@pytest.fixture
def sage_url(_sage_served: tuple[SageEmulator, ServerThread, RequestLog]) -> str:
    """The Sage emulator's root URL."""
    return _sage_served[1].url


@pytest.fixture
def sleeps() -> Sleeps:
    """The waits the retry policy asked for."""
    return Sleeps()


@pytest.fixture
def policy(sleeps: Sleeps) -> RetryPolicy:
    """Five attempts, no jitter, no real sleeping."""
    return RetryPolicy(sleep=sleeps, jitter=lambda: 1.0)


def manage_settings(url: str, **update: object) -> ManageSettings:
    """API-key settings for the Manage emulator at ``url`` (site root: the codebase is discovered)."""
    values: dict[str, object] = {
        "url": url,
        "company": dc.MANAGE_COMPANY_ID,
        "auth": "apikey",
        "public_key": dc.MANAGE_PUBLIC_KEY,
        "private_key": SecretStr(dc.MANAGE_PRIVATE_KEY),
        "client_id": SecretStr(dc.MANAGE_CLIENT_ID),
        "timeout_seconds": 10.0,
    }
    values.update(update)
    return ManageSettings.model_validate(values)


def sage_settings(url: str, **update: object) -> SageSettings:
    """Settings for the Sage emulator at ``url``."""
    values: dict[str, object] = {
        "url": url,
        "company": dc.SAGE_COMPANY,
        "user": dc.SAGE_USER,
        "password": SecretStr(dc.SAGE_PASSWORD),
        "timeout_seconds": 10.0,
    }
    values.update(update)
    return SageSettings.model_validate(values)


@pytest.fixture
def manage(manage_emu: ManageEmulator, manage_url: str, policy: RetryPolicy) -> Iterator[ManageClient]:
    """A ManageClient (API keys, discovery from the site root) with the recording retry policy."""
    with ManageClient(manage_settings(manage_url), policy=policy) as client:
        yield client


@pytest.fixture
def sage(sage_emu: SageEmulator, sage_url: str, policy: RetryPolicy) -> Iterator[Sage300Client]:
    """A Sage300Client with the recording retry policy."""
    with Sage300Client(sage_settings(sage_url), policy=policy) as client:
        yield client
