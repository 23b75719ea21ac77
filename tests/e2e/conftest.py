"""Fixtures for end-to-end tests: both emulators served on loopback, and a cwsage context against them."""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cwsage.config import RunDefaults, Settings
from cwsage.dates import FixedClock
from cwsage.sandbox.runner import Sandbox
from cwsage.services.batch import Context
from cwsage.services.progress import KILL_ENV
from cwsage.services.session import connect
from cwsage.state.store import StateStore

if TYPE_CHECKING:
    from tests.conftest import SandboxPool


@pytest.fixture
def sandbox(sandboxes: SandboxPool) -> Iterator[Sandbox]:
    """Emulators in their factory state (demo company, Inventory Control on, expenses as bills) for one test.

    Served once per session and reset before the test (:class:`tests.conftest.SandboxPool`).
    """
    with sandboxes.fresh() as box:
        yield box


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """cwsage's home for one test (state database, reports)."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def settings(sandbox: Sandbox, home: Path) -> Settings:
    """Settings pointing at the sandbox; adjust with ``settings.model_copy(update=...)``."""
    return sandbox.settings(home, RunDefaults(ic_default_location="MAIN", chunk_size=25))


@pytest.fixture
def store(settings: Settings) -> Iterator[StateStore]:
    """The state store of the test's home."""
    with StateStore.open(settings.database_url) as opened:
        yield opened


@pytest.fixture
def context(settings: Settings, store: StateStore) -> Iterator[Context]:
    """A live :class:`Context` (both clients) against the sandbox."""
    with connect(settings, store) as ctx:
        yield ctx


def run_cli(
    sandbox: Sandbox,
    home: Path,
    *args: str,
    extra_env: dict[str, str] | None = None,
    timeout: float = 240,
    process: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``cwsage ARGS`` against the sandbox with its own home; its exit code, stdout and stderr.

    In this process (:func:`invoke_cli`) unless ``process``: a separate ``python -m cwsage`` then, for what only a
    real process shows — being killed (``CWSAGE_TEST_KILL_AT``), the entry point itself.
    """
    env = cli_env(sandbox, home, extra_env)
    if process or KILL_ENV in env:
        return subprocess.run(
            [sys.executable, "-m", "cwsage", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    return invoke_cli(env, *args)


def invoke_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``cwsage ARGS`` run in this process with exactly ``env`` as its environment (Typer's ``CliRunner``).

    The same command object ``python -m cwsage`` runs (``--json`` errors included), with stdout and stderr apart;
    an exception the command let escape is on stderr as its traceback with exit code 1, as Python would print it.
    Logging is reset afterwards, as a process ending would.
    """
    from typer.testing import CliRunner

    from cwsage.cli import app
    from cwsage.logging_setup import reset_logging

    changes: dict[str, str | None] = {name: None for name in os.environ if name not in env}
    changes.update(env)
    try:
        result = CliRunner().invoke(app, list(args), env=changes, prog_name="cwsage")
    finally:
        reset_logging()
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(["cwsage", *args], result.exit_code, result.stdout, stderr)


def cli_env(sandbox: Sandbox, home: Path, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a ``cwsage`` subprocess against the sandbox: no inherited ``CWSAGE_*``, its own home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CWSAGE_")}
    env.update(sandbox.env())
    env.update({"CWSAGE_HOME": str(home), "CWSAGE_SECRET_BACKEND": "file", "COLUMNS": "200"})
    env.update(extra_env or {})
    return env


def write_defaults(home: Path, **defaults: object) -> None:
    """Write ``[profiles.default.defaults]`` into ``home/config.toml`` for CLI subprocess runs."""
    lines = ["[profiles.default.defaults]"]
    for key, value in {"ic_default_location": "MAIN", **defaults}.items():
        text = (
            str(value).lower() if isinstance(value, bool) else (str(value) if isinstance(value, int) else f'"{value}"')
        )
        lines.append(f"{key} = {text}")
    (home / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


OPEN = ("Open", "ReadyToPost")
"""Batch statuses whose documents are in Sage but not posted (a ``Deleted`` batch's are not in Sage, I29)."""


def gl_key(header: dict[str, Any]) -> str:
    """The document key of a stored journal entry (I15): every detail's ``Reference`` is the key — there is no
    header ``Reference`` or ``DocumentNumber`` — and the header's ``Description`` starts with it."""
    references = {detail["Reference"] for detail in header["JournalDetails"]}
    assert len(references) == 1, references
    key = str(references.pop())
    assert str(header["Description"]).split(" ", 1)[0] == key, header["Description"]
    return key


def gl_headers(box: Sandbox) -> list[dict[str, Any]]:
    """Every journal entry in Sage: in open, ready or posted GL batches (deleted ones are gone, I29)."""
    return [h for b in box.sage.store.gl_batches() if b["Status"] != "Deleted" for h in b["JournalHeaders"]]


def ar_copies(box: Sandbox) -> Counter[str]:
    """How many times each AR document number is in Sage: entries of open or ready batches, plus posted
    documents (receipts aside)."""
    numbers: Counter[str] = Counter()
    for batch in box.sage.store.ar_batches():
        if batch["BatchStatus"] in OPEN:
            numbers.update(entry["DocumentNumber"] for entry in batch["Invoices"])
    numbers.update(
        doc["DocumentNumber"] for doc in box.sage.store.rows("AR/ARPostedDocuments") if doc["DocumentType"] != "Receipt"
    )
    return numbers


__all__ = ["OPEN", "FixedClock", "ar_copies", "cli_env", "gl_headers", "gl_key", "replace", "run_cli", "write_defaults"]
