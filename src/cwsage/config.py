"""Where cwsage's settings come from, and the typed settings the rest of the program reads.

Why a module of its own: a setting may come from an environment variable, from a named profile in
``config.toml``, or (for secrets) from the OS keyring or the encrypted secret file, and when one is
missing the user must be told *every* place that was looked in, not just "missing setting". All of
that lives here; the rest of cwsage receives a validated :class:`Settings` whose secrets are
:class:`pydantic.SecretStr` and already registered with :mod:`cwsage.redaction`.

Precedence, highest first: environment variable, ``config.toml`` (``[profiles.NAME.manage]``,
``[profiles.NAME.sage]``, ``[profiles.NAME.defaults]``), secret store (secrets only), built-in default.
The profile is the ``profile`` argument, else ``CWSAGE_PROFILE``, else ``default_profile`` in the
file, else ``default``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_core import PydanticUndefined

from cwsage import money
from cwsage.errors import ConfigurationError
from cwsage.redaction import register_secret

if TYPE_CHECKING:
    from cwsage.secrets import SecretStore

APP_NAME = "cwsage"
DEFAULT_PROFILE = "default"
CONFIG_FILE_NAME = "config.toml"

ENV_HOME = "CWSAGE_HOME"
ENV_PROFILE = "CWSAGE_PROFILE"
ENV_DATABASE_URL = "CWSAGE_DATABASE_URL"

SECTIONS = ("manage", "sage")
"""The connection sections ``require`` may name."""


# --------------------------------------------------------------------------------------------- paths


@dataclass(frozen=True)
class Paths:
    """The files and folders cwsage keeps under its home directory."""

    home: Path
    config_file: Path
    state_db: Path
    logs_dir: Path
    reports_dir: Path
    keys_dir: Path
    secrets_file: Path
    key_file: Path
    """The old layout's key of ``secrets.enc`` (``keys/secrets.key``), migrated away by :mod:`cwsage.secrets`."""


def paths(home: Path, config_dir: Path | None = None) -> Paths:
    """The layout under ``home`` (the config file lives in ``config_dir`` when given, else in ``home``).

    Args:
        home: cwsage's data directory (``CWSAGE_HOME``).
        config_dir: Where ``config.toml`` lives when it is not ``home`` (the platform config dir).

    Returns:
        The :class:`Paths`; nothing is created on disk.
    """
    return Paths(
        home=home,
        config_file=(config_dir or home) / CONFIG_FILE_NAME,
        state_db=home / "state.db",
        logs_dir=home / "logs",
        reports_dir=home / "reports",
        keys_dir=home / "keys",
        secrets_file=home / "secrets.enc",
        key_file=home / "keys" / "secrets.key",
    )


def resolve_paths(env: Mapping[str, str] | None = None) -> Paths:
    """The paths in force: everything under ``CWSAGE_HOME`` if set, else the platform's user dirs.

    Args:
        env: Environment to read (``os.environ`` when ``None``).
    """
    environ = os.environ if env is None else env
    home_text = environ.get(ENV_HOME, "").strip()
    if home_text:
        return paths(Path(home_text).expanduser())
    return paths(platformdirs.user_data_path(APP_NAME), platformdirs.user_config_path(APP_NAME))


def default_database_url(home: Path) -> str:
    """The SQLite URL of the state database under ``home``."""
    return f"sqlite:///{(home / 'state.db').as_posix()}"


# -------------------------------------------------------------------------------------------- models


def parse_verify(value: Any) -> bool | str:
    """A ``verify_tls`` value as written in the environment or ``config.toml``: a switch, or a CA bundle path."""
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.lower() in {"1", "true", "yes", "on"}:
        return True
    if text.lower() in {"0", "false", "no", "off"}:
        return False
    return text  # a CA bundle path


class ManageSettings(BaseModel):
    """How to reach and authenticate to ConnectWise Manage.

    ``auth='apikey'`` uses ``company+public_key:private_key``; ``auth='impersonation'`` logs in as the
    integrator (``integrator_user``/``integrator_password``) and acts as ``member``. ``client_id`` is
    always sent. ``verify_tls`` may be a CA bundle path.
    """

    model_config = ConfigDict(frozen=True)

    url: str
    company: str
    auth: Literal["apikey", "impersonation"] = "apikey"
    public_key: str | None = None
    private_key: SecretStr | None = None
    client_id: SecretStr
    integrator_user: str | None = None
    integrator_password: SecretStr | None = None
    member: str | None = None
    accept_version: str = "2025.1"
    verify_tls: bool | str = True
    timeout_seconds: float = Field(default=30.0, gt=0)


class SageSettings(BaseModel):
    """How to reach and authenticate to the Sage 300 Web API (Basic auth)."""

    model_config = ConfigDict(frozen=True)

    url: str
    company: str
    user: str
    password: SecretStr
    verify_tls: bool | str = True
    timeout_seconds: float = Field(default=60.0, gt=0)


class RunDefaults(BaseModel):
    """Posting options a profile sets once (``[profiles.NAME.defaults]``).

    Each field's ``description`` is the help text the web Settings screen shows beside it.
    """

    model_config = ConfigDict(frozen=True)

    auto_post: bool = Field(
        default=False,
        description="Post the Sage 300 batches cwsage creates. Off: they wait in Sage for you to review and post, "
        "as with the guide's tool.",
    )
    chunk_size: int = Field(
        default=50, ge=1, description="Most documents in one Sage 300 batch; a larger run is split into several."
    )
    customer_group: str | None = Field(
        default=None, description="Sage customer group for customers created by “create missing”."
    )
    vendor_group: str | None = Field(
        default=None, description="Sage vendor group for vendors created by “create missing”."
    )
    item_account_set: str | None = Field(
        default=None, description="Sage IC account set for items created by “create missing”."
    )
    gl_source_code: str = Field(
        default="GL-JE", description="Sage GL source code (LEDGER-TYPE) of the journal entries cwsage creates."
    )
    default_tax_class: int = Field(
        default=1, description="Sage tax class sent for every tax authority of a document (1 is “taxable”)."
    )
    ic_default_location: str | None = Field(
        default=None,
        description="Sage IC location for inventory adjustments, whose Manage lines name no warehouse.",
    )
    home_currency: str | None = Field(
        default=None,
        min_length=3,
        max_length=3,
        description=(
            "The Sage company's home currency (e.g. USD), used only when the Web API user cannot read Sage's "
            "company profile (CS/CSCompanyProfile); when it can, the profile's currency wins."
        ),
    )
    max_document_amount: Decimal = Field(
        default=money.D(10_000_000),
        gt=0,
        description="Largest document total cwsage posts (in the document's currency); a larger one is reported "
        "as a problem of that document instead of being posted. Sage 300 itself holds at most 16 integer digits.",
    )
    max_line_amount: Decimal = Field(
        default=money.D(10_000_000),
        gt=0,
        description="Largest single line (revenue, expense, tax, journal line or inventory cost) cwsage posts; a "
        "larger one is reported as a problem of its document instead of being posted.",
    )


class Settings(BaseModel):
    """Everything a command needs. ``manage``/``sage`` are ``None`` only when not required and unset.

    Attributes:
        sources: Where each value came from, keyed ``manage.url`` etc. (for ``cwsage config show``).
    """

    model_config = ConfigDict(frozen=True)

    manage: ManageSettings | None
    sage: SageSettings | None
    defaults: RunDefaults = RunDefaults()
    database_url: str
    home: Path
    profile: str = DEFAULT_PROFILE
    config_file: Path
    sources: dict[str, str] = Field(default_factory=dict)

    def need_manage(self) -> ManageSettings:
        """The Manage settings, or ConfigurationError if they were not loaded."""
        if self.manage is None:
            raise ConfigurationError("The ConnectWise Manage connection is not configured.")
        return self.manage

    def need_sage(self) -> SageSettings:
        """The Sage 300 settings, or ConfigurationError if they were not loaded."""
        if self.sage is None:
            raise ConfigurationError("The Sage 300 connection is not configured.")
        return self.sage

    def paths(self) -> Paths:
        """The file layout for this settings' home."""
        return paths(self.home, self.config_file.parent)


# ---------------------------------------------------------------------------------------- field table


@dataclass(frozen=True)
class FieldSpec:
    """One connection setting: where it is looked up and when it is required.

    Its type and default are those of the settings model (:class:`ManageSettings`, :class:`SageSettings`):
    declared once, there.
    """

    section: str
    name: str
    env: str | None
    label: str
    secret: bool = False
    required: Callable[[Mapping[str, Any]], bool] | None = None

    @property
    def default(self) -> Any:
        """The model's default (``None`` for a setting without one)."""
        model = ManageSettings if self.section == "manage" else SageSettings
        value = model.model_fields[self.name].get_default(call_default_factory=True)
        return None if value is PydanticUndefined else value

    @property
    def dotted(self) -> str:
        """``section.name``, the key used in :attr:`Settings.sources` and the secret store."""
        return f"{self.section}.{self.name}"


def _always(_: Mapping[str, Any]) -> bool:
    return True


def _when_auth(mode: str) -> Callable[[Mapping[str, Any]], bool]:
    def check(values: Mapping[str, Any]) -> bool:
        return (values.get("auth") or "apikey") == mode

    return check


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("manage", "url", "CWSAGE_MANAGE_URL", "ConnectWise Manage URL", required=_always),
    FieldSpec("manage", "company", "CWSAGE_MANAGE_COMPANY", "ConnectWise Manage company id", required=_always),
    FieldSpec("manage", "auth", "CWSAGE_MANAGE_AUTH", "ConnectWise Manage auth mode"),
    FieldSpec(
        "manage",
        "public_key",
        "CWSAGE_MANAGE_PUBLIC_KEY",
        "ConnectWise Manage public key",
        required=_when_auth("apikey"),
    ),
    FieldSpec(
        "manage",
        "private_key",
        "CWSAGE_MANAGE_PRIVATE_KEY",
        "ConnectWise Manage private key",
        secret=True,
        required=_when_auth("apikey"),
    ),
    FieldSpec(
        "manage", "client_id", "CWSAGE_MANAGE_CLIENT_ID", "ConnectWise Manage clientId", secret=True, required=_always
    ),
    FieldSpec(
        "manage",
        "integrator_user",
        "CWSAGE_MANAGE_INTEGRATOR_USER",
        "ConnectWise Manage integrator user",
        required=_when_auth("impersonation"),
    ),
    FieldSpec(
        "manage",
        "integrator_password",
        "CWSAGE_MANAGE_INTEGRATOR_PASSWORD",
        "ConnectWise Manage integrator password",
        secret=True,
        required=_when_auth("impersonation"),
    ),
    FieldSpec(
        "manage",
        "member",
        "CWSAGE_MANAGE_MEMBER",
        "ConnectWise Manage member to impersonate",
        required=_when_auth("impersonation"),
    ),
    FieldSpec("manage", "accept_version", "CWSAGE_MANAGE_ACCEPT_VERSION", "Manage API version"),
    FieldSpec("manage", "verify_tls", "CWSAGE_MANAGE_VERIFY_TLS", "Manage TLS verification"),
    FieldSpec("manage", "timeout_seconds", "CWSAGE_MANAGE_TIMEOUT", "Manage request timeout (s)"),
    FieldSpec("sage", "url", "CWSAGE_SAGE_URL", "Sage 300 Web API URL", required=_always),
    FieldSpec("sage", "company", "CWSAGE_SAGE_COMPANY", "Sage 300 company", required=_always),
    FieldSpec("sage", "user", "CWSAGE_SAGE_USER", "Sage 300 user", required=_always),
    FieldSpec("sage", "password", "CWSAGE_SAGE_PASSWORD", "Sage 300 password", secret=True, required=_always),
    FieldSpec("sage", "verify_tls", "CWSAGE_SAGE_VERIFY_TLS", "Sage TLS verification"),
    FieldSpec("sage", "timeout_seconds", "CWSAGE_SAGE_TIMEOUT", "Sage request timeout (s)"),
)
"""Every connection setting, in display order."""

SECRET_FIELDS = tuple(f.dotted for f in FIELDS if f.secret)
"""``section.name`` of every secret (the keys of the secret store)."""


def secret_key(profile: str, dotted: str) -> str:
    """The secret-store entry name of a secret in a profile, e.g. ``default/manage.private_key``."""
    return f"{profile}/{dotted}"


# --------------------------------------------------------------------------------------- file reading


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse ``config.toml`` (an absent file is an empty config); a number with a fraction is a ``Decimal``.

    Raises:
        ConfigurationError: if the file is not valid TOML.
    """
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle, parse_float=Decimal)  # amounts (max_line_amount …) stay exact
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(
            f"The configuration file {path} is not valid TOML.",
            detail=str(exc),
            hint="Fix the file by hand or delete it and run `cwsage login` again.",
        ) from exc


def choose_profile(profile: str | None, environ: Mapping[str, str], data: Mapping[str, Any]) -> str:
    """The profile in force: argument, ``CWSAGE_PROFILE``, ``default_profile`` in the file, ``default``."""
    if profile:
        return profile
    if environ.get(ENV_PROFILE, "").strip():
        return environ[ENV_PROFILE].strip()
    chosen = data.get("default_profile")
    return chosen if isinstance(chosen, str) and chosen else DEFAULT_PROFILE


def _profile_table(data: Mapping[str, Any], profile: str, section: str) -> Mapping[str, Any]:
    profiles = data.get("profiles")
    if not isinstance(profiles, dict):
        return {}
    table = profiles.get(profile)
    if not isinstance(table, dict):
        return {}
    sub = table.get(section)
    return sub if isinstance(sub, dict) else {}


# ----------------------------------------------------------------------------------------- resolving


@dataclass(frozen=True)
class Resolved:
    """A setting's value (``None`` if unset), where it came from, and every place looked in.

    Attributes:
        store_error: Why the secret store could not be opened for this secret (no key from outside the home was
            given, or its file has the old layout), if that is why the value is missing.
    """

    spec: FieldSpec
    value: Any
    source: str | None
    looked_in: tuple[str, ...]
    store_error: ConfigurationError | None = None


def _resolve_field(
    spec: FieldSpec,
    *,
    environ: Mapping[str, str],
    data: Mapping[str, Any],
    profile: str,
    config_file: Path,
    store: SecretStore | None,
) -> Resolved:
    looked: list[str] = []
    if spec.env:
        looked.append(f"environment variable {spec.env}")
        env_value = environ.get(spec.env)
        if env_value is not None and env_value != "":
            return Resolved(spec, env_value, f"env {spec.env}", tuple(looked))
    file_key = f"profiles.{profile}.{spec.dotted}"
    looked.append(f"{config_file} key {file_key}")
    table = _profile_table(data, profile, spec.section)
    if spec.name in table and table[spec.name] not in (None, ""):
        return Resolved(spec, table[spec.name], f"file {config_file} [{file_key}]", tuple(looked))
    store_error: ConfigurationError | None = None
    if spec.secret and store is not None:
        from cwsage.secrets import SecretKeyMissing

        entry = secret_key(profile, spec.dotted)
        try:
            stored = store.get(entry)
        except SecretKeyMissing as exc:  # a locked store is one more place where the value was not found
            looked.append(f"{store.describe()} entry {entry} (not opened: no key from outside the home)")
            stored, store_error = None, exc
        else:
            looked.append(f"{store.describe()} entry {entry}")
        if stored:
            return Resolved(spec, stored, f"{store.backend_name} secret store", tuple(looked))
    if spec.default is not None:
        return Resolved(spec, spec.default, "default", tuple(looked), store_error)
    return Resolved(spec, None, None, tuple(looked), store_error)


def resolve_fields(
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    store: SecretStore | None = None,
    use_store: bool = True,
) -> tuple[str, Paths, list[Resolved]]:
    """Look up every connection setting without validating (for ``config show`` and ``login``).

    Args:
        profile: Profile name (see module docstring for the fallback order).
        env: Environment (``os.environ`` when ``None``).
        store: Secret store to consult; one for the home directory is opened when ``None``.
        use_store: ``False`` to skip the secret store entirely.

    Returns:
        ``(profile, paths, resolved)`` with one :class:`Resolved` per entry of :data:`FIELDS`.
    """
    environ = os.environ if env is None else env
    layout = resolve_paths(environ)
    data = read_config_file(layout.config_file)
    chosen = choose_profile(profile, environ, data)
    if use_store and store is None:
        from cwsage.secrets import SecretStore

        store = SecretStore(layout.home, env=environ)
    resolved = [
        _resolve_field(
            spec,
            environ=environ,
            data=data,
            profile=chosen,
            config_file=layout.config_file,
            store=store if use_store else None,
        )
        for spec in FIELDS
    ]
    return chosen, layout, resolved


def _missing_message(missing: list[Resolved], profile: str) -> str:
    parts = []
    for item in missing:
        parts.append(f"{item.spec.label} ({item.spec.dotted}) is not set; looked in: " + "; ".join(item.looked_in))
    return f"Missing settings for profile '{profile}': " + " | ".join(parts) + "."


_M = TypeVar("_M", bound=BaseModel)


def _build_section(
    section: str, resolved: list[Resolved], model: type[_M], profile: str
) -> tuple[_M | None, list[Resolved]]:
    items = [r for r in resolved if r.spec.section == section]
    raw = {r.spec.name: r.value for r in items if r.value is not None}
    missing = [r for r in items if r.value is None and r.spec.required is not None and r.spec.required(raw)]
    if missing:
        return None, missing
    if "verify_tls" in raw:
        raw["verify_tls"] = parse_verify(raw["verify_tls"])
    try:
        return model.model_validate(raw), []
    except ValidationError as exc:
        sources = {r.spec.name: r.source for r in items}
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else section
            problems.append(f"{section}.{name} ({sources.get(name, 'unknown source')}): {error['msg']}")
        raise ConfigurationError(
            f"Invalid settings in profile '{profile}': " + "; ".join(problems) + ".",
            detail=f"{exc.error_count()} validation error(s)",
        ) from None


def _optional_section(
    section: str, resolved: list[Resolved], model: type[_M], profile: str, require: AbstractSet[str]
) -> tuple[_M | None, list[Resolved]]:
    """Build a section; when it is not required, an invalid one is ``None`` instead of an error."""
    if section in require:
        return _build_section(section, resolved, model, profile)
    try:
        return _build_section(section, resolved, model, profile)
    except ConfigurationError:
        return None, []


def load_settings(
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
    require: AbstractSet[str] = frozenset(SECTIONS),
    *,
    store: SecretStore | None = None,
) -> Settings:
    """Load, validate and return the settings in force, registering every secret for redaction.

    Args:
        profile: Profile name; falls back to ``CWSAGE_PROFILE``, the file's ``default_profile``, ``default``.
        env: Environment to read (``os.environ`` when ``None``).
        require: Which of ``{"manage", "sage"}`` must be complete; a section not required is ``None`` when
            incomplete (e.g. ``require=set()`` for ``cwsage history``).
        store: Secret store to consult (opened for the home directory when ``None``).

    Returns:
        The validated :class:`Settings`.

    Raises:
        ConfigurationError: listing every missing required setting and every place it was looked for,
            or every invalid value with its source.
    """
    environ = os.environ if env is None else env
    unknown = set(require) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown sections to require: {sorted(unknown)}")
    chosen, layout, resolved = resolve_fields(profile, environ, store=store)
    for item in resolved:
        if item.spec.secret and item.value is not None:
            register_secret(str(item.value))

    manage, manage_missing = _optional_section("manage", resolved, ManageSettings, chosen, require)
    sage, sage_missing = _optional_section("sage", resolved, SageSettings, chosen, require)
    missing = (manage_missing if "manage" in require else []) + (sage_missing if "sage" in require else [])
    if missing:
        locked = next((r.store_error for r in missing if r.store_error is not None), None)
        if locked is not None:
            raise ConfigurationError(
                f"{_missing_message(missing, chosen)} {locked.user_message}",
                hint=f"{locked.hint} Or set the environment variables named above.",
            )
        raise ConfigurationError(
            _missing_message(missing, chosen),
            hint="Run `cwsage login` to enter them, or set the environment variables named above.",
        )

    data = read_config_file(layout.config_file)
    defaults_table = _profile_table(data, chosen, "defaults")
    try:
        defaults = RunDefaults.model_validate(dict(defaults_table))
    except ValidationError as exc:
        raise ConfigurationError(
            f"Invalid [profiles.{chosen}.defaults] in {layout.config_file}: "
            + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()),
        ) from None

    sources = {r.spec.dotted: r.source for r in resolved if r.source is not None}
    database_url, db_source = _database_url(environ, data, chosen, layout)
    sources["database_url"] = db_source
    _register_url_password(database_url)
    return Settings(
        manage=manage,
        sage=sage,
        defaults=defaults,
        database_url=database_url,
        home=layout.home,
        profile=chosen,
        config_file=layout.config_file,
        sources=sources,
    )


def _database_url(environ: Mapping[str, str], data: Mapping[str, Any], profile: str, layout: Paths) -> tuple[str, str]:
    if environ.get(ENV_DATABASE_URL, "").strip():
        return environ[ENV_DATABASE_URL].strip(), f"env {ENV_DATABASE_URL}"
    profiles = data.get("profiles")
    table = profiles.get(profile) if isinstance(profiles, dict) else None
    if isinstance(table, dict) and isinstance(table.get("database_url"), str):
        return table["database_url"], f"file {layout.config_file} [profiles.{profile}.database_url]"
    if isinstance(data.get("database_url"), str):
        return data["database_url"], f"file {layout.config_file} [database_url]"
    return default_database_url(layout.home), "default"


_URL_PASSWORD = re.compile(r"^[a-zA-Z0-9+]+://[^/:@]*:([^@/]+)@")


def _register_url_password(url: str) -> None:
    match = _URL_PASSWORD.match(url)
    if match:
        register_secret(match.group(1))


def load_home(env: Mapping[str, str] | None = None) -> Path:
    """The home directory in force, without reading any setting."""
    return resolve_paths(env).home


# ---------------------------------------------------------------------------------------- file writing


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")  # a TOML number, read back exactly (read_config_file)
    text = str(value)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def dump_toml(data: Mapping[str, Any]) -> str:
    """Write nested tables of scalars as TOML (enough for ``config.toml``; no arrays of tables)."""
    lines: list[str] = []

    def emit(table: Mapping[str, Any], prefix: tuple[str, ...]) -> None:
        scalars = {k: v for k, v in table.items() if not isinstance(v, dict) and v is not None}
        tables = {k: v for k, v in table.items() if isinstance(v, dict)}
        if prefix and scalars:
            lines.append("")
            lines.append("[" + ".".join(_toml_key(p) for p in prefix) + "]")
        for key, value in scalars.items():
            if isinstance(value, list):
                lines.append(f"{_toml_key(key)} = [" + ", ".join(_toml_value(v) for v in value) + "]")
            else:
                lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
        for key, sub in tables.items():
            emit(sub, (*prefix, key))

    emit(data, ())
    return "\n".join(lines).lstrip("\n") + "\n"


def _write_config(path: Path, data: Mapping[str, Any]) -> Path:
    """Replace ``config.toml`` atomically, mode 0600 from the first byte."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".toml.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(dump_toml(data))
    os.replace(tmp, path)
    return path


def save_profile(
    profile: str,
    values: Mapping[str, Mapping[str, Any]],
    env: Mapping[str, str] | None = None,
    *,
    make_default: bool = False,
) -> Path:
    """Write a profile's non-secret settings into ``config.toml`` (secrets are refused).

    Args:
        profile: Profile name.
        values: ``{"manage": {...}, "sage": {...}, "defaults": {...}}``; ``None`` values are dropped.
        env: Environment (for ``CWSAGE_HOME``).
        make_default: Also set ``default_profile``.

    Returns:
        The path of the config file written (mode 0600, comments in an existing file are not kept).

    Raises:
        ValueError: if a secret field is passed (secrets belong in the secret store).
    """
    layout = resolve_paths(env)
    data = read_config_file(layout.config_file)
    profiles = data.setdefault("profiles", {})
    table = profiles.setdefault(profile, {})
    for section, fields in values.items():
        for name in fields:
            if f"{section}.{name}" in SECRET_FIELDS:
                raise ValueError(f"refusing to write secret {section}.{name} to the config file")
        sub = table.setdefault(section, {})
        sub.update({k: v for k, v in fields.items() if v is not None})
    if make_default or "default_profile" not in data:
        data = {"default_profile": profile, **{k: v for k, v in data.items() if k != "default_profile"}}
    return _write_config(layout.config_file, data)


def save_run_defaults(profile: str, defaults: RunDefaults, env: Mapping[str, str] | None = None) -> Path:
    """Write a profile's run defaults to ``config.toml``: the values that differ from the built-in ones.

    The whole ``[profiles.NAME.defaults]`` table is replaced, so a setting put back to its default (or
    cleared) disappears from the file; the rest of the file is kept.

    Args:
        profile: Profile name.
        defaults: The validated defaults.
        env: Environment (for ``CWSAGE_HOME``).

    Returns:
        The path of the config file written (mode 0600).
    """
    layout = resolve_paths(env)
    data = read_config_file(layout.config_file)
    table = data.setdefault("profiles", {}).setdefault(profile, {})
    builtin = RunDefaults()
    changed = {
        name: value
        for name, value in defaults.model_dump().items()
        if value is not None and value != getattr(builtin, name)
    }
    table.pop("defaults", None)
    if changed:
        table["defaults"] = changed
    return _write_config(layout.config_file, data)
