"""Names, keys, shapes and verbs as Sage's SDK gives them (ER22, PL, MD16) — and the old, contradicted names
refused (issue 9: each contradiction has a test here)."""

from __future__ import annotations

import httpx
import pytest

from cwsage.sandbox.sage300 import vocabulary as vocab
from cwsage.sandbox.server import ServerThread

from .conftest import ar_batch, decoded, error_of, invoice

SERVED = {
    "AR/ARCustomers": "('ACME001')",
    "AR/ARCustomerGroups": "('USD')",
    "AR/ARTerms": "('NET30')",
    "AR/ARDistributionCodes": "('SVC')",
    "AR/ARAccountSets": "('USD')",
    "AR/ARInvoiceBatches": "(1)",
    "AR/ARPostedDocuments": "(CustomerNumber='ACME001',DocumentNumber='A0801')",
    "AR/ARReceiptAndAdjustmentBatches": "(BatchRecordType='CA',BatchNumber=1)",
    "AP/APVendors": "('DELL')",
    "AP/APVendorGroups": "('USD')",
    "AP/APTerms": "('NET30')",
    "AP/APAccountSets": "('USD')",
    "AP/APDistributionCodes": "('INV')",
    "AP/APInvoiceBatches": None,
    "AP/APPostedDocuments": None,
    "GL/GLAccounts": "('400010')",
    "GL/GLSourceCodes": "(SourceLedger='GL',SourceType='JE')",
    "GL/GLJournalBatches": None,
    "GL/GLPostedTransactions": None,
    "IC/ICItems": "('LAPTOPX1')",
    "IC/ICLocations": "('MAIN')",
    "IC/ICAdjustments": None,
    "IC/ICTransfers": None,
    "TX/TXTaxAuthorities": "('HSTON')",
    "TX/TXTaxGroups": "(TaxGroupKey='ONTARIO',TransactionType='Sales')",
    "TX/TXTaxRates": "(TaxAuthority='HSTON',TransactionType='Sales',BuyerClass=1)",
    "CS/CSCompanyProfile": "('CWDEMO')",
    "CS/CSCurrencyCodes": "('CAD')",
    "CS/CSCurrencyRateTypes": "('SP')",
    "CS/CSCurrencyRates": "(ToCurrency='USD',RateType='SP')",
    "CS/CSFiscalCalendars": "('2026')",
}
PROCESSES = ("AR/ARPostInvoices", "AR/ARPostReceiptsAndAdjustments", "AP/APPostInvoices", "GL/GLPostJournal")


def test_the_served_list_is_the_declared_list() -> None:
    declared = {r.path for r in vocab.resources()}
    assert declared == set(SERVED) | set(PROCESSES)
    assert all(r.name in vocab.ER22_NAMES for r in vocab.resources())


@pytest.mark.parametrize("path", sorted(SERVED))
def test_every_served_resource_answers_its_collection_and_its_key(client: httpx.Client, path: str) -> None:
    collection = client.get(f"/{path}")
    assert collection.status_code == 200, collection.text
    assert collection.json()["@odata.context"].endswith(f"/$metadata#{path.split('/')[1]}")
    key = SERVED[path]
    if key is not None:
        single = client.get(f"/{path}{key}")
        assert single.status_code == 200, single.text
        assert single.json()["@odata.context"].endswith("/$entity")


@pytest.mark.parametrize(
    "path",
    [
        "/TX/TXTaxClasses",
        "/GL/GLPostJournals('$process')",
        "/AR/ARBillingCycles",  # in ER22, not served by the emulator
        "/AR/InvoiceBatches",  # a 2016 name on a v1.0 server
        "/AP/ARCustomers",  # the right name under the wrong module
    ],
)
def test_names_outside_er22_or_not_served_are_resource_not_found(client: httpx.Client, path: str) -> None:
    method = "POST" if "$process" in path else "GET"
    assert error_of(client.request(method, path, json={} if method == "POST" else None))[:2] == (
        404,
        "ResourceNotFound",
    )


def test_the_companies_list_is_off_by_default(client: httpx.Client, server: ServerThread) -> None:
    response = client.get(f"{server.url}/Sage300WebApi/v1.0/-/Companies")
    assert error_of(response)[:2] == (404, "ResourceNotFound")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/AR/ARInvoiceBatches(1)"),
        ("PUT", "/AR/ARInvoiceBatches(1)"),
        ("POST", "/TX/TXTaxAuthorities"),
        ("PATCH", "/TX/TXTaxGroups(TaxGroupKey='ONTARIO',TransactionType='Sales')"),
        ("POST", "/CS/CSFiscalCalendars"),
        ("POST", "/CS/CSCompanyProfile"),
        ("POST", "/AR/ARPostedDocuments"),
        ("PATCH", "/IC/ICAdjustments(1)"),
        ("GET", "/GL/GLPostJournal('$process')"),
    ],
)
def test_verbs_er22_does_not_mark_are_method_not_allowed(client: httpx.Client, method: str, path: str) -> None:
    assert error_of(client.request(method, path, json={} if method != "GET" else None))[:2] == (405, "MethodNotAllowed")


def test_processes_answer_process_and_template(client: httpx.Client) -> None:
    assert client.post("/GL/GLPostJournal('$template')", json={}).json() == {
        "PostAllBatches": "Donotpostallbatches",
        "FromBatch": "",
        "ToBatch": "",
        "ActionSelector": "",
    }
    assert client.post("/AR/ARPostInvoices('$template')", json={}).json() == {
        "PostAllBatches": "Donotpostallbatches",
        "PostBatchFrom": 0,
        "PostBatchTo": 0,
        "ActionSelector": "",
    }
    assert set(client.post("/AP/APPostInvoices('$template')", json={}).json()) == {
        "ProcessAllBatches",
        "FromBatch",
        "ToBatch",
        "ActionSelector",
    }
    assert client.post("/AR/ARPostReceiptsAndAdjustments('$template')", json={}).json()["BatchType"] == ""
    # an unknown parameter of a process is refused like any unknown property
    response = client.post("/GL/GLPostJournal('$process')", json={"FromBatchNumber": "1"})
    assert error_of(response)[:2] == (400, "InvalidPayload")


def test_tax_classes_are_children_of_tax_authorities(client: httpx.Client) -> None:
    authority = client.get("/TX/TXTaxAuthorities('HSTON')").json()
    assert authority["TaxAuthorityKey"] == "HSTON"
    classes = authority["TaxClasses"]
    assert {c["ClassType"] for c in classes} == {"Customers", "Vendors", "Items"}
    assert {type(c["Exempt"]) for c in classes} == {bool}
    assert {"Class", "ClassType", "TransactionType", "Description", "Exempt"} <= set(classes[0])


def test_currency_codes_rates_and_groups_use_sdk_shapes(client: httpx.Client) -> None:
    cad = client.get("/CS/CSCurrencyCodes('CAD')").json()
    assert cad["CurrencyCodeKey"] == "CAD" and cad["DecimalPlaces"] == "Num2"
    rates = decoded(client.get("/CS/CSCurrencyRates(ToCurrency='USD',RateType='SP')"))
    assert {"ToCurrency", "RateType", "DateMatching", "RateOperation"} <= set(rates)
    assert {"FromCurrency", "RateDate", "Rate"} <= set(rates["CurrencyRateDetail"][0])
    group = client.get("/TX/TXTaxGroups(TaxGroupKey='CHICAGO',TransactionType='Sales')").json()
    assert group["Taxable1"] is True and group["Surtax1"] is False
    assert "DueDays" not in client.get("/AR/ARTerms('NET30')").json()
    assert client.get("/AR/ARTerms('NET30')").json()["TermsPaymentSchedules"][0]["DueNumberOfDays"] == 30
    assert client.get("/AP/APVendors('DELL')").json()["OnHold"] == "NotOnHold"


def test_items_and_locations_use_sdk_keys(client: httpx.Client) -> None:
    item = client.get("/IC/ICItems('LAPTOPX1')").json()
    assert item["UnformattedItemNumber"] == "LAPTOPX1" and item["ItemNumber"] == "LAPTOP-X1"
    assert item["StockItem"] is True
    assert error_of(client.get("/IC/ICItems('LAPTOP-X1')"))[:2] == (404, "RecordNotFound")
    assert client.get("/IC/ICLocations('MAIN')").json()["LocationKey"] == "MAIN"


def test_posted_documents_carry_customer_currency_amounts(client: httpx.Client) -> None:
    document = decoded(client.get("/AR/ARPostedDocuments(CustomerNumber='ACME001',DocumentNumber='A0801')"))
    assert {"CustomerCurrencyInvoiceAmount", "CustomerCurrencyAmountDue", "FullyPaid", "DatePaid"} <= set(document)
    assert "CustCurrencyAmountDue" not in document
    response = client.get("/AR/ARPostedDocuments?$select=CustCurrencyAmountDue")
    assert error_of(response)[:2] == (400, "InvalidParameters")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/AR/ARInvoiceBatches", ar_batch(invoice(TaxAmountControl="Enter"))),
        (
            "/IC/ICTransfers",
            {
                "TransferDate": "2026-09-30",
                "TransferDetails": [
                    {"ItemNumber": "PATCH10", "FromLocation": "MAIN", "ToLocation": "VAN1", "Quantity": 1}
                ],
            },
        ),
        ("/IC/ICAdjustments", {"AdjustmentDetails": [{"ItemNumber": "PATCH10", "ExtendedCost": 5}]}),
        ("/GL/GLJournalBatches", {"JournalHeaders": [{"Reference": "CW-EXP-1", "JournalDetails": []}]}),
        (
            "/AR/ARReceiptAndAdjustmentBatches",
            {"ReceiptsAdjustments": [{"CustomerNumber": "ACME001", "DocumentDate": "2026-09-30"}]},
        ),
        (
            "/AR/ARReceiptAndAdjustmentBatches",
            {
                "ReceiptsAdjustments": [
                    {"CustomerNumber": "ACME001", "AppliedReceiptsAdjustments": [{"AppliedAmount": 1}]}
                ]
            },
        ),
        ("/AR/ARCustomers", {"CustomerNumber": "NEW", "GroupCode": "USD", "TaxClass1": 1}),
        ("/IC/ICItems", {"UnformattedItemNumber": "NEW", "StockItem": "Yes"}),
    ],
)
def test_old_contradicted_names_are_refused(client: httpx.Client, path: str, body: dict[str, object]) -> None:
    assert error_of(client.post(path, json=body))[:2] == (400, "InvalidPayload")
