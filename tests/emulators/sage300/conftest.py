"""Sage 300 emulators served over real HTTP on 127.0.0.1, talked to with raw httpx (never cwsage's client).

The default installation (v1.0) is served once for the session and reset before each test; dialects are
served per test module through :func:`serve`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from cwsage.sandbox.sage300 import SageEmulator, create_app
from cwsage.sandbox.server import ServerThread

BASE = "/Sage300WebApi/v1.0/-/CWDEMO"
JSON = {"Content-Type": "application/json"}


@contextlib.contextmanager
def serve(**options: Any) -> Iterator[tuple[SageEmulator, httpx.Client]]:
    """An emulator started with ``options`` (``create_app`` switches) and a client for its company root."""
    emu = create_app(**options)
    server = ServerThread(emu.app).start()
    try:
        with httpx.Client(base_url=server.url + BASE, auth=("cwsage", "DEMO"), headers=JSON, timeout=10.0) as http:
            yield emu, http
    finally:
        server.stop()


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
    with httpx.Client(base_url=server.url + BASE, auth=("cwsage", "DEMO"), headers=JSON, timeout=10.0) as http:
        yield http


@pytest.fixture
def control(emu: SageEmulator, server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/_sandbox", timeout=10.0) as http:
        yield http


def invoice(number: str = "CW-1001", customer: str = "WINDYCITY", **extra: Any) -> dict[str, Any]:
    """An AR invoice entry as cwsage would send it (I10: tax kept as sent)."""
    body: dict[str, Any] = {
        "CustomerNumber": customer,
        "DocumentNumber": number,
        "DocumentType": "Invoice",
        "InvoiceType": "Summary",
        "InvoiceDescription": f"CW invoice {number}",
        "DocumentDate": "2026-09-30T00:00:00Z",
        "PostingDate": "2026-09-30T00:00:00Z",
        "DoNotCalculationTax": "Yes",
        "InvoiceDetails": [
            {"RevenueAccount": "4000-10", "Description": "Managed services", "ExtendedAmountWithTIP": 1000}
        ],
    }
    body.update(extra)
    return body


def ar_batch(*entries: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An AR invoice batch body."""
    return {"BatchDate": "2026-09-30T00:00:00Z", "Description": "CW batch", "Invoices": list(entries), **extra}


def wire(value: Any) -> Any:
    """A body for ``httpx``'s ``json=``: Decimals become JSON numbers with the same digits (short ones only)."""
    if isinstance(value, Decimal):
        number = float(value)
        assert repr(number) == format(value.normalize(), "f") or Decimal(repr(number)) == value
        return number
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire(v) for v in value]
    return value


def decoded(response: httpx.Response) -> Any:
    """An answer's JSON with every number that has a fraction read as a Decimal (never a float)."""
    return json.loads(response.text, parse_float=Decimal)


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    """Status, Sage error code and message of an error answer (checking the envelope's shape)."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]["lang"] == "en-US"
    return response.status_code, body["error"]["code"], body["error"]["message"]["value"]


def post_ar_invoices(client: httpx.Client, *entries: dict[str, Any]) -> int:
    """Create a ReadyToPost AR batch and post it; the batch number."""
    created = client.post("/AR/ARInvoiceBatches", json=wire(ar_batch(*entries, BatchStatus="ReadyToPost")))
    assert created.status_code == 201, created.text
    number = int(created.json()["BatchNumber"])
    posted = client.post(
        "/AR/ARPostInvoices('$process')",
        json={"PostAllBatches": "Donotpostallbatches", "PostBatchFrom": number, "PostBatchTo": number},
    )
    assert posted.status_code == 200, posted.text
    return number
