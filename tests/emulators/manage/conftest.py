"""Fixtures: one Manage emulator served over real HTTP on 127.0.0.1, reset before each test."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.manage import ManageEmulator, create_app
from cwsage.sandbox.manage.jsoncodec import loads
from cwsage.sandbox.server import ServerThread

API = "/v4_6_release/apis/3.0"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


HEADERS = {
    "clientId": dc.MANAGE_CLIENT_ID,
    "Authorization": basic(f"{dc.MANAGE_COMPANY_ID}+{dc.MANAGE_PUBLIC_KEY}", dc.MANAGE_PRIVATE_KEY),
    "Accept": "application/vnd.connectwise.com+json; version=2025.1",
}


@pytest.fixture(scope="session")
def emulator() -> ManageEmulator:
    return create_app()


@pytest.fixture(scope="session")
def server(emulator: ManageEmulator) -> Iterator[ServerThread]:
    srv = ServerThread(emulator.app).start()
    yield srv
    srv.stop()


@pytest.fixture
def emu(emulator: ManageEmulator, server: ServerThread) -> ManageEmulator:
    emulator.reset()
    return emulator


@pytest.fixture
def root(server: ServerThread) -> str:
    return server.url


@pytest.fixture
def api(emu: ManageEmulator, server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + API, headers=HEADERS, timeout=10) as client:
        yield client


def js(response: httpx.Response) -> object:
    """Response JSON with Decimals."""
    return loads(response.content)
