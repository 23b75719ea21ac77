"""CI's smoke run of the batch benchmark (issue 14): ``benchmarks/bench.py --smoke`` keeps working.

No timing is asserted (timings belong in the benchmark's own output and docs/performance.md); what is checked is
that every command of the benchmark ran to its expected exit status on a 1,000-invoice company and that the table
carries the request counts the issue's targets are stated in.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_benchmark_runs_every_command_at_1000_invoices() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--smoke", "--commands", "check", "run", "rerun"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    header, *rows = done.stdout.strip().splitlines()
    assert header.split()[:4] == ["command", "N", "lat", "exit"]
    fields = ("command", "n", "latency", "exit", "wall", "cpu", "ms_per_doc", "rss", "manage", "sage", "per_doc")
    table = {cells[0]: dict(zip(fields, cells, strict=False)) for cells in (row.split() for row in rows)}
    assert set(table) == {"check", "run", "rerun"}
    for name, cells in table.items():
        assert cells["n"] == "1000" and cells["exit"] == "0", (name, cells)
        assert int(cells["manage"]) > 0 and int(cells["sage"]) > 0, (name, cells)
        assert float(cells["per_doc"]) == pytest.approx((int(cells["manage"]) + int(cells["sage"])) / 1000, abs=1e-4)
