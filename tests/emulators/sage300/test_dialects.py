"""The emulator started as other real installations (issue 10, ``docs/sage300-inferred.md`` → Dialects)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cwsage.sandbox.sage300 import SageEmulator

from .conftest import ar_batch, error_of, invoice, serve


@pytest.fixture(scope="module")
def old() -> Iterator[tuple[SageEmulator, httpx.Client]]:
    with serve(version="2016", page_size=10) as served:
        yield served


@pytest.fixture
def v3(old: tuple[SageEmulator, httpx.Client]) -> httpx.Client:
    old[0].reset()
    return old[1]


def test_2016_names_without_module_prefix(v3: httpx.Client) -> None:
    assert v3.get("/AR/InvoiceBatches").status_code == 200
    assert v3.get("/TX/TaxAuthorities('HSTON')").status_code == 200
    assert error_of(v3.get("/AR/ARInvoiceBatches"))[:2] == (404, "ResourceNotFound")


def test_2016_keys_as_md16_names_them(v3: httpx.Client) -> None:
    terms = v3.get("/AR/Terms('NET30')").json()
    assert terms["TermsCodeKey"] == "NET30" and "TermsCode" not in terms
    assert v3.get("/AR/AccountSets('USD')").json()["AccountSetKey"] == "USD"
    assert v3.get("/AR/DistributionCodes('SVC')").json()["DistributionCodeKey"] == "SVC"
    found = v3.get("/AR/Terms", params={"$filter": "TermsCodeKey eq 'COD'"}).json()["value"]
    assert [row["TermsCodeKey"] for row in found] == ["COD"]
    assert error_of(v3.get("/AR/Terms", params={"$filter": "TermsCode eq 'COD'"}))[:2] == (400, "InvalidParameters")
    created = v3.post("/AR/AccountSets", json={"AccountSetKey": "EUR1", "CurrencyCode": "USD"})
    assert created.status_code == 201 and created.json()["AccountSetKey"] == "EUR1"
    assert error_of(v3.post("/AR/AccountSets", json={"AccountSetCode": "EUR2"}))[:2] == (400, "InvalidPayload")


def test_2016_json_is_odata_v3(v3: httpx.Client) -> None:
    body = v3.get("/AR/Customers?$inlinecount=allpages").json()
    assert body["odata.count"] == "25" and "odata.nextLink" in body and "odata.metadata" in body
    assert "@odata.count" not in body and "@odata.context" not in body
    assert v3.get("/AR/Customers?$count=true").json()["odata.count"] == "25"
    document = v3.get("/AR/PostedDocuments(CustomerNumber='ACME001',DocumentNumber='A0801')").json()
    assert document["CustomerCurrencyInvoiceAmount"] == "425.00"
    assert document["DocumentDate"] == "2026-08-04T00:00:00"
    assert document["odata.metadata"].endswith("#PostedDocuments/@Element")


def test_2016_filter_literals_are_v3(v3: httpx.Client) -> None:
    def numbers(expression: str) -> list[str]:
        response = v3.get("/AR/PostedDocuments", params={"$filter": expression})
        assert response.status_code == 200, response.text
        return sorted(row["DocumentNumber"] for row in response.json()["value"])

    assert numbers("DocumentDate ge datetime'2026-08-22T00:00' and DocumentType eq 'Invoice'") == ["A0819", "A0820"]
    assert numbers("CustomerCurrencyInvoiceAmount eq 425.00m") == ["A0801"]
    for expression, fragment in (
        ("DocumentDate ge 2026-08-22T00:00:00Z", "datetime"),
        ("CustomerCurrencyInvoiceAmount eq 425.00", "Edm.Double"),
        ("contains(DocumentNumber,'A')", "contains"),
    ):
        status, code, message = error_of(v3.get("/AR/PostedDocuments", params={"$filter": expression}))
        assert (status, code) == (400, "InvalidParameters") and fragment in message


def test_2016_ignores_ready_to_post_in_a_post_and_has_no_template(v3: httpx.Client) -> None:
    body = ar_batch(invoice(), BatchStatus="ReadyToPost")
    body["Invoices"][0]["TaxAmount1"] = "0.00"  # v3 JSON carries decimals as strings
    created = v3.post("/AR/InvoiceBatches", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["BatchStatus"] == "Open"
    assert error_of(v3.post("/AR/PostInvoices('$template')", json={}))[:2] == (405, "MethodNotAllowed")
    number = int(created.json()["BatchNumber"])
    assert v3.patch(f"/AR/InvoiceBatches({number})", json={"BatchStatus": "ReadyToPost"}).status_code == 204
    posted = v3.post("/AR/PostInvoices('$process')", json={"PostBatchFrom": str(number), "PostBatchTo": str(number)})
    assert posted.status_code == 200, posted.text


def test_without_inventory_control_every_ic_path_is_resource_not_found() -> None:
    with serve(inventory_control=False) as (emu, http):
        for path in ("/IC/ICItems", "/IC/ICLocations('MAIN')", "/IC/$metadata", "/IC/ICNope"):
            assert error_of(http.get(path))[:2] == (404, "ResourceNotFound"), path
        assert error_of(http.post("/IC/ICAdjustments", json={}))[:2] == (404, "ResourceNotFound")
        assert http.get("/AR/ARCustomers").status_code == 200
        emu.inventory_control = True
        assert http.get("/IC/ICItems").status_code == 200


def test_a_user_without_rights_to_a_module_is_forbidden_there_only() -> None:
    with serve(forbidden_modules={"AP"}) as (_, http):
        for method, path in (("GET", "/AP/APVendors"), ("GET", "/AP/$metadata"), ("POST", "/AP/APInvoiceBatches")):
            assert error_of(http.request(method, path, json={} if method == "POST" else None))[:2] == (403, "Forbidden")
        assert http.get("/AR/ARCustomers").status_code == 200


def test_a_site_without_the_company_profile() -> None:
    with serve(company_profile=False) as (_, http):
        assert error_of(http.get("/CS/CSCompanyProfile"))[:2] == (404, "ResourceNotFound")
        assert "CSCompanyProfile" not in http.get("/CS/$metadata").text
        assert http.get("/CS/CSCurrencyCodes").status_code == 200


def test_the_companies_list_when_switched_on() -> None:
    with serve(companies_list=True) as (_, http):
        response = http.get("../Companies")
        assert response.status_code == 200, response.text
        assert response.json()["value"] == [{"CompanyID": "CWDEMO", "CompanyName": "Northwind Managed IT"}]


def test_unknown_modules_cannot_be_forbidden() -> None:
    with pytest.raises(ValueError, match="unknown modules"):
        serve(forbidden_modules={"ZZ"}).__enter__()
