"""Rerun Previous Batch end to end: Sage 300 restored from a backup, so some documents are gone and some are not.

The backup is a snapshot of the Sage emulator taken *while* the first run was posting — after its first
Sage batch landed — so restoring it removes the later Sage batches (and rolls back Sage's batch counters, as
a real database restore does) while the first batch survives. A rerun must post only what is gone.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cwsage.config import RunDefaults, Settings
from cwsage.errors import ConfigurationError
from cwsage.sandbox.faults import Fault
from cwsage.sandbox.runner import Sandbox
from cwsage.services import rerun as rerun_module
from cwsage.services.batch import Context, RunRequest, rerun_batch, run_batch
from cwsage.services.job import BatchJob
from cwsage.services.progress import SilentProgress
from cwsage.services.results import Outcome, RunResult
from cwsage.services.session import connect
from cwsage.state.store import RunPhase, RunStatus, StateStore

from .conftest import ar_copies, gl_headers, gl_key, run_cli, write_defaults

if TYPE_CHECKING:
    from tests.conftest import SandboxPool

INVOICES = ("10101", "10102", "10104", "10105", "10106", "10112", "10138")
FIRST_CHUNK = {"AR:10101", "AR:10102", "AR:10104"}  # chunk size 3: the first Sage batch


class BackupAfter(SilentProgress):
    """Takes a Sage "backup" (emulator snapshot) once ``after`` documents have landed in Sage."""

    def __init__(self, sandbox: Sandbox, after: int) -> None:
        self.sandbox = sandbox
        self.after = after
        self.landed = 0
        self.posting = False
        self.backup: str | None = None

    def stage(self, name: str, total: int | None = None) -> None:
        """Count only the posting stages."""
        self.posting = name.startswith("Posting")

    def advance(self, steps: int = 1) -> None:
        """Snapshot when the first chunk is in."""
        if not self.posting:
            return
        self.landed += steps
        if self.landed >= self.after and self.backup is None:
            self.backup = self.sandbox.sage.snapshot()


@pytest.fixture
def settings(sandbox: Sandbox, home: Path) -> Settings:
    """Small chunks, so that one run makes several Sage batches."""
    return sandbox.settings(home, RunDefaults(ic_default_location="MAIN", chunk_size=3))


def restored_after_first_chunk(sandbox: Sandbox, context: Context, batch_number: str = "RR-I") -> RunResult:
    """Run the batch, then restore Sage to the backup taken after its first Sage batch."""
    spy = BackupAfter(sandbox, after=3)
    context.progress = spy
    first = run_batch(
        context, RunRequest(batch_number=batch_number, invoices=True, expenses=False, inventory=False, include=INVOICES)
    )
    context.progress = SilentProgress()
    assert first.outcome is Outcome.SUCCEEDED, first.message
    assert first.sage_batches == ["AR invoice batch 2", "AR invoice batch 3", "AR invoice batch 4"]
    assert spy.backup is not None
    sandbox.sage.restore(spy.backup)
    return first


def gl_copies(sandbox: Sandbox, numbers: set[str]) -> Counter[str]:
    """How many journal entries in Sage carry each of ``numbers`` as their document key (I15)."""
    return Counter(key for key in map(gl_key, gl_headers(sandbox)) if key in numbers)


# --------------------------------------------------------------------------------------------------------
# AR: the restore scenario
# --------------------------------------------------------------------------------------------------------


def test_rerun_posts_only_what_the_restore_removed(sandbox: Sandbox, context: Context, store: StateStore) -> None:
    restored_after_first_chunk(sandbox, context)
    present = ar_copies(sandbox)
    assert all(present[n.split(":")[1]] == 1 for n in FIRST_CHUNK)
    assert not any(present[n] for n in ("10105", "10106", "10112", "10138"))
    manage_batches = len(context.manage.find_batches("RR-I"))

    result = rerun_batch(context, "RR-I")
    assert result.outcome is Outcome.SUCCEEDED, result.message
    assert result.exit_code == 0
    assert result.kind == "rerun"
    assert set(result.skipped) == FIRST_CHUNK
    assert result.skipped["AR:10101"].startswith("AR invoice batch 2 (open), entry 1")
    states = {row.key: row.state for row in result.documents}
    assert {k for k, s in states.items() if s == "skipped"} == FIRST_CHUNK
    assert {k for k, s in states.items() if s == "posted"} == {"AR:10105", "AR:10106", "AR:10112", "AR:10138"}
    # the restore rolled the batch counter back: the new batches reuse the numbers 3 and 4
    assert result.sage_batches == ["AR invoice batch 3", "AR invoice batch 4"]
    where = {row.key: row.where for row in result.documents}
    assert where["AR:10101"].startswith("AR invoice batch 2")
    assert where["AR:10105"] == "AR invoice batch 3 (open), entry 1, customer HARBOUR"
    # every document of the batch is in Sage exactly once
    copies = ar_copies(sandbox)
    assert all(copies[n] == 1 for n in INVOICES), copies
    # nothing written back: the Manage batch existed already and was not touched
    assert result.manage_batch is None
    assert len(context.manage.find_batches("RR-I")) == manage_batches
    # same reports as a new run
    assert result.reports["errors"].exists() and result.reports["full_log"].exists()
    log = result.reports["full_log"].read_text(encoding="utf-8")
    assert "10105" in log and "found in Sage 300" in log
    [run] = store.find_runs(batch_number="RR-I", kind="rerun")
    assert run.status is RunStatus.SUCCEEDED

    again = rerun_batch(context, "RR-I")  # everything is there now
    assert again.outcome is Outcome.NOTHING_TO_DO
    assert again.exit_code == 0
    assert set(again.skipped) == {f"AR:{n}" for n in INVOICES}
    assert all(ar_copies(sandbox)[n] == 1 for n in INVOICES)


def test_a_rerun_prepared_in_parts_posts_what_it_posts_whole(
    sandbox: Sandbox, context: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: the re-export is prepared and stored 2 invoices at a time; the outcome is the same as whole."""
    restored_after_first_chunk(sandbox, context)
    monkeypatch.setattr(rerun_module, "EXPORT_CHUNK", 2)
    preview = rerun_batch(context, "RR-I", dry_run=True)
    assert set(preview.skipped) == FIRST_CHUNK
    assert preview.message.startswith("Preview of rerunning batch RR-I: 3 document(s) are still in Sage 300")
    result = rerun_batch(context, "RR-I")
    assert result.outcome is Outcome.SUCCEEDED, result.message
    assert set(result.skipped) == FIRST_CHUNK
    assert [row.key for row in result.documents] == [row.key for row in preview.documents]
    assert {row.key for row in result.documents if row.state == "posted"} == {
        "AR:10105",
        "AR:10106",
        "AR:10112",
        "AR:10138",
    }
    assert all(ar_copies(sandbox)[n] == 1 for n in INVOICES)


def test_a_rerun_stopped_between_parts_is_prepared_again_and_posts_once(
    sandbox: Sandbox, context: Context, store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rerun that stops while it stores its parts (a crash) has posted nothing: the same command starts the
    preparation again on the same run, and every document ends in Sage exactly once."""
    restored_after_first_chunk(sandbox, context)
    monkeypatch.setattr(rerun_module, "EXPORT_CHUNK", 2)
    stored = BatchJob.persist

    def crash_after_two_parts(self: BatchJob, run: Any, prepared: Any, *, skip: Any) -> None:
        stored(self, run, prepared, skip=skip)
        if len(store.documents(run.id)) >= 4:
            raise KeyboardInterrupt  # the process is killed between two parts

    monkeypatch.setattr(BatchJob, "persist", crash_after_two_parts)
    with pytest.raises(KeyboardInterrupt):
        rerun_batch(context, "RR-I")
    [stopped] = store.find_runs(batch_number="RR-I", kind="rerun")
    assert stopped.status is RunStatus.RUNNING and not stopped.reached(RunPhase.PREPARED)
    assert all(ar_copies(sandbox)[n] == 0 for n in ("10105", "10106", "10112", "10138"))  # nothing posted yet

    monkeypatch.setattr(BatchJob, "persist", stored)
    finished = rerun_batch(context, "RR-I")
    assert finished.run_id == stopped.id  # the same run, prepared again from the start
    assert finished.outcome is Outcome.SUCCEEDED, finished.message
    assert set(finished.skipped) == FIRST_CHUNK
    assert all(ar_copies(sandbox)[n] == 1 for n in INVOICES)


def test_rerun_dry_run_changes_nothing(sandbox: Sandbox, context: Context, store: StateStore) -> None:
    restored_after_first_chunk(sandbox, context)
    before = sandbox.sage.store.summary()
    copies = ar_copies(sandbox)
    preview = rerun_batch(context, "RR-I", dry_run=True)
    assert preview.outcome is Outcome.PREVIEW
    assert "3 document(s) are still in Sage 300 and would be skipped" in preview.message
    assert set(preview.skipped) == FIRST_CHUNK
    states = {row.key: row.state for row in preview.documents}
    assert states["AR:10101"] == "skipped" and states["AR:10105"] == "would_post"
    assert preview.preview is not None
    assert sandbox.sage.store.summary() == before
    assert ar_copies(sandbox) == copies
    assert store.find_runs(batch_number="RR-I", kind="rerun") == []

    forced = rerun_batch(context, "RR-I", dry_run=True, force=True)
    assert "with --force: 3 document(s)" in forced.message
    assert {row.state for row in forced.documents} == {"would_post"}
    assert len([w for w in forced.warnings if w.startswith("--force:")]) == 3
    assert sandbox.sage.store.summary() == before


def test_force_sends_everything_and_sage_refuses_ar_duplicates(
    sandbox: Sandbox, context: Context, store: StateStore
) -> None:
    restored_after_first_chunk(sandbox, context)
    result = rerun_batch(context, "RR-I", force=True)
    states = {row.key: row.state for row in result.documents}
    assert {k for k, s in states.items() if s == "rejected"} == FIRST_CHUNK
    assert {k for k, s in states.items() if s == "posted"} == {"AR:10105", "AR:10106", "AR:10112", "AR:10138"}
    assert result.outcome is Outcome.PARTIAL
    assert result.exit_code == 3
    assert result.skipped == {}
    rejected = [i for i in result.issues if i.code == "sage-rejected"]
    assert len(rejected) == 3
    assert "already exists" in rejected[0].message
    [note] = [w for w in result.warnings if "refused" in w]
    assert "10101" in note and "does not accept a second" in note
    assert all(ar_copies(sandbox)[n] == 1 for n in INVOICES)  # Sage kept one copy of each
    errors = result.reports["errors"].read_text(encoding="utf-8")
    assert "10101" in errors and "already exists" in errors


def test_unknown_batch_number_is_a_clear_error(context: Context, store: StateStore) -> None:
    with pytest.raises(ConfigurationError) as caught:
        rerun_batch(context, "NO-SUCH-BATCH")
    assert "Manage has no batch 'NO-SUCH-BATCH'" in caught.value.user_message
    assert "Accounting Interface" in (caught.value.hint or "")
    assert store.find_runs(batch_number="NO-SUCH-BATCH") == []


def test_interrupted_rerun_is_resumed_by_the_same_command(
    sandbox: Sandbox, context: Context, store: StateStore
) -> None:
    restored_after_first_chunk(sandbox, context)
    sandbox.sage.faults.add(
        Fault(kind="status", status=503, method="POST", path="ARInvoiceBatches$", times=50, retry_after=0)
    )
    stopped = rerun_batch(context, "RR-I")
    assert stopped.outcome is Outcome.INTERRUPTED
    assert stopped.exit_code == 1
    assert "run the same command again" in stopped.message
    assert all(ar_copies(sandbox)[n] == 0 for n in ("10105", "10106", "10112", "10138"))
    sandbox.sage.faults.clear()

    finished = rerun_batch(context, "RR-I")
    assert finished.run_id == stopped.run_id  # resumed, not started over
    assert finished.outcome is Outcome.SUCCEEDED, finished.message
    assert set(finished.skipped) == FIRST_CHUNK
    assert all(ar_copies(sandbox)[n] == 1 for n in INVOICES)


# --------------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------------


def test_cli_rerun_json_table_and_unknown_batch(sandbox: Sandbox, context: Context, home: Path) -> None:
    restored_after_first_chunk(sandbox, context)
    write_defaults(home, chunk_size=3)
    preview = run_cli(sandbox, home, "rerun", "RR-I", "--dry-run", "--json")
    assert preview.returncode == 0, preview.stderr
    data = json.loads(preview.stdout)
    assert data["kind"] == "rerun" and set(data["skipped"]) == FIRST_CHUNK

    done = run_cli(sandbox, home, "rerun", "RR-I", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data["skipped"]) == FIRST_CHUNK
    assert data["skipped"]["AR:10102"].startswith("AR invoice batch 2 (open), entry 2")
    assert all(ar_copies(sandbox)[n] == 1 for n in INVOICES)

    table = run_cli(sandbox, home, "rerun", "RR-I")
    assert table.returncode == 0, table.stderr
    assert "Already in Sage 300 (skipped)" in table.stdout
    assert "AR invoice batch 2 (open)" in table.stdout

    unknown = run_cli(sandbox, home, "rerun", "NOPE-1")
    assert unknown.returncode == 1
    assert "Manage has no batch 'NOPE-1'" in unknown.stdout + unknown.stderr


# --------------------------------------------------------------------------------------------------------
# GL journal entries (expenses without "Transfer Expense as Bill"): --force duplicates them
# --------------------------------------------------------------------------------------------------------


@pytest.fixture
def gl_context(sandboxes: SandboxPool, tmp_path: Path) -> Iterator[tuple[Sandbox, Context]]:
    """A sandbox whose Manage sends expenses as GL journal entries, and a context against it."""
    with sandboxes.fresh(transfer_expenses_as_bill=False) as box:
        # the emulator's seed document carries the flag (True) and wins over the constructor argument on reset
        box.manage.store.set_transfer_expenses_as_bill(False)
        home = tmp_path / "gl-home"
        home.mkdir()
        settings = box.settings(home, RunDefaults(ic_default_location="MAIN", chunk_size=2))
        with StateStore.open(settings.database_url) as store, connect(settings, store) as ctx:
            yield box, ctx


def test_gl_rerun_skips_present_entries_and_force_duplicates_them(gl_context: tuple[Sandbox, Context]) -> None:
    sandbox, context = gl_context
    spy = BackupAfter(sandbox, after=2)
    context.progress = spy
    first = run_batch(
        context, RunRequest(batch_number="RR-E", invoices=False, expenses=True, inventory=False, skip_invalid=True)
    )
    context.progress = SilentProgress()
    posted = [row for row in first.documents if row.state == "written_back"]
    assert len(posted) >= 4, first.message
    assert all(row.key.startswith("GL:") for row in posted), [row.key for row in posted]
    assert spy.backup is not None
    numbers = {row.document_number for row in posted}
    assert set(gl_copies(sandbox, numbers).values()) == {1}
    sandbox.sage.restore(spy.backup)
    kept = {n for n, c in gl_copies(sandbox, numbers).items() if c}
    assert len(kept) == 2 and kept < numbers

    rerun = rerun_batch(context, "RR-E")
    assert rerun.outcome is Outcome.SUCCEEDED, rerun.message
    skipped_numbers = {row.document_number for row in rerun.documents if row.state == "skipped"}
    assert skipped_numbers == kept
    assert all("GL journal batch" in rerun.skipped[row.key] for row in rerun.documents if row.state == "skipped")
    assert {row.document_number for row in rerun.documents if row.state == "posted"} == numbers - kept
    assert set(gl_copies(sandbox, numbers).values()) == {1}  # no duplicates

    forced = rerun_batch(context, "RR-E", force=True)
    assert forced.outcome is Outcome.SUCCEEDED, forced.message
    assert {row.document_number for row in forced.documents if row.state == "posted"} == numbers
    assert set(gl_copies(sandbox, numbers).values()) == {2}  # what --force means for journal entries
    [note] = [w for w in forced.warnings if "posted again" in w]
    assert f"{len(numbers)} document(s)" in note and "first copy: GL journal batch" in note
