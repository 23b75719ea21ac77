"""The progress screen of a job (live over server-sent events), its result, and its downloads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from cwsage import money
from cwsage.redaction import redact
from cwsage.services.batch import RunRequest
from cwsage.services.payments import SyncResult
from cwsage.services.reports import full_log
from cwsage.services.results import Outcome, RunResult
from cwsage.web import downloads
from cwsage.web.app import SessionDep, WebApp, web_of
from cwsage.web.jobs import Job, JobKind, JobState
from cwsage.web.routes.batch import start_batch
from cwsage.web.routes.common import error_file, go, protected_router
from cwsage.web.routes.history import reports_folder
from cwsage.web.routes.payments import SyncRequest, start_sync
from cwsage.web.routes.rerun import RerunRequest, start_rerun

router = protected_router()

KEEPALIVE_SECONDS = 15.0


def _job(web: WebApp, job_id: str) -> Job:
    job = web.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "No such job: it belongs to an earlier start of cwsage serve. See History.")
    return job


def result_view(job: Job) -> dict[str, Any]:
    """What the result templates read: the service result's JSON form and what the job can do next."""
    result = job.result
    data: dict[str, Any] = result.as_dict() if isinstance(result, RunResult | SyncResult) else {}
    return {
        "job": job,
        "r": data,
        "is_sync": isinstance(result, SyncResult),
        "can_run": job.kind.is_preview and job.state is JobState.DONE,
        "can_resume": isinstance(result, RunResult) and result.outcome is Outcome.INTERRUPTED,
    }


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str, session: SessionDep) -> Response:
    """Progress while the job runs (reconnects after the tab was closed), then the result."""
    web = web_of(request)
    job = _job(web, job_id)
    nav = {JobKind.RERUN: "rerun", JobKind.RERUN_PREVIEW: "rerun", JobKind.SYNC: "payments"}.get(job.kind, "batch")
    if job.kind is JobKind.SYNC_PREVIEW:
        nav = "payments"
    return web.page(request, "job.html", session, nav=nav, events=job.events_after(0), **result_view(job))


def _sse(event_id: int, name: str, data: dict[str, Any]) -> str:
    return f"id: {event_id}\nevent: {name}\ndata: {money.dumps(data)}\n\n"


@router.get("/jobs/{job_id}/events")
async def job_events(request: Request, job_id: str, session: SessionDep) -> Response:
    """Server-sent events: every progress event after ``Last-Event-ID``, then ``end`` when the job is over."""
    job = _job(web_of(request), job_id)
    try:
        last = int(request.headers.get("last-event-id") or request.query_params.get("after") or 0)
    except ValueError:
        last = 0

    async def stream() -> AsyncIterator[str]:
        nonlocal last
        idle = 0.0
        yield "retry: 1000\n\n"
        while True:
            events = await asyncio.to_thread(job.wait, last, 1.0)
            for event in events:
                last = event.id
                yield _sse(
                    event.id,
                    "end" if event.kind == "end" else "progress",
                    {"kind": event.kind, "text": event.text, "done": event.done, "total": event.total},
                )
                if event.kind == "end":
                    return
            idle = 0.0 if events else idle + 1.0
            if idle >= KEEPALIVE_SECONDS:
                idle = 0.0
                yield ": keep-alive\n\n"
            if await request.is_disconnected():
                return

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"cache-control": "no-store", "x-accel-buffering": "no"}
    )


@router.post("/jobs/{job_id}/run")
def run_for_real(request: Request, job_id: str, session: SessionDep) -> Response:
    """Do for real what a preview showed — or start again a run that stopped (it resumes where it stopped)."""
    web = web_of(request)
    job = _job(web, job_id)
    wanted = job.request
    if isinstance(wanted, RunRequest):
        new = start_batch(web, session, wanted, preview=False)
    elif isinstance(wanted, RerunRequest):
        new = start_rerun(web, session, wanted, preview=False)
    elif isinstance(wanted, SyncRequest):
        new = start_sync(web, session, wanted, preview=False)
    else:
        return Response("This job cannot be run again.", status_code=400)
    return go(request, f"/jobs/{new.id}")


def _finished_result(job: Job) -> RunResult:
    if not isinstance(job.result, RunResult):
        raise HTTPException(404, "This job has no list of errors (it is still running, or it is a payment sync).")
    return job.result


@router.get("/jobs/{job_id}/errors.{fmt}")
def job_errors(request: Request, job_id: str, fmt: str, session: SessionDep) -> Response:
    """Save List of Errors of a job (CSV or XLSX); a recorded run's comes from its saved report."""
    web = web_of(request)
    job = _job(web, job_id)
    result = _finished_result(job)
    if result.run_id and reports_folder(web, session, result.run_id) is not None:
        return RedirectResponse(f"/history/{result.run_id}/errors.{fmt}", status_code=303)
    rows = downloads.error_rows(result.as_dict())
    return error_file(rows, fmt, result.batch_number, result.run_id, f"{job.title} — list of errors")


@router.get("/jobs/{job_id}/full-log.txt")
def job_log(request: Request, job_id: str, session: SessionDep) -> Response:
    """Save Full Log of a job; a recorded run's comes from its saved report."""
    web = web_of(request)
    job = _job(web, job_id)
    result = _finished_result(job)
    if result.run_id and reports_folder(web, session, result.run_id) is not None:
        return RedirectResponse(f"/history/{result.run_id}/full-log.txt", status_code=303)
    name = downloads.download_name(result.batch_number, result.run_id, "full-log.txt")
    return Response(
        redact(full_log(result, [])),
        media_type="text/plain; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
