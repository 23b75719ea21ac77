"""The guide's "Save List of Errors" and "Save Full Log", written for every run under the state directory.

``errors.txt`` is for the bookkeeper: one line per problem, what to fix and where. ``full-log.txt`` is for
support: every document with its state and where it is in Sage, every issue, and the audit trail of the
run (each state change, each Sage batch, each Manage batch). ``result.json`` is the ``--json`` object.
Everything passes through the redaction filter before it is written; the folders are 0700 and the files 0600.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from cwsage import money
from cwsage.private_files import ensure_private_dir, write_private
from cwsage.redaction import redact
from cwsage.services.results import RunResult, kind_label, state_words


def error_lines(result: RunResult) -> list[str]:
    """The list of errors, one readable line each."""
    lines = [issue.line() for issue in result.issues if issue.blocking]
    lines += [f"warning: {issue.line()}" for issue in result.issues if not issue.blocking]
    lines += [f"warning: {text}" for text in result.warnings]
    return lines


def full_log(result: RunResult, audit: Iterable[dict[str, Any]]) -> str:
    """The full log as text."""
    return "".join(full_log_lines(result, audit))


def full_log_lines(result: RunResult, audit: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The full log line by line (each ending in a newline), the audit trail read as it is written out."""
    head = [
        f"cwsage {result.kind} — batch {result.batch_number} — run {result.run_id}",
        f"outcome: {result.outcome}",
        result.message,
        "",
        f"Sage 300 batches: {', '.join(result.sage_batches) or 'none'}",
        f"Manage batch: {result.manage_batch or 'none'}",
        f"HTTP requests: {money.dumps(result.requests)}",
        "",
        "Documents:",
    ]
    yield from (f"{line}\n" for line in head)
    for row in result.documents:
        yield (
            f"  [{state_words(row.state)}] {kind_label(row.kind)} {row.document_number} — {row.label} — {row.party} "
            f"{row.currency} {row.total} {('— ' + row.where) if row.where else ''}\n"
        )
        yield from (f"      {message}\n" for message in row.messages)
    yield "\nIssues:\n"
    yield from (f"  {line}\n" for line in error_lines(result) or ["none"])
    yield "\nAudit trail:\n"
    for entry in audit:
        detail = money.dumps(entry.get("detail") or {})
        key = entry.get("document_key") or ""
        yield f"  {entry.get('at')} {entry.get('event')} {key} {detail}\n"


def write_reports(reports_dir: Path, result: RunResult, audit: Iterable[dict[str, Any]]) -> dict[str, Path]:
    """Write errors.txt, full-log.txt and result.json for a run; return their paths.

    ``audit`` is read once, as the full log is written (pass :meth:`StateStore.audit_entries` to stream it).
    """
    ensure_private_dir(reports_dir)
    folder = ensure_private_dir(reports_dir / (result.run_id or "preview"))
    paths = {
        "errors": folder / "errors.txt",
        "full_log": folder / "full-log.txt",
        "json": folder / "result.json",
    }
    errors = error_lines(result)
    write_private(paths["errors"], redact("\n".join(errors) + "\n" if errors else "No errors.\n"))
    write_private(paths["full_log"], (redact(line) for line in full_log_lines(result, audit)))
    data = result.as_dict()
    data["reports"] = {name: str(path) for name, path in paths.items()}
    write_private(paths["json"], (redact(part) for part in money.dump_parts(data, indent=2)))
    return paths
