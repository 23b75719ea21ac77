"""Serve an emulator on 127.0.0.1 in a background thread (tests, ``cwsage demo``) or in the foreground.

Why uvicorn in a thread rather than an in-process transport: the clients must be exercised over real
HTTP, with real timeouts, real connection drops and real cookies, exactly as against a live server.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ServerThread:
    """Run an ASGI app with uvicorn on a loopback port in a daemon thread."""

    def __init__(self, app: ASGIApp, *, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        config = uvicorn.Config(app, host=host, port=self.port, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"sandbox-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> ServerThread:
        """Start serving and wait until the port accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"sandbox server on port {self.port} did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Ask the server to exit and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)


@contextlib.contextmanager
def serving(app: ASGIApp, *, host: str = "127.0.0.1", port: int | None = None) -> Iterator[ServerThread]:
    """Context manager: a started :class:`ServerThread`, stopped on exit."""
    server = ServerThread(app, host=host, port=port).start()
    try:
        yield server
    finally:
        server.stop()
