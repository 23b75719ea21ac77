"""``--create-missing``: create the customers, vendors and items Sage lacks, only for documents that will post.

The records are built by :func:`cwsage.mapping.dispatch.missing_records`; this module only sends them. A
record Sage refuses to create (e.g. no customer group configured) does not stop the run: the documents that
needed it become ``invalid`` with Sage's words, and the others are posted.
"""

from __future__ import annotations

from cwsage.domain.issues import FixIn, Issue
from cwsage.errors import CwsageError
from cwsage.mapping.dispatch import MissingDefaults, MissingRecord, missing_records
from cwsage.mapping.validate import blocking_keys
from cwsage.services.job import BatchJob, Prepared
from cwsage.state.store import DocState, RunRecord, StateChange


def create_missing(job: BatchJob, run: RunRecord, prepared: Prepared) -> None:
    """Create what the valid documents of ``prepared`` need and Sage does not have (see the module docstring)."""
    ctx = job.ctx
    settings = ctx.settings
    defaults = MissingDefaults(settings.customer_group, settings.vendor_group, settings.item_account_set)
    blocked = blocking_keys(prepared.issues)
    done: set[str] = set()
    failed: dict[str, tuple[MissingRecord, CwsageError]] = {}
    needed_by: dict[str, dict[str, str]] = {}  # record number -> {document key: label}
    for doc in prepared.documents:
        if doc.key in blocked:
            continue
        for record in missing_records(doc, prepared.master, defaults):
            needed_by.setdefault(record.number, {})[doc.key] = doc.source.label
            if record.number in done or record.number in failed:
                continue
            resource = record.resource
            if ctx.sage.get(resource, record.number, type(record.payload)) is not None:
                done.add(record.number)  # created since the master data was read (by an earlier attempt)
                continue
            try:
                ctx.sage.create(resource, record.payload)
            except CwsageError as exc:
                failed[record.number] = (record, exc)
                ctx.store.audit(
                    run.id, "create-failed", {"record": record.number, "what": record.what, "error": exc.user_message}
                )
                continue
            done.add(record.number)
            ctx.store.audit(run.id, f"{record.what}-created", {record.what: record.number})
    changes = []
    for number, (record, error) in failed.items():
        for key, label in needed_by.get(number, {}).items():
            issue = Issue(
                label,
                key,
                "create-missing-failed",
                record.what,
                number,
                f"Sage 300 refused to create {record.what} {number}: {error.user_message}",
                f"Create {record.what} {number} in Sage 300, or set the {record.what} defaults (e.g. customer_group, "
                "vendor_group, item_account_set) in the configuration and run again.",
                FixIn.SAGE,
            )
            event = f"{record.what} could not be created"
            changes.append(StateChange(key, DocState.INVALID, event, issues=[issue.as_dict()]))
    ctx.store.set_states(run.id, changes)
