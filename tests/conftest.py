"""Shared pytest fixtures for the whole suite."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TEST_SECRETS_KEY = "dGVzdC1rZXktb2YtY3dzYWdlLXRlc3RzLTMyLWJ5dGU="
"""32 bytes in base64: the secret file's key in tests (``CWSAGE_SECRETS_KEY``)."""


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
