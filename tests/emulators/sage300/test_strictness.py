"""The emulator is as strict as a real Sage 300 (DR22, PM): JSON Content-Type on every request, writes that do
not fit the model refused whole as ``InvalidPayload``, values over a field's size refused by the view, and
errors in Sage's envelope with the codes and statuses of I20."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cwsage.sandbox.sage300 import SageEmulator
from cwsage.sandbox.server import ServerThread

from .conftest import BASE, ar_batch, error_of, invoice


def _raw(server: ServerThread) -> httpx.Client:
    return httpx.Client(base_url=server.url + BASE, auth=("cwsage", "DEMO"), timeout=10.0)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/AR/ARCustomers", None),
        ("GET", "/AR/ARCustomers('ACME001')", None),
        ("GET", "/AR/$metadata", None),
        ("POST", "/AR/ARInvoiceBatches", ar_batch(invoice())),
        ("POST", "/AR/ARPostInvoices('$template')", {}),
    ],
)
def test_a_request_without_the_json_content_type_is_500(
    emu: SageEmulator, server: ServerThread, method: str, path: str, body: Any
) -> None:
    with _raw(server) as http:
        content = None if body is None else httpx.Request("POST", "/", json=body).content
        for headers in ({}, {"Content-Type": "text/plain"}, {"Content-Type": "application/xml"}):
            response = http.request(method, path, content=content, headers=headers)
            assert error_of(response)[:2] == (500, "InternalServerError"), headers
    assert emu.store.ar_batches()[-1]["BatchNumber"] == 1  # nothing was written


def test_json_content_type_with_charset_is_fine(emu: SageEmulator, server: ServerThread) -> None:
    with _raw(server) as http:
        response = http.get("/AR/ARCustomers", headers={"Content-Type": "application/json; charset=utf-8"})
        assert response.status_code == 200


def _batches(emu: SageEmulator) -> int:
    return len(emu.store.ar_batches())


@pytest.mark.parametrize(
    ("where", "body"),
    [
        ("batch", ar_batch(invoice(), Invented="x")),
        ("entry", ar_batch(invoice(TaxAmountControl="Enter"))),
        (
            "detail",
            ar_batch(invoice(InvoiceDetails=[{"RevenueAccount": "4000-10", "ExtendedAmountWithTIP": 1, "Amount": 1}])),
        ),
        ("schedule", ar_batch(invoice(InvoicePaymentSchedules=[{"AmountDue": 1000, "Days": 30}]))),
    ],
)
def test_an_invented_property_at_any_level_refuses_the_whole_write(
    client: httpx.Client, emu: SageEmulator, where: str, body: dict[str, Any]
) -> None:
    before = _batches(emu)
    status, code, message = error_of(client.post("/AR/ARInvoiceBatches", json=body))
    assert (status, code) == (400, "InvalidPayload")
    assert "does not exist on type" in message
    assert _batches(emu) == before


def test_an_invented_property_in_a_patch_is_refused(client: httpx.Client, emu: SageEmulator) -> None:
    before = emu.store.get("AR/ARCustomers", "ACME001")
    assert error_of(client.patch("/AR/ARCustomers('ACME001')", json={"InvalidProperty": "Some Value"}))[:2] == (
        400,
        "InvalidPayload",
    )
    assert emu.store.get("AR/ARCustomers", "ACME001") == before


@pytest.mark.parametrize(
    ("patch", "fragment"),
    [
        ({"InvoiceDescription": 12}, "Edm.String"),
        ({"DocumentDate": "30/09/2026"}, "Edm.DateTimeOffset"),
        ({"DocumentDate": 20260930}, "Edm.DateTimeOffset"),
        ({"TaxClass1": "1"}, "Edm.Int32"),
        ({"TaxClass1": True}, "Edm.Int32"),
        ({"TaxClass1": 1.5}, "Edm.Int32"),
        ({"TaxAmount1": "10.00"}, "Edm.Decimal"),
        ({"TaxAmount1": False}, "Edm.Decimal"),
        ({"InvoiceDetails": {"RevenueAccount": "4000-10"}}, "array"),
        ({"InvoiceDetails": ["4000-10"]}, "JSON object"),
        ({"InvoiceDetails": None}, "null"),
    ],
)
def test_a_value_of_the_wrong_json_type_is_invalid_payload(
    client: httpx.Client, emu: SageEmulator, patch: dict[str, Any], fragment: str
) -> None:
    before = _batches(emu)
    status, code, message = error_of(client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice(**patch))))
    assert (status, code) == (400, "InvalidPayload")
    assert fragment in message
    assert _batches(emu) == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/AR/ARInvoiceBatches", ar_batch(invoice(DocumentType="Bill"))),
        ("/AR/ARInvoiceBatches", ar_batch(invoice(DoNotCalculationTax="True"))),
        ("/AR/ARInvoiceBatches", ar_batch(invoice(), BatchStatus="Ready")),
        ("/AP/APVendors", {"VendorNumber": "V9", "GroupCode": "USD", "OnHold": "No"}),
        ("/AR/ARCustomers", {"CustomerNumber": "C9", "GroupCode": "USD", "OnHold": "NotOnHold"}),
    ],
)
def test_an_unknown_enum_member_is_invalid_payload(client: httpx.Client, path: str, body: dict[str, Any]) -> None:
    status, code, message = error_of(client.post(path, json=body))
    assert (status, code) == (400, "InvalidPayload")
    assert "is not a member of the enum type" in message


def test_values_over_the_field_size_are_refused_by_the_view(client: httpx.Client, emu: SageEmulator) -> None:
    too_long = invoice(number="X" * 23)
    assert error_of(client.post("/AR/ARInvoiceBatches", json=ar_batch(too_long)))[:2] == (409, "RecordInvalid")
    lines = [{"RevenueAccount": "4000-10", "ExtendedAmountWithTIP": 1.0001}]
    precise = invoice(InvoiceDetails=lines)
    status, code, message = error_of(client.post("/AR/ARInvoiceBatches", json=ar_batch(precise)))
    assert (status, code) == (409, "RecordInvalid")
    assert "decimal places" in message
    huge = invoice(InvoiceDetails=[{"RevenueAccount": "4000-10", "ExtendedAmountWithTIP": 10**17}])
    assert error_of(client.post("/AR/ARInvoiceBatches", json=ar_batch(huge)))[:2] == (409, "RecordInvalid")
    assert _batches(emu) == 1


def test_a_body_that_is_not_json_or_not_an_object(client: httpx.Client) -> None:
    assert error_of(client.post("/AR/ARInvoiceBatches", content=b"{not json"))[:2] == (400, "InvalidPayload")
    assert error_of(client.post("/AR/ARInvoiceBatches", json=[1, 2]))[:2] == (400, "InvalidPayload")
    assert error_of(client.post("/AR/ARInvoiceBatches", content=b""))[:2] == (400, "InvalidPayload")


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/AR/ARCustomers('NOPE')", 404, "RecordNotFound"),
        ("GET", "/AR/ARCustomers(12)", 400, "InvalidEntityKey"),
        ("GET", "/AR/ARInvoiceBatches('1')", 400, "InvalidEntityKey"),
        ("GET", "/AR/ARReceiptAndAdjustmentBatches(1)", 400, "InvalidEntityKey"),
        ("GET", "/AR/ARCustomers?$filter=Nope eq 1", 400, "InvalidParameters"),
        ("GET", "/AR/ARNope", 404, "ResourceNotFound"),
        ("GET", "/XX/XXThings", 404, "ResourceNotFound"),
        ("DELETE", "/AR/ARInvoiceBatches(1)", 405, "MethodNotAllowed"),
        ("PATCH", "/AR/ARPostedDocuments(CustomerNumber='ACME001',DocumentNumber='A0801')", 405, "MethodNotAllowed"),
        ("GET", "/AR/ARPostInvoices", 405, "MethodNotAllowed"),
        ("POST", "/AR/ARPostInvoices", 400, "InvalidEntityKey"),
        ("POST", "/AR/ARCustomers('$process')", 400, "InvalidEntityKey"),
        ("PATCH", "/AR/ARCustomers", 400, "InvalidEntityKey"),
        ("PATCH", "/AR/ARInvoiceBatches(1)", 409, "General"),
    ],
)
def test_error_codes_and_statuses(client: httpx.Client, method: str, path: str, status: int, code: str) -> None:
    body = {"Description": "x"} if method in ("POST", "PATCH") else None
    assert error_of(client.request(method, path, json=body))[:2] == (status, code)


def test_unknown_company_is_a_database_link_error(server: ServerThread) -> None:
    url = server.url + "/Sage300WebApi/v1.0/-/NOPE/AR/ARCustomers"
    response = httpx.get(url, auth=("cwsage", "DEMO"), headers={"Content-Type": "application/json"})
    assert error_of(response)[:2] == (500, "DBLinkError")
