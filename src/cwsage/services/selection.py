"""Which Manage records a batch takes: the user's choices, the records they pick, and what makes two runs one.

The first step of DESIGN §3. Selection only reads; ``--include``/``--exclude`` tokens that name nothing are
refused with the reason for each (batched already, outside the kinds or dates chosen, or unknown), and the
ids a run selected are stored with it so that the same command later tells its own records from new ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import date
from typing import Any, Protocol

from cwsage.connectwise import models as cw
from cwsage.connectwise.client import ManageClient
from cwsage.errors import ConfigurationError
from cwsage.services.batch_numbers import next_free_batch_number
from cwsage.services.context import Context
from cwsage.state.store import DocState, RunKind, RunRecord, RunStatus, StateStore

DETAIL_LEVELS = {"default": "Default", "condensed": "Condensed", "detailed": "Detailed"}
BATCH_NUMBER_MAX = 50  # Manage's batchIdentifier


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


class SelectedInvoice(Protocol):
    """An invoice of a selection: a listing record, or only its id and number (:class:`cw.InvoiceRef`)."""

    @property
    def id(self) -> int | None: ...

    @property
    def invoice_number(self) -> str | None: ...


@dataclass
class Selection:
    """The unposted records picked for a batch."""

    invoices: Sequence[SelectedInvoice] = field(default_factory=list)
    expenses: list[cw.UnpostedExpense] = field(default_factory=list)
    procurement: list[cw.UnpostedProcurement] = field(default_factory=list)
    location_id: int | None = None

    @property
    def empty(self) -> bool:
        """Nothing selected."""
        return not (self.invoices or self.expenses or self.procurement)


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

    invoices = ctx.manage.unposted_invoice_refs(**kw) if request.invoices else []
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
    invoices: Sequence[SelectedInvoice],
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
                ctx.manage.unposted_invoice_refs(), ctx.manage.unposted_expenses(), ctx.manage.unposted_procurement()
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
        if run.kind is not RunKind.RUN:
            continue
        for record in store.documents(run.id, state=DocState.WRITTEN_BACK):
            if kind and record.source_type != kind:
                continue
            if wanted in (record.source_id, record.document_number):
                return f"Manage batch {run.batch_number}, {record.document_number or record.key}"
    return ""


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


def refuse_new_records(ctx: Context, finished: RunRecord, selection: Selection) -> None:
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


def finished_same(store: StateStore, request: RunRequest) -> RunRecord | None:
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


def check_batch_number(batch_number: str) -> None:
    """Refuse an empty Batch Number or one longer than Manage keeps."""
    if not batch_number.strip():
        raise ConfigurationError("a Batch Number is required", hint="Pass --batch-number, e.g. 20261125JD-I.")
    if len(batch_number) > BATCH_NUMBER_MAX:
        raise ConfigurationError(
            f"the Batch Number is {len(batch_number)} characters; Manage allows {BATCH_NUMBER_MAX}",
            hint="Use a shorter Batch Number, e.g. 20261125JD-I.",
        )
