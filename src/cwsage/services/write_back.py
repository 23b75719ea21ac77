"""Write-back: mark in Manage exactly the documents Sage has, as one Manage batch with their GL entry ids.

Manage refuses the whole batch when one GL entry is no longer unposted there (the record was changed,
re-closed or batched by hand after the export); cwsage then learns from a fresh export (a read) which entries
Manage would still batch, batches those, and files the others' documents as ``not_marked`` with what to check
in Manage. One record can never block the rest.
"""

from __future__ import annotations

import logging

from cwsage.connectwise import models as cw
from cwsage.connectwise.client import ManageRejection
from cwsage.domain.issues import Issue
from cwsage.errors import AmbiguousOutcome, SourceDataError
from cwsage.services.exporting import translate_parts
from cwsage.services.job import BatchJob
from cwsage.services.progress import checkpoint
from cwsage.services.selection import request_of, select
from cwsage.state.store import DocState, RunRecord, StateChange

log = logging.getLogger("cwsage.batch")


def write_back(job: BatchJob, run: RunRecord, request_flags: dict[str, bool]) -> str | None:
    """Mark in Manage exactly the documents Sage has: one batch with their GL entry ids."""
    store, manage = job.ctx.store, job.ctx.manage
    landed = store.gl_entries(run.id, state=DocState.POSTED)  # key -> GL entry ids: not whole documents
    if not landed:
        return None
    job.ctx.progress.stage("Marking the posted records as batched in Manage")
    ids = sorted({gl_id for entries in landed.values() for gl_id in entries})
    existing = manage.find_batches(job.batch_number)
    refused: set[int] = set()
    if not existing:
        checkpoint("before-write-back")
        try:
            existing = _create_manage_batch(job, ids, request_flags)
        except ManageRejection as exc:
            # One GL entry Manage no longer knows refuses the whole batch: find which, batch the others.
            refused = set(ids) - _still_unbatched(job, run)
            if not refused:
                raise
            log.warning("Manage refused GL entries %s (%s); batching the others", sorted(refused), exc)
            store.audit(run.id, "manage-refused-entries", {"gl_entries": sorted(refused), "answer": str(exc)})
            rest = [i for i in ids if i not in refused]
            existing = _create_manage_batch(job, rest, request_flags) if rest else []
    if refused:
        landed = _not_marked(job, run, landed, refused)
        if not landed:
            return None
    batch = existing[0] if existing else manage.find_batches(job.batch_number)[0]
    if batch.id is None:
        raise SourceDataError(f"Manage returned batch {job.batch_number!r} without an id")
    if existing:
        batched = {entry.id for entry in manage.batch_entries(batch.id)}
        missing = [i for i in ids if i not in batched and i not in refused]
        if missing:
            raise SourceDataError(
                f"Manage already has a batch {job.batch_number!r} that does not contain {len(missing)} of this "
                "run's GL entries",
                hint="Choose a new Batch Number (e.g. add -1) and run again; the documents are in Sage already "
                "and will be found, not posted twice.",
            )
    checkpoint("during-write-back")
    event = f"batched in Manage ({job.batch_number})"
    store.set_states(run.id, [StateChange(key, DocState.WRITTEN_BACK, event) for key in landed])
    store.audit(run.id, "manage-batch", {"batch": job.batch_number, "id": batch.id, "gl_entries": len(ids)})
    return f"{job.batch_number} (Manage batch id {batch.id})"


def _create_manage_batch(job: BatchJob, ids: list[int], flags: dict[str, bool]) -> list[cw.AccountingBatch]:
    """``POST /batches`` with ``ids``; after an unclear answer, the batch if it was made (else re-raise)."""
    request = cw.CreateBatchRequest(
        batch_identifier=job.batch_number,
        export_invoices_flag=flags.get("invoices", False),
        export_expenses_flag=flags.get("expenses", False),
        export_products_flag=flags.get("inventory", False),
        processed_record_ids=ids,
    )
    try:
        job.ctx.manage.create_batch(request)
    except AmbiguousOutcome:
        existing = job.ctx.manage.find_batches(job.batch_number)
        if not existing:
            raise
        return existing
    return []


def _still_unbatched(job: BatchJob, run: RunRecord) -> set[int]:
    """The GL entry ids Manage would batch now for the run's selection (a fresh export is a read)."""
    request = request_of(run)
    selection = select(job.ctx, request)
    if selection.empty:
        return set()
    parts = translate_parts(job.ctx, request, selection)
    return {gl_id for part in parts for doc in part.readable_documents for gl_id in doc.gl_entry_ids}


def _not_marked(job: BatchJob, run: RunRecord, landed: dict[str, list[int]], refused: set[int]) -> dict[str, list[int]]:
    """File the documents whose GL entries Manage refused; return the ones it can still mark."""
    markable: dict[str, list[int]] = {}
    refusals: list[StateChange] = []
    for key, entries in landed.items():
        theirs = sorted(set(entries) & refused)
        record = job.ctx.store.get_document(run.id, key) if theirs else None
        if record is None:
            markable[key] = entries
            continue
        issue = Issue(
            record.report.get("label", record.key),
            record.key,
            "manage-refused-gl-entries",
            "processedRecordIds",
            ", ".join(map(str, theirs)),
            f"is in Sage 300 ({record.where or 'posted'}), but Manage refused to mark its GL entries "
            "as batched: they are no longer unposted there (the record was changed, re-closed, deleted or "
            "batched by hand after the export)",
            "Open the record in Manage (Finance > Accounting Interface). If it still shows as unposted, mark it "
            "batched by hand. Do not post it to Sage 300 again: it is there already.",
        )
        event = "Manage refused its GL entries"
        issues = [*record.issues, issue.as_dict()]
        refusals.append(StateChange(record.key, DocState.NOT_MARKED, event, issues=issues))
    job.ctx.store.set_states(run.id, refusals)
    return markable
