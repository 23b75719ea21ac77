"""Family 2 of the attack (issue 13): faults of every kind the emulators support on every kind of call.

The CI slice takes a few (fault, call) pairs, among them the ones the issue names: a write hang past the
client timeout and Sage answering 503; ``benchmarks/chaos_matrix.py`` runs every fault kind on every call
kind. Each case: the command ends with a clear outcome (exit code and message, no traceback), then the same
command converges to exactly-once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cwsage.sandbox.runner import Sandbox

from . import harness

pytestmark = [pytest.mark.chaos, pytest.mark.slow]

CALLS = {f"{c.system} {c.name}": c for c in harness.CALL_KINDS}
FAULTS = {f.name: f for f in harness.FAULT_KINDS}


@pytest.fixture(scope="module")
def reference(box: Sandbox, root: Path) -> harness.Reference:
    """The faulted command run once undisturbed."""
    return harness.make_reference(box, root, harness.FAULT_COMMAND, **harness.FAULT_DEFAULTS)


def test_the_matrix_names_every_fault_kind_of_the_emulators() -> None:
    """Every kind of :class:`~cwsage.sandbox.faults.Fault` is in the matrix, hangs with and without commit."""
    kinds = {f.kind for f in harness.FAULT_KINDS}
    assert kinds == {"latency", "status", "hang", "drop"}
    assert {(f.kind, f.apply) for f in harness.FAULT_KINDS if f.kind == "hang"} == {("hang", False), ("hang", True)}
    assert {"Manage", "Sage"} == {c.system for c in harness.CALL_KINDS}


@pytest.mark.parametrize(
    ("call", "fault"),
    [
        ("Sage POST create GL batch", "503 until restored"),
        ("Sage POST create IC document", "hang past timeout, then commit"),
    ],
)
def test_a_fault_ends_clearly_and_the_rerun_converges(
    box: Sandbox,
    root: Path,
    reference: harness.Reference,
    call: str,
    fault: str,
) -> None:
    """The fault fires, the command says what happened without a traceback, the rerun leaves exactly-once."""
    result = harness.fault_case(box, root, CALLS[call], FAULTS[fault], reference)
    assert result.exact, result.describe()
