"""Crash tests: ``cwsage run`` killed with SIGKILL at several instants, then run again (issue 5, DESIGN §5).

Each test kills a real subprocess at a checkpoint (``CWSAGE_TEST_KILL_AT``), runs the same command again,
and compares Sage and Manage with a reference: the same command run once, uninterrupted, on a separate
fresh sandbox (the emulators' seeds are deterministic). The end state must be identical: the same Sage
documents with the same totals, none twice, the same Manage unposted lists and batch entries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cwsage.sandbox.runner import Sandbox

from .conftest import run_cli, write_defaults
from .test_run import assert_no_duplicates, manage_state, sage_documents

if TYPE_CHECKING:
    from tests.conftest import SandboxPool

BATCH = "20261125QA-K"
ARGS = ("run", "--batch-number", BATCH, "--skip-invalid", "--json")


@pytest.fixture(scope="module")
def reference(sandboxes: SandboxPool, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """The end state of one uninterrupted run on its own fresh sandbox."""
    home = tmp_path_factory.mktemp("reference-home")
    write_defaults(home, chunk_size=25)
    with sandboxes.fresh() as box:
        done = run_cli(box, home, *ARGS)
        assert done.returncode == 3, done.stderr
        yield {
            "sage": sage_documents(box),
            "manage": manage_state(box),
            "counts": json.loads(done.stdout)["counts"],
        }


@pytest.mark.slow
@pytest.mark.parametrize(
    "point", ["during-validation", "after-sage-batch", "before-write-back", "during-write-back", "after-finish"]
)
def test_killed_run_finishes_like_an_uninterrupted_one(
    point: str, sandbox: Sandbox, home: Path, reference: dict[str, object]
) -> None:
    """SIGKILL at ``point``; the same command again leaves Sage and Manage exactly as the reference run."""
    write_defaults(home, chunk_size=25)
    before_sage = sage_documents(sandbox)
    killed = run_cli(sandbox, home, *ARGS, extra_env={"CWSAGE_TEST_KILL_AT": point})
    assert killed.returncode == -9, (killed.returncode, killed.stderr[-2000:])

    # What the kill left behind, per point.
    after_kill = sage_documents(sandbox)
    state = manage_state(sandbox)
    if point == "during-validation":
        assert after_kill == before_sage and BATCH not in state["batches"]
    elif point == "after-sage-batch":
        assert len(after_kill) > len(before_sage) and BATCH not in state["batches"]
    elif point == "before-write-back":
        assert len(after_kill) == len(reference["sage"]) and BATCH not in state["batches"]  # type: ignore[arg-type]
    elif point == "during-write-back":
        assert state["batches"][BATCH] == reference["manage"]["batches"][BATCH]  # type: ignore[index]
    else:  # the run was saved as finished; the process died before it could answer
        assert after_kill == reference["sage"] and state == reference["manage"]

    again = run_cli(sandbox, home, *ARGS)
    assert again.returncode == 3, again.stderr[-2000:]
    data = json.loads(again.stdout)
    assert data["counts"] == reference["counts"]
    assert data["outcome"] == "succeeded with errors"

    assert_no_duplicates(sage_documents(sandbox))
    assert sage_documents(sandbox) == reference["sage"]
    assert manage_state(sandbox) == reference["manage"]

    # A third run answers with the finished run's result (issue 13, finding 5) and changes nothing.
    third = run_cli(sandbox, home, *ARGS)
    assert third.returncode == 3, third.stderr[-2000:]
    replayed = json.loads(third.stdout)
    assert replayed["counts"] == reference["counts"] and "already ran" in replayed["message"]
    assert sage_documents(sandbox) == reference["sage"] and manage_state(sandbox) == reference["manage"]
