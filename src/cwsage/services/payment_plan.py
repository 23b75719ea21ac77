"""The settlement rule of Update Invoice Payments, as pure functions over data already read.

Why a module of its own (issue 12): the rule is arithmetic on what Sage 300 and Manage show, and it used to call
Manage in the middle of that arithmetic. Here it takes the Sage posted AR documents, the Manage invoices and (where
they were read) their payment rows, and says what to change — no requests, no clock, no state store — so every
case can be tested without HTTP. :mod:`cwsage.services.payments` reads, applies the writes and records the outcome.

The rule: Manage keeps one payment row per invoice that holds the *cumulative* amount Sage shows as paid (original
amount minus amount due — receipts and applied credit notes alike). Manage's own credits (credit memos applied in
Manage) and any further payment rows (entered by hand) already count as settled there, so cwsage's row (the first,
lowest id) holds only the rest: Manage's balance ends equal to Sage's amount due, and no credit is counted twice.
Credit notes are listed (their applications show on the invoices), never paid; receipts, prepayments and other AR
document types are not payment targets.

Payment rows cost one request per invoice (Manage's reference has no bulk read of them), so the plan decides from
Manage's invoice totals (``payments``, ``credits``, from the bulk invoice listing) where they suffice: nothing
settled in Manage means no rows; totals that already equal what Sage shows paid mean nothing to change. Otherwise
the step is undecided (``action is None``) until the rows are read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from cwsage import money
from cwsage.connectwise.models import Invoice, InvoicePayment
from cwsage.sage300.models import ARPostedDocument
from cwsage.sage300.vocabulary import PostedDocumentType


class PaymentAction(StrEnum):
    """What the sync did (or would do) for one invoice, as a stable machine code (the words: ``cwsage.render``)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    NOTHING_PAID = "nothing_paid"
    MISSING_IN_MANAGE = "missing_in_manage"
    CREDIT_NOTE = "credit_note"
    OVERPAID = "overpaid"
    MISMATCH = "mismatch"
    FAILED = "failed"


ERROR_ACTIONS = frozenset(
    {PaymentAction.MISSING_IN_MANAGE, PaymentAction.OVERPAID, PaymentAction.MISMATCH, PaymentAction.FAILED}
)
"""Outcomes that need someone's attention (exit code 3; looked at again by the next ``last-run`` sync)."""


def _normal(name: str) -> str:
    return name.replace(" ", "").replace("_", "").lower()


PAYMENT_TARGET_TYPES = frozenset(_normal(t) for t in (PostedDocumentType.INVOICE, PostedDocumentType.DEBIT_NOTE))
"""Sage AR document types whose payments are synced (I17 names, compared without case and spaces)."""
CREDIT_NOTE_TYPES = frozenset({_normal(PostedDocumentType.CREDIT_NOTE)})
"""Sage AR document types listed as credit notes (their applications show on the invoices)."""


def document_kind(doc: ARPostedDocument) -> str:
    """``invoice``, ``credit`` or ``other`` (receipts, prepayments, interest … — not payment targets)."""
    name = _normal(doc.document_type or "")
    if name in PAYMENT_TARGET_TYPES:
        return "invoice"
    if name in CREDIT_NOTE_TYPES:
        return "credit"
    return "other"


@dataclass(frozen=True)
class PaymentWrite:
    """One write to Manage: create cwsage's payment row (``payment_id`` is ``None``) or set its amount and date."""

    invoice_id: int
    amount: Decimal
    payment_date: date
    payment_id: int | None = None
    previous: Decimal = money.ZERO
    """The row's amount before an update."""

    @property
    def creates(self) -> bool:
        """Whether the write creates the row (``POST``) rather than updating it (``PATCH``)."""
        return self.payment_id is None


@dataclass(frozen=True)
class PaymentStep:
    """What the plan says for one Sage document, with the numbers it decided on."""

    document_number: str
    customer: str
    action: PaymentAction | None
    """``None``: Manage's totals differ from what Sage shows paid; the invoice's payment rows decide."""
    paid: Decimal = money.ZERO
    """What Sage shows settled (original amount minus amount due)."""
    total: Decimal = money.ZERO
    """The invoice total (Manage's when the invoice is there, else Sage's original amount)."""
    date_paid: date | None = None
    """Sage's paid-in-full date (only when fully paid)."""
    invoice_id: int | None = None
    write: PaymentWrite | None = None
    credits: Decimal = money.ZERO
    """Manage's credits on the invoice (credit memos applied in Manage)."""
    others: Decimal = money.ZERO
    """The amount of the invoice's other payment rows (not cwsage's)."""
    other_rows: int = 0
    settled: Decimal = money.ZERO
    """What Manage already shows settled (for a mismatch)."""
    rows_read: bool = False
    """Whether the decision saw the payment rows (otherwise it rests on Manage's invoice totals)."""
    problem: str = ""
    """Why the step failed (``FAILED``)."""

    @property
    def needs_rows(self) -> bool:
        """The payment rows must be read (and the step settled again) before anything is decided."""
        return self.action is None


def settle(
    doc: ARPostedDocument,
    invoice: Invoice | None,
    rows: Sequence[InvoicePayment] | None,
    *,
    today: date,
) -> PaymentStep:
    """The step for one Sage document.

    Args:
        doc: The posted AR document as Sage 300 shows it.
        invoice: The Manage invoice with its number (``None``: Manage has none; ignored for credit notes).
        rows: The invoice's payment rows, or ``None`` when they were not read (the invoice totals decide where
            they can, see the module docstring).
        today: The payment date when Sage gives no date for the document at all.

    Returns:
        The step; its ``write`` is what to send to Manage (``None``: nothing).
    """
    number, customer = doc.document_number, doc.customer_number
    if doc.customer_currency_invoice_amount is None or doc.customer_currency_amount_due is None:
        # Never read a missing amount as zero: that would silently record "nothing paid".
        return PaymentStep(
            number,
            customer,
            PaymentAction.FAILED,
            problem="Sage 300 sent no invoice amount or amount due for it (CustomerCurrencyInvoiceAmount, "
            "CustomerCurrencyAmountDue); nothing changed",
        )
    original = abs(doc.customer_currency_invoice_amount)
    paid = money.quantize(original - abs(doc.customer_currency_amount_due), doc.currency_code)
    date_paid = doc.date_paid if doc.is_fully_paid else None
    base = PaymentStep(number, customer, PaymentAction.UNCHANGED, paid, original, date_paid)
    if document_kind(doc) == "credit":
        return replace(base, action=PaymentAction.CREDIT_NOTE)
    if invoice is None or invoice.id is None:
        return replace(base, action=PaymentAction.MISSING_IN_MANAGE)
    total = invoice.total if invoice.total is not None else original
    credits = invoice.credits or money.ZERO
    base = replace(base, total=total, invoice_id=invoice.id, credits=credits)
    if paid > total:
        return replace(base, action=PaymentAction.OVERPAID)
    when = date_paid or doc.last_activity_date or doc.posting_date or doc.document_date or today
    if rows is None:
        settled_in_manage = invoice.payments != 0 or bool(invoice.credits)  # None: unknown, so maybe
        if not settled_in_manage:
            # Nothing settled in Manage: no payment rows to read.
            return _against_rows(base, invoice.id, (), when, read=False)
        if invoice.payments is not None and invoice.payments + credits == paid:
            # Manage's balance already equals Sage's amount due: nothing to change, no rows to read.
            return base
        return replace(base, action=None)
    return _against_rows(base, invoice.id, rows, when, read=True)


def _against_rows(
    base: PaymentStep, invoice_id: int, rows: Sequence[InvoicePayment], when: date, *, read: bool
) -> PaymentStep:
    """Create, update or leave alone cwsage's row (the lowest id) so that Manage shows ``base.paid`` settled."""
    ordered = sorted(rows, key=lambda p: (p.id is None, p.id or 0))
    others = sum((p.amount or money.ZERO for p in ordered[1:]), money.ZERO)
    base = replace(base, others=others, other_rows=max(len(ordered) - 1, 0), rows_read=read)
    target = base.paid - base.credits - others
    current = ordered[0] if ordered else None
    current_amount = (current.amount or money.ZERO) if current else money.ZERO
    if target < 0 or (target == 0 and current_amount > 0):
        return replace(base, action=PaymentAction.MISMATCH, settled=base.credits + others + current_amount)
    if current is None:
        if target == 0:
            return replace(base, action=PaymentAction.NOTHING_PAID if base.paid == 0 else PaymentAction.UNCHANGED)
        return replace(base, action=PaymentAction.CREATED, write=PaymentWrite(invoice_id, target, when))
    same_date = current.payment_date is not None and current.payment_date.date() == when
    if current_amount == target and same_date:
        return base
    if current.id is None:
        return replace(
            base,
            action=PaymentAction.FAILED,
            problem="Manage sent its payment row without an id, so it cannot be updated; nothing changed",
        )
    write = PaymentWrite(invoice_id, target, when, payment_id=current.id, previous=current_amount)
    return replace(base, action=PaymentAction.UPDATED, write=write)


def plan_payments(
    documents: Iterable[ARPostedDocument],
    invoices: Mapping[str, Invoice],
    payments: Mapping[int, Sequence[InvoicePayment]],
    *,
    today: date,
) -> list[PaymentStep]:
    """The payment changes that make Manage show what Sage 300 shows paid.

    Args:
        documents: Sage's posted AR documents (receipts and other non-invoice documents are left out).
        invoices: Manage's invoices by invoice number.
        payments: The payment rows of the Manage invoices (by invoice id) that were read; for the others the
            invoice totals decide where they can (see the module docstring).
        today: The payment date when Sage gives no date for a document at all.

    Returns:
        One step per invoice or credit note, in the order of ``documents``.
    """
    steps = []
    for doc in documents:
        kind = document_kind(doc)
        if kind == "other":
            continue
        invoice = invoices.get(doc.document_number) if kind == "invoice" else None
        rows = payments.get(invoice.id) if invoice is not None and invoice.id is not None else None
        steps.append(settle(doc, invoice, rows, today=today))
    return steps


def describe(step: PaymentStep, *, preview: bool = False) -> str:
    """The step's detail for people (the table's and the web page's message; ``--json`` ``message``)."""
    action = step.action
    parts = []
    if step.credits:
        parts.append(f"{step.credits} of credits in Manage")
    if step.others:
        parts.append(f"{step.other_rows} other payment record(s) of {step.others}")
    context = f" (besides {' and '.join(parts)})" if parts else ""
    note = " (preview)" if preview else ""
    if action is PaymentAction.FAILED:
        return step.problem
    if action is PaymentAction.CREDIT_NOTE:
        return f"{step.paid} of it applied in Sage 300" if step.paid else ""
    if action is PaymentAction.MISSING_IN_MANAGE:
        return f"Sage 300 has {step.document_number} for {step.customer}, but Manage has no invoice with that number"
    if action is PaymentAction.OVERPAID:
        return (
            f"Sage shows {step.paid} paid on an invoice of {step.total} in Manage; nothing recorded — "
            "check the invoice amounts in both systems"
        )
    if action is PaymentAction.MISMATCH:
        return (
            f"Sage 300 shows {step.paid} settled, Manage already shows {step.settled}{context}; "
            "nothing changed — correct the payments or credits in Manage"
        )
    write = step.write
    if action is PaymentAction.CREATED and write is not None:
        return f"{write.amount} recorded{context}{note}"
    if action is PaymentAction.UPDATED and write is not None:
        change = (
            f"{write.previous} → {write.amount}"
            if write.previous != write.amount
            else f"date {write.payment_date.isoformat()}"
        )
        return f"{change}{context}{note}"
    return context.strip(" ()")
