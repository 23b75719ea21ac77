"""Sage's business rules as the emulator enforces them: all-or-nothing batches, duplicates, references,
periods, balance, currency, tax, exchange rates, posting, receipts, credit notes, Day End, IC documents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from cwsage.sandbox.sage300 import SageEmulator

from .conftest import ar_batch, decoded, error_of, invoice, post_ar_invoices, wire


def _posted(client: httpx.Client, customer: str, number: str) -> dict[str, Any]:
    response = client.get(f"/AR/ARPostedDocuments(CustomerNumber='{customer}',DocumentNumber='{number}')")
    assert response.status_code == 200, response.text
    return dict(decoded(response))


# -- AR invoice batches --------------------------------------------------------------------------------------
def test_ready_to_post_in_the_creating_post_then_post_into_posted_documents(client: httpx.Client) -> None:
    created = client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice(), BatchStatus="ReadyToPost"))
    assert created.status_code == 201
    batch = decoded(created)
    assert batch["BatchStatus"] == "ReadyToPost" and batch["BatchNumber"] == 2
    assert batch["Invoices"][0]["EntryNumber"] == 1 and batch["Invoices"][0]["BatchNumber"] == 2
    posted = client.post("/AR/ARPostInvoices('$process')", json={"PostBatchFrom": 2, "PostBatchTo": 2})
    assert posted.status_code == 200
    assert client.get("/AR/ARInvoiceBatches(2)").json()["BatchStatus"] == "Posted"
    document = _posted(client, "WINDYCITY", "CW-1001")
    assert document["DocumentType"] == "Invoice" and document["FullyPaid"] == "No" and document["DatePaid"] is None
    assert document["CustomerCurrencyInvoiceAmount"] == document["CustomerCurrencyAmountDue"] == Decimal(1000)
    assert document["BatchNumber"] == 2 and document["EntryNumber"] == 1
    customer = decoded(client.get("/AR/ARCustomers('WINDYCITY')"))
    assert customer["DateOfLastInvoice"] == "2026-09-30T00:00:00Z"


def test_patch_to_ready_then_post_all_and_nothing_ready_is_general(client: httpx.Client) -> None:
    assert client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice())).json()["BatchStatus"] == "Open"
    status, code, _ = error_of(client.post("/AR/ARPostInvoices('$process')", json={"PostBatchFrom": 2}))
    assert (status, code) == (409, "General")
    assert (
        client.patch("/AR/ARInvoiceBatches(2)", json={"BatchNumber": 2, "BatchStatus": "ReadyToPost"}).status_code
        == 204
    )
    assert client.post("/AR/ARPostInvoices('$process')", json={"PostAllBatches": "Postallbatches"}).status_code == 200
    assert client.get("/AR/ARInvoiceBatches(2)").json()["BatchStatus"] == "Posted"
    assert error_of(client.patch("/AR/ARInvoiceBatches(2)", json={"Description": "late"}))[:2] == (409, "General")


def test_a_batch_is_all_or_nothing_and_names_the_refused_entry(client: httpx.Client, emu: SageEmulator) -> None:
    body = ar_batch(invoice("CW-1"), invoice("CW-2", customer="BLUEHERON"), invoice("CW-3"))
    status, code, message = error_of(client.post("/AR/ARInvoiceBatches", json=body))
    assert (status, code) == (409, "RecordInvalid")
    assert message.startswith("Entry 2 (document CW-2):") and "BLUEHERON" in message
    assert len(emu.store.ar_batches()) == 1
    assert client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice("CW-1"))).json()["BatchNumber"] == 2


def test_ar_document_numbers_are_unique_across_customers_posted_or_open(client: httpx.Client) -> None:
    taken = error_of(client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice("A0801", customer="LOOPCPA"))))
    assert taken[:2] == (409, "RecordDuplicate") and "A0801" in taken[2]
    assert client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice("CW-7"))).status_code == 201
    open_batch = error_of(client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice("CW-7", customer="ACME001"))))
    assert open_batch[:2] == (409, "RecordDuplicate")
    same_post = error_of(client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice("CW-8"), invoice("CW-8"))))
    assert same_post[:2] == (409, "RecordDuplicate") and same_post[2].startswith("Entry 2")
    # a deleted batch frees its numbers
    assert client.patch("/AR/ARInvoiceBatches(2)", json={"BatchStatus": "Deleted"}).status_code == 204
    assert client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice("CW-7"))).status_code == 201


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        (invoice(customer="BLUEHERON"), "Customer number BLUEHERON does not exist"),
        (invoice(InvoiceDetails=[{"RevenueAccount": "4600-10", "ExtendedAmountWithTIP": 10}]), "Account 4600-10"),
        (invoice(InvoiceDetails=[{"RevenueAccount": "5999-00", "ExtendedAmountWithTIP": 10}]), "inactive"),
        (invoice(InvoiceDetails=[{"DistributionCode": "NOPE", "ExtendedAmountWithTIP": 10}]), "Distribution code NOPE"),
        (invoice(InvoiceDetails=[{"Description": "no account", "ExtendedAmountWithTIP": 10}]), "no RevenueAccount"),
        (invoice(InvoiceDetails=[{"RevenueAccount": "4000-10"}]), "no ExtendedAmountWithTIP"),
        (invoice(InvoiceDetails=[]), "no detail lines"),
        (invoice(DocumentDate="2026-03-15", PostingDate="2026-03-15"), "locked"),
        (invoice(DocumentDate="2030-01-15", PostingDate="2030-01-15"), "Cannot determine the fiscal period"),
        (invoice(CurrencyCode="CAD"), "does not match the customer's currency"),
        (invoice(Terms="NET99"), "Terms code NET99"),
        (invoice(TaxGroup="NOPE"), "Tax group NOPE"),
        (invoice(TaxAuthority1="HSTON"), "not at level 1 of tax group CHICAGO"),
        (invoice(TaxAuthority2="NOPE"), "Tax authority NOPE does not exist"),
        (invoice(customer="MILEHIGH", TaxAuthority2="DENCITY"), "Tax authority DENCITY does not exist"),
        (invoice(TaxClass1=7), "Tax class 7"),
        (
            invoice(InvoiceDetails=[{"RevenueAccount": "4000-10", "ExtendedAmountWithTIP": 5, "TaxClass1": 9}]),
            "Tax class 9",
        ),
        (invoice(TaxAmount5=Decimal("1.00")), "no authority at level 5"),
        (invoice(DocumentTotalIncludingTax=999), "out of balance"),
        (invoice(ApplytoDocument="A0801"), "Only credit and debit notes"),
        (invoice(DocumentType="CreditNote", ApplytoDocument="NOPE"), "Apply-to document NOPE"),
        (invoice(DocumentType="Interest"), "cannot be entered"),
        (invoice(InvoicePaymentSchedules=[{"AmountDue": 10}]), "payment schedule total"),
    ],
)
def test_ar_business_rules_are_record_invalid(client: httpx.Client, entry: dict[str, Any], fragment: str) -> None:
    status, code, message = error_of(client.post("/AR/ARInvoiceBatches", json=wire(ar_batch(entry))))
    assert (status, code) == (409, "RecordInvalid"), message
    assert fragment in message


def test_tax_kept_as_sent_or_calculated(client: httpx.Client) -> None:
    kept = invoice("CW-T1", customer="ACME001", TaxAmount1=Decimal("12.34"), TaxBase1=Decimal(1000))
    calculated = invoice("CW-T2", customer="ACME001", DoNotCalculationTax="No")
    created = decoded(client.post("/AR/ARInvoiceBatches", json=wire(ar_batch(kept, calculated))))
    first, second = created["Invoices"]
    assert first["TaxAmount1"] == Decimal("12.34") and first["DocumentTotalIncludingTax"] == Decimal("1012.34")
    assert second["TaxAmount1"] == Decimal("130.00") and second["DocumentTotalIncludingTax"] == Decimal("1130.00")
    assert second["TaxAuthority1"] == "HSTON" and second["TaxClass1"] == 1


def test_exchange_rates_follow_the_rate_table(client: httpx.Client) -> None:
    entry = invoice("CW-FX", customer="ACME001", DocumentDate="2026-09-20", PostingDate="2026-09-20")
    post_ar_invoices(client, entry)
    document = _posted(client, "ACME001", "CW-FX")
    assert document["ExchangeRate"] == Decimal("0.7298000")  # Earlier: the 2026-09-15 rate
    assert document["FunctionalCurrencyInvoiceAmount"] == Decimal("729.80")
    overridden = invoice("CW-FX2", customer="ACME001", ExchangeRate=Decimal("0.75"))
    post_ar_invoices(client, overridden)
    assert _posted(client, "ACME001", "CW-FX2")["RateOverridden"] == "Yes"


def test_credit_note_applied_to_an_invoice_when_posted(client: httpx.Client) -> None:
    post_ar_invoices(client, invoice("CW-INV"))
    note = invoice("CW-CN", DocumentType="CreditNote", ApplytoDocument="CW-INV")
    note["InvoiceDetails"] = [{"RevenueAccount": "4000-10", "ExtendedAmountWithTIP": 250}]
    post_ar_invoices(client, note)
    assert _posted(client, "WINDYCITY", "CW-INV")["CustomerCurrencyAmountDue"] == Decimal(750)
    credit = _posted(client, "WINDYCITY", "CW-CN")
    assert credit["CustomerCurrencyInvoiceAmount"] == Decimal(-250) and credit["CustomerCurrencyAmountDue"] == 0
    assert credit["FullyPaid"] == "Yes"


def test_patch_entries_by_update_operation(client: httpx.Client) -> None:
    assert client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice("CW-P1"))).status_code == 201
    inserted = client.patch(
        "/AR/ARInvoiceBatches(2)", json={"Invoices": [{**invoice("CW-P2"), "UpdateOperation": "Insert"}]}
    )
    assert inserted.status_code == 204
    entries = client.get("/AR/ARInvoiceBatches(2)").json()["Invoices"]
    assert [(e["EntryNumber"], e["DocumentNumber"]) for e in entries] == [(1, "CW-P1"), (2, "CW-P2")]
    duplicate = {**invoice("CW-P1"), "UpdateOperation": "Insert"}
    assert error_of(client.patch("/AR/ARInvoiceBatches(2)", json={"Invoices": [duplicate]}))[:2] == (
        409,
        "RecordDuplicate",
    )
    deleted = client.patch(
        "/AR/ARInvoiceBatches(2)", json={"Invoices": [{"EntryNumber": 1, "UpdateOperation": "Delete"}]}
    )
    assert deleted.status_code == 204
    assert [e["DocumentNumber"] for e in client.get("/AR/ARInvoiceBatches(2)").json()["Invoices"]] == ["CW-P2"]


# -- AP -------------------------------------------------------------------------------------------------------
def _ap(number: str, vendor: str = "DELL", **extra: Any) -> dict[str, Any]:
    return {
        "VendorNumber": vendor,
        "DocumentNumber": number,
        "DocumentType": "Invoice",
        "DocumentDate": "2026-09-30",
        "DoNotCalculationTax": "Yes",
        "InvoiceDetails": [{"GLAccount": "5400-10", "DistributionDescription": "Licences", "DistributedAmount": 200}],
        **extra,
    }


def test_ap_batches_post_and_document_numbers_are_per_vendor(client: httpx.Client) -> None:
    body = {"Description": "Bills", "BatchStatus": "ReadyToPost", "Invoices": [_ap("B-1"), _ap("B-1", vendor="CDW")]}
    created = client.post("/AP/APInvoiceBatches", json=body)
    assert created.status_code == 201, created.text
    assert client.post("/AP/APPostInvoices('$process')", json={"FromBatch": 1, "ToBatch": 1}).status_code == 200
    document = decoded(client.get("/AP/APPostedDocuments(VendorNumber='DELL',DocumentNumber='B-1')"))
    assert document["VendorCurrencyInvoiceAmount"] == Decimal(200) and document["BatchNumber"] == 1
    again = error_of(client.post("/AP/APInvoiceBatches", json={"Invoices": [_ap("B-1")]}))
    assert again[:2] == (409, "RecordDuplicate") and "for vendor DELL" in again[2]
    assert client.post("/AP/APInvoiceBatches", json={"Invoices": [_ap("B-2")]}).status_code == 201
    assert error_of(client.post("/AP/APInvoiceBatches", json={"Invoices": [_ap("B-2")]}))[:2] == (
        409,
        "RecordDuplicate",
    )
    unknown = error_of(client.post("/AP/APInvoiceBatches", json={"Invoices": [_ap("B-3", vendor="NOPE")]}))
    assert unknown[:2] == (409, "RecordInvalid") and "Vendor number NOPE" in unknown[2]
    currency = error_of(client.post("/AP/APInvoiceBatches", json={"Invoices": [_ap("B-4", CurrencyCode="CAD")]}))
    assert currency[:2] == (409, "RecordInvalid")


# -- GL -------------------------------------------------------------------------------------------------------
def _journal(amounts: tuple[int, int], **extra: Any) -> dict[str, Any]:
    return {
        "Description": "CW expenses",
        "JournalHeaders": [
            {
                "SourceLedger": "GL",
                "SourceType": "JE",
                "Description": "CW-EXP-3301 Travel",
                "DocumentDate": "2026-09-30",
                "JournalDetails": [
                    {
                        "AccountNumber": "5100-10",
                        "Amount": amounts[0],
                        "Description": "Taxi",
                        "Reference": "CW-EXP-3301",
                    },
                    {
                        "AccountNumber": "2100-00",
                        "Amount": amounts[1],
                        "Description": "Taxi",
                        "Reference": "CW-EXP-3301",
                    },
                ],
            }
        ],
        **extra,
    }


def test_gl_batches_balance_ready_and_post(client: httpx.Client) -> None:
    unbalanced = error_of(client.post("/GL/GLJournalBatches", json=_journal((100, -90))))
    assert unbalanced[:2] == (409, "RecordInvalid") and "out of balance by 10" in unbalanced[2]
    bad_source = _journal((100, -100))
    bad_source["JournalHeaders"][0]["SourceType"] = "ZZ"
    assert error_of(client.post("/GL/GLJournalBatches", json=bad_source))[:2] == (409, "RecordInvalid")
    created = client.post("/GL/GLJournalBatches", json=_journal((100, -100), Status="ReadyToPost"))
    assert created.status_code == 201 and created.json()["Status"] == "ReadyToPost"
    number = created.json()["BatchNumber"]
    assert number == "000001" and client.get("/GL/GLJournalBatches('1')").json()["BatchNumber"] == "000001"
    posted = client.post("/GL/GLPostJournal('$process')", json={"FromBatch": number, "ToBatch": number})
    assert posted.status_code == 200
    assert client.get(f"/GL/GLJournalBatches('{number}')").json()["Status"] == "Posted"
    found = client.get("/GL/GLPostedTransactions", params={"$filter": "JournalDetailReference eq 'CW-EXP-3301'"})
    assert len(found.json()["value"]) == 2
    patched = client.post("/GL/GLJournalBatches", json=_journal((5, -5))).json()["BatchNumber"]
    assert client.patch(f"/GL/GLJournalBatches('{patched}')", json={"Status": "ReadyToPost"}).status_code == 204


# -- receipts -------------------------------------------------------------------------------------------------
def _receipt(customer: str, lines: list[tuple[str, Any]], amount: Any = None, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "CustomerNumber": customer,
        "ReceiptTransactionType": "Receipt",
        "ReceiptDateAdjustmentDate": "2026-10-05",
        "EntryReference": "CHK-1",
        "AppliedReceiptsAdjustments": [{"DocumentNumber": d, "CustomerReceiptAmount": a} for d, a in lines],
        **extra,
    }
    if amount is not None:
        entry["CustomerReceiptAmount"] = amount
    return {"BatchRecordType": "CA", "BatchDate": "2026-10-05", "BankCode": "BANK", "ReceiptsAdjustments": [entry]}


def _post_receipt(client: httpx.Client, body: dict[str, Any]) -> int:
    created = client.post("/AR/ARReceiptAndAdjustmentBatches", json=wire({**body, "BatchStatus": "ReadyToPost"}))
    assert created.status_code == 201, created.text
    number = int(created.json()["BatchNumber"])
    posted = client.post(
        "/AR/ARPostReceiptsAndAdjustments('$process')",
        json={"BatchType": "CA", "PostBatchFrom": number, "PostBatchTo": number},
    )
    assert posted.status_code == 200, posted.text
    return number


def test_receipts_reduce_amounts_due_then_settle(client: httpx.Client) -> None:
    post_ar_invoices(client, invoice("CW-R1"))
    _post_receipt(client, _receipt("WINDYCITY", [("CW-R1", 400)]))
    partial = _posted(client, "WINDYCITY", "CW-R1")
    assert partial["CustomerCurrencyAmountDue"] == Decimal(600) and partial["FullyPaid"] == "No"
    assert partial["LastActivityDate"] == "2026-10-05T00:00:00Z" and partial["DatePaid"] is None
    second = _receipt("WINDYCITY", [("CW-R1", 600)])
    second["ReceiptsAdjustments"][0]["ReceiptDateAdjustmentDate"] = "2026-10-09"
    _post_receipt(client, second)
    paid = _posted(client, "WINDYCITY", "CW-R1")
    assert paid["CustomerCurrencyAmountDue"] == 0 and paid["FullyPaid"] == "Yes"
    assert paid["DatePaid"] == "2026-10-09T00:00:00Z"
    receipts = client.get(
        "/AR/ARPostedDocuments", params={"$filter": "DocumentType eq 'Receipt' and CustomerNumber eq 'WINDYCITY'"}
    )
    assert len(receipts.json()["value"]) >= 2
    customer = decoded(client.get("/AR/ARCustomers('WINDYCITY')"))
    assert customer["DateOfLastReceipt"] == "2026-10-09T00:00:00Z"


def test_over_application_is_refused_when_entered_and_when_posted(client: httpx.Client) -> None:
    post_ar_invoices(client, invoice("CW-O1"))
    too_much = error_of(client.post("/AR/ARReceiptAndAdjustmentBatches", json=_receipt("WINDYCITY", [("CW-O1", 1001)])))
    assert too_much[:2] == (409, "RecordInvalid") and "exceeds the amount due" in too_much[2]
    twice = _receipt("WINDYCITY", [("CW-O1", 600)])
    twice["ReceiptsAdjustments"].append(dict(twice["ReceiptsAdjustments"][0]))
    assert error_of(client.post("/AR/ARReceiptAndAdjustmentBatches", json=twice))[:2] == (409, "RecordInvalid")
    first = client.post("/AR/ARReceiptAndAdjustmentBatches", json=_receipt("WINDYCITY", [("CW-O1", 600)]))
    second = client.post("/AR/ARReceiptAndAdjustmentBatches", json=_receipt("WINDYCITY", [("CW-O1", 600)]))
    for created in (first, second):
        number = created.json()["BatchNumber"]
        key = f"(BatchRecordType='CA',BatchNumber={number})"
        assert (
            client.patch(f"/AR/ARReceiptAndAdjustmentBatches{key}", json={"BatchStatus": "ReadyToPost"}).status_code
            == 204
        )
    both = {
        "BatchType": "CA",
        "PostBatchFrom": first.json()["BatchNumber"],
        "PostBatchTo": second.json()["BatchNumber"],
    }
    assert error_of(client.post("/AR/ARPostReceiptsAndAdjustments('$process')", json=both))[:2] == (
        409,
        "RecordInvalid",
    )
    assert _posted(client, "WINDYCITY", "CW-O1")["CustomerCurrencyAmountDue"] == Decimal(1000)  # nothing posted
    unknown = error_of(client.post("/AR/ARReceiptAndAdjustmentBatches", json=_receipt("WINDYCITY", [("NOPE", 1)])))
    assert unknown[:2] == (409, "RecordInvalid")


def test_apply_document_applies_a_credit_note(client: httpx.Client) -> None:
    post_ar_invoices(client, invoice("CW-A1"))
    note = invoice("CW-A1C", DocumentType="CreditNote")
    note["InvoiceDetails"] = [{"RevenueAccount": "4000-10", "ExtendedAmountWithTIP": 300}]
    post_ar_invoices(client, note)
    body = _receipt("WINDYCITY", [("CW-A1", 300)], ReceiptTransactionType="ApplyDocument", DocumentNumber="CW-A1C")
    _post_receipt(client, body)
    assert _posted(client, "WINDYCITY", "CW-A1")["CustomerCurrencyAmountDue"] == Decimal(700)
    assert _posted(client, "WINDYCITY", "CW-A1C")["CustomerCurrencyAmountDue"] == 0
    over = _receipt("WINDYCITY", [("CW-A1", 1)], ReceiptTransactionType="ApplyDocument", DocumentNumber="CW-A1C")
    assert error_of(client.post("/AR/ARReceiptAndAdjustmentBatches", json=over))[:2] == (409, "RecordInvalid")


def test_prepayment_and_unapplied_cash_become_credits(client: httpx.Client) -> None:
    body = _receipt("WINDYCITY", [], amount=150, ReceiptTransactionType="UnappliedCash", DocumentNumber="UC-1")
    _post_receipt(client, body)
    credit = _posted(client, "WINDYCITY", "UC-1")
    assert credit["DocumentType"] == "UnappliedCash" and credit["CustomerCurrencyAmountDue"] == Decimal(-150)


# -- masters, Day End, IC -------------------------------------------------------------------------------------
def test_create_missing_customer_and_change_it(client: httpx.Client) -> None:
    assert error_of(client.post("/AR/ARCustomers", json={"CustomerNumber": "BLUEHERON", "GroupCode": "NOPE"}))[:2] == (
        409,
        "RecordInvalid",
    )
    created = client.post(
        "/AR/ARCustomers",
        json={
            "CustomerNumber": "BLUEHERON",
            "CustomerName": "Blue Heron Dental",
            "GroupCode": "USD",
            "TaxGroup": "CHICAGO",
        },
    )
    assert created.status_code == 201, created.text
    customer = created.json()
    assert customer["Terms"] == "NET30" and customer["CurrencyCode"] == "USD" and customer["TaxClassCode3"] == 1
    assert client.patch("/AR/ARCustomers('BLUEHERON')", json={"Status": "Inactive"}).status_code == 204
    inactive = error_of(client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice(customer="BLUEHERON"))))
    assert inactive[:2] == (409, "RecordInvalid") and "inactive" in inactive[2]
    currency = client.patch(
        "/AR/ARCustomers('ACME001')", json={"GroupCode": "USD", "AccountSet": "USD", "CurrencyCode": "USD"}
    )
    assert error_of(currency)[:2] == (409, "RecordInvalid")
    assert client.put("/AR/ARCustomers('ACME001')", json={"ShortName": "New Name"}).status_code == 204
    assert client.get("/AR/ARCustomers('ACME001')").json()["ShortName"] == "New Name"
    assert error_of(client.delete("/AR/ARCustomers('ACME001')"))[:2] == (409, "RecordInvalid")
    assert client.delete("/AR/ARCustomers('BLUEHERON')").status_code == 204
    assert error_of(client.get("/AR/ARCustomers('BLUEHERON')"))[:2] == (404, "RecordNotFound")


def test_detail_lines_merge_by_update_operation_and_put_purges(client: httpx.Client) -> None:
    rates = "/CS/CSCurrencyRates(ToCurrency='USD',RateType='SP')"
    before = len(client.get(rates).json()["CurrencyRateDetail"])
    line = {"FromCurrency": "CAD", "RateDate": "2026-12-01", "Rate": 0.7199, "UpdateOperation": "Insert"}
    assert client.patch(rates, json={"CurrencyRateDetail": [line]}).status_code == 204
    assert len(client.get(rates).json()["CurrencyRateDetail"]) == before + 1
    assert error_of(client.patch(rates, json={"CurrencyRateDetail": [line]}))[:2] == (409, "RecordDuplicate")
    assert client.put(rates, json={"CurrencyRateDetail": [{**line, "UpdateOperation": "Update"}]}).status_code == 204
    assert len(client.get(rates).json()["CurrencyRateDetail"]) == 1


def test_day_end_lock_refuses_writes_with_general(client: httpx.Client, control: httpx.Client) -> None:
    assert control.post("/day-end", json={"locked": True}).json() == {"day_end_locked": True}
    status, code, message = error_of(client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice())))
    assert (status, code) == (409, "General") and "Day End Processing" in message
    assert error_of(client.post("/AR/ARPostInvoices('$process')", json={"PostBatchFrom": 1}))[:2] == (409, "General")
    assert client.get("/AR/ARCustomers").status_code == 200
    control.post("/day-end", json={"locked": False})
    assert client.post("/AR/ARInvoiceBatches", json=ar_batch(invoice())).status_code == 201


def test_ic_adjustments_and_transfers_are_found_by_reference(client: httpx.Client) -> None:
    adjustment = {
        "Description": "Procurement adjustment",
        "AdjustmentDate": "2026-09-30",
        "Reference": "CW-ADJ-77",
        "AdjustmentDetails": [
            {
                "ItemNumber": "SWITCH24",
                "Location": "MAIN",
                "TransactionType": "BothIncrease",
                "Quantity": 2,
                "CostAdjustment": 620,
            }
        ],
    }
    created = decoded(client.post("/IC/ICAdjustments", json=adjustment))
    assert created["SequenceNumber"] == 1 and created["AdjustmentNumber"] == "AD00000001"
    assert created["RecordStatus"] == "Entered"
    transfer = {
        "DocumentDate": "2026-09-30",
        "Reference": "CW-TRF-12",
        "TransferDetails": [
            {"ItemNumber": "PATCH10", "FromLocation": "MAIN", "ToLocation": "VAN1", "QuantityTransferred": 10}
        ],
    }
    made = client.post("/IC/ICTransfers", json=transfer).json()
    assert made["TransferNumber"] == "TF00000001" and made["DocumentType"] == "Transfer"
    found = client.get("/IC/ICAdjustments", params={"$filter": "Reference eq 'CW-ADJ-77'"}).json()["value"]
    assert [row["SequenceNumber"] for row in found] == [1]
    assert len(client.get("/IC/ICTransfers", params={"$filter": "startswith(Reference,'CW-TRF')"}).json()["value"]) == 1
    for detail, fragment in (
        (
            {"ItemNumber": "M365-BP", "FromLocation": "MAIN", "ToLocation": "VAN1", "QuantityTransferred": 1},
            "does not exist",
        ),
        (
            {"ItemNumber": "PATCH10", "FromLocation": "MAIN", "ToLocation": "MAIN", "QuantityTransferred": 1},
            "must differ",
        ),
        (
            {"ItemNumber": "PATCH10", "FromLocation": "MAIN", "ToLocation": "NOPE", "QuantityTransferred": 1},
            "Location NOPE",
        ),
        (
            {"ItemNumber": "PATCH10", "FromLocation": "MAIN", "ToLocation": "VAN1", "QuantityTransferred": 0},
            "greater than zero",
        ),
    ):
        status, code, message = error_of(client.post("/IC/ICTransfers", json={"TransferDetails": [detail]}))
        assert (status, code) == (409, "RecordInvalid") and fragment in message
    no_cost = {"AdjustmentDetails": [{"ItemNumber": "PATCH10", "Location": "MAIN", "TransactionType": "CostIncrease"}]}
    assert error_of(client.post("/IC/ICAdjustments", json=no_cost))[:2] == (409, "RecordInvalid")


def test_the_planted_gaps_of_the_demo_company(client: httpx.Client) -> None:
    assert error_of(client.get("/AR/ARCustomers('BLUEHERON')"))[:2] == (404, "RecordNotFound")
    assert error_of(client.get("/GL/GLAccounts('460010')"))[:2] == (404, "RecordNotFound")
    assert error_of(client.get("/TX/TXTaxAuthorities('DENCITY')"))[:2] == (404, "RecordNotFound")
    assert (
        client.get("/GL/GLAccounts", params={"$filter": "AccountNumber eq '4000-10'"}).json()["value"][0][
            "UnformattedAccount"
        ]
        == "400010"
    )
    groups = {g["TaxGroupKey"] for g in client.get("/TX/TXTaxGroups", params={"$top": "50"}).json()["value"]}
    assert groups == {"ONTARIO", "CHICAGO", "DENVER", "EXEMPT"}
    assert {loc["LocationKey"] for loc in client.get("/IC/ICLocations").json()["value"]} == {"MAIN", "VAN1"}


@pytest.mark.parametrize(
    ("matching", "operation", "rate", "functional"),
    [
        ("Earlier", "Multiply", "0.7298000", "729.80"),
        ("Later", "Multiply", "0.7265000", "726.50"),
        ("Closest", "Multiply", "0.7298000", "729.80"),
        ("Earlier", "Divide", "0.7298000", "1370.24"),
    ],
)
def test_rate_table_matching_and_operation(
    client: httpx.Client, matching: str, operation: str, rate: str, functional: str
) -> None:
    table = "/CS/CSCurrencyRates(ToCurrency='USD',RateType='SP')"
    assert client.patch(table, json={"DateMatching": matching, "RateOperation": operation}).status_code == 204
    post_ar_invoices(client, invoice("CW-M1", customer="ACME001", DocumentDate="2026-09-20", PostingDate="2026-09-20"))
    document = _posted(client, "ACME001", "CW-M1")
    assert document["ExchangeRate"] == Decimal(rate)
    assert document["FunctionalCurrencyInvoiceAmount"] == Decimal(functional)


def test_a_cad_receipt_is_converted_to_the_home_currency(client: httpx.Client) -> None:
    post_ar_invoices(client, invoice("CW-CAD", customer="ACME001", DocumentDate="2026-09-20", PostingDate="2026-09-20"))
    _post_receipt(client, _receipt("ACME001", [("CW-CAD", 400)], amount=500))
    receipt = next(
        row
        for row in decoded(
            client.get(
                "/AR/ARPostedDocuments", params={"$filter": "CustomerNumber eq 'ACME001' and DocumentType eq 'Receipt'"}
            )
        )["value"]
        if row["PostingDate"] == "2026-10-05T00:00:00Z"
    )
    assert receipt["CustomerCurrencyInvoiceAmount"] == Decimal(-500) and receipt[
        "CustomerCurrencyAmountDue"
    ] == Decimal(-100)
    assert receipt["FunctionalCurrencyInvoiceAmount"] == Decimal("-363.25")  # 500 × 0.7265 (rate of 2026-10-01)
