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
* ``payments`` — ``{id, invoiceId, amount, paymentDate, type, appliedBy, created}``.

``glEntryIds`` may be omitted in a loaded seed: the store then allocates them (see ``glexport``).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
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
            "createdBy": rng.choice(("jsmith", "mgarcia", "kobrien")),
            "credits": Decimal(0),
            "lines": lines,
        }
        self.next_id += 1
        self.next_number += 1
        return record


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
        "company": {
            "companyId": dc.MANAGE_COMPANY_ID,
            "companyName": "Northwind Managed IT",
            "publicKey": dc.MANAGE_PUBLIC_KEY,
            "privateKey": dc.MANAGE_PRIVATE_KEY,
            "clientIds": [dc.MANAGE_CLIENT_ID],
            "integratorUser": dc.MANAGE_INTEGRATOR_USER,
            "integratorPassword": dc.MANAGE_INTEGRATOR_PASSWORD,
        },
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
            {
                "id": expense_id,
                "memberId": member.id,
                "expenseType": etype,
                "date": _day(rng, dc.PERIOD_START, dc.PERIOD_END).isoformat(),
                "amount": _money(amount),
                "currency": currency,
                "companyId": charged.id if charged else None,
                "billable": billable,
                "description": f"Ticket #{gen.ticket} - {etype.lower()} for onsite visit"
                if charged
                else f"{etype} (internal)",
                "ticketId": gen.ticket if charged else None,
            }
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


def self_cost(company: dc.DemoCompany, identifier: str) -> Decimal:
    """The catalog cost of an item."""
    return next(it.cost for it in company.items if it.identifier == identifier)
