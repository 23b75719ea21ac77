"""The Sage 300 Web API client: every call cwsage makes to Sage goes through :class:`Sage300Client`.

Why it exists: it is the one place that knows Sage's URL anatomy, its error envelope and what each
error means for us (a Day End lock is "try later", a ``RecordDuplicate`` is a duplicate, a 400 is our
bug), how Sage pages (``@odata.nextLink``), and how to prove that a document did or did not land after
an ambiguous creating call (the ``*_document_locations`` lookups). Retries, timeouts, ``Retry-After`` and
the "never resend a creating call blindly" rule come from :class:`cwsage.http.ApiSession`; this module
adds no retry loop of its own. Names Sage uses live in :mod:`cwsage.sage300.resources`.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import SecretStr, ValidationError

from cwsage.errors import (
    AuthenticationError,
    BugError,
    ConfigurationError,
    CwsageError,
    DuplicateDocument,
    RemoteRejection,
    TransientError,
)
from cwsage.http import ApiClient, ApiSession, RetryPolicy, json_of
from cwsage.redaction import redact, register_secret
from cwsage.sage300 import resources as R
from cwsage.sage300.models import (
    APInvoice,
    APInvoiceBatch,
    APPostedDocument,
    APVendor,
    ARCustomer,
    ARInvoiceBatch,
    ARPostedDocument,
    ARReceiptBatch,
    Company,
    CompanyProfile,
    Currency,
    CurrencyRate,
    CustomerGroup,
    DistributionCode,
    DocumentLocation,
    DocumentPlace,
    FiscalCalendar,
    GLAccount,
    GLJournalBatch,
    ICAdjustment,
    ICItem,
    ICLocation,
    ICTransfer,
    SageModel,
    TaxAuthority,
    TaxClass,
    TaxGroup,
    Terms,
    VendorGroup,
)
from cwsage.sage300.odata import F, Query

log = logging.getLogger("cwsage.sage300")

SYSTEM = "Sage 300"
WRITE_TIMEOUT_SECONDS = 120.0
"""Posting is slow (reference 1.9): creating and process calls wait at least this long for an answer."""
CONNECT_TIMEOUT_SECONDS = 10.0

M = TypeVar("M", bound=SageModel)

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
DAY_END_HINT = (
    "Sage 300 Day End Processing is running and has locked the records. Nothing was changed; run the same "
    "command again when Day End has finished."
)


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
    """Sage answered 404: the record, resource or module does not exist."""


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
    marker = path.lower().find("/" + R.API_ROOT.lower())
    if marker >= 0:
        path = path[:marker]
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, "", "")).rstrip("/")


def _with_query(path: str, query: Query | None) -> str:
    if query is None:
        return path
    text = query.to_query_string()
    return f"{path}?{text}" if text else path


def _unique(values: Iterable[Any]) -> list[Any]:
    seen: set[Any] = set()
    result: list[Any] = []
    for value in values:
        if value not in seen:
            seen.add(value)
            result.append(value)
    return result


def _chunks(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _as_int(value: object) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def gl_batch_key(batch_number: str | int) -> str:
    """GL batch numbers are 6-digit strings (D11): ``12`` -> ``'000012'``."""
    text = str(batch_number).strip()
    return text.zfill(6) if text.isdigit() else text


_PLACE_RANK = {DocumentPlace.POSTED: 3, DocumentPlace.READY_BATCH: 2, DocumentPlace.OPEN_BATCH: 1}


def _place_for_status(status: str | None) -> DocumentPlace | None:
    """Where a document in a batch of this status is; ``None`` for a deleted batch (it is not there)."""
    if status == R.BatchStatus.DELETED:
        return None
    if status == R.BatchStatus.POSTED:
        return DocumentPlace.POSTED
    if status in (R.BatchStatus.READY_TO_POST, R.BatchStatus.POST_IN_PROGRESS):
        return DocumentPlace.READY_BATCH
    return DocumentPlace.OPEN_BATCH


def _keep_best(found: dict[Any, DocumentLocation], key: Any, candidate: DocumentLocation) -> None:
    current = found.get(key)
    if current is None or _PLACE_RANK.get(candidate.where, 0) > _PLACE_RANK.get(current.where, 0):
        found[key] = candidate


# ------------------------------------------------------------------------------------------------
# Errors
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


def map_error(response: httpx.Response) -> CwsageError:
    """Turn a failed Sage answer into the right cwsage exception; Sage's text is in ``user_message``.

    409 ``RecordDuplicate`` mentioning Day End Processing -> :class:`TransientError` (D18, [C S5]);
    409 ``RecordDuplicate``, or ``FieldInvalid`` "Document number … already exists" (D17) ->
    :class:`DuplicateDocument`; other 409 -> :class:`RemoteRejection`; 400 -> :class:`BugError` (our query
    was wrong); 401/403 -> :class:`AuthenticationError`; 404 -> :class:`SageNotFound`; 408/429/5xx ->
    :class:`TransientError`.
    """
    status = response.status_code
    code, text = parse_error_envelope(response)
    text = redact(text)
    try:
        where = f"{response.request.method} {response.request.url.path}"
    except RuntimeError:
        where = "request"
    detail = redact(f"HTTP {status} {code or '-'} on {where}: {text}")
    lowered = text.lower()
    if status == 409:
        if code == R.ERR_DUPLICATE and R.DAY_END_MARKER.lower() in lowered:
            return TransientError(text, detail=detail, hint=DAY_END_HINT, status_code=status)
        if code == R.ERR_DUPLICATE or (
            code == R.ERR_FIELD_INVALID and "document number" in lowered and R.AP_DUPLICATE_MARKER in lowered
        ):
            return DuplicateDocument(text, detail=detail, status_code=status)
        return RemoteRejection(text, detail=detail, status_code=status)
    if status == 400:
        return BugError(f"Sage 300 did not accept cwsage's request: {text}", detail=detail, status_code=status)
    if status == 401:
        return AuthenticationError(
            f"Sage 300 refused the user ID or password: {text}", detail=detail, hint=AUTH_HINT, status_code=status
        )
    if status == 403:
        return AuthenticationError(
            f"The Sage 300 user may not use this part of the Web API: {text}",
            detail=detail,
            hint=FORBIDDEN_HINT,
            status_code=status,
        )
    if status == 404:
        return SageNotFound(text, detail=detail, status_code=status)
    if status in (408, 429) or status >= 500:
        return TransientError(f"Sage 300 is busy or failing ({status}): {text}", detail=detail, status_code=status)
    return RemoteRejection(text, detail=detail, status_code=status)


# ------------------------------------------------------------------------------------------------
# The client
# ------------------------------------------------------------------------------------------------


class Sage300Client(ApiClient):
    """A session with one Sage 300 company through the Web API.

    Args:
        settings: Connection settings (:class:`SageConnection`).
        transport: An httpx transport (tests pass ``httpx.MockTransport``).
        policy: Retry policy (tests inject ``sleep`` and ``jitter``).

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
        user = (settings.user or "").strip().upper()  # Sage user IDs are upper case [R S2]
        password = settings.password.get_secret_value() if settings.password is not None else ""
        register_secret(password)
        register_secret(base64.b64encode(f"{user}:{password}".encode()).decode())
        self.tenant_url = f"{self.root}/{R.API_ROOT}/{R.API_VERSION}/{R.TENANT}"
        self.base_url = f"{self.tenant_url}/{self.company}/"
        seconds = float(settings.timeout_seconds or 30.0)
        connect = min(CONNECT_TIMEOUT_SECONDS, seconds)
        self._read_timeout = httpx.Timeout(seconds, connect=connect)
        self._write_timeout = httpx.Timeout(max(WRITE_TIMEOUT_SECONDS, seconds), connect=connect)
        self._session = ApiSession(
            system=SYSTEM,
            base_url=self.base_url,
            error_mapper=map_error,
            auth=httpx.BasicAuth(user, password),
            headers={"Accept": "application/json"},
            timeout=self._read_timeout,
            policy=policy,
            transport=transport,
            verify=settings.verify_tls,
        )

    # -- plumbing ----------------------------------------------------------------------------------

    def _parse(self, model: type[M], data: Any, where: str) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise BugError(
                f"Sage 300 answered {where} with data cwsage cannot read ({model.__name__})",
                detail=redact(str(exc))[:2000],
                hint="The installation may use other field names; compare its $metadata with "
                "cwsage/sage300/resources.py and send the full log to support.",
            ) from exc

    def _body(self, response: httpx.Response, where: str) -> Any:
        try:
            return json_of(response)
        except ValueError as exc:
            raise BugError(
                f"Sage 300 answered {where} with something that is not JSON",
                detail=redact(response.text[:500]),
            ) from exc

    def _next_url(self, response: httpx.Response, link: str) -> str:
        """The absolute next-page URL, always on our own server (credentials never go elsewhere)."""
        target = response.request.url.join(link)
        ours = httpx.URL(self.base_url)
        if (target.scheme, target.host, target.port) != (ours.scheme, ours.host, ours.port):
            log.warning("Sage 300 paging link points at %s; following it on %s instead", target.host, ours.host)
            target = target.copy_with(scheme=ours.scheme, host=ours.host, port=ours.port)
        return str(target)

    def _list(
        self, path: R.Resource | str, model: type[M], query: Query | None = None, *, missing_ok: bool = False
    ) -> list[M]:
        """GET a collection and follow ``@odata.nextLink`` to the end (with loop detection).

        Args:
            path: Resource (relative to the company) or absolute URL.
            model: Model of one row.
            query: OData options.
            missing_ok: Return ``[]`` when Sage answers 404 (a module that is not activated, D2).
        """
        url = _with_query(str(path), query)
        seen: set[str] = set()
        rows: list[M] = []
        for _ in range(R.MAX_PAGES):
            response = self._session.request("GET", url, expect=(404,) if missing_ok else ())
            if response.status_code == 404:
                return rows
            seen.add(str(response.request.url))
            body = self._body(response, str(path))
            if not isinstance(body, dict) or not isinstance(body.get("value"), list):
                raise BugError(f"Sage 300 answered {path} without a 'value' list", detail=redact(response.text[:500]))
            rows.extend(self._parse(model, row, str(path)) for row in body["value"])
            link = body.get("@odata.nextLink")
            if not link:
                return rows
            url = self._next_url(response, str(link))
            if url in seen:
                raise BugError(
                    f"Sage 300 paging of {path} went round in a loop",
                    detail=redact(f"nextLink {url} was already read"),
                )
        raise BugError(f"Sage 300 paging of {path} did not end after {R.MAX_PAGES} pages")

    def _get_one(self, path: str, model: type[M], query: Query | None = None) -> M | None:
        response = self._session.request("GET", _with_query(path, query), expect=(404,))
        if response.status_code == 404:
            return None
        return self._parse(model, self._body(response, path), path)

    def _create(self, resource: R.Resource, payload: M) -> M:
        response = self._session.request(
            "POST", str(resource), json_body=payload.to_payload(), safe=False, timeout=self._write_timeout
        )
        body = self._body(response, str(resource))
        if not isinstance(body, dict):
            return payload
        return self._parse(type(payload), body, str(resource))

    def _patch(self, path: str, body: dict[str, Any]) -> None:
        # Setting a status is idempotent: repeating it after a timeout cannot create anything.
        self._session.request("PATCH", path, json_body=body, safe=True, timeout=self._write_timeout)

    def _process(self, endpoint: str, body: dict[str, Any]) -> None:
        self._session.request("POST", R.process_path(endpoint), json_body=body, safe=False, timeout=self._write_timeout)

    def _delete(self, path: str) -> bool:
        response = self._session.request("DELETE", path, expect=(404,), timeout=self._write_timeout)
        return response.status_code != 404

    # -- company -----------------------------------------------------------------------------------

    def companies(self) -> list[Company]:
        """The company databases the Web API serves (D1)."""
        return self._list(f"{self.tenant_url}/{R.COMPANIES}", Company)

    def company_profile(self) -> CompanyProfile:
        """The company profile (home currency, multicurrency; D3).

        Raises:
            RemoteRejection: if Sage returns no profile row.
        """
        rows = self._list(R.CS_COMPANY_PROFILE, CompanyProfile)
        if not rows:
            raise RemoteRejection(f"Sage 300 company {self.company} has no company profile")
        return rows[0]

    def has_inventory_control(self) -> bool:
        """Whether the Inventory Control module is activated (IC resources answer 404 otherwise, D2)."""
        response = self._session.request("GET", _with_query(str(R.IC_LOCATIONS), Query().top(1)), expect=(404,))
        return response.status_code != 404

    # -- master data -------------------------------------------------------------------------------

    def _all(self, resource: R.Resource, model: type[M], *, missing_ok: bool = False) -> list[M]:
        query = Query()
        if len(resource.key) == 1:
            query.orderby(resource.key[0])  # stable paging (reference 1.6)
        return self._list(resource, model, query, missing_ok=missing_ok)

    def currencies(self) -> list[Currency]:
        """CS currency codes (D4)."""
        return self._all(R.CS_CURRENCY_CODES, Currency)

    def currency_rates(self) -> list[CurrencyRate]:
        """CS currency rates (D5)."""
        return self._all(R.CS_CURRENCY_RATES, CurrencyRate)

    def fiscal_calendars(self) -> list[FiscalCalendar]:
        """All fiscal years with their periods and lock status (D6)."""
        return self._all(R.CS_FISCAL_CALENDARS, FiscalCalendar)

    def gl_accounts(self) -> list[GLAccount]:
        """All GL accounts (D7)."""
        return self._all(R.GL_ACCOUNTS, GLAccount)

    def tax_groups(self) -> list[TaxGroup]:
        """All tax groups, sales and purchases (D8)."""
        return self._all(R.TX_TAX_GROUPS, TaxGroup)

    def tax_authorities(self) -> list[TaxAuthority]:
        """All tax authorities (D8)."""
        return self._all(R.TX_TAX_AUTHORITIES, TaxAuthority)

    def tax_classes(self) -> list[TaxClass]:
        """All tax classes (D8)."""
        return self._all(R.TX_TAX_CLASSES, TaxClass)

    def customers(self) -> list[ARCustomer]:
        """All AR customers."""
        return self._all(R.AR_CUSTOMERS, ARCustomer)

    def customer_groups(self) -> list[CustomerGroup]:
        """All AR customer groups (D9)."""
        return self._all(R.AR_CUSTOMER_GROUPS, CustomerGroup)

    def ar_terms(self) -> list[Terms]:
        """AR terms codes (D9)."""
        return self._all(R.AR_TERMS, Terms)

    def distribution_codes(self) -> list[DistributionCode]:
        """AR distribution codes (D9)."""
        return self._all(R.AR_DISTRIBUTION_CODES, DistributionCode)

    def vendors(self) -> list[APVendor]:
        """All AP vendors."""
        return self._all(R.AP_VENDORS, APVendor)

    def vendor_groups(self) -> list[VendorGroup]:
        """All AP vendor groups (D10)."""
        return self._all(R.AP_VENDOR_GROUPS, VendorGroup)

    def ap_terms(self) -> list[Terms]:
        """AP terms codes (D10)."""
        return self._all(R.AP_TERMS, Terms)

    def items(self) -> list[ICItem]:
        """All IC items; empty when Inventory Control is not activated (D2, D14)."""
        return self._all(R.IC_ITEMS, ICItem, missing_ok=True)

    def ic_locations(self) -> list[ICLocation]:
        """All IC locations; empty when Inventory Control is not activated (D2, D14)."""
        return self._all(R.IC_LOCATIONS, ICLocation, missing_ok=True)

    def get_customer(self, number: str) -> ARCustomer | None:
        """One customer by number, or None if Sage has no such customer."""
        return self._get_one(R.string_key(R.AR_CUSTOMERS, number), ARCustomer)

    def get_vendor(self, number: str) -> APVendor | None:
        """One vendor by number, or None."""
        return self._get_one(R.string_key(R.AP_VENDORS, number), APVendor)

    def get_item(self, number: str) -> ICItem | None:
        """One IC item by unformatted number, or None (also when IC is not activated)."""
        return self._get_one(R.string_key(R.IC_ITEMS, number), ICItem)

    # -- creates (never retried blindly: an ambiguous outcome raises AmbiguousOutcome) -------------

    def create_customer(self, customer: ARCustomer) -> ARCustomer:
        """Create a customer (409 RecordDuplicate -> DuplicateDocument)."""
        return self._create(R.AR_CUSTOMERS, customer)

    def create_vendor(self, vendor: APVendor) -> APVendor:
        """Create a vendor."""
        return self._create(R.AP_VENDORS, vendor)

    def create_item(self, item: ICItem) -> ICItem:
        """Create an IC item."""
        return self._create(R.IC_ITEMS, item)

    def create_ar_invoice_batch(self, batch: ARInvoiceBatch) -> ARInvoiceBatch:
        """Create an AR invoice batch with all its entries in one POST; returns Sage's numbers."""
        return self._create(R.AR_INVOICE_BATCHES, batch)

    def create_ap_invoice_batch(self, batch: APInvoiceBatch) -> APInvoiceBatch:
        """Create an AP invoice batch with all its entries in one POST."""
        return self._create(R.AP_INVOICE_BATCHES, batch)

    def create_gl_journal_batch(self, batch: GLJournalBatch) -> GLJournalBatch:
        """Create a GL journal batch with its entries in one POST."""
        return self._create(R.GL_JOURNAL_BATCHES, batch)

    def create_ic_adjustment(self, adjustment: ICAdjustment) -> ICAdjustment:
        """Create an IC adjustment (posted later by Sage's Day End, D12)."""
        return self._create(R.IC_ADJUSTMENTS, adjustment)

    def create_ic_transfer(self, transfer: ICTransfer) -> ICTransfer:
        """Create an IC transfer (D13)."""
        return self._create(R.IC_TRANSFERS, transfer)

    def create_ar_receipt_batch(self, batch: ARReceiptBatch) -> ARReceiptBatch:
        """Create an AR receipt/adjustment batch (D16)."""
        return self._create(R.AR_RECEIPT_BATCHES, batch)

    # -- batch workflow ----------------------------------------------------------------------------

    def set_ar_batch_ready(self, batch_number: int) -> None:
        """Mark an AR invoice batch Ready To Post [C S3]."""
        self._patch(R.numeric_key(R.AR_INVOICE_BATCHES, batch_number), dict(R.AR_BATCH_READY_BODY))

    def post_ar_batch(self, batch_number: int) -> None:
        """Post an AR invoice batch; read it back with :meth:`get_ar_batch` to confirm ``Posted``."""
        self._process(R.AR_POST_INVOICES, R.ar_post_invoices_body(batch_number))

    def set_ap_batch_ready(self, batch_number: int) -> None:
        """Mark an AP invoice batch Ready To Post [C S3]."""
        self._patch(R.numeric_key(R.AP_INVOICE_BATCHES, batch_number), dict(R.AP_BATCH_READY_BODY))

    def post_ap_batch(self, batch_number: int) -> None:
        """Post an AP invoice batch; read it back with :meth:`get_ap_batch`."""
        self._process(R.AP_POST_INVOICES, R.ap_post_invoices_body(batch_number))

    def set_gl_batch_ready(self, batch_number: str) -> None:
        """Mark a GL journal batch Ready To Post (D11)."""
        self._patch(R.string_key(R.GL_JOURNAL_BATCHES, gl_batch_key(batch_number)), dict(R.GL_BATCH_READY_BODY))

    def post_gl_batch(self, batch_number: str) -> None:
        """Post a GL journal batch (D11); read it back with :meth:`get_gl_batch`."""
        self._process(R.GL_POST_JOURNALS, R.gl_post_journals_body(gl_batch_key(batch_number)))

    def set_ar_receipt_batch_ready(self, batch_number: int) -> None:
        """Mark an AR receipt batch Ready To Post [C S3 pattern]."""
        self._patch(R.receipt_batch_key(batch_number), dict(R.AR_BATCH_READY_BODY))

    def post_ar_receipt_batch(self, batch_number: int) -> None:
        """Post an AR receipt batch (D16)."""
        self._process(R.AR_POST_RECEIPTS, R.ar_post_receipts_body(batch_number))

    def get_ar_batch(self, batch_number: int) -> ARInvoiceBatch | None:
        """An AR invoice batch with its entries, or None."""
        return self._get_one(R.numeric_key(R.AR_INVOICE_BATCHES, batch_number), ARInvoiceBatch)

    def get_ap_batch(self, batch_number: int) -> APInvoiceBatch | None:
        """An AP invoice batch with its entries, or None."""
        return self._get_one(R.numeric_key(R.AP_INVOICE_BATCHES, batch_number), APInvoiceBatch)

    def get_gl_batch(self, batch_number: str) -> GLJournalBatch | None:
        """A GL journal batch with its entries, or None."""
        return self._get_one(R.string_key(R.GL_JOURNAL_BATCHES, gl_batch_key(batch_number)), GLJournalBatch)

    def get_ar_receipt_batch(self, batch_number: int) -> ARReceiptBatch | None:
        """An AR receipt batch, or None."""
        return self._get_one(R.receipt_batch_key(batch_number), ARReceiptBatch)

    def delete_ar_batch(self, batch_number: int) -> bool:
        """Delete an open AR batch (D26); False if Sage did not know it."""
        return self._delete(R.numeric_key(R.AR_INVOICE_BATCHES, batch_number))

    def delete_ap_batch(self, batch_number: int) -> bool:
        """Delete an open AP batch (D26); False if Sage did not know it."""
        return self._delete(R.numeric_key(R.AP_INVOICE_BATCHES, batch_number))

    def delete_gl_batch(self, batch_number: str) -> bool:
        """Delete an open GL batch (D26); False if Sage did not know it."""
        return self._delete(R.string_key(R.GL_JOURNAL_BATCHES, gl_batch_key(batch_number)))

    def find_ar_batches(self, description: str) -> list[ARInvoiceBatch]:
        """AR invoice batches whose description is exactly ``description`` (D19)."""
        query = Query().filter(F.eq("Description", description)).orderby("BatchNumber")
        return self._list(R.AR_INVOICE_BATCHES, ARInvoiceBatch, query)

    def find_ap_batches(self, description: str) -> list[APInvoiceBatch]:
        """AP invoice batches whose description is exactly ``description`` (D19)."""
        query = Query().filter(F.eq("Description", description)).orderby("BatchNumber")
        return self._list(R.AP_INVOICE_BATCHES, APInvoiceBatch, query)

    def find_gl_batches(self, description: str) -> list[GLJournalBatch]:
        """GL journal batches whose description is exactly ``description`` (D19)."""
        query = Query().filter(F.eq("Description", description)).orderby("BatchNumber")
        return self._list(R.GL_JOURNAL_BATCHES, GLJournalBatch, query)

    # -- existence lookups -------------------------------------------------------------------------

    def ar_document_locations(self, numbers: Iterable[str]) -> dict[str, DocumentLocation]:
        """Where each AR document number already is: posted, or in an Open/ReadyToPost batch.

        Numbers Sage does not have are absent from the result. Posted documents are looked up in chunks of
        :data:`~cwsage.sage300.resources.FILTER_CHUNK`; open batches are scanned client-side (reference §4).
        """
        wanted = _unique(numbers)
        found: dict[str, DocumentLocation] = {}
        if not wanted:
            return found
        for chunk in _chunks(wanted, R.FILTER_CHUNK):
            query = Query().filter(F.one_of("DocumentNumber", chunk)).select(*R.POSTED_AR_SELECT)
            for doc in self._list(R.AR_POSTED_DOCUMENTS, ARPostedDocument, query):
                if doc.document_number in chunk:  # Sage may answer more than asked; keep only ours
                    _keep_best(
                        found,
                        doc.document_number,
                        DocumentLocation(
                            "AR",
                            doc.document_number,
                            DocumentPlace.POSTED,
                            str(doc.batch_number) if doc.batch_number is not None else None,
                            doc.entry_number,
                            doc.customer_number,
                        ),
                    )
        if len(found) == len(wanted):
            return found
        wanted_set = set(wanted)
        for batch in self._unposted_batches(R.AR_INVOICE_BATCHES, ARInvoiceBatch, R.AR_BATCH_SCAN_SELECT):
            place = _place_for_status(batch.batch_status)
            if place is None:
                continue
            for invoice in batch.invoices:
                if invoice.document_number is not None and invoice.document_number in wanted_set:
                    _keep_best(
                        found,
                        invoice.document_number,
                        DocumentLocation(
                            "AR",
                            invoice.document_number,
                            place,
                            str(batch.batch_number) if batch.batch_number is not None else None,
                            invoice.entry_number,
                            invoice.customer_number,
                        ),
                    )
        return found

    def ap_document_locations(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], DocumentLocation]:
        """Where each (vendor number, document number) already is; AP numbers are unique per vendor."""
        wanted: list[tuple[str, str]] = _unique((str(v), str(n)) for v, n in pairs)
        found: dict[tuple[str, str], DocumentLocation] = {}
        if not wanted:
            return found
        for chunk in _chunks(wanted, R.FILTER_CHUNK):
            expr = F.any_of(F.eq("VendorNumber", v) & F.eq("DocumentNumber", n) for v, n in chunk)
            query = Query().filter(expr).select(*R.POSTED_AP_SELECT)
            for doc in self._list(R.AP_POSTED_DOCUMENTS, APPostedDocument, query):
                key = (doc.vendor_number, doc.document_number)
                if key in chunk:
                    _keep_best(
                        found,
                        key,
                        DocumentLocation(
                            "AP",
                            doc.document_number,
                            DocumentPlace.POSTED,
                            str(doc.batch_number) if doc.batch_number is not None else None,
                            doc.entry_number,
                            doc.vendor_number,
                        ),
                    )
        if len(found) == len(wanted):
            return found
        wanted_set = set(wanted)
        for batch in self._unposted_batches(R.AP_INVOICE_BATCHES, APInvoiceBatch, R.AP_BATCH_SCAN_SELECT):
            place = _place_for_status(batch.batch_status)
            if place is None:
                continue
            for invoice in batch.invoices:
                key = (invoice.vendor_number, invoice.document_number or "")
                if key in wanted_set:
                    _keep_best(found, key, self._ap_location(invoice, batch, place))
        return found

    @staticmethod
    def _ap_location(invoice: APInvoice, batch: APInvoiceBatch, place: DocumentPlace) -> DocumentLocation:
        return DocumentLocation(
            "AP",
            invoice.document_number or "",
            place,
            str(batch.batch_number) if batch.batch_number is not None else None,
            invoice.entry_number,
            invoice.vendor_number,
        )

    def _unposted_batches(self, resource: R.Resource, model: type[M], select: tuple[str, ...]) -> list[M]:
        status = F.eq("BatchStatus", R.BatchStatus.OPEN) | F.eq("BatchStatus", R.BatchStatus.READY_TO_POST)
        query = Query().filter(status).select(*select).orderby("BatchNumber")
        return self._list(resource, model, query)

    def gl_document_locations(self, document_numbers: Iterable[str]) -> dict[str, DocumentLocation]:
        """Where each GL document key is, from ``JournalHeaders[].DocumentNumber`` of every GL batch (D24)."""
        wanted = set(_unique(document_numbers))
        found: dict[str, DocumentLocation] = {}
        if not wanted:
            return found
        query = Query().select(*R.GL_BATCH_SCAN_SELECT).orderby("BatchNumber")
        for batch in self._list(R.GL_JOURNAL_BATCHES, GLJournalBatch, query):
            place = _place_for_status(batch.status)
            if place is None:
                continue
            for header in batch.journal_headers:
                if header.document_number is not None and header.document_number in wanted:
                    _keep_best(
                        found,
                        header.document_number,
                        DocumentLocation(
                            "GL",
                            header.document_number,
                            place,
                            batch.batch_number or header.batch_number,
                            _as_int(header.entry_number),
                        ),
                    )
        return found

    def ic_document_locations(self, references: Iterable[str]) -> dict[str, DocumentLocation]:
        """Where each IC adjustment/transfer reference is (``Reference eq …``, D24); empty without IC."""
        wanted = _unique(references)
        found: dict[str, DocumentLocation] = {}
        for chunk in _chunks(wanted, R.FILTER_CHUNK):
            query = Query().filter(F.one_of("Reference", chunk))
            for adjustment in self._list(R.IC_ADJUSTMENTS, ICAdjustment, query, missing_ok=True):
                if adjustment.reference is not None and adjustment.reference in chunk:
                    found.setdefault(
                        adjustment.reference, self._ic_location(adjustment.reference, adjustment, "adjustment")
                    )
            for transfer in self._list(R.IC_TRANSFERS, ICTransfer, query, missing_ok=True):
                if transfer.reference is not None and transfer.reference in chunk:
                    found.setdefault(transfer.reference, self._ic_location(transfer.reference, transfer, "transfer"))
        return found

    @staticmethod
    def _ic_location(reference: str, document: ICAdjustment | ICTransfer, kind: str) -> DocumentLocation:
        status = document.record_status
        place = DocumentPlace.ENTERED if status in (None, R.ICRecordStatus.ENTERED) else DocumentPlace.POSTED
        number = str(document.sequence_number) if document.sequence_number is not None else None
        return DocumentLocation("IC", reference, place, number, None, None, kind)

    def posted_ar_documents(
        self, *, changed_since: date | None = None, document_numbers: Iterable[str] | None = None
    ) -> list[ARPostedDocument]:
        """Posted AR documents, optionally only those active since a date and/or with given numbers (D15).

        Args:
            changed_since: Only documents whose ``LastActivityDate`` is on or after this date.
            document_numbers: Only these numbers (queried in chunks); an empty iterable gives ``[]``.
        """
        since = F.ge("LastActivityDate", changed_since) if changed_since is not None else None
        if document_numbers is None:
            query = Query().orderby("DocumentNumber")
            if since is not None:
                query.filter(since)
            return self._list(R.AR_POSTED_DOCUMENTS, ARPostedDocument, query)
        result: list[ARPostedDocument] = []
        for chunk in _chunks(_unique(document_numbers), R.FILTER_CHUNK):
            query = Query().filter(F.one_of("DocumentNumber", chunk))
            if since is not None:
                query.filter(since)
            result.extend(self._list(R.AR_POSTED_DOCUMENTS, ARPostedDocument, query))
        return result
