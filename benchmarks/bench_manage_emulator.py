"""What the ConnectWise Manage emulator costs per document over the requests of one cwsage run.

Why a benchmark of the emulator alone: every end-to-end test and every cwsage benchmark runs against it,
so its own cost must stay small and flat per document, or the numbers measure the emulator instead of
cwsage (DESIGN §7, issue 14). For each size N this starts the emulator with a company of N documents in a
process of its own, serving on a loopback port, and drives the requests a run makes over HTTP:

* per kind (invoices, expenses, procurement): ``…/count`` and every page of 1,000 unposted rows
  (``conditions`` on the date, ``orderBy=id asc``, following the ``Link`` header);
* one ``POST /finance/accounting/export`` of all the ids listed;
* one ``POST /finance/accounting/batches`` with every GL entry id of that export, and the look-up of the
  batch by its identifier;
* for every tenth invoice (credit memos excepted): its look-up by number (50 numbers per request), a read
  of its payments, a payment written and then patched.

"emulator CPU" is the CPU time (user + system, all threads) the emulator's process spends while the
requests are served, HTTP included; building the company is reported apart ("setup"). "peak RSS" is the
emulator process's high-water mark, "RSS setup" the same right after the company was built. Linux only
(it reads ``/proc``). Prints one table.

Usage::

    python benchmarks/bench_manage_emulator.py             # N = 1,000 and 10,000
    python benchmarks/bench_manage_emulator.py --large     # … and 50,000
    python benchmarks/bench_manage_emulator.py --sizes 2000 --invoices-only

By default the company is generated (``CompanySpec(documents=N)``: all invoice types, expenses and
procurement, 5 % invalid); ``--lines 8 8`` gives every invoice eight lines. ``--invoices-only`` builds
it the old way, the demo plus N Standard invoices (``extra_invoices``), which a checkout from before the
company generator understands too: run this script with ``PYTHONPATH`` pointing at that checkout's
``src`` to measure it.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import threading
import time
from typing import Any

import httpx

from cwsage.sandbox import demo_company as dc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procstat import cpu_seconds, peak_rss_mb

API = "/v4_6_release/apis/3.0"
PAGE = 1000
THRU = "2026-12-31T23:59:59Z"
PAYMENT_EVERY = 10
NUMBER_CHUNK = 50
KINDS = (
    ("invoices", "invoiceDate", "exportInvoicesFlag", "includedInvoiceIds"),
    ("expenses", "dateExpense", "exportExpensesFlag", "includedExpenseIds"),
    ("procurement", "purchaseDate", "exportProductsFlag", "includedProductIds"),
)


def _headers() -> dict[str, str]:
    token = base64.b64encode(f"{dc.MANAGE_COMPANY_ID}+{dc.MANAGE_PUBLIC_KEY}:{dc.MANAGE_PRIVATE_KEY}".encode())
    return {
        "clientId": dc.MANAGE_CLIENT_ID,
        "Authorization": "Basic " + token.decode(),
        "Accept": "application/vnd.connectwise.com+json; version=2025.1",
    }


class Driver:
    """The client side: issues the requests of one run and counts them."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url + API, headers=_headers(), timeout=900)
        self.requests = 0

    def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request; raises on an error status."""
        self.requests += 1
        response = self.client.request(method, url, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {url}: {response.status_code} {response.text[:500]}")
        return response

    def listing(self, kind: str, date_field: str) -> list[dict[str, Any]]:
        """The count, then every page of the unposted list (the fields the run keeps)."""
        self.call("GET", f"/finance/accounting/unposted{kind}/count")
        rows: list[dict[str, Any]] = []
        url: str | None = f"/finance/accounting/unposted{kind}"
        params: dict[str, Any] | None = {
            "conditions": f"{date_field}<=[{THRU}]",
            "orderBy": "id asc",
            "pageSize": PAGE,
            "page": 1,
        }
        while url:
            response = self.call("GET", url, params=params)
            page = response.json()
            rows += [{k: r.get(k) for k in ("id", "invoiceNumber", "invoiceType")} for r in page]
            nxt = response.links.get("next", {}).get("url")
            url, params = (nxt, None) if nxt and len(page) == PAGE else (None, None)
        return rows

    def run(self, n: int) -> int:
        """The requests of one run; returns how many documents were listed."""
        listed = {kind: self.listing(kind, date_field) for kind, date_field, _, _ in KINDS}
        body: dict[str, Any] = {"thruDate": THRU, "summarizeInvoices": "Detailed", "batchIdentifier": f"BENCH-{n}"}
        for kind, _, flag, included in KINDS:
            ids = [r["id"] for r in listed[kind]]
            body[flag] = bool(ids)
            body[included] = [str(i) for i in ids] if kind == "procurement" else ids
        gl_ids = _gl_ids(self.call("POST", "/finance/accounting/export", json=body).json())
        batch = {
            "batchIdentifier": f"BENCH-{n}",
            "exportInvoicesFlag": body["exportInvoicesFlag"],
            "exportExpensesFlag": body["exportExpensesFlag"],
            "exportProductsFlag": body["exportProductsFlag"],
            "processedRecordIds": gl_ids,
        }
        self.call("POST", "/finance/accounting/batches", json=batch).read()
        found = self.call(
            "GET", "/finance/accounting/batches", params={"conditions": f'batchIdentifier="BENCH-{n}"'}
        ).json()
        assert len(found) == 1, found
        paid = [
            r["invoiceNumber"]
            for r in listed["invoices"][::PAYMENT_EVERY]
            if r["invoiceType"] != "CreditMemo" and r["invoiceNumber"]
        ]
        for start in range(0, len(paid), NUMBER_CHUNK):
            numbers = ",".join(f'"{x}"' for x in paid[start : start + NUMBER_CHUNK])
            params = {"conditions": f"invoiceNumber in ({numbers})", "orderBy": "id asc", "pageSize": PAGE}
            for invoice in self.call("GET", "/finance/invoices", params=params).json():
                inv_id = invoice["id"]
                self.call("GET", f"/finance/invoices/{inv_id}/payments", params={"orderBy": "id asc"})
                payment = self.call(
                    "POST",
                    f"/finance/invoices/{inv_id}/payments",
                    json={"invoice": {"id": inv_id}, "amount": 1, "paymentDate": "2026-11-15T00:00:00Z"},
                ).json()
                self.call(
                    "PATCH",
                    f"/finance/invoices/{inv_id}/payments/{payment['id']}",
                    json=[{"op": "replace", "path": "amount", "value": 2}],
                )
        return sum(len(rows) for rows in listed.values())


def _gl_ids(export: dict[str, Any]) -> list[int]:
    ids: list[int] = []
    for t in export["transactions"]:
        ids += [int(i) for i in t["glEntryIds"].split(",")]
    for e in export["expenses"]:
        ids += [e["id"], e["offset"]["id"]]
    for b in export["expenseBills"]:
        ids += [b["id"]] + [x for d in b["detail"] for x in d["id"]]
    for p in export["purchaseTransactions"]:
        ids += [d["id"] for d in p["purchaseDetail"] + p["purchaseDetailTax"]]
    for a in export["adjustmentTransactions"]:
        ids += [int(i) for i in a["id"].split(",")]
    for t in export["inventoryTransfers"]:
        ids += [int(i) for i in t["id"].split(",")]
    return list(dict.fromkeys(ids))


def serve(n: int, invoices_only: bool, lines: list[int] | None) -> None:
    """Child process: build the company, serve it, say where on stdout, and wait to be stopped."""
    from cwsage.sandbox.manage import create_app
    from cwsage.sandbox.server import ServerThread

    started = time.process_time()
    if invoices_only:
        emulator = create_app(extra_invoices=n)
    else:
        from cwsage.sandbox.manage.seed import CompanySpec

        spec = CompanySpec(documents=n) if lines is None else CompanySpec(documents=n, lines=(lines[0], lines[1]))
        emulator = create_app(generate=spec)
    setup = time.process_time() - started
    server = ServerThread(emulator.app).start()
    rss = peak_rss_mb(os.getpid())  # not ru_maxrss: that keeps the forking parent's size
    sys.stdout.write(json.dumps({"url": server.url, "setup": setup, "rss_setup": rss}) + "\n")
    sys.stdout.flush()
    threading.Event().wait()


def measure(n: int, invoices_only: bool, lines: list[int] | None = None) -> dict[str, Any]:
    """Start the emulator with ``n`` documents in a child process and drive one run against it."""
    flags = ["--invoices-only"] if invoices_only else []
    if lines:
        flags += ["--lines", str(lines[0]), str(lines[1])]
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(n), *flags], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        ready = json.loads(child.stdout.readline())
        before = cpu_seconds(child.pid)
        driver = Driver(ready["url"])
        documents = driver.run(n)
        cpu = cpu_seconds(child.pid) - before
        peak = peak_rss_mb(child.pid)
    finally:
        child.terminate()
        child.wait(timeout=30)
    return {
        "n": n,
        "documents": documents,
        "requests": driver.requests,
        "cpu": cpu,
        "setup": ready["setup"],
        "rss_setup": ready["rss_setup"],
        "rss_mb": peak,
    }


def main(argv: list[str]) -> None:
    """Run each size and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", help="sizes to run (default 1000 10000)")
    parser.add_argument("--large", action="store_true", help="add N = 50,000")
    parser.add_argument("--invoices-only", action="store_true", help="the demo plus N Standard invoices")
    parser.add_argument("--lines", type=int, nargs=2, metavar=("LEAST", "MOST"), help="lines per invoice (1 8)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        serve(args.serve, args.invoices_only, args.lines)
        return
    sizes = args.sizes or [1000, 10000]
    if args.large:
        sizes.append(50000)
    out = sys.stdout
    out.write(
        f"{'N':>7} {'documents':>9} {'requests':>8} {'emulator CPU s':>14} {'CPU ms/doc':>10} "
        f"{'RSS setup MB':>12} {'peak RSS MB':>11} {'setup s':>8}\n"
    )
    for n in sizes:
        row = measure(n, args.invoices_only, args.lines)
        per_doc = 1000 * row["cpu"] / max(row["documents"], 1)
        out.write(
            f"{row['n']:>7} {row['documents']:>9} {row['requests']:>8} {row['cpu']:>14.2f} {per_doc:>10.3f} "
            f"{row['rss_setup']:>12.0f} {row['rss_mb']:>11.0f} {row['setup']:>8.2f}\n"
        )
        out.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
