"""Small helpers the screens share: reading forms, redirecting, starting a job."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from cwsage.web import downloads
from cwsage.web.app import require_csrf


def protected_router() -> APIRouter:
    """A router whose every route needs a session, and a CSRF token on anything but a read."""
    return APIRouter(dependencies=[Depends(require_csrf)])


def texts(form: FormData | Mapping[str, Any]) -> dict[str, str]:
    """The text fields of a form (the first value of each; files ignored)."""
    items = form.multi_items() if isinstance(form, FormData) else list(form.items())
    out: dict[str, str] = {}
    for key, value in items:
        if isinstance(value, str) and key not in out:
            out[key] = value
    return out


def go(request: Request, url: str) -> Response:
    """Redirect after a POST: htmx follows ``HX-Redirect``, a plain form follows 303."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"hx-redirect": url})
    return RedirectResponse(url, status_code=303)


def error_file(rows: list[tuple[str, ...]], fmt: str, batch: str | None, run_id: str | None, title: str) -> Response:
    """Save List of Errors as a download: ``csv`` or ``xlsx``."""
    if fmt == "csv":
        body, media = downloads.errors_csv(rows), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = downloads.errors_xlsx(rows, title)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        return Response("Ask for errors.csv or errors.xlsx.", status_code=404)
    name = downloads.download_name(batch, run_id, f"errors.{fmt}")
    return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})
