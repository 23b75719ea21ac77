"""What a run would do, shown before it does it: the preview of a dry run or a check, and the outcome of a
batch whose validation failed (nothing sent anywhere)."""

from __future__ import annotations

from cwsage.domain.documents import Document
from cwsage.domain.issues import Severity
from cwsage.mapping.dispatch import destination
from cwsage.mapping.validate import blocking_keys
from cwsage.services.job import BatchJob, Prepared, row, stored_rows
from cwsage.services.reports import write_reports
from cwsage.services.results import Outcome, PreviewState, RunResult, build_preview
from cwsage.services.selection import RunRequest
from cwsage.state.store import DocState, RunRecord, RunStatus


def preview(job: BatchJob, prepared: Prepared, message: str, *, skip_in_sage: bool) -> RunResult:
    """The result of a dry run or a check: every document, its issues, the GL impact."""
    blocked = blocking_keys(prepared.issues)
    by_key: dict[str, list[str]] = {}
    for issue in prepared.issues:
        by_key.setdefault(issue.document_key, []).append(issue.line())
    rows = []
    would_post: list[Document] = []
    skipped: dict[str, str] = {}
    labels = {doc.key: destination(doc, prepared.master) for doc in prepared.documents}
    for doc in prepared.documents:
        kind = labels[doc.key]
        if skip_in_sage and doc.key in prepared.in_sage:
            skipped[doc.key] = prepared.in_sage[doc.key].describe()
            rows.append(row(doc, DocState.SKIPPED, prepared.in_sage[doc.key].describe(), kind=kind))
        elif doc.key in blocked:
            rows.append(row(doc, DocState.INVALID, messages=by_key.get(doc.key, []), kind=kind))
        else:
            would_post.append(doc)
            rows.append(row(doc, PreviewState.WOULD_POST, messages=by_key.get(doc.key, []), kind=kind))
    return RunResult(
        kind=job.kind,
        batch_number=job.batch_number,
        outcome=Outcome.PREVIEW,
        message=message,
        documents=rows,
        issues=prepared.issues,
        skipped=skipped,
        warnings=job.warnings(),
        preview=build_preview(would_post, prepared.master.home_currency, labels),
        requests=job.requests(),
    )


def preview_message(request: RunRequest, prepared: Prepared) -> str:
    """What the run previewed would do, as the run itself would decide it (all or nothing without --skip-invalid)."""
    blocked = blocking_keys(prepared.issues)
    postable = [d for d in prepared.documents if d.key not in blocked and d.key in prepared.items]
    bad = len({d.key for d in prepared.documents} & blocked)
    head = f"Preview of batch {request.batch_number}"
    tail = "Nothing was changed anywhere."
    if not blocked:
        return f"{head}: all {len(postable)} document(s) would be posted. {tail}"
    if not request.skip_invalid or not postable:
        return (
            f"{head}: the run would fail before posting: {bad} document(s) have problems that must be fixed first, "
            f"so nothing would be sent to Sage 300 (with --skip-invalid the other {len(postable)} would be posted). "
            f"{tail}"
        )
    return f"{head}: {len(postable)} document(s) would be posted; {bad} with problems would be left out. {tail}"


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
