"""History: every run by Batch Number, each document's status and where it landed in Sage 300, and its files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response

from cwsage import money
from cwsage.services import listing
from cwsage.state.store import RunRecord
from cwsage.web import downloads
from cwsage.web.app import SessionDep, WebApp, web_of
from cwsage.web.routes.common import error_file, protected_router
from cwsage.web.security import WebSession

router = protected_router()

KIND_WORDS = {"run": "New batch", "rerun": "Rerun", "sync-payments": "Payment sync", "check": "Check"}


def reports_folder(web: WebApp, session: WebSession, run_id: str) -> Path | None:
    """The saved reports of a recorded run (``None`` when it has none yet, or no such run exists)."""
    settings = web.settings(session, frozenset())
    if web.store(settings).get_run(run_id) is None:
        return None
    folder = settings.paths().reports_dir / run_id
    return folder if (folder / "result.json").exists() else None


def _run(web: WebApp, session: WebSession, reference: str) -> RunRecord:
    store = web.store(web.settings(session, frozenset()))
    run = listing.find_run(store, reference)
    if run is None:
        raise HTTPException(404, f"No run {reference!r} in the history.")
    return run


def _result(web: WebApp, session: WebSession, run: RunRecord) -> dict[str, Any] | None:
    folder = reports_folder(web, session, run.id)
    if folder is None:
        return None
    data = money.loads((folder / "result.json").read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else None


@router.get("/history")
def history_page(request: Request, session: SessionDep) -> Response:
    """The runs so far, grouped by Batch Number, newest first."""
    web = web_of(request)
    store = web.store(web.settings(session, frozenset()))
    runs = store.list_runs(limit=500)
    return web.page(
        request,
        "history.html",
        session,
        nav="history",
        groups=listing.runs_by_batch(runs),
        kind_words=KIND_WORDS,
        status_words=listing.RUN_STATUS_WORDS,
    )


@router.get("/history/{reference}")
def run_page(request: Request, reference: str, session: SessionDep) -> Response:
    """One run (by id or Batch Number): outcome, each document's status and place in Sage, errors and log."""
    web = web_of(request)
    run = _run(web, session, reference)
    view = listing.run_view(web.store(web.settings(session, frozenset())), run)
    return web.page(
        request,
        "run.html",
        session,
        nav="history",
        view=view,
        r=_result(web, session, run),
        kind_words=KIND_WORDS,
    )


@router.get("/history/{reference}/errors.{fmt}")
def run_errors(request: Request, reference: str, fmt: str, session: SessionDep) -> Response:
    """Save List of Errors of a recorded run (CSV or XLSX), from its saved result."""
    web = web_of(request)
    run = _run(web, session, reference)
    result = _result(web, session, run)
    if result is None:
        raise HTTPException(404, "This run has no saved report yet (it is still running, or it stopped early).")
    rows = downloads.error_rows(result)
    return error_file(rows, fmt, run.batch_number, run.id, f"cwsage {run.kind} {run.batch_number} — list of errors")


@router.get("/history/{reference}/full-log.txt")
def run_log(request: Request, reference: str, session: SessionDep) -> Response:
    """Save Full Log of a recorded run (as written when it finished; secrets were masked then)."""
    web = web_of(request)
    run = _run(web, session, reference)
    folder = reports_folder(web, session, run.id)
    if folder is None or not (folder / "full-log.txt").exists():
        raise HTTPException(404, "This run has no saved log yet (it is still running, or it stopped early).")
    name = downloads.download_name(run.batch_number, run.id, "full-log.txt")
    return Response(
        (folder / "full-log.txt").read_bytes(),
        media_type="text/plain; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
