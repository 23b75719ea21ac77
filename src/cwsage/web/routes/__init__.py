"""The routes of the web UI, one module per screen; each parses a form, calls a service and renders."""

from __future__ import annotations

from fastapi import APIRouter


def all_routers() -> list[APIRouter]:
    """Every router of the application, sign-in first."""
    from cwsage.web.routes import auth, batch, connect, history, jobs, payments, rerun, settings

    screens = (auth, connect, batch, jobs, rerun, payments, history, settings)
    return [screen.router for screen in screens]
