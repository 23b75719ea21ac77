"""The saved list of errors and full log of a run can be printed again from the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwsage.sandbox.runner import Sandbox

from .conftest import run_cli, write_defaults


@pytest.mark.slow
def test_report_prints_the_errors_and_the_full_log_of_the_latest_run(sandbox: Sandbox, home: Path) -> None:
    write_defaults(home)
    run = run_cli(sandbox, home, "run", "--batch-number", "RPT-E", "--expenses", "--skip-invalid")
    assert run.returncode == 3, run.stderr

    errors = run_cli(sandbox, home, "report")
    assert errors.returncode == 0, errors.stderr
    assert "errors.txt" in errors.stdout
    assert "intern" in errors.stdout  # the member without a vendor number, and what to do about it
    assert "Vendor Nbr" in errors.stdout

    full = run_cli(sandbox, home, "report", "--full")
    assert full.returncode == 0, full.stderr
    assert "outcome: succeeded with errors" in full.stdout
    assert "Audit trail:" in full.stdout
    assert "written_back" in full.stdout
    assert "cwdemo-private" not in full.stdout  # secrets never reach a report

    history = run_cli(sandbox, home, "history")
    assert "RPT-E" in history.stdout

    missing = run_cli(sandbox, home, "report", "no-such-run")
    assert missing.returncode == 1
    assert "cwsage history" in missing.stderr
