"""The batch benchmark of issue 14: cwsage's cost per document, its requests, and how near the floor it runs.

One command generates a company of N documents on the sandbox (8-line invoices by default, valid, plus an
``--invalid-share``), then runs ``check``, ``run``, ``rerun`` and ``sync-payments`` as a user would — each a real
``cwsage`` subprocess with its own home — at every size and latency asked, and prints one table:

* wall time, cwsage CPU (user + system of the cwsage process, from ``wait4``) and CPU ms per document,
  cwsage peak RSS (``ru_maxrss``);
* requests to Manage and to Sage (cwsage's own count, in its ``--json`` answer) and requests per document;
* the floor: the fewest requests the two APIs allow for that command times the injected latency
  (see :func:`floor_requests`), and the ratio ``wall / (floor + cwsage CPU)``;
* sandbox CPU per document (both emulators run in one child process of their own, measured from ``/proc``).

The emulators run in their own process so that their CPU is not cwsage's; latency is injected by the
emulators' fault rules (``latency`` on every path), which delay answers without blocking other requests.
``--profile`` profiles the largest ``run`` with pyinstrument and writes the text report next to this file.
CI runs ``--smoke`` (N = 1,000, no latency, no timing assertion): the script must keep working.

Usage::

    python benchmarks/bench.py                       # N = 1,000 and 10,000; latency 0 and 20 ms
    python benchmarks/bench.py --sizes 1000 10000 50000 --latency-ms 0 --profile
    python benchmarks/bench.py --smoke
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procstat import cpu_seconds

HERE = Path(__file__).resolve().parent
PAGE = 1000
"""Manage's largest page (rows per listing request)."""
SAGE_PAGE = 100
"""Sage's feed page: 100 records unless the site raises ``PageSize`` in its Web.config (Sage's SDK); the client
cannot ask for more, and the emulator serves this default."""
COMMANDS = ("check", "run", "rerun", "sync-payments", "sync-again")
"""``sync-again`` is ``sync-payments`` once more over the same window with nothing new in either system."""
BATCH = "BENCH-I"
RECEIPT_SHARE = Decimal("0.05")
"""The share of posted invoices paid in Sage before ``sync-payments`` (500 receipts at 10,000, as the issue)."""


# --------------------------------------------------------------------------------------------------------
# The sandbox, in a process of its own
# --------------------------------------------------------------------------------------------------------


def serve(documents: int, invalid_share: str, lines: int) -> None:
    """Child process: both emulators with a generated company; print how to reach them; serve until killed."""
    from cwsage.sandbox.manage.seed import CompanySpec
    from cwsage.sandbox.runner import start_sandbox

    spec = CompanySpec(
        documents=documents, invalid_share=Decimal(invalid_share), kinds={"Standard": 1}, lines=(lines, lines)
    )
    with start_sandbox(generated=spec) as box:
        sys.stdout.write(
            json.dumps({"env": box.env(), "manage": box.manage_server.url, "sage": box.sage_server.url}) + "\n"
        )
        sys.stdout.flush()
        threading.Event().wait()


@dataclass
class Sandbox:
    """The child process serving the emulators."""

    process: subprocess.Popen[str]
    env: dict[str, str]
    manage: str
    sage: str

    def cpu(self) -> float:
        """CPU seconds the emulators have used so far."""
        return cpu_seconds(self.process.pid)

    def latency(self, seconds: float) -> None:
        """Delay every answer of both emulators by ``seconds`` (0: remove the delay)."""
        for root in (self.manage, self.sage):
            httpx.delete(f"{root}/_sandbox/faults", timeout=30)
            if seconds:
                rule = {"kind": "latency", "path": ".*", "delay_seconds": seconds, "times": 1_000_000_000}
                httpx.post(f"{root}/_sandbox/faults", json=rule, timeout=30).raise_for_status()

    def stop(self) -> None:
        """Stop the child."""
        self.process.terminate()
        self.process.wait(timeout=60)


def start(documents: int, invalid_share: str, lines: int) -> Sandbox:
    """Start the sandbox child and wait until it serves."""
    args = [sys.executable, __file__, "--serve", str(documents), "--invalid-share", invalid_share]
    process = subprocess.Popen([*args, "--lines", str(lines)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    return Sandbox(process, ready["env"], ready["manage"], ready["sage"])


# --------------------------------------------------------------------------------------------------------
# cwsage, as a user runs it
# --------------------------------------------------------------------------------------------------------


@dataclass
class Measured:
    """One command's measurements."""

    command: str
    exit_code: int
    wall: float
    cpu: float
    rss_mb: float
    manage: int
    sage: int
    documents: int
    answer: dict[str, Any]


def cwsage(box: Sandbox, home: Path, command: str, *args: str, profile: Path | None = None) -> Measured:
    """Run ``cwsage COMMAND ARGS --json`` and measure it (the child's own CPU and peak RSS, via ``wait4``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CWSAGE_")}
    env.update(box.env)
    env.update({"CWSAGE_HOME": str(home), "CWSAGE_SECRET_BACKEND": "file"})
    runner = [sys.executable, "-m", "cwsage"]
    if profile is not None:
        runner = [sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(profile), "-m", "cwsage"]
    started = time.perf_counter()
    child = subprocess.Popen(
        [*runner, command, *args, "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    out, err = _communicate(child)
    wall = time.perf_counter() - started
    usage = child.rusage  # type: ignore[attr-defined]
    try:
        answer = json.loads(out)
    except ValueError:
        raise SystemExit(f"cwsage {command} did not answer JSON (exit {child.returncode}):\n{err[-3000:]}") from None
    requests = answer.get("requests") or {}
    return Measured(
        command,
        child.returncode,
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        int(requests.get("manage", 0)),
        int(requests.get("sage", 0)),
        _documents(answer),
        answer,
    )


def _communicate(child: subprocess.Popen[str]) -> tuple[str, str]:
    """Read the child's output and reap it with ``wait4`` so that its resource usage is kept."""
    chunks: dict[str, list[str]] = {"out": [], "err": []}

    def drain(name: str, stream: Any) -> None:
        chunks[name].append(stream.read())

    readers = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", child.stdout), ("err", child.stderr))]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(child.pid, 0)
    for reader in readers:
        reader.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    child.rusage = usage  # type: ignore[attr-defined]
    return "".join(chunks["out"]), "".join(chunks["err"])


def _documents(answer: dict[str, Any]) -> int:
    """How many documents the command handled (rows of a run or check; invoices of a payment sync)."""
    if isinstance(answer.get("documents"), list):
        return len(answer["documents"])
    if isinstance(answer.get("rows"), list):
        return len(answer["rows"])
    return 0


def record_receipts(box: Sandbox, home: Path, share: Decimal) -> int:
    """Pay ``share`` of the posted invoices in full in Sage (one receipt batch), as customers would."""
    from cwsage.config import load_settings
    from cwsage.dates import SystemClock
    from cwsage.sage300.client import Sage300Client
    from cwsage.sandbox.demo import pay_in_full

    env = {**os.environ, **box.env, "CWSAGE_HOME": str(home), "CWSAGE_SECRET_BACKEND": "file"}
    settings = load_settings(env=env)
    with Sage300Client(settings.need_sage()) as sage:
        return pay_in_full(sage, round(1 / share), SystemClock().now().date())


# --------------------------------------------------------------------------------------------------------
# The floor and the table
# --------------------------------------------------------------------------------------------------------


def floor_requests(command: str, documents: int, chunk: int, sage_fixed: int) -> int:
    """The fewest requests the two APIs allow for ``command`` over ``documents`` invoices.

    Manage: the listing in pages of 1,000 (+ its count), one export, and for a run one write-back; a rerun
    finds the batch and re-exports it. Sage: the master-data reads (``sage_fixed``, measured on a one-invoice
    company), plus for a run one POST per batch chunk (ready to post in the same POST); a rerun reads back every
    document Sage still has, a feed page (:data:`SAGE_PAGE`) at a time. A payment sync: one read of the changed
    AR documents per Sage feed page, one listing page per 1,000 invoices in Manage, and one write per paid
    invoice (the payments themselves; see ``record_receipts``); the same sync again writes nothing.
    """
    pages = math.ceil(documents / PAGE)
    sage_pages = math.ceil(documents / SAGE_PAGE)
    if command == "check":
        return pages + 1 + 1 + sage_fixed
    if command == "run":
        return pages + 1 + 1 + 1 + sage_fixed + math.ceil(documents / chunk)
    if command == "rerun":
        return 2 + sage_fixed + sage_pages  # find + re-export; Sage look-ups by feed page
    if command == "sync-again":
        return pages + sage_pages
    paid = int(documents * RECEIPT_SHARE)
    return pages + sage_pages + paid


def main(argv: list[str]) -> None:
    """Parse the options and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", help="company sizes (default 1000 10000)")
    parser.add_argument("--latency-ms", type=int, nargs="*", help="injected latency per request (default 0 20)")
    parser.add_argument("--commands", nargs="*", choices=COMMANDS, help="commands to measure (default all)")
    parser.add_argument("--invalid-share", default="0", help="share of invalid documents (default 0)")
    parser.add_argument("--lines", type=int, default=8, help="lines per invoice (default 8)")
    parser.add_argument("--chunk", type=int, default=500, help="chunk_size setting: documents per Sage batch")
    parser.add_argument("--profile", action="store_true", help="profile the largest run (pyinstrument)")
    parser.add_argument("--smoke", action="store_true", help="N = 1,000, no latency: the CI check")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        serve(args.serve, args.invalid_share, args.lines)
        return
    sizes = [1000] if args.smoke else (args.sizes or [1000, 10000])
    latencies = [0] if args.smoke else (args.latency_ms if args.latency_ms is not None else [0, 20])
    commands = args.commands or list(COMMANDS)
    sage_fixed = fixed_sage_reads(args)
    out = sys.stdout
    out.write(
        f"{'command':<14}{'N':>7}{'lat':>5}{'exit':>5}{'wall s':>9}{'CPU s':>8}{'ms/doc':>8}{'RSS MB':>8}"
        f"{'Manage':>8}{'Sage':>6}{'req/doc':>9}{'floor s':>9}{'ratio':>7}{'sandbox ms/doc':>15}\n"
    )
    for n in sizes:
        for latency in latencies:
            for row in measure(n, latency, commands, args, sage_fixed):
                out.write(row + "\n")
                out.flush()


def fixed_sage_reads(args: argparse.Namespace) -> int:
    """The Sage requests of a ``check`` on a one-invoice company: the master-data reads every run makes."""
    box = start(1, "0", args.lines)
    try:
        home = Path(tempfile.mkdtemp(prefix="cwsage-bench-"))
        write_defaults(home, args.chunk)
        return cwsage(box, home, "check").sage
    finally:
        box.stop()


def write_defaults(home: Path, chunk: int) -> None:
    """The benchmark's run defaults: batches posted by cwsage, ``chunk`` documents per Sage batch."""
    (home / "config.toml").write_text(
        f'[profiles.default.defaults]\nic_default_location = "MAIN"\nauto_post = true\nchunk_size = {chunk}\n',
        encoding="utf-8",
    )


def measure(n: int, latency_ms: int, commands: list[str], args: argparse.Namespace, sage_fixed: int) -> list[str]:
    """Every command once on a fresh company of ``n`` documents with ``latency_ms`` on every request."""
    box = start(n, args.invalid_share, args.lines)
    rows = []
    try:
        home = Path(tempfile.mkdtemp(prefix="cwsage-bench-"))
        write_defaults(home, args.chunk)
        box.latency(latency_ms / 1000)
        largest = args.profile and n == max(args.sizes or [n]) and latency_ms == 0
        wanted = set(commands)
        for command in COMMANDS:
            needed = {
                "run": {"rerun", "sync-payments", "sync-again"},
                "sync-payments": {"sync-again"},
            }.get(command, set())
            if command not in wanted and not needed & wanted:
                continue
            if command == "sync-payments":
                box.latency(0)
                record_receipts(box, home, RECEIPT_SHARE)
                box.latency(latency_ms / 1000)
            sandbox_before = box.cpu()
            profile = HERE / f"profile-run-{n}.txt" if largest and command == "run" else None
            measured = cwsage(box, home, *ARGS[command], profile=profile)
            measured.command = command
            sandbox = box.cpu() - sandbox_before
            if command in commands:
                rows.append(row(measured, n, latency_ms, args.chunk, sage_fixed, sandbox))
    finally:
        box.stop()
    return rows


ARGS: dict[str, tuple[str, ...]] = {
    "check": ("check", "--invoices"),
    "run": ("run", "--batch-number", BATCH, "--invoices", "--skip-invalid"),
    "rerun": ("rerun", BATCH),
    "sync-payments": ("sync-payments", "--since", "2000-01-01"),
    "sync-again": ("sync-payments", "--since", "2000-01-01"),
}


def row(m: Measured, n: int, latency_ms: int, chunk: int, sage_fixed: int, sandbox_cpu: float) -> str:
    """One line of the table."""
    requests = m.manage + m.sage
    floor = floor_requests(m.command, n, chunk, sage_fixed) * latency_ms / 1000
    ratio = m.wall / (floor + m.cpu) if floor + m.cpu else 0.0
    return (
        f"{m.command:<14}{n:>7}{latency_ms:>5}{m.exit_code:>5}{m.wall:>9.1f}{m.cpu:>8.1f}{1000 * m.cpu / n:>8.2f}"
        f"{m.rss_mb:>8.0f}{m.manage:>8}{m.sage:>6}{requests / n:>9.4f}{floor:>9.1f}{ratio:>7.2f}"
        f"{1000 * sandbox_cpu / n:>15.2f}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
