"""The Manage emulator's in-memory state and its business rules (batching, payments, exports).

Why separate from the HTTP layer: tests inspect and drive the state directly (``unposted_invoice_ids()``,
``payments_of()``…), and every rule here can be read without the routing noise. All public methods take
the store's lock; the HTTP layer never touches the seed document directly.
"""

from __future__ import annotations

import copy
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.manage import glexport as gx
from cwsage.sandbox.manage.query import parse_datetime
from cwsage.sandbox.manage.seed import SEED_FORMAT, build_seed, generate_invoices

FIRST_GL_ENTRY_ID = 90001
SUMMARIZE_VALUES = ("Default", "Condensed", "Detailed")
EXPORT_FLAGS_MESSAGE = "Batch export must include invoices, expenses, or products (procurement)."
BATCH_FLAGS_MESSAGE = "Batch must export Invoices, Expenses or Products."


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


@dataclass
class Store:
    """All emulator state, guarded by one lock."""

    seed_number: int = 7
    transfer_expenses_as_bill: bool = True
    doc: dict[str, Any] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    tokens: dict[str, Token] = field(default_factory=dict)

    # --------------------------------------------------------------------------------------- loading

    def load(self, doc: dict[str, Any]) -> None:
        """Replace the whole state with a seed document (validated; GL entry ids allocated)."""
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
        new = copy.deepcopy(doc)
        new.setdefault("settings", {})
        new.setdefault("batches", [])
        new.setdefault("payments", [])
        if "transferExpensesAsBillFlag" in new["settings"]:
            self.transfer_expenses_as_bill = bool(new["settings"]["transferExpensesAsBillFlag"])
        new["settings"]["transferExpensesAsBillFlag"] = self.transfer_expenses_as_bill
        new["settings"].setdefault("invoiceFormat", "Detailed")
        try:
            books = gx.Books(new)
            self._allocate(new, books)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ApiError(400, "InvalidObject", f"seed is inconsistent: {exc!r}") from exc
        with self.lock:
            self.doc = new
            self.books = books
            self._reindex()

    def _allocate(self, doc: dict[str, Any], books: gx.Books) -> None:
        used: set[int] = set()
        for kind in ("invoices", "expenses", "procurement"):
            for rec in doc[kind]:
                used.update(int(i) for i in rec.get("glEntryIds") or [])
        next_id = max(used | {FIRST_GL_ENTRY_ID - 1}) + 1
        for kind in ("invoices", "expenses", "procurement"):
            for rec in doc[kind]:
                if kind == "invoices":
                    need = gx.invoice_entry_count(rec, books)
                elif kind == "expenses":
                    need = 2
                else:
                    need = gx.procurement_entry_count(rec, books)
                ids = [int(i) for i in rec.get("glEntryIds") or []]
                if len(ids) != need:
                    ids = list(range(next_id, next_id + need))
                    next_id += need
                rec["glEntryIds"] = ids
        for batch in doc["batches"]:
            if "entryIds" not in batch:
                wanted = set(batch.pop("postedInvoiceIds", []))
                batch["entryIds"] = [i for inv in doc["invoices"] if inv["id"] in wanted for i in inv["glEntryIds"]]

    def _reindex(self) -> None:
        self.owner: dict[int, tuple[str, dict[str, Any]]] = {}
        for kind, key in (("invoice", "invoices"), ("expense", "expenses"), ("procurement", "procurement")):
            for rec in self.doc[key]:
                for eid in rec["glEntryIds"]:
                    if eid in self.owner:
                        raise ApiError(400, "InvalidObject", f"GL entry id {eid} is used twice in the seed")
                    self.owner[eid] = (kind, rec)
        self.batched: dict[int, int] = {}
        for batch in self.doc["batches"]:
            for eid in batch["entryIds"]:
                self.batched[int(eid)] = batch["id"]
        self.invoices = {inv["id"]: inv for inv in self.doc["invoices"]}

    def reset(self, company: dc.DemoCompany = dc.DEMO, extra_invoices: int = 0) -> None:
        """Back to the generated demo data for this store's seed number."""
        self.tokens.clear()
        seed = build_seed(company, self.seed_number, extra_invoices)
        seed["settings"]["transferExpensesAsBillFlag"] = self.transfer_expenses_as_bill  # the factory's choice wins
        self.load(seed)

    def export_seed(self) -> dict[str, Any]:
        """A deep copy of the current state as a seed document."""
        with self.lock:
            return copy.deepcopy(self.doc)

    # ------------------------------------------------------------------------------------ inspection

    def _unposted(self, key: str) -> list[dict[str, Any]]:
        return [r for r in self.doc[key] if not all(e in self.batched for e in r["glEntryIds"])]

    def unposted_invoice_ids(self) -> list[int]:
        """Ids of invoices still in ``unpostedinvoices``."""
        with self.lock:
            return [r["id"] for r in self._unposted("invoices")]

    def unposted_expense_ids(self) -> list[int]:
        """Ids of expenses still in ``unpostedexpenses``."""
        with self.lock:
            return [r["id"] for r in self._unposted("expenses")]

    def unposted_procurement_ids(self) -> list[int]:
        """Ids of procurement records still in ``unpostedprocurement``."""
        with self.lock:
            return [r["id"] for r in self._unposted("procurement")]

    @property
    def batches(self) -> list[dict[str, Any]]:
        """The batches (copies): ``id``, ``batchIdentifier``, flags, ``entryIds``."""
        with self.lock:
            return copy.deepcopy(self.doc["batches"])

    def batch_by_identifier(self, identifier: str) -> dict[str, Any] | None:
        """A batch (copy) by its Batch Number."""
        return next((b for b in self.batches if b["batchIdentifier"] == identifier), None)

    def invoice_by_number(self, number: str) -> dict[str, Any] | None:
        """The ``/finance/invoices`` JSON of an invoice number."""
        with self.lock:
            inv = next((i for i in self.doc["invoices"] if i["invoiceNumber"] == str(number)), None)
            return self.invoice_json(inv) if inv else None

    def payments_of(self, invoice_number: str) -> list[dict[str, Any]]:
        """The ``InvoicePayment`` JSON of an invoice number."""
        with self.lock:
            inv = next((i for i in self.doc["invoices"] if i["invoiceNumber"] == str(invoice_number)), None)
            if inv is None:
                return []
            return [self.payment_json(p) for p in self.doc["payments"] if p["invoiceId"] == inv["id"]]

    def state(self) -> dict[str, Any]:
        """Summary for ``GET /_sandbox/state``."""
        with self.lock:
            unposted = {
                "invoices": [r["id"] for r in self._unposted("invoices")],
                "expenses": [r["id"] for r in self._unposted("expenses")],
                "procurement": [r["id"] for r in self._unposted("procurement")],
            }
            return {
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

    def _batch_records(self, batch: dict[str, Any]) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {"invoices": [], "expenses": [], "procurement": []}
        key = {"invoice": "invoices", "expense": "expenses", "procurement": "procurement"}
        for eid in batch["entryIds"]:
            kind, rec = self.owner.get(eid, ("", {}))
            if kind and rec["id"] not in out[key[kind]]:
                out[key[kind]].append(rec["id"])
        return out

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
        books = self.books
        member = books.members[exp["memberId"]]
        cust = books.companies.get(exp.get("companyId") or 0, {})
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
        _ = cust
        return rec

    def unposted_procurement_json(self, rec: dict[str, Any]) -> dict[str, Any]:
        """An ``UnpostedProcurement``."""
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

    def _invoice_totals(self, inv: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
        calc = gx.invoice_calc(inv, self.books)
        total = calc.sign * calc.total
        paid = sum((gx.dec(p["amount"]) for p in self.doc["payments"] if p["invoiceId"] == inv["id"]), Decimal(0))
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
        batch = next(b for b in self.doc["batches"] if b["id"] == batch_id)
        return {"id": batch["id"], "identifier": batch["batchIdentifier"], "_info": {}}

    def invoice_json(self, inv: dict[str, Any]) -> dict[str, Any]:
        """An ``Invoice`` (``/finance/invoices``)."""
        books = self.books
        calc = gx.invoice_calc(inv, books)
        total, paid, credits = self._invoice_totals(inv)
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

    def payment_json(self, pay: dict[str, Any]) -> dict[str, Any]:
        """An ``InvoicePayment``."""
        inv = self.invoices[pay["invoiceId"]]
        total, paid, credits = self._invoice_totals(inv)
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
        seen: set[tuple[str, int]] = set()
        for eid in batch["entryIds"]:
            kind, rec = self.owner.get(eid, ("", {}))
            if not kind or (kind, rec["id"]) in seen:
                continue
            seen.add((kind, rec["id"]))
            for entry in gx.ledger(kind, rec, self.books, self.transfer_expenses_as_bill):
                if entry.id not in wanted or entry.id in {r["id"] for r in rows}:
                    continue
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

    # ------------------------------------------------------------------------------------ exports

    def _settings(self) -> dict[str, Any]:
        return {
            "transferExpensesAsBillFlag": self.transfer_expenses_as_bill,
            "invoiceFormat": self.doc["settings"].get("invoiceFormat", "Detailed"),
        }

    def export(self, body: Any) -> dict[str, Any]:
        """``POST /finance/accounting/export``: the GLExport of the selected unposted records."""
        req = _export_request(body)
        with self.lock:
            thru = req["thru"]
            loc = req["locationId"]

            def keep(rec: dict[str, Any], location: int | None, inc: list[Any], exc: list[Any], key: Any) -> bool:
                if rec["date"][:10] > thru:
                    return False
                if loc and location != loc:
                    return False
                if inc and key not in inc:
                    return False
                return key not in exc

            invoices = [
                r
                for r in self._unposted("invoices")
                if req["inv"] and keep(r, r["locationId"], req["incInv"], req["excInv"], r["id"])
            ]
            expenses = [
                r
                for r in self._unposted("expenses")
                if req["exp"]
                and keep(
                    r,
                    (self.books.members[r["memberId"]].get("defaultLocation") or {}).get("id"),
                    req["incExp"],
                    req["excExp"],
                    r["id"],
                )
            ]
            procurement = [
                r
                for r in self._unposted("procurement")
                if req["prod"] and keep(r, r.get("locationId"), req["incProd"], req["excProd"], str(r["id"]))
            ]
            return gx.build_export(
                self.books,
                invoices,
                expenses,
                procurement,
                summarize=req["summarize"],
                expenses_as_bill=self.transfer_expenses_as_bill,
                settings=self._settings(),
            )

    def create_batch(self, body: Any) -> dict[str, Any]:
        """``POST /finance/accounting/batches``: batch GL entries; returns the GLExport of what was batched."""
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
            if any(b["batchIdentifier"].lower() == ident.lower() for b in self.doc["batches"]):
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
            flag_of = {
                "invoice": "exportInvoicesFlag",
                "expense": "exportExpensesFlag",
                "procurement": "exportProductsFlag",
            }
            wrong = [i for i in unique if not flags[flag_of[self.owner[i][0]]]]
            if wrong:
                raise invalid(
                    "accountingBatch",
                    "processedRecordIds",
                    f"GL entries of a kind this batch does not export: {', '.join(map(str, wrong))}",
                )
            batch: dict[str, Any] = {
                "id": max((b["id"] for b in self.doc["batches"]), default=0) + 1,
                "batchIdentifier": ident,
                **flags,
                "closedFlag": False,
                "created": stamp(),
                "entryIds": unique,
            }
            self.doc["batches"].append(batch)
            for eid in unique:
                self.batched[eid] = batch["id"]
            return self._export_batch(batch, self._settings()["invoiceFormat"], None)

    def _export_batch(self, batch: dict[str, Any], summarize: str, kinds: set[str] | None) -> dict[str, Any]:
        seen: dict[str, list[dict[str, Any]]] = {"invoice": [], "expense": [], "procurement": []}
        for eid in batch["entryIds"]:
            kind, rec = self.owner.get(eid, ("", {}))
            if kind and all(r is not rec for r in seen[kind]):
                seen[kind].append(rec)
        if kinds is not None:
            seen = {k: (v if k in kinds else []) for k, v in seen.items()}
        return gx.build_export(
            self.books,
            seen["invoice"],
            seen["expense"],
            seen["procurement"],
            summarize=summarize,
            expenses_as_bill=self.transfer_expenses_as_bill,
            settings=self._settings(),
        )

    def reexport_batch(self, batch_id: int, body: Any) -> dict[str, Any]:
        """``POST /batches/{id}/export``: the batch's records again (summarizeInvoices and flags honoured)."""
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
        batch: dict[str, Any] | None = next((b for b in self.doc["batches"] if b["id"] == batch_id), None)
        if batch is None:
            raise ApiError(404, "NotFound", f"AccountingBatch recid {batch_id} not found.")
        return batch

    def delete_batch(self, batch_id: int) -> None:
        """``DELETE /batches/{id}``: the batch's records return to the unposted lists."""
        with self.lock:
            batch = self.get_batch(batch_id)
            self.doc["batches"].remove(batch)
            for eid in batch["entryIds"]:
                self.batched.pop(eid, None)

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
        pay: dict[str, Any] | None = next(
            (p for p in self.doc["payments"] if p["id"] == payment_id and p["invoiceId"] == invoice_id), None
        )
        if pay is None:
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
        if exclude is not None:
            paid -= sum((gx.dec(p["amount"]) for p in self.doc["payments"] if p["id"] == exclude), Decimal(0))
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
            pay = {
                "id": max((p["id"] for p in self.doc["payments"]), default=3100) + 1,
                "invoiceId": invoice_id,
                "amount": amount,
                "paymentDate": date,
                "type": body.get("type") or "Payment",
                "appliedBy": body.get("appliedBy") or dc.MANAGE_MEMBER,
                "created": stamp(),
            }
            self.doc["payments"].append(pay)
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
            return self.payment_json(pay)

    def delete_payment(self, invoice_id: int, payment_id: int) -> None:
        """``DELETE`` a payment."""
        with self.lock:
            pay = self.get_payment(invoice_id, payment_id)
            self.doc["payments"].remove(pay)

    # --------------------------------------------------------------------------------------- misc

    def set_transfer_expenses_as_bill(self, value: bool) -> None:
        """Change the Accounting Package Setup flag."""
        with self.lock:
            self.transfer_expenses_as_bill = value
            self.doc["settings"]["transferExpensesAsBillFlag"] = value

    def generate(self, count: int, company: dc.DemoCompany = dc.DEMO) -> list[int]:
        """Add ``count`` Standard invoices (deterministic for a given state); returns their ids."""
        with self.lock:
            invoices = self.doc["invoices"]
            rng = random.Random(self.seed_number * 1_000_003 + len(invoices))
            next_id = max((i["id"] for i in invoices), default=5000) + 1
            next_number = (
                max((int(i["invoiceNumber"]) for i in invoices if i["invoiceNumber"].isdigit()), default=10100) + 1
            )
            new = generate_invoices(company, rng, count, next_id, next_number)
            doc = copy.deepcopy(self.doc)
            doc["invoices"].extend(new)
        self.load(doc)
        return [inv["id"] for inv in new]


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
