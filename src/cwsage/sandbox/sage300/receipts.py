"""AR receipt and adjustment batches (PL, I19): receipts, prepayments, unapplied cash, document applications
and adjustments, and their posting.

Why: payment sync reads what these change. Posting a receipt reduces the applied documents'
``CustomerCurrencyAmountDue``, moves their ``LastActivityDate`` and, at zero, sets ``FullyPaid``/``DatePaid``
(I17); the receipt itself becomes a posted ``Receipt`` document carrying what it left unapplied. An
``ApplyDocument`` entry applies a credit note (or other credit) named in the entry's ``DocumentNumber``.
An application above the amount due is refused (409 ``RecordInvalid``) when the batch is entered and again
when it is posted. Adjustments (``BatchRecordType`` ``AD``) reduce a document's amount due by the total of
their ``AdjustmentGLDistributions`` (I26, emulator only).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from cwsage.sandbox.sage300.company import Company, day_of, iso
from cwsage.sandbox.sage300.errors import SageError, duplicate, general, invalid, not_found
from cwsage.sandbox.sage300.invoices import AR, ZERO, apply_amount, party_activity
from cwsage.sandbox.sage300.masters import today_iso
from cwsage.sandbox.sage300.store import Row

TABLE = "AR/ARReceiptAndAdjustmentBatches"
POSTED = "AR/ARPostedDocuments"
CREDITS = ("CreditNote", "Receipt", "Prepayment", "UnappliedCash")


def _applied(line: Row) -> Decimal:
    distributions = line.get("AdjustmentGLDistributions") or []
    if distributions:
        return sum((d.get("DistributionAmount") or ZERO for d in distributions), ZERO)
    amount: Decimal = line.get("CustomerReceiptAmount") or ZERO
    return amount


class _Applications:
    """Amounts applied so far in one write, so that two entries cannot over-apply one document."""

    def __init__(self, company: Company) -> None:
        self.company = company
        self.pending: dict[tuple[str, str], Decimal] = {}

    def due(self, customer: str, number: str) -> tuple[Row, Decimal]:
        document = self.company.get(POSTED, customer, number)
        if document is None:
            raise invalid(f"Document {number} does not exist for customer {customer}.")
        return document, document["CustomerCurrencyAmountDue"] - self.pending.get((customer, number), ZERO)

    def apply(self, customer: str, number: str, amount: Decimal) -> None:
        self.pending[(customer, number)] = self.pending.get((customer, number), ZERO) + amount


def _check_entry(company: Company, record_type: str, entry: Row, applications: _Applications) -> None:
    customer = entry["CustomerNumber"]
    kind = entry.get("ReceiptTransactionType")
    total = ZERO
    for line in entry.get("AppliedReceiptsAdjustments") or []:
        amount = _applied(line)
        number = line.get("DocumentNumber") or ""
        if not number:
            if record_type == "AD" or kind in ("Receipt", "ApplyDocument"):
                raise invalid(f"Line {line.get('LineNumber')} of entry {entry['EntryNumber']} names no document.")
            total += amount
            continue
        if amount <= 0:
            raise invalid(f"The amount applied to document {number} must be greater than zero.")
        _, due = applications.due(customer, number)
        if amount > due:
            raise invalid(f"The amount applied {amount} exceeds the amount due {due} of document {number}.")
        applications.apply(customer, number, amount)
        total += amount
    if record_type == "AD":
        return
    if kind == "ApplyDocument":
        source, available = applications.due(customer, entry.get("DocumentNumber") or "")
        if source.get("DocumentType") not in CREDITS:
            raise invalid(f"Document {source['DocumentNumber']} is not a credit of customer {customer}.")
        if total > -available:
            raise invalid(f"The total applied {total} exceeds the credit {-available} of {source['DocumentNumber']}.")
        applications.apply(customer, source["DocumentNumber"], -total)
    elif total > entry["CustomerReceiptAmount"]:
        raise invalid(f"The total applied {total} exceeds the receipt amount {entry['CustomerReceiptAmount']}.")


def _build_entry(company: Company, record_type: str, raw: Row, index: int, batch_date: date, seen: set[str]) -> Row:
    customer = raw.get("CustomerNumber") or ""
    if company.get("AR/ARCustomers", customer) is None:
        raise invalid(f"Customer number {customer} does not exist.")
    batch_type = raw.get("BatchType") or record_type
    if batch_type != record_type:
        raise invalid(f"Entry batch type {batch_type} does not match the batch record type {record_type}.")
    when = day_of(raw.get("ReceiptDateAdjustmentDate")) or batch_date
    posting = day_of(raw.get("PostingDate")) or when
    year, period = company.fiscal_period(posting, "Posting Date")
    entry: Row = {k: v for k, v in raw.items() if k != "UpdateOperation"}
    entry.update(
        {
            "BatchType": record_type,
            "EntryNumber": index,
            "CustomerNumber": customer,
            "ReceiptDateAdjustmentDate": iso(when),
            "PostingDate": iso(posting),
            "FiscalYear": year,
            "FiscalPeriod": period,
        }
    )
    lines = []
    for number, line in enumerate(raw.get("AppliedReceiptsAdjustments") or [], start=1):
        stored = {k: v for k, v in line.items() if k != "UpdateOperation"}
        stored.update({"BatchType": record_type, "EntryNumber": index, "CustomerNumber": customer})
        stored["LineNumber"] = line.get("LineNumber") or number
        stored["PaymentNumber"] = line.get("PaymentNumber") or 1
        for distribution in line.get("AdjustmentGLDistributions") or []:
            code = distribution.get("DistributionCode") or ""
            if code and company.get("AR/ARDistributionCodes", code) is None:
                raise invalid(f"Distribution code {code} does not exist.")
            account = distribution.get("DistributionGLAccount") or ""
            if account:
                company.account(account, "adjustment distribution")
            if not code and not account:
                raise invalid("An adjustment distribution needs a distribution code or a GL account.")
        lines.append(stored)
    entry["AppliedReceiptsAdjustments"] = lines
    if record_type == "AD":
        return entry
    kind = raw.get("ReceiptTransactionType") or "Receipt"
    entry["ReceiptTransactionType"] = kind
    applied = sum((_applied(line) for line in lines), ZERO)
    if kind == "ApplyDocument":
        if not raw.get("DocumentNumber"):
            raise invalid(f"Entry {index} applies no document: name the credit in DocumentNumber.")
        entry["CustomerReceiptAmount"] = ZERO
        entry["TotalCustomerAmountApplied"] = applied
        return entry
    amount: Decimal = raw.get("CustomerReceiptAmount") or raw.get("BankReceiptAmount") or applied
    if amount <= 0:
        raise invalid(f"The receipt amount of entry {index} must be greater than zero.")
    document_number: str = raw.get("DocumentNumber") or ""
    if document_number:
        if document_number in seen or company.store.table(POSTED).lookup("DocumentNumber", document_number):
            raise duplicate(f"Document number '{document_number}' already exists.")
        seen.add(document_number)
    entry.update(
        {
            "CustomerReceiptAmount": amount,
            "BankReceiptAmount": raw.get("BankReceiptAmount") or amount,
            "TotalCustomerAmountApplied": applied,
            "CustomerUnappliedAmount": amount - applied,
        }
    )
    return entry


def create_batch(company: Company, body: Row, *, ready_allowed: bool) -> Row:
    """POST ``AR/ARReceiptAndAdjustmentBatches``: every entry validated before the batch is stored (201)."""
    record_type = body.get("BatchRecordType") or "CA"
    if record_type not in ("CA", "AD"):
        raise invalid(f"BatchRecordType {record_type} is not CA (receipts) or AD (adjustments).")
    status = body.get("BatchStatus") or "Open"
    if status not in ("Open", "ReadyToPost"):
        raise invalid(f"A new batch cannot be created with status {status}.")
    batch_date = day_of(body.get("BatchDate")) or date.fromisoformat(today_iso()[:10])
    applications = _Applications(company)
    seen: set[str] = set()
    entries: list[Row] = []
    for index, raw in enumerate(body.get("ReceiptsAdjustments") or [], start=1):
        try:
            entry = _build_entry(company, record_type, raw, index, batch_date, seen)
            _check_entry(company, record_type, entry, applications)
        except SageError as error:
            raise SageError(error.code, f"Entry {index}: {error.message}") from error
        entries.append(entry)
    number = company.store.next_number(f"{TABLE}:{record_type}")
    for entry in entries:
        entry["BatchNumber"] = number
        if (
            record_type == "CA"
            and entry["ReceiptTransactionType"] != "ApplyDocument"
            and not entry.get("DocumentNumber")
        ):
            entry["DocumentNumber"] = f"PY{company.store.next_number('AR:receipt-document'):08d}"
        entry["AppliedReceiptsAdjustments"] = [
            {**line, "BatchNumber": number} for line in entry["AppliedReceiptsAdjustments"]
        ]
    batch: Row = {k: v for k, v in body.items() if k not in ("ReceiptsAdjustments", "BatchStatus")}
    batch.update(
        {
            "BatchRecordType": record_type,
            "BatchNumber": number,
            "BatchDate": iso(batch_date),
            "Description": body.get("Description") or "",
            "BatchType": "Entered",
            "BatchStatus": status if ready_allowed else "Open",
            "NumberOfEntries": len(entries),
            "LastEntryNumber": len(entries),
            "BatchTotal": sum((e.get("CustomerReceiptAmount") or ZERO for e in entries), ZERO),
            "PostingSequenceNumber": 0,
            "NumberOfErrors": 0,
            "DateLastEdited": today_iso(),
            "SourceApplication": "AR",
            "ReceiptsAdjustments": entries,
        }
    )
    company.store.put(TABLE, batch)
    return batch


def patch_batch(company: Company, key: tuple[Any, ...], body: Row) -> Row:
    """PATCH a receipt batch: ``Description``, ``BatchDate``, ``BankCode``, ``BatchStatus`` (Open, ReadyToPost,
    Deleted). Entries are entered with the batch (a new batch for new receipts)."""
    batch = company.get(TABLE, *key)
    if batch is None:
        raise not_found(f"Batch {'/'.join(map(str, key))} does not exist.")
    if batch["BatchStatus"] not in ("Open", "ReadyToPost"):
        raise general(f"Batch {batch['BatchNumber']} is {batch['BatchStatus']} and cannot be changed.")
    if body.get("ReceiptsAdjustments"):
        raise general("Receipts are entered with a new batch; this batch's entries cannot be changed.")
    status = body.get("BatchStatus") or batch["BatchStatus"]
    if status not in ("Open", "ReadyToPost", "Deleted"):
        raise invalid(f"A batch cannot be set to {status}.")
    updated = {**batch, **{k: v for k, v in body.items() if k != "ReceiptsAdjustments"}}
    updated.update({"BatchRecordType": key[0], "BatchNumber": key[1], "BatchStatus": status})
    updated["DateLastEdited"] = today_iso()
    company.store.put(TABLE, updated)
    return updated


def post_batches(company: Company, body: Row) -> list[int]:
    """``AR/ARPostReceiptsAndAdjustments('$process')``: post the ReadyToPost batches of ``BatchType`` in range.

    Raises:
        SageError: 409 ``General`` when none is ready; 409 ``RecordInvalid`` when an application no longer
            fits (nothing is posted then).
    """
    record_type = body.get("BatchType") or "CA"
    if record_type not in ("CA", "AD"):
        raise invalid(f"BatchType {record_type} is not CA or AD.")
    ready = [b for b in company.find(TABLE, "BatchStatus", "ReadyToPost") if b["BatchRecordType"] == record_type]
    if body.get("PostAllBatches") != "Postallbatches":
        low = body.get("PostBatchFrom")
        if not low:
            raise SageError("InvalidParameters", "PostBatchFrom is required unless PostAllBatches is Postallbatches.")
        high = body.get("PostBatchTo") or low
        ready = [b for b in ready if low <= b["BatchNumber"] <= high]
    if not ready:
        raise general("There are no batches ready to post in the range given.")
    applications = _Applications(company)
    for batch in ready:
        for entry in batch["ReceiptsAdjustments"]:
            posting = day_of(entry["PostingDate"])
            if posting is not None:
                company.fiscal_period(posting, "Posting Date")
            _check_entry(company, record_type, entry, applications)
    posted = []
    for batch in ready:
        sequence = company.store.next_number("AR:receipt-posting-sequence")
        for entry in batch["ReceiptsAdjustments"]:
            _post_entry(company, record_type, batch, entry, sequence)
        company.store.put(TABLE, {**batch, "BatchStatus": "Posted", "PostingSequenceNumber": sequence})
        posted.append(batch["BatchNumber"])
    return posted


def _post_entry(company: Company, record_type: str, batch: Row, entry: Row, sequence: int) -> None:
    customer = entry["CustomerNumber"]
    when = entry["ReceiptDateAdjustmentDate"]
    applied_total = ZERO
    for line in entry["AppliedReceiptsAdjustments"]:
        amount = _applied(line)
        number = line.get("DocumentNumber")
        applied_total += amount
        if number:
            document = company.get(POSTED, customer, number)
            if document is not None:
                apply_amount(company, AR, document, amount, when)
    if record_type == "AD":
        return
    kind = entry["ReceiptTransactionType"]
    if kind == "ApplyDocument":
        source = company.get(POSTED, customer, entry["DocumentNumber"])
        if source is not None:
            apply_amount(company, AR, source, -applied_total, when)
        return
    received: Decimal = entry["CustomerReceiptAmount"]
    unapplied = received - applied_total
    document_type = "Receipt" if kind == "Receipt" else kind
    customer_row = company.get("AR/ARCustomers", customer) or {}
    currency = customer_row.get("CurrencyCode") or company.home_currency
    rate_type = customer_row.get("RateType") or "SP"
    rate, operation = company.exchange_rate(currency, rate_type, date.fromisoformat(when[:10]))
    functional = company.to_home(received, rate, operation)
    functional_due = company.to_home(unapplied, rate, operation)
    company.store.put(
        POSTED,
        {
            "CustomerNumber": customer,
            "DocumentNumber": entry["DocumentNumber"],
            "DocumentType": document_type,
            "TransactionType": kind,
            "BatchNumber": batch["BatchNumber"],
            "EntryNumber": entry["EntryNumber"],
            "BatchDate": batch["BatchDate"],
            "BatchType": "CA",
            "DocumentDate": when,
            "PostingDate": entry["PostingDate"],
            "CurrencyCode": currency,
            "RateType": rate_type,
            "ExchangeRate": rate,
            "CustomerCurrencyInvoiceAmount": -received,
            "CustomerCurrencyAmountDue": -unapplied,
            "FunctionalCurrencyInvoiceAmount": -functional,
            "FunctionalCurrencyAmountDue": -functional_due,
            "FullyPaid": "Yes" if unapplied == 0 else "No",
            "DatePaid": when if unapplied == 0 else None,
            "LastActivityDate": when,
            "CheckReceiptNumber": entry.get("EntryReference") or "",
            "DocumentDescription": entry.get("EntryDescription") or "",
            "BankCode": batch.get("BankCode") or "",
            "FiscalYear": entry["FiscalYear"],
            "FiscalPeriod": entry["FiscalPeriod"],
            "PostingSequenceNumber": sequence,
            "SourceApplication": "AR",
        },
    )
    party_activity(company, AR, customer, -unapplied, when, None, 1 if unapplied else 0)
    company.store.update("AR/ARCustomers", (customer,), DateOfLastReceipt=when, LastReceiptCustomerCurrency=received)
