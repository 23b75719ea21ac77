"""What a run would do, shown before it does it: the preview of a dry run or a check, and the outcome of a
batch whose validation failed (nothing sent anywhere)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cwsage.domain.documents import Document
from cwsage.domain.issues import Issue, Severity
from cwsage.mapping.dispatch import destination
from cwsage.mapping.validate import blocking_keys
from cwsage.services.job import BatchJob, Prepared, row, stored_rows
from cwsage.services.reports import write_reports
from cwsage.services.results import DocumentRow, Outcome, Preview, PreviewState, RunResult, build_preview
from cwsage.services.selection import RunRequest
from cwsage.state.store import DocState, RunRecord, RunStatus


@dataclass
class PreviewParts:
    """A preview collected one prepared part at a time: it keeps the report rows, never the documents.

    Attributes:
        skip_in_sage: Documents Sage already has are shown as skipped (a rerun), not as problems.
        documents: Documents seen.
        postable: Documents that would post (no blocking problem, a Sage payload).
        bad: Documents with a blocking problem.
        any_blocking: Whether any blocking problem was found (on a document or on the batch).
    """

    skip_in_sage: bool
    rows: list[DocumentRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    impact: Preview = field(default_factory=Preview)
    documents: int = 0
    postable: int = 0
    bad: int = 0
    any_blocking: bool = False

    def add(self, prepared: Prepared) -> None:
        """Add one prepared part: its rows, issues, skipped documents and GL impact."""
        blocked = blocking_keys(prepared.issues)
        by_key: dict[str, list[str]] = {}
        for issue in prepared.issues:
            by_key.setdefault(issue.document_key, []).append(issue.line())
        would_post: list[Document] = []
        labels = {doc.key: destination(doc, prepared.master) for doc in prepared.documents}
        for doc in prepared.documents:
            kind = labels[doc.key]
            if self.skip_in_sage and doc.key in prepared.in_sage:
                self.skipped[doc.key] = prepared.in_sage[doc.key].describe()
                self.rows.append(row(doc, DocState.SKIPPED, prepared.in_sage[doc.key].describe(), kind=kind))
            elif doc.key in blocked:
                self.rows.append(row(doc, DocState.INVALID, messages=by_key.get(doc.key, []), kind=kind))
            else:
                would_post.append(doc)
                self.rows.append(row(doc, PreviewState.WOULD_POST, messages=by_key.get(doc.key, []), kind=kind))
        self.impact.add(build_preview(would_post, prepared.master.home_currency, labels))
        self.issues.extend(prepared.issues)
        self.documents += len(prepared.documents)
        self.bad += len({doc.key for doc in prepared.documents} & blocked)
        self.postable += sum(1 for doc in prepared.documents if doc.key not in blocked and doc.key in prepared.items)
        self.any_blocking = self.any_blocking or bool(blocked)

    def result(self, job: BatchJob, message: str) -> RunResult:
        """The result of the dry run or check previewed."""
        return RunResult(
            kind=job.kind,
            batch_number=job.batch_number,
            outcome=Outcome.PREVIEW,
            message=message,
            documents=self.rows,
            issues=self.issues,
            skipped=self.skipped,
            warnings=job.warnings(),
            preview=self.impact,
            requests=job.requests(),
        )


def preview_message(request: RunRequest, parts: PreviewParts) -> str:
    """What the run previewed would do, as the run itself would decide it (all or nothing without --skip-invalid)."""
    head = f"Preview of batch {request.batch_number}"
    tail = "Nothing was changed anywhere."
    if not parts.any_blocking:
        return f"{head}: all {parts.postable} document(s) would be posted. {tail}"
    if not request.skip_invalid or not parts.postable:
        return (
            f"{head}: the run would fail before posting: {parts.bad} document(s) have problems that must be fixed "
            f"first, so nothing would be sent to Sage 300 (with --skip-invalid the other {parts.postable} would be "
            f"posted). {tail}"
        )
    return f"{head}: {parts.postable} document(s) would be posted; {parts.bad} with problems would be left out. {tail}"


def fail_before_posting(job: BatchJob, run: RunRecord) -> RunResult:
    """The guide's first outcome: validation failed, nothing was posted, nothing was marked.

    Read from the state store (the run's documents were stored part by part as they were prepared): each
    document with its problems, those without a blocking one shown as what they would have done.
    """
    rows, issues = stored_rows(
        job.ctx.store.documents(run.id, payloads=False),
        lambda record: DocState.INVALID if record.state is DocState.INVALID else PreviewState.WOULD_POST,
    )
    errors = [i for i in issues if i.severity is Severity.ERROR]
    docs = len({i.document_key for i in errors})
    result = RunResult(
        kind=job.kind,
        batch_number=job.batch_number,
        outcome=Outcome.FAILED_BEFORE_POSTING,
        message=(
            f"Batch {job.batch_number} failed before posting: {len(errors)} problem(s) on {docs} document(s) must "
            "be fixed first. Nothing was sent to Sage 300 and nothing was marked in Manage. Fix them and run "
            "again, or use --skip-invalid to post the others."
        ),
        run_id=run.id,
        documents=rows,
        issues=issues,
        warnings=job.warnings(),
        requests=job.requests(),
    )
    job.ctx.store.finish_run(run.id, RunStatus.FAILED, {"outcome": str(result.outcome), "errors": len(errors)})
    result.reports = write_reports(job.ctx.reports_dir, result, job.ctx.store.audit_entries(run.id))
    return result
