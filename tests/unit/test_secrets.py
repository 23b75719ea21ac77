"""Secrets: keyring detection, the encrypted file backend, and no secret anywhere it must not be."""

from __future__ import annotations

import io
import logging
import stat
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from cwsage import cli
from cwsage.config import load_settings, secret_key
from cwsage.errors import ConfigurationError
from cwsage.logging_setup import configure_logging, current_log_file
from cwsage.secrets import SecretStore, backend_is_usable, detect_keyring
from cwsage.state import StateStore


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
    store = SecretStore(tmp_path, keyring_backend=BrokenKeyring(), env={})
    assert store.backend_name == "keyring"
    assert store.set("x/manage.client_id", "fallback-secret-1") == "file"
    assert store.get("x/manage.client_id") == "fallback-secret-1"
    assert (tmp_path / "secrets.enc").exists()


def test_file_backend_encrypts_with_a_separate_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = SecretStore(home, backend="file")
    assert store.get("nothing") is None
    store.set("default/sage.password", "S3cr3t-Sage-Pa55")
    store.set("default/manage.private_key", "PrivKey-Manage-777")
    enc = home / "secrets.enc"
    key = home / "keys" / "secrets.key"
    assert enc.parent != key.parent
    for path in (enc, key):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for directory in (home, key.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    raw = enc.read_bytes()
    assert b"S3cr3t-Sage-Pa55" not in raw
    assert b"PrivKey-Manage-777" not in raw
    again = SecretStore(home, backend="file")
    assert again.get("default/sage.password") == "S3cr3t-Sage-Pa55"
    assert again.names() == ["default/manage.private_key", "default/sage.password"]
    again.delete("default/sage.password")
    assert again.get("default/sage.password") is None


def test_file_without_its_key_is_a_clear_error_and_login_can_recover(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, backend="file")
    store.set("a", "value-one-1")
    (tmp_path / "keys" / "secrets.key").unlink()
    with pytest.raises(ConfigurationError, match="key"):
        SecretStore(tmp_path, backend="file").get("a")
    fresh = SecretStore(tmp_path, backend="file")
    fresh.set("a", "value-two-2")
    assert fresh.get("a") == "value-two-2"
    assert (tmp_path / "secrets.enc.unreadable").exists()


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
    store = SecretStore(cwsage_home, backend="file")
    for name, value in secret_values.items():
        store.set(secret_key("default", name), value)
    monkeypatch.setenv("CWSAGE_MANAGE_URL", "https://m.example")
    monkeypatch.setenv("CWSAGE_MANAGE_COMPANY", "acme")
    monkeypatch.setenv("CWSAGE_MANAGE_PUBLIC_KEY", "pub")
    monkeypatch.setenv("CWSAGE_SAGE_URL", "https://s.example")
    monkeypatch.setenv("CWSAGE_SAGE_COMPANY", "SAMLTD")
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

    # the state database
    with StateStore.open(settings.database_url) as state:
        run = state.create_run(kind="batch", batch_number="B1", options={"profile": "default"}, actor="t")
        state.audit(run.id, "note", {"text": redact(f"pw={secret_values['sage.password']}")})

    disk = _all_bytes(cwsage_home)
    for value in secret_values.values():
        assert value not in log_text
        assert value not in exception_text
        assert value not in result.output
        assert value.encode() not in disk
