"""Batching, un-batching, re-export, batch entries, and invoice payments (reference §3.2, §4)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from cwsage.sandbox.manage import ManageEmulator

from .conftest import js


def export_one(api: httpx.Client, invoice_id: int) -> dict[str, Any]:
    body = {"exportInvoicesFlag": True, "includedInvoiceIds": [invoice_id], "thruDate": "2026-12-31T00:00:00Z"}
    out = js(api.post("/finance/accounting/export", json=body))
    assert isinstance(out, dict)
    first: dict[str, Any] = out["transactions"][0]
    return first


def batch(api: httpx.Client, ident: str, ids: list[int], **flags: bool) -> httpx.Response:
    body = {"batchIdentifier": ident, "exportInvoicesFlag": True, "processedRecordIds": ids, **flags}
    return api.post("/finance/accounting/batches", json=body)


def test_batching_removes_and_delete_restores(api: httpx.Client, emu: ManageEmulator) -> None:
    inv_id = emu.store.unposted_invoice_ids()[0]
    t = export_one(api, inv_id)
    ids = [int(i) for i in t["glEntryIds"].split(",")]
    before = api.get("/finance/accounting/unpostedinvoices/count").json()["count"]
    # a partial batch leaves the invoice unposted
    r = batch(api, "PART-1", ids[:1])
    assert r.status_code == 201
    assert inv_id in emu.store.unposted_invoice_ids()
    r = batch(api, "20261101JD-I", ids[1:])
    assert r.status_code == 201, r.text
    exported = js(r)
    assert isinstance(exported, dict) and [x["id"] for x in exported["transactions"]] == [inv_id]
    assert inv_id not in emu.store.unposted_invoice_ids()
    assert api.get(f"/finance/accounting/unpostedinvoices/{inv_id}").status_code == 404
    assert api.get("/finance/accounting/unpostedinvoices/count").json()["count"] == before - 1
    found = api.get("/finance/accounting/batches", params={"conditions": 'batchIdentifier="20261101JD-I"'}).json()
    assert len(found) == 1 and found[0]["exportInvoicesFlag"] is True and found[0]["closedFlag"] is False
    batch_id = found[0]["id"]
    entries = js(api.get(f"/finance/accounting/batches/{batch_id}/entries", params={"pageSize": 100}))
    assert isinstance(entries, list)
    assert [e["id"] for e in entries] == sorted(ids[1:])
    assert all(e["invoice"]["id"] == inv_id for e in entries)
    assert all((e["debit"] == 0) != (e["credit"] == 0) for e in entries)
    assert api.get(f"/finance/accounting/batches/{batch_id}/entries/count").json() == {"count": len(ids) - 1}
    invoice = api.get(f"/finance/invoices/{inv_id}").json()
    assert invoice["glBatch"]["identifier"] == "PART-1"
    # re-export the batch at another detail level
    again = js(api.post(f"/finance/accounting/batches/{batch_id}/export", json={"summarizeInvoices": "Condensed"}))
    assert isinstance(again, dict) and again["transactions"][0]["glEntryIds"] == t["glEntryIds"]
    assert again["transactions"][0]["detail"][0]["invoiceSummaryOption"] == "1"
    # delete both batches: the invoice is unposted again
    part_id = emu.store.batch_by_identifier("PART-1")["id"]  # type: ignore[index]
    assert api.delete(f"/finance/accounting/batches/{batch_id}").status_code == 204
    assert api.delete(f"/finance/accounting/batches/{part_id}").status_code == 204
    assert inv_id in emu.store.unposted_invoice_ids()
    assert api.get(f"/finance/accounting/batches/{batch_id}").status_code == 404
    assert api.get("/finance/accounting/unpostedinvoices/count").json()["count"] == before


def test_batch_validation(api: httpx.Client, emu: ManageEmulator) -> None:
    t = export_one(api, emu.store.unposted_invoice_ids()[0])
    ids = [int(i) for i in t["glEntryIds"].split(",")]
    r = batch(api, "EMPTY", [])
    assert r.status_code == 400 and r.json()["errors"][0]["message"] == "Cannot find GLEntryRecIDList to update"
    r = batch(api, "UNKNOWN", [1, 2])
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "processedRecordIds"
    r = batch(api, "X" * 51, ids)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "batchIdentifier"
    r = api.post("/finance/accounting/batches", json={"batchIdentifier": "NOFLAGS", "processedRecordIds": ids})
    assert r.status_code == 400
    r = batch(api, "20260831JD-I", ids)
    assert r.status_code == 400
    assert r.json()["errors"][0]["code"] == "ObjectExists" and r.json()["errors"][0]["field"] == "batchIdentifier"
    assert batch(api, "OK-1", ids).status_code == 201
    r = batch(api, "OK-2", ids)
    assert r.status_code == 400 and str(ids[0]) in r.json()["errors"][0]["message"]
    # expense entries need the expenses flag
    exp_ids = emu.store.doc["expenses"][0]["glEntryIds"]
    assert batch(api, "WRONG-KIND", exp_ids).status_code == 400
    assert batch(api, "E-1", exp_ids, exportInvoicesFlag=False, exportExpensesFlag=True).status_code == 201


def test_expense_bill_and_purchase_ids_batch_everything(api: httpx.Client, emu: ManageEmulator) -> None:
    body = {"exportExpensesFlag": True, "exportProductsFlag": True, "thruDate": "2026-12-31T00:00:00Z"}
    ex = js(api.post("/finance/accounting/export", json=body))
    assert isinstance(ex, dict)
    exp_ids = [i for b in ex["expenseBills"] for i in [b["id"]] + [x for d in b["detail"] for x in d["id"]]]
    r = api.post(
        "/finance/accounting/batches",
        json={"batchIdentifier": "20261101JD-E", "exportExpensesFlag": True, "processedRecordIds": exp_ids},
    )
    assert r.status_code == 201, r.text
    assert emu.store.unposted_expense_ids() == []
    prod_ids = [d["id"] for p in ex["purchaseTransactions"] for d in p["purchaseDetail"] + p["purchaseDetailTax"]]
    prod_ids += [int(i) for a in ex["adjustmentTransactions"] for i in a["id"].split(",")]
    prod_ids += [int(i) for t in ex["inventoryTransfers"] for i in t["id"].split(",")]
    r = api.post(
        "/finance/accounting/batches",
        json={"batchIdentifier": "20261101JD-P", "exportProductsFlag": True, "processedRecordIds": prod_ids},
    )
    assert r.status_code == 201, r.text
    assert emu.store.unposted_procurement_ids() == []
    entries = js(
        api.get(
            f"/finance/accounting/batches/{js(r) and emu.store.batches[-1]['id']}/entries", params={"pageSize": 1000}
        )
    )
    assert isinstance(entries, list)
    assert sum(e["debit"] for e in entries) > 0
    assert any(e["purchaseOrder"] for e in entries)


def test_posted_august_batch(api: httpx.Client, emu: ManageEmulator) -> None:
    posted = api.get("/finance/accounting/batches", params={"conditions": 'batchIdentifier="20260831JD-I"'}).json()
    assert len(posted) == 1 and posted[0]["closedFlag"] is True
    aug = api.get("/finance/invoices", params={"conditions": "date < [2026-09-01T00:00:00Z]", "pageSize": 100}).json()
    assert len(aug) == 20 and all(i["glBatch"]["identifier"] == "20260831JD-I" for i in aug)
    assert not {i["id"] for i in aug} & set(emu.store.unposted_invoice_ids())


def test_payments(api: httpx.Client, emu: ManageEmulator) -> None:
    inv = api.get(
        "/finance/invoices", params={"conditions": 'type="Standard" and date < [2026-09-01T00:00:00Z]'}
    ).json()[0]
    inv_id, total = inv["id"], Decimal(str(inv["total"]))
    assert inv["payments"] == 0 and Decimal(str(inv["balance"])) == total
    body = {"invoice": {"id": inv_id}, "amount": 10.25, "paymentDate": "2026-10-15T00:00:00Z"}
    r = api.post(f"/finance/invoices/{inv_id}/payments", json=body)
    assert r.status_code == 201, r.text
    pay = js(r)
    assert isinstance(pay, dict)
    assert pay["amount"] == Decimal("10.25") and pay["invoice"]["identifier"] == inv["invoiceNumber"]
    after = js(api.get(f"/finance/invoices/{inv_id}"))
    assert isinstance(after, dict)
    assert after["payments"] == Decimal("10.25") and after["balance"] == total - Decimal("10.25")
    # over-payment is refused on field amount
    r = api.post(f"/finance/invoices/{inv_id}/payments", json={**body, "amount": str(total)})
    assert r.status_code == 400
    r = api.post(f"/finance/invoices/{inv_id}/payments", json={**body, "amount": float(total)})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "amount"
    # PATCH with CW ops, then PUT, then DELETE
    url = f"/finance/invoices/{inv_id}/payments/{pay['id']}"
    r = api.patch(url, json=[{"op": "replace", "path": "amount", "value": float(total)}])
    assert r.status_code == 200 and js(api.get(f"/finance/invoices/{inv_id}"))["balance"] == 0  # type: ignore[index]
    r = api.patch(url, json=[{"op": "replace", "path": "amount", "value": 1 + int(total)}])
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "amount"
    r = api.put(url, json={"invoice": {"id": inv_id}, "amount": 5, "paymentDate": "2026-10-20T00:00:00Z"})
    assert r.status_code == 200 and js(r)["paymentDate"] == "2026-10-20T00:00:00Z"  # type: ignore[index]
    assert [p["amount"] for p in emu.store.payments_of(inv["invoiceNumber"])] == [Decimal(5)]
    assert len(api.get(f"/finance/invoices/{inv_id}/payments").json()) == 1
    assert api.get(url).status_code == 200
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert emu.store.invoice_by_number(inv["invoiceNumber"])["balance"] == total  # type: ignore[index]
    # validation
    assert api.post(f"/finance/invoices/{inv_id}/payments", json={"amount": -1}).status_code == 400
    assert api.post(f"/finance/invoices/{inv_id}/payments", json={"amount": "abc"}).status_code == 400
    assert (
        api.post(f"/finance/invoices/{inv_id}/payments", json={"amount": 1, "paymentDate": "yesterday"}).status_code
        == 400
    )
    assert api.post(f"/finance/invoices/{inv_id}/payments", json={"invoice": {"id": 1}, "amount": 1}).status_code == 400
    assert api.post("/finance/invoices/999999/payments", json={"amount": 1}).status_code == 404
    memo = api.get("/finance/invoices", params={"conditions": 'type="CreditMemo"'}).json()[0]
    assert memo["total"] < 0
    assert api.post(f"/finance/invoices/{memo['id']}/payments", json={"amount": 1}).status_code == 400


def test_multiple_payments_sum(api: httpx.Client) -> None:
    inv = api.get("/finance/invoices", params={"conditions": 'invoiceNumber="10101"'}).json()[0]
    total = Decimal(str(inv["total"]))
    half = (total / 2).quantize(Decimal("0.01"))
    for amount in (half, total - half):
        assert api.post(f"/finance/invoices/{inv['id']}/payments", json={"amount": float(amount)}).status_code == 201
    after = js(api.get(f"/finance/invoices/{inv['id']}"))
    assert isinstance(after, dict) and after["balance"] == 0 and after["payments"] == total


def test_a_reclosed_invoice_has_new_gl_entries_and_the_old_ones_are_refused(
    api: httpx.Client, root: str, emu: ManageEmulator
) -> None:
    invoice_id = emu.store.unposted_invoice_ids()[0]
    old = [int(i) for i in export_one(api, invoice_id)["glEntryIds"].split(",")]
    number = emu.store.invoices[invoice_id]["invoiceNumber"]
    r = httpx.post(root + "/_sandbox/reclose", json={"invoiceNumber": number})
    assert r.status_code == 200
    new = r.json()["glEntryIds"]
    assert len(new) == len(old) and not set(new) & set(old)
    assert [int(i) for i in export_one(api, invoice_id)["glEntryIds"].split(",")] == new
    refused = batch(api, "OLD-IDS", old)
    assert refused.status_code == 400 and str(old[0]) in refused.json()["errors"][0]["message"]
    assert batch(api, "NEW-IDS", new).status_code == 201
    again = httpx.post(root + "/_sandbox/reclose", json={"invoiceNumber": number})
    assert again.status_code == 400, "a batched invoice cannot be re-closed"
    assert httpx.post(root + "/_sandbox/reclose", json={"invoiceNumber": "NOPE"}).status_code == 404
