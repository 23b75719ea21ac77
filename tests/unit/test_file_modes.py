"""Reports, logs and the state database are private to the user: files 0600, folders 0700 (issue 13)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cwsage.logging_setup import configure_logging, reset_logging
from cwsage.services.reports import write_reports
from cwsage.services.results import Outcome, RunResult
from cwsage.state import StateStore

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _permissive_umask() -> Iterator[None]:
    """The usual desktop umask (files 0644, folders 0755 unless cwsage asks for less)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_log_file_and_its_folders_are_private(tmp_path: Path) -> None:
    home = tmp_path / "new-home"
    try:
        log_file = configure_logging(logs_dir=home / "logs")
        logging.getLogger("cwsage.test").warning("a line for the full log")
        for handler in logging.getLogger().handlers:
            handler.flush()
    finally:
        reset_logging()
    assert log_file is not None
    assert log_file.exists()
    assert _mode(log_file) == 0o600
    assert _mode(home / "logs") == 0o700
    assert _mode(home) == 0o700


def test_reports_and_their_folders_are_private(tmp_path: Path) -> None:
    reports_dir = tmp_path / "home" / "reports"
    result = RunResult("run", "B-1", Outcome.SUCCEEDED, "done", run_id="run-1")
    paths = write_reports(reports_dir, result, [])
    assert set(paths) == {"errors", "full_log", "json"}
    for path in paths.values():
        assert _mode(path) == 0o600, path
    for folder in (reports_dir / "run-1", reports_dir, reports_dir.parent):
        assert _mode(folder) == 0o700, folder


def test_state_database_wal_and_shm_are_private(tmp_path: Path) -> None:
    database = tmp_path / "data" / "state" / "state.db"
    with StateStore.open(f"sqlite:///{database.as_posix()}") as store:
        store.create_run(kind="run", batch_number="B-1", options={}, actor="test")
        companions = [database.with_name("state.db-wal"), database.with_name("state.db-shm")]
        assert all(path.exists() for path in companions)  # WAL mode, connection still open
        for path in [database, *companions]:
            assert _mode(path) == 0o600, path
    assert _mode(database.parent) == 0o700
    assert _mode(database.parent.parent) == 0o700


def test_files_left_open_by_an_older_version_are_tightened(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "reports").mkdir(parents=True)
    (home / "reports").chmod(0o755)
    database = home / "state.db"
    database.touch()
    database.chmod(0o644)
    with StateStore.open(f"sqlite:///{database.as_posix()}"):
        pass
    assert _mode(database) == 0o600
    write_reports(home / "reports", RunResult("run", "B-2", Outcome.SUCCEEDED, "done", run_id="r2"), [])
    assert _mode(home / "reports") == 0o700


def test_a_folder_the_user_chose_is_not_changed(tmp_path: Path) -> None:
    from cwsage.private_files import ensure_private_dir, write_private

    chosen = tmp_path / "shared"
    chosen.mkdir()
    chosen.chmod(0o755)
    ensure_private_dir(chosen, tighten=False)
    assert _mode(chosen) == 0o755
    write_private(chosen / "x.txt", "text")
    assert _mode(chosen / "x.txt") == 0o600
    assert (chosen / "x.txt").read_text(encoding="utf-8") == "text"
