"""How the emulator turns unposted records into GL entries and a ``GLExport`` payload (reference §3).

Why this is a module of its own: it is the part of Manage that cwsage depends on most, and the signs,
ids and accounts here must follow the reference rather than what our client expects.

Rules (reference §3.7 samples, plus the project's decisions where the reference is unknown — *[D]*):

=========================  ==================================================================================
Record                     GLExport shape and signs
=========================  ==================================================================================
Invoice (not credit memo)  ``transactions[]``: header ``glTypeId AR``, ``accountNumber`` = AR account,
                           ``total`` > 0 (debit), ``documentType "INVOICE"``; ``detail[]`` revenue lines
                           (``R`` service/time/misc/project, ``RA`` agreement, ``RP`` product, ``RE`` billable
                           expense, ``RD`` down payment) with NEGATIVE ``quantity``/``total`` (credits), then one
                           ``ST`` line per taxed level (``taxCodeXref`` = tax group, ``taxAgencyXref`` = the
                           level's agency, ``taxRate`` fraction, ``taxRatePercent`` percent, negative total).
                           Header total = −Σ detail totals, to the cent.
Credit memo                The mirror image: ``documentType "CREDIT MEMO"`` [D], header total NEGATIVE,
                           detail/tax totals and quantities POSITIVE; header ``taxableTotal``/``salesTax``/
                           ``taxLevels`` amounts negative too [D]. ``/finance/invoices`` and
                           ``unpostedinvoices`` show a credit memo's totals negative [D].
Expense, journal style     (``transferExpensesAsBillFlag`` off) ``expenses[]`` one per expense:
                           ``accountNumber`` = expense account, ``total`` > 0 (debit), ``offset`` =
                           {``accountNumber`` 2100-00, ``total`` < 0}.
Expense, bill style        (flag on) ``expenseBills[]`` one per member *and currency* per export [D]:
                           ``documentNumber`` ``EXP-{member}-{YYYYMMDD}`` (latest expense date; ``-2``, ``-3``
                           … appended for a member's further currencies) [D], ``apAccountNumber`` 2000-00 [D],
                           ``total`` > 0, ``detail[]`` one per expense, ``total`` > 0.
Item receipt               ``purchaseTransactions[]``: ``id`` "PO #{po}, Packing Slip: {slip}", header
                           ``total`` > 0 (AP credit), ``purchaseDetail[]`` lines with NEGATIVE quantity/total as
                           in the reference sample (inventory account of the warehouse for inventory items,
                           COGS 5000-30 otherwise; freight as a line to 5200-30), ``purchaseDetailTax[]`` one per
                           taxed level (negative). Header total = −Σ(detail + tax).
Inventory adjustment       ``adjustmentTransactions[]``: ``adjustmentDetail[]`` ``quantity`` (negative for
                           shrinkage), ``cost`` unit cost, ``total`` = quantity × cost (the inventory side),
                           ``inventoryAccountNumber`` the warehouse's, ``accountNumber`` 5300-30 (offset).
Inventory transfer         ``inventoryTransfers[]`` one per item line: ``total`` > 0 to the destination's
                           inventory account, ``offset`` the source's inventory account with ``total`` < 0.
=========================  ==================================================================================

GL entry ids [D] — every record owns a fixed list of unique int GL entry ids (``glEntryIds`` in the seed),
allocated when the record is loaded, in this order:

* invoice: header (AR), one per invoice line, one per taxed tax level. ``transactions[].glEntryIds`` =
  all of them, comma-separated; ``detail[].id`` = the line's entry (a Condensed merged line carries the
  entry of the first line merged; ``glEntryIds`` still lists every entry);
* expense: [debit, credit]. Journal: ``expenses[].id`` = debit, ``offset.id`` = credit. Bill:
  ``detail[].id`` = [debit, credit]; ``expenseBills[].id`` = the credit entry of the bill's first
  expense; the bill's entries = [bill.id] + all ``detail[].id``;
* item receipt: one per item line, one for freight (if any), one per taxed level;
  ``purchaseDetail[].id`` + ``purchaseDetailTax[].id`` = all of them;
* adjustment: [inventory, offset] per line; ``adjustmentTransactions[].id`` = all of them, comma-separated;
* transfer: [destination, source] per line; ``inventoryTransfers[].id`` = that line's two, comma-separated.

A record is unposted until *all* of its GL entries are in a batch.

Line text by ``summarizeInvoices`` [D]: Default → generic ("Service", "Agreement", "Product", "Expense",
"Down Payment"); Condensed → the brief reference ("Ticket #1234"), and lines with the same account and
item are merged (amounts and quantities summed, briefs joined with ", "); Detailed → the full text
("Ticket #1234 - Set up computer for new hire (2.50 h @ 120.00)"). Accounts are ``segment1-segment2``.
Tax: each level taxes the lines whose category it covers (services / expenses / products flags);
tax = round(taxable × rate%, 2) half-up per level.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cwsage.sandbox.manage.seed import CATEGORY_GL, LEVEL_WORDS, OWNER

CENT = Decimal("0.01")
GENERIC = {
    "R": "Service",
    "RA": "Agreement",
    "RP": "Product",
    "RE": "Expense",
    "RD": "Down Payment",
}
SUMMARY_OPTION = {"Default": "0", "Condensed": "1", "Detailed": "2"}
TAX_SLOTS = ("state", "county", "city", "country", "composite", "levelSix")


def money(value: Decimal) -> Decimal:
    """Round to cents, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def dec(value: Any) -> Decimal:
    """A seed number (int, Decimal or numeric string) as Decimal."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def doc_date(day: str) -> str:
    """GLExport dates: ``YYYY-MM-DDT00:00:00`` with no zone, as in the reference samples."""
    return f"{day[:10]}T00:00:00"


def api_date(day: str) -> str:
    """Dates on ``/finance/*`` resources: ISO with ``Z``."""
    return f"{day[:10]}T00:00:00Z"


class Books:
    """Lookups over a seed's master data (companies, tax codes, GL mapping …)."""

    def __init__(self, seed: dict[str, Any]) -> None:
        self.seed = seed
        self.companies = {c["id"]: c for c in seed["companies"]}
        self.members = {m["id"]: m for m in seed["members"]}
        self.locations = {loc["id"]: loc for loc in seed["locations"]}
        self.currencies = {c["currencyIdentifier"]: c for c in seed["currencies"]}
        self.terms = {t["id"]: t for t in seed["billingTerms"]}
        self.tax_codes = {t["identifier"]: t for t in seed["taxCodes"]}
        self.tax_levels: dict[str, list[dict[str, Any]]] = {
            t["identifier"]: seed["taxCodeLevels"].get(str(t["id"]), []) for t in seed["taxCodes"]
        }
        self.warehouses = {w["locationXref"]: w for w in seed["warehouses"]}
        self.items = {i["identifier"]: i for i in seed["catalogItems"]}
        self.item_ids = {identifier: 740 + n for n, identifier in enumerate(self.items)}
        self.member_names: dict[str, str] = {}
        for m in seed["members"]:
            self.member_names.setdefault(m["identifier"], f"{m['firstName']} {m['lastName']}")
        self.gl = seed["glAccounts"]
        # The first mapping row of a (glType, mapped record) wins, as in Manage's GL account table.
        self._accounts: dict[tuple[Any, Any], str] = {}
        self._cogs: dict[tuple[Any, Any], str] = {}
        for row in self.gl:
            key = (row.get("glType"), (row.get("mappedRecord") or {}).get("name"))
            if key in self._accounts:
                continue
            self._accounts[key] = "-".join(s for s in (row.get(f"segment{n}") or "" for n in range(1, 11)) if s)
            self._cogs[key] = "-".join(s for s in (row.get(f"cogs{n}") or "" for n in range(1, 11)) if s)

    def account(self, gl_type: str, record: str) -> str:
        """The mapped GL account (``segment1-segment2``) for a GL type and mapped record; "" if unmapped."""
        return self._accounts.get((gl_type, record), "")

    def cogs_account(self, gl_type: str, record: str) -> str:
        """The COGS account of a product mapping row."""
        return self._cogs.get((gl_type, record), "")

    def currency_ref(self, code: str) -> dict[str, Any]:
        """A full CurrencyReference."""
        cur = self.currencies.get(code)
        if cur is None:
            return {"id": None, "currencyCode": code, "currencyIdentifier": code, "name": code, "_info": {}}
        return {
            "id": cur["id"],
            "symbol": cur.get("symbol", ""),
            "currencyCode": (cur.get("currencyCode") or {}).get("name", code),
            "decimalSeparator": cur.get("decimalSeparator", "."),
            "numberOfDecimals": cur.get("numberOfDecimals", 2),
            "thousandsSeparator": cur.get("thousandsSeparator", ","),
            "negativeParenthesesFlag": cur.get("negativeParenthesesFlag", False),
            "displaySymbolFlag": cur.get("displaySymbolFlag", True),
            "currencyIdentifier": code,
            "displayIdFlag": cur.get("displayIdFlag", False),
            "rightAlign": cur.get("rightAlign", False),
            "name": cur.get("name", code),
            "_info": {},
        }

    def company_ref(self, company_id: int | None) -> dict[str, Any] | None:
        """A CompanyReference, or ``None``."""
        comp = self.companies.get(company_id) if company_id is not None else None
        if comp is None:
            return None
        return {"id": comp["id"], "identifier": comp["identifier"], "name": comp["name"], "_info": {}}

    def member_ref(self, member_id: int) -> dict[str, Any]:
        """A MemberReference."""
        m = self.members[member_id]
        name = f"{m['firstName']} {m['lastName']}"
        return {"id": m["id"], "identifier": m["identifier"], "name": name, "dailyCapacity": Decimal(8), "_info": {}}

    def tax_code_ref(self, identifier: str | None) -> dict[str, Any] | None:
        """A TaxCodeReference."""
        tc = self.tax_codes.get(identifier or "")
        return {"id": tc["id"], "name": tc["identifier"], "_info": {}} if tc else None

    def item_ref(self, identifier: str) -> dict[str, Any]:
        """An IvItemReference (ids are stable per catalog position)."""
        return {
            "id": self.item_ids.get(identifier),
            "identifier": identifier,
            "serializedFlag": False,
            "_info": {},
        }

    def inventory_account(self, warehouse_xref: str | None) -> str:
        """The inventory GL account of a warehouse."""
        return self.account("IT", warehouse_xref or "")


# --------------------------------------------------------------------------------------------- invoices


@dataclass
class InvLine:
    """One computed invoice line (amounts positive: the amount billed or, for a credit memo, credited)."""

    index: int
    category: str
    gl_type: str
    account: str
    quantity: Decimal
    price: Decimal
    amount: Decimal
    brief: str
    full: str
    item: str | None
    warehouse: str | None
    tax_class: str


@dataclass
class TaxLine:
    """One taxed level of an invoice or receipt."""

    level: int
    rate: Decimal  # percent
    group_xref: str
    agency: str
    account: str
    taxable: Decimal
    tax: Decimal


@dataclass
class InvoiceCalc:
    """Everything derived from one invoice record."""

    record: dict[str, Any]
    lines: list[InvLine]
    taxes: list[TaxLine]
    levels: list[dict[str, Any]]
    subtotal: Decimal
    tax_total: Decimal
    sign: int  # +1 invoice, -1 credit memo (sign of the Manage total)

    @property
    def total(self) -> Decimal:
        """The invoice total (positive amount)."""
        return self.subtotal + self.tax_total


def _tax_class(category: str) -> str:
    return {"Product": "products", "Expense": "expenses"}.get(category, "services")


def _fmt(value: Decimal) -> str:
    return f"{value:.2f}"


def invoice_calc(inv: dict[str, Any], books: Books) -> InvoiceCalc:
    """Compute lines, taxes and totals of an invoice record."""
    lines: list[InvLine] = []
    for index, raw in enumerate(inv["lines"]):
        category = raw["category"]
        gl_type, record = CATEGORY_GL.get(category, ("R", category))
        qty, price = dec(raw["quantity"]), dec(raw["price"])
        amount = money(qty * price)
        brief = raw.get("brief") or GENERIC.get(gl_type, "Service")
        text = raw.get("text") or ""
        full = f"{brief} - {text} ({_fmt(qty)} {raw.get('unit') or 'ea'} @ {_fmt(price)})"
        lines.append(
            InvLine(
                index,
                category,
                gl_type,
                books.account(gl_type, record),
                qty,
                price,
                amount,
                brief,
                full,
                raw.get("item"),
                raw.get("warehouse"),
                _tax_class(category),
            )
        )
    levels = books.tax_levels.get(inv.get("taxCode") or "", [])
    taxes = []
    for level in levels:
        flag = {"services": "taxServicesFlag", "expenses": "taxExpensesFlag", "products": "taxProductsFlag"}
        taxable = sum((ln.amount for ln in lines if level.get(flag[ln.tax_class])), Decimal(0))
        if taxable == 0:
            continue
        rate = dec(level["taxRate"])
        taxes.append(
            TaxLine(
                level["taxLevel"],
                rate,
                level.get("taxCodeXref", ""),
                level.get("agencyXref", ""),
                books.account("ST", level.get("agencyXref", "")),
                taxable,
                money(taxable * rate / 100),
            )
        )
    subtotal = sum((ln.amount for ln in lines), Decimal(0))
    tax_total = sum((t.tax for t in taxes), Decimal(0))
    return InvoiceCalc(inv, lines, taxes, levels, subtotal, tax_total, -1 if inv["type"] == "CreditMemo" else 1)


def invoice_entry_count(inv: dict[str, Any], books: Books) -> int:
    """How many GL entries an invoice owns."""
    calc = invoice_calc(inv, books)
    return 1 + len(calc.lines) + len(calc.taxes)


def _level_flags(calc: InvoiceCalc, line: InvLine) -> dict[int, bool]:
    flag = {"services": "taxServicesFlag", "expenses": "taxExpensesFlag", "products": "taxProductsFlag"}[line.tax_class]
    return {lv["taxLevel"]: bool(lv.get(flag)) for lv in calc.levels}


def transaction(inv: dict[str, Any], books: Books, summarize: str) -> dict[str, Any]:
    """The ``GLExportTransaction`` of one invoice at a detail level."""
    calc = invoice_calc(inv, books)
    ids = [int(i) for i in inv["glEntryIds"]]
    line_ids = ids[1 : 1 + len(calc.lines)]
    tax_ids = ids[1 + len(calc.lines) :]
    s = -calc.sign  # sign of detail lines: −1 for invoices (credits), +1 for credit memos
    cust = books.companies.get(inv["companyId"], {})
    terms = books.terms.get(inv.get("termsId") or 0, {})
    currency = books.currency_ref(inv["currency"])
    date = doc_date(inv["date"])
    doc_type = "CREDIT MEMO" if calc.sign < 0 else "INVOICE"
    tax_ref = books.tax_code_ref(inv.get("taxCode"))
    first_agency = calc.levels[0].get("agencyXref", "") if calc.levels else ""
    group = calc.levels[0].get("taxCodeXref", "") if calc.levels else ""

    groups: list[tuple[int, list[InvLine]]] = []
    if summarize == "Condensed":
        keyed: dict[tuple[str, str | None], list[InvLine]] = {}
        order: list[tuple[str, str | None]] = []
        for ln, eid in zip(calc.lines, line_ids, strict=True):
            key = (ln.account, ln.item)
            if key not in keyed:
                keyed[key] = []
                order.append(key)
                groups.append((eid, keyed[key]))
            keyed[key].append(ln)
    else:
        groups = [(eid, [ln]) for ln, eid in zip(calc.lines, line_ids, strict=True)]

    detail: list[dict[str, Any]] = []
    for eid, members in groups:
        first = members[0]
        amount = sum((m.amount for m in members), Decimal(0))
        qty = sum((m.quantity for m in members), Decimal(0))
        if summarize == "Condensed":
            text = ", ".join(dict.fromkeys(m.brief for m in members))
        elif summarize == "Detailed":
            text = first.full
        else:
            text = GENERIC.get(first.gl_type, "Service")
        item = books.items.get(first.item or "")
        inventory = bool(item and item.get("inventory"))
        flags = _level_flags(calc, first)
        cogs = books.cogs_account("RP", CATEGORY_GL["Product"][1]) if item else ""
        detail.append(
            {
                "id": eid,
                "documentDate": date,
                "documentType": doc_type,
                "accountNumber": first.account,
                "glClass": "",
                "glTypeId": first.gl_type,
                "glItemId": first.item or "",
                "invoiceSummaryOption": SUMMARY_OPTION.get(summarize, "0"),
                "cost": money(dec(item["cost"]) * qty) if item else Decimal(0),
                "salesCode": first.item or "",
                "memo": text,
                "description": text,
                "quantity": s * qty,
                "total": s * amount,
                "currency": currency,
                "timeEntry": None,
                "costAccountNumber": cogs,
                "inventoryAccountNumber": books.inventory_account(first.warehouse) if inventory else "",
                "productAccountNumber": first.account,
                "taxCode": tax_ref,
                "taxCodeXref": group,
                "taxAgencyXref": first_agency,
                "taxNote": "",
                "taxRate": Decimal(0),
                "taxRatePercent": Decimal(0),
                "taxableFlag": flags.get(1, False),
                "taxable2Flag": flags.get(2, False),
                "taxable3Flag": flags.get(3, False),
                "taxable4Flag": flags.get(4, False),
                "taxable5Flag": flags.get(5, False),
                "item": books.item_ref(first.item) if first.item else None,
                "product": {"id": 5100 + first.index, "description": item["description"], "_info": {}}
                if item
                else None,
                "itemTaxableFlag": any(flags.values()),
                "itemPrice": first.price,
                "itemCost": dec(item["cost"]) if item else Decimal(0),
                "itemDescription": item["description"] if item else "",
                "salesDescription": item["description"] if item else "",
                "unitOfMeasure": {"id": 1 if item else 2, "name": "Each" if item else "Hour", "_info": {}},
                "subCategory": None,
                "serializedFlag": False,
                "serialNumbers": "",
                "warehouseSite": None,
                "warehouseBin": None,
                "shipmentMethod": None,
                "dropShippedFlag": False,
                "itemTypeXref": ("Inventory" if inventory else "Non-Inventory") if item else "Service",
                "inventoryXref": books.inventory_account(first.warehouse) if inventory else "",
                "cogsXref": cogs,
                "uomScheduleXref": "",
                "priceLevelXref": "DEFAULT",
                "locationXref": (first.warehouse or "DEFAULT") if inventory else "DEFAULT",
                "taxLevels": [{"taxableFlag": v, "taxLevel": k} for k, v in flags.items()],
            }
        )
    for tax, eid in zip(calc.taxes, tax_ids, strict=True):
        detail.append(
            {
                "id": eid,
                "documentDate": date,
                "documentType": doc_type,
                "accountNumber": tax.account,
                "glClass": "",
                "glTypeId": "ST",
                "glItemId": "",
                "invoiceSummaryOption": SUMMARY_OPTION.get(summarize, "0"),
                "cost": Decimal(0),
                "salesCode": "",
                "memo": "Sales Tax",
                "description": f"Level {tax.level} Sales Tax",
                "quantity": Decimal(0),
                "total": s * tax.tax,
                "currency": currency,
                "taxCode": tax_ref,
                "taxCodeXref": tax.group_xref,
                "taxAgencyXref": tax.agency,
                "taxNote": "AUTOSTAX",
                "taxRate": tax.rate / 100,
                "taxRatePercent": tax.rate,
                "taxableFlag": True,
                "item": None,
                "product": None,
                "itemTypeXref": "",
                "locationXref": "DEFAULT",
                "taxLevels": [],
            }
        )
    hs = calc.sign
    total = -sum((d["total"] for d in detail), Decimal(0))
    by_level = {t.level: t for t in calc.taxes}
    header: dict[str, Any] = {
        "id": inv["id"],
        "glClass": "",
        "glTypeId": "AR",
        "documentDate": date,
        "documentNumber": inv["invoiceNumber"],
        "documentType": doc_type,
        "memo": inv.get("description", ""),
        "description": "Accounts Receivable",
        "attention": "",
        "salesTerritory": books.locations.get(inv["locationId"], {}).get("name", ""),
        "company": books.company_ref(inv["companyId"]),
        "companyType": {"id": 1, "name": "Customer", "_info": {}},
        "companyAccountNumber": cust.get("accountNumber", ""),
        "site": {"id": 1000 + inv["companyId"], "name": "Main", "_info": {}},
        "billingTerms": {"id": terms.get("id"), "name": terms.get("name", ""), "_info": {}},
        "billingTermsXref": terms.get("termsXref", ""),
        "dueDays": terms.get("dueDays", 0),
        "dueDate": doc_date(_due(inv["date"], terms.get("dueDays", 0))),
        "emailDeliveryFlag": False,
        "printDeliveryFlag": False,
        "agreementPrePaymentFlag": False,
        "accountNumber": books.account("AR", OWNER),
        "billingType": inv["type"],
        "glEntryIds": ",".join(str(i) for i in ids),
        "purchaseOrder": None,
        "project": None,
        "currency": currency,
        "total": total,
        "salesRepId": inv.get("createdBy", ""),
        "salesRepName": _member_name(books, inv.get("createdBy", "")),
        "taxable": bool(calc.taxes),
        "taxableTotal": hs * max((t.taxable for t in calc.taxes), default=Decimal(0)),
        "taxCode": tax_ref,
        "taxGroupRate": sum((dec(lv["taxRate"]) for lv in calc.levels), Decimal(0)) / 100,
        "piggyBackFlag": False,
        "taxAccountNumber": calc.taxes[0].account if calc.taxes else "",
        "salesTax": hs * calc.tax_total,
        "stateTax": hs * (by_level[1].tax if 1 in by_level else Decimal(0)),
        "countyTax": hs * (by_level[2].tax if 2 in by_level else Decimal(0)),
        "cityTax": hs * (by_level[3].tax if 3 in by_level else Decimal(0)),
    }
    for n in range(1, 6):
        header[f"taxableAmount{n}"] = hs * (by_level[n].taxable if n in by_level else Decimal(0))
    header.update(
        {
            "taxAgencyXref": first_agency,
            "stateTaxXref": group if 1 in by_level else "",
            "countyTaxXref": group if 2 in by_level else "",
            "taxId": "",
            "taxDpAppliedFlag": False,
            "useAvalaraFlag": False,
            "sendAvalaraTaxFlag": False,
            "shipToCompany": books.company_ref(inv["companyId"]),
            "shipToCompanyAccountNumber": cust.get("accountNumber", ""),
            "shipToCompanyType": {"id": 1, "name": "Customer", "_info": {}},
            "shipToTaxId": "",
            "shipSite": {"id": 1000 + inv["companyId"], "name": "Main", "_info": {}},
            "shipContact": "",
            "detail": detail,
            "taxLevels": [
                {
                    "taxAmount": hs * t.tax,
                    "taxableAmount": hs * t.taxable,
                    "taxCodeXref": t.group_xref,
                    "taxLevel": t.level,
                }
                for t in calc.taxes
            ],
        }
    )
    return header


def _member_name(books: Books, identifier: str) -> str:
    return books.member_names.get(identifier, "")


def _due(day: str, days: int) -> str:
    return (date.fromisoformat(day[:10]) + timedelta(days=int(days))).isoformat()


def export_customer(company_id: int, books: Books) -> dict[str, Any]:
    """A ``GLExportCustomer``."""
    comp = books.companies[company_id]
    tc_name = (comp.get("taxCode") or {}).get("name")
    levels = books.tax_levels.get(tc_name or "", [])
    terms = books.terms.get((comp.get("billingTerms") or {}).get("id") or 0, {})
    cur_code = (comp.get("currency") or {}).get("currencyIdentifier", "USD")
    out: dict[str, Any] = {
        "company": books.company_ref(company_id),
        "companyType": {"id": 1, "name": "Customer", "_info": {}},
        "contact": None,
        "site": {"id": 1000 + company_id, "name": "Main", "_info": {}},
        "accountNumber": comp.get("accountNumber", ""),
        "billingTerms": comp.get("billingTerms"),
        "billingTermsXref": terms.get("termsXref", ""),
        "dueDays": terms.get("dueDays", 0),
        "taxable": bool(levels),
        "taxCode": comp.get("taxCode"),
        "currency": books.currency_ref(cur_code),
    }
    by_level = {lv["taxLevel"]: lv for lv in levels}
    for n, slot in enumerate(TAX_SLOTS[:5], start=1):
        out[f"{slot}TaxXref"] = by_level[n]["taxCodeXref"] if n in by_level else ""
    for n, slot in enumerate(TAX_SLOTS[:5], start=1):
        out[f"{slot}TaxRate"] = dec(by_level[n]["taxRate"]) if n in by_level else Decimal(0)
    out["taxGroupRate"] = sum((dec(lv["taxRate"]) for lv in levels), Decimal(0)) / 100 if levels else None
    out["taxAgencyXref"] = levels[0]["agencyXref"] if levels else ""
    for n, slot in enumerate(TAX_SLOTS[:5], start=1):
        out[f"{slot}TaxAgencyXref"] = by_level[n]["agencyXref"] if n in by_level else ""
    out["taxLevels"] = [
        {
            "taxRate": dec(lv["taxRate"]),
            "taxCodeXref": lv["taxCodeXref"],
            "agencyXref": lv["agencyXref"],
            "taxLevel": lv["taxLevel"],
        }
        for lv in levels
    ]
    return out


# --------------------------------------------------------------------------------------------- expenses


def expense_account(exp: dict[str, Any], books: Books) -> str:
    """The expense (debit) account of an expense."""
    return books.account("EI", exp["expenseType"])


def expense_credit_account(books: Books, as_bill: bool) -> str:
    """AP (bill style) or the employee-reimbursement offset (journal style)."""
    return books.account("AP", OWNER) if as_bill else books.account("EE", OWNER)


def journal_expense(exp: dict[str, Any], books: Books) -> dict[str, Any]:
    """A ``GLExportExpense`` with its offset."""
    debit, credit = (int(i) for i in exp["glEntryIds"][:2])
    member = books.members[exp["memberId"]]
    amount = dec(exp["amount"])
    date = doc_date(exp["date"])
    cust = books.companies.get(exp.get("companyId") or 0, {})
    currency = books.currency_ref(exp["currency"])
    return {
        "id": debit,
        "documentDate": date,
        "documentType": "GENERAL JOURNAL",
        "apAccountNumber": "",
        "apClass": "",
        "accountNumber": expense_account(exp, books),
        "glClass": "",
        "glTypeId": "EI",
        "memo": exp.get("description", ""),
        "description": exp["expenseType"],
        "periodStartDate": date,
        "periodEndDate": date,
        "member": books.member_ref(exp["memberId"]),
        "vendorNumber": member.get("vendorNumber", ""),
        "company": books.company_ref(exp.get("companyId")),
        "companyAccountNumber": cust.get("accountNumber", ""),
        "project": None,
        "currency": currency,
        "total": amount,
        "offset": {
            "id": credit,
            "documentDate": date,
            "documentType": "GENERAL JOURNAL",
            "accountNumber": expense_credit_account(books, as_bill=False),
            "glTypeId": "EE",
            "glClass": "",
            "member": books.member_ref(exp["memberId"]),
            "memo": exp.get("description", ""),
            "description": exp["expenseType"],
            "total": -amount,
        },
    }


def expense_bills(expenses: list[dict[str, Any]], books: Books) -> list[dict[str, Any]]:
    """``GLExportExpenseBill`` rows: one per member and currency."""
    return list(iter_expense_bills(expenses, books))


def iter_expense_bills(expenses: Iterable[dict[str, Any]], books: Books) -> Iterator[dict[str, Any]]:
    """``GLExportExpenseBill`` rows, one per member and currency, each built when it is asked for."""
    grouped: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for exp in sorted(expenses, key=lambda e: (e["memberId"], e["currency"], e["date"], e["id"])):
        grouped.setdefault((exp["memberId"], exp["currency"]), []).append(exp)
    seen: dict[int, int] = {}
    for (member_id, currency_code), items in grouped.items():
        member = books.members[member_id]
        seen[member_id] = seen.get(member_id, 0) + 1
        last = max(e["date"] for e in items)
        number = f"EXP-{member['identifier'][:7]}-{last[:10].replace('-', '')}"
        if seen[member_id] > 1:
            number += f"-{seen[member_id]}"
        currency = books.currency_ref(currency_code)
        detail = []
        for exp in items:
            detail.append(
                {
                    "id": [int(i) for i in exp["glEntryIds"][:2]],
                    "documentDate": doc_date(exp["date"]),
                    "glTypeId": "EI",
                    "memo": exp.get("description", ""),
                    "company": books.company_ref(exp.get("companyId")),
                    "accountNumber": expense_account(exp, books),
                    "expenseClass": {"id": 1, "name": "Reimbursable", "_info": {}},
                    "currency": currency,
                    "total": dec(exp["amount"]),
                    "billable": bool(exp.get("billable")),
                    "reimbursable": True,
                    "companyAdvance": False,
                }
            )
        yield (
            {
                "id": int(items[0]["glEntryIds"][1]),
                "documentDate": doc_date(last),
                "documentType": "BILL",
                "documentNumber": number,
                "memo": f"Reimbursable expenses {member['firstName']} {member['lastName']}",
                "glClass": "",
                "apAccountNumber": expense_credit_account(books, as_bill=True),
                "member": books.member_ref(member_id),
                "vendorNumber": member.get("vendorNumber", ""),
                "currency": currency,
                "total": sum((d["total"] for d in detail), Decimal(0)),
                "detail": detail,
            }
        )


# ------------------------------------------------------------------------------------------ procurement


@dataclass
class PurchaseCalc:
    """The lines of an item receipt: (kind, line, account, amount) and the taxes."""

    lines: list[tuple[str, dict[str, Any] | None, str, Decimal]] = field(default_factory=list)
    taxes: list[TaxLine] = field(default_factory=list)


def purchase_calc(rec: dict[str, Any], books: Books) -> PurchaseCalc:
    """Compute an item receipt's lines (inventory / COGS / freight) and tax."""
    calc = PurchaseCalc()
    for line in rec["lines"]:
        item = books.items.get(line["item"], {})
        account = (
            books.inventory_account(rec.get("warehouse"))
            if item.get("inventory")
            else books.account("P", "Non-Inventory")
        )
        calc.lines.append(("item", line, account, money(dec(line["quantity"]) * dec(line["cost"]))))
    freight = dec(rec.get("freight") or 0)
    if freight:
        calc.lines.append(("freight", None, books.account("PF", OWNER), money(freight)))
    taxable = sum((amt for kind, _, _, amt in calc.lines if kind == "item"), Decimal(0))
    for level in books.tax_levels.get(rec.get("taxCode") or "", []):
        if not level.get("taxProductsFlag") or taxable == 0:
            continue
        rate = dec(level["taxRate"])
        calc.taxes.append(
            TaxLine(
                level["taxLevel"],
                rate,
                level.get("taxCodeXref", ""),
                level.get("agencyXref", ""),
                books.account("ST", level.get("agencyXref", "")),
                taxable,
                money(taxable * rate / 100),
            )
        )
    return calc


def procurement_entry_count(rec: dict[str, Any], books: Books) -> int:
    """How many GL entries a procurement record owns."""
    if rec["procurementType"] == "Purchase":
        calc = purchase_calc(rec, books)
        return len(calc.lines) + len(calc.taxes)
    return 2 * len(rec["lines"])


def purchase_id(rec: dict[str, Any]) -> str:
    """The descriptive ``GLExportPurchaseTransaction.id``."""
    return f"PO #{rec['poNumber']}, Packing Slip: {rec['packingSlip']}"


def purchase_transaction(rec: dict[str, Any], books: Books) -> dict[str, Any]:
    """A ``GLExportPurchaseTransaction``."""
    calc = purchase_calc(rec, books)
    ids = [int(i) for i in rec["glEntryIds"]]
    vendor = books.companies.get(rec["vendorId"], {})
    vnum = vendor.get("vendorIdentifier", "")
    terms = books.terms.get((vendor.get("billingTerms") or {}).get("id") or 0, {})
    currency = books.currency_ref(rec["currency"])
    date = doc_date(rec["date"])
    tax_ref = books.tax_code_ref(rec.get("taxCode"))
    levels = books.tax_levels.get(rec.get("taxCode") or "", [])
    group = levels[0]["taxCodeXref"] if levels else ""
    detail = []
    for n, ((kind, line, account, amount), eid) in enumerate(zip(calc.lines, ids, strict=False), start=1):
        item = books.items.get(line["item"], {}) if line else {}
        inventory = bool(item.get("inventory"))
        qty = dec(line["quantity"]) if line else Decimal(1)
        detail.append(
            {
                "id": eid,
                "documentDate": date,
                "glClass": "",
                "glTypeId": "PF" if kind == "freight" else ("IT" if inventory else "P"),
                "glItemId": line["item"] if line else "FREIGHT",
                "salesCode": line["item"] if line else "",
                "description": item.get("description", "Freight") if line else "Freight",
                "cost": dec(line["cost"]) if line else amount,
                "memo": f"PO #{rec['poNumber']}",
                "taxNote": "",
                "vendorNumber": vnum,
                "accountNumber": account,
                "costAccountNumber": books.account("P", "Non-Inventory"),
                "inventoryAccountNumber": books.inventory_account(rec.get("warehouse")) if inventory else "",
                "vendorAccountNumber": vnum,
                "item": books.item_ref(line["item"]) if line else None,
                "itemDescription": item.get("description", ""),
                "salesDescription": item.get("description", ""),
                "taxable": bool(calc.taxes) and kind == "item",
                "itemPrice": dec(item.get("price", 0)) if line else Decimal(0),
                "itemCost": dec(line["cost"]) if line else amount,
                "unitOfMeasure": {"id": 1, "name": "Each", "_info": {}},
                "quantity": -qty,
                "total": -amount,
                "currency": currency,
                "serializedFlag": False,
                "serialNumbers": "",
                "dropShippedFlag": False,
                "lineNumber": n,
                "warehouseBin": None,
                "warehouseSite": None,
                "subCategory": None,
                "shipmentMethod": None,
                "itemTypeXref": "Other Charge"
                if kind == "freight"
                else ("Inventory" if inventory else "Non-Inventory"),
                "inventoryXref": books.inventory_account(rec.get("warehouse")) if inventory else "",
                "cogsXref": books.account("P", "Non-Inventory"),
                "uomScheduleXref": "",
                "priceLevelXref": "DEFAULT",
                "locationXref": rec.get("warehouse") or "",
                "taxCode": tax_ref,
                "purchaseHeaderTaxGroup": group,
                "taxCodeXref": group,
                "taxRate": sum((t.rate for t in calc.taxes), Decimal(0)) / 100,
                "taxAgencyXref": levels[0]["agencyXref"] if levels else "",
            }
        )
    tax_detail = []
    for n, (tax, eid) in enumerate(zip(calc.taxes, ids[len(calc.lines) :], strict=False), start=len(detail) + 1):
        tax_detail.append(
            {
                "id": eid,
                "documentDate": date,
                "accountNumber": tax.account,
                "glClass": "",
                "cost": Decimal(0),
                "salesCode": "",
                "glTypeId": "ST",
                "glItemId": "",
                "memo": f"Level {tax.level} Purchase Tax",
                "vendorNumber": vnum,
                "vendorAccountNumber": vnum,
                "locationXref": rec.get("warehouse") or "",
                "item": None,
                "taxableFlag": True,
                "quantity": Decimal(0),
                "total": -tax.tax,
                "currency": currency,
                "lineNumber": n,
                "taxCode": tax_ref,
                "taxRate": tax.rate / 100,
                "taxRatePercent": tax.rate,
                "taxAgencyXref": tax.agency,
                "taxNote": "AUTOSTAX",
                "purchaseHeaderTaxGroup": tax.group_xref,
            }
        )
    total = -sum((d["total"] for d in detail + tax_detail), Decimal(0))
    freight = dec(rec.get("freight") or 0)
    return {
        "id": purchase_id(rec),
        "documentDate": date,
        "documentNumber": rec.get("vendorInvoiceNumber", ""),
        "description": f"PO #{rec['poNumber']}",
        "memo": f"PO #{rec['poNumber']}, Packing Slip: {rec['packingSlip']}",
        "apAccountNumber": books.account("AP", OWNER),
        "purchaseDate": date,
        "company": books.company_ref(rec["vendorId"]),
        "companyType": {"id": 2, "name": "Vendor", "_info": {}},
        "contact": None,
        "site": None,
        "purchaseClass": "",
        "freightAmount": money(freight),
        "freightPackingSlip": rec["packingSlip"] if freight else "",
        "packingSlip": rec["packingSlip"],
        "dropshipFlag": False,
        "currency": currency,
        "total": total,
        "billingTerms": vendor.get("billingTerms"),
        "billingTermsXref": terms.get("termsXref", ""),
        "dueDays": terms.get("dueDays", 0),
        "vendorNumber": vnum,
        "vendorAccountNumber": vnum,
        "vendorInvoiceDate": date,
        "vendorInvoiceNumber": rec.get("vendorInvoiceNumber", ""),
        "taxAgencyXref": levels[0]["agencyXref"] if levels else "",
        "stateTaxXref": group if any(t.level == 1 for t in calc.taxes) else "",
        "countyTaxXref": group if any(t.level == 2 for t in calc.taxes) else "",
        "cityTaxXref": group if any(t.level == 3 for t in calc.taxes) else "",
        "shipToCompany": None,
        "shipToCompanyAccountNumber": "",
        "shipToCompanyType": None,
        "shipToContact": None,
        "shipToSite": None,
        "shipToTaxGroup": group,
        "taxCode": tax_ref,
        "taxGroupRate": sum((t.rate for t in calc.taxes), Decimal(0)) / 100,
        "useAvalaraTaxFlag": False,
        "purchaseHeaderTaxGroup": group,
        "purchaseHeaderTaxableFlag": bool(calc.taxes),
        "purchaseHeaderFreightTaxableFlag": False,
        "taxLevels": [{"taxCodeXref": t.group_xref, "taxLevel": t.level} for t in calc.taxes],
        "purchaseDetail": detail,
        "purchaseDetailTax": tax_detail,
    }


def adjustment_transaction(rec: dict[str, Any], books: Books) -> dict[str, Any]:
    """A ``GLExportAdjustmentTransaction``."""
    offset = books.account("IA", "Inventory Adjustment")
    inventory = books.inventory_account(rec["warehouse"])
    detail = []
    for line in rec["lines"]:
        item = books.items.get(line["item"], {})
        qty = dec(line["quantity"])
        detail.append(
            {
                "glClass": "",
                "description": item.get("description", ""),
                "memo": rec.get("reason", ""),
                "item": books.item_ref(line["item"]),
                "quantity": int(qty),
                "total": money(qty * dec(line["cost"])),
                "cost": dec(line["cost"]),
                "costAccountNumber": offset,
                "inventoryAccountNumber": inventory,
                "accountNumber": offset,
                "productAccountNumber": "",
            }
        )
    return {
        "id": ",".join(str(i) for i in rec["glEntryIds"]),
        "documentType": "ADJUSTMENT",
        "documentDate": doc_date(rec["date"]),
        "glTypeID": "IA",
        "accountNumber": offset,
        "memo": rec.get("reason", ""),
        "glClass": "",
        "adjustmentDescription": f"Adjustment #{rec['id']} ({rec['warehouse']}): {rec.get('reason', '')}",
        "adjustmentDetail": detail,
    }


def inventory_transfers(rec: dict[str, Any], books: Books) -> list[dict[str, Any]]:
    """``GLExportInventoryTransfer`` rows, one per item line of a transfer."""
    out = []
    ids = [int(i) for i in rec["glEntryIds"]]
    src, dst = rec["fromWarehouse"], rec["toWarehouse"]
    dst_wh = books.warehouses.get(dst, {})
    date = doc_date(rec["date"])
    for n, line in enumerate(rec["lines"]):
        item = books.items.get(line["item"], {})
        qty, cost = dec(line["quantity"]), dec(line["cost"])
        total = money(qty * cost)
        to_id, from_id = ids[2 * n], ids[2 * n + 1]
        memo = f"Transfer #{rec['id']} {src} to {dst}"
        out.append(
            {
                "id": f"{to_id},{from_id}",
                "documentType": "TRANSFER",
                "documentDate": date,
                "accountNumber": books.inventory_account(dst),
                "glClass": "",
                "glTypeId": "IT",
                "description": item.get("description", ""),
                "salesCode": line["item"],
                "memo": memo,
                "costAccountNumber": "",
                "inventoryAccountNumber": books.inventory_account(dst),
                "transferId": rec["id"],
                "item": books.item_ref(line["item"]),
                "glItemId": line["item"],
                "salesDescription": item.get("description", ""),
                "itemDescription": item.get("description", ""),
                "currency": books.currency_ref("USD"),
                "itemPrice": dec(item.get("price", 0)),
                "taxable": False,
                "unitOfMeasure": {"id": 1, "name": "Each", "_info": {}},
                "quantity": qty,
                "cost": cost,
                "total": total,
                "subCategory": None,
                "serializedFlag": False,
                "serialNumbers": "",
                "bin": None,
                "warehouse": {
                    "id": dst_wh.get("id"),
                    "name": dst_wh.get("name", dst),
                    "lockedFlag": False,
                    "_info": {},
                },
                "transferFromBin": None,
                "transferFromLocationXref": src,
                "transferToBin": None,
                "transferToLocationXref": dst,
                "locationXref": dst,
                "priceLevelXref": "DEFAULT",
                "uomScheduleXref": "",
                "itemTypeXref": "Inventory",
                "inventoryXref": books.inventory_account(dst),
                "cogsXref": "",
                "taxNote": "",
                "offset": {
                    "id": from_id,
                    "documentType": "TRANSFER",
                    "documentDate": date,
                    "accountNumber": books.inventory_account(src),
                    "glClass": "",
                    "total": -total,
                    "memo": memo,
                    "description": item.get("description", ""),
                    "glTypeId": "IT",
                },
            }
        )
    return out


# ---------------------------------------------------------------------------------------------- ledger


@dataclass(frozen=True)
class LedgerEntry:
    """One GL entry of a record, for ``/batches/{id}/entries``: ``amount`` > 0 is a debit."""

    id: int
    account: str
    amount: Decimal
    account_type: str
    name: str
    kind: str  # invoice | expense | procurement
    record_id: int
    item: str = ""
    cost: Decimal = Decimal(0)


def ledger(kind: str, rec: dict[str, Any], books: Books, expenses_as_bill: bool) -> list[LedgerEntry]:
    """The GL entries of one record with accounts and signed amounts (debits positive)."""
    ids = [int(i) for i in rec.get("glEntryIds", [])]
    out: list[LedgerEntry] = []
    if kind == "invoice":
        calc = invoice_calc(rec, books)
        name = books.companies.get(rec["companyId"], {}).get("name", "")
        s = calc.sign
        out.append(
            LedgerEntry(
                ids[0], books.account("AR", OWNER), s * calc.total, "Accounts Receivable", name, kind, rec["id"]
            )
        )
        for ln, eid in zip(calc.lines, ids[1:], strict=False):
            atype = "Product Revenue" if ln.item else "Revenue"
            out.append(LedgerEntry(eid, ln.account, -s * ln.amount, atype, name, kind, rec["id"], ln.item or ""))
        for tax, eid in zip(calc.taxes, ids[1 + len(calc.lines) :], strict=False):
            out.append(LedgerEntry(eid, tax.account, -s * tax.tax, "Sales Tax", name, kind, rec["id"]))
    elif kind == "expense":
        member = books.members.get(rec["memberId"], {})
        name = f"{member.get('firstName', '')} {member.get('lastName', '')}".strip()
        amount = dec(rec["amount"])
        out.append(LedgerEntry(ids[0], expense_account(rec, books), amount, "Expense", name, kind, rec["id"]))
        credit_type = "Accounts Payable" if expenses_as_bill else "Expense Offset"
        out.append(
            LedgerEntry(
                ids[1], expense_credit_account(books, expenses_as_bill), -amount, credit_type, name, kind, rec["id"]
            )
        )
    elif rec["procurementType"] == "Purchase":
        calc_p = purchase_calc(rec, books)
        name = books.companies.get(rec["vendorId"], {}).get("name", "")
        for (pkind, line, account, amount), eid in zip(calc_p.lines, ids, strict=False):
            atype = "Freight" if pkind == "freight" else "Inventory"
            out.append(
                LedgerEntry(
                    eid,
                    account,
                    amount,
                    atype,
                    name,
                    kind,
                    rec["id"],
                    line["item"] if line else "",
                    dec(line["cost"]) if line else Decimal(0),
                )
            )
        for tax, eid in zip(calc_p.taxes, ids[len(calc_p.lines) :], strict=False):
            out.append(LedgerEntry(eid, tax.account, tax.tax, "Purchase Tax", name, kind, rec["id"]))
    elif rec["procurementType"] == "Adjustment":
        offset = books.account("IA", "Inventory Adjustment")
        for n, line in enumerate(rec["lines"]):
            amount = money(dec(line["quantity"]) * dec(line["cost"]))
            out.append(
                LedgerEntry(
                    ids[2 * n],
                    books.inventory_account(rec["warehouse"]),
                    amount,
                    "Inventory",
                    rec["warehouse"],
                    kind,
                    rec["id"],
                    line["item"],
                    dec(line["cost"]),
                )
            )
            out.append(
                LedgerEntry(
                    ids[2 * n + 1],
                    offset,
                    -amount,
                    "Inventory Adjustment",
                    rec["warehouse"],
                    kind,
                    rec["id"],
                    line["item"],
                    dec(line["cost"]),
                )
            )
    else:
        for n, line in enumerate(rec["lines"]):
            amount = money(dec(line["quantity"]) * dec(line["cost"]))
            out.append(
                LedgerEntry(
                    ids[2 * n],
                    books.inventory_account(rec["toWarehouse"]),
                    amount,
                    "Inventory",
                    rec["toWarehouse"],
                    kind,
                    rec["id"],
                    line["item"],
                    dec(line["cost"]),
                )
            )
            out.append(
                LedgerEntry(
                    ids[2 * n + 1],
                    books.inventory_account(rec["fromWarehouse"]),
                    -amount,
                    "Inventory",
                    rec["fromWarehouse"],
                    kind,
                    rec["id"],
                    line["item"],
                    dec(line["cost"]),
                )
            )
    return out


def export_sections(
    books: Books,
    invoices: Iterable[dict[str, Any]],
    expenses: Iterable[dict[str, Any]],
    procurement: Iterable[dict[str, Any]],
    *,
    summarize: str,
    expenses_as_bill: bool,
    settings: dict[str, Any],
) -> list[tuple[str, Any]]:
    """A ``GLExport`` as ``(key, value)`` pairs in order; the large lists are iterators built on demand.

    Why lazy: an export of 10,000 invoices is tens of megabytes of JSON. Encoded record by record
    (:func:`cwsage.sandbox.manage.jsoncodec.iter_sections`), it never has to exist whole in memory.
    The records must not change while the iterators run (the store's records never do once loaded).
    """
    invoices, expenses, procurement = list(invoices), list(expenses), list(procurement)
    customers: list[dict[str, Any]] = []
    for company_id in dict.fromkeys(inv["companyId"] for inv in invoices):
        if company_id in books.companies:
            customers.append(export_customer(company_id, books))
    vendors: list[dict[str, Any]] = []
    for member_id in dict.fromkeys(e["memberId"] for e in expenses):
        member = books.members.get(member_id, {})
        vendors.append(
            {
                "member": books.member_ref(member_id),
                "vendor": None,
                "vendorNumber": member.get("vendorNumber", ""),
                "company": None,
                "contact": None,
                "accountNumber": member.get("vendorNumber", ""),
                "billingTerms": None,
                "dueDays": 0,
                "site": None,
                "taxCode": None,
            }
        )
    purchases = [p for p in procurement if p["procurementType"] == "Purchase"]
    for vendor_id in dict.fromkeys(p["vendorId"] for p in purchases):
        vendor = books.companies.get(vendor_id, {})
        terms = books.terms.get((vendor.get("billingTerms") or {}).get("id") or 0, {})
        vendors.append(
            {
                "member": None,
                "vendor": books.company_ref(vendor_id),
                "vendorNumber": vendor.get("vendorIdentifier", ""),
                "company": books.company_ref(vendor_id),
                "contact": None,
                "accountNumber": vendor.get("vendorIdentifier", ""),
                "billingTerms": vendor.get("billingTerms"),
                "dueDays": terms.get("dueDays", 0),
                "site": None,
                "taxCode": vendor.get("taxCode"),
            }
        )
    adjustments = [p for p in procurement if p["procurementType"] == "Adjustment"]
    transfers = [p for p in procurement if p["procurementType"] == "Transfer"]
    return [
        ("exportSettings", dict(settings)),
        ("vendors", vendors),
        ("customers", customers),
        ("transactions", (transaction(inv, books, summarize) for inv in invoices)),
        ("expenses", iter(()) if expenses_as_bill else (journal_expense(e, books) for e in expenses)),
        ("expenseBills", iter_expense_bills(expenses, books) if expenses_as_bill else iter(())),
        ("purchaseTransactions", (purchase_transaction(p, books) for p in purchases)),
        ("adjustmentTransactions", (adjustment_transaction(p, books) for p in adjustments)),
        ("inventoryTransfers", (row for p in transfers for row in inventory_transfers(p, books))),
    ]


def materialize(sections: list[tuple[str, Any]]) -> dict[str, Any]:
    """The ``GLExport`` dict of :func:`export_sections` (every list built)."""
    return {key: list(value) if isinstance(value, Iterator) else value for key, value in sections}


def level_word(n: int) -> str:
    """``1`` → ``One`` (TaxCode field names)."""
    return LEVEL_WORDS[n - 1]
