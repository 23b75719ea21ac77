"""Fault injection (latency, 429, 5xx, hang, drop-after-apply) and the /_sandbox control API."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from cwsage.sandbox.faults import Fault
from cwsage.sandbox.manage import ManageEmulator

from .conftest import API, HEADERS, js


def test_latency(api: httpx.Client, emu: ManageEmulator) -> None:
    emu.faults.add(Fault(kind="latency", path="/system/info", delay_seconds=0.3))
    start = time.monotonic()
    assert api.get("/system/info").status_code == 200
    assert time.monotonic() - start >= 0.3
    start = time.monotonic()
    api.get("/system/info")
    assert time.monotonic() - start < 0.3  # used up


def test_429_with_retry_after(api: httpx.Client, root: str) -> None:
    r = httpx.post(
        root + "/_sandbox/faults",
        json={"kind": "status", "status": 429, "retry_after": 2, "times": 2, "path": "unpostedinvoices"},
    )
    assert r.status_code == 201
    for _ in range(2):
        r = api.get("/finance/accounting/unpostedinvoices")
        assert r.status_code == 429 and r.headers["retry-after"] == "2"
        assert set(r.json()) == {"code", "message", "errors"}
    assert api.get("/finance/accounting/unpostedinvoices").status_code == 200


def test_5xx_does_not_apply(api: httpx.Client, emu: ManageEmulator) -> None:
    emu.faults.add(Fault(kind="status", status=500, method="POST", path="/payments"))
    inv = emu.store.invoice_by_number("10101")
    assert inv is not None
    r = api.post(f"/finance/invoices/{inv['id']}/payments", json={"amount": 1})
    assert r.status_code == 500 and r.json()["code"] == "ConnectWiseApi"
    assert emu.store.payments_of("10101") == []


def _eventually(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Whether ``condition`` holds within ``seconds`` (polled): waits for a server's delayed effect without guessing
    how long a loaded machine takes."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_hang_times_out_the_client(api: httpx.Client, emu: ManageEmulator) -> None:
    emu.faults.add(Fault(kind="hang", path="/system/info", delay_seconds=3.0))
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        api.get("/system/info", timeout=0.3)
    assert time.monotonic() - started < 3.0  # the client gave up; the server was still hanging
    emu.faults.add(Fault(kind="hang", path="/system/info", delay_seconds=0.2))
    started = time.monotonic()
    assert api.get("/system/info").status_code == 504
    assert time.monotonic() - started >= 0.2  # answered only when the hang ended


def test_hang_that_applies(api: httpx.Client, emu: ManageEmulator) -> None:
    inv = emu.store.invoice_by_number("10101")
    assert inv is not None
    emu.faults.add(Fault(kind="hang", method="POST", path="/payments", delay_seconds=0.5, apply=True))
    with pytest.raises(httpx.ReadTimeout):
        api.post(f"/finance/invoices/{inv['id']}/payments", json={"amount": 3}, timeout=0.2)
    assert _eventually(lambda: len(emu.store.payments_of("10101")) == 1), "the hang ended without applying the request"
    assert [p["amount"] for p in emu.store.payments_of("10101")] == [3]


def test_drop_after_apply(api: httpx.Client, emu: ManageEmulator) -> None:
    ids = emu.store.doc["expenses"][0]["glEntryIds"]
    emu.faults.add(Fault(kind="drop", method="POST", path="/finance/accounting/batches$"))
    body = {"batchIdentifier": "DROPPED-E", "exportExpensesFlag": True, "processedRecordIds": ids}
    with pytest.raises(httpx.HTTPError):
        api.post("/finance/accounting/batches", json=body)
    # the change landed although the client got an error
    assert emu.store.batch_by_identifier("DROPPED-E") is not None
    assert emu.store.doc["expenses"][0]["id"] not in emu.store.unposted_expense_ids()
    again = api.post("/finance/accounting/batches", json=body)
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == "ObjectExists"


def test_fault_control_api(emu: ManageEmulator, root: str) -> None:
    assert httpx.post(root + "/_sandbox/faults", json={"kind": "explode"}).status_code == 400
    assert httpx.post(root + "/_sandbox/faults", json={"kind": "status", "status": "500"}).status_code == 400
    assert httpx.post(root + "/_sandbox/faults", json={"kind": "status", "path": "("}).status_code == 400
    assert httpx.post(root + "/_sandbox/faults", json={"kind": "status", "bogus": 1}).status_code == 400
    assert httpx.post(root + "/_sandbox/faults", json={"kind": "latency", "delay_seconds": 0.01}).status_code == 201
    rules = httpx.get(root + "/_sandbox/faults").json()
    assert len(rules) == 1 and rules[0]["kind"] == "latency"
    assert httpx.delete(root + "/_sandbox/faults").status_code == 204
    assert httpx.get(root + "/_sandbox/faults").json() == []


def test_state_seed_roundtrip_and_generate(emu: ManageEmulator, root: str) -> None:
    state = httpx.get(root + "/_sandbox/state").json()
    assert state["counts"]["unpostedInvoices"] >= 200 and state["counts"]["unpostedExpenses"] >= 30
    assert (
        state["batches"][0]["batchIdentifier"] == "20260831JD-I"
        and len(state["batches"][0]["records"]["invoices"]) == 20
    )
    seed = js(httpx.get(root + "/_sandbox/export-seed"))
    assert isinstance(seed, dict) and seed["format"] == "cwsage-manage-seed/1"
    seed["invoices"] = [i for i in seed["invoices"] if i["companyId"] == 263]
    for inv in seed["invoices"]:
        del inv["glEntryIds"]  # the store allocates them
    seed["batches"] = []
    seed["settings"]["transferExpensesAsBillFlag"] = False
    from cwsage.sandbox.manage.jsoncodec import dumps

    r = httpx.post(root + "/_sandbox/load", content=dumps(seed), headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["invoices"] == len(seed["invoices"]) == r.json()["unpostedInvoices"]
    rows = httpx.get(
        root + API + "/finance/accounting/unpostedinvoices", headers=HEADERS, params={"pageSize": 100}
    ).json()
    assert {row["accountNumber"] for row in rows} == {"BLUEHERON"}
    assert emu.store.transfer_expenses_as_bill is False
    assert httpx.post(root + "/_sandbox/load", json={"format": "nope"}).status_code == 400
    r = httpx.post(root + "/_sandbox/generate", json={"invoices": 5})
    assert r.status_code == 200 and len(r.json()["invoiceIds"]) == 5
    assert httpx.post(root + "/_sandbox/generate", json={"invoices": 0}).status_code == 400
    assert httpx.post(root + "/_sandbox/reset").status_code == 200
    assert httpx.get(root + "/_sandbox/state").json()["counts"] == state["counts"]


def test_determinism() -> None:
    from cwsage.sandbox.manage import create_app

    a, b = create_app(seed=11, extra_invoices=30), create_app(seed=11, extra_invoices=30)
    assert a.store.export_seed() == b.store.export_seed()
    assert len(a.store.unposted_invoice_ids()) == 246
    assert create_app(seed=12).store.export_seed() != a.store.export_seed()
