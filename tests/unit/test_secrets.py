"""Secrets: keyring detection, the encrypted file backend, and no secret anywhere it must not be."""

from __future__ import annotations

import base64
import io
import logging
import os
import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from cwsage import cli
from cwsage.config import load_settings, secret_key
from cwsage.errors import ConfigurationError
from cwsage.logging_setup import configure_logging, current_log_file
from cwsage.secrets import ENV_KEY, SecretStore, backend_is_usable, detect_keyring
from cwsage.state import StateStore

KEY = "dGVzdC1rZXktb2YtY3dzYWdlLXRlc3RzLTMyLWJ5dGU="


class MemoryKeyring:
    """A usable keyring backend stand-in (keyring's real API names)."""

    priority = 5

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, name: str) -> str | None:
        return self.items.get((service, name))

    def set_password(self, service: str, name: str, value: str) -> None:
        self.items[(service, name)] = value

    def delete_password(self, service: str, name: str) -> None:
        self.items.pop((service, name), None)


class BrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, name: str) -> str | None:
        import keyring.errors

        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, name: str, value: str) -> None:
        import keyring.errors

        raise keyring.errors.PasswordSetError("no dbus")


def test_fail_and_null_backends_are_not_usable() -> None:
    from keyring.backends import chainer, fail, null

    assert not backend_is_usable(fail.Keyring())
    assert not backend_is_usable(null.Keyring())

    class EmptyChainer(chainer.ChainerBackend):
        backends: ClassVar[list[Any]] = []

    class FailChainer(chainer.ChainerBackend):
        backends: ClassVar[list[Any]] = [fail.Keyring()]

    class GoodChainer(chainer.ChainerBackend):
        backends: ClassVar[list[Any]] = [fail.Keyring(), MemoryKeyring()]

    assert not backend_is_usable(EmptyChainer())
    assert not backend_is_usable(FailChainer())
    assert backend_is_usable(GoodChainer())
    assert backend_is_usable(MemoryKeyring())


def test_detect_keyring_handles_fail_backend_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", fail.Keyring)
    assert detect_keyring() is None

    def boom() -> Any:
        raise RuntimeError("dbus exploded")

    monkeypatch.setattr(keyring, "get_keyring", boom)
    assert detect_keyring() is None
    memory = MemoryKeyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: memory)
    assert detect_keyring() is memory


def test_auto_picks_keyring_when_usable_else_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends import fail

    memory = MemoryKeyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: memory)
    store = SecretStore(tmp_path, env={})
    assert store.backend_name == "keyring"
    assert store.set("p/sage.password", "kr-secret-1") == "keyring"
    assert memory.items[("cwsage", "p/sage.password")] == "kr-secret-1"
    assert store.get("p/sage.password") == "kr-secret-1"
    assert not (tmp_path / "secrets.enc").exists()

    monkeypatch.setattr(keyring, "get_keyring", fail.Keyring)
    assert SecretStore(tmp_path, env={}).backend_name == "file"
    with pytest.raises(ConfigurationError, match="keyring"):
        SecretStore(tmp_path, backend="keyring", env={})
    # env forces the file even with a usable keyring
    monkeypatch.setattr(keyring, "get_keyring", lambda: memory)
    assert SecretStore(tmp_path, env={"CWSAGE_SECRET_BACKEND": "file"}).backend_name == "file"
    with pytest.raises(ConfigurationError):
        SecretStore(tmp_path, env={"CWSAGE_SECRET_BACKEND": "plaintext"})


def test_keyring_errors_fall_back_to_the_file(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, keyring_backend=BrokenKeyring(), env={ENV_KEY: KEY})
    assert store.backend_name == "keyring"
    assert store.set("x/manage.client_id", "fallback-secret-1") == "file"
    assert store.get("x/manage.client_id") == "fallback-secret-1"
    assert (tmp_path / "secrets.enc").exists()


def _all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_secrets_never_reach_logs_errors_config_show_or_disk(
    cwsage_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_values = {
        "manage.private_key": "PRIV-zz91-secret",
        "manage.client_id": "CLIENT-8d77-secret",
        "sage.password": "SAGEPW-4411-secret",
    }
    short_password = "DEMO"  # too short for the value safety net: masked by field and syntax only
    store = SecretStore(cwsage_home, backend="file")
    for name, value in secret_values.items():
        store.set(secret_key("default", name), value)
    store.set(secret_key("default", "manage.integrator_password"), short_password)
    monkeypatch.setenv("CWSAGE_MANAGE_URL", "https://m.example")
    monkeypatch.setenv("CWSAGE_MANAGE_COMPANY", "acme")
    monkeypatch.setenv("CWSAGE_MANAGE_PUBLIC_KEY", "pub")
    monkeypatch.setenv("CWSAGE_SAGE_URL", "https://s.example")
    monkeypatch.setenv("CWSAGE_SAGE_COMPANY", "CWDEMO")
    monkeypatch.setenv("CWSAGE_SAGE_USER", "ADMIN")
    settings = load_settings()
    assert settings.need_sage().password.get_secret_value() == secret_values["sage.password"]

    # logs: console and the full log file
    console_buffer = io.StringIO()
    from rich.console import Console

    configure_logging(verbose=True, logs_dir=cwsage_home / "logs", console=Console(file=console_buffer))
    logger = logging.getLogger("cwsage.test")
    logger.info("connecting with password %s", secret_values["sage.password"])
    logger.warning("settings: %s", settings)
    logger.warning("raw repr %r", settings.need_manage().private_key)
    try:
        raise ValueError(f"bad key {secret_values['manage.private_key']}")
    except ValueError:
        logger.exception("boom")
    basic = base64.b64encode(f"ADMIN:{short_password}".encode()).decode()
    logger.debug("request headers %s", {"Authorization": f"Basic {basic}", "clientId": "CLIENT-8d77-secret"})
    logger.debug("GET https://ADMIN:%s@s.example/Sage300WebApi/v1.0/-/CWDEMO/AR?password=%s", short_password, "x")
    for handler in logging.getLogger().handlers:
        handler.flush()
    log_file = current_log_file()
    assert log_file is not None
    log_text = log_file.read_text() + console_buffer.getvalue()
    assert "connecting with password ***" in log_text

    # exception text
    error = ConfigurationError(f"could not log in with {secret_values['manage.client_id']}")
    from cwsage.redaction import redact

    exception_text = redact(str(error))

    # config show output
    result = CliRunner().invoke(cli.app, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert "***" in result.output

    # the state database (with its -wal and -shm files, still open)
    with StateStore.open(settings.database_url) as state:
        run = state.create_run(kind="run", batch_number="B1", options={"profile": "default"}, actor="t")
        state.audit(run.id, "note", {"text": redact(f"pw={secret_values['sage.password']}")})
        state.audit(run.id, "note", {"text": redact(f'{{"password": "{short_password}", "company": "CWDEMO"}}')})
        # reports
        from cwsage.services.reports import write_reports
        from cwsage.services.results import Outcome, RunResult

        report = RunResult(
            "run",
            "B1",
            Outcome.FAILED,
            f"Sage 300 refused user ADMIN (Authorization: Basic {basic}) for company CWDEMO",
            run_id=run.id,
            warnings=[f"password={short_password}", f"key {secret_values['manage.private_key']}"],
        )
        report_paths = write_reports(cwsage_home / "reports", report, state.audit_log(run.id))
        disk = _all_bytes(cwsage_home)
    reports = "".join(path.read_text(encoding="utf-8") for path in report_paths.values())
    assert "company CWDEMO" in reports
    assert "/-/CWDEMO/AR" in log_text

    for value in secret_values.values():
        assert value not in log_text
        assert value not in exception_text
        assert value not in result.output
        assert value not in reports
        assert value.encode() not in disk
    whole_short = re.compile(rf"(?<![A-Za-z0-9]){short_password}(?![A-Za-z0-9])")
    for text in (log_text, result.output, reports, disk.decode("utf-8", "replace")):
        assert not whole_short.search(text)
        assert basic not in text
        assert "CW***" not in text
    # the home alone cannot open the secret file: its key is nowhere under the home
    assert os.environ["CWSAGE_SECRETS_KEY"].encode() not in disk
    assert base64.b64decode(os.environ["CWSAGE_SECRETS_KEY"]) not in disk
    assert not (cwsage_home / "keys").exists()
