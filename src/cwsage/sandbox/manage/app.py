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
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.faults import Fault, FaultInjector
from cwsage.sandbox.manage import jsoncodec
from cwsage.sandbox.manage.query import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    QueryError,
    apply_order,
    compile_conditions,
    parse_int,
    select_fields,
)
from cwsage.sandbox.manage.store import ApiError, Store, Token, invalid, now_utc, stamp

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


def error_body(status: int, message: str) -> bytes:
    """Manage's error JSON for a status (used by the fault injector too)."""
    code = {401: "Unauthorized", 404: "NotFound", 405: "MethodNotAllowed", 429: "ConnectWiseApi"}.get(
        status, "ConnectWiseApi" if status >= 500 else "InvalidObject"
    )
    return jsoncodec.dumps({"code": code, "message": message, "errors": []}).encode()


def _err(exc: ApiError) -> Response:
    return _json(exc.status, exc.body())


class ManageEmulator:
    """The emulator: ``.app`` (ASGI, faults included), ``.faults``, ``.store``, ``.reset()``."""

    def __init__(
        self,
        *,
        company: dc.DemoCompany = dc.DEMO,
        seed: int = 7,
        extra_invoices: int = 0,
        transfer_expenses_as_bill: bool = True,
    ) -> None:
        self.company = company
        self.seed = seed
        self.extra_invoices = extra_invoices
        self.initial_transfer_flag = transfer_expenses_as_bill
        self.store = Store(seed_number=seed, transfer_expenses_as_bill=transfer_expenses_as_bill)
        self.store.reset(company, extra_invoices)
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
        """Back to the generated demo data; faults and tokens cleared."""
        self.store.transfer_expenses_as_bill = self.initial_transfer_flag
        self.store.reset(self.company, self.extra_invoices)
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

    def _list(self, ctx: Ctx, records: list[dict[str, Any]]) -> Response:
        q = ctx.request.query_params
        rows = self._filter(ctx, records)
        page_size = min(parse_int(q.get("pageSize") or q.get("pagesize"), "pageSize", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
        forward = ctx.request.headers.get("pagination-type", "").lower() == "forward-only"
        headers: dict[str, str] = {}
        base = str(ctx.request.url.replace(query=""))
        params = {k: v for k, v in q.items() if k.lower() not in ("page", "pageid", "pagesize")}
        if forward:
            if q.get("orderBy") or q.get("orderby"):
                raise QueryError("orderBy is not allowed with forward-only pagination")
            rows = sorted(rows, key=lambda r: r.get("id") or 0)
            page = rows[:page_size]
            if len(rows) > page_size and page:
                link = urlencode({**params, "pageSize": page_size, "pageId": page[-1]["id"]})
                headers["Link"] = f'<{base}?{link}>; rel="next"'
        else:
            order = q.get("orderBy") or q.get("orderby")
            rows = apply_order(rows, order) if order else sorted(rows, key=lambda r: r.get("id") or 0)
            number = parse_int(q.get("page"), "page", 1)
            last = max(1, math.ceil(len(rows) / page_size))
            page = rows[(number - 1) * page_size : number * page_size]
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
        fields_param = q.get("fields")
        if fields_param:
            page = [select_fields(r, fields_param) for r in page]
        return _json(200, page, headers)

    def _filter(self, ctx: Ctx, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        q = ctx.request.query_params
        rows = records
        cond = q.get("conditions")
        if cond:
            known: set[str] = set()
            for r in records:
                known.update(r)
            predicate = compile_conditions(cond, known or None)
            rows = [r for r in rows if predicate(r)]
        page_id = q.get("pageId") or q.get("pageid")
        if page_id:
            try:
                after = int(page_id)
            except ValueError:
                raise QueryError(f"pageId: {page_id!r} is not an integer") from None
            rows = [r for r in rows if (r.get("id") or 0) > after]
        return rows

    def _one(self, ctx: Ctx, record: dict[str, Any] | None, what: str, rec_id: str) -> Response:
        if record is None:
            raise ApiError(404, "NotFound", f"{what} recid {rec_id} not found.")
        fields_param = ctx.request.query_params.get("fields")
        return _json(200, select_fields(record, fields_param) if fields_param else record)

    def _collection(self, base: str, what: str, getter: Callable[[], list[dict[str, Any]]]) -> None:
        async def list_(ctx: Ctx, m: re.Match[str]) -> Response:
            with self.store.lock:
                return self._list(ctx, getter())

        async def count(ctx: Ctx, m: re.Match[str]) -> Response:
            with self.store.lock:
                return _json(200, {"count": len(self._filter(ctx, getter()))})

        async def one(ctx: Ctx, m: re.Match[str]) -> Response:
            with self.store.lock:
                rec_id = int(m.group("id"))
                return self._one(ctx, next((r for r in getter() if r.get("id") == rec_id), None), what, m.group("id"))

        self._route("GET", base, list_)
        self._route("GET", f"{base}/count", count)
        self._route("GET", rf"{base}/(?P<id>\d+)", one)

    # --------------------------------------------------------------------------------- endpoints

    def _register(self) -> None:
        st = self.store
        self._collection("/company/companies", "Company", lambda: st.doc["companies"])
        self._collection("/system/members", "Member", lambda: st.doc["members"])
        self._collection("/system/locations", "Location", lambda: st.doc["locations"])
        self._collection("/finance/glAccounts", "GLAccount", lambda: st.doc["glAccounts"])
        self._collection("/finance/taxCodes", "TaxCode", lambda: st.doc["taxCodes"])
        self._collection("/finance/currencies", "Currency", lambda: st.doc["currencies"])
        self._collection("/procurement/warehouses", "Warehouse", lambda: st.doc["warehouses"])
        self._collection("/finance/billingTerms", "BillingTerm", lambda: st.doc["billingTerms"])
        self._collection("/finance/accountingPackageSetup", "AccountingPackageSetup", lambda: [self._setup()])
        self._collection(
            "/finance/accounting/unpostedinvoices",
            "UnpostedInvoice",
            lambda: [st.unposted_invoice_json(r) for r in st._unposted("invoices")],
        )
        self._collection(
            "/finance/accounting/unpostedexpenses",
            "UnpostedExpense",
            lambda: [st.unposted_expense_json(r) for r in st._unposted("expenses")],
        )
        self._collection(
            "/finance/accounting/unpostedprocurement",
            "UnpostedProcurement",
            lambda: [st.unposted_procurement_json(r) for r in st._unposted("procurement")],
        )
        self._collection(
            "/finance/accounting/batches", "AccountingBatch", lambda: [st.batch_json(b) for b in st.doc["batches"]]
        )
        self._collection("/finance/invoices", "Invoice", lambda: [st.invoice_json(i) for i in st.doc["invoices"]])

        def taxcode_levels(m: re.Match[str]) -> list[dict[str, Any]]:
            tc_id = int(m.group("pid"))
            if not any(t["id"] == tc_id for t in st.doc["taxCodes"]):
                raise ApiError(404, "NotFound", f"TaxCode recid {tc_id} not found.")
            return list(st.doc["taxCodeLevels"].get(str(tc_id), []))

        def unposted_levels(key: str) -> Callable[[re.Match[str]], list[dict[str, Any]]]:
            def get(m: re.Match[str]) -> list[dict[str, Any]]:
                rec_id = int(m.group("pid"))
                rec = next((r for r in st._unposted(key) if r["id"] == rec_id), None)
                if rec is None:
                    raise ApiError(404, "NotFound", f"Unposted record recid {rec_id} not found.")
                if key == "invoices":
                    return st.invoice_taxable_levels(rec)
                if key == "procurement" and rec["procurementType"] == "Purchase":
                    from cwsage.sandbox.manage import glexport as gx

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
            inv = st.get_invoice(int(m.group("pid")))
            return [st.payment_json(p) for p in st.doc["payments"] if p["invoiceId"] == inv["id"]]

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
            return _json(200, st.export(ctx.body))

        async def create_batch(ctx: Ctx, m: re.Match[str]) -> Response:
            return _json(201, st.create_batch(ctx.body))

        async def delete_batch(ctx: Ctx, m: re.Match[str]) -> Response:
            st.delete_batch(int(m.group("id")))
            return Response(status_code=204)

        async def reexport(ctx: Ctx, m: re.Match[str]) -> Response:
            return _json(200, st.reexport_batch(int(m.group("id")), ctx.body))

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
        async def list_(ctx: Ctx, m: re.Match[str]) -> Response:
            with self.store.lock:
                return self._list(ctx, getter(m))

        async def count(ctx: Ctx, m: re.Match[str]) -> Response:
            with self.store.lock:
                return _json(200, {"count": len(self._filter(ctx, getter(m)))})

        async def one(ctx: Ctx, m: re.Match[str]) -> Response:
            with self.store.lock:
                rec_id = int(m.group("id"))
                return self._one(ctx, next((r for r in getter(m) if r.get("id") == rec_id), None), what, m.group("id"))

        self._route("GET", base, list_)
        self._route("GET", f"{base}/count", count)
        self._route("GET", rf"{base}/(?P<id>\d+)", one)

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
            "inventorySOHFlag": False,
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
            count = body.get("invoices") if isinstance(body, dict) else None
            if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= 100_000:
                raise invalid("generate", "invoices", "invoices must be an integer between 1 and 100000.")
            return _json(200, {"invoiceIds": st.generate(count, self.company)})
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
) -> ManageEmulator:
    """Build a Manage emulator seeded with the demo MSP.

    Args:
        company: The master data to derive everything from.
        seed: Makes the generated transactions deterministic.
        extra_invoices: More Standard invoices on top of the demo set (benchmarks).
        transfer_expenses_as_bill: The Accounting Package Setup flag (expense bills vs. journal).

    Returns:
        The emulator; serve ``emulator.app``.
    """
    return ManageEmulator(
        company=company, seed=seed, extra_invoices=extra_invoices, transfer_expenses_as_bill=transfer_expenses_as_bill
    )
