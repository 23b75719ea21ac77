"""The Sage 300 Web API client: every call cwsage makes to Sage goes through :class:`Sage300Client`.

Why it exists: it is the one place that knows Sage's URL anatomy, its headers (``Content-Type:
application/json`` on every request, GETs included: DR22 says a server answers 500 otherwise), its error
envelope and what each error *code* means for us (I20: never the message text), how Sage pages
(``@odata.nextLink`` or ``odata.nextLink``), which OData dialect a server speaks (read once per connection
from ``$metadata``) and how a process learns its parameters (``('$template')``). How each kind of document
is created, found again and posted is not here: :mod:`cwsage.services.targets` does it with these operations.

Its core is a handful of generic operations over the resources of :mod:`cwsage.sage300.vocabulary` —
:meth:`~Sage300Client.list_records`, :meth:`~Sage300Client.count`, :meth:`~Sage300Client.get`,
:meth:`~Sage300Client.create`, :meth:`~Sage300Client.patch`, :meth:`~Sage300Client.template`,
:meth:`~Sage300Client.process`, :meth:`~Sage300Client.delete`, and :meth:`~Sage300Client.list_each` (independent
reads a few at a time) — each of which refuses, before sending, a
verb ER22 does not allow on the resource, and any property name (in a filter, ``$select``, key or body) the
vocabulary does not declare for it. The named methods for master data and receipts (``customers()``,
``create_ar_receipt_batch()``, …) are thin wrappers. Retries, timeouts, ``Retry-After`` and the "never
resend a creating call blindly" rule come from :class:`cwsage.http.ApiSession`; this module adds no retry
loop of its own.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import SecretStr, ValidationError

from cwsage.concurrency import read_all
from cwsage.errors import (
    AmbiguousOutcome,
    AuthenticationError,
    BugError,
    ConfigurationError,
    CwsageError,
    DuplicateDocument,
    RemoteRejection,
    TransientError,
)
from cwsage.http import ApiClient, ApiSession, RetryPolicy, json_of, rate_limited, request_id_of, transient_status
from cwsage.paging import PageGuard
from cwsage.redaction import redact, register_secret
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.lookups import as_int, lookups
from cwsage.sage300.models import (
    UNKNOWN_MEMBERS,
    APTerms,
    APVendor,
    ARCustomer,
    ARPostedDocument,
    ARReceiptBatch,
    ARTerms,
    Company,
    CompanyProfile,
    Currency,
    CurrencyRate,
    FiscalCalendar,
    GLAccount,
    ICItem,
    ICLocation,
    SageModel,
    TaxAuthority,
    TaxGroup,
    UnknownMember,
    gl_batch_key,
)
from cwsage.sage300.odata import Dialect, Expr, F, Query, dialect_from_metadata, quote_string

log = logging.getLogger("cwsage.sage300")

SYSTEM = "Sage 300"
WRITE_TIMEOUT_SECONDS = 120.0
"""Posting is slow, and the first call after 20 idle minutes reloads the Web API (DR22): writes wait longer."""
CONNECT_TIMEOUT_SECONDS = 10.0
MAX_PAGES = 10_000
"""Safety net against a server that keeps answering a next link."""

M = TypeVar("M", bound=SageModel)
KeyValue = str | int
Key = KeyValue | tuple[KeyValue, ...]
"""An entity key: one value, or one per key property in the vocabulary's order."""

AUTH_HINT = (
    "Check the Sage 300 user ID (upper case, e.g. WEBAPI) and password with `cwsage login`. The user needs the "
    "'Sage 300 Web API' security authorization in a security group for each module (AR, AP, GL, IC, TX, CS). "
    "ADMIN cannot use the Web API unless AllowWebApiAccessForAdmin is set to true in both web.config files "
    "(Online\\Web and Online\\WebApi); a dedicated API user is better."
)
FORBIDDEN_HINT = (
    "Give the Sage 300 user the 'Sage 300 Web API' security authorization (and view/modify rights) for the "
    "module named in the request, in Common Services > Security Groups, then run again."
)
GENERAL_HINT = (
    "Sage 300's business layer refused the request for now (Day End Processing, or another user holding the "
    "records). Nothing was changed; run the same command again later."
)
PAYLOAD_HINT = (
    "The installation may name a property differently; compare its $metadata with "
    "cwsage/sage300/vocabulary.py and send the full log to support."
)
NOT_FOUND_HINT = "The resource or module may not be activated in this Sage 300 company, or the record is gone."


class SageConnection(Protocol):
    """What the client needs to connect (``cwsage.config.SageSettings`` provides it).

    Attributes:
        url: Server root, e.g. ``https://sage.example.com`` (a bare host means https).
        company: Company database ID, e.g. ``SAMINC``.
        user: Sage 300 user ID (sent upper case).
        password: The user's password.
        verify_tls: TLS verification (``True``, or a CA bundle path); never turned off silently.
        timeout_seconds: Read timeout for ordinary calls.
    """

    @property
    def url(self) -> str: ...

    @property
    def company(self) -> str: ...

    @property
    def user(self) -> str: ...

    @property
    def password(self) -> SecretStr: ...

    @property
    def verify_tls(self) -> bool | str: ...

    @property
    def timeout_seconds(self) -> float: ...


class SageNotFound(RemoteRejection):
    """Sage answered 404: the record (``RecordNotFound``) or the resource/module (``ResourceNotFound``) is absent."""

    error_code = "sage_not_found"


# ------------------------------------------------------------------------------------------------
# URL helpers
# ------------------------------------------------------------------------------------------------


def server_root(url: str) -> str:
    """Normalise the configured server URL to ``scheme://host[:port][/prefix]`` without a trailing slash.

    A bare host gets ``https://``; a pasted ``…/Sage300WebApi[/v1.0/-/COMPANY]`` suffix is dropped.

    Raises:
        ConfigurationError: if the URL is empty or has no host.
    """
    text = (url or "").strip()
    if not text:
        raise ConfigurationError("The Sage 300 server URL is not set", hint="Set it with `cwsage login`.")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if not parts.hostname:
        raise ConfigurationError(
            f"The Sage 300 server URL {text!r} has no host name", hint="Fix it with `cwsage login`."
        )
    path = parts.path.rstrip("/")
    marker = path.lower().find("/" + V.API_ROOT.lower())
    if marker >= 0:
        path = path[:marker]
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, "", "")).rstrip("/")


def _key_literal(value: KeyValue) -> str:
    if isinstance(value, bool):
        raise BugError(f"{value!r} is not a Sage key value")
    return quote_string(value) if isinstance(value, str) else str(int(value))


def entity_path(resource: V.Resource, key: Key) -> str:
    """``AR/ARCustomers('1200')``, ``AR/ARInvoiceBatches(25)``, or every segment of a composite key (DR22):
    ``AR/ARReceiptAndAdjustmentBatches(BatchRecordType='CA',BatchNumber=65)``.

    Raises:
        BugError: if the key does not have one value per declared key property.
    """
    return resource.path + key_part(resource, key)


def key_part(resource: V.Resource, key: Key, names: Mapping[str, str] | None = None) -> str:
    """The ``(…)`` of :func:`entity_path`; ``names`` respells key properties (an older server's names).

    Raises:
        BugError: if the key does not have one value per declared key property.
    """
    values = key if isinstance(key, tuple) else (key,)
    if len(values) != len(resource.key) or not values:
        raise BugError(f"{resource} is keyed by {', '.join(resource.key) or 'nothing'}; got {values!r}")
    if len(values) == 1:
        return f"({_key_literal(values[0])})"
    names = names or {}
    segments = ",".join(
        f"{names.get(name, name)}={_key_literal(v)}" for name, v in zip(resource.key, values, strict=True)
    )
    return f"({segments})"


NOT_SAGE_HINT = (
    "Check the Sage 300 address (`cwsage config show`; change it with `cwsage login`): it is the root of the "
    "server where the Sage 300 Web API is installed (https://server, under which /Sage300WebApi/v1.0 answers), "
    "not a web page or another service."
)


def _sage_json(response: httpx.Response) -> bool:
    """Whether the body is JSON as the Sage 300 Web API writes it: an OData feed/entity or its error envelope."""
    try:
        body = json_of(response)
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    odata = any(key.startswith(("@odata.", "odata.")) for key in body)
    return odata or V.VALUE_KEY in body or isinstance(body.get("error"), dict)


def _record_of(response: httpx.Response) -> dict[str, Any]:
    """The JSON object a creating POST answered.

    Raises:
        ValueError: the answer is empty, not JSON, or not an object.
    """
    answer = json_of(response)
    if not isinstance(answer, dict):
        raise ValueError(f"the answer is {type(answer).__name__}, not a record")  # noqa: TRY004 (not a type check)
    return answer


def _html(response: httpx.Response) -> bool:
    """Whether an answer is a web page: a Sage 300 Web API answers JSON (or EDMX), never HTML."""
    kind = response.headers.get("content-type", "").lower()
    return "html" in kind or response.text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))


def not_sage(response: httpx.Response, root: str) -> ConfigurationError:
    """The error for an answer no Sage 300 Web API gives (an HTML page, JSON of another shape)."""
    kind = response.headers.get("content-type", "").split(";", 1)[0].strip() or "no content type"
    looks = "an HTML page" if "html" in kind or response.text.lstrip().startswith("<") else f"{kind} content"
    return ConfigurationError(
        f"The server at {redact(root)} is not a Sage 300 Web API: it answered {response.request.url.path} with "
        f"{looks} (HTTP {response.status_code})",
        detail=redact(response.text[:300]),
        hint=NOT_SAGE_HINT,
    )


def _resource_missing(response: httpx.Response) -> bool:
    """A 404 saying the resource itself does not exist (``ResourceNotFound``, or no code), not a record."""
    if response.status_code != 404:
        return False
    code, _ = parse_error_envelope(response)
    return code in (None, V.ErrorCode.RESOURCE_NOT_FOUND)


def _without_lines(answer: dict[str, Any]) -> dict[str, Any]:
    """Sage's answer to a create, down to its entries: the record's own properties and each entry's, no lines.

    Sage answers a created batch with all of it, every line of every entry with the fields it computed (about as
    large as the payload); reading the lines into models cost more than the POST itself (issue 14). cwsage reads
    the batch's number and status and each entry's number, document number and dates from the answer, never a
    line: the lines are what cwsage sent.
    """
    return {
        name: [_own(entry) for entry in value] if isinstance(value, list) else value for name, value in answer.items()
    }


def _own(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    return {name: value for name, value in entry.items() if not isinstance(value, list)}


# ------------------------------------------------------------------------------------------------
# Errors, told apart by Sage's code (I20)
# ------------------------------------------------------------------------------------------------


def parse_error_envelope(response: httpx.Response) -> tuple[str | None, str]:
    """``(code, text)`` from ``{"error":{"code":…,"message":{"lang":…,"value":…}}}``, tolerating other bodies."""
    try:
        body = json_of(response)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        code = error.get("code")
        message = error.get("message")
        text = message.get("value") if isinstance(message, dict) else message
        return (str(code) if code is not None else None), str(text or "").strip()
    try:
        raw = response.text.strip()
    except (UnicodeDecodeError, httpx.ResponseNotRead):
        raw = ""
    return None, (raw[:500] or response.reason_phrase or f"HTTP {response.status_code}")


_BUG_CODES = frozenset(
    {
        V.ErrorCode.INVALID_PARAMETERS,
        V.ErrorCode.INVALID_ENTITY_KEY,
        V.ErrorCode.INVALID_PAYLOAD,
        V.ErrorCode.INVALID_ACTION,
        V.ErrorCode.METHOD_NOT_ALLOWED,
    }
)
_TRANSIENT_CODES = frozenset(
    {
        V.ErrorCode.TOO_MANY_REQUESTS,
        V.ErrorCode.INTERNAL_SERVER_ERROR,
        V.ErrorCode.DB_LINK_ERROR,
        V.ErrorCode.SESSION_ERROR,
    }
)


def _known_code(code: str | None) -> V.ErrorCode | None:
    try:
        return V.ErrorCode(code) if code else None
    except ValueError:
        return None


def map_error(response: httpx.Response) -> CwsageError:
    """Turn a failed Sage answer into the right cwsage exception, by Sage's error code alone (I20).

    ``Unauthorized``/``Forbidden`` → :class:`AuthenticationError`; ``RecordDuplicate`` →
    :class:`DuplicateDocument`; ``RecordInvalid`` → :class:`RemoteRejection` (a business rule, e.g. a closed
    period); ``General`` (the business layer, e.g. Day End Processing) → :class:`TransientError`;
    ``RecordNotFound``/``ResourceNotFound`` → :class:`SageNotFound`; ``InvalidPayload`` and the other 400
    codes, ``MethodNotAllowed`` → :class:`BugError` (cwsage's request was wrong); ``TooManyRequests`` and the
    500 codes → :class:`TransientError`. A code cwsage does not know (or none) falls back on the HTTP status.
    Sage's code, status and message stay on the exception (``remote_code``, ``status_code``,
    ``remote_message``).
    """
    status = response.status_code
    code, text = parse_error_envelope(response)
    text = redact(text)
    try:
        where = f"{response.request.method} {response.request.url.path}"
    except RuntimeError:
        where = "request"
    detail = redact(f"HTTP {status} {code or '-'} on {where}: {text}")
    extra: dict[str, Any] = {
        "detail": detail,
        "status_code": status,
        "remote_code": code,
        "remote_message": text,
        "request_id": request_id_of(response),  # I34
    }
    known = _known_code(code)
    if known is None:
        known = _code_for_status(status)
    if known is V.ErrorCode.UNAUTHORIZED:
        return AuthenticationError(f"Sage 300 refused the user ID or password: {text}", hint=AUTH_HINT, **extra)
    if known is V.ErrorCode.FORBIDDEN:
        return AuthenticationError(
            f"The Sage 300 user may not use this part of the Web API: {text}", hint=FORBIDDEN_HINT, **extra
        )
    if known is V.ErrorCode.RECORD_DUPLICATE:
        return DuplicateDocument(text, **extra)
    if known is V.ErrorCode.GENERAL:
        return TransientError(f"Sage 300 refused the request for now: {text}", hint=GENERAL_HINT, **extra)
    if known in (V.ErrorCode.RECORD_NOT_FOUND, V.ErrorCode.RESOURCE_NOT_FOUND):
        return SageNotFound(text, hint=NOT_FOUND_HINT, **extra)
    if known in _BUG_CODES:
        return BugError(f"Sage 300 did not accept cwsage's request: {text}", hint=PAYLOAD_HINT, **extra)
    if known in _TRANSIENT_CODES:
        return TransientError(f"Sage 300 is busy or failing ({status}): {text}", **extra)
    return RemoteRejection(text, **extra)


def _code_for_status(status: int) -> V.ErrorCode | None:
    """What an answer without a code cwsage knows most likely means, from its status alone."""
    if transient_status(status):
        return V.ErrorCode.TOO_MANY_REQUESTS if rate_limited(status) else V.ErrorCode.INTERNAL_SERVER_ERROR
    return {
        401: V.ErrorCode.UNAUTHORIZED,
        403: V.ErrorCode.FORBIDDEN,
        404: V.ErrorCode.RESOURCE_NOT_FOUND,
        400: V.ErrorCode.INVALID_PARAMETERS,
        405: V.ErrorCode.METHOD_NOT_ALLOWED,
    }.get(status)


# ------------------------------------------------------------------------------------------------
# Posting processes (I12, I13)
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostingProcess:
    """How one posting process takes "post this one batch": its switch, its range pair and fixed values.

    Attributes:
        resource: The process (``GL/GLPostJournal``).
        selector: The "all batches" switch, set to ``Donotpostallbatches``.
        range_from: First batch of the range (its alternatives are the other spellings a template may use).
        range_to: Last batch of the range.
        fixed: Other parameters cwsage sets (``BatchType: CA``; ``ActionSelector`` left empty).
        text_numbers: Whether batch numbers are strings (GL) when no template says otherwise.
    """

    resource: V.Resource
    selector: str | None
    range_from: str
    range_to: str
    fixed: tuple[tuple[str, str], ...] = ()
    text_numbers: bool = False

    def __post_init__(self) -> None:
        entity = self.resource.entity
        for name in (self.selector, self.range_from, self.range_to, *(n for n, _ in self.fixed)):
            if name is not None:
                entity.prop(name)  # raises if undeclared

    def range_pairs(self) -> list[tuple[str, str]]:
        """Every spelling of the range the vocabulary knows, the declared one first (I12)."""
        first = self.resource.entity.prop(self.range_from)
        last = self.resource.entity.prop(self.range_to)
        return [(first.name, last.name), *zip(first.alternatives, last.alternatives, strict=True)]

    def selectors(self) -> list[str]:
        """Every spelling of the all-batches switch."""
        if self.selector is None:
            return []
        prop = self.resource.entity.prop(self.selector)
        return [prop.name, *prop.alternatives]

    def fallback(self, batch: str | int) -> dict[str, Any]:
        """The parameters when the server offers no template: the declared names, in declared order."""
        number: str | int = gl_batch_key(batch) if self.text_numbers else int(batch)
        values: dict[str, Any] = {self.range_from: number, self.range_to: number, **dict(self.fixed)}
        if self.selector is not None:
            values[self.selector] = V.PostAllBatches.DO_NOT_POST_ALL.value
        return {prop.name: values[prop.name] for prop in self.resource.entity if prop.name in values}

    def from_template(self, template: Mapping[str, Any], batch: str | int) -> dict[str, Any]:
        """The template's own parameters with one batch filled in under whichever range pair it has.

        Raises:
            ConfigurationError: if the template has none of the range spellings cwsage knows.
        """
        pair = next((p for p in self.range_pairs() if p[0] in template and p[1] in template), None)
        if pair is None:
            known = ", ".join(f"{a}/{b}" for a, b in self.range_pairs())
            raise ConfigurationError(
                f"Sage 300's {self.resource} template has no batch range cwsage knows ({known}); "
                f"its parameters are: {', '.join(template) or 'none'}",
                hint="Send this message to support: cwsage must learn this installation's parameter names.",
            )
        body = dict(template)
        for name in self.selectors():
            if name in body:
                body[name] = V.PostAllBatches.DO_NOT_POST_ALL.value
        for name, value in self.fixed:
            if name in body and value:
                body[name] = value
        for name in pair:
            body[name] = _like(template[name], batch, self.text_numbers)
        return body


def _like(example: Any, batch: str | int, text_numbers: bool) -> str | int:
    """A batch number typed like the template's default for it (text stays text, a number a number)."""
    if isinstance(example, str):
        return gl_batch_key(batch) if text_numbers else str(int(batch))
    if isinstance(example, int | Decimal) and not isinstance(example, bool):
        return int(batch)
    return gl_batch_key(batch) if text_numbers else int(batch)


POST_GL_JOURNAL = PostingProcess(
    V.GL_POST_JOURNAL, "PostAllBatches", "FromBatch", "ToBatch", (("ActionSelector", ""),), text_numbers=True
)
POST_AR_INVOICES = PostingProcess(
    V.AR_POST_INVOICES, "PostAllBatches", "PostBatchFrom", "PostBatchTo", (("ActionSelector", ""),)
)
POST_AP_INVOICES = PostingProcess(V.AP_POST_INVOICES, "ProcessAllBatches", "FromBatch", "ToBatch")
POST_AR_RECEIPTS = PostingProcess(
    V.AR_POST_RECEIPTS, None, "PostBatchFrom", "PostBatchTo", (("BatchType", V.ReceiptBatchType.CASH.value),)
)

_STATUS_PROP: dict[str, str] = {
    V.AR_INVOICE_BATCHES.path: "BatchStatus",
    V.AP_INVOICE_BATCHES.path: "BatchStatus",
    V.AR_RECEIPT_BATCHES.path: "BatchStatus",
    V.GL_JOURNAL_BATCHES.path: "Status",
}
"""The status property of each batch resource (GL calls it ``Status``, I12)."""


# ------------------------------------------------------------------------------------------------
# The client
# ------------------------------------------------------------------------------------------------


class Sage300Client(ApiClient):
    """A session with one Sage 300 company through the Web API.

    Args:
        settings: Connection settings (:class:`SageConnection`).
        transport: An httpx transport (tests pass ``httpx.MockTransport``).
        policy: Retry policy (tests inject ``sleep`` and ``jitter``).

    Attributes:
        unknown_members: Enum values Sage sent that the vocabulary does not list (each reported once).

    Raises:
        ConfigurationError: if the URL or company is missing.
    """

    def __init__(
        self,
        settings: SageConnection,
        *,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.root = server_root(settings.url)
        self.company = (settings.company or "").strip().upper()
        if not self.company:
            raise ConfigurationError("The Sage 300 company ID is not set", hint="Set it with `cwsage login`.")
        user = (settings.user or "").strip().upper()  # Sage user IDs are upper case
        password = settings.password.get_secret_value() if settings.password is not None else ""
        register_secret(password)
        register_secret(base64.b64encode(f"{user}:{password}".encode()).decode())
        self.api_url = f"{self.root}/{V.API_ROOT}/{V.API_VERSION}"
        self.base_url = f"{self.api_url}/{V.TENANT}/{self.company}/"
        seconds = float(settings.timeout_seconds)
        connect = min(CONNECT_TIMEOUT_SECONDS, seconds)
        self._read_timeout = httpx.Timeout(seconds, connect=connect)
        self._write_timeout = httpx.Timeout(max(WRITE_TIMEOUT_SECONDS, seconds), connect=connect)
        self._session = ApiSession(
            system=SYSTEM,
            base_url=self.base_url,
            error_mapper=map_error,
            auth=httpx.BasicAuth(user, password),
            headers={"Accept": V.JSON_MEDIA_TYPE, "Content-Type": V.JSON_MEDIA_TYPE},
            timeout=self._read_timeout,
            policy=policy,
            transport=transport,
            verify=settings.verify_tls,
        )
        self._dialect: Dialect | None = None
        self._md16_names: bool | None = None
        self._templates: dict[str, dict[str, Any] | None] = {}
        self.unknown_members: list[UnknownMember] = []
        self._members_lock = threading.Lock()  # reads may be parsed in several threads (cwsage.concurrency)
        self.notes: list[str] = []
        self._absent: frozenset[str] = frozenset()

    # -- what the connection has learnt -------------------------------------------------------------

    @property
    def warnings(self) -> list[str]:
        """What discovery found missing (and what cwsage does instead), then what Sage sent that cwsage kept
        but could not interpret; one line each."""
        return [*self.notes, *(item.describe() for item in self.unknown_members)]

    def adopt(
        self, *, dialect: Dialect | None, md16_names: bool | None, absent: Iterable[str], notes: Iterable[str]
    ) -> None:
        """Take what discovery learnt from the server's ``$metadata`` (:mod:`cwsage.sage300.discovery`).

        Args:
            dialect: The OData dialect (None: still learnt when a filter first needs it).
            md16_names: Whether the server uses MD16's names (None: still learnt from the first read).
            absent: Paths of optional resources the server lacks or forbids: reads of them give nothing,
                without asking (they would answer 404 or 403).
            notes: Warnings to carry into the run's result.
        """
        if dialect is not None:
            self._dialect = dialect
        if md16_names is not None:
            self._md16_names = md16_names
        self._absent = frozenset(absent)
        self.notes = list(dict.fromkeys([*self.notes, *notes]))

    def is_absent(self, resource: V.Resource) -> bool:
        """Whether discovery found this optional resource missing or forbidden (reads of it give nothing)."""
        return resource.path in self._absent

    @property
    def dialect(self) -> Dialect | None:
        """The server's OData dialect, once a filter has needed it (None before)."""
        return self._dialect

    @property
    def md16_names(self) -> bool | None:
        """Whether the server names its resources as in 2016 (MD16: ``AR/InvoiceBatches``, ``TermsCodeKey``).

        Learnt once per connection from the first answer that tells: True when a v1.0 name answered 404
        ``ResourceNotFound`` and MD16's name of the same resource did not; False once a v1.0 name answers;
        None until then.
        """
        return self._md16_names

    def _dialect_for(self, resource: V.Resource, query: Query | None) -> Dialect:
        """The dialect to write ``query`` in; reads one module's ``$metadata`` the first time it matters."""
        if self._dialect is not None:
            return self._dialect
        if query is None or not query.needs_dialect():
            return Dialect.V4  # every literal in the query is the same in both dialects
        self._dialect = self._discover_dialect(resource.module)
        log.info("Sage 300 speaks OData %s (from %s/%s)", self._dialect, resource.module, V.METADATA)
        return self._dialect

    def _discover_dialect(self, module: str) -> Dialect:
        """OData v3 or v4 from ``{module}/$metadata``; v4 when it cannot be read (transient failures propagate)."""
        try:
            response = self._session.request(
                "GET", f"{module}/{V.METADATA}", headers={"Accept": V.METADATA_ACCEPT}, expect=(400, 403, 404, 406)
            )
        except TransientError:
            raise
        except CwsageError as exc:
            log.warning("Sage 300 $metadata of %s could not be read (%s); assuming OData v4", module, exc)
            return Dialect.V4
        if response.status_code >= 400:
            log.warning("Sage 300 $metadata of %s answered %s; assuming OData v4", module, response.status_code)
            return Dialect.V4
        found = dialect_from_metadata(response.text)
        if found is None:
            log.warning("Sage 300 $metadata of %s declares no EDMX version; assuming OData v4", module)
        return found or Dialect.V4

    def module_metadata(self, module: str) -> tuple[int, str]:
        """GET ``{module}/$metadata`` (discovery): the HTTP status and text; 403 and 404 are answers, not errors.

        Raises:
            CwsageError: anything else the session raises (refused connection, bad login, server error).
        """
        response = self._session.request(
            "GET", f"{module}/{V.METADATA}", headers={"Accept": V.METADATA_ACCEPT}, expect=(403, 404)
        )
        text = response.text
        if response.status_code == 404 and _html(response):
            raise not_sage(response, self.root)  # a Sage refusal is its JSON error envelope, never a page
        if response.status_code < 400 and "Edmx" not in text[:2000]:
            raise not_sage(response, self.root)
        return response.status_code, text

    # -- plumbing -----------------------------------------------------------------------------------

    def _url(self, resource: V.Resource, md16: bool = False) -> str:
        """Where ``resource`` is served: its v1.0 path, or MD16's when the server uses those names."""
        if resource.path.startswith(f"{V.TENANT}/"):
            return f"{self.api_url}/{resource.path}"  # tenant root (I1)
        return resource.alternatives[0] if md16 and resource.alternatives else resource.path

    @staticmethod
    def _key_names(resource: V.Resource, md16: bool) -> dict[str, str]:
        """MD16's spelling of the resource's key properties (``TermsCode`` → ``TermsCodeKey``) on such a server."""
        if not md16:
            return {}
        props = (resource.entity.prop(name) for name in resource.key)
        return {prop.name: prop.alternatives[0] for prop in props if prop.alternatives}

    def _send(
        self,
        resource: V.Resource,
        method: str,
        tail: Callable[[bool], str] = lambda _: "",
        *,
        expect: tuple[int, ...] = (),
        **options: Any,
    ) -> httpx.Response:
        """One request to ``resource`` under the names the server uses; ``tail(md16)`` is what follows the path.

        Until the connection knows the server's naming, a read answered 404 ``ResourceNotFound`` under the v1.0
        name is tried once under MD16's, and the answer settles it for every later request (:attr:`md16_names`).
        Only reads find it out: a write is sent once, under the names known when it is sent (every job reads
        master data before it writes anything).
        """
        md16 = bool(self._md16_names)
        response = self._session.request(
            method, self._url(resource, md16) + tail(md16), expect=(*expect, 404), **options
        )
        if response.status_code == 404 and _html(response):
            raise not_sage(response, self.root)  # a web server's "not found" page: no Sage 300 Web API there
        if self._md16_names is None and resource.alternatives and method == "GET":
            if not _resource_missing(response):
                self._md16_names = False
            else:
                older = self._session.request(
                    method, self._url(resource, True) + tail(True), expect=(*expect, 404), **options
                )
                if not _resource_missing(older):
                    self._md16_names = True
                    log.info("Sage 300 names its resources as in 2016 (%s): cwsage uses those names", older.url.path)
                    response = older
        if response.status_code == 404 and 404 not in expect:
            raise map_error(response)
        return response

    def _parse(self, model: type[M], data: Any, where: str) -> M:
        found: list[UnknownMember] = []
        try:
            parsed = model.model_validate(data, context={UNKNOWN_MEMBERS: found})
        except ValidationError as exc:
            raise BugError(
                f"Sage 300 answered {where} with data cwsage cannot read ({model.__name__})",
                detail=redact(str(exc))[:2000],
                hint=PAYLOAD_HINT,
            ) from exc
        for item in found:
            with self._members_lock:
                new = item not in self.unknown_members
                if new:
                    self.unknown_members.append(item)
            if new:
                log.warning("%s", item.describe())
        return parsed

    def _body(self, response: httpx.Response, where: str) -> Any:
        """The JSON of an answer to ``where``; an answer that is not JSON at all is not from a Sage 300 Web API."""
        try:
            return json_of(response)
        except ValueError:
            raise not_sage(response, self.root) from None

    def _next_url(self, response: httpx.Response, link: str) -> str:
        """The absolute next-page URL, always on our own server (credentials never go elsewhere, I22)."""
        target = response.request.url.join(link)
        ours = httpx.URL(self.base_url)
        if (target.scheme, target.host, target.port) != (ours.scheme, ours.host, ours.port):
            log.warning("Sage 300 paging link points at %s; following it on %s instead", target.host, ours.host)
            target = target.copy_with(scheme=ours.scheme, host=ours.host, port=ours.port)
        return str(target)

    @staticmethod
    def _require(resource: V.Resource, verb: V.Verb) -> None:
        if verb not in resource.verbs:
            raise BugError(f"ER22 does not allow {verb} on {resource}; cwsage must not send it")

    @staticmethod
    def _refuse(resource: V.Resource, undeclared: Iterable[str], what: str) -> None:
        names = sorted(undeclared)
        if names:
            raise BugError(f"cwsage was about to send {what} naming {', '.join(names)}, undeclared for {resource}")

    def _check_names(self, resource: V.Resource, names: Iterable[str], what: str) -> None:
        self._refuse(resource, (n for n in names if n not in resource.entity), what)

    def _query_tail(self, resource: V.Resource, query: Query | None) -> Callable[[bool], str]:
        """The ``?…`` of a request, written in the server's OData dialect and (on an MD16 server) its key names."""
        if query is None:
            return lambda _: ""
        self._check_names(resource, query.property_names(), "a query")

        def tail(md16: bool) -> str:
            names = self._key_names(resource, md16)
            text = (query.renamed(names) if names else query).to_query_string(self._dialect_for(resource, query))
            return f"?{text}" if text else ""

        return tail

    # -- generic operations over vocabulary resources ----------------------------------------------

    def list_records(
        self, resource: V.Resource, model: type[M], query: Query | None = None, *, missing_ok: bool = False
    ) -> list[M]:
        """GET a collection and follow its next links to the end (with loop detection).

        Args:
            resource: The resource.
            model: Model of one row (bound to ``resource``'s entity).
            query: OData options; every name must be declared for the resource.
            missing_ok: Return ``[]`` when Sage answers 404 (a module that is not activated).

        Raises:
            BugError: an undeclared name, or an answer without a ``value`` list.
            PagingLoop: a next link already read, or more than :data:`MAX_PAGES` pages.
        """
        self._require(resource, V.Verb.GET)
        if resource.path in self._absent:
            return []
        tail = self._query_tail(resource, query)
        guard = PageGuard("Sage 300", resource, max_pages=MAX_PAGES)
        rows: list[M] = []
        url: str | None = None  # the first page is addressed by name; later ones by Sage's own next link
        while True:
            guard.page()  # Sage pages are told apart by their links (below); this stops at MAX_PAGES
            page = self._get_page(resource, tail if url is None else url, missing_ok)
            if page is None:
                return rows
            response, body = page
            guard.read(str(response.request.url))
            rows.extend(self._parse(model, row, resource.path) for row in body[V.VALUE_KEY])
            link = next((body[k] for k in V.NEXT_LINK_KEYS if body.get(k)), None)
            if not link:
                return rows
            url = self._next_url(response, str(link))
            guard.link(url)

    def list_each(
        self, resource: V.Resource, model: type[M], queries: Iterable[Query], *, missing_ok: bool = False
    ) -> Iterator[list[M]]:
        """Independent reads of one collection (e.g. one per look-up chunk), a few at a time
        (:func:`~cwsage.concurrency.read_all`): the rows of each query, in order."""
        wanted = list(queries)
        if len(wanted) > 1:
            self._dialect_for(resource, wanted[0])  # learnt once, before reading in threads
        yield from read_all([partial(self.list_records, resource, model, q, missing_ok=missing_ok) for q in wanted])

    def _get_page(
        self, resource: V.Resource, where: str | Callable[[bool], str], missing_ok: bool
    ) -> tuple[httpx.Response, dict[str, Any]] | None:
        """One page: the first by the resource's name and ``where(md16)`` (the query), a later one by its URL."""
        expect = (404,) if missing_ok else ()
        if isinstance(where, str):
            response = self._session.request("GET", where, expect=expect)
        else:
            response = self._send(resource, "GET", where, expect=expect)
        if response.status_code == 404:
            return None
        body = self._body(response, resource.path)
        if not _sage_json(response):
            raise not_sage(response, self.root)  # JSON, but of another service's shape
        if not isinstance(body, dict) or not isinstance(body.get(V.VALUE_KEY), list):
            raise BugError(
                f"Sage 300 answered {resource} without a '{V.VALUE_KEY}' list", detail=redact(response.text[:500])
            )
        return response, body

    def first_page(self, resource: V.Resource) -> tuple[int, bool]:
        """How many rows the server's first page of ``resource`` holds, and whether it links a next page.

        With a next link, the row count is the server's page size (``cwsage doctor``); without, every row fit.
        """
        self._require(resource, V.Verb.GET)
        page = self._get_page(resource, self._query_tail(resource, None), False)
        assert page is not None
        body = page[1]
        return len(body[V.VALUE_KEY]), any(body.get(k) for k in V.NEXT_LINK_KEYS)

    def count(self, resource: V.Resource, query: Query | None = None) -> int:
        """How many records match (``$count=true``, ``$top=0``); reads ``@odata.count`` or ``odata.count``.

        A count may come as a number (v4) or as a string (DR22's v3 sample: ``"odata.count": "625"``).

        Args:
            resource: The resource.
            query: Filter options; this call adds ``$count`` and ``$top`` to it.

        Raises:
            BugError: if the answer carries no count.
        """
        self._require(resource, V.Verb.GET)
        query = query or Query()
        query.count().top(0)
        page = self._get_page(resource, self._query_tail(resource, query), False)
        assert page is not None
        value = next((page[1][k] for k in V.COUNT_KEYS if k in page[1]), None)
        if isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)
        number = as_int(value) if not isinstance(value, bool) else None
        if number is None:
            raise BugError(f"Sage 300 answered a count of {resource} without a count", detail=repr(value))
        return number

    def get(self, resource: V.Resource, key: Key, model: type[M]) -> M | None:
        """One record by key, or None when Sage answers 404 (or discovery found the resource absent)."""
        self._require(resource, V.Verb.GET)
        if resource.path in self._absent:
            return None
        response = self._send(
            resource, "GET", lambda md16: key_part(resource, key, self._key_names(resource, md16)), expect=(404,)
        )
        if response.status_code == 404:
            return None
        return self._parse(model, self._body(response, resource.path), resource.path)

    def create(self, resource: V.Resource, payload: M) -> M:
        """POST one record (a batch with its entries counts as one, DR22); never retried blindly.

        Returns:
            Sage's answer parsed into the payload's model, down to the entries of a batch: their lines are not
            read (:func:`_without_lines`), so ``invoice_details`` and the like of each entry are empty.

        Raises:
            BugError: if the payload is not of ``resource``'s entity or names an undeclared property.
            AmbiguousOutcome: the answer was lost, or Sage accepted the POST with an answer that is not the record
                (no body, not JSON, not the entity): look in Sage before sending again.
        """
        self._require(resource, V.Verb.POST)
        if type(payload).sage_entity is not resource.entity:
            raise BugError(f"a {type(payload).__name__} is not a {resource.entity.name} of {resource}")
        body = payload.to_payload()
        self._refuse(resource, resource.entity.undeclared(body), "a record")
        response = self._send(resource, "POST", json_body=body, safe=False, timeout=self._write_timeout)
        try:
            return self._parse(type(payload), _without_lines(_record_of(response)), resource.path)
        except (ValueError, BugError) as exc:
            # Sage said yes (2xx) but what it created cannot be read: it may well exist. Never guess a number;
            # the poster looks for the documents instead (an unclear outcome, like a lost answer).
            raise AmbiguousOutcome(
                f"Sage 300 accepted the {resource} POST but its answer could not be read",
                detail=redact(f"HTTP {response.status_code}: {exc}; body {response.text[:300]!r}"),
                status_code=response.status_code,
                request_id=request_id_of(response),
            ) from None

    def patch(self, resource: V.Resource, key: Key, body: Mapping[str, Any]) -> None:
        """PATCH a partial record (DR22: partial payloads are fine); repeating a status change is harmless."""
        self._require(resource, V.Verb.PATCH)
        self._refuse(resource, resource.entity.undeclared(body), "a change")
        self._send(
            resource,
            "PATCH",
            lambda md16: key_part(resource, key, self._key_names(resource, md16)),
            json_body=dict(body),
            safe=True,
            timeout=self._write_timeout,
        )

    def template(self, resource: V.Resource) -> dict[str, Any] | None:
        """A process's parameters at their defaults (``('$template')``, DR22), learnt once per connection.

        Returns None when the server offers no template (older installations, I12): 400, 404, 405 or 501.
        """
        self._require(resource, V.Verb.TEMPLATE)
        if resource.path not in self._templates:
            response = self._send(
                resource,
                "POST",
                lambda _: V.TEMPLATE_KEY,
                safe=True,  # a template creates nothing
                timeout=self._write_timeout,
                expect=(400, 404, 405, 501),
            )
            body = self._body(response, resource.path) if response.status_code < 400 else None
            self._templates[resource.path] = dict(body) if isinstance(body, dict) else None
            if self._templates[resource.path] is None:
                log.info("Sage 300 offers no template for %s; using the declared parameter names", resource)
        return self._templates[resource.path]

    def process(self, resource: V.Resource, parameters: Mapping[str, Any]) -> Any:
        """POST a process with its parameters (``('$process')``, DR22); returns Sage's answer, if any."""
        self._require(resource, V.Verb.PROCESS)
        response = self._send(
            resource,
            "POST",
            lambda _: V.PROCESS_KEY,
            json_body=dict(parameters),
            safe=False,
            timeout=self._write_timeout,
        )
        return self._body(response, resource.path)

    def delete(self, resource: V.Resource, key: Key) -> bool:
        """DELETE one record where ER22 allows it; False when Sage did not know it (404)."""
        self._require(resource, V.Verb.DELETE)
        response = self._send(
            resource,
            "DELETE",
            lambda md16: key_part(resource, key, self._key_names(resource, md16)),
            expect=(404,),
            timeout=self._write_timeout,
        )
        return response.status_code != 404

    # -- batches: ready to post (DR22, I14) and posting (I12, I13) ----------------------------------

    def ready_body(self, resource: V.Resource, key: Key) -> dict[str, Any]:
        """``{"BatchNumber": 58, "BatchStatus": "ReadyToPost"}`` (DR22), every key segment first."""
        values = key if isinstance(key, tuple) else (key,)
        if resource.path == V.GL_JOURNAL_BATCHES.path:
            values = tuple(gl_batch_key(v) for v in values)
        body: dict[str, Any] = dict(zip(resource.key, values, strict=True))
        body[resource.entity.name_of(_STATUS_PROP[resource.path])] = V.BatchStatus.READY_TO_POST.value
        return body

    def ensure_ready(self, resource: V.Resource, key: Key, status_seen: str | None) -> bool:
        """PATCH a created batch Ready To Post unless its answer already says so (I14); True if it PATCHed.

        A server older than 2021 ignores ``ReadyToPost`` in the creating POST and answers ``Open``.
        """
        if status_seen == V.BatchStatus.READY_TO_POST:
            return False
        self.patch(resource, key, self.ready_body(resource, key))
        return True

    def post_batches(self, process: PostingProcess, batch: str | int) -> None:
        """Post one batch with ``process``: parameters from the server's template, else the declared names."""
        template = self.template(process.resource)
        body = process.fallback(batch) if template is None else process.from_template(template, batch)
        self.process(process.resource, body)

    # -- company ------------------------------------------------------------------------------------

    def companies(self) -> list[Company]:
        """The company databases the Web API serves (I1: not in ER22; any error means "no list")."""
        return self.list_records(V.COMPANIES, Company)

    def company_profile(self) -> CompanyProfile | None:
        """The company profile (home currency, multicurrency), or None when the server has none (I2)."""
        rows = self.list_records(V.CS_COMPANY_PROFILE, CompanyProfile, missing_ok=True)
        return rows[0] if rows else None

    def has_inventory_control(self) -> bool:
        """Whether the Inventory Control module is activated (IC resources answer 404 otherwise)."""
        if V.IC_LOCATIONS.path in self._absent:
            return False
        response = self._send(V.IC_LOCATIONS, "GET", self._query_tail(V.IC_LOCATIONS, Query().top(1)), expect=(404,))
        return response.status_code != 404

    # -- master data --------------------------------------------------------------------------------

    def _all(self, resource: V.Resource, model: type[M], *, missing_ok: bool = False) -> list[M]:
        query = Query()
        if len(resource.key) == 1:
            query.orderby(resource.key[0])  # stable paging
        return self.list_records(resource, model, query, missing_ok=missing_ok)

    def currencies(self) -> list[Currency]:
        """CS currency codes."""
        return self._all(V.CS_CURRENCY_CODES, Currency)

    def currency_rates(self) -> list[CurrencyRate]:
        """CS currency rate tables, each with its rates (I4)."""
        return self._all(V.CS_CURRENCY_RATES, CurrencyRate)

    def fiscal_calendars(self) -> list[FiscalCalendar]:
        """All fiscal years with their periods and lock status (I5)."""
        return self._all(V.CS_FISCAL_CALENDARS, FiscalCalendar)

    def gl_accounts(self) -> list[GLAccount]:
        """All GL accounts."""
        return self._all(V.GL_ACCOUNTS, GLAccount)

    def tax_groups(self) -> list[TaxGroup]:
        """All tax groups, sales and purchases."""
        return self._all(V.TX_TAX_GROUPS, TaxGroup)

    def tax_authorities(self) -> list[TaxAuthority]:
        """All tax authorities, each with its tax classes (``TaxClasses[]``, I7)."""
        return self._all(V.TX_TAX_AUTHORITIES, TaxAuthority)

    def customers(self) -> list[ARCustomer]:
        """All AR customers."""
        return self._all(V.AR_CUSTOMERS, ARCustomer)

    def ar_terms(self) -> list[ARTerms]:
        """AR terms codes with their payment schedules."""
        return self._all(V.AR_TERMS, ARTerms)

    def vendors(self) -> list[APVendor]:
        """All AP vendors."""
        return self._all(V.AP_VENDORS, APVendor)

    def ap_terms(self) -> list[APTerms]:
        """AP terms codes with their payment schedules."""
        return self._all(V.AP_TERMS, APTerms)

    def items(self) -> list[ICItem]:
        """All IC items; empty when Inventory Control is not activated."""
        return self._all(V.IC_ITEMS, ICItem, missing_ok=True)

    def ic_locations(self) -> list[ICLocation]:
        """All IC locations; empty when Inventory Control is not activated."""
        return self._all(V.IC_LOCATIONS, ICLocation, missing_ok=True)

    def ic_locations_if_activated(self) -> list[ICLocation] | None:
        """All IC locations, or None when Inventory Control is not activated: the read is its own probe.

        A company without IC answers ``ResourceNotFound`` for every ``IC/…`` resource; reading the locations
        straight away saves the separate probe of :meth:`has_inventory_control` when both are needed.
        """
        if V.IC_LOCATIONS.path in self._absent:
            return None
        try:
            return self._all(V.IC_LOCATIONS, ICLocation)
        except SageNotFound as exc:
            if exc.remote_code == V.ErrorCode.RECORD_NOT_FOUND:
                raise
            return None

    def get_customer(self, number: str) -> ARCustomer | None:
        """One customer by number, or None if Sage has no such customer."""
        return self.get(V.AR_CUSTOMERS, number, ARCustomer)

    def get_vendor(self, number: str) -> APVendor | None:
        """One vendor by number, or None."""
        return self.get(V.AP_VENDORS, number, APVendor)

    def get_item(self, number: str) -> ICItem | None:
        """One IC item by unformatted number, or None (also when IC is not activated)."""
        return self.get(V.IC_ITEMS, number, ICItem)

    # -- creates (never retried blindly: an unclear outcome raises AmbiguousOutcome) -----------------

    def create_customer(self, customer: ARCustomer) -> ARCustomer:
        """Create a customer (``RecordDuplicate`` → :class:`DuplicateDocument`)."""
        return self.create(V.AR_CUSTOMERS, customer)

    def create_vendor(self, vendor: APVendor) -> APVendor:
        """Create a vendor."""
        return self.create(V.AP_VENDORS, vendor)

    def create_item(self, item: ICItem) -> ICItem:
        """Create an IC item."""
        return self.create(V.IC_ITEMS, item)

    # -- AR receipts (the demo and the benchmarks record customer payments) ---------------------------

    def create_ar_receipt_batch(self, batch: ARReceiptBatch) -> ARReceiptBatch:
        """Create an AR receipt batch (I19)."""
        return self.create(V.AR_RECEIPT_BATCHES, batch)

    def set_ar_receipt_batch_ready(self, batch_number: int) -> None:
        """Mark an AR receipt batch Ready To Post (composite key, DR22)."""
        key = (V.ReceiptBatchType.CASH.value, batch_number)
        self.patch(V.AR_RECEIPT_BATCHES, key, self.ready_body(V.AR_RECEIPT_BATCHES, key))

    def post_ar_receipt_batch(self, batch_number: int) -> None:
        """Post an AR receipt batch (``AR/ARPostReceiptsAndAdjustments``, I13)."""
        self.post_batches(POST_AR_RECEIPTS, batch_number)

    def get_ar_receipt_batch(self, batch_number: int) -> ARReceiptBatch | None:
        """An AR receipt batch, or None."""
        return self.get(V.AR_RECEIPT_BATCHES, (V.ReceiptBatchType.CASH.value, batch_number), ARReceiptBatch)

    def posted_ar_documents(
        self, *, changed_since: date | None = None, document_numbers: Iterable[str] | None = None
    ) -> list[ARPostedDocument]:
        """Posted AR documents, optionally only those active since a date and/or with given numbers (I17).

        Args:
            changed_since: Only documents whose ``LastActivityDate`` is on or after this date (written in the
                server's OData dialect).
            document_numbers: Only these numbers (queried in chunks); an empty iterable gives ``[]``.
        """
        since = F.ge("LastActivityDate", changed_since) if changed_since is not None else None
        if document_numbers is None:
            query = Query().orderby("DocumentNumber")
            if since is not None:
                query.filter(since)
            return self.list_records(V.AR_POSTED_DOCUMENTS, ARPostedDocument, query)
        parts = list(lookups("DocumentNumber", document_numbers))
        if since is not None and parts:
            self._dialect_for(V.AR_POSTED_DOCUMENTS, Query().filter(since))  # learnt once, before reading in threads

        def lookup(expr: Expr) -> list[ARPostedDocument]:
            query = Query().filter(expr)
            if since is not None:
                query.filter(since)
            return self.list_records(V.AR_POSTED_DOCUMENTS, ARPostedDocument, query)

        result: list[ARPostedDocument] = []
        for (_expr, chunk), answer in zip(
            parts, read_all([partial(lookup, expr) for expr, _chunk in parts]), strict=True
        ):
            result.extend(doc for doc in answer if doc.document_number in chunk)
        return result
