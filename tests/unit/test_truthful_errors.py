"""Errors that tell the truth (issue 10): each failure to reach a server names its cause and its fix, is
retried only when it may pass by itself, and never tells the user to just run the command again."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest
from pydantic import SecretStr

from cwsage.config import SageSettings
from cwsage.errors import ConfigurationError, CwsageError
from cwsage.http import RetryPolicy
from cwsage.sage300.client import Sage300Client

if TYPE_CHECKING:
    from tests.conftest import SandboxPool


def _settings(url: str) -> SageSettings:
    return SageSettings(url=url, company="SAMINC", user="ADMIN", password=SecretStr("secret"), timeout_seconds=5.0)


def _policy(waits: list[float]) -> RetryPolicy:
    return RetryPolicy(max_attempts=3, sleep=waits.append, jitter=lambda: 1.0)


def _fail(url: str, waits: list[float]) -> CwsageError:
    with Sage300Client(_settings(url), policy=_policy(waits)) as client, pytest.raises(CwsageError) as caught:
        client.module_metadata("AR")
    return caught.value


def _never_run_again(err: CwsageError) -> None:
    assert "run the same command again" not in err.paragraph().lower()
    assert "run again" not in (err.hint or "").lower()


def test_a_refused_port_names_the_port_and_the_service_after_the_retries() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    waits: list[float] = []
    err = _fail(f"http://127.0.0.1:{port}", waits)
    assert isinstance(err, ConfigurationError)
    assert f"127.0.0.1:{port}" in err.user_message and "connection refused" in err.user_message
    assert "port" in (err.hint or "") and "service is running" in (err.hint or "")
    assert len(waits) == 2  # transient maybe (a restarting service): retried, then explained
    _never_run_again(err)


def test_an_unknown_server_name_is_a_dns_error_without_retries() -> None:
    waits: list[float] = []
    err = _fail("http://sage300.cwsage-test.invalid", waits)
    assert isinstance(err, ConfigurationError)
    assert "'sage300.cwsage-test.invalid' cannot be found" in err.user_message and "DNS" in err.user_message
    assert "spelling" in (err.hint or "")
    assert waits == []
    _never_run_again(err)


def test_https_against_a_plain_http_server_says_so(sandboxes: SandboxPool) -> None:
    with sandboxes.fresh() as box:
        url = box.sage_server.url.replace("http://", "https://")
        waits: list[float] = []
        err = _fail(url, waits)
    assert isinstance(err, ConfigurationError)
    assert "does not speak HTTPS" in err.user_message and "plain HTTP" in err.user_message
    assert "http://127.0.0.1:" in (err.hint or "")
    assert waits == []
    _never_run_again(err)


class _Html(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        body = b"<!DOCTYPE html><html><body><h1>Welcome to IIS</h1></body></html>"
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


class _Html404(_Html):
    status = 404


@contextmanager
def _serve(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("handler", [_Html, _Html404])
def test_a_server_that_is_not_sage_is_named_as_such(handler: type[http.server.BaseHTTPRequestHandler]) -> None:
    with _serve(handler) as url:
        waits: list[float] = []
        err = _fail(url, waits)
        with Sage300Client(_settings(url), policy=_policy(waits)) as client, pytest.raises(ConfigurationError) as read:
            client.currencies()
    assert isinstance(err, ConfigurationError)
    for caught in (err, read.value):
        assert "is not a Sage 300 Web API" in caught.user_message and "an HTML page" in caught.user_message
        assert "Sage 300 address" in (caught.hint or "")
        _never_run_again(caught)
    assert waits == []
