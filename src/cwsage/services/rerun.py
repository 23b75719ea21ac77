"""Rerun Previous Batch: re-export a Manage batch and post again only what Sage 300 no longer has."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

from cwsage.connectwise import models as cw
from cwsage.errors import ConfigurationError, SourceDataError
from cwsage.services.context import Context
from cwsage.services.exporting import EXPORT_CHUNK, translate_export
from cwsage.services.job import BatchJob, Prepared
from cwsage.services.locks import write_lock
from cwsage.services.outcome import finish
from cwsage.services.preview import PreviewParts
from cwsage.services.results import RunResult
from cwsage.services.selection import DETAIL_LEVELS, check_batch_number
from cwsage.state.store import DocState, RunKind, RunPhase, RunRecord, RunStatus, StateStore

ALREADY_IN_SAGE = "already_in_sage"
"""The rerun option that keeps what Sage already had when a forced rerun started (key → where), so that a
resumed rerun still reports which of those were refused and which were duplicated."""


def rerun_batch(
    ctx: Context, batch_number: str, *, dry_run: bool = False, force: bool = False, detail: str | None = None
) -> RunResult:
    """Rerun Previous Batch: re-export a Manage batch and post again only what Sage no longer has.

    The case of the guide: Sage 300 was restored from a backup, so some of the batch's documents are gone and
    some are not. Every document Sage still has (posted, or in an open or ready-to-post batch) is skipped and
    listed with where it was found. ``force`` sends those too, after listing them: Sage itself refuses a second
    AR or AP document with the same number (they come back rejected, with Sage's words), while GL journal
    entries have no such check and are duplicated — which is what ``--force`` asks for. Nothing is written
    back to Manage (the batch exists there already). An interrupted rerun is resumed by the same command.

    Args:
        ctx: Clients, state store and settings.
        batch_number: The Batch Number of the Manage batch.
        dry_run: Show what would be posted and skipped; change nothing anywhere.
        force: Post even the documents Sage 300 already has.
        detail: Invoice line detail of the re-export (default, condensed, detailed); ``None``: the detail the
            batch was first run with by this installation (``default`` when it was not).

    Returns:
        The same result (outcome, documents, errors, reports) as a new run, with ``skipped`` filled.

    Raises:
        ConfigurationError: Manage has no batch with this number.
    """
    check_batch_number(batch_number)
    job = BatchJob(ctx, kind=RunKind.RERUN, batch_number=batch_number)
    store = ctx.store
    batches = ctx.manage.find_batches(batch_number)
    if not batches:
        raise ConfigurationError(
            f"Manage has no batch {batch_number!r}",
            hint="Check the Batch Number in Manage (Finance > Accounting Interface > Batches).",
        )
    batch = batches[0]
    batch_id = batch.id
    if batch_id is None:
        raise SourceDataError(f"Manage returned batch {batch_number!r} without an id")
    if detail is None:
        first = store.find_runs(batch_number=batch_number, kind=RunKind.RUN)
        detail = str(first[-1].options.get("detail") or "default") if first else "default"
    unfinished = store.find_runs(batch_number=batch_number, kind=RunKind.RERUN, status=RunStatus.RUNNING)
    resumed = unfinished[0] if unfinished and not dry_run else None
    if resumed is not None and resumed.reached(RunPhase.PREPARED):
        ctx.progress.note(f"Resuming the unfinished rerun {resumed.id} of batch {batch_number}.")
        with write_lock(store, resumed.id, ctx.manage.company, ctx.sage.company):
            return _post(job, resumed, force=bool(resumed.options.get("force")))
    if resumed is not None:  # stopped while it was stored part by part: prepared again, as it started
        ctx.progress.note(f"Resuming the unfinished rerun {resumed.id} of batch {batch_number} from the start.")
        force = bool(resumed.options.get("force"))
        detail = str(resumed.options.get("detail") or detail)
    export_request = cw.ExportRequest(
        batch_identifier=batch_number,
        summarize_invoices=DETAIL_LEVELS.get(detail.lower(), "Default"),
        export_invoices_flag=bool(batch.export_invoices_flag),
        export_expenses_flag=bool(batch.export_expenses_flag),
        export_products_flag=bool(batch.export_products_flag),
    )

    def prepared_parts() -> Iterator[Prepared]:
        ctx.progress.stage(f"Re-exporting batch {batch_number} from Manage")
        master = job.load_master()
        seen: dict[str, str] = {}
        for export in ctx.manage.reexport_batch_parts(batch_id, export_request, invoices=EXPORT_CHUNK):
            translation = translate_export(ctx, export)
            del export  # the part's records are large; only its translation is needed from here
            yield job.prepare(translation, create_missing=False, conflicts_are_errors=False, master=master, seen=seen)

    if dry_run:
        return _preview(job, prepared_parts(), batch_number, force=force)
    run_id = resumed.id if resumed is not None else str(uuid.uuid4())
    with write_lock(store, run_id, ctx.manage.company, ctx.sage.company):
        options = {"force": force, "detail": detail, "manage_batch_id": batch_id}
        run = resumed or store.create_run(
            kind=RunKind.RERUN, batch_number=batch_number, options=options, actor=ctx.actor, run_id=run_id
        )
        found: dict[str, str] = {}
        notes: list[str] = []
        for prepared in prepared_parts():  # stored part by part; the run is prepared once every part is
            part_found, part_notes = _in_sage(prepared, force=force)
            found.update(part_found)
            notes += part_notes
            skip = {} if force else dict(prepared.in_sage)
            # Found documents are skipped (or, with --force, posted again): never counted as posted by this rerun.
            prepared.in_sage = {}
            job.persist(run, prepared, skip=skip)
        store.set_phase(run.id, RunPhase.PREPARED, options={ALREADY_IN_SAGE: found})
        if force and found:
            store.audit(run.id, "force", {"already_in_sage": found})
            for note in notes:
                ctx.progress.note(note)
        run = store.get_run(run.id) or run
        return _post(job, run, force=force)


def _post(job: BatchJob, run: RunRecord, *, force: bool) -> RunResult:
    """Post what the rerun stored (resuming what a crash left), and finish it."""
    store = job.ctx.store
    if not run.reached(RunPhase.POSTING):
        store.set_phase(run.id, RunPhase.POSTING)
    poster, error = job.post(run)
    if force:
        found = dict(run.options.get(ALREADY_IN_SAGE) or {})
        poster.outcome.warnings.extend(_forced_outcome(store, run.id, found))
    return finish(job, run, poster, error=error, manage_batch=None, written_back=False)


def _preview(job: BatchJob, parts: Iterable[Prepared], batch_number: str, *, force: bool) -> RunResult:
    """What rerunning the batch would do, part by part: posted, skipped, or (``force``) sent again."""
    preview = PreviewParts(skip_in_sage=not force)
    found = 0
    notes: list[str] = []
    for prepared in parts:
        part_found, part_notes = _in_sage(prepared, force=force)
        found += len(part_found)
        notes += part_notes
        preview.add(prepared)
    if force and found:
        message = (
            f"Preview of rerunning batch {batch_number} with --force: {found} document(s) are still in "
            "Sage 300 and would be sent again. Nothing was changed anywhere."
        )
    elif found:
        message = (
            f"Preview of rerunning batch {batch_number}: {found} document(s) are still in Sage 300 and "
            "would be skipped (--force would post them anyway). Nothing was changed anywhere."
        )
    else:
        message = (
            f"Preview of rerunning batch {batch_number}: none of its documents is in Sage 300 any more; "
            "all would be posted. Nothing was changed anywhere."
        )
    result = preview.result(job, message)
    result.warnings.extend(notes)
    return result


def _in_sage(prepared: Prepared, *, force: bool) -> tuple[dict[str, str], list[str]]:
    """What Sage already has of one prepared part (key -> where, in words), and with ``force`` the notes saying
    each is sent again."""
    found = {key: where.describe() for key, where in prepared.in_sage.items()}
    return found, _force_notes(prepared, found) if force else []


def _force_notes(prepared: Prepared, found: dict[str, str]) -> list[str]:
    """The list ``--force`` shows before posting: what Sage already has, and where."""
    notes = []
    for key, where in sorted(found.items()):
        item = prepared.items.get(key)
        label = item.label if item else key
        notes.append(f"--force: {label} is already in Sage 300 ({where}) and is sent again")
    return notes


def _forced_outcome(store: StateStore, run_id: str, found: dict[str, str]) -> list[str]:
    """After a forced rerun: which of the documents Sage already had were refused, and which were duplicated."""
    if not found:
        return []
    records = {r.key: r for r in store.documents(run_id, payloads=False)}
    refused = [k for k in found if k in records and records[k].state is DocState.REJECTED]
    doubled = [k for k in found if k in records and records[k].state is DocState.POSTED]
    notes = []
    if refused:
        notes.append(
            f"--force: Sage 300 refused {len(refused)} document(s) it already had (it does not accept a second "
            "AR or AP document with the same number); the copies already in Sage 300 stay as they are: "
            + ", ".join(records[k].document_number for k in sorted(refused))
        )
    if doubled:
        notes.append(
            f"--force: {len(doubled)} document(s) Sage 300 already had were posted again and are now there twice "
            "(check and delete the copies you do not want): "
            + ", ".join(f"{records[k].document_number} (first copy: {found[k]})" for k in sorted(doubled))
        )
    return notes
