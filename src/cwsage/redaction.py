"""Keep secrets out of every log line, exception text and saved report.

Two layers: (1) every secret value cwsage loads (Manage private key, clientId, integrator password, Sage
password, member-impersonation tokens) is registered with :func:`register_secret`; (2) patterns catch
secrets we were never told about (``Authorization`` headers, ``user:pass@`` in URLs, ``"password": …``
in JSON). :class:`RedactingFilter` applies both to all log records; :func:`redact` is for any other text
that leaves the process (error reports, the full log file, exception messages shown in the UI).
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"
_lock = threading.Lock()
_secrets: set[str] = set()

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)(authorization\s*[:=]\s*)(basic|bearer)\s+[A-Za-z0-9+/=._\-]+"), rf"\1\2 {MASK}"),
    (re.compile(r"(?i)(https?://)[^/\s:@]+:[^/\s@]+@"), rf"\1{MASK}@"),
    (
        re.compile(r'(?i)("?(?:password|privatekey|private_key|clientid|client_id|secret|token)"?\s*[:=]\s*)"[^"]*"'),
        rf'\1"{MASK}"',
    ),
    (re.compile(r"(?i)((?:password|privatekey|private_key|secret)=)[^&\s]+"), rf"\1{MASK}"),
)


def register_secret(value: str | None) -> None:
    """Remember a secret value so that it is masked wherever it would appear (ignores short/empty)."""
    if value and len(value) >= 3:
        with _lock:
            _secrets.add(value)


def forget_secrets() -> None:
    """Forget every registered secret (after a logout, and between tests so they cannot leak into others)."""
    with _lock:
        _secrets.clear()


def redact(text: str) -> str:
    """Return ``text`` with every registered secret and every secret-looking pattern masked."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that renders the message, masks secrets in it, and drops the args."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record in place; never drops a record."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Attach the filter to every handler of ``logger`` (root by default) and to the logger itself."""
    target = logger or logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
