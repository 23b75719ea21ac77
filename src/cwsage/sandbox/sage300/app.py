"""The Sage 300 Web API emulator as an ASGI app: URLs, headers, Basic auth + session cookie, OData reads,
writes with Sage's business rules, processes, ``$metadata``, dialects and the ``/_sandbox/`` control API.

Why a product rather than a mock: a new user tries cwsage against it and every end-to-end test talks to it
over real HTTP, so it answers as strictly as an installation (DR22): ``Content-Type: application/json`` on
every request or 500, an unknown property or enum name in a write → 400 ``InvalidPayload`` with nothing
written, Sage's error envelope and codes (I20), ``('$process')`` and ``('$template')`` on processes, paging
per I22. Everything it serves is declared once in :mod:`vocabulary`.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections import Counter
from dataclasses import fields
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from cwsage.sandbox import demo_company as demo
from cwsage.sandbox.faults import Fault, FaultInjector
from cwsage.sandbox.sage300 import inventory, invoices, journals, metadata, receipts, seed
from cwsage.sandbox.sage300 import vocabulary as vocab
from cwsage.sandbox.sage300.company import Company
from cwsage.sandbox.sage300.dialect import Dialect, Version
from cwsage.sandbox.sage300.errors import SageError, bad_payload, bad_query, envelope, general, no_resource
from cwsage.sandbox.sage300.jsonio import dumps, loads
from cwsage.sandbox.sage300.masters import Masters
from cwsage.sandbox.sage300.model import DATETIME, DECIMAL, INT64, Module, Resource, StructType
from cwsage.sandbox.sage300.odata import matching_rows, parse_query, project
from cwsage.sandbox.sage300.payload import Reader
from cwsage.sandbox.sage300.store import Key, Row

SESSION_COOKIE = "Sage300WebApiSession"
NO_CONTENT_TYPE = "NoJsonContentType"
"""The ``refusals`` counter of the 500s answered to requests without ``Content-Type: application/json`` (they
are also counted under ``InternalServerError``)."""
API_ROOT = "/Sage300WebApi/v1.0/-"
MAX_TOP = 1000
_RESOURCE = re.compile(r"^([A-Za-z0-9_$]+)(?:\((.*)\))?$", re.DOTALL)
_FAULT_CODES = {
    400: "InvalidParameters",
    401: "Unauthorized",
    403: "Forbidden",
    404: "ResourceNotFound",
    405: "MethodNotAllowed",
    409: "RecordInvalid",
    429: "TooManyRequests",
}
"""I20: the code an injected status comes with (a 409 is a business rule's refusal; any 5xx ``InternalServerError``)."""
_READY_IN_POST = {
    "AR/ARInvoiceBatches",
    "AP/APInvoiceBatches",
    "AR/ARReceiptAndAdjustmentBatches",
    "GL/GLJournalBatches",
}


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer written without floats."""
    return Response(dumps(value), status_code=status, media_type="application/json; charset=utf-8", headers=headers)


def error_response(error: SageError) -> Response:
    """Sage's error envelope for ``error``."""
    headers = {"WWW-Authenticate": 'Basic realm="Sage300WebApi"'} if error.status == 401 else None
    return json_response(error.body(), error.status, headers)


def fault_body(status: int, message: str) -> bytes:
    """The envelope the fault injector writes for injected failures."""
    code = "InternalServerError" if status >= 500 else _FAULT_CODES.get(status, "InvalidParameters")
    return dumps(envelope(code, message)).encode()


def template(module: Module, struct: StructType) -> Row:
    """I12: a payload with every property at its default (``('$template')``)."""
    row: Row = {}
    for prop in struct.properties:
        if prop.kind == "collection":
            row[prop.name] = []
        elif prop.kind == "enum":
            row[prop.name] = module.enum(prop).members[0]
        elif prop.type_name == "Edm.String":
            row[prop.name] = ""
        elif prop.type_name == "Edm.Boolean":
            row[prop.name] = False
        elif prop.type_name == DATETIME:
            row[prop.name] = None
        else:
            row[prop.name] = 0
    return row


class SageEmulator:
    """One emulated Sage 300 installation with one company (``CWDEMO``)."""

    def __init__(
        self,
        *,
        company: demo.DemoCompany = demo.DEMO,
        dialect: Dialect | None = None,
        inventory_control: bool = True,
        allow_admin: bool = False,
        page_size: int = 100,
    ) -> None:
        self.demo = company
        self.dialect = dialect or Dialect()
        self.allow_admin = allow_admin
        self.page_size = page_size
        self._default_inventory_control = inventory_control
        self.inventory_control = inventory_control
        self.store = Company(demo.SAGE_COMPANY)
        self.masters = Masters(self.store)
        self._sessions: set[str] = set()
        self.refusals: Counter[str] = Counter()
        """Web API answers refused since the last reset, per DR22 error code (``/_sandbox/state``)."""
        self.reset()
        routes = [
            Route("/Sage300WebApi", self._landing, methods=["GET"]),
            Route("/Sage300WebApi/", self._landing, methods=["GET"]),
            Route(f"{API_ROOT}/Companies", self._companies, methods=["GET"]),
            Route(
                f"{API_ROOT}/{{company}}/{{module}}/{{resource:path}}",
                self._api,
                methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            ),
            Route("/_sandbox/state", self._state, methods=["GET"]),
            Route("/_sandbox/reset", self._reset, methods=["POST"]),
            Route("/_sandbox/load", self._load, methods=["POST"]),
            Route("/_sandbox/export-seed", self._export, methods=["GET"]),
            Route("/_sandbox/snapshot", self._snapshot, methods=["POST"]),
            Route("/_sandbox/restore", self._restore, methods=["POST"]),
            Route("/_sandbox/day-end", self._day_end, methods=["POST"]),
            Route("/_sandbox/inventory-control", self._inventory_control, methods=["POST"]),
            Route("/_sandbox/faults", self._faults, methods=["GET", "POST", "DELETE"]),
            Route("/_sandbox/receipts", self._receipts, methods=["POST"]),
        ]
        self.asgi = Starlette(routes=routes)
        self.faults = FaultInjector(self.asgi, fault_body)
        self.app = self.faults

    # -- lifecycle -----------------------------------------------------------------------------------
    def reset(self, *, forget_snapshots: bool = False) -> None:
        """Back to the demo company and the factory switches, as a server just started: fault rules, sessions and
        the ``work`` and ``refusals`` counters cleared.

        Snapshots are kept (a backup taken before the reset can still be restored) unless ``forget_snapshots``:
        then they are dropped too, with the undo journal they kept, and the emulator is as if just started — what
        a test suite that serves one emulator to many tests asks for (``POST /_sandbox/reset``
        ``{"forget_snapshots": true}``).
        """
        if forget_snapshots:
            self.store.store.forget_snapshots()
        self.store.replace_all(seed.cached(self.demo))
        self.store.store.work = 0
        self.store.day_end_locked = False
        self.inventory_control = self._default_inventory_control
        self.refusals.clear()
        self._sessions.clear()
        if hasattr(self, "faults"):
            self.faults.clear()

    def snapshot(self) -> str:
        """Save the company state (O(1), see :class:`~cwsage.sandbox.sage300.store.Store`)."""
        return self.store.store.snapshot()

    def restore(self, snapshot_id: str) -> None:
        """Restore a snapshot ("Sage restored from a backup", counters included)."""
        self.store.store.restore(snapshot_id)

    # -- auth ----------------------------------------------------------------------------------------
    def _authenticate(self, request: Request) -> str | None:
        """I21: None when the session cookie is valid, a new session id after good Basic credentials."""
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            if request.cookies.get(SESSION_COOKIE) in self._sessions:
                return None
            raise SageError("Unauthorized", "Authorization has been denied for this request.")
        try:
            user, _, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise SageError("Unauthorized", "Invalid user ID or password.") from exc
        user = user.upper()
        if user == "ADMIN":
            if not self.allow_admin:
                raise SageError(
                    "Unauthorized",
                    "Access denied. The ADMIN user cannot use the Sage 300 Web API unless "
                    "AllowWebApiAccessForAdmin is set to true in the web.config files.",
                )
            if password != "ADMIN":  # noqa: S105 - the installation's default ADMIN login
                raise SageError("Unauthorized", "Invalid user ID or password.")
        elif not (user == demo.SAGE_USER and password == demo.SAGE_PASSWORD):
            raise SageError("Unauthorized", "Invalid user ID or password.")
        if request.cookies.get(SESSION_COOKIE) in self._sessions:
            return None
        session = secrets.token_urlsafe(18)
        self._sessions.add(session)
        return session

    def _check_content_type(self, request: Request) -> None:
        """DR22: every request carries ``Content-Type: application/json`` — GETs included — or gets a 500."""
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "application/json":
            self.refusals[NO_CONTENT_TYPE] += 1
            raise SageError(
                "InternalServerError",
                "An error has occurred. The request must be sent with the header Content-Type: application/json.",
            )

    def _refused(self, error: SageError) -> Response:
        """A Web API request's error answer, counted under its code (the control API's own errors are not)."""
        self.refusals[error.code] += 1
        return error_response(error)

    def _with_session(self, response: Response, session: str | None) -> Response:
        if session:
            response.set_cookie(SESSION_COOKIE, session, path="/Sage300WebApi", httponly=True, samesite="lax")
        return response

    # -- public endpoints ----------------------------------------------------------------------------
    async def _landing(self, request: Request) -> Response:
        return HTMLResponse(
            "<!doctype html><html><head><title>Sage 300 Web API</title></head><body>"
            f"<h1>Sage 300 Web API</h1><p>cwsage sandbox emulator ({self.dialect.version}), company "
            f"{demo.SAGE_COMPANY}.</p><p>Modules: {', '.join(vocab.MODULES)}; "
            f"<code>{API_ROOT}/{demo.SAGE_COMPANY}/AR/$metadata</code> describes AR.</p></body></html>"
        )

    async def _companies(self, request: Request) -> Response:
        try:
            self._check_content_type(request)
            session = self._authenticate(request)
            if not self.dialect.companies_list:
                raise no_resource("Resource 'Companies' was not found.")
        except SageError as error:
            return self._refused(error)
        profile = next(iter(self.store.rows("CS/CSCompanyProfile")), {})
        value = [{"CompanyID": demo.SAGE_COMPANY, "CompanyName": profile.get("CompanyName", demo.SAGE_COMPANY)}]
        key = "@odata.context" if self.dialect.odata4 else "odata.metadata"
        body = {key: f"{self._root(request)}{API_ROOT}/$metadata#Companies", "value": value}
        return self._with_session(json_response(body), session)

    @staticmethod
    def _root(request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}"

    async def _api(self, request: Request) -> Response:
        try:
            self._check_content_type(request)
            session = self._authenticate(request)
            response = await self._dispatch(request)
        except SageError as error:
            return self._refused(error)
        return self._with_session(response, session)

    async def _dispatch(self, request: Request) -> Response:
        company = str(request.path_params["company"])
        if company.upper() != demo.SAGE_COMPANY:
            raise SageError("DBLinkError", f"Cannot open the database of company '{company}': it does not exist.")
        module = vocab.MODULES.get(str(request.path_params["module"]).upper())
        text = str(request.path_params["resource"])
        if module is None:
            raise no_resource(f"Resource '{request.path_params['module']}/{text}' was not found.")
        if text == "$metadata":
            if module.code in self.dialect.forbidden_modules:
                raise SageError("Forbidden", f"The user does not have Web API rights to the {module.code} module.")
            if module.code == "IC" and not self.inventory_control:
                raise no_resource("Resource 'IC/$metadata' was not found: Inventory Control is not activated.")
            if request.method != "GET":
                raise SageError("MethodNotAllowed", f"{request.method} is not supported by $metadata.")
            return Response(metadata.edmx(module, self.dialect), media_type="application/xml; charset=utf-8")
        match = _RESOURCE.match(text)
        if match is None:
            raise no_resource(f"Resource '{module.code}/{text}' was not found.")
        resource = self.dialect.resource(module, match.group(1), inventory_control=self.inventory_control)
        entity = module.entity_of(resource)
        method = request.method
        if method not in resource.verbs and not (method == "POST" and match.group(2) == "'$template'"):
            raise SageError("MethodNotAllowed", f"{method} is not supported by {module.code}/{resource.name}.")
        raw_key = match.group(2)
        if raw_key in ("'$process'", "'$template'"):
            return await self._process(request, module, resource, entity, raw_key[2:-1])
        if resource.kind == "process":
            raise SageError("InvalidEntityKey", f"Call {resource.name}('$process') with the parameters as the body.")
        key = self._parse_key(raw_key, entity, module, resource) if raw_key is not None else None
        if method == "GET":
            return self._get(request, module, resource, entity, key)
        if self.store.day_end_locked:
            raise general("The record is locked by Day End Processing. Try again later.")
        if method == "POST":
            if key is not None:
                raise SageError("MethodNotAllowed", f"POST creates records: post to {resource.name} without a key.")
            body = self._read(module, entity, await self._body(request))
            row = self.store.write(lambda _: self._create(module, resource, body))
            return json_response(self._entity_answer(request, module, resource, entity, row), 201)
        if key is None:
            raise SageError("InvalidEntityKey", f"{method} needs the key of a {resource.name} record.")
        if method == "DELETE":
            self.store.write(lambda _: self.masters.delete(resource, key))
            return Response(status_code=204)
        body = self._read(module, entity, await self._body(request))
        self.store.write(lambda _: self._change(module, resource, key, body, purge=method == "PUT"))
        return Response(status_code=204)

    # -- writes --------------------------------------------------------------------------------------
    def _read(self, module: Module, entity: StructType, body: Any) -> Row:
        reader = Reader(module, odata4=self.dialect.odata4, renames=self.dialect.renames(module.code, entity))
        return reader.entity(entity, body)

    def _create(self, module: Module, resource: Resource, body: Row) -> Row:
        ready = self.dialect.odata4 and resource.path in _READY_IN_POST
        path = resource.path
        if path == "AR/ARInvoiceBatches":
            return invoices.create_batch(self.store, invoices.AR, body, ready_allowed=ready)
        if path == "AP/APInvoiceBatches":
            return invoices.create_batch(self.store, invoices.AP, body, ready_allowed=ready)
        if path == "AR/ARReceiptAndAdjustmentBatches":
            return receipts.create_batch(self.store, body, ready_allowed=ready)
        if path == "GL/GLJournalBatches":
            return journals.create_batch(self.store, body, ready_allowed=ready)
        if path == "IC/ICAdjustments":
            return inventory.create_adjustment(self.store, body)
        if path == "IC/ICTransfers":
            return inventory.create_transfer(self.store, body)
        return self.masters.create(module, resource, body)

    def _change(self, module: Module, resource: Resource, key: Key, body: Row, *, purge: bool) -> Row:
        path = resource.path
        if resource.kind == "transaction":
            if path in ("AR/ARInvoiceBatches", "AP/APInvoiceBatches"):
                return invoices.patch_batch(self.store, invoices.SIDES[module.code], key[0], body)
            if path == "AR/ARReceiptAndAdjustmentBatches":
                return receipts.patch_batch(self.store, key, body)
            return journals.patch_batch(self.store, key[0], body)
        return self.masters.change(module, resource, key, body, purge=purge)

    async def _process(
        self, request: Request, module: Module, resource: Resource, entity: StructType, action: str
    ) -> Response:
        if request.method != "POST":
            raise SageError("MethodNotAllowed", f"{request.method} is not supported by {resource.name}('${action}').")
        if action == "template":
            if not self.dialect.odata4:
                raise SageError("MethodNotAllowed", "('$template') is not supported by this version of the Web API.")
            return json_response(self._outgoing(module, entity, template(module, entity)))
        if resource.kind != "process":
            raise SageError("InvalidEntityKey", f"{resource.name} is not a process: ('$process') does not apply.")
        if self.store.day_end_locked:
            raise general("The record is locked by Day End Processing. Try again later.")
        body = self._read(module, entity, await self._body(request))
        path = resource.path
        if path == "AR/ARPostInvoices":
            self.store.write(lambda _: invoices.post_batches(self.store, invoices.AR, body))
        elif path == "AP/APPostInvoices":
            self.store.write(lambda _: invoices.post_batches(self.store, invoices.AP, body))
        elif path == "AR/ARPostReceiptsAndAdjustments":
            self.store.write(lambda _: receipts.post_batches(self.store, body))
        else:
            self.store.write(lambda _: journals.post_batches(self.store, body))
        return json_response(self._outgoing(module, entity, {**template(module, entity), **body}))

    @staticmethod
    async def _body(request: Request) -> Any:
        raw = await request.body()
        if not raw.strip():
            raise bad_payload("The request body is empty.")
        try:
            return loads(raw)
        except ValueError as exc:
            raise bad_payload(f"The request body is not valid JSON: {exc}.") from exc

    # -- keys ----------------------------------------------------------------------------------------
    def _parse_key(self, text: str, entity: StructType, module: Module, resource: Resource) -> Key:
        """``('1200')``, ``(25)``, ``(BatchRecordType='CA',BatchNumber=65)`` → the key tuple (DR22)."""
        renames = self.dialect.renames(module.code, entity)
        incoming = {wire: name for name, wire in renames.items()}
        parts = re.findall(r"(?:[^,']|'(?:[^']|'')*')+", text.strip())
        if not parts or len(parts) != len(entity.key):
            raise SageError(
                "InvalidEntityKey", f"The key ({text}) does not fit {resource.name}: {', '.join(entity.key)}."
            )
        values: dict[str, str] = {}
        if len(parts) == 1 and "=" not in parts[0].split("'")[0]:
            values[entity.key[0]] = parts[0].strip()
        else:
            for part in parts:
                name, sep, raw = part.partition("=")
                name = incoming.get(name.strip(), name.strip())
                if not sep or name not in entity.key:
                    raise SageError("InvalidEntityKey", f"'{part}' is not a key property of {resource.name}.")
                values[name] = raw.strip()
        key: list[Any] = []
        for name in entity.key:
            raw = values.get(name)
            prop = entity.by_name[name]
            if raw is None:
                raise SageError("InvalidEntityKey", f"The key property '{name}' is missing.")
            if prop.kind == "enum" or prop.type_name == "Edm.String":
                if len(raw) < 2 or raw[0] != "'" or raw[-1] != "'":
                    raise SageError("InvalidEntityKey", f"The key value {raw} of '{name}' must be a quoted string.")
                value: Any = raw[1:-1].replace("''", "'")
                if resource.path == "GL/GLJournalBatches":
                    value = journals.batch_key(value)
            else:
                if not re.fullmatch(r"-?\d+[mMlL]?", raw):
                    raise SageError("InvalidEntityKey", f"The key value {raw} of '{name}' must be a number.")
                value = int(raw.rstrip("mMlL"))
            key.append(value)
        return tuple(key)

    # -- reads ---------------------------------------------------------------------------------------
    def _context(self, request: Request, resource: Resource, suffix: str = "") -> dict[str, str]:
        base = f"{self._root(request)}{API_ROOT}/{demo.SAGE_COMPANY}/{resource.module}/$metadata#"
        name = self.dialect.name_of(resource)
        if self.dialect.odata4:
            return {"@odata.context": f"{base}{name}{suffix or ''}"}
        return {"odata.metadata": f"{base}{name}{'/@Element' if suffix == '/$entity' else suffix}"}

    def _entity_answer(self, request: Request, module: Module, resource: Resource, entity: StructType, row: Row) -> Row:
        return {**self._context(request, resource, "/$entity"), **self._outgoing(module, entity, row)}

    def _get(
        self, request: Request, module: Module, resource: Resource, entity: StructType, key: Key | None
    ) -> Response:
        renames = self.dialect.renames(module.code, entity)
        params = dict(request.query_params)
        query = parse_query(params, module, entity, odata4=self.dialect.odata4, renames=renames)
        table = self.store.store.table(resource.path)
        if key is not None:
            with self.store.store.lock:
                row = table.get(key)
            if row is None:
                raise SageError("RecordNotFound", f"{resource.name}({', '.join(map(str, key))}) does not exist.")
            answer = self._outgoing(module, entity, project(row, query.select))
            return json_response({**self._context(request, resource, "/$entity"), **answer})
        if query.top is not None and query.top <= MAX_TOP:
            size, limit = query.top, query.top
        else:
            size = MAX_TOP if query.top is not None else self.page_size
            limit = size
        with self.store.store.lock:
            page, total = matching_rows(table, query, limit)
        next_params: dict[str, str] | None = None
        remaining = total - query.skip if query.top is None else min(total - query.skip, query.top)
        if remaining > size:
            next_params = dict(params)
            next_params["$skip"] = str(query.skip + size)
            if query.top is not None:
                next_params["$top"] = str(query.top - size)
        selected = f"({','.join(renames.get(n, n) for n in query.select)})" if query.select else ""
        body: dict[str, Any] = self._context(request, resource, selected)
        if query.count:
            body["@odata.count" if self.dialect.odata4 else "odata.count"] = (
                total if self.dialect.odata4 else str(total)
            )
        body["value"] = [self._outgoing(module, entity, project(r, query.select)) for r in page]
        if next_params is not None:
            link = f"{self._root(request)}{request.url.path}?{urlencode(next_params)}"
            body["@odata.nextLink" if self.dialect.odata4 else "odata.nextLink"] = link
        return json_response(body)

    def _outgoing(self, module: Module, entity: StructType, row: Row) -> Row:
        """A stored row as this dialect writes it (v1.0: as stored; 2016: MD16 keys, v3 value formats)."""
        if self.dialect.odata4:
            return row
        return _v3(module, entity, row, self.dialect.renames(module.code, entity))

    # -- control API ---------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """What ``GET /_sandbox/state`` answers."""
        return {
            **self.store.summary(),
            "dialect": {
                "version": self.dialect.version,
                "forbidden_modules": sorted(self.dialect.forbidden_modules),
                "company_profile": self.dialect.company_profile,
                "companies_list": self.dialect.companies_list,
            },
            "inventory_control": self.inventory_control,
            "work": self.store.store.work,
            "refusals": dict(sorted(self.refusals.items())),
        }

    async def _state(self, request: Request) -> Response:
        if request.query_params.get("full") in ("1", "true"):
            return json_response({**self.state(), "data": self.store.export_seed()})
        return json_response(self.state())

    async def _reset(self, request: Request) -> Response:
        forget = False
        if (await request.body()).strip():
            try:
                body = await self._body(request)
            except SageError as error:
                return error_response(error)
            if not isinstance(body, dict) or set(body) - {"forget_snapshots"}:
                return error_response(bad_query('Send nothing, or {"forget_snapshots": true|false}.'))
            value = body.get("forget_snapshots", False)
            if not isinstance(value, bool):
                return error_response(bad_query('Send nothing, or {"forget_snapshots": true|false}.'))
            forget = value
        self.reset(forget_snapshots=forget)
        return json_response(self.state())

    async def _load(self, request: Request) -> Response:
        try:
            body = await self._body(request)
            self.store.load_seed(body, lambda: {k: list(v) for k, v in seed.cached(self.demo).items()})
        except SageError as error:
            return error_response(error)
        return json_response(self.state())

    async def _export(self, request: Request) -> Response:
        return json_response(self.store.export_seed())

    async def _snapshot(self, request: Request) -> Response:
        return json_response({"snapshot": self.snapshot()})

    async def _restore(self, request: Request) -> Response:
        try:
            body = await self._body(request)
            self.restore(str(body.get("snapshot") if isinstance(body, dict) else body))
        except SageError as error:
            return error_response(error)
        except KeyError:
            return json_response(envelope("RecordNotFound", "Unknown snapshot."), 404)
        return json_response(self.state())

    async def _switch(self, request: Request, field: str) -> bool | Response:
        try:
            body = await self._body(request)
        except SageError as error:
            return error_response(error)
        if not isinstance(body, dict) or not isinstance(body.get(field), bool):
            return error_response(bad_query(f'Send {{"{field}": true|false}}.'))
        return bool(body[field])

    async def _day_end(self, request: Request) -> Response:
        value = await self._switch(request, "locked")
        if isinstance(value, Response):
            return value
        self.store.day_end_locked = value
        return json_response({"day_end_locked": value})

    async def _inventory_control(self, request: Request) -> Response:
        value = await self._switch(request, "enabled")
        if isinstance(value, Response):
            return value
        self.inventory_control = value
        return json_response({"inventory_control": value})

    async def _faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
            return json_response({"faults": []})
        if request.method == "POST":
            try:
                body = await self._body(request)
                if not isinstance(body, dict):
                    raise bad_query("A fault is a JSON object.")
                allowed = {f.name for f in fields(Fault)} - {"id", "fired"}
                unknown = set(body) - allowed
                if unknown:
                    raise bad_query(f"Unknown fault properties: {', '.join(sorted(unknown))}.")
                if body.get("kind") not in ("latency", "status", "hang", "drop"):
                    raise bad_query("kind must be latency, status, hang or drop.")
                values: dict[str, Any] = {k: float(v) if k == "delay_seconds" else v for k, v in body.items()}
                fault = self.faults.add(Fault(**values))
            except SageError as error:
                return error_response(error)
            except TypeError as exc:
                return error_response(bad_query(str(exc)))
            return json_response({"id": fault.id, "faults": self.faults.rules()}, 201)
        return json_response({"faults": self.faults.rules()})

    async def _receipts(self, request: Request) -> Response:
        """Enter, ready and post one customer receipt: ``{customer, date, amount?, reference?,
        applications: [{document, amount}]}`` (the sandbox's stand-in for a cashier)."""
        try:
            body = await self._body(request)
            if not isinstance(body, dict):
                raise bad_query("A receipt is a JSON object.")
            batch = self.store.write(lambda _: record_receipt(self, body))
        except SageError as error:
            return error_response(error)
        return json_response(batch, 201)


def record_receipt(emulator: SageEmulator, body: dict[str, Any]) -> Row:
    """Enter, ready and post one receipt through the same rules as the API (the control API's cashier)."""
    module = vocab.AR
    applications = body.get("applications") or []
    if not isinstance(applications, list):
        raise bad_query("applications must be a list.")
    lines = [
        {"DocumentNumber": str(a.get("document") or ""), "CustomerReceiptAmount": _amount(a.get("amount"))}
        for a in applications
        if isinstance(a, dict)
    ]
    entry: Row = {
        "CustomerNumber": str(body.get("customer") or ""),
        "ReceiptTransactionType": "Receipt",
        "ReceiptDateAdjustmentDate": body.get("date"),
        "EntryReference": str(body.get("reference") or body.get("check") or ""),
        "AppliedReceiptsAdjustments": lines,
    }
    if body.get("amount") is not None:
        entry["CustomerReceiptAmount"] = _amount(body["amount"])
    raw = {
        "BatchRecordType": "CA",
        "BatchDate": body.get("date"),
        "Description": "Sandbox receipt",
        "ReceiptsAdjustments": [entry],
    }
    entity = module.type_by_name["ReceiptAndAdjustmentBatch"]
    batch = receipts.create_batch(emulator.store, Reader(module, odata4=True).entity(entity, raw), ready_allowed=True)
    emulator.store.store.update(receipts.TABLE, ("CA", batch["BatchNumber"]), BatchStatus="ReadyToPost")
    number = batch["BatchNumber"]
    receipts.post_batches(emulator.store, {"BatchType": "CA", "PostBatchFrom": number, "PostBatchTo": number})
    return emulator.store.get(receipts.TABLE, "CA", number) or batch


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise bad_query(f"{value!r} is not an amount.")
    try:
        return Decimal(str(value))
    except ArithmeticError as exc:
        raise bad_query(f"{value!r} is not an amount.") from exc


def _v3(module: Module, struct: StructType, row: Row, renames: dict[str, str]) -> Row:
    """OData v3 JSON: Edm.Decimal and Edm.Int64 as strings, Edm.DateTime without an offset, MD16 key names."""
    out: Row = {}
    for name, value in row.items():
        prop = struct.by_name.get(name)
        wire = renames.get(name, name)
        if prop is None or value is None:
            out[wire] = value
        elif prop.kind == "collection":
            item = module.item_type(prop)
            out[wire] = [_v3(module, item, line, {}) for line in value]
        elif prop.kind == "primitive" and prop.type_name in (DECIMAL, INT64) and not isinstance(value, bool):
            out[wire] = format(value, "f") if isinstance(value, Decimal) else str(value)
        elif prop.kind == "primitive" and prop.type_name == DATETIME and isinstance(value, str):
            out[wire] = value.rstrip("Z")
        else:
            out[wire] = value
    return out


def create_app(
    *,
    company: demo.DemoCompany = demo.DEMO,
    version: Version = "v1.0",
    inventory_control: bool = True,
    forbidden_modules: frozenset[str] | set[str] | tuple[str, ...] = (),
    company_profile: bool = True,
    companies_list: bool = False,
    allow_admin: bool = False,
    page_size: int = 100,
) -> SageEmulator:
    """A fresh emulator seeded with ``company``; serve ``.app`` (ASGI, faults included).

    Args:
        company: the demo master data to derive the Sage company from.
        version: ``"v1.0"`` (default, OData v4) or ``"2016"`` (MD16 names and keys, OData v3).
        inventory_control: whether the IC module is activated (every ``IC/…`` → 404 when not).
        forbidden_modules: modules the Web API user has no rights to (every request → 403).
        company_profile: whether ``CS/CSCompanyProfile`` exists (404 when not).
        companies_list: whether ``-/Companies`` is served (I1).
        allow_admin: ``AllowWebApiAccessForAdmin`` (ADMIN/ADMIN accepted).
        page_size: server page size for collections without ``$top`` (I22).
    """
    unknown = {m.upper() for m in forbidden_modules} - set(vocab.MODULES)
    if unknown:
        raise ValueError(f"unknown modules: {sorted(unknown)}")
    dialect = Dialect(
        version=version,
        forbidden_modules=frozenset(m.upper() for m in forbidden_modules),
        company_profile=company_profile,
        companies_list=companies_list,
    )
    return SageEmulator(
        company=company,
        dialect=dialect,
        inventory_control=inventory_control,
        allow_admin=allow_admin,
        page_size=page_size,
    )


__all__ = ["SESSION_COOKIE", "SageEmulator", "create_app"]
