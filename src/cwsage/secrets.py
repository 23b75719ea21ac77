"""Where "Save password" puts secrets: the OS keyring when one is usable, else an encrypted file.

Why a module of its own: the Manage private key, clientId, integrator password and Sage password must
never be on disk in plain text, never logged and never echoed (DESIGN §5). On a desktop the OS keyring
(macOS Keychain, Windows Credential Locker, Secret Service) is the right home. Headless Linux boxes and
CI usually have none — ``keyring`` then falls back to its *fail* backend — so the store keeps secrets in
``secrets.enc``, encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key kept in a different
directory (``keys/secrets.key``), both files mode 0600 and both directories 0700.

The backend is picked once per :class:`SecretStore`: ``backend="file"`` or ``CWSAGE_SECRET_BACKEND=file``
forces the file (tests), ``"keyring"`` forces the keyring, ``"auto"`` (default) uses the keyring only if
its active backend is a real one. A keyring that errors at use falls back to the file with a warning.
Every secret read is registered with :func:`cwsage.redaction.register_secret`.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from cryptography.fernet import Fernet, InvalidToken

from cwsage.errors import ConfigurationError
from cwsage.redaction import register_secret

log = logging.getLogger("cwsage.secrets")

SERVICE = "cwsage"
"""The keyring service name under which entries are stored."""

ENV_BACKEND = "CWSAGE_SECRET_BACKEND"

BackendChoice = Literal["auto", "keyring", "file"]

_UNUSABLE_BACKENDS = {
    "keyring.backends.fail.Keyring",
    "keyring.backends.null.Keyring",
    "keyrings.alt.file.PlaintextKeyring",  # plain text on disk: exactly what we must not do
}


def _backend_name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def backend_is_usable(backend: object) -> bool:
    """Whether a keyring backend object really stores secrets securely.

    The *fail* and *null* backends (what ``keyring`` picks with no OS keyring), a chainer with nothing
    behind it, and plain-text file backends are refused.
    """
    name = _backend_name(backend)
    if name in _UNUSABLE_BACKENDS:
        return False
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        inner = getattr(backend, "backends", [])
        return any(backend_is_usable(b) for b in inner)
    try:
        priority = float(getattr(backend, "priority", 1))
    except Exception:  # noqa: BLE001 - a backend's priority property may raise anything when probed
        return False
    return priority > 0


def detect_keyring() -> Any | None:
    """The active keyring backend if it is usable, else ``None`` (never raises)."""
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001 - keyring discovery may fail in many ways (dbus, import errors)
        log.info("no OS keyring available: %s", type(exc).__name__)
        return None
    return backend if backend_is_usable(backend) else None


def _ensure_private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        path.chmod(0o700)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, mode 0600 from the first byte."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    if os.name == "posix":
        path.chmod(0o600)


class SecretStore:
    """Named secrets for cwsage, in the OS keyring or in an encrypted file under the home directory.

    Args:
        home: cwsage's home directory (``CWSAGE_HOME``); the file backend uses ``home/secrets.enc`` and
            ``home/keys/secrets.key``.
        backend: ``"auto"`` (default), ``"keyring"`` or ``"file"``; ``None`` reads ``CWSAGE_SECRET_BACKEND``.
        env: Environment to read (``os.environ`` when ``None``).
        keyring_backend: A keyring backend object to use instead of the detected one (tests).
    """

    def __init__(
        self,
        home: Path,
        *,
        backend: BackendChoice | None = None,
        env: Mapping[str, str] | None = None,
        keyring_backend: Any | None = None,
    ) -> None:
        environ = os.environ if env is None else env
        choice = backend or environ.get(ENV_BACKEND, "").strip().lower() or "auto"
        if choice not in ("auto", "keyring", "file"):
            raise ConfigurationError(
                f"{ENV_BACKEND}={choice!r} is not one of auto, keyring, file.",
                hint=f"Set {ENV_BACKEND} to 'file' or 'keyring', or unset it.",
            )
        self.home = home
        self.secrets_file = home / "secrets.enc"
        self.keys_dir = home / "keys"
        self.key_file = self.keys_dir / "secrets.key"
        self._keyring: Any | None = None
        if choice != "file":
            candidate = keyring_backend if keyring_backend is not None else detect_keyring()
            if candidate is not None and (keyring_backend is not None or backend_is_usable(candidate)):
                self._keyring = candidate
            elif choice == "keyring":
                raise ConfigurationError(
                    "No usable OS keyring was found, but the keyring backend was requested.",
                    hint=f"Unset {ENV_BACKEND} (or set it to 'file') to keep secrets in the encrypted file.",
                )

    # ------------------------------------------------------------------------------------ description

    @property
    def backend_name(self) -> str:
        """``"keyring"`` or ``"file"``: where new secrets go."""
        return "keyring" if self._keyring is not None else "file"

    def describe(self) -> str:
        """Human description of the store, for "looked in" messages (no secret in it)."""
        if self._keyring is not None:
            return f"OS keyring ({_backend_name(self._keyring)}, service '{SERVICE}')"
        return f"encrypted secret file {self.secrets_file}"

    # ----------------------------------------------------------------------------------------- access

    def get(self, name: str) -> str | None:
        """The secret stored under ``name``, or ``None``; a found secret is registered for redaction.

        Raises:
            ConfigurationError: if the secret file exists but cannot be decrypted with the key.
        """
        value: str | None = None
        if self._keyring is not None:
            try:
                value = self._keyring.get_password(SERVICE, name)
            except Exception as exc:  # noqa: BLE001 - any keyring failure means "use the file instead"
                log.warning("OS keyring read failed (%s); trying the encrypted secret file", type(exc).__name__)
        if value is None:
            value = self._read_file().get(name)
        if value:
            register_secret(value)
        return value or None

    def set(self, name: str, value: str) -> str:
        """Store ``value`` under ``name``; returns the backend used (``"keyring"`` or ``"file"``).

        A keyring that fails to write is logged (without the secret) and the file is used instead.
        """
        register_secret(value)
        if self._keyring is not None:
            try:
                self._keyring.set_password(SERVICE, name, value)
            except Exception as exc:  # noqa: BLE001 - any keyring failure means "use the file instead"
                log.warning("OS keyring write failed (%s); using the encrypted secret file", type(exc).__name__)
            else:
                self._delete_from_file(name)  # one home per secret
                return "keyring"
        try:
            data = self._read_file()
        except ConfigurationError:
            self._set_aside_unreadable()
            data = {}
        data[name] = value
        self._write_file(data)
        return "file"

    def delete(self, name: str) -> None:
        """Forget ``name`` in both places (absent names are ignored)."""
        if self._keyring is not None:
            try:
                self._keyring.delete_password(SERVICE, name)
            except Exception as exc:  # noqa: BLE001 - absent entries and keyring errors alike are not fatal here
                log.debug("keyring delete of an entry failed: %s", type(exc).__name__)
        self._delete_from_file(name)

    def names(self) -> list[str]:
        """Names held in the encrypted file (the keyring cannot be listed)."""
        return sorted(self._read_file())

    # ------------------------------------------------------------------------------------ file backend

    def _fernet(self, *, create: bool) -> Fernet | None:
        if not self.key_file.exists():
            if not create:
                return None
            _ensure_private_dir(self.keys_dir)
            key = Fernet.generate_key()
            try:
                fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process made it first: use theirs
            else:
                try:
                    os.write(fd, key)
                    os.fsync(fd)
                finally:
                    os.close(fd)
        if os.name == "posix":
            mode = stat.S_IMODE(self.key_file.stat().st_mode)
            if mode & 0o077:
                log.warning("secret key file %s was readable by others; tightening it to 0600", self.key_file)
                self.key_file.chmod(0o600)
        return Fernet(self.key_file.read_bytes().strip())

    def _read_file(self) -> dict[str, str]:
        if not self.secrets_file.exists():
            return {}
        fernet = self._fernet(create=False)
        if fernet is None:
            raise ConfigurationError(
                f"The encrypted secret file {self.secrets_file} exists but its key {self.key_file} is missing.",
                hint="Run `cwsage login` again to re-enter and save the passwords.",
            )
        try:
            plain = fernet.decrypt(self.secrets_file.read_bytes())
        except InvalidToken:
            raise ConfigurationError(
                f"The encrypted secret file {self.secrets_file} cannot be decrypted with {self.key_file}.",
                hint="The key was replaced or the file damaged: run `cwsage login` again to save the passwords.",
            ) from None
        loaded = json.loads(plain)
        data = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        for value in data.values():
            register_secret(value)
        return data

    def _write_file(self, data: dict[str, str]) -> None:
        fernet = self._fernet(create=True)
        assert fernet is not None
        _ensure_private_dir(self.home)
        _write_private(self.secrets_file, fernet.encrypt(json.dumps(data, sort_keys=True).encode("utf-8")))

    def _set_aside_unreadable(self) -> None:
        """Move an undecryptable secret file (and its key) aside so that new secrets can be saved."""
        for path in (self.secrets_file, self.key_file):
            if path.exists():
                target = path.with_name(path.name + ".unreadable")
                os.replace(path, target)
                log.warning("moved unreadable %s aside to %s; the secrets in it must be entered again", path, target)

    def _delete_from_file(self, name: str) -> None:
        if not self.secrets_file.exists():
            return
        data = self._read_file()
        if name in data:
            del data[name]
            self._write_file(data)
