"""Update Invoice Payments: the guide's five start options, a preview, Run Sync, and the results."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from cwsage.dates import DateParseError, parse_date
from cwsage.errors import ConfigurationError
from cwsage.services.payments import sync_payments
from cwsage.web.app import SessionDep, WebApp, web_of
from cwsage.web.jobs import Job, JobKind
from cwsage.web.routes.common import go, protected_router, texts
from cwsage.web.security import WebSession

router = protected_router()

START_OPTIONS = (
    (
        "last-run",
        "Last Successful Run",
        "Invoices updated in Sage 300 since your last successful sync on this computer.",
    ),
    ("past-week", "Past Week", "Invoices updated in the past 7 days."),
    ("past-two-weeks", "Past Two Weeks", "Invoices updated in the past 14 days."),
    ("past-month", "Past Month", "Invoices updated since this day last month."),
    ("custom", "Custom Date", "Invoices updated since a date of your choosing."),
)


@dataclass(frozen=True)
class SyncRequest:
    """The start date chosen (a start option of :func:`sync_payments` or an ISO date)."""

    since: str

    @property
    def label(self) -> str:
        """How the page names the choice."""
        return next((label for key, label, _ in START_OPTIONS if key == self.since), self.since)


@router.get("/payments")
def payments_page(request: Request, session: SessionDep) -> Response:
    """The Update Invoice Payments tab."""
    web = web_of(request)
    return web.page(request, "payments.html", session, nav="payments", options=START_OPTIONS, chosen="last-run")


def sync_request(values: dict[str, str]) -> SyncRequest:
    """The start date the form asks for.

    Raises:
        ConfigurationError: an unknown option, or a custom date that is missing or not a date.
    """
    since = values.get("since", "last-run")
    if since == "custom":
        text = values.get("custom_date", "").strip()
        try:
            return SyncRequest(parse_date(text).isoformat())
        except DateParseError as exc:
            raise ConfigurationError(
                f"the custom start date {text!r} is not a date", hint="Pick a date with the date picker."
            ) from exc
    if since not in {key for key, _label, _help in START_OPTIONS}:
        raise ConfigurationError(f"{since!r} is not one of the start dates offered")
    return SyncRequest(since)


def start_sync(web: WebApp, session: WebSession, wanted: SyncRequest, *, preview: bool) -> Job:
    """Start a payment sync (or its preview) in the server, as ``cwsage sync-payments`` runs it."""
    env = web.env_for(session)

    def work(job: Job) -> object:
        with web.context(env, progress=job) as ctx:
            return sync_payments(ctx.manage, ctx.sage, ctx.store, wanted.since, dry_run=preview, progress=job)

    kind = JobKind.SYNC_PREVIEW if preview else JobKind.SYNC
    title = f"{'Preview of the payment sync' if preview else 'Payment sync'} since {wanted.label}"
    return web.jobs.start(kind, title, wanted, work)


@router.post("/payments/preview")
async def payments_preview(request: Request, session: SessionDep) -> Response:
    """What the sync would change in Manage; nothing is changed."""
    job = start_sync(web_of(request), session, sync_request(texts(await request.form())), preview=True)
    return go(request, f"/jobs/{job.id}")


@router.post("/payments/run")
async def payments_run(request: Request, session: SessionDep) -> Response:
    """Run Sync: set the paid amounts and paid-in-full dates on the Manage invoices."""
    job = start_sync(web_of(request), session, sync_request(texts(await request.form())), preview=False)
    return go(request, f"/jobs/{job.id}")
