"""Who may use the web UI: one-time login links, an optional password, sessions, CSRF tokens, bind checks.

Why a module of its own: the web UI can post to a ledger, so the rules that keep a stranger (or another
web page in the same browser) out are kept together and tested together:

* **one-time login link** — ``cwsage serve`` prints ``/login?token=…``; the token is good for one sign-in
  (exchanged for a session by a POST from the page it opens, never by the GET itself, so a link preview
  cannot spend it). A new link is minted and announced whenever the current one has been used or after
  too many wrong passwords.
* **password** (optional; required off loopback) — checked as a salted scrypt hash held only in memory.
* **session** — a random id in an ``HttpOnly``, ``SameSite=Strict`` cookie; the session keeps its CSRF
  token and any password the user chose not to save, in memory only. Idle sessions expire.
* **CSRF** — every POST carries the session's token in a form field or the ``X-CSRF-Token`` header
  (htmx sends it on every request), and a cross-origin ``Origin`` is refused outright.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cwsage.dates import now
from cwsage.errors import ConfigurationError
from cwsage.redaction import register_secret

SESSION_COOKIE = "cwsage_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_IDLE = timedelta(hours=8)
SESSION_MAX = timedelta(hours=24)
MAX_PASSWORD_FAILURES = 5
"""Wrong passwords before the current login link is withdrawn (and a new one announced)."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this computer (``127.0.0.1``, ``::1``, ``localhost``)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, password: str | None) -> list[str]:
    """Refuse to serve beyond this computer without a password; warn that there is no TLS.

    Args:
        host: The address to bind.
        password: The configured web password, if any.

    Returns:
        Warnings to show before serving (empty on loopback).

    Raises:
        ConfigurationError: a non-loopback address without a password.
    """
    if is_loopback(host):
        return []
    if not password:
        raise ConfigurationError(
            f"refusing to serve on {host} without a password: anyone who can reach it could post to your ledger",
            hint="Set CWSAGE_WEB_PASSWORD (or use --ask-password), or keep the default --host 127.0.0.1.",
        )
    return [
        f"Serving on {host} over plain HTTP: the password and everything on the pages cross the network "
        "unencrypted. Put a TLS-terminating proxy in front of cwsage, or use an SSH tunnel to 127.0.0.1."
    ]


class PasswordCheck:
    """A password held only as a salted scrypt hash."""

    def __init__(self, password: str) -> None:
        register_secret(password)
        self._salt = secrets.token_bytes(16)
        self._hash = self._derive(password)

    def _derive(self, password: str) -> bytes:
        return hashlib.scrypt(password.encode("utf-8"), salt=self._salt, n=2**14, r=8, p=1, dklen=32)

    def matches(self, password: str) -> bool:
        """Whether ``password`` is the configured one (constant-time comparison)."""
        return hmac.compare_digest(self._derive(password), self._hash)


@dataclass
class WebSession:
    """One signed-in browser.

    Attributes:
        id: The cookie value.
        csrf: The token every POST of this session must carry.
        created: When the session was made.
        seen: When it was last used.
        secrets: Connection secrets (``section.name`` -> value) the user did not want saved; kept in memory
            for this session only and passed to the services as environment overrides.
        initials: The initials for the Batch Number convention.
        flash: Messages for the next page shown.
        views: What a screen keeps between requests (the last list of unposted records).
    """

    id: str
    csrf: str
    created: datetime
    seen: datetime
    secrets: dict[str, str] = field(default_factory=dict)
    initials: str = ""
    flash: list[str] = field(default_factory=list)
    views: dict[str, Any] = field(default_factory=dict)

    def csrf_ok(self, token: str | None) -> bool:
        """Whether ``token`` is this session's CSRF token."""
        return bool(token) and hmac.compare_digest(str(token), self.csrf)


class Gatekeeper:
    """Login links, password and sessions of one running server (thread-safe)."""

    def __init__(
        self,
        *,
        password: str | None = None,
        announce: Callable[[str], None] | None = None,
        clock: Callable[[], datetime] = now,
    ) -> None:
        """Set up the gate.

        Args:
            password: The web password; ``None`` means the login link alone signs in.
            announce: Called with each new login token (the server prints the link); not called by the
                constructor — read :attr:`token` for the first one.
            clock: Time source (tests).
        """
        self._lock = threading.Lock()
        self._password = PasswordCheck(password) if password else None
        self._announce = announce
        self._clock = clock
        self._sessions: dict[str, WebSession] = {}
        self._failures = 0
        self._token = self._mint()

    @property
    def needs_password(self) -> bool:
        """Whether signing in asks for the password too."""
        return self._password is not None

    @property
    def token(self) -> str:
        """The login token in force (for the link printed at start)."""
        with self._lock:
            return self._token

    @staticmethod
    def _mint() -> str:
        token = secrets.token_urlsafe(24)
        register_secret(token)
        return token

    def _renew(self) -> None:
        """Withdraw the token in force and announce a new one (lock held by the caller)."""
        self._token = self._mint()
        self._failures = 0
        if self._announce is not None:
            self._announce(self._token)

    def token_ok(self, token: str | None) -> bool:
        """Whether ``token`` is the login token in force (does not spend it)."""
        with self._lock:
            return bool(token) and hmac.compare_digest(str(token), self._token)

    def sign_in(self, token: str | None, password: str | None) -> WebSession | None:
        """Spend the login token (and check the password) for a new session; ``None`` if refused.

        Wrong passwords count; after :data:`MAX_PASSWORD_FAILURES` the link is withdrawn and a new one is
        announced, so guessing needs the console as well.
        """
        with self._lock:
            if not token or not hmac.compare_digest(str(token), self._token):
                return None
            if self._password is not None and not self._password.matches(password or ""):
                self._failures += 1
                if self._failures >= MAX_PASSWORD_FAILURES:
                    self._renew()
                return None
            self._renew()
            stamp = self._clock()
            session = WebSession(secrets.token_urlsafe(32), secrets.token_urlsafe(32), stamp, stamp)
            self._sessions[session.id] = session
            return session

    def session(self, session_id: str | None) -> WebSession | None:
        """The live session with this cookie value (touching it), or ``None``."""
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            stamp = self._clock()
            if stamp - session.seen > SESSION_IDLE or stamp - session.created > SESSION_MAX:
                del self._sessions[session_id]
                return None
            session.seen = stamp
            return session

    def sign_out(self, session_id: str) -> None:
        """End a session; what it held in memory (unsaved passwords) is dropped."""
        with self._lock:
            session = self._sessions.pop(session_id, None)
        if session is not None:
            session.secrets.clear()
