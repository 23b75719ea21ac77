"""The ConnectWise Manage emulator's HTTP face: routing, auth, headers, paging, errors, control API.

Why hand-rolled routing over Starlette rather than FastAPI path operations: Manage answers unknown
paths, wrong methods, bad bodies and auth failures with its own error JSON and status codes, which is
easier to guarantee with one dispatcher than by overriding a framework's defaults everywhere.

Decisions where the reference is silent (see also ``glexport`` and ``store``):

* A missing or unknown ``clientId`` header is answered **401** ``Unauthorized``: the reference treats the
  clientId as a credential ("treat as a secret", CW may disable compromised ids), and 401 is the status
  the reference lists for authentication failures (400 is for malformed objects).
* ``pageSize`` above 1000 is **clamped to 1000** (the reference calls 1000 a hard limit "for the
  protection of the Partner environments" and mentions no error); ``pageSize`` < 1 or not an integer → 400.
* ``Link`` is sent only when there is more than one page (navigable) or more rows after this page
  (forward-only). ``pageId`` is honoured as ``id > pageId`` in both modes; forward-only with ``orderBy``
  → 400.
* ``api-current-version`` is always ``2025.1`` (the model served); ``Accept`` versions must look like
  ``YYYY.N`` and be ≥ 2019.1, else 400.
* Paths are matched case-sensitively, as the reference spells them; the codebase segment may be
  ``v4_6_release`` or a pinned ``vYYYY_N``.
* ``POST /finance/accounting/export`` and ``POST /batches/{id}/export`` answer 200 (reads);
  ``POST /batches`` and ``POST …/payments`` answer 201; DELETEs answer 204.

Lists come from a :class:`Source`: the large collections (unposted invoices/expenses/procurement,
invoices, batches) are answered by :meth:`Store.select` from indexes, a page costing what it returns;
master data and child lists (small) are filtered in place.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.faults import Fault, FaultInjector
from cwsage.sandbox.manage import glexport as gx
from cwsage.sandbox.manage import jsoncodec
from cwsage.sandbox.manage.query import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    QueryError,
    apply_order,
    compile_conditions,
    order_specs,
    parse_int,
    select_fields,
)
from cwsage.sandbox.manage.seed import CompanySpec, SpecError, generate_company
from cwsage.sandbox.manage.store import ApiError, Store, Token, generated_summary, invalid, now_utc, stamp

API_VERSION = "2025.1"
CODEBASE = re.compile(r"^/(v4_6_release|v20\d\d_\d+)/apis/3\.0(/.*)$")
VERSION = re.compile(r"version=([^;,\s]*)", re.IGNORECASE)
TOKEN_LIFETIME = timedelta(hours=4)

Handler = Callable[["Ctx", re.Match[str]], Awaitable[Response]]


@dataclass
class Ctx:
    """One request as the handlers see it."""

    request: Request
    body: Any


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        jsoncodec.dumps(payload), status_code=status, headers=headers, media_type="application/json; charset=utf-8"
    )


def _stream(status: int, sections: list[tuple[str, Any]]) -> Response:
    """A ``GLExport`` answered as it is encoded, record by record (it can be tens of megabytes).

    The records were selected (and a batch applied) under the store's lock; encoding them afterwards is
    safe because stored records never change once loaded.
    """

    async def chunks() -> AsyncIterator[bytes]:
        for chunk in jsoncodec.iter_sections(sections):
            yield chunk

    return StreamingResponse(chunks(), status_code=status, media_type="application/json; charset=utf-8")


def error_body(status: int, message: str) -> bytes:
    """Manage's error JSON for a status (used by the fault injector too)."""
    code = {401: "Unauthorized", 404: "NotFound", 405: "MethodNotAllowed", 429: "ConnectWiseApi"}.get(
        status, "ConnectWiseApi" if status >= 500 else "InvalidObject"
    )
    return jsoncodec.dumps({"code": code, "message": message, "errors": []}).encode()


def _err(exc: ApiError) -> Response:
    return _json(exc.status, exc.body())


class Source(Protocol):
    """What a list endpoint reads: keys selected and ordered, then rendered a page at a time."""

    def known(self) -> frozenset[str] | None:
        """Top-level field names of the rows (``None`` when there are none)."""

    def select(self, conditions: str | None, order_by: str | None, page_id: int | None) -> Sequence[Any]:
        """The keys answering the query, in answer order."""

    def id_of(self, key: Any) -> Any:
        """The ``id`` of a selected row (for forward-only ``Link`` headers)."""

    def render(self, keys: Sequence[Any]) -> list[dict[str, Any]]:
        """The rows of some selected keys."""

    def one(self, rec_id: int) -> dict[str, Any] | None:
        """The row with this id, if the collection holds it."""


class ListSource:
    """A small list of ready rows (master data, child collections), filtered and sorted in place."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def known(self) -> frozenset[str] | None:
        """Every field name any row has."""
        names: set[str] = set()
        for row in self.rows:
            names.update(row)
        return frozenset(names) or None

    def select(self, conditions: str | None, order_by: str | None, page_id: int | None) -> Sequence[Any]:
        """Filter by ``conditions`` and ``pageId``, then order (``id`` ascending by default)."""
        rows = self.rows
        if conditions:
            predicate = compile_conditions(conditions, self.known())
            rows = [r for r in rows if predicate(r)]
        if page_id is not None:
            rows = [r for r in rows if (r.get("id") or 0) > page_id]
        return apply_order(rows, order_by) if order_by else sorted(rows, key=lambda r: r.get("id") or 0)

    def id_of(self, key: Any) -> Any:
        """The row's id."""
        return key["id"]

    def render(self, keys: Sequence[Any]) -> list[dict[str, Any]]:
        """The rows themselves."""
        return list(keys)

    def one(self, rec_id: int) -> dict[str, Any] | None:
        """The first row with this id."""
        return next((r for r in self.rows if r.get("id") == rec_id), None)


class IndexedSource:
    """A large collection of the store, answered from its indexes (:meth:`Store.select`)."""

    def __init__(self, store: Store, name: str) -> None:
        self.store = store
        self.name = name

    def known(self) -> frozenset[str] | None:
        """The collection's field names."""
        return self.store.known_fields(self.name)

    def select(self, conditions: str | None, order_by: str | None, page_id: int | None) -> Sequence[Any]:
        """Record ids, from the store's indexes (and its cache of the last queries)."""
        return self.store.select(self.name, conditions, order_by, page_id)

    def id_of(self, key: Any) -> Any:
        """Keys are ids."""
        return key

    def render(self, keys: Sequence[Any]) -> list[dict[str, Any]]:
        """The JSON of those records."""
        return [self.store.render(self.name, rec_id) for rec_id in keys]

    def one(self, rec_id: int) -> dict[str, Any] | None:
        """One record's JSON, if the collection holds it now."""
        return self.store.lookup(self.name, rec_id)


class ManageEmulator:
    """The emulator: ``.app`` (ASGI, faults included), ``.faults``, ``.store``, ``.reset()``.

    Starts with the demo company's transactions, or with a generated company when ``generate`` is given
    (``reset()`` returns to whichever it started with); ``generate_company()`` swaps in another one.
    """

    def __init__(
        self,
        *,
        company: dc.DemoCompany = dc.DEMO,
        seed: int = 7,
        extra_invoices: int = 0,
        transfer_expenses_as_bill: bool = True,
        generate: CompanySpec | None = None,
    ) -> None:
        self.company = company
        self.seed = seed
        self.extra_invoices = extra_invoices
        self.generate = generate
        self.initial_transfer_flag = transfer_expenses_as_bill
        self.store = Store(seed_number=seed, transfer_expenses_as_bill=transfer_expenses_as_bill)
        self.store.reset(company, extra_invoices, generate)
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._register()
        inner = Starlette(
            routes=[
                Route(
                    "/{path:path}", self._dispatch, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
                )
            ]
        )
        self.faults = FaultInjector(inner, error_body)
        self.app = self.faults

    def reset(self) -> None:
        """Back to the data the emulator started with (the demo, or its generated company); faults cleared."""
        self.store.transfer_expenses_as_bill = self.initial_transfer_flag
        self.store.reset(self.company, self.extra_invoices, self.generate)
        self.faults.clear()

    # ------------------------------------------------------------------------------------- dispatch

    def _route(self, methods: str, pattern: str, handler: Handler) -> None:
        for method in methods.split(","):
            self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    async def _dispatch(self, request: Request) -> Response:
        try:
            return await self._handle(request)
        except ApiError as exc:
            return _err(exc)
        except QueryError as exc:
            return _err(ApiError(400, "InvalidObject", str(exc)))

    async def _handle(self, request: Request) -> Response:
        path = request.url.path
        if path.startswith("/_sandbox"):
            return await self._control(request)
        m = re.match(r"^/login/companyinfo/([^/]+)/?$", path)
        if m:
            if request.method != "GET":
                raise ApiError(405, "MethodNotAllowed", f"The requested resource does not support {request.method}")
            return self._company_info(request, m.group(1))
        m = CODEBASE.match(path)
        if not m:
            raise ApiError(404, "NotFound", f"The requested resource {path} was not found.")
        rest = m.group(2).rstrip("/") or "/"
        principal = self._authenticate(request)
        headers = {"api-current-version": API_VERSION}
        body: Any = None
        if request.method in ("POST", "PUT", "PATCH"):
            raw = await request.body()
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if raw and ctype != "application/json":
                raise ApiError(
                    415,
                    "UnsupportedMediaType",
                    f"Content-Type {ctype or '(none)'} is not supported; use application/json",
                )
            if raw:
                try:
                    body = jsoncodec.loads(raw)
                except ValueError:
                    raise ApiError(400, "InvalidObject", "The request body is not valid JSON.") from None
        matched_path = False
        for method, pattern, handler in self._routes:
            hit = pattern.match(rest)
            if not hit:
                continue
            matched_path = True
            if method == request.method:
                ctx = Ctx(request, body)
                if principal == "integrator-member-only" and handler != self._tokens:
                    raise ApiError(401, "Unauthorized", "Integrator credentials can only create member tokens.")
                response = await handler(ctx, hit)
                response.headers.update(headers)
                return response
        if matched_path:
            raise ApiError(
                405, "MethodNotAllowed", f"The requested resource does not support http method '{request.method}'."
            )
        raise ApiError(404, "NotFound", f"The requested resource {rest} was not found.")

    def _company_info(self, request: Request, company_id: str) -> Response:
        company = self.store.doc["company"]
        if company_id.lower() != company["companyId"].lower():
            raise ApiError(404, "NotFound", f"Company {company_id} was not found.")
        host = request.headers.get("host", "127.0.0.1")
        return _json(
            200,
            {
                "CompanyName": company.get("companyName", ""),
                "Codebase": "v4_6_release/",
                "VersionCode": "v2025.1",
                "VersionNumber": "v2025.1.12345",
                "CompanyID": company["companyId"],
                "IsCloud": False,
                "SiteUrl": host,
            },
        )

    def _authenticate(self, request: Request) -> str:
        company = self.store.doc["company"]
        client_id = request.headers.get("clientid")
        if not client_id:
            raise ApiError(401, "Unauthorized", "The clientId header is required on every request.")
        if client_id not in company.get("clientIds", []):
            raise ApiError(401, "Unauthorized", "The clientId is not valid.")
        accept = request.headers.get("accept", "")
        m = VERSION.search(accept)
        if m:
            version = m.group(1)
            vm = re.fullmatch(r"(\d{4})\.(\d+)", version)
            if not vm or (int(vm.group(1)), int(vm.group(2))) < (2019, 1):
                raise ApiError(
                    400,
                    "InvalidObject",
                    f"Invalid API version {version!r} in Accept; expected YYYY.N, 2019.1 or later.",
                )
        auth = request.headers.get("authorization", "")
        unauthorized = ApiError(401, "Unauthorized", "The credentials provided are not valid.")
        if not auth.lower().startswith("basic "):
            raise ApiError(401, "Unauthorized", "Basic authentication is required.")
        try:
            decoded = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise unauthorized from None
        user, sep, password = decoded.partition(":")
        comp, plus, public = user.partition("+")
        if not sep or not plus or comp.lower() != company["companyId"].lower():
            raise unauthorized
        usertype = request.headers.get("x-cw-usertype", "").lower()
        if public == company["publicKey"] and secrets.compare_digest(password, company["privateKey"]):
            return "api"
        token = self.store.tokens.get(public)
        if token is not None and secrets.compare_digest(password, token.private):
            if token.expires <= now_utc():
                raise ApiError(401, "Unauthorized", "The member token has expired.")
            return "member"
        if public == company.get("integratorUser") and secrets.compare_digest(
            password, company.get("integratorPassword", "")
        ):
            if usertype == "integrator":
                return "integrator"
            if usertype == "member":
                return "integrator-member-only"
            raise ApiError(401, "Unauthorized", "Integrator logins need the x-cw-usertype header.")
        raise unauthorized

    # ------------------------------------------------------------------------------- list helpers

    def _list(self, ctx: Ctx, source: Source) -> Response:
        q = ctx.request.query_params
        conditions, page_id = self._filters(ctx, source)
        page_size = min(parse_int(q.get("pageSize") or q.get("pagesize"), "pageSize", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
        forward = ctx.request.headers.get("pagination-type", "").lower() == "forward-only"
        headers: dict[str, str] = {}
        base = str(ctx.request.url.replace(query=""))
        params = {k: v for k, v in q.items() if k.lower() not in ("page", "pageid", "pagesize")}
        order = q.get("orderBy") or q.get("orderby")
        if forward:
            if order:
                raise QueryError("orderBy is not allowed with forward-only pagination")
            keys = source.select(conditions, None, page_id)
            page = keys[:page_size]
            if len(keys) > page_size and page:
                link = urlencode({**params, "pageSize": page_size, "pageId": source.id_of(page[-1])})
                headers["Link"] = f'<{base}?{link}>; rel="next"'
        else:
            if order:
                order_specs(order)
            number = parse_int(q.get("page"), "page", 1)
            keys = source.select(conditions, order or None, page_id)
            last = max(1, math.ceil(len(keys) / page_size))
            page = keys[(number - 1) * page_size : number * page_size]
            if last > 1:

                def url(n: int) -> str:
                    return f"<{base}?{urlencode({**params, 'pageSize': page_size, 'page': n})}>"

                links = [f'{url(1)}; rel="first"']
                if number > 1:
                    links.append(f'{url(min(number - 1, last))}; rel="prev"')
                if number < last:
                    links.append(f'{url(number + 1)}; rel="next"')
                links.append(f'{url(last)}; rel="last"')
                headers["Link"] = ", ".join(links)
        rows = source.render(page)
        fields_param = q.get("fields")
        if fields_param:
            rows = [select_fields(r, fields_param) for r in rows]
        return _json(200, rows, headers)

    def _filters(self, ctx: Ctx, source: Source) -> tuple[str | None, int | None]:
        """``conditions`` (checked: syntax, known fields) and ``pageId`` of a list or count request."""
        q = ctx.request.query_params
        conditions = q.get("conditions") or None
        if conditions:
            compile_conditions(conditions, source.known())
        page_id = q.get("pageId") or q.get("pageid")
        if not page_id:
            return conditions, None
        try:
            return conditions, int(page_id)
        except ValueError:
            raise QueryError(f"pageId: {page_id!r} is not an integer") from None

    def _count(self, ctx: Ctx, source: Source) -> Response:
        conditions, page_id = self._filters(ctx, source)
        return _json(200, {"count": len(source.select(conditions, None, page_id))})

    def _one(self, ctx: Ctx, record: dict[str, Any] | None, what: str, rec_id: str) -> Response:
        if record is None:
            raise ApiError(404, "NotFound", f"{what} recid {rec_id} not found.")
        fields_param = ctx.request.query_params.get("fields")
        return _json(200, select_fields(record, fields_param) if fields_param else record)

    def _collection(self, base: str, what: str, source: Callable[[], Source]) -> None:
        self._collection_of(base, what, lambda m: source())

    # --------------------------------------------------------------------------------- endpoints

    def _register(self) -> None:
        st = self.store

        def rows(key: str) -> Callable[[], Source]:
            return lambda: ListSource(st.doc[key])

        def indexed(name: str) -> Callable[[], Source]:
            return lambda: IndexedSource(st, name)

        self._collection("/company/companies", "Company", rows("companies"))
        self._collection("/system/members", "Member", rows("members"))
        self._collection("/system/locations", "Location", rows("locations"))
        self._collection("/finance/glAccounts", "GLAccount", rows("glAccounts"))
        self._collection("/finance/taxCodes", "TaxCode", rows("taxCodes"))
        self._collection("/finance/currencies", "Currency", rows("currencies"))
        self._collection("/procurement/warehouses", "Warehouse", rows("warehouses"))
        self._collection("/finance/billingTerms", "BillingTerm", rows("billingTerms"))
        self._collection(
            "/finance/accountingPackageSetup", "AccountingPackageSetup", lambda: ListSource([self._setup()])
        )
        self._collection("/finance/glCaptions", "GLCaption", lambda: ListSource([self._gl_captions()]))
        self._collection("/finance/accounting/unpostedinvoices", "UnpostedInvoice", indexed("unpostedinvoices"))
        self._collection("/finance/accounting/unpostedexpenses", "UnpostedExpense", indexed("unpostedexpenses"))
        self._collection(
            "/finance/accounting/unpostedprocurement", "UnpostedProcurement", indexed("unpostedprocurement")
        )
        self._collection("/finance/accounting/batches", "AccountingBatch", indexed("batches"))
        self._collection("/finance/invoices", "Invoice", indexed("invoices"))

        def taxcode_levels(m: re.Match[str]) -> list[dict[str, Any]]:
            tc_id = int(m.group("pid"))
            if not any(t["id"] == tc_id for t in st.doc["taxCodes"]):
                raise ApiError(404, "NotFound", f"TaxCode recid {tc_id} not found.")
            return list(st.doc["taxCodeLevels"].get(str(tc_id), []))

        def unposted_levels(key: str) -> Callable[[re.Match[str]], list[dict[str, Any]]]:
            def get(m: re.Match[str]) -> list[dict[str, Any]]:
                rec_id = int(m.group("pid"))
                rec = st.records[key].get(rec_id) if rec_id in st.unposted[key] else None
                if rec is None:
                    raise ApiError(404, "NotFound", f"Unposted record recid {rec_id} not found.")
                if key == "invoices":
                    return st.invoice_taxable_levels(rec)
                if key == "procurement" and rec["procurementType"] == "Purchase":
                    calc = gx.purchase_calc(rec, st.books)
                    return [
                        {
                            "id": t.level,
                            "taxLevel": t.level,
                            "taxCodeXref": t.group_xref,
                            "taxAmount": t.tax,
                            "_info": {},
                        }
                        for t in calc.taxes
                    ]
                return []

            return get

        def payments(m: re.Match[str]) -> list[dict[str, Any]]:
            return st.invoice_payments(int(m.group("pid")))

        def batch_entries(m: re.Match[str]) -> list[dict[str, Any]]:
            return st.batch_entries(st.get_batch(int(m.group("pid"))))

        self._child(r"/finance/taxCodes/(?P<pid>\d+)/taxCodeLevels", "TaxCodeLevel", taxcode_levels)
        for key, name in (
            ("invoices", "unpostedinvoices"),
            ("expenses", "unpostedexpenses"),
            ("procurement", "unpostedprocurement"),
        ):
            self._child(rf"/finance/accounting/{name}/(?P<pid>\d+)/taxableLevels", "TaxableLevel", unposted_levels(key))
        self._child(r"/finance/accounting/batches/(?P<pid>\d+)/entries", "BatchEntry", batch_entries)
        self._child(r"/finance/invoices/(?P<pid>\d+)/payments", "InvoicePayment", payments)

        async def info(ctx: Ctx, m: re.Match[str]) -> Response:
            return _json(
                200,
                {
                    "version": f"v{API_VERSION}.12345",
                    "isCloud": False,
                    "serverTimeZone": "Eastern Standard Time",
                    "licenseBits": [],
                    "cloudRegion": "",
                    "maxWorkFlowRecordsAllowed": 1000,
                },
            )

        async def export(ctx: Ctx, m: re.Match[str]) -> Response:
            return _stream(200, st.export_sections(ctx.body))

        async def create_batch(ctx: Ctx, m: re.Match[str]) -> Response:
            return _stream(201, st.create_batch_sections(ctx.body))

        async def delete_batch(ctx: Ctx, m: re.Match[str]) -> Response:
            st.delete_batch(int(m.group("id")))
            return Response(status_code=204)

        async def reexport(ctx: Ctx, m: re.Match[str]) -> Response:
            return _stream(200, st.reexport_batch_sections(int(m.group("id")), ctx.body))

        async def add_payment(ctx: Ctx, m: re.Match[str]) -> Response:
            return _json(201, st.add_payment(int(m.group("pid")), ctx.body))

        async def put_payment(ctx: Ctx, m: re.Match[str]) -> Response:
            return _json(200, st.replace_payment(int(m.group("pid")), int(m.group("id")), ctx.body, patch=False))

        async def patch_payment(ctx: Ctx, m: re.Match[str]) -> Response:
            return _json(200, st.replace_payment(int(m.group("pid")), int(m.group("id")), ctx.body, patch=True))

        async def delete_payment(ctx: Ctx, m: re.Match[str]) -> Response:
            st.delete_payment(int(m.group("pid")), int(m.group("id")))
            return Response(status_code=204)

        async def setup_update(ctx: Ctx, m: re.Match[str]) -> Response:
            if m.groupdict().get("id") not in (None, "1"):
                raise ApiError(404, "NotFound", f"AccountingPackageSetup recid {m.group('id')} not found.")
            changes: dict[str, Any] = {}
            if ctx.request.method == "PATCH":
                if not isinstance(ctx.body, list) or not ctx.body:
                    raise ApiError(400, "InvalidObject", "PATCH body must be a non-empty array of patch operations")
                for op in ctx.body:
                    if not isinstance(op, dict) or op.get("op") not in ("replace", "add"):
                        raise ApiError(400, "InvalidObject", "Each patch operation needs op add|replace")
                    changes[str(op.get("path", "")).strip("/")] = op.get("value")
            else:
                if not isinstance(ctx.body, dict):
                    raise ApiError(400, "InvalidObject", "The request body must be an AccountingPackageSetup object")
                changes = {k: ctx.body[k] for k in ("transferExpensesAsBillFlag", "invoiceFormat") if k in ctx.body}
            for key, value in changes.items():
                if key == "transferExpensesAsBillFlag":
                    if not isinstance(value, bool):
                        raise invalid("accountingPackageSetup", key, f"{key} must be true or false.")
                elif key == "invoiceFormat":
                    if value not in ("Default", "Condensed", "Detailed"):
                        raise invalid(
                            "accountingPackageSetup", key, "invoiceFormat must be Default, Condensed or Detailed."
                        )
                else:
                    raise invalid("accountingPackageSetup", key, f"{key} cannot be changed in the sandbox.")
            with st.lock:
                if "transferExpensesAsBillFlag" in changes:
                    st.set_transfer_expenses_as_bill(changes["transferExpensesAsBillFlag"])
                if "invoiceFormat" in changes:
                    st.doc["settings"]["invoiceFormat"] = changes["invoiceFormat"]
                return _json(200, self._setup())

        self._route("GET", "/system/info", info)
        self._route("POST", r"/system/members/(?P<member>[^/]+)/tokens", self._tokens)
        self._route("POST", "/finance/accounting/export", export)
        self._route("POST", "/finance/accounting/batches", create_batch)
        self._route("DELETE", r"/finance/accounting/batches/(?P<id>\d+)", delete_batch)
        self._route("POST", r"/finance/accounting/batches/(?P<id>\d+)/export", reexport)
        self._route("POST", r"/finance/invoices/(?P<pid>\d+)/payments", add_payment)
        self._route("PUT", r"/finance/invoices/(?P<pid>\d+)/payments/(?P<id>\d+)", put_payment)
        self._route("PATCH", r"/finance/invoices/(?P<pid>\d+)/payments/(?P<id>\d+)", patch_payment)
        self._route("DELETE", r"/finance/invoices/(?P<pid>\d+)/payments/(?P<id>\d+)", delete_payment)
        self._route("PATCH,PUT", r"/finance/accountingPackageSetup(?:/(?P<id>\d+))?", setup_update)

    def _child(self, base: str, what: str, getter: Callable[[re.Match[str]], list[dict[str, Any]]]) -> None:
        """A small list under one parent (its getter raises the parent's 404)."""
        self._collection_of(base, what, lambda m: ListSource(getter(m)))

    def _collection_of(self, base: str, what: str, source: Callable[[re.Match[str]], Source]) -> None:
        async def list_(ctx: Ctx, m: re.Match[str]) -> Response:
            with self.store.lock:
                return self._list(ctx, source(m))

        async def count(ctx: Ctx, m: re.Match[str]) -> Response:
            with self.store.lock:
                return self._count(ctx, source(m))

        async def one(ctx: Ctx, m: re.Match[str]) -> Response:
            with self.store.lock:
                return self._one(ctx, source(m).one(int(m.group("id"))), what, m.group("id"))

        self._route("GET", base, list_)
        self._route("GET", f"{base}/count", count)
        self._route("GET", rf"{base}/(?P<id>\d+)", one)

    def _gl_captions(self) -> dict[str, Any]:
        """``GLCaption``: the type of each of the ten GL segments (reference: ``segment{N}type`` ``Account`` or
        ``Class``). The demo's accounts use two segments, both ``Account`` as the guide requires; a test may set
        ``settings.glSegmentTypes`` to play a site set up otherwise."""
        types = list(self.store.doc["settings"].get("glSegmentTypes") or ["Account"] * 10)
        row: dict[str, Any] = {"id": 1}
        row.update({f"segment{n}type": types[n - 1] if n <= len(types) else "Account" for n in range(1, 11)})
        row["_info"] = {"lastUpdated": "2026-01-05T12:00:00Z"}
        return row

    def _setup(self) -> dict[str, Any]:
        st = self.store
        return {
            "id": 1,
            "accountingPackage": {"id": 6, "identifier": "Other", "name": "Sage 300 (cwsage)", "_info": {}},
            "directTransferFlag": True,
            "includeInvoicesFlag": True,
            "invoiceFormat": st.doc["settings"].get("invoiceFormat", "Detailed"),
            "includeExpensesFlag": True,
            "transferExpensesAsBillFlag": st.transfer_expenses_as_bill,
            "expenseFormat": "Default",
            "suppressMemoFlag": False,
            "syncPaymentInfoFlag": True,
            "syncWisePayPaymentInfoFlag": False,
            "includeSalesTaxFlag": True,
            "enableTaxGroupsFlag": True,
            "zeroDollarTaxAmountsFlag": False,
            "includeItemsFlag": True,
            "inventorySOHFlag": True,  # the guide: "ensure Inventory SOH Option is checked"
            "sendComponentAmountFlag": False,
            "sendUomFlag": False,
            "includeCogsEntriesFlag": True,
            "includeCogsDropShipFlag": False,
            "_info": {"lastUpdated": "2026-01-05T12:00:00Z"},
        }

    async def _tokens(self, ctx: Ctx, m: re.Match[str]) -> Response:
        if ctx.request.headers.get("x-cw-usertype", "").lower() != "member":
            raise ApiError(400, "InvalidObject", "Creating a member token needs the header x-cw-usertype: member.")
        ident = m.group("member")
        body = ctx.body if isinstance(ctx.body, dict) else {}
        if body.get("memberIdentifier") not in (None, ident):
            raise invalid("memberToken", "memberIdentifier", "memberIdentifier does not match the URL.")
        member = next((x for x in self.store.doc["members"] if x["identifier"].lower() == ident.lower()), None)
        if member is None:
            raise ApiError(404, "NotFound", f"Member {ident} not found.")
        expires = now_utc() + TOKEN_LIFETIME
        token = Token(secrets.token_hex(8), secrets.token_hex(16), member["identifier"], expires)
        self.store.tokens[token.public] = token
        return _json(200, {"publicKey": token.public, "privateKey": token.private, "expiration": stamp(expires)})

    def generate_company(self, spec: CompanySpec) -> dict[str, Any]:
        """Replace the data with a generated company (``reset()`` still returns to the starting data).

        Returns:
            The spec, the documents per kind, the invalid records' ids with their planted gap (per seed
            collection), and the state's counts.
        """
        try:
            seed = generate_company(spec, self.company)
        except SpecError as exc:
            raise invalid("generate", exc.field, str(exc)) from None
        seed["settings"]["transferExpensesAsBillFlag"] = self.store.transfer_expenses_as_bill
        self.store.tokens.clear()
        self.store.load(seed, copy_doc=False)
        generated = seed["generated"]
        return {
            **generated_summary(generated),
            "invalid": generated["invalid"],
            "state": self.store.state()["counts"],
        }

    # ----------------------------------------------------------------------------- control API

    async def _control(self, request: Request) -> Response:
        path = request.url.path.rstrip("/")
        method = request.method
        st = self.store
        body: Any = None
        if method in ("POST", "PUT") and (raw := await request.body()):
            try:
                body = jsoncodec.loads(raw)
            except ValueError:
                raise ApiError(400, "InvalidObject", "The request body is not valid JSON.") from None
        if path == "/_sandbox/state" and method == "GET":
            return _json(200, st.state())
        if path == "/_sandbox/reset" and method == "POST":
            self.reset()
            return _json(200, st.state()["counts"])
        if path == "/_sandbox/export-seed" and method == "GET":
            return _json(200, st.export_seed())
        if path == "/_sandbox/load" and method == "POST":
            st.tokens.clear()
            st.load(body)
            return _json(200, st.state()["counts"])
        if path == "/_sandbox/generate" and method == "POST":
            if isinstance(body, dict) and "documents" in body:
                if "invoices" in body:
                    raise invalid(
                        "generate", "documents", "Send documents (a new company) or invoices (more invoices), not both."
                    )
                return _json(200, self.generate_company(_spec_from(body)))
            count = body.get("invoices") if isinstance(body, dict) else None
            if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= 100_000:
                raise invalid("generate", "invoices", "invoices must be an integer between 1 and 100000.")
            return _json(200, {"invoiceIds": st.generate(count, self.company)})
        if path == "/_sandbox/reclose" and method == "POST":
            number = body.get("invoiceNumber") if isinstance(body, dict) else None
            if not isinstance(number, str):
                raise invalid("reclose", "invoiceNumber", "invoiceNumber (a string) is required.")
            return _json(200, {"glEntryIds": st.reclose_invoice(number)})
        if path == "/_sandbox/faults":
            if method == "GET":
                return _json(200, [_no_floats(rule) for rule in self.faults.rules()])
            if method == "DELETE":
                self.faults.clear()
                return Response(status_code=204)
            if method == "POST":
                fault = self.faults.add(_fault_from(body))
                return _json(201, _no_floats(asdict(fault)))
        raise ApiError(404, "NotFound", f"No sandbox control endpoint {method} {path}.")


_FAULT_TYPES: dict[str, tuple[type, ...]] = {
    "kind": (str,),
    "path": (str,),
    "method": (str, type(None)),
    "status": (int,),
    "retry_after": (int, type(None)),
    "delay_seconds": (int, Decimal),
    "times": (int,),
    "apply": (bool,),
    "message": (str,),
}


_SPEC_FIELDS = {"documents", "invalid_share", "seed", "kinds", "lines"}


def _spec_from(body: dict[str, Any]) -> CompanySpec:
    """Validate a ``POST /_sandbox/generate`` body of the ``documents`` form into a :class:`CompanySpec`."""
    for key in body:
        if key not in _SPEC_FIELDS:
            raise invalid("generate", key, f"Unknown field {key!r}; the fields are {', '.join(sorted(_SPEC_FIELDS))}.")
    values: dict[str, Any] = {"documents": body["documents"]}
    if "invalid_share" in body:
        values["invalid_share"] = body["invalid_share"]
    if "seed" in body:
        values["seed"] = body["seed"]
    if "kinds" in body:
        if not isinstance(body["kinds"], dict):
            raise invalid("generate", "kinds", "kinds must be an object of kind: weight.")
        values["kinds"] = body["kinds"]
    if "lines" in body:
        lines = body["lines"]
        if not isinstance(lines, list) or len(lines) != 2:
            raise invalid("generate", "lines", "lines must be [least, most].")
        values["lines"] = (lines[0], lines[1])
    try:
        return CompanySpec(**values)
    except SpecError as exc:
        raise invalid("generate", exc.field, str(exc)) from None


def _no_floats(rule: dict[str, Any]) -> dict[str, Any]:
    """Fault rules hold floats (``delay_seconds``); the encoder only takes Decimals."""
    return {k: Decimal(repr(v)) if isinstance(v, float) else v for k, v in rule.items()}


def _fault_from(body: Any) -> Fault:
    """Validate a control-API fault body into a :class:`Fault`."""
    if not isinstance(body, dict):
        raise invalid("fault", "kind", "The body must be a fault object.")
    allowed = {f.name for f in fields(Fault)} - {"id", "fired"}
    for key, value in body.items():
        if key not in allowed:
            raise invalid("fault", key, f"Unknown fault field {key!r}.")
        types = _FAULT_TYPES[key]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise invalid("fault", key, f"Fault field {key!r} has the wrong type.")
    if body.get("kind") not in ("latency", "status", "hang", "drop"):
        raise invalid("fault", "kind", "kind must be latency, status, hang or drop.")
    try:
        re.compile(body.get("path", ".*"))
    except re.error as exc:
        raise invalid("fault", "path", f"path is not a valid regular expression: {exc}") from None
    status = body.get("status", 503)
    if not 100 <= status <= 599:
        raise invalid("fault", "status", "status must be an HTTP status code.")
    if body.get("times", 1) < 1:
        raise invalid("fault", "times", "times must be 1 or more.")
    values = dict(body)
    if "delay_seconds" in values:
        values["delay_seconds"] = float(values["delay_seconds"])
    return Fault(**values)


def create_app(
    *,
    company: dc.DemoCompany = dc.DEMO,
    seed: int = 7,
    extra_invoices: int = 0,
    transfer_expenses_as_bill: bool = True,
    generate: CompanySpec | None = None,
) -> ManageEmulator:
    """Build a Manage emulator seeded with the demo MSP.

    Args:
        company: The master data to derive everything from.
        seed: Makes the generated transactions deterministic.
        extra_invoices: More Standard invoices on top of the demo set (benchmarks).
        transfer_expenses_as_bill: The Accounting Package Setup flag (expense bills vs. journal).
        generate: Start with a generated company of this spec instead of the demo's transactions
            (:func:`~cwsage.sandbox.manage.seed.generate_company`; ``extra_invoices`` is then ignored).

    Returns:
        The emulator; serve ``emulator.app``.
    """
    return ManageEmulator(
        company=company,
        seed=seed,
        extra_invoices=extra_invoices,
        transfer_expenses_as_bill=transfer_expenses_as_bill,
        generate=generate,
    )
