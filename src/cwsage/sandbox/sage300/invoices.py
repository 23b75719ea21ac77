"""AR and AP invoice batches: entry rules, Ready To Post, posting into the posted-document views.

Why AR and AP share this module: the two invoice-entry views follow one pattern (batch → entries → details /
payment schedules / optional fields) with different property names, so one set of rules parameterised by
:class:`Side` keeps them consistent without one shared model on the wire.

Rules, all checked before anything is stored (a batch POST is all or nothing and names the refused entry,
I23): the customer/vendor exists and is active; the document number is not already used (AR: by any
customer, posted or in an Open/ReadyToPost batch — AROBL's document number is unique; AP: per vendor) →
``RecordDuplicate``; the currency is the customer's/vendor's; terms, tax group, tax authorities (each at
its level of the document's tax group), tax classes, accounts and distribution codes exist; the posting
date falls in an open fiscal period; the document total balances. Tax is kept as sent when
``DoNotCalculationTax`` is ``Yes`` (I10), otherwise computed from ``TX/TXTaxRates``. Exchange rates per I4.
Posting (I13) moves each entry into ``ARPostedDocuments``/``APPostedDocuments`` (I17, I18), signed as Sage
stores them (credit notes negative), and applies credit notes to their ``ApplytoDocument``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from cwsage.sandbox.sage300.company import Company, day_of, iso, round_to
from cwsage.sandbox.sage300.errors import SageError, duplicate, general, invalid, not_found
from cwsage.sandbox.sage300.masters import find_tax_class, today_iso
from cwsage.sandbox.sage300.store import Row

ZERO = Decimal(0)
TOLERANCE = Decimal("0.005")


def _names(pattern: str) -> tuple[str, ...]:
    """``("", "TaxAmount1", …, "TaxAmount5")``: key names made once and interned (an f-string per row would
    store a fresh copy of the name in every row)."""
    return ("", *(sys.intern(pattern.format(n)) for n in range(1, 6)))


TAX_AUTHORITY = _names("TaxAuthority{}")
TAX_CLASS = _names("TaxClass{}")
TAX_CLASS_CODE = _names("TaxClassCode{}")
TAX_BASE = _names("TaxBase{}")
TAX_AMOUNT = _names("TaxAmount{}")
CUSTOMER_TAX = _names("CustomerTaxAmount{}")
CUSTOMER_BASE = _names("CustomerBaseAmount{}")


@dataclass(frozen=True)
class Side:
    """The AR or AP spelling of the invoice-entry rules."""

    ledger: str
    party: str
    party_table: str
    party_label: str
    terms_table: str
    schedules: str
    transaction: str
    class_type: str
    amount: str
    account: str
    distribution_table: str
    distribution_account: str
    batches: str
    posted: str
    invoice_amount: str
    amount_due: str
    balance: str
    document_types: tuple[str, ...]


AR = Side(
    "AR",
    "CustomerNumber",
    "AR/ARCustomers",
    "customer",
    "AR/ARTerms",
    "TermsPaymentSchedules",
    "Sales",
    "Customers",
    "ExtendedAmountWithTIP",
    "RevenueAccount",
    "AR/ARDistributionCodes",
    "RevenueAccount",
    "AR/ARInvoiceBatches",
    "AR/ARPostedDocuments",
    "CustomerCurrencyInvoiceAmount",
    "CustomerCurrencyAmountDue",
    "BalanceDueInCustomerCurrency",
    ("Invoice", "DebitNote", "CreditNote"),
)
AP = Side(
    "AP",
    "VendorNumber",
    "AP/APVendors",
    "vendor",
    "AP/APTerms",
    "TermsPaymentSchedule",
    "Purchases",
    "Vendors",
    "DistributedAmount",
    "GLAccount",
    "AP/APDistributionCodes",
    "GLAccount",
    "AP/APInvoiceBatches",
    "AP/APPostedDocuments",
    "VendorCurrencyInvoiceAmount",
    "VendorCurrencyAmountDue",
    "BalanceDueInVendorCurrency",
    ("Invoice", "DebitNote", "CreditNote", "Interest"),
)
SIDES = {"AR": AR, "AP": AP}
_AR_TRANSACTION = {"Invoice": "Invoice", "DebitNote": "DebitNote", "CreditNote": "CreditNote"}
_NUMBER_PREFIX = {"Invoice": "IN", "DebitNote": "DN", "CreditNote": "CN", "Interest": "IT"}


def signed(document_type: str, amount: Decimal) -> Decimal:
    """An amount signed as Sage stores it in the open-document view (credit notes negative)."""
    return -amount if document_type == "CreditNote" else amount


class EntryBuilder:
    """Validates the entries of one batch write (knows the numbers used earlier in the same write)."""

    def __init__(self, company: Company, side: Side) -> None:
        self.company = company
        self.side = side
        self.seen: set[Any] = set()
        self.auto: dict[str, int] = {}

    def _duplicate(self, party: str, number: str) -> None:
        side, company = self.side, self.company
        if side.ledger == "AR":
            taken = (
                number in self.seen
                or bool(company.store.table(side.posted).lookup("DocumentNumber", number))
                or bool(company.store.table(side.batches).lookup("OpenDocument", number))
            )
            self.seen.add(number)
            if taken:
                raise duplicate(f"Document number '{number}' already exists.")
        else:
            pair = (party, number)
            taken = (
                pair in self.seen
                or company.get(side.posted, party, number) is not None
                or bool(company.store.table(side.batches).lookup("OpenDocument", pair))
            )
            self.seen.add(pair)
            if taken:
                raise duplicate(
                    f"Document number '{number}' for vendor {party} already exists.\n\n"
                    "If you want to add this invoice, add characters to the document number to make it unique."
                )

    def build(self, raw: Row, entry_number: int, batch_date: date) -> Row:
        """One entry validated and completed, ready to store (409 on the first broken rule)."""
        side, company = self.side, self.company
        party_number = raw.get(side.party) or ""
        if not party_number:
            raise invalid(f"{side.party} is required.")
        party = company.get(side.party_table, party_number)
        if party is None:
            raise invalid(f"{side.party_label.capitalize()} number {party_number} does not exist.")
        if party.get("Status") == "Inactive":
            raise invalid(f"{side.party_label.capitalize()} {party_number} is inactive.")
        document_type = raw.get("DocumentType") or "Invoice"
        if document_type not in side.document_types:
            raise invalid(f"Document type {document_type} cannot be entered in an {side.ledger} invoice batch.")
        number = raw.get("DocumentNumber") or ""
        if not number.strip():
            counter = f"{side.batches}:{document_type}"
            self.auto[counter] = self.auto.get(counter, 0) + 1
            number = f"{_NUMBER_PREFIX[document_type]}{company.store.peek_number(counter) + self.auto[counter] - 1:07d}"
        self._duplicate(party_number, number)
        document_date = day_of(raw.get("DocumentDate")) or batch_date
        posting_date = day_of(raw.get("PostingDate")) or document_date
        year, period = company.fiscal_period(posting_date, "Posting Date")
        currency = raw.get("CurrencyCode") or party.get("CurrencyCode") or company.home_currency
        if currency != (party.get("CurrencyCode") or company.home_currency):
            raise invalid(
                f"Currency code {currency} does not match the {side.party_label}'s currency "
                f"{party.get('CurrencyCode')}."
            )
        rate_type = raw.get("RateType") or party.get("RateType") or "SP"
        rate_date = day_of(raw.get("RateDate")) or document_date
        if raw.get("ExchangeRate") and currency != company.home_currency:
            rate, overridden = Decimal(raw["ExchangeRate"]), "Yes"
            if rate <= 0:
                raise invalid("The exchange rate must be positive.")
        else:
            (rate, _), overridden = company.exchange_rate(currency, rate_type, rate_date), "No"
        terms_code = raw.get("Terms") or party.get("Terms") or ""
        terms = company.get(side.terms_table, terms_code)
        if terms is None:
            raise invalid(f"Terms code {terms_code} does not exist.")
        schedules: list[Row] = terms.get(side.schedules) or []
        due_days = (schedules[0].get("DueNumberOfDays") if schedules else 0) or 0
        due_date = day_of(raw.get("DueDate")) or document_date + timedelta(days=int(due_days))
        entry: Row = {k: v for k, v in raw.items() if not isinstance(v, list) and k != "UpdateOperation"}
        entry.update(
            {
                "EntryNumber": entry_number,
                side.party: party_number,
                "DocumentNumber": number,
                "DocumentType": document_type,
                "DocumentDate": iso(document_date),
                "AsOfDate": iso(day_of(raw.get("AsOfDate")) or document_date),
                "PostingDate": iso(posting_date),
                "FiscalYear": year,
                "FiscalPeriod": period,
                "CurrencyCode": currency,
                "RateType": rate_type,
                "RateDate": iso(rate_date),
                "ExchangeRate": rate,
                "RateOverridden": overridden,
                "Terms": terms_code,
                "DueDate": iso(due_date),
                "AccountSet": raw.get("AccountSet") or party.get("AccountSet") or "",
            }
        )
        if side.ledger == "AR":
            entry["InvoiceType"] = raw.get("InvoiceType") or "Summary"
            entry["TransactionType"] = raw.get("TransactionType") or _AR_TRANSACTION[document_type]
        self._apply_to(entry, party_number, document_type)
        self._tax_and_lines(raw, entry, party, currency)
        return entry

    def _apply_to(self, entry: Row, party: str, document_type: str) -> None:
        apply_to = entry.get("ApplytoDocument") or ""
        if not apply_to:
            return
        if document_type not in ("CreditNote", "DebitNote"):
            raise invalid(f"Only credit and debit notes apply to a document ({entry['DocumentNumber']}).")
        if self.company.get(self.side.posted, party, apply_to) is None:
            raise invalid(f"Apply-to document {apply_to} does not exist for {self.side.party_label} {party}.")

    def _tax_and_lines(self, raw: Row, entry: Row, party: Row, currency: str) -> None:
        side, company = self.side, self.company
        group_code = raw.get("TaxGroup") or party.get("TaxGroup") or ""
        group = company.get("TX/TXTaxGroups", group_code, side.transaction)
        if group is None:
            raise invalid(f"Tax group {group_code} does not exist.")
        authorities: list[str] = []
        for n in range(1, 6):
            in_group = group.get(TAX_AUTHORITY[n]) or ""
            given = raw.get(TAX_AUTHORITY[n]) or ""
            if given and given != in_group:
                if company.get("TX/TXTaxAuthorities", given) is None:
                    raise invalid(f"Tax authority {given} does not exist.")
                raise invalid(f"Tax authority {given} is not at level {n} of tax group {group_code}.")
            authorities.append(in_group)
        buyer: list[int] = []
        for n, authority in enumerate(authorities, start=1):
            if not authority:
                buyer.append(0)
                continue
            number = raw.get(TAX_CLASS[n]) or party.get(TAX_CLASS_CODE[n]) or 1
            if find_tax_class(company, authority, side.transaction, side.class_type, number) is None:
                raise invalid(f"Tax class {number} does not exist for tax authority {authority} ({side.class_type}).")
            buyer.append(number)
        lines_in = raw.get("InvoiceDetails") or []
        if not lines_in:
            raise invalid(f"Document {entry['DocumentNumber']} has no detail lines.")
        keep_tax = raw.get("DoNotCalculationTax") == "Yes"
        bases = [ZERO] * 5
        computed = [ZERO] * 5
        total_before = ZERO
        lines: list[Row] = []
        for index, line_in in enumerate(lines_in, start=1):
            line = self._line(line_in, index, entry)
            amount: Decimal = line[side.amount]
            total_before += amount
            for n, authority in enumerate(authorities, start=1):
                if not authority:
                    line[TAX_CLASS[n]] = 0
                    continue
                item_class = line_in.get(TAX_CLASS[n]) or 1
                found = find_tax_class(company, authority, side.transaction, "Items", item_class)
                if found is None:
                    raise invalid(f"Tax class {item_class} does not exist for tax authority {authority} (Items).")
                line[TAX_CLASS[n]] = item_class
                if not found.get("Exempt"):
                    bases[n - 1] += amount
                    computed[n - 1] += amount * self._rate(authority, buyer[n - 1], item_class) / 100
            lines.append(line)
        places = company.currency_decimals(currency)
        tax_total = ZERO
        for n, authority in enumerate(authorities, start=1):
            if keep_tax:
                tax = raw.get(TAX_AMOUNT[n]) or ZERO
                base = raw[TAX_BASE[n]] if raw.get(TAX_BASE[n]) is not None else bases[n - 1]
            else:
                tax, base = round_to(computed[n - 1], places), bases[n - 1]
            if tax and not authority:
                raise invalid(f"TaxAmount{n} is not allowed: tax group {group_code} has no authority at level {n}.")
            entry[TAX_AUTHORITY[n]] = authority
            entry[TAX_CLASS[n]] = buyer[n - 1]
            entry[TAX_BASE[n]] = base if authority else ZERO
            entry[TAX_AMOUNT[n]] = tax
            tax_total += tax
        total = total_before + tax_total
        sent_total = raw.get("DocumentTotalIncludingTax")
        if sent_total is not None and abs(sent_total - total) > TOLERANCE:
            raise invalid(
                f"Document {entry['DocumentNumber']} is out of balance: the document total {sent_total} does not "
                f"equal the distributions and tax ({total})."
            )
        entry.update(
            {
                "TaxGroup": group_code,
                "DoNotCalculationTax": "Yes" if keep_tax else "No",
                "TaxTotal": tax_total,
                "DocumentTotalBeforeTax": total_before,
                "DocumentTotalIncludingTax": total,
                "AmountDue": total,
                "NumberOfDetails": len(lines),
                "InvoiceDetails": lines,
            }
        )
        self._schedules(raw, entry, total)

    def _line(self, line_in: Row, index: int, entry: Row) -> Row:
        side, company = self.side, self.company
        line: Row = {k: v for k, v in line_in.items() if k != "UpdateOperation"}
        line["LineNumber"] = line_in.get("LineNumber") or index
        line["EntryNumber"] = entry["EntryNumber"]
        distribution = line_in.get("DistributionCode") or ""
        account = line_in.get(side.account) or ""
        if distribution:
            code = company.get(side.distribution_table, distribution)
            if code is None:
                raise invalid(f"Distribution code {distribution} does not exist.")
            account = account or code.get(side.distribution_account) or ""
        if not account:
            raise invalid(f"Line {index} of document {entry['DocumentNumber']} has no {side.account}.")
        line[side.account] = company.account(account, f"line {index} of document {entry['DocumentNumber']}")[
            "AccountNumber"
        ]
        amount = line_in.get(side.amount)
        if amount is None and side.ledger == "AR" and line_in.get("Price") is not None:
            amount = round_to((line_in.get("Quantity") or Decimal(1)) * line_in["Price"], 3)
        if amount is None:
            raise invalid(f"Line {index} of document {entry['DocumentNumber']} has no {side.amount}.")
        line[side.amount] = amount
        return line

    def _rate(self, authority: str, buyer_class: int, item_class: int) -> Decimal:
        row = self.company.get("TX/TXTaxRates", authority, self.side.transaction, buyer_class)
        return Decimal(row.get(f"ItemRate{item_class}") or 0) if row else ZERO

    def _schedules(self, raw: Row, entry: Row, total: Decimal) -> None:
        sent = raw.get("InvoicePaymentSchedules") or []
        if not sent:
            entry["InvoicePaymentSchedules"] = [
                {
                    "EntryNumber": entry["EntryNumber"],
                    "PaymentNumber": 1,
                    "DueDate": entry["DueDate"],
                    "AmountDue": total,
                }
            ]
        else:
            scheduled = sum((line.get("AmountDue") or ZERO for line in sent), ZERO)
            if abs(scheduled - total) > TOLERANCE:
                raise invalid(f"The payment schedule total {scheduled} does not match the document total {total}.")
            entry["InvoicePaymentSchedules"] = [
                {
                    **{k: v for k, v in line.items() if k != "UpdateOperation"},
                    "EntryNumber": entry["EntryNumber"],
                    "PaymentNumber": line.get("PaymentNumber") or n,
                    "DueDate": line.get("DueDate") or entry["DueDate"],
                }
                for n, line in enumerate(sent, start=1)
            ]
        entry["NumberOfScheduledPayments"] = len(entry["InvoicePaymentSchedules"])


def _entry_error(error: SageError, entry_number: int, raw: Row) -> SageError:
    """I23: the refused entry is named in the message of the error that refuses the batch."""
    number = raw.get("DocumentNumber") or "(no number)"
    return SageError(error.code, f"Entry {entry_number} (document {number}): {error.message}")


def create_batch(company: Company, side: Side, body: Row, *, ready_allowed: bool) -> Row:
    """POST ``{AR,AP}InvoiceBatches``: validate every entry, then store the batch (201).

    ``BatchStatus: "ReadyToPost"`` in the body is honoured when ``ready_allowed`` (Sage 300 2021+, DR22) and
    ignored otherwise (I14: the batch stays ``Open``).
    """
    status = body.get("BatchStatus") or "Open"
    if status not in ("Open", "ReadyToPost"):
        raise invalid(f"A new batch cannot be created with status {status}.")
    if not ready_allowed:
        status = "Open"
    batch_date = day_of(body.get("BatchDate")) or date.fromisoformat(today_iso()[:10])
    builder = EntryBuilder(company, side)
    entries: list[Row] = []
    for index, raw in enumerate(body.get("Invoices") or [], start=1):
        try:
            entries.append(builder.build(raw, index, batch_date))
        except SageError as error:
            raise _entry_error(error, index, raw) from error
    number = company.store.next_number(side.batches)
    for counter, used in builder.auto.items():
        for _ in range(used):
            company.store.next_number(counter)
    stored: list[Row] = []
    for entry in entries:
        entry["BatchNumber"] = number
        entry["InvoiceDetails"] = [{**line, "BatchNumber": number} for line in entry["InvoiceDetails"]]
        entry["InvoicePaymentSchedules"] = [{**s, "BatchNumber": number} for s in entry["InvoicePaymentSchedules"]]
        stored.append(entry)
    batch: Row = {k: v for k, v in body.items() if k not in ("Invoices", "BatchStatus")}
    batch.update(
        {
            "BatchNumber": number,
            "BatchDate": iso(batch_date),
            "Description": body.get("Description") or "",
            "BatchType": "Entered",
            "BatchStatus": status,
            "NumberOfEntries": len(stored),
            "LastEntryNumber": len(stored),
            "BatchTotal": sum((signed(e["DocumentType"], e["DocumentTotalIncludingTax"]) for e in stored), ZERO),
            "PostingSequenceNumber": 0,
            "NumberOfErrors": 0,
            "DateLastEdited": today_iso(),
            "SourceApplication": side.ledger,
            "Invoices": stored,
        }
    )
    if side.ledger == "AR":
        batch["DefaultInvoiceType"] = body.get("DefaultInvoiceType") or "Summary"
    company.store.put(side.batches, batch)
    return batch


def get_batch(company: Company, side: Side, number: int) -> Row:
    """A batch by number, or 404 ``RecordNotFound``."""
    batch = company.get(side.batches, number)
    if batch is None:
        raise not_found(f"Batch {number} does not exist.")
    return batch


def patch_batch(company: Company, side: Side, number: int, body: Row) -> Row:
    """PATCH a batch: ``Description``, ``BatchDate``, ``BatchStatus`` (Open, ReadyToPost, Deleted) and entries
    by ``UpdateOperation`` (``Insert`` a new entry, ``Delete`` one by ``EntryNumber``, ``Update`` one)."""
    batch = get_batch(company, side, number)
    if batch["BatchStatus"] not in ("Open", "ReadyToPost"):
        raise general(f"Batch {number} is {batch['BatchStatus']} and cannot be changed.")
    status = body.get("BatchStatus") or batch["BatchStatus"]
    if status not in ("Open", "ReadyToPost", "Deleted"):
        raise invalid(f"A batch cannot be set to {status}.")
    entries = list(batch["Invoices"])
    if body.get("Invoices"):
        entries = _patch_entries(company, side, batch, body["Invoices"])
    updated = {**batch, **{k: v for k, v in body.items() if k != "Invoices"}}
    updated.update(
        {
            "BatchNumber": number,
            "BatchStatus": status,
            "Invoices": entries,
            "NumberOfEntries": len(entries),
            "LastEntryNumber": max((e["EntryNumber"] for e in entries), default=0),
            "BatchTotal": sum((signed(e["DocumentType"], e["DocumentTotalIncludingTax"]) for e in entries), ZERO),
            "DateLastEdited": today_iso(),
        }
    )
    company.store.put(side.batches, updated)
    return updated


def _patch_entries(company: Company, side: Side, batch: Row, sent: list[Row]) -> list[Row]:
    number = batch["BatchNumber"]
    by_number = {e["EntryNumber"]: e for e in batch["Invoices"]}
    builder = EntryBuilder(company, side)
    # The batch's own numbers are taken by the batch itself: check new entries against the others only.
    company.store.put(side.batches, {**batch, "BatchStatus": "PostInProgress"})
    batch_date = day_of(batch.get("BatchDate")) or date.fromisoformat(today_iso()[:10])
    for raw in sent:
        operation = raw.get("UpdateOperation") or "Unspecified"
        entry_number = raw.get("EntryNumber")
        exists = entry_number in by_number
        if operation == "Delete":
            if not exists:
                raise invalid(f"Entry {entry_number} does not exist in batch {number}.")
            del by_number[entry_number]
            continue
        if operation == "Insert" or not exists:
            entry_number = max(by_number, default=0) + 1
            merged = raw
        else:
            merged = {**by_number[entry_number], **raw}
        for other in by_number.values():
            if other["EntryNumber"] != entry_number:
                key = other["DocumentNumber"] if side.ledger == "AR" else (other[side.party], other["DocumentNumber"])
                builder.seen.add(key)
        try:
            entry = builder.build(merged, int(entry_number or 0), batch_date)
        except SageError as error:
            raise _entry_error(error, int(entry_number or 0), raw) from error
        entry["BatchNumber"] = number
        by_number[entry["EntryNumber"]] = entry
    return [by_number[k] for k in sorted(by_number)]


def _chosen(company: Company, side: Side, body: Row, all_field: str, low_field: str, high_field: str) -> list[Row]:
    ready = company.find(side.batches, "BatchStatus", "ReadyToPost")
    if body.get(all_field) == "Postallbatches":
        return ready
    low = body.get(low_field)
    if not low:
        raise SageError("InvalidParameters", f"{low_field} is required unless {all_field} is Postallbatches.")
    high = body.get(high_field) or low
    return [b for b in ready if low <= b["BatchNumber"] <= high]


def post_batches(company: Company, side: Side, body: Row) -> list[int]:
    """``ARPostInvoices`` / ``APPostInvoices`` ``('$process')``: post every ReadyToPost batch in the range.

    Returns:
        The numbers of the batches posted.

    Raises:
        SageError: 409 ``General`` when no batch in the range is ready; 409 ``RecordInvalid`` when a
            document's period closed since entry (nothing is posted then).
    """
    if side.ledger == "AR":
        chosen = _chosen(company, side, body, "PostAllBatches", "PostBatchFrom", "PostBatchTo")
    else:
        chosen = _chosen(company, side, body, "ProcessAllBatches", "FromBatch", "ToBatch")
    if not chosen:
        raise general("There are no batches ready to post in the range given.")
    for batch in chosen:
        for entry in batch["Invoices"]:
            posting = day_of(entry["PostingDate"])
            if posting is not None:
                company.fiscal_period(posting, f"Posting Date of document {entry['DocumentNumber']}")
    posted: list[int] = []
    for batch in chosen:
        sequence = company.store.next_number(f"{side.ledger}:posting-sequence")
        for entry in batch["Invoices"]:
            post_entry(company, side, batch, entry, sequence)
        company.store.put(
            side.batches,
            {**batch, "BatchStatus": "Posted", "PostingSequenceNumber": sequence, "DateLastEdited": today_iso()},
        )
        posted.append(batch["BatchNumber"])
    return posted


def post_entry(company: Company, side: Side, batch: Row, entry: Row, sequence: int) -> None:
    """One entry into the posted-document view (and its credit note application)."""
    total = signed(entry["DocumentType"], entry["DocumentTotalIncludingTax"])
    rate: Decimal = entry["ExchangeRate"]
    operation = "Multiply" if entry.get("RateOverridden") == "Yes" else company.rate_operation(entry["RateType"])
    functional = company.to_home(total, rate, operation)
    row: Row = {
        side.party: entry[side.party],
        "DocumentNumber": entry["DocumentNumber"],
        "DocumentType": entry["DocumentType"],
        "BatchNumber": batch["BatchNumber"],
        "EntryNumber": entry["EntryNumber"],
        "DocumentDate": entry["DocumentDate"],
        "PostingDate": entry["PostingDate"],
        "DueDate": entry["DueDate"],
        "CurrencyCode": entry["CurrencyCode"],
        "ExchangeRate": rate,
        side.invoice_amount: total,
        side.amount_due: total,
        "FunctionalCurrencyInvoiceAmount": functional,
        "FunctionalCurrencyAmountDue": functional,
        "FullyPaid": "No" if total else "Yes",
        "DatePaid": None if total else entry["DocumentDate"],
        "LastActivityDate": entry["DocumentDate"],
        "DocumentDescription": entry.get("InvoiceDescription") or "",
        "PONumber": entry.get("PONumber") or "",
        "FiscalYear": entry["FiscalYear"],
        "FiscalPeriod": entry["FiscalPeriod"],
    }
    if side.ledger == "AR":
        row.update(
            {
                "TransactionType": entry.get("TransactionType") or "",
                "BatchDate": batch["BatchDate"],
                "OrderNumber": entry.get("OrderNumber") or "",
                "Terms": entry["Terms"],
                "RateType": entry["RateType"],
                "RateDate": entry["RateDate"],
                "RateOverridden": entry["RateOverridden"],
                "AsofDate": entry["AsOfDate"],
                "InvoiceType": entry.get("InvoiceType") or "Summary",
                "TaxGroup": entry["TaxGroup"],
                "DoNotCalculationTax": entry["DoNotCalculationTax"],
                "CustomerCurrencyTaxAmount": signed(entry["DocumentType"], entry["TaxTotal"]),
                "FunctionalCurrencyTaxAmount": company.to_home(
                    signed(entry["DocumentType"], entry["TaxTotal"]), rate, operation
                ),
                "NumberOfScheduledPayments": entry["NumberOfScheduledPayments"],
                "PostingSequenceNumber": sequence,
                "BatchType": batch.get("BatchType") or "Entered",
                "SourceApplication": "AR",
                "AccountSet": entry.get("AccountSet") or "",
                **{TAX_AUTHORITY[n]: entry[TAX_AUTHORITY[n]] for n in range(1, 6)},
                **{CUSTOMER_TAX[n]: signed(entry["DocumentType"], entry[TAX_AMOUNT[n]]) for n in range(1, 6)},
                **{CUSTOMER_BASE[n]: signed(entry["DocumentType"], entry[TAX_BASE[n]]) for n in range(1, 6)},
            }
        )
    company.store.put(side.posted, row)
    party_activity(
        company, side, entry[side.party], total, entry["DocumentDate"], entry["DocumentType"], 1 if total else 0
    )
    apply_to = entry.get("ApplytoDocument")
    if apply_to and entry["DocumentType"] == "CreditNote":
        target = company.get(side.posted, entry[side.party], apply_to)
        if target is not None and target[side.amount_due] > 0:
            applied = min(target[side.amount_due], -total)
            apply_amount(company, side, target, applied, entry["DocumentDate"])
            apply_amount(company, side, row, -applied, entry["DocumentDate"])


def apply_amount(company: Company, side: Side, document: Row, reduction: Decimal, when: str) -> Row:
    """Reduce a posted document's amount due by ``reduction`` (signed like the document) at ``when``.

    Sets ``FullyPaid``/``DatePaid`` when the amount due reaches zero and moves ``LastActivityDate`` (I17).
    """
    due = document[side.amount_due] - reduction
    invoice_amount = document.get(side.invoice_amount) or ZERO
    functional = document.get("FunctionalCurrencyInvoiceAmount") or ZERO
    places = company.currency_decimals(company.home_currency)
    changes: Row = {
        side.amount_due: due,
        "FunctionalCurrencyAmountDue": round_to(functional * due / invoice_amount, places) if invoice_amount else due,
        "LastActivityDate": when,
        "FullyPaid": "Yes" if due == 0 else "No",
        "DatePaid": when if due == 0 else None,
    }
    was_open = document[side.amount_due] != 0
    updated = company.store.update(side.posted, (document[side.party], document["DocumentNumber"]), **changes)
    opened = (1 if due != 0 else 0) - (1 if was_open else 0)
    party_activity(company, side, document[side.party], -reduction, when, None, opened)
    return updated


def party_activity(
    company: Company, side: Side, party: str, change: Decimal, when: str, document_type: str | None, opened: int
) -> None:
    """Keep the customer's/vendor's balance and activity dates current (incrementally, never by a rescan)."""
    row = company.get(side.party_table, party)
    if row is None:
        return
    changes: Row = {
        side.balance: (row.get(side.balance) or ZERO) + change,
        "NumberOfOpenDocuments": (row.get("NumberOfOpenDocuments") or 0) + opened,
        "DateOfLastActivity": max(filter(None, (row.get("DateOfLastActivity"), when))),
    }
    if document_type == "Invoice":
        changes["DateOfLastInvoice"] = max(filter(None, (row.get("DateOfLastInvoice"), when)))
        if side.ledger == "AR":
            changes["LastInvoiceAmountCustomerCurrency"] = change
    elif document_type == "CreditNote" and side.ledger == "AR":
        changes["DateOfLastCreditNote"] = max(filter(None, (row.get("DateOfLastCreditNote"), when)))
    elif document_type == "DebitNote" and side.ledger == "AR":
        changes["DateOfLastDebitNote"] = max(filter(None, (row.get("DateOfLastDebitNote"), when)))
    company.store.update(side.party_table, (party,), **changes)
