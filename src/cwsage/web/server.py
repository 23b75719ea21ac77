"""Serve the web UI with uvicorn: bind, announce the login link, open the browser, stop cleanly.

Why a module of its own: ``cwsage serve`` (foreground, until Ctrl+C), ``cwsage demo --web`` and the
browser tests (a background thread) all start the same server the same way. Library code does not
print: the caller passes ``announce``, which receives each line to show the user.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import webbrowser
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from cwsage.errors import ConfigurationError
from cwsage.web.app import WebApp, WebConfig, create_app
from cwsage.web.security import check_bind

log = logging.getLogger("cwsage.web.server")


@dataclass
class RunningServer:
    """A web UI being served.

    Attributes:
        app: The ASGI application.
        url: Where it answers, e.g. ``http://127.0.0.1:8710``.
    """

    app: FastAPI
    url: str
    server: uvicorn.Server

    @property
    def web(self) -> WebApp:
        """The application's shared state (jobs, sign-in)."""
        web = self.app.state.web
        assert isinstance(web, WebApp)
        return web

    def login_link(self, token: str | None = None) -> str:
        """The one-time login link for ``token`` (the one in force by default)."""
        return f"{self.url}/login?token={token or self.web.gate.token}"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    shown = f"[{host.strip('[]')}]" if ":" in host.strip("[]") else host
    return f"http://{shown}:{port}"


@contextlib.contextmanager
def serving(
    config: WebConfig, *, port: int = 0, announce: Callable[[str], None] | None = None
) -> Iterator[RunningServer]:
    """Serve the web UI in a background thread for the duration of the ``with`` block.

    Args:
        config: The web configuration (its ``announce`` is replaced to print full links).
        port: TCP port (0: a free one).
        announce: Receives each line for the user (warnings, the address, each new login link).

    Raises:
        ConfigurationError: a non-loopback host without a password, or a port that cannot be bound.
    """
    say = announce or (lambda _line: None)
    for warning in check_bind(config.host, config.password):
        say(f"Warning: {warning}")
    try:
        sock = _bind(config.host, port)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot serve on {config.host}:{port}: {exc.strerror or exc}",
            hint="Another program (or another cwsage serve) uses that port: choose another with --port, or --port 0.",
        ) from None
    url = _url(config.host, sock.getsockname()[1])
    config.announce = lambda token: say(f"New login link (the last one was used): {url}/login?token={token}")
    app = create_app(config)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,  # the access log would record the login link's token
            timeout_graceful_shutdown=3,
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="cwsage-web", daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            thread.join(0.05)
        running = RunningServer(app, url, server)
        yield running
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        app.state.web.close()


def serve_forever(
    config: WebConfig,
    *,
    port: int,
    open_browser: bool,
    announce: Callable[[str], None],
    wait: Callable[[], None],
) -> None:
    """``cwsage serve``: serve, print the address and login link on a line of its own, open the browser.

    Args:
        config: The web configuration.
        port: TCP port (0: a free one).
        open_browser: Open the login link in the default browser.
        announce: Prints one line for the user.
        wait: Blocks until the user stops the server (Ctrl+C).
    """
    with serving(config, port=port, announce=announce) as running:
        link = running.login_link()
        announce(f"cwsage is serving on {running.url}/ — open this one-time login link to sign in:")
        announce(link)
        if running.web.gate.needs_password:
            announce("It asks for the web password as well.")
        announce("Press Ctrl+C to stop.")
        if open_browser:
            try:
                webbrowser.open(link)
            except webbrowser.Error as exc:
                log.info("could not open a browser: %s", exc)
        wait()
