"""The documents cwsage posts, in one canonical shape independent of either API's JSON.

Sign convention: on AR and AP documents every amount is *positive in the document's natural direction*
(revenue on an invoice, expense on a bill; a credit note's lines are positive too — its type says it is a
credit). Journal lines and IC quantities are *signed*: debit / increase positive, credit / decrease
negative. Manage's own convention (header positive, lines negative credits) is undone in exactly one
place, :mod:`cwsage.mapping.from_manage`.

Every document has a ``key`` that is stable across runs (it is built from Manage's document number or
GL entry ids, never from a run id) — the key is what makes "run the same selection twice, post nothing
the second time" possible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from cwsage import money


class DocKind(StrEnum):
    """The kinds of Sage 300 document cwsage creates."""

    AR_INVOICE = "ar_invoice"
    AR_CREDIT_NOTE = "ar_credit_note"
    AP_INVOICE = "ap_invoice"
    AP_CREDIT_NOTE = "ap_credit_note"
    GL_JOURNAL = "gl_journal"
    IC_ADJUSTMENT = "ic_adjustment"
    IC_TRANSFER = "ic_transfer"

    @property
    def label(self) -> str:
        """Human label, e.g. ``AR invoice``."""
        return _LABELS[self]


_LABELS = {
    DocKind.AR_INVOICE: "AR invoice",
    DocKind.AR_CREDIT_NOTE: "AR credit note",
    DocKind.AP_INVOICE: "AP invoice",
    DocKind.AP_CREDIT_NOTE: "AP credit note",
    DocKind.GL_JOURNAL: "GL journal entry",
    DocKind.IC_ADJUSTMENT: "IC adjustment",
    DocKind.IC_TRANSFER: "IC transfer",
}


class SourceType(StrEnum):
    """Which Manage list a document comes from (the guide's three tabs)."""

    INVOICE = "invoice"
    EXPENSE = "expense"
    PROCUREMENT = "procurement"


@dataclass(frozen=True)
class SourceRef:
    """The Manage record a document comes from.

    Attributes:
        source_type: Invoices, expenses or procurement.
        record_type: What Manage calls it (``Standard invoice``, ``expense bill``, ``item receipt`` …).
        record_id: Manage's id for it, as text.
        label: How a bookkeeper would name it, e.g. ``invoice 10234``.
    """

    source_type: SourceType
    record_type: str
    record_id: str
    label: str

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class PartyProfile:
    """What cwsage knows of a customer or vendor from Manage, enough to create it in Sage if asked."""

    number: str
    name: str
    currency: str
    terms: str = ""
    tax_group: str = ""
    is_member: bool = False


@dataclass(frozen=True)
class Line:
    """One distribution line of an AR or AP document (amount positive in the document's direction)."""

    account: str
    amount: Decimal
    description: str
    quantity: Decimal | None = None
    item: str = ""
    taxable_levels: frozenset[int] = frozenset()
    gl_type: str = ""


@dataclass(frozen=True)
class TaxLine:
    """Tax charged at one level of a Manage tax code, kept exactly as Manage computed it."""

    level: int
    authority: str
    base: Decimal
    amount: Decimal
    account: str = ""


@dataclass(frozen=True)
class JournalLine:
    """One line of a GL journal entry: ``amount`` > 0 debits, < 0 credits."""

    account: str
    amount: Decimal
    description: str


@dataclass(frozen=True)
class InventoryLine:
    """One item line of an IC adjustment or transfer.

    Attributes:
        item: Manage item identifier (= Sage IC item number).
        quantity: Signed for adjustments (negative = decrease); positive for transfers.
        cost: Extended cost, signed like ``quantity`` for adjustments.
        location: IC location (Manage warehouse ``locationXref``); for transfers the destination.
        from_location: Transfers only: the source location.
        inventory_account: GL account of the (destination) warehouse's inventory.
        offset_account: Adjustment write-off account, or the source warehouse's inventory for transfers.
        description: Line description.
    """

    item: str
    quantity: Decimal
    cost: Decimal
    location: str
    inventory_account: str
    offset_account: str
    description: str = ""
    from_location: str = ""


@dataclass(frozen=True)
class BaseDocument:
    """What every document has."""

    key: str
    kind: DocKind
    source: SourceRef
    document_number: str
    document_date: date
    description: str
    currency: str
    gl_entry_ids: tuple[int, ...]

    @property
    def label(self) -> str:
        """e.g. ``AR invoice 10234 (invoice 10234)``."""
        return f"{self.kind.label} {self.document_number} ({self.source.label})"


@dataclass(frozen=True)
class TradeDocument(BaseDocument):
    """What AR and AP documents share: distribution lines, tax as Manage computed it, and the total."""

    lines: tuple[Line, ...] = ()
    taxes: tuple[TaxLine, ...] = ()
    tax_group: str = ""
    total: Decimal = money.ZERO
    terms: str = ""
    po_number: str = ""
    control_account: str = ""

    @property
    def computed_total(self) -> Decimal:
        """Lines plus taxes: must equal :attr:`total` to the cent."""
        return money.total(line.amount for line in self.lines) + money.total(t.amount for t in self.taxes)


@dataclass(frozen=True)
class ReceivableDocument(TradeDocument):
    """An AR invoice or credit note."""

    customer: PartyProfile = field(default_factory=lambda: PartyProfile("", "", ""))
    due_date: date | None = None
    manage_type: str = ""


@dataclass(frozen=True)
class PayableDocument(TradeDocument):
    """An AP invoice (an expense bill to a member's vendor, or an item receipt) or, when Manage's total is
    negative (a returned purchase, a refunded expense), an AP credit note with positive lines."""

    vendor: PartyProfile = field(default_factory=lambda: PartyProfile("", "", ""))


@dataclass(frozen=True)
class JournalDocument(BaseDocument):
    """A GL journal entry (expenses without "Transfer Expense as Bill", or inventory without IC)."""

    lines: tuple[JournalLine, ...] = ()

    @property
    def imbalance(self) -> Decimal:
        """Debits minus credits; zero when the entry balances."""
        return money.imbalance((line.amount for line in self.lines), self.currency)


@dataclass(frozen=True)
class InventoryDocument(BaseDocument):
    """An IC adjustment or IC transfer (posted as a balanced journal entry when Sage has no IC)."""

    lines: tuple[InventoryLine, ...] = ()

    def as_journal_lines(self) -> tuple[JournalLine, ...]:
        """The balanced GL equivalent: inventory debited/credited against the offset account."""
        result: list[JournalLine] = []
        for line in self.lines:
            text = line.description or f"{line.item} x {line.quantity}"
            result.append(JournalLine(line.inventory_account, line.cost, text))
            result.append(JournalLine(line.offset_account, -line.cost, text))
        return tuple(result)


Document = ReceivableDocument | PayableDocument | JournalDocument | InventoryDocument
"""Any document cwsage may post."""
