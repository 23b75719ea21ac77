"""How the Sage 300 emulator scales: CPU per posted document and peak memory as the company grows.

Posts N eight-line AR invoices in batches of 100 through the emulator's own ASGI app (in process, over
``httpx.ASGITransport``), the way a client does: a duplicate look-up by number prefix, one POST with
``BatchStatus: "ReadyToPost"`` and one ``ARPostInvoices('$process')`` per batch, plus a payment-sync style
``LastActivityDate`` query every ten batches. CPU is counted inside the app only (thread CPU time around each
call), so the numbers are the emulator's, not the client's. Each N runs in a fresh process so that peak
RSS is that run's.

Usage: python benchmarks/bench_sage_emulator.py [--large] [N ...]   (default: 1000 10000; --large adds 50000)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from typing import Any

import httpx

from cwsage.sandbox import demo_company as demo
from cwsage.sandbox.sage300 import create_app

BATCH = 100
LINES = 8
BASE = f"http://bench/Sage300WebApi/v1.0/-/{demo.SAGE_COMPANY}"
CUSTOMERS = ("LAKESHORE", "PRAIRIESD", "FRONTRANGE", "ASPENLODGE", "PEAKANALYT", "COLFAX", "SUMMITHP", "BOULDERBIO")


def _invoice(number: int) -> dict[str, Any]:
    lines = [
        {"RevenueAccount": "4000-10", "Description": f"Line {n}", "ExtendedAmountWithTIP": 100 + n}
        for n in range(1, LINES + 1)
    ]
    return {
        "CustomerNumber": CUSTOMERS[number % len(CUSTOMERS)],
        "DocumentNumber": f"BN{number:08d}",
        "DocumentType": "Invoice",
        "InvoiceDescription": f"Bench invoice {number}",
        "DocumentDate": f"2026-09-{1 + number % 28:02d}T00:00:00Z",
        "DoNotCalculationTax": "Yes",
        "InvoiceDetails": lines,
    }


class _Meter:
    """ASGI wrapper that adds up the thread CPU time spent inside the app."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.cpu = 0.0
        self.requests = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.thread_time()
        try:
            await self.app(scope, receive, send)
        finally:
            self.cpu += time.thread_time() - started
            self.requests += 1


async def _run(count: int) -> dict[str, Any]:
    emulator = create_app()
    meter = _Meter(emulator.app)
    headers = {"Content-Type": "application/json"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=meter), base_url=BASE, auth=("CWSAGE", "DEMO"), headers=headers
    ) as client:
        wall = time.perf_counter()
        for first in range(0, count, BATCH):
            numbers = range(first, min(first + BATCH, count))
            prefix = f"BN{first // BATCH:06d}"
            lookup = await client.get(
                "/AR/ARPostedDocuments",
                params={"$filter": f"startswith(DocumentNumber,'{prefix}')", "$select": "DocumentNumber"},
            )
            lookup.raise_for_status()
            body = {
                "Description": f"Bench {first}",
                "BatchStatus": "ReadyToPost",
                "Invoices": [_invoice(n) for n in numbers],
            }
            created = await client.post("/AR/ARInvoiceBatches", json=body)
            if created.status_code != 201:
                raise RuntimeError(created.text)
            batch = created.json()["BatchNumber"]
            posted = await client.post(
                "/AR/ARPostInvoices('$process')", json={"PostBatchFrom": batch, "PostBatchTo": batch}
            )
            posted.raise_for_status()
            if (first // BATCH) % 10 == 9:
                since = await client.get(
                    "/AR/ARPostedDocuments",
                    params={"$filter": "LastActivityDate ge 2026-09-28T00:00:00Z", "$top": "1000", "$count": "true"},
                )
                since.raise_for_status()
        wall = time.perf_counter() - wall
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "documents": count,
        "requests": meter.requests,
        "emulator_cpu_s": round(meter.cpu, 3),
        "cpu_ms_per_doc": round(1000 * meter.cpu / count, 3),
        "work_per_doc": round(emulator.store.store.work / count, 1),
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }


def main() -> int:
    """Run each N in its own process and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="numbers of documents (default 1000 10000)")
    parser.add_argument("--large", action="store_true", help="also run 50,000 documents")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(asyncio.run(_run(args.one))))
        return 0
    sizes = args.sizes or [1000, 10000]
    if args.large and 50000 not in sizes:
        sizes.append(50000)
    rows = []
    for size in sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(size)], check=True, capture_output=True, text=True
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    header = ("documents", "requests", "emulator_cpu_s", "cpu_ms_per_doc", "work_per_doc", "wall_s", "peak_rss_mb")
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(str(row[name]) for name in header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
