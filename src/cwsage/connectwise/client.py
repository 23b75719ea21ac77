"""The ConnectWise Manage REST client: discovery, auth, paging, error mapping and the calls cwsage makes.

Why: this is the one place that talks to Manage. It builds on :class:`cwsage.http.ApiSession`, which owns the
retry table (429 with ``Retry-After``, 5xx and dropped connections retried for safe calls only, creating calls
raising :class:`cwsage.errors.AmbiguousOutcome`), so the rules for "may this be sent again" live in one place.
This module adds what is Manage's own:

* where the API lives: ``GET {site}/login/companyinfo/{company}`` gives the codebase (``v4_6_release/``);
* how to authenticate: Basic ``{company}+{publicKey}:{privateKey}``, a ``clientId`` header, a pinned
  ``Accept`` version, or member impersonation tokens fetched with integrator credentials;
* how lists are paged (``page``/``pageSize`` or ``pagination-type: forward-only`` with ``Link`` headers);
* how Manage's error body ``{code, message, errors:[…]}`` becomes one of our exceptions;
* the typed calls (every response parsed by :func:`cwsage.connectwise.models.parse_model`; the ``GLExport`` record
  by record by :func:`cwsage.connectwise.export.parse_export`, so one malformed record never stops the others).
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, Literal, Protocol, TypeVar, cast
from urllib.parse import parse_qsl, urlsplit

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from cwsage import money
from cwsage.concurrency import read_all
from cwsage.connectwise.conditions import C, Condition
from cwsage.connectwise.export import loads, parse_export, parse_export_parts, parse_export_text
from cwsage.connectwise.lean import is_lean, read_record
from cwsage.connectwise.models import (
    AccountingBatch,
    AccountingPackageSetup,
    BatchEntry,
    BillingTerm,
    Company,
    CompanyInfo,
    Count,
    CreateBatchRequest,
    Currency,
    ExportRequest,
    GLAccount,
    GLCaption,
    GLExport,
    Invoice,
    InvoicePayment,
    InvoiceRef,
    Location,
    ManageModel,
    Member,
    MemberToken,
    SystemInfo,
    TaxableLevel,
    TaxCode,
    TaxCodeLevel,
    UnpostedExpense,
    UnpostedInvoice,
    UnpostedProcurement,
    Warehouse,
    parse_model,
    source_data_error,
)
from cwsage.dates import Clock, SystemClock, manage_datetime
from cwsage.errors import (
    AuthenticationError,
    ConfigurationError,
    CwsageError,
    RemoteRejection,
    SourceDataError,
    TransientError,
)
from cwsage.gc_policy import acyclic
from cwsage.http import ApiClient, ApiSession, RetryPolicy, request_id_of, transient_status
from cwsage.paging import PageGuard
from cwsage.redaction import redact, register_secret

log = logging.getLogger("cwsage.connectwise")

DEFAULT_ACCEPT_VERSION = "2025.1"
PAGE_SIZE = 1000
"""Manage's maximum page size."""
MAX_PAGES_AHEAD = 7
"""Listing pages read ahead of the one being parsed (a few at a time), at most: bounds the pages held in memory."""
INVOICE_NUMBER_CHUNK = 50
"""Invoice numbers per ``invoiceNumber in (…)`` lookup (keeps the URL short)."""
INVOICE_RANGE_MIN = 2 * INVOICE_NUMBER_CHUNK
"""A run of wanted all-digit numbers at least this long is looked up by range rather than by list."""
TOKEN_REFRESH_MARGIN = timedelta(minutes=5)
"""Impersonation keys are renewed this long before they expire."""
TOKEN_DEFAULT_LIFETIME = timedelta(hours=1)
"""Assumed lifetime of impersonation keys that come without an ``expiration``."""

UnpostedKind = Literal["invoices", "expenses", "procurement"]
ModelT = TypeVar("ModelT", bound=BaseModel)

_AUTH_HINT = (
    "Check the company id, the API member's public and private keys and the clientId with `cwsage login`. "
    "The API member's security role needs Finance > Accounting Interface (Add/Edit/Delete/Inquire: All) and "
    "Finance > Invoicing (Edit/Inquire: All), plus Inquire on Companies, Procurement and Members."
)
_SITE_HINT = (
    "Give the site exactly as you open ConnectWise in a browser, e.g. `connectwise.mycompany.com`, or for "
    "ConnectWise cloud the API host of your region, e.g. `api-na.myconnectwise.net`; and the company id you "
    "type on the login screen."
)


class ManageConnection(Protocol):
    """The settings :class:`ManageClient` needs (``cwsage.config.ManageSettings`` provides them).

    Secrets may be ``SecretStr`` or plain text; unused ones may be ``None``.
    """

    @property
    def url(self) -> str:
        """The site (``connectwise.mycompany.com``) or a full URL (``http://127.0.0.1:8080``)."""
        ...

    @property
    def company(self) -> str:
        """The company id typed on the login screen."""
        ...

    @property
    def auth(self) -> str:
        """``apikey`` or ``impersonation``."""
        ...

    @property
    def public_key(self) -> SecretStr | str | None:
        """The API member's public key (``apikey``)."""
        ...

    @property
    def private_key(self) -> SecretStr | str | None:
        """The API member's private key (``apikey``)."""
        ...

    @property
    def client_id(self) -> SecretStr | str | None:
        """The integration's clientId from developer.connectwise.com."""
        ...

    @property
    def integrator_user(self) -> str | None:
        """The integrator login (``impersonation``)."""
        ...

    @property
    def integrator_password(self) -> SecretStr | str | None:
        """The integrator password (``impersonation``)."""
        ...

    @property
    def member(self) -> str | None:
        """The member to impersonate (``impersonation``)."""
        ...

    @property
    def accept_version(self) -> str:
        """The pinned API model version, e.g. ``2025.1``."""
        ...

    @property
    def verify_tls(self) -> bool | str:
        """Whether TLS certificates are verified (keep it on)."""
        ...

    @property
    def timeout_seconds(self) -> float:
        """Read timeout of one request."""
        ...


def _reveal(value: SecretStr | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return str(value)


def _basic(company: str, user: str, password: str) -> str:
    token = base64.b64encode(f"{company}+{user}:{password}".encode()).decode("ascii")
    register_secret(token)
    return f"Basic {token}"


# ------------------------------------------------------------------------------------------------------------------
# URLs
# ------------------------------------------------------------------------------------------------------------------


def split_site_url(url: str) -> tuple[str, str | None]:
    """Split what the user typed into the site root and, if already given, the API prefix.

    ``connectwise.mycompany.com`` -> (``https://connectwise.mycompany.com``, None);
    ``http://127.0.0.1:8080/`` -> (``http://127.0.0.1:8080``, None);
    ``https://h/v4_6_release/apis/3.0/`` -> (``https://h``, ``v4_6_release/apis/3.0/``).

    Raises:
        ConfigurationError: the text is empty or not a web address.
    """
    text = (url or "").strip()
    if not text:
        raise ConfigurationError("The ConnectWise site is not set", hint=_SITE_HINT)
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError(f"The ConnectWise site {url!r} is not a web address", hint=_SITE_HINT)
    path = parts.path.strip("/")
    root = f"{parts.scheme}://{parts.netloc}"
    marker = "apis/3.0"
    if path == marker or path.endswith("/" + marker):
        return root, path + "/"
    return (f"{root}/{path}" if path else root), None


# ------------------------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------------------------


class ManageFieldError(BaseModel):
    """One entry of ``errors`` in Manage's error body."""

    code: str | None = None
    message: str | None = None
    resource: str | None = None
    field: str | None = None


class ManageRejection(RemoteRejection):
    """Manage understood and refused a request (400, 404, 409 …).

    Attributes:
        code: Manage's top-level error code (``InvalidObject``, ``NotFound`` …).
        field_errors: The per-field errors Manage listed.
    """

    error_code = "manage_rejection"

    def __init__(
        self,
        user_message: str,
        *,
        code: str = "",
        field_errors: list[ManageFieldError] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(user_message, **kwargs)
        self.code = code
        self.field_errors = list(field_errors or [])


class ManageNotFound(ManageRejection):
    """Manage answered 404 (the record or the path does not exist)."""

    error_code = "manage_not_found"


def map_manage_error(response: httpx.Response) -> CwsageError:
    """Turn a failed Manage response into the matching exception (used as ApiSession's error mapper)."""
    status = response.status_code
    code, message, field_errors = _error_body(response)
    where = f"{response.request.method} {response.request.url.path}"
    summary = message or code or response.reason_phrase or f"HTTP {status}"
    details = [f"{e.field or e.resource or '?'}: {e.message or e.code or ''}".strip() for e in field_errors]
    text = redact(summary + (" — " + "; ".join(details) if details else ""))
    detail = redact(f"{status} {where}: {_body_excerpt(response)}")
    common: dict[str, Any] = {"detail": detail, "status_code": status, "request_id": request_id_of(response)}
    if status in (401, 403):
        return AuthenticationError(f"ConnectWise Manage refused access ({status}): {text}", hint=_AUTH_HINT, **common)
    if status == 404:
        return ManageNotFound(
            f"ConnectWise Manage has no such record or path ({where}): {text}",
            code=code or "NotFound",
            field_errors=field_errors,
            hint="If every request gives this, check the site and the company id; Manage cloud may also answer "
            "404 for wrong keys.",
            **common,
        )
    if status in (400, 409, 422):
        return ManageRejection(
            f"ConnectWise Manage refused the request ({status}): {text}",
            code=code or ("Conflict" if status == 409 else "BadRequest"),
            field_errors=field_errors,
            **common,
        )
    if transient_status(status):
        return TransientError(f"ConnectWise Manage is busy or failing ({status}): {text}", **common)
    return CwsageError(f"ConnectWise Manage answered {status}: {text}", **common)


def _error_body(response: httpx.Response) -> tuple[str, str, list[ManageFieldError]]:
    try:
        body = money.loads(response.content) if response.content else None
    except ValueError:
        return "", "", []
    if not isinstance(body, dict):
        return "", "", []
    code = body.get("code") or body.get("error") or ""
    message = body.get("message") or ""
    errors: list[ManageFieldError] = []
    for item in body.get("errors") or []:
        if isinstance(item, dict):
            errors.append(
                ManageFieldError(
                    **{k: str(item[k]) for k in ("code", "message", "resource", "field") if item.get(k) is not None}
                )
            )
    return str(code), str(message), errors


def _body_excerpt(response: httpx.Response) -> str:
    try:
        return response.text[:1000]
    except (UnicodeDecodeError, LookupError):
        return f"<{len(response.content)} bytes>"


# ------------------------------------------------------------------------------------------------------------------
# Authentication
# ------------------------------------------------------------------------------------------------------------------


def _is_unauthenticated(request: httpx.Request) -> bool:
    """Requests that carry their own (or no) credentials: discovery and the token request."""
    return "/login/companyinfo/" in request.url.path or "x-cw-usertype" in request.headers


def _read_row(model: type[ModelT], row: Any, ref: str) -> ModelT:
    """One listing row as ``model``: only the fields cwsage uses when :mod:`cwsage.connectwise.lean` knows the model.

    Raises:
        SourceDataError: a used field cannot be read (naming the record, the field path and the value).
    """
    if isinstance(row, dict) and issubclass(model, ManageModel) and is_lean(model):
        try:
            return cast(ModelT, read_record(model, row))
        except ValidationError as exc:
            raise source_data_error(exc, row, source_ref=ref) from exc
    return parse_model(model, row, source_ref=ref)


class ApiKeyAuth(httpx.Auth):
    """Basic ``{company}+{publicKey}:{privateKey}`` on every API request."""

    def __init__(self, company: str, public_key: str, private_key: str) -> None:
        self._header = _basic(company, public_key, private_key)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the Authorization header (not to discovery)."""
        if not _is_unauthenticated(request):
            request.headers["Authorization"] = self._header
        yield request


class ImpersonationAuth(httpx.Auth):
    """Member impersonation: API keys from ``POST /system/members/{member}/tokens``, renewed before expiry.

    ``fetch`` performs the token request (through the ApiSession, so it has the same retries and logging).
    A 401 on a request renews the keys once and sends the request again.
    """

    def __init__(self, company: str, fetch: Callable[[], MemberToken], clock: Clock) -> None:
        self._company = company
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._header: str | None = None
        self._renew_at: datetime | None = None
        self.fetch_count = 0

    def _current(self, *, force: bool = False) -> str:
        with self._lock:
            now = self._clock.now()
            if force or self._header is None or self._renew_at is None or now >= self._renew_at:
                token = self._fetch()
                self.fetch_count += 1
                public = token.public_key or ""
                private = token.private_key.get_secret_value() if token.private_key else ""
                if not public or not private:
                    raise AuthenticationError(
                        "ConnectWise Manage did not return impersonation keys",
                        detail="token response without publicKey/privateKey",
                        hint=_AUTH_HINT,
                    )
                register_secret(public)
                register_secret(private)
                self._header = _basic(self._company, public, private)
                expires = token.expiration or (now + TOKEN_DEFAULT_LIFETIME)
                self._renew_at = max(now, expires - TOKEN_REFRESH_MARGIN)
            return self._header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the member's keys; renew them once on a 401."""
        if _is_unauthenticated(request):
            yield request
            return
        request.headers["Authorization"] = self._current()
        response = yield request
        if response.status_code == 401:
            log.info("Manage answered 401 with impersonation keys; renewing them once")
            request.headers["Authorization"] = self._current(force=True)
            yield request


# ------------------------------------------------------------------------------------------------------------------
# The client
# ------------------------------------------------------------------------------------------------------------------


class ManageClient(ApiClient):
    """Typed access to the ConnectWise Manage calls cwsage needs.

    Args:
        settings: Connection settings (see :class:`ManageConnection`).
        transport: An httpx transport (tests pass ``httpx.MockTransport``).
        policy: Retry policy (tests inject ``sleep``/``jitter``).
        clock: Time source for impersonation-key renewal.

    Raises:
        ConfigurationError: a required setting is missing or the site is not a web address.
    """

    def __init__(
        self,
        settings: ManageConnection,
        *,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._settings = settings
        self._company = (settings.company or "").strip()
        if not self._company:
            raise ConfigurationError("The ConnectWise company id is not set", hint=_SITE_HINT)
        client_id = _reveal(settings.client_id)
        if not client_id:
            raise ConfigurationError(
                "The ConnectWise clientId is not set",
                hint="Create a clientId at developer.connectwise.com/ClientID and enter it with `cwsage login`.",
            )
        for secret in (client_id, _reveal(settings.private_key), _reveal(settings.integrator_password)):
            register_secret(secret)
        register_secret(_reveal(settings.public_key))
        self._root, self._api_prefix = split_site_url(settings.url)
        self._clock = clock or SystemClock()
        timeout = float(settings.timeout_seconds)
        self._long_timeout = httpx.Timeout(max(timeout * 4, 120.0), connect=10.0)
        auth = self._make_auth(settings)
        accept_version = (getattr(settings, "accept_version", None) or DEFAULT_ACCEPT_VERSION).strip()
        self._session = ApiSession(
            system="ConnectWise Manage",
            base_url=self._root + "/",
            error_mapper=map_manage_error,
            auth=auth,
            headers={
                "clientId": client_id,
                "Accept": f"application/vnd.connectwise.com+json; version={accept_version}",
            },
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            policy=policy,
            transport=transport,
            verify=settings.verify_tls,
        )
        self._company_info: CompanyInfo | None = None
        self._discovery_lock = threading.Lock()

    def _make_auth(self, settings: ManageConnection) -> httpx.Auth:
        mode = (settings.auth or "apikey").strip().lower()
        if mode == "apikey":
            public, private = _reveal(settings.public_key), _reveal(settings.private_key)
            if not public or not private:
                raise ConfigurationError(
                    "The ConnectWise API member's public and private keys are not both set",
                    hint="Create API keys on an API member (System > Members > API Members > API Keys) and enter "
                    "them with `cwsage login`.",
                )
            return ApiKeyAuth(self._company, public, private)
        if mode == "impersonation":
            user, password = (settings.integrator_user or "").strip(), _reveal(settings.integrator_password)
            member = (settings.member or "").strip()
            if not user or not password or not member:
                raise ConfigurationError(
                    "Member impersonation needs the integrator login, its password and the member id",
                    hint="Enter them with `cwsage login`, or use API member keys instead.",
                )
            self._integrator_header = _basic(self._company, user, password)
            self._member = member
            return ImpersonationAuth(self._company, self._fetch_member_token, self._clock)
        raise ConfigurationError(
            f"Unknown ConnectWise authentication mode {settings.auth!r}",
            hint="Use 'apikey' (API member keys) or 'impersonation'.",
        )

    # -- plumbing ----------------------------------------------------------------------------------------------

    def company_info(self) -> CompanyInfo:
        """``GET {site}/login/companyinfo/{company}`` (no auth), cached: where this company's API lives.

        Raises:
            ConfigurationError: the site or company id is wrong (404, not JSON, no ``Codebase``).
        """
        with self._discovery_lock:
            if self._company_info is not None:
                return self._company_info
            path = f"login/companyinfo/{self._company}"
            response = self._session.request("GET", path, expect=(400, 404, 410))
            if response.status_code != 200:
                raise ConfigurationError(
                    f"ConnectWise at {self._root} does not know the company id {self._company!r} "
                    f"({response.status_code}); the site or the company id is wrong",
                    detail=redact(_body_excerpt(response)[:300]),
                    hint=_SITE_HINT,
                    status_code=response.status_code,
                )
            try:
                body = loads(response.content) if response.content else None
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise ConfigurationError(
                    f"{self._root} did not answer like ConnectWise Manage (no company information); "
                    "the site is probably wrong",
                    detail=redact(_body_excerpt(response)[:300]),
                    hint=_SITE_HINT,
                )
            info = parse_model(CompanyInfo, body, source_ref=f"company information of {self._company}")
            if self._api_prefix is None and not (info.codebase or "").strip():
                raise ConfigurationError(
                    f"ConnectWise at {self._root} gave no codebase for company {self._company!r}; "
                    "the site or the company id is wrong",
                    detail=redact(_body_excerpt(response)[:300]),
                    hint=_SITE_HINT,
                )
            self._company_info = info
            return info

    def _prefix(self) -> str:
        if self._api_prefix is None:
            codebase = (self.company_info().codebase or "").strip().strip("/")
            self._api_prefix = f"{codebase}/apis/3.0/"
        return self._api_prefix

    def api_url(self) -> str:
        """The API base URL, e.g. ``https://site/v4_6_release/apis/3.0/`` (discovers the codebase if needed)."""
        return f"{self._root}/{self._prefix()}"

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        safe: bool | None = None,
        timeout: httpx.Timeout | None = None,
        discard_body: bool = False,
        into: bytearray | None = None,
    ) -> httpx.Response:
        return self._session.request(
            method,
            self._prefix() + path.lstrip("/"),
            params=params,
            json_body=json_body,
            headers=headers,
            safe=safe,
            timeout=timeout,
            discard_body=discard_body,
            into=into,
        )

    def _json(self, response: httpx.Response, what: str) -> Any:
        try:
            return loads(response.content) if response.content else None
        except (ValueError, RecursionError) as exc:
            raise SourceDataError(
                f"ConnectWise Manage answered {what} with something that is not JSON",
                detail=redact(_body_excerpt(response)[:300]),
                hint="Check that the site points at ConnectWise Manage; run again with --verbose for the log.",
                status_code=response.status_code,
            ) from exc

    def _get_one(self, path: str, model: type[ModelT], source_ref: str) -> ModelT:
        response = self._request("GET", path)
        return parse_model(model, self._json(response, source_ref), source_ref=source_ref)

    def _fetch_member_token(self) -> MemberToken:
        path = f"system/members/{self._member}/tokens"
        response = self._request(
            "POST",
            path,
            json_body={"memberIdentifier": self._member},
            headers={"Authorization": self._integrator_header, "x-cw-usertype": "member"},
            safe=True,  # a second token does no harm
        )
        return parse_model(MemberToken, self._json(response, "the token request"), source_ref="impersonation token")

    def _paginate(
        self,
        path: str,
        model: type[ModelT],
        *,
        conditions: Condition | str | None = None,
        order_by: str | None = None,
        fields: str | Iterable[str] | None = None,
        forward_only: bool = False,
        page_size: int = PAGE_SIZE,
        describe: Callable[[dict[str, Any]], str] | None = None,
        identity_keys: tuple[str, ...] = (),
    ) -> Iterator[ModelT]:
        """Yield every row of a list endpoint, parsed as ``model``.

        With ``identity_keys``, a row that does not fit ``model`` is not fatal: it is read from those keys alone
        (enough to select the record; its export then names the field that is wrong), or, when even they cannot be
        read, left out with a warning — it stays unposted in Manage.

        Follows ``Link: <…>; rel="next"`` when the server sends it (both navigable and forward-only paging);
        without a Link header it asks for the next page (``page+1``, or ``pageId`` = last id when forward-only)
        until a page holds fewer than ``page_size`` rows.

        Raises:
            PagingLoop: the server sends the same next link twice, or the same page again (a paging loop).
            SourceDataError: a row does not fit ``model``, or the answer is not a list.
        """
        if forward_only and order_by:
            raise ValueError("forward-only pagination does not allow orderBy")
        params: dict[str, Any] = {"pageSize": page_size}
        if conditions is not None and str(conditions):
            params["conditions"] = str(conditions)
        if order_by:
            params["orderBy"] = order_by
        if fields:
            params["fields"] = fields if isinstance(fields, str) else ",".join(fields)
        headers = {"pagination-type": "forward-only"} if forward_only else None
        if not forward_only:
            params["page"] = 1
        guard = PageGuard("ConnectWise Manage", path.strip("/"))
        name = describe or (lambda row: f"{path.strip('/')} row id {row.get('id')}")
        ahead: list[tuple[dict[str, Any], httpx.Response]] = []  # later pages already read, in order
        while True:
            if ahead and ahead[0][0] == params:
                response = ahead.pop(0)[1]
            else:
                ahead = []
                response = self._request("GET", path, params=params, headers=headers)
            rows = self._json(response, path)
            if rows is None:
                rows = []
            if not isinstance(rows, list):
                raise SourceDataError(
                    f"ConnectWise Manage answered {path} with {type(rows).__name__} where a list was expected",
                    detail=redact(_body_excerpt(response)[:300]),
                )
            ids = [row.get("id") if isinstance(row, dict) else None for row in rows]
            guard.page(ids)
            for row in rows:
                ref = name(row) if isinstance(row, dict) else f"{path.strip('/')} row"
                try:
                    yield _read_row(model, row, ref)
                except SourceDataError as exc:
                    if not identity_keys:
                        raise
                    partial = _by_identity(model, row, identity_keys)
                    if partial is None:
                        log.warning("%s is left out: %s (it stays unposted in Manage)", ref, exc.user_message)
                        continue
                    log.warning("%s: %s; it is selected by its id alone", ref, exc.user_message)
                    yield partial
            next_link = response.links.get("next", {}).get("url")
            if next_link:
                query = urlsplit(next_link).query
                guard.link(query)
                params = dict(parse_qsl(query, keep_blank_values=True))
                if not ahead and not forward_only:
                    ahead = self._pages_ahead(path, params, headers, response)
                continue
            if response.links or len(rows) < page_size or not rows:
                return  # Links without a next one: this is the last page
            # A full page without Link header: ask for the next one ourselves.
            if forward_only:
                last_id = ids[-1]
                if last_id is None:
                    raise SourceDataError(f"Rows of {path} carry no id; cannot page forward")
                params = {**params, "pageId": last_id}
            else:
                params = {**params, "page": int(params.get("page", 1)) + 1}

    def _pages_ahead(
        self, path: str, params: dict[str, Any], headers: Mapping[str, str] | None, response: httpx.Response
    ) -> list[tuple[dict[str, Any], httpx.Response]]:
        """The pages from ``params`` (the next page) to the last one the ``Link`` header names, read a few at a time.

        Navigable paging names its last page (``rel="last"``), so the pages in between need not wait for each other
        (:mod:`cwsage.concurrency`). Each is taken only if the next link of the page before it asks for exactly it;
        the last page's own links are followed as usual (rows added meanwhile).
        """
        last = response.links.get("last", {}).get("url")
        try:
            first, final = int(params["page"]), int(dict(parse_qsl(urlsplit(last or "").query))["page"])
        except (KeyError, ValueError):
            return []
        pages = [{**params, "page": str(number)} for number in range(first, min(final, first + MAX_PAGES_AHEAD) + 1)]
        if len(pages) < 2:
            return []
        answers = read_all([partial(self._request, "GET", path, params=page, headers=headers) for page in pages])
        return list(zip(pages, answers, strict=True))

    def _list(self, path: str, model: type[ModelT], **kwargs: Any) -> list[ModelT]:
        return list(self._paginate(path, model, **kwargs))

    # -- system ------------------------------------------------------------------------------------------------

    def system_info(self) -> SystemInfo:
        """``GET /system/info``: version and cloud flag (a connectivity and credentials check)."""
        return self._get_one("system/info", SystemInfo, "system information")

    def probe(self, path: str) -> int:
        """A harmless read of one endpoint (``GET path?pageSize=1``) for ``cwsage doctor``: its HTTP status.

        403 (the API member's security role does not allow it) and 404 (this version has no such endpoint) are
        answers; anything else that fails raises as every request does (a bad login, an unreachable site).
        """
        response = self._session.request("GET", self._prefix() + path, params={"pageSize": 1}, expect=(403, 404))
        return response.status_code

    def accounting_package_setup(self) -> AccountingPackageSetup:
        """The Accounting Interface setup (first row of ``/finance/accountingPackageSetup``).

        Raises:
            ConfigurationError: Manage has no accounting package set up.
        """
        for row in self._paginate("finance/accountingPackageSetup", AccountingPackageSetup, page_size=25):
            return row
        raise ConfigurationError(
            "ConnectWise Manage has no Accounting Package set up",
            hint="In Manage open Setup Tables > Accounting Package and choose the package and its options.",
        )

    # -- unposted records --------------------------------------------------------------------------------------

    @staticmethod
    def _unposted_conditions(date_field: str, location_id: int | None, through: date | None) -> Condition | None:
        parts: list[Condition] = []
        if location_id is not None:
            parts.append(C.eq("locationId", location_id))
        if through is not None:
            day = through.date() if isinstance(through, datetime) else through
            parts.append(Condition(f"{date_field}<=[{day.isoformat()}T23:59:59Z]"))
        return C.all_of(*parts) if parts else None

    def unposted_invoices(
        self, *, location_id: int | None = None, through: date | None = None
    ) -> list[UnpostedInvoice]:
        """Closed invoices not yet batched, optionally for one location and dated on/before ``through``."""
        return self._list(
            "finance/accounting/unpostedinvoices",
            UnpostedInvoice,
            conditions=self._unposted_conditions("invoiceDate", location_id, through),
            order_by="id asc",
            describe=lambda r: f"invoice {r.get('invoiceNumber') or '(id ' + str(r.get('id')) + ')'}",
            identity_keys=("id", "invoiceNumber"),
        )

    def unposted_invoice_refs(self, *, location_id: int | None = None, through: date | None = None) -> list[InvoiceRef]:
        """The id and number of each invoice :meth:`unposted_invoices` lists, all a batch selects invoices by.

        Asked for with ``fields=id,invoiceNumber`` and kept as :class:`InvoiceRef` row by row, so a selection of
        50,000 invoices holds 50,000 small pairs instead of 50,000 listing records (a server that ignores
        ``fields`` sends whole rows, which are read and dropped the same way).
        """
        rows = self._paginate(
            "finance/accounting/unpostedinvoices",
            UnpostedInvoice,
            conditions=self._unposted_conditions("invoiceDate", location_id, through),
            order_by="id asc",
            fields=("id", "invoiceNumber"),
            describe=lambda r: f"invoice {r.get('invoiceNumber') or '(id ' + str(r.get('id')) + ')'}",
            identity_keys=("id", "invoiceNumber"),
        )
        return [InvoiceRef(row.id, row.invoice_number) for row in rows]

    def unposted_expenses(
        self, *, location_id: int | None = None, through: date | None = None
    ) -> list[UnpostedExpense]:
        """Closed expense entries not yet batched, optionally for one location and dated on/before ``through``."""
        return self._list(
            "finance/accounting/unpostedexpenses",
            UnpostedExpense,
            conditions=self._unposted_conditions("dateExpense", location_id, through),
            order_by="id asc",
            describe=lambda r: f"expense {r.get('id')}",
            identity_keys=("id",),
        )

    def unposted_procurement(
        self, *, location_id: int | None = None, through: date | None = None
    ) -> list[UnpostedProcurement]:
        """Closed receipts, adjustments and transfers not yet batched (``purchaseDate`` on/before ``through``)."""
        return self._list(
            "finance/accounting/unpostedprocurement",
            UnpostedProcurement,
            conditions=self._unposted_conditions("purchaseDate", location_id, through),
            order_by="id asc",
            describe=lambda r: f"procurement {r.get('id')} ({r.get('description') or r.get('procurementType')})",
            identity_keys=("id", "unpostedProductId", "procurementType"),
        )

    def unposted_count(self, kind: UnpostedKind) -> int:
        """How many unposted records of ``kind`` Manage holds (``…/unposted{kind}/count``)."""
        path = f"finance/accounting/unposted{_check_kind(kind)}/count"
        count = self._get_one(path, Count, f"count of unposted {kind}").count
        return count or 0

    def taxable_levels(self, kind: UnpostedKind, record_id: int) -> list[TaxableLevel]:
        """Tax per level of one unposted record (``…/unposted{kind}/{id}/taxableLevels``)."""
        return self._list(
            f"finance/accounting/unposted{_check_kind(kind)}/{int(record_id)}/taxableLevels",
            TaxableLevel,
            order_by="id asc",
            describe=lambda r: f"tax level {r.get('taxLevel')} of unposted {kind} {record_id}",
        )

    # -- export and batches ------------------------------------------------------------------------------------

    def export(self, request: ExportRequest) -> GLExport:
        """``POST /finance/accounting/export``: build the GL export payload. A read: retried like a GET."""
        response = self._request(
            "POST", "finance/accounting/export", json_body=request.to_payload(), safe=True, timeout=self._long_timeout
        )
        return self._export(response, "the export", f"export {request.batch_identifier or ''}".strip())

    def _export(self, response: httpx.Response, what: str, source_ref: str) -> GLExport:
        """The export in ``response``, read record by record (see :func:`parse_export_text`)."""
        with acyclic():  # millions of fresh containers, none in a cycle (gc_policy)
            export = parse_export_text(response.content, source_ref=source_ref)
            return export or parse_export(self._json(response, what), source_ref=source_ref)

    def create_batch(self, request: CreateBatchRequest) -> None:
        """``POST /finance/accounting/batches``: mark the GL entries batched. Creating: never blindly retried.

        Manage answers with the export of the batch (as large as the export itself); cwsage needs none of it —
        what was batched is read back with :meth:`batch_entries` — so the answer is read in chunks and dropped,
        never held whole (15 MB per 1,000 invoices).

        Raises:
            AmbiguousOutcome: the answer was lost; look with :meth:`find_batches` before trying again.
        """
        self._request(
            "POST",
            "finance/accounting/batches",
            json_body=request.to_payload(),
            safe=False,
            timeout=self._long_timeout,
            discard_body=True,  # the answer is the batch's whole export: never held in memory
        )

    def find_batches(self, batch_identifier: str) -> list[AccountingBatch]:
        """Batches whose ``batchIdentifier`` is exactly ``batch_identifier``."""
        return self._list(
            "finance/accounting/batches",
            AccountingBatch,
            conditions=C.eq("batchIdentifier", batch_identifier),
            order_by="id asc",
            describe=lambda r: f"batch {r.get('batchIdentifier') or r.get('id')}",
        )

    def get_batch(self, batch_id: int) -> AccountingBatch:
        """One batch by id (raises :class:`ManageNotFound` on 404)."""
        return self._get_one(f"finance/accounting/batches/{int(batch_id)}", AccountingBatch, f"batch id {batch_id}")

    def batch_entries(self, batch_id: int) -> list[BatchEntry]:
        """The GL entries that went into a batch."""
        return self._list(
            f"finance/accounting/batches/{int(batch_id)}/entries",
            BatchEntry,
            order_by="id asc",
            describe=lambda r: f"GL entry {r.get('id')} of batch id {batch_id}",
        )

    def reexport_batch_parts(self, batch_id: int, request: ExportRequest, *, invoices: int) -> Iterator[GLExport]:
        """``POST /finance/accounting/batches/{id}/export``: an existing batch's payload again (a read), in parts of
        ``invoices`` invoices (see :func:`parse_export_parts`).

        Manage answers a re-export with the whole batch at once (its reference has no way to ask for a part), so
        the answer is read into one buffer as it arrives and each part's records are decoded only as the part is
        asked for: memory holds the answer's text and one part, not the whole batch as records.
        """
        body = bytearray()
        response = self._request(
            "POST",
            f"finance/accounting/batches/{int(batch_id)}/export",
            json_body=request.to_payload(),
            safe=True,
            timeout=self._long_timeout,
            into=body,
        )
        ref = f"re-export of batch {batch_id}"
        parts = parse_export_parts(body, source_ref=ref, invoices=invoices)
        if parts is None:  # not the export's shape: read whole, which says what is wrong or reads it leniently
            whole = httpx.Response(response.status_code, content=bytes(body), request=response.request)
            yield parse_export(self._json(whole, "the re-export"), source_ref=ref)
            return
        while True:
            with acyclic():  # fresh records, none in a cycle (gc_policy)
                part = next(parts, None)
            if part is None:
                return
            yield part

    def delete_batch(self, batch_id: int) -> None:
        """``DELETE /finance/accounting/batches/{id}`` (reopens its records). Not retried blindly."""
        self._request("DELETE", f"finance/accounting/batches/{int(batch_id)}", safe=False)

    # -- invoices and payments ---------------------------------------------------------------------------------

    def invoices(self, *, conditions: Condition | str | None = None) -> list[Invoice]:
        """Invoices matching ``conditions`` (build them with :class:`cwsage.connectwise.conditions.C`)."""
        return self._list(
            "finance/invoices",
            Invoice,
            conditions=conditions,
            order_by="id asc",
            describe=lambda r: f"invoice {r.get('invoiceNumber') or '(id ' + str(r.get('id')) + ')'}",
            identity_keys=("id", "invoiceNumber"),
        )

    def find_invoices_by_number(self, numbers: Iterable[str]) -> dict[str, Invoice]:
        """The invoices with these numbers, keyed by number (numbers Manage does not know are absent).

        Raises:
            SourceDataError: two Manage invoices share one number (a payment could land on the wrong one).
        """
        wanted = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))
        found: dict[str, Invoice] = {}
        for conditions, chunk in _number_lookups(wanted):
            for invoice in self.invoices(conditions=conditions):
                number = invoice.invoice_number or ""
                if number in found and found[number].id != invoice.id:
                    raise SourceDataError(
                        f"invoice {number}: ConnectWise Manage has more than one invoice with this number "
                        f"(ids {found[number].id} and {invoice.id})",
                        source_ref=f"invoice {number}",
                        hint="Give the invoices distinct numbers in Manage before syncing payments.",
                    )
                if number in chunk:
                    found[number] = invoice
        return found

    def get_invoice(self, invoice_id: int) -> Invoice:
        """One invoice by id (raises :class:`ManageNotFound` on 404)."""
        return self._get_one(f"finance/invoices/{int(invoice_id)}", Invoice, f"invoice id {invoice_id}")

    @property
    def company(self) -> str:
        """The Manage company id this client logs in to (names the write lock; never a secret)."""
        return self._company

    def invoice_payments(self, invoice_id: int) -> list[InvoicePayment]:
        """The payment rows of one invoice."""
        return self._list(
            f"finance/invoices/{int(invoice_id)}/payments",
            InvoicePayment,
            order_by="id asc",
            describe=lambda r: f"payment {r.get('id')} of invoice id {invoice_id}",
        )

    def create_payment(self, invoice_id: int, *, amount: Decimal, payment_date: date) -> InvoicePayment:
        """``POST /finance/invoices/{id}/payments``. Creating: never blindly retried.

        Raises:
            AmbiguousOutcome: the answer was lost; look with :meth:`invoice_payments` before trying again.
        """
        body = {
            "invoice": {"id": int(invoice_id)},
            "amount": _amount(amount),
            "paymentDate": _payment_date(payment_date),
        }
        response = self._request("POST", f"finance/invoices/{int(invoice_id)}/payments", json_body=body, safe=False)
        return parse_model(
            InvoicePayment, self._json(response, "the payment"), source_ref=f"new payment of invoice id {invoice_id}"
        )

    def update_payment(
        self, invoice_id: int, payment_id: int, *, amount: Decimal, payment_date: date
    ) -> InvoicePayment:
        """``PATCH …/payments/{id}`` replacing amount and date (idempotent: safe to repeat)."""
        body = [
            {"op": "replace", "path": "amount", "value": _amount(amount)},
            {"op": "replace", "path": "paymentDate", "value": _payment_date(payment_date)},
        ]
        response = self._request(
            "PATCH", f"finance/invoices/{int(invoice_id)}/payments/{int(payment_id)}", json_body=body, safe=True
        )
        return parse_model(
            InvoicePayment,
            self._json(response, "the payment update"),
            source_ref=f"payment {payment_id} of invoice id {invoice_id}",
        )

    def delete_payment(self, invoice_id: int, payment_id: int) -> bool:
        """``DELETE …/payments/{id}`` (idempotent): whether it deleted the row (``False``: it was already gone)."""
        try:
            self._request("DELETE", f"finance/invoices/{int(invoice_id)}/payments/{int(payment_id)}", safe=True)
        except ManageNotFound:
            return False
        return True

    # -- master data -------------------------------------------------------------------------------------------

    def companies(self, *, conditions: Condition | str | None = None) -> list[Company]:
        """Companies (customers and vendors) matching ``conditions``."""
        return self._list(
            "company/companies",
            Company,
            conditions=conditions,
            order_by="id asc",
            describe=lambda r: f"company {r.get('identifier') or r.get('id')}",
        )

    def members(self) -> list[Member]:
        """All members (employees; ``vendor_number`` maps expenses to Sage vendors)."""
        return self._list(
            "system/members",
            Member,
            order_by="id asc",
            describe=lambda r: f"member {r.get('identifier') or r.get('id')}",
        )

    def gl_captions(self) -> list[GLCaption]:
        """The GL segment types (``/finance/glCaptions``): which segments are ``Account`` and which ``Class``."""
        return self._list(
            "finance/glCaptions", GLCaption, order_by="id asc", describe=lambda r: f"GL captions id {r.get('id')}"
        )

    def gl_accounts(self) -> list[GLAccount]:
        """The GL account mapping table."""
        return self._list(
            "finance/glAccounts", GLAccount, order_by="id asc", describe=lambda r: f"GL account id {r.get('id')}"
        )

    def tax_codes(self) -> list[TaxCode]:
        """All tax codes."""
        return self._list(
            "finance/taxCodes",
            TaxCode,
            order_by="id asc",
            describe=lambda r: f"tax code {r.get('identifier') or r.get('id')}",
        )

    def tax_code_levels(self, tax_code_id: int) -> list[TaxCodeLevel]:
        """The levels of one tax code."""
        return self._list(
            f"finance/taxCodes/{int(tax_code_id)}/taxCodeLevels",
            TaxCodeLevel,
            order_by="id asc",
            describe=lambda r: f"level {r.get('taxLevel')} of tax code id {tax_code_id}",
        )

    def locations(self) -> list[Location]:
        """All locations (``/system/locations``)."""
        return self._list(
            "system/locations",
            Location,
            order_by="id asc",
            describe=lambda r: f"location {r.get('name') or r.get('id')}",
        )

    def currencies(self) -> list[Currency]:
        """All currencies (``/finance/currencies``)."""
        return self._list(
            "finance/currencies",
            Currency,
            order_by="id asc",
            describe=lambda r: f"currency {r.get('currencyIdentifier') or r.get('id')}",
        )

    def warehouses(self) -> list[Warehouse]:
        """All warehouses (``/procurement/warehouses``)."""
        return self._list(
            "procurement/warehouses",
            Warehouse,
            order_by="id asc",
            describe=lambda r: f"warehouse {r.get('name') or r.get('id')}",
        )

    def billing_terms(self) -> list[BillingTerm]:
        """All billing terms (``/finance/billingTerms``)."""
        return self._list(
            "finance/billingTerms",
            BillingTerm,
            order_by="id asc",
            describe=lambda r: f"billing terms {r.get('name') or r.get('id')}",
        )


def _number_lookups(wanted: list[str]) -> Iterator[tuple[Condition, frozenset[str]]]:
    """``conditions`` that find the invoices numbered ``wanted``, each with the numbers it covers.

    Dense runs of all-digit numbers of one length (at least :data:`INVOICE_RANGE_MIN` numbers, no more than
    :data:`PAGE_SIZE`, spanning at most twice as many numbers as they hold) are looked up by range —
    ``invoiceNumber>="first" and invoiceNumber<="last"`` (Manage's comparison operators, reference §2.2) — since
    every collation orders such strings as numbers, the range holds every wanted one; the answer, paged by
    1,000, may hold others, which the caller drops. Any other number is looked up ``in (…)``,
    :data:`INVOICE_NUMBER_CHUNK` at a time (the URL stays short).
    """
    by_length: dict[int, list[str]] = {}
    listed: list[str] = []
    for number in wanted:
        (by_length.setdefault(len(number), []) if number.isascii() and number.isdigit() else listed).append(number)
    for run in by_length.values():
        run.sort()
        chunk: list[str] = []
        for number in [*run, ""]:
            dense = bool(chunk and number) and int(number) - int(chunk[0]) < 2 * (len(chunk) + 1)
            if dense and len(chunk) < PAGE_SIZE:
                chunk.append(number)
                continue
            if len(chunk) >= INVOICE_RANGE_MIN:
                yield C.ge("invoiceNumber", chunk[0]) & C.le("invoiceNumber", chunk[-1]), frozenset(chunk)
            else:
                listed.extend(chunk)
            chunk = [number] if number else []
    for start in range(0, len(listed), INVOICE_NUMBER_CHUNK):
        part = listed[start : start + INVOICE_NUMBER_CHUNK]
        yield C.in_("invoiceNumber", part), frozenset(part)


def _by_identity(model: type[ModelT], row: Any, keys: tuple[str, ...]) -> ModelT | None:
    """``row`` read from ``keys`` alone (a record whose other fields are malformed), or ``None``."""
    if not isinstance(row, dict):
        return None
    try:
        partial = model.model_validate({key: row[key] for key in keys if key in row})
    except ValidationError:
        return None
    return partial if getattr(partial, "id", None) is not None else None


def _check_kind(kind: str) -> str:
    if kind not in ("invoices", "expenses", "procurement"):
        raise ValueError(f"unknown unposted kind {kind!r}")
    return kind


def _amount(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"payment amounts must be Decimal, not {type(value).__name__}")
    amount = money.D(value, allow_non_finite=True)
    if not amount.is_finite():
        raise ValueError(f"payment amount {value!r} is not finite")
    return amount


def _payment_date(value: date) -> str:
    day = value.date() if isinstance(value, datetime) else value
    return manage_datetime(day)
