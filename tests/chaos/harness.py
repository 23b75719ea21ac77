"""The hostile tests of exactly-once (issue 13), shared by ``tests/chaos/`` and ``benchmarks/chaos_matrix.py``.

Why a module of its own: the same trials run as a small bounded slice in every test run (pytest marker
``chaos``) and as the full matrix in the benchmark script, which prints one table. A trial drives a real
``cwsage`` subprocess against both emulators (served in this process, so the trial can add fault rules and
read the emulators' stores directly), hurts it (SIGKILL, a fault, a malformed record, a second writer…),
runs the same command again until it converges, and then judges the end state by what the emulators hold,
never by what cwsage says about itself:

* **duplicated** — an expected document in Sage more than once, or its GL entries in more than one Manage batch;
* **lost** — an expected (valid) document neither in Sage nor marked after convergence;
* **marked-but-not-in-Sage** — its GL entries are batched in Manage, the document is not in Sage;
* **in-Sage-but-not-marked** — in Sage (or an unexpected document in Sage), its GL entries not batched.

"Expected" comes from a reference: the same command run once, uninterrupted, on fresh emulators (their
seeds are deterministic), and the reference home's state database, which pairs each document number with
the Manage GL entry ids it was made from.
"""

from __future__ import annotations

import base64
import json
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from cwsage.sandbox.faults import Fault
from cwsage.sandbox.runner import Sandbox, start_sandbox
from cwsage.sandbox.sage300.app import record_receipt

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # the benchmark script imports this module from outside pytest
    sys.path.insert(0, str(TESTS))

from e2e.conftest import cli_env, run_cli, write_defaults  # noqa: E402
from e2e.test_run import sage_documents  # noqa: E402

TRACEBACK = "Traceback (most recent call last)"
SAGE_API = r"/Sage\w*WebApi/v1\.0/-/\w+/"
MANAGE_API = "/v4_6_release/apis/3.0/"

DocKey = tuple[str, str, str]  # ledger, party (AP only), document number


# ------------------------------------------------------------------------------------------------------
# Counting
# ------------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts of one family of trials: the columns of the matrix table."""

    family: str
    trials: int = 0
    exact: int = 0
    duplicated: int = 0
    lost: int = 0
    marked_not_in_sage: int = 0
    in_sage_not_marked: int = 0
    tracebacks: int = 0
    seconds: float = 0.0
    notes: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def add(self, verdict: Verdict) -> None:
        """Count one trial's verdict."""
        self.trials += 1
        self.exact += int(verdict.exact)
        self.duplicated += verdict.duplicated
        self.lost += verdict.lost
        self.marked_not_in_sage += verdict.marked_not_in_sage
        self.in_sage_not_marked += verdict.in_sage_not_marked
        self.tracebacks += verdict.tracebacks
        self.notes.update(verdict.notes)
        if not verdict.exact:
            self.failures.append(verdict.describe())


@dataclass
class Verdict:
    """One trial's end state compared with the reference."""

    label: str
    duplicated: int = 0
    lost: int = 0
    marked_not_in_sage: int = 0
    in_sage_not_marked: int = 0
    tracebacks: int = 0
    problems: list[str] = field(default_factory=list)
    notes: Counter[str] = field(default_factory=Counter)
    runs: list[CliRun] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        """Every expected document once in Sage and marked once in Manage, nothing else wrong."""
        counts = (self.duplicated, self.lost, self.marked_not_in_sage, self.in_sage_not_marked, self.tracebacks)
        return not any(counts) and not self.problems

    def describe(self) -> str:
        """One line for a failure list."""
        counts = (
            f"dup={self.duplicated} lost={self.lost} marked-not-in-sage={self.marked_not_in_sage} "
            f"in-sage-not-marked={self.in_sage_not_marked} tracebacks={self.tracebacks}"
        )
        return f"{self.label}: {counts}; " + "; ".join(self.problems)


@dataclass(frozen=True)
class Baseline:
    """What the emulators held before a trial (the demo's own documents and batches)."""

    sage: Counter[DocKey]
    batches: frozenset[str]


def sage_keys(box: Sandbox) -> Counter[DocKey]:
    """Every document in Sage by ledger, party (AP) and number; a duplicate counts twice."""
    return Counter((d[0], d[1] if d[0] == "AP" else "", d[2]) for d in sage_documents(box))


def baseline(box: Sandbox) -> Baseline:
    """Snapshot the emulators before a trial."""
    return Baseline(sage_keys(box), frozenset(b["batchIdentifier"] for b in box.manage.store.batches))


def marked_entries(box: Sandbox, before: Baseline) -> Counter[int]:
    """How many Manage batches (made since ``before``) hold each GL entry id."""
    marked: Counter[int] = Counter()
    for batch in box.manage.store.batches:
        if batch["batchIdentifier"] not in before.batches:
            marked.update(int(i) for i in batch["entryIds"])
    return marked


@dataclass(frozen=True)
class Reference:
    """The documents one uninterrupted run puts in Sage, each with the Manage GL entry ids it marks."""

    command: tuple[str, ...]
    exit_code: int
    counts: dict[str, Any]
    documents: dict[DocKey, frozenset[int]]
    seconds: float


def _documents_of(home: Path) -> dict[str, frozenset[int]]:
    """Document number -> GL entry ids, from a home's SQLite state database."""
    with sqlite3.connect(home / "state.db") as db:
        rows = db.execute("SELECT document_number, gl_entry_ids FROM documents").fetchall()
    found: dict[str, frozenset[int]] = {}
    for number, ids in rows:
        found[str(number)] = frozenset(int(i) for i in json.loads(ids) if str(i).lstrip("-").isdigit())
    return found


def verdict(
    box: Sandbox, reference: Reference, before: Baseline, label: str, outputs: Sequence[CliRun] = ()
) -> Verdict:
    """Compare the emulators' state after a trial with the reference."""
    result = Verdict(label)
    sage = sage_keys(box) - before.sage
    marked = marked_entries(box, before)
    for key, ids in reference.documents.items():
        copies = sage[key]
        is_marked = bool(ids) and all(marked[i] >= 1 for i in ids)
        if copies > 1 or any(marked[i] > 1 for i in ids):
            result.duplicated += 1
            result.problems.append(f"{key} {copies}x in Sage")
        if copies == 0 and not is_marked:
            result.lost += 1
            result.problems.append(f"{key} lost")
        elif copies == 0:
            result.marked_not_in_sage += 1
            result.problems.append(f"{key} marked but not in Sage")
        elif not is_marked:
            result.in_sage_not_marked += 1
            result.problems.append(f"{key} in Sage but not marked")
    for key in sage:
        if key not in reference.documents:
            result.in_sage_not_marked += 1
            result.problems.append(f"{key} in Sage, not expected")
    expected_ids = set().union(*reference.documents.values()) if reference.documents else set()
    stray = set(marked) - expected_ids
    if stray:
        result.problems.append(f"{len(stray)} GL entries marked that the reference does not mark")
        result.marked_not_in_sage += len(stray)
    result.tracebacks = sum(run.tracebacks for run in outputs)
    result.runs = list(outputs)
    return result


# ------------------------------------------------------------------------------------------------------
# Running cwsage
# ------------------------------------------------------------------------------------------------------


@dataclass
class CliRun:
    """One finished ``cwsage`` subprocess."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def tracebacks(self) -> int:
        """1 when the output shows a Python traceback (the user must never see one)."""
        return int(TRACEBACK in self.stdout or TRACEBACK in self.stderr)

    @property
    def text(self) -> str:
        """stdout and stderr together."""
        return self.stdout + self.stderr


def run(box: Sandbox, home: Path, args: Sequence[str], env: dict[str, str] | None = None) -> CliRun:
    """Run ``cwsage ARGS`` to completion."""
    done = run_cli(box, home, *args, extra_env=env)
    return CliRun(tuple(args), done.returncode, done.stdout, done.stderr)


def start(box: Sandbox, home: Path, args: Sequence[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``cwsage ARGS`` without waiting (to kill it, or to race it against another)."""
    return subprocess.Popen(
        [sys.executable, "-m", "cwsage", *args],
        env=cli_env(box, home, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], args: Sequence[str], timeout: float = 240) -> CliRun:
    """Wait for a started process."""
    stdout, stderr = process.communicate(timeout=timeout)
    return CliRun(tuple(args), process.returncode, stdout, stderr)


def new_home(root: Path, name: str, **defaults: object) -> Path:
    """A fresh cwsage home under ``root`` with ``config.toml`` defaults."""
    home = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=root))
    write_defaults(home, **defaults)
    return home


@contextmanager
def emulators(*, expenses_as_gl: bool = True) -> Iterator[Sandbox]:
    """Both emulators for a family of trials (expenses go to Sage as GL journal entries by default)."""
    with start_sandbox(transfer_expenses_as_bill=not expenses_as_gl) as box:
        yield box


def reset(box: Sandbox) -> None:
    """Back to the demo company in both emulators, fault rules cleared."""
    box.manage.reset()
    box.sage.reset()


def make_reference(box: Sandbox, root: Path, command: Sequence[str], **defaults: object) -> Reference:
    """Run ``command`` once on freshly reset emulators; remember what it put in Sage and marked in Manage."""
    reset(box)
    before = baseline(box)
    home = new_home(root, "reference", **defaults)
    began = time.monotonic()
    done = run(box, home, command)
    seconds = time.monotonic() - began
    if done.returncode not in (0, 3) or done.tracebacks:
        raise AssertionError(f"the reference run failed ({done.returncode}): {done.text[-2000:]}")
    numbers = _documents_of(home)
    added = sage_keys(box) - before.sage
    documents: dict[DocKey, frozenset[int]] = {}
    for key in added:
        if key[2] not in numbers:
            raise AssertionError(f"the reference state database does not know Sage document {key}")
        documents[key] = numbers[key[2]]
    counts = json.loads(done.stdout)["counts"] if "--json" in command else {}
    reset(box)
    return Reference(tuple(command), done.returncode, counts, documents, seconds)


def converge(
    box: Sandbox, home: Path, reference: Reference, runs: list[CliRun], *, attempts: int = 3, label: str = ""
) -> Verdict:
    """Run the reference command again until it finishes as the reference did; judge the end state.

    A run that already finished (the last of ``runs`` ended with the reference's exit code) is not repeated.
    """
    problems: list[str] = []
    for _ in range(attempts):
        if runs and runs[-1].returncode == reference.exit_code:
            break
        runs.append(run(box, home, reference.command))
    else:
        if runs[-1].returncode != reference.exit_code:
            problems.append(f"did not converge: last exit {runs[-1].returncode}: {runs[-1].text[-400:]!r}")
    result = verdict(box, reference, before_trial(box), label, runs)
    result.problems.extend(problems)
    return result


_BEFORE: dict[int, Baseline] = {}


def before_trial(box: Sandbox) -> Baseline:
    """The baseline recorded by :func:`fresh_trial` for this sandbox."""
    return _BEFORE[id(box)]


def fresh_trial(box: Sandbox) -> Baseline:
    """Reset the emulators for a new trial and record the baseline."""
    reset(box)
    _BEFORE[id(box)] = baseline(box)
    return _BEFORE[id(box)]


# ------------------------------------------------------------------------------------------------------
# Family 1: SIGKILL at random instants and mid-posting of GL and IC documents
# ------------------------------------------------------------------------------------------------------

KILL_COMMAND = ("run", "--batch-number", "20261126QA-K", "--skip-invalid", "--json")
KILL_DEFAULTS: dict[str, object] = {"chunk_size": 10}
"""Every kind in one run, expenses as GL journal entries, 10 documents a Sage batch (4 GL batches, 7 IC posts)."""

GL_CREATE = SAGE_API + r"GL/GLJournalBatches$"
IC_CREATES = {"adjustment": SAGE_API + r"IC/ICAdjustments$", "transfer": SAGE_API + r"IC/ICTransfers$"}
KILL_MODES = ("random", "in-flight, Sage commits", "in-flight, Sage never commits", "just after Sage answered")


@dataclass(frozen=True)
class KillPlan:
    """Where one kill trial aims."""

    mode: str
    target: str = ""  # "GL" or "IC adjustment"/"IC transfer" for the mid-posting modes
    nth: int = 1  # which create call of that target
    offset: float = 0.0  # seconds after the aimed instant (random part)

    @property
    def mid_posting(self) -> bool:
        """Whether the kill is aimed into the posting of a GL or IC document."""
        return self.mode != "random"

    def label(self) -> str:
        """Readable name of the plan."""
        if not self.mid_posting:
            return f"kill at {self.offset:.2f}s"
        return f"kill {self.mode} ({self.target} create #{self.nth}, +{self.offset:.2f}s)"


def kill_plans(count: int, rng: random.Random, *, mid_posting_share: float = 0.5) -> list[KillPlan]:
    """``count`` kill plans: about ``mid_posting_share`` aimed at GL/IC posting, the rest at random instants."""
    plans: list[KillPlan] = []
    aimed = max(1, round(count * mid_posting_share)) if count > 1 else 0
    modes = KILL_MODES[1:]
    for n in range(aimed):
        mode = modes[n % len(modes)]
        target = ("GL", "IC adjustment", "IC transfer")[(n // len(modes)) % 3]
        nth = rng.randint(1, 4 if target == "GL" else 3)
        offset = rng.uniform(0.0, 0.04) if mode == "just after Sage answered" else rng.uniform(0.05, 0.9)
        plans.append(KillPlan(mode, target, nth, offset))
    plans.extend(KillPlan("random", offset=rng.uniform(0.0, 1.0)) for _ in range(count - aimed))
    return plans


HANG_SECONDS = 1.0
ANSWER_DELAY = 0.4


def _aim(box: Sandbox, plan: KillPlan) -> Fault:
    """Fault rules that make the aimed create call slow; returns the rule whose firing starts the clock."""
    path = GL_CREATE if plan.target == "GL" else IC_CREATES[plan.target.split()[-1]]
    if plan.nth > 1:  # let the first nth-1 creates through untouched
        box.sage.faults.add(Fault(kind="latency", method="POST", path=path, delay_seconds=0.0, times=plan.nth - 1))
    if plan.mode == "just after Sage answered":
        return box.sage.faults.add(Fault(kind="latency", method="POST", path=path, delay_seconds=ANSWER_DELAY))
    commits = plan.mode == "in-flight, Sage commits"
    return box.sage.faults.add(Fault(kind="hang", method="POST", path=path, delay_seconds=HANG_SECONDS, apply=commits))


def kill_trial(box: Sandbox, root: Path, reference: Reference, plan: KillPlan) -> Verdict:
    """SIGKILL ``cwsage run`` as planned, run the same command again, judge the end state."""
    fresh_trial(box)
    home = new_home(root, "kill", **KILL_DEFAULTS)
    notes: Counter[str] = Counter()
    aimed = _aim(box, plan) if plan.mid_posting else None
    process = start(box, home, reference.command)
    deadline = time.monotonic() + 120
    if aimed is None:
        # Random instant within the reference run's duration (Python start-up included).
        time.sleep(plan.offset * reference.seconds)
    else:
        while aimed.fired == 0 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        fired_at = time.monotonic()
        wait = plan.offset + (ANSWER_DELAY if plan.mode == "just after Sage answered" else 0.0)
        time.sleep(max(0.0, fired_at + wait - time.monotonic()))
    alive = process.poll() is None
    if alive:
        process.send_signal(signal.SIGKILL)
    killed = finish(process, reference.command)
    if aimed is not None:
        if aimed.fired and alive:
            notes["kills mid-posting GL/IC"] += 1
        # A hang that commits applies its change after the delay: let it land before the rerun looks.
        time.sleep(HANG_SECONDS + 0.2 if plan.mode == "in-flight, Sage commits" else 0.0)
    box.sage.faults.clear()
    notes["killed" if killed.returncode == -signal.SIGKILL else "finished before the kill"] += 1
    result = converge(box, home, reference, [killed], label=plan.label())
    if killed.returncode not in (-signal.SIGKILL, reference.exit_code):
        result.problems.append(f"the killed run ended {killed.returncode}: {killed.text[-400:]!r}")
    if any(USED in r.text for r in result_runs(result)):
        result.notes["finding 5: the rerun answered 'already used' instead of the finished result"] += 1
    result.notes.update(notes)
    return result


def _finished_in_state(home: Path) -> bool:
    """Whether the home's state database records a run as ended (not ``running``)."""
    try:
        with sqlite3.connect(f"file:{home / 'state.db'}?mode=ro", uri=True, timeout=0.1) as db:
            return bool(db.execute("SELECT 1 FROM runs WHERE kind = 'run' AND status != 'running'").fetchone())
    except sqlite3.Error:
        return False


def kill_after_finish(box: Sandbox, root: Path, reference: Reference) -> Verdict:
    """SIGKILL the moment the state database records the run as ended, before the process exits (finding 5):
    the same command must answer as the finished run did, with every document exact."""
    fresh_trial(box)
    home = new_home(root, "kill-late", **KILL_DEFAULTS)
    process = start(box, home, reference.command)
    deadline = time.monotonic() + 120
    while not _finished_in_state(home) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    killed = finish(process, reference.command)
    result = converge(box, home, reference, [killed], attempts=1, label="kill after the run recorded itself finished")
    if killed.returncode == -signal.SIGKILL:
        # The same command once more: it must answer as the finished run did.
        again = run(box, home, reference.command)
        result.runs.append(again)
        if again.returncode != reference.exit_code:
            result.problems.append(f"the same command answered {again.returncode}: {again.text[-300:]!r}")
    else:
        result.problems.append(f"the run exited before the kill (exit {killed.returncode}): inconclusive")
    return result


def result_runs(result: Verdict) -> list[CliRun]:
    """The runs a verdict was judged on (kept by :func:`converge`)."""
    return list(result.runs)


# ------------------------------------------------------------------------------------------------------
# The table
# ------------------------------------------------------------------------------------------------------

COLUMNS = (
    ("family", "family"),
    ("trials", "trials"),
    ("exact end states", "exact"),
    ("duplicated", "duplicated"),
    ("lost", "lost"),
    ("marked-not-in-Sage", "marked_not_in_sage"),
    ("in-Sage-not-marked", "in_sage_not_marked"),
    ("tracebacks", "tracebacks"),
)


def table(tallies: Sequence[Tally]) -> str:
    """The matrix as one Markdown table, then each family's notes (e.g. how many kills landed mid-posting)."""
    rows = [[str(getattr(t, attr)) for _, attr in COLUMNS] for t in tallies]
    heads = [head for head, _ in COLUMNS]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(heads)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    for t in tallies:
        notes = [f"{k} {v}" for k, v in sorted(t.notes.items())]
        lines.append(f"{t.family}: " + ", ".join([*notes, f"{t.seconds:.0f} s"]))
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------------
# Family 2: every fault kind of the emulators on every kind of call of both systems
# ------------------------------------------------------------------------------------------------------

TIMEOUT_SECONDS = 2.0
HANG_PAST_TIMEOUT = 3.0
FAULT_ENV = {"CWSAGE_MANAGE_TIMEOUT": str(TIMEOUT_SECONDS), "CWSAGE_SAGE_TIMEOUT": str(TIMEOUT_SECONDS)}
"""Short client timeouts, so that a hang past the timeout costs seconds, not minutes."""

FAULT_INCLUDE = "10101,10102,10103,10104,10105,10106,3301,3302,3303,3304,3305,3306," + ",".join(
    str(i) for i in range(901, 916)
)
FAULT_COMMAND = ("run", "--batch-number", "20261126QA-F", "--skip-invalid", "--json", "--include", FAULT_INCLUDE)
FAULT_DEFAULTS: dict[str, object] = {"chunk_size": 3, "auto_post": True}
"""Six invoices, six expenses (GL), every procurement record; three documents a Sage batch, batches posted."""

PAY_INVOICES = ("10101", "10102", "10104", "10105", "10106")
PAY_SETUP = ("run", "--batch-number", "20261126QA-P", "--invoices", "--include", ",".join(PAY_INVOICES))
PAY_COMMAND = ("sync-payments", "--since", "2026-01-01")


@dataclass(frozen=True)
class CallKind:
    """One kind of call cwsage makes: which emulator, which method, which paths, which command makes it."""

    system: str
    name: str
    method: str
    path: str
    scenario: str = "run"  # "run" (FAULT_COMMAND) or "payments" (PAY_COMMAND)


CALL_KINDS = (
    CallKind("Manage", "company info", "GET", r"/login/companyinfo/"),
    CallKind("Manage", "list unposted records", "GET", MANAGE_API + r"finance/accounting/unposted\w+$"),
    CallKind("Manage", "export (GL entries)", "POST", MANAGE_API + r"finance/accounting/export$"),
    CallKind("Manage", "batch look-up", "GET", MANAGE_API + r"finance/accounting/batches$"),
    CallKind("Manage", "create batch (write-back)", "POST", MANAGE_API + r"finance/accounting/batches$"),
    CallKind("Manage", "invoice look-up", "GET", MANAGE_API + r"finance/invoices$", "payments"),
    CallKind("Manage", "read payments", "GET", MANAGE_API + r"finance/invoices/\d+/payments$", "payments"),
    CallKind("Manage", "write payment", "POST", MANAGE_API + r"finance/invoices/\d+/payments$", "payments"),
    CallKind(
        "Sage", "GET master data", "GET", SAGE_API + r"(AR/ARCustomers|AP/APVendors|GL/GLAccounts|IC/ICItems|CS/\w+)$"
    ),
    CallKind(
        "Sage",
        "look-up of documents",
        "GET",
        SAGE_API + r"(AR/ARPostedDocuments|AR/ARInvoiceBatches|GL/GLJournalBatches|IC/ICAdjustments|IC/ICTransfers)$",
    ),
    CallKind("Sage", "POST create AP batch", "POST", SAGE_API + r"AP/APInvoiceBatches$"),
    CallKind("Sage", "POST create GL batch", "POST", GL_CREATE),
    CallKind("Sage", "POST create IC document", "POST", SAGE_API + r"IC/IC(Adjustments|Transfers)$"),
    CallKind("Sage", "POST post batch", "POST", SAGE_API + r"\w\w/\w\wPost\w+"),
    CallKind("Sage", "read receipts (payments)", "GET", SAGE_API + r"AR/ARPostedDocuments$", "payments"),
)


@dataclass(frozen=True)
class FaultKind:
    """One kind of fault, as the emulators' fault API takes it."""

    name: str
    kind: str
    status: int = 503
    retry_after: int | None = None
    delay: float = 0.0
    times: int = 1
    apply: bool = False

    def rule(self, call: CallKind) -> Fault:
        """The fault rule for ``call``."""
        return Fault(
            kind=self.kind,  # type: ignore[arg-type]
            method=call.method,
            path=call.path,
            status=self.status,
            retry_after=self.retry_after,
            delay_seconds=self.delay,
            times=self.times,
            apply=self.apply,
        )


FAULT_KINDS = (
    FaultKind("latency 0.5 s", "latency", delay=0.5),
    FaultKind("429 + Retry-After", "status", status=429, retry_after=1),
    FaultKind("500 once", "status", status=500),
    FaultKind("503 until restored", "status", status=503, times=10_000),
    FaultKind("hang past timeout", "hang", delay=HANG_PAST_TIMEOUT),
    FaultKind("hang past timeout, then commit", "hang", delay=HANG_PAST_TIMEOUT, apply=True),
    FaultKind("apply, then drop", "drop"),
)


def prepare_payments(box: Sandbox, home: Path, env: dict[str, str] | None = None) -> CliRun:
    """Post :data:`PAY_INVOICES` to Sage (auto-posted) and record receipts: one in full, one partly, one twice."""
    done = run(box, home, PAY_SETUP, env)
    if done.returncode != 0:
        raise AssertionError(f"setting up payments failed: {done.text[-1000:]}")
    totals = {
        doc["DocumentNumber"]: (doc["CustomerNumber"], Decimal(doc["CustomerCurrencyInvoiceAmount"]))
        for doc in box.sage.store.rows("AR/ARPostedDocuments")
        if doc["DocumentNumber"] in PAY_INVOICES
    }
    plan = [("10101", Decimal(1)), ("10102", Decimal("0.5")), ("10104", Decimal("0.25")), ("10104", Decimal("0.25"))]
    for n, (number, share) in enumerate(plan):
        customer, total = totals[number]
        amount = (total * share).quantize(Decimal("0.01"))
        body: dict[str, Any] = {"customer": customer, "date": "2026-11-20", "reference": f"CHK{n}", "amount": amount}
        body["applications"] = [{"document": number, "amount": amount}]

        def cashier(_store: object, body: dict[str, Any] = body) -> object:
            return record_receipt(box.sage, body)

        box.sage.store.write(cashier)
    return done


def payments_state(box: Sandbox) -> dict[int, list[tuple[str, str]]]:
    """Manage's payments per invoice id: (amount, date) sorted."""
    return {
        invoice: sorted((str(p.get("amount")), str(p.get("paymentDate", ""))) for p in payments)
        for invoice, payments in box.manage.store.payments_by_invoice.items()
        if payments
    }


@dataclass(frozen=True)
class PaymentsReference:
    """What one uninterrupted ``sync-payments`` leaves in Manage."""

    exit_code: int
    payments: dict[int, list[tuple[str, str]]]


def make_payments_reference(box: Sandbox, root: Path) -> PaymentsReference:
    """Set up the payments, sync once undisturbed, remember Manage's payments."""
    fresh_trial(box)
    home = new_home(root, "pay-reference", **FAULT_DEFAULTS)
    prepare_payments(box, home)
    before = payments_state(box)
    done = run(box, home, PAY_COMMAND)
    after = payments_state(box)
    if done.returncode not in (0, 3) or after == before:
        raise AssertionError(f"the reference payment sync wrote nothing ({done.returncode}): {done.text[-1000:]}")
    reset(box)
    return PaymentsReference(done.returncode, after)


def payments_verdict(box: Sandbox, reference: PaymentsReference, label: str, runs: Sequence[CliRun]) -> Verdict:
    """Each payment of the reference once in Manage: more is duplicated, fewer is lost."""
    result = Verdict(label)
    state = payments_state(box)
    for invoice in set(state) | set(reference.payments):
        have, want = Counter(state.get(invoice, [])), Counter(reference.payments.get(invoice, []))
        extra, missing = sum((have - want).values()), sum((want - have).values())
        result.duplicated += extra
        result.lost += missing
        if extra or missing:
            result.problems.append(f"invoice {invoice}: {sorted(have.elements())} != {sorted(want.elements())}")
    result.tracebacks = sum(r.tracebacks for r in runs)
    return result


def clear_outcome(done: CliRun) -> str | None:
    """Why a finished command's outcome is not clear (a traceback, or a failure without a message), else None."""
    if done.tracebacks:
        return f"traceback: {done.text[-600:]!r}"
    if done.returncode < 0:
        return f"killed by signal {-done.returncode}"
    if done.returncode not in (0, 3) and len(done.text.strip()) < 20:
        return f"exit {done.returncode} without a message: {done.text!r}"
    return None


def fault_case(
    box: Sandbox,
    root: Path,
    call: CallKind,
    fault: FaultKind,
    reference: Reference | None = None,
    payments: PaymentsReference | None = None,
) -> Verdict:
    """One fault on one call kind: the command ends clearly, then the same command converges to exactly-once."""
    label = f"{fault.name} on {call.system} {call.name}"
    fresh_trial(box)
    home = new_home(root, "fault", **FAULT_DEFAULTS)
    if call.scenario == "payments":
        prepare_payments(box, home)
    injector = box.manage.faults if call.system == "Manage" else box.sage.faults
    rule = injector.add(fault.rule(call))
    command = PAY_COMMAND if call.scenario == "payments" else FAULT_COMMAND
    began = time.monotonic()
    first = run(box, home, command, FAULT_ENV)
    if rule.fired and fault.kind == "hang":  # a hang that commits lands after the client gave up
        time.sleep(max(0.0, began + fault.delay + 0.3 - time.monotonic()))
    injector.clear()
    problems: list[str] = []
    if not rule.fired:
        problems.append("the fault never fired: the call kind was not made")
    if (why := clear_outcome(first)) is not None:
        problems.append(f"first run: {why}")
    notes: Counter[str] = Counter()
    notes["finished despite the fault" if first.returncode in (0, 3) else "stopped clearly, then converged"] += 1
    runs = [first]
    if call.scenario == "payments":
        assert payments is not None
        # A sync always runs again later (it writes only what is missing), so one more converges by design.
        runs.append(run(box, home, command))
        if (why := clear_outcome(runs[-1])) is not None:
            problems.append(f"second sync: {why}")
        result = payments_verdict(box, payments, label, runs)
    else:
        assert reference is not None
        result = converge(box, home, reference, runs, label=label)
    result.problems.extend(problems)
    result.notes.update(notes)
    return result


def fault_cases(
    calls: Sequence[CallKind] = CALL_KINDS, faults: Sequence[FaultKind] = FAULT_KINDS
) -> list[tuple[CallKind, FaultKind]]:
    """Every fault kind on every call kind."""
    return [(call, fault) for call in calls for fault in faults]


# ------------------------------------------------------------------------------------------------------
# Family 3: malformed Manage records (the generator of tests/unit/test_export_parsing.py)
# ------------------------------------------------------------------------------------------------------

MARK = "\u0001CHAOS\u0001"


def malformed_parsing(examples: int, seed: int) -> Tally:
    """``examples`` generated malformed records, each one field of one record of every kind of the GL export.

    Runs the checks of ``test_one_bad_record_never_stops_the_others`` on each: nothing raises, the bad record
    becomes an unreadable record naming field and value (or stays readable), every other record reads as
    before. An assertion failing counts as "lost" (another record or the bad one's report went missing), any
    other exception as a traceback.
    """
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as fix_seed

    from unit import test_export_parsing as parsing

    tally = Tally("malformed records (parse, every kind)")
    check = parsing.test_one_bad_record_never_stops_the_others.hypothesis.inner_test  # type: ignore[attr-defined]

    @fix_seed(seed)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(parsing.corruptions())
    def trial(case: tuple[str, int, tuple[Any, ...], str]) -> None:
        kind, index, path, fragment = case
        label = f"{kind}[{index}].{parsing._format(path)} = {fragment[:20]}"
        result = Verdict(label)
        try:
            check(case)
        except AssertionError as exc:
            result.lost += 1
            result.problems.append(str(exc)[:200])
        except Exception as exc:
            result.tracebacks += 1
            result.problems.append(f"{type(exc).__name__}: {exc}"[:200])
        result.notes[f"kind {kind}"] += 1
        tally.add(result)

    trial()
    return tally


def _put(record: Any, path: tuple[Any, ...], value: Any) -> Any:
    """Set the value at ``path`` inside ``record`` (in place); returns the record, or ``value`` for ``()``."""
    if not path:
        return value
    parent = record
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return record


@contextmanager
def corrupt_invoice_on_the_wire(box: Sandbox, number: str, draw: float, fragment: str) -> Iterator[dict[str, Any]]:
    """Make the Manage emulator's export answers carry invoice ``number`` with one of its fields (the one at
    ``draw`` in [0, 1) of its list of fields at every depth, the record itself included) replaced by the JSON
    text ``fragment``, as Manage could send it (``NaN``, a 5,000-digit number, a string…). Yields a dict that
    gets the chosen ``path``."""
    from starlette.responses import Response

    from cwsage.sandbox.manage import app as manage_app
    from cwsage.sandbox.manage import glexport, jsoncodec
    from unit import test_export_parsing as parsing

    store = box.manage.store
    real_sections = store.export_sections
    real_stream = manage_app._stream
    chosen: dict[str, Any] = {}

    def export_sections(body: Any) -> list[tuple[str, Any]]:
        data = glexport.materialize(real_sections(body))
        rows = data["transactions"]
        for i, row in enumerate(rows):
            if str(row.get("documentNumber")) == number:
                paths = [(), *parsing._paths(row)]
                chosen["path"] = paths[int(draw * len(paths))]
                rows[i] = _put(json.loads(jsoncodec.dumps(row)), chosen["path"], MARK)
        return list(data.items())

    def stream(status: int, sections: list[tuple[str, Any]]) -> Response:
        body = jsoncodec.dumps(glexport.materialize(sections)).replace(json.dumps(MARK), fragment)
        return Response(body, status_code=status, media_type="application/json; charset=utf-8")

    store.export_sections = export_sections  # type: ignore[method-assign]
    manage_app._stream = stream
    try:
        yield chosen
    finally:
        del store.export_sections
        manage_app._stream = real_stream


MALFORMED_COMMAND = ("run", "--batch-number", "20261126QA-M", "--invoices", "--skip-invalid", "--json")


def malformed_run_trial(
    box: Sandbox, root: Path, reference: Reference, rng: random.Random, fragments: Sequence[str]
) -> Verdict:
    """One invoice of the export corrupted at a random field with a random bad value; ``cwsage run
    --skip-invalid`` must finish without a traceback, post every other document exactly once, and either post
    the bad invoice once (the value was still readable) or leave it out of Sage and unmarked, named in a problem.
    """
    from unit import test_export_parsing as parsing

    fresh_trial(box)
    key = rng.choice(sorted(key for key in reference.documents if key[0] == "AR"))
    fragment = rng.choice(list(fragments))
    home = new_home(root, "malformed", **KILL_DEFAULTS)
    with corrupt_invoice_on_the_wire(box, key[2], rng.random(), fragment) as chosen:
        done = run(box, home, reference.command)
    path = chosen.get("path", ())
    label = f"invoice {key[2]} {parsing._format(path) or '(the record)'} = {fragment[:20]}"
    expected = dict(reference.documents)
    left_out = key not in sage_keys(box)
    if left_out:
        del expected[key]
    result = verdict(box, replace_documents(reference, expected), before_trial(box), label, [done])
    if "path" not in chosen:
        result.problems.append("the invoice was not in the export")
    if done.returncode not in (0, 3):
        result.problems.append(f"exit {done.returncode}: {done.text[-400:]!r}")
    if left_out:
        issues = json.loads(done.stdout).get("issues", []) if done.stdout.startswith("{") else []
        if not any(i.get("document_key") == f"AR:{key[2]}" and i.get("field") for i in issues):
            result.problems.append("the invoice left out is not named in a problem with its field")
        result.notes["bad invoice left out, named"] += 1
    else:
        result.notes["bad value still readable, invoice posted once"] += 1
    return result


def replace_documents(reference: Reference, documents: dict[DocKey, frozenset[int]]) -> Reference:
    """The reference with another set of expected documents."""
    return Reference(reference.command, reference.exit_code, reference.counts, documents, reference.seconds)


# ------------------------------------------------------------------------------------------------------
# Family 4: two writing commands started at the same time, on SQLite and on PostgreSQL
# ------------------------------------------------------------------------------------------------------

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_CONNINFO = "host=127.0.0.1 port=5432 dbname=test user=postgres"
WRITERS: dict[str, tuple[str, ...]] = {
    "run": (
        "run",
        "--batch-number",
        "20261126QA-C",
        "--invoices",
        "--skip-invalid",
        "--include",
        "10111,10113,10114,10115,10116",
    ),
    "rerun": ("rerun", "20261126QA-R"),
    "sync-payments": PAY_COMMAND,
}
RERUN_INVOICES = ("10117", "10118", "10119", "10120")
WRITER_PAIRS = [(a, b) for i, a in enumerate(WRITERS) for b in list(WRITERS)[i:]]
"""Every pair of writing commands, a command with itself included (the double start)."""
PAYMENT_WRITE = MANAGE_API + r"finance/invoices/\d+/payments$"
REFUSAL = "Another cwsage command is writing to these companies"
USED = "is already used"
"""The answer to ``run`` with a Batch Number that an earlier run (here: the other writer) used: a clear outcome."""


def postgres_unreachable() -> str | None:
    """Why the PostgreSQL server of the tests cannot be used, or None."""
    try:
        import psycopg

        with psycopg.connect(PG_CONNINFO, connect_timeout=3):
            return None
    except Exception as exc:
        return f"PostgreSQL at 127.0.0.1:5432/test is unreachable: {type(exc).__name__}: {exc}"


@contextmanager
def state_database(store: str) -> Iterator[dict[str, str]]:
    """The environment giving cwsage a fresh state database: the home's SQLite file, or a fresh PostgreSQL schema
    (dropped afterwards)."""
    if store == "sqlite":
        yield {}
        return
    import uuid

    import psycopg

    schema = f"cwsage_chaos_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield {"CWSAGE_DATABASE_URL": f"{PG_URL}?options=-csearch_path%3D{schema}"}
    finally:
        with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def prepare_writers(box: Sandbox, home: Path, env: dict[str, str]) -> None:
    """What every writer needs: invoices posted and paid in Sage (sync-payments), and a Manage batch whose
    invoices are not in Sage (rerun)."""
    prepare_payments(box, home, env)
    seed = box.manage.store.export_seed()["invoices"]
    ids = [int(i) for r in seed if str(r["invoiceNumber"]) in RERUN_INVOICES for i in r["glEntryIds"]]
    box.manage.store.create_batch(
        {"batchIdentifier": WRITERS["rerun"][1], "exportInvoicesFlag": True, "processedRecordIds": ids}
    )


@dataclass(frozen=True)
class EndState:
    """Everything the writers can change: Sage's documents, Manage's marks and payments."""

    sage: Counter[DocKey]
    marked: Counter[int]
    payments: dict[int, list[tuple[str, str]]]


def end_state(box: Sandbox) -> EndState:
    """The emulators' state since :func:`fresh_trial`."""
    before = before_trial(box)
    return EndState(sage_keys(box) - before.sage, marked_entries(box, before), payments_state(box))


def compare(label: str, want: EndState, have: EndState, runs: Sequence[CliRun]) -> Verdict:
    """Count how ``have`` differs from ``want`` in the table's columns."""
    result = Verdict(label)
    extra, missing = have.sage - want.sage, want.sage - have.sage
    doubled_marks = [i for i, n in have.marked.items() if n > 1]
    pay_extra = pay_missing = 0
    for invoice in set(have.payments) | set(want.payments):
        got, expected = Counter(have.payments.get(invoice, [])), Counter(want.payments.get(invoice, []))
        pay_extra += sum((got - expected).values())
        pay_missing += sum((expected - got).values())
    result.duplicated = sum(extra.values()) + len(doubled_marks) + pay_extra
    result.lost = sum(missing.values()) + pay_missing
    result.marked_not_in_sage = len(set(have.marked) - set(want.marked))
    result.in_sage_not_marked = len(set(want.marked) - set(have.marked))
    result.tracebacks = sum(r.tracebacks for r in runs)
    for what, value in (
        ("extra in Sage", dict(extra)),
        ("missing in Sage", dict(missing)),
        ("GL entries in two batches", doubled_marks),
        ("payments written twice", pay_extra),
        ("payments missing", pay_missing),
        ("marked, not expected", sorted(set(have.marked) - set(want.marked))),
        ("expected marked, not marked", sorted(set(want.marked) - set(have.marked))),
    ):
        if value:
            result.problems.append(f"{what}: {value}")
    return result


def writers_reference(box: Sandbox, root: Path, pair: tuple[str, str]) -> EndState:
    """The end state of the pair run one after the other (SQLite)."""
    fresh_trial(box)
    home = new_home(root, "writers-reference", **FAULT_DEFAULTS)
    prepare_writers(box, home, {})
    for name in pair:
        done = run(box, home, WRITERS[name])
        if done.returncode not in (0, 3) and USED not in done.text:
            raise AssertionError(f"{name} alone failed ({done.returncode}): {done.text[-800:]}")
    return end_state(box)


def writers_trial(box: Sandbox, root: Path, pair: tuple[str, str], store: str, want: EndState) -> Verdict:
    """Start both commands of ``pair`` at the same instant on one state store; a loser must be refused naming
    the holder (then it runs again) or wait; the end state must equal the sequential one."""
    fresh_trial(box)
    home = new_home(root, f"writers-{store}", **FAULT_DEFAULTS)
    label = f"{pair[0]} + {pair[1]} on {store}"
    with state_database(store) as env:
        prepare_writers(box, home, env)
        # Widen the race: every payment write takes half a second, so two syncs read before either writes.
        box.manage.faults.add(Fault(kind="latency", method="POST", path=PAYMENT_WRITE, delay_seconds=0.5, times=100))
        processes = [start(box, home, WRITERS[name], env) for name in pair]
        runs = [finish(p, WRITERS[name]) for p, name in zip(processes, pair, strict=True)]
        box.manage.faults.clear()
        notes: Counter[str] = Counter()
        problems: list[str] = []
        for name, done in zip(pair, list(runs), strict=True):
            if REFUSAL in done.text:
                notes["refused, naming the holder"] += 1
                if "pid" not in done.text or "host" not in done.text:
                    problems.append(f"{name} refused without naming the holder: {done.text[-300:]!r}")
                runs.append(run(box, home, WRITERS[name], env))  # the user runs it again afterwards
            elif done.returncode not in (0, 3) and not (pair == ("run", "run") and USED in done.text):
                problems.append(f"{name} ended {done.returncode}: {done.text[-400:]!r}")
    result = compare(label, want, end_state(box), runs)
    result.problems.extend(problems)
    result.notes.update(notes)
    if not notes:
        result.notes["both ran"] += 1
    return result


# ------------------------------------------------------------------------------------------------------
# Family 5: the secrets grep over everything a session of commands wrote
# ------------------------------------------------------------------------------------------------------

WRONG_PASSWORD = "CWDE"
"""A wrong Sage password of four letters that is part of the company id ``CWDEMO`` (as the right one, ``DEMO``)."""

SECRET_SESSION: tuple[tuple[tuple[str, ...], dict[str, str], str], ...] = (
    (("--verbose", "run", "-b", "20261126QA-S1", "--skip-invalid", "--json"), {}, ""),
    (("check",), {}, "Sage GET master data"),
    (
        ("--verbose", "run", "-b", "20261126QA-S2", "--invoices", "--skip-invalid"),
        {},
        "Manage create batch (write-back)",
    ),
    (("sync-payments", "--since", "2026-01-01"), {}, ""),
    (("check", "--invoices"), {"CWSAGE_SAGE_PASSWORD": WRONG_PASSWORD}, ""),
    (("history",), {}, ""),
    (("report",), {}, ""),
    (("report", "--full"), {}, ""),
    (("config", "show"), {}, ""),
    (("config", "show"), {"CWSAGE_SAGE_PASSWORD": WRONG_PASSWORD}, ""),
)
"""Commands of one session: (arguments, environment, call kind failing with 400 during it, or "")."""


def secret_patterns() -> dict[str, re.Pattern[str]]:
    """What must never be written: every secret of the sandbox, as itself and as its Basic-auth encodings.

    The four-letter passwords are searched as whole words (``DEMO`` is part of ``CWDEMO``, which must stay
    intact); a company shown masked (``CW***``) counts as a hit too, since it hints at the password."""
    from cwsage.sandbox import demo_company as dc

    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    manage_auth = f"{dc.MANAGE_COMPANY_ID}+{dc.MANAGE_PUBLIC_KEY}:{dc.MANAGE_PRIVATE_KEY}"
    plain = {
        "Manage private key": dc.MANAGE_PRIVATE_KEY,
        "Manage clientId": dc.MANAGE_CLIENT_ID,
        "Manage Basic auth": b64(manage_auth),
        "Sage Basic auth": b64(f"{dc.SAGE_USER}:{dc.SAGE_PASSWORD}"),
        "Sage Basic auth (wrong password)": b64(f"{dc.SAGE_USER}:{WRONG_PASSWORD}"),
    }
    patterns = {name: re.compile(re.escape(value)) for name, value in plain.items()}
    for name, word in (("Sage password", dc.SAGE_PASSWORD), ("wrong Sage password", WRONG_PASSWORD)):
        patterns[name] = re.compile(rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])")
    patterns["masked company"] = re.compile(r"(?i)cw\*\*\*")
    return patterns


def secrets_session(
    box: Sandbox, root: Path, session: Sequence[tuple[tuple[str, ...], dict[str, str], str]] = SECRET_SESSION
) -> Verdict:
    """Run :data:`SECRET_SESSION` in one home, then grep the home (logs, reports, state database, config, the
    secret file) and every stdout and stderr for the secrets; each hit is a problem naming the file."""
    fresh_trial(box)
    home = new_home(root, "secrets", auto_post=True)
    result = Verdict("secrets session")
    calls = {f"{c.system} {c.name}": c for c in CALL_KINDS}
    outputs: dict[str, str] = {}
    for n, (args, env, failing) in enumerate(session):
        if failing:
            call = calls[failing]
            injector = box.manage.faults if call.system == "Manage" else box.sage.faults
            injector.add(Fault(kind="status", method=call.method, path=call.path, status=400, times=1))
        done = run(box, home, args, env)
        box.manage.faults.clear()
        box.sage.faults.clear()
        result.runs.append(done)
        if (why := clear_outcome(done)) is not None:
            result.problems.append(f"{' '.join(args)}: {why}")
        outputs[f"[{n}] {' '.join(args)} stdout"] = done.stdout
        outputs[f"[{n}] {' '.join(args)} stderr"] = done.stderr
    files = {
        str(p.relative_to(home)): p.read_bytes().decode("utf-8", "replace") for p in home.rglob("*") if p.is_file()
    }
    result.notes["files grepped"] += len(files)
    result.notes["outputs grepped"] += len(outputs)
    for where, text in {**files, **outputs}.items():
        for name, pattern in secret_patterns().items():
            if pattern.search(text):
                result.problems.append(f"{name} in {where}")
                result.notes["secret hits"] += 1
    result.tracebacks = sum(r.tracebacks for r in result.runs)
    return result


# ------------------------------------------------------------------------------------------------------
# Family 6 (finding 8): the state database deleted mid-run; the machine's clock off from the servers'
# ------------------------------------------------------------------------------------------------------


def deleted_database_trial(box: Sandbox, root: Path, reference: Reference, target: str = "GL") -> Verdict:
    """Delete the home's SQLite state database (with its WAL and shared-memory files) while the run waits on
    Sage's answer to a create call of ``target``; the run must end without a traceback saying what happened,
    and the same command must converge without posting anything twice."""
    fresh_trial(box)
    home = new_home(root, "deleted-db", **KILL_DEFAULTS)
    path = GL_CREATE if target == "GL" else IC_CREATES["adjustment"]
    rule = box.sage.faults.add(Fault(kind="latency", method="POST", path=path, delay_seconds=1.0))
    process = start(box, home, reference.command)
    deadline = time.monotonic() + 120
    while rule.fired == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    deleted = []
    for file in home.glob("state.db*"):
        file.unlink()
        deleted.append(file.name)
    first = finish(process, reference.command)
    box.sage.faults.clear()
    result = converge(box, home, reference, [first], label=f"state database deleted during a {target} create")
    if not deleted:
        result.problems.append("no state database to delete")
    if (why := clear_outcome(first)) is not None:
        result.problems.append(f"the run whose database was deleted: {why}")
    outcome = "finished" if first.returncode in (0, 3) else f"stopped (exit {first.returncode})"
    result.notes[f"run with its database deleted {outcome}"] += 1
    # What the user sees next: the same command again must answer clearly (no traceback, a message).
    again = run(box, home, reference.command)
    if (why := clear_outcome(again)) is not None:
        result.problems.append(f"the same command afterwards: {why}")
    answer = "already used" if USED in again.text else f"exit {again.returncode}"
    result.notes[f"same command afterwards: {answer}"] += 1
    result.runs.append(again)
    after = verdict(box, reference, before_trial(box), result.label, [again])
    result.duplicated += after.duplicated
    result.problems.extend(p for p in after.problems if "2x" in p or "3x" in p)
    return result


SKEWS = {
    "machine 10 minutes ahead": timedelta(minutes=10),
    "machine 1 day ahead": timedelta(days=1),
    "machine 1 day behind": timedelta(days=-1),
    "machine 400 days ahead": timedelta(days=400),
    "machine 400 days behind": timedelta(days=-400),
}


def skew_trial(box: Sandbox, root: Path, reference: Reference, skew: str) -> Verdict:
    """A run in-process with the machine's clock off by ``SKEWS[skew]`` (a batch of its own), then the reference
    command with the right clock: no exception but cwsage's own errors, and every document exactly once."""
    from cwsage.config import RunDefaults
    from cwsage.dates import FixedClock, SystemClock
    from cwsage.errors import CwsageError
    from cwsage.services.batch import RunRequest, run_batch
    from cwsage.services.session import connect
    from cwsage.state.store import StateStore

    fresh_trial(box)
    home = new_home(root, "skew", **KILL_DEFAULTS)
    settings = box.settings(home, RunDefaults(ic_default_location="MAIN", chunk_size=10))
    clock = FixedClock(SystemClock().now() + SKEWS[skew])
    problems: list[str] = []
    notes: Counter[str] = Counter()
    finished = False
    try:
        with StateStore.open(settings.database_url) as store, connect(settings, store, clock=clock) as ctx:
            outcome = run_batch(ctx, RunRequest(batch_number="20261126QA-SKEW", skip_invalid=True))
        notes[f"skewed run: {outcome.outcome.value}"] += 1
        finished = outcome.exit_code in (0, 3)
    except CwsageError as exc:
        notes[f"skewed run refused: {type(exc).__name__}"] += 1
        if not exc.user_message:
            problems.append(f"{type(exc).__name__} without a message")
    except Exception as exc:
        problems.append(f"skewed run raised {type(exc).__name__}: {exc}")
    if finished:  # judged as it stands: the reference command would only find its batch empty
        result = verdict(box, reference, before_trial(box), skew)
    else:  # the user runs it again with the clock put right
        result = converge(box, home, reference, [], label=skew)
    if problems:
        result.tracebacks += 1
    result.problems.extend(problems)
    result.notes.update(notes)
    return result
