"""Settings: every run default, with its help text, saved to the ``config.toml`` the CLI reads."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from cwsage.config import save_run_defaults
from cwsage.web.app import SessionDep, web_of
from cwsage.web.forms import SettingsError, parse_settings, setting_fields
from cwsage.web.routes.common import go, protected_router, texts

router = protected_router()


@router.get("/settings")
def settings_page(request: Request, session: SessionDep) -> Response:
    """The run defaults in force for the profile."""
    web = web_of(request)
    settings = web.settings(session, frozenset())
    return web.page(
        request,
        "settings.html",
        session,
        nav="settings",
        fields=setting_fields(settings.defaults),
        config_file=settings.config_file,
        profile=settings.profile,
    )


@router.post("/settings")
async def save_settings(request: Request, session: SessionDep) -> Response:
    """Check and save the run defaults; a refused value is shown beside its field and nothing is saved."""
    web = web_of(request)
    settings = web.settings(session, frozenset())
    try:
        defaults = parse_settings(texts(await request.form()))
    except SettingsError as exc:
        return web.page(
            request,
            "settings.html",
            session,
            status_code=422,
            nav="settings",
            fields=setting_fields(settings.defaults, exc.errors, exc.entered),
            config_file=settings.config_file,
            profile=settings.profile,
        )
    path = save_run_defaults(settings.profile, defaults, web.env_for(session))
    session.flash.append(f"Settings saved to {path}; the next run (in the browser or the CLI) uses them.")
    return go(request, "/settings")
