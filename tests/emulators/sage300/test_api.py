"""The Sage 300 emulator over real HTTP: auth, OData, business rules (409s), posting, receipts, control API."""

from __future__ import annotations

import httpx
import pytest

from cwsage.sandbox.faults import Fault
from cwsage.sandbox.sage300 import SageEmulator
from cwsage.sandbox.server import ServerThread

from .conftest import BASE, error_of, invoice

FISCAL = (
    "Cannot determine the fiscal period for Posting Date.\nEnter a date that is in the company's fiscal calendar "
    "or use the Fiscal Calendar window in Common Services to add the year you need."
)


def post_ar(client: httpx.Client, *invoices: dict[str, object], description: str = "run 1") -> httpx.Response:
    return client.post("/AR/ARInvoiceBatches", json={"Description": description, "Invoices": list(invoices)})


def post_and_ready(client: httpx.Client, *invoices: dict[str, object]) -> int:
    response = post_ar(client, *invoices)
    assert response.status_code == 201, response.text
    number = int(response.json()["BatchNumber"])
    assert client.patch(f"/AR/ARInvoiceBatches({number})", json={"BatchStatus": "ReadyToPost"}).status_code == 204
    posted = client.post(
        "/AR/ARPostInvoices('$process')",
        json={"PostAllBatches": "Donotpostallbatches", "PostBatchFrom": number, "PostBatchTo": number},
    )
    assert posted.status_code == 200, posted.text
    return number


# -- auth ---------------------------------------------------------------------------------------------
def test_basic_auth_sets_session_cookie_reused_without_credentials(client: httpx.Client, server: ServerThread) -> None:
    response = client.get("/AR/ARCustomers('ACME001')")
    assert response.status_code == 200
    cookie = response.cookies.get("Sage300WebApiSession")
    assert cookie
    assert "httponly" in response.headers["set-cookie"].lower()
    with httpx.Client(base_url=server.url + BASE, cookies={"Sage300WebApiSession": cookie}) as bare:
        assert bare.get("/AR/ARCustomers('ACME001')").json()["CustomerName"] == "Acme Corp"


def test_wrong_password_and_no_credentials_are_401(emu: SageEmulator, server: ServerThread) -> None:
    with httpx.Client(base_url=server.url + BASE) as http:
        status, code, _ = error_of(http.get("/AR/ARCustomers", auth=("CWSAGE", "demo")))
        assert (status, code) == (401, "Unauthorized")
        assert http.get("/AR/ARCustomers").status_code == 401
        assert http.get("/AR/ARCustomers", auth=("cwsage", "DEMO")).status_code == 200


def test_admin_refused_unless_allowed(emu: SageEmulator, server: ServerThread) -> None:
    with httpx.Client(base_url=server.url + BASE, auth=("ADMIN", "ADMIN")) as http:
        status, _, message = error_of(http.get("/AR/ARCustomers"))
        assert status == 401
        assert "AllowWebApiAccessForAdmin" in message
    emu.allow_admin = True
    try:
        with httpx.Client(base_url=server.url + BASE, auth=("ADMIN", "ADMIN")) as http:
            assert http.get("/AR/ARCustomers").status_code == 200
    finally:
        emu.allow_admin = False


def test_companies_landing_and_unknown_company(client: httpx.Client, server: ServerThread) -> None:
    companies = client.get(server.url + "/Sage300WebApi/v1.0/-/Companies").json()
    assert companies["value"][0]["CompanyID"] == "CWDEMO"
    assert "Swagger" in httpx.get(server.url + "/Sage300WebApi").text
    status, _, _ = error_of(client.get(server.url + "/Sage300WebApi/v1.0/-/SAMINC/AR/ARCustomers"))
    assert status == 404
    assert client.get(server.url + "/Sage300WebApi/v1.0/-/cwdemo/AR/ARCustomers").status_code == 200


# -- OData ----------------------------------------------------------------------------------------------
def test_filter_select_orderby_count(client: httpx.Client) -> None:
    body = client.get(
        "/AR/ARCustomers",
        params={
            "$filter": "CurrencyCode eq 'CAD' and not (CustomerNumber eq 'TOTECH')",
            "$select": "CustomerNumber,CurrencyCode",
            "$orderby": "CustomerNumber desc",
            "$count": "true",
        },
    ).json()
    numbers = [row["CustomerNumber"] for row in body["value"]]
    assert numbers == ["YORKDENT", "NIAGARA", "MAPLELEAF", "HARBOUR", "ACME001"]
    assert body["@odata.count"] == 5
    assert set(body["value"][0]) == {"CustomerNumber", "CurrencyCode"}
    assert "BLUEHERON" not in [
        r["CustomerNumber"] for r in client.get("/AR/ARCustomers", params={"$top": "100"}).json()["value"]
    ]


def test_filter_dates_enums_and_quotes(client: httpx.Client) -> None:
    paid = client.get("/AR/ARPostedDocuments", params={"$filter": "FullyPaid eq '1' and DocumentType eq '1'"}).json()[
        "value"
    ]
    assert {row["DocumentNumber"] for row in paid} == {"A0801", "A0805", "A0809", "A0813", "A0817"}
    named = client.get(
        "/AR/ARPostedDocuments", params={"$filter": "FullyPaid eq 'Yes' and DocumentType eq 'Invoice'"}
    ).json()
    assert len(named["value"]) == 5
    recent = client.get(
        "/AR/ARPostedDocuments",
        params={
            "$filter": "DocumentDate ge 2026-08-20T00:00:00Z and DocumentDate le 2026-08-22 "
            "and DocumentType eq 'Invoice'"
        },
    ).json()["value"]
    assert [row["DocumentNumber"] for row in recent] == ["A0817", "A0818", "A0819"]
    quoted = client.get(
        "/AR/ARCustomers", params={"$filter": "CustomerName eq 'Aspen Lodge & Spa' or CustomerName eq 'O''Brien'"}
    ).json()
    assert [r["CustomerNumber"] for r in quoted["value"]] == ["ASPENLODGE"]
    assert client.get(
        "/AR/ARPostedDocuments", params={"$filter": "DatePaid eq null and DocumentType eq 'Invoice'"}
    ).json()["value"]


def test_paging_next_link_top_skip(client: httpx.Client) -> None:
    first = client.get("/AR/ARCustomers", params={"$orderby": "CustomerNumber"}).json()
    assert len(first["value"]) == 10
    link = first["@odata.nextLink"]
    assert link.startswith("http://127.0.0.1:")
    assert "%24skip=10" in link
    seen = [r["CustomerNumber"] for r in first["value"]]
    while link:
        page = client.get(link).json()
        seen += [r["CustomerNumber"] for r in page["value"]]
        link = page.get("@odata.nextLink")
    assert len(seen) == 25 == len(set(seen))
    assert seen == sorted(seen)
    top = client.get("/AR/ARCustomers", params={"$top": "3", "$skip": "2", "$orderby": "CustomerNumber"}).json()
    assert [r["CustomerNumber"] for r in top["value"]] == seen[2:5]
    assert "@odata.nextLink" not in top
    assert len(client.get("/AR/ARCustomers", params={"$top": "20"}).json()["value"]) == 20


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        (
            {"$filter": "DocumentNumber eq CW123"},
            "Could not find a property named 'CW123' on type "
            "'Sage.CA.SBS.ERP.Sage300.AR.WebApi.Models.PostedDocument'.",
        ),
        ({"$filter": "DocumentNumber eq 'x"}, "unterminated string literal"),
        ({"$filter": "DocumentNumber eq"}, "Syntax error"),
        ({"$select": "Nope"}, "Could not find a property named 'Nope'"),
        ({"$orderby": "Nope desc"}, "Could not find a property named 'Nope'"),
        ({"$top": "-1"}, "$top"),
        ({"$filter": "BatchNumber eq 'x'"}, "incompatible types"),
    ],
)
def test_bad_odata_is_400_invalid_parameters(client: httpx.Client, params: dict[str, str], fragment: str) -> None:
    status, code, message = error_of(client.get("/AR/ARPostedDocuments", params=params))
    assert (status, code) == (400, "InvalidParameters")
    assert fragment in message


def test_master_data_shapes(client: httpx.Client) -> None:
    assert client.get("/CS/CSCompanyProfile").json()["value"][0]["HomeCurrency"] == "USD"
    rates = client.get("/CS/CSCurrencyRates", params={"$filter": "SourceCurrency eq 'CAD'"}).json()["value"]
    assert rates[0]["RateType"] == "SP"
    calendar = client.get("/CS/CSFiscalCalendars('2026')").json()
    assert calendar["FiscalPeriod6Status"] == "Locked"
    assert calendar["FiscalPeriod7Status"] == "Open"
    accounts = {a["AccountNumber"]: a for a in client.get("/GL/GLAccounts", params={"$top": "100"}).json()["value"]}
    assert "4600-10" not in accounts
    assert accounts["5999-00"]["Status"] == "Inactive"
    authorities = [a["TaxAuthority"] for a in client.get("/TX/TXTaxAuthorities").json()["value"]]
    assert "DENCITY" not in authorities
    assert "COSTATE" in authorities
    groups = client.get("/TX/TXTaxGroups", params={"$filter": "TransactionType eq 'Sales'"}).json()["value"]
    assert {g["TaxGroupKey"] for g in groups} == {"ONTARIO", "CHICAGO", "DENVER", "EXEMPT"}
    vendors = [v["VendorNumber"] for v in client.get("/AP/APVendors", params={"$top": "100"}).json()["value"]]
    assert "EMP-JSMITH" in vendors
    assert "INGRAM" in vendors
    assert client.get("/AR/ARCustomers('BLUEHERON')").status_code == 404


# -- AR invoices -------------------------------------------------------------------------------------------
def test_ar_batch_ready_post_posted_documents(client: httpx.Client, emu: SageEmulator) -> None:
    number = post_and_ready(client, invoice("CW-1001", TaxAmount1="62.50", TaxAmount2="17.50", TaxAmount3="12.50"))
    batch = client.get(f"/AR/ARInvoiceBatches({number})").json()
    assert batch["BatchStatus"] == "Posted"
    entry = batch["Invoices"][0]
    assert entry["DocumentTotalIncludingTax"] == pytest.approx(1092.5)
    assert entry["InvoicePaymentSchedules"][0]["DueDate"] == "2026-10-30T00:00:00Z"
    posted = client.get("/AR/ARPostedDocuments", params={"$filter": "DocumentNumber eq 'CW-1001'"}).json()["value"][0]
    assert posted["CustCurrencyInvoiceAmount"] == posted["CustCurrencyAmountDue"] == pytest.approx(1092.5)
    assert posted["FullyPaid"] == "No"
    assert emu.store.posted_ar("CW-1001") is not None


def test_exact_decimals_on_the_wire(client: httpx.Client) -> None:
    response = post_ar(
        client,
        invoice(
            "CW-DEC",
            InvoiceDetails=[
                {"RevenueAccount": "400010", "ExtendedAmountWithTIP": 0.1},
                {"RevenueAccount": "4000-10", "ExtendedAmountWithTIP": 0.2},
            ],
        ),
    )
    assert response.status_code == 201, response.text
    assert '"DocumentTotalIncludingTax":0.3' in response.text


def test_batch_numbers_sequential_never_reused_and_failed_post_consumes_none(client: httpx.Client) -> None:
    first = post_ar(client, invoice("CW-A")).json()["BatchNumber"]
    assert client.delete(f"/AR/ARInvoiceBatches({first})").status_code == 204
    assert client.get(f"/AR/ARInvoiceBatches({first})").json()["BatchStatus"] == "Deleted"
    assert post_ar(client, invoice("CW-B", customer="NOPE")).status_code == 409
    second = post_ar(client, invoice("CW-A")).json()["BatchNumber"]
    assert second == first + 1


def test_all_or_nothing(client: httpx.Client, emu: SageEmulator) -> None:
    before = emu.store.summary()
    response = post_ar(client, invoice("CW-OK1"), invoice("CW-OK2"), invoice("CW-BAD", customer="BLUEHERON"))
    assert error_of(response) == (409, "FieldInvalid", "Customer number BLUEHERON does not exist.")
    assert emu.store.summary() == before
    assert "CW-OK1" not in emu.store.all_ar_document_numbers()


@pytest.mark.parametrize(
    ("entry", "code", "message"),
    [
        (invoice("A0805"), "RecordDuplicate", "Document number 'A0805' already exists."),
        (
            invoice("CW-X", InvoiceDetails=[{"RevenueAccount": "4600-10", "ExtendedAmountWithTIP": 5}]),
            "FieldInvalid",
            "Account 4600-10 does not exist.",
        ),
        (
            invoice("CW-X", InvoiceDetails=[{"RevenueAccount": "5999-00", "ExtendedAmountWithTIP": 5}]),
            "FieldInvalid",
            "Account 5999-00 is inactive.",
        ),
        (
            invoice("CW-X", PostingDate="2026-03-31"),
            "FieldInvalid",
            "Fiscal period 03-2026 is locked for Posting Date.",
        ),
        (
            invoice("CW-X", PostingDate="2030-01-15T00:00:00Z", DocumentDate="2030-01-15"),
            "FieldInvalid",
            FISCAL.replace("Posting Date", "Document Date"),
        ),
        (
            invoice("CW-X", CurrencyCode="CAD"),
            "FieldInvalid",
            "Currency code CAD does not match the customer's currency USD.",
        ),
        (invoice("CW-X", TaxGroup="NOPE"), "FieldInvalid", "Tax group NOPE does not exist."),
        (invoice("CW-X", TaxAuthority1="HSTON"), "FieldInvalid", "Tax authority HSTON is not in tax group CHICAGO."),
        (
            invoice("CW-X", TaxClass1=7),
            "FieldInvalid",
            "Tax class 7 does not exist for tax authority ILSTATE (TaxClass1).",
        ),
        (
            invoice("CW-X", DocumentTotalIncludingTax="999.99"),
            "FieldInvalid",
            "The document total does not match the distribution total.",
        ),
        (invoice("X" * 23), "FieldInvalid", f"DocumentNumber '{'X' * 23}' exceeds the maximum length of 22."),
        (
            invoice("CW-X", InvoiceDescription="d" * 61),
            "FieldInvalid",
            f"InvoiceDescription '{'d' * 61}' exceeds the maximum length of 60.",
        ),
        (
            invoice("CW-X", customer="C" * 13),
            "FieldInvalid",
            f"CustomerNumber '{'C' * 13}' exceeds the maximum length of 12.",
        ),
        (
            invoice("CW-X", DocumentType="CreditNote", ApplytoDocument="A0806", customer="MILEHIGH"),
            "FieldInvalid",
            "Apply-to document A0806 does not exist for customer MILEHIGH.",
        ),
        (
            invoice(
                "CW-X", customer="ACME001", DocumentDate="2025-12-31", PostingDate="2026-09-30", CurrencyCode="CAD"
            ),
            "FieldInvalid",
            "No exchange rate exists for currency CAD on 2025-12-31 (rate type SP).",
        ),
    ],
)
def test_ar_business_rules_are_409(client: httpx.Client, entry: dict[str, object], code: str, message: str) -> None:
    assert error_of(post_ar(client, entry)) == (409, code, message)


def test_duplicates_in_open_batch_and_same_post(client: httpx.Client) -> None:
    assert post_ar(client, invoice("CW-D")).status_code == 201
    assert error_of(post_ar(client, invoice("CW-D", customer="LOOPCPA")))[1] == "RecordDuplicate"
    assert error_of(post_ar(client, invoice("CW-E"), invoice("CW-E")))[2] == "Document number 'CW-E' already exists."


def test_exchange_rate_derived_for_cad(client: httpx.Client) -> None:
    entry = post_ar(client, invoice("CW-CAD", customer="ACME001", TaxAmount1="130.00")).json()["Invoices"][0]
    assert entry["ExchangeRate"] == pytest.approx(0.7298)
    assert entry["RateOverridden"] == "No"


def test_credit_note_applied_to_invoice(client: httpx.Client) -> None:
    post_and_ready(
        client,
        invoice(
            "CW-CN1",
            DocumentType="CreditNote",
            ApplytoDocument="A0804",
            customer="LOOPCPA",
            InvoiceDetails=[{"RevenueAccount": "4000-10", "ExtendedAmountWithTIP": "100.00"}],
        ),
    )
    docs = {
        d["DocumentNumber"]: d
        for d in client.get("/AR/ARPostedDocuments", params={"$filter": "CustomerNumber eq 'LOOPCPA'"}).json()["value"]
    }
    assert docs["CW-CN1"]["CustCurrencyInvoiceAmount"] == pytest.approx(-100)
    assert docs["A0804"]["CustCurrencyAmountDue"] == pytest.approx(500 - 100)


def test_post_delete_and_patch_rules(client: httpx.Client) -> None:
    number = post_and_ready(client, invoice("CW-P"))
    assert error_of(client.delete(f"/AR/ARInvoiceBatches({number})")) == (
        409,
        "General",
        f"Batch {number} has been posted and cannot be deleted.",
    )
    open_number = post_ar(client, invoice("CW-Q")).json()["BatchNumber"]
    status, code, _ = error_of(
        client.post("/AR/ARPostInvoices('$process')", json={"PostBatchFrom": open_number, "PostBatchTo": open_number})
    )
    assert (status, code) == (409, "General")
    assert client.get("/AR/ARInvoiceBatches(999)").status_code == 404


def test_batches_filter_by_description_and_status(client: httpx.Client) -> None:
    post_ar(client, invoice("CW-F1"), description="cwsage run 7 batch B-7")
    rows = client.get(
        "/AR/ARInvoiceBatches",
        params={
            "$filter": "Description eq 'cwsage run 7 batch B-7' "
            "and (BatchStatus eq 'Open' or BatchStatus eq 'ReadyToPost')",
            "$select": "BatchNumber,Invoices",
        },
    ).json()["value"]
    assert rows[0]["Invoices"][0]["DocumentNumber"] == "CW-F1"


# -- receipts ---------------------------------------------------------------------------------------------
def receipt_batch(client: httpx.Client, *entries: dict[str, object]) -> httpx.Response:
    return client.post(
        "/AR/ARReceiptAndAdjustmentBatches",
        json={"BatchRecordType": "CA", "Description": "dep", "ReceiptsAdjustments": list(entries)},
    )


def post_receipts(client: httpx.Client, number: int) -> httpx.Response:
    key = f"(BatchRecordType='CA',BatchNumber={number})"
    assert (
        client.patch(f"/AR/ARReceiptAndAdjustmentBatches{key}", json={"BatchStatus": "ReadyToPost"}).status_code == 204
    )
    return client.post(
        "/AR/ARPostReceiptsAndAdjustments('$process')",
        json={"BatchType": "CA", "PostBatchFrom": number, "PostBatchTo": number},
    )


def test_receipts_partial_then_full_and_several(client: httpx.Client, emu: SageEmulator) -> None:
    post_and_ready(client, invoice("CW-R1"), invoice("CW-R2"))
    made = receipt_batch(
        client,
        {
            "CustomerNumber": "WINDYCITY",
            "TransactionType": "Receipt",
            "DocumentDate": "2026-10-05",
            "CheckReceiptNo": "1001",
            "CustomerReceiptAmount": "1400.00",
            "AppliedReceiptsAdjustments": [
                {"DocumentNumber": "CW-R1", "AppliedAmount": "400.00"},
                {"DocumentNumber": "CW-R2", "AppliedAmount": "1000.00"},
            ],
        },
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["ReceiptsAdjustments"][0]["DocumentNumber"].startswith("PY")
    assert (
        client.get(f"/AR/ARReceiptAndAdjustmentBatches(BatchRecordType='CA',BatchNumber={body['BatchNumber']})").json()[
            "BatchStatus"
        ]
        == "Open"
    )
    assert post_receipts(client, body["BatchNumber"]).status_code == 200
    r1, r2 = emu.store.posted_ar("CW-R1"), emu.store.posted_ar("CW-R2")
    assert r1
    assert r2
    assert (r1["CustCurrencyAmountDue"], r1["FullyPaid"], r1["DatePaid"]) == (600, "No", None)
    assert r1["LastActivityDate"] == "2026-10-05T00:00:00Z"
    assert (r2["CustCurrencyAmountDue"], r2["FullyPaid"], r2["DatePaid"]) == (0, "Yes", "2026-10-05T00:00:00Z")
    done = control_receipt(
        client,
        {"customer": "WINDYCITY", "date": "2026-10-20", "applications": [{"document": "CW-R1", "amount": "600.00"}]},
    )
    assert done.status_code == 201
    r1 = emu.store.posted_ar("CW-R1")
    assert r1
    assert (r1["FullyPaid"], r1["DatePaid"]) == ("Yes", "2026-10-20T00:00:00Z")


def control_receipt(client: httpx.Client, body: dict[str, object]) -> httpx.Response:
    return httpx.post(str(client.base_url).split("/Sage300WebApi")[0] + "/_sandbox/receipts", json=body)


def test_over_application_is_409(client: httpx.Client, emu: SageEmulator) -> None:
    before = emu.store.summary()
    response = receipt_batch(
        client,
        {
            "CustomerNumber": "WINDYCITY",
            "DocumentDate": "2026-10-05",
            "AppliedReceiptsAdjustments": [{"DocumentNumber": "A0802", "AppliedAmount": "300.00"}],
        },
    )
    assert error_of(response) == (
        409,
        "FieldInvalid",
        "The applied amount 300.00 exceeds the amount due 225.00 for document A0802.",
    )
    assert emu.store.summary() == before


def test_credit_note_apply_document(client: httpx.Client, emu: SageEmulator) -> None:
    post_and_ready(
        client,
        invoice(
            "CW-CN2",
            DocumentType="CreditNote",
            customer="MILEHIGH",
            InvoiceDetails=[{"RevenueAccount": "4000-10", "ExtendedAmountWithTIP": "50.00"}],
        ),
    )
    made = receipt_batch(
        client,
        {
            "CustomerNumber": "MILEHIGH",
            "TransactionType": "ApplyDocument",
            "ApplyTo": "CW-CN2",
            "DocumentDate": "2026-10-07",
            "AppliedReceiptsAdjustments": [{"DocumentNumber": "A0803", "AppliedAmount": "50.00"}],
        },
    )
    assert made.status_code == 201, made.text
    assert post_receipts(client, made.json()["BatchNumber"]).status_code == 200
    credit, target = emu.store.posted_ar("CW-CN2"), emu.store.posted_ar("A0803")
    assert credit
    assert target
    assert credit["FullyPaid"] == "Yes"
    assert credit["CustCurrencyAmountDue"] == 0
    assert target["CustCurrencyAmountDue"] == 475 - 50
    assert target["LastActivityDate"] == "2026-10-07T00:00:00Z"


# -- AP, GL, IC ---------------------------------------------------------------------------------------------
def ap_invoice(number: str, vendor: str = "DELL", **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "VendorNumber": vendor,
        "DocumentNumber": number,
        "DocumentType": "Invoice",
        "DocumentDate": "2026-09-15",
        "PostingDate": "2026-09-30",
        "TaxAmountControl": "Enter",
        "InvoiceDetails": [
            {"GLAccount": "5000-30", "DistributionDescription": "Hardware", "DistributedAmount": "2000.00"}
        ],
    }
    body.update(extra)
    return body


def test_ap_batch_post_and_per_vendor_duplicates(client: httpx.Client, emu: SageEmulator) -> None:
    made = client.post(
        "/AP/APInvoiceBatches",
        json={"Description": "bills", "Invoices": [ap_invoice("INV-1"), ap_invoice("INV-1", vendor="CDW")]},
    )
    assert made.status_code == 201, made.text
    number = made.json()["BatchNumber"]
    assert client.patch(f"/AP/APInvoiceBatches({number})", json={"BatchStatus": "ReadyToPost"}).status_code == 204
    assert (
        client.post(
            "/AP/APPostInvoices('$process')",
            json={"ProcessAllBatches": "Donotpostallbatches", "FromBatch": number, "ToBatch": number},
        ).status_code
        == 200
    )
    assert emu.store.posted_ap("DELL", "INV-1") is not None
    dup = client.post("/AP/APInvoiceBatches", json={"Invoices": [ap_invoice("INV-1")]})
    assert error_of(dup) == (
        409,
        "FieldInvalid",
        "Document number 'INV-1' for vendor DELL already exists.\n\n"
        "If you want to add this invoice, add characters to the document number to make it unique.",
    )
    assert (
        error_of(client.post("/AP/APInvoiceBatches", json={"Invoices": [ap_invoice("INV-9", vendor="NOPE")]}))[2]
        == "Vendor number NOPE does not exist."
    )
    posted = client.get("/AP/APPostedDocuments", params={"$filter": "VendorNumber eq 'DELL'"}).json()["value"]
    assert posted[0]["VendCurrencyAmountDue"] == pytest.approx(2000)


def journal(*amounts: tuple[str, str], date: str = "2026-09-30") -> dict[str, object]:
    return {
        "Description": "exp",
        "JournalHeaders": [
            {
                "SourceLedger": "GL",
                "SourceType": "JE",
                "PostingDate": date,
                "DocumentNumber": "CW-EXP-1",
                "Reference": "CW-EXP-1",
                "JournalDetails": [{"AccountNumber": a, "Amount": v, "Reference": "CW-EXP-1"} for a, v in amounts],
            }
        ],
    }


def test_gl_journal_balance_post(client: httpx.Client, emu: SageEmulator) -> None:
    assert error_of(
        client.post("/GL/GLJournalBatches", json=journal(("5100-10", "100.00"), ("2100-00", "-90.00")))
    ) == (409, "FieldInvalid", "Journal entry 1 is out of balance by 10.00.")
    assert (
        error_of(
            client.post("/GL/GLJournalBatches", json=journal(("5100-10", "1"), ("2100-00", "-1"), date="2024-05-01"))
        )[2]
        == FISCAL
    )
    made = client.post("/GL/GLJournalBatches", json=journal(("5100-10", "100.00"), ("2100-00", "-100.00")))
    assert made.status_code == 201
    number = made.json()["JournalHeaders"][0]["BatchNumber"]
    assert number == "000001"
    assert client.patch(f"/GL/GLJournalBatches('{number}')", json={"Status": "ReadyToPost"}).status_code == 204
    assert (
        client.post(
            "/GL/GLPostJournals('$process')",
            json={"PostAllBatches": "Donotpostallbatches", "FromBatch": number, "ToBatch": number},
        ).status_code
        == 200
    )
    assert client.get(f"/GL/GLJournalBatches('{number}')").json()["Status"] == "Posted"
    rows = client.get("/GL/GLPostedTransactions", params={"$filter": "BatchNumber eq '000001'"}).json()["value"]
    assert sorted(r["JournalTransactionAmount"] for r in rows) == [-100, 100]


def test_ic_adjustments_transfers_and_rules(client: httpx.Client) -> None:
    good = {
        "Description": "adj",
        "AdjustmentDate": "2026-09-30",
        "Reference": "CW-ADJ-1",
        "AdjustmentDetails": [
            {
                "ItemNumber": "PATCH10",
                "Location": "MAIN",
                "TransactionType": "BothIncrease",
                "Quantity": 10,
                "UnitCost": "1.25",
            }
        ],
    }
    made = client.post("/IC/ICAdjustments", json=good)
    assert made.status_code == 201
    assert made.json()["RecordStatus"] == "Entered"
    assert (
        client.get("/IC/ICAdjustments", params={"$filter": "Reference eq 'CW-ADJ-1'"}).json()["value"][0][
            "SequenceNumber"
        ]
        == 1
    )
    bad_cases = [
        (
            {"ItemNumber": "NOPE", "Location": "MAIN", "TransactionType": "BothDecrease", "Quantity": 1},
            "Item number NOPE does not exist.",
        ),
        (
            {"ItemNumber": "PATCH10", "Location": "VAN9", "TransactionType": "BothDecrease", "Quantity": 1},
            "Location VAN9 does not exist.",
        ),
        (
            {"ItemNumber": "PATCH10", "Location": "MAIN", "TransactionType": "BothIncrease", "Quantity": 1},
            "Unit cost is required for a BothIncrease adjustment of item PATCH10.",
        ),
    ]
    for detail, message in bad_cases:
        assert error_of(client.post("/IC/ICAdjustments", json={**good, "AdjustmentDetails": [detail]})) == (
            409,
            "FieldInvalid",
            message,
        )
    transfer = client.post(
        "/IC/ICTransfers",
        json={
            "TransferDate": "2026-10-01",
            "Reference": "CW-TR-1",
            "TransferDetails": [
                {"ItemNumber": "SWITCH24", "FromLocation": "MAIN", "ToLocation": "VAN1", "Quantity": 2}
            ],
        },
    )
    assert transfer.status_code == 201
    assert transfer.json()["TransferNumber"]
    item = client.post("/IC/ICItems", json={"ItemNumber": "NEWITEM", "Description": "New"})
    assert item.status_code == 201
    assert (
        error_of(client.post("/IC/ICItems", json={"ItemNumber": "NEWITEM", "Description": "New"}))[1]
        == "RecordDuplicate"
    )


def test_no_inventory_control_answers_404(client: httpx.Client, control: httpx.Client) -> None:
    control.post("/inventory-control", json={"enabled": False})
    status, code, message = error_of(client.get("/IC/ICItems"))
    assert (status, code) == (404, "NotFound")
    assert (
        message
        == "Resource 'IC/ICItems' was not found. The Inventory Control module is not activated for company CWDEMO."
    )
    assert client.post("/IC/ICAdjustments", json={}).status_code == 404


def test_customer_create_and_patch(client: httpx.Client) -> None:
    made = client.post(
        "/AR/ARCustomers",
        json={
            "CustomerNumber": "BLUEHERON",
            "CustomerName": "Blue Heron Dental",
            "GroupCode": "USD",
            "TaxGroup": "CHICAGO",
        },
    )
    assert made.status_code == 201
    assert made.json()["Terms"] == "NET30"
    assert error_of(
        client.post("/AR/ARCustomers", json={"CustomerNumber": "BLUEHERON", "CustomerName": "x", "GroupCode": "USD"})
    )[:2] == (409, "RecordDuplicate")
    assert client.patch("/AR/ARCustomers('BLUEHERON')", json={"PhoneNumber": "3125550100"}).status_code == 204
    assert client.get("/AR/ARCustomers('BLUEHERON')").json()["PhoneNumber"] == "3125550100"


# -- control API and faults --------------------------------------------------------------------------------
def test_day_end_lock(client: httpx.Client, control: httpx.Client) -> None:
    control.post("/day-end", json={"locked": True})
    status, code, message = error_of(post_ar(client, invoice("CW-L")))
    assert (status, code) == (409, "RecordDuplicate")
    assert "Day End Processing" in message
    assert client.get("/AR/ARCustomers").status_code == 200
    control.post("/day-end", json={"locked": False})
    assert post_ar(client, invoice("CW-L")).status_code == 201


def test_snapshot_restore_rolls_back_everything(client: httpx.Client, control: httpx.Client, emu: SageEmulator) -> None:
    snapshot = control.post("/snapshot").json()["snapshot"]
    number = post_and_ready(client, invoice("CW-S"))
    control.post("/restore", json={"snapshot": snapshot})
    assert emu.store.posted_ar("CW-S") is None
    assert post_ar(client, invoice("CW-S")).json()["BatchNumber"] == number  # counters rolled back too


def test_state_export_load(control: httpx.Client, emu: SageEmulator) -> None:
    state = control.get("/state").json()
    assert state["customers"] == 25
    assert state["batches"]["AR invoices"] == {"Posted": 1}
    seed = control.get("/export-seed").json()
    seed["tables"]["customers"] = seed["tables"]["customers"][:2]
    assert control.post("/load", json=seed).status_code == 200
    assert len(emu.store.customers()) == 2
    assert control.post("/load", json={"tables": {}}).status_code == 400
    assert control.post("/reset").json()["customers"] == 25


def test_fault_status_429_and_5xx(client: httpx.Client, control: httpx.Client) -> None:
    control.post("/faults", json={"kind": "status", "status": 429, "retry_after": 2, "path": "ARCustomers"})
    limited = client.get("/AR/ARCustomers")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2"
    assert client.get("/AR/ARCustomers").status_code == 200
    control.post("/faults", json={"kind": "status", "status": 503})
    assert error_of(client.get("/AR/ARCustomers"))[0] == 503
    assert control.get("/faults").json()["faults"][1]["fired"] == 1


def test_fault_latency_and_hang(client: httpx.Client, control: httpx.Client) -> None:
    control.post("/faults", json={"kind": "latency", "delay_seconds": 0.3})
    assert client.get("/AR/ARTerms").elapsed.total_seconds() >= 0.3
    control.post("/faults", json={"kind": "hang", "delay_seconds": 2})
    with pytest.raises(httpx.ReadTimeout):
        client.get("/AR/ARTerms", timeout=0.5)
    control.delete("/faults")


def test_fault_drop_after_apply(client: httpx.Client, emu: SageEmulator) -> None:
    emu.faults.add(Fault(kind="drop", method="POST", path="ARInvoiceBatches"))
    with pytest.raises(httpx.TransportError):
        post_ar(client, invoice("CW-DROP"))
    assert "CW-DROP" in emu.store.all_ar_document_numbers()
