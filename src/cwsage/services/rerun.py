"""Rerun Previous Batch: re-export a Manage batch and post again only what Sage 300 no longer has."""

from __future__ import annotations

import uuid

from cwsage.connectwise import models as cw
from cwsage.errors import ConfigurationError, SourceDataError
from cwsage.services.context import Context
from cwsage.services.exporting import translate_export
from cwsage.services.job import BatchJob, Prepared
from cwsage.services.locks import write_lock
from cwsage.services.outcome import finish
from cwsage.services.preview import preview
from cwsage.services.results import RunResult
from cwsage.services.selection import DETAIL_LEVELS, check_batch_number
from cwsage.state.store import DocState, RunKind, RunPhase, RunStatus, StateStore

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
    if batch.id is None:
        raise SourceDataError(f"Manage returned batch {batch_number!r} without an id")
    if detail is None:
        first = store.find_runs(batch_number=batch_number, kind=RunKind.RUN)
        detail = str(first[-1].options.get("detail") or "default") if first else "default"
    unfinished = store.find_runs(batch_number=batch_number, kind=RunKind.RERUN, status=RunStatus.RUNNING)
    if dry_run or not unfinished:
        ctx.progress.stage(f"Re-exporting batch {batch_number} from Manage")
        export = ctx.manage.reexport_batch(
            batch.id,
            cw.ExportRequest(
                batch_identifier=batch_number,
                summarize_invoices=DETAIL_LEVELS.get(detail.lower(), "Default"),
                export_invoices_flag=bool(batch.export_invoices_flag),
                export_expenses_flag=bool(batch.export_expenses_flag),
                export_products_flag=bool(batch.export_products_flag),
            ),
        )
        ctx.progress.stage("Translating documents")
        translation = translate_export(ctx, export)
        del export  # the export models are large; only the translation is needed from here
        prepared = job.prepare(translation, create_missing=False, conflicts_are_errors=False)
        found = {key: where.describe() for key, where in prepared.in_sage.items()}
        skip = {} if force else dict(prepared.in_sage)
        if dry_run:
            if force and found:
                message = (
                    f"Preview of rerunning batch {batch_number} with --force: {len(found)} document(s) are still in "
                    "Sage 300 and would be sent again. Nothing was changed anywhere."
                )
            elif found:
                message = (
                    f"Preview of rerunning batch {batch_number}: {len(found)} document(s) are still in Sage 300 and "
                    "would be skipped (--force would post them anyway). Nothing was changed anywhere."
                )
            else:
                message = (
                    f"Preview of rerunning batch {batch_number}: none of its documents is in Sage 300 any more; "
                    "all would be posted. Nothing was changed anywhere."
                )
            result = preview(job, prepared, message, skip_in_sage=not force)
            if force:
                result.warnings.extend(_force_notes(prepared, found))
            return result
        run_id = str(uuid.uuid4())
        with write_lock(store, run_id, ctx.manage.company, ctx.sage.company):
            options = {"force": force, "detail": detail, "manage_batch_id": batch.id, ALREADY_IN_SAGE: found}
            run = store.create_run(
                kind=RunKind.RERUN, batch_number=batch_number, options=options, actor=ctx.actor, run_id=run_id
            )
            if force and found:
                store.audit(run.id, "force", {"already_in_sage": found})
                for note in _force_notes(prepared, found):
                    ctx.progress.note(note)
            # Found documents are skipped (or, with --force, posted again): never counted as posted by this rerun.
            prepared.in_sage = {}
            job.persist(run, prepared, skip=skip)
            store.set_phase(run.id, RunPhase.PREPARED)
            del prepared  # all stored now
            store.set_phase(run.id, RunPhase.POSTING)
            poster, error = job.post(run)
            if force:
                poster.outcome.warnings.extend(_forced_outcome(store, run.id, found))
            return finish(job, run, poster, error=error, manage_batch=None, written_back=False)
    run = unfinished[0]
    ctx.progress.note(f"Resuming the unfinished rerun {run.id} of batch {batch_number}.")
    with write_lock(store, run.id, ctx.manage.company, ctx.sage.company):
        if not run.reached(RunPhase.POSTING):
            store.set_phase(run.id, RunPhase.POSTING)
        poster, error = job.post(run)
        if run.options.get("force"):
            found = dict(run.options.get(ALREADY_IN_SAGE) or {})
            poster.outcome.warnings.extend(_forced_outcome(store, run.id, found))
        return finish(job, run, poster, error=error, manage_batch=None, written_back=False)


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
    records = {r.key: r for r in store.documents(run_id)}
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
