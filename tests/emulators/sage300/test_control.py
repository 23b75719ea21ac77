"""Auth and session (I21), the ``/_sandbox/`` control API (state, reset, seeds, snapshots, Day End, faults,
receipts) — the routes end-to-end tests rely on."""

from __future__ import annotations

import time

import httpx
import pytest

from cwsage.sandbox.sage300 import SESSION_COOKIE, SageEmulator, create_app
from cwsage.sandbox.server import ServerThread

from .conftest import BASE, JSON, ar_batch, decoded, error_of, invoice, post_ar_invoices, wire


def test_basic_auth_sets_a_session_cookie_that_works_alone(client: httpx.Client, server: ServerThread) -> None:
    first = client.get("/AR/ARCustomers?$top=1")
    assert first.status_code == 200 and SESSION_COOKIE in first.cookies
    with httpx.Client(
        base_url=server.url + BASE, headers=JSON, cookies={SESSION_COOKIE: first.cookies[SESSION_COOKIE]}
    ) as bare:
        assert bare.get("/AR/ARCustomers?$top=1").status_code == 200


@pytest.mark.parametrize("auth", [None, ("CWSAGE", "wrong"), ("nobody", "DEMO"), ("ADMIN", "ADMIN")])
def test_bad_or_missing_credentials_are_unauthorized(
    emu: SageEmulator, server: ServerThread, auth: tuple[str, str] | None
) -> None:
    with httpx.Client(base_url=server.url + BASE, headers=JSON, auth=auth) as http:
        response = http.get("/AR/ARCustomers")
        assert error_of(response)[:2] == (401, "Unauthorized")
        assert response.headers["www-authenticate"].startswith("Basic")


def test_admin_is_accepted_only_when_allowed() -> None:
    emu = create_app(allow_admin=True)
    server = ServerThread(emu.app).start()
    try:
        with httpx.Client(base_url=server.url + BASE, headers=JSON, auth=("ADMIN", "ADMIN")) as http:
            assert http.get("/AR/ARCustomers").status_code == 200
    finally:
        server.stop()


def test_state_reset_and_the_new_table_names(client: httpx.Client, control: httpx.Client) -> None:
    state = control.get("/state").json()
    assert state["company"] == "CWDEMO" and state["dialect"]["version"] == "v1.0"
    assert state["tables"]["AR/ARPostedDocuments"] == 30 and state["tables"]["AR/ARCustomers"] == 25
    assert state["batches"]["AR/ARInvoiceBatches"] == {"Posted": 1}
    assert client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice())).status_code == 201
    assert control.get("/state").json()["batches"]["AR/ARInvoiceBatches"] == {"Posted": 1, "Open": 1}
    assert control.post("/reset").json()["batches"]["AR/ARInvoiceBatches"] == {"Posted": 1}
    full = control.get("/state?full=1").json()
    assert full["data"]["format"] == "cwsage-sage300-seed" and "AR/ARCustomers" in full["data"]["tables"]


def test_reset_as_a_server_just_started(client: httpx.Client, control: httpx.Client, server: ServerThread) -> None:
    """What a test suite serving one emulator to many tests relies on: a reset forgets sessions and fault rules; with
    ``forget_snapshots`` also the snapshots (and the undo journal they keep), numbering them from ``s1`` again."""
    cookie = client.get("/AR/ARTerms").cookies[SESSION_COOKIE]
    assert control.post("/faults", json={"kind": "status", "status": 503, "path": "NOSUCH"}).json()["id"] == 1
    assert control.post("/snapshot").json()["snapshot"] == "s1"
    assert client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice())).status_code == 201
    kept = control.post("/reset").json()
    assert kept["snapshots"] == ["s1"] and kept["batches"]["AR/ARInvoiceBatches"] == {"Posted": 1}, kept
    assert control.get("/faults").json()["faults"] == []
    with httpx.Client(base_url=server.url + BASE, headers=JSON, cookies={SESSION_COOKIE: cookie}) as stale:
        assert error_of(stale.get("/AR/ARTerms"))[:2] == (401, "Unauthorized")
    assert error_of(control.post("/reset", json={"forget_snapshots": "yes"}))[:2] == (400, "InvalidParameters")
    assert error_of(control.post("/reset", json={"other": True}))[:2] == (400, "InvalidParameters")
    forgot = control.post("/reset", json={"forget_snapshots": True}).json()
    assert forgot["snapshots"] == [] and forgot["batches"]["AR/ARInvoiceBatches"] == {"Posted": 1}
    assert error_of(control.post("/restore", json={"snapshot": "s1"}))[:2] == (404, "RecordNotFound")
    assert control.post("/faults", json={"kind": "status", "status": 503, "path": "NOSUCH"}).json()["id"] == 1
    assert control.post("/snapshot").json()["snapshot"] == "s1"


def test_state_counts_refused_answers_per_error_code(
    client: httpx.Client, control: httpx.Client, server: ServerThread
) -> None:
    """``refusals``: every Web API error answer under its DR22 code; a missing JSON Content-Type also on its own."""
    assert control.get("/state").json()["refusals"] == {}
    with httpx.Client(base_url=server.url + BASE, auth=("cwsage", "DEMO"), timeout=10.0) as bare:
        assert bare.get("/AR/ARCustomers").status_code == 500
    invented = {"BatchDate": "2026-09-30", "Invented": "x"}
    assert error_of(client.post("/AR/ARInvoiceBatches", json=invented))[1] == "InvalidPayload"
    assert error_of(client.get("/AR/ARCustomers('NOSUCH')"))[1] == "RecordNotFound"
    assert (
        error_of(control.post("/load", json={"format": "nope"}))[1] == "InvalidParameters"
    )  # control API: not counted
    refusals = control.get("/state").json()["refusals"]
    assert refusals == {"InternalServerError": 1, "InvalidPayload": 1, "NoJsonContentType": 1, "RecordNotFound": 1}
    assert control.post("/reset").json()["refusals"] == {}


def test_export_and_load_a_seed(client: httpx.Client, control: httpx.Client) -> None:
    seed = decoded(control.get("/export-seed"))
    assert seed["version"] == 2 and seed["counters"]["AR/ARInvoiceBatches"] == 1
    customers = seed["tables"]["AR/ARCustomers"]
    partial = {"format": "cwsage-sage300-seed", "base": "demo", "tables": {"AR/ARCustomers": customers[:3]}}
    assert control.post("/load", json=wire(partial)).status_code == 200
    assert len(client.get("/AR/ARCustomers?$top=100").json()["value"]) == 3
    assert client.get("/AR/ARPostedDocuments?$count=true&$top=1").json()["@odata.count"] == 30
    empty = control.post("/load", json={"format": "cwsage-sage300-seed", "tables": {}})
    assert empty.json()["tables"]["AR/ARCustomers"] == 0
    assert error_of(control.post("/load", json={"format": "nope"}))[1] == "InvalidParameters"
    assert (
        error_of(control.post("/load", json={"format": "cwsage-sage300-seed", "tables": {"customers": []}}))[1]
        == "InvalidParameters"
    )


def test_snapshot_and_restore_roll_back_everything_counters_included(
    client: httpx.Client, control: httpx.Client
) -> None:
    snapshot = control.post("/snapshot").json()["snapshot"]
    number = post_ar_invoices(client, invoice("CW-S1"))
    assert number == 2
    control.post("/restore", json={"snapshot": snapshot})
    assert error_of(client.get("/AR/ARPostedDocuments(CustomerNumber='WINDYCITY',DocumentNumber='CW-S1')"))[0] == 404
    assert client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice("CW-S2"))).json()["BatchNumber"] == 2
    control.post("/restore", json={"snapshot": snapshot})  # the same snapshot restores again
    assert control.get("/state").json()["batches"]["AR/ARInvoiceBatches"] == {"Posted": 1}
    assert error_of(control.post("/restore", json={"snapshot": "nope"}))[:2] == (404, "RecordNotFound")


def test_snapshots_taken_after_a_restored_one_are_forgotten(emu: SageEmulator, client: httpx.Client) -> None:
    first = emu.snapshot()
    client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice("CW-X1")))
    second = emu.snapshot()
    emu.restore(first)
    with pytest.raises(KeyError):
        emu.restore(second)


def test_faults_status_latency_and_drop(client: httpx.Client, control: httpx.Client, emu: SageEmulator) -> None:
    control.post("/faults", json={"kind": "status", "status": 429, "retry_after": 2, "path": "ARCustomers"})
    limited = client.get("/AR/ARCustomers")
    assert error_of(limited)[:2] == (429, "TooManyRequests") and limited.headers["retry-after"] == "2"
    assert client.get("/AR/ARCustomers").status_code == 200  # used up
    control.post("/faults", json={"kind": "status", "status": 503, "method": "POST"})
    assert error_of(client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice())))[:2] == (503, "InternalServerError")
    assert len(emu.store.ar_batches()) == 1
    control.post("/faults", json={"kind": "latency", "delay_seconds": 0.3})
    started = time.monotonic()
    assert client.get("/AR/ARTerms").status_code == 200
    assert time.monotonic() - started >= 0.3
    control.post("/faults", json={"kind": "drop", "method": "POST", "path": "ARInvoiceBatches$"})
    with pytest.raises(httpx.HTTPError):
        client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice("CW-DROP")))
    assert "CW-DROP" in emu.store.all_ar_document_numbers()  # applied, then the connection was cut
    assert control.get("/faults").json()["faults"][0]["fired"] == 1
    assert control.delete("/faults").json() == {"faults": []}
    assert error_of(control.post("/faults", json={"kind": "boom"}))[1] == "InvalidParameters"


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "InvalidParameters"), (404, "ResourceNotFound"), (409, "RecordInvalid"), (500, "InternalServerError")],
)
def test_an_injected_status_carries_the_code_i20_gives_it(
    client: httpx.Client, control: httpx.Client, status: int, code: str
) -> None:
    """Clients tell errors apart by code (DR22): an injected 409 is a business rule's refusal, never a 400 code."""
    control.post("/faults", json={"kind": "status", "status": status, "method": "POST", "message": "On credit hold."})
    assert error_of(client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice())))[:2] == (status, code)


def test_the_sandbox_cashier_records_a_receipt(client: httpx.Client, control: httpx.Client) -> None:
    post_ar_invoices(client, invoice("CW-C1"))
    made = control.post(
        "/receipts",
        json={
            "customer": "WINDYCITY",
            "date": "2026-10-10",
            "reference": "CHK-9",
            "applications": [{"document": "CW-C1", "amount": "1000.00"}],
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["BatchStatus"] == "Posted"
    document = decoded(client.get("/AR/ARPostedDocuments(CustomerNumber='WINDYCITY',DocumentNumber='CW-C1')"))
    assert document["FullyPaid"] == "Yes" and document["DatePaid"] == "2026-10-10T00:00:00Z"
    refused = control.post(
        "/receipts",
        json={"customer": "WINDYCITY", "date": "2026-10-10", "applications": [{"document": "CW-C1", "amount": 5}]},
    )
    assert error_of(refused)[:2] == (409, "RecordInvalid")


def test_the_landing_page(server: ServerThread) -> None:
    page = httpx.get(server.url + "/Sage300WebApi")
    assert page.status_code == 200 and "CWDEMO" in page.text
