"""``cwsage demo``: the guide's weekly routine on the demo MSP, against both emulators, offline.

1. Check the mappings (validation finds the four things that are wrong on purpose).
2. Run the three batches the guide recommends — invoices ``…-I``, expenses ``…-E``, procurement ``…-P`` —
   posting what is valid (``--skip-invalid``) and marking exactly that in Manage.
3. Record a few customer receipts in Sage 300 (full, partial, two payments, a credit note applied).
4. Update Invoice Payments, so the paid amounts appear in Manage.
5. A summary a bookkeeper can read: documents per kind, Sage batches, requests to each system.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from cwsage import money
from cwsage.config import RunDefaults
from cwsage.dates import SystemClock
from cwsage.render import RichProgress, issues_table, payment_action_text, show_run, show_sync
from cwsage.sage300 import models as sg
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.client import Sage300Client
from cwsage.sandbox.runner import Sandbox, start_sandbox
from cwsage.services.batch import RunRequest, check, run_batch
from cwsage.services.payments import sync_payments
from cwsage.services.results import RunResult, kind_label
from cwsage.services.session import connect
from cwsage.state.store import DocState, StateStore

CASH = V.ReceiptBatchType.CASH.value
IN_SAGE = (DocState.WRITTEN_BACK, DocState.POSTED)


@dataclass
class DemoReport:
    """What the demo did, for the closing summary (and the tests)."""

    runs: list[RunResult] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)
    payments: dict[str, int] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)


def record_receipts(sage: Sage300Client, invoice_numbers: list[str], day: date) -> list[str]:
    """Record customer receipts in the Sage sandbox: full, partial, two payments, a credit note applied.

    The batch is sent Ready To Post in the creating POST (PATCHed after on an older server, I14), then posted
    with ``AR/ARPostReceiptsAndAdjustments`` (I13); receipts carry the names of Sage's own samples (I19).
    """
    posted = {d.document_number: d for d in sage.posted_ar_documents(document_numbers=invoice_numbers)}
    invoices = [
        d
        for d in posted.values()
        if d.document_type == V.PostedDocumentType.INVOICE and (d.customer_currency_amount_due or 0) > 0
    ]
    credits = [d for d in posted.values() if d.document_type == V.PostedDocumentType.CREDIT_NOTE]
    receipts: list[sg.ARReceipt] = []
    notes: list[str] = []
    plan = [("full", Decimal(1)), ("partial", Decimal("0.4")), ("first of two", Decimal("0.5"))]
    for (label, share), doc in zip(plan, invoices, strict=False):
        due = doc.customer_currency_amount_due or money.ZERO
        amount = money.quantize(due * share, doc.currency_code)
        receipts.append(_receipt(doc.customer_number, doc.document_number, amount, day, f"DEMO-{len(receipts) + 1}"))
        notes.append(f"{label} payment of {amount} on {doc.document_number} ({doc.customer_number})")
        if label == "first of two":
            second = money.quantize(due - amount, doc.currency_code) / 2
            receipts.append(_receipt(doc.customer_number, doc.document_number, second, day, "DEMO-2ND"))
            notes.append(f"second payment of {second} on {doc.document_number}")
    for credit in credits[:1]:
        target = next((d for d in invoices[3:] if d.customer_number == credit.customer_number), None)
        if target is None:
            continue
        amount = min(
            abs(credit.customer_currency_amount_due or money.ZERO), target.customer_currency_amount_due or money.ZERO
        )
        receipts.append(
            sg.ARReceipt(
                batch_type=CASH,
                customer_number=credit.customer_number,
                receipt_date_adjustment_date=day,
                entry_description=f"credit note {credit.document_number} applied",
                receipt_transaction_type=V.ReceiptTransactionType.APPLY_DOCUMENT,
                document_number=credit.document_number,
                applied_receipts_adjustments=[
                    sg.ARAppliedReceipt(
                        batch_type=CASH,
                        customer_number=credit.customer_number,
                        document_number=target.document_number,
                        customer_receipt_amount=amount,
                    )
                ],
            )
        )
        notes.append(f"credit note {credit.document_number} applied to {target.document_number} ({amount})")
    post_receipts(sage, receipts, day, "cwsage demo receipts")
    return notes


def post_receipts(sage: Sage300Client, receipts: list[sg.ARReceipt], day: date, description: str) -> None:
    """Enter ``receipts`` in one AR receipt batch, ready to post in the creating POST, and post it."""
    if not receipts:
        return
    batch = sage.create_ar_receipt_batch(
        sg.ARReceiptBatch(
            batch_record_type=CASH,
            batch_date=day,
            description=description,
            batch_status=V.BatchStatus.READY_TO_POST,
            receipts_adjustments=receipts,
        )
    )
    if batch.batch_number is not None:
        sage.ensure_ready(V.AR_RECEIPT_BATCHES, (CASH, batch.batch_number), batch.batch_status)
        sage.post_ar_receipt_batch(batch.batch_number)


def pay_in_full(sage: Sage300Client, every: int, day: date) -> int:
    """Pay every ``every``-th open posted AR invoice in full (one receipt batch); returns how many (benchmarks)."""
    documents = sage.posted_ar_documents(changed_since=date(2000, 1, 1))
    open_invoices = [
        d
        for d in documents
        if d.document_type == V.PostedDocumentType.INVOICE and (d.customer_currency_amount_due or 0) > 0
    ][::every]
    receipts = [
        _receipt(d.customer_number, d.document_number, d.customer_currency_amount_due or money.ZERO, day, f"B-{n}")
        for n, d in enumerate(open_invoices, 1)
    ]
    post_receipts(sage, receipts, day, "benchmark receipts")
    return len(receipts)


def _receipt(customer: str, document: str, amount: Decimal, day: date, reference: str) -> sg.ARReceipt:
    return sg.ARReceipt(
        batch_type=CASH,
        customer_number=customer,
        receipt_date_adjustment_date=day,
        entry_description=f"payment of {document}",
        entry_reference=reference,
        receipt_transaction_type=V.ReceiptTransactionType.RECEIPT,
        bank_receipt_amount=amount,
        customer_receipt_amount=amount,
        applied_receipts_adjustments=[
            sg.ARAppliedReceipt(
                batch_type=CASH, customer_number=customer, document_number=document, customer_receipt_amount=amount
            )
        ],
    )


def run_demo(console: Console, *, home: Path | None = None, sandbox: Sandbox | None = None) -> int:
    """Run the whole demo; returns the process exit status (0 when the demo ran as designed).

    Args:
        console: Where the demo writes.
        home: cwsage's state and reports (a fresh temporary directory by default).
        sandbox: Emulators to run against (tests pass theirs to inspect them afterwards); by default the
            demo starts its own and stops them at the end.
    """
    home = home or Path(tempfile.mkdtemp(prefix="cwsage-demo-"))
    console.print(Rule("cwsage demo — Northwind Managed IT (sandbox)"))
    if sandbox is not None:
        report = _demo(console, sandbox, home)
    else:
        with start_sandbox() as box:
            report = _demo(console, box, home)
    _summary(console, report, home)
    return 0


def _demo(console: Console, box: Sandbox, home: Path) -> DemoReport:
    settings = box.settings(home, RunDefaults(auto_post=True, ic_default_location="MAIN", chunk_size=40))
    console.print(
        Text(
            f"Manage emulator {box.manage_server.url}  ·  Sage 300 emulator {box.sage_server.url}  ·  state in {home}",
            style="dim",
        )
    )
    report = DemoReport()
    clock = SystemClock()
    today = clock.now().date()
    stamp = today.strftime("%Y%m%d")
    with (
        StateStore.open(settings.database_url) as store,
        RichProgress(console) as progress,
        connect(settings, store, progress=progress, clock=clock) as ctx,
    ):
        console.print(Rule("1. Check the mappings"))
        checked = check(ctx, RunRequest(batch_number="check"))
        problems = [i for i in checked.issues if i.blocking]
        console.print(
            f"{len(checked.documents)} documents checked; {len(problems)} problem(s) on "
            f"{len({i.document_key for i in problems})} document(s):"
        )
        console.print(issues_table(problems))
        console.print(
            Text(
                "The guide's tool would stop here. cwsage can post everything else and leave these "
                "for later (--skip-invalid):",
                style="cyan",
            )
        )
        for suffix, kinds in (("I", "invoices"), ("E", "expenses"), ("P", "inventory")):
            console.print(Rule(f"2. Batch {stamp}DM-{suffix} ({kinds})"))
            request = RunRequest(
                batch_number=f"{stamp}DM-{suffix}",
                invoices=kinds == "invoices",
                expenses=kinds == "expenses",
                inventory=kinds == "inventory",
                skip_invalid=True,
            )
            result = run_batch(ctx, request)
            report.runs.append(result)
            show_run(console, result)
        console.print(Rule("3. Customers pay: receipts recorded in Sage 300"))
        invoice_numbers = [row.document_number for row in report.runs[0].documents if row.state in IN_SAGE]
        report.receipts = record_receipts(ctx.sage, invoice_numbers, today)
        for note in report.receipts:
            console.print(f"  · {note}")
        console.print(Rule("4. Update Invoice Payments (past month)"))
        synced = sync_payments(ctx.manage, ctx.sage, store, "past-month", clock=clock, progress=progress)
        show_sync(console, synced)
        report.payments = synced.counts()
        report.requests = {"manage": ctx.manage.stats.total, "sage": ctx.sage.stats.total}
    return report


def _batches(names: list[str]) -> str:
    """Sage batches by name, IC documents (one per adjustment or transfer) counted rather than listed."""
    ic = Counter(name.rsplit(" ", 1)[0] for name in names if name.startswith("IC "))
    listed = [name for name in names if not name.startswith("IC ")]
    listed += [f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in sorted(ic.items())]
    return ", ".join(listed) or "-"


def _summary(console: Console, report: DemoReport, home: Path) -> None:
    console.print(Rule("Summary"))
    table = Table(title_justify="left")
    for column in ("Batch", "Result", "Posted", "Not posted", "Sage 300 batches"):
        table.add_column(column)
    per_kind: Counter[str] = Counter()
    for run in report.runs:
        posted = [row for row in run.documents if row.state in IN_SAGE]
        per_kind.update(kind_label(row.kind) for row in posted)
        table.add_row(
            run.batch_number,
            str(run.outcome),
            str(len(posted)),
            str(len(run.documents) - len(posted)),
            _batches(run.sage_batches),
        )
    console.print(table)
    console.print("Posted per kind: " + ", ".join(f"{n} {kind}" for kind, n in sorted(per_kind.items())))
    paid = ", ".join(f"{n} {payment_action_text(k)}" for k, n in report.payments.items())
    console.print(f"Payments: {paid or 'none'}")
    console.print(
        f"HTTP requests: {report.requests.get('manage', 0)} to Manage, {report.requests.get('sage', 0)} to Sage 300"
    )
    console.print(Text(f"Reports and state: {home}", style="dim"))
    console.print(
        Text(
            "Next: fix the problems listed in step 1 (in Manage or in Sage 300), then run them in new batches, "
            "e.g. `cwsage run --batch-number …-I-1`.",
            style="cyan",
        )
    )
