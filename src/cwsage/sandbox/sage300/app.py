"""The Sage 300 Web API emulator as an ASGI app: URLs, Basic auth + session cookie, OData reads,
writes with Sage's business rules, process endpoints, and the ``/_sandbox/`` control API.

Why a product rather than a mock: a new user tries cwsage against it and every test talks to it over
real HTTP, so it answers like an installation (reference §1: ``/Sage300WebApi/v1.0/-/{COMPANY}/…``,
OData JSON, 201/204/409 and the ``{"error":…}`` envelope) and can be faulted, seeded and inspected.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from cwsage.sandbox import demo_company as demo
from cwsage.sandbox.faults import Fault, FaultInjector
from cwsage.sandbox.sage300 import inferred, inventory, invoices, journals, masters, receipts
from cwsage.sandbox.sage300.common import Data, Row, find
from cwsage.sandbox.sage300.errors import SageError, bad_request, envelope, not_found
from cwsage.sandbox.sage300.jsonio import dumps, loads
from cwsage.sandbox.sage300.odata import parse_options, project, sort_rows
from cwsage.sandbox.sage300.store import SageStore

SESSION_COOKIE = "Sage300WebApiSession"
API_ROOT = "/Sage300WebApi/v1.0/-"
MAX_TOP = 1000
_RESOURCE = re.compile(r"^([A-Za-z0-9_]+)(?:\((.*)\))?$", re.DOTALL)
_STATUS_CODES = {401: "Unauthorized", 404: "NotFound", 429: "TooManyRequests", 504: "GatewayTimeout"}

Key = str | int | dict[str, str | int] | None
PostFn = Callable[[Data, Any], Row]
PatchFn = Callable[[Data, Any, Any], None]
DeleteFn = Callable[[Data, Any], None]


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer written without floats."""
    return Response(dumps(value), status_code=status, media_type="application/json; charset=utf-8", headers=headers)


def error_response(error: SageError) -> Response:
    """Sage's error envelope for ``error``."""
    headers = {"WWW-Authenticate": 'Basic realm="Sage300WebApi"'} if error.status == 401 else None
    return json_response(error.body(), error.status, headers)


def fault_body(status: int, message: str) -> bytes:
    """The envelope the fault injector writes for injected failures."""
    return dumps(envelope(_STATUS_CODES.get(status, "General"), message)).encode()


def parse_key(text: str) -> Key:
    """``'X'`` → str, ``123`` → int, ``A='CA',B=12`` → dict (reference §1.2)."""
    text = text.strip()
    if not text:
        return None

    def value(raw: str) -> str | int:
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == "'":
            return raw[1:-1].replace("''", "'")
        if re.fullmatch(r"-?\d+", raw):
            return int(raw)
        raise bad_request(f"The key value '{raw}' is not valid.")

    parts = re.findall(r"(?:[^,']|'(?:[^']|'')*')+", text)
    if len(parts) == 1 and "=" not in parts[0].split("'")[0]:
        return value(parts[0])
    composite: dict[str, str | int] = {}
    for part in parts:
        name, _, raw = part.partition("=")
        composite[name.strip()] = value(raw)
    return composite


@dataclass(frozen=True)
class Writes:
    """The write verbs a resource supports."""

    post: PostFn | None = None
    patch: PatchFn | None = None
    delete: DeleteFn | None = None


def _single(key: Key, name: str) -> Any:
    if isinstance(key, dict):
        if name not in key:
            raise bad_request(f"The key property '{name}' is missing.")
        return key[name]
    return key


def _receipt_key(key: Key) -> int:
    if isinstance(key, dict):
        if str(key.get("BatchRecordType", "CA")) != "CA":
            raise not_found("Only BatchRecordType 'CA' batches exist.", "RecordNotFound")
        return int(key.get("BatchNumber", 0))
    return int(key or 0)


def _patch_receipt_batch(data: Data, key: Key, body: Any) -> None:
    batch = receipts.get_batch(data, _receipt_key(key))
    side = invoices.Side(
        **{f.name: getattr(invoices.AR, f.name) for f in fields(invoices.Side)} | {"batches": "ar_receipt_batches"}
    )
    if isinstance(body, dict) and "ReceiptsAdjustments" in body:
        raise SageError(409, "General", "Entries cannot be added to an existing batch through a PATCH of the batch.")
    invoices.patch_batch(data, side, batch["BatchNumber"], dict((body or {}).items()))


def _delete_receipt_batch(data: Data, key: Key) -> None:
    batch = receipts.get_batch(data, _receipt_key(key))
    side = invoices.Side(
        **{f.name: getattr(invoices.AR, f.name) for f in fields(invoices.Side)} | {"batches": "ar_receipt_batches"}
    )
    invoices.delete_batch(data, side, batch["BatchNumber"])


WRITES: dict[str, Writes] = {
    "ARInvoiceBatches": Writes(
        post=lambda d, b: invoices.create_batch(d, invoices.AR, b),
        patch=lambda d, k, b: invoices.patch_batch(d, invoices.AR, int(_single(k, "BatchNumber")), b),
        delete=lambda d, k: invoices.delete_batch(d, invoices.AR, int(_single(k, "BatchNumber"))),
    ),
    "APInvoiceBatches": Writes(
        post=lambda d, b: invoices.create_batch(d, invoices.AP, b),
        patch=lambda d, k, b: invoices.patch_batch(d, invoices.AP, int(_single(k, "BatchNumber")), b),
        delete=lambda d, k: invoices.delete_batch(d, invoices.AP, int(_single(k, "BatchNumber"))),
    ),
    "ARReceiptAndAdjustmentBatches": Writes(
        post=receipts.create_batch,
        patch=_patch_receipt_batch,
        delete=_delete_receipt_batch,
    ),
    "GLJournalBatches": Writes(
        post=journals.create_batch,
        patch=lambda d, k, b: journals.patch_batch(d, _single(k, "BatchNumber"), b),
        delete=lambda d, k: journals.delete_batch(d, _single(k, "BatchNumber")),
    ),
    "ARCustomers": Writes(
        post=masters.create_customer,
        patch=lambda d, k, b: masters.patch_customer(d, str(_single(k, "CustomerNumber")), b),
    ),
    "APVendors": Writes(
        post=masters.create_vendor, patch=lambda d, k, b: masters.patch_vendor(d, str(_single(k, "VendorNumber")), b)
    ),
    "ICItems": Writes(
        post=masters.create_item, patch=lambda d, k, b: masters.patch_item(d, str(_single(k, "ItemNumber")), b)
    ),
    "ICAdjustments": Writes(post=inventory.create_adjustment),
    "ICTransfers": Writes(post=inventory.create_transfer),
}
PROCESSES: dict[str, Callable[[Data, Any], Row]] = {
    "ARPostInvoices": lambda d, b: invoices.post_batches(d, invoices.AR, b),
    "APPostInvoices": lambda d, b: invoices.post_batches(d, invoices.AP, b),
    "ARPostReceiptsAndAdjustments": receipts.post_batches,
    "GLPostJournals": journals.post_batches,
}


def _matches(resource: inferred.ResourceDef, row: Row, key: Key) -> bool:
    if isinstance(key, dict):
        return all(str(row.get(name)) == str(value) for name, value in key.items())
    if resource.name == "GLJournalBatches":
        return row.get("BatchNumber") == journals.batch_key(key)
    return str(row.get(resource.keys[0])) == str(key)


class SageEmulator:
    """One emulated Sage 300 installation (company CWDEMO)."""

    def __init__(
        self,
        *,
        company: demo.DemoCompany = demo.DEMO,
        inventory_control: bool = True,
        allow_admin: bool = False,
        page_size: int = 100,
    ) -> None:
        self.store = SageStore(company, inventory_control=inventory_control)
        self.allow_admin = allow_admin
        self.page_size = page_size
        self._sessions: set[str] = set()
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

    # -- lifecycle helpers ---------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the demo company; fault rules cleared."""
        self.store.reset()
        self.faults.clear()

    def snapshot(self) -> str:
        """Save the company state (see :class:`SageStore`)."""
        return self.store.snapshot()

    def restore(self, snapshot_id: str) -> None:
        """Restore a snapshot ("Sage restored from a backup")."""
        self.store.restore(snapshot_id)

    # -- auth ----------------------------------------------------------------------------------------
    def _authenticate(self, request: Request) -> str | None:
        """None when the session cookie is valid, a new session id after good Basic credentials."""
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            if request.cookies.get(SESSION_COOKIE) in self._sessions:
                return None
            raise SageError(401, "Unauthorized", "Authorization has been denied for this request.")
        try:
            user, _, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise SageError(401, "Unauthorized", inferred.BAD_CREDENTIALS) from exc
        user = user.upper()
        if user == "ADMIN" and password == "ADMIN":  # noqa: S105 - the installation's default ADMIN login
            if not self.allow_admin:
                raise SageError(401, "Unauthorized", inferred.ADMIN_REFUSED)
        elif not (user == demo.SAGE_USER and password == demo.SAGE_PASSWORD):
            raise SageError(401, "Unauthorized", inferred.BAD_CREDENTIALS)
        if request.cookies.get(SESSION_COOKIE) in self._sessions:
            return None
        session = secrets.token_urlsafe(18)
        self._sessions.add(session)
        return session

    def _with_session(self, response: Response, session: str | None) -> Response:
        if session:
            response.set_cookie(SESSION_COOKIE, session, path="/Sage300WebApi", httponly=True, samesite="lax")
        return response

    # -- public endpoints ----------------------------------------------------------------------------
    async def _landing(self, request: Request) -> Response:
        return HTMLResponse(
            "<!doctype html><html><head><title>Sage 300 Web API</title></head><body>"
            "<h1>Sage 300 Web API</h1><p>cwsage sandbox emulator, company "
            f'{demo.SAGE_COMPANY}.</p><p><a href="{API_ROOT}/{demo.SAGE_COMPANY}/">Swagger UI</a> '
            "(not served by the emulator: see docs/sage300-inferred.md).</p></body></html>"
        )

    async def _companies(self, request: Request) -> Response:
        try:
            session = self._authenticate(request)
        except SageError as error:
            return error_response(error)
        profile = self.store.read(lambda d: d["company_profile"][0])
        body = {
            "@odata.context": f"{self._root(request)}{API_ROOT}/$metadata#Companies",
            "value": [{"CompanyID": profile["CompanyID"], "CompanyName": profile["CompanyName"]}],
        }
        return self._with_session(json_response(body), session)

    @staticmethod
    def _root(request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}"

    async def _api(self, request: Request) -> Response:
        try:
            session = self._authenticate(request)
            response = await self._dispatch(request)
        except SageError as error:
            return error_response(error)
        return self._with_session(response, session)

    async def _dispatch(self, request: Request) -> Response:
        company = str(request.path_params["company"])
        module = str(request.path_params["module"]).upper()
        resource_text = str(request.path_params["resource"])
        if company.upper() != demo.SAGE_COMPANY:
            raise not_found(f"Company '{company}' does not exist.")
        match = _RESOURCE.match(resource_text)
        resource = inferred.RESOURCE_INDEX.get((module, match.group(1).lower())) if match else None
        if module == "IC" and not self.store.inventory_control:
            name = match.group(1) if match else resource_text
            raise not_found(inferred.IC_MISSING.format(resource=f"IC/{name}", company=demo.SAGE_COMPANY))
        if match is None or resource is None:
            raise not_found(f"Resource '{module}/{resource_text}' was not found.")
        key = parse_key(match.group(2)) if match.group(2) is not None else None
        method = request.method
        if resource.process:
            if method != "POST" or key != "$process":
                raise SageError(405, "MethodNotAllowed", f"{method} is not supported by {module}/{resource.name}.")
            body = await self._body(request)
            self._check_day_end()
            result = self.store.write(lambda d: PROCESSES[resource.name](d, body))
            return json_response(result, 200)
        if method == "GET":
            return self._get(request, resource, key)
        writes = WRITES.get(resource.name, Writes())
        if method == "POST" and key is None and writes.post is not None:
            body = await self._body(request)
            self._check_day_end()
            post = writes.post
            row = self.store.write(lambda d: post(d, body))
            context = f"{self._context(request, resource)}/$entity"
            return json_response({"@odata.context": context, **row}, 201)
        if method == "PATCH" and key is not None and writes.patch is not None:
            body = await self._body(request)
            self._check_day_end()
            patch = writes.patch
            self.store.write(lambda d: patch(d, key, body))
            return Response(status_code=204)
        if method == "DELETE" and key is not None and writes.delete is not None:
            self._check_day_end()
            delete = writes.delete
            self.store.write(lambda d: delete(d, key))
            return Response(status_code=204)
        raise SageError(405, "MethodNotAllowed", f"{method} is not supported by {module}/{resource.name}.")

    def _check_day_end(self) -> None:
        if self.store.day_end_locked:
            raise SageError(409, "RecordDuplicate", inferred.DAY_END_MESSAGE)

    @staticmethod
    async def _body(request: Request) -> Any:
        raw = await request.body()
        if not raw.strip():
            raise bad_request("The request body is empty.")
        try:
            return loads(raw)
        except ValueError as exc:
            raise bad_request(f"The request body is not valid JSON: {exc}.") from exc

    def _context(self, request: Request, resource: inferred.ResourceDef) -> str:
        company = demo.SAGE_COMPANY
        return f"{self._root(request)}{API_ROOT}/{company}/{resource.module}/$metadata#{resource.name}"

    def _get(self, request: Request, resource: inferred.ResourceDef, key: Key) -> Response:
        params = dict(request.query_params)
        options = parse_options(params, resource.fields, resource.type_name, resource.enum_map())
        if key is not None:
            row = self.store.read(lambda d: next((r for r in d[resource.table] if _matches(resource, r, key)), None))
            if row is None:
                raise not_found(f"{resource.name}({match_text(key)}) does not exist.", "RecordNotFound")
            return json_response(
                {"@odata.context": f"{self._context(request, resource)}/$entity", **project(row, options.select)}
            )
        rows: list[Row] = self.store.read(lambda d: list(d[resource.table]))
        if options.predicate is not None:
            predicate = options.predicate
            rows = [r for r in rows if predicate(r)]
        if options.orderby:
            rows = sort_rows(rows, options.orderby)
        total = len(rows)
        rows = rows[options.skip :]
        next_params: dict[str, str] | None = None
        if options.top is not None and options.top <= MAX_TOP:
            page = rows[: options.top]
        else:
            size = MAX_TOP if options.top is not None else self.page_size
            page = rows[:size]
            remaining = len(rows) if options.top is None else min(len(rows), options.top)
            if remaining > size:
                next_params = dict(params)
                next_params["$skip"] = str(options.skip + size)
                if options.top is not None:
                    next_params["$top"] = str(options.top - size)
        context = self._context(request, resource)
        if options.select is not None:
            context += f"({','.join(options.select)})"
        body: dict[str, Any] = {"@odata.context": context}
        if options.count:
            body["@odata.count"] = total
        body["value"] = [project(r, options.select) for r in page]
        if next_params is not None:
            base = f"{self._root(request)}{request.url.path}"
            body["@odata.nextLink"] = f"{base}?{urlencode(next_params)}"
        return json_response(body)

    # -- control API ---------------------------------------------------------------------------------
    async def _state(self, request: Request) -> Response:
        if request.query_params.get("full") in ("1", "true"):
            return json_response({**self.store.summary(), "data": self.store.export_seed()})
        return json_response(self.store.summary())

    async def _reset(self, request: Request) -> Response:
        self.reset()
        return json_response(self.store.summary())

    async def _load(self, request: Request) -> Response:
        try:
            self.store.load_seed(await self._body(request))
        except SageError as error:
            return error_response(error)
        return json_response(self.store.summary())

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
        return json_response(self.store.summary())

    async def _switch(self, request: Request, field: str) -> bool | Response:
        try:
            body = await self._body(request)
        except SageError as error:
            return error_response(error)
        if not isinstance(body, dict) or not isinstance(body.get(field), bool):
            return error_response(bad_request(f'Send {{"{field}": true|false}}.'))
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
        self.store.inventory_control = value
        return json_response({"inventory_control": value})

    async def _faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
            return json_response({"faults": []})
        if request.method == "POST":
            try:
                body = await self._body(request)
                if not isinstance(body, dict):
                    raise bad_request("A fault is a JSON object.")
                allowed = {f.name for f in fields(Fault)} - {"id", "fired"}
                unknown = set(body) - allowed
                if unknown:
                    raise bad_request(f"Unknown fault properties: {', '.join(sorted(unknown))}.")
                if body.get("kind") not in ("latency", "status", "hang", "drop"):
                    raise bad_request("kind must be latency, status, hang or drop.")
                values: dict[str, Any] = {k: float(v) if k == "delay_seconds" else v for k, v in body.items()}
                fault = self.faults.add(Fault(**values))
            except SageError as error:
                return error_response(error)
            except TypeError as exc:
                return error_response(bad_request(str(exc)))
            return json_response({"id": fault.id, "faults": self.faults.rules()}, 201)
        return json_response({"faults": self.faults.rules()})

    async def _receipts(self, request: Request) -> Response:
        try:
            body = await self._body(request)
            batch = self.store.write(lambda d: receipts.record_receipt(d, body))
        except SageError as error:
            return error_response(error)
        return json_response(batch, 201)


def match_text(key: Key) -> str:
    """A key as written in the URL (for messages)."""
    if isinstance(key, dict):
        return ",".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in key.items())
    return repr(key) if isinstance(key, str) else str(key)


def create_app(
    *,
    company: demo.DemoCompany = demo.DEMO,
    inventory_control: bool = True,
    allow_admin: bool = False,
    page_size: int = 100,
) -> SageEmulator:
    """A fresh emulator seeded with ``company``; serve ``.app`` (ASGI, faults included).

    Args:
        company: the demo master data to derive the Sage company from.
        inventory_control: whether the IC module is activated (decision 2 when not).
        allow_admin: ``AllowWebApiAccessForAdmin`` (ADMIN/ADMIN accepted).
        page_size: server page size for collections without ``$top`` (decision 20).
    """
    return SageEmulator(
        company=company, inventory_control=inventory_control, allow_admin=allow_admin, page_size=page_size
    )


__all__ = ["SESSION_COOKIE", "SageEmulator", "create_app", "find"]
