"""Shared pytest fixtures for the whole suite."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cwsage.sandbox.runner import Sandbox, start_sandbox

TEST_SECRETS_KEY = "dGVzdC1rZXktb2YtY3dzYWdlLXRlc3RzLTMyLWJ5dGU="
"""32 bytes in base64: the secret file's key in tests (``CWSAGE_SECRETS_KEY``)."""


LONGEST_FIRST = ("e2e/test_benchmark_smoke.py", "chaos/", "browser/", "e2e/", "contract/")
"""Where the slow files are, slowest first: with ``-n`` they are handed out first, so no worker is left running one
alone at the end while the other idles (the fast unit and emulator tests fill in)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the files by :data:`LONGEST_FIRST` (a stable sort: each file's tests keep their order)."""
    root = Path(__file__).parent

    def rank(item: pytest.Item) -> int:
        where = Path(str(item.fspath)).relative_to(root).as_posix()
        return next((i for i, prefix in enumerate(LONGEST_FIRST) if where.startswith(prefix)), len(LONGEST_FIRST))

    items.sort(key=rank)


@pytest.fixture
def cwsage_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh CWSAGE_HOME in a temp dir, the encrypted-file secret backend keyed by CWSAGE_SECRETS_KEY, and no other
    CWSAGE_* variables.

    Yields the home directory (state.db, config.toml, logs/, keys/ and secrets.enc go under it).
    """
    for name in list(os.environ):
        if name.startswith("CWSAGE_"):
            monkeypatch.delenv(name)
    home = tmp_path / "cwsage-home"
    home.mkdir()
    monkeypatch.setenv("CWSAGE_HOME", str(home))
    monkeypatch.setenv("CWSAGE_SECRET_BACKEND", "file")
    # The file backend's key comes from outside the home (issue 13): a fixed test key from the environment.
    monkeypatch.setenv("CWSAGE_SECRETS_KEY", TEST_SECRETS_KEY)
    yield home
    from cwsage.logging_setup import reset_logging

    reset_logging()


@pytest.fixture(autouse=True)
def _isolated_secrets() -> Iterator[None]:
    """Secrets registered for redaction by one test (e.g. a deliberately wrong password) stay in that test."""
    yield
    from cwsage.redaction import forget_secrets

    forget_secrets()


class JsonContract:
    """Checks a command's stdout against the one JSON contract (docs/json.md) and the stored JSON Schemas."""

    def __init__(self) -> None:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource

        from cwsage.json_output import load_schema, schema_names

        self.names = schema_names()
        schemas = {name: load_schema(name) for name in self.names}
        registry: Registry[Any] = Registry().with_resources(
            (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
        )
        for schema in schemas.values():
            Draft202012Validator.check_schema(schema)
        self.validators = {
            name: Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
            for name, schema in schemas.items()
        }

    def check(self, stdout: str, exit_code: int, kind: str) -> dict[str, Any]:
        """The one JSON object on ``stdout``, validated; it must say ``kind`` and ``exit_code``.

        The whole of stdout must be that one object; a non-integer JSON number (an amount written as a
        float) fails, so does an object that does not match ``<kind>.schema.json`` (or, for a kind without a
        schema, ``error.schema.json``).
        """

        def no_floats(text: str) -> Any:
            raise AssertionError(f"a non-integer JSON number {text} on stdout: amounts must be strings")

        data = json.loads(stdout, parse_float=no_floats)
        assert isinstance(data, dict), stdout
        assert data["kind"] == kind, data
        assert data["exit_code"] == exit_code, data
        schema = kind if kind in self.names else "error"
        errors = sorted(self.validators[schema].iter_errors(data), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
        return data

    def check_error(self, stdout: str, exit_code: int, kind: str, code: str) -> dict[str, str]:
        """The error object of a failed command (validated as :meth:`check`), with the expected ``code``."""
        data = self.check(stdout, exit_code, kind)
        self.validators["error"].validate({k: data[k] for k in ("kind", "exit_code", "error")})
        error: dict[str, str] = data["error"]
        assert error["code"] == code, error
        return error


@pytest.fixture(scope="session")
def json_contract() -> JsonContract:
    """The validator of ``--json`` output (one object, no floats, the command kind's JSON Schema)."""
    return JsonContract()


class SandboxPool:
    """Emulator pairs served over real HTTP on 127.0.0.1, started once per session (per xdist worker) and reset
    before each use.

    Why: starting and stopping two uvicorn servers per test cost more than the tests themselves. A pair is
    kept per set of :func:`~cwsage.sandbox.runner.start_sandbox` options (the dialect: ``sage_version="2016"``,
    ``inventory_control=False``, ``transfer_expenses_as_bill=False`` …), since those are fixed when an emulator
    is built. :meth:`fresh` hands out a pair no other holder is using — a test that needs two independent
    pairs of the same dialect gets two — after ``POST /_sandbox/reset`` on both, and checks that the reset
    really brought back the state the pair started with (``GET /_sandbox/state``), so no test sees another's
    leftovers.
    """

    def __init__(self) -> None:
        self._stacks: list[contextlib.ExitStack] = []
        self._http = httpx.Client(timeout=30)
        self._free: dict[tuple[tuple[str, Any], ...], list[Sandbox]] = {}
        self._pristine: dict[int, tuple[Any, Any]] = {}
        self.started = 0
        self.resets = 0

    def _reset(self, box: Sandbox) -> tuple[Any, Any]:
        """``POST /_sandbox/reset`` on both; what they then say of themselves (Sage's reset answers its state)."""
        sage = self._http.post(f"{box.sage_server.url}/_sandbox/reset", json={"forget_snapshots": True})
        sage.raise_for_status()
        self._http.post(f"{box.manage_server.url}/_sandbox/reset").raise_for_status()
        manage = self._http.get(f"{box.manage_server.url}/_sandbox/state")
        manage.raise_for_status()
        self.resets += 1
        return manage.json(), sage.json()

    @contextlib.contextmanager
    def fresh(self, **options: Any) -> Iterator[Sandbox]:
        """A pair of emulators in their factory state for ``options`` (as ``start_sandbox``), held for the block."""
        key = tuple(sorted(options.items()))
        free = self._free.setdefault(key, [])
        if free:
            box = free.pop()
            state, pristine = self._reset(box), self._pristine[id(box)]
            differ = [
                f"{name} {key}: {first.get(key)!r} → {now.get(key)!r}"
                for name, first, now in zip(("Manage", "Sage"), pristine, state, strict=True)
                for key in sorted(set(first) | set(now))
                if first.get(key) != now.get(key)
            ]
            assert not differ, f"the emulators' reset did not bring back their first state: {differ}"
        else:
            stack = contextlib.ExitStack()
            self._stacks.append(stack)
            box = stack.enter_context(start_sandbox(**options))
            self._pristine[id(box)] = self._reset(box)
            self.started += 1
        try:
            yield box
        finally:
            free.append(box)

    def close(self) -> None:
        """Stop every server, all at once (each waits for uvicorn to wind down)."""
        self._http.close()
        stopping = [threading.Thread(target=stack.close) for stack in self._stacks]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()


@pytest.fixture(scope="session")
def sandboxes() -> Iterator[SandboxPool]:
    """The session's :class:`SandboxPool`; ``with sandboxes.fresh(sage_version="2016") as box:`` in a test."""
    pool = SandboxPool()
    yield pool
    pool.close()
