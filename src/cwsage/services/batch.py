"""Run New Batch and Check: the guide's routine, done exactly once, phase by phase.

The steps of DESIGN §3, each in its own module — select (:mod:`~cwsage.services.selection`), export and
translate (:mod:`~cwsage.services.exporting`), prepare and persist (:mod:`~cwsage.services.job`), create missing
records (:mod:`~cwsage.services.create_missing`), post (:mod:`~cwsage.services.posting` with one
:mod:`target <cwsage.services.targets>` per kind of Sage document), write back
(:mod:`~cwsage.services.write_back`), finish (:mod:`~cwsage.services.outcome`) — strung together here. Every
document's state is persisted before and after every remote call, and the run's phase after every step: any run
can be interrupted at any instant and started again with the same command; it continues from its phase
(documents already in Sage are found, not posted again; Manage is marked only for what Sage has).

This module is also the service's public face: the CLI, the web UI and the tests import the request, the
context and the three entry points from here (Rerun Previous Batch lives in :mod:`~cwsage.services.rerun`).
"""

from __future__ import annotations

import uuid

from cwsage.errors import ConfigurationError, CwsageError
from cwsage.mapping.validate import blocking_keys
from cwsage.services.batch_numbers import next_free_batch_number
from cwsage.services.context import BatchSettings, Context
from cwsage.services.create_missing import MissingRecords, create_missing, defaults_of
from cwsage.services.exporting import translate_parts
from cwsage.services.job import BatchJob
from cwsage.services.locks import write_lock
from cwsage.services.outcome import finish, replay
from cwsage.services.preview import PreviewParts, fail_before_posting, preview_message
from cwsage.services.rerun import rerun_batch
from cwsage.services.results import Outcome, RunResult
from cwsage.services.selection import (
    DETAIL_LEVELS,
    SELECTED_IDS,
    RunRequest,
    Selection,
    check_batch_number,
    finished_same,
    refuse_new_records,
    request_of,
    select,
    selected_ids,
)
from cwsage.services.write_back import write_back
from cwsage.state.store import RunKind, RunPhase, RunRecord, RunStatus

__all__ = [
    "DETAIL_LEVELS",
    "BatchSettings",
    "Context",
    "RunRequest",
    "Selection",
    "check",
    "rerun_batch",
    "run_batch",
]


def check(ctx: Context, request: RunRequest) -> RunResult:
    """Validation only (``cwsage check``): every issue of the selection, nothing written anywhere."""
    job = BatchJob(ctx, kind="check", batch_number=request.batch_number or "check")
    selection = select(ctx, request, strict=True)
    if selection.empty:
        return RunResult("check", job.batch_number, Outcome.NOTHING_TO_DO, "No unposted records match.")
    parts = _preview_in_parts(job, request, selection)
    errors = sum(1 for i in parts.issues if i.blocking)
    message = f"{parts.documents} document(s) checked: " + (
        f"{errors} problem(s) must be fixed before posting." if errors else "everything maps to Sage 300."
    )
    result = parts.result(job, message)
    if errors:
        result.outcome = Outcome.FAILED_BEFORE_POSTING
    return result


def run_batch(ctx: Context, request: RunRequest) -> RunResult:
    """Run New Batch: select, export, validate, post, write back — or resume an unfinished run."""
    check_batch_number(request.batch_number)
    job = BatchJob(ctx, kind=RunKind.RUN, batch_number=request.batch_number)
    store = ctx.store
    unfinished = store.find_runs(batch_number=request.batch_number, kind=RunKind.RUN, status=RunStatus.RUNNING)
    if request.dry_run:
        selection = select(ctx, request, strict=True)
        if selection.empty:
            return RunResult("run", request.batch_number, Outcome.NOTHING_TO_DO, "No unposted records match.")
        parts = _preview_in_parts(job, request, selection)
        return parts.result(job, preview_message(request, parts))
    if not unfinished and (request.include or request.exclude) and finished_same(store, request) is None:
        select(ctx, request, strict=True)  # a wrong id is refused before a run is created (nothing left behind)
    # The lock is taken before a run is created or resumed: a refused second run leaves nothing behind.
    run_id = unfinished[0].id if unfinished else str(uuid.uuid4())
    with write_lock(store, run_id, ctx.manage.company, ctx.sage.company):
        return _run_locked(ctx, job, request, run_id, resume=bool(unfinished))


def _run_locked(ctx: Context, job: BatchJob, request: RunRequest, run_id: str, *, resume: bool) -> RunResult:
    store = ctx.store
    selection: Selection | None = None
    if not resume:
        selection = select(ctx, request)
        same = finished_same(store, request)
        if same is not None:
            refuse_new_records(ctx, same, selection)
            # The same command again (after a kill once the run was saved, or by habit): its recorded result.
            return replay(job, same)
        finished = [
            r
            for r in store.find_runs(batch_number=request.batch_number, kind=RunKind.RUN)
            if r.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
        ]
        if finished or ctx.manage.find_batches(request.batch_number):
            free = next_free_batch_number(store, ctx.manage, request.batch_number, include_base=False)
            used_by = (
                f"this installation's run of {finished[0].started_at:%Y-%m-%d %H:%M} for another selection"
                if finished
                else "a batch in Manage"
            )
            raise ConfigurationError(
                f"Batch Number {request.batch_number!r} is already used by {used_by}",
                hint=f"Run these records under the next free Batch Number, {free}; or use "
                f"`cwsage rerun {request.batch_number}` to send that batch to Sage 300 again.",
            )
    if resume:
        run = store.get_run(run_id)
        assert run is not None
        ctx.progress.note(f"Resuming the unfinished run {run.id} of batch {request.batch_number}.")
        request = request_of(run)
    else:
        assert selection is not None
        options = {**request.options(), SELECTED_IDS: selected_ids(selection)}
        run = store.create_run(
            kind=RunKind.RUN, batch_number=request.batch_number, options=options, actor=ctx.actor, run_id=run_id
        )
    flags = {"invoices": request.invoices, "expenses": request.expenses, "inventory": request.inventory}
    # A run is prepared once every document is stored: a crash before that means start again from selection.
    if not run.reached(RunPhase.PREPARED):
        selection = selection or select(ctx, request)
        if selection.empty:
            store.finish_run(run.id, RunStatus.SUCCEEDED, {"outcome": str(Outcome.NOTHING_TO_DO)})
            return RunResult(
                "run",
                request.batch_number,
                Outcome.NOTHING_TO_DO,
                "No unposted records match: there is nothing to post.",
                run_id=run.id,
            )
        flags = {
            "invoices": bool(selection.invoices),
            "expenses": bool(selection.expenses),
            "inventory": bool(selection.procurement),
        }
        store.audit(
            run.id,
            "selected",
            {
                "invoices": len(selection.invoices),
                "expenses": len(selection.expenses),
                "procurement": len(selection.procurement),
            },
        )
        blocked, postable, missing = _prepare_in_parts(job, run, request, selection)
        del selection  # stored now: from here the run reads the state store
        if blocked and (not request.skip_invalid or not postable):
            # With --skip-invalid and nothing valid left there is nothing to post: the same outcome.
            return fail_before_posting(job, run)
        if request.create_missing:
            create_missing(job, run, missing)
        store.set_phase(run.id, RunPhase.PREPARED)
    else:
        kinds = {r.source_type for r in store.documents(run.id, payloads=False)}
        flags = {
            "invoices": "invoice" in kinds,
            "expenses": "expense" in kinds,
            "inventory": "procurement" in kinds,
        }
    if not run.reached(RunPhase.POSTING):
        store.set_phase(run.id, RunPhase.POSTING)
    poster, error = job.post(run)
    manage_batch = None
    if error is None:
        try:
            manage_batch = write_back(job, run, flags)
        except CwsageError as exc:
            error = exc
        else:
            if not run.reached(RunPhase.WRITTEN_BACK):
                store.set_phase(run.id, RunPhase.WRITTEN_BACK)
    return finish(job, run, poster, error=error, manage_batch=manage_batch, written_back=True)


def _preview_in_parts(job: BatchJob, request: RunRequest, selection: Selection) -> PreviewParts:
    """Export, translate and prepare the selection one export part at a time, keeping only what a preview shows."""
    master = job.load_master()
    seen: dict[str, str] = {}
    parts = PreviewParts(skip_in_sage=False)
    for translation in translate_parts(job.ctx, request, selection):
        parts.add(
            job.prepare(
                translation, create_missing=request.create_missing, conflicts_are_errors=True, master=master, seen=seen
            )
        )
    return parts


def _prepare_in_parts(
    job: BatchJob, run: RunRecord, request: RunRequest, selection: Selection
) -> tuple[int, int, MissingRecords]:
    """Export, translate, prepare and store the selection one export part at a time (memory holds one part).

    Returns:
        How many documents are blocked by a problem, how many would post, and what ``--create-missing`` would
        create for the latter.
    """
    master = job.load_master()
    seen: dict[str, str] = {}
    current: set[str] = set()
    blocked = postable = 0
    missing = MissingRecords()
    defaults = defaults_of(job)
    for translation in translate_parts(job.ctx, request, selection):
        prepared = job.prepare(
            translation, create_missing=request.create_missing, conflicts_are_errors=True, master=master, seen=seen
        )
        stopped = blocking_keys(prepared.issues)
        keys = {doc.key for doc in prepared.documents}
        blocked += len(keys & stopped)
        postable += sum(1 for key in keys - stopped if key in prepared.items)
        current |= keys
        job.persist(run, prepared, skip={})
        if request.create_missing:
            missing.collect(prepared, defaults)
    job.drop_unselected(run, current)
    return blocked, postable, missing
