"""Show service results on a terminal: Rich tables for runs, previews and payment syncs, and a progress bar.

Only presentation lives here; the numbers come from :mod:`cwsage.services.results` and
:mod:`cwsage.services.payments`, which the web UI and ``--json`` use too.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from cwsage import money
from cwsage.domain.documents import SourceType
from cwsage.domain.issues import Issue
from cwsage.services.listing import RUN_STATUS_WORDS, RunView, UnpostedListing, UnpostedRecord
from cwsage.services.payment_plan import ERROR_ACTIONS, PaymentAction
from cwsage.services.payments import SyncResult
from cwsage.services.results import Outcome, RunResult, kind_label, state_words

_OUTCOME_STYLE = {
    Outcome.SUCCEEDED: "bold green",
    Outcome.NOTHING_TO_DO: "green",
    Outcome.PREVIEW: "bold cyan",
    Outcome.PARTIAL: "bold yellow",
    Outcome.FAILED: "bold red",
    Outcome.FAILED_BEFORE_POSTING: "bold red",
    Outcome.INTERRUPTED: "bold magenta",
}


class RichProgress:
    """A :class:`cwsage.services.progress.Progress` drawn with a Rich progress bar on stderr."""

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled and console.is_terminal
        self._bar: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> RichProgress:
        if self.enabled:
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._bar.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def stage(self, name: str, total: int | None = None) -> None:
        """Start a stage (a new bar line)."""
        if self._bar is not None:
            if self._task is not None:
                self._bar.update(self._task, completed=self._bar.tasks[-1].total or 0)
            self._task = self._bar.add_task(name, total=total)
        elif not self.enabled:
            self.console.print(Text(f"· {name}", style="dim"))

    def advance(self, steps: int = 1) -> None:
        """Advance the current stage."""
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, steps)

    def note(self, text: str) -> None:
        """Print a line above the bar."""
        self.console.print(Text(text, style="cyan"))


def group_issues(issues: list[Issue]) -> list[tuple[Issue, list[str]]]:
    """Issues that share a cause (same code and value) together, with every record they concern."""
    groups: dict[tuple[str, str, str], tuple[Issue, list[str]]] = {}
    for issue in issues:
        key = (issue.code, issue.value, str(issue.fix_in))
        if key not in groups:
            groups[key] = (issue, [])
        groups[key][1].append(issue.source_ref)
    return list(groups.values())


def issues_table(issues: list[Issue], *, title: str = "Problems to fix", shown_records: int = 4) -> Table:
    """Every problem once, with the records it concerns, the value, and what to change where."""
    table = Table(title=title, show_lines=False, title_justify="left")
    table.add_column("Records", style="bold")
    table.add_column("Problem")
    table.add_column("Value", style="magenta")
    table.add_column("Fix in")
    table.add_column("What to do")
    for issue, records in group_issues(issues):
        style = "yellow" if not issue.blocking else ""
        shown = ", ".join(records[:shown_records])
        if len(records) > shown_records:
            shown += f" (+{len(records) - shown_records} more)"
        table.add_row(shown, Text(issue.message, style=style), issue.value, str(issue.fix_in), issue.hint)
    return table


def amount_text(value: Decimal, currency: str | None = None) -> str:
    """``1,234.50`` in a 2-decimal currency, ``1,235`` in JPY (the currency's decimals, the one rounding rule)."""
    places = money.decimals_for(currency or None)
    return f"{money.quantize(value, currency or None):,.{places}f}"


def show_issues(
    console: Console, issues: list[Issue], *, title: str = "Problems to fix", shown_records: int = 4
) -> None:
    """Every problem once, with the records it concerns, the value, and what to change where.

    Printed as paragraphs, not table cells: a hint is the user's way out and must appear whole at any
    terminal width (a table squeezed into 80 columns cuts long words with an ellipsis).
    """
    console.print(Text(title, style="bold"))
    for issue, records in group_issues(issues):
        shown = ", ".join(records[:shown_records])
        if len(records) > shown_records:
            shown += f" (+{len(records) - shown_records} more)"
        style = "yellow" if not issue.blocking else "red"
        value = f" [{issue.value}]" if issue.value else ""
        console.print(Text(f"- {shown}: {issue.message}{value}", style=style))
        if issue.hint:
            console.print(Text(f"  {issue.what_to_do()}"))


def counts_in_words(by_state: dict[str, int]) -> str:
    """``5 posted, 1 not posted (Sage refused it), 2 invalid``: stored states in a bookkeeper's words."""
    words: Counter[str] = Counter()
    for state, n in by_state.items():
        words[state_words(state)] += n
    return ", ".join(f"{n} {word}" for word, n in words.most_common() if n)


def _word_counts(result: RunResult) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for kind, by_state in result.counts().items():
        row = counts.setdefault(kind, {})
        for state, n in by_state.items():
            word = state_words(state)
            row[word] = row.get(word, 0) + n
    return counts


def show_run(console: Console, result: RunResult, *, show_documents: bool = False) -> None:
    """The end-of-run screen: outcome, counts per kind, Sage batches, problems, reports."""
    console.print(Text(f"{result.outcome.value.upper()}: {result.message}", style=_OUTCOME_STYLE[result.outcome]))
    counts = _word_counts(result)
    if counts:
        table = Table(title="Documents", title_justify="left")
        table.add_column("Kind")
        states = sorted({state for by_state in counts.values() for state in by_state})
        for state in states:
            table.add_column(state, justify="right")
        for kind, by_state in sorted(counts.items()):
            table.add_row(kind_label(kind), *(str(by_state.get(state, "")) for state in states))
        console.print(table)
        console.print(Text(counts_in_words(result_totals(result)), style="bold"))
    if show_documents or result.outcome is Outcome.PREVIEW:
        docs = Table(title="What would be created in Sage 300", title_justify="left")
        for column in ("Kind", "Number", "Party", "Date", "Total", "Status"):
            docs.add_column(column, justify="right" if column == "Total" else "left")
        for row in result.documents:
            docs.add_row(
                kind_label(row.kind),
                row.document_number,
                row.party,
                row.date,
                f"{row.currency} {amount_text(row.total, row.currency)}".strip(),
                state_words(row.state),
            )
        console.print(docs)
    if result.preview is not None and result.preview.totals:
        impact = Table(title="GL impact per account", title_justify="left")
        for column in ("Account", "Currency", "Debit", "Credit"):
            impact.add_column(column, justify="right" if column in ("Debit", "Credit") else "left")
        for item in result.preview.as_dict()["gl_impact"]:
            impact.add_row(item["account"], item["currency"], f"{item['debit']:,.2f}", f"{item['credit']:,.2f}")
        console.print(impact)
        totals = Table(title="Totals per kind", title_justify="left")
        for column in ("Kind", "Currency", "Documents", "Total"):
            totals.add_column(column, justify="right" if column in ("Documents", "Total") else "left")
        for item in result.preview.as_dict()["totals"]:
            totals.add_row(kind_label(item["kind"]), item["currency"], str(item["count"]), f"{item['total']:,.2f}")
        console.print(totals)
    if result.skipped:
        skipped = Table(title="Already in Sage 300 (skipped)", title_justify="left")
        skipped.add_column("Document")
        skipped.add_column("Found in")
        for key, where in sorted(result.skipped.items()):
            skipped.add_row(key, where)
        console.print(skipped)
    if result.sage_batches:
        console.print(Text("Sage 300: " + ", ".join(result.sage_batches), style="green"))
    if result.manage_batch:
        console.print(Text(f"Manage batch: {result.manage_batch}", style="green"))
    problems = [i for i in result.issues if i.blocking]
    if problems:
        show_issues(console, problems)
    for warning in result.warnings:
        console.print(Text(f"warning: {warning}", style="yellow"))
    if result.reports:
        console.print(
            Text(f"List of errors: {result.reports['errors']}\nFull log: {result.reports['full_log']}", style="dim")
        )


def result_totals(result: RunResult) -> dict[str, int]:
    """Documents per stored state over every kind."""
    totals: Counter[str] = Counter()
    for by_state in result.counts().values():
        totals.update(by_state)
    return dict(totals)


PAYMENT_ACTION_WORDS: dict[PaymentAction, str] = {
    PaymentAction.CREATED: "payment recorded",
    PaymentAction.UPDATED: "payment updated",
    PaymentAction.UNCHANGED: "already up to date",
    PaymentAction.NOTHING_PAID: "nothing paid yet",
    PaymentAction.MISSING_IN_MANAGE: "not found in Manage",
    PaymentAction.CREDIT_NOTE: "credit note (its applications show on the invoices)",
    PaymentAction.OVERPAID: "Sage shows more paid than the invoice total",
    PaymentAction.MISMATCH: "Manage shows more settled than Sage",
    PaymentAction.FAILED: "failed",
}
"""What each payment-sync outcome code says to people: the one table the terminal and the web pages use."""


def payment_action_text(code: str) -> str:
    """A payment-sync outcome code in words (text that is not a code — a summary saved by an older cwsage, which
    kept the words — is shown as it is)."""
    try:
        return PAYMENT_ACTION_WORDS[PaymentAction(code)]
    except ValueError:
        return code


def show_sync(console: Console, result: SyncResult) -> None:
    """The payment-sync screen: one line per invoice and what happened."""
    table = Table(title=f"Invoice payments since {result.since.isoformat()}", title_justify="left")
    for column in ("Invoice", "Customer", "Paid", "Total", "Date paid", "Result"):
        table.add_column(column, justify="right" if column in ("Paid", "Total") else "left")
    for row in result.rows:
        style = "red" if row.action in ERROR_ACTIONS else ("dim" if row.action is PaymentAction.UNCHANGED else "")
        detail = PAYMENT_ACTION_WORDS[row.action] + (f" — {row.message}" if row.message else "")
        table.add_row(
            row.document_number,
            row.customer,
            f"{row.paid:,.2f}",
            f"{row.total:,.2f}",
            row.date_paid.isoformat() if row.date_paid else "",
            Text(detail, style=style),
        )
    console.print(table)
    counts = Counter(row.action for row in result.rows)
    summary = (
        ", ".join(f"{n} {PAYMENT_ACTION_WORDS[action]}" for action, n in counts.most_common())
        or "no invoices changed in Sage"
    )
    console.print(Text(summary, style="bold"))
    if result.ignored:
        console.print(Text(f"{result.ignored} receipt(s) and other non-invoice documents ignored.", style="dim"))
    for warning in result.warnings:
        console.print(Text(f"warning: {warning}", style="yellow"))
    if result.error:
        console.print(Text(result.error, style="bold red"))
    elif result.dry_run:
        console.print(Text("Preview only: nothing was changed in Manage.", style="cyan"))
    elif result.watermark_moved:
        console.print(Text("Saved as the last successful sync for this user on this computer.", style="dim"))
        if any(row.action in ERROR_ACTIONS for row in result.rows):
            console.print(
                Text(
                    "The invoices marked in red are looked at again by the next sync, once you have fixed them.",
                    style="yellow",
                )
            )


_PARTY_HEADING = {SourceType.INVOICE: "Customer", SourceType.EXPENSE: "Member", SourceType.PROCUREMENT: "Vendor"}
_TAB_TITLE = {SourceType.INVOICE: "Invoices", SourceType.EXPENSE: "Expenses", SourceType.PROCUREMENT: "Inventory"}


def _problem_text(record: UnpostedRecord) -> Text:
    if not record.problems:
        return Text("")
    lines = [f"{'' if issue.blocking else 'warning: '}{issue.message}" for issue in record.problems]
    return Text("\n".join(lines), style="red" if record.blocked else "yellow")


def show_listing(console: Console, listing: UnpostedListing, kinds: list[SourceType]) -> None:
    """``cwsage list``: the guide's Invoices / Expenses / Inventory tabs, with each record's problems."""
    for kind in kinds:
        records = listing.tab(kind)
        if not records:
            console.print(Text(f"{_TAB_TITLE[kind]}: no unposted records.", style="dim"))
            continue
        table = Table(title=f"{_TAB_TITLE[kind]} ({len(records)})", title_justify="left")
        for column in ("Number", "Date", _PARTY_HEADING[kind], "Amount", "Currency", "Location", "Problems"):
            table.add_column(column, justify="right" if column == "Amount" else "left", overflow="fold")
        for record in records:
            table.add_row(
                record.number,
                record.day.isoformat() if record.day else "",
                record.party,
                amount_text(record.amount, record.currency),
                record.currency,
                record.location,
                _problem_text(record),
            )
        console.print(table)
    records = listing.records()
    blocked = sum(1 for r in records if r.blocked)
    if listing.checked:
        console.print(
            Text(
                f"{len(records)} unposted record(s); {blocked} cannot be posted as they are."
                if blocked
                else f"{len(records)} unposted record(s); every one passes the checks a run makes.",
                style="bold",
            )
        )
    if listing.error:
        console.print(Text(f"The records could not be checked against Sage 300: {listing.error}", style="yellow"))
    blocking = [issue for r in records for issue in r.problems if issue.blocking] + listing.general_problems
    if blocking:
        show_issues(console, blocking)


def run_summary_words(status: str, summary: dict[str, Any]) -> str:
    """A history line's summary: the run's outcome and its documents counted in a bookkeeper's words."""
    totals: Counter[str] = Counter()
    counts = summary.get("counts")
    if isinstance(counts, dict):
        for by_state in counts.values():
            if isinstance(by_state, dict):
                totals.update({str(k): int(v) for k, v in by_state.items()})
    words = counts_in_words(dict(totals))
    errors = summary.get("errors")
    if not words and isinstance(errors, int) and errors:
        words = f"{errors} problem(s) to fix, nothing posted"
    outcome = str(summary.get("outcome") or RUN_STATUS_WORDS.get(status, status))
    return f"{outcome}: {words}" if words else outcome


def show_run_view(console: Console, view: RunView) -> None:
    """``cwsage history BATCH``: one run, its documents in a bookkeeper's words, and where each landed in Sage."""
    run = view.run
    title = f"Batch {run.batch_number or '-'} ({run.kind}, run {run.id}): {view.status}"
    console.print(Text(title, style="bold"))
    started = run.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    console.print(Text(f"Started {started} by {run.actor}", style="dim"))
    counts = view.counts()
    if counts:
        console.print(Text(", ".join(f"{n} {state}" for state, n in sorted(counts.items())), style="bold"))
    if not view.documents:
        console.print("No documents.")
        return
    table = Table(title="Documents", title_justify="left")
    for column in ("Document", "Kind", "Party", "Date", "Total", "Status", "In Sage 300"):
        table.add_column(column, justify="right" if column == "Total" else "left", overflow="fold")
    for doc in view.documents:
        table.add_row(
            doc.document_number,
            doc.kind,
            doc.party,
            doc.day,
            f"{doc.currency} {amount_text(doc.total, doc.currency)}".strip(),
            doc.state,
            doc.where,
        )
    console.print(table)
    problems = [issue for doc in view.documents for issue in doc.problems if issue.blocking]
    if problems:
        show_issues(console, problems)
