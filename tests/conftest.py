"""Shared pytest fixtures for the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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
