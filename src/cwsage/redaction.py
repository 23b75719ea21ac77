"""Keep secrets out of every log line, exception text and saved report — by masking them where they are rendered.

Why a module of its own, and why *by field*: a secret is dangerous where a program renders it (a header, a URL,
a config listing, a JSON body), and only there can it be masked without touching anything else. Masking every
occurrence of a secret's *value* as a substring, as cwsage once did, is wrong twice: the sandbox password
``DEMO`` turned the company ``CWDEMO`` into ``CW***`` in ``config show``, in errors and in logs, and the mangled
text told a reader what the password was (issue 13). So, in order of importance:

1. **Typed secrets.** Settings hold secrets as :class:`pydantic.SecretStr` (``cwsage.config``); ``config show``
   prints a secret *field* as ``***`` whatever its value and prints every other field as it is.
2. **Where secrets are rendered** (:func:`redact`, :func:`redact_url`, :func:`redact_headers`), by syntax, not
   by value: ``Authorization``/``Proxy-Authorization`` header values (the scheme stays: ``Basic ***``), cookies,
   the password of ``scheme://user:password@host`` URLs, secret query parameters (``?password=``, ``token=``,
   ``key=`` …), and the values of secret-looking keys in JSON, Python reprs and ``key=value`` text
   (``"privateKey": "…"``, ``'password': '…'``, ``SAGE_PASSWORD=…``). :class:`RedactingFilter` applies
   :func:`redact` to every log record; reports and error paragraphs go through it before they are written.
3. **A safety net of registered values** (:func:`register_secret`), for a secret that reaches text by a path
   nobody foresaw. It can never mangle other text, because a registered value is masked only

   * as a *whole token* — not preceded or followed by a letter or digit, so ``DEMO`` is never masked inside
     ``CWDEMO`` and ``abc123xy`` never inside ``abc123xyz``; and
   * when it is *distinctive*: at least :data:`MIN_REGISTERED_LENGTH` (8) characters including a digit or a
     symbol, or at least 16 letters. A shorter or plain-word value (``DEMO``, ``demo``, ``password``) is as
     likely to be an ordinary word of the text as the secret; masking it would corrupt that text and point at
     the password. Such values are protected by layers 1 and 2 only — which is where secrets are rendered.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from urllib.parse import SplitResult, parse_qsl, quote, urlsplit, urlunsplit

MASK = "***"
MIN_REGISTERED_LENGTH = 8
"""Registered values shorter than this are never masked by value (see the module docstring)."""
MIN_LETTERS_ONLY_LENGTH = 16
"""A registered value made only of letters must be at least this long to be masked by value."""

SECRET_NAMES: tuple[str, ...] = (
    "password",
    "passwd",
    "pwd",
    "privatekey",
    "private_key",
    "clientid",
    "client_id",
    "clientsecret",
    "client_secret",
    "integratorpassword",
    "integrator_password",
    "secret",
    "secretkey",
    "secret_key",
    "apikey",
    "api_key",
    "accesstoken",
    "access_token",
    "refreshtoken",
    "refresh_token",
    "idtoken",
    "id_token",
    "token",
    "passphrase",
    "secrets_key",
    "secrets_passphrase",
)
"""Names (compared case-insensitively, ``-`` read as ``_``) whose values are secrets wherever they appear."""

SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "clientid", "x-api-key"})
"""HTTP headers whose values are masked by :func:`redact_headers`."""

SECRET_QUERY_NAMES = frozenset({*SECRET_NAMES, "pass", "key", "sig", "signature", "code"})
"""Query parameters whose values :func:`redact_url` masks (``key=`` and ``sig=`` are credentials in URLs)."""

_lock = threading.Lock()
_secrets: set[str] = set()
_net: re.Pattern[str] | None = None

_NAME_ALTERNATION = "|".join(sorted({re.escape(n).replace("_", "[_-]?") for n in SECRET_NAMES}, key=len, reverse=True))
_SCHEMES = r"(?:basic|bearer|digest|negotiate|ntlm|token)"

_AUTHORIZATION = re.compile(
    r"(?i)(?<![A-Za-z0-9])((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)"
    r"(?!(?:" + _SCHEMES + r"\s+)?\*\*\*)"
    r"(?:(" + _SCHEMES + r")\s+)?"
    r"[^\s\"',;}\]]+"
)
_COOKIE = re.compile(r"(?i)(?<![A-Za-z0-9])((?:set-)?cookie[\"']?\s*[:=]\s*[\"']?)(?!\*\*\*)[^\s\"'][^\"'\r\n]*")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@\"']*:)(?!\*\*\*@)[^/\s@\"']+@")
_QUERY_PARAM = re.compile(
    r"(?i)([?&;](?:" + "|".join(re.escape(n) for n in sorted(SECRET_QUERY_NAMES, key=len, reverse=True)) + r")=)"
    r"(?!\*\*\*)[^&#\s\"']+"
)
_KEY_VALUE = re.compile(
    r"(?i)(?<![A-Za-z0-9])([\"']?)(" + _NAME_ALTERNATION + r")\1(\s*[:=]\s*)"
    r"(?!SecretStr\()(?!\*\*\*)(?![\"']\*\*\*[\"'])"
    r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^\s,;&}\])]+)"
)


_DOTTED_I = str.maketrans({"\u0130": "i", "\u0131": "i"})
"""The two letters ``(?i)`` takes for ``i`` whose case folding is not ``i``."""
_FOLDED_NAMES = frozenset(name.replace("_", "") for name in SECRET_NAMES)


def _folded(text: str) -> str:
    """``text`` as the ``(?i)`` patterns compare letters, without ``_`` and ``-`` (the names' optional separators).

    A pattern can match only if its keyword is in this text, so a pattern whose keyword is absent is skipped.
    """
    if "\u0130" in text or "\u0131" in text:
        text = text.translate(_DOTTED_I)
    return text.casefold().replace("_", "").replace("-", "")


def _key_value(match: re.Match[str]) -> str:
    quote_char, name, separator, value = match.group(1), match.group(2), match.group(3), match.group(4)
    masked = f"{value[0]}{MASK}{value[0]}" if value[:1] in {'"', "'"} else MASK
    return f"{quote_char}{name}{quote_char}{separator}{masked}"


def _authorization(match: re.Match[str]) -> str:
    scheme = match.group(2)
    return f"{match.group(1)}{scheme + ' ' if scheme else ''}{MASK}"


def is_secret_name(name: str) -> bool:
    """Whether a field, header, key or parameter called ``name`` holds a secret (``privateKey``, ``SAGE_PASSWORD``)."""
    compact = re.sub(r"[^a-z0-9]", "", name.lower())
    return any(compact.endswith(secret.replace("_", "")) for secret in SECRET_NAMES)


def is_distinctive(value: str) -> bool:
    """Whether a registered value is distinctive enough to be masked by value without mangling other text."""
    if len(value) < MIN_REGISTERED_LENGTH or value.strip() != value:
        return False
    if any(not ch.isalpha() for ch in value):
        return True
    return len(value) >= MIN_LETTERS_ONLY_LENGTH


def register_secret(value: str | None) -> None:
    """Remember a secret value for the safety net (only distinctive values are kept; see the module docstring)."""
    global _net
    if value and is_distinctive(value):
        with _lock:
            if value not in _secrets:
                _secrets.add(value)
                _net = None


def registered_count() -> int:
    """How many values the safety net holds (diagnostics and tests)."""
    with _lock:
        return len(_secrets)


def forget_secrets() -> None:
    """Forget every registered secret (after a logout, and between tests so they cannot leak into others)."""
    global _net
    with _lock:
        _secrets.clear()
        _net = None


def _safety_net() -> re.Pattern[str] | None:
    global _net
    with _lock:
        if _net is None and _secrets:
            alternation = "|".join(re.escape(s) for s in sorted(_secrets, key=len, reverse=True))
            _net = re.compile(rf"(?<![A-Za-z0-9])(?:{alternation})(?![A-Za-z0-9])")
        return _net


def redact(text: str) -> str:
    """Mask the secrets in ``text``: secret syntax (headers, URLs, secret keys), then whole registered tokens.

    Text that holds no secret comes back unchanged — a company id, a customer name or an account number is
    never altered because a password happens to be part of it.
    """
    if not text:
        return text
    # Each pattern runs only where its keyword occurs: a run's full log is megabytes, mostly without any.
    folded = _folded(text)
    if "authorization" in folded:
        text = _AUTHORIZATION.sub(_authorization, text)
    if "cookie" in folded:
        text = _COOKIE.sub(lambda m: f"{m.group(1)}{MASK}", text)
    if "://" in text:
        text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{MASK}@", text)
    if "=" in text:
        text = _QUERY_PARAM.sub(lambda m: f"{m.group(1)}{MASK}", text)
    if any(name in folded for name in _FOLDED_NAMES):
        text = _KEY_VALUE.sub(_key_value, text)
    net = _safety_net()
    if net is not None:
        text = net.sub(MASK, text)
    return text


def redact_url(url: object) -> str:
    """A URL (text or ``httpx.URL``) with the password of its user info and its secret query values masked."""
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return redact(text)
    netloc, query = parts.netloc, parts.query
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, has_password, _password = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{host}" if has_password else netloc
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(name.lower() in SECRET_QUERY_NAMES or is_secret_name(name) for name, _ in pairs):
            query = "&".join(
                f"{quote(name, safe='$')}="
                + (MASK if name.lower() in SECRET_QUERY_NAMES or is_secret_name(name) else quote(value, safe="$,()"))
                for name, value in pairs
            )
    if (netloc, query) == (parts.netloc, parts.query):
        return redact(text)  # nothing to mask: the URL exactly as given (urlunsplit would normalise it)
    return redact(urlunsplit(SplitResult(parts.scheme, netloc, parts.path, query, parts.fragment)))


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """HTTP headers for a log line: credentials masked (``Authorization: Basic ***``), the rest as they are."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    result: dict[str, str] = {}
    for name, value in items:
        lower = name.lower()
        if lower in {"authorization", "proxy-authorization"}:
            scheme, _, rest = value.partition(" ")
            result[name] = f"{scheme} {MASK}" if rest else MASK
        elif lower in SECRET_HEADERS or is_secret_name(name):
            result[name] = MASK
        else:
            result[name] = redact(value)
    return result


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
