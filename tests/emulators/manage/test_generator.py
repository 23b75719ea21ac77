"""The company generator: counts per kind, determinism, the invalid share, and what valid/invalid mean.

"Valid" is checked against the demo company's own word on what Sage has (``in_sage`` flags, the missing
tax authority, members' vendor numbers): a valid document uses none of the planted gaps and balances; an
invalid one uses exactly the gap recorded for it. (That cwsage then posts the valid ones and blocks the
invalid ones for exactly that reason was checked by running cwsage against both emulators; see the
branch's report.)
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import httpx
import pytest

from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.manage import ManageEmulator, create_app
from cwsage.sandbox.manage import glexport as gx
from cwsage.sandbox.manage.jsoncodec import dumps, dumps_exact, iter_sections
from cwsage.sandbox.manage.seed import (
    DEFAULT_KINDS,
    GAP_ACCOUNT,
    GAP_CUSTOMER,
    GAP_MEMBER_VENDOR,
    GAP_TAX_AUTHORITY,
    GENERATED_KINDS,
    INVOICE_TYPES,
    CompanySpec,
    SpecError,
    generate_company,
)
from cwsage.sandbox.manage.store import Store

from .conftest import API, HEADERS, js

ALL = {"exportInvoicesFlag": True, "exportExpensesFlag": True, "exportProductsFlag": True, "thruDate": "2026-12-31"}
MISSING_ACCOUNTS = {a.formatted for a in dc.GL_ACCOUNTS if not a.in_sage}
MISSING_CUSTOMERS = {c.account_number for c in dc.CUSTOMERS if not c.in_sage}
NO_VENDOR = {m.id for m in dc.MEMBERS if not m.vendor_number}


def loaded(spec: CompanySpec) -> Store:
    store = Store()
    store.load(generate_company(spec), copy_doc=False)
    return store


def gaps_of_invoice(transaction: dict[str, Any]) -> set[str]:
    """The planted gaps an exported invoice runs into."""
    found = set()
    if transaction["companyAccountNumber"] in MISSING_CUSTOMERS:
        found.add(GAP_CUSTOMER)
    if any(d["accountNumber"] in MISSING_ACCOUNTS for d in transaction["detail"]):
        found.add(GAP_ACCOUNT)
    taxed = {d["taxAgencyXref"] for d in transaction["detail"] if d["glTypeId"] == "ST" and d["total"] != 0}
    if taxed & {dc.MISSING_TAX_AUTHORITY}:
        found.add(GAP_TAX_AUTHORITY)
    return found


def test_counts_per_kind_add_up() -> None:
    spec = CompanySpec(documents=1003, seed=5)
    counts = spec.counts()
    assert sum(counts.values()) == 1003 and set(counts) == set(GENERATED_KINDS)
    for kind, weight in DEFAULT_KINDS.items():
        assert abs(counts[kind] - 1003 * weight / sum(DEFAULT_KINDS.values())) < 1
    doc = generate_company(spec)
    made = Counter(inv["type"] for inv in doc["invoices"])
    made.update(Counter(p["procurementType"] for p in doc["procurement"]))
    made["Expense"] = len(doc["expenses"])
    assert made == Counter({k: n for k, n in counts.items() if n}) and doc["generated"]["counts"] == counts
    only = CompanySpec(documents=40, kinds={"Transfer": 1, "DownPayment": 3}, invalid_share=0).counts()
    assert only["Transfer"] == 10 and only["DownPayment"] == 30 and sum(only.values()) == 40


def test_deterministic_for_a_seed() -> None:
    spec = CompanySpec(documents=300, seed=9, invalid_share=Decimal("0.1"))
    assert dumps(generate_company(spec)) == dumps(generate_company(spec))
    assert dumps(generate_company(spec)) != dumps(generate_company(CompanySpec(documents=300, seed=10)))


@pytest.mark.parametrize("share", [Decimal(0), Decimal("0.05"), Decimal("0.2"), Decimal("0.5")])
def test_invalid_share_and_reasons(share: Decimal) -> None:
    spec = CompanySpec(documents=600, seed=3, invalid_share=share)
    store = loaded(spec)
    invalid = store.doc["generated"]["invalid"]
    bad_invoices = {int(k): v for k, v in invalid["invoices"].items()}
    bad_expenses = {int(k): v for k, v in invalid["expenses"].items()}
    assert len(bad_invoices) + len(bad_expenses) == int((600 * share).quantize(Decimal(1))) == spec.invalid_count()
    if share >= Decimal("0.2"):  # every gap is used, spread over the kinds that can carry it
        assert set(bad_invoices.values()) == {GAP_CUSTOMER, GAP_ACCOUNT, GAP_TAX_AUTHORITY}
        assert set(bad_expenses.values()) == {GAP_MEMBER_VENDOR}
    export = store.export(ALL)
    for t in export["transactions"]:
        assert gaps_of_invoice(t) == ({bad_invoices[t["id"]]} if t["id"] in bad_invoices else set()), t["id"]
    for exp in store.doc["expenses"]:
        assert (exp["memberId"] in NO_VENDOR) is (exp["id"] in bad_expenses), exp["id"]
        if exp["id"] in bad_expenses:
            assert bad_expenses[exp["id"]] == GAP_MEMBER_VENDOR
    bills = export["expenseBills"]
    assert all((b["vendorNumber"] == "") is (b["member"]["identifier"] == "intern") for b in bills)


def test_valid_invoices_balance_carry_gl_ids_and_use_only_what_sage_has() -> None:
    spec = CompanySpec(documents=800, seed=21, invalid_share=Decimal("0.1"))
    store = loaded(spec)
    bad = {int(k) for k in store.doc["generated"]["invalid"]["invoices"]}
    export = store.export({**ALL, "summarizeInvoices": "Detailed"})
    assert {t["billingType"] for t in export["transactions"]} == set(INVOICE_TYPES)
    assert {t["currency"]["currencyCode"] for t in export["transactions"]} == {"CAD", "USD"}
    lines = Counter(len(inv["lines"]) for inv in store.doc["invoices"])
    assert min(lines) == 1 and max(lines) == 8
    accounts_in_sage = {a.formatted for a in dc.GL_ACCOUNTS if a.in_sage}
    agencies = {lv.agency_xref for tc in dc.TAX_CODES for lv in tc.levels} - {dc.MISSING_TAX_AUTHORITY}
    gl_ids_seen: set[int] = set()
    for t in export["transactions"]:
        ids = [int(i) for i in t["glEntryIds"].split(",")]
        assert ids and not gl_ids_seen & set(ids)
        gl_ids_seen.update(ids)
        assert {d["id"] for d in t["detail"]} <= set(ids)
        assert t["total"] == -sum(d["total"] for d in t["detail"])
        assert (t["total"] < 0) is (t["billingType"] == "CreditMemo")
        if t["id"] in bad:
            continue
        assert t["companyAccountNumber"] not in MISSING_CUSTOMERS
        assert {d["accountNumber"] for d in t["detail"]} <= accounts_in_sage
        assert {d["taxAgencyXref"] for d in t["detail"] if d["glTypeId"] == "ST"} <= agencies
    taxed_levels = {d["taxAgencyXref"] for t in export["transactions"] for d in t["detail"] if d["glTypeId"] == "ST"}
    assert {"HSTON", "ILSTATE", "COOKCTY", "CHICITY", "COSTATE"} <= taxed_levels
    assert all(
        p["total"] == -sum(d["total"] for d in p["purchaseDetail"] + p["purchaseDetailTax"])
        for p in export["purchaseTransactions"]
    )
    assert export["adjustmentTransactions"] and export["inventoryTransfers"] and export["expenseBills"]


def test_lines_knob_and_spec_errors() -> None:
    doc = generate_company(CompanySpec(documents=120, lines=(8, 8), kinds={"Standard": 1, "Agreement": 1}))
    assert {len(inv["lines"]) for inv in doc["invoices"]} == {8}
    bad: list[tuple[dict[str, Any], str]] = [
        ({"documents": 0}, "documents"),
        ({"documents": 10, "invalid_share": Decimal("1.5")}, "invalid_share"),
        ({"documents": 10, "kinds": {"Bogus": 1}}, "kinds"),
        ({"documents": 10, "kinds": {"Standard": 0}}, "kinds"),
        ({"documents": 10, "kinds": {"Standard": -1}}, "kinds"),
        ({"documents": 10, "lines": (3, 2)}, "lines"),
        ({"documents": 10, "kinds": {"Purchase": 1}, "invalid_share": Decimal("0.1")}, "invalid_share"),
        ({"documents": 10, "seed": True}, "seed"),
    ]
    for values, field in bad:
        with pytest.raises(SpecError) as caught:
            CompanySpec(**values)
        assert caught.value.field == field


def test_stream_encodes_exactly_what_the_dict_would() -> None:
    store = loaded(CompanySpec(documents=150, seed=2))
    sections = store.export_sections(ALL)
    streamed = b"".join(iter_sections(sections, chunk=512))
    again = gx.materialize(store.export_sections(ALL))
    assert streamed == dumps(again).encode() == dumps_exact(again).encode()
    assert js(httpx.Response(200, content=streamed)) == again


def test_generate_route_and_reset(emu: ManageEmulator, root: str) -> None:
    demo_counts = httpx.get(root + "/_sandbox/state").json()["counts"]
    body = {"documents": 200, "invalid_share": 0.1, "seed": 4, "kinds": {"Standard": 3, "Expense": 1}, "lines": [2, 4]}
    r = httpx.post(root + "/_sandbox/generate", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["counts"]["Standard"] == 150 and out["counts"]["Expense"] == 50
    assert sum(len(v) for v in out["invalid"].values()) == 20
    assert out["state"]["unpostedInvoices"] == 150 and out["state"]["unpostedExpenses"] == 50
    assert out["spec"] == {**body, "kinds": {"Standard": 3, "Expense": 1}}
    state = httpx.get(root + "/_sandbox/state").json()
    assert sum(state["generated"]["invalidByReason"].values()) == 20
    rows = httpx.get(root + API + "/finance/accounting/unpostedinvoices/count", headers=HEADERS).json()
    assert rows == {"count": 150}
    for bad_body, field in (
        ({"documents": 10, "bogus": 1}, "bogus"),
        ({"documents": "10"}, "documents"),
        ({"documents": 10, "lines": [1]}, "lines"),
        ({"documents": 10, "kinds": []}, "kinds"),
        ({"documents": 10, "invoices": 5}, "documents"),
    ):
        r = httpx.post(root + "/_sandbox/generate", json=bad_body)
        assert r.status_code == 400 and r.json()["errors"][0]["field"] == field, r.text
    assert httpx.get(root + "/_sandbox/state").json()["counts"]["invoices"] == 150  # refused: unchanged
    assert httpx.post(root + "/_sandbox/reset").status_code == 200
    assert httpx.get(root + "/_sandbox/state").json()["counts"] == demo_counts


def test_emulator_started_with_a_generated_company() -> None:
    spec = CompanySpec(documents=90, seed=8, kinds={"Standard": 1, "Purchase": 1, "Transfer": 1})
    emulator = create_app(generate=spec)
    assert emulator.store.state()["counts"]["invoices"] == 30
    emulator.store.create_batch(
        {
            "batchIdentifier": "G-1",
            "exportInvoicesFlag": True,
            "processedRecordIds": emulator.store.doc["invoices"][0]["glEntryIds"],
        }
    )
    assert len(emulator.store.unposted_invoice_ids()) == 29
    emulator.reset()
    assert (
        len(emulator.store.unposted_invoice_ids()) == 30 and emulator.store.doc["generated"]["counts"]["Transfer"] == 30
    )
