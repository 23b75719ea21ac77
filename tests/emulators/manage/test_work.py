"""Linear in the size of the company (checked by counting work, never by timing), and all-or-nothing writes.

The store's ``meter`` counts rows built (``rendered``), records tested one by one (``scanned``), distinct
index values tested (``values``), ids gathered (``candidates``), records exported and GL entries handled.
A request must cost what it answers, not what the company holds.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from cwsage.sandbox.manage import ManageEmulator, create_app
from cwsage.sandbox.manage.seed import CompanySpec
from cwsage.sandbox.server import serving

from .conftest import API, HEADERS

PAGE = 100
THRU = "2026-12-31T23:59:59Z"


class Metered:
    """A client of one emulator that reports the work each request did."""

    def __init__(self, emulator: ManageEmulator, client: httpx.Client) -> None:
        self.emulator = emulator
        self.client = client
        self.log: list[tuple[str, dict[str, int]]] = []

    def call(self, what: str, method: str, url: str, **kwargs: Any) -> Any:
        before = self.emulator.store.meter.snapshot()
        response = self.client.request(method, url, **kwargs)
        assert response.status_code < 400, response.text
        after = self.emulator.store.meter.snapshot()
        work = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        self.log.append((what, work))
        return response

    def last(self) -> dict[str, int]:
        return self.log[-1][1]

    def total(self) -> int:
        return sum(sum(work.values()) for _, work in self.log)


def emulator_of(n: int) -> ManageEmulator:
    return create_app(generate=CompanySpec(documents=n, seed=12, invalid_share=Decimal("0.05")))


@contextlib.contextmanager
def metered(n: int) -> Iterator[Metered]:
    """An emulator with a generated company of ``n`` documents, served on loopback, and a metered client."""
    emulator = emulator_of(n)
    with serving(emulator.app) as server, httpx.Client(base_url=server.url + API, headers=HEADERS, timeout=60) as c:
        yield Metered(emulator, c)


@contextlib.contextmanager
def clients(emulator: ManageEmulator) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """An API client and a control-API client of a served emulator."""
    with (
        serving(emulator.app) as server,
        httpx.Client(base_url=server.url + API, headers=HEADERS, timeout=60) as api,
        httpx.Client(base_url=server.url, timeout=60) as control,
    ):
        yield api, control


def one_run(m: Metered) -> Iterator[None]:
    """The requests of a run, asserting each one's work as it goes (a generator: one step per request)."""
    store = m.emulator.store
    listed: dict[str, list[dict[str, Any]]] = {}
    for kind, date_field in (("invoices", "invoiceDate"), ("expenses", "dateExpense"), ("procurement", "purchaseDate")):
        unposted = len(store.unposted[kind])
        params = {"conditions": f"{date_field}<=[{THRU}]", "orderBy": "id asc", "pageSize": PAGE, "page": 1}
        rows: list[dict[str, Any]] = []
        while True:
            page = m.call("list", "GET", f"/finance/accounting/unposted{kind}", params=params).json()
            work = m.last()
            assert work.get("rendered", 0) <= len(page) + 1 and not work.get("scanned")
            if params["page"] == 1:
                assert work.get("candidates", 0) <= unposted and work.get("values", 0) <= 61  # distinct dates
            else:  # later pages come from the cached answer
                assert work.get("candidates", 0) == 0 and work.get("values", 0) == 0
                assert work.get("rendered", 0) == len(page)
            rows += page
            yield
            if len(page) < PAGE:
                break
            params = {**params, "page": params["page"] + 1}
        assert len(rows) == unposted
        listed[kind] = rows
    body = {
        "thruDate": THRU,
        "exportInvoicesFlag": True,
        "exportExpensesFlag": True,
        "exportProductsFlag": True,
        "includedInvoiceIds": [r["id"] for r in listed["invoices"]],
        "includedExpenseIds": [r["id"] for r in listed["expenses"]],
        "includedProductIds": [str(r["id"]) for r in listed["procurement"]],
    }
    export = m.call("export", "POST", "/finance/accounting/export", json=body).json()
    documents = sum(len(v) for v in listed.values())
    assert m.last().get("exported") == documents and m.last().get("candidates") == documents
    assert not m.last().get("rendered") and not m.last().get("scanned")
    yield
    ids = [int(i) for t in export["transactions"] for i in t["glEntryIds"].split(",")]
    ids += [i for b in export["expenseBills"] for i in [b["id"]] + [x for d in b["detail"] for x in d["id"]]]
    ids += [d["id"] for p in export["purchaseTransactions"] for d in p["purchaseDetail"] + p["purchaseDetailTax"]]
    ids += [int(i) for a in export["adjustmentTransactions"] for i in a["id"].split(",")]
    ids += [int(i) for t in export["inventoryTransfers"] for i in t["id"].split(",")]
    ids = list(dict.fromkeys(ids))  # a bill's id is also one of its details' ids
    batch = {
        "batchIdentifier": "RUN-1",
        "exportInvoicesFlag": True,
        "exportExpensesFlag": True,
        "exportProductsFlag": True,
        "processedRecordIds": ids,
    }
    m.call("batch", "POST", "/finance/accounting/batches", json=batch)
    assert m.last().get("entries") == len(ids) and m.last().get("exported") == documents
    assert not m.last().get("candidates") and not m.last().get("rendered")
    assert store.unposted == {"invoices": set(), "expenses": set(), "procurement": set()}
    yield
    found = m.call("find", "GET", "/finance/accounting/batches", params={"conditions": 'batchIdentifier="RUN-1"'})
    assert len(found.json()) == 1 and sum(m.last().values()) <= 4
    yield
    numbers = [r["invoiceNumber"] for r in listed["invoices"][::10] if r["invoiceType"] != "CreditMemo"]
    for start in range(0, len(numbers), 50):
        chunk = numbers[start : start + 50]
        cond = "invoiceNumber in (" + ",".join(f'"{n}"' for n in chunk) + ")"
        invoices = m.call("lookup", "GET", "/finance/invoices", params={"conditions": cond, "pageSize": 1000}).json()
        assert len(invoices) == len(chunk)
        assert m.last().get("values", 0) <= len(chunk) and m.last().get("rendered", 0) <= len(chunk) + 1
        assert not m.last().get("scanned")
        yield
        for inv in invoices:
            url = f"/finance/invoices/{inv['id']}/payments"
            m.call("payments", "GET", url)
            assert sum(m.last().values()) <= 2
            pay = m.call("pay", "POST", url, json={"amount": 1, "paymentDate": "2026-11-15T00:00:00Z"}).json()
            assert sum(m.last().values()) <= 4
            m.call("patch", "PATCH", f"{url}/{pay['id']}", json=[{"op": "replace", "path": "amount", "value": 2}])
            assert sum(m.last().values()) <= 4
            yield


@pytest.mark.parametrize("n", [300, 1200])
def test_each_request_costs_what_it_answers(n: int) -> None:
    with metered(n) as m:
        for _ in one_run(m):
            pass
        assert len(m.log) > 20


def test_work_per_document_is_flat() -> None:
    per_doc = {}
    for n in (400, 1600):
        with metered(n) as m:
            for _ in one_run(m):
                pass
            per_doc[n] = m.total() / n
    assert per_doc[1600] <= per_doc[400] * 1.1, per_doc


def test_unindexed_condition_scans_only_its_collection() -> None:
    with metered(500) as m:
        store = m.emulator.store
        expenses = len(store.unposted["expenses"])
        params = {"conditions": "total > 100", "pageSize": 10}
        m.call("scan", "GET", "/finance/accounting/unpostedexpenses", params=params)
        assert m.last().get("scanned") == expenses < 500
        m.call("by id", "GET", f"/finance/accounting/unpostedinvoices/{store.doc['invoices'][7]['id']}")
        assert {k: v for k, v in m.last().items() if v} == {"rendered": 1}


def test_a_count_and_the_pages_after_it_share_one_answer() -> None:
    with metered(300) as m:
        params = {"conditions": f"invoiceDate<=[{THRU}]"}
        count = m.call("count", "GET", "/finance/accounting/unpostedinvoices/count", params=params).json()["count"]
        assert m.last().get("candidates") == count
        m.call("page", "GET", "/finance/accounting/unpostedinvoices", params={**params, "orderBy": "id asc"})
        assert not m.last().get("candidates") and not m.last().get("values")


# --------------------------------------------------------------------------------------------- all-or-nothing


def snapshot(emulator: ManageEmulator) -> tuple[Any, ...]:
    store = emulator.store
    return (
        copy.deepcopy(store.doc),
        dict(store.batched),
        {k: set(v) for k, v in store.unposted.items()},
        {k: dict(v) for k, v in store.open_entries.items()},
        store.version,
        store.transfer_expenses_as_bill,
    )


def test_failed_writes_change_nothing() -> None:
    emulator = emulator_of(120)
    with clients(emulator) as (client, control):
        refuse_everything(emulator, client, control)


def refuse_everything(emulator: ManageEmulator, client: httpx.Client, control: httpx.Client) -> None:
    store = emulator.store
    first, second = store.doc["invoices"][0], store.doc["invoices"][1]
    assert client.post(
        "/finance/accounting/batches",
        json={"batchIdentifier": "OK", "exportInvoicesFlag": True, "processedRecordIds": first["glEntryIds"][:1]},
    ).is_success
    invoice = next(i for i in store.doc["invoices"] if i["type"] == "Standard" and i is not first)
    pay = client.post(f"/finance/invoices/{invoice['id']}/payments", json={"amount": 1}).json()
    before = snapshot(emulator)
    refused = [
        # a batch whose last id is unknown / already batched / of a kind it does not export
        ("POST", "/finance/accounting/batches", [*second["glEntryIds"], 1]),
        ("POST", "/finance/accounting/batches", [*second["glEntryIds"], first["glEntryIds"][0]]),
        ("POST", "/finance/accounting/batches", [*second["glEntryIds"], store.doc["expenses"][0]["glEntryIds"][0]]),
    ]
    for method, url, ids in refused:
        body = {"batchIdentifier": "NEW", "exportInvoicesFlag": True, "processedRecordIds": ids}
        assert client.request(method, url, json=body).status_code == 400
    url = f"/finance/invoices/{invoice['id']}/payments/{pay['id']}"
    ops = [{"op": "replace", "path": "amount", "value": 3}, {"op": "replace", "path": "paymentDate", "value": "soon"}]
    assert client.patch(url, json=ops).status_code == 400
    assert client.patch(url, json=[{"op": "replace", "path": "amount", "value": 10**9}]).status_code == 400
    assert client.put(url, json={"amount": 2, "paymentDate": "never"}).status_code == 400
    seed = store.export_seed()
    seed["expenses"][-1]["memberId"] = 999  # unknown member: the whole load is refused
    seed["settings"]["transferExpensesAsBillFlag"] = not store.transfer_expenses_as_bill
    with pytest.raises(Exception, match="inconsistent"):
        store.load(seed)
    assert control.post("/_sandbox/generate", json={"documents": 10, "kinds": {"Nope": 1}}).status_code == 400
    good = dict(store.doc["invoices"][-1], id=99_999_999, invoiceNumber="X1")
    bad = dict(good, id=99_999_998, lines=[{"category": "Service"}])  # no quantity: cannot be priced
    with pytest.raises(Exception, match="inconsistent"):
        store.append("invoices", [good, bad])
    assert snapshot(emulator) == before


def test_deleted_last_batch_id_comes_back_and_payments_number_on() -> None:
    emulator = emulator_of(60)
    store = emulator.store
    invoices = store.doc["invoices"]
    body = {"batchIdentifier": "A", "exportInvoicesFlag": True, "processedRecordIds": invoices[0]["glEntryIds"]}
    store.create_batch(body)
    store.create_batch({**body, "batchIdentifier": "B", "processedRecordIds": invoices[1]["glEntryIds"]})
    assert [b["id"] for b in store.batches] == [1, 2]
    store.delete_batch(2)
    store.create_batch({**body, "batchIdentifier": "C", "processedRecordIds": invoices[1]["glEntryIds"]})
    assert [b["id"] for b in store.batches] == [1, 2]
    standard = [i for i in invoices if i["type"] == "Standard"]
    made = [store.add_payment(i["id"], {"amount": 1})["id"] for i in standard[:3]]
    assert made == [3101, 3102, 3103]
    store.delete_payment(standard[2]["id"], 3103)
    assert store.add_payment(standard[0]["id"], {"amount": 1})["id"] == 3103
