"""A Sage 300 emulator served over real HTTP on 127.0.0.1 for the whole module, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cwsage.sandbox.sage300 import SageEmulator, create_app
from cwsage.sandbox.server import ServerThread

BASE = "/Sage300WebApi/v1.0/-/CWDEMO"


@pytest.fixture(scope="session")
def emulator() -> Iterator[tuple[SageEmulator, ServerThread]]:
    emu = create_app(page_size=10)
    server = ServerThread(emu.app).start()
    yield emu, server
    server.stop()


@pytest.fixture
def emu(emulator: tuple[SageEmulator, ServerThread]) -> SageEmulator:
    emulator[0].reset()
    return emulator[0]


@pytest.fixture
def server(emulator: tuple[SageEmulator, ServerThread]) -> ServerThread:
    return emulator[1]


@pytest.fixture
def client(emu: SageEmulator, server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + BASE, auth=("cwsage", "DEMO"), timeout=5.0) as http:
        yield http


@pytest.fixture
def control(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/_sandbox", timeout=5.0) as http:
        yield http


def invoice(number: str = "CW-1001", customer: str = "WINDYCITY", **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "CustomerNumber": customer,
        "DocumentNumber": number,
        "DocumentType": "Invoice",
        "InvoiceType": "Summary",
        "InvoiceDescription": f"CW invoice {number}",
        "DocumentDate": "2026-09-30T00:00:00Z",
        "PostingDate": "2026-09-30T00:00:00Z",
        "TaxAmountControl": "Enter",
        "InvoiceDetails": [
            {"RevenueAccount": "4000-10", "Description": "Managed services", "ExtendedAmountWithTIP": "1000.00"}
        ],
    }
    body.update(extra)
    return body


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["message"]["lang"] == "en-US"
    return response.status_code, body["error"]["code"], body["error"]["message"]["value"]
