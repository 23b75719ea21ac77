"""Rerun Previous Batch: pick a batch run so far (or type any Manage Batch Number), preview, then run."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from cwsage.errors import ConfigurationError
from cwsage.services import batch as batch_service
from cwsage.services import listing
from cwsage.web.app import SessionDep, WebApp, web_of
from cwsage.web.jobs import Job, JobKind
from cwsage.web.routes.batch import DETAILS
from cwsage.web.routes.common import go, protected_router, texts
from cwsage.web.security import WebSession

router = protected_router()


@dataclass(frozen=True)
class RerunRequest:
    """The choices of the Rerun Previous Batch tab."""

    batch_number: str
    detail: str | None = None
    """``None``: the detail the batch was first run with."""
    force: bool = False


@router.get("/rerun")
def rerun_page(request: Request, session: SessionDep, batch: str = "") -> Response:
    """The batches run so far, newest first, and a field for any Manage Batch Number."""
    web = web_of(request)
    store = web.store(web.settings(session, frozenset()))
    return web.page(
        request,
        "rerun.html",
        session,
        nav="rerun",
        batches=listing.previous_batches(store),
        chosen=batch,
        details=(("", "As first run"), *DETAILS),
    )


def rerun_request(values: dict[str, str]) -> RerunRequest:
    """The rerun the form asks for.

    Raises:
        ConfigurationError: no Batch Number.
    """
    number = values.get("batch_number", "").strip()
    if not number:
        raise ConfigurationError("choose a batch to rerun", hint="Pick one from the list or type its Batch Number.")
    detail = values.get("detail", "").lower()
    return RerunRequest(number, detail if detail in batch_service.DETAIL_LEVELS else None, "force" in values)


def start_rerun(web: WebApp, session: WebSession, wanted: RerunRequest, *, preview: bool) -> Job:
    """Start a rerun (or its preview) in the server, as ``cwsage rerun`` runs it."""
    env = web.env_for(session)

    def work(job: Job) -> object:
        with web.context(env, progress=job) as ctx:
            return batch_service.rerun_batch(
                ctx, wanted.batch_number, dry_run=preview, force=wanted.force, detail=wanted.detail
            )

    kind = JobKind.RERUN_PREVIEW if preview else JobKind.RERUN
    title = f"{'Preview of rerunning' if preview else 'Rerun of'} batch {wanted.batch_number}"
    return web.jobs.start(kind, title, wanted, work)


@router.post("/rerun/preview")
async def rerun_preview(request: Request, session: SessionDep) -> Response:
    """What Sage 300 still has of the batch, and what would be posted again."""
    job = start_rerun(web_of(request), session, rerun_request(texts(await request.form())), preview=True)
    return go(request, f"/jobs/{job.id}")


@router.post("/rerun/run")
async def rerun_run(request: Request, session: SessionDep) -> Response:
    """Rerun the batch: post again what Sage 300 no longer has."""
    job = start_rerun(web_of(request), session, rerun_request(texts(await request.form())), preview=False)
    return go(request, f"/jobs/{job.id}")
