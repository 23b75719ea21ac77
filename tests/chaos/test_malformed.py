"""Family 3 of the attack (issue 13): malformed Manage records over every field of every record kind.

The generator is the hypothesis strategy of ``tests/unit/test_export_parsing.py`` (one field of one record of
the GL export, at any depth, replaced by a value Manage could send); here it is counted as a chaos family, and
bad invoices also go on the wire of the emulator's export to a real ``cwsage run --skip-invalid``. The CI slice
generates a few dozen; ``benchmarks/chaos_matrix.py`` ≥ 5,000.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from cwsage.sandbox.runner import Sandbox

from . import harness

pytestmark = [pytest.mark.chaos]


def test_generated_malformed_records_never_escape_and_never_stop_the_others() -> None:
    """40 generated malformed records: no exception escapes, the others read as before."""
    tally = harness.malformed_parsing(40, seed=13)
    assert tally.trials == 40
    assert tally.exact == tally.trials, tally.failures[:5]


@pytest.fixture
def reference(kill_reference: harness.Reference) -> harness.Reference:
    """The shared reference run (conftest): every kind, so the bad invoice travels with GL and IC documents."""
    return kill_reference


@pytest.mark.slow
@pytest.mark.parametrize("fragment", ["NaN"])
def test_a_malformed_invoice_on_the_wire_is_named_and_the_others_post_once(
    box: Sandbox, root: Path, reference: harness.Reference, rng: random.Random, fragment: str
) -> None:
    """A real run with one corrupted invoice: no traceback, the others exactly once, the bad one named or posted."""
    result = harness.malformed_run_trial(box, root, reference, rng, [fragment])
    assert result.exact, result.describe()
