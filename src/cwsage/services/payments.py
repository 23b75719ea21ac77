"""Update Invoice Payments: bring paid amounts and paid-in-full dates from Sage 300 back to Manage.

How it stays idempotent: Manage keeps one payment record per invoice that holds the *cumulative* amount
Sage shows as paid (original amount minus amount due — receipts and applied credit notes alike). A sync
computes the amount Manage should show and creates, updates or leaves alone that one record; running it
twice changes nothing the second time, and a sync that failed half-way is simply run again (nothing is
added twice because nothing is ever added, only set). The "last successful run" watermark (per user and
computer) moves only when a sync finished without errors, and then to the time the sync *started*, so
that activity during the sync is picked up next time.

Which Sage documents count: invoices and debit notes are payment targets; credit notes are listed (their
applications show on the invoices they were applied to, Manage takes no payment on a credit memo); receipts,
prepayments and every other AR document type are not invoices and are ignored. Manage's ``credits`` on an
invoice (credit memos applied in Manage) and payment rows someone else entered are part of what Manage
already shows as settled, so cwsage's row holds only the rest: Manage's balance ends equal to Sage's amount
due, never counting a credit twice.
"""

from __future__ import annotations

import getpass
import logging
import socket
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from cwsage import money
from cwsage.connectwise.client import ManageClient
from cwsage.connectwise.models import Invoice, InvoicePayment
from cwsage.dates import Clock, DateParseError, SystemClock, parse_date, same_day_previous_month
from cwsage.errors import AmbiguousOutcome, ConfigurationError, CwsageError
from cwsage.sage300.client import Sage300Client
from cwsage.sage300.models import ARPostedDocument
from cwsage.sage300.vocabulary import PostedDocumentType
from cwsage.services.locks import write_lock
from cwsage.services.progress import Progress, SilentProgress
from cwsage.state.store import RunRecord, RunStatus, StateStore

log = logging.getLogger("cwsage.payments")

WATERMARK_SCOPE = "payment-sync"
SYNC_RUN_KIND = "sync-payments"
"""Each sync is recorded as a run (``cwsage history`` lists it) whose summary keeps the invoices that still
need attention, so that the next ``last-run`` sync looks at them again."""
SINCE_CHOICES = ("last-run", "past-week", "past-two-weeks", "past-month")


class PaymentAction(StrEnum):
    """What the sync did (or would do) for one invoice."""

    CREATED = "payment recorded"
    UPDATED = "payment updated"
    UNCHANGED = "already up to date"
    NOTHING_PAID = "nothing paid yet"
    MISSING_IN_MANAGE = "not found in Manage"
    CREDIT_NOTE = "credit note (its applications show on the invoices)"
    OVERPAID = "Sage shows more paid than the invoice total"
    MISMATCH = "Manage shows more settled than Sage"
    FAILED = "failed"


ERROR_ACTIONS = frozenset(
    {PaymentAction.MISSING_IN_MANAGE, PaymentAction.OVERPAID, PaymentAction.MISMATCH, PaymentAction.FAILED}
)


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


@dataclass
class PaymentRow:
    """The outcome for one Sage document."""

    document_number: str
    customer: str
    action: PaymentAction
    paid: Decimal = money.ZERO
    total: Decimal = money.ZERO
    date_paid: date | None = None
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "invoice": self.document_number,
            "customer": self.customer,
            "action": str(self.action),
            "action_code": self.action.name.lower(),
            "paid": self.paid,
            "total": self.total,
            "date_paid": self.date_paid.isoformat() if self.date_paid else None,
            "message": self.message,
        }


@dataclass
class SyncResult:
    """Everything a payment sync has to say."""

    since: date
    dry_run: bool
    rows: list[PaymentRow] = field(default_factory=list)
    watermark_moved: bool = False
    error: str | None = None
    ignored: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    """What Sage sent that cwsage kept but could not interpret (enum members it does not know)."""
    failure: CwsageError | None = None
    """The error that stopped the sync (``error`` is its readable paragraph), kept for ``--json``."""

    @property
    def exit_code(self) -> int:
        """0 all good; 3 some invoices could not be synced; 1 the sync stopped."""
        if self.error:
            return 1
        return 3 if any(row.action in ERROR_ACTIONS for row in self.rows) else 0

    def counts(self) -> dict[str, int]:
        """Invoices per action."""
        result: dict[str, int] = {}
        for row in self.rows:
            result[str(row.action)] = result.get(str(row.action), 0) + 1
        return result

    def as_dict(self) -> dict[str, Any]:
        """The ``--json`` object."""
        return {
            "since": self.since.isoformat(),
            "dry_run": self.dry_run,
            "exit_code": self.exit_code,
            "error": self.error,
            "watermark_moved": self.watermark_moved,
            "counts": self.counts(),
            "ignored_documents": self.ignored,
            "invoices": [row.as_dict() for row in self.rows],
            "requests": self.requests,
            "warnings": self.warnings,
        }


def who_and_where() -> tuple[str, str]:
    """The user and computer a "last successful run" belongs to."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return user, socket.gethostname()


def start_date(since: str, store: StateStore, clock: Clock, user: str, machine: str) -> date:
    """The guide's start-date options: last run, past week, past two weeks, past month, or a date."""
    today = clock.now().date()
    choice = since.strip().lower()
    if choice == "last-run":
        mark = store.get_watermark(WATERMARK_SCOPE, user, machine)
        if mark is None:
            raise ConfigurationError(
                f"there is no successful payment sync yet by {user} on {machine}",
                hint="Choose a start date for the first sync: --since past-month (or past-week, or a date).",
            )
        return mark.date()
    if choice == "past-week":
        return today - timedelta(days=7)
    if choice == "past-two-weeks":
        return today - timedelta(days=14)
    if choice == "past-month":
        return same_day_previous_month(today)
    try:
        return parse_date(since)
    except DateParseError as exc:
        raise ConfigurationError(
            f"--since {since!r} is not a date or one of {', '.join(SINCE_CHOICES)}",
            hint="Use e.g. --since past-week or --since 2026-11-01.",
        ) from exc


def sync_payments(
    manage: ManageClient,
    sage: Sage300Client,
    store: StateStore,
    since: str,
    *,
    dry_run: bool = False,
    clock: Clock | None = None,
    progress: Progress | None = None,
) -> SyncResult:
    """Synchronise payments of the AR documents that changed in Sage since the start date.

    Args:
        manage: Manage client.
        sage: Sage 300 client.
        store: State store (for the watermark).
        since: ``last-run``, ``past-week``, ``past-two-weeks``, ``past-month`` or a date.
        dry_run: Compute and report, change nothing (not even the watermark).
        clock: Injectable clock (tests).
        progress: Progress sink.

    Returns:
        One row per Sage document, and whether the watermark moved.
    """
    clock = clock or SystemClock()
    progress = progress or SilentProgress()
    user, machine = who_and_where()
    actor = f"{user}@{machine}"
    started = clock.now()
    start = start_date(since, store, clock, user, machine)
    if dry_run:
        return _sync(manage, sage, store, start, None, actor=(user, machine), started=started, progress=progress)
    # The lock comes first: a refused sync leaves no run behind.
    run_id = str(uuid.uuid4())
    with write_lock(store, run_id, manage.company, sage.company):
        run = store.create_run(
            kind=SYNC_RUN_KIND,
            batch_number=None,
            options={"since": since, "start": start.isoformat()},
            actor=actor,
            run_id=run_id,
        )
        return _sync(manage, sage, store, start, run, actor=(user, machine), started=started, progress=progress)


def _sync(
    manage: ManageClient,
    sage: Sage300Client,
    store: StateStore,
    start: date,
    run: RunRecord | None,
    *,
    actor: tuple[str, str],
    started: datetime,
    progress: Progress,
) -> SyncResult:
    """Read what changed in Sage, settle each invoice's payments in Manage, move the watermark, finish ``run``.

    Without ``run`` it is a preview (``--dry-run``): nothing is written anywhere.
    """
    user, machine = actor
    dry_run = run is None
    result = SyncResult(since=start, dry_run=dry_run)
    pending = _needing_attention(store, f"{user}@{machine}")
    try:
        progress.stage(f"Reading AR documents changed in Sage 300 since {start.isoformat()}")
        everything = {d.document_number: d for d in sage.posted_ar_documents(changed_since=start)}
        if pending:
            # Invoices a previous sync could not settle come back even if nothing changed for them in Sage.
            for doc in sage.posted_ar_documents(document_numbers=sorted(pending - set(everything))):
                everything.setdefault(doc.document_number, doc)
        documents = [d for d in everything.values() if document_kind(d) != "other"]
        result.ignored = len(everything) - len(documents)
        invoices = manage.find_invoices_by_number(d.document_number for d in documents if document_kind(d) == "invoice")
        progress.stage("Updating payments in Manage", len(documents))
        for document in documents:
            row = _sync_one(manage, document, invoices.get(document.document_number), dry_run, started.date())
            result.rows.append(row)
            progress.advance()
    except CwsageError as exc:
        result.error = exc.paragraph()
        result.failure = exc
        log.warning("payment sync stopped: %s", exc)
    failed = any(row.action is PaymentAction.FAILED for row in result.rows)
    if not dry_run and result.error is None and not failed:
        store.set_watermark(WATERMARK_SCOPE, user, machine, started)
        result.watermark_moved = True
    result.requests = {"manage": manage.stats.total, "sage": sage.stats.total}
    result.warnings = list(sage.warnings)
    if run is not None:
        attention = sorted(row.document_number for row in result.rows if row.action in ERROR_ACTIONS)
        status = (
            RunStatus.FAILED if result.error or failed else (RunStatus.PARTIAL if attention else RunStatus.SUCCEEDED)
        )
        store.finish_run(
            run.id,
            status,
            {"counts": result.counts(), "attention": attention, "watermark_moved": result.watermark_moved},
        )
    return result


def _needing_attention(store: StateStore, actor: str) -> set[str]:
    """Invoices the last syncs by this user on this computer reported as needing attention.

    A failed sync may have stopped before it reached them, so its list is added to the one before it.
    """
    pending: set[str] = set()
    for run in store.find_runs(kind=SYNC_RUN_KIND):
        if run.actor != actor or run.status is RunStatus.RUNNING:
            continue
        pending.update(run.summary.get("attention") or ())
        if run.status is not RunStatus.FAILED:
            break
    return pending


def _sync_one(
    manage: ManageClient, doc: ARPostedDocument, invoice: Invoice | None, dry_run: bool, today: date
) -> PaymentRow:
    number = doc.document_number
    if doc.customer_currency_invoice_amount is None or doc.customer_currency_amount_due is None:
        # Never read a missing amount as zero: that would silently record "nothing paid".
        return PaymentRow(
            number,
            doc.customer_number,
            PaymentAction.FAILED,
            message="Sage 300 sent no invoice amount or amount due for it (CustomerCurrencyInvoiceAmount, "
            "CustomerCurrencyAmountDue); nothing changed",
        )
    original = abs(doc.customer_currency_invoice_amount)
    due = abs(doc.customer_currency_amount_due)
    paid = money.quantize(original - due, doc.currency_code)
    date_paid = doc.date_paid if doc.is_fully_paid else None
    row = PaymentRow(number, doc.customer_number, PaymentAction.UNCHANGED, paid, original, date_paid)
    if document_kind(doc) == "credit":
        row.action = PaymentAction.CREDIT_NOTE
        if row.paid:
            row.message = f"{row.paid} of it applied in Sage 300"
        return row
    if invoice is None or invoice.id is None:
        row.action = PaymentAction.MISSING_IN_MANAGE
        row.message = f"Sage 300 has {number} for {doc.customer_number}, but Manage has no invoice with that number"
        return row
    invoice_total = invoice.total if invoice.total is not None else original
    row.total = invoice_total
    if paid > invoice_total:
        row.action = PaymentAction.OVERPAID
        row.message = (
            f"Sage shows {paid} paid on an invoice of {invoice_total} in Manage; nothing recorded — "
            "check the invoice amounts in both systems"
        )
        return row
    settled_in_manage = invoice.payments != 0 or bool(invoice.credits)  # Manage's own totals (None: unknown)
    if paid == 0 and not settled_in_manage:
        # Nothing paid in Sage and nothing settled in Manage: no row to read or write.
        row.action = PaymentAction.NOTHING_PAID
        return row
    payment_date = date_paid or doc.last_activity_date or doc.posting_date or doc.document_date or today
    try:
        # Read just before writing (another writer may have written since the totals above were read).
        existing = manage.invoice_payments(invoice.id)
        row.action, row.message = _apply(manage, invoice, existing, paid, payment_date, dry_run)
    except CwsageError as exc:
        row.action = PaymentAction.FAILED
        row.message = exc.user_message
    return row


def _apply(
    manage: ManageClient,
    invoice: Invoice,
    existing: list[InvoicePayment],
    paid: Decimal,
    when: date,
    dry_run: bool,
) -> tuple[PaymentAction, str]:
    """Create, update or leave alone the one payment row so that Manage shows ``paid`` settled.

    Manage's own credits (credit memos applied in Manage) and any further payment rows (entered by hand)
    already count as settled there, so cwsage's row (the first one) holds only the rest.
    """
    assert invoice.id is not None
    note = " (preview)" if dry_run else ""
    credits = invoice.credits or money.ZERO
    others = sum((p.amount or money.ZERO for p in existing[1:]), money.ZERO)
    elsewhere = credits + others
    target = paid - elsewhere
    parts = []
    if credits:
        parts.append(f"{credits} of credits in Manage")
    if others:
        parts.append(f"{len(existing) - 1} other payment record(s) of {others}")
    context = f" (besides {' and '.join(parts)})" if parts else ""
    current = existing[0] if existing else None
    current_amount = (current.amount or money.ZERO) if current else money.ZERO
    if target < 0 or (target == 0 and current_amount > 0):
        return PaymentAction.MISMATCH, (
            f"Sage 300 shows {paid} settled, Manage already shows {elsewhere + current_amount}{context}; "
            "nothing changed — correct the payments or credits in Manage"
        )
    if current is None:
        if target == 0:
            return (PaymentAction.NOTHING_PAID if paid == 0 else PaymentAction.UNCHANGED), context.strip(" ()")
        if not dry_run:
            _create(manage, invoice.id, existing, target, when)
        return PaymentAction.CREATED, f"{target} recorded{context}{note}"
    same_date = current.payment_date is not None and current.payment_date.date() == when
    if current_amount == target and same_date:
        return PaymentAction.UNCHANGED, context.strip(" ()")
    if not dry_run:
        assert current.id is not None
        manage.update_payment(invoice.id, current.id, amount=target, payment_date=when)
    change = f"{current_amount} → {target}" if current_amount != target else f"date {when.isoformat()}"
    return PaymentAction.UPDATED, f"{change}{context}{note}"


def _create(manage: ManageClient, invoice_id: int, before: list[InvoicePayment], amount: Decimal, when: date) -> None:
    """POST the payment row, then converge with any other writer of the same moment.

    After an unclear answer, look before concluding anything (never post twice). After the write, read the
    rows again: rows that were not there before (``before``) and carry the same amount and date were written
    for this settlement — ours, and any that another cwsage (another machine, its own state store) wrote at the
    same moment. The lowest payment id stays and the others are deleted; every writer applies the same rule, so
    the end state holds the payment once whichever finishes first.
    """
    try:
        manage.create_payment(invoice_id, amount=amount, payment_date=when)
    except AmbiguousOutcome:
        landed = manage.invoice_payments(invoice_id)
        if not any((p.amount or money.ZERO) == amount for p in landed):
            raise
        log.info("payment on invoice id %s landed despite the unclear answer", invoice_id)
    known = {p.id for p in before}
    twins = sorted(
        p.id
        for p in manage.invoice_payments(invoice_id)
        if p.id is not None
        and p.id not in known
        and (p.amount or money.ZERO) == amount
        and p.payment_date is not None
        and p.payment_date.date() == when
    )
    for duplicate in twins[1:]:
        if manage.delete_payment(invoice_id, duplicate):
            log.warning(
                "payment %s on invoice id %s duplicated one another writer made at the same moment; deleted it "
                "(payment %s stays)",
                duplicate,
                invoice_id,
                twins[0],
            )
