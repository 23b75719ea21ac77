"""Configuration: profiles, environment overrides, secret store fallback, error listing every place."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cwsage.config import (
    SECRET_FIELDS,
    load_settings,
    paths,
    resolve_fields,
    resolve_paths,
    save_profile,
    secret_key,
)
from cwsage.errors import ConfigurationError
from cwsage.redaction import redact
from cwsage.secrets import SecretStore

CONFIG = """
default_profile = "prod"

[profiles.prod.manage]
url = "https://na.myconnectwise.net"
company = "acme"
public_key = "PUBKEY"

[profiles.prod.sage]
url = "https://sage.example/Sage300WebApi"
company = "SAMLTD"
user = "ADMIN"

[profiles.prod.defaults]
auto_post = true
chunk_size = 25
customer_group = "MSP"
home_currency = "USD"

[profiles.test.manage]
url = "https://test.example"
company = "acmetest"
auth = "impersonation"
integrator_user = "integrator"
member = "jdoe"

[profiles.test.sage]
url = "http://127.0.0.1:9"
company = "SAMINC"
user = "TEST"
verify_tls = false
timeout_seconds = 5
"""

SECRETS_ENV = {
    "CWSAGE_MANAGE_PRIVATE_KEY": "priv-key-value-1",
    "CWSAGE_MANAGE_CLIENT_ID": "client-id-value-1",
    "CWSAGE_SAGE_PASSWORD": "sage-password-1",
}


def _env(home: Path, **extra: str) -> dict[str, str]:
    key = {"CWSAGE_SECRETS_KEY": os.environ["CWSAGE_SECRETS_KEY"]} if "CWSAGE_SECRETS_KEY" in os.environ else {}
    return {"CWSAGE_HOME": str(home), "CWSAGE_SECRET_BACKEND": "file", **key, **extra}


def _write_config(home: Path) -> Path:
    path = home / "config.toml"
    path.write_text(CONFIG)
    return path


def test_paths_layout(tmp_path: Path) -> None:
    layout = paths(tmp_path)
    assert layout.config_file == tmp_path / "config.toml"
    assert layout.state_db == tmp_path / "state.db"
    assert layout.logs_dir == tmp_path / "logs"
    assert layout.reports_dir == tmp_path / "reports"
    assert layout.key_file.parent != layout.secrets_file.parent


def test_resolve_paths_without_home_uses_platform_dirs() -> None:
    layout = resolve_paths({})
    assert "cwsage" in str(layout.home)
    assert layout.config_file.name == "config.toml"


def test_default_profile_from_file_plus_env_secrets(cwsage_home: Path) -> None:
    _write_config(cwsage_home)
    settings = load_settings(env=_env(cwsage_home, **SECRETS_ENV))
    assert settings.profile == "prod"
    manage = settings.need_manage()
    assert manage.url == "https://na.myconnectwise.net"
    assert manage.auth == "apikey"
    assert manage.public_key == "PUBKEY"
    assert manage.private_key is not None
    assert manage.private_key.get_secret_value() == "priv-key-value-1"
    assert manage.accept_version == "2025.1"
    assert settings.need_sage().password.get_secret_value() == "sage-password-1"
    assert settings.defaults.auto_post is True
    assert settings.defaults.chunk_size == 25
    assert settings.defaults.customer_group == "MSP"
    assert settings.defaults.gl_source_code == "GL-JE"
    assert settings.defaults.home_currency == "USD"
    assert settings.database_url == f"sqlite:///{(cwsage_home / 'state.db').as_posix()}"
    assert settings.sources["manage.url"].startswith("file ")
    assert settings.sources["manage.private_key"] == "env CWSAGE_MANAGE_PRIVATE_KEY"
    assert settings.sources["database_url"] == "default"
    # every loaded secret is registered for redaction
    assert redact("key priv-key-value-1 id client-id-value-1 pw sage-password-1") == "key *** id *** pw ***"


def test_env_overrides_file_and_profile_selection(cwsage_home: Path) -> None:
    _write_config(cwsage_home)
    env = _env(
        cwsage_home,
        CWSAGE_PROFILE="test",
        CWSAGE_MANAGE_URL="https://override.example",
        CWSAGE_MANAGE_CLIENT_ID="cid-123",
        CWSAGE_MANAGE_INTEGRATOR_PASSWORD="integrator-pw",
        CWSAGE_SAGE_PASSWORD="sage-pw-2",
        CWSAGE_DATABASE_URL="postgresql+psycopg://u:dbpass123@db/x",
    )
    settings = load_settings(env=env)
    assert settings.profile == "test"
    manage = settings.need_manage()
    assert manage.url == "https://override.example"
    assert manage.auth == "impersonation"
    assert manage.member == "jdoe"
    assert manage.private_key is None
    sage = settings.need_sage()
    assert sage.verify_tls is False
    assert sage.timeout_seconds == 5
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.sources["database_url"] == "env CWSAGE_DATABASE_URL"
    assert "dbpass123" not in redact(settings.database_url)
    # the explicit argument wins over CWSAGE_PROFILE
    other = load_settings("prod", env={**env, **SECRETS_ENV})
    assert other.profile == "prod"


def test_missing_settings_list_every_place_looked(cwsage_home: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env=_env(cwsage_home))
    message = caught.value.user_message
    for env_name in ("CWSAGE_MANAGE_URL", "CWSAGE_MANAGE_PRIVATE_KEY", "CWSAGE_SAGE_PASSWORD", "CWSAGE_SAGE_USER"):
        assert f"environment variable {env_name}" in message
    assert f"{cwsage_home / 'config.toml'} key profiles.default.manage.private_key" in message
    assert f"encrypted secret file {cwsage_home / 'secrets.enc'} entry default/manage.private_key" in message
    assert "cwsage login" in caught.value.hint


def test_require_only_one_section(cwsage_home: Path) -> None:
    _write_config(cwsage_home)
    env = _env(cwsage_home, CWSAGE_SAGE_PASSWORD="pw-sage-only")
    settings = load_settings(env=env, require={"sage"})
    assert settings.manage is None
    assert settings.sage is not None
    with pytest.raises(ConfigurationError):
        settings.need_manage()
    nothing = load_settings(env=_env(cwsage_home), require=set())
    assert nothing.manage is None
    assert nothing.sage is None
    with pytest.raises(ValueError, match="unknown"):
        load_settings(env=env, require={"bogus"})


def test_missing_message_for_impersonation_names_integrator_fields(cwsage_home: Path) -> None:
    _write_config(cwsage_home)
    with pytest.raises(ConfigurationError) as caught:
        load_settings("test", env=_env(cwsage_home), require={"manage"})
    message = caught.value.user_message
    assert "CWSAGE_MANAGE_INTEGRATOR_PASSWORD" in message
    assert "CWSAGE_MANAGE_PRIVATE_KEY" not in message


def test_invalid_value_names_its_source(cwsage_home: Path) -> None:
    _write_config(cwsage_home)
    env = _env(cwsage_home, CWSAGE_MANAGE_AUTH="oauth", **SECRETS_ENV)
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env=env)
    assert "manage.auth" in caught.value.user_message
    assert "env CWSAGE_MANAGE_AUTH" in caught.value.user_message


def test_bad_toml_is_a_configuration_error(cwsage_home: Path) -> None:
    (cwsage_home / "config.toml").write_text("this is = = not toml")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_settings(env=_env(cwsage_home))


def test_secrets_come_from_the_secret_store(cwsage_home: Path) -> None:
    _write_config(cwsage_home)
    store = SecretStore(cwsage_home, backend="file")
    store.set(secret_key("prod", "manage.private_key"), "stored-private-key")
    store.set(secret_key("prod", "manage.client_id"), "stored-client-id")
    store.set(secret_key("prod", "sage.password"), "stored-sage-password")
    settings = load_settings(env=_env(cwsage_home))
    manage = settings.need_manage()
    assert manage.private_key is not None
    assert manage.private_key.get_secret_value() == "stored-private-key"
    assert settings.sources["manage.private_key"] == "file secret store"
    # the environment still wins
    settings = load_settings(env=_env(cwsage_home, CWSAGE_SAGE_PASSWORD="env-sage-pw"))
    assert settings.need_sage().password.get_secret_value() == "env-sage-pw"


def test_save_profile_writes_toml_without_secrets(cwsage_home: Path) -> None:
    path = save_profile(
        "new",
        {"manage": {"url": "https://m.example", "company": "co"}, "sage": {"url": "https://s", "user": 'Q"UOTE'}},
        _env(cwsage_home),
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    _, _, resolved = resolve_fields(None, _env(cwsage_home), use_store=False)
    values = {r.spec.dotted: r.value for r in resolved}
    assert values["manage.url"] == "https://m.example"
    assert values["sage.user"] == 'Q"UOTE'
    with pytest.raises(ValueError, match="secret"):
        save_profile("new", {"sage": {"password": "nope"}}, _env(cwsage_home))
    assert "sage.password" in SECRET_FIELDS
