"""The FastAPI application of ``cwsage serve``: configuration, guards, and what every page is given.

Why a module of its own: the routes (one module per screen, in :mod:`cwsage.web.routes`) must stay thin —
parse the form, call a service, render — so everything they share lives here: reading the settings the
CLI reads (with the passwords a user chose not to save, kept in the session), the state store, the
background jobs, the sign-in and CSRF guards, and the security headers every answer carries.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cwsage import __version__
from cwsage.config import FIELDS, SECTIONS, Settings, load_settings, resolve_paths
from cwsage.dates import Clock, SystemClock
from cwsage.errors import CwsageError
from cwsage.redaction import redact
from cwsage.secrets import SecretStore
from cwsage.services.batch import Context
from cwsage.services.progress import Progress
from cwsage.services.results import kind_label
from cwsage.services.session import connect
from cwsage.state.store import RunKind, RunStatus, StateStore
from cwsage.web import formatting
from cwsage.web.jobs import JobManager
from cwsage.web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    Gatekeeper,
    WebSession,
    is_loopback,
)

log = logging.getLogger("cwsage.web")

HERE = Path(__file__).resolve().parent
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
_ENV_OF = {spec.dotted: spec.env for spec in FIELDS if spec.env}


@dataclass
class WebConfig:
    """How a web UI is set up.

    Attributes:
        env: The environment settings are read from (``CWSAGE_HOME``, ``CWSAGE_*`` overrides).
        profile: The profile (``None``: ``CWSAGE_PROFILE``, the file's ``default_profile``, ``default``).
        password: The web password, if any.
        host: The address served (decides the host names accepted).
        allowed_hosts: Host header values accepted (``None``: the loopback names, or ``host``).
        announce: Called with every new login link token (the server prints the link).
        clock: Time source for the Batch Number's date.
        secure_cookie: Mark the session cookie ``Secure`` (behind a TLS proxy).
    """

    env: Mapping[str, str]
    profile: str | None = None
    password: str | None = None
    host: str = "127.0.0.1"
    allowed_hosts: AbstractSet[str] | None = None
    announce: Callable[[str], None] | None = None
    clock: Clock = field(default_factory=SystemClock)
    secure_cookie: bool = False

    def hosts(self) -> frozenset[str]:
        """The Host header names accepted (without port)."""
        if self.allowed_hosts is not None:
            return frozenset(h.lower() for h in self.allowed_hosts)
        return LOOPBACK_NAMES if is_loopback(self.host) else frozenset({self.host.lower()})


class NotSignedIn(Exception):
    """The request has no live session."""


class WebApp:
    """What every route of one server shares."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.gate = Gatekeeper(password=config.password, announce=config.announce)
        self.jobs = JobManager()
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        env = self.templates.env
        env.filters["amount"] = formatting.amount
        env.filters["day"] = formatting.day
        env.globals["state_text"] = formatting.state_text
        env.globals["payment_action_text"] = formatting.payment_action_text
        env.globals["state_tone"] = formatting.state_tone
        env.globals["outcome_text"] = formatting.outcome_text
        env.globals["problem_groups"] = formatting.problem_groups
        env.globals["states_of"] = formatting.states_of
        env.globals["version"] = __version__
        env.globals["RunKind"] = RunKind
        env.globals["kind_label"] = kind_label
        env.globals["RunStatus"] = RunStatus
        self._stores: dict[str, StateStore] = {}
        self._stores_lock = threading.Lock()

    # -- settings, store, services --------------------------------------------------------------------------

    def env_for(self, session: WebSession | None) -> dict[str, str]:
        """The environment for a session: the server's, plus the secrets the user did not save."""
        env = dict(self.config.env)
        if session is not None:
            for dotted, value in session.secrets.items():
                name = _ENV_OF.get(dotted)
                if name and value:
                    env[name] = value
        return env

    @staticmethod
    def secret_store(env: Mapping[str, str]) -> SecretStore:
        """The secret store for ``env``, which never asks for a passphrase at the terminal.

        The server's terminal is not the user's: a secret file with no key from outside the home given
        (``CWSAGE_SECRETS_KEY`` …) stays locked, and the Login screen says what to set.
        """
        return SecretStore(resolve_paths(env).home, env=env, prompt=None)

    def settings(self, session: WebSession | None, require: AbstractSet[str] = frozenset(SECTIONS)) -> Settings:
        """The settings in force for a session (exactly what the CLI would read, plus unsaved passwords)."""
        env = self.env_for(session)
        return load_settings(self.config.profile, env, require, store=self.secret_store(env))

    def store(self, settings: Settings | None = None) -> StateStore:
        """The state store (one per database URL for the life of the server)."""
        url = (settings or self.settings(None, frozenset())).database_url
        with self._stores_lock:
            store = self._stores.get(url)
            if store is None:
                store = StateStore.open(url)
                self._stores[url] = store
            return store

    @contextlib.contextmanager
    def context(self, env: Mapping[str, str], progress: Progress | None = None) -> Iterator[Context]:
        """Both clients, the store and the run settings, as ``cwsage run`` gets them.

        Args:
            env: The environment to read settings from (:meth:`env_for` of the session, taken when the work
                starts, so that a job goes on with the settings it started with).
            progress: Where the service reports progress.
        """
        settings = load_settings(self.config.profile, env, store=self.secret_store(env))
        with connect(settings, self.store(settings), progress=progress, clock=self.config.clock) as ctx:
            yield ctx

    def close(self) -> None:
        """Release the state stores."""
        with self._stores_lock:
            for store in self._stores.values():
                store.close()
            self._stores.clear()

    # -- pages ----------------------------------------------------------------------------------------------

    def page(
        self, request: Request, template: str, session: WebSession | None, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        """Render a template with what every page needs (CSRF token, navigation, running jobs, messages)."""
        flash: list[str] = []
        if session is not None:
            flash, session.flash = list(session.flash), []
        return self.templates.TemplateResponse(
            request,
            template,
            {
                "session": session,
                "csrf": session.csrf if session else "",
                "csrf_field": CSRF_FIELD,
                "running_jobs": self.jobs.running() if session else [],
                "flash": flash,
                "nav": context.pop("nav", ""),
                **context,
            },
            status_code=status_code,
            headers={"cache-control": "no-store"},
        )


def web_of(request: Request) -> WebApp:
    """The :class:`WebApp` of the server answering ``request``."""
    web = request.app.state.web
    assert isinstance(web, WebApp)
    return web


def require_session(request: Request) -> WebSession:
    """The request's session; raises :class:`NotSignedIn` without one."""
    session = web_of(request).gate.session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise NotSignedIn
    return session


def same_origin(request: Request) -> bool:
    """Refuse a request another site made the browser send (``Origin`` / ``Sec-Fetch-Site``)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    return parts.netloc.lower() == request.headers.get("host", "").lower()


SessionDep = Annotated[WebSession, Depends(require_session)]
"""A route parameter that is the request's session (the route answers 401 or redirects without one)."""


async def require_csrf(request: Request, session: SessionDep) -> WebSession:
    """Every request that changes something carries the session's CSRF token and comes from this site."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return session
    if not same_origin(request):
        raise HTTPException(403, "Refused: the request came from another site.")
    token = request.headers.get(CSRF_HEADER)
    if not token:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not session.csrf_ok(token):
        raise HTTPException(403, "Refused: the form's security token is missing or out of date. Reload the page.")
    return session


class Guard:
    """ASGI middleware: only the expected host names, and security headers on every answer."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse unknown Host headers (DNS rebinding); add the headers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1").lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name not in self.hosts:
            response = PlainTextResponse("Unknown host name.", status_code=400)
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers") or []) + list(SECURITY_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _not_signed_in(request: Request, _exc: Exception) -> Response:
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"hx-redirect": "/login"})
    if request.method in ("GET", "HEAD"):
        return RedirectResponse("/login", status_code=303)
    return PlainTextResponse("Sign in first: open the login link printed by `cwsage serve`.", status_code=401)


def _service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CwsageError)
    web = web_of(request)
    session = web.gate.session(request.cookies.get(SESSION_COOKIE))
    text = redact(exc.paragraph())
    if request.headers.get("hx-request"):
        return web.templates.TemplateResponse(
            request, "_error.html", {"message": text}, status_code=200, headers={"hx-retarget": "#messages"}
        )
    return web.page(request, "error.html", session, status_code=400, message=text)


def create_app(config: WebConfig) -> FastAPI:
    """The web UI as an ASGI application (``cwsage serve`` serves it; tests drive it directly)."""
    from cwsage.web.routes import all_routers

    app = FastAPI(title="cwsage", docs_url=None, redoc_url=None, openapi_url=None)
    web = WebApp(config)
    app.state.web = web
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in all_routers():
        app.include_router(router)
    app.add_exception_handler(NotSignedIn, _not_signed_in)
    app.add_exception_handler(CwsageError, _service_error)
    app.add_middleware(Guard, hosts=config.hosts())
    return app
