"""GLExport derivation: signs, balancing, tax lines, detail levels, procurement and expenses (reference §3)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx

from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.manage import ManageEmulator

from .conftest import js

ALL = {
    "exportInvoicesFlag": True,
    "exportExpensesFlag": True,
    "exportProductsFlag": True,
    "thruDate": "2026-12-31T00:00:00Z",
}


def export(api: httpx.Client, **body: Any) -> dict[str, Any]:
    r = api.post("/finance/accounting/export", json={**ALL, **body})
    assert r.status_code == 200, r.text
    out = js(r)
    assert isinstance(out, dict)
    return out


def test_invoice_signs_and_balance(api: httpx.Client) -> None:
    ex = export(api, exportExpensesFlag=False, exportProductsFlag=False, summarizeInvoices="Detailed")
    assert len(ex["transactions"]) >= 200
    types = {t["billingType"] for t in ex["transactions"]}
    assert types == {"Standard", "Agreement", "Miscellaneous", "DownPayment", "Progress", "CreditMemo"}
    for t in ex["transactions"]:
        assert t["total"] == -sum(d["total"] for d in t["detail"])
        assert t["glTypeId"] == "AR" and t["accountNumber"] == dc.AR_ACCOUNT
        ids = [int(i) for i in t["glEntryIds"].split(",")]
        assert all(d["id"] in ids for d in t["detail"])
        if t["billingType"] == "CreditMemo":
            assert t["documentType"] == "CREDIT MEMO"
            assert t["total"] < 0 and all(d["total"] >= 0 for d in t["detail"])
        else:
            assert t["documentType"] == "INVOICE"
            assert t["total"] > 0 and all(d["total"] <= 0 for d in t["detail"])
            assert all(d["quantity"] <= 0 for d in t["detail"])
    gl_types = {d["glTypeId"] for t in ex["transactions"] for d in t["detail"]}
    assert {"R", "RA", "RP", "RD", "ST"} <= gl_types
    cad = [t for t in ex["transactions"] if t["companyAccountNumber"] == "ACME001"]
    assert cad and all(t["currency"]["currencyCode"] == "CAD" for t in cad)
    customers = {c["accountNumber"] for c in ex["customers"]}
    assert len(customers) == len(ex["customers"]) == len(dc.CUSTOMERS)


def test_tax_lines_denver_and_chicago(api: httpx.Client) -> None:
    ex = export(api, exportExpensesFlag=False, exportProductsFlag=False, summarizeInvoices="Detailed")
    den = [
        t
        for t in ex["transactions"]
        if t["taxCode"]
        and t["taxCode"]["name"] == "CO DEN"
        and any(d["glTypeId"] == "RP" for d in t["detail"])
        and t["billingType"] != "CreditMemo"
    ]
    assert den
    t = den[0]
    taxes = [d for d in t["detail"] if d["glTypeId"] == "ST"]
    assert [d["taxAgencyXref"] for d in taxes] == ["COSTATE", "DENCITY"]
    assert {d["taxCodeXref"] for d in taxes} == {"DENVER"}
    assert [lv["taxLevel"] for lv in t["taxLevels"]] == [1, 3]
    products = sum(-d["total"] for d in t["detail"] if d["glTypeId"] == "RP")
    state = next(d for d in taxes if d["taxAgencyXref"] == "COSTATE")
    assert state["taxRate"] == Decimal("0.029") and state["taxRatePercent"] == Decimal("2.9")
    assert -state["total"] == (products * Decimal("0.029")).quantize(Decimal("0.01"))
    assert state["accountNumber"] == "2330-00"
    assert t["taxGroupRate"] == Decimal("0.0771")
    product = next(d for d in t["detail"] if d["glTypeId"] == "RP")
    assert product["item"]["identifier"] and product["costAccountNumber"] == dc.COGS_ACCOUNT
    assert product["inventoryAccountNumber"] in ("1300-00", "1310-00") and product["locationXref"] in ("MAIN", "VAN1")
    # services are not taxed in Chicago/Denver; onsite labour goes to 4600-10
    onsite = [d for t in ex["transactions"] for d in t["detail"] if d["accountNumber"] == dc.MISSING_GL_ACCOUNT]
    assert onsite and all(d["glTypeId"] == "R" and not d["taxableFlag"] for d in onsite)
    blue = [t for t in ex["transactions"] if t["companyAccountNumber"] == dc.MISSING_CUSTOMER]
    assert blue


def test_detail_levels(api: httpx.Client, emu: ManageEmulator) -> None:
    multi = next(
        inv["id"]
        for inv in emu.store.doc["invoices"]
        if inv["id"] in emu.store.unposted_invoice_ids()
        and inv["type"] == "Standard"
        and sum(1 for ln in inv["lines"] if ln["category"] == "Service") >= 2
    )
    by_level = {}
    for level in ("Default", "Condensed", "Detailed"):
        ex = export(
            api, exportExpensesFlag=False, exportProductsFlag=False, includedInvoiceIds=[multi], summarizeInvoices=level
        )
        assert len(ex["transactions"]) == 1
        by_level[level] = ex["transactions"][0]
    service = [d for d in by_level["Default"]["detail"] if d["accountNumber"] == "4000-10"]
    assert len(service) >= 2 and all(d["description"] == "Service" and d["memo"] == "Service" for d in service)
    detailed = [d for d in by_level["Detailed"]["detail"] if d["accountNumber"] == "4000-10"]
    assert all(re.fullmatch(r"Ticket #\d+ - .+ \(\d+\.\d\d h @ 120\.00\)", d["description"]) for d in detailed)
    condensed = [d for d in by_level["Condensed"]["detail"] if d["accountNumber"] == "4000-10"]
    assert len(condensed) == 1
    assert condensed[0]["total"] == sum(d["total"] for d in detailed)
    assert condensed[0]["memo"].startswith("Ticket #") and " - " not in condensed[0]["memo"]
    for level in by_level.values():
        assert level["total"] == by_level["Detailed"]["total"]
        assert level["glEntryIds"] == by_level["Detailed"]["glEntryIds"]


def test_export_filters_and_validation(api: httpx.Client, emu: ManageEmulator) -> None:
    r = api.post("/finance/accounting/export", json={"thruDate": "2026-12-31T00:00:00Z"})
    assert r.status_code == 400
    assert (
        r.json()["errors"][0]["message"] == "Batch export must include invoices, expenses, or products (procurement)."
    )
    r = api.post("/finance/accounting/export", json={**ALL, "summarizeInvoices": "Verbose"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "summarizeInvoices"
    r = api.post("/finance/accounting/export", json={**ALL, "includedProductIds": [901]})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "includedProductIds"
    r = api.post("/finance/accounting/export", json={**ALL, "batchIdentifier": "x" * 51})
    assert r.status_code == 400
    sept = export(api, thruDate="2026-09-30T00:00:00Z", exportExpensesFlag=False, exportProductsFlag=False)
    assert sept["transactions"] and all(t["documentDate"][:10] <= "2026-09-30" for t in sept["transactions"])
    denver = export(api, locationId=3, exportExpensesFlag=False, exportProductsFlag=False)
    assert {t["salesTerritory"] for t in denver["transactions"]} == {"Denver"}
    ids = emu.store.unposted_invoice_ids()[:3]
    some = export(
        api, includedInvoiceIds=ids, excludedInvoiceIds=[ids[0]], exportExpensesFlag=False, exportProductsFlag=False
    )
    assert [t["id"] for t in some["transactions"]] == ids[1:]
    prod = export(api, exportInvoicesFlag=False, exportExpensesFlag=False, includedProductIds=["913"])
    assert len(prod["inventoryTransfers"]) >= 1 and not prod["purchaseTransactions"]


def test_procurement_signs(api: httpx.Client) -> None:
    ex = export(api, exportInvoicesFlag=False, exportExpensesFlag=False)
    purchases = ex["purchaseTransactions"]
    assert len(purchases) == 8
    for p in purchases:
        assert re.fullmatch(r"PO #PO-\d{6}, Packing Slip: PS-\d+", p["id"])
        assert p["total"] > 0
        assert all(d["total"] < 0 and d["quantity"] < 0 for d in p["purchaseDetail"])
        assert p["total"] == -sum(d["total"] for d in p["purchaseDetail"] + p["purchaseDetailTax"])
        assert p["vendorNumber"] == p["vendorAccountNumber"] and p["apAccountNumber"] == dc.AP_ACCOUNT
        for d in p["purchaseDetail"]:
            if d["itemTypeXref"] == "Inventory":
                assert d["accountNumber"] in ("1300-00", "1310-00")
            elif d["itemTypeXref"] == "Non-Inventory":
                assert d["accountNumber"] == dc.COGS_ACCOUNT
            else:
                assert d["accountNumber"] == dc.FREIGHT_ACCOUNT
    assert any(p["freightAmount"] > 0 for p in purchases) and any(p["purchaseDetailTax"] for p in purchases)
    adjustments = ex["adjustmentTransactions"]
    assert len(adjustments) == 4
    shrink = [d for a in adjustments for d in a["adjustmentDetail"] if d["quantity"] < 0]
    assert shrink and all(
        d["total"] == d["quantity"] * d["cost"] and d["accountNumber"] == dc.ADJUSTMENT_ACCOUNT for d in shrink
    )
    transfers = ex["inventoryTransfers"]
    assert len(transfers) == 4
    for t in transfers:
        assert t["total"] > 0 and t["offset"]["total"] == -t["total"]
        assert {t["transferFromLocationXref"], t["transferToLocationXref"]} == {"MAIN", "VAN1"}
        wh = {"MAIN": "1300-00", "VAN1": "1310-00"}
        assert t["inventoryAccountNumber"] == wh[t["transferToLocationXref"]]
        assert t["offset"]["accountNumber"] == wh[t["transferFromLocationXref"]]


def test_expenses_as_bills_then_journal(api: httpx.Client) -> None:
    ex = export(api, exportInvoicesFlag=False, exportProductsFlag=False)
    assert ex["expenses"] == [] and ex["expenseBills"]
    for bill in ex["expenseBills"]:
        assert len(bill["documentNumber"]) <= 22 and bill["documentNumber"].startswith(
            f"EXP-{bill['member']['identifier']}-"
        )
        assert bill["total"] == sum(d["total"] for d in bill["detail"]) > 0
        assert all(len(d["id"]) == 2 for d in bill["detail"])
    intern = [b for b in ex["expenseBills"] if b["member"]["identifier"] == "intern"]
    assert intern and intern[0]["vendorNumber"] == ""
    assert any(b["currency"]["currencyCode"] == "CAD" for b in ex["expenseBills"])
    r = api.patch(
        "/finance/accountingPackageSetup/1",
        json=[{"op": "replace", "path": "transferExpensesAsBillFlag", "value": False}],
    )
    assert r.status_code == 200 and r.json()["transferExpensesAsBillFlag"] is False
    ex = export(api, exportInvoicesFlag=False, exportProductsFlag=False)
    assert ex["expenseBills"] == [] and len(ex["expenses"]) >= 30
    for e in ex["expenses"]:
        assert e["total"] > 0 and e["offset"]["total"] == -e["total"]
        assert e["offset"]["accountNumber"] == dc.EXPENSE_OFFSET_ACCOUNT
        assert e["accountNumber"] in dc.EXPENSE_ACCOUNTS.values()
    assert {v["member"]["identifier"] for v in ex["vendors"] if v["member"]} >= {"jsmith", "intern"}


def test_master_data_endpoints(api: httpx.Client) -> None:
    companies = api.get("/company/companies", params={"pageSize": 100}).json()
    customers = [c for c in companies if c["types"][0]["name"] == "Customer"]
    assert len(customers) == 26
    vendors = api.get("/company/companies", params={"conditions": "isVendorFlag=true"}).json()
    assert {v["vendorIdentifier"] for v in vendors} == {v.vendor_identifier for v in dc.VENDORS}
    members = api.get("/system/members").json()
    assert len(members) == 8 and {m["identifier"] for m in members if not m["vendorNumber"]} == {"accounting", "intern"}
    levels = api.get("/finance/taxCodes/13/taxCodeLevels").json()
    assert [(lv["taxLevel"], lv["agencyXref"], lv["taxCodeXref"], lv["rateType"]) for lv in levels] == [
        (1, "COSTATE", "DENVER", "Percent"),
        (3, "DENCITY", "DENVER", "Percent"),
    ]
    tc = api.get("/finance/taxCodes/12").json()
    assert tc["levelTwoAgencyXref"] == "COOKCTY" and tc["levelOneTaxCodeXref"] == "CHICAGO"
    gl = api.get("/finance/glAccounts", params={"conditions": 'glType="AR"'}).json()
    assert [(g["segment1"], g["segment2"]) for g in gl] == [("1200", "00")]
    assert {w["locationXref"] for w in api.get("/procurement/warehouses").json()} == {"MAIN", "VAN1"}
    assert {t["termsXref"] for t in api.get("/finance/billingTerms").json()} == {"NET30", "NET15", "COD"}
    assert len(api.get("/system/locations").json()) == 3
    assert {c["currencyIdentifier"] for c in api.get("/finance/currencies").json()} == {"USD", "CAD"}
    assert api.get("/finance/accountingPackageSetup").json()[0]["transferExpensesAsBillFlag"] is True
    assert (
        len(
            api.get("/finance/accounting/unpostedexpenses/count").json()
            and api.get("/finance/accounting/unpostedexpenses", params={"pageSize": 100}).json()
        )
        >= 30
    )
    proc = api.get("/finance/accounting/unpostedprocurement", params={"pageSize": 100}).json()
    assert {p["procurementType"] for p in proc} == {"Purchase", "Adjustment", "Transfer"}
    assert all(p["unpostedProductId"] == str(p["id"]) for p in proc)
