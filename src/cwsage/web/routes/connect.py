"""The guide's Login screen: the Sage 300 and Manage connections, tested, saved, or forgotten."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cwsage.config import resolve_fields
from cwsage.errors import ConfigurationError, CwsageError
from cwsage.redaction import redact
from cwsage.secrets import SecretKeyMissing
from cwsage.services import login as login_service
from cwsage.web.app import SessionDep, WebApp, web_of
from cwsage.web.routes.common import go, protected_router, texts
from cwsage.web.security import WebSession

router = protected_router()


@dataclass(frozen=True)
class FieldView:
    """One connection field as the form shows it (a secret's value is never sent to the page)."""

    name: str
    label: str
    value: str
    secret: bool
    has_value: bool
    source: str
    from_env: bool


@dataclass(frozen=True)
class Current:
    """The connection settings in force for a session, as the Login screen needs them.

    Attributes:
        profile: The profile shown.
        values: ``section.name`` -> value in force (secrets included: never sent to a page).
        views: ``section.name`` -> how the form shows the field.
        locked: Why the secret store could not be opened (and what to set), when a secret is missing for that.
    """

    profile: str
    values: dict[str, Any]
    views: dict[str, FieldView]
    locked: str = ""


def _current(web: WebApp, session: WebSession) -> Current:
    env = web.env_for(session)
    profile, _layout, resolved = resolve_fields(web.config.profile, env, store=web.secret_store(env))
    values = {r.spec.dotted: r.value for r in resolved}
    locked = next((r.store_error for r in resolved if r.store_error is not None), None)
    views = {
        r.spec.dotted: FieldView(
            name=r.spec.dotted,
            label=r.spec.label,
            value="" if r.spec.secret or r.value is None else str(r.value),
            secret=r.spec.secret,
            has_value=r.value not in (None, ""),
            source=r.source or "",
            from_env=(r.source or "").startswith("env "),
        )
        for r in resolved
    }
    return Current(profile, values, views, redact(locked.paragraph()) if locked is not None else "")


def _render(
    request: Request, session: WebSession, *, status_code: int = 200, problems: list[str] | None = None
) -> Response:
    web = web_of(request)
    current = _current(web, session)
    saved = login_service.saved_secrets(current.profile, web.secret_store(web.config.env))
    return web.page(
        request,
        "connect.html",
        session,
        status_code=status_code,
        nav="connect",
        profile=current.profile,
        f=current.views,
        locked=current.locked,
        saved=saved,
        held_in_session=sorted(session.secrets),
        problems=problems or [],
    )


@router.get("/connect")
def connect_page(request: Request, session: SessionDep) -> Response:
    """The Login screen: Sage company, user and password; Manage site, company, auth type and keys."""
    return _render(request, session)


@router.post("/connect/test/{system}")
async def try_connection(request: Request, system: str, session: SessionDep) -> Response:
    """Test one system with what is on the form (nothing is saved) and show what was found."""
    web = web_of(request)
    entered = texts(await request.form())
    current = _current(web, session).values
    report: login_service.ConnectionReport
    try:
        if system == "manage":
            report = login_service.check_manage(login_service.build_manage(entered, current))
        elif system == "sage":
            report = login_service.check_sage(login_service.build_sage(entered, current))
        else:
            return Response("No such system.", status_code=404)
    except CwsageError as exc:
        name = login_service.MANAGE if system == "manage" else login_service.SAGE
        report = login_service.ConnectionReport(name, (login_service.Finding(False, redact(exc.paragraph())),))
    return web.templates.TemplateResponse(request, "_connection_report.html", {"report": report})


@router.post("/connect/companies")
async def company_field(request: Request, session: SessionDep) -> Response:
    """The Sage company control: a list to pick from when the server lists its companies, a text box otherwise."""
    web = web_of(request)
    entered = texts(await request.form())
    current = _current(web, session).values

    def value(name: str) -> str:
        return entered.get(name) or str(current.get(name) or "")

    companies = login_service.sage_companies(value("sage.url"), value("sage.user"), value("sage.password"))
    return web.templates.TemplateResponse(
        request, "_company_field.html", {"companies": companies, "chosen": value("sage.company").upper()}
    )


@router.post("/connect")
async def save_connections(request: Request, session: SessionDep) -> Response:
    """Log in: check both connections, then save them (the passwords only if "Save password" is ticked)."""
    web = web_of(request)
    form = texts(await request.form())
    current = _current(web, session)
    try:
        manage = login_service.build_manage(form, current.values)
        sage = login_service.build_sage(form, current.values)
    except ConfigurationError as exc:
        return _render(request, session, status_code=422, problems=[redact(exc.paragraph())])
    problems = login_service.check_login(current.profile, manage, sage, web.config.env)
    if problems:
        return _render(request, session, status_code=422, problems=[*problems, "Nothing was saved."])
    save = "save_password" in form
    store = web.secret_store(web.config.env)
    accepted = "Both systems accepted the credentials."
    try:
        saved = login_service.save_login(
            current.profile, manage, sage, save_password=save, store=store, env=web.config.env
        )
    except SecretKeyMissing as exc:  # the settings are saved; the passwords can only be kept for this session
        session.secrets = login_service.connection_secrets(manage, sage)
        session.flash.append(
            f"{accepted} Settings saved; the passwords could not be saved and are kept for this session only: "
            + redact(exc.paragraph())
        )
        return go(request, "/batch")
    session.secrets = {} if save else login_service.connection_secrets(manage, sage)
    kept = f"passwords saved in the {saved.secrets_place}." if save else "passwords kept for this session only."
    session.flash.append(f"{accepted} Settings saved to {saved.config_file}; {kept}")
    if saved.forgotten:
        session.flash.append(f"Forgot the {saved.forgotten} password(s) and key(s) saved before.")
    if saved.note:
        session.flash.append(saved.note)
    return go(request, "/batch")


@router.post("/connect/forget")
def forget_passwords(request: Request, session: SessionDep) -> Response:
    """Forget every saved password of the profile, and those this session held."""
    web = web_of(request)
    profile = _current(web, session).profile
    held = login_service.forget_saved_passwords(profile, web.secret_store(web.config.env))
    session.secrets.clear()
    session.flash.append(
        f"Forgot {held} saved password(s) and key(s) of profile '{profile}'. Enter them again to connect."
    )
    return go(request, "/connect")
