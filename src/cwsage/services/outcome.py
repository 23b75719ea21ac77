"""The end of a run: its outcome, decided from the documents' states and from who must act on the error.

The outcome is derived, never written by hand: the counts of documents per state say whether the batch
succeeded, succeeded with errors, failed or did nothing; an error that stopped the run keeps its class to the
end (:attr:`RunResult.error`), so the message says who must act — wait and run again (transient), fix a setting
first (configuration), or report a bug — and ``--json`` carries the error's code, status, remote code and
request id.
"""

from __future__ import annotations

from collections import Counter

from cwsage.domain.issues import Issue
from cwsage.errors import Actor, CwsageError
from cwsage.services.job import BatchJob, stored_rows
from cwsage.services.posting import Poster
from cwsage.services.progress import checkpoint
from cwsage.services.reports import write_reports
from cwsage.services.results import DocumentRow, Outcome, RunResult
from cwsage.state.store import DocState, RunKind, RunRecord, RunStatus

_THEN: dict[Actor, str] = {
    Actor.TRANSIENT: "Nothing is lost or doubled: run the same command again to finish batch {batch}.",
    Actor.USER_CONFIG: "Nothing is lost or doubled: once that is fixed, the same command finishes batch {batch}.",
    Actor.BUG: "This is a bug in cwsage: nothing is lost or doubled, and the same command resumes batch {batch}; "
    "please send the log (--verbose) to support.",
}
"""What the user does after an interruption, by who must act (others: as for a setting)."""


def _decide(
    job: BatchJob, counts: Counter[DocState], error: CwsageError | None, written_back: bool
) -> tuple[Outcome, RunStatus, str]:
    """The outcome, the stored status and the message, from the counts per state and the error."""
    batch = job.batch_number
    done_state = DocState.WRITTEN_BACK if written_back else DocState.POSTED
    good = counts[done_state] + (counts[DocState.POSTED] if written_back else 0) + counts[DocState.NOT_MARKED]
    bad = counts[DocState.REJECTED] + counts[DocState.INVALID] + counts[DocState.NOT_MARKED]
    open_work = counts[DocState.VALIDATED] + counts[DocState.POSTING] + (counts[DocState.POSTED] if written_back else 0)
    if error is not None or open_work:
        why = error.paragraph() if error is not None else "some documents are still in progress"
        then = _THEN.get(error.actor if error is not None else Actor.TRANSIENT, _THEN[Actor.USER_CONFIG])
        message = f"The {job.kind} stopped before finishing: {why}\n{then.format(batch=batch)}"
        return Outcome.INTERRUPTED, RunStatus.RUNNING, message
    if good and not bad:
        message = f"Batch {batch} completed successfully: {good} document(s) are in Sage 300."
        if counts[DocState.SKIPPED]:
            message += f" {counts[DocState.SKIPPED]} already in Sage 300 were skipped."
        return Outcome.SUCCEEDED, RunStatus.SUCCEEDED, message
    if good:
        not_posted = bad - counts[DocState.NOT_MARKED]
        message = (
            f"Batch {batch} completed, but {not_posted} document(s) had errors and were not posted; {good} are in "
            f"Sage 300. Fix the errors and run them in a new batch (e.g. {batch}-1)."
            if not_posted
            else f"Batch {batch} completed: {good} document(s) are in Sage 300."
        )
        if counts[DocState.NOT_MARKED]:
            message += (
                f" Manage refused to mark {counts[DocState.NOT_MARKED]} of them as batched; see the errors for what "
                "to check in Manage (they are in Sage 300: do not post them again)."
            )
        return Outcome.PARTIAL, RunStatus.PARTIAL, message
    if counts[DocState.SKIPPED] and not bad:
        message = f"Every document of batch {batch} is already in Sage 300; nothing was posted."
        return Outcome.NOTHING_TO_DO, RunStatus.SUCCEEDED, message
    why = "Sage 300 refused every document" if counts[DocState.REJECTED] else "no document could be posted"
    return Outcome.FAILED, RunStatus.FAILED, f"Batch {batch} failed: {why}. Nothing was posted; see the errors."


def finish(
    job: BatchJob,
    run: RunRecord,
    poster: Poster | None,
    *,
    error: CwsageError | None,
    manage_batch: str | None,
    written_back: bool,
    store_outcome: bool = True,
) -> RunResult:
    """Decide the outcome, store it (unless ``store_outcome`` is false), save the reports, build the result."""
    store = job.ctx.store
    counts: Counter[DocState] = Counter()
    rows: list[DocumentRow] = []
    issues: list[Issue] = []
    skipped: dict[str, str] = {}
    for records in store.document_pages(run.id, payloads=False):  # one page of stored records at a time
        page_rows, page_issues = stored_rows(records, lambda record: str(record.state))
        rows += page_rows
        issues += page_issues
        counts.update(record.state for record in records)
        skipped.update((r.key, r.where) for r in records if r.state is DocState.SKIPPED)
    outcome, status, message = _decide(job, counts, error, written_back)
    sage_batches = [batch.key for batch in store.sage_batches(run.id)]
    result = RunResult(
        kind=job.kind,
        batch_number=job.batch_number,
        outcome=outcome,
        message=message,
        run_id=run.id,
        documents=rows,
        issues=issues,
        sage_batches=sage_batches,
        manage_batch=manage_batch,
        skipped=skipped,
        warnings=job.warnings(poster.outcome.warnings if poster else []),
        requests=job.requests(),
        error=error,
    )
    if store_outcome and status is not RunStatus.RUNNING:
        summary = {
            "outcome": str(outcome),
            "counts": result.counts(),
            "sage_batches": sage_batches,
            "manage_batch": manage_batch,
        }
        store.finish_run(run.id, status, summary)
    if lost := store.lost():
        result.warnings.append(lost)
    result.reports = write_reports(job.ctx.reports_dir, result, store.audit_entries(run.id))
    if store_outcome:
        checkpoint("after-finish")
    return result


def replay(job: BatchJob, run: RunRecord) -> RunResult:
    """The recorded result of a finished run, as it ended (nothing is sent anywhere, nothing changes)."""
    result = finish(
        job,
        run,
        None,
        error=None,
        manage_batch=run.summary.get("manage_batch"),
        written_back=run.kind is RunKind.RUN,
        store_outcome=False,
    )
    finished = f"{run.finished_at:%Y-%m-%d %H:%M}" if run.finished_at else "earlier"
    result.message = f"Batch {job.batch_number} already ran ({finished}); nothing was sent again. {result.message}"
    return result
