"""One run of the routine (new batch or rerun) and its middle phases: prepare, persist, post.

Preparation only reads (Sage master data, the look-up for documents already in Sage, validation); persisting
stores every document with its state and payload before anything is sent; posting hands the stored documents
to the :class:`~cwsage.services.posting.Poster`. The phases before (selection, export) and after (write-back,
finish) have their own modules; :mod:`cwsage.services.batch` strings them together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from cwsage import money
from cwsage.domain.documents import Document
from cwsage.domain.issues import FixIn, Issue
from cwsage.domain.location import DocumentLocation
from cwsage.domain.master import SageMasterData
from cwsage.errors import CwsageError, MappingError, SourceDataError
from cwsage.mapping import to_sage
from cwsage.mapping.dispatch import Target, destination, sage_document
from cwsage.mapping.from_manage import Translation
from cwsage.mapping.validate import ValidateOptions, blocking_keys, validate
from cwsage.services.context import Context
from cwsage.services.master import load_master
from cwsage.services.posting import Poster, PostSettings
from cwsage.services.progress import checkpoint
from cwsage.services.results import DocumentRow, document_party, document_total
from cwsage.services.targets import PostItem, locate
from cwsage.state.store import DocState, DocumentRecord, NewDocument, RunRecord, StateChange

READ_PAGE = 50
"""Stored documents read per query while posting (IC documents go one per call, but are read 50 at a time)."""

DATA_PROBLEMS = (ValidationError, money.MoneyError, MappingError, SourceDataError)
"""What building a Sage payload raises when the *document* cannot be expressed in Sage (a problem to fix in
Manage); anything else raised there is a bug of cwsage and stops the run as one."""


def post_item(doc: Document, master: SageMasterData, options: to_sage.PostingOptions) -> PostItem:
    """The Sage payload of one document, ready for the poster."""
    target, payload = sage_document(doc, master, options)
    return PostItem(doc.key, target, doc.document_number, document_party(doc), doc.source.label, payload)


def content_hash(payload: Mapping[str, Any]) -> str:
    """Fingerprint of what is sent to Sage, the payload as :meth:`PostItem.stored` keeps it (for the audit log)."""
    return hashlib.sha256(money.encode(payload, sort_keys=True)).hexdigest()[:16]


def row(
    doc: Document, state: str, where: str = "", messages: Iterable[str] = (), *, kind: str | None = None
) -> DocumentRow:
    """The report row of a document."""
    return DocumentRow(
        key=doc.key,
        kind=str(kind or doc.kind),
        label=doc.source.label,
        document_number=doc.document_number,
        party=document_party(doc),
        date=doc.document_date.isoformat(),
        currency=doc.currency,
        total=document_total(doc),
        state=state,
        where=where,
        messages=list(messages),
    )


def stored_rows(
    records: Iterable[DocumentRecord], state_of: Callable[[DocumentRecord], str]
) -> tuple[list[DocumentRow], list[Issue]]:
    """The report rows of stored documents (each in the state ``state_of`` says) and all their issues."""
    rows: list[DocumentRow] = []
    issues: list[Issue] = []
    for record in records:
        record_issues = [Issue.from_dict(i) for i in record.issues]
        issues.extend(record_issues)
        rows.append(_stored_row(record, state_of(record), [i.line() for i in record_issues]))
    return rows, issues


def _stored_row(record: DocumentRecord, state: str, messages: list[str]) -> DocumentRow:
    """The report row of a stored document (its ``report`` column, its location in words)."""
    data = record.report
    return DocumentRow(
        key=record.key,
        kind=data.get("kind", record.kind),
        label=data.get("label", record.key),
        document_number=record.document_number,
        party=data.get("party", ""),
        date=data.get("date", ""),
        currency=data.get("currency", ""),
        total=money.D(data.get("total", 0)),
        state=state,
        where=record.where,
        messages=messages,
    )


@dataclass
class Prepared:
    """Translated, located and validated documents of a batch."""

    documents: list[Document]
    items: dict[str, PostItem]
    issues: list[Issue]
    in_sage: dict[str, DocumentLocation]
    master: SageMasterData


class BatchJob:
    """One run of the routine, new batch or rerun, from selection to report."""

    def __init__(self, ctx: Context, *, kind: str, batch_number: str) -> None:
        self.ctx = ctx
        self.kind = kind
        self.batch_number = batch_number
        self.sage_notes: list[str] = []

    def warnings(self, more: Iterable[str] = ()) -> list[str]:
        """The run's warnings: what cwsage assumed about Sage (master data notes, enum members it does not know,
        seen until now) first, then ``more``; each once."""
        return list(dict.fromkeys([*self.sage_notes, *self.ctx.sage.warnings, *more]))

    def requests(self) -> dict[str, int]:
        """Requests made to each system so far."""
        return {"manage": self.ctx.manage.stats.total, "sage": self.ctx.sage.stats.total}

    # -- preparation (no writes anywhere) --------------------------------------------------------------

    def load_master(self) -> SageMasterData:
        """Sage master data, read once per run (its notes become the run's first warnings)."""
        ctx = self.ctx
        ctx.progress.stage("Reading Sage 300 master data")
        master = load_master(
            ctx.sage, rate_type=ctx.settings.posting.rate_type, home_currency=ctx.settings.home_currency or None
        )
        self.sage_notes = list(master.notes)
        return master

    def prepare(
        self,
        translation: Translation,
        *,
        create_missing: bool,
        conflicts_are_errors: bool,
        master: SageMasterData | None = None,
        seen: dict[str, str] | None = None,
    ) -> Prepared:
        """Build the Sage documents, look for those already in Sage, validate.

        Args:
            translation: The documents (of the whole selection, or of one part of it).
            create_missing: Missing customers, vendors and items will be created (not problems then).
            conflicts_are_errors: A document Sage has that an earlier cwsage run did not put there is a problem.
            master: Sage master data (read here when not given).
            seen: Shared by the parts of one selection, so a duplicate across parts is found (see ``validate``).
        """
        ctx = self.ctx
        master = master or self.load_master()
        checkpoint("during-validation")
        items: dict[str, PostItem] = {}
        for doc in translation.readable_documents:  # an unreadable record is reported, never built or validated
            try:
                items[doc.key] = post_item(doc, master, ctx.settings.posting)
            except DATA_PROBLEMS as exc:
                message = exc.user_message if isinstance(exc, CwsageError) else str(exc)
                translation.issues.append(
                    Issue(
                        doc.source.label,
                        doc.key,
                        "payload-invalid",
                        "",
                        doc.document_number,
                        f"cannot build the Sage document: {message}",
                        "Check the record in Manage.",
                        FixIn.MANAGE,
                    )
                )
        ctx.progress.stage("Looking for documents already in Sage 300")
        in_sage = locate(ctx.sage, items.values())
        conflicts = {
            k: v.describe() for k, v in in_sage.items() if conflicts_are_errors and not self._ours(k, items[k])
        }
        ctx.progress.stage("Validating")
        issues = translation.issues + validate(
            translation.readable_documents,
            master,
            ValidateOptions(
                create_missing=create_missing,
                conflicts=conflicts,
                tax_class=ctx.settings.posting.tax_class,
                limits=ctx.settings.limits,
                create_defaults={
                    "customer": ctx.settings.customer_group,
                    "vendor": ctx.settings.vendor_group,
                    "item": ctx.settings.item_account_set,
                },
            ),
            seen,
        )
        return Prepared(translation.documents, items, issues, in_sage, master)

    def _ours(self, key: str, item: PostItem) -> bool:
        """Whether a document found in Sage was put there by an earlier cwsage run (then it is not a conflict)."""
        records = self.ctx.store.find_documents(document_number=item.document_number)
        return any(r.key == key and r.state in (DocState.POSTING, DocState.POSTED) for r in records)

    # -- execution ---------------------------------------------------------------------------------------

    def drop_unselected(self, run: RunRecord, current: set[str]) -> None:
        """Documents stored by an attempt that stopped before it was prepared, and no longer selected: skipped."""
        gone = [
            StateChange(key, DocState.SKIPPED, "no longer in the selection")
            for key in self.ctx.store.document_keys(run.id, state=DocState.VALIDATED)
            if key not in current
        ]
        self.ctx.store.set_states(run.id, gone)

    def persist(self, run: RunRecord, prepared: Prepared, *, skip: Mapping[str, DocumentLocation]) -> None:
        """Record every document with its state, payload and issues before anything is posted."""
        blocked = blocking_keys(prepared.issues)
        issues_by_key: dict[str, list[dict[str, Any]]] = {}
        for issue in prepared.issues:
            issues_by_key.setdefault(issue.document_key, []).append(issue.as_dict())
        documents: list[NewDocument] = []
        found: list[StateChange] = []
        for doc in prepared.documents:
            item = prepared.items.get(doc.key)
            stored = item.stored() if item else None  # the Sage payload dumped once, for the row and its hash
            if doc.key in skip:
                state = DocState.SKIPPED
            elif doc.key in blocked or item is None:
                state = DocState.INVALID
            elif doc.key in prepared.in_sage:
                state = DocState.POSTED  # put there by an earlier cwsage run (conflicts were validation errors)
            else:
                state = DocState.VALIDATED
            documents.append(
                NewDocument(
                    doc.key,
                    kind=str(doc.kind),
                    source_type=str(doc.source.source_type),
                    source_id=doc.source.record_id,
                    document_number=doc.document_number,
                    state=state,
                    content_hash=content_hash(stored["sage"]) if stored else "",
                    gl_entry_ids=list(doc.gl_entry_ids),
                    payload=stored,
                    target=str(item.target) if item else None,
                    report=row(doc, "", kind=destination(doc, prepared.master)).as_dict(),
                    issues=issues_by_key.get(doc.key, []),
                )
            )
            if state in (DocState.SKIPPED, DocState.POSTED):
                where = skip.get(doc.key) or prepared.in_sage.get(doc.key)
                found.append(StateChange(doc.key, state, "found in Sage 300", location=where))
        self.ctx.store.put_documents(run.id, documents)
        self.ctx.store.set_states(run.id, found)

    def _stored_items(self, run: RunRecord, keys: list[str], size: int) -> Iterator[list[PostItem]]:
        """The stored documents with ``keys``, ``size`` at a time, read from the state store as they are asked for."""
        page = size * -(-READ_PAGE // size)  # whole chunks per read: a Sage batch never straddles two reads
        for start in range(0, len(keys), page):
            records = self.ctx.store.documents_by_key(run.id, keys[start : start + page])
            items = [PostItem.from_stored(r.key, r.document_number, r.payload or {}) for r in records]
            del records
            yield from (items[i : i + size] for i in range(0, len(items), size))

    def post(self, run: RunRecord) -> tuple[Poster, CwsageError | None]:
        """Post what is ``validated`` (after resolving what a crash left ``posting``); the error that stopped it."""
        store = self.ctx.store
        settings = PostSettings(
            batch_number=self.batch_number,
            chunk_size=max(1, self.ctx.settings.chunk_size),
            auto_post=self.ctx.settings.auto_post,
            batch_date=self.ctx.clock.now().date(),
        )
        poster = Poster(self.ctx.sage, store, run.id, settings, self.ctx.progress)
        in_flight = [
            PostItem.from_stored(r.key, r.document_number, r.payload or {})
            for r in store.documents(run.id, state=DocState.POSTING)
        ]
        poster.resolve_in_flight(in_flight)
        try:
            for kind in Target:
                keys = store.document_keys(run.id, state=DocState.VALIDATED, target=kind)
                if keys:
                    poster.post_target(kind, len(keys), self._stored_items(run, keys, poster.chunk_size(kind)))
        except CwsageError as exc:
            store.audit(run.id, "posting-interrupted", {"error": exc.user_message, "detail": exc.detail})
            return poster, exc
        return poster, None
