"""Where "Save password" puts secrets: the OS keyring when one is usable, else a file encrypted under a key that
does not live in cwsage's home.

Why a module of its own: the Manage private key, clientId, integrator password and Sage password must never be
on disk in plain text, never logged and never echoed (DESIGN §5). On a desktop the OS keyring (macOS Keychain,
Windows Credential Locker, Secret Service) is the right home. Headless machines and CI usually have none — then
the secrets go to ``secrets.enc`` in the home, encrypted with Fernet (AES-128-CBC + HMAC-SHA256). The key of
that file must come from *outside* the home, or anyone who can read the home (a backup, a copied folder, another
admin) can decrypt it — which was the case until issue 13 (the key sat in ``keys/secrets.key`` beside it).
The key comes from, in this order:

=================================  ==========================================================================
``CWSAGE_SECRETS_KEY``             32 random bytes in base64 (``openssl rand -base64 32``)
``CWSAGE_SECRETS_KEY_FILE``        the path of a file holding such a key, outside the home (a mounted secret)
``CWSAGE_SECRETS_PASSPHRASE``      a passphrase; the key is derived with scrypt and a random salt kept in the file
a terminal                         the passphrase is asked for (hidden) when cwsage runs interactively
=================================  ==========================================================================

The file records which of the two kinds protects it (a key or a passphrase, with the scrypt salt and cost), never
the key. A home with a file of the old layout (key in ``keys/secrets.key``) is migrated the first time a key from
outside is available: the file is re-encrypted, verified, and the old key deleted; without one, cwsage stops and
says exactly what to set. :meth:`SecretStore.rotate` (``cwsage secrets rotate``) re-encrypts under a new key or
passphrase atomically: the new file is written and verified beside the old one, then swapped in; the old copy is
removed only after the swapped-in file is verified.

The backend is picked once per :class:`SecretStore`: ``backend="file"`` or ``CWSAGE_SECRET_BACKEND=file`` forces
the file (servers, tests), ``"keyring"`` forces the keyring, ``"auto"`` (default) uses the keyring only if its
active backend is a real one. A keyring that errors at use falls back to the file with a warning. Every secret
read is registered with :func:`cwsage.redaction.register_secret` (the safety net of the log filter).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import getpass
import logging
import os
import re
import secrets as std_secrets
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from cwsage import money
from cwsage.errors import BugError, ConfigurationError
from cwsage.private_files import ensure_private_dir, write_private
from cwsage.redaction import register_secret

log = logging.getLogger("cwsage.secrets")

SERVICE = "cwsage"
"""The keyring service name under which entries are stored."""

ENV_BACKEND = "CWSAGE_SECRET_BACKEND"
ENV_KEY = "CWSAGE_SECRETS_KEY"
ENV_KEY_FILE = "CWSAGE_SECRETS_KEY_FILE"
ENV_PASSPHRASE = "CWSAGE_SECRETS_PASSPHRASE"  # noqa: S105 - the name of a variable, not a password
ENV_NEW_KEY = "CWSAGE_SECRETS_NEW_KEY"
ENV_NEW_KEY_FILE = "CWSAGE_SECRETS_NEW_KEY_FILE"
ENV_NEW_PASSPHRASE = "CWSAGE_SECRETS_NEW_PASSPHRASE"  # noqa: S105 - the name of a variable, not a password

FILE_FORMAT = "cwsage-secrets"
FILE_VERSION = 2
KEY_BYTES = 32
MIN_PASSPHRASE_LENGTH = 8
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
"""scrypt cost (about 32 MiB and a tenth of a second per derivation): OWASP's minimum for interactive use."""

BackendChoice = Literal["auto", "keyring", "file"]
Protection = Literal["key", "passphrase"]

PassphrasePrompt = Callable[[str, bool], str | None]
"""``prompt(question, confirm)`` returns the typed passphrase, or ``None`` when nobody can be asked."""

_HOW_TO_GIVE_A_KEY = (
    f"Set {ENV_PASSPHRASE} to a passphrase, or {ENV_KEY} to a key (32 random bytes in base64, e.g. from "
    f"`openssl rand -base64 32`), or {ENV_KEY_FILE} to the path of a file holding such a key outside cwsage's home "
    "(e.g. a mounted secret); or run the command in a terminal to be asked for the passphrase."
)

_UNUSABLE_BACKENDS = {
    "keyring.backends.fail.Keyring",
    "keyring.backends.null.Keyring",
    "keyrings.alt.file.PlaintextKeyring",  # plain text on disk: exactly what we must not do
}


class SecretKeyMissing(ConfigurationError):
    """The encrypted secret file cannot be opened (or created) because no key from outside the home was given."""

    error_code = "secret_key_missing"
    default_hint = _HOW_TO_GIVE_A_KEY


class LegacySecretFile(SecretKeyMissing):
    """The home holds an old-layout secret file (its key beside it) and no outside key to migrate it to."""

    error_code = "legacy_secret_file"


# ------------------------------------------------------------------------------------------------ keyring


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


# ------------------------------------------------------------------------------------------- key sources


def generate_key() -> str:
    """A new random key for :data:`ENV_KEY` or a key file: 32 random bytes in base64."""
    return base64.b64encode(std_secrets.token_bytes(KEY_BYTES)).decode("ascii")


def _decode_key(text: str, origin: str) -> bytes:
    cleaned = "".join(text.split())
    padded = cleaned + "=" * (-len(cleaned) % 4)
    raw = b""
    try:
        if re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", cleaned):
            raw = base64.b64decode(padded, validate=True)
        elif re.fullmatch(r"[A-Za-z0-9_-]+={0,2}", cleaned):
            raw = base64.urlsafe_b64decode(padded)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ConfigurationError(
            f"The {origin} is not a key: cwsage expects {KEY_BYTES} random bytes written in base64 (44 characters).",
            hint=f"Make one with `openssl rand -base64 32`. For a passphrase use {ENV_PASSPHRASE} instead.",
        )
    return raw


@dataclass(frozen=True)
class KeySource:
    """Where the key of the secret file comes from — never shown, never stored in the home.

    Attributes:
        protection: ``"key"`` (32 random bytes) or ``"passphrase"`` (key derived with scrypt).
        origin: Words for messages, e.g. ``environment variable CWSAGE_SECRETS_KEY`` (never the key itself).
    """

    protection: Protection
    origin: str
    material: bytes = field(repr=False)

    @classmethod
    def from_key_text(cls, text: str, origin: str) -> KeySource:
        """A key given as base64 text (:data:`ENV_KEY`, a key file).

        Raises:
            ConfigurationError: the text is not 32 bytes of base64.
        """
        return cls("key", origin, _decode_key(text, origin))

    @classmethod
    def from_key_file(cls, path: Path, home: Path) -> KeySource:
        """A key read from ``path``, which must lie outside ``home``.

        Raises:
            ConfigurationError: the file is inside the home, cannot be read, or holds no key.
        """
        resolved = path.expanduser().resolve()
        if resolved.is_relative_to(home.expanduser().resolve()):
            raise ConfigurationError(
                f"The key file {resolved} lies inside cwsage's home {home}: anyone who can read the home could "
                "decrypt the secrets with it.",
                hint="Keep the key file elsewhere, e.g. a mounted secret (/run/secrets/…) or a folder only you can "
                "read, and point CWSAGE_SECRETS_KEY_FILE at it.",
            )
        try:
            text = resolved.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(
                f"The key file {resolved} cannot be read ({exc.strerror or type(exc).__name__}).",
                hint=f"Check the path in {ENV_KEY_FILE} and that the file is readable by this user.",
            ) from None
        return cls.from_key_text(text, f"key file {resolved}")

    @classmethod
    def from_passphrase(cls, passphrase: str, origin: str) -> KeySource:
        """A passphrase; the key is derived per file salt with scrypt."""
        return cls("passphrase", origin, passphrase.encode("utf-8"))

    def fernet(self, kdf: Mapping[str, Any] | None) -> Fernet:
        """The Fernet object for this key (``kdf``: the file's scrypt parameters, for a passphrase)."""
        if self.protection == "key":
            return Fernet(base64.urlsafe_b64encode(self.material))
        if kdf is None:
            raise BugError("a passphrase-protected secret file needs its scrypt parameters")
        derived = Scrypt(
            salt=base64.b64decode(str(kdf["salt"])),
            length=KEY_BYTES,
            n=int(kdf["n"]),
            r=int(kdf["r"]),
            p=int(kdf["p"]),
        ).derive(self.material)
        return Fernet(base64.urlsafe_b64encode(derived))

    def new_kdf(self) -> dict[str, Any] | None:
        """Fresh scrypt parameters (a new random salt) for a passphrase; ``None`` for a key."""
        if self.protection == "key":
            return None
        salt = base64.b64encode(std_secrets.token_bytes(16)).decode("ascii")
        return {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": salt}

    def how_to_give_again(self) -> str:
        """What the user must give next time to open a file under this key."""
        if self.origin.startswith("key file "):
            return f"{ENV_KEY_FILE}={self.origin.removeprefix('key file ')}"
        if self.protection == "key":
            return f"{ENV_KEY} set to the new key"
        return f"the new passphrase ({ENV_PASSPHRASE}, or typed at the terminal)"


def terminal_prompt(question: str, confirm: bool) -> str | None:
    """Ask for a passphrase on the terminal with hidden input; ``None`` when there is no terminal.

    Raises:
        ConfigurationError: the two entries of a new passphrase differ.
    """
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return None
    first = getpass.getpass(f"{question}: ", stream=sys.stderr)
    if confirm and getpass.getpass("Type it again: ", stream=sys.stderr) != first:
        raise ConfigurationError("The two passphrases typed differ.", hint="Run the command again.")
    return first


def _passphrase_long_enough(source: KeySource) -> KeySource:
    if source.protection == "passphrase" and len(source.material.decode("utf-8")) < MIN_PASSPHRASE_LENGTH:
        raise ConfigurationError(
            f"The passphrase from {source.origin} is shorter than {MIN_PASSPHRASE_LENGTH} characters.",
            hint="Choose a longer passphrase: it is all that protects the secret file.",
        )
    return source


def new_key_source(
    home: Path,
    env: Mapping[str, str] | None = None,
    *,
    key_file: Path | None = None,
    generate_key_file: Path | None = None,
    prompt: PassphrasePrompt | None = terminal_prompt,
    fallback: KeySource | None = None,
) -> KeySource:
    """The key to rotate to: a generated or given key file, ``CWSAGE_SECRETS_NEW_*``, or a typed passphrase.

    Args:
        home: cwsage's home (key files must lie outside it).
        env: Environment (``os.environ`` when ``None``).
        key_file: Use the key in this existing file.
        generate_key_file: Write a new random key to this (new) file, mode 0600, and use it.
        prompt: How to ask for a new passphrase when nothing else is given.
        fallback: The key to use when nothing new is given, before asking (moving an old-layout file to the
            ``CWSAGE_SECRETS_*`` key already set).

    Raises:
        ConfigurationError: nothing was given, or what was given is not usable.
    """
    environ = os.environ if env is None else env
    if generate_key_file is not None:
        target = generate_key_file.expanduser().resolve()
        if target.is_relative_to(home.expanduser().resolve()):
            raise ConfigurationError(
                f"The new key file {target} would lie inside cwsage's home {home}.",
                hint="Choose a path outside the home, e.g. a folder only you can read.",
            )
        if target.exists():
            raise ConfigurationError(
                f"{target} exists already; cwsage does not overwrite a key file.",
                hint="Give a new path, or use --new-key-file to encrypt under the key it holds.",
            )
        ensure_private_dir(target.parent, tighten=False)
        write_private(target, generate_key() + "\n")
        return KeySource.from_key_file(target, home)
    if key_file is not None:
        return KeySource.from_key_file(key_file, home)
    if environ.get(ENV_NEW_KEY, "").strip():
        return KeySource.from_key_text(environ[ENV_NEW_KEY], f"environment variable {ENV_NEW_KEY}")
    if environ.get(ENV_NEW_KEY_FILE, "").strip():
        return KeySource.from_key_file(Path(environ[ENV_NEW_KEY_FILE].strip()), home)
    if environ.get(ENV_NEW_PASSPHRASE):
        return _passphrase_long_enough(
            KeySource.from_passphrase(environ[ENV_NEW_PASSPHRASE], f"environment variable {ENV_NEW_PASSPHRASE}")
        )
    if fallback is not None:
        return _passphrase_long_enough(fallback)
    typed = prompt("New passphrase for cwsage's secret file", True) if prompt is not None else None
    if typed is not None:
        return _passphrase_long_enough(KeySource.from_passphrase(typed, "the passphrase typed at the terminal"))
    raise ConfigurationError(
        "No new key was given to re-encrypt the secret file under.",
        hint=f"Use --generate-key-file PATH (a new random key in a file outside the home), --new-key-file PATH, "
        f"or set {ENV_NEW_PASSPHRASE} or {ENV_NEW_KEY}; or run in a terminal to type a new passphrase.",
    )


_TYPED: dict[Path, str] = {}
"""Passphrases typed at the terminal in this process, per secret file (asked once per process)."""


@dataclass(frozen=True)
class _Envelope:
    """The parsed ``secrets.enc``: how it is protected and the encrypted data."""

    protection: Protection
    kdf: dict[str, Any] | None
    token: bytes

    def dumps(self) -> bytes:
        body: dict[str, Any] = {"format": FILE_FORMAT, "version": FILE_VERSION, "protection": self.protection}
        if self.kdf is not None:
            body["kdf"] = self.kdf
        body["data"] = self.token.decode("ascii")
        return (money.dumps(body, indent=1) + "\n").encode("utf-8")


@dataclass(frozen=True)
class RotationResult:
    """What :meth:`SecretStore.rotate` did."""

    secrets_file: Path
    count: int
    source: KeySource
    migrated_legacy: bool


# ------------------------------------------------------------------------------------------------- store


class SecretStore:
    """Named secrets for cwsage, in the OS keyring or in ``home/secrets.enc`` under a key from outside the home.

    Args:
        home: cwsage's home directory (``CWSAGE_HOME``).
        backend: ``"auto"`` (default), ``"keyring"`` or ``"file"``; ``None`` reads ``CWSAGE_SECRET_BACKEND``.
        env: Environment to read (``os.environ`` when ``None``): the backend choice and the key variables.
        keyring_backend: A keyring backend object to use instead of the detected one (tests).
        prompt: How to ask for the passphrase when no key variable is set (``None``: never ask); by default the
            terminal, when there is one.
    """

    def __init__(
        self,
        home: Path,
        *,
        backend: BackendChoice | None = None,
        env: Mapping[str, str] | None = None,
        keyring_backend: Any | None = None,
        prompt: PassphrasePrompt | None = terminal_prompt,
    ) -> None:
        environ = os.environ if env is None else env
        self._env: Mapping[str, str] = environ
        self._prompt = prompt
        choice = backend or environ.get(ENV_BACKEND, "").strip().lower() or "auto"
        if choice not in ("auto", "keyring", "file"):
            raise ConfigurationError(
                f"{ENV_BACKEND}={choice!r} is not one of auto, keyring, file.",
                hint=f"Set {ENV_BACKEND} to 'file' or 'keyring', or unset it.",
            )
        self.home = home
        self.secrets_file = home / "secrets.enc"
        self.legacy_keys_dir = home / "keys"
        self.legacy_key_file = self.legacy_keys_dir / "secrets.key"
        self._keyring: Any | None = None
        self._source: KeySource | None = None
        self._fernets: dict[str, Fernet] = {}
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
        """Human description of the store, for "looked in" messages (no secret in it; never asks anything)."""
        if self._keyring is not None:
            return f"OS keyring ({_backend_name(self._keyring)}, service '{SERVICE}')"
        return f"encrypted secret file {self.secrets_file}"

    def protection(self) -> str:
        """How the secret file is (or would be) protected, in words, without opening it."""
        if self.secrets_file.exists():
            try:
                envelope = self._parse(self.secrets_file.read_bytes())
            except (ConfigurationError, OSError):
                return "unreadable"
            if envelope is None:
                return f"old layout: its key is in the same home ({self.legacy_key_file})"
            return f"locked with a {envelope.protection} from outside the home"
        try:
            configured = self._configured_source(for_protection=None, ask=False)
        except ConfigurationError as exc:
            return f"key setting unusable: {exc.user_message}"
        return f"would be locked with the {configured.origin}" if configured else "no key from outside the home set"

    # ----------------------------------------------------------------------------------------- access

    def get(self, name: str) -> str | None:
        """The secret stored under ``name``, or ``None``; a found secret is registered for redaction.

        Raises:
            SecretKeyMissing: the secret file exists but no key to open it was given (or it has the old layout and
                no outside key to migrate it to).
            ConfigurationError: the key given does not open the secret file.
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

        Raises:
            SecretKeyMissing: the file backend is used and no key from outside the home was given.
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
        data = self._read_file()
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

    def is_legacy(self) -> bool:
        """Whether ``secrets.enc`` has the old layout (its key in ``keys/secrets.key``, inside the home)."""
        return self.secrets_file.exists() and self._parse(self.secrets_file.read_bytes()) is None

    def outside_source(self) -> KeySource | None:
        """The key the environment gives for the file (``CWSAGE_SECRETS_KEY``/``_KEY_FILE``/``_PASSPHRASE``), if any.

        Never asks at the terminal.
        """
        return self._configured_source(for_protection=None, ask=False)

    def unlock(self) -> int:
        """Open the secret file with its current key (asking for a passphrase if needed) without migrating it.

        Returns:
            How many secrets the file holds.

        Raises:
            SecretKeyMissing: no key was given for a current-layout file.
            ConfigurationError: there is no secret file, or the key does not open it.
        """
        self._require_file()
        return len(self._read_file(migrate=False))

    def _require_file(self) -> None:
        if not self.secrets_file.exists():
            where = " (the secrets are in the OS keyring, which has no file key)" if self._keyring else ""
            raise ConfigurationError(
                f"There is no encrypted secret file {self.secrets_file} to open{where}.",
                hint="Nothing to do. `cwsage login --save-password` creates it when secrets must be saved in a file.",
            )

    def rotate(self, new: KeySource) -> RotationResult:
        """Re-encrypt the secret file under ``new``, atomically.

        The new file is written beside the old one and verified (decrypted with ``new`` and compared); only then
        is it renamed over ``secrets.enc``, which is verified again before the kept copy of the old file (and an
        old layout's key) is deleted. At every instant ``secrets.enc`` opens with the old or with the new key.

        Raises:
            ConfigurationError: there is no secret file, or the current key is missing or wrong.
            BugError: the re-encrypted file did not read back the same secrets (the old file is kept).
        """
        self._require_file()
        old_bytes = self.secrets_file.read_bytes()
        legacy = self._parse(old_bytes) is None
        data = self._read_file(migrate=False)
        _passphrase_long_enough(new)
        envelope = self._seal(data, new, new.new_kdf())
        staged = self.secrets_file.with_name(self.secrets_file.name + ".new")
        backup = self.secrets_file.with_name(self.secrets_file.name + ".old")
        write_private(staged, envelope.dumps())
        if self._open_with(staged.read_bytes(), new) != data:
            staged.unlink()
            raise BugError(f"The re-encrypted secret file {staged} did not read back; {self.secrets_file} is unchanged")
        write_private(backup, old_bytes)
        os.replace(staged, self.secrets_file)
        if self._open_with(self.secrets_file.read_bytes(), new) != data:
            os.replace(backup, self.secrets_file)
            raise BugError(f"{self.secrets_file} did not read back after re-encryption; the old file was put back")
        backup.unlink()
        self._use(new)
        if legacy:
            self._remove_legacy_key()
        log.info("re-encrypted %d secret(s) in %s under the %s", len(data), self.secrets_file, new.origin)
        return RotationResult(self.secrets_file, len(data), new, legacy)

    # ------------------------------------------------------------------------------------ file backend

    def _configured_source(
        self, *, for_protection: Protection | None, ask: bool, confirm: bool = False
    ) -> KeySource | None:
        """The key the environment (or the terminal) gives for a file protected by ``for_protection``."""
        env = self._env
        if for_protection in (None, "key"):
            if env.get(ENV_KEY, "").strip():
                return KeySource.from_key_text(env[ENV_KEY], f"environment variable {ENV_KEY}")
            if env.get(ENV_KEY_FILE, "").strip():
                return KeySource.from_key_file(Path(env[ENV_KEY_FILE].strip()), self.home)
        if for_protection in (None, "passphrase"):
            if env.get(ENV_PASSPHRASE):
                return KeySource.from_passphrase(env[ENV_PASSPHRASE], f"environment variable {ENV_PASSPHRASE}")
            typed = _TYPED.get(self.secrets_file)
            if typed is None and ask and self._prompt is not None:
                question = (
                    f"New passphrase for cwsage's secret file {self.secrets_file}"
                    if confirm
                    else f"Passphrase of cwsage's secret file {self.secrets_file}"
                )
                typed = self._prompt(question, confirm)
            if typed is not None:
                _TYPED[self.secrets_file] = typed
                return KeySource.from_passphrase(typed, "the passphrase typed at the terminal")
        return None

    def _source_for(self, protection: Protection | None, *, confirm: bool = False) -> KeySource | None:
        """The key for a file protected by ``protection`` (``None``: a new file), asked for at most once."""
        if self._source is not None and protection in (None, self._source.protection):
            return self._source
        source = self._configured_source(for_protection=protection, ask=True, confirm=confirm)
        if source is not None:
            self._use(source)
        return source

    def _use(self, source: KeySource | None) -> None:
        self._source = source
        self._fernets.clear()

    def _fernet(self, source: KeySource, kdf: Mapping[str, Any] | None) -> Fernet:
        """Fernet for ``source`` (scrypt runs once per salt and key, not once per secret read)."""
        if source is not self._source:
            self._use(source)
        cache_key = f"{source.protection}:{(kdf or {}).get('salt', '')}"
        if cache_key not in self._fernets:
            self._fernets[cache_key] = source.fernet(kdf)
        return self._fernets[cache_key]

    def _parse(self, raw: bytes) -> _Envelope | None:
        """The envelope of a current-layout file; ``None`` for an old-layout file (a bare Fernet token).

        Raises:
            ConfigurationError: the file is neither (damaged).
        """
        text = raw.strip()
        if text.startswith(b"gAAAAA"):
            return None
        try:
            body = money.loads(text)
            if body.get("format") != FILE_FORMAT or body.get("protection") not in ("key", "passphrase"):
                raise ValueError("not a cwsage secret file")  # noqa: TRY301 - one message for every damaged shape
            kdf = body.get("kdf")
            if body["protection"] == "passphrase" and not (
                isinstance(kdf, dict) and {"salt", "n", "r", "p"} <= set(kdf)
            ):
                raise ValueError("scrypt parameters missing")  # noqa: TRY301
            return _Envelope(body["protection"], kdf, str(body["data"]).encode("ascii"))
        except (ValueError, KeyError, AttributeError, TypeError, UnicodeError) as exc:
            raise ConfigurationError(
                f"The secret file {self.secrets_file} is damaged ({exc}).",
                hint=f"Move {self.secrets_file} aside and run `cwsage login` to enter and save the secrets again.",
            ) from None

    def _seal(self, data: dict[str, str], source: KeySource, kdf: dict[str, Any] | None) -> _Envelope:
        token = self._fernet(source, kdf).encrypt(money.dumps(data, sort_keys=True).encode("utf-8"))
        return _Envelope(source.protection, kdf, token)

    def _open_with(self, raw: bytes, source: KeySource) -> dict[str, str]:
        envelope = self._parse(raw)
        if envelope is None:
            raise BugError("an old-layout secret file cannot be opened with a key from outside the home")
        return self._decrypt(envelope, source)

    def _decrypt(self, envelope: _Envelope, source: KeySource) -> dict[str, str]:
        try:
            plain = self._fernet(source, envelope.kdf).decrypt(envelope.token)
        except InvalidToken:
            if source.origin == "the passphrase typed at the terminal":
                _TYPED.pop(self.secrets_file, None)
            self._use(None)
            raise ConfigurationError(
                f"The secret file {self.secrets_file} cannot be decrypted with the {source.origin}.",
                hint=f"Give the {envelope.protection} it was saved with. If it is lost, move {self.secrets_file} "
                "aside and run `cwsage login` to enter the secrets again.",
            ) from None
        return _decode_data(plain)

    def _read_file(self, *, migrate: bool = True) -> dict[str, str]:
        if not self.secrets_file.exists():
            return {}
        raw = self.secrets_file.read_bytes()
        envelope = self._parse(raw)
        if envelope is None:
            data = self._read_legacy(raw)
            if migrate:
                self._migrate_legacy(data)
        else:
            source = self._source_for(envelope.protection)
            if source is None:
                raise SecretKeyMissing(
                    f"The encrypted secret file {self.secrets_file} is locked with a {envelope.protection}, and none "
                    "was given.",
                    hint=(
                        f"Set {ENV_KEY} to the key, or {ENV_KEY_FILE} to the path of the file holding it."
                        if envelope.protection == "key"
                        else f"Set {ENV_PASSPHRASE}, or run the command in a terminal to be asked for it."
                    ),
                )
            data = self._decrypt(envelope, source)
            self._remove_leftovers()
        for value in data.values():
            register_secret(value)
        return data

    def _read_legacy(self, raw: bytes) -> dict[str, str]:
        if not self.legacy_key_file.exists():
            raise ConfigurationError(
                f"The secret file {self.secrets_file} has the old layout, and its key {self.legacy_key_file} is gone.",
                hint=f"Move {self.secrets_file} aside and run `cwsage login` to enter and save the secrets again.",
            )
        try:
            plain = Fernet(self.legacy_key_file.read_bytes().strip()).decrypt(raw.strip())
        except (InvalidToken, ValueError):
            raise ConfigurationError(
                f"The secret file {self.secrets_file} cannot be decrypted with its old key {self.legacy_key_file}.",
                hint=f"Move {self.secrets_file} aside and run `cwsage login` to enter and save the secrets again.",
            ) from None
        return _decode_data(plain)

    def _migrate_legacy(self, data: dict[str, str]) -> None:
        """Re-encrypt an old-layout file under a key from outside the home, or say exactly what to do."""
        source = self._source_for(None, confirm=True)
        if source is None:
            raise LegacySecretFile(
                f"The secret file {self.secrets_file} is encrypted with a key kept in the same home "
                f"({self.legacy_key_file}): anyone who can read the home can decrypt it. cwsage now needs a key "
                "from outside the home to keep using it.",
                hint=f"{_HOW_TO_GIVE_A_KEY} Then run `cwsage secrets rotate` (or any command): the file is "
                f"re-encrypted under that key and {self.legacy_key_file} is deleted.",
            )
        result = self.rotate(source)
        log.warning(
            "moved %d secret(s) of %s from the old layout (key in the home) to the %s; %s was deleted",
            result.count,
            self.secrets_file,
            source.origin,
            self.legacy_key_file,
        )

    def _remove_legacy_key(self) -> None:
        if self.legacy_key_file.exists():
            self.legacy_key_file.unlink()
        with contextlib.suppress(OSError):  # absent, or holds something else: leave it
            self.legacy_keys_dir.rmdir()

    def _remove_leftovers(self) -> None:
        """Delete a ``.new``/``.old`` copy a rotation interrupted by a crash left (``secrets.enc`` just opened)."""
        for suffix in (".new", ".old"):
            leftover = self.secrets_file.with_name(self.secrets_file.name + suffix)
            if leftover.exists():
                leftover.unlink()
                log.info("removed %s left by an interrupted key rotation", leftover)

    def _write_file(self, data: dict[str, str]) -> None:
        envelope = self._parse(self.secrets_file.read_bytes()) if self.secrets_file.exists() else None
        if envelope is not None:
            source, kdf = self._source_for(envelope.protection), envelope.kdf
        else:  # a new file (an old-layout one was migrated by the read that came before)
            source = self._source_for(None, confirm=True)
            kdf = _passphrase_long_enough(source).new_kdf() if source is not None else None
        if source is None:
            raise SecretKeyMissing(
                f"To save secrets in the encrypted file {self.secrets_file}, cwsage needs a key kept outside its home "
                f"{self.home}, and none was given.",
                hint=f"{_HOW_TO_GIVE_A_KEY} On a desktop with an OS keyring, unset {ENV_BACKEND} to use the keyring.",
            )
        ensure_private_dir(self.home)
        write_private(self.secrets_file, self._seal(data, source, kdf).dumps())

    def _delete_from_file(self, name: str) -> None:
        if not self.secrets_file.exists():
            return
        data = self._read_file()
        if name in data:
            del data[name]
            self._write_file(data)


def _decode_data(plain: bytes) -> dict[str, str]:
    loaded = money.loads(plain)
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
