"""Family 4 of the attack (issue 13): two writing commands started at the same instant on one state store.

Each trial starts both commands of a pair (``run``, ``rerun``, ``sync-payments``; a command with itself is the
double start) on SQLite or on PostgreSQL (a fresh schema per trial) and compares the end state with the same two
commands run one after the other: the loser is refused with a message naming the holder (then run again) or
waits, and nothing is written twice. The CI slice takes a few pairs; ``benchmarks/chaos_matrix.py`` every pair
on both stores.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cwsage.sandbox.runner import Sandbox

from . import harness

pytestmark = [pytest.mark.chaos, pytest.mark.slow]


def _store(name: str) -> str:
    if name == "postgresql" and (why := harness.postgres_unreachable()):
        pytest.skip(why)
    return name


def test_every_pair_of_writing_commands_is_in_the_matrix() -> None:
    """run, rerun and sync-payments, each with itself and with each other."""
    assert len(harness.WRITER_PAIRS) == 6
    assert {name for pair in harness.WRITER_PAIRS for name in pair} == {"run", "rerun", "sync-payments"}


@pytest.mark.parametrize(
    ("first", "second", "store"),
    [
        ("run", "run", "sqlite"),
        pytest.param("sync-payments", "sync-payments", "postgresql", marks=[pytest.mark.postgres]),
    ],
)
def test_two_writers_at_once_end_as_one_after_the_other(
    box: Sandbox, root: Path, first: str, second: str, store: str
) -> None:
    """Both started together; the end state equals the sequential one, a loser is refused naming the holder."""
    want = harness.writers_reference(box, root, (first, second))
    result = harness.writers_trial(box, root, (first, second), _store(store), want)
    assert result.exact, result.describe()
