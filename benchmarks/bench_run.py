"""How a batch run scales: HTTP requests and time per document as the number of invoices grows.

Prints ratios, not pass/fail thresholds: requests to each system per posted document, and the time per
document relative to the smallest run. A healthy run reads Sage master data once, looks documents up
in chunks and posts in bounded batches, so requests per document should *fall* as batches grow.

Usage: python benchmarks/bench_run.py [N ...]   (default: 0 200 800 extra invoices on top of the demo)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from cwsage.config import RunDefaults
from cwsage.sandbox.runner import start_sandbox
from cwsage.services.batch import RunRequest, run_batch
from cwsage.services.session import connect
from cwsage.state.store import StateStore


def measure(extra: int) -> dict[str, float]:
    """One invoice batch against a fresh sandbox with ``extra`` more invoices."""
    with start_sandbox(extra_invoices=extra) as box:
        home = Path(tempfile.mkdtemp(prefix="cwsage-bench-"))
        settings = box.settings(home, RunDefaults(ic_default_location="MAIN", chunk_size=50))
        with StateStore.open(settings.database_url) as store, connect(settings, store) as ctx:
            started = time.perf_counter()
            result = run_batch(ctx, RunRequest(batch_number=f"BENCH-{extra}-I", invoices=True, skip_invalid=True))
            elapsed = time.perf_counter() - started
    posted = sum(1 for row in result.documents if row.state == "written_back")
    return {
        "extra": extra,
        "posted": posted,
        "manage": result.requests.get("manage", 0),
        "sage": result.requests.get("sage", 0),
        "seconds": elapsed,
    }


def main(argv: list[str]) -> None:
    """Run the sizes and print the table of ratios."""
    sizes = [int(a) for a in argv] or [0, 200, 800]
    rows = [measure(n) for n in sizes]
    base = rows[0]["seconds"] / max(rows[0]["posted"], 1)
    print(f"{'extra':>6} {'posted':>7} {'manage req':>11} {'sage req':>9} {'req/doc':>8} {'time/doc ratio':>15}")
    for row in rows:
        per_doc = (row["manage"] + row["sage"]) / max(row["posted"], 1)
        ratio = (row["seconds"] / max(row["posted"], 1)) / base
        print(
            f"{row['extra']:>6} {row['posted']:>7} {row['manage']:>11} {row['sage']:>9} {per_doc:>8.3f} {ratio:>15.2f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
