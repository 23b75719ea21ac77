"""Fixtures of the chaos tests: one pair of emulators for the session (each trial resets them), a temporary root
for homes, and the reference run the kill and finding-8 trials share."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from cwsage.sandbox.runner import Sandbox

from . import harness


@pytest.fixture(scope="session")
def box() -> Iterator[Sandbox]:
    """Both emulators, expenses as GL journal entries; each trial resets them."""
    with harness.emulators() as served:
        yield served


@pytest.fixture(scope="session")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the trials' homes go."""
    return tmp_path_factory.mktemp("chaos")


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """A random source seeded by the test's name: a failure replays with the same draws."""
    return random.Random(request.node.nodeid)


@pytest.fixture(scope="session")
def kill_reference(box: Sandbox, root: Path) -> harness.Reference:
    """Every kind in one uninterrupted run, expenses as GL (the command the kill trials kill)."""
    return harness.make_reference(box, root, harness.KILL_COMMAND, **harness.KILL_DEFAULTS)
