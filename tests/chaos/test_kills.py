"""Family 1 of the attack (issue 13): ``cwsage run`` SIGKILLed at random instants and mid-posting of GL and IC.

The CI slice: two kills aimed mid-posting (a GL create in flight that Sage still commits, an IC transfer just
after Sage answered); ``benchmarks/chaos_matrix.py``
runs the full matrix (≥ 60 kills, ≥ 15 of them mid-posting of GL or IC documents).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from cwsage.sandbox.runner import Sandbox

from . import harness

pytestmark = [pytest.mark.chaos, pytest.mark.slow]


@pytest.fixture
def reference(kill_reference: harness.Reference) -> harness.Reference:
    """The shared reference run (conftest)."""
    return kill_reference


def test_reference_covers_invoices_gl_and_ic(reference: harness.Reference) -> None:
    """The killed command posts AR invoices, GL journal entries and IC documents (else the kills prove little)."""
    ledgers = {key[0] for key in reference.documents}
    assert {"AR", "GL", "ICADJ", "ICTRF"} <= ledgers, ledgers
    assert all(ids for ids in reference.documents.values())


def test_the_verdict_sees_lost_documents(box: Sandbox, reference: harness.Reference) -> None:
    """The counter is not blind: with nothing run, every expected document is lost."""
    before = harness.fresh_trial(box)
    result = harness.verdict(box, reference, before, "nothing run")
    assert result.lost == len(reference.documents) and not result.exact


@pytest.mark.parametrize(
    ("mode", "target"),
    [
        ("in-flight, Sage commits", "GL"),
        ("just after Sage answered", "IC transfer"),
    ],
)
def test_a_killed_run_converges_to_exactly_once(
    box: Sandbox, root: Path, reference: harness.Reference, rng: random.Random, mode: str, target: str
) -> None:
    """SIGKILL at the aimed instant, the same command again: every document once in Sage, marked once."""
    offset = rng.uniform(0.0, 0.04) if mode.startswith("just after") else rng.uniform(0.05, 0.9)
    plan = harness.KillPlan(mode, target, rng.randint(1, 3), offset)
    result = harness.kill_trial(box, root, reference, plan)
    assert result.exact, result.describe()
    assert result.notes["kills mid-posting GL/IC"] == 1, result.notes


def test_a_run_killed_after_it_finished_answers_as_finished(
    box: Sandbox, root: Path, reference: harness.Reference
) -> None:
    """The same command after the kill answers with the finished result (the reference's exit code)."""
    result = harness.kill_after_finish(box, root, reference)
    assert result.exact, result.describe()
