"""Finding 8 of the attack (issue 13): a state database deleted mid-run, and the machine's clock off from the
servers' (``dates.Clock`` injected into an in-process run).

Deleted database: the run waits on Sage's answer to a GL create while the home's SQLite files are deleted;
it must end without a traceback, the same command must converge, nothing may be posted twice. Clock skew: a run
with the machine minutes, a day or 400 days ahead or behind, then (if it did not finish) the same command with
the right clock: every document exactly once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cwsage.sandbox.runner import Sandbox

from . import harness

pytestmark = [pytest.mark.chaos, pytest.mark.slow]


@pytest.fixture
def reference(kill_reference: harness.Reference) -> harness.Reference:
    """The shared reference run (conftest)."""
    return kill_reference


@pytest.fixture(scope="module")
def deleted(box: Sandbox, root: Path, kill_reference: harness.Reference) -> harness.Verdict:
    """One trial: the state database deleted while the run waits on a GL create."""
    return harness.deleted_database_trial(box, root, kill_reference, "GL")


def test_a_state_database_deleted_mid_run_posts_nothing_twice(deleted: harness.Verdict) -> None:
    """No traceback, exactly-once after the same command, and the command after that answers clearly."""
    assert deleted.exact, deleted.describe()


def test_a_deleted_state_database_is_named_with_what_to_do(deleted: harness.Verdict) -> None:
    """The run, or the command after it, says that the state database was lost."""
    assert any("state database" in r.text.lower() for r in deleted.runs), [r.text[-300:] for r in deleted.runs]


@pytest.mark.parametrize("skew", ["machine 1 day ahead"])
def test_clock_skew_between_machine_and_servers_keeps_exactly_once(
    box: Sandbox, root: Path, reference: harness.Reference, skew: str
) -> None:
    """The skewed run ends with cwsage's own outcome or error; every document lands once in the end."""
    result = harness.skew_trial(box, root, reference, skew)
    assert result.exact, result.describe()
