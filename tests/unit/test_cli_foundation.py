"""CLI foundation: help, version, config show masking, history, login with an injected checker, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cwsage import __version__, cli
from cwsage.config import Settings, load_settings
from cwsage.errors import ConfigurationError
from cwsage.secrets import SecretStore
from cwsage.state import RunStatus, StateStore

runner = CliRunner()


def test_help_lists_the_commands(cwsage_home: Path) -> None:
    result = runner.invoke(cli.app, ["--help"])
    assert result.exit_code == 0
    for word in ("version", "login", "config", "history", "--verbose", "--profile"):
        assert word in result.output


def test_version(cwsage_home: Path) -> None:
    result = runner.invoke(cli.app, ["version"])
    assert result.exit_code == 0
    assert f"cwsage {__version__}" in result.output


def test_config_show_masks_secrets_and_shows_sources(cwsage_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CWSAGE_MANAGE_URL", "https://manage.example")
    monkeypatch.setenv("CWSAGE_MANAGE_PRIVATE_KEY", "very-private-key-42")
    SecretStore(cwsage_home, backend="file").set("default/sage.password", "stored-sage-pass-42")
    result = runner.invoke(cli.app, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert "https://manage.example" in result.output
    assert "env CWSAGE_MANAGE_URL" in result.output
    assert "very-private-key-42" not in result.output
    assert "stored-sage-pass-42" not in result.output
    assert result.output.count("***") >= 2
    assert "file secret store" in result.output
    assert "(not set)" in result.output


def test_history_shows_runs(cwsage_home: Path) -> None:
    empty = runner.invoke(cli.app, ["history"])
    assert empty.exit_code == 0, empty.output
    assert "No runs yet" in empty.output
    settings = load_settings(require=set())
    with StateStore.open(settings.database_url) as store:
        run = store.create_run(kind="run", batch_number="WEEK-12", options={}, actor="ann")
        store.finish_run(run.id, RunStatus.SUCCEEDED, {"posted": 7})
    result = runner.invoke(cli.app, ["history"])
    assert result.exit_code == 0, result.output
    assert "WEEK-12" in result.output
    assert "succeeded" in result.output
    assert "posted=7" in result.output


LOGIN_INPUT = "\n".join(
    [
        "https://manage.example",  # manage url
        "acme",  # company
        "apikey",  # auth
        "cid-secret-7788",  # clientId (hidden)
        "pubkey1",  # public key
        "priv-secret-7788",  # private key (hidden)
        "https://sage.example",  # sage url
        "SAMLTD",  # company
        "ADMIN",  # user
        "sage-secret-7788",  # password (hidden)
        "",
    ]
)


def test_login_checks_and_saves(cwsage_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Settings] = []

    def fake_checker(settings: Settings) -> list[str]:
        seen.append(settings)
        return []

    monkeypatch.setattr(cli, "CREDENTIAL_CHECKERS", [fake_checker])
    result = runner.invoke(cli.app, ["login", "--save-password"], input=LOGIN_INPUT)
    assert result.exit_code == 0, result.output
    assert len(seen) == 1
    manage = seen[0].need_manage()
    assert manage.private_key is not None
    assert manage.private_key.get_secret_value() == "priv-secret-7788"
    for secret in ("cid-secret-7788", "priv-secret-7788", "sage-secret-7788"):
        assert secret not in result.output
        assert secret not in (cwsage_home / "config.toml").read_text()
    settings = load_settings()
    assert settings.need_sage().password.get_secret_value() == "sage-secret-7788"
    assert settings.sources["sage.password"] == "file secret store"
    assert settings.sources["manage.url"].startswith("file ")


def test_login_refuses_bad_credentials_and_saves_nothing(cwsage_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "CREDENTIAL_CHECKERS", [lambda s: ["Sage 300: the user or password is wrong."]])
    result = runner.invoke(cli.app, ["login"], input=LOGIN_INPUT)
    assert result.exit_code == 1
    assert "password is wrong" in result.output
    assert not (cwsage_home / "config.toml").exists()
    assert not (cwsage_home / "secrets.enc").exists()


def test_login_without_saving_passwords(cwsage_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "CREDENTIAL_CHECKERS", [lambda s: []])
    result = runner.invoke(cli.app, ["login", "--no-save-password"], input=LOGIN_INPUT)
    assert result.exit_code == 0, result.output
    assert (cwsage_home / "config.toml").exists()
    assert not (cwsage_home / "secrets.enc").exists()
    with pytest.raises(ConfigurationError):
        load_settings()


def test_login_without_saving_forgets_the_passwords_saved_before(
    cwsage_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "CREDENTIAL_CHECKERS", [lambda s: []])
    assert runner.invoke(cli.app, ["login", "--save-password"], input=LOGIN_INPUT).exit_code == 0
    assert load_settings().need_sage().password.get_secret_value() == "sage-secret-7788"
    result = runner.invoke(cli.app, ["login", "--no-save-password"], input=LOGIN_INPUT)
    assert result.exit_code == 0, result.output
    assert "Forgot the 3 password(s) and key(s) saved before for profile 'default'." in result.output
    assert SecretStore(cwsage_home, backend="file").names() == [], "no stale password outlives the new one"


def test_login_keeps_the_tls_and_timeout_settings_it_does_not_ask_for(
    cwsage_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Settings] = []
    monkeypatch.setattr(cli, "CREDENTIAL_CHECKERS", [lambda s: seen.append(s) or []])
    monkeypatch.setenv("CWSAGE_SAGE_VERIFY_TLS", "false")
    result = runner.invoke(cli.app, ["login", "--no-save-password"], input=LOGIN_INPUT)
    assert result.exit_code == 0, result.output
    assert seen[0].need_sage().verify_tls is False, "'false' from the environment is the switch, not a CA path"


def test_cwsage_error_is_one_red_paragraph_exit_1(cwsage_home: Path) -> None:
    @cli.app.command("explode-for-test")
    def explode() -> None:
        raise ConfigurationError("The Sage company is missing.", detail="tech detail xyz", hint="Fix it.")

    try:
        plain = runner.invoke(cli.app, ["explode-for-test"])
        assert plain.exit_code == 1
        assert "The Sage company is missing." in plain.output
        assert "Fix it." in plain.output
        assert "tech detail xyz" not in plain.output
        assert "Traceback" not in plain.output
        verbose = runner.invoke(cli.app, ["--verbose", "explode-for-test"])
        assert verbose.exit_code == 1
        assert "tech detail xyz" in verbose.output
        assert "Traceback" in verbose.output
    finally:
        cli.app.registered_commands[:] = [c for c in cli.app.registered_commands if c.name != "explode-for-test"]


def test_missing_settings_error_from_a_command(cwsage_home: Path) -> None:
    @cli.app.command("needs-settings-for-test")
    def needs(ctx: cli.typer.Context) -> None:
        cli.app_context(ctx).settings()

    try:
        result = runner.invoke(cli.app, ["needs-settings-for-test"])
        assert result.exit_code == 1
        assert "CWSAGE_MANAGE_URL" in result.output
    finally:
        cli.app.registered_commands[:] = [c for c in cli.app.registered_commands if c.name != "needs-settings-for-test"]
