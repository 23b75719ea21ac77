"""The full matrix of the hostile tests of exactly-once (issue 13), printed as one table.

Why a script beside the tests: the attack is too long for every test run, so ``tests/chaos/`` runs a small
bounded slice and this script runs the whole matrix with the same trial code (``tests/chaos/harness.py``):
random SIGKILLs and kills aimed mid-posting of GL and IC documents, the fault matrix, malformed Manage
records, concurrent writers and the secrets grep. Every family counts its trials, the exact end states,
and what went wrong: duplicated, lost, marked-but-not-in-Sage, in-Sage-but-not-marked, tracebacks.

Usage::

    .venv/bin/python benchmarks/chaos_matrix.py            # the issue's minimums
    .venv/bin/python benchmarks/chaos_matrix.py --quick    # a few trials per family
    .venv/bin/python benchmarks/chaos_matrix.py --kills 100 --seed 7
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from chaos import harness


def kills(count: int, rng: random.Random, root: Path) -> harness.Tally:
    """Family 1: ``count`` SIGKILLs, half aimed mid-posting of GL and IC documents."""
    tally = harness.Tally("SIGKILL (AR, GL, IC)")
    with harness.emulators() as box:
        reference = harness.make_reference(box, root, harness.KILL_COMMAND, **harness.KILL_DEFAULTS)
        for plan in harness.kill_plans(count, rng):
            tally.add(harness.kill_trial(box, root, reference, plan))
    return tally


def faults(root: Path, quick: bool) -> harness.Tally:
    """Family 2: every fault kind on every call kind (``--quick``: one fault kind per call kind)."""
    tally = harness.Tally("faults (kind x call)")
    with harness.emulators() as box:
        reference = harness.make_reference(box, root, harness.FAULT_COMMAND, **harness.FAULT_DEFAULTS)
        payments = harness.make_payments_reference(box, root)
        cases = harness.fault_cases()
        if quick:  # one fault kind per call kind, in turn
            kinds = len(harness.FAULT_KINDS)
            cases = [
                harness.fault_cases([c], [harness.FAULT_KINDS[i % kinds]])[0] for i, c in enumerate(harness.CALL_KINDS)
            ]
        for call, fault in cases:
            tally.add(harness.fault_case(box, root, call, fault, reference, payments))
    return tally


def malformed(root: Path, records: int, runs: int, seed: int, rng: random.Random) -> list[harness.Tally]:
    """Family 3: ``records`` generated malformed records parsed, ``runs`` of them on the wire of a real run."""
    from unit import test_export_parsing as parsing

    parsed = harness.malformed_parsing(records, seed)
    on_the_wire = harness.Tally("malformed invoice on the wire (run)")
    with harness.emulators() as box:
        reference = harness.make_reference(box, root, harness.MALFORMED_COMMAND)
        for _ in range(runs):
            on_the_wire.add(harness.malformed_run_trial(box, root, reference, rng, parsing.BAD_VALUES))
    return [parsed, on_the_wire]


def writers(root: Path, repeats: int) -> harness.Tally:
    """Family 4: every pair of writing commands started together, ``repeats`` times on each store."""
    tally = harness.Tally("concurrent writers (pairs x stores)")
    stores = ["sqlite"]
    if (why := harness.postgres_unreachable()) is None:
        stores.append("postgresql")
    else:
        tally.notes[f"PostgreSQL skipped: {why}"] += 1
    with harness.emulators() as box:
        for pair in harness.WRITER_PAIRS:
            want = harness.writers_reference(box, root, pair)
            for store in stores:
                for _ in range(repeats):
                    tally.add(harness.writers_trial(box, root, pair, store, want))
    return tally


def secrets(root: Path, sessions: int) -> harness.Tally:
    """Family 5: ``sessions`` sessions of commands, each grepped for every secret."""
    tally = harness.Tally("secrets grep (sessions)")
    with harness.emulators() as box:
        for _ in range(sessions):
            tally.add(harness.secrets_session(box, root))
    return tally


def finding8(root: Path, repeats: int) -> list[harness.Tally]:
    """Finding 8: the state database deleted during GL and IC creates; every clock skew."""
    deleted = harness.Tally("state database deleted mid-run")
    skew = harness.Tally("clock skew machine/servers")
    with harness.emulators() as box:
        reference = harness.make_reference(box, root, harness.KILL_COMMAND, **harness.KILL_DEFAULTS)
        for _ in range(repeats):
            for target in ("GL", "IC"):
                deleted.add(harness.deleted_database_trial(box, root, reference, target))
            for name in harness.SKEWS:
                skew.add(harness.skew_trial(box, root, reference, name))
    return [deleted, skew]


def _family(name: str, args: argparse.Namespace, root: Path) -> list[harness.Tally]:
    """Run one family (in this process or a worker of ``--jobs``); each family seeds its own random source."""
    rng = random.Random(f"{args.seed}-{name}")
    started = time.monotonic()
    if name == "kills":
        done = [kills(args.kills or (6 if args.quick else 64), rng, root)]
    elif name == "faults":
        done = [faults(root, args.quick)]
    elif name == "writers":
        done = [writers(root, 1 if args.quick else args.writer_repeats)]
    elif name == "secrets":
        done = [secrets(root, 1 if args.quick else 2)]
    elif name == "finding8":
        done = finding8(root, 1 if args.quick else 2)
    else:
        records = args.malformed or (200 if args.quick else 5000)
        done = malformed(root, records, 3 if args.quick else 20, args.seed, rng)
    for tally in done:
        tally.seconds = (time.monotonic() - started) / len(done)
        print(f"{tally.family}: {tally.trials} trials, {tally.exact} exact", file=sys.stderr, flush=True)
    return done


FAMILIES = ("kills", "faults", "writers", "secrets", "finding8", "malformed")


def main(argv: list[str]) -> int:
    """Run the families asked for and print the table; exit 1 when any trial did not end exact."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few trials per family")
    parser.add_argument("--kills", type=int, default=None, help="SIGKILL trials (default 64; quick 6)")
    parser.add_argument("--malformed", type=int, default=None, help="generated malformed records (default 5000)")
    parser.add_argument("--writer-repeats", type=int, default=3, help="trials per writer pair and store")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--jobs", type=int, default=1, help="families run in this many processes at once")
    parser.add_argument("--only", action="append", default=[], help=f"run only these families ({', '.join(FAMILIES)})")
    args = parser.parse_args(argv)
    names = [name for name in FAMILIES if not args.only or name in args.only]
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cwsage-chaos-") as tmp:
        if args.jobs > 1:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=args.jobs, mp_context=context) as pool:
                results = list(pool.map(_family, names, [args] * len(names), [Path(tmp)] * len(names)))
        else:
            results = [_family(name, args, Path(tmp)) for name in names]
    tallies = [tally for done in results for tally in done]
    print(harness.table(tallies))
    print(f"\n{sum(t.trials for t in tallies)} trials in {time.monotonic() - began:.0f} s, seed {args.seed}")
    for tally in tallies:
        for failure in tally.failures:
            print(f"NOT EXACT [{tally.family}] {failure}")
    return 0 if all(t.exact == t.trials for t in tallies) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
