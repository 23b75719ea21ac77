"""GL journal batches (PL, I12, I15): entry, Ready To Post, posting to ``GL/GLPostedTransactions``.

Why: expenses (and IC documents when Inventory Control is absent) land as journal entries. Sage refuses an
entry whose signed ``Amount`` s do not sum to zero, an unknown or inactive account, an unknown source code
and a posting date outside an open fiscal period — the whole batch, naming the entry (I23). GL batches use
``Status`` (not ``BatchStatus``) and stay listed after posting with ``Status: "Posted"`` (I15).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from cwsage.sandbox.sage300.company import Company, day_of, iso
from cwsage.sandbox.sage300.errors import SageError, general, invalid, not_found
from cwsage.sandbox.sage300.masters import today_iso
from cwsage.sandbox.sage300.store import Row

TABLE = "GL/GLJournalBatches"
POSTED = "GL/GLPostedTransactions"
ZERO = Decimal(0)


def batch_key(value: Any) -> str:
    """A GL batch number as its 6-character key (``'490'`` and ``'000490'`` name the same batch)."""
    text = str(value).strip()
    return f"{int(text):06d}" if text.isdigit() else text


def _header(company: Company, raw: Row, index: int, today: date) -> Row:
    source = (raw.get("SourceLedger") or "GL", raw.get("SourceType") or "JE")
    if company.get("GL/GLSourceCodes", *source) is None:
        raise invalid(f"Source code {source[0]}-{source[1]} does not exist.")
    document_date = day_of(raw.get("DocumentDate")) or today
    posting = day_of(raw.get("PostingDate")) or document_date
    year, period = company.fiscal_period(posting, "Posting Date")
    home = company.home_currency
    details: list[Row] = []
    debits = credits = ZERO
    for number, line in enumerate(raw.get("JournalDetails") or [], start=1):
        account = company.account(line.get("AccountNumber") or "", f"detail {number}")
        amount: Decimal = line.get("Amount") if line.get("Amount") is not None else ZERO
        if amount > 0:
            debits += amount
        else:
            credits -= amount
        stored = {k: v for k, v in line.items() if k != "UpdateOperation"}
        stored.update(
            {
                "EntryNumber": f"{index:05d}",
                "TransactionNumber": f"{number * 20:010d}",
                "AccountNumber": account["AccountNumber"],
                "Amount": amount,
                "SourceCurrency": line.get("SourceCurrency") or home,
                "SourceCurrencyAmount": line.get("SourceCurrencyAmount")
                if line.get("SourceCurrencyAmount") is not None
                else amount,
                "HomeCurrency": home,
                "Description": line.get("Description") or "",
                "Reference": line.get("Reference") or "",
                "JournalDate": line.get("JournalDate") or iso(posting),
            }
        )
        details.append(stored)
    if not details:
        raise invalid(f"Journal entry {index} has no details.")
    if debits != credits:
        raise invalid(f"Journal entry {index} is out of balance by {debits - credits}.")
    header: Row = {k: v for k, v in raw.items() if k != "UpdateOperation"}
    header.update(
        {
            "EntryNumber": f"{index:05d}",
            "SourceLedger": source[0],
            "SourceType": source[1],
            "Description": raw.get("Description") or "",
            "DocumentDate": iso(document_date),
            "PostingDate": iso(posting),
            "FiscalYear": year,
            "FiscalPeriod": period,
            "AutoReversal": raw.get("AutoReversal") or "No",
            "Debits": debits,
            "Credits": credits,
            "OutOfBalanceBy": ZERO,
            "JournalDetails": details,
        }
    )
    return header


def _status(body: Row, default: str) -> str:
    status = body.get("Status")
    if status is None and body.get("ReadyToPost") is not None:
        status = "ReadyToPost" if body["ReadyToPost"] == "Yes" else "Open"
    return str(status or default)


def create_batch(company: Company, body: Row, *, ready_allowed: bool) -> Row:
    """POST ``GL/GLJournalBatches`` (201): every entry balanced, or nothing is created.

    ``Status: "ReadyToPost"`` in the body is honoured when ``ready_allowed`` (I12), ignored otherwise.
    """
    status = _status(body, "Open")
    if status not in ("Open", "ReadyToPost"):
        raise invalid(f"A new batch cannot be created with status {status}.")
    if not ready_allowed:
        status = "Open"
    today = datetime.now(UTC).date()
    headers: list[Row] = []
    for index, raw in enumerate(body.get("JournalHeaders") or [], start=1):
        try:
            headers.append(_header(company, raw, index, today))
        except SageError as error:
            raise SageError(error.code, f"Entry {index} ({raw.get('Description') or ''}): {error.message}") from error
    number = f"{company.store.next_number(TABLE):06d}"
    for header in headers:
        header["BatchNumber"] = number
        header["JournalDetails"] = [{**d, "BatchNumber": number} for d in header["JournalDetails"]]
    batch: Row = {k: v for k, v in body.items() if k not in ("JournalHeaders", "Status", "ReadyToPost")}
    batch.update(
        {
            "BatchNumber": number,
            "Description": body.get("Description") or "",
            "Status": status,
            "ReadyToPost": "Yes" if status == "ReadyToPost" else "No",
            "SourceLedger": body.get("SourceLedger") or "GL",
            "DateCreated": iso(today),
            "DateLastEdited": iso(today),
            "BatchType": "Entered",
            "PostingSequence": 0,
            "Debits": sum((h["Debits"] for h in headers), ZERO),
            "Credits": sum((h["Credits"] for h in headers), ZERO),
            "NumberOfEntries": len(headers),
            "NumberOfErrors": 0,
            "JournalHeaders": headers,
        }
    )
    company.store.put(TABLE, batch)
    return batch


def patch_batch(company: Company, key: Any, body: Row) -> Row:
    """PATCH ``{"Status": "ReadyToPost"}`` (or ``ReadyToPost: "Yes"``, ``Description``, ``Status: "Deleted"``)."""
    number = batch_key(key)
    batch = company.get(TABLE, number)
    if batch is None:
        raise not_found(f"Batch {number} does not exist.")
    if batch["Status"] not in ("Open", "ReadyToPost"):
        raise general(f"Batch {number} is {batch['Status']} and cannot be changed.")
    if body.get("JournalHeaders"):
        raise general("Journal entries are entered with a new batch; this batch's entries cannot be changed.")
    status = _status(body, batch["Status"])
    if status not in ("Open", "ReadyToPost", "Deleted"):
        raise invalid(f"A batch cannot be set to {status}.")
    updated = {**batch, **{k: v for k, v in body.items() if k != "JournalHeaders"}}
    updated.update({"BatchNumber": number, "Status": status, "ReadyToPost": "Yes" if status == "ReadyToPost" else "No"})
    updated["DateLastEdited"] = today_iso()
    company.store.put(TABLE, updated)
    return updated


def post_batches(company: Company, body: Row) -> list[str]:
    """``GL/GLPostJournal('$process')`` (I12): the ReadyToPost batches from ``FromBatch`` to ``ToBatch``.

    Raises:
        SageError: 409 ``General`` when none is ready; 409 ``RecordInvalid`` when a period closed since entry.
    """
    ready = company.find(TABLE, "Status", "ReadyToPost")
    if body.get("PostAllBatches") != "Postallbatches":
        low = body.get("FromBatch") or ""
        if not low:
            raise SageError("InvalidParameters", "FromBatch is required unless PostAllBatches is Postallbatches.")
        high = body.get("ToBatch") or low
        ready = [b for b in ready if batch_key(low) <= b["BatchNumber"] <= batch_key(high)]
    if not ready:
        raise general("There are no batches ready to post in the range given.")
    for batch in ready:
        for header in batch["JournalHeaders"]:
            posting = day_of(header["PostingDate"])
            if posting is not None:
                company.fiscal_period(posting, "Posting Date")
    posted = []
    for batch in ready:
        sequence = company.store.next_number("GL:posting-sequence")
        count = 0
        for header in batch["JournalHeaders"]:
            for detail in header["JournalDetails"]:
                count += 1
                company.store.put(
                    POSTED,
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
                        "JournalTransactionAmount": detail["Amount"],
                        "JournalDetailDescription": detail["Description"],
                        "JournalDetailReference": detail["Reference"],
                        "SourceCurrencyAmount": detail["SourceCurrencyAmount"],
                    },
                )
        company.store.put(TABLE, {**batch, "Status": "Posted", "ReadyToPost": "No", "PostingSequence": sequence})
        posted.append(batch["BatchNumber"])
    return posted
