"""One target per kind of Sage 300 document: how it is created, found again, made ready and posted.

The poster (:mod:`cwsage.services.posting`) knows nothing of ledgers: it hands each group of documents to the
:class:`SageTarget` of their kind, chosen from :data:`TARGETS`. A target uses only the Sage client's generic
operations (``create``, ``list_records``, ``list_each``, ``ensure_ready``, ``post_batches``).

Adding a kind of Sage document means one class here, one entry in :data:`TARGETS`, and its payload builder in
:data:`cwsage.mapping.dispatch.SPECS`.

How each kind is found again (exactly-once depends on it):

* AR invoices by ``DocumentNumber`` in ``AR/ARPostedDocuments``, then in open and ready-to-post batches;
* AP invoices by vendor and document number (unique per vendor) in ``AP/APPostedDocuments`` (I18, optional),
  then in open and ready-to-post batches;
* GL journal entries by the document key in a detail ``Reference`` or at the start of the entry's
  ``Description`` (I15), in every batch that is not deleted;
* IC adjustments and transfers by ``Reference`` (I16).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Protocol

from cwsage.domain.documents import DocKind
from cwsage.domain.location import DocumentLocation, DocumentPlace, System
from cwsage.mapping.dispatch import SPECS, Target
from cwsage.sage300 import models as sg
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.client import (
    POST_AP_INVOICES,
    POST_AR_INVOICES,
    POST_GL_JOURNAL,
    PostingProcess,
    Sage300Client,
)
from cwsage.sage300.lookups import FILTER_CHUNK, as_int, chunks, keep_best, lookups, place_for_status, unique
from cwsage.sage300.odata import F, Query


@dataclass
class PostItem:
    """One document ready for Sage: its key, target and Sage payload."""

    key: str
    target: Target
    document_number: str
    party: str
    label: str
    payload: sg.SageModel

    def stored(self) -> dict[str, Any]:
        """The form kept in the state store, enough to finish the job after a crash."""
        return {"target": str(self.target), "party": self.party, "label": self.label, "sage": self.payload.to_payload()}

    @classmethod
    def from_stored(cls, key: str, document_number: str, data: Mapping[str, Any]) -> PostItem:
        """Rebuild an item from :meth:`stored`."""
        target = Target(data["target"])
        model = SPECS[target].model.model_validate(data["sage"])
        return cls(key, target, document_number, data.get("party", ""), data.get("label", key), model)


@dataclass
class Created:
    """What one creating call made in Sage.

    Attributes:
        name: What reports call it, e.g. ``AR invoice batch 12`` or ``IC adjustment 7``.
        system: The Sage module.
        number: The batch number to make ready and post (IC: the document's number); ``None`` when Sage's answer
            did not say.
        status: The batch status in Sage's answer (a server before 2021 answers ``Open``, I14).
        entries: Entry number per document number, where Sage's answer tells them.
        ic_kind: ``adjustment`` or ``transfer`` for an IC document.
        posted: Set by the poster once the batch is posted too.
    """

    name: str
    system: System
    number: int | str | None = None
    status: str | None = None
    entries: dict[str, int | None] = field(default_factory=dict)
    ic_kind: str | None = None
    posted: bool = False

    def where(self, item: PostItem) -> DocumentLocation:
        """Where ``item`` landed."""
        if self.posted:
            place = DocumentPlace.POSTED
        elif self.ic_kind is not None:
            place = DocumentPlace.ENTERED
        else:
            place = place_for_status(self.status) or DocumentPlace.OPEN_BATCH
        number = None if self.number is None else str(self.number)
        entry = self.entries.get(item.document_number)
        return DocumentLocation(
            self.system, item.document_number, place, number, entry, item.party or None, self.ic_kind
        )


class SageTarget(Protocol):
    """Everything that differs between kinds of Sage document."""

    target: Target
    doc_kind: DocKind
    batched: bool
    """Whether documents go into batches of many (AR, AP, GL) or are created one by one (IC)."""
    unique_numbers: bool
    """Whether Sage refuses a second document with the same number (AR and AP do; GL and IC do not): only then
    may a group whose creation had an unclear answer be sent again."""
    postable: bool
    """Whether cwsage can post what it created (IC documents are posted by Sage's Day End)."""

    def create(
        self, sage: Sage300Client, items: Sequence[PostItem], description: str, *, ready: bool, day: date
    ) -> Created:
        """Send one creating call for ``items`` (a batch, or one IC document).

        Raises:
            AmbiguousOutcome: the answer was lost or unreadable: look for the documents before anything else.
            RemoteRejection: Sage refused the call; nothing was created.
        """
        ...

    def locate(self, sage: Sage300Client, items: Sequence[PostItem]) -> dict[str, DocumentLocation]:
        """Where Sage already has each of ``items`` (by key); absent keys are not in Sage."""
        ...

    def post(self, sage: Sage300Client, created: Created) -> None:
        """Make a created batch Ready To Post unless Sage's answer said so already (I14), then post it."""
        ...


def _posted(system: System, number: str, batch: int | None, entry: int | None, party: str | None) -> DocumentLocation:
    return DocumentLocation(system, number, DocumentPlace.POSTED, None if batch is None else str(batch), entry, party)


class _InvoiceBatches:
    """AR and AP invoice batches: the same workflow on different resources and names."""

    batched = True
    unique_numbers = True
    postable = True
    system: ClassVar[System]
    batches: ClassVar[V.Resource]
    batch_model: ClassVar[type[sg.ARInvoiceBatch] | type[sg.APInvoiceBatch]]
    process: ClassVar[PostingProcess]

    def create(
        self, sage: Sage300Client, items: Sequence[PostItem], description: str, *, ready: bool, day: date
    ) -> Created:
        """One invoice batch with all of ``items``, ``ReadyToPost`` in the creating POST when posting too (DR22)."""
        batch = self.batch_model(
            batch_date=day,
            batch_status=V.BatchStatus.READY_TO_POST.value if ready else None,
            description=description,
            invoices=[i.payload for i in items],
        )
        answer: sg.ARInvoiceBatch | sg.APInvoiceBatch = sage.create(self.batches, batch)
        entries = {inv.document_number: inv.entry_number for inv in answer.invoices if inv.document_number}
        name = f"{self.system} invoice batch {answer.batch_number}"
        return Created(name, self.system, answer.batch_number, answer.batch_status, entries)

    def post(self, sage: Sage300Client, created: Created) -> None:
        if created.number is not None:
            sage.ensure_ready(self.batches, created.number, created.status)
            sage.post_batches(self.process, created.number)

    def _in_batches(self, sage: Sage300Client, model: type[Any], wanted: set[Any], key_of: Any) -> Iterator[Any]:
        """``(key, location)`` of wanted entries in open and ready-to-post batches (scanned client-side)."""
        status = F.eq("BatchStatus", V.BatchStatus.OPEN) | F.eq("BatchStatus", V.BatchStatus.READY_TO_POST)
        query = Query().filter(status).select("BatchNumber", "BatchStatus", "Description", "Invoices")
        for batch in sage.list_records(self.batches, model, query.orderby("BatchNumber")):
            place = place_for_status(batch.batch_status)
            if place is None:
                continue
            for invoice in batch.invoices:
                key = key_of(invoice)
                if key in wanted:
                    number = None if batch.batch_number is None else str(batch.batch_number)
                    party = getattr(invoice, "customer_number", None) or getattr(invoice, "vendor_number", None)
                    where = DocumentLocation(
                        self.system,
                        invoice.document_number or "",
                        place,
                        number,
                        invoice.entry_number,
                        party,
                    )
                    yield key, where


class ARInvoices(_InvoiceBatches):
    """AR invoices, debit and credit notes, in AR invoice batches."""

    target = Target.AR
    doc_kind = DocKind.AR_INVOICE
    system = "AR"
    batches = V.AR_INVOICE_BATCHES
    batch_model = sg.ARInvoiceBatch
    process = POST_AR_INVOICES

    def locate(self, sage: Sage300Client, items: Sequence[PostItem]) -> dict[str, DocumentLocation]:
        by_number = self.find(sage, [i.document_number for i in items])
        return {i.key: by_number[i.document_number] for i in items if i.document_number in by_number}

    def find(self, sage: Sage300Client, numbers: Iterable[str]) -> dict[str, DocumentLocation]:
        """Where each AR document number is: posted (looked up by range, I33), or in an unposted batch."""
        wanted = unique(numbers)
        found: dict[str, DocumentLocation] = {}
        if not wanted:
            return found
        names = ("CustomerNumber", "DocumentNumber", "DocumentType", "BatchNumber", "EntryNumber")
        parts = list(lookups("DocumentNumber", wanted))
        queries = (Query().filter(expr).select(*names) for expr, _chunk in parts)
        answers = sage.list_each(V.AR_POSTED_DOCUMENTS, sg.ARPostedDocument, queries)
        for (_expr, chunk), docs in zip(parts, answers, strict=True):
            for doc in docs:
                if doc.document_number in chunk:  # Sage may answer more than asked; keep only ours
                    where = _posted("AR", doc.document_number, doc.batch_number, doc.entry_number, doc.customer_number)
                    keep_best(found, doc.document_number, where)
        if len(found) < len(wanted):
            for key, where in self._in_batches(sage, sg.ARInvoiceBatch, set(wanted), lambda inv: inv.document_number):
                keep_best(found, key, where)
        return found


class APInvoices(_InvoiceBatches):
    """AP invoices and credit notes, in AP invoice batches; numbers are unique per vendor."""

    target = Target.AP
    doc_kind = DocKind.AP_INVOICE
    system = "AP"
    batches = V.AP_INVOICE_BATCHES
    batch_model = sg.APInvoiceBatch
    process = POST_AP_INVOICES

    def locate(self, sage: Sage300Client, items: Sequence[PostItem]) -> dict[str, DocumentLocation]:
        found = self.find(sage, [(i.party, i.document_number) for i in items])
        return {i.key: found[(i.party, i.document_number)] for i in items if (i.party, i.document_number) in found}

    def find(self, sage: Sage300Client, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], DocumentLocation]:
        """Where each (vendor number, document number) is; without ``AP/APPostedDocuments`` (I18, optional) only
        open and ready-to-post batches are searched."""
        wanted: list[tuple[str, str]] = unique((str(v), str(n)) for v, n in pairs)
        found: dict[tuple[str, str], DocumentLocation] = {}
        if not wanted:
            return found
        names = ("VendorNumber", "DocumentNumber", "DocumentType", "BatchNumber", "EntryNumber")
        parts = list(chunks(wanted, FILTER_CHUNK))
        queries = (
            Query()
            .filter(F.any_of(F.eq("VendorNumber", v) & F.eq("DocumentNumber", n) for v, n in chunk))
            .select(*names)
            for chunk in parts
        )
        answers = sage.list_each(V.AP_POSTED_DOCUMENTS, sg.APPostedDocument, queries, missing_ok=True)
        for chunk, docs in zip(parts, answers, strict=True):
            for doc in docs:
                key = (doc.vendor_number, doc.document_number)
                if key in chunk:
                    where = _posted("AP", doc.document_number, doc.batch_number, doc.entry_number, doc.vendor_number)
                    keep_best(found, key, where)
        if len(found) < len(wanted):
            key_of = lambda inv: (inv.vendor_number, inv.document_number or "")  # noqa: E731
            for key, where in self._in_batches(sage, sg.APInvoiceBatch, set(wanted), key_of):
                keep_best(found, key, where)
        return found


class GLJournals:
    """GL journal entries in GL journal batches (also inventory, when Sage has no Inventory Control)."""

    target = Target.GL
    doc_kind = DocKind.GL_JOURNAL
    batched = True
    unique_numbers = False
    postable = True

    def create(
        self, sage: Sage300Client, items: Sequence[PostItem], description: str, *, ready: bool, day: date
    ) -> Created:
        del day  # a journal batch has no date of its own: each entry carries its posting date
        keys = frozenset(i.document_number for i in items)
        batch = sg.GLJournalBatch(
            status=V.BatchStatus.READY_TO_POST.value if ready else None,
            description=description,
            journal_headers=[i.payload for i in items],
        )
        answer = sage.create(V.GL_JOURNAL_BATCHES, batch)
        number = answer.batch_number or (answer.journal_headers[0].batch_number if answer.journal_headers else None)
        entries = {h.document_key(keys): as_int(h.entry_number) for h in answer.journal_headers}
        return Created(
            f"GL journal batch {number}", "GL", number, answer.status, {k: e for k, e in entries.items() if k}
        )

    def post(self, sage: Sage300Client, created: Created) -> None:
        if created.number is not None:
            sage.ensure_ready(V.GL_JOURNAL_BATCHES, created.number, created.status)
            sage.post_batches(POST_GL_JOURNAL, created.number)

    def locate(self, sage: Sage300Client, items: Sequence[PostItem]) -> dict[str, DocumentLocation]:
        by_key = self.find(sage, [i.document_number for i in items])
        return {i.key: by_key[i.document_number] for i in items if i.document_number in by_key}

    def find(self, sage: Sage300Client, document_keys: Iterable[str]) -> dict[str, DocumentLocation]:
        """Where each GL document key is (I15), in any batch that is not deleted."""
        wanted = frozenset(unique(document_keys))
        found: dict[str, DocumentLocation] = {}
        if not wanted:
            return found
        query = Query().select("BatchNumber", "Status", "Description", "JournalHeaders").orderby("BatchNumber")
        for batch in sage.list_records(V.GL_JOURNAL_BATCHES, sg.GLJournalBatch, query):
            place = place_for_status(batch.status)
            if place is None:
                continue
            for header in batch.journal_headers:
                key = header.document_key(wanted)
                if key is not None:
                    number = batch.batch_number or header.batch_number
                    keep_best(found, key, DocumentLocation("GL", key, place, number, as_int(header.entry_number)))
        return found


class _ICDocuments:
    """IC adjustments and transfers: one document per creating call, posted by Sage's Day End."""

    batched = False
    unique_numbers = False
    postable = False
    kind: ClassVar[str]
    resource: ClassVar[V.Resource]
    model: ClassVar[type[sg.ICAdjustment] | type[sg.ICTransfer]]

    def create(
        self, sage: Sage300Client, items: Sequence[PostItem], description: str, *, ready: bool, day: date
    ) -> Created:
        del description, ready, day  # an IC document carries its own; there is no batch to describe
        (item,) = items
        answer: Any = sage.create(self.resource, item.payload)
        number = getattr(answer, f"{self.kind}_number", None) or answer.sequence_number
        return Created(f"IC {self.kind} {number}", "IC", number, ic_kind=self.kind)

    def post(self, sage: Sage300Client, created: Created) -> None:
        """Never called (``postable`` is false): Sage's Day End posts IC documents."""
        raise NotImplementedError("IC documents are posted by Sage's Day End")

    def locate(self, sage: Sage300Client, items: Sequence[PostItem]) -> dict[str, DocumentLocation]:
        by_reference = self.find(sage, [i.document_number for i in items])
        return {i.key: by_reference[i.document_number] for i in items if i.document_number in by_reference}

    def find(self, sage: Sage300Client, references: Iterable[str]) -> dict[str, DocumentLocation]:
        """Where each reference is (``Reference eq …``, I16); empty without Inventory Control."""
        found: dict[str, DocumentLocation] = {}
        parts = list(lookups("Reference", references))
        queries = (Query().filter(expr) for expr, _chunk in parts)
        answers = sage.list_each(self.resource, self.model, queries, missing_ok=True)
        for (_expr, chunk), documents in zip(parts, answers, strict=True):
            for document in documents:
                if document.reference is not None and document.reference in chunk:
                    found.setdefault(document.reference, self._where(document))
        return found

    def _where(self, document: sg.ICAdjustment | sg.ICTransfer) -> DocumentLocation:
        status = document.record_status
        place = DocumentPlace.ENTERED if status in (None, V.ICRecordStatus.ENTERED) else DocumentPlace.POSTED
        number = str(document.sequence_number) if document.sequence_number is not None else None
        return DocumentLocation("IC", document.reference or "", place, number, None, None, self.kind)


class ICAdjustments(_ICDocuments):
    """IC adjustments (procurement received into or taken out of stock)."""

    target = Target.IC_ADJUSTMENT
    doc_kind = DocKind.IC_ADJUSTMENT
    kind = "adjustment"
    resource = V.IC_ADJUSTMENTS
    model = sg.ICAdjustment


class ICTransfers(_ICDocuments):
    """IC transfers between locations."""

    target = Target.IC_TRANSFER
    doc_kind = DocKind.IC_TRANSFER
    kind = "transfer"
    resource = V.IC_TRANSFERS
    model = sg.ICTransfer


TARGETS: dict[Target, SageTarget] = {
    t.target: t for t in (ARInvoices(), APInvoices(), GLJournals(), ICAdjustments(), ICTransfers())
}
"""The table the poster chooses from, in posting order."""


def locate(
    sage: Sage300Client, items: Iterable[PostItem], targets: Mapping[Target, SageTarget] = TARGETS
) -> dict[str, DocumentLocation]:
    """Where Sage already has each of ``items`` (by key); absent keys are not in Sage."""
    found: dict[str, DocumentLocation] = {}
    for target, group in by_target(items).items():
        found.update(targets[target].locate(sage, group))
    return found


def by_target(items: Iterable[PostItem]) -> dict[Target, list[PostItem]]:
    """``items`` grouped by target, in the order of :class:`Target`."""
    groups: dict[Target, list[PostItem]] = {}
    for item in items:
        groups.setdefault(item.target, []).append(item)
    return {target: groups[target] for target in Target if target in groups}
