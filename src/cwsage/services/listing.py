"""What the Run New Batch, Rerun and History screens list: unposted records with their problems, batch numbers.

Why a module of its own: the guide's Run New Batch tab shows every unposted record with an Include
checkbox, and a bookkeeper needs to see *before* ticking which of them cannot be posted and why. No batch
service offers that: :func:`cwsage.services.batch.check` reports problems per Sage *document*, and a Sage
document is not always one Manage record (a member's reimbursable expenses become one expense bill). This
module lists the records, runs the very same ``check`` the CLI runs, and hands each problem back to the
records its document comes from. It also keeps the guide's Batch Number convention (``YYYYMMDD`` + initials
+ ``-I``/``-E``/``-P``, then ``-1``, ``-2`` … when taken) and the short views of past runs the web shows.

Both interfaces read these functions; nothing here writes anywhere.
"""

from __future__ import annotations

import getpass
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cwsage import money
from cwsage.connectwise import models as cw
from cwsage.connectwise.client import ManageClient
from cwsage.domain.documents import SourceType
from cwsage.domain.issues import Issue
from cwsage.errors import CwsageError
from cwsage.mapping.from_manage import TranslateOptions, translate
from cwsage.services.batch import Context, RunRequest, Selection, check
from cwsage.services.batch_numbers import next_free_batch_number
from cwsage.services.exporting import export_selection
from cwsage.services.results import kind_label, state_words
from cwsage.services.selection import resolve_location
from cwsage.state.store import RunKind, RunRecord, RunStatus, StateStore

log = logging.getLogger("cwsage.listing")

KIND_SUFFIX = {SourceType.INVOICE: "I", SourceType.EXPENSE: "E", SourceType.PROCUREMENT: "P"}
"""The guide's Batch Number suffix per kind (``P`` for procurement, i.e. inventory)."""

RUN_STATUS_WORDS: dict[str, str] = {
    RunStatus.RUNNING: "running or interrupted",
    RunStatus.SUCCEEDED: "succeeded",
    RunStatus.PARTIAL: "succeeded with errors",
    RunStatus.FAILED: "failed",
    RunStatus.DRY_RUN: "preview",
}
"""A run status in a bookkeeper's words."""


# --------------------------------------------------------------------------------------------------------
# Unposted records
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnpostedRecord:
    """One row of the guide's Invoices, Expenses or Inventory tab.

    Attributes:
        kind: Which tab (and which ``--include`` prefix) the record belongs to.
        record_id: Manage's id of the record, as ``--include`` takes it.
        number: What a bookkeeper calls it (invoice number, purchase order, expense id).
        record_type: Manage's type (``Standard``, ``Credit Memo``, ``Purchase``, ``Adjustment`` …).
        day: The record's date (invoice date, expense date, purchase date).
        party: Customer, member or vendor.
        amount: The record's total as Manage shows it.
        currency: ISO currency code (empty when Manage sent none: the home currency).
        location: The Manage location's name.
        description: Manage's description or memo.
        problems: What stops it from posting (and warnings), from the same check a run makes.
    """

    kind: SourceType
    record_id: str
    number: str
    record_type: str
    day: date | None
    party: str
    amount: Decimal
    currency: str
    location: str
    description: str = ""
    problems: tuple[Issue, ...] = ()

    @property
    def selector(self) -> str:
        """The token that includes exactly this record in a run (``invoice:5001``)."""
        return f"{self.kind}:{self.record_id}"

    @property
    def blocked(self) -> bool:
        """Whether a problem stops this record's document from being posted."""
        return any(issue.blocking for issue in self.problems)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (``cwsage list --json``): the amount as a string with the currency's decimals."""
        return {
            "kind": str(self.kind),
            "id": self.record_id,
            "selector": self.selector,
            "number": self.number,
            "type": self.record_type,
            "date": self.day.isoformat() if self.day else None,
            "party": self.party,
            "amount": format(money.quantize(self.amount, self.currency or None), "f"),
            "currency": self.currency,
            "location": self.location,
            "description": self.description,
            "blocked": self.blocked,
            "problems": [issue.as_dict() for issue in self.problems],
        }


@dataclass
class UnpostedListing:
    """The three tabs, and what the check found that belongs to no single record.

    Attributes:
        invoices: The Invoices tab.
        expenses: The Expenses tab.
        procurement: The Inventory tab (item receipts, adjustments, transfers).
        checked: Whether the records were validated against Sage 300.
        general_problems: Problems the check found that concern no listed record.
        error: Why the check could not be made (the records are listed all the same).
    """

    invoices: list[UnpostedRecord] = field(default_factory=list)
    expenses: list[UnpostedRecord] = field(default_factory=list)
    procurement: list[UnpostedRecord] = field(default_factory=list)
    checked: bool = False
    general_problems: list[Issue] = field(default_factory=list)
    error: str | None = None

    def records(self) -> list[UnpostedRecord]:
        """Every record of the three tabs."""
        return [*self.invoices, *self.expenses, *self.procurement]

    def tab(self, kind: SourceType) -> list[UnpostedRecord]:
        """The records of one tab."""
        return {SourceType.INVOICE: self.invoices, SourceType.EXPENSE: self.expenses}.get(kind, self.procurement)

    @property
    def exit_code(self) -> int:
        """A listing is information, not a run: it always exits 0 (errors are raised, not listed)."""
        return 0

    def as_dict(self) -> dict[str, Any]:
        """The one JSON object ``cwsage list --json`` prints (stable snake_case keys, amounts as strings)."""
        records = self.records()
        return {
            "kind": "list",
            "checked": self.checked,
            "check_error": self.error,
            "counts": {
                "invoice": len(self.invoices),
                "expense": len(self.expenses),
                "procurement": len(self.procurement),
                "blocked": sum(1 for r in records if r.blocked),
            },
            "records": [record.as_dict() for record in records],
            "general_problems": [issue.as_dict() for issue in self.general_problems],
        }


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _currency(ref: cw.CurrencyReference | None) -> str:
    if ref is None:
        return ""
    return (ref.currency_code or ref.currency_identifier or "").strip()


def _invoice_row(record: cw.UnpostedInvoice, locations: dict[int, str]) -> UnpostedRecord:
    company = record.company.name if record.company and record.company.name else ""
    return UnpostedRecord(
        kind=SourceType.INVOICE,
        record_id=str(record.id),
        number=record.invoice_number or str(record.id),
        record_type=str(record.invoice_type or ""),
        day=_day(record.invoice_date),
        party=company or (record.account_number or ""),
        amount=record.total if record.total is not None else money.ZERO,
        currency=_currency(record.currency),
        location=locations.get(record.location_id or 0, ""),
        description=record.description or "",
    )


def _expense_row(record: cw.UnpostedExpense, locations: dict[int, str]) -> UnpostedRecord:
    member = record.member
    kind_name = record.expense_type.name if record.expense_type and record.expense_type.name else ""
    return UnpostedRecord(
        kind=SourceType.EXPENSE,
        record_id=str(record.id),
        number=str(record.id),
        record_type=kind_name,
        day=_day(record.date_expense),
        party=(member.name or member.identifier or "") if member else "",
        amount=record.total if record.total is not None else money.ZERO,
        currency=_currency(record.currency),
        location=locations.get(record.location_id or 0, ""),
        description=record.charge_description or "",
    )


def _procurement_row(record: cw.UnpostedProcurement, locations: dict[int, str]) -> UnpostedRecord:
    vendor = record.vendor.name if record.vendor and record.vendor.name else ""
    order = record.purchase_order.name if record.purchase_order and record.purchase_order.name else ""
    return UnpostedRecord(
        kind=SourceType.PROCUREMENT,
        record_id=_procurement_id(record),
        number=order or (record.vendor_invoice_number or "") or str(record.id),
        record_type=str(record.procurement_type or ""),
        day=_day(record.purchase_date),
        party=vendor,
        amount=record.total if record.total is not None else money.ZERO,
        currency=_currency(record.currency),
        location=locations.get(record.location_id or 0, ""),
        description=record.description or "",
    )


def _procurement_id(record: cw.UnpostedProcurement) -> str:
    """The id a run's ``--include`` matches for a procurement record (as :func:`batch.select` does)."""
    return str(record.unposted_product_id or record.id)


def unposted_records(ctx: Context, request: RunRequest, *, validate: bool = True) -> UnpostedListing:
    """Every unposted record the request selects, each with the problems the run's own check finds.

    Which records: the request's kinds, location and through date (its include/exclude lists are ignored:
    this is the list they are picked from). The problems come from :func:`cwsage.services.batch.check`
    on the same selection, so a record listed here without a problem passes the same validation a run
    makes. To hand a document's problems back to its records, the records are exported in groups whose
    documents are known to come from exactly those records: all invoices together (a document is matched
    by its invoice number), each member's expenses together (they become one expense bill, or journal
    entries, per member), and each procurement record alone. Nothing is written anywhere.

    Args:
        ctx: Clients, store and settings (as for a run).
        request: Kinds, location, through date, detail level and ``create_missing`` of the run to come.
        validate: ``False`` lists the records without checking them (no request to Sage 300).

    Returns:
        The three tabs; if the check could not be made, the records without problems and the reason.

    Raises:
        ConfigurationError: the location does not exist in Manage.
    """
    location_id = resolve_location(ctx.manage, request.location)
    locations = {loc.id: loc.name or str(loc.id) for loc in ctx.manage.locations() if loc.id is not None}
    through = request.through
    manage = ctx.manage
    invoices = manage.unposted_invoices(location_id=location_id, through=through) if request.invoices else []
    expenses = manage.unposted_expenses(location_id=location_id, through=through) if request.expenses else []
    procurement = manage.unposted_procurement(location_id=location_id, through=through) if request.inventory else []
    listing = UnpostedListing(
        invoices=[_invoice_row(r, locations) for r in invoices],
        expenses=[_expense_row(r, locations) for r in expenses],
        procurement=[_procurement_row(r, locations) for r in procurement],
    )
    if not validate or not listing.records():
        return listing
    try:
        origins = _document_origins(ctx, request, Selection(invoices, expenses, procurement, location_id))
        checked = check(ctx, replace(request, batch_number="check", include=(), exclude=(), dry_run=False))
    except CwsageError as exc:
        log.info("the records could not be checked: %s", exc)
        listing.error = exc.paragraph()
        return listing
    by_selector: dict[str, list[Issue]] = defaultdict(list)
    for issue in checked.issues:
        selectors = origins.get(issue.document_key)
        if not selectors:
            listing.general_problems.append(issue)
            continue
        for selector in selectors:
            by_selector[selector].append(issue)
    listing.invoices = [replace(r, problems=tuple(by_selector[r.selector])) for r in listing.invoices]
    listing.expenses = [replace(r, problems=tuple(by_selector[r.selector])) for r in listing.expenses]
    listing.procurement = [replace(r, problems=tuple(by_selector[r.selector])) for r in listing.procurement]
    listing.checked = True
    return listing


def _document_origins(ctx: Context, request: RunRequest, selection: Selection) -> dict[str, list[str]]:
    """Document key -> the selectors of the records it comes from (see :func:`unposted_records`)."""
    options = TranslateOptions(ic_default_location=ctx.settings.ic_default_location)
    origins: dict[str, list[str]] = defaultdict(list)

    def export(part: Selection) -> list[tuple[str, str, str]]:
        docs = translate(export_selection(ctx, request, part), options).documents
        return [(doc.key, doc.document_number, doc.source.record_id) for doc in docs]

    if selection.invoices:
        by_number = {r.invoice_number: f"{SourceType.INVOICE}:{r.id}" for r in selection.invoices if r.invoice_number}
        by_id = {str(r.id): f"{SourceType.INVOICE}:{r.id}" for r in selection.invoices}
        for key, number, record_id in export(Selection(invoices=selection.invoices, location_id=selection.location_id)):
            selector = by_number.get(number) or by_id.get(record_id)
            if selector:
                origins[key].append(selector)
    members: dict[str, list[cw.UnpostedExpense]] = defaultdict(list)
    for expense in selection.expenses:
        member = (expense.member.identifier or "") if expense.member else ""
        members[member].append(expense)
    for group in members.values():
        selectors = [f"{SourceType.EXPENSE}:{r.id}" for r in group]
        for key, _number, _id in export(Selection(expenses=group, location_id=selection.location_id)):
            origins[key].extend(selectors)
    for record in selection.procurement:
        selector = f"{SourceType.PROCUREMENT}:{_procurement_id(record)}"
        for key, _number, _id in export(Selection(procurement=[record], location_id=selection.location_id)):
            origins[key].append(selector)
    return dict(origins)


# --------------------------------------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocationChoice:
    """A Manage location that has unposted records (the guide lists only those)."""

    id: int
    name: str
    records: int


def locations_with_records(manage: ManageClient) -> list[LocationChoice]:
    """The Manage locations with at least one unposted invoice, expense or procurement record, by name."""
    counts: Counter[int] = Counter()
    for records in (manage.unposted_invoices(), manage.unposted_expenses(), manage.unposted_procurement()):
        counts.update(r.location_id for r in records if r.location_id is not None)
    names = {loc.id: loc.name or str(loc.id) for loc in manage.locations() if loc.id is not None}
    choices = [LocationChoice(lid, names.get(lid, str(lid)), n) for lid, n in counts.items()]
    return sorted(choices, key=lambda c: c.name.lower())


# --------------------------------------------------------------------------------------------------------
# Batch Numbers
# --------------------------------------------------------------------------------------------------------


def default_initials(user: str | None = None, full_name: str | None = None) -> str:
    """The initials the guide puts in a Batch Number: from the user's full name, else the login's first two.

    Args:
        user: Login name (the OS user when ``None``).
        full_name: Full name (the OS account's when ``None`` and available).
    """
    if user is None:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = ""
    if full_name is None:
        full_name = _os_full_name(user)
    words = [w for w in (full_name or "").replace(",", " ").split() if w[:1].isalpha()]
    if len(words) >= 2:
        return (words[0][0] + words[-1][0]).upper()
    letters = [c for c in user if c.isalpha()]
    return "".join(letters[:2]).upper() or "XX"


def _os_full_name(user: str) -> str:
    try:
        import pwd

        return pwd.getpwnam(user).pw_gecos.split(",")[0]
    except (ImportError, KeyError, OSError):
        return ""


def batch_suffix(*, invoices: bool, expenses: bool, inventory: bool) -> str:
    """``I``, ``E`` or ``P`` for a batch of one kind (as the guide recommends); the letters together otherwise."""
    kinds = [
        letter
        for kind, letter in KIND_SUFFIX.items()
        if {SourceType.INVOICE: invoices, SourceType.EXPENSE: expenses, SourceType.PROCUREMENT: inventory}[kind]
    ]
    return "".join(kinds) or "IEP"


def suggest_batch_number(
    store: StateStore,
    manage: ManageClient,
    *,
    day: date,
    initials: str,
    invoices: bool = True,
    expenses: bool = True,
    inventory: bool = True,
) -> str:
    """The guide's Batch Number for today's batch, with the next free ``-N`` suffix when it is taken.

    ``20261125JD-I`` for invoices by John Doe on 25 November 2026; ``20261125JD-I-1`` if that was used (by
    cwsage or in Manage), then ``-2`` …

    Args:
        store: The state store (runs of this installation).
        manage: Manage client (batches made by any tool).
        day: The run's date.
        initials: The initials of the person running the batch (letters only are kept).
        invoices: The batch exports invoices.
        expenses: The batch exports expenses.
        inventory: The batch exports procurement.

    Returns:
        A Batch Number no run and no Manage batch has yet (the base one when none is free up to -99).
    """
    letters = "".join(c for c in initials.upper() if c.isalnum())[:4] or default_initials()
    base = (
        f"{day.strftime('%Y%m%d')}{letters}-{batch_suffix(invoices=invoices, expenses=expenses, inventory=inventory)}"
    )
    return next_free_batch_number(store, manage, base)


# --------------------------------------------------------------------------------------------------------
# Past runs
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviousBatch:
    """A batch a cwsage run created in Manage (what Rerun Previous Batch offers)."""

    batch_number: str
    run_id: str
    started_at: datetime
    status: str
    documents: int


def previous_batches(store: StateStore, limit: int = 500) -> list[PreviousBatch]:
    """The Batch Numbers of finished new-batch runs that posted something, newest first, each once."""
    seen: set[str] = set()
    batches: list[PreviousBatch] = []
    for run in store.list_runs(limit=limit):
        if run.kind is not RunKind.RUN or not run.batch_number or run.batch_number in seen:
            continue
        if run.status not in (RunStatus.SUCCEEDED, RunStatus.PARTIAL) or not run.summary.get("manage_batch"):
            continue
        seen.add(run.batch_number)
        counts = run.summary.get("counts") or {}
        total = sum(int(n) for states in counts.values() if isinstance(states, dict) for n in states.values())
        batches.append(
            PreviousBatch(run.batch_number, run.id, run.started_at, RUN_STATUS_WORDS[run.status.value], total)
        )
    return batches


@dataclass(frozen=True)
class RunDocument:
    """One document of a past run: what it was, how it ended, and where it is in Sage 300."""

    key: str
    kind: str
    label: str
    document_number: str
    party: str
    day: str
    currency: str
    total: Decimal
    state: str
    where: str
    problems: tuple[Issue, ...]


@dataclass(frozen=True)
class RunView:
    """A past run as History shows it."""

    run: RunRecord
    status: str
    documents: tuple[RunDocument, ...]

    def counts(self) -> dict[str, int]:
        """Documents per state, in a bookkeeper's words."""
        return dict(Counter(doc.state for doc in self.documents))


def run_view(store: StateStore, run: RunRecord) -> RunView:
    """A run with its documents' states, in a bookkeeper's words, and where each landed in Sage 300."""
    documents = []
    for record in store.documents(run.id, payloads=False):
        row = record.report
        documents.append(
            RunDocument(
                key=record.key,
                kind=kind_label(str(row.get("kind") or record.kind)),
                label=str(row.get("label") or record.key),
                document_number=record.document_number,
                party=str(row.get("party") or ""),
                day=str(row.get("date") or ""),
                currency=str(row.get("currency") or ""),
                total=money.D(row.get("total") or 0),
                state=state_words(record.state.value),
                where=record.where,
                problems=tuple(Issue.from_dict(i) for i in record.issues),
            )
        )
    return RunView(run, RUN_STATUS_WORDS.get(run.status.value, run.status.value), tuple(documents))


def runs_by_batch(runs: Iterable[RunRecord]) -> list[tuple[str, list[RunRecord]]]:
    """Runs grouped by Batch Number (payment syncs, which have none, under ``""``), newest group first."""
    groups: dict[str, list[RunRecord]] = {}
    for run in runs:
        groups.setdefault(run.batch_number or "", []).append(run)
    return list(groups.items())


def find_run(store: StateStore, reference: str, runs: Sequence[RunRecord] | None = None) -> RunRecord | None:
    """The run a user means by ``reference``: a run id, its first characters, or a Batch Number (latest run)."""
    candidates = list(runs) if runs is not None else store.list_runs(limit=1000)
    exact = store.get_run(reference)
    if exact is not None:
        return exact
    by_batch = [r for r in candidates if r.batch_number == reference]
    if by_batch:
        return by_batch[0]
    by_prefix = [r for r in candidates if r.id.startswith(reference)]
    return by_prefix[0] if len(by_prefix) == 1 else None
