"""Run New Batch: location, through date, export options, the three tabs of records, Preview and Run Export."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from cwsage.config import SECTIONS
from cwsage.dates import DateParseError, parse_date
from cwsage.domain.documents import SourceType
from cwsage.errors import ConfigurationError, CwsageError
from cwsage.services import batch as batch_service
from cwsage.services import listing
from cwsage.web.app import SessionDep, WebApp, web_of
from cwsage.web.jobs import Job, JobKind
from cwsage.web.routes.common import go, protected_router, texts
from cwsage.web.security import WebSession

router = protected_router()

DETAILS = (("default", "Default"), ("condensed", "Condensed"), ("detailed", "Detailed"))
TABS = (
    (SourceType.INVOICE, "Invoices", "invoices"),
    (SourceType.EXPENSE, "Expenses", "expenses"),
    (SourceType.PROCUREMENT, "Inventory", "inventory"),
)


@dataclass(frozen=True)
class Filters:
    """The top of the Run New Batch tab: which records to list."""

    location: str
    through: date | None
    invoices: bool
    expenses: bool
    inventory: bool
    detail: str
    create_missing: bool

    def request(self, batch_number: str = "check") -> batch_service.RunRequest:
        """The run request these filters make (before records are ticked)."""
        return batch_service.RunRequest(
            batch_number=batch_number,
            invoices=self.invoices,
            expenses=self.expenses,
            inventory=self.inventory,
            location=self.location or None,
            through=self.through,
            detail=self.detail,
            create_missing=self.create_missing,
        )

    def key(self) -> tuple[object, ...]:
        """What the list of records depends on."""
        return (self.location, self.through, self.invoices, self.expenses, self.inventory, self.detail)


def _through(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return parse_date(text)
    except DateParseError as exc:
        raise ConfigurationError(f"the through date {text!r} is not a date", hint="Use the date picker.") from exc


def filters_of(values: dict[str, str], *, first_visit: bool = False) -> Filters:
    """The filters from a query string or form; on a first visit every kind is ticked (the guide's default)."""
    detail = values.get("detail", "default").lower()
    return Filters(
        location=values.get("location", ""),
        through=_through(values.get("through", "")),
        invoices=first_visit or "invoices" in values,
        expenses=first_visit or "expenses" in values,
        inventory=first_visit or "inventory" in values,
        detail=detail if detail in batch_service.DETAIL_LEVELS else "default",
        create_missing="create_missing" in values,
    )


def _listing(web: WebApp, session: WebSession, filters: Filters, *, refresh: bool) -> listing.UnpostedListing:
    cached = session.views.get("listing")
    if not refresh and cached is not None and cached[0] == filters.key():
        assert isinstance(cached[1], listing.UnpostedListing)
        return cached[1]
    with web.context(web.env_for(session)) as ctx:
        result = listing.unposted_records(ctx, filters.request())
    session.views["listing"] = (filters.key(), result)
    return result


def _suggest(web: WebApp, session: WebSession, filters: Filters) -> str:
    with web.context(web.env_for(session)) as ctx:
        return listing.suggest_batch_number(
            ctx.store,
            ctx.manage,
            day=web.config.clock.now().date(),
            initials=session.initials or listing.default_initials(),
            invoices=filters.invoices,
            expenses=filters.expenses,
            inventory=filters.inventory,
        )


@router.get("/batch")
def batch_page(request: Request, session: SessionDep) -> Response:
    """The Run New Batch tab."""
    web = web_of(request)
    try:
        web.settings(session, frozenset(SECTIONS))
    except CwsageError as exc:
        session.flash.append(f"Log in to both systems first. {exc.user_message}")
        return RedirectResponse("/connect", status_code=303)
    values = dict(request.query_params)
    filters = filters_of(values, first_visit=not values)
    with web.context(web.env_for(session)) as ctx:
        locations = listing.locations_with_records(ctx.manage)
    cached = session.views.get("listing")
    records = cached[1] if cached is not None and cached[0] == filters.key() else None
    return web.page(
        request,
        "batch.html",
        session,
        nav="batch",
        filters=filters,
        locations=locations,
        details=DETAILS,
        listing=records,
        tabs=TABS,
        batch_number=_suggest(web, session, filters),
        initials=session.initials,
    )


@router.get("/batch/records")
def records_panel(request: Request, session: SessionDep) -> Response:
    """The Invoices / Expenses / Inventory tabs for the filters (``refresh`` reads Manage again)."""
    web = web_of(request)
    values = dict(request.query_params)
    filters = filters_of(values)
    records = _listing(web, session, filters, refresh="refresh" in values)
    return web.templates.TemplateResponse(
        request, "_records.html", {"listing": records, "tabs": TABS, "filters": filters}
    )


@router.get("/batch/number")
def batch_number_field(request: Request, session: SessionDep) -> Response:
    """The Batch Number the guide's convention gives for the kinds ticked and the initials."""
    web = web_of(request)
    values = dict(request.query_params)
    initials = "".join(c for c in values.get("initials", "") if c.isalpha())[:4].upper()
    if initials:
        session.initials = initials
    filters = filters_of(values)
    if "counted" in values:  # the tabs came along: name the batch after the kinds that have a ticked record
        ticked = {token.split(":", 1)[0] for token in request.query_params.getlist("include")}
        filters = replace(
            filters,
            invoices=filters.invoices and SourceType.INVOICE in ticked,
            expenses=filters.expenses and SourceType.EXPENSE in ticked,
            inventory=filters.inventory and SourceType.PROCUREMENT in ticked,
        )
    return web.templates.TemplateResponse(
        request,
        "_batch_number.html",
        {"batch_number": _suggest(web, session, filters), "initials": session.initials},
    )


def run_request(form: FormData) -> batch_service.RunRequest:
    """The run the form asks for: the ticked records of the ticked kinds, with the filters and options.

    Raises:
        ConfigurationError: no record ticked, or no Batch Number.
    """
    values = texts(form)
    filters = filters_of(values)
    chosen = [str(v) for v in form.getlist("include") if isinstance(v, str)]
    kinds = {
        kind: wanted and any(token.startswith(f"{kind}:") for token in chosen)
        for kind, wanted in (
            (SourceType.INVOICE, filters.invoices),
            (SourceType.EXPENSE, filters.expenses),
            (SourceType.PROCUREMENT, filters.inventory),
        )
    }
    include = tuple(t for t in chosen if kinds.get(SourceType(t.split(":", 1)[0]), False))
    if not include:
        raise ConfigurationError(
            "no record is ticked for the batch", hint="Tick the Include box of the records to export, then try again."
        )
    batch_number = values.get("batch_number", "").strip()
    if not batch_number:
        raise ConfigurationError("a Batch Number is required", hint="Fill in the Batch Number, e.g. 20261125JD-I.")
    return batch_service.RunRequest(
        batch_number=batch_number,
        invoices=kinds[SourceType.INVOICE],
        expenses=kinds[SourceType.EXPENSE],
        inventory=kinds[SourceType.PROCUREMENT],
        location=filters.location or None,
        through=filters.through,
        detail=filters.detail,
        include=include,
        skip_invalid="skip_invalid" in values,
        create_missing=filters.create_missing,
    )


def start_batch(web: WebApp, session: WebSession, request: batch_service.RunRequest, *, preview: bool) -> Job:
    """Start a preview (dry run) or a real run of the batch in the server, with the session's settings."""
    env = web.env_for(session)
    wanted = replace(request, dry_run=preview)

    def work(job: Job) -> object:
        with web.context(env, progress=job) as ctx:
            return batch_service.run_batch(ctx, wanted)

    if not preview:
        session.views.pop("listing", None)  # posted records leave the unposted lists
    kind = JobKind.PREVIEW if preview else JobKind.RUN
    title = f"{'Preview' if preview else 'Run Export'} of batch {request.batch_number}"
    return web.jobs.start(kind, title, wanted, work)


@router.post("/batch/preview")
async def preview(request: Request, session: SessionDep) -> Response:
    """Preview: what will post where, the GL impact, totals, every problem — nothing is changed."""
    job = start_batch(web_of(request), session, run_request(await request.form()), preview=True)
    return go(request, f"/jobs/{job.id}")


@router.post("/batch/run")
async def run_export(request: Request, session: SessionDep) -> Response:
    """Run Export: post the ticked records to Sage 300 and mark them in Manage, as ``cwsage run`` does."""
    job = start_batch(web_of(request), session, run_request(await request.form()), preview=False)
    return go(request, f"/jobs/{job.id}")
