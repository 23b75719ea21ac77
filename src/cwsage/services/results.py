"""What a run reports: outcome, counts, documents, issues, preview, saved reports.

Kept apart from the run logic so the CLI (tables, ``--json``), the web UI and the tests all read the
same object.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from cwsage import money
from cwsage.domain.documents import (
    DocKind,
    Document,
    InventoryDocument,
    JournalDocument,
    JournalLine,
    PayableDocument,
    ReceivableDocument,
)
from cwsage.domain.issues import Issue
from cwsage.errors import CwsageError
from cwsage.state.store import DocState


class PreviewState(StrEnum):
    """What a preview says a document would do (a report row's state is this or a stored ``DocState``)."""

    WOULD_POST = "would_post"


STATE_WORDS: dict[str, str] = {
    DocState.VALIDATED: "not posted yet",
    DocState.POSTING: "being posted",
    DocState.POSTED: "posted",
    DocState.WRITTEN_BACK: "posted",
    DocState.NOT_MARKED: "posted, not marked in Manage",
    DocState.INVALID: "invalid",
    DocState.REJECTED: "not posted (Sage refused it)",
    DocState.SKIPPED: "in Sage already",
    PreviewState.WOULD_POST: "would post",
}
"""A document state in a bookkeeper's words (the stored state names are the machine's)."""


def state_words(state: str) -> str:
    """A document state (stored or preview) in a bookkeeper's words."""
    return STATE_WORDS.get(state, state.replace("_", " "))


def kind_label(kind: str) -> str:
    """A document kind (a ``DocKind`` code, as ``--json`` and the state store keep it) in a bookkeeper's words.

    Documents recorded before kinds were kept as codes carry their words already; those pass through.
    """
    return DocKind(kind).label if kind in DocKind._value2member_map_ else kind


class Outcome(StrEnum):
    """The guide's three results, plus the ones a careful tool needs."""

    SUCCEEDED = "succeeded"
    PARTIAL = "succeeded with errors"
    FAILED_BEFORE_POSTING = "failed before posting"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    NOTHING_TO_DO = "nothing to do"
    PREVIEW = "preview"

    @property
    def exit_code(self) -> int:
        """CLI exit status: 0 all posted; 3 posted with some rejected; 4 failed before posting; 1 anything else.

        A batch of which Sage refused every document posted nothing, so it is not "posted with some
        rejected": it exits 1 like any other failure after posting began.
        """
        return {
            Outcome.SUCCEEDED: 0,
            Outcome.NOTHING_TO_DO: 0,
            Outcome.PREVIEW: 0,
            Outcome.PARTIAL: 3,
            Outcome.FAILED: 1,
            Outcome.FAILED_BEFORE_POSTING: 4,
            Outcome.INTERRUPTED: 1,
        }[self]


@dataclass(slots=True)
class DocumentRow:
    """One document as a report shows it."""

    key: str
    kind: str
    label: str
    document_number: str
    party: str
    date: str
    currency: str
    total: Decimal
    state: str
    where: str = ""
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "key": self.key,
            "kind": self.kind,
            "label": self.label,
            "document_number": self.document_number,
            "party": self.party,
            "date": self.date,
            "currency": self.currency,
            "total": self.total,
            "state": self.state,
            "where": self.where,
            "messages": self.messages,
        }


@dataclass
class Preview:
    """What a batch would do to the ledger: GL impact per account and totals per kind."""

    gl_impact: dict[tuple[str, str], tuple[Decimal, Decimal]] = field(default_factory=dict)  # (account, cur) -> dr, cr
    totals: dict[tuple[str, str], tuple[int, Decimal]] = field(default_factory=dict)  # (kind, cur) -> count, total

    def add(self, other: Preview) -> None:
        """Add ``other``'s impact and totals (the preview of another part of the same batch)."""
        for key, (debit, credit) in other.gl_impact.items():
            was_debit, was_credit = self.gl_impact.get(key, (money.ZERO, money.ZERO))
            self.gl_impact[key] = (was_debit + debit, was_credit + credit)
        for key, (count, amount) in other.totals.items():
            was_count, was_amount = self.totals.get(key, (0, money.ZERO))
            self.totals[key] = (was_count + count, was_amount + amount)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "gl_impact": [
                {"account": acct, "currency": cur, "debit": dr, "credit": cr}
                for (acct, cur), (dr, cr) in sorted(self.gl_impact.items())
            ],
            "totals": [
                {"kind": kind, "currency": cur, "count": n, "total": amount}
                for (kind, cur), (n, amount) in sorted(self.totals.items())
            ],
        }


def document_party(doc: Document) -> str:
    """The customer or vendor number of a document (empty for journals and inventory)."""
    if isinstance(doc, ReceivableDocument):
        return doc.customer.number
    if isinstance(doc, PayableDocument):
        return doc.vendor.number
    return ""


def document_total(doc: Document) -> Decimal:
    """The amount a bookkeeper would call the document's total."""
    if isinstance(doc, ReceivableDocument | PayableDocument):
        return doc.total
    if isinstance(doc, JournalDocument):
        return money.total(line.amount for line in doc.lines if line.amount > 0)
    return money.total(abs(line.cost) for line in doc.lines)


def ledger_lines(doc: Document) -> list[JournalLine]:
    """The document's effect on the GL, debit positive (what Sage will eventually post)."""
    if isinstance(doc, ReceivableDocument):
        sign = -1 if doc.kind is DocKind.AR_CREDIT_NOTE else 1
        lines = [JournalLine(doc.control_account or "(AR control)", doc.total * sign, "receivable")]
        lines += [JournalLine(line.account, -line.amount * sign, line.description) for line in doc.lines]
        lines += [JournalLine(t.account or f"(tax {t.authority})", -t.amount * sign, "tax") for t in doc.taxes]
        return lines
    if isinstance(doc, PayableDocument):
        sign = -1 if doc.kind is DocKind.AP_CREDIT_NOTE else 1
        lines = [JournalLine(doc.control_account or "(AP control)", -doc.total * sign, "payable")]
        lines += [JournalLine(line.account, line.amount * sign, line.description) for line in doc.lines]
        lines += [JournalLine(t.account or f"(tax {t.authority})", t.amount * sign, "tax") for t in doc.taxes]
        return lines
    if isinstance(doc, JournalDocument):
        return list(doc.lines)
    assert isinstance(doc, InventoryDocument)
    return list(doc.as_journal_lines())


def build_preview(documents: list[Document], home_currency: str, labels: Mapping[str, str] | None = None) -> Preview:
    """GL impact per account and totals per kind for ``documents`` (no currency means the home one).

    ``labels`` names, per document key, the kind (a ``DocKind`` code) of document it becomes in Sage (a journal
    entry for an IC adjustment when Sage has no Inventory Control); a document not named there is totalled under
    its own kind.
    """
    impact: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [money.ZERO, money.ZERO])
    totals: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, money.ZERO])
    for doc in documents:
        currency = doc.currency or home_currency
        for line in ledger_lines(doc):
            slot = impact[(line.account, currency)]
            if line.amount >= 0:
                slot[0] += line.amount
            else:
                slot[1] -= line.amount
        total = totals[((labels or {}).get(doc.key) or doc.kind, currency)]
        total[0] += 1
        total[1] += document_total(doc)
    return Preview(
        gl_impact={k: (v[0], v[1]) for k, v in impact.items()},
        totals={k: (int(v[0]), v[1]) for k, v in totals.items()},
    )


@dataclass
class RunResult:
    """Everything a batch run, rerun or check has to say."""

    kind: str
    batch_number: str
    outcome: Outcome
    message: str
    run_id: str | None = None
    documents: list[DocumentRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    sage_batches: list[str] = field(default_factory=list)
    manage_batch: str | None = None
    skipped: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    preview: Preview | None = None
    reports: dict[str, Path] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    error: CwsageError | None = None
    """The error that stopped the run, kept whole (class, who must act, status, remote code, request id)."""

    @property
    def exit_code(self) -> int:
        """The CLI exit status for this result."""
        return self.outcome.exit_code

    def counts(self) -> dict[str, dict[str, int]]:
        """Documents per kind per state."""
        result: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in self.documents:
            result[row.kind][row.state] += 1
        return {kind: dict(states) for kind, states in result.items()}

    def as_dict(self) -> dict[str, Any]:
        """The one JSON object ``--json`` prints."""
        return {
            "kind": self.kind,
            "batch_number": self.batch_number,
            "run_id": self.run_id,
            "outcome": str(self.outcome),
            "outcome_code": self.outcome.name.lower(),
            "exit_code": self.exit_code,
            "message": self.message,
            "counts": self.counts(),
            "sage_batches": self.sage_batches,
            "manage_batch": self.manage_batch,
            "skipped": self.skipped,
            "warnings": self.warnings,
            "issues": [issue.as_dict() for issue in self.issues],
            "documents": money.LazyArray(self.documents, DocumentRow.as_dict),  # made row by row when written
            "preview": self.preview.as_dict() if self.preview else None,
            "reports": {name: str(path) for name, path in self.reports.items()},
            "requests": self.requests,
        }
