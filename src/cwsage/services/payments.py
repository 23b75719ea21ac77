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

Plan, then execute (issue 12): the rule itself is pure (:mod:`cwsage.services.payment_plan`); this module reads
what it needs (Sage's changed documents, Manage's invoices by number), asks the plan, reads an invoice's payment
rows just before writing to it (two machines syncing at once converge on what they read then), writes, and records
the outcome. Invoices whose Manage totals already agree with Sage cost no request beyond the invoice listing.

In groups (issue 14): an invoice to write costs three requests — its rows before, the write, its rows after (the
twin check) — and Manage has no bulk read of payment rows. The reads of :data:`GROUP` invoices do not depend on each
other, so they go a few at a time (:func:`cwsage.concurrency.read_all`): the group's rows before, then each write in
plan order in this thread, then the rows after of the invoices that got a new row. The write is still decided on
rows read a moment before it (a group is a fraction of a second at real latency, not minutes), and one invoice's
failure fails that invoice alone.
"""

from __future__ import annotations

import getpass
import logging
import socket
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, Final

from cwsage import money
from cwsage.concurrency import read_all
from cwsage.connectwise.client import ManageClient
from cwsage.connectwise.models import Invoice, InvoicePayment
from cwsage.dates import Clock, DateParseError, SystemClock, parse_date, same_day_previous_month
from cwsage.errors import AmbiguousOutcome, ConfigurationError, CwsageError, RemoteRejection
from cwsage.sage300.client import Sage300Client
from cwsage.sage300.models import ARPostedDocument
from cwsage.services.locks import write_lock
from cwsage.services.payment_plan import (
    ERROR_ACTIONS,
    PaymentAction,
    PaymentStep,
    PaymentWrite,
    describe,
    document_kind,
    plan_payments,
    settle,
)
from cwsage.services.progress import Progress, SilentProgress
from cwsage.state.store import RunRecord, RunStatus, StateStore

log = logging.getLogger("cwsage.payments")

WATERMARK_SCOPE = "payment-sync"
SYNC_RUN_KIND = "sync-payments"
"""Each sync is recorded as a run (``cwsage history`` lists it) whose summary keeps the invoices that still
need attention, so that the next ``last-run`` sync looks at them again."""
SINCE_CHOICES = ("last-run", "past-week", "past-two-weeks", "past-month")
GROUP: Final = 16
"""Invoices to write whose payment rows are read together (four rounds of the read pool) before each is written."""


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

    @classmethod
    def of(cls, step: PaymentStep, *, preview: bool) -> PaymentRow:
        """The outcome a settled plan step reports."""
        if step.action is None:
            raise ValueError(f"{step.document_number}: a step still waiting for its payment rows has no outcome")
        return cls(
            step.document_number,
            step.customer,
            step.action,
            step.paid,
            step.total,
            step.date_paid,
            describe(step, preview=preview),
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (``action`` is a machine code; ``action_code`` is the same code, kept for old scripts)."""
        return {
            "invoice": self.document_number,
            "customer": self.customer,
            "action": self.action.value,
            "action_code": self.action.value,
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
        """Invoices per action code."""
        result: dict[str, int] = {}
        for row in self.rows:
            result[row.action.value] = result.get(row.action.value, 0) + 1
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
        today = started.date()
        # Planned on Manage's invoice totals; where they do not settle it, the payment rows do, read just before
        # writing (they cost a request per invoice, Manage has no bulk read of them).
        plan = plan_payments(documents, invoices, {}, today=today)
        progress.stage("Updating payments in Manage", len(plan))
        for step in _settled(manage, documents, invoices, plan, dry_run=dry_run, today=today):
            result.rows.append(PaymentRow.of(step, preview=dry_run))
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


@dataclass
class _Settling:
    """One invoice of a group on its way: rows read before, the write, the twin check after."""

    doc: ARPostedDocument
    invoice_id: int
    invoice: Invoice
    planned: PaymentStep
    outcome: PaymentStep | None = None
    """The step once settled on the rows (or failed)."""
    before: list[InvoicePayment] = field(default_factory=list)
    created: PaymentWrite | None = None
    """The row this sync POSTed (and that landed): its twins are looked for once the group's writes are done."""

    def fail(self, exc: CwsageError) -> None:
        """The invoice failed: nothing more is sent for it, and its row says why."""
        self.outcome = replace(self.planned, action=PaymentAction.FAILED, write=None, problem=exc.user_message)
        self.created = None

    def result(self) -> PaymentStep:
        """The step to report."""
        return self.outcome or self.planned


def _settled(
    manage: ManageClient,
    documents: Sequence[ARPostedDocument],
    invoices: Mapping[str, Invoice],
    plan: Sequence[PaymentStep],
    *,
    dry_run: bool,
    today: date,
) -> Iterator[PaymentStep]:
    """Each step of ``plan`` as it ends, in plan order; the steps that need rows or a write are settled by group.

    A step the invoice totals decided without a write is final at once; the others are gathered :data:`GROUP` at a
    time and settled by :func:`_settle_group`. Steps come out in the order of ``plan`` as soon as their group is done.
    """
    held: list[PaymentStep | _Settling] = []
    group: list[_Settling] = []
    for doc, planned in zip(documents, plan, strict=True):
        if planned.needs_rows or planned.write is not None:
            invoice = invoices[doc.document_number]
            assert invoice.id is not None  # the plan asks for rows or a write only of an invoice Manage has
            work = _Settling(doc, invoice.id, invoice, planned)
            group.append(work)
            held.append(work)
        else:
            held.append(planned)
        if len(group) == GROUP:
            _settle_group(manage, group, dry_run=dry_run, today=today)
            yield from (item.result() if isinstance(item, _Settling) else item for item in held)
            held, group = [], []
    if group:
        _settle_group(manage, group, dry_run=dry_run, today=today)
    yield from (item.result() if isinstance(item, _Settling) else item for item in held)


def _settle_group(manage: ManageClient, group: Sequence[_Settling], *, dry_run: bool, today: date) -> None:
    """Read the group's payment rows (a few at a time), settle and write each in order, then converge new rows.

    Another writer (a second machine, a person) may have written since Manage's totals were listed, so each write is
    decided on rows read a moment before it, never on the listing alone; a create Manage refuses is looked at again
    (:func:`_settled_elsewhere`), since within a group another writer has a little longer to get there first. Writes
    stay in this thread, in plan order. A preview (``dry_run``) reads and settles, and writes nothing.
    """
    for work, before in zip(group, _read_rows(manage, [w.invoice_id for w in group]), strict=True):
        if isinstance(before, CwsageError):
            work.fail(before)
            continue
        work.before = before
        settled = settle(work.doc, work.invoice, before, today=today)
        work.outcome = settled
        if settled.write is None or dry_run:
            continue
        try:
            _write(manage, settled.write, before)
        except RemoteRejection as exc:
            elsewhere = _settled_elsewhere(manage, work, today) if settled.write.creates else None
            if elsewhere is None:
                work.fail(exc)
            else:
                work.outcome = elsewhere
        except CwsageError as exc:
            work.fail(exc)
        else:
            if settled.write.creates:
                work.created = settled.write
    created = [work for work in group if work.created is not None]
    for work, after in zip(created, _read_rows(manage, [w.invoice_id for w in created]), strict=True):
        assert work.created is not None
        if isinstance(after, CwsageError):
            work.fail(after)
            continue
        try:
            _converge(manage, work.created, work.before, after)
        except CwsageError as exc:
            work.fail(exc)


def _settled_elsewhere(manage: ManageClient, work: _Settling, today: date) -> PaymentStep | None:
    """After Manage refused to create the row: whether another writer settled the invoice since its rows were read.

    Manage refuses a payment above the invoice's balance, which is what a second machine's row of the same moment
    leaves. The rows are read again: if they now leave nothing to write (and nothing wrong), that is the outcome;
    otherwise (``None``) the refusal stands.
    """
    try:
        rows = manage.invoice_payments(work.invoice_id)
    except CwsageError:
        return None
    step = settle(work.doc, work.invoice, rows, today=today)
    if step.write is not None or step.action in ERROR_ACTIONS:
        return None
    log.info("invoice id %s was settled by another writer since its payments were read", work.invoice_id)
    return step


def _read_rows(manage: ManageClient, invoice_ids: Sequence[int]) -> list[list[InvoicePayment] | CwsageError]:
    """The payment rows of each invoice, read a few at a time; an invoice whose read failed has its error instead."""
    return read_all([partial(_rows_or_error, manage, invoice_id) for invoice_id in invoice_ids])


def _rows_or_error(manage: ManageClient, invoice_id: int) -> list[InvoicePayment] | CwsageError:
    """One invoice's payment rows, or why Manage did not give them (that invoice fails, not its group)."""
    try:
        return manage.invoice_payments(invoice_id)
    except CwsageError as exc:
        return exc


def _write(manage: ManageClient, write: PaymentWrite, before: list[InvoicePayment]) -> None:
    """Send one write of the plan to Manage."""
    if write.payment_id is None:
        _create(manage, write.invoice_id, before, write.amount, write.payment_date)
    else:
        manage.update_payment(write.invoice_id, write.payment_id, amount=write.amount, payment_date=write.payment_date)


def _create(manage: ManageClient, invoice_id: int, before: list[InvoicePayment], amount: Decimal, when: date) -> None:
    """POST the payment row; after an unclear answer, look before concluding anything (never post twice).

    Raises:
        AmbiguousOutcome: the answer was lost and the row is not there.
    """
    try:
        manage.create_payment(invoice_id, amount=amount, payment_date=when)
    except AmbiguousOutcome:
        landed = manage.invoice_payments(invoice_id)
        if not any((p.amount or money.ZERO) == amount for p in landed):
            raise
        log.info("payment on invoice id %s landed despite the unclear answer", invoice_id)


def _converge(
    manage: ManageClient, write: PaymentWrite, before: Sequence[InvoicePayment], after: Sequence[InvoicePayment]
) -> None:
    """Converge with any other writer of the same moment, on the rows read after the write (``after``).

    Rows that were not there before (``before``) and carry the same amount and date were written for this
    settlement — ours, and any that another cwsage (another machine, its own state store) wrote at the same moment.
    The lowest payment id stays and the others are deleted; every writer applies the same rule, so the end state
    holds the payment once whichever finishes first.
    """
    invoice_id, amount, when = write.invoice_id, write.amount, write.payment_date
    known = {p.id for p in before}
    twins = sorted(
        p.id
        for p in after
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
