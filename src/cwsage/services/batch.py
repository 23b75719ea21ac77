"""Run New Batch, Rerun Previous Batch and Check: the guide's routine, done exactly once.

The steps of DESIGN §3 — select, export, translate, validate, post, write back, report — with the
per-document state machine persisted before and after every remote call. Any run can be interrupted at
any instant and started again with the same command: an unfinished run for the same Batch Number is
resumed (documents already in Sage are found, not posted again; Manage is marked only for what Sage has).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cwsage import money
from cwsage.connectwise import models as cw
from cwsage.connectwise.client import ManageClient, ManageRejection
from cwsage.dates import Clock, SystemClock
from cwsage.domain.documents import (
    DocKind,
    Document,
    InventoryDocument,
    JournalDocument,
    PayableDocument,
    ReceivableDocument,
)
from cwsage.domain.issues import FixIn, Issue, Severity
from cwsage.domain.master import SageMasterData
from cwsage.errors import AmbiguousOutcome, ConfigurationError, CwsageError, SourceDataError
from cwsage.mapping import to_sage
from cwsage.mapping.from_manage import TranslateOptions, Translation, translate
from cwsage.mapping.locations import adjustment_locations
from cwsage.mapping.locations import describe as describe_locations
from cwsage.mapping.plausibility import PlausibilityLimits
from cwsage.mapping.validate import ValidateOptions, blocking_keys, validate
from cwsage.sage300 import models as sg
from cwsage.sage300.client import Sage300Client
from cwsage.services.batch_numbers import next_free_batch_number
from cwsage.services.locks import write_lock
from cwsage.services.master import load_master
from cwsage.services.posting import Poster, PostItem, PostSettings, Target, locate
from cwsage.services.progress import Progress, SilentProgress, checkpoint
from cwsage.services.reports import write_reports
from cwsage.services.results import DocumentRow, Outcome, RunResult, build_preview, document_party, document_total
from cwsage.state.store import (
    DocState,
    DocumentRecord,
    NewDocument,
    RunRecord,
    RunStatus,
    StateChange,
    StateStore,
)

log = logging.getLogger("cwsage.batch")

DETAIL_LEVELS = {"default": "Default", "condensed": "Condensed", "detailed": "Detailed"}
BATCH_NUMBER_MAX = 50  # Manage's batchIdentifier


@dataclass(frozen=True)
class BatchSettings:
    """Configuration that shapes every run (from ``[defaults]`` in the config file).

    Attributes:
        chunk_size: Most documents per Sage batch.
        auto_post: Post the Sage batches too (otherwise they are left for review, as with the guide's tool).
        posting: Options for the Sage payloads.
        ic_default_location: Sage IC location for inventory adjustments.
        customer_group: Group for customers created with ``--create-missing``.
        vendor_group: Group for vendors created with ``--create-missing``.
        item_account_set: Account set for items created with ``--create-missing``.
        home_currency: The company's home currency when Sage has no company profile (I2); empty: Sage says.
        limits: Largest document total and line amount posted (``max_document_amount``, ``max_line_amount``).
    """

    chunk_size: int = 50
    auto_post: bool = False
    posting: to_sage.PostingOptions = field(default_factory=to_sage.PostingOptions)
    ic_default_location: str = ""
    customer_group: str = ""
    vendor_group: str = ""
    item_account_set: str = ""
    home_currency: str = ""
    limits: PlausibilityLimits = field(default_factory=PlausibilityLimits)  # plausibility checks (issue 13)


@dataclass
class Context:
    """What a batch service needs: the two clients, the state store and the settings."""

    manage: ManageClient
    sage: Sage300Client
    store: StateStore
    settings: BatchSettings
    reports_dir: Path
    actor: str = "cwsage"
    clock: Clock = field(default_factory=SystemClock)
    progress: Progress = field(default_factory=SilentProgress)


@dataclass(frozen=True)
class RunRequest:
    """The user's choices on the Run New Batch screen."""

    batch_number: str
    invoices: bool = True
    expenses: bool = True
    inventory: bool = True
    location: str | None = None
    through: date | None = None
    detail: str = "default"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    dry_run: bool = False
    skip_invalid: bool = False
    create_missing: bool = False

    def options(self) -> dict[str, Any]:
        """JSON-able form stored with the run."""
        data = asdict(self)
        data["through"] = self.through.isoformat() if self.through else None
        return data


@dataclass
class Selection:
    """The unposted records picked for a batch."""

    invoices: list[cw.UnpostedInvoice] = field(default_factory=list)
    expenses: list[cw.UnpostedExpense] = field(default_factory=list)
    procurement: list[cw.UnpostedProcurement] = field(default_factory=list)
    location_id: int | None = None

    @property
    def empty(self) -> bool:
        """Nothing selected."""
        return not (self.invoices or self.expenses or self.procurement)


# --------------------------------------------------------------------------------------------------------
# Selection
# --------------------------------------------------------------------------------------------------------


def _matches(tokens: Sequence[str], kind: str, record_id: str, number: str = "") -> bool:
    for token in tokens:
        prefix, _, value = token.partition(":")
        if value and prefix.lower() not in {kind, kind + "s"}:
            continue
        wanted = value or token
        if wanted in (record_id, number):
            return True
    return False


def resolve_location(manage: ManageClient, name: str | None) -> int | None:
    """Manage location id for a name (case-insensitive) or id; None for all locations."""
    if not name:
        return None
    locations = manage.locations()
    for location in locations:
        if str(location.id) == name or (location.name or "").lower() == name.lower():
            return location.id
    known = ", ".join(sorted(loc.name or str(loc.id) for loc in locations))
    raise ConfigurationError(
        f"there is no Manage location called {name!r}",
        hint=f"Use one of: {known} (or leave --location out for all locations).",
    )


def select(ctx: Context, request: RunRequest, *, strict: bool = False) -> Selection:
    """Unposted records for the request: kinds, location, through date, then include/exclude.

    Args:
        ctx: Clients, store and settings.
        request: The user's choices.
        strict: Refuse ``--include``/``--exclude`` tokens that name no record of the selection (a typo, or a
            record batched already) instead of ignoring them. A resumed run is not strict: what it selected
            when it started may have been batched since by the run itself.

    Raises:
        ConfigurationError: with ``strict``, naming every token that matches nothing and why.
    """
    ctx.progress.stage("Reading unposted records from Manage")
    selection = Selection(location_id=resolve_location(ctx.manage, request.location))
    kw: dict[str, Any] = {"location_id": selection.location_id, "through": request.through}

    def keep(kind: str, record_id: str, number: str = "") -> bool:
        if request.include and not _matches(request.include, kind, record_id, number):
            return False
        return not (request.exclude and _matches(request.exclude, kind, record_id, number))

    invoices = ctx.manage.unposted_invoices(**kw) if request.invoices else []
    expenses = ctx.manage.unposted_expenses(**kw) if request.expenses else []
    procurement = ctx.manage.unposted_procurement(**kw) if request.inventory else []
    candidates = _candidates(invoices, expenses, procurement)
    if strict:
        _refuse_unmatched(ctx, request, candidates)
    selection.invoices = [r for r in invoices if keep("invoice", str(r.id), r.invoice_number or "")]
    selection.expenses = [r for r in expenses if keep("expense", str(r.id))]
    selection.procurement = [
        r for r in procurement if keep("procurement", str(r.unposted_product_id or r.id), str(r.id))
    ]
    return selection


def _candidates(
    invoices: Sequence[cw.UnpostedInvoice],
    expenses: Sequence[cw.UnpostedExpense],
    procurement: Sequence[cw.UnpostedProcurement],
) -> list[tuple[str, str, str]]:
    """``(kind, id, number)`` of every record ``--include``/``--exclude`` may name (as :func:`select` matches)."""
    return [
        *(("invoice", str(r.id), r.invoice_number or "") for r in invoices),
        *(("expense", str(r.id), "") for r in expenses),
        *(("procurement", str(r.unposted_product_id or r.id), str(r.id)) for r in procurement),
    ]


def _refuse_unmatched(ctx: Context, request: RunRequest, candidates: Sequence[tuple[str, str, str]]) -> None:
    """Raise, naming them, if ``--include``/``--exclude`` name records that are not among ``candidates``.

    A wrong id silently ignored means a batch without the record the user meant (or with the one they
    meant to leave out); each unknown token is explained: batched already (and in which batch), unposted
    but outside the kinds, location or through date chosen, or no unposted record at all.
    """
    given = [("--include", t) for t in request.include] + [("--exclude", t) for t in request.exclude]
    unmatched = [(option, token) for option, token in given if not any(_matches([token], *c) for c in candidates)]
    if not unmatched:
        return
    anywhere: list[tuple[str, str, str]] | None = None
    reasons = []
    for option, token in unmatched:
        batched = _batched_in(ctx.store, token)
        if batched:
            reasons.append(f"{option} {token}: already batched ({batched})")
            continue
        if anywhere is None:
            anywhere = _candidates(
                ctx.manage.unposted_invoices(), ctx.manage.unposted_expenses(), ctx.manage.unposted_procurement()
            )
        if any(_matches([token], *c) for c in anywhere):
            reasons.append(f"{option} {token}: unposted, but left out by the kinds, --location or --through chosen")
        else:
            reasons.append(f"{option} {token}: no unposted record in Manage has this id or number")
    raise ConfigurationError(
        f"{len(unmatched)} record(s) given to --include/--exclude cannot be selected: " + "; ".join(reasons),
        hint="Nothing was done. See the unposted records and their ids with `cwsage list`, correct or drop these "
        "ids, and run again.",
    )


def _batched_in(store: StateStore, token: str, runs: int = 200) -> str:
    """Where an earlier cwsage run batched the record ``token`` names, or ``""``."""
    prefix, _, value = token.partition(":")
    wanted = value or token
    kind = prefix.lower().rstrip("s") if value else ""
    for run in store.list_runs(limit=runs):
        if run.kind != "run":
            continue
        for record in store.documents(run.id, state=DocState.WRITTEN_BACK):
            if kind and record.source_type != kind:
                continue
            if wanted in (record.source_id, record.document_number):
                return f"Manage batch {run.batch_number}, {record.document_number or record.key}"
    return ""


def export_selection(ctx: Context, request: RunRequest, selection: Selection) -> cw.GLExport:
    """``POST /finance/accounting/export`` for exactly the selected records."""
    ctx.progress.stage("Exporting the selected records from Manage")
    through = request.through or ctx.clock.now().date()
    return ctx.manage.export(
        cw.ExportRequest(
            batch_identifier=request.batch_number,
            thru_date=to_datetime(through),
            location_id=selection.location_id,
            summarize_invoices=DETAIL_LEVELS.get(request.detail.lower(), "Default"),
            export_invoices_flag=bool(selection.invoices),
            included_invoice_ids=[r.id for r in selection.invoices if r.id is not None],
            export_expenses_flag=bool(selection.expenses),
            included_expense_ids=[r.id for r in selection.expenses if r.id is not None],
            export_products_flag=bool(selection.procurement),
            included_product_ids=[str(r.unposted_product_id or r.id) for r in selection.procurement],
        )
    )


def translate_export(ctx: Context, export: cw.GLExport) -> Translation:
    """Translate one export, with the IC location of each adjustment Manage can tell (``mapping.locations``)."""
    derived: dict[str, str] = {}
    if export.adjustment_transactions:
        try:
            derived = adjustment_locations(
                export.adjustment_transactions, ctx.manage.unposted_procurement(), ctx.manage.warehouses()
            )
        except CwsageError as exc:
            log.warning("Manage's warehouses could not be read (%s): IC locations come from the setting", exc)
        else:
            log.info("%s", describe_locations(derived, len(export.adjustment_transactions)))
    options = TranslateOptions(ic_default_location=ctx.settings.ic_default_location, adjustment_locations=derived)
    return translate(export, options)


EXPORT_CHUNK = 500
"""Invoices per export request: each export's answer (~15 KB per 8-line invoice) is translated and released
before the next one is asked for, so memory does not grow with the whole selection's export."""


def translate_selection(ctx: Context, request: RunRequest, selection: Selection) -> Translation:
    """Export the selected records from Manage in parts and translate each part as it arrives.

    Invoices are independent records of the export, so they are taken :data:`EXPORT_CHUNK` at a time; expenses
    and procurement come with the last part (Manage may combine several of them into one bill or adjustment),
    which keeps the documents in the order of one whole export.
    """
    starts = range(0, max(len(selection.invoices), 1), EXPORT_CHUNK)
    parts = [
        replace(
            selection,
            invoices=selection.invoices[start : start + EXPORT_CHUNK],
            expenses=selection.expenses if start == starts[-1] else [],
            procurement=selection.procurement if start == starts[-1] else [],
        )
        for start in starts
    ]
    translation = Translation()
    for part in parts:
        if not part.empty:
            translation.extend(translate_export(ctx, export_selection(ctx, request, part)))
    return translation


def to_datetime(day: date) -> datetime:
    """End of ``day`` in UTC, so that records dated that day are included."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)


# --------------------------------------------------------------------------------------------------------
# Translation to Sage payloads
# --------------------------------------------------------------------------------------------------------


def target_of(doc: Document, master: SageMasterData) -> Target:
    """Where a document goes in Sage (inventory becomes a journal entry without Inventory Control)."""
    if isinstance(doc, ReceivableDocument):
        return Target.AR
    if isinstance(doc, PayableDocument):
        return Target.AP
    if isinstance(doc, JournalDocument) or not master.inventory_control:
        return Target.GL
    return Target.IC_ADJUSTMENT if doc.kind is DocKind.IC_ADJUSTMENT else Target.IC_TRANSFER


def post_item(doc: Document, master: SageMasterData, options: to_sage.PostingOptions) -> PostItem:
    """The Sage payload of one document."""
    target = target_of(doc, master)
    payload: sg.SageModel
    if isinstance(doc, ReceivableDocument):
        payload = to_sage.ar_invoice(doc, master, options)
    elif isinstance(doc, PayableDocument):
        payload = to_sage.ap_invoice(doc, master, options)
    elif target is Target.GL:
        assert isinstance(doc, JournalDocument | InventoryDocument)
        payload = to_sage.gl_header(doc, master, options)
    elif target is Target.IC_ADJUSTMENT:
        assert isinstance(doc, InventoryDocument)
        payload = to_sage.ic_adjustment(doc, master)
    else:
        assert isinstance(doc, InventoryDocument)
        payload = to_sage.ic_transfer(doc, master)
    return PostItem(doc.key, target, doc.document_number, document_party(doc), doc.source.label, payload)


def content_hash(item: PostItem) -> str:
    """Fingerprint of what is sent to Sage (for the audit log)."""
    return hashlib.sha256(money.dumps(item.payload.to_payload(), sort_keys=True).encode()).hexdigest()[:16]


def destination(doc: Document, master: SageMasterData) -> str:
    """What a document becomes in Sage 300, as reports name it: its kind, or the journal entry it is posted as.

    Without Inventory Control an IC adjustment or transfer is posted as a GL journal entry (:func:`target_of`);
    a preview that called it an "IC adjustment" would promise a document Sage will never have.
    """
    if target_of(doc, master) is Target.GL and not isinstance(doc, JournalDocument):
        return DocKind.GL_JOURNAL.label
    return doc.kind.label


def _row(
    doc: Document, state: str, where: str = "", messages: Iterable[str] = (), *, kind: str | None = None
) -> DocumentRow:
    return DocumentRow(
        key=doc.key,
        kind=kind or doc.kind.label,
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


# --------------------------------------------------------------------------------------------------------
# The job
# --------------------------------------------------------------------------------------------------------


@dataclass
class Prepared:
    """Translated, located and validated documents of a batch."""

    documents: list[Document]
    items: dict[str, PostItem]
    issues: list[Issue]
    in_sage: dict[str, str]
    master: SageMasterData


class BatchJob:
    """One run of the routine, new batch or rerun, from selection to report."""

    def __init__(self, ctx: Context, *, kind: str, batch_number: str) -> None:
        self.ctx = ctx
        self.kind = kind
        self.batch_number = batch_number
        self.sage_notes: list[str] = []
        self.stopped_by_setting = False

    def _warnings(self, more: Iterable[str] = ()) -> list[str]:
        """The run's warnings: what cwsage assumed about Sage (master data notes, enum members it does not know,
        seen until now) first, then ``more``; each once."""
        return list(dict.fromkeys([*self.sage_notes, *self.ctx.sage.warnings, *more]))

    # -- preparation (no writes anywhere) --------------------------------------------------------------

    def prepare(self, translation: Translation, *, create_missing: bool, conflicts_are_errors: bool) -> Prepared:
        """Read Sage master data once, build the Sage documents, look for those already in Sage, validate."""
        ctx = self.ctx
        ctx.progress.stage("Reading Sage 300 master data")
        master = load_master(
            ctx.sage, rate_type=ctx.settings.posting.rate_type, home_currency=ctx.settings.home_currency or None
        )
        self.sage_notes = list(master.notes)
        checkpoint("during-validation")
        items: dict[str, PostItem] = {}
        for doc in translation.readable_documents:  # an unreadable record is reported, never built or validated
            try:
                items[doc.key] = post_item(doc, master, ctx.settings.posting)
            except (ValueError, CwsageError) as exc:
                translation.issues.append(
                    Issue(
                        doc.source.label,
                        doc.key,
                        "payload-invalid",
                        "",
                        doc.document_number,
                        f"cannot build the Sage document: {exc}",
                        "Check the record in Manage.",
                        FixIn.MANAGE,
                    )
                )
        ctx.progress.stage("Looking for documents already in Sage 300")
        in_sage = locate(ctx.sage, items.values())
        conflicts = {k: v for k, v in in_sage.items() if conflicts_are_errors and not self._ours(k, items[k])}
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
        )
        return Prepared(translation.documents, items, issues, in_sage, master)

    def _ours(self, key: str, item: PostItem) -> bool:
        """Whether a document found in Sage was put there by an earlier cwsage run (then it is not a conflict)."""
        records = self.ctx.store.find_documents(document_number=item.document_number)
        return any(r.key == key and r.state in (DocState.POSTING, DocState.POSTED) for r in records)

    def _post_settings(self) -> PostSettings:
        return PostSettings(
            batch_number=self.batch_number,
            chunk_size=max(1, self.ctx.settings.chunk_size),
            auto_post=self.ctx.settings.auto_post,
            batch_date=self.ctx.clock.now().date(),
        )

    def preview(self, prepared: Prepared, message: str, *, skip_in_sage: bool) -> RunResult:
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
                skipped[doc.key] = prepared.in_sage[doc.key]
                rows.append(_row(doc, "in Sage already", prepared.in_sage[doc.key], kind=kind))
            elif doc.key in blocked:
                rows.append(_row(doc, "invalid", messages=by_key.get(doc.key, []), kind=kind))
            else:
                would_post.append(doc)
                rows.append(_row(doc, "would post", messages=by_key.get(doc.key, []), kind=kind))
        return RunResult(
            kind=self.kind,
            batch_number=self.batch_number,
            outcome=Outcome.PREVIEW,
            message=message,
            documents=rows,
            issues=prepared.issues,
            skipped=skipped,
            warnings=self._warnings(),
            preview=build_preview(would_post, prepared.master.home_currency, labels),
            requests=self._requests(),
        )

    def _requests(self) -> dict[str, int]:
        return {"manage": self.ctx.manage.stats.total, "sage": self.ctx.sage.stats.total}

    # -- execution ---------------------------------------------------------------------------------------

    def persist(self, run: RunRecord, prepared: Prepared, *, skip: dict[str, str]) -> None:
        """Record every document with its state, payload and issues before anything is posted."""
        blocked = blocking_keys(prepared.issues)
        current = {doc.key for doc in prepared.documents}
        gone = [
            # Stored by an attempt that stopped before it was prepared, and no longer selected.
            StateChange(record.key, DocState.SKIPPED, "no longer in the selection")
            for record in self.ctx.store.documents(run.id)
            if record.key not in current and record.state is DocState.VALIDATED
        ]
        self.ctx.store.set_states(run.id, gone)
        issues_by_key: dict[str, list[dict[str, Any]]] = {}
        for issue in prepared.issues:
            issues_by_key.setdefault(issue.document_key, []).append(issue.as_dict())
        documents: list[NewDocument] = []
        found: list[StateChange] = []
        for doc in prepared.documents:
            item = prepared.items.get(doc.key)
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
                    content_hash=content_hash(item) if item else "",
                    gl_entry_ids=list(doc.gl_entry_ids),
                    payload={
                        **(item.stored() if item else {}),
                        "row": _row(doc, "", kind=destination(doc, prepared.master)).as_dict(),
                    },
                    issues=issues_by_key.get(doc.key, []),
                )
            )
            if state in (DocState.SKIPPED, DocState.POSTED):
                where = skip.get(doc.key) or prepared.in_sage.get(doc.key, "")
                found.append(StateChange(doc.key, state, "found in Sage 300", sage_location=where))
        self.ctx.store.put_documents(run.id, documents)
        self.ctx.store.set_states(run.id, found)

    def post(self, run: RunRecord) -> tuple[Poster, str | None]:
        """Post what is ``validated`` (after resolving what a crash left ``posting``)."""
        store = self.ctx.store
        poster = Poster(self.ctx.sage, store, run.id, self._post_settings(), self.ctx.progress)
        in_flight = [
            PostItem.from_stored(r.key, r.document_number, r.payload or {})
            for r in store.documents(run.id, state=DocState.POSTING)
        ]
        poster.resolve_in_flight(in_flight)
        ready = [
            PostItem.from_stored(r.key, r.document_number, r.payload or {})
            for r in store.documents(run.id, state=DocState.VALIDATED)
        ]
        error: str | None = None
        try:
            poster.post(ready)
        except CwsageError as exc:
            error = exc.paragraph()
            self.stopped_by_setting = isinstance(exc, ConfigurationError)  # a login or a setting: fix it first
            store.audit(run.id, "posting-interrupted", {"error": exc.user_message, "detail": exc.detail})
        return poster, error

    def create_missing(self, run: RunRecord, prepared: Prepared) -> None:
        """Create the customers, vendors and items Sage lacks (only what valid documents need).

        A record Sage refuses to create (e.g. no customer group configured) does not stop the run: the
        documents that needed it become ``invalid`` with Sage's words, and the others are posted.
        """
        ctx, master = self.ctx, prepared.master
        blocked = blocking_keys(prepared.issues)
        done: set[str] = set()
        failed: dict[str, tuple[str, CwsageError]] = {}  # record -> (what, error)
        needs: dict[str, list[Document]] = {}

        def attempt(record: str, what: str, create: Any) -> None:
            try:
                create()
            except CwsageError as exc:
                failed[record] = (what, exc)
                ctx.store.audit(run.id, "create-failed", {"record": record, "what": what, "error": exc.user_message})
                return
            done.add(record)

        for doc in prepared.documents:
            if doc.key in blocked:
                continue
            if isinstance(doc, ReceivableDocument) and doc.customer.number not in master.customers:
                party = doc.customer
                needs.setdefault(party.number, []).append(doc)
                if party.number in done or party.number in failed or ctx.sage.get_customer(party.number) is not None:
                    continue
                customer = sg.ARCustomer(
                    customer_number=party.number,
                    customer_name=party.name[:60],
                    group_code=ctx.settings.customer_group or None,
                    currency_code=party.currency or None,
                    terms=party.terms or None,
                    tax_group=party.tax_group or None,
                )
                attempt(party.number, "customer", lambda c=customer: ctx.sage.create_customer(c))
                if party.number in done:
                    ctx.store.audit(run.id, "customer-created", {"customer": party.number, "name": party.name})
            elif isinstance(doc, PayableDocument) and doc.vendor.number not in master.vendors:
                party = doc.vendor
                needs.setdefault(party.number, []).append(doc)
                if party.number in done or party.number in failed or ctx.sage.get_vendor(party.number) is not None:
                    continue
                vendor = sg.APVendor(
                    vendor_number=party.number,
                    vendor_name=party.name[:60],
                    group_code=ctx.settings.vendor_group or None,
                    currency_code=party.currency or None,
                    terms=party.terms or None,
                )
                attempt(party.number, "vendor", lambda v=vendor: ctx.sage.create_vendor(v))
                if party.number in done:
                    ctx.store.audit(run.id, "vendor-created", {"vendor": party.number, "name": party.name})
            elif isinstance(doc, InventoryDocument) and master.inventory_control:
                for line in doc.lines:
                    if line.item in master.items:
                        continue
                    needs.setdefault(line.item, []).append(doc)
                    if line.item in done or line.item in failed or ctx.sage.get_item(line.item) is not None:
                        continue
                    item = sg.ICItem(
                        unformatted_item_number=line.item,
                        description=(line.description or line.item)[:60],
                        account_set_code=ctx.settings.item_account_set or None,
                        stock_item=True,
                    )
                    attempt(line.item, "item", lambda i=item: ctx.sage.create_item(i))
                    if line.item in done:
                        ctx.store.audit(run.id, "item-created", {"item": line.item})
        for record, (what, exc) in failed.items():
            for doc in {d.key: d for d in needs.get(record, [])}.values():
                issue = Issue(
                    doc.source.label,
                    doc.key,
                    "create-missing-failed",
                    what,
                    record,
                    f"Sage 300 refused to create {what} {record}: {exc.user_message}",
                    f"Create {what} {record} in Sage 300, or set the {what} defaults (e.g. customer_group, "
                    "vendor_group, item_account_set) in the configuration and run again.",
                    FixIn.SAGE,
                )
                ctx.store.set_state(
                    run.id, doc.key, DocState.INVALID, event=f"{what} could not be created", issues=[issue.as_dict()]
                )

    def write_back(self, run: RunRecord, request_flags: dict[str, bool]) -> str | None:
        """Mark in Manage exactly the documents Sage has: one batch with their GL entry ids."""
        store, manage = self.ctx.store, self.ctx.manage
        landed = store.documents(run.id, state=DocState.POSTED)
        if not landed:
            return None
        self.ctx.progress.stage("Marking the posted records as batched in Manage")
        ids = sorted({gl_id for record in landed for gl_id in record.gl_entry_ids})
        existing = manage.find_batches(self.batch_number)
        refused: set[int] = set()
        if not existing:
            checkpoint("before-write-back")
            try:
                existing = self._create_manage_batch(ids, request_flags)
            except ManageRejection as exc:
                # One GL entry Manage no longer knows refuses the whole batch: find which, batch the others.
                refused = set(ids) - self._still_unbatched(run)
                if not refused:
                    raise
                log.warning("Manage refused GL entries %s (%s); batching the others", sorted(refused), exc)
                store.audit(run.id, "manage-refused-entries", {"gl_entries": sorted(refused), "answer": str(exc)})
                rest = [i for i in ids if i not in refused]
                existing = self._create_manage_batch(rest, request_flags) if rest else []
        if refused:
            landed = self._not_marked(run, landed, refused)
            if not landed:
                return None
        batch = existing[0] if existing else manage.find_batches(self.batch_number)[0]
        if batch.id is None:
            raise SourceDataError(f"Manage returned batch {self.batch_number!r} without an id")
        if existing:
            batched = {entry.id for entry in manage.batch_entries(batch.id)}
            missing = [i for i in ids if i not in batched and i not in refused]
            if missing:
                raise SourceDataError(
                    f"Manage already has a batch {self.batch_number!r} that does not contain {len(missing)} of this "
                    "run's GL entries",
                    hint="Choose a new Batch Number (e.g. add -1) and run again; the documents are in Sage already "
                    "and will be found, not posted twice.",
                )
        checkpoint("during-write-back")
        event = f"batched in Manage ({self.batch_number})"
        store.set_states(run.id, [StateChange(record.key, DocState.WRITTEN_BACK, event) for record in landed])
        store.audit(run.id, "manage-batch", {"batch": self.batch_number, "id": batch.id, "gl_entries": len(ids)})
        return f"{self.batch_number} (Manage batch id {batch.id})"

    def _create_manage_batch(self, ids: list[int], flags: dict[str, bool]) -> list[cw.AccountingBatch]:
        """``POST /batches`` with ``ids``; after an unclear answer, the batch if it was made (else re-raise)."""
        request = cw.CreateBatchRequest(
            batch_identifier=self.batch_number,
            export_invoices_flag=flags.get("invoices", False),
            export_expenses_flag=flags.get("expenses", False),
            export_products_flag=flags.get("inventory", False),
            processed_record_ids=ids,
        )
        try:
            self.ctx.manage.create_batch(request)
        except AmbiguousOutcome:
            existing = self.ctx.manage.find_batches(self.batch_number)
            if not existing:
                raise
            return existing
        return []

    def _still_unbatched(self, run: RunRecord) -> set[int]:
        """The GL entry ids Manage would batch now for the run's selection (a fresh export is a read)."""
        request = request_of(run)
        selection = select(self.ctx, request)
        if selection.empty:
            return set()
        translation = translate_selection(self.ctx, request, selection)
        return {gl_id for doc in translation.readable_documents for gl_id in doc.gl_entry_ids}

    def _not_marked(self, run: RunRecord, landed: list[DocumentRecord], refused: set[int]) -> list[DocumentRecord]:
        """File the documents whose GL entries Manage refused; return the ones it can still mark."""
        markable = []
        refusals: list[StateChange] = []
        for record in landed:
            theirs = sorted(set(record.gl_entry_ids) & refused)
            if not theirs:
                markable.append(record)
                continue
            issue = Issue(
                (record.payload or {}).get("row", {}).get("label", record.key),
                record.key,
                "manage-refused-gl-entries",
                "processedRecordIds",
                ", ".join(map(str, theirs)),
                f"is in Sage 300 ({record.sage_location or 'posted'}), but Manage refused to mark its GL entries "
                "as batched: they are no longer unposted there (the record was changed, re-closed, deleted or "
                "batched by hand after the export)",
                "Open the record in Manage (Finance > Accounting Interface). If it still shows as unposted, mark it "
                "batched by hand. Do not post it to Sage 300 again: it is there already.",
            )
            event = "Manage refused its GL entries"
            issues = [*record.issues, issue.as_dict()]
            refusals.append(StateChange(record.key, DocState.NOT_MARKED, event, issues=issues))
        self.ctx.store.set_states(run.id, refusals)
        return markable

    def replay(self, run: RunRecord) -> RunResult:
        """The recorded result of a finished run, as it ended (nothing is sent anywhere, nothing changes)."""
        result = self.finish(
            run,
            None,
            error=None,
            manage_batch=run.summary.get("manage_batch"),
            written_back=run.kind == "run",
            store_outcome=False,
        )
        finished = f"{run.finished_at:%Y-%m-%d %H:%M}" if run.finished_at else "earlier"
        result.message = f"Batch {self.batch_number} already ran ({finished}); nothing was sent again. {result.message}"
        return result

    def finish(
        self,
        run: RunRecord,
        poster: Poster | None,
        *,
        error: str | None,
        manage_batch: str | None,
        written_back: bool,
        skipped: dict[str, str] | None = None,
        store_outcome: bool = True,
    ) -> RunResult:
        """Decide the outcome, store it (unless ``store_outcome`` is false), save the reports, build the result."""
        store = self.ctx.store
        records = store.documents(run.id)
        rows: list[DocumentRow] = []
        issues: list[Issue] = []
        counts = dict.fromkeys(DocState, 0)
        for record in records:
            counts[record.state] += 1
            row_data = dict((record.payload or {}).get("row") or {})
            record_issues = [Issue.from_dict(i) for i in record.issues]
            issues.extend(record_issues)
            row = DocumentRow(
                key=record.key,
                kind=row_data.get("kind", record.kind),
                label=row_data.get("label", record.key),
                document_number=record.document_number,
                party=row_data.get("party", ""),
                date=row_data.get("date", ""),
                currency=row_data.get("currency", ""),
                total=money.D(row_data.get("total", 0)),
                state=str(record.state),
                where=record.sage_location or "",
                messages=[i.line() for i in record_issues],
            )
            rows.append(row)
        done_state = DocState.WRITTEN_BACK if written_back else DocState.POSTED
        good = counts[done_state] + (counts[DocState.POSTED] if written_back else 0) + counts[DocState.NOT_MARKED]
        bad = counts[DocState.REJECTED] + counts[DocState.INVALID] + counts[DocState.NOT_MARKED]
        open_work = (
            counts[DocState.VALIDATED] + counts[DocState.POSTING] + (counts[DocState.POSTED] if written_back else 0)
        )
        if error or open_work:
            outcome = Outcome.INTERRUPTED
            then = (
                f"Nothing is lost or doubled: once that is fixed, the same command finishes batch {self.batch_number}."
                if self.stopped_by_setting
                else f"Nothing is lost or doubled: run the same command again to finish batch {self.batch_number}."
            )
            message = (
                f"The {self.kind} stopped before finishing: {error or 'some documents are still in progress'}\n{then}"
            )
            status = RunStatus.RUNNING
        elif good and not bad:
            outcome, status = Outcome.SUCCEEDED, RunStatus.SUCCEEDED
            message = f"Batch {self.batch_number} completed successfully: {good} document(s) are in Sage 300."
            if counts[DocState.SKIPPED]:
                message += f" {counts[DocState.SKIPPED]} already in Sage 300 were skipped."
        elif good:
            outcome, status = Outcome.PARTIAL, RunStatus.PARTIAL
            not_posted = bad - counts[DocState.NOT_MARKED]
            message = (
                f"Batch {self.batch_number} completed, but {not_posted} document(s) had errors and were not posted; "
                f"{good} are in Sage 300. Fix the errors and run them in a new batch "
                f"(e.g. {self.batch_number}-1)."
                if not_posted
                else f"Batch {self.batch_number} completed: {good} document(s) are in Sage 300."
            )
            if counts[DocState.NOT_MARKED]:
                message += (
                    f" Manage refused to mark {counts[DocState.NOT_MARKED]} of them as batched; see the errors "
                    "for what to check in Manage (they are in Sage 300: do not post them again)."
                )
        elif counts[DocState.SKIPPED] and not bad:
            outcome, status = Outcome.NOTHING_TO_DO, RunStatus.SUCCEEDED
            message = f"Every document of batch {self.batch_number} is already in Sage 300; nothing was posted."
        else:
            outcome, status = Outcome.FAILED, RunStatus.FAILED
            why = "Sage 300 refused every document" if counts[DocState.REJECTED] else "no document could be posted"
            message = f"Batch {self.batch_number} failed: {why}. Nothing was posted; see the errors."
        sage_batches = [batch.key for batch in store.sage_batches(run.id)]
        result = RunResult(
            kind=self.kind,
            batch_number=self.batch_number,
            outcome=outcome,
            message=message,
            run_id=run.id,
            documents=rows,
            issues=issues,
            sage_batches=sage_batches,
            manage_batch=manage_batch,
            skipped=skipped or {r.key: r.sage_location or "" for r in records if r.state is DocState.SKIPPED},
            warnings=self._warnings(poster.outcome.warnings if poster else []),
            requests=self._requests(),
        )
        if store_outcome and status is not RunStatus.RUNNING:
            store.finish_run(
                run.id,
                status,
                {
                    "outcome": str(outcome),
                    "counts": result.counts(),
                    "sage_batches": sage_batches,
                    "manage_batch": manage_batch,
                },
            )
        if lost := store.lost():
            result.warnings.append(lost)
        result.reports = write_reports(self.ctx.reports_dir, result, store.audit_log(run.id))
        if store_outcome:
            checkpoint("after-finish")
        return result

    def fail_before_posting(self, run: RunRecord, prepared: Prepared) -> RunResult:
        """The guide's first outcome: validation failed, nothing was posted, nothing was marked."""
        errors = [i for i in prepared.issues if i.severity is Severity.ERROR]
        docs = len({i.document_key for i in errors})
        result = self.preview(prepared, "", skip_in_sage=False)
        result.outcome = Outcome.FAILED_BEFORE_POSTING
        result.run_id = run.id
        result.preview = None
        result.message = (
            f"Batch {self.batch_number} failed before posting: {len(errors)} problem(s) on {docs} document(s) must "
            "be fixed first. Nothing was sent to Sage 300 and nothing was marked in Manage. Fix them and run again, "
            "or use --skip-invalid to post the others."
        )
        self.ctx.store.finish_run(run.id, RunStatus.FAILED, {"outcome": str(result.outcome), "errors": len(errors)})
        result.reports = write_reports(self.ctx.reports_dir, result, self.ctx.store.audit_log(run.id))
        return result


# --------------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------------


def _check_batch_number(batch_number: str) -> None:
    if not batch_number.strip():
        raise ConfigurationError("a Batch Number is required", hint="Pass --batch-number, e.g. 20261125JD-I.")
    if len(batch_number) > BATCH_NUMBER_MAX:
        raise ConfigurationError(
            f"the Batch Number is {len(batch_number)} characters; Manage allows {BATCH_NUMBER_MAX}",
            hint="Use a shorter Batch Number, e.g. 20261125JD-I.",
        )


def check(ctx: Context, request: RunRequest) -> RunResult:
    """Validation only (``cwsage check``): every issue of the selection, nothing written anywhere."""
    job = BatchJob(ctx, kind="check", batch_number=request.batch_number or "check")
    selection = select(ctx, request, strict=True)
    if selection.empty:
        return RunResult("check", job.batch_number, Outcome.NOTHING_TO_DO, "No unposted records match.")
    translation = translate_selection(ctx, request, selection)
    prepared = job.prepare(translation, create_missing=request.create_missing, conflicts_are_errors=True)
    errors = sum(1 for i in prepared.issues if i.blocking)
    message = f"{len(prepared.documents)} document(s) checked: " + (
        f"{errors} problem(s) must be fixed before posting." if errors else "everything maps to Sage 300."
    )
    result = job.preview(prepared, message, skip_in_sage=False)
    if errors:
        result.outcome = Outcome.FAILED_BEFORE_POSTING
    return result


def run_batch(ctx: Context, request: RunRequest) -> RunResult:
    """Run New Batch: select, export, validate, post, write back — or resume an unfinished run."""
    _check_batch_number(request.batch_number)
    job = BatchJob(ctx, kind="run", batch_number=request.batch_number)
    store = ctx.store
    unfinished = store.find_runs(batch_number=request.batch_number, kind="run", status=RunStatus.RUNNING)
    if request.dry_run:
        selection = select(ctx, request, strict=True)
        if selection.empty:
            return RunResult("run", request.batch_number, Outcome.NOTHING_TO_DO, "No unposted records match.")
        prepared = job.prepare(
            translate_selection(ctx, request, selection),
            create_missing=request.create_missing,
            conflicts_are_errors=True,
        )
        return job.preview(prepared, _preview_message(request, prepared), skip_in_sage=False)
    if not unfinished and (request.include or request.exclude) and _finished_same(store, request) is None:
        select(ctx, request, strict=True)  # a wrong id is refused before a run is created (nothing left behind)
    # The lock is taken before a run is created or resumed: a refused second run leaves nothing behind.
    run_id = unfinished[0].id if unfinished else str(uuid.uuid4())
    with write_lock(store, run_id, ctx.manage.company, ctx.sage.company):
        return _run_locked(ctx, job, request, run_id, resume=bool(unfinished))


def _preview_message(request: RunRequest, prepared: Prepared) -> str:
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


def _run_locked(ctx: Context, job: BatchJob, request: RunRequest, run_id: str, *, resume: bool) -> RunResult:
    store = ctx.store
    selection: Selection | None = None
    if not resume:
        selection = select(ctx, request)
        same = _finished_same(store, request)
        if same is not None:
            _refuse_new_records(ctx, same, selection)
            # The same command again (after a kill once the run was saved, or by habit): its recorded result.
            return job.replay(same)
        finished = [
            r
            for r in store.find_runs(batch_number=request.batch_number, kind="run")
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
            kind="run", batch_number=request.batch_number, options=options, actor=ctx.actor, run_id=run_id
        )
    flags = {"invoices": request.invoices, "expenses": request.expenses, "inventory": request.inventory}
    # "prepared" is written once every document is stored: a crash before it means start again from selection.
    started = any(entry["event"] == "prepared" for entry in store.audit_log(run.id))
    if not started:
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
        translation = translate_selection(ctx, request, selection)
        prepared = job.prepare(translation, create_missing=request.create_missing, conflicts_are_errors=True)
        blocked = blocking_keys(prepared.issues)
        postable = [d for d in prepared.documents if d.key not in blocked and d.key in prepared.items]
        if blocked and (not request.skip_invalid or not postable):
            # With --skip-invalid and nothing valid left there is nothing to post: the same outcome.
            return job.fail_before_posting(run, prepared)
        job.persist(run, prepared, skip={})
        if request.create_missing:
            job.create_missing(run, prepared)
        store.audit(run.id, "prepared", {"documents": len(prepared.documents)})
        del prepared, postable  # all stored now: posting reads the state store, chunk by chunk
    else:
        kinds = {r.source_type for r in store.documents(run.id)}
        flags = {
            "invoices": "invoice" in kinds,
            "expenses": "expense" in kinds,
            "inventory": "procurement" in kinds,
        }
    poster, error = job.post(run)
    manage_batch = None
    if error is None:
        try:
            manage_batch = job.write_back(run, flags)
        except CwsageError as exc:
            error = exc.paragraph()
    return job.finish(run, poster, error=error, manage_batch=manage_batch, written_back=True)


SELECTION_FIELDS = ("invoices", "expenses", "inventory", "location", "through", "detail", "include", "exclude")
"""What makes two runs of one Batch Number the same batch (not --dry-run, --skip-invalid …)."""


SELECTED_IDS = "selected_ids"
"""The run option that keeps which Manage records a run selected (to tell new records from its own)."""


def selected_ids(selection: Selection) -> dict[str, list[str]]:
    """The Manage ids of a selection, per kind (as the export names them)."""
    return {
        "invoice": sorted(str(r.id) for r in selection.invoices),
        "expense": sorted(str(r.id) for r in selection.expenses),
        "procurement": sorted(str(r.unposted_product_id or r.id) for r in selection.procurement),
    }


def _refuse_new_records(ctx: Context, finished: RunRecord, selection: Selection) -> None:
    """Records the finished run did not have, now selected by the same command: a new batch, not this one.

    Raises:
        ConfigurationError: naming them, with the next free Batch Number.
    """
    recorded = finished.options.get(SELECTED_IDS)
    if not isinstance(recorded, dict):
        return  # a run recorded before cwsage kept its selection: its result is answered as it is
    new = [
        f"{kind} {ident}"
        for kind, idents in selected_ids(selection).items()
        for ident in idents
        if ident not in set(recorded.get(kind) or ())
    ]
    if new:
        free = next_free_batch_number(ctx.store, ctx.manage, finished.batch_number or "", include_base=False)
        shown = ", ".join(new[:10]) + (f" and {len(new) - 10} more" if len(new) > 10 else "")
        raise ConfigurationError(
            f"Batch {finished.batch_number} already ran; {len(new)} record(s) it did not have are selected now "
            f"({shown})",
            hint=f"Run them under the next free Batch Number, {free}.",
        )


def _finished_same(store: StateStore, request: RunRequest) -> RunRecord | None:
    """The finished run of this Batch Number made with the same selection, if any."""
    for run in store.find_runs(batch_number=request.batch_number, kind="run"):
        if run.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL) and same_selection(request_of(run), request):
            return run
    return None


def same_selection(a: RunRequest, b: RunRequest) -> bool:
    """Whether two requests pick the same records the same way."""
    return all(getattr(a, name) == getattr(b, name) for name in SELECTION_FIELDS)


def request_of(run: RunRecord) -> RunRequest:
    """The request a run was started with (stored in its options)."""
    fields = {f.name for f in dataclass_fields(RunRequest)}
    return RunRequest(
        **{
            **{name: value for name, value in run.options.items() if name in fields},
            "through": date.fromisoformat(str(run.options["through"])) if run.options.get("through") else None,
            "include": tuple(run.options.get("include") or ()),
            "exclude": tuple(run.options.get("exclude") or ()),
        }
    )


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
    _check_batch_number(batch_number)
    job = BatchJob(ctx, kind="rerun", batch_number=batch_number)
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
        first = store.find_runs(batch_number=batch_number, kind="run")
        detail = str(first[-1].options.get("detail") or "default") if first else "default"
    unfinished = store.find_runs(batch_number=batch_number, kind="rerun", status=RunStatus.RUNNING)
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
        found = dict(prepared.in_sage)
        skip = {} if force else found
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
            result = job.preview(prepared, message, skip_in_sage=not force)
            if force:
                result.warnings.extend(_force_notes(prepared, found))
            return result
        run_id = str(uuid.uuid4())
        with write_lock(store, run_id, ctx.manage.company, ctx.sage.company):
            run = store.create_run(
                kind="rerun",
                batch_number=batch_number,
                options={"force": force, "detail": detail, "manage_batch_id": batch.id},
                actor=ctx.actor,
                run_id=run_id,
            )
            if force and found:
                store.audit(run.id, "force", {"already_in_sage": found})
                for note in _force_notes(prepared, found):
                    ctx.progress.note(note)
            # Found documents are skipped (or, with --force, posted again): never counted as posted by this rerun.
            prepared.in_sage = {}
            job.persist(run, prepared, skip=skip)
            poster, error = job.post(run)
            if force:
                poster.outcome.warnings.extend(_forced_outcome(store, run.id, found))
            return job.finish(run, poster, error=error, manage_batch=None, written_back=False, skipped=skip)
    run = unfinished[0]
    ctx.progress.note(f"Resuming the unfinished rerun {run.id} of batch {batch_number}.")
    with write_lock(store, run.id, ctx.manage.company, ctx.sage.company):
        poster, error = job.post(run)
        if run.options.get("force"):
            forced: dict[str, Any] = next((r["detail"] for r in store.audit_log(run.id) if r["event"] == "force"), {})
            poster.outcome.warnings.extend(_forced_outcome(store, run.id, dict(forced.get("already_in_sage") or {})))
        return job.finish(run, poster, error=error, manage_batch=None, written_back=False)


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
