"""Typed values for export records cwsage could not read: which record, which field, which value.

Why a module of its own: one malformed record of Manage's ``GLExport`` (a ``NaN`` total, a text total, a bad
date, a string where an object belongs, a non-numeric id or quantity) used to make the whole export unreadable
and stop every good document with it (issue 13, finding 4). Now :func:`cwsage.connectwise.export.parse_export`
reads each record on its own; a record that cannot be read becomes an :class:`UnreadableRecord` carried by the
:class:`cwsage.connectwise.models.GLExport` beside the records that could be read. It holds only typed values —
the record kind, the identifying fields that *could* be read, and each field problem — never the raw dict, so
no Manage JSON leaves :mod:`cwsage.connectwise`. The mapping turns each one into an invalid document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class RecordKind(StrEnum):
    """The record lists of a ``GLExport``; each value is the list's JSON name."""

    CUSTOMER = "customers"
    VENDOR = "vendors"
    INVOICE = "transactions"
    EXPENSE = "expenses"
    EXPENSE_BILL = "expenseBills"
    PURCHASE = "purchaseTransactions"
    ADJUSTMENT = "adjustmentTransactions"
    TRANSFER = "inventoryTransfers"

    @property
    def noun(self) -> str:
        """What a bookkeeper calls one record of the list, e.g. ``invoice``, ``item receipt``."""
        return _NOUNS[self]

    @property
    def is_document(self) -> bool:
        """Whether records of this kind become documents (customers and vendors are master data)."""
        return self not in (RecordKind.CUSTOMER, RecordKind.VENDOR)


_NOUNS = {
    RecordKind.CUSTOMER: "customer",
    RecordKind.VENDOR: "vendor",
    RecordKind.INVOICE: "invoice",
    RecordKind.EXPENSE: "expense",
    RecordKind.EXPENSE_BILL: "expense bill",
    RecordKind.PURCHASE: "item receipt",
    RecordKind.ADJUSTMENT: "inventory adjustment",
    RecordKind.TRANSFER: "inventory transfer",
}


@dataclass(frozen=True)
class RecordIdentity:
    """The identifying fields of an unreadable record that could still be read (``""`` where they could not).

    Attributes:
        record_id: ``id`` as text (GL entry id, or the descriptive id of receipts, adjustments and transfers).
        document_number: ``documentNumber`` (the invoice number of an invoice).
        billing_type: ``billingType`` of an invoice (``CreditMemo`` …).
        account_number: The customer's account: ``companyAccountNumber`` of an invoice, ``accountNumber`` of a
            customer record.
        vendor_number: ``vendorAccountNumber`` or ``vendorNumber`` (the Sage vendor).
        vendor_invoice_number: ``vendorInvoiceNumber`` of an item receipt.
        transfer_id: ``transferId`` of an inventory transfer line.
        member: ``member.identifier`` of an expense or expense bill.
        company: ``company.name`` (or ``vendor.name``), for messages.
        document_date: ``documentDate`` when it can be read.
    """

    record_id: str = ""
    document_number: str = ""
    billing_type: str = ""
    account_number: str = ""
    vendor_number: str = ""
    vendor_invoice_number: str = ""
    transfer_id: str = ""
    member: str = ""
    company: str = ""
    document_date: date | None = None


@dataclass(frozen=True)
class FieldProblem:
    """One field of a record that could not be read.

    Attributes:
        field: The field's path inside the record, in Manage's names (``detail[2].total``); ``""`` when the
            record itself is not an object.
        value: The value Manage sent, shortened for a message (``'NaN'``, ``'12,50'``).
        expected: What the field must hold (``a number``, ``a date``, ``an object``, ``one of Agreement, …``).
        reason: The reader's own words on why the value was refused.
    """

    field: str
    value: str
    expected: str
    reason: str


@dataclass(frozen=True)
class UnreadableRecord:
    """A record of the export that could not be read; the others were read as usual.

    Attributes:
        kind: Which list of the export it came from.
        position: Its index in that list (0-based; ``-1`` when the list itself was not a list).
        identity: What could still be read of its identifying fields.
        problems: Every field that could not be read (at least one).
    """

    kind: RecordKind
    position: int
    identity: RecordIdentity
    problems: tuple[FieldProblem, ...]

    @property
    def label(self) -> str:
        """How a bookkeeper would name it, e.g. ``invoice 10234`` or ``item receipt PO #2041, Packing Slip: 1``."""
        ident = self.identity
        name = (
            ident.document_number
            or ident.vendor_invoice_number
            or (ident.transfer_id if self.kind is RecordKind.TRANSFER else "")
            or ident.record_id
            or ident.account_number
            or ident.vendor_number
        )
        if name:
            return f"{self.kind.noun} {name}"
        where = f"record {self.position + 1} of {self.kind.value}" if self.position >= 0 else self.kind.value
        return f"{self.kind.noun} ({where}; its number could not be read)"
