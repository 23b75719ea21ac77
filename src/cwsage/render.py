"""Show service results on a terminal: Rich tables for runs, previews and payment syncs, and a progress bar.

Only presentation lives here; the numbers come from :mod:`cwsage.services.results` and
:mod:`cwsage.services.payments`, which the web UI and ``--json`` use too.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from cwsage.domain.issues import Issue
from cwsage.services.payments import ERROR_ACTIONS, SyncResult
from cwsage.services.results import Outcome, RunResult

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


def show_run(console: Console, result: RunResult, *, show_documents: bool = False) -> None:
    """The end-of-run screen: outcome, counts per kind, Sage batches, problems, reports."""
    console.print(Text(f"{result.outcome.value.upper()}: {result.message}", style=_OUTCOME_STYLE[result.outcome]))
    counts = result.counts()
    if counts:
        table = Table(title="Documents", title_justify="left")
        table.add_column("Kind")
        states = sorted({state for by_state in counts.values() for state in by_state})
        for state in states:
            table.add_column(state, justify="right")
        for kind, by_state in sorted(counts.items()):
            table.add_row(kind, *(str(by_state.get(state, "")) for state in states))
        console.print(table)
    if show_documents or result.outcome is Outcome.PREVIEW:
        docs = Table(title="What would be created in Sage 300", title_justify="left")
        for column in ("Kind", "Number", "Party", "Date", "Total", "Status"):
            docs.add_column(column, justify="right" if column == "Total" else "left")
        for row in result.documents:
            docs.add_row(row.kind, row.document_number, row.party, row.date, f"{row.currency} {row.total}", row.state)
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
            totals.add_row(item["kind"], item["currency"], str(item["count"]), f"{item['total']:,.2f}")
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
        console.print(issues_table(problems))
    for warning in result.warnings:
        console.print(Text(f"warning: {warning}", style="yellow"))
    if result.reports:
        console.print(
            Text(f"List of errors: {result.reports['errors']}\nFull log: {result.reports['full_log']}", style="dim")
        )


def show_sync(console: Console, result: SyncResult) -> None:
    """The payment-sync screen: one line per invoice and what happened."""
    table = Table(title=f"Invoice payments since {result.since.isoformat()}", title_justify="left")
    for column in ("Invoice", "Customer", "Paid", "Total", "Date paid", "Result"):
        table.add_column(column, justify="right" if column in ("Paid", "Total") else "left")
    for row in result.rows:
        style = "red" if row.action in ERROR_ACTIONS else ("dim" if "up to date" in row.action else "")
        detail = f"{row.action}" + (f" — {row.message}" if row.message else "")
        table.add_row(
            row.document_number,
            row.customer,
            f"{row.paid:,.2f}",
            f"{row.total:,.2f}",
            row.date_paid.isoformat() if row.date_paid else "",
            Text(detail, style=style),
        )
    console.print(table)
    counts = Counter(str(row.action) for row in result.rows)
    summary = ", ".join(f"{n} {action}" for action, n in counts.most_common()) or "no invoices changed in Sage"
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
