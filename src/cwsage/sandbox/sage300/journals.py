"""GL journal batches (reference §2.3, decisions 11, 24, 25): entry, Ready To Post, posting.

Why: expenses (and IC documents when Inventory Control is absent) land as balanced journal entries;
Sage refuses an entry whose signed ``Amount``s do not sum to zero, an unknown or inactive account and a
posting date outside an open fiscal period.
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
    resolve_account,
    text,
    today,
)
from cwsage.sandbox.sage300.errors import conflict, not_found
from cwsage.sandbox.sage300.invoices import batch_range


def batch_key(value: Any) -> str:
    """A GL batch number as the 6-digit string key (``12`` and ``'12'`` both give ``'000012'``)."""
    try:
        return f"{int(str(value)):06d}"
    except ValueError as exc:
        raise not_found(f"Batch {value} does not exist.", "RecordNotFound") from exc


def _build_header(data: Data, raw_in: Any, entry_number: int, batch_date_iso: str) -> Row:
    raw = require_object(raw_in)
    posting_date = opt_date(raw, "PostingDate", opt_date(raw, "DocumentDate", parse_date(batch_date_iso, "BatchDate")))
    document_date = opt_date(raw, "DocumentDate", posting_date)
    year, period = fiscal_period(data, posting_date, "Posting Date")
    source_ledger = text(raw, "SourceLedger", 2, default="GL") or "GL"
    source_type = text(raw, "SourceType", 2, default="JE") or "JE"
    details: list[Row] = []
    debits = credits = ZERO
    for index, detail_in in enumerate(as_list(raw, "JournalDetails"), start=1):
        detail = require_object(detail_in)
        account_raw = text(detail, "AccountNumber", 45, required=True)
        account = resolve_account(data, account_raw, "AccountNumber")
        value = amount(detail.get("Amount"), "Amount")
        if value > 0:
            debits += value
        else:
            credits -= value
        details.append(
            {
                "BatchNumber": "",
                "EntryNumber": f"{entry_number:05d}",
                "TransactionNumber": f"{index * 20:010d}",
                "AccountNumber": account["AccountNumber"],
                "Amount": value,
                "Quantity": amount(detail.get("Quantity"), "Quantity"),
                "SourceCurrency": text(detail, "SourceCurrency", 3) or data["company_profile"][0]["HomeCurrency"],
                "SourceCurrencyAmount": amount(detail.get("SourceCurrencyAmount", value), "SourceCurrencyAmount"),
                "HomeCurrency": data["company_profile"][0]["HomeCurrency"],
                "CurrencyRate": amount(detail.get("CurrencyRate", 1), "CurrencyRate"),
                "Description": text(detail, "Description", 60),
                "Reference": text(detail, "Reference", 60),
                "JournalDate": iso(opt_date(detail, "JournalDate", posting_date)),
                "SourceLedger": source_ledger,
                "SourceType": source_type,
                "Comment": text(detail, "Comment", 250),
            }
        )
    if len(details) < 2 and not details:
        raise conflict(f"Journal entry {entry_number} has no details.")
    if debits != credits:
        raise conflict(f"Journal entry {entry_number} is out of balance by {debits - credits}.")
    return {
        "BatchNumber": "",
        "EntryNumber": f"{entry_number:05d}",
        "SourceLedger": source_ledger,
        "SourceType": source_type,
        "FiscalYear": year,
        "FiscalPeriod": f"{period:02d}",
        "AutoReversal": "No",
        "Description": text(raw, "Description", 60),
        "Debits": debits,
        "Credits": credits,
        "PostingDate": iso(posting_date),
        "DocumentDate": iso(document_date),
        "OutOfBalanceBy": ZERO,
        "EnteredBy": "CWSAGE",
        "DocumentNumber": text(raw, "DocumentNumber", 22),
        "Reference": text(raw, "Reference", 60),
        "CustomerVendorNumber": text(raw, "CustomerVendorNumber", 12),
        "JournalDetails": details,
    }


def create_batch(data: Data, body_in: Any) -> Row:
    """POST ``GL/GLJournalBatches`` (201): every header must balance, or nothing is created."""
    body = require_object(body_in)
    description = text(body, "Description", 60)
    batch_date = iso(today())
    headers = [
        _build_header(data, raw, index, batch_date)
        for index, raw in enumerate(as_list(body, "JournalHeaders"), start=1)
    ]
    number = f"{next_number(data, 'gl_batch'):06d}"
    for header in headers:
        header["BatchNumber"] = number
        for detail in header["JournalDetails"]:
            detail["BatchNumber"] = number
    batch: Row = {
        "BatchNumber": number,
        "Description": description,
        "SourceLedger": "GL",
        "DateCreated": batch_date,
        "DateLastEdited": batch_date,
        "JournalBatchType": "Entered",
        "Status": "Open",
        "PostingSequence": 0,
        "Debits": sum((h["Debits"] for h in headers), ZERO),
        "Credits": sum((h["Credits"] for h in headers), ZERO),
        "NumberOfEntries": len(headers),
        "NumberOfErrors": 0,
        "ReadyToPost": "No",
        "LockBatchSwitch": "No",
        "JournalHeaders": headers,
        "UpdateOperation": "Unspecified",
    }
    data["gl_batches"].append(batch)
    return batch


def get_batch(data: Data, key: Any) -> Row:
    """A GL batch by its key, or 404."""
    number = batch_key(key)
    batch = find(data, "gl_batches", BatchNumber=number)
    if batch is None:
        raise not_found(f"Batch {number} does not exist.", "RecordNotFound")
    return batch


def patch_batch(data: Data, key: Any, body_in: Any) -> None:
    """PATCH ``{"Status":"ReadyToPost"}`` (or ``Description``) → 204."""
    body = require_object(body_in)
    batch = get_batch(data, key)
    if batch["Status"] in ("Posted", "Deleted"):
        raise conflict(f"Batch {batch['BatchNumber']} is {batch['Status'].lower()} and cannot be changed.", "General")
    status = body.get("Status")
    if status is None and body.get("ReadyToPost") in ("Yes", "No"):
        status = "ReadyToPost" if body["ReadyToPost"] == "Yes" else "Open"
    if status is not None and status not in ("Open", "ReadyToPost"):
        raise conflict(f"Invalid value '{status}' for Status.")
    description = text(body, "Description", 60, default=batch["Description"])
    if status is not None:
        batch["Status"] = status
        batch["ReadyToPost"] = "Yes" if status == "ReadyToPost" else "No"
    batch["Description"] = description
    batch["DateLastEdited"] = iso(today())


def delete_batch(data: Data, key: Any) -> None:
    """DELETE an Open/ReadyToPost GL batch (decision 26)."""
    batch = get_batch(data, key)
    if batch["Status"] == "Posted":
        raise conflict(f"Batch {batch['BatchNumber']} has been posted and cannot be deleted.", "General")
    if batch["Status"] == "Deleted":
        raise conflict(f"Batch {batch['BatchNumber']} has already been deleted.", "General")
    batch["Status"] = "Deleted"


def post_batches(data: Data, body_in: Any) -> Row:
    """``GL/GLPostJournals('$process')`` (decision 11): ready batches in ``FromBatch``..``ToBatch``."""
    body = require_object(body_in)
    low, high = batch_range(body, "FromBatch", "ToBatch", "PostAllBatches")
    chosen = [
        b
        for b in data["gl_batches"]
        if b["Status"] == "ReadyToPost" and (low is None or low <= int(b["BatchNumber"]) <= (high or low))
    ]
    if not chosen:
        raise conflict(
            "There are no batches ready to post" + (f" in the range {low} to {high}." if low else "."), "General"
        )
    for batch in chosen:
        for header in batch["JournalHeaders"]:
            fiscal_period(data, parse_date(header["PostingDate"], "PostingDate"), "Posting Date")
    for batch in chosen:
        sequence = next_number(data, "gl_posting_sequence")
        for header in batch["JournalHeaders"]:
            for count, detail in enumerate(header["JournalDetails"], start=1):
                value: Decimal = detail["Amount"]
                data["gl_posted"].append(
                    {
                        "AccountNumber": detail["AccountNumber"],
                        "FiscalYear": header["FiscalYear"],
                        "FiscalPeriod": header["FiscalPeriod"],
                        "SourceCurrencyCode": detail["SourceCurrency"],
                        "SourceLedgerCode": header["SourceLedger"],
                        "SourceTypeCode": header["SourceType"],
                        "PostingSequenceNumber": sequence,
                        "DetailCount": count,
                        "JournalDate": detail["JournalDate"],
                        "BatchNumber": batch["BatchNumber"],
                        "JournalEntryNumber": header["EntryNumber"],
                        "JournalTransactionNumber": detail["TransactionNumber"],
                        "JournalTransactionAmount": value,
                        "JournalDetailDescription": detail["Description"],
                        "JournalDetailReference": detail["Reference"],
                        "SourceCurrencyAmount": detail["SourceCurrencyAmount"],
                        "DocumentNumber": header["DocumentNumber"],
                    }
                )
        batch["Status"] = "Posted"
        batch["ReadyToPost"] = "No"
        batch["PostingSequence"] = sequence
    result = dict(body)
    result.setdefault("UpdateOperation", "Unspecified")
    return result
