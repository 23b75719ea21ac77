"""The indexes answer exactly what a scan would: ``Store.select`` against a brute-force filter.

Random generated companies (some of their records batched, some invoices paid), random ``conditions``
over indexed and unindexed fields with values taken from the data (in other types and cases too),
random ``orderBy`` and ``pageId``: the ids ``Store.select`` answers must be the ids a filter over every
record's JSON, in the original order semantics, answers.
"""

from __future__ import annotations

import random
from datetime import datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cwsage.sandbox.manage.query import apply_order, compile_conditions, get_path
from cwsage.sandbox.manage.seed import GENERATED_KINDS, CompanySpec, generate_company
from cwsage.sandbox.manage.store import COLLECTIONS, Store

FIELDS = {
    "unpostedinvoices": [
        "id",
        "billingLogId",
        "locationId",
        "invoiceNumber",
        "invoiceType",
        "invoiceDate",
        "company/id",
        "company/identifier",
        "accountNumber",
        "total",
        "currency/currencyCode",
        "hasProducts",
        "taxCode/name",
    ],
    "invoices": [
        "id",
        "invoiceNumber",
        "type",
        "date",
        "locationId",
        "company/id",
        "COMPANY/Identifier",
        "accountNumber",
        "balance",
        "payments",
        "glBatch/identifier",
    ],
    "unpostedexpenses": ["id", "locationId", "dateExpense", "member/id", "member/identifier", "total", "company/id"],
    "unpostedprocurement": [
        "id",
        "locationId",
        "purchaseDate",
        "procurementType",
        "unpostedProductId",
        "total",
        "vendor/identifier",
    ],
    "batches": ["id", "batchIdentifier", "exportInvoicesFlag", "closedFlag"],
}
ORDERS = {
    "unpostedinvoices": [None, "id asc", "id desc", "invoiceDate desc, id asc", "total desc", "company/identifier"],
    "invoices": [None, "id desc", "date asc", "balance desc, invoiceNumber desc", "type, locationId desc"],
    "unpostedexpenses": [None, "id asc", "dateExpense desc", "total asc"],
    "unpostedprocurement": [None, "procurementType, id desc", "purchaseDate"],
    "batches": [None, "batchIdentifier desc", "id desc"],
}
OPS = ("=", "!=", "<", "<=", ">", ">=", "like", "contains", "in", "not in", "not like", "not contains")


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return f"[{value:%Y-%m-%dT%H:%M:%SZ}]"
    return quote(str(value))


def variants(value: Any, rng: random.Random) -> list[Any]:
    """The value and the same in other shapes the language allows (other case, type, a date)."""
    out: list[Any] = [value]
    if isinstance(value, str):
        out += [value.upper(), value.lower(), value[: max(1, len(value) // 2)] + "%"]
        if value[:4].isdigit() and value[4:5] == "-":
            out.append(datetime.fromisoformat(value[:10]).replace(hour=rng.choice((0, 12))))
        if value.isdigit():
            out.append(Decimal(value))
    elif isinstance(value, bool):
        out.append(not value)
    elif isinstance(value, int):
        out += [str(value), Decimal(value), value + 1, Decimal(value) + Decimal("0.5")]
    elif isinstance(value, Decimal):
        out += [value + 1, str(value)]
    return out


class World:
    """One random company, with some records batched and some invoices paid."""

    def __init__(self, seed: int, documents: int, batched_share: float) -> None:
        rng = random.Random(seed)
        kinds = {k: rng.randrange(0, 4) for k in GENERATED_KINDS}
        kinds["Standard"] += 1
        spec = CompanySpec(documents=documents, seed=seed, kinds=kinds, invalid_share=Decimal("0.1"), lines=(1, 4))
        self.store = Store()
        self.store.load(generate_company(spec), copy_doc=False)
        self.rng = rng
        doc = self.store.doc
        flags = {
            "invoices": "exportInvoicesFlag",
            "expenses": "exportExpensesFlag",
            "procurement": "exportProductsFlag",
        }
        for n, kind in enumerate(("invoices", "expenses", "procurement")):
            picked = [r for r in doc[kind] if rng.random() < batched_share]
            ids = [e for r in picked for e in r["glEntryIds"][: rng.choice((1, len(r["glEntryIds"])))]]
            if ids:
                self.store.create_batch(
                    {"batchIdentifier": f"B-{seed}-{n}", flags[kind]: True, "processedRecordIds": ids}
                )
        for inv in doc["invoices"][::5]:
            if inv["type"] != "CreditMemo":
                self.store.add_payment(inv["id"], {"amount": 1, "paymentDate": "2026-11-02T00:00:00Z"})

    def rows(self, name: str) -> dict[int, dict[str, Any]]:
        live = self.store._live(name)
        order = self.store.seq[COLLECTIONS[name]]
        return {i: self.store.render(name, i) for i in sorted(live, key=order.__getitem__)}

    def leaf(self, name: str, rows: dict[int, dict[str, Any]]) -> str:
        rng = self.rng
        path = rng.choice(FIELDS[name])
        values = [get_path(r, path.split("/")) for r in rows.values()] or [1]
        pool = variants(rng.choice(values), rng)
        op = rng.choice(OPS)
        if op in ("like", "contains", "not like", "not contains"):
            return f"{path} {op} {quote(str(rng.choice(pool)))}"
        if op in ("in", "not in"):
            picks = [rng.choice(variants(rng.choice(values), rng)) for _ in range(rng.randrange(1, 4))]
            return f"{path} {op} ({', '.join(literal(v) for v in picks)})"
        return f"{path} {op} {literal(rng.choice([*pool, None]))}"

    def condition(self, name: str, rows: dict[int, dict[str, Any]], depth: int = 0) -> str:
        rng = self.rng
        if depth >= 2 or rng.random() < 0.4:
            return self.leaf(name, rows)
        parts = [self.condition(name, rows, depth + 1) for _ in range(rng.randrange(2, 4))]
        joined = f" {rng.choice(('and', 'or', 'AND'))} ".join(parts)
        return f"({joined})" if depth else joined


def brute_force(
    rows: dict[int, dict[str, Any]], conditions: str | None, order: str | None, page_id: int | None
) -> list[int]:
    known = {k for r in rows.values() for k in r} or None
    kept = list(rows.items())
    if conditions:
        predicate = compile_conditions(conditions, known)
        kept = [(i, r) for i, r in kept if predicate(r)]
    if page_id is not None:
        kept = [(i, r) for i, r in kept if i > page_id]
    if order:
        ordered = apply_order([r for _, r in kept], order)
        by_identity = {id(r): i for i, r in kept}
        return [by_identity[id(r)] for r in ordered]
    return sorted(i for i, _ in kept)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    documents=st.integers(20, 90),
    batched_share=st.sampled_from([0.0, 0.3, 0.8]),
    queries=st.integers(8, 16),
)
def test_indexed_select_equals_brute_force(seed: int, documents: int, batched_share: float, queries: int) -> None:
    world = World(seed, documents, batched_share)
    rng = world.rng
    for _ in range(queries):
        name = rng.choice(sorted(COLLECTIONS))
        rows = world.rows(name)
        conditions = world.condition(name, rows) if rng.random() < 0.9 else None
        order = rng.choice(ORDERS[name])
        page_id = rng.choice([None, None, rng.choice(list(rows) or [0])])
        expected = brute_force(rows, conditions, order, page_id)
        with world.store.lock:
            got = world.store.select(name, conditions, order, page_id)
            again = world.store.select(name, conditions, order, page_id)  # from the cache
        assert got == expected == again, (name, conditions, order, page_id)


def test_exact_plans_do_not_scan_records() -> None:
    world = World(5, 120, 0.3)
    store = world.store
    for name, conditions in (
        (
            "unpostedinvoices",
            'locationId = 2 and invoiceDate <= [2026-10-15T23:59:59Z] or company/identifier = "acmecorp"',
        ),
        ("invoices", 'invoiceNumber in ("200003", "200007", "nope") or id = 1000009'),
        ("unpostedexpenses", 'member/identifier not in ("jsmith") and dateExpense > [2026-09-10T00:00:00Z]'),
        ("batches", 'batchIdentifier = "b-5-0"'),
    ):
        before = store.meter.snapshot()
        with store.lock:
            got = store.select(name, conditions, None, None)
        after = store.meter.snapshot()
        assert after.get("scanned", 0) == before.get("scanned", 0), name
        assert after.get("rendered", 0) - before.get("rendered", 0) <= 1, name  # the field names, once
        assert got == brute_force(world.rows(name), conditions, None, None)
