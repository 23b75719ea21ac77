"""AR receipt and adjustment batches (decision 16): receipts and credit-note applications.

Why: payment sync reads what these change — posting a receipt reduces the applied invoices'
``CustCurrencyAmountDue``, moves ``LastActivityDate`` and, at zero, sets ``FullyPaid``/``DatePaid``. An
application above the amount due is refused (409) both when the batch is entered and when it is posted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cwsage.sandbox.sage300.common import (
    ZERO,
    Data,
    Row,
    amount,
    as_list,
    find,
    fiscal_period,
    iso,
    next_number,
    opt_date,
    parse_date,
    require_object,
    text,
    today,
)
from cwsage.sandbox.sage300.errors import conflict, not_found
from cwsage.sandbox.sage300.invoices import AR, apply_amount, batch_range, refresh_customer

TRANSACTION_TYPES = ("Receipt", "ApplyDocument")


def _check_applications(data: Data, entries: list[Row]) -> None:
    """Every application within the amount due, cumulated over the entries (409 otherwise)."""
    pending: dict[str, Decimal] = {}
    for entry in entries:
        customer = entry["CustomerNumber"]
        applied_total = ZERO
        for line in entry["AppliedReceiptsAdjustments"]:
            number = line["DocumentNumber"]
            document = find(data, "ar_posted", CustomerNumber=customer, DocumentNumber=number)
            if document is None:
                raise conflict(f"Document {number} does not exist for customer {customer}.")
            due = document["CustCurrencyAmountDue"] - pending.get(number, ZERO)
            applied = line["AppliedAmount"]
            if applied <= 0:
                raise conflict(f"The applied amount for document {number} must be greater than zero.")
            if applied > due:
                raise conflict(f"The applied amount {applied} exceeds the amount due {due} for document {number}.")
            pending[number] = pending.get(number, ZERO) + applied
            applied_total += applied
        if entry["TransactionType"] == "Receipt":
            if applied_total > entry["CustomerReceiptAmount"]:
                raise conflict(
                    f"The total applied amount {applied_total} exceeds the receipt amount "
                    f"{entry['CustomerReceiptAmount']}."
                )
        else:
            credit_number = entry["ApplyTo"]
            credit = find(data, "ar_posted", CustomerNumber=customer, DocumentNumber=credit_number)
            if credit is None or credit["DocumentType"] not in ("CreditNote", "Receipt", "Prepayment"):
                raise conflict(f"Document {credit_number} is not a credit note of customer {customer}.")
            available = -credit["CustCurrencyAmountDue"] - pending.get(credit_number, ZERO)
            if applied_total > available:
                raise conflict(
                    f"The total applied amount {applied_total} exceeds the balance {available} "
                    f"of document {credit_number}."
                )
            pending[credit_number] = pending.get(credit_number, ZERO) + applied_total


def _build_entry(data: Data, raw_in: Any, index: int, batch_date_iso: str) -> Row:
    raw = require_object(raw_in)
    customer_number = text(raw, "CustomerNumber", 12, required=True)
    if find(data, "customers", CustomerNumber=customer_number) is None:
        raise conflict(f"Customer number {customer_number} does not exist.")
    kind = raw.get("TransactionType") or "Receipt"
    if kind not in TRANSACTION_TYPES:
        raise conflict(f"Invalid value '{kind}' for TransactionType.")
    document_date = opt_date(raw, "DocumentDate", parse_date(batch_date_iso, "BatchDate"))
    posting_date = opt_date(raw, "PostingDate", document_date)
    year, period = fiscal_period(data, posting_date, "Posting Date")
    lines: list[Row] = []
    for number, line_in in enumerate(as_list(raw, "AppliedReceiptsAdjustments"), start=1):
        line = require_object(line_in)
        value = line.get("AppliedAmount", line.get("CustomerReceiptAmount"))
        lines.append(
            {
                "LineNumber": number,
                "DocumentNumber": text(line, "DocumentNumber", 22, required=True),
                "PaymentNumber": int(line.get("PaymentNumber") or 1),
                "ReceiptTransactionType": kind,
                "AppliedAmount": amount(value, "AppliedAmount"),
            }
        )
    applied_total = sum((line["AppliedAmount"] for line in lines), ZERO)
    receipt_amount = ZERO
    if kind == "Receipt":
        given = raw.get("CustomerReceiptAmount", raw.get("BankReceiptAmount"))
        receipt_amount = amount(given, "CustomerReceiptAmount") if given is not None else applied_total
        if receipt_amount <= 0:
            raise conflict("The receipt amount must be greater than zero.")
    return {
        "BatchRecordType": "CA",
        "BatchNumber": 0,
        "EntryNumber": index,
        "CustomerNumber": customer_number,
        "TransactionType": kind,
        "DocumentNumber": "",
        "DocumentDate": iso(document_date),
        "PostingDate": iso(posting_date),
        "FiscalYear": year,
        "FiscalPeriod": f"{period:02d}",
        "CheckReceiptNo": text(raw, "CheckReceiptNo", 22),
        "EntryDescription": text(raw, "EntryDescription", 60),
        "ApplyTo": text(raw, "ApplyTo", 22, required=kind == "ApplyDocument"),
        "BankReceiptAmount": receipt_amount,
        "CustomerReceiptAmount": receipt_amount,
        "AppliedReceiptsAdjustments": lines,
    }


def create_batch(data: Data, body_in: Any) -> Row:
    """POST ``AR/ARReceiptAndAdjustmentBatches``: all entries validated before anything is created."""
    body = require_object(body_in)
    record_type = body.get("BatchRecordType") or "CA"
    if record_type != "CA":
        raise conflict(f"Invalid value '{record_type}' for BatchRecordType.")
    description = text(body, "Description", 60)
    batch_date = iso(opt_date(body, "BatchDate", today()))
    entries = [
        _build_entry(data, raw, index, batch_date)
        for index, raw in enumerate(as_list(body, "ReceiptsAdjustments"), start=1)
    ]
    _check_applications(data, entries)
    number = next_number(data, "ar_receipt_batch")
    for entry in entries:
        entry["BatchNumber"] = number
        if entry["TransactionType"] == "Receipt":
            entry["DocumentNumber"] = f"PY{next_number(data, 'ar_receipt_document'):08d}"
    batch: Row = {
        "BatchRecordType": "CA",
        "BatchNumber": number,
        "BatchDate": batch_date,
        "Description": description,
        "BatchType": "Entered",
        "BatchStatus": "Open",
        "BankCode": text(body, "BankCode", 8, default="BANK"),
        "BatchTotal": sum((e["CustomerReceiptAmount"] for e in entries), ZERO),
        "NumberOfEntries": len(entries),
        "PostingSequence": 0,
        "DateLastEdited": iso(today()),
        "ReceiptsAdjustments": entries,
        "UpdateOperation": "Unspecified",
    }
    data["ar_receipt_batches"].append(batch)
    return batch


def get_batch(data: Data, number: int) -> Row:
    """A receipt batch by number, or 404."""
    batch = find(data, "ar_receipt_batches", BatchNumber=number)
    if batch is None:
        raise not_found(f"Batch {number} does not exist.", "RecordNotFound")
    return batch


def post_batches(data: Data, body_in: Any) -> Row:
    """``AR/ARPostReceiptsAndAdjustments('$process')``: post the ReadyToPost CA batches in the range."""
    body = require_object(body_in)
    if (body.get("BatchType") or "CA") != "CA":
        raise conflict(f"Invalid value '{body.get('BatchType')}' for BatchType.")
    low, high = batch_range(body, "PostBatchFrom", "PostBatchTo", "PostAllBatches")
    chosen = [
        b
        for b in data["ar_receipt_batches"]
        if b["BatchStatus"] == "ReadyToPost" and (low is None or low <= b["BatchNumber"] <= (high or low))
    ]
    if not chosen:
        raise conflict(
            "There are no batches ready to post" + (f" in the range {low} to {high}." if low else "."), "General"
        )
    for batch in chosen:
        for entry in batch["ReceiptsAdjustments"]:
            fiscal_period(data, parse_date(entry["PostingDate"], "PostingDate"), "Posting Date")
    _check_applications(data, [e for b in chosen for e in b["ReceiptsAdjustments"]])
    for batch in chosen:
        sequence = next_number(data, "ar_receipt_posting_sequence")
        for entry in batch["ReceiptsAdjustments"]:
            post_entry(data, batch, entry)
        batch["BatchStatus"] = "Posted"
        batch["PostingSequence"] = sequence
    result = dict(body)
    result.setdefault("UpdateOperation", "Unspecified")
    return result


def post_entry(data: Data, batch: Row, entry: Row) -> None:
    """Apply one receipt or credit-note application to the open-document table."""
    when = entry["DocumentDate"]
    customer = entry["CustomerNumber"]
    applied_total = ZERO
    for line in entry["AppliedReceiptsAdjustments"]:
        document = find(data, "ar_posted", CustomerNumber=customer, DocumentNumber=line["DocumentNumber"])
        assert document is not None
        apply_amount(data, AR, document, line["AppliedAmount"], when)
        applied_total += line["AppliedAmount"]
    if entry["TransactionType"] == "ApplyDocument":
        credit = find(data, "ar_posted", CustomerNumber=customer, DocumentNumber=entry["ApplyTo"])
        assert credit is not None
        apply_amount(data, AR, credit, -applied_total, when)
    else:
        unapplied = -(entry["CustomerReceiptAmount"] - applied_total)
        data["ar_posted"].append(
            {
                "CustomerNumber": customer,
                "DocumentNumber": entry["DocumentNumber"],
                "DocumentType": "Receipt",
                "DocumentDate": when,
                "PostingDate": entry["PostingDate"],
                "DueDate": None,
                "CurrencyCode": (find(data, "customers", CustomerNumber=customer) or {}).get("CurrencyCode", ""),
                "ExchangeRate": Decimal(1),
                "CustCurrencyInvoiceAmount": -entry["CustomerReceiptAmount"],
                "CustCurrencyAmountDue": unapplied,
                "FuncCurrencyInvoiceAmount": -entry["CustomerReceiptAmount"],
                "FuncCurrencyAmountDue": unapplied,
                "FullyPaid": "Yes" if unapplied == 0 else "No",
                "DatePaid": when if unapplied == 0 else None,
                "LastActivityDate": when,
                "BatchNumber": batch["BatchNumber"],
                "EntryNumber": entry["EntryNumber"],
                "BatchType": "Entered",
                "CheckReceiptNumber": entry["CheckReceiptNo"],
                "PONumber": "",
                "OrderNumber": "",
                "InvoiceType": "",
                "DocumentDescription": entry["EntryDescription"],
                "ApplyToDocument": "",
            }
        )
        target = find(data, "customers", CustomerNumber=customer)
        if target is not None:
            target["LastReceiptCustomerCurrency"] = entry["CustomerReceiptAmount"]
    refresh_customer(data, customer)


def record_receipt(data: Data, body_in: Any) -> Row:
    """The control API's convenience: enter, ready and post one receipt ``{customer,date,applications}``."""
    body = require_object(body_in)
    applications = [
        {"DocumentNumber": a.get("document"), "AppliedAmount": a.get("amount")} for a in as_list(body, "applications")
    ]
    receipt: Row = {
        "CustomerNumber": body.get("customer"),
        "TransactionType": "Receipt",
        "DocumentDate": body.get("date"),
        "CheckReceiptNo": body.get("check") or "",
        "AppliedReceiptsAdjustments": applications,
    }
    if body.get("amount") is not None:
        receipt["CustomerReceiptAmount"] = body["amount"]
    batch = create_batch(
        data, {"Description": "Sandbox receipt", "BatchDate": body.get("date"), "ReceiptsAdjustments": [receipt]}
    )
    batch["BatchStatus"] = "ReadyToPost"
    post_batches(data, {"BatchType": "CA", "PostBatchFrom": batch["BatchNumber"], "PostBatchTo": batch["BatchNumber"]})
    return batch
