"""Translate Manage's ``GLExport`` into canonical documents — the one place Manage's signs are undone.

Manage writes a receivable as a positive header (the AR debit) with negative detail lines (the revenue
and tax credits); a credit memo is the mirror image. Payables come the same way round (positive AP
credit header, negative lines) in the reference's samples, but cwsage does not trust one convention:
for each document it orients the lines against the header (:func:`_orientation`), so that lines end up
positive in the document's natural direction whichever way Manage wrote them. Journal lines keep
Manage's signs (debit positive). Nothing here does I/O; problems in the data become :class:`Issue`\\ s.

Document keys (stable across runs, see :mod:`cwsage.domain.documents`):

=====================  =====================================  =================================
Manage object          document                               key / Sage reference
=====================  =====================================  =================================
transactions[]         AR invoice or credit note              ``AR:{invoice number}``
expenseBills[]         AP invoice to the member's vendor      ``AP:{vendor}:{document number}``
expenses[]             GL journal entry                       ``GL:CW-E{gl entry id}``
purchaseTransactions   AP invoice to the vendor               ``AP:{vendor}:{vendor invoice no}``
adjustmentTransactions IC adjustment (or GL journal)          ``IC:CW-ADJ-{first gl entry id}``
inventoryTransfers     IC transfer (or GL journal), per id    ``IC:CW-TRF-{transfer id}``
=====================  =====================================  =================================
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from cwsage import money
from cwsage.connectwise import models as cw
from cwsage.connectwise.records import RecordKind, UnreadableRecord
from cwsage.domain.documents import (
    DocKind,
    Document,
    InventoryDocument,
    InventoryLine,
    JournalDocument,
    JournalLine,
    Line,
    PartyProfile,
    PayableDocument,
    ReceivableDocument,
    SourceRef,
    SourceType,
    TaxLine,
)
from cwsage.domain.issues import FixIn, Issue, Severity
from cwsage.errors import SourceDataError

TAX_GL_TYPES = frozenset({"ST"})
"""Manage GL types of sales-tax lines."""

_ID_LIST_RE = re.compile(r"\d+(?:,\d+)*")
_PO_RE = re.compile(r"PO\s*#\s*([^,]+)")


@dataclass(frozen=True)
class TranslateOptions:
    """Choices that shape translation.

    Attributes:
        ic_default_location: Sage IC location for inventory adjustments (Manage's adjustment lines
            carry no warehouse). Empty means "not configured": validation reports it.
        adjustment_locations: Exported adjustment id → the IC location derived from Manage
            (:mod:`cwsage.mapping.locations`); :attr:`ic_default_location` is the last resort.
    """

    ic_default_location: str = ""
    adjustment_locations: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Translation:
    """Documents translated from one export, and the source-data issues found on the way.

    Attributes:
        unreadable_keys: Keys of the documents that stand for export records cwsage could not read. They are in
            :attr:`documents` (so that they are stored, counted and reported as invalid, with their issues) but
            carry nothing to post: never build a payload from them, never validate them against Sage.
    """

    documents: list[Document] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    unreadable_keys: set[str] = field(default_factory=set)

    @property
    def readable_documents(self) -> list[Document]:
        """The documents translated from records that could be read (the ones to validate and post)."""
        return [doc for doc in self.documents if doc.key not in self.unreadable_keys]


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _text(*values: str | None) -> str:
    for value in values:
        if value and value.strip():
            return value.strip()
    return ""


def _currency(ref: cw.CurrencyReference | None, fallback: str = "") -> str:
    if ref is None:
        return fallback
    return _text(ref.currency_code, ref.currency_identifier) or fallback


def _amount(value: Decimal | int | None) -> Decimal:
    return money.D(value) if value is not None else money.ZERO


def _orientation(header_total: Decimal, line_totals: Iterable[Decimal]) -> tuple[int, int]:
    """Factors (header, line) that make the header and its lines positive in the document's direction.

    The header sign decides whether the document is a normal one (positive) or a reversal (negative).
    Lines written against the header (Manage's credits) are flipped; lines written with it are kept.
    """
    header = -1 if header_total < 0 else 1
    line_sum = money.total(line_totals)
    if line_sum == 0:
        return header, -header
    same_direction = (line_sum > 0) == (header_total > 0)
    return header, header if same_direction else -header


def _ints(text: str | None) -> tuple[int, ...]:
    """GL entry ids from a comma-separated list (``"91001,91002"``); anything else gives none.

    Used for adjustment and transfer ids, whose content the reference leaves open: cwsage only trusts a
    strict list of integers, never digits picked out of descriptive text (that would mark the wrong
    entries in Manage). A document left without ids is reported by :func:`_check_common`.
    """
    return tuple(int(part) for part in (text or "").split(",")) if _ID_LIST_RE.fullmatch(text or "") else ()


def _issue(source: SourceRef, key: str, code: str, field_name: str, value: object, message: str, hint: str) -> Issue:
    return Issue(
        source_ref=source.label,
        document_key=key,
        code=code,
        field=field_name,
        value="" if value is None else str(value),
        message=message,
        hint=hint,
        fix_in=FixIn.MANAGE,
    )


def translate(export: cw.GLExport, options: TranslateOptions | None = None) -> Translation:
    """Translate every object of a ``GLExport`` into canonical documents.

    Args:
        export: The parsed export (from ``POST /finance/accounting/export`` or a batch re-export).
        options: Translation choices.

    Returns:
        The documents (in the export's order) and the source-data issues found.
    """
    opts = options or TranslateOptions()
    result = Translation()
    customers = {c.account_number: c for c in export.customers if c.account_number}
    for transaction in export.transactions:
        _receivable(transaction, customers, result)
    for bill in export.expense_bills:
        _expense_bill(bill, result)
    for expense in export.expenses:
        _expense_journal(expense, result)
    for purchase in export.purchase_transactions:
        _purchase(purchase, result)
    for adjustment in export.adjustment_transactions:
        _adjustment(adjustment, opts, result)
    for transfer_lines in _group_transfers(export.inventory_transfers):
        _transfer(transfer_lines, result)
    for doc in result.documents:
        _check_common(doc, result)
    _unreadable_records(export, result)
    return result


# ------------------------------------------------------------------------------------ unreadable records


def _unreadable_records(export: cw.GLExport, result: Translation) -> None:
    """Make an invalid document of each export record that could not be read, and block what depends on it.

    * an unreadable invoice, bill, expense, receipt or adjustment becomes a document of its kind under the key it
      would have had (when its number could be read), carrying one issue per field that could not be read;
    * an unreadable line of an inventory transfer blocks its transfer (the other lines must not post alone); when
      even its ``transferId`` cannot be read, every transfer of the export is blocked, since any could be missing it;
    * an unreadable customer record blocks the invoices of its account (their tax levels and currency come from
      it); when its account cannot be read, the invoices whose customer record is absent from the export;
    * an unreadable vendor record is a warning: cwsage takes nothing from it.
    """
    taken = {doc.key for doc in result.documents}
    for record in export.unreadable:
        if record.kind is RecordKind.TRANSFER:
            _unreadable_transfer_line(record, export, result)
        elif record.kind is RecordKind.CUSTOMER:
            _unreadable_customer(record, export, result)
        elif record.kind is RecordKind.VENDOR:
            _unreadable_vendor(record, result)
        else:
            doc = _stand_in(record, taken)
            taken.add(doc.key)
            result.documents.append(doc)
            result.unreadable_keys.add(doc.key)
            result.issues.extend(_unreadable_issues(record, doc.source, doc.key))


def _unreadable_issues(record: UnreadableRecord, source: SourceRef, key: str, *, blocking: bool = True) -> list[Issue]:
    """One issue per field of ``record`` that could not be read, on the document ``key`` (its own or a dependent)."""
    own = source.label == record.label
    where = "" if own else f" in the {record.label}"
    issues = []
    for problem in record.problems:
        if problem.field:
            message = f"Manage sent {problem.field} = {problem.value}{where}, which cannot be read ({problem.reason})"
            fix = f"correct {problem.field}: it must be {problem.expected}"
        else:
            message = f"Manage sent {problem.value} where a {record.kind.noun} record belongs ({problem.reason})"
            fix = f"check it: Manage's export must hold {problem.expected} there"
        issues.append(
            Issue(
                source_ref=source.label,
                document_key=key,
                code="record-unreadable",
                field=f"{record.kind.value}.{problem.field}" if problem.field else record.kind.value,
                value=problem.value,
                message=message,
                hint=f"Open the {record.label} in Manage and {fix}. Then run again; with --skip-invalid the other "
                "documents are posted meanwhile and this one stays unposted in Manage.",
                fix_in=FixIn.MANAGE,
                severity=Severity.ERROR if blocking else Severity.WARNING,
            )
        )
    return issues


_D = TypeVar("_D", ReceivableDocument, PayableDocument, JournalDocument, InventoryDocument)


def _placeholder(
    doc_type: type[_D], key: str, kind: DocKind, source: SourceRef, number: str, day: date, **extra: Any
) -> _D:
    """A document with nothing to post, standing for an unreadable record (described by its label)."""
    return doc_type(
        key=key,
        kind=kind,
        source=source,
        document_number=number,
        document_date=day,
        description=source.label,
        currency="",
        gl_entry_ids=(),
        **extra,
    )


def _stand_in(record: UnreadableRecord, taken: set[str]) -> Document:
    """The invalid document that stands for an unreadable record: its kind, key and identity, nothing to post."""
    ident = record.identity
    fallback = f"UNREADABLE-{record.kind.value}-{record.position + 1}"
    day = ident.document_date or date.min
    label = record.label
    doc: Document
    if record.kind is RecordKind.INVOICE:
        credit = ident.billing_type.lower() == "creditmemo"
        source = SourceRef(SourceType.INVOICE, "credit memo" if credit else "invoice", ident.record_id, label)
        customer = PartyProfile(ident.account_number, ident.company or ident.account_number, "")
        kind = DocKind.AR_CREDIT_NOTE if credit else DocKind.AR_INVOICE
        key = f"AR:{ident.document_number or fallback}"
        doc = _placeholder(ReceivableDocument, key, kind, source, ident.document_number, day, customer=customer)
    elif record.kind in (RecordKind.EXPENSE_BILL, RecordKind.PURCHASE):
        bill = record.kind is RecordKind.EXPENSE_BILL
        number = ident.document_number if bill else (ident.vendor_invoice_number or ident.document_number)
        source_type, record_type = (
            (SourceType.EXPENSE, "expense bill") if bill else (SourceType.PROCUREMENT, "item receipt")
        )
        source = SourceRef(source_type, record_type, ident.record_id, label)
        name = ident.member or ident.company or ident.vendor_number
        vendor = PartyProfile(ident.vendor_number, name, "", is_member=bill)
        key = f"AP:{ident.vendor_number}:{number or fallback}"
        doc = _placeholder(PayableDocument, key, DocKind.AP_INVOICE, source, number, day, vendor=vendor)
    elif record.kind is RecordKind.EXPENSE:
        reference = f"CW-E{ident.record_id}" if ident.record_id.isascii() and ident.record_id.isdigit() else fallback
        source = SourceRef(SourceType.EXPENSE, "expense", ident.record_id, label)
        doc = _placeholder(JournalDocument, f"GL:{reference}", DocKind.GL_JOURNAL, source, reference, day)
    else:
        ids = _ints(ident.record_id)
        reference = f"CW-ADJ-{ids[0]}" if ids else fallback
        source = SourceRef(SourceType.PROCUREMENT, "inventory adjustment", ident.record_id, label)
        doc = _placeholder(InventoryDocument, f"IC:{reference}", DocKind.IC_ADJUSTMENT, source, reference, day)
    if doc.key in taken:  # the same number as another document: keep both visible
        doc = replace(doc, key=f"{doc.key}#unreadable-{record.position + 1}")
    return doc


def _unreadable_transfer_line(record: UnreadableRecord, export: cw.GLExport, result: Translation) -> None:
    transfer_id = record.identity.transfer_id
    transfers = [d for d in result.documents if d.kind is DocKind.IC_TRANSFER and d.key not in result.unreadable_keys]
    if transfer_id:
        key = f"IC:CW-TRF-{transfer_id}"
        target: Document | None = next((d for d in result.documents if d.key == key), None)
        if target is None:  # its only line: the transfer itself is the unreadable record
            source = SourceRef(SourceType.PROCUREMENT, "inventory transfer", transfer_id, record.label)
            day = record.identity.document_date or date.min
            target = _placeholder(InventoryDocument, key, DocKind.IC_TRANSFER, source, f"CW-TRF-{transfer_id}", day)
            result.documents.append(target)
            result.unreadable_keys.add(key)
        result.issues.extend(_unreadable_issues(record, target.source, target.key))
        return
    if not transfers:
        source = SourceRef(SourceType.PROCUREMENT, "inventory transfer", record.identity.record_id, record.label)
        key = f"IC:CW-TRF-UNREADABLE-{record.position + 1}"
        day = record.identity.document_date or date.min
        lone = _placeholder(InventoryDocument, key, DocKind.IC_TRANSFER, source, "", day)
        result.documents.append(lone)
        result.unreadable_keys.add(lone.key)
        result.issues.extend(_unreadable_issues(record, lone.source, lone.key))
        return
    for doc in transfers:  # the line may belong to any of them: none may post without it
        result.issues.extend(_unreadable_issues(record, doc.source, doc.key))
        result.issues.append(
            _issue(
                doc.source,
                doc.key,
                "transfer-line-unknown",
                "inventoryTransfers.transferId",
                "",
                f"a line of an inventory transfer in this export ({record.label}) could not be read, and it is not "
                "known which transfer it belongs to; this transfer might be missing it",
                "Correct the unreadable transfer line in Manage, then run again.",
            )
        )


def _unreadable_customer(record: UnreadableRecord, export: cw.GLExport, result: Translation) -> None:
    account = record.identity.account_number
    known = {c.account_number for c in export.customers if c.account_number}
    for doc in result.documents:
        if not isinstance(doc, ReceivableDocument) or doc.key in result.unreadable_keys:
            continue
        if (account and doc.customer.number == account) or (not account and doc.customer.number not in known):
            result.issues.extend(_unreadable_issues(record, doc.source, doc.key))


def _unreadable_vendor(record: UnreadableRecord, result: Translation) -> None:
    vendor = record.identity.vendor_number
    source = SourceRef(SourceType.PROCUREMENT, "vendor", vendor, record.label)
    affected = [d for d in result.documents if isinstance(d, PayableDocument) and vendor and d.vendor.number == vendor]
    for doc in affected:
        result.issues.extend(_unreadable_issues(record, doc.source, doc.key, blocking=False))
    if not affected:
        result.issues.extend(_unreadable_issues(record, source, "", blocking=False))


def _check_common(doc: Document, result: Translation) -> None:
    """What every document needs from Manage: a date, and GL entry ids to mark it batched afterwards."""
    if doc.document_date == date.min:
        result.issues.append(
            _issue(
                doc.source,
                doc.key,
                "date-missing",
                "documentDate",
                "",
                f"the {doc.source.record_type} has no date",
                "Check the record's date in Manage.",
            )
        )
    if not doc.gl_entry_ids:
        result.issues.append(
            _issue(
                doc.source,
                doc.key,
                "gl-entries-missing",
                "glEntryIds",
                "",
                f"Manage sent no GL entry ids for this {doc.source.record_type}, so it could not be marked as "
                "batched after posting",
                "Re-close the record in Manage so that it regenerates its GL entries.",
            )
        )


def _receivable_gl_ids(tx: cw.GLExportTransaction, source: SourceRef, key: str, result: Translation) -> tuple[int, ...]:
    try:
        return tuple(tx.gl_entry_id_list())
    except SourceDataError as exc:
        result.issues.append(
            _issue(
                source,
                key,
                "gl-entries-unreadable",
                "GLExportTransaction.glEntryIds",
                tx.gl_entry_ids,
                exc.user_message,
                "Re-close the invoice in Manage so that it regenerates its GL entries.",
            )
        )
        return ()


def _receivable(tx: cw.GLExportTransaction, customers: dict[str, cw.GLExportCustomer], result: Translation) -> None:
    number = _text(tx.document_number)
    billing_type = str(tx.billing_type or "")
    header_total = _amount(tx.total)
    is_credit = billing_type == "CreditMemo" or header_total < 0
    source = SourceRef(
        SourceType.INVOICE,
        f"{billing_type or 'invoice'} invoice" if not is_credit else "credit memo",
        str(tx.id or ""),
        f"{'credit memo' if is_credit else 'invoice'} {number or tx.id}",
    )
    key = f"AR:{number}"
    if not number:
        result.issues.append(
            _issue(
                source,
                key,
                "document-number-missing",
                "GLExportTransaction.documentNumber",
                "",
                "the invoice has no invoice number",
                "Give the invoice a number in Manage.",
            )
        )
    account = _text(tx.company_account_number)
    customer_export = customers.get(account)
    if not account:
        result.issues.append(
            _issue(
                source,
                key,
                "customer-account-missing",
                "Company.accountNumber",
                tx.company.name if tx.company else "",
                f"company {tx.company.name if tx.company else '?'} has no Account (the Sage customer number)",
                "In Manage, open the company, Finance tab, and fill in Account with its Sage customer number.",
            )
        )
    detail = list(tx.detail)
    revenue = [d for d in detail if (d.gl_type_id or "").upper() not in TAX_GL_TYPES]
    tax_rows = [d for d in detail if (d.gl_type_id or "").upper() in TAX_GL_TYPES]
    header_sign, line_sign = _orientation(header_total, (_amount(d.total) for d in detail))
    lines = tuple(
        Line(
            account=_text(d.account_number),
            amount=_amount(d.total) * line_sign,
            description=_text(d.memo, d.description, d.item_description) or billing_type or "Invoice line",
            quantity=abs(_amount(d.quantity)) if d.quantity is not None else None,
            item=_text(d.item.identifier if d.item else None, d.gl_item_id),
            taxable_levels=frozenset(
                lvl.tax_level for lvl in d.tax_levels if lvl.taxable_flag and lvl.tax_level is not None
            ),
            gl_type=(d.gl_type_id or "").upper(),
        )
        for d in revenue
    )
    levels_by_agency: dict[str, int] = {}
    if customer_export is not None:
        levels_by_agency = {
            (lvl.agency_xref or "").upper(): lvl.tax_level
            for lvl in customer_export.tax_levels
            if lvl.agency_xref and lvl.tax_level is not None
        }
    tx_levels = {lvl.tax_level: lvl for lvl in tx.tax_levels if lvl.tax_level is not None}
    taxes: list[TaxLine] = []
    for position, row in enumerate(tax_rows, start=1):
        agency = _text(row.tax_agency_xref)
        level = levels_by_agency.get(agency.upper(), position)
        base = tx_levels[level].taxable_amount if level in tx_levels else tx.taxable_total
        taxes.append(
            TaxLine(
                level=level,
                authority=agency,
                base=abs(_amount(base)),
                amount=_amount(row.total) * line_sign,
                account=_text(row.account_number),
            )
        )
    tax_group = _text(
        *(row.tax_code_xref for row in tax_rows),
        *(lvl.tax_code_xref for lvl in tx.tax_levels),
        *((lvl.tax_code_xref for lvl in customer_export.tax_levels) if customer_export else ()),
    )
    currency = _currency(tx.currency, _currency(customer_export.currency if customer_export else None))
    document_date = _day(tx.document_date) or date.min
    company_name = _text(tx.company.name if tx.company else None, account)
    result.documents.append(
        ReceivableDocument(
            key=key,
            kind=DocKind.AR_CREDIT_NOTE if is_credit else DocKind.AR_INVOICE,
            source=source,
            document_number=number,
            document_date=document_date,
            description=_text(tx.memo, f"{company_name} {billing_type} invoice {number}".strip()),
            currency=currency,
            gl_entry_ids=_receivable_gl_ids(tx, source, key, result),
            customer=PartyProfile(
                number=account,
                name=company_name,
                currency=currency,
                terms=_text(tx.billing_terms_xref, customer_export.billing_terms_xref if customer_export else None),
                tax_group=tax_group,
            ),
            lines=lines,
            taxes=tuple(taxes),
            tax_group=tax_group,
            total=header_total * header_sign,
            due_date=_day(tx.due_date),
            terms=_text(tx.billing_terms_xref),
            po_number=_text(tx.purchase_order.name if tx.purchase_order else None),
            manage_type=billing_type,
            control_account=_text(tx.account_number),
        )
    )


def _expense_bill(bill: cw.GLExportExpenseBill, result: Translation) -> None:
    member = bill.member
    member_id = _text(member.identifier if member else None, member.name if member else None)
    vendor = _text(bill.vendor_number)
    gl_ids = ((bill.id,) if bill.id is not None else ()) + tuple(i for d in bill.detail for i in d.id)
    number = _text(bill.document_number, f"EXP-{gl_ids[0] if gl_ids else '?'}")
    source = SourceRef(SourceType.EXPENSE, "expense bill", number, f"expense bill {number} ({member_id})")
    key = f"AP:{vendor}:{number}"
    if not vendor:
        result.issues.append(
            _issue(
                source,
                key,
                "member-vendor-missing",
                "Member.vendorNumber",
                member_id,
                f"member {member_id} has reimbursable expenses but no Vendor Nbr",
                f"In Manage, System > Members > {member_id}: set Vendor Nbr to the member's Sage vendor number.",
            )
        )
    header_total = _amount(bill.total)
    header_sign, line_sign = _orientation(header_total, (_amount(d.total) for d in bill.detail))
    currency = _currency(bill.currency)
    lines = tuple(
        Line(
            account=_text(d.account_number),
            amount=_amount(d.total) * line_sign,
            description=_text(d.memo, d.company.name if d.company else None, "Reimbursable expense"),
            gl_type=(d.gl_type_id or "").upper(),
        )
        for d in bill.detail
    )
    document_date = _day(bill.document_date) or date.min
    result.documents.append(
        PayableDocument(
            key=key,
            kind=DocKind.AP_CREDIT_NOTE if header_sign < 0 else DocKind.AP_INVOICE,
            source=source,
            document_number=number,
            document_date=document_date,
            description=_text(bill.memo, f"Reimbursable expenses {member_id}"),
            currency=currency,
            gl_entry_ids=gl_ids,
            vendor=PartyProfile(
                number=vendor,
                name=_text(member.name if member else None, member_id),
                currency=currency,
                is_member=True,
            ),
            lines=lines,
            total=header_total * header_sign,
            control_account=_text(bill.ap_account_number),
        )
    )


def _expense_journal(expense: cw.GLExportExpense, result: Translation) -> None:
    offset = expense.offset
    gl_ids = tuple(i for i in (expense.id, offset.id if offset else None) if i is not None)
    reference = f"CW-E{gl_ids[0] if gl_ids else '?'}"
    member_id = _text(expense.member.identifier if expense.member else None)
    source = SourceRef(SourceType.EXPENSE, "expense", str(expense.id or ""), f"expense {reference} ({member_id})")
    key = f"GL:{reference}"
    text = _text(expense.memo, expense.description, "Reimbursable expense")
    lines = [JournalLine(_text(expense.account_number), _amount(expense.total), text)]
    if offset is None:
        result.issues.append(
            _issue(
                source,
                key,
                "offset-missing",
                "GLExportExpense.offset",
                "",
                "the expense has no offset (credit) line",
                "Check the expense's GL mapping in Manage.",
            )
        )
    else:
        lines.append(JournalLine(_text(offset.account_number), _amount(offset.total), _text(offset.memo, text)))
    result.documents.append(
        JournalDocument(
            key=key,
            kind=DocKind.GL_JOURNAL,
            source=source,
            document_number=reference,
            document_date=_day(expense.document_date) or date.min,
            description=_text(f"Expense {member_id} {text}"),
            currency=_currency(expense.currency),
            gl_entry_ids=gl_ids,
            lines=tuple(lines),
        )
    )


def _purchase(purchase: cw.GLExportPurchaseTransaction, result: Translation) -> None:
    vendor = _text(purchase.vendor_account_number, purchase.vendor_number)
    number = _text(purchase.vendor_invoice_number, purchase.document_number)
    po_match = _PO_RE.search(purchase.id or "")
    po_number = po_match.group(1).strip() if po_match else ""
    label = f"item receipt {po_number or purchase.id}" + (f" (vendor invoice {number})" if number else "")
    source = SourceRef(SourceType.PROCUREMENT, "item receipt", str(purchase.id or ""), label)
    key = f"AP:{vendor}:{number}"
    if not vendor:
        result.issues.append(
            _issue(
                source,
                key,
                "vendor-xref-missing",
                "Company.vendorIdentifier",
                purchase.company.name if purchase.company else "",
                f"vendor {purchase.company.name if purchase.company else '?'} has no Vendor XRef",
                "In Manage, Company > Finance: set Vendor ID to the Sage vendor number.",
            )
        )
    if not number:
        result.issues.append(
            _issue(
                source,
                key,
                "vendor-invoice-missing",
                "PurchaseOrder.vendorInvoiceNumber",
                "",
                "the receipt has no vendor invoice number (it becomes the Sage document number)",
                "In Manage, enter the vendor invoice number on the purchase order receipt.",
            )
        )
    header_total = _amount(purchase.total)
    amounts = [_amount(d.total) for d in purchase.purchase_detail] + [
        _amount(t.total) for t in purchase.purchase_detail_tax
    ]
    header_sign, line_sign = _orientation(header_total, amounts)
    lines = tuple(
        Line(
            account=_text(d.account_number),
            amount=_amount(d.total) * line_sign,
            # The line's own text first: Manage repeats the receipt's "PO #…" memo on every line.
            description=_text(d.description, d.item_description, d.memo, d.item.identifier if d.item else None),
            quantity=abs(_amount(d.quantity)) if d.quantity is not None else None,
            item=_text(d.item.identifier if d.item else None),
            gl_type=(d.gl_type_id or "").upper(),
        )
        for d in purchase.purchase_detail
    )
    by_agency: dict[str, Decimal] = defaultdict(Decimal)
    accounts: dict[str, str] = {}
    for tax in purchase.purchase_detail_tax:
        agency = _text(tax.tax_agency_xref)
        by_agency[agency] += _amount(tax.total) * line_sign
        accounts.setdefault(agency, _text(tax.account_number))
    # The base is what the tax was computed on: the lines Manage marks taxable (freight and non-taxable items
    # are not), or every line when Manage marks none of them.
    taxable = [line for line, d in zip(lines, purchase.purchase_detail, strict=True) if d.taxable]
    taxable_base = money.total(line.amount for line in taxable or lines)
    taxes = tuple(
        TaxLine(level=i, authority=agency, base=taxable_base, amount=amount, account=accounts[agency])
        for i, (agency, amount) in enumerate(by_agency.items(), start=1)
    )
    tax_group = _text(
        purchase.purchase_header_tax_group,
        *(t.purchase_header_tax_group for t in purchase.purchase_detail_tax),
        *(lvl.tax_code_xref for lvl in purchase.tax_levels),
    )
    gl_ids = tuple(d.id for d in purchase.purchase_detail if d.id is not None) + tuple(
        t.id for t in purchase.purchase_detail_tax if t.id is not None
    )
    currency = _currency(purchase.currency)
    result.documents.append(
        PayableDocument(
            key=key,
            kind=DocKind.AP_CREDIT_NOTE if header_sign < 0 else DocKind.AP_INVOICE,
            source=source,
            document_number=number,
            document_date=_day(purchase.vendor_invoice_date) or _day(purchase.document_date) or date.min,
            description=_text(purchase.description, purchase.memo, f"Receipt {po_number}".strip()),
            currency=currency,
            gl_entry_ids=gl_ids,
            vendor=PartyProfile(
                number=vendor,
                name=_text(purchase.company.name if purchase.company else None, vendor),
                currency=currency,
                terms=_text(purchase.billing_terms_xref),
            ),
            lines=lines,
            taxes=taxes,
            tax_group=tax_group,
            total=header_total * header_sign,
            terms=_text(purchase.billing_terms_xref),
            po_number=po_number,
            control_account=_text(purchase.ap_account_number),
        )
    )


def _adjustment(adj: cw.GLExportAdjustmentTransaction, opts: TranslateOptions, result: Translation) -> None:
    gl_ids = _ints(adj.id)
    reference = f"CW-ADJ-{gl_ids[0] if gl_ids else _text(adj.id)}"
    source = SourceRef(
        SourceType.PROCUREMENT, "inventory adjustment", _text(adj.id), f"inventory adjustment {reference}"
    )
    key = f"IC:{reference}"
    lines = []
    for d in adj.adjustment_detail:
        quantity = _amount(d.quantity)
        sign = -1 if quantity < 0 else 1
        lines.append(
            InventoryLine(
                item=_text(d.item.identifier if d.item else None),
                quantity=quantity,
                cost=abs(_amount(d.total)) * sign,
                location=opts.adjustment_locations.get(_text(adj.id)) or opts.ic_default_location,
                inventory_account=_text(d.inventory_account_number),
                offset_account=_text(d.account_number, d.cost_account_number),
                description=_text(d.memo, d.description),
            )
        )
    result.documents.append(
        InventoryDocument(
            key=key,
            kind=DocKind.IC_ADJUSTMENT,
            source=source,
            document_number=reference,
            document_date=_day(adj.document_date) or date.min,
            description=_text(adj.adjustment_description, adj.memo, "Inventory adjustment"),
            currency="",
            gl_entry_ids=gl_ids,
            lines=tuple(lines),
        )
    )


def _group_transfers(rows: Sequence[cw.GLExportInventoryTransfer]) -> list[list[cw.GLExportInventoryTransfer]]:
    groups: dict[str, list[cw.GLExportInventoryTransfer]] = {}
    for row in rows:
        group_key = str(row.transfer_id) if row.transfer_id is not None else _text(row.id)
        groups.setdefault(group_key, []).append(row)
    return list(groups.values())


def _transfer(rows: list[cw.GLExportInventoryTransfer], result: Translation) -> None:
    first = rows[0]
    transfer_id = str(first.transfer_id) if first.transfer_id is not None else _text(first.id)
    reference = f"CW-TRF-{transfer_id}"
    source = SourceRef(SourceType.PROCUREMENT, "inventory transfer", transfer_id, f"inventory transfer {transfer_id}")
    gl_ids: list[int] = []
    lines = []
    for row in rows:
        for gl_id in (*_ints(row.id), *((row.offset.id,) if row.offset and row.offset.id is not None else ())):
            if gl_id not in gl_ids:
                gl_ids.append(gl_id)
        lines.append(
            InventoryLine(
                item=_text(row.item.identifier if row.item else None),
                quantity=abs(_amount(row.quantity)),
                cost=abs(_amount(row.total)),
                location=_text(row.transfer_to_location_xref, row.location_xref),
                from_location=_text(row.transfer_from_location_xref),
                inventory_account=_text(row.inventory_account_number, row.account_number),
                offset_account=_text(row.offset.account_number if row.offset else None),
                description=_text(row.memo, row.description, row.item_description),
            )
        )
    result.documents.append(
        InventoryDocument(
            key=f"IC:{reference}",
            kind=DocKind.IC_TRANSFER,
            source=source,
            document_number=reference,
            document_date=_day(first.document_date) or date.min,
            # ``memo`` is the transfer's text ("Transfer #913 MAIN to VAN1"); ``description`` is the first item's.
            description=_text(first.memo, f"Inventory transfer {transfer_id}"),
            currency=_currency(first.currency),
            gl_entry_ids=tuple(gl_ids),
            lines=tuple(lines),
        )
    )
