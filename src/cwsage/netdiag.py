"""What a failed connection means, in words a user can act on.

Why a module of its own: httpx reports every failure to connect as ``ConnectError`` with the operating
system's text ("[Errno 111] Connection refused", "[Errno -2] Name or service not known", "[SSL:
WRONG_VERSION_NUMBER]"). Those are three different mistakes with three different fixes — a wrong port or a
stopped service, a misspelt server name, ``https://`` in front of a plain-HTTP server — and only the first
can be transient. :func:`diagnose` names the cause and the fix; :mod:`cwsage.http` retries only what may
pass by itself.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from cwsage.errors import ConfigurationError
from cwsage.redaction import redact

_PERMANENT_DNS = frozenset(
    code
    for code in (getattr(socket, name, None) for name in ("EAI_NONAME", "EAI_NODATA", "EAI_FAIL", "EAI_ADDRFAMILY"))
    if code is not None
)
_PLAIN_HTTP_MARKERS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "UNKNOWN_PROTOCOL")


@dataclass(frozen=True)
class Diagnosis:
    """The named cause of a connection failure.

    Attributes:
        error: The error to show (cause and fix).
        transient: Whether it may pass by itself (then it is retried first, and shown when retries run out).
    """

    error: ConfigurationError
    transient: bool


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        for inner in current.args:
            if isinstance(inner, BaseException):
                yield from _causes(inner)
        current = current.__cause__ or current.__context__


def _where(url: httpx.URL) -> str:
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.host}:{port}"


def diagnose(exc: BaseException, system: str, url: httpx.URL) -> Diagnosis | None:
    """The cause of a failure to connect to ``url``, or None when it is not one of the known ones."""
    detail = redact(f"{type(exc).__name__}: {exc}")
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            if cause.errno not in _PERMANENT_DNS:
                return None  # EAI_AGAIN and the like: the resolver may answer next time
            return Diagnosis(
                ConfigurationError(
                    f"{system}: the server name '{url.host}' cannot be found (DNS has no such name)",
                    detail=detail,
                    hint=f"Check the spelling of the {system} address (`cwsage config show`, change it with "
                    "`cwsage login`), and that this computer can resolve it (VPN, DNS settings).",
                ),
                transient=False,
            )
        if isinstance(cause, ConnectionRefusedError):
            return Diagnosis(
                ConfigurationError(
                    f"{system}: nothing accepts connections at {_where(url)} (connection refused)",
                    detail=detail,
                    hint=f"Check the port in the {system} address (`cwsage config show`), that the {system} "
                    "service is running on that server, and that no firewall blocks it.",
                ),
                transient=True,
            )
        if isinstance(cause, ssl.SSLError) and any(m in str(cause).upper() for m in _PLAIN_HTTP_MARKERS):
            plain = url.copy_with(scheme="http")
            return Diagnosis(
                ConfigurationError(
                    f"{system} at {_where(url)} does not speak HTTPS: the address starts with https:// but the "
                    "server answered in plain HTTP",
                    detail=detail,
                    hint=f"If the server really serves plain HTTP, use {redact(str(plain.copy_with(path='/')))} "
                    "(passwords then travel unencrypted); better, enable HTTPS on the server or use its HTTPS port.",
                ),
                transient=False,
            )
    return None
