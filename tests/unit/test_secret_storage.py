"""Secret storage with a real boundary (issue 13, finding 7): the secret file's key never lives in the home.

Anyone who can read cwsage's home (a backup, a copied folder) must not be able to decrypt ``secrets.enc``: its key
comes from ``CWSAGE_SECRETS_KEY``, ``CWSAGE_SECRETS_KEY_FILE`` (outside the home), ``CWSAGE_SECRETS_PASSPHRASE``
(scrypt) or the terminal. Old-layout homes are migrated or told what to do; ``cwsage secrets rotate`` re-encrypts
atomically.
"""

from __future__ import annotations

import base64
import json
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from cwsage import cli
from cwsage.config import load_settings, secret_key
from cwsage.errors import BugError, ConfigurationError
from cwsage.secrets import SecretStore

runner = CliRunner()

KEY = base64.b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.b64encode(bytes(range(100, 132))).decode()
PASSPHRASE = "correct horse battery staple"
SECRETS = {"default/sage.password": "S3cr3t-Sage-Pa55", "default/manage.private_key": "PrivKey-Manage-777"}


@pytest.fixture(autouse=True)
def _no_typed_passphrases() -> Iterator[None]:
    """Passphrases typed in one test are not remembered in the next."""
    import cwsage.secrets as module

    typed: dict[Path, str] = getattr(module, "_TYPED", {})
    typed.clear()
    yield
    typed.clear()


def _fill(store: SecretStore) -> None:
    for name, value in SECRETS.items():
        store.set(name, value)


def _key_file(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "cwsage.key"
    path.parent.mkdir()
    path.write_text(KEY + "\n")
    return path


def _old_layout(home: Path, data: dict[str, str]) -> None:
    """What cwsage wrote before issue 13: a bare Fernet token whose key is in ``home/keys/secrets.key``."""
    (home / "keys").mkdir(parents=True, mode=0o700)
    key = Fernet.generate_key()
    (home / "keys" / "secrets.key").write_bytes(key)
    (home / "secrets.enc").write_bytes(Fernet(key).encrypt(json.dumps(data).encode()))


@pytest.mark.parametrize("way", ["key", "key-file", "passphrase"])
def test_a_copy_of_the_home_cannot_be_decrypted(tmp_path: Path, way: str) -> None:
    home = tmp_path / "home"
    env = {
        "key": {"CWSAGE_SECRETS_KEY": KEY},
        "key-file": {"CWSAGE_SECRETS_KEY_FILE": str(_key_file(tmp_path)) if way == "key-file" else ""},
        "passphrase": {"CWSAGE_SECRETS_PASSPHRASE": PASSPHRASE},
    }[way]
    store = SecretStore(home, backend="file", env=env)
    _fill(store)
    enc = home / "secrets.enc"
    assert stat.S_IMODE(enc.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    raw = enc.read_bytes()
    for value in SECRETS.values():
        assert value.encode() not in raw
    assert KEY.encode() not in raw
    assert PASSPHRASE.encode() not in raw
    assert not (home / "keys").exists()
    assert [p.name for p in home.iterdir()] == ["secrets.enc"]  # nothing else in the home: no key beside it

    stolen = tmp_path / "stolen-copy"
    shutil.copytree(home, stolen)
    with pytest.raises(ConfigurationError) as caught:
        SecretStore(stolen, backend="file", env={}, prompt=None).get("default/sage.password")
    assert caught.value.user_message.startswith(f"The encrypted secret file {stolen / 'secrets.enc'} is locked")

    again = SecretStore(home, backend="file", env=env)
    assert again.get("default/sage.password") == SECRETS["default/sage.password"]
    assert again.names() == sorted(SECRETS)
    again.delete("default/sage.password")
    assert SecretStore(home, backend="file", env=env).get("default/sage.password") is None


def test_a_passphrase_is_stretched_with_scrypt_and_a_stored_salt(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for home in (first, second):
        SecretStore(home, backend="file", env={"CWSAGE_SECRETS_PASSPHRASE": PASSPHRASE}).set("n", "value-123-x")
    bodies = [json.loads((home / "secrets.enc").read_text()) for home in (first, second)]
    for body in bodies:
        assert body["format"] == "cwsage-secrets"
        assert body["protection"] == "passphrase"
        assert body["kdf"]["name"] == "scrypt"
        assert body["kdf"]["n"] >= 2**15
        assert len(base64.b64decode(body["kdf"]["salt"])) == 16
    assert bodies[0]["kdf"]["salt"] != bodies[1]["kdf"]["salt"]
    with pytest.raises(ConfigurationError, match="cannot be decrypted with the environment variable"):
        SecretStore(first, backend="file", env={"CWSAGE_SECRETS_PASSPHRASE": "wrong passphrase"}).get("n")
    with pytest.raises(ConfigurationError, match="shorter than 8"):
        SecretStore(tmp_path / "c", backend="file", env={"CWSAGE_SECRETS_PASSPHRASE": "short"}).set("n", "v")


def test_the_terminal_is_asked_once_when_nothing_is_set(tmp_path: Path) -> None:
    asked: list[tuple[str, bool]] = []

    def prompt(question: str, confirm: bool) -> str:
        asked.append((question, confirm))
        return PASSPHRASE

    store = SecretStore(tmp_path, backend="file", env={}, prompt=prompt)
    _fill(store)
    assert asked == [(f"New passphrase for cwsage's secret file {tmp_path / 'secrets.enc'}", True)]
    import cwsage.secrets as module

    module._TYPED.clear()  # a new process
    reader = SecretStore(tmp_path, backend="file", env={}, prompt=prompt)
    assert reader.get("default/sage.password") == SECRETS["default/sage.password"]
    assert reader.get("default/manage.private_key") == SECRETS["default/manage.private_key"]
    assert asked[1:] == [(f"Passphrase of cwsage's secret file {tmp_path / 'secrets.enc'}", False)]


def test_errors_name_what_is_missing_and_how_to_give_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        SecretStore(tmp_path, backend="file", env={}, prompt=None).set("a", "value-1234")
    for name in ("CWSAGE_SECRETS_PASSPHRASE", "CWSAGE_SECRETS_KEY", "CWSAGE_SECRETS_KEY_FILE", "openssl rand"):
        assert name in caught.value.hint
    assert "outside its home" in caught.value.user_message
    assert not (tmp_path / "secrets.enc").exists()

    SecretStore(tmp_path, backend="file", env={"CWSAGE_SECRETS_KEY": KEY}).set("a", "value-1234")
    with pytest.raises(ConfigurationError) as locked:
        SecretStore(tmp_path, backend="file", env={"CWSAGE_SECRETS_PASSPHRASE": PASSPHRASE}).get("a")
    assert "locked with a key" in locked.value.user_message
    assert "CWSAGE_SECRETS_KEY_FILE" in locked.value.hint
    with pytest.raises(ConfigurationError, match="not a key"):
        SecretStore(tmp_path, backend="file", env={"CWSAGE_SECRETS_KEY": "not base64 at all"}).get("a")
    with pytest.raises(ConfigurationError, match="cannot be decrypted"):
        SecretStore(tmp_path, backend="file", env={"CWSAGE_SECRETS_KEY": OTHER_KEY}).get("a")


def test_a_key_file_inside_the_home_is_refused(tmp_path: Path) -> None:
    inside = tmp_path / "key.txt"
    inside.write_text(KEY)
    with pytest.raises(ConfigurationError, match="inside cwsage's home"):
        SecretStore(tmp_path, backend="file", env={"CWSAGE_SECRETS_KEY_FILE": str(inside)}).set("a", "value-1")


def test_settings_say_the_store_is_locked_and_how_to_open_it(
    cwsage_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    SecretStore(cwsage_home, backend="file").set(secret_key("default", "sage.password"), "stored-pass-1234")
    for name, value in {
        "CWSAGE_SAGE_URL": "https://s.example",
        "CWSAGE_SAGE_COMPANY": "CWDEMO",
        "CWSAGE_SAGE_USER": "ADMIN",
    }.items():
        monkeypatch.setenv(name, value)
    assert load_settings(require={"sage"}).need_sage().password.get_secret_value() == "stored-pass-1234"
    monkeypatch.delenv("CWSAGE_SECRETS_KEY")
    with pytest.raises(ConfigurationError) as caught:
        load_settings(require={"sage"}, store=SecretStore(cwsage_home, prompt=None))
    assert "not opened: no key from outside the home" in caught.value.user_message
    assert "locked with a key" in caught.value.user_message
    assert "CWSAGE_SECRETS_KEY" in caught.value.hint


def test_an_old_layout_home_is_told_exactly_what_to_do(tmp_path: Path) -> None:
    _old_layout(tmp_path, {"default/sage.password": "old-layout-pw-1"})
    before = (tmp_path / "secrets.enc").read_bytes()
    with pytest.raises(ConfigurationError) as caught:
        SecretStore(tmp_path, backend="file", env={}, prompt=None).get("default/sage.password")
    assert "same home" in caught.value.user_message
    assert "cwsage secrets rotate" in caught.value.hint
    assert "CWSAGE_SECRETS_PASSPHRASE" in caught.value.hint
    assert (tmp_path / "secrets.enc").read_bytes() == before
    assert (tmp_path / "keys" / "secrets.key").exists()


def test_an_old_layout_home_is_migrated_once_a_key_from_outside_is_given(tmp_path: Path) -> None:
    _old_layout(tmp_path, {"default/sage.password": "old-layout-pw-1"})
    store = SecretStore(tmp_path, backend="file", env={"CWSAGE_SECRETS_KEY": KEY})
    assert store.get("default/sage.password") == "old-layout-pw-1"
    assert not (tmp_path / "keys").exists()
    assert json.loads((tmp_path / "secrets.enc").read_text())["protection"] == "key"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secrets.enc"]
    assert SecretStore(tmp_path, backend="file", env={"CWSAGE_SECRETS_KEY": KEY}).names() == ["default/sage.password"]


def test_rotate_command_moves_an_old_layout_home_to_the_passphrase_set(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _old_layout(home, {"default/sage.password": "old-layout-pw-1"})
    env = {"CWSAGE_HOME": str(home), "CWSAGE_SECRET_BACKEND": "file", "CWSAGE_SECRETS_PASSPHRASE": PASSPHRASE}
    result = runner.invoke(cli.app, ["secrets", "rotate"], env=env)
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 secret(s)" in result.output
    assert "was deleted" in result.output
    assert not (home / "keys").exists()
    assert SecretStore(home, backend="file", env=env).get("default/sage.password") == "old-layout-pw-1"


def test_rotate_to_a_generated_key_file_then_to_a_passphrase(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _fill(SecretStore(home, backend="file", env={"CWSAGE_SECRETS_KEY": KEY}))
    base = {"CWSAGE_HOME": str(home), "CWSAGE_SECRET_BACKEND": "file", "CWSAGE_SECRETS_KEY": KEY}
    key_file = tmp_path / "vault" / "cwsage.key"

    inside = runner.invoke(cli.app, ["secrets", "rotate", "--generate-key-file", str(home / "k")], env=base)
    assert inside.exit_code == 1
    assert "inside cwsage's home" in inside.output

    rotated = runner.invoke(cli.app, ["secrets", "rotate", "--generate-key-file", str(key_file)], env=base)
    assert rotated.exit_code == 0, rotated.output
    assert f"CWSAGE_SECRETS_KEY_FILE={key_file}" in rotated.output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with pytest.raises(ConfigurationError, match="cannot be decrypted"):
        SecretStore(home, backend="file", env={"CWSAGE_SECRETS_KEY": KEY}).get("default/sage.password")
    by_file = {"CWSAGE_SECRETS_KEY_FILE": str(key_file)}
    assert (
        SecretStore(home, backend="file", env=by_file).get("default/sage.password") == SECRETS["default/sage.password"]
    )

    to_passphrase = {
        "CWSAGE_HOME": str(home),
        "CWSAGE_SECRET_BACKEND": "file",
        **by_file,
        "CWSAGE_SECRETS_NEW_PASSPHRASE": PASSPHRASE,
    }
    again = runner.invoke(cli.app, ["secrets", "rotate"], env=to_passphrase)
    assert again.exit_code == 0, again.output
    assert json.loads((home / "secrets.enc").read_text())["protection"] == "passphrase"
    reader = SecretStore(home, backend="file", env={"CWSAGE_SECRETS_PASSPHRASE": PASSPHRASE})
    assert {name: reader.get(name) for name in SECRETS} == SECRETS
    assert sorted(p.name for p in home.iterdir()) == ["logs", "secrets.enc"]  # no .new or .old left behind


def test_rotate_with_a_wrong_current_key_changes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _fill(SecretStore(home, backend="file", env={"CWSAGE_SECRETS_KEY": KEY}))
    before = (home / "secrets.enc").read_bytes()
    key_file = tmp_path / "new.key"
    env = {"CWSAGE_HOME": str(home), "CWSAGE_SECRET_BACKEND": "file", "CWSAGE_SECRETS_KEY": OTHER_KEY}
    result = runner.invoke(cli.app, ["secrets", "rotate", "--generate-key-file", str(key_file)], env=env)
    assert result.exit_code == 1
    assert "cannot be decrypted" in result.output
    assert (home / "secrets.enc").read_bytes() == before
    assert not key_file.exists()


def test_a_rotation_that_does_not_verify_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cwsage.secrets import KeySource

    store = SecretStore(tmp_path, backend="file", env={"CWSAGE_SECRETS_KEY": KEY})
    _fill(store)
    before = (tmp_path / "secrets.enc").read_bytes()
    monkeypatch.setattr(SecretStore, "_open_with", lambda self, raw, source: {"something": "else"})
    with pytest.raises(BugError):
        store.rotate(KeySource.from_key_text(OTHER_KEY, "test key"))
    assert (tmp_path / "secrets.enc").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secrets.enc"]


def test_leftovers_of_an_interrupted_rotation_are_removed(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, backend="file", env={"CWSAGE_SECRETS_KEY": KEY})
    _fill(store)
    (tmp_path / "secrets.enc.old").write_bytes(b"old copy")
    (tmp_path / "secrets.enc.new").write_bytes(b"new copy")
    assert SecretStore(tmp_path, backend="file", env={"CWSAGE_SECRETS_KEY": KEY}).names() == sorted(SECRETS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secrets.enc"]


def test_a_damaged_file_is_a_clear_error_not_silently_replaced(tmp_path: Path) -> None:
    (tmp_path / "secrets.enc").write_text("garbage")
    with pytest.raises(ConfigurationError, match="damaged") as caught:
        SecretStore(tmp_path, backend="file", env={"CWSAGE_SECRETS_KEY": KEY}).set("a", "value-1234")
    assert "cwsage login" in caught.value.hint
    assert (tmp_path / "secrets.enc").read_text() == "garbage"


def test_rotate_without_a_secret_file(tmp_path: Path) -> None:
    env = {"CWSAGE_HOME": str(tmp_path), "CWSAGE_SECRET_BACKEND": "file", "CWSAGE_SECRETS_KEY": KEY}
    result = runner.invoke(cli.app, ["secrets", "rotate"], env=env)
    assert result.exit_code == 1
    assert "There is no encrypted secret file" in result.output
