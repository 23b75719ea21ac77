"""``--create-missing``: create the customers, vendors and items Sage lacks, only for documents that will post.

The records are built by :func:`cwsage.mapping.dispatch.missing_records` and collected part by part as a run
is prepared (:class:`MissingRecords`); once every part is known to post, :func:`create_missing` sends them. A
record Sage refuses to create (e.g. no customer group configured) does not stop the run: the documents that
needed it become ``invalid`` with Sage's words, and the others are posted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cwsage.domain.issues import FixIn, Issue
from cwsage.errors import CwsageError
from cwsage.mapping.dispatch import MissingDefaults, MissingRecord, missing_records
from cwsage.mapping.validate import blocking_keys
from cwsage.services.job import BatchJob, Prepared
from cwsage.state.store import DocState, RunRecord, StateChange


@dataclass
class MissingRecords:
    """What the valid documents of a selection need and Sage lacks: each record once, with who needs it."""

    records: dict[str, MissingRecord] = field(default_factory=dict)
    needed_by: dict[str, dict[str, str]] = field(default_factory=dict)  # record number -> {document key: label}

    def collect(self, prepared: Prepared, defaults: MissingDefaults) -> None:
        """Add what the documents of ``prepared`` that will post need."""
        blocked = blocking_keys(prepared.issues)
        for doc in prepared.documents:
            if doc.key in blocked:
                continue
            for record in missing_records(doc, prepared.master, defaults):
                self.records.setdefault(record.number, record)
                self.needed_by.setdefault(record.number, {})[doc.key] = doc.source.label


def defaults_of(job: BatchJob) -> MissingDefaults:
    """The configured groups and account set of the records cwsage creates."""
    settings = job.ctx.settings
    return MissingDefaults(settings.customer_group, settings.vendor_group, settings.item_account_set)


def create_missing(job: BatchJob, run: RunRecord, missing: MissingRecords) -> None:
    """Create the records of ``missing`` Sage still lacks; file the documents of those it refuses as invalid."""
    ctx = job.ctx
    failed: dict[str, tuple[MissingRecord, CwsageError]] = {}
    for number, record in missing.records.items():
        if ctx.sage.get(record.resource, number, type(record.payload)) is not None:
            continue  # created since the master data was read (by an earlier attempt)
        try:
            ctx.sage.create(record.resource, record.payload)
        except CwsageError as exc:
            failed[number] = (record, exc)
            ctx.store.audit(run.id, "create-failed", {"record": number, "what": record.what, "error": exc.user_message})
            continue
        ctx.store.audit(run.id, f"{record.what}-created", {record.what: number})
    changes = []
    for number, (record, error) in failed.items():
        for key, label in missing.needed_by.get(number, {}).items():
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
