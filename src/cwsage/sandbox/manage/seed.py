"""The demo MSP's Manage data, generated deterministically from ``demo_company`` and a seed.

Why a seed *document* rather than objects: the emulator's whole state is one JSON-able dict (the
"seed"), so tests can ``GET /_sandbox/export-seed``, tweak it and ``POST /_sandbox/load`` it back.

Seed format (``"format": "cwsage-manage-seed/1"``; money as JSON numbers, dates ``YYYY-MM-DD``):

* ``company`` — ``{companyId, companyName, publicKey, privateKey, clientIds[], integratorUser,
  integratorPassword}``;
* ``settings`` — ``{transferExpensesAsBillFlag, invoiceFormat}``;
* master data exactly as the API serves it: ``locations``, ``currencies``, ``billingTerms``,
  ``taxCodes``, ``taxCodeLevels`` (``{"<taxCodeId>": [TaxCodeLevel…]}``), ``companies``, ``members``,
  ``glAccounts``, ``warehouses``; plus ``catalogItems`` ``[{identifier, description, inventory, cost,
  price, uom}]``;
* ``invoices`` — ``{id, invoiceNumber, type, companyId, locationId, date, description, currency,
  taxCode (identifier or null), termsId, createdBy, credits, lines[], glEntryIds[]}``; a line is
  ``{category, brief, text, quantity, unit, price, item?, warehouse?}`` with ``category`` one of
  Service, Onsite, Agreement, Product, Miscellaneous, Project, Expense, DownPayment (credit memos hold
  positive amounts: the amount credited);
* ``expenses`` — ``{id, memberId, expenseType, date, amount, currency, companyId?, billable,
  description, ticketId?, glEntryIds[]}``;
* ``procurement`` — ``{id, procurementType: Purchase|Adjustment|Transfer, date, locationId, …}``:
  Purchase ``{poNumber, packingSlip, vendorId, vendorInvoiceNumber, warehouse, currency, taxCode?,
  freight, lines[{item, quantity, cost}]}``; Adjustment ``{warehouse, reason, lines[…]}``; Transfer
  ``{fromWarehouse, toWarehouse, lines[…]}``; all with ``glEntryIds[]``;
* ``batches`` — ``{id, batchIdentifier, exportInvoicesFlag, exportExpensesFlag, exportProductsFlag,
  closedFlag, created, entryIds[]}`` (a GL entry is batched when it is in some batch's ``entryIds``);
* ``payments`` — ``{id, invoiceId, amount, paymentDate, type, appliedBy, created}``;
* ``generated`` (only in a generated company) — ``{spec, counts, invalid}``: the :class:`CompanySpec` as the
  control API spells it, the documents per kind, and per seed collection the invalid records' ids (strings)
  with the planted gap each uses (:data:`PLANTED_GAPS`).

``glEntryIds`` may be omitted in a loaded seed: the store then allocates them (see ``glexport``).

Two makers: :func:`build_seed` — the demo: master data plus a fixed, hand-shaped set of transactions
(some broken on purpose); and :func:`generate_company` — the same master data plus N generated documents
of every kind in chosen proportions, a chosen share of them invalid by exactly one planted gap each, for
benchmarks and for trying cwsage at scale (``POST /_sandbox/generate``, ``create_app(generate=…)``,
``start_sandbox(generated=…)``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cwsage.sandbox import demo_company as dc

SEED_FORMAT = "cwsage-manage-seed/1"
LEVEL_WORDS = ("One", "Two", "Three", "Four", "Five", "Six")
CATEGORY_GL = {
    "Service": ("R", "Remote Support"),
    "Onsite": ("R", "Onsite Support"),
    "Miscellaneous": ("R", "Miscellaneous"),
    "Project": ("R", "Project"),
    "Agreement": ("RA", "Managed Services"),
    "Product": ("RP", "Products"),
    "Expense": ("RE", "Billable Expenses"),
    "DownPayment": ("RD", "My Company: Owner"),
}
"""Invoice line category → (glType, mappedRecord name) looked up in ``/finance/glAccounts``."""

OWNER = "My Company: Owner"
TYPE_PATTERN = (
    "Standard",
    "Agreement",
    "Standard",
    "Miscellaneous",
    "Standard",
    "Agreement",
    "Progress",
    "Standard",
    "DownPayment",
    "Standard",
    "Agreement",
    "CreditMemo",
)
TICKET_TEXTS = (
    "Set up computer for new hire",
    "Replace failed disk in file server",
    "Firewall firmware upgrade",
    "Printer driver issue",
    "Mailbox migration",
    "VPN connectivity problem",
    "Backup job failing",
    "Onboard two users",
    "Wi-Fi access point survey",
    "Password reset and MFA enrolment",
)


def _ref(rec_id: int, name: str, **extra: Any) -> dict[str, Any]:
    return {"id": rec_id, "name": name, **extra, "_info": {}}


def _info(day: date) -> dict[str, str]:
    stamp = f"{day.isoformat()}T12:00:00Z"
    return {"lastUpdated": stamp, "updatedBy": "cwsage-demo", "dateEntered": stamp, "enteredBy": "cwsage-demo"}


def _segments(formatted: str) -> tuple[str, str]:
    first, _, second = formatted.partition(dc.SEGMENT_SEPARATOR)
    return first, second


def _master(company: dc.DemoCompany) -> dict[str, Any]:
    start = dc.PERIOD_START - timedelta(days=400)
    cur_ids = {c.code: i + 1 for i, c in enumerate(company.currencies)}
    currencies = [
        {
            "id": cur_ids[c.code],
            "currencyIdentifier": c.code,
            "name": c.name,
            "symbol": c.symbol,
            "displayIdFlag": False,
            "displaySymbolFlag": True,
            "currencyCode": {"id": 100 + cur_ids[c.code], "name": c.code, "_info": {}},
            "thousandsSeparator": ",",
            "decimalSeparator": ".",
            "negativeParenthesesFlag": False,
            "rightAlign": False,
            "numberOfDecimals": c.decimals,
            "reportFormat": "",
            "_info": _info(start),
        }
        for c in company.currencies
    ]
    locations = [
        {
            "id": loc.id,
            "ownerLevelId": 1,
            "structureLevel": _ref(2, "Location"),
            "name": loc.name,
            "payrollXref": loc.name[:3].upper(),
            "locationFlag": True,
            "clientFlag": False,
            "workRoleIds": [],
            "departmentIds": [10],
            "_info": _info(start),
        }
        for loc in company.locations
    ]
    terms = [
        {"id": t.id, "name": t.name, "defaultFlag": t.id == 1, "dueDays": t.due_days, "termsXref": t.xref}
        | {"_info": _info(start)}
        for t in company.terms
    ]
    tax_codes: list[dict[str, Any]] = []
    tax_levels: dict[str, list[dict[str, Any]]] = {}
    for tc in company.tax_codes:
        rec: dict[str, Any] = {
            "id": tc.id,
            "identifier": tc.identifier,
            "description": tc.description,
            "invoiceCaption": tc.identifier,
            "effectiveDate": "2020-01-01T00:00:00Z",
            "cancelDate": None,
            "defaultFlag": False,
            "displayOnInvoiceFlag": True,
            "canadaCalculateGSTFlag": False,
        }
        by_level = {lv.level: lv for lv in tc.levels}
        for n, word in enumerate(LEVEL_WORDS, start=1):
            lv = by_level.get(n)
            rec[f"level{word}Rate"] = lv.rate_percent if lv else Decimal(0)
            rec[f"level{word}RateType"] = "Percent"
            rec[f"level{word}TaxableMax"] = Decimal(0)
            rec[f"level{word}Caption"] = lv.caption if lv else ""
            rec[f"level{word}TaxCodeXref"] = tc.group_xref if lv else ""
            rec[f"level{word}AgencyXref"] = lv.agency_xref if lv else ""
            rec[f"level{word}ServicesFlag"] = bool(lv and lv.services)
            rec[f"level{word}ExpensesFlag"] = bool(lv and lv.expenses)
            rec[f"level{word}ProductsFlag"] = bool(lv and lv.products)
        rec["_info"] = _info(start)
        tax_codes.append(rec)
        tax_levels[str(tc.id)] = [
            {
                "id": tc.id * 10 + lv.level,
                "taxLevel": lv.level,
                "taxRate": lv.rate_percent,
                "rateType": "Percent",
                "taxableMax": Decimal(0),
                "caption": lv.caption,
                "taxCodeXref": tc.group_xref,
                "agencyXref": lv.agency_xref,
                "taxServicesFlag": lv.services,
                "taxExpensesFlag": lv.expenses,
                "taxProductsFlag": lv.products,
                "singleUnitFlag": False,
                "singleUnitMinimum": Decimal(0),
                "singleUnitMaximum": Decimal(0),
                "_info": _info(start),
            }
            for lv in tc.levels
        ]
    tc_by_name = {tc.identifier: tc for tc in company.tax_codes}
    terms_by_id = {t.id: t for t in company.terms}
    cur_by_code = {c.code: c for c in company.currencies}

    def cur_ref(code: str) -> dict[str, Any]:
        return {"id": cur_ids[code], "currencyIdentifier": code, "name": cur_by_code[code].name, "_info": {}}

    companies: list[dict[str, Any]] = []
    loc_name = {loc.id: loc.name for loc in company.locations}
    for cust in company.customers:
        tc = tc_by_name[cust.tax_code]
        companies.append(
            {
                "id": cust.id,
                "identifier": cust.identifier,
                "name": cust.name,
                "status": _ref(1, "Active"),
                "territory": _ref(cust.location_id, loc_name[cust.location_id]),
                "accountNumber": cust.account_number,
                "vendorIdentifier": "",
                "taxIdentifier": "",
                "taxCode": _ref(tc.id, tc.identifier),
                "billingTerms": _ref(cust.terms_id, terms_by_id[cust.terms_id].name),
                "currency": cur_ref(cust.currency),
                "isVendorFlag": False,
                "types": [_ref(1, "Customer")],
                "addressLine1": "1 Main Street",
                "city": cust.city,
                "state": cust.state,
                "country": _ref(2 if cust.currency == "CAD" else 1, "Canada" if cust.currency == "CAD" else "USA"),
                "_info": _info(start),
            }
        )
    for ven in company.vendors:
        companies.append(
            {
                "id": ven.id,
                "identifier": ven.identifier,
                "name": ven.name,
                "status": _ref(1, "Active"),
                "accountNumber": "",
                "vendorIdentifier": ven.vendor_identifier,
                "taxIdentifier": "",
                "taxCode": None,
                "billingTerms": _ref(ven.terms_id, terms_by_id[ven.terms_id].name),
                "currency": cur_ref(ven.currency),
                "isVendorFlag": True,
                "types": [_ref(2, "Vendor")],
                "addressLine1": "100 Supplier Way",
                "city": "",
                "state": "",
                "_info": _info(start),
            }
        )
    members = [
        {
            "id": m.id,
            "identifier": m.identifier,
            "firstName": m.first_name,
            "lastName": m.last_name,
            "licenseClass": "A" if m.identifier == dc.MANAGE_MEMBER else "F",
            "employeeIdentifer": m.identifier.upper()[:10],
            "vendorNumber": m.vendor_number,
            "inactiveFlag": False,
            "defaultLocation": _ref(m.location_id, loc_name[m.location_id]),
            "defaultDepartment": _ref(10, "Managed Services", identifier="Services"),
            "securityRole": _ref(1, "Admin"),
            "hireDate": "2020-01-06T00:00:00Z",
            "defaultEmail": "Office",
            "defaultPhone": "Office",
            "_info": _info(start),
        }
        for m in company.members
    ]
    gl_rows: list[tuple[str, str, str, str]] = []  # glType, mappedType, mappedRecord, account
    gl_rows += [("AR", "Location", OWNER, dc.AR_ACCOUNT), ("AP", "Location", OWNER, dc.AP_ACCOUNT)]
    gl_rows.append(("EE", "Location", OWNER, dc.EXPENSE_OFFSET_ACCOUNT))
    names = {
        "Service": "Remote Support",
        "Onsite": "Onsite Support",
        "Agreement": "Managed Services",
        "Product": "Products",
        "Miscellaneous": "Miscellaneous",
        "Project": "Project",
        "Expense": "Billable Expenses",
        "DownPayment": OWNER,
    }
    mapped_types = {"R": "Work Role", "RA": "Agreement Type", "RP": "Product Category", "RE": "Expense Type"}
    for key, account in dc.REVENUE_ACCOUNTS.items():
        gl_type, _ = CATEGORY_GL[key]
        gl_rows.append((gl_type, mapped_types.get(gl_type, "Location"), names[key], account))
    for tc in company.tax_codes:
        for lv in tc.levels:
            gl_rows.append(("ST", "Tax Agency", lv.agency_xref, lv.account))
    gl_rows.append(("P", "Product Category", "Non-Inventory", dc.COGS_ACCOUNT))
    gl_rows.append(("PF", "Location", OWNER, dc.FREIGHT_ACCOUNT))
    gl_rows.append(("IA", "Adjustment Type", "Inventory Adjustment", dc.ADJUSTMENT_ACCOUNT))
    for wh in company.warehouses:
        gl_rows.append(("IT", "Warehouse", wh.location_xref, wh.inventory_account))
    for key, account in dc.EXPENSE_ACCOUNTS.items():
        gl_rows.append(("EI", "Expense Type", key, account))
    gl_accounts = []
    for index, (gl_type, mtype, mrec, account) in enumerate(gl_rows, start=1):
        seg1, seg2 = _segments(account)
        row: dict[str, Any] = {
            "id": index,
            "glType": gl_type,
            "mappedType": _ref(index % 7 + 1, mtype),
            "mappedRecord": _ref(index, mrec),
            "segment1": seg1,
            "segment2": seg2,
        }
        for n in range(3, 11):
            row[f"segment{n}"] = ""
        cogs1, cogs2 = _segments(dc.COGS_ACCOUNT) if gl_type == "RP" else ("", "")
        row["cogs1"], row["cogs2"] = cogs1, cogs2
        for n in range(3, 11):
            row[f"cogs{n}"] = ""
        row["productId"] = ""
        row["inventory"] = ""
        row["salesCode"] = ""
        row["_info"] = _info(start)
        gl_accounts.append(row)
    warehouses = [
        {
            "id": wh.id,
            "name": wh.name,
            "company": None,
            "location": _ref(wh.location_id, loc_name[wh.location_id]),
            "department": _ref(10, "Managed Services", identifier="Services"),
            "locationXref": wh.location_xref,
            "locationDefaultFlag": True,
            "overallDefaultFlag": wh.id == 1,
            "inactiveFlag": False,
            "lockedFlag": False,
            "currency": cur_ref("USD") if "USD" in cur_ids else None,
            "_info": _info(start),
        }
        for wh in company.warehouses
    ]
    items = [
        {
            "identifier": it.identifier,
            "description": it.description,
            "inventory": it.inventory,
            "cost": it.cost,
            "price": it.price,
            "uom": it.uom,
        }
        for it in company.items
    ]
    return {
        "locations": locations,
        "currencies": currencies,
        "billingTerms": terms,
        "taxCodes": tax_codes,
        "taxCodeLevels": tax_levels,
        "companies": companies,
        "members": members,
        "glAccounts": gl_accounts,
        "warehouses": warehouses,
        "catalogItems": items,
    }


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


class _Gen:
    """Deterministic invoice/expense/procurement generator (state: counters and the RNG)."""

    def __init__(self, company: dc.DemoCompany, rng: random.Random, next_id: int, next_number: int) -> None:
        self.company = company
        self.rng = rng
        self.next_id = next_id
        self.next_number = next_number
        self.ticket = 5200
        self.items = {it.identifier: it for it in company.items}
        self.wh_by_loc = {wh.location_id: wh.location_xref for wh in company.warehouses}
        self.default_wh = company.warehouses[0].location_xref if company.warehouses else None

    def _line(self, category: str, brief: str, text: str, qty: Decimal, unit: str, price: Decimal) -> dict[str, Any]:
        return {"category": category, "brief": brief, "text": text, "quantity": qty, "unit": unit, "price": price}

    def _product(self, loc_id: int, item_id: str, qty: int) -> dict[str, Any]:
        item = self.items[item_id]
        line = self._line("Product", item.identifier, item.description, Decimal(qty), "ea", item.price)
        line["item"] = item.identifier
        line["warehouse"] = self.wh_by_loc.get(loc_id, self.default_wh)
        return line

    def _service(self, category: str = "Service") -> dict[str, Any]:
        self.ticket += self.rng.randrange(1, 9)
        hours = Decimal(self.rng.randrange(2, 33)) / 4
        rate = Decimal(150) if category == "Onsite" else Decimal(120)
        return self._line(category, f"Ticket #{self.ticket}", self.rng.choice(TICKET_TEXTS), hours, "h", rate)

    def _record(
        self, cust: dc.Customer, inv_type: str, day: date, description: str, lines: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The invoice record with the next id and number (draws who closed it from the RNG)."""
        record = {
            "id": self.next_id,
            "invoiceNumber": str(self.next_number),
            "type": inv_type,
            "companyId": cust.id,
            "locationId": cust.location_id,
            "date": day.isoformat(),
            "description": description,
            "currency": cust.currency,
            "taxCode": None if cust.tax_code == "EXEMPT" else cust.tax_code,
            "termsId": cust.terms_id,
            "createdBy": self.rng.choice(("jsmith", "mgarcia", "kobrien")),
            "credits": Decimal(0),
            "lines": lines,
        }
        self.next_id += 1
        self.next_number += 1
        return record

    def invoice(self, cust: dc.Customer, inv_type: str, day: date) -> dict[str, Any]:
        rng = self.rng
        lines: list[dict[str, Any]] = []
        chicago = cust.location_id == 2
        product_items = [it.identifier for it in self.company.items if it.inventory]
        if inv_type == "Standard":
            for _ in range(rng.randrange(1, 4)):
                lines.append(self._service())
            if chicago and rng.random() < 0.45:
                lines.append(self._service("Onsite"))
            if cust.tax_code == "CO DEN" or rng.random() < 0.3:
                lines.append(self._product(cust.location_id, rng.choice(product_items), rng.randrange(1, 6)))
            if rng.random() < 0.2:
                amount = _money(Decimal(rng.randrange(2000, 25000)) / 100)
                lines.append(self._line("Expense", "Expense", "Billable mileage and parking", Decimal(1), "ea", amount))
            description = f"Services {day:%B %Y}"
        elif inv_type == "Agreement":
            seats = rng.randrange(5, 60)
            price = Decimal(rng.choice((45, 65, 85)))
            lines.append(
                self._line(
                    "Agreement",
                    f"Agreement #{100 + cust.id % 50}",
                    f"Managed Services {day:%B %Y}",
                    Decimal(seats),
                    "user",
                    price,
                )
            )
            if rng.random() < 0.5:
                m365 = self._product(cust.location_id, "M365-BP", seats)
                m365["warehouse"] = None
                lines.append(m365)
            description = f"Managed services agreement {day:%B %Y}"
        elif inv_type == "Miscellaneous":
            amount = _money(Decimal(rng.randrange(5000, 60000)) / 100)
            lines.append(self._line("Miscellaneous", "Misc", "Consulting fee", Decimal(1), "ea", amount))
            description = "Miscellaneous charges"
        elif inv_type == "DownPayment":
            amount = Decimal(rng.randrange(5, 40)) * 100
            lines.append(
                self._line("DownPayment", "Down payment", "Deposit on hardware refresh", Decimal(1), "ea", amount)
            )
            description = "Down payment"
        elif inv_type == "Progress":
            project = 40 + rng.randrange(20)
            hours = Decimal(rng.randrange(8, 80))
            lines.append(
                self._line(
                    "Project", f"Project #{project}", "Office network refresh - phase 1", hours, "h", Decimal(135)
                )
            )
            description = f"Project #{project} progress billing"
        else:  # CreditMemo
            if rng.random() < 0.5:
                lines.append(self._service())
            else:
                lines.append(self._product(cust.location_id, rng.choice(product_items), rng.randrange(1, 3)))
            description = "Credit for service adjustment"
        return self._record(cust, inv_type, day, description, lines)


def generate_invoices(
    company: dc.DemoCompany, rng: random.Random, count: int, next_id: int, next_number: int
) -> list[dict[str, Any]]:
    """``count`` more Standard invoices (for benchmarks), dated in the demo period."""
    gen = _Gen(company, rng, next_id, next_number)
    customers = company.customers
    return [
        gen.invoice(customers[i % len(customers)], "Standard", _day(rng, dc.PERIOD_START, dc.PERIOD_END))
        for i in range(count)
    ]


def build_seed(company: dc.DemoCompany = dc.DEMO, seed: int = 7, extra_invoices: int = 0) -> dict[str, Any]:
    """The demo company's complete Manage state as a seed document (see the module docstring)."""
    rng = random.Random(seed)
    doc: dict[str, Any] = {
        "format": SEED_FORMAT,
        "company": _company_block(),
        "settings": {"transferExpensesAsBillFlag": True, "invoiceFormat": "Detailed"},
    }
    doc.update(_master(company))

    # Posted August invoices (already batched in "20260831JD-I").
    gen = _Gen(company, rng, next_id=4001, next_number=9801)
    posted: list[dict[str, Any]] = []
    customers = [c for c in company.customers if c.tax_code != "EXEMPT"] or list(company.customers)
    for i in range(20):
        cust = customers[(i * 5) % len(customers)]
        inv_type = "Standard" if i % 3 else "Agreement"
        posted.append(gen.invoice(cust, inv_type, _day(rng, date(2026, 8, 1), date(2026, 8, 31))))
    # Unposted invoices, Sep–Oct 2026.
    gen.next_id, gen.next_number = 5001, 10101
    invoices: list[dict[str, Any]] = []
    count = 216
    for i in range(count):
        cust = company.customers[(i * 7) % len(company.customers)]
        inv_type = TYPE_PATTERN[i % len(TYPE_PATTERN)]
        invoices.append(gen.invoice(cust, inv_type, _day(rng, dc.PERIOD_START, dc.PERIOD_END)))
    if extra_invoices:
        invoices += generate_invoices(company, rng, extra_invoices, gen.next_id, gen.next_number)
    doc["invoices"] = posted + invoices

    # Reimbursable expenses.
    expenses: list[dict[str, Any]] = []
    members = [m for m in company.members if m.vendor_number]
    exp_types = tuple(dc.EXPENSE_ACCOUNTS)
    by_loc = {loc.id: [c for c in company.customers if c.location_id == loc.id] for loc in company.locations}
    expense_id = 3301
    plan = [(m, k) for m in members for k in range(5)]
    plan += [
        (m, k) for m in company.members if m.identifier == dc.MEMBER_WITHOUT_VENDOR_WITH_EXPENSES for k in range(2)
    ]
    for member, k in plan:
        etype = exp_types[(k + member.id) % len(exp_types)]
        amount = {
            "Travel": Decimal(rng.randrange(8000, 60000)),
            "Meals": Decimal(rng.randrange(1500, 9000)),
            "Mileage": Decimal(rng.randrange(2000, 12000)),
            "Software": Decimal(rng.randrange(999, 4999)),
        }[etype] / 100
        billable = etype in ("Travel", "Mileage") and rng.random() < 0.6
        customers_here = by_loc.get(member.location_id) or list(company.customers)
        charged = rng.choice(customers_here) if billable or rng.random() < 0.3 else None
        currency = dc.member_currency(member) if any(c.code == "CAD" for c in company.currencies) else "USD"
        gen.ticket += 3
        expenses.append(
            _expense(rng, expense_id, member, etype, _money(amount), currency, billable, charged, gen.ticket)
        )
        expense_id += 1
    doc["expenses"] = expenses

    # Procurement: receipts, adjustments, transfers.
    procurement: list[dict[str, Any]] = []
    proc_id = 901
    wh = {w.location_xref: w for w in company.warehouses}
    vendors = list(company.vendors)
    receipts = [
        ("MAIN", [("PATCH10", 50), ("TONER-HP", 4)], Decimal("25.00"), True),
        ("MAIN", [("LAPTOP-X1", 3)], Decimal("0"), True),
        ("VAN1", [("SWITCH24", 2)], Decimal("18.50"), True),
        ("MAIN", [("M365-BP", 40)], Decimal("0"), False),
        ("VAN1", [("AV-EDR", 100)], Decimal("0"), False),
        ("MAIN", [("PATCH10", 100), ("SWITCH24", 1)], Decimal("12.00"), False),
        ("VAN1", [("TONER-HP", 6), ("PATCH10", 20)], Decimal("9.75"), True),
        ("MAIN", [("LAPTOP-X1", 2), ("AV-EDR", 10)], Decimal("0"), False),
    ]
    loc_tax = {loc.id: loc.tax_code for loc in company.locations}
    for index, (whx, lines, freight, taxed) in enumerate(receipts):
        if whx not in wh or not vendors:
            continue
        vendor = vendors[index % len(vendors)]
        po = 70 + index * 3
        warehouse = wh[whx]
        procurement.append(
            {
                "id": proc_id,
                "procurementType": "Purchase",
                "date": _day(rng, dc.PERIOD_START, dc.PERIOD_END).isoformat(),
                "locationId": warehouse.location_id,
                "poNumber": f"PO-{po:06d}",
                "packingSlip": f"PS-{po}",
                "vendorId": vendor.id,
                "vendorInvoiceNumber": f"{vendor.vendor_identifier[:6]}-{88100 + index * 17}",
                "warehouse": whx,
                "currency": vendor.currency,
                "taxCode": loc_tax.get(warehouse.location_id) if taxed else None,
                "freight": freight,
                "lines": [{"item": it, "quantity": Decimal(q), "cost": self_cost(company, it)} for it, q in lines],
            }
        )
        proc_id += 1
    adjustments = [
        ("MAIN", [("PATCH10", -6)], "Damaged in storage"),
        ("VAN1", [("TONER-HP", -1)], "Shrinkage"),
        ("MAIN", [("SWITCH24", 1)], "Found in cycle count"),
        ("VAN1", [("PATCH10", -3), ("SWITCH24", -1)], "Cycle count"),
    ]
    for whx, lines, reason in adjustments:
        if whx not in wh:
            continue
        procurement.append(
            {
                "id": proc_id,
                "procurementType": "Adjustment",
                "date": _day(rng, dc.PERIOD_START, dc.PERIOD_END).isoformat(),
                "locationId": wh[whx].location_id,
                "warehouse": whx,
                "reason": reason,
                "lines": [{"item": it, "quantity": Decimal(q), "cost": self_cost(company, it)} for it, q in lines],
            }
        )
        proc_id += 1
    transfers = [
        ("MAIN", "VAN1", [("PATCH10", 20)]),
        ("MAIN", "VAN1", [("LAPTOP-X1", 1), ("TONER-HP", 2)]),
        ("VAN1", "MAIN", [("SWITCH24", 1)]),
    ]
    for src, dst, lines in transfers:
        if src not in wh or dst not in wh:
            continue
        procurement.append(
            {
                "id": proc_id,
                "procurementType": "Transfer",
                "date": _day(rng, dc.PERIOD_START, dc.PERIOD_END).isoformat(),
                "locationId": wh[src].location_id,
                "fromWarehouse": src,
                "toWarehouse": dst,
                "lines": [{"item": it, "quantity": Decimal(q), "cost": self_cost(company, it)} for it, q in lines],
            }
        )
        proc_id += 1
    doc["procurement"] = procurement
    doc["batches"] = [
        {
            "id": 1,
            "batchIdentifier": "20260831JD-I",
            "exportInvoicesFlag": True,
            "exportExpensesFlag": False,
            "exportProductsFlag": False,
            "closedFlag": True,
            "created": "2026-08-31T17:30:00Z",
            "postedInvoiceIds": [inv["id"] for inv in posted],
        }
    ]
    doc["payments"] = []
    return doc


def _expense(
    rng: random.Random,
    expense_id: int,
    member: dc.Member,
    etype: str,
    amount: Decimal,
    currency: str,
    billable: bool,
    charged: dc.Customer | None,
    ticket: int,
) -> dict[str, Any]:
    """An expense record (draws its date from the RNG)."""
    return {
        "id": expense_id,
        "memberId": member.id,
        "expenseType": etype,
        "date": _day(rng, dc.PERIOD_START, dc.PERIOD_END).isoformat(),
        "amount": amount,
        "currency": currency,
        "companyId": charged.id if charged else None,
        "billable": billable,
        "description": f"Ticket #{ticket} - {etype.lower()} for onsite visit" if charged else f"{etype} (internal)",
        "ticketId": ticket if charged else None,
    }


def self_cost(company: dc.DemoCompany, identifier: str) -> Decimal:
    """The catalog cost of an item."""
    return next(it.cost for it in company.items if it.identifier == identifier)


# ------------------------------------------------------------------------------------ company generator

INVOICE_TYPES = ("Standard", "Agreement", "Miscellaneous", "Progress", "DownPayment", "CreditMemo")
PROCUREMENT_TYPES = ("Purchase", "Adjustment", "Transfer")
GENERATED_KINDS = (*INVOICE_TYPES, "Expense", *PROCUREMENT_TYPES)
"""What the generator makes: the six invoice types, reimbursable expenses, and the three procurement types."""
DEFAULT_KINDS = {
    "Standard": 40,
    "Agreement": 16,
    "Miscellaneous": 6,
    "Progress": 6,
    "DownPayment": 4,
    "CreditMemo": 8,
    "Expense": 10,
    "Purchase": 5,
    "Adjustment": 3,
    "Transfer": 2,
}
"""Relative weights of the kinds in a generated company (per hundred documents)."""

GAP_CUSTOMER = "customer-not-in-sage"
GAP_ACCOUNT = "account-not-in-sage"
GAP_TAX_AUTHORITY = "tax-authority-not-in-sage"
GAP_MEMBER_VENDOR = "member-vendor-missing"
PLANTED_GAPS = {
    GAP_CUSTOMER: dc.MISSING_CUSTOMER,
    GAP_ACCOUNT: dc.MISSING_GL_ACCOUNT,
    GAP_TAX_AUTHORITY: dc.MISSING_TAX_AUTHORITY,
    GAP_MEMBER_VENDOR: dc.MEMBER_WITHOUT_VENDOR_WITH_EXPENSES,
}
"""The demo's planted gaps an invalid generated document uses (exactly one each), and the value at fault."""
GAPS_BY_KIND = {
    "Standard": (GAP_CUSTOMER, GAP_ACCOUNT, GAP_TAX_AUTHORITY),
    "Agreement": (GAP_CUSTOMER, GAP_ACCOUNT, GAP_TAX_AUTHORITY),
    "CreditMemo": (GAP_CUSTOMER, GAP_ACCOUNT, GAP_TAX_AUTHORITY),
    "Miscellaneous": (GAP_CUSTOMER, GAP_ACCOUNT),
    "Progress": (GAP_CUSTOMER, GAP_ACCOUNT),
    "DownPayment": (GAP_CUSTOMER,),
    "Expense": (GAP_MEMBER_VENDOR,),
}
"""Which gaps fit which kind (procurement has none in the demo, so it is always valid)."""

MAX_DOCUMENTS = 200_000
FIRST_IDS = {"invoices": 1_000_001, "expenses": 2_000_001, "procurement": 3_000_001}
FIRST_INVOICE_NUMBER = 200_001
FIRST_PO = 100_000


class SpecError(ValueError):
    """A :class:`CompanySpec` knob out of range; ``field`` names it as the control API spells it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class CompanySpec:
    """What :func:`generate_company` makes.

    Attributes:
        documents: How many documents in all (invoices + expenses + procurement records).
        invalid_share: The share of documents made invalid, each by exactly one of the demo's planted
            gaps (:data:`PLANTED_GAPS`); rounded half up to a whole number of documents. Only invoices and
            expenses can carry a gap.
        seed: Makes the company deterministic.
        kinds: Relative weights per kind (:data:`GENERATED_KINDS`); missing kinds weigh 0. Counts are
            split by largest remainder, so they add up to ``documents`` exactly.
        lines: The least and most lines of an invoice (drawn uniformly per invoice).
    """

    documents: int
    invalid_share: Decimal | int = Decimal("0.05")
    seed: int = 1
    kinds: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_KINDS))
    lines: tuple[int, int] = (1, 8)

    def __post_init__(self) -> None:
        """Check every knob.

        Raises:
            SpecError: A knob is out of range.
        """
        if isinstance(self.documents, bool) or not isinstance(self.documents, int):
            raise SpecError("documents", "documents must be an integer.")
        if not 0 < self.documents <= MAX_DOCUMENTS:
            raise SpecError("documents", f"documents must be between 1 and {MAX_DOCUMENTS}.")
        share = self.invalid_share
        if isinstance(share, bool) or not isinstance(share, int | Decimal) or not 0 <= share <= 1:
            raise SpecError("invalid_share", "invalid_share must be a number from 0 to 1.")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise SpecError("seed", "seed must be an integer.")
        for name, weight in self.kinds.items():
            if name not in GENERATED_KINDS:
                raise SpecError("kinds", f"unknown kind {name!r}; kinds are {', '.join(GENERATED_KINDS)}.")
            if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
                raise SpecError("kinds", f"the weight of {name} must be a whole number, 0 or more.")
        if not any(self.kinds.values()):
            raise SpecError("kinds", "at least one kind needs a weight above 0.")
        lo, hi = self.lines
        if any(isinstance(n, bool) or not isinstance(n, int) for n in (lo, hi)) or not 1 <= lo <= hi <= 50:
            raise SpecError("lines", "lines must be [least, most] with 1 <= least <= most <= 50.")
        if self.invalid_count() > sum(n for kind, n in self.counts().items() if kind in GAPS_BY_KIND):
            raise SpecError(
                "invalid_share", "invalid_share asks for more invalid documents than invoices and expenses."
            )

    def counts(self) -> dict[str, int]:
        """Documents per kind (largest remainder; ties go to the kind listed first)."""
        total = sum(self.kinds.values())
        exact = {k: Decimal(self.documents * self.kinds.get(k, 0)) / total for k in GENERATED_KINDS}
        counts = {k: int(v) for k, v in exact.items()}
        short = self.documents - sum(counts.values())
        by_remainder = sorted(GENERATED_KINDS, key=lambda k: (-(exact[k] - counts[k]), GENERATED_KINDS.index(k)))
        for k in by_remainder[:short]:
            counts[k] += 1
        return counts

    def invalid_count(self) -> int:
        """How many documents are made invalid."""
        return int((Decimal(self.documents) * Decimal(self.invalid_share)).quantize(Decimal(1), ROUND_HALF_UP))

    def as_json(self) -> dict[str, Any]:
        """The knobs as the control API spells them."""
        return {
            "documents": self.documents,
            "invalid_share": Decimal(self.invalid_share),
            "seed": self.seed,
            "kinds": {k: self.kinds[k] for k in GENERATED_KINDS if k in self.kinds},
            "lines": list(self.lines),
        }


class _CompanyGen(_Gen):
    """Makes the documents of a generated company, valid or with one planted gap each."""

    def __init__(self, company: dc.DemoCompany, rng: random.Random, lines: tuple[int, int]) -> None:
        super().__init__(company, rng, FIRST_IDS["invoices"], FIRST_INVOICE_NUMBER)
        self.lines = lines
        self.valid_customers = [c for c in company.customers if c.in_sage]
        missing = [c for c in company.customers if c.account_number == dc.MISSING_CUSTOMER]
        self.missing_customer = missing[0] if missing else None
        self.denver = [c for c in self.valid_customers if _taxes_authority(company, c, dc.MISSING_TAX_AUTHORITY)]
        self.stock = [it.identifier for it in company.items if it.inventory]
        self.services = [it.identifier for it in company.items if not it.inventory]
        self.vendor_members = [m for m in company.members if m.vendor_number]
        self.intern = [m for m in company.members if m.identifier == dc.MEMBER_WITHOUT_VENDOR_WITH_EXPENSES]
        self.expense_id = FIRST_IDS["expenses"]
        self.proc_id = FIRST_IDS["procurement"]
        self.po = FIRST_PO
        self.by_loc = {loc.id: [c for c in company.customers if c.location_id == loc.id] for loc in company.locations}

    def _count(self) -> int:
        lo, hi = self.lines
        return self.rng.randint(lo, hi)

    def _product_line(self, cust: dc.Customer) -> dict[str, Any]:
        rng = self.rng
        if self.stock and (not self.services or rng.random() < 0.7):
            return self._product(cust.location_id, rng.choice(self.stock), rng.randrange(1, 6))
        line = self._product(cust.location_id, rng.choice(self.services), rng.randrange(1, 30))
        line["warehouse"] = None
        return line

    def _onsite(self) -> dict[str, Any]:
        return self._service("Onsite")

    def _plant(self, lines: list[dict[str, Any]], line: dict[str, Any]) -> None:
        """Put the line carrying a gap in, keeping the first (the document's own kind) and the line limit."""
        if len(lines) > 1:
            lines[self.rng.randrange(1, len(lines))] = line
        elif len(lines) < self.lines[1]:
            lines.append(line)
        else:
            lines[0] = line

    def make_invoice(self, inv_type: str, gap: str | None) -> dict[str, Any]:
        """One invoice of ``inv_type``: valid, or invalid by exactly ``gap``."""
        rng = self.rng
        if gap == GAP_CUSTOMER and self.missing_customer is not None:
            cust = self.missing_customer
        elif gap == GAP_TAX_AUTHORITY:
            cust = rng.choice(self.denver)
        else:
            cust = rng.choice(self.valid_customers)
        # A product or billable-expense line on a customer whose tax code has the missing authority would
        # charge it: valid documents (and documents with another gap) keep such customers to services.
        taxed_ok = cust not in self.denver or gap == GAP_TAX_AUTHORITY
        n = self._count()
        day = _day(rng, dc.PERIOD_START, dc.PERIOD_END)
        lines: list[dict[str, Any]] = []
        if inv_type == "Standard":
            lines.append(self._service())
            while len(lines) < n:
                pick = rng.random()
                if taxed_ok and pick < 0.3:
                    lines.append(self._product_line(cust))
                elif taxed_ok and pick < 0.4:
                    amount = _money(Decimal(rng.randrange(2000, 25000)) / 100)
                    lines.append(
                        self._line("Expense", "Expense", "Billable mileage and parking", Decimal(1), "ea", amount)
                    )
                else:
                    lines.append(self._service())
            description = f"Services {day:%B %Y}"
        elif inv_type == "Agreement":
            seats = rng.randrange(5, 60)
            agreement = 100 + cust.id % 50
            lines.append(
                self._line(
                    "Agreement",
                    f"Agreement #{agreement}",
                    f"Managed Services {day:%B %Y}",
                    Decimal(seats),
                    "user",
                    Decimal(rng.choice((45, 65, 85))),
                )
            )
            while len(lines) < n:
                if taxed_ok and self.services and rng.random() < 0.5:
                    line = self._product(cust.location_id, rng.choice(self.services), seats)
                    line["warehouse"] = None
                    lines.append(line)
                else:
                    addon = rng.choice(("Backup", "Security", "Monitoring", "Help desk"))
                    price = Decimal(rng.choice((5, 8, 12)))
                    lines.append(
                        self._line(
                            "Agreement", f"Agreement #{agreement}", f"{addon} add-on", Decimal(seats), "user", price
                        )
                    )
            description = f"Managed services agreement {day:%B %Y}"
        elif inv_type == "Miscellaneous":
            for _ in range(n):
                amount = _money(Decimal(rng.randrange(5000, 60000)) / 100)
                fee = rng.choice(("Consulting fee", "Setup fee", "Licensing fee", "Training"))
                lines.append(self._line("Miscellaneous", "Misc", fee, Decimal(1), "ea", amount))
            description = "Miscellaneous charges"
        elif inv_type == "Progress":
            project = 40 + rng.randrange(20)
            for phase in range(1, n + 1):
                hours = Decimal(rng.randrange(8, 80))
                text = f"Office network refresh - phase {phase}"
                lines.append(self._line("Project", f"Project #{project}", text, hours, "h", Decimal(135)))
            description = f"Project #{project} progress billing"
        elif inv_type == "DownPayment":
            for _ in range(n):
                amount = Decimal(rng.randrange(5, 40)) * 100
                lines.append(
                    self._line("DownPayment", "Down payment", "Deposit on hardware refresh", Decimal(1), "ea", amount)
                )
            description = "Down payment"
        else:  # CreditMemo
            for _ in range(n):
                if taxed_ok and rng.random() < 0.5:
                    lines.append(self._product_line(cust))
                else:
                    lines.append(self._service())
            description = "Credit for service adjustment"
        if gap == GAP_ACCOUNT:
            self._plant(lines, self._onsite())
        elif gap == GAP_TAX_AUTHORITY and not any(ln["category"] in ("Product", "Expense") for ln in lines):
            self._plant(lines, self._product_line(cust))
        return self._record(cust, inv_type, day, description, lines)

    def make_expense(self, gap: str | None) -> dict[str, Any]:
        """One reimbursable expense: valid, or by the member without a vendor number."""
        rng = self.rng
        member = rng.choice(self.intern if gap == GAP_MEMBER_VENDOR else self.vendor_members)
        etype = rng.choice(tuple(dc.EXPENSE_ACCOUNTS))
        amount = {
            "Travel": Decimal(rng.randrange(8000, 60000)),
            "Meals": Decimal(rng.randrange(1500, 9000)),
            "Mileage": Decimal(rng.randrange(2000, 12000)),
            "Software": Decimal(rng.randrange(999, 4999)),
        }.get(etype, Decimal(rng.randrange(1000, 10000))) / 100
        billable = etype in ("Travel", "Mileage") and rng.random() < 0.6
        here = [c for c in self.by_loc.get(member.location_id, []) if c.in_sage] or self.valid_customers
        charged = rng.choice(here) if billable or rng.random() < 0.3 else None
        self.ticket += 3
        currency = dc.member_currency(member) if any(c.code == "CAD" for c in self.company.currencies) else "USD"
        record = _expense(rng, self.expense_id, member, etype, _money(amount), currency, billable, charged, self.ticket)
        self.expense_id += 1
        return record

    def make_procurement(self, ptype: str) -> dict[str, Any]:
        """One item receipt, inventory adjustment or transfer (always valid: the demo plants no gap there)."""
        rng = self.rng
        company = self.company
        warehouses = list(company.warehouses)
        day = _day(rng, dc.PERIOD_START, dc.PERIOD_END).isoformat()
        wh = rng.choice(warehouses)
        rec: dict[str, Any] = {"id": self.proc_id, "procurementType": ptype, "date": day, "locationId": wh.location_id}
        if ptype == "Purchase":
            vendor = rng.choice(company.vendors)
            items = rng.sample(self.stock + self.services, rng.randint(1, min(3, len(self.stock + self.services))))
            loc_tax = {loc.id: loc.tax_code for loc in company.locations}
            taxed = all(it in self.stock for it in items) and rng.random() < 0.5  # as the demo's taxed receipts
            self.po += 1
            rec |= {
                "poNumber": f"PO-{self.po:06d}",
                "packingSlip": f"PS-{self.po}",
                "vendorId": vendor.id,
                "vendorInvoiceNumber": f"{vendor.vendor_identifier[:6]}-{self.po}",
                "warehouse": wh.location_xref,
                "currency": vendor.currency,
                "taxCode": loc_tax.get(wh.location_id) if taxed else None,
                "freight": rng.choice((Decimal(0), Decimal(0), Decimal("9.75"), Decimal("18.50"), Decimal("25.00"))),
                "lines": [
                    {"item": it, "quantity": Decimal(rng.randrange(1, 40)), "cost": self.items[it].cost} for it in items
                ],
            }
        elif ptype == "Adjustment":
            items = rng.sample(self.stock, rng.randint(1, min(2, len(self.stock))))
            rec |= {
                "warehouse": wh.location_xref,
                "reason": rng.choice(("Damaged in storage", "Shrinkage", "Found in cycle count", "Cycle count")),
                "lines": [
                    {"item": it, "quantity": Decimal(rng.choice((-6, -3, -2, -1, 1, 2))), "cost": self.items[it].cost}
                    for it in items
                ],
            }
        else:
            src, dst = rng.sample(warehouses, 2)
            items = rng.sample(self.stock, rng.randint(1, min(2, len(self.stock))))
            rec |= {
                "locationId": src.location_id,
                "fromWarehouse": src.location_xref,
                "toWarehouse": dst.location_xref,
                "lines": [
                    {"item": it, "quantity": Decimal(rng.randrange(1, 21)), "cost": self.items[it].cost} for it in items
                ],
            }
        self.proc_id += 1
        return rec


def _taxes_authority(company: dc.DemoCompany, customer: dc.Customer, agency: str) -> bool:
    """Whether a customer's tax code has a level paid to ``agency``."""
    return any(
        lv.agency_xref == agency for tc in company.tax_codes if tc.identifier == customer.tax_code for lv in tc.levels
    )


def generate_company(spec: CompanySpec, company: dc.DemoCompany = dc.DEMO) -> dict[str, Any]:
    """A seed document: the demo company's master data and ``spec.documents`` generated documents.

    Valid documents use only what Sage has (customers, accounts, tax authorities, vendors, items of the
    demo); each invalid one uses exactly one planted gap (:data:`PLANTED_GAPS`). The documents are dated in
    the demo period, unposted, with no batches or payments. ``doc["generated"]`` records the spec, the counts
    per kind and, per seed collection, the invalid records' ids (as strings) with their gap.

    Args:
        spec: What to make.
        company: The master data (the demo company by default).

    Returns:
        The seed document (load it with ``Store.load``).

    Raises:
        SpecError: The spec cannot be met by this company (e.g. no warehouse for transfers).
    """
    counts = spec.counts()
    if (counts["Transfer"] and len(company.warehouses) < 2) or (
        (counts["Purchase"] or counts["Adjustment"]) and not company.warehouses
    ):
        raise SpecError("kinds", "this company has too few warehouses for the procurement asked for.")
    rng = random.Random(spec.seed)
    doc: dict[str, Any] = {
        "format": SEED_FORMAT,
        "company": _company_block(),
        "settings": {"transferExpensesAsBillFlag": True, "invoiceFormat": "Detailed"},
    }
    doc.update(_master(company))
    gen = _CompanyGen(company, rng, spec.lines)
    eligible = [(kind, n) for kind in GENERATED_KINDS if kind in GAPS_BY_KIND for n in range(counts[kind])]
    chosen = set(rng.sample(range(len(eligible)), spec.invalid_count()))
    invalid_slots = {eligible[i] for i in chosen}
    if any(kind == "Expense" for kind, _ in invalid_slots) and not gen.intern:
        raise SpecError("invalid_share", "this company has no member without a vendor number for invalid expenses.")
    rotation = dict.fromkeys(GAPS_BY_KIND, 0)
    invalid: dict[str, dict[str, str]] = {"invoices": {}, "expenses": {}}
    invoices: list[dict[str, Any]] = []
    expenses: list[dict[str, Any]] = []
    procurement: list[dict[str, Any]] = []

    def gap_for(kind: str, n: int) -> str | None:
        if (kind, n) not in invalid_slots:
            return None
        gaps = [g for g in GAPS_BY_KIND[kind] if g != GAP_CUSTOMER or gen.missing_customer is not None]
        gaps = [g for g in gaps if g != GAP_TAX_AUTHORITY or gen.denver]
        if not gaps:
            raise SpecError("invalid_share", f"this company has no planted gap that fits a {kind} document.")
        gap = gaps[rotation[kind] % len(gaps)]
        rotation[kind] += 1
        return gap

    for kind in GENERATED_KINDS:
        for n in range(counts[kind]):
            gap = gap_for(kind, n) if kind in GAPS_BY_KIND else None
            if kind in INVOICE_TYPES:
                rec = gen.make_invoice(kind, gap)
                invoices.append(rec)
                if gap:
                    invalid["invoices"][str(rec["id"])] = gap
            elif kind == "Expense":
                rec = gen.make_expense(gap)
                expenses.append(rec)
                if gap:
                    invalid["expenses"][str(rec["id"])] = gap
            else:
                procurement.append(gen.make_procurement(kind))
    doc["invoices"] = invoices
    doc["expenses"] = expenses
    doc["procurement"] = procurement
    doc["batches"] = []
    doc["payments"] = []
    doc["generated"] = {"spec": spec.as_json(), "counts": counts, "invalid": invalid}
    return doc


def _company_block() -> dict[str, Any]:
    return {
        "companyId": dc.MANAGE_COMPANY_ID,
        "companyName": "Northwind Managed IT",
        "publicKey": dc.MANAGE_PUBLIC_KEY,
        "privateKey": dc.MANAGE_PRIVATE_KEY,
        "clientIds": [dc.MANAGE_CLIENT_ID],
        "integratorUser": dc.MANAGE_INTEGRATOR_USER,
        "integratorPassword": dc.MANAGE_INTEGRATOR_PASSWORD,
    }
