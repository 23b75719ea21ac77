"""Fault injection shared by both emulators: latency, error statuses, hangs and dropped connections.

A fault is a rule matched against each request (method and a path regex); it fires ``times`` times and
is then used up. Kinds:

* ``latency`` — wait ``delay_seconds``, then answer normally;
* ``status`` — answer ``status`` (429 with ``Retry-After``, 500, 503 …) without touching the data;
* ``hang`` — wait ``delay_seconds`` (longer than the client's timeout), then answer 504 without
  applying anything (or apply it, with ``apply=True``: the slow server that still commits);
* ``drop`` — apply the change, start the response, then cut the connection before the body is complete:
  the client cannot know whether its request landed.

Rules are added through the control API (``POST /_sandbox/faults``) or directly with
:meth:`FaultInjector.add` in tests. ``/_sandbox/`` itself is never faulted.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FaultKind = Literal["latency", "status", "hang", "drop"]
ErrorBody = Callable[[int, str], bytes]


@dataclass
class Fault:
    """One fault rule."""

    kind: FaultKind
    path: str = ".*"
    method: str | None = None
    status: int = 503
    retry_after: int | None = None
    delay_seconds: float = 0.0
    times: int = 1
    apply: bool = False
    message: str = "Injected fault"
    id: int = 0
    fired: int = field(default=0)

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule applies to a request."""
        if self.times <= 0:
            return False
        if self.method and self.method.upper() != method.upper():
            return False
        return re.search(self.path, path) is not None


class FaultInjector:
    """ASGI middleware holding the fault rules of one emulator."""

    def __init__(self, app: ASGIApp, error_body: ErrorBody) -> None:
        self.app = app
        self.error_body = error_body
        self._rules: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        """Register a rule and return it with its id."""
        with self._lock:
            fault.id = next(self._ids)
            self._rules.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every rule; the next one added is number 1 again, as on a server just started."""
        with self._lock:
            self._rules.clear()
            self._ids = itertools.count(1)

    def rules(self) -> list[dict[str, Any]]:
        """The rules as JSON-able dicts (for the control API)."""
        with self._lock:
            return [asdict(rule) for rule in self._rules]

    def _take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    rule.times -= 1
                    rule.fired += 1
                    return rule
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply the first matching rule, if any, around the wrapped app."""
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        fault = self._take(scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.kind == "latency":
            await asyncio.sleep(fault.delay_seconds)
            await self.app(scope, receive, send)
        elif fault.kind == "status":
            headers = [(b"content-type", b"application/json")]
            if fault.retry_after is not None:
                headers.append((b"retry-after", str(fault.retry_after).encode()))
            await _respond(send, fault.status, self.error_body(fault.status, fault.message), headers)
        elif fault.kind == "hang":
            # Read the body before waiting: the client may give up and disconnect meanwhile, and a
            # slow server that "still commits" must still see the request it was sent.
            replay = await _buffered(receive)
            await asyncio.sleep(fault.delay_seconds or 30.0)
            if fault.apply:
                await self.app(scope, replay, _ignore_disconnect(send))
            else:
                body = self.error_body(504, "Gateway timeout (injected hang)")
                await _respond(send, 504, body, [(b"content-type", b"application/json")])
        else:  # drop: apply, then cut the connection mid-response
            await self.app(scope, receive, _swallow)
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
                }
            )
            await send({"type": "http.response.body", "body": b'{"partial":', "more_body": True})
            raise ConnectionAbortedError("injected fault: connection dropped after applying the change")


async def _buffered(receive: Receive) -> Receive:
    """Read the whole request body now; return a ``receive`` that replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _ignore_disconnect(send: Send) -> Send:
    """A ``send`` that tolerates a client that already went away (the change is applied anyway)."""

    async def wrapped(message: Message) -> None:
        try:
            await send(message)
        except OSError:
            return

    return wrapped


async def _swallow(message: Message) -> None:
    """A ``send`` that discards the app's real response (the client never gets it)."""


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
