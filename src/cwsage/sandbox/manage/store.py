"""The Manage emulator's in-memory state and its business rules (batching, payments, exports).

Why separate from the HTTP layer: tests inspect and drive the state directly (``unposted_invoice_ids()``,
``payments_of()``…), and every rule here can be read without the routing noise. All public methods take
the store's lock; the HTTP layer never touches the seed document directly.

Why it looks the way it does (issue 14: linear in the size of the company):

* ``doc`` is the live state, in the seed format (:mod:`cwsage.sandbox.manage.seed`). Nothing copies it per
  request or per write: reads answer from it under the lock and serialise only what they return; writes
  validate everything first and then apply (a failed write changes nothing). Only ``export_seed()``,
  ``batches`` and ``load()`` copy, and they are rare.
* Beside it, indexes built on load and kept up to date by every write: records by id (``invoices`` …), GL
  entry id → record (``owner``), GL entry id → batch (``batched``), per record the number of GL entries
  not yet batched (a record is unposted while that is above zero) and the unposted ids per kind, batches
  by id and by identifier, payments by id and by invoice, invoices by number, and field indexes
  (:mod:`cwsage.sandbox.manage.index`) for what the API filters on.
* :meth:`Store.select` answers a list request (``conditions``, ``orderBy``, ``pageId``) for the large
  collections from those indexes, testing records one by one only for conditions no index answers, and
  keeps the ordered ids of the last few queries so that the pages of one listing cost one page each.
* ``meter`` (:class:`~cwsage.sandbox.manage.index.WorkMeter`) counts rows built, records scanned and
  index values tested, so tests can check that work follows the size of the answer.
"""

from __future__ import annotations

import bisect
import copy
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.manage import glexport as gx
from cwsage.sandbox.manage.index import Extract, FieldIndex, WorkMeter, path_key, plan
from cwsage.sandbox.manage.query import (
    compile_conditions,
    get_path,
    order_specs,
    parse_datetime,
    sort_key,
)
from cwsage.sandbox.manage.seed import SEED_FORMAT, CompanySpec, build_seed, generate_company, generate_invoices

FIRST_GL_ENTRY_ID = 90001
SUMMARIZE_VALUES = ("Default", "Condensed", "Detailed")
EXPORT_FLAGS_MESSAGE = "Batch export must include invoices, expenses, or products (procurement)."
BATCH_FLAGS_MESSAGE = "Batch must export Invoices, Expenses or Products."
KINDS = ("invoices", "expenses", "procurement")
ENTRY_KIND = {"invoices": "invoice", "expenses": "expense", "procurement": "procurement"}
"""Seed collection → the kind name GL entries carry in ``owner`` (``invoice``/``expense``/``procurement``)."""
KIND_KEY = {entry: kind for kind, entry in ENTRY_KIND.items()}
FLAG_OF = {"invoice": "exportInvoicesFlag", "expense": "exportExpensesFlag", "procurement": "exportProductsFlag"}
COLLECTIONS = {
    "unpostedinvoices": "invoices",
    "unpostedexpenses": "expenses",
    "unpostedprocurement": "procurement",
    "invoices": "invoices",
    "batches": "batches",
}
"""The collections :meth:`Store.select` serves, and the seed list each is drawn from."""
QUERY_CACHE_SIZE = 8


@dataclass
class FieldError:
    """One entry of Manage's ``errors[]``."""

    code: str
    message: str
    field: str
    resource: str = ""


class ApiError(Exception):
    """An error answered with Manage's error body."""

    def __init__(self, status: int, code: str, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or []

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        return {
            "code": self.code,
            "message": self.message,
            "errors": [
                {"code": e.code, "message": e.message, "resource": e.resource, "field": e.field} for e in self.errors
            ],
        }


def invalid(resource: str, field_name: str, message: str, code: str = "InvalidObject") -> ApiError:
    """A 400 ``InvalidObject`` naming one field."""
    return ApiError(
        400, "InvalidObject", f"{resource} object is invalid", [FieldError(code, message, field_name, resource)]
    )


def now_utc() -> datetime:
    """The server clock."""
    return datetime.now(UTC)


def stamp(moment: datetime | None = None) -> str:
    """An ``_info`` timestamp."""
    return (moment or now_utc()).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Token:
    """A member-impersonation key pair."""

    public: str
    private: str
    member: str
    expires: datetime


def field_extractors(books: gx.Books) -> dict[str, dict[str, Extract]]:
    """Per collection, the indexed field paths and how each value is read off a stored record.

    Every function returns exactly what the collection's JSON holds at that path (the index tests rely on
    it, and ``tests/emulators/manage/test_indexes.py`` checks it against a brute-force filter).
    """

    def company(part: str) -> Extract:
        def get(inv: dict[str, Any]) -> Any:
            ref = books.company_ref(inv["companyId"])
            return ref[part] if ref else None

        return get

    def member(part: str) -> Extract:
        return lambda exp: books.member_ref(exp["memberId"])[part]

    def customer_account(inv: dict[str, Any]) -> Any:
        return books.companies.get(inv["companyId"], {}).get("accountNumber", "")

    def expense_location(exp: dict[str, Any]) -> Any:
        return (books.members[exp["memberId"]].get("defaultLocation") or {}).get("id")

    invoice: dict[str, Extract] = {
        "id": lambda r: r["id"],
        "invoicenumber": lambda r: r["invoiceNumber"],
        "locationid": lambda r: r["locationId"],
        "company/id": company("id"),
        "company/identifier": company("identifier"),
        "accountnumber": customer_account,
    }
    return {
        "unpostedinvoices": {
            **invoice,
            "billinglogid": lambda r: r["id"],
            "invoicetype": lambda r: r["type"],
            "invoicedate": lambda r: gx.api_date(r["date"]),
        },
        "invoices": {**invoice, "type": lambda r: r["type"], "date": lambda r: gx.api_date(r["date"])},
        "unpostedexpenses": {
            "id": lambda r: r["id"],
            "locationid": expense_location,
            "dateexpense": lambda r: gx.api_date(r["date"]),
            "member/id": member("id"),
            "member/identifier": member("identifier"),
        },
        "unpostedprocurement": {
            "id": lambda r: r["id"],
            "locationid": lambda r: r.get("locationId"),
            "purchasedate": lambda r: gx.api_date(r["date"]),
            "procurementtype": lambda r: r["procurementType"],
            "unpostedproductid": lambda r: str(r["id"]),
        },
        "batches": {"id": lambda b: b["id"], "batchidentifier": lambda b: b["batchIdentifier"]},
    }


@dataclass
class Derived:
    """Everything the store derives from a seed document; built apart, then installed at once."""

    doc: dict[str, Any]
    books: gx.Books
    records: dict[str, dict[int, dict[str, Any]]]
    seq: dict[str, dict[int, int]]
    owner: dict[int, tuple[str, dict[str, Any]]]
    batched: dict[int, int]
    open_entries: dict[str, dict[int, int]]
    unposted: dict[str, set[int]]
    batch_by_id: dict[int, dict[str, Any]]
    batch_idents: dict[str, list[dict[str, Any]]]
    payment_by_id: dict[int, dict[str, Any]]
    payments_by_invoice: dict[int, list[dict[str, Any]]]
    invoice_by_number: dict[str, dict[str, Any]]
    fields: dict[str, dict[str, FieldIndex]]
    next_gl_id: int
    next_seq: int


def _allocate(doc: dict[str, Any], books: gx.Books) -> int:
    """Give every record its GL entry ids (keeping valid given ones); returns the next free id."""
    used: set[int] = set()
    for kind in KINDS:
        for rec in doc[kind]:
            used.update(int(i) for i in rec.get("glEntryIds") or [])
    next_id = max(used | {FIRST_GL_ENTRY_ID - 1}) + 1
    for kind in KINDS:
        for rec in doc[kind]:
            need = entry_count(kind, rec, books)
            ids = [int(i) for i in rec.get("glEntryIds") or []]
            if len(ids) != need:
                ids = list(range(next_id, next_id + need))
                next_id += need
            rec["glEntryIds"] = ids
    for batch in doc["batches"]:
        if "entryIds" not in batch:
            wanted = set(batch.pop("postedInvoiceIds", []))
            batch["entryIds"] = [i for inv in doc["invoices"] if inv["id"] in wanted for i in inv["glEntryIds"]]
    return next_id


def entry_count(kind: str, rec: dict[str, Any], books: gx.Books) -> int:
    """How many GL entries a record of ``kind`` (a seed collection name) owns."""
    if kind == "invoices":
        return gx.invoice_entry_count(rec, books)
    if kind == "expenses":
        return 2
    return gx.procurement_entry_count(rec, books)


def derive(doc: dict[str, Any]) -> Derived:
    """Allocate GL entry ids and build every index of a seed document (mutates ``doc``; no store state).

    Raises:
        ApiError: 400 when the document is inconsistent.
    """
    try:
        books = gx.Books(doc)
        next_gl_id = _allocate(doc, books)
        extractors = field_extractors(books)
        records: dict[str, dict[int, dict[str, Any]]] = {}
        seq: dict[str, dict[int, int]] = {}
        owner: dict[int, tuple[str, dict[str, Any]]] = {}
        for kind in KINDS:
            by_id: dict[int, dict[str, Any]] = {}
            for rec in doc[kind]:
                if rec["id"] in by_id:
                    raise ApiError(400, "InvalidObject", f"{kind} id {rec['id']} is used twice in the seed")
                by_id[rec["id"]] = rec
                for eid in rec["glEntryIds"]:
                    if eid in owner:
                        raise ApiError(400, "InvalidObject", f"GL entry id {eid} is used twice in the seed")
                    owner[eid] = (ENTRY_KIND[kind], rec)
            records[kind] = by_id
            seq[kind] = {rec_id: n for n, rec_id in enumerate(by_id)}
        batched: dict[int, int] = {}
        batch_by_id: dict[int, dict[str, Any]] = {}
        batch_idents: dict[str, list[dict[str, Any]]] = {}
        for batch in doc["batches"]:
            batch_by_id.setdefault(batch["id"], batch)
            batch_idents.setdefault(batch["batchIdentifier"].lower(), []).append(batch)
            for eid in batch["entryIds"]:
                batched[int(eid)] = batch["id"]
        seq["batches"] = {batch["id"]: n for n, batch in enumerate(doc["batches"])}
        open_entries = {
            kind: {rec_id: sum(1 for e in rec["glEntryIds"] if e not in batched) for rec_id, rec in recs.items()}
            for kind, recs in records.items()
        }
        unposted = {kind: {rec_id for rec_id, n in counts.items() if n} for kind, counts in open_entries.items()}
        payment_by_id: dict[int, dict[str, Any]] = {}
        payments_by_invoice: dict[int, list[dict[str, Any]]] = {}
        for pay in doc["payments"]:
            payment_by_id.setdefault(pay["id"], pay)
            payments_by_invoice.setdefault(pay["invoiceId"], []).append(pay)
        invoice_by_number: dict[str, dict[str, Any]] = {}
        for inv in doc["invoices"]:
            invoice_by_number.setdefault(inv["invoiceNumber"], inv)
        fields: dict[str, dict[str, FieldIndex]] = {}
        for name, paths in extractors.items():
            source = batch_by_id if name == "batches" else records[COLLECTIONS[name]]
            fields[name] = {}
            for path, extract in paths.items():
                index = FieldIndex(extract)
                for rec_id, rec in source.items():
                    index.add(rec_id, rec)
                fields[name][path] = index
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise ApiError(400, "InvalidObject", f"seed is inconsistent: {exc!r}") from exc
    return Derived(
        doc=doc,
        books=books,
        records=records,
        seq=seq,
        owner=owner,
        batched=batched,
        open_entries=open_entries,
        unposted=unposted,
        batch_by_id=batch_by_id,
        batch_idents=batch_idents,
        payment_by_id=payment_by_id,
        payments_by_invoice=payments_by_invoice,
        invoice_by_number=invoice_by_number,
        fields=fields,
        next_gl_id=next_gl_id,
        next_seq=max((len(s) for s in seq.values()), default=0),
    )


@dataclass
class Store:
    """All emulator state, guarded by one lock."""

    seed_number: int = 7
    transfer_expenses_as_bill: bool = True
    doc: dict[str, Any] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    tokens: dict[str, Token] = field(default_factory=dict)
    meter: WorkMeter = field(default_factory=WorkMeter)
    version: int = 0
    """Bumped by every change; cached query answers of an older version are not used."""

    # --------------------------------------------------------------------------------------- loading

    def load(self, doc: dict[str, Any], *, copy_doc: bool = True) -> None:
        """Replace the whole state with a seed document (validated; GL entry ids allocated).

        Args:
            doc: A seed document (see :mod:`cwsage.sandbox.manage.seed`).
            copy_doc: Work on a deep copy (the default), leaving ``doc`` as the caller had it; ``False``
                takes ``doc`` over as the live state (for documents built only for this call).

        Raises:
            ApiError: 400 when the document is not a valid seed; the state is then unchanged.
        """
        if not isinstance(doc, dict) or doc.get("format") != SEED_FORMAT:
            raise ApiError(400, "InvalidObject", f"seed must be an object with format {SEED_FORMAT!r}")
        required = (
            "company",
            "locations",
            "currencies",
            "billingTerms",
            "taxCodes",
            "taxCodeLevels",
            "companies",
            "members",
            "glAccounts",
            "warehouses",
            "catalogItems",
            "invoices",
            "expenses",
            "procurement",
        )
        missing = [k for k in required if k not in doc]
        if missing:
            raise ApiError(400, "InvalidObject", f"seed is missing {', '.join(missing)}")
        new = copy.deepcopy(doc) if copy_doc else doc
        new.setdefault("settings", {})
        new.setdefault("batches", [])
        new.setdefault("payments", [])
        transfer = self.transfer_expenses_as_bill
        if "transferExpensesAsBillFlag" in new["settings"]:
            transfer = bool(new["settings"]["transferExpensesAsBillFlag"])
        new["settings"]["transferExpensesAsBillFlag"] = transfer
        new["settings"].setdefault("invoiceFormat", "Detailed")
        derived = derive(new)
        with self.lock:
            self.transfer_expenses_as_bill = transfer
            self._install(derived)

    def _install(self, d: Derived) -> None:
        self.doc = d.doc
        self.books = d.books
        self.records = d.records
        self.invoices = d.records["invoices"]
        self.seq = d.seq
        self.owner = d.owner
        self.batched = d.batched
        self.open_entries = d.open_entries
        self.unposted = d.unposted
        self.batch_by_id = d.batch_by_id
        self.batch_idents = d.batch_idents
        self.payment_by_id = d.payment_by_id
        self.payments_by_invoice = d.payments_by_invoice
        self.invoice_by_number_index = d.invoice_by_number
        self.fields = d.fields
        self.next_gl_id = d.next_gl_id
        self.next_seq = d.next_seq
        self._top_batch_id: int | None = None
        self._top_payment_id: int | None = None
        self._cache: dict[tuple[str, str, str], tuple[int, list[int]]] = {}
        self._known: dict[str, frozenset[str]] = {}
        self.version += 1

    def _changed(self) -> None:
        self.version += 1

    def _next_batch_id(self) -> int:
        """One above the highest batch id in use (as Manage numbers them here: a deleted last id comes back)."""
        if self._top_batch_id is None:
            self._top_batch_id = max(self.batch_by_id, default=0)
        return self._top_batch_id + 1

    def _next_payment_id(self) -> int:
        """One above the highest payment id in use (3101 for the first)."""
        if self._top_payment_id is None:
            self._top_payment_id = max(self.payment_by_id, default=3100)
        return self._top_payment_id + 1

    def reset(
        self, company: dc.DemoCompany = dc.DEMO, extra_invoices: int = 0, generated: CompanySpec | None = None
    ) -> None:
        """Back to the demo data for this store's seed number, or to a generated company.

        Args:
            company: The master data.
            extra_invoices: More Standard invoices on top of the demo set (ignored with ``generated``).
            generated: Generate this company (:func:`~cwsage.sandbox.manage.seed.generate_company`) instead
                of the demo's transactions.
        """
        self.tokens.clear()
        if generated is not None:
            seed = generate_company(generated, company)
        else:
            seed = build_seed(company, self.seed_number, extra_invoices)
        seed["settings"]["transferExpensesAsBillFlag"] = self.transfer_expenses_as_bill  # the factory's choice wins
        self.load(seed, copy_doc=False)

    def reclose_invoice(self, number: str) -> list[int]:
        """An invoice re-opened and closed again in Manage: its GL entries are generated anew (new ids).

        Reference: GL entries are generated at close; the old ids are gone, so a batch naming them is refused.
        Only an unbatched invoice can be re-closed. Returns the new GL entry ids.
        """
        with self.lock:
            rec = self.invoice_by_number_index.get(number)
            if rec is None:
                raise ApiError(404, "NotFound", f"Invoice {number} not found.")
            old = [int(i) for i in rec["glEntryIds"]]
            if any(eid in self.batched for eid in old):
                raise invalid("invoice", "invoiceNumber", f"Invoice {number} is batched; it cannot be re-closed.")
            kind = self.owner[old[0]][0] if old else ""
            fresh = list(range(self.next_gl_id, self.next_gl_id + len(old)))
            self.next_gl_id += len(old)
            for eid in old:
                del self.owner[eid]
            rec["glEntryIds"] = fresh
            for eid in fresh:
                self.owner[eid] = (kind, rec)
            self._changed()
            return fresh

    def export_seed(self) -> dict[str, Any]:
        """A deep copy of the current state as a seed document."""
        with self.lock:
            return copy.deepcopy(self.doc)

    # ------------------------------------------------------------------------------------ inspection

    def _in_doc_order(self, kind: str, ids: Iterable[int]) -> list[int]:
        order = self.seq[kind]
        return sorted(ids, key=order.__getitem__)

    def _unposted(self, key: str) -> list[dict[str, Any]]:
        """The unposted records of a seed collection, in seed order."""
        records = self.records[key]
        return [records[i] for i in self._in_doc_order(key, self.unposted[key])]

    def unposted_invoice_ids(self) -> list[int]:
        """Ids of invoices still in ``unpostedinvoices``."""
        with self.lock:
            return self._in_doc_order("invoices", self.unposted["invoices"])

    def unposted_expense_ids(self) -> list[int]:
        """Ids of expenses still in ``unpostedexpenses``."""
        with self.lock:
            return self._in_doc_order("expenses", self.unposted["expenses"])

    def unposted_procurement_ids(self) -> list[int]:
        """Ids of procurement records still in ``unpostedprocurement``."""
        with self.lock:
            return self._in_doc_order("procurement", self.unposted["procurement"])

    @property
    def batches(self) -> list[dict[str, Any]]:
        """The batches (copies): ``id``, ``batchIdentifier``, flags, ``entryIds``."""
        with self.lock:
            return copy.deepcopy(self.doc["batches"])

    def batch_by_identifier(self, identifier: str) -> dict[str, Any] | None:
        """A batch (copy) by its Batch Number."""
        with self.lock:
            for batch in self.batch_idents.get(identifier.lower(), []):
                if batch["batchIdentifier"] == identifier:
                    return copy.deepcopy(batch)
            return None

    def invoice_by_number(self, number: str) -> dict[str, Any] | None:
        """The ``/finance/invoices`` JSON of an invoice number."""
        with self.lock:
            inv = self.invoice_by_number_index.get(str(number))
            return self.invoice_json(inv) if inv else None

    def payments_of(self, invoice_number: str) -> list[dict[str, Any]]:
        """The ``InvoicePayment`` JSON of an invoice number."""
        with self.lock:
            inv = self.invoice_by_number_index.get(str(invoice_number))
            if inv is None:
                return []
            return self.invoice_payments(inv["id"])

    def invoice_payments(self, invoice_id: int) -> list[dict[str, Any]]:
        """The ``InvoicePayment`` JSON of an invoice (by id), in the order they were made."""
        with self.lock:
            inv = self.get_invoice(invoice_id)
            pays = self.payments_by_invoice.get(invoice_id, [])
            if not pays:
                return []
            totals = self._invoice_totals(inv)
            return [self.payment_json(p, totals) for p in pays]

    def state(self) -> dict[str, Any]:
        """Summary for ``GET /_sandbox/state``."""
        with self.lock:
            unposted = {kind: self._in_doc_order(kind, self.unposted[kind]) for kind in KINDS}
            out: dict[str, Any] = {
                "counts": {
                    "invoices": len(self.doc["invoices"]),
                    "expenses": len(self.doc["expenses"]),
                    "procurement": len(self.doc["procurement"]),
                    "unpostedInvoices": len(unposted["invoices"]),
                    "unpostedExpenses": len(unposted["expenses"]),
                    "unpostedProcurement": len(unposted["procurement"]),
                    "batches": len(self.doc["batches"]),
                    "payments": len(self.doc["payments"]),
                },
                "unposted": unposted,
                "batches": [
                    {
                        "id": b["id"],
                        "batchIdentifier": b["batchIdentifier"],
                        "entryIds": list(b["entryIds"]),
                        "records": self._batch_records(b),
                    }
                    for b in self.doc["batches"]
                ],
                "payments": [
                    {
                        "id": p["id"],
                        "invoiceId": p["invoiceId"],
                        "invoiceNumber": self.invoices[p["invoiceId"]]["invoiceNumber"],
                        "amount": p["amount"],
                        "paymentDate": p["paymentDate"],
                    }
                    for p in self.doc["payments"]
                ],
                "settings": dict(self.doc["settings"]),
            }
            if "generated" in self.doc:
                out["generated"] = generated_summary(self.doc["generated"])
            return out

    def _batch_records(self, batch: dict[str, Any]) -> dict[str, list[int]]:
        out: dict[str, dict[int, None]] = {"invoices": {}, "expenses": {}, "procurement": {}}
        for eid in batch["entryIds"]:
            kind, rec = self.owner.get(eid, ("", {}))
            if kind:
                out[KIND_KEY[kind]].setdefault(rec["id"])
        return {kind: list(ids) for kind, ids in out.items()}

    # --------------------------------------------------------------------------------- API shapes

    def _tax_fields(self, levels: dict[int, tuple[str, Decimal]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for n, slot in enumerate(gx.TAX_SLOTS, start=1):
            xref, amount = levels.get(n, ("", Decimal(0)))
            out[f"{slot}TaxFlag"] = n in levels
            out[f"{slot}TaxXref"] = xref
            out[f"{slot}TaxAmount"] = amount
        return out

    def unposted_invoice_json(self, inv: dict[str, Any]) -> dict[str, Any]:
        """An ``UnpostedInvoice``."""
        self.meter.add("rendered")
        books = self.books
        calc = gx.invoice_calc(inv, books)
        cust = books.companies.get(inv["companyId"], {})
        terms = books.terms.get(inv.get("termsId") or 0, {})
        loc = books.locations.get(inv["locationId"], {})
        s = calc.sign
        company_ref = books.company_ref(inv["companyId"])
        site = {"id": 1000 + inv["companyId"], "name": "Main", "_info": {}}
        rec: dict[str, Any] = {
            "id": inv["id"],
            "billingLogId": inv["id"],
            "locationId": inv["locationId"],
            "location": {"id": loc.get("id"), "name": loc.get("name", ""), "_info": {}},
            "departmentId": 10,
            "department": {"id": 10, "identifier": "Services", "name": "Managed Services", "_info": {}},
            "company": company_ref,
            "accountNumber": cust.get("accountNumber", ""),
            "billToCompany": company_ref,
            "billToSite": site,
            "shipToCompany": company_ref,
            "shipToSite": site,
            "invoiceNumber": inv["invoiceNumber"],
            "invoiceDate": gx.api_date(inv["date"]),
            "invoiceType": inv["type"],
            "description": inv.get("description", ""),
            "billingTerms": {"id": terms.get("id"), "name": terms.get("name", ""), "_info": {}},
            "dueDays": str(terms.get("dueDays", 0)),
            "dueDate": gx.api_date(gx._due(inv["date"], terms.get("dueDays", 0))),
            "currency": books.currency_ref(inv["currency"]),
            "subTotal": s * calc.subtotal,
            "total": s * calc.total,
            "hasTime": any(ln.category in ("Service", "Onsite", "Project") for ln in calc.lines),
            "hasExpenses": any(ln.category == "Expense" for ln in calc.lines),
            "hasProducts": any(ln.item for ln in calc.lines),
            "invoiceTaxableFlag": bool(calc.taxes),
            "taxCode": books.tax_code_ref(inv.get("taxCode")),
            "avalaraTaxFlag": False,
            "itemTaxableFlag": bool(calc.taxes),
            "salesTaxAmount": s * calc.tax_total,
        }
        rec.update(self._tax_fields({t.level: (t.group_xref, s * t.tax) for t in calc.taxes}))
        rec["createdBy"] = inv.get("createdBy", "")
        rec["dateClosed"] = f"{inv['date'][:10]}T17:00:00Z"
        rec["_info"] = {"lastUpdated": rec["dateClosed"], "updatedBy": inv.get("createdBy", "")}
        return rec

    def invoice_taxable_levels(self, inv: dict[str, Any]) -> list[dict[str, Any]]:
        """``UnpostedInvoiceTaxableLevel`` rows."""
        calc = gx.invoice_calc(inv, self.books)
        return [
            {
                "id": t.level,
                "taxLevel": t.level,
                "taxCodeXref": t.group_xref,
                "taxAmount": calc.sign * t.tax,
                "_info": {},
            }
            for t in calc.taxes
        ]

    def unposted_expense_json(self, exp: dict[str, Any]) -> dict[str, Any]:
        """An ``UnpostedExpense``."""
        self.meter.add("rendered")
        books = self.books
        member = books.members[exp["memberId"]]
        amount = gx.dec(exp["amount"])
        rec: dict[str, Any] = {
            "id": exp["id"],
            "locationId": (member.get("defaultLocation") or {}).get("id"),
            "departmentId": 10,
            "company": books.company_ref(exp.get("companyId")),
            "accountNumber": gx.expense_account(exp, books),
            "creditAccount": gx.expense_credit_account(books, as_bill=False),
            "expenseDetailId": 8800 + exp["id"] % 1000,
            "expenseType": {
                "id": list(dc.EXPENSE_ACCOUNTS).index(exp["expenseType"]) + 1
                if exp["expenseType"] in dc.EXPENSE_ACCOUNTS
                else 0,
                "name": exp["expenseType"],
                "_info": {},
            },
            "classification": "Reimbursable",
            "glType": "EE",
            "member": books.member_ref(exp["memberId"]),
            "dateExpense": gx.api_date(exp["date"]),
            "chargeCode": None,
            "chargeDescription": exp.get("description", ""),
            "inPolicy": True,
            "paymentMethod": {"id": 1, "name": "Personal", "_info": {}},
            "currency": books.currency_ref(exp["currency"]),
            "total": amount,
            "billableAmount": amount if exp.get("billable") else Decimal(0),
            "nonBillableAmount": Decimal(0) if exp.get("billable") else amount,
            "agreement": None,
            "agreementAmountCovered": Decimal(0),
            "ticket": {"id": exp["ticketId"], "summary": exp.get("description", ""), "_info": {}}
            if exp.get("ticketId")
            else None,
            "project": None,
            "projectPhase": None,
            "taxCode": None,
            "avalaraTaxFlag": False,
            "itemTaxableFlag": False,
            "salesTaxAmount": Decimal(0),
        }
        rec.update(self._tax_fields({}))
        rec["dateClosed"] = f"{exp['date'][:10]}T18:00:00Z"
        rec["_info"] = {"lastUpdated": rec["dateClosed"], "updatedBy": member["identifier"]}
        return rec

    def unposted_procurement_json(self, rec: dict[str, Any]) -> dict[str, Any]:
        """An ``UnpostedProcurement``."""
        self.meter.add("rendered")
        books = self.books
        ptype = rec["procurementType"]
        vendor = books.companies.get(rec.get("vendorId") or 0, {})
        total = Decimal(0)
        tax_levels: dict[int, tuple[str, Decimal]] = {}
        tax_total = Decimal(0)
        if ptype == "Purchase":
            calc = gx.purchase_calc(rec, books)
            tax_total = sum((t.tax for t in calc.taxes), Decimal(0))
            total = sum((amt for _, _, _, amt in calc.lines), Decimal(0)) + tax_total
            tax_levels = {t.level: (t.group_xref, t.tax) for t in calc.taxes}
        else:
            total = sum((gx.money(gx.dec(ln["quantity"]) * gx.dec(ln["cost"])) for ln in rec["lines"]), Decimal(0))
        terms = books.terms.get((vendor.get("billingTerms") or {}).get("id") or 0, {})
        description = {
            "Purchase": f"Purchase PO #{rec.get('poNumber', '')}",
            "Adjustment": f"Adjustment ({rec.get('warehouse', '')}): {rec.get('reason', '')}",
            "Transfer": f"Transfer {rec.get('fromWarehouse', '')} to {rec.get('toWarehouse', '')}",
        }[ptype]
        out: dict[str, Any] = {
            "id": rec["id"],
            "description": description,
            "unpostedProductId": str(rec["id"]),
            "locationId": rec.get("locationId"),
            "departmentId": 10,
            "procurementType": ptype,
            "purchaseOrder": {"id": int(rec["poNumber"].split("-")[-1]), "name": rec["poNumber"], "_info": {}}
            if ptype == "Purchase"
            else None,
            "purchaseDate": gx.api_date(rec["date"]),
            "trackingNumber": f"1Z{rec['id']:06d}" if ptype == "Purchase" else "",
            "billingTerms": {"id": terms.get("id"), "name": terms.get("name", ""), "_info": {}} if terms else None,
            "currency": books.currency_ref(rec.get("currency", "USD")),
            "total": total,
            "taxCode": books.tax_code_ref(rec.get("taxCode")),
            "avalaraTaxFlag": False,
            "itemTaxableFlag": bool(tax_levels),
            "purchaseOrderTaxableFlag": bool(tax_levels),
        }
        out.update(self._tax_fields(tax_levels))
        out.update(
            {
                "taxTotal": tax_total,
                "customer": None,
                "vendor": books.company_ref(rec.get("vendorId")),
                "vendorAccountNumber": vendor.get("vendorIdentifier", ""),
                "vendorInvoiceNumber": rec.get("vendorInvoiceNumber", ""),
                "vendorInvoiceDate": gx.api_date(rec["date"]) if ptype == "Purchase" else "",
                "taxFreightFlag": False,
                "freightTaxTotal": Decimal(0),
                "freightCost": gx.money(gx.dec(rec.get("freight") or 0)),
                "dateClosed": f"{rec['date'][:10]}T16:00:00Z",
                "_info": {"lastUpdated": f"{rec['date'][:10]}T16:00:00Z"},
            }
        )
        return out

    def _invoice_totals(
        self, inv: dict[str, Any], calc: gx.InvoiceCalc | None = None
    ) -> tuple[Decimal, Decimal, Decimal]:
        calc = calc or gx.invoice_calc(inv, self.books)
        total = calc.sign * calc.total
        pays = self.payments_by_invoice.get(inv["id"], [])
        self.meter.add("payments", len(pays))
        paid = sum((gx.dec(p["amount"]) for p in pays), Decimal(0))
        credits = gx.dec(inv.get("credits") or 0)
        return total, paid, credits

    def invoice_ref(self, inv: dict[str, Any]) -> dict[str, Any]:
        """An ``InvoiceReference``."""
        return {
            "id": inv["id"],
            "identifier": inv["invoiceNumber"],
            "billingType": inv["type"],
            "applyToType": "All",
            "invoiceDate": gx.api_date(inv["date"]),
            "chargeFirmFlag": False,
            "_info": {},
        }

    def _batch_of(self, inv: dict[str, Any]) -> dict[str, Any] | None:
        ids = {self.batched.get(e) for e in inv["glEntryIds"]}
        if None in ids or not ids:
            return None
        batch_id = min(i for i in ids if i is not None)
        batch = self.batch_by_id[batch_id]
        return {"id": batch["id"], "identifier": batch["batchIdentifier"], "_info": {}}

    def invoice_json(self, inv: dict[str, Any]) -> dict[str, Any]:
        """An ``Invoice`` (``/finance/invoices``)."""
        self.meter.add("rendered")
        books = self.books
        calc = gx.invoice_calc(inv, books)
        total, paid, credits = self._invoice_totals(inv, calc)
        s = calc.sign
        loc = books.locations.get(inv["locationId"], {})
        cust = books.companies.get(inv["companyId"], {})
        terms = books.terms.get(inv.get("termsId") or 0, {})
        company_ref = books.company_ref(inv["companyId"])

        def part(*cats: str) -> Decimal:
            return s * sum((ln.amount for ln in calc.lines if ln.category in cats), Decimal(0))

        return {
            "id": inv["id"],
            "invoiceNumber": inv["invoiceNumber"],
            "type": inv["type"],
            "status": {"id": 3, "name": "Closed", "_info": {}},
            "company": company_ref,
            "billToCompany": company_ref,
            "shipToCompany": company_ref,
            "accountNumber": cust.get("accountNumber", ""),
            "applyToType": "All",
            "applyToId": None,
            "attention": "",
            "billingSite": {"id": 1000 + inv["companyId"], "name": "Main", "_info": {}},
            "billingSiteCity": cust.get("city", ""),
            "billingSiteState": cust.get("state", ""),
            "billingTerms": {"id": terms.get("id"), "name": terms.get("name", ""), "_info": {}},
            "reference": "",
            "customerPO": "",
            "date": gx.api_date(inv["date"]),
            "locationId": inv["locationId"],
            "location": {"id": loc.get("id"), "name": loc.get("name", ""), "_info": {}},
            "departmentId": 10,
            "department": {"id": 10, "identifier": "Services", "name": "Managed Services", "_info": {}},
            "taxableFlag": bool(calc.taxes),
            "taxCode": books.tax_code_ref(inv.get("taxCode")),
            "currency": books.currency_ref(inv["currency"]),
            "dueDate": gx.api_date(gx._due(inv["date"], terms.get("dueDays", 0))),
            "serviceTotal": part("Service", "Onsite", "Project", "Miscellaneous", "Agreement", "DownPayment"),
            "expenseTotal": part("Expense"),
            "productTotal": part("Product"),
            "agreementAmount": part("Agreement"),
            "downpaymentApplied": Decimal(0),
            "subtotal": s * calc.subtotal,
            "total": total,
            "salesTax": s * calc.tax_total,
            "closedBy": inv.get("createdBy", ""),
            "payments": paid,
            "credits": credits,
            "balance": total - paid - credits,
            "specialInvoiceFlag": inv["type"] in ("Miscellaneous", "DownPayment", "CreditMemo"),
            "ticket": None,
            "project": None,
            "agreement": None,
            "glBatch": self._batch_of(inv),
            "unbatchedBatch": None,
            "description": inv.get("description", ""),
            "_info": {"lastUpdated": f"{inv['date'][:10]}T17:00:00Z", "updatedBy": inv.get("createdBy", "")},
        }

    def payment_json(
        self, pay: dict[str, Any], totals: tuple[Decimal, Decimal, Decimal] | None = None
    ) -> dict[str, Any]:
        """An ``InvoicePayment`` (``totals``: its invoice's ``_invoice_totals``, when already known)."""
        self.meter.add("rendered")
        inv = self.invoices[pay["invoiceId"]]
        total, paid, credits = totals or self._invoice_totals(inv)
        balance = total - paid - credits
        return {
            "id": pay["id"],
            "type": pay.get("type", "Payment"),
            "source": "Default",
            "invoice": self.invoice_ref(inv),
            "credit": None,
            "amount": gx.dec(pay["amount"]),
            "balance": balance,
            "invoiceBalance": balance,
            "invoiceTotal": total,
            "paymentDate": pay["paymentDate"],
            "appliedBy": pay.get("appliedBy", ""),
            "paymentSyncStatus": "Synced",
            "glBatchID": None,
            "paymentSyncDate": pay.get("created", pay["paymentDate"]),
            "paymentAccount": None,
            "aRPaymentAccount": None,
            "wisePayPayment": None,
            "_info": {"lastUpdated": pay.get("updated", pay.get("created", "")), "updatedBy": pay.get("appliedBy", "")},
        }

    def batch_json(self, batch: dict[str, Any]) -> dict[str, Any]:
        """An ``AccountingBatch``."""
        self.meter.add("rendered")
        return {
            "id": batch["id"],
            "batchIdentifier": batch["batchIdentifier"],
            "exportInvoicesFlag": batch.get("exportInvoicesFlag", False),
            "exportExpensesFlag": batch.get("exportExpensesFlag", False),
            "exportProductsFlag": batch.get("exportProductsFlag", False),
            "closedFlag": batch.get("closedFlag", False),
            "_info": {"lastUpdated": batch.get("created", ""), "dateEntered": batch.get("created", "")},
        }

    def batch_entries(self, batch: dict[str, Any]) -> list[dict[str, Any]]:
        """``BatchEntry`` rows of a batch (debit/credit split)."""
        wanted = set(batch["entryIds"])
        rows: list[dict[str, Any]] = []
        done: set[int] = set()
        seen: set[tuple[str, int]] = set()
        for eid in batch["entryIds"]:
            kind, rec = self.owner.get(eid, ("", {}))
            if not kind or (kind, rec["id"]) in seen:
                continue
            seen.add((kind, rec["id"]))
            self.meter.add("exported")
            for entry in gx.ledger(kind, rec, self.books, self.transfer_expenses_as_bill):
                if entry.id not in wanted or entry.id in done:
                    continue
                done.add(entry.id)
                rows.append(self._entry_row(entry, kind, rec))
        rows.sort(key=lambda r: r["id"])
        return rows

    def _entry_row(self, entry: gx.LedgerEntry, kind: str, rec: dict[str, Any]) -> dict[str, Any]:
        is_po = kind == "procurement" and rec["procurementType"] == "Purchase"
        return {
            "id": entry.id,
            "accountType": entry.account_type,
            "name": entry.name,
            "accountNumber": entry.account,
            "debit": entry.amount if entry.amount > 0 else Decimal(0),
            "credit": -entry.amount if entry.amount < 0 else Decimal(0),
            "cost": entry.cost,
            "item": entry.item,
            "salesCode": entry.item,
            "costOfGoodsSoldAccountNumber": "",
            "invoice": self.invoice_ref(rec) if kind == "invoice" else None,
            "purchaseOrder": {"id": rec["id"], "name": rec["poNumber"], "_info": {}} if is_po else None,
            "lineItem": None,
            "transfer": str(rec["id"]) if kind == "procurement" and rec["procurementType"] == "Transfer" else "",
            "expense": {"id": rec["id"], "amount": gx.dec(rec["amount"]), "_info": {}} if kind == "expense" else None,
            "adjustmentDetail": {"id": rec["id"], "_info": {}}
            if kind == "procurement" and rec["procurementType"] == "Adjustment"
            else None,
            "_info": {},
        }

    # ------------------------------------------------------------------------------------ queries

    def _live(self, name: str) -> set[int] | dict[int, Any]:
        """The ids a collection holds now (unposted ones for the ``unposted*`` lists)."""
        if name == "batches":
            return self.batch_by_id
        if name == "invoices":
            return self.invoices
        return self.unposted[COLLECTIONS[name]]

    def _record(self, name: str, rec_id: int) -> dict[str, Any]:
        if name == "batches":
            return self.batch_by_id[rec_id]
        return self.records[COLLECTIONS[name]][rec_id]

    def render(self, name: str, rec_id: int) -> dict[str, Any]:
        """The API JSON of one record of a :data:`COLLECTIONS` collection."""
        rec = self._record(name, rec_id)
        if name == "unpostedinvoices":
            return self.unposted_invoice_json(rec)
        if name == "unpostedexpenses":
            return self.unposted_expense_json(rec)
        if name == "unpostedprocurement":
            return self.unposted_procurement_json(rec)
        if name == "invoices":
            return self.invoice_json(rec)
        return self.batch_json(rec)

    def lookup(self, name: str, rec_id: int) -> dict[str, Any] | None:
        """The API JSON of record ``rec_id`` if the collection holds it now, else ``None``."""
        return self.render(name, rec_id) if rec_id in self._live(name) else None

    def known_fields(self, name: str) -> frozenset[str] | None:
        """The top-level field names of a collection's rows (``None`` while it is empty)."""
        live = self._live(name)
        if not live:
            return None
        if name not in self._known:  # every row of a collection has the same keys
            self._known[name] = frozenset(self.render(name, next(iter(live))))
        return self._known[name]

    def select(self, name: str, conditions: str | None, order_by: str | None, page_id: int | None) -> list[int]:
        """The ids a list request answers, in answer order (callers hold the lock).

        Args:
            name: One of :data:`COLLECTIONS`.
            conditions: Manage ``conditions`` text, or ``None``.
            order_by: ``orderBy`` text, or ``None`` for ``id`` ascending.
            page_id: Keep only ids above this (``pageId``).

        Raises:
            QueryError: A malformed ``conditions`` or ``orderBy``.
        """
        if order_by and order_specs(order_by) == [(["id"], False)]:
            order_by = None  # the default order: one cached answer for a count and the pages after it
        key = (name, conditions or "", order_by or "")
        cached = self._cache.get(key)
        if cached is not None and cached[0] == self.version:
            ids = cached[1]
        else:
            ids = self._select(name, conditions, order_by)
            self._cache.pop(key, None)
            self._cache[key] = (self.version, ids)
            while len(self._cache) > QUERY_CACHE_SIZE:
                del self._cache[next(iter(self._cache))]
        if page_id is None:
            return ids
        if not order_by:  # ascending ids
            return ids[bisect.bisect_right(ids, page_id) :]
        self.meter.add("candidates", len(ids))
        return [i for i in ids if i > page_id]

    def _select(self, name: str, conditions: str | None, order_by: str | None) -> list[int]:
        live = self._live(name)
        ids: list[int]
        if conditions:
            cond = compile_conditions(conditions, self.known_fields(name))
            candidates, exact = plan(cond, self.fields[name], self.meter)
            pool = list(live) if candidates is None else [i for i in candidates if i in live]
            self.meter.add("candidates", len(pool))
            if exact:
                ids = pool
            else:
                self.meter.add("scanned", len(pool))
                ids = [i for i in pool if cond(self.render(name, i))]
        else:
            ids = list(live)
            self.meter.add("candidates", len(ids))
        if not order_by:
            ids.sort()
            return ids
        specs = order_specs(order_by)
        if len(specs) == 1 and specs[0][0] == ["id"]:
            ids.sort(reverse=specs[0][1])
            return ids
        ids = sorted(ids, key=self.seq[COLLECTIONS[name]].__getitem__)
        indexes = self.fields[name]
        if all(path_key(path) in indexes for path, _ in specs):

            def value(rec_id: int, path: list[str]) -> Any:
                return indexes[path_key(path)].extract(self._record(name, rec_id))

        else:
            rows = {rec_id: self.render(name, rec_id) for rec_id in ids}

            def value(rec_id: int, path: list[str]) -> Any:
                return get_path(rows[rec_id], path)

        for path, desc in reversed(specs):
            ids.sort(key=lambda rec_id, p=path: sort_key(value(rec_id, p)), reverse=desc)  # type: ignore[misc]
        return ids

    # ------------------------------------------------------------------------------------ exports

    def _settings(self) -> dict[str, Any]:
        return {
            "transferExpensesAsBillFlag": self.transfer_expenses_as_bill,
            "invoiceFormat": self.doc["settings"].get("invoiceFormat", "Detailed"),
        }

    def _selection(
        self,
        kind: str,
        included: list[Any],
        excluded: list[Any],
        thru: str,
        location: int | None,
        location_of: Callable[[dict[str, Any]], Any],
    ) -> list[dict[str, Any]]:
        """The unposted records of ``kind`` an export request selects, in seed order."""
        records = self.records[kind]
        unposted = self.unposted[kind]
        if included:
            if kind == "procurement":  # product ids are strings: "913" names record 913
                wanted = {int(k) for k in included if k.isdigit() and str(int(k)) == k}
            else:
                wanted = set(included)
            ids: Iterable[int] = (i for i in wanted if i in unposted)
        else:
            ids = unposted
        chosen = self._in_doc_order(kind, ids)
        self.meter.add("candidates", len(chosen))
        skip = {str(k) for k in excluded} if kind == "procurement" else set(excluded)
        out = []
        for rec_id in chosen:
            rec = records[rec_id]
            if rec["date"][:10] > thru:
                continue
            if location and location_of(rec) != location:
                continue
            if (str(rec_id) if kind == "procurement" else rec_id) in skip:
                continue
            out.append(rec)
        return out

    def export(self, body: Any) -> dict[str, Any]:
        """``POST /finance/accounting/export``: the GLExport of the selected unposted records."""
        return gx.materialize(self.export_sections(body))

    def export_sections(self, body: Any) -> list[tuple[str, Any]]:
        """:meth:`export` as lazy sections (``gx.export_sections``): selected now, built when encoded."""
        req = _export_request(body)
        with self.lock:
            thru = req["thru"]
            loc = req["locationId"]
            members = self.books.members
            invoices = (
                self._selection("invoices", req["incInv"], req["excInv"], thru, loc, lambda r: r["locationId"])
                if req["inv"]
                else []
            )
            expenses = (
                self._selection(
                    "expenses",
                    req["incExp"],
                    req["excExp"],
                    thru,
                    loc,
                    lambda r: (members[r["memberId"]].get("defaultLocation") or {}).get("id"),
                )
                if req["exp"]
                else []
            )
            procurement = (
                self._selection("procurement", req["incProd"], req["excProd"], thru, loc, lambda r: r.get("locationId"))
                if req["prod"]
                else []
            )
            self.meter.add("exported", len(invoices) + len(expenses) + len(procurement))
            return gx.export_sections(
                self.books,
                invoices,
                expenses,
                procurement,
                summarize=req["summarize"],
                expenses_as_bill=self.transfer_expenses_as_bill,
                settings=self._settings(),
            )

    # ------------------------------------------------------------------------------------ batches

    def create_batch(self, body: Any) -> dict[str, Any]:
        """``POST /finance/accounting/batches``: batch GL entries; returns the GLExport of what was batched."""
        return gx.materialize(self.create_batch_sections(body))

    def create_batch_sections(self, body: Any) -> list[tuple[str, Any]]:
        """:meth:`create_batch`, answering lazy sections (the batch itself is applied at once)."""
        if not isinstance(body, dict):
            raise ApiError(400, "InvalidObject", "The request body must be a CreateAccountingBatchRequest object")
        ident = body.get("batchIdentifier")
        if not isinstance(ident, str) or not ident.strip():
            raise invalid("accountingBatch", "batchIdentifier", "batchIdentifier is required.")
        if len(ident) > 50:
            raise invalid("accountingBatch", "batchIdentifier", "batchIdentifier cannot be longer than 50 characters.")
        flags = {k: bool(body.get(k)) for k in ("exportInvoicesFlag", "exportExpensesFlag", "exportProductsFlag")}
        if not any(flags.values()):
            raise invalid("accountingBatch", "exportInvoicesFlag", BATCH_FLAGS_MESSAGE)
        ids = body.get("processedRecordIds")
        if ids is None:
            raise invalid("accountingBatch", "processedRecordIds", "processedRecordIds is required.")
        if not isinstance(ids, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
            raise invalid("accountingBatch", "processedRecordIds", "processedRecordIds must be a list of integers.")
        if not ids:
            raise invalid("accountingBatch", "processedRecordIds", "Cannot find GLEntryRecIDList to update")
        unique = list(dict.fromkeys(int(i) for i in ids))
        with self.lock:
            self.meter.add("entries", len(unique))
            if ident.lower() in self.batch_idents:
                raise invalid("accountingBatch", "batchIdentifier", f"Batch {ident} already exists.", "ObjectExists")
            unknown = [i for i in unique if i not in self.owner]
            if unknown:
                raise invalid(
                    "accountingBatch", "processedRecordIds", f"GL entries not found: {', '.join(map(str, unknown))}"
                )
            taken = [i for i in unique if i in self.batched]
            if taken:
                raise invalid(
                    "accountingBatch", "processedRecordIds", f"GL entries already batched: {', '.join(map(str, taken))}"
                )
            wrong = [i for i in unique if not flags[FLAG_OF[self.owner[i][0]]]]
            if wrong:
                raise invalid(
                    "accountingBatch",
                    "processedRecordIds",
                    f"GL entries of a kind this batch does not export: {', '.join(map(str, wrong))}",
                )
            batch: dict[str, Any] = {
                "id": self._next_batch_id(),
                "batchIdentifier": ident,
                **flags,
                "closedFlag": False,
                "created": stamp(),
                "entryIds": unique,
            }
            self._add_batch(batch)
            return self._export_batch(batch, self._settings()["invoiceFormat"], None)

    def _add_batch(self, batch: dict[str, Any]) -> None:
        """Apply a validated new batch to the state and every index."""
        self.doc["batches"].append(batch)
        self.batch_by_id[batch["id"]] = batch
        self._top_batch_id = max(self._top_batch_id or 0, batch["id"])
        self.batch_idents.setdefault(batch["batchIdentifier"].lower(), []).append(batch)
        self.seq["batches"][batch["id"]] = self.next_seq
        self.next_seq += 1
        for index in self.fields["batches"].values():
            index.add(batch["id"], batch)
        for eid in batch["entryIds"]:
            self.batched[eid] = batch["id"]
            kind, rec = self.owner[eid]
            key = KIND_KEY[kind]
            left = self.open_entries[key][rec["id"]] - 1
            self.open_entries[key][rec["id"]] = left
            if not left:
                self.unposted[key].discard(rec["id"])
        self._changed()

    def _export_batch(self, batch: dict[str, Any], summarize: str, kinds: set[str] | None) -> list[tuple[str, Any]]:
        seen: dict[str, dict[int, dict[str, Any]]] = {"invoice": {}, "expense": {}, "procurement": {}}
        for eid in batch["entryIds"]:
            kind, rec = self.owner.get(eid, ("", {}))
            if kind:
                seen[kind].setdefault(rec["id"], rec)
        if kinds is not None:
            seen = {k: (v if k in kinds else {}) for k, v in seen.items()}
        self.meter.add("exported", sum(len(v) for v in seen.values()))
        return gx.export_sections(
            self.books,
            seen["invoice"].values(),
            seen["expense"].values(),
            seen["procurement"].values(),
            summarize=summarize,
            expenses_as_bill=self.transfer_expenses_as_bill,
            settings=self._settings(),
        )

    def reexport_batch(self, batch_id: int, body: Any) -> dict[str, Any]:
        """``POST /batches/{id}/export``: the batch's records again (summarizeInvoices and flags honoured)."""
        return gx.materialize(self.reexport_batch_sections(batch_id, body))

    def reexport_batch_sections(self, batch_id: int, body: Any) -> list[tuple[str, Any]]:
        """:meth:`reexport_batch` as lazy sections."""
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise ApiError(400, "InvalidObject", "The request body must be an ExportAccountingBatchRequest object")
        summarize = body.get("summarizeInvoices") or "Default"
        if summarize not in SUMMARIZE_VALUES:
            raise invalid(
                "exportAccountingBatchRequest",
                "summarizeInvoices",
                f"summarizeInvoices must be one of {', '.join(SUMMARIZE_VALUES)}.",
            )
        kinds = {
            k
            for k, f in (
                ("invoice", "exportInvoicesFlag"),
                ("expense", "exportExpensesFlag"),
                ("procurement", "exportProductsFlag"),
            )
            if body.get(f)
        }
        with self.lock:
            batch = self.get_batch(batch_id)
            return self._export_batch(batch, summarize, kinds or None)

    def get_batch(self, batch_id: int) -> dict[str, Any]:
        """A batch by id, or a 404."""
        batch = self.batch_by_id.get(batch_id)
        if batch is None:
            raise ApiError(404, "NotFound", f"AccountingBatch recid {batch_id} not found.")
        return batch

    def delete_batch(self, batch_id: int) -> None:
        """``DELETE /batches/{id}``: the batch's records return to the unposted lists."""
        with self.lock:
            batch = self.get_batch(batch_id)
            self.doc["batches"].remove(batch)
            del self.batch_by_id[batch_id]
            if batch_id == self._top_batch_id:
                self._top_batch_id = None
            same = self.batch_idents[batch["batchIdentifier"].lower()]
            same.remove(batch)
            if not same:
                del self.batch_idents[batch["batchIdentifier"].lower()]
            for index in self.fields["batches"].values():
                index.remove(batch_id, batch)
            self.meter.add("entries", len(batch["entryIds"]))
            for eid in batch["entryIds"]:
                if self.batched.pop(eid, None) is None:
                    continue
                kind, rec = self.owner[eid]
                key = KIND_KEY[kind]
                self.open_entries[key][rec["id"]] += 1
                self.unposted[key].add(rec["id"])
            self._changed()

    # ----------------------------------------------------------------------------------- payments

    def get_invoice(self, invoice_id: int) -> dict[str, Any]:
        """An invoice record by id, or a 404."""
        inv: dict[str, Any] | None = self.invoices.get(invoice_id)
        if inv is None:
            raise ApiError(404, "NotFound", f"Invoice recid {invoice_id} not found.")
        return inv

    def get_payment(self, invoice_id: int, payment_id: int) -> dict[str, Any]:
        """A payment of an invoice, or a 404."""
        self.get_invoice(invoice_id)
        pay = self.payment_by_id.get(payment_id)
        if pay is None or pay["invoiceId"] != invoice_id:
            raise ApiError(404, "NotFound", f"Payment recid {payment_id} not found.")
        return pay

    def _check_payment(self, inv: dict[str, Any], amount: Any, exclude: int | None) -> Decimal:
        if inv["type"] == "CreditMemo":
            raise invalid("payment", "invoice", "Payments cannot be applied to a credit memo.")
        if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
            raise invalid("payment", "amount", "amount is required and must be a number.")
        value = Decimal(amount)
        if value <= 0:
            raise invalid("payment", "amount", "amount must be greater than zero.")
        if value != gx.money(value):
            raise invalid("payment", "amount", "amount cannot have more than 2 decimal places.")
        total, paid, credits = self._invoice_totals(inv)
        if exclude is not None and exclude in self.payment_by_id:
            paid -= gx.dec(self.payment_by_id[exclude]["amount"])
        if paid + value + credits > total:
            raise invalid(
                "payment",
                "amount",
                f"Payment amount {value} exceeds the invoice balance {total - paid - credits}.",
                "OutOfRange",
            )
        return value

    @staticmethod
    def _payment_date(value: Any) -> str:
        if value is None:
            return stamp()
        if not isinstance(value, str):
            raise invalid("payment", "paymentDate", "paymentDate must be a date-time string.")
        try:
            return stamp(parse_datetime(value))
        except ValueError:
            raise invalid("payment", "paymentDate", f"paymentDate {value!r} is not a valid date-time.") from None

    def add_payment(self, invoice_id: int, body: Any) -> dict[str, Any]:
        """``POST /finance/invoices/{id}/payments``."""
        if not isinstance(body, dict):
            raise ApiError(400, "InvalidObject", "The request body must be an InvoicePayment object")
        with self.lock:
            inv = self.get_invoice(invoice_id)
            ref = body.get("invoice")
            if ref is not None and (not isinstance(ref, dict) or ref.get("id") not in (None, invoice_id)):
                raise invalid("payment", "invoice", "invoice/id does not match the invoice in the URL.")
            amount = self._check_payment(inv, body.get("amount"), None)
            date = self._payment_date(body.get("paymentDate"))
            pay: dict[str, Any] = {
                "id": self._next_payment_id(),
                "invoiceId": invoice_id,
                "amount": amount,
                "paymentDate": date,
                "type": body.get("type") or "Payment",
                "appliedBy": body.get("appliedBy") or dc.MANAGE_MEMBER,
                "created": stamp(),
            }
            self.doc["payments"].append(pay)
            self.payment_by_id[pay["id"]] = pay
            self._top_payment_id = pay["id"]
            self.payments_by_invoice.setdefault(invoice_id, []).append(pay)
            self._changed()
            return self.payment_json(pay)

    def replace_payment(self, invoice_id: int, payment_id: int, body: Any, *, patch: bool) -> dict[str, Any]:
        """``PUT``/``PATCH`` a payment (PATCH body = CW patch operations)."""
        with self.lock:
            inv = self.get_invoice(invoice_id)
            pay = self.get_payment(invoice_id, payment_id)
            if patch:
                if not isinstance(body, list) or not body:
                    raise ApiError(400, "InvalidObject", "PATCH body must be a non-empty array of patch operations")
                changes: dict[str, Any] = {}
                for op in body:
                    if not isinstance(op, dict) or op.get("op") not in ("replace", "add", "remove"):
                        raise ApiError(400, "InvalidObject", "Each patch operation needs op add|replace|remove")
                    path = str(op.get("path", "")).strip("/")
                    if path not in ("amount", "paymentDate", "type", "appliedBy"):
                        raise invalid("payment", path or "path", f"Field {path!r} cannot be patched.")
                    if op["op"] == "remove":
                        raise invalid("payment", path, f"Field {path!r} cannot be removed.")
                    changes[path] = op.get("value")
                merged = {**pay, **changes}
            else:
                if not isinstance(body, dict):
                    raise ApiError(400, "InvalidObject", "The request body must be an InvoicePayment object")
                merged = {
                    **pay,
                    "amount": body.get("amount"),
                    "paymentDate": body.get("paymentDate"),
                    "type": body.get("type") or "Payment",
                    "appliedBy": body.get("appliedBy") or pay["appliedBy"],
                }
            merged["amount"] = self._check_payment(inv, merged["amount"], payment_id)
            merged["paymentDate"] = self._payment_date(merged["paymentDate"])
            merged["updated"] = stamp()
            pay.update(merged)
            self._changed()
            return self.payment_json(pay)

    def delete_payment(self, invoice_id: int, payment_id: int) -> None:
        """``DELETE`` a payment."""
        with self.lock:
            pay = self.get_payment(invoice_id, payment_id)
            self.doc["payments"].remove(pay)
            self.payments_by_invoice[invoice_id].remove(pay)
            del self.payment_by_id[payment_id]
            if payment_id == self._top_payment_id:
                self._top_payment_id = None
            self._changed()

    # --------------------------------------------------------------------------------------- misc

    def set_transfer_expenses_as_bill(self, value: bool) -> None:
        """Change the Accounting Package Setup flag."""
        with self.lock:
            self.transfer_expenses_as_bill = value
            self.doc["settings"]["transferExpensesAsBillFlag"] = value
            self._changed()

    def generate(self, count: int, company: dc.DemoCompany = dc.DEMO) -> list[int]:
        """Add ``count`` Standard invoices (deterministic for a given state); returns their ids."""
        with self.lock:
            invoices = self.doc["invoices"]
            rng = random.Random(self.seed_number * 1_000_003 + len(invoices))
            next_id = max(self.invoices, default=5000) + 1
            next_number = (
                max((int(i["invoiceNumber"]) for i in invoices if i["invoiceNumber"].isdigit()), default=10100) + 1
            )
            new = generate_invoices(company, rng, count, next_id, next_number)
            self.append("invoices", new)
            return [inv["id"] for inv in new]

    def append(self, kind: str, new: list[dict[str, Any]]) -> None:
        """Add records to a seed collection (``invoices``, ``expenses``, ``procurement``), unposted.

        GL entry ids are allocated after the highest in use. Everything is checked before anything is
        added: on an error the state is unchanged.

        Raises:
            ApiError: 400 when a record is malformed or its id is taken.
        """
        with self.lock:
            records = self.records[kind]
            fields = [
                index
                for name, indexes in self.fields.items()
                if COLLECTIONS[name] == kind
                for index in indexes.values()
            ]
            next_id = self.next_gl_id
            staged: list[tuple[dict[str, Any], list[int]]] = []
            fresh: set[int] = set()
            try:
                for rec in new:
                    if rec["id"] in records or rec["id"] in fresh:
                        raise ApiError(400, "InvalidObject", f"{kind} id {rec['id']} is already used")
                    fresh.add(rec["id"])
                    need = entry_count(kind, rec, self.books)
                    staged.append((rec, list(range(next_id, next_id + need))))
                    next_id += need
                    for index in fields:
                        index.extract(rec)  # fails here, before anything changed, if the record is malformed
            except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
                raise ApiError(400, "InvalidObject", f"{kind} record is inconsistent: {exc!r}") from exc
            for rec, ids in staged:
                rec["glEntryIds"] = ids
                self.doc[kind].append(rec)
                records[rec["id"]] = rec
                self.seq[kind][rec["id"]] = len(self.seq[kind])
                for eid in ids:
                    self.owner[eid] = (ENTRY_KIND[kind], rec)
                self.open_entries[kind][rec["id"]] = len(ids)
                if ids:
                    self.unposted[kind].add(rec["id"])
                for index in fields:
                    index.add(rec["id"], rec)
                if kind == "invoices":
                    self.invoice_by_number_index.setdefault(rec["invoiceNumber"], rec)
            self.next_gl_id = next_id
            self._changed()


def generated_summary(generated: dict[str, Any]) -> dict[str, Any]:
    """What ``/_sandbox/state`` says about a generated company: its spec, counts, invalid ones by reason."""
    reasons: dict[str, int] = {}
    for by_id in generated.get("invalid", {}).values():
        for reason in by_id.values():
            reasons[reason] = reasons.get(reason, 0) + 1
    return {
        "spec": generated.get("spec", {}),
        "counts": generated.get("counts", {}),
        "invalidByReason": reasons,
    }


def _export_request(body: Any) -> dict[str, Any]:
    """Validate an ``ExportAccountingBatchRequest``."""
    res = "exportAccountingBatchRequest"
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidObject", "The request body must be an ExportAccountingBatchRequest object")
    flags = {k: bool(body.get(k)) for k in ("exportInvoicesFlag", "exportExpensesFlag", "exportProductsFlag")}
    if not any(flags.values()):
        raise invalid(res, "exportInvoicesFlag", EXPORT_FLAGS_MESSAGE)
    ident = body.get("batchIdentifier")
    if ident is not None and (not isinstance(ident, str) or len(ident) > 50):
        raise invalid(res, "batchIdentifier", "batchIdentifier cannot be longer than 50 characters.")
    summarize = body.get("summarizeInvoices") or "Default"
    if summarize not in SUMMARIZE_VALUES:
        raise invalid(res, "summarizeInvoices", f"summarizeInvoices must be one of {', '.join(SUMMARIZE_VALUES)}.")
    thru_raw = body.get("thruDate")
    if thru_raw is None:
        thru = now_utc().date().isoformat()
    else:
        if not isinstance(thru_raw, str):
            raise invalid(res, "thruDate", "thruDate must be a date-time string.")
        try:
            thru = parse_datetime(thru_raw).date().isoformat()
        except ValueError:
            raise invalid(res, "thruDate", f"thruDate {thru_raw!r} is not a valid date-time.") from None
    loc = body.get("locationId")
    if loc is not None and (isinstance(loc, bool) or not isinstance(loc, int)):
        raise invalid(res, "locationId", "locationId must be an integer.")

    def ints(name: str) -> list[int]:
        value = body.get(name) or []
        if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise invalid(res, name, f"{name} must be a list of integers.")
        return list(value)

    def strs(name: str) -> list[str]:
        value = body.get(name) or []
        if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
            raise invalid(res, name, f"{name} must be a list of strings.")
        return list(value)

    return {
        "inv": flags["exportInvoicesFlag"],
        "exp": flags["exportExpensesFlag"],
        "prod": flags["exportProductsFlag"],
        "summarize": summarize,
        "thru": thru,
        "locationId": loc or None,
        "incInv": ints("includedInvoiceIds"),
        "excInv": ints("excludedInvoiceIds"),
        "incExp": ints("includedExpenseIds"),
        "excExp": ints("excludedExpenseIds"),
        "incProd": strs("includedProductIds"),
        "excProd": strs("excludedProductIds"),
    }
