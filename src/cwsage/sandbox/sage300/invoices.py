"""AR and AP invoice batches: entry validation, Ready To Post, delete, posting to posted documents.

Why AR and AP share this module: the two invoice-entry views follow one pattern (batch → entries →
details / payment schedules / optional fields) with different property names (reference §7 gotcha 7),
so one set of rules parameterised by :class:`Side` keeps them consistent without one shared model on
the wire. Every write validates the whole POST first and changes nothing when any entry is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from cwsage.sandbox.sage300 import inferred
from cwsage.sandbox.sage300.common import (
    TOLERANCE,
    ZERO,
    Data,
    Row,
    amount,
    as_list,
    currency_decimals,
    exchange_rate,
    find,
    fiscal_period,
    iso,
    next_number,
    opt_date,
    parse_date,
    peek_number,
    require_object,
    resolve_account,
    round_to,
    text,
    today,
)
from cwsage.sandbox.sage300.errors import SageError, conflict, not_found


@dataclass(frozen=True)
class Side:
    """The AR or AP spelling of the invoice-entry rules."""

    ledger: str  # "AR" | "AP"
    party_field: str
    party_table: str
    party_label: str
    terms_table: str
    tax_transaction: str
    party_class_type: str
    total_before: str
    detail_amount: str
    detail_amount_net: str
    detail_account: str
    detail_description: str
    batches: str
    posted: str
    batch_counter: str
    post_counter: str
    posted_invoice_amount: str
    posted_amount_due: str


AR = Side(
    "AR",
    "CustomerNumber",
    "customers",
    "customer",
    "ar_terms",
    "Sales",
    "Customers",
    "DocumentTotalBeforeTax",
    "ExtendedAmountWithTIP",
    "ExtendedAmountWithoutTIP",
    "RevenueAccount",
    "Description",
    "ar_batches",
    "ar_posted",
    "ar_invoice_batch",
    "ar_posting_sequence",
    "CustCurrencyInvoiceAmount",
    "CustCurrencyAmountDue",
)
AP = Side(
    "AP",
    "VendorNumber",
    "vendors",
    "vendor",
    "ap_terms",
    "Purchases",
    "Vendors",
    "DocumentTotalBeforeTaxes",
    "DistributedAmount",
    "DistributedAmountBeforeTaxes",
    "GLAccount",
    "DistributionDescription",
    "ap_batches",
    "ap_posted",
    "ap_invoice_batch",
    "ap_posting_sequence",
    "VendCurrencyInvoiceAmount",
    "VendCurrencyAmountDue",
)
DOCUMENT_TYPES = {
    "AR": ("Invoice", "DebitNote", "CreditNote"),
    "AP": ("Invoice", "DebitNote", "CreditNote", "Interest"),
}
_AR_TRANSACTION_TYPES = {
    ("Invoice", "Summary"): "InvoiceSummaryEntered",
    ("Invoice", "Item"): "InvoiceItemEntered",
    ("DebitNote", "Summary"): "DebitNoteSummaryEntered",
    ("DebitNote", "Item"): "DebitNoteItemEntered",
    ("CreditNote", "Summary"): "CreditNoteSummaryEntered",
    ("CreditNote", "Item"): "CreditNoteItemEntered",
}


def open_document_numbers(data: Data, side: Side) -> set[tuple[str, str]]:
    """``(party, document number)`` of every entry in an Open or ReadyToPost batch."""
    numbers: set[tuple[str, str]] = set()
    for batch in data[side.batches]:
        if batch["BatchStatus"] in ("Open", "ReadyToPost"):
            for entry in batch["Invoices"]:
                numbers.add((entry[side.party_field], entry["DocumentNumber"]))
    return numbers


def _check_duplicate(data: Data, side: Side, party: str, number: str, seen: set[tuple[str, str]]) -> None:
    if side.ledger == "AR":
        # 17: AR document numbers are unique across customers (AROBL's IDINVC is a unique key).
        taken = {n for _, n in seen} | {n for _, n in open_document_numbers(data, side)}
        taken |= {row["DocumentNumber"] for row in data[side.posted]}
        if number in taken:
            raise conflict(inferred.AR_DUPLICATE.format(number=number), "RecordDuplicate")
    else:
        taken_pairs = seen | open_document_numbers(data, side)
        taken_pairs |= {(row["VendorNumber"], row["DocumentNumber"]) for row in data[side.posted]}
        if (party, number) in taken_pairs:
            raise conflict(inferred.AP_DUPLICATE.format(number=number, vendor=party))


def _tax_group(data: Data, side: Side, code: str) -> Row:
    group = find(data, "tax_groups", TaxGroupKey=code, TransactionType=side.tax_transaction)
    if group is None:
        raise conflict(f"Tax group {code} does not exist.")
    return group


def _tax_class(data: Data, side: Side, authority: str, class_type: str, value: Any, field: str) -> tuple[int, Row]:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise conflict(f"Tax class {value} does not exist for tax authority {authority}.") from exc
    row = find(
        data,
        "tax_classes",
        TaxAuthority=authority,
        TransactionType=side.tax_transaction,
        ClassType=class_type,
        Class=number,
    )
    if row is None:
        raise conflict(f"Tax class {number} does not exist for tax authority {authority} ({field}).")
    return number, row


def _tax_rate(data: Data, side: Side, authority: str, buyer_class: int, item_class: int) -> Decimal:
    row = find(data, "tax_rates", TaxAuthority=authority, TransactionType=side.tax_transaction, BuyerClass=buyer_class)
    if row is None:
        return ZERO
    return Decimal(row.get(f"ItemRate{item_class}") or 0)


def build_entry(
    data: Data,
    side: Side,
    raw_in: Any,
    entry_number: int,
    batch_date: date,
    seen: set[tuple[str, str]],
    auto: dict[str, int],
) -> Row:
    """Validate one invoice entry and return it as stored (409/400 on the first broken rule)."""
    raw = require_object(raw_in)
    party_number = text(raw, side.party_field, 12, required=True)
    party = find(data, side.party_table, **{side.party_field: party_number})
    if party is None:
        raise conflict(f"{side.party_label.capitalize()} number {party_number} does not exist.")
    if party.get("Status") == "Inactive":
        raise conflict(f"{side.party_label.capitalize()} {party_number} is inactive.")
    document_type = raw.get("DocumentType") or "Invoice"
    if document_type not in DOCUMENT_TYPES[side.ledger]:
        raise conflict(f"Invalid value '{document_type}' for DocumentType.")
    invoice_type = raw.get("InvoiceType") or "Summary"
    if side.ledger == "AR" and invoice_type not in ("Summary", "Item"):
        raise conflict(f"Invalid value '{invoice_type}' for InvoiceType.")
    number = text(raw, "DocumentNumber", 22)
    if not number.strip():
        prefix = {"Invoice": "IN", "DebitNote": "DN", "CreditNote": "CN", "Interest": "IT"}[document_type]
        counter = f"{side.ledger.lower()}_document_{prefix}"
        auto[counter] = auto.get(counter, 0) + 1
        number = f"{prefix}{peek_number(data, counter) + auto[counter] - 1:07d}"
    _check_duplicate(data, side, party_number, number, seen)
    description = text(raw, "InvoiceDescription", 60)
    document_date = opt_date(raw, "DocumentDate", batch_date)
    posting_date = opt_date(raw, "PostingDate", document_date)
    as_of_date = opt_date(raw, "AsOfDate", document_date)
    fiscal_period(data, document_date, "Document Date", check_lock=False)
    year, period = fiscal_period(data, posting_date, "Posting Date")
    currency = text(raw, "CurrencyCode", 3) or party["CurrencyCode"]
    if currency != party["CurrencyCode"]:
        raise conflict(
            inferred.CURRENCY_MISMATCH.format(code=currency, party=side.party_label, expected=party["CurrencyCode"])
        )
    home = data["company_profile"][0]["HomeCurrency"]
    rate_date = opt_date(raw, "RateDate", document_date)
    overridden = "No"
    if currency == home:
        rate = Decimal(1)
    elif raw.get("ExchangeRate") not in (None, "", 0):
        rate = amount(raw["ExchangeRate"], "ExchangeRate")
        overridden = "Yes"
    else:
        found = exchange_rate(data, currency, rate_date)
        if found is None:
            raise conflict(
                f"No exchange rate exists for currency {currency} on {rate_date.isoformat()} "
                f"(rate type {inferred.RATE_TYPE})."
            )
        rate = found
    terms_code = text(raw, "Terms", 6) or party.get("Terms") or ""
    terms = find(data, side.terms_table, TermsCode=terms_code)
    if terms is None:
        raise conflict(f"Terms code {terms_code} does not exist.")
    due_date = opt_date(raw, "DueDate", date.fromordinal(document_date.toordinal() + int(terms["DueDays"])))
    tax_group_code = text(raw, "TaxGroup", 12) or party.get("TaxGroup") or ""
    group = _tax_group(data, side, tax_group_code)
    authorities: list[str] = []
    for n in range(1, 6):
        given = text(raw, f"TaxAuthority{n}", 12)
        in_group = group.get(f"TaxAuthority{n}") or ""
        if given and given != in_group:
            if find(data, "tax_authorities", TaxAuthority=given) is None:
                raise conflict(f"Tax authority {given} does not exist.")
            if given not in [group.get(f"TaxAuthority{i}") for i in range(1, 6)]:
                raise conflict(f"Tax authority {given} is not in tax group {tax_group_code}.")
            raise conflict(f"Tax authority {given} must be at level {n} of tax group {tax_group_code}.")
        authorities.append(in_group)
    entry: Row = {
        "BatchNumber": 0,
        "EntryNumber": entry_number,
        side.party_field: party_number,
        "DocumentNumber": number,
        "DocumentType": document_type,
    }
    if side.ledger == "AR":
        entry["InvoiceType"] = invoice_type
        entry["TransactionType"] = _AR_TRANSACTION_TYPES[(document_type, invoice_type)]
    entry.update(
        {
            "InvoiceDescription": description,
            "OrderNumber": text(raw, "OrderNumber", 22),
            "PONumber": text(raw, "PONumber", 22),
            "ApplytoDocument": text(raw, "ApplytoDocument", 22),
            "AccountSet": text(raw, "AccountSet", 6) or party.get("AccountSet") or "",
            "DocumentDate": iso(document_date),
            "AsOfDate": iso(as_of_date),
            "PostingDate": iso(posting_date),
            "FiscalYear": year,
            "FiscalPeriod": f"{period:02d}",
            "CurrencyCode": currency,
            "RateType": text(raw, "RateType", 2) or inferred.RATE_TYPE,
            "RateDate": iso(rate_date),
            "ExchangeRate": rate,
            "RateOverridden": overridden,
            "Terms": terms_code,
            "DueDate": iso(due_date),
            "TaxGroup": tax_group_code,
        }
    )
    apply_to = entry["ApplytoDocument"]
    if apply_to:
        target = find(data, side.posted, **{side.party_field: party_number, "DocumentNumber": apply_to})
        if target is None:
            raise conflict(f"Apply-to document {apply_to} does not exist for {side.party_label} {party_number}.")
    elif document_type in ("CreditNote", "DebitNote") and side.ledger == "AP":
        pass  # AP notes may be entered without an apply-to document (applied later).
    # Header tax classes (the party's class per authority).
    buyer_classes: list[int] = []
    for n, authority in enumerate(authorities, start=1):
        if not authority:
            buyer_classes.append(0)
            continue
        value = raw.get(f"TaxClass{n}", party.get(f"TaxClassCode{n}") or 1)
        number_class, _ = _tax_class(data, side, authority, side.party_class_type, value, f"TaxClass{n}")
        buyer_classes.append(number_class)
    # Details.
    details_in = as_list(raw, "InvoiceDetails")
    if not details_in:
        raise conflict(f"Entry {entry_number} ({number}) has no detail lines.")
    details: list[Row] = []
    bases = [ZERO] * 5
    calculated = [ZERO] * 5
    total_before = ZERO
    for index, detail_raw_in in enumerate(details_in, start=1):
        detail_raw = require_object(detail_raw_in)
        line: Row = {"LineNumber": index * 20 if side.ledger == "AR" else index}
        distribution = text(detail_raw, "DistributionCode", 6)
        account_raw = text(detail_raw, side.detail_account, 45)
        if distribution and not account_raw:
            code = find(data, "distribution_codes", DistributionCode=distribution) if side.ledger == "AR" else None
            if code is None:
                raise conflict(f"Distribution code {distribution} does not exist.")
            account_raw = code["GLAccount"]
        if not account_raw:
            raise conflict(f"{side.detail_account} is required on line {index} of entry {entry_number}.")
        account = resolve_account(data, account_raw, side.detail_account)
        line["DistributionCode"] = distribution
        line[side.detail_account] = account["AccountNumber"]
        line[side.detail_description] = text(detail_raw, side.detail_description, 60)
        if side.ledger == "AR":
            line["ItemNumber"] = text(detail_raw, "ItemNumber", 16)
            line["Quantity"] = amount(detail_raw.get("Quantity"), "Quantity")
            line["UnitOfMeasure"] = text(detail_raw, "UnitOfMeasure", 10)
            line["Price"] = amount(detail_raw.get("Price"), "Price")
        if detail_raw.get(side.detail_amount) is not None:
            line_amount = amount(detail_raw[side.detail_amount], side.detail_amount)
        elif detail_raw.get(side.detail_amount_net) is not None:
            line_amount = amount(detail_raw[side.detail_amount_net], side.detail_amount_net)
        elif side.ledger == "AR" and detail_raw.get("Price") is not None:
            line_amount = line["Quantity"] * line["Price"]
        else:
            raise conflict(f"{side.detail_amount} is required on line {index} of entry {entry_number}.")
        line[side.detail_amount] = line_amount
        line[side.detail_amount_net] = line_amount
        total_before += line_amount
        for n, authority in enumerate(authorities, start=1):
            if not authority:
                line[f"TaxClass{n}"] = 0
                continue
            item_class, class_row = _tax_class(
                data, side, authority, "Items", detail_raw.get(f"TaxClass{n}", 1), f"TaxClass{n}"
            )
            line[f"TaxClass{n}"] = item_class
            if class_row.get("Exempt") != "Yes":
                bases[n - 1] += line_amount
                calculated[n - 1] += line_amount * _tax_rate(data, side, authority, buyer_classes[n - 1], item_class)
        line["Comments"] = text(detail_raw, "Comments", 250)
        details.append(line)
    places = currency_decimals(data, currency)
    control = raw.get("TaxAmountControl")
    enter = control == "Enter" or (control is None and any(raw.get(f"TaxAmount{n}") is not None for n in range(1, 6)))
    tax_total = ZERO
    for n in range(1, 6):
        authority = authorities[n - 1]
        entry[f"TaxAuthority{n}"] = authority
        entry[f"TaxClass{n}"] = buyer_classes[n - 1]
        if enter:
            tax = amount(raw.get(f"TaxAmount{n}"), f"TaxAmount{n}")
            base = amount(raw[f"TaxBase{n}"], f"TaxBase{n}") if raw.get(f"TaxBase{n}") is not None else bases[n - 1]
        else:
            tax = round_to(calculated[n - 1] / 100, places)
            base = bases[n - 1]
        if tax and not authority:
            raise conflict(f"TaxAmount{n} is not allowed: tax group {tax_group_code} has no authority at level {n}.")
        entry[f"TaxBase{n}"] = base if authority else ZERO
        entry[f"TaxAmount{n}"] = tax
        tax_total += tax
    entry["TaxAmountControl"] = "Enter" if enter else "Calculate"
    entry["TaxTotal"] = tax_total
    document_total = total_before + tax_total
    entry[side.total_before] = total_before
    entry["DocumentTotalIncludingTax"] = document_total
    sent_total = raw.get("DocumentTotalIncludingTax")
    if sent_total is not None and abs(amount(sent_total, "DocumentTotalIncludingTax") - document_total) > TOLERANCE:
        raise conflict(inferred.TOTAL_MISMATCH)
    entry["InvoiceDetails"] = details
    schedules_in = as_list(raw, "InvoicePaymentSchedules")
    schedules: list[Row] = []
    if schedules_in:
        scheduled = ZERO
        for index, schedule_in in enumerate(schedules_in, start=1):
            schedule = require_object(schedule_in)
            due = amount(schedule.get("AmountDue"), "AmountDue")
            scheduled += due
            schedules.append(
                {
                    "PaymentNumber": index,
                    "DueDate": iso(opt_date(schedule, "DueDate", due_date)),
                    "AmountDue": due,
                    "DiscountDate": None,
                    "DiscountAmount": ZERO,
                    "FunctionalAmountDue": round_to(due * rate, 2),
                }
            )
        if abs(scheduled - document_total) > TOLERANCE:
            raise conflict("The payment schedule total does not match the document total.")
    else:
        schedules.append(
            {
                "PaymentNumber": 1,
                "DueDate": iso(due_date),
                "AmountDue": document_total,
                "DiscountDate": None,
                "DiscountAmount": ZERO,
                "FunctionalAmountDue": round_to(document_total * rate, 2),
            }
        )
    entry["InvoicePaymentSchedules"] = schedules
    entry["NumberOfScheduledPayments"] = len(schedules)
    optional: list[Row] = []
    for field_in in as_list(raw, "InvoiceOptionalFields"):
        optional.append(
            {"OptionalField": text(field_in, "OptionalField", 12, required=True), "Value": text(field_in, "Value", 60)}
        )
    entry["InvoiceOptionalFields"] = optional
    entry["Warnings"] = []
    seen.add((party_number, number))
    return entry


def signed_total(entry: Row) -> Decimal:
    """An entry's total as Sage stores it in the open-document table (credit notes negative)."""
    total: Decimal = entry["DocumentTotalIncludingTax"]
    return -total if entry["DocumentType"] == "CreditNote" else total


def create_batch(data: Data, side: Side, body_in: Any) -> Row:
    """POST ``{AR,AP}/{AR,AP}InvoiceBatches``: validate every entry, then create the batch (201)."""
    body = require_object(body_in)
    description = text(body, "Description", 60)
    batch_date = opt_date(body, "BatchDate", today())
    seen: set[tuple[str, str]] = set()
    auto: dict[str, int] = {}
    entries = [
        build_entry(data, side, raw, index, batch_date, seen, auto)
        for index, raw in enumerate(as_list(body, "Invoices"), start=1)
    ]
    # Everything validated: only now consume numbers (a refused POST does not use up a batch number).
    number = next_number(data, side.batch_counter)
    for counter, used in auto.items():
        data["counters"][counter] = data["counters"].get(counter, 0) + used
    for entry in entries:
        entry["BatchNumber"] = number
    batch: Row = {
        "BatchNumber": number,
        "BatchDate": iso(batch_date),
        "Description": description,
        "BatchType": "Entered",
        "BatchStatus": "Open",
    }
    if side.ledger == "AR":
        batch["DefaultInvoiceType"] = body.get("DefaultInvoiceType") or "Summary"
    batch.update(
        {
            "BatchTotal": sum((signed_total(e) for e in entries), ZERO),
            "NumberOfEntries": len(entries),
            "PostingSequence": 0,
            "NumberOfErrors": 0,
            "DateLastEdited": iso(today()),
            "SourceApplication": side.ledger,
        }
    )
    if side.ledger == "AR":
        batch["ProcessCommand"] = "UnlockBatchResource"
    batch["Invoices"] = entries
    batch["UpdateOperation"] = "Unspecified"
    data[side.batches].append(batch)
    return batch


def get_batch(data: Data, side: Side, number: int) -> Row:
    """A batch by number, or 404."""
    batch = find(data, side.batches, BatchNumber=number)
    if batch is None:
        raise not_found(f"Batch {number} does not exist.", "RecordNotFound")
    return batch


def patch_batch(data: Data, side: Side, number: int, body_in: Any, status_field: str = "BatchStatus") -> None:
    """PATCH a batch: ``BatchStatus`` Open/ReadyToPost and ``Description`` (204)."""
    body = require_object(body_in)
    batch = get_batch(data, side, number)
    if batch["BatchStatus"] in ("Posted", "Deleted"):
        raise conflict(f"Batch {number} is {batch['BatchStatus'].lower()} and cannot be changed.", "General")
    if "Invoices" in body:
        raise conflict("Entries cannot be added to an existing batch through a PATCH of the batch.", "General")
    status = body.get(status_field)
    if status is not None and status not in ("Open", "ReadyToPost"):
        raise conflict(f"Invalid value '{status}' for {status_field}.")
    description = text(body, "Description", 60, default=batch["Description"])
    if status is not None:
        batch["BatchStatus"] = status
    batch["Description"] = description
    batch["DateLastEdited"] = iso(today())


def delete_batch(data: Data, side: Side, number: int) -> None:
    """DELETE an Open or ReadyToPost batch (decision 26): it reads Deleted; its number is never reused."""
    batch = get_batch(data, side, number)
    if batch["BatchStatus"] == "Posted":
        raise conflict(f"Batch {number} has been posted and cannot be deleted.", "General")
    if batch["BatchStatus"] == "Deleted":
        raise conflict(f"Batch {number} has already been deleted.", "General")
    batch["BatchStatus"] = "Deleted"
    batch["DateLastEdited"] = iso(today())


def batch_range(body: Row, from_field: str, to_field: str, all_field: str) -> tuple[int | None, int | None]:
    """The batch range of a post process body (None, None = all batches)."""
    if str(body.get(all_field) or "").lower() == "postallbatches":
        return None, None
    try:
        low = int(body[from_field])
        high = int(body.get(to_field, low))
    except (KeyError, TypeError, ValueError) as exc:
        raise conflict(f"{from_field} and {to_field} are required.", "General") from exc
    return low, high


def post_batches(data: Data, side: Side, body_in: Any) -> Row:
    """``{AR}PostInvoices('$process')``: post every ReadyToPost batch in the range (200 with the process)."""
    body = require_object(body_in)
    if side.ledger == "AR":
        low, high = batch_range(body, "PostBatchFrom", "PostBatchTo", "PostAllBatches")
    else:
        low, high = batch_range(body, "FromBatch", "ToBatch", "ProcessAllBatches")
    chosen = [
        b
        for b in data[side.batches]
        if b["BatchStatus"] == "ReadyToPost" and (low is None or low <= b["BatchNumber"] <= (high or low))
    ]
    if not chosen:
        raise conflict(
            "There are no batches ready to post" + (f" in the range {low} to {high}." if low is not None else "."),
            "General",
        )
    for batch in chosen:  # validate everything before posting anything
        for entry in batch["Invoices"]:
            fiscal_period(data, parse_date(entry["PostingDate"], "PostingDate"), "Posting Date")
    for batch in chosen:
        sequence = next_number(data, side.post_counter)
        for entry in batch["Invoices"]:
            _post_entry(data, side, batch, entry)
        batch["BatchStatus"] = "Posted"
        batch["PostingSequence"] = sequence
        batch["DateLastEdited"] = iso(today())
    result = dict(body)
    result.setdefault("UpdateOperation", "Unspecified")
    return result


def _post_entry(data: Data, side: Side, batch: Row, entry: Row) -> None:
    total = signed_total(entry)
    rate: Decimal = entry["ExchangeRate"]
    row: Row = {
        side.party_field: entry[side.party_field],
        "DocumentNumber": entry["DocumentNumber"],
        "DocumentType": entry["DocumentType"],
        "DocumentDate": entry["DocumentDate"],
        "PostingDate": entry["PostingDate"],
        "DueDate": entry["DueDate"],
        "CurrencyCode": entry["CurrencyCode"],
        "ExchangeRate": rate,
        side.posted_invoice_amount: total,
        side.posted_amount_due: total,
    }
    if side.ledger == "AR":
        row["FuncCurrencyInvoiceAmount"] = round_to(total * rate, 2)
        row["FuncCurrencyAmountDue"] = round_to(total * rate, 2)
    row.update(
        {
            "FullyPaid": "No" if total else "Yes",
            "DatePaid": None if total else entry["DocumentDate"],
            "LastActivityDate": entry["DocumentDate"],
            "BatchNumber": batch["BatchNumber"],
            "EntryNumber": entry["EntryNumber"],
            "DocumentDescription": entry.get("InvoiceDescription", ""),
        }
    )
    if side.ledger == "AR":
        row.update(
            {
                "BatchType": batch.get("BatchType", "Entered"),
                "CheckReceiptNumber": "",
                "PONumber": entry.get("PONumber", ""),
                "OrderNumber": entry.get("OrderNumber", ""),
                "InvoiceType": entry.get("InvoiceType", "Summary"),
                "ApplyToDocument": entry.get("ApplytoDocument", ""),
            }
        )
    data[side.posted].append(row)
    apply_to = entry.get("ApplytoDocument")
    if apply_to and entry["DocumentType"] in ("CreditNote", "DebitNote"):
        target = find(data, side.posted, **{side.party_field: entry[side.party_field], "DocumentNumber": apply_to})
        if target is not None:
            apply_amount(data, side, target, -total, entry["DocumentDate"])
            apply_amount(data, side, row, total, entry["DocumentDate"])
    if side.ledger == "AR":
        refresh_customer(data, entry[side.party_field])


def apply_amount(data: Data, side: Side, document: Row, reduction: Decimal, when: str) -> None:
    """Reduce a posted document's amount due by ``reduction`` (signed like the document) at ``when``."""
    document[side.posted_amount_due] -= reduction
    if side.ledger == "AR":
        rate: Decimal = document.get("ExchangeRate") or Decimal(1)
        document["FuncCurrencyAmountDue"] = round_to(document[side.posted_amount_due] * rate, 2)
    document["LastActivityDate"] = when
    if document[side.posted_amount_due] == 0:
        document["FullyPaid"] = "Yes"
        document["DatePaid"] = when
    else:
        document["FullyPaid"] = "No"
        document["DatePaid"] = None


def refresh_customer(data: Data, customer_number: str) -> None:
    """Recompute a customer's balance and activity fields from its posted documents."""
    customer = find(data, "customers", CustomerNumber=customer_number)
    if customer is None:
        return
    documents = [d for d in data["ar_posted"] if d["CustomerNumber"] == customer_number]
    customer["BalanceDueInCustomerCurrency"] = sum((d["CustCurrencyAmountDue"] for d in documents), ZERO)
    customer["NumberOfOpenDocuments"] = sum(1 for d in documents if d["FullyPaid"] == "No")
    invoices = [d["DocumentDate"] for d in documents if d["DocumentType"] == "Invoice"]
    receipts = [d["DocumentDate"] for d in documents if d["DocumentType"] == "Receipt"]
    activity = [d["LastActivityDate"] for d in documents if d.get("LastActivityDate")]
    customer["DateOfLastInvoice"] = max(invoices) if invoices else None
    customer["DateOfLastReceipt"] = max(receipts) if receipts else None
    customer["DateOfLastActivity"] = max(activity) if activity else None


__all__ = ["AP", "AR", "SageError", "Side", "create_batch", "delete_batch", "patch_batch", "post_batches"]
