"""The HTTP plumbing both API clients share: timeouts, the retry table, backoff, logging, counting.

Why here and not in each client: the rules for *when* a request may be sent again are the heart of
"exactly once", and they must be the same for Manage and Sage 300. Each client supplies only what differs:
its base URL and auth, and an ``error_mapper`` that turns that system's error body into one of our
exceptions.

The decision table (:data:`STATUS_ACTIONS`), after Airbyte's error mapping:

=============  ===================  ==========================================================
status         action               note
=============  ===================  ==========================================================
2xx            success
401, 403       fail                 AuthenticationError: credentials or security role
408, 429       retry (rate limit)   honours ``Retry-After``; the server did not process it
500-504        retry if safe        a creating call gets AmbiguousOutcome: look before retrying
other 4xx      fail                 the client's ``error_mapper`` decides the exception
=============  ===================  ==========================================================

Network failures follow the same rule: a connect error or connect timeout (nothing was sent) is always
retried; any other transport failure (a read timeout, a dropped or broken connection) is retried only for
safe calls, and raises :class:`AmbiguousOutcome` for creating calls, because the server may have applied
the change before the connection broke. A refused TLS certificate, a malformed URL or a proxy failure is
a :class:`ConfigurationError`: retrying would not help.
"""

from __future__ import annotations

import functools
import logging
import os
import random
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from enum import Enum
from types import TracebackType
from typing import Any, Self

import httpx

from cwsage import money
from cwsage.dates import now
from cwsage.errors import (
    AmbiguousOutcome,
    AuthenticationError,
    ConfigurationError,
    CwsageError,
    TransientError,
)
from cwsage.netdiag import diagnose
from cwsage.redaction import redact, redact_url

log = logging.getLogger("cwsage.http")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
"""Every request has a timeout; creating calls to Sage pass a longer one."""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods that may be repeated without creating anything twice (PUT/DELETE are idempotent)."""


class Action(Enum):
    """What to do with a response status."""

    SUCCESS = "success"
    RETRY = "retry"
    RETRY_IF_SAFE = "retry if safe"
    FAIL = "fail"


STATUS_ACTIONS: dict[int, Action] = {
    408: Action.RETRY,
    429: Action.RETRY,
    500: Action.RETRY_IF_SAFE,
    502: Action.RETRY_IF_SAFE,
    503: Action.RETRY_IF_SAFE,
    504: Action.RETRY_IF_SAFE,
}


def action_for(status: int) -> Action:
    """The table lookup: what to do with ``status``."""
    if 200 <= status < 300:
        return Action.SUCCESS
    return STATUS_ACTIONS.get(status, Action.FAIL)


def transient_status(status: int) -> bool:
    """Whether a failed answer means "try again later": a status of :data:`STATUS_ACTIONS`, or any other 5xx
    (the server failing). The one place both clients' error mappers ask."""
    return action_for(status) in (Action.RETRY, Action.RETRY_IF_SAFE) or status >= 500


def rate_limited(status: int) -> bool:
    """Whether a failed answer says "not now" without the server having processed anything (408, 429)."""
    return action_for(status) is Action.RETRY


@dataclass
class RetryPolicy:
    """How often and how long to wait between attempts.

    Attributes:
        max_attempts: Total attempts, the first included.
        base_delay: Seconds before the second attempt; doubles each time.
        max_delay: Cap on one wait (and on an honoured ``Retry-After``).
        jitter: Returns the random factor applied to each backoff (injectable for tests).
        sleep: The sleeping function (injectable for tests).
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: Callable[[], float] = field(default=lambda: random.uniform(0.5, 1.5))
    sleep: Callable[[float], None] = time.sleep

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.max_delay, self.base_delay * (2 ** (attempt - 1)) * self.jitter()))

    def retry_after(self, response: httpx.Response, attempt: int) -> float:
        """The server's ``Retry-After`` (seconds or HTTP date), capped, else the backoff."""
        header = response.headers.get("Retry-After")
        if header:
            try:
                return min(self.max_delay, max(0.0, float(header)))
            except ValueError:
                try:
                    when = parsedate_to_datetime(header)
                    return min(self.max_delay, max(0.0, (when - now()).total_seconds()))
                except (TypeError, ValueError):
                    pass
        return self.backoff(attempt)


ErrorMapper = Callable[[httpx.Response], CwsageError]


@dataclass
class RequestStats:
    """Counts of requests sent, for benchmarks and the run report (safe to count from several threads)."""

    by_method: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def sent(self, method: str) -> None:
        """Count one request sent."""
        with self._lock:
            self.by_method[method] += 1

    def retried(self) -> None:
        """Count one retry."""
        with self._lock:
            self.retries += 1

    @property
    def total(self) -> int:
        """All requests sent, retries included."""
        with self._lock:
            return sum(self.by_method.values())


def tls_verification(verify: bool | str) -> bool | str | ssl.SSLContext:
    """What ``httpx.Client(verify=...)`` gets: for ``True``, one shared default context per process.

    Why: httpx builds a context and loads the whole CA bundle for every client (tens of milliseconds each), and
    cwsage makes a client per system per command — many per run in the web UI, hundreds in the tests. The shared
    context is the one httpx would build (certifi's bundle, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set; a
    change of those is honoured). ``False`` and a CA bundle path are passed through unchanged.
    """
    if verify is not True:
        return verify
    return _default_tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _default_tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """httpx's own default context for these trust settings (the arguments key the cache; httpx reads them)."""
    return httpx.create_ssl_context(verify=True)


class ApiSession:
    """One system's HTTP session: an ``httpx.Client`` plus the retry table, logging and counters.

    Safe to use from several threads at once (:mod:`cwsage.concurrency` sends independent reads that way): the
    ``httpx.Client`` is thread-safe and the counters are kept under a lock.
    """

    def __init__(
        self,
        *,
        system: str,
        base_url: str,
        error_mapper: ErrorMapper,
        auth: httpx.Auth | tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        verify: bool | str = True,
    ) -> None:
        self.system = system
        self.policy = policy or RetryPolicy()
        self.stats = RequestStats()
        self._error_mapper = error_mapper
        self.client = httpx.Client(
            base_url=base_url,
            auth=auth,
            headers=dict(headers or {}),
            timeout=timeout,
            transport=transport,
            verify=tls_verification(verify),
            follow_redirects=False,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        safe: bool | None = None,
        timeout: httpx.Timeout | float | None = None,
        expect: tuple[int, ...] = (),
        discard_body: bool = False,
        into: bytearray | None = None,
    ) -> httpx.Response:
        """Send one logical request, retrying only where the table says it is safe.

        Args:
            method: HTTP method.
            url: Path relative to the base URL, or an absolute URL (a ``next`` link).
            params: Query parameters.
            json_body: Body, serialised with :func:`cwsage.money.dumps` (Decimals stay exact).
            headers: Extra headers for this request.
            safe: Whether repeating the request can never create anything twice; defaults by method.
            timeout: Override of the session timeout.
            expect: Non-2xx statuses the caller handles itself (e.g. 404 on a lookup).
            discard_body: A successful answer's body is read and dropped as it arrives, never held (an answer the
                caller does not need that can be as large as the request's data); error bodies are read as usual.
            into: A successful answer's body is read into this buffer as it arrives (and not kept in the response):
                one growing buffer instead of the chunks and their joined copy, for answers of hundreds of MB.

        Returns:
            The successful (or expected) response; without its content when ``discard_body``.

        Raises:
            AuthenticationError: 401 or 403.
            TransientError: retries exhausted on a retryable failure.
            AmbiguousOutcome: a creating call whose fate is unknown.
            CwsageError: whatever the client's error mapper makes of another failure.
        """
        method = method.upper()
        is_safe = (method in SAFE_METHODS) if safe is None else safe
        content = money.encode(json_body) if json_body is not None else None
        send_headers = dict(headers or {})
        if content is not None:
            send_headers.setdefault("Content-Type", "application/json")
        request = self.client.build_request(
            method,
            url,
            params=params,
            content=content,
            headers=send_headers,
            timeout=timeout if timeout is not None else self.client.timeout,
        )
        # What is logged of a request: the URL without its query, user info masked (never headers or body).
        label = f"{self.system} {method} {redact_url(request.url.copy_with(query=None))}"
        attempt = 0
        while True:
            attempt += 1
            self.stats.sent(method)
            started = time.monotonic()
            try:
                response = self._send(request, discard_body, into)
            except (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.ProxyError) as exc:
                raise ConfigurationError(
                    f"{self.system} cannot be reached at {redact_url(request.url.copy_with(query=None))}",
                    detail=redact(f"{type(exc).__name__}: {exc}"),
                    hint="Check the server address (and any proxy settings) with `cwsage config show`.",
                ) from exc
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if "CERTIFICATE" in str(exc).upper():
                    raise ConfigurationError(
                        f"{self.system}'s TLS certificate was not accepted",
                        detail=redact(f"{type(exc).__name__}: {exc}"),
                        hint="Install the server's CA certificate, or point verify_tls at a CA bundle file; "
                        "cwsage never turns TLS verification off.",
                    ) from exc
                diagnosis = diagnose(exc, self.system, request.url)
                if diagnosis is not None and (not diagnosis.transient or attempt >= self.policy.max_attempts):
                    raise diagnosis.error from exc
                # Nothing reached the server: repeating is always safe.
                self._give_up_or_wait(attempt, label, exc, self.policy.backoff(attempt))
                continue
            except httpx.TransportError as exc:
                # The request may have reached the server (timeout, dropped or broken connection).
                if not is_safe:
                    raise AmbiguousOutcome(
                        f"{self.system} did not answer a creating request ({method} {request.url.path}); "
                        "it may or may not have been applied",
                        detail=redact(f"{type(exc).__name__}: {exc}"),
                        hint="cwsage will look in the remote system before trying again; just run again.",
                    ) from exc
                self._give_up_or_wait(attempt, label, exc, self.policy.backoff(attempt))
                continue
            elapsed_ms = (time.monotonic() - started) * 1000
            log.debug("%s -> %s in %.0f ms (attempt %d)", label, response.status_code, elapsed_ms, attempt)
            status = response.status_code
            if status in expect:
                return response
            action = action_for(status)
            if action is Action.SUCCESS:
                return response
            if action is Action.RETRY or (action is Action.RETRY_IF_SAFE and is_safe):
                response.read()
                self._give_up_or_wait(
                    attempt, label, self._error_mapper(response), self.policy.retry_after(response, attempt)
                )
                continue
            error = self._error_mapper(response)
            if status in (401, 403) and not isinstance(error, AuthenticationError):
                error = AuthenticationError(
                    f"{self.system} refused the credentials or the user's rights ({status})",
                    detail=error.detail or error.user_message,
                    status_code=status,
                )
            if action is Action.RETRY_IF_SAFE:
                raise AmbiguousOutcome(
                    f"{self.system} failed while handling a creating request ({status}); it may have been applied",
                    detail=error.detail or error.user_message,
                    status_code=status,
                ) from error
            if isinstance(error, TransientError) and error.status_code is None:
                error.status_code = status
            if isinstance(error, TransientError) and is_safe and attempt < self.policy.max_attempts:
                # e.g. Sage's Day End lock on a read: wait and try again.
                self._give_up_or_wait(attempt, label, error, self.policy.backoff(attempt))
                continue
            raise error

    def _send(self, request: httpx.Request, discard_body: bool, into: bytearray | None = None) -> httpx.Response:
        """Send once. With ``discard_body`` a successful answer is read to its end and dropped as it arrives, with
        ``into`` read into that buffer; a failure while reading it is a transport error like any other (the
        outcome of a creating call is unknown).
        """
        if not discard_body and into is None:
            return self.client.send(request)
        response = self.client.send(request, stream=True)
        try:
            if not 200 <= response.status_code < 300:
                response.read()  # an error body is small, and the error mapper reads it
            elif into is not None:
                del into[:]  # an earlier attempt's part
                if response.is_stream_consumed:  # a test transport's answer may come read already
                    into += response.content
                else:
                    for chunk in response.iter_bytes():
                        into += chunk
            elif not response.is_stream_consumed:
                for _chunk in response.iter_raw():
                    pass
        finally:
            response.close()
        return response

    def _give_up_or_wait(self, attempt: int, label: str, cause: BaseException, delay: float) -> None:
        if attempt >= self.policy.max_attempts:
            remote = cause if isinstance(cause, CwsageError) else None
            raise TransientError(
                f"{label} still failing after {attempt} attempts",
                detail=redact(f"{type(cause).__name__}: {cause}"),
                status_code=remote.status_code if remote else None,
                remote_code=remote.remote_code if remote else None,
                remote_message=remote.remote_message if remote else None,
            ) from cause
        self.stats.retried()
        log.info("%s failed (%s); retry %d in %.2fs", label, redact(str(cause))[:200], attempt, delay)
        self.policy.sleep(delay)


class ApiClient:
    """What the two API clients share: their :class:`ApiSession`, closing, ``with`` support, counters."""

    _session: ApiSession

    def close(self) -> None:
        """Close the connection pool."""
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def stats(self) -> RequestStats:
        """Requests sent so far (by method, retries included)."""
        return self._session.stats


REQUEST_ID_HEADERS = ("x-request-id", "request-id")
"""Where a server (or the proxy in front of it) names a request; kept on errors so support can find it."""


def request_id_of(response: httpx.Response) -> str | None:
    """The request id a server sent with ``response``, if any."""
    return next((response.headers[name] for name in REQUEST_ID_HEADERS if name in response.headers), None)


def json_of(response: httpx.Response) -> Any:
    """The response body parsed with Decimal numbers (never floats)."""
    if not response.content:
        return None
    return money.loads(response.content)
