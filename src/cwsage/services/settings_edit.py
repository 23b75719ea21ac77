"""Changing and listing single settings: ``cwsage config set KEY VALUE`` and the run defaults ``config show`` lists.

Why a module of its own: the web Settings screen saves the whole ``[profiles.NAME.defaults]`` table through
:func:`cwsage.config.save_run_defaults`; the CLI changes one setting at a time. Both go through the same
model (:class:`cwsage.config.RunDefaults`) and the same writer, so a value the web refuses is refused here
too. Secrets are never written to ``config.toml``: setting one is refused with the way to enter it
(``cwsage login``, which keeps it in the OS keyring or the encrypted secret file).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from cwsage.config import (
    FIELDS,
    SECRET_FIELDS,
    FieldSpec,
    ManageSettings,
    RunDefaults,
    SageSettings,
    choose_profile,
    parse_verify,
    read_config_file,
    resolve_paths,
    save_profile,
    save_run_defaults,
)
from cwsage.errors import ConfigurationError

_MODELS: dict[str, type[ManageSettings] | type[SageSettings]] = {"manage": ManageSettings, "sage": SageSettings}


@dataclass(frozen=True)
class SettingChange:
    """What ``config set`` wrote.

    Attributes:
        dotted: The setting's full name, e.g. ``defaults.chunk_size`` or ``sage.company``.
        shown: The value now in the file, as text (``(default)`` when put back to the built-in one).
        path: The config file written.
        profile: The profile changed.
        overridden_by: The environment variable that is set and wins over the file, if any.
    """

    dotted: str
    shown: str
    path: Path
    profile: str
    overridden_by: str | None = None


@dataclass(frozen=True)
class DefaultRow:
    """One run default as ``config show`` lists it."""

    dotted: str
    value: Any
    source: str
    help: str


def current_profile(profile: str | None, env: Mapping[str, str]) -> str:
    """The profile in force (argument, ``CWSAGE_PROFILE``, the file's ``default_profile``, ``default``)."""
    return choose_profile(profile, env, read_config_file(resolve_paths(env).config_file))


def secret_env_names(env: Mapping[str, str] | None = None) -> list[str]:
    """The environment variables that hold secrets (only those set in ``env``, when given)."""
    names = [spec.env for spec in FIELDS if spec.secret and spec.env]
    return names if env is None else [name for name in names if env.get(name)]


def _file_defaults(data: Mapping[str, Any], profile: str) -> dict[str, Any]:
    profiles = data.get("profiles")
    table = profiles.get(profile) if isinstance(profiles, dict) else None
    defaults = table.get("defaults") if isinstance(table, dict) else None
    return dict(defaults) if isinstance(defaults, dict) else {}


def default_rows(profile: str | None, env: Mapping[str, str]) -> list[DefaultRow]:
    """Every run default of the profile: its value in force, where it comes from, and its help text."""
    layout = resolve_paths(env)
    data = read_config_file(layout.config_file)
    chosen = choose_profile(profile, env, data)
    table = _file_defaults(data, chosen)
    rows = []
    for name, info in RunDefaults.model_fields.items():
        if name in table:
            value, source = table[name], f"file {layout.config_file} [profiles.{chosen}.defaults.{name}]"
        else:
            value, source = info.default, "default"
        rows.append(DefaultRow(f"defaults.{name}", value, source, info.description or ""))
    return rows


def _known_keys() -> str:
    names = [f"defaults.{name}" for name in RunDefaults.model_fields]
    names += [spec.dotted for spec in FIELDS if not spec.secret]
    return ", ".join(names)


def _spec(key: str) -> tuple[str, str, FieldSpec | None]:
    """``(section, name, spec)`` of a key (``spec`` is ``None`` for a run default)."""
    text = key.strip().lower()
    if text.startswith("defaults."):
        text = text.removeprefix("defaults.")
    section, _, name = text.rpartition(".")
    if not section and name in RunDefaults.model_fields:
        return "defaults", name, None
    if not section:
        matches = [spec for spec in FIELDS if spec.name == name]
        if len(matches) > 1:
            raise ConfigurationError(
                f"{key!r} is a setting of more than one connection",
                hint="Name the connection: " + " or ".join(spec.dotted for spec in matches) + ".",
            )
        if matches:
            return matches[0].section, name, matches[0]
    for spec in FIELDS:
        if spec.section == section and spec.name == name:
            return section, name, spec
    raise ConfigurationError(
        f"there is no setting {key!r}", hint=f"Settings: {_known_keys()}. See them with `cwsage config show`."
    )


def set_setting(profile: str | None, key: str, value: str, env: Mapping[str, str]) -> SettingChange:
    """Write one setting of ``profile`` into ``config.toml``; an empty ``value`` removes it (its default applies).

    Args:
        profile: Profile name (``None``: the one in force).
        key: ``chunk_size``, ``defaults.chunk_size``, ``sage.company``, ``timeout_seconds`` is ambiguous.
        value: The new value as typed.
        env: Environment (``CWSAGE_HOME``, ``CWSAGE_PROFILE``).

    Returns:
        What was written.

    Raises:
        ConfigurationError: an unknown key, a secret (to be entered with ``cwsage login``), or a value the
            setting does not accept (nothing is written then).
    """
    section, name, spec = _spec(key)
    dotted = f"{section}.{name}"
    if dotted in SECRET_FIELDS:
        raise ConfigurationError(
            f"{dotted} is a secret and is never written to config.toml",
            hint="Enter it with `cwsage login` (it is kept in the OS keyring or the encrypted secret file), or set "
            f"the environment variable {spec.env if spec else ''} for one session.",
        )
    layout = resolve_paths(env)
    data = read_config_file(layout.config_file)
    chosen = choose_profile(profile, env, data)
    text = value.strip()
    if spec is None:
        return _set_default(chosen, name, text, env, layout.config_file, data)
    model = _MODELS[section]
    if not text:
        _remove(chosen, section, name, env)
        return SettingChange(dotted, "(default)", layout.config_file, chosen, _override(spec, env))
    info = model.model_fields[name]
    raw: Any = parse_verify(text) if name == "verify_tls" else text
    try:
        annotated: Any = Annotated[info.annotation, info]  # the field's type with its constraints (gt=0 …)
        checked: Any = TypeAdapter(annotated).validate_python(raw)
    except ValidationError as exc:
        raise ConfigurationError(
            f"{text!r} is not a valid value for {dotted}: " + "; ".join(e["msg"] for e in exc.errors()),
            hint="Nothing was changed. See the current values with `cwsage config show`.",
        ) from None
    path = save_profile(chosen, {section: {name: checked}}, env)
    return SettingChange(dotted, str(checked), path, chosen, _override(spec, env))


def _override(spec: FieldSpec, env: Mapping[str, str]) -> str | None:
    return spec.env if spec.env and env.get(spec.env) else None


def _set_default(
    profile: str, name: str, text: str, env: Mapping[str, str], config_file: Path, data: Mapping[str, Any]
) -> SettingChange:
    current = _file_defaults(data, profile)
    values = {**current}
    if text:
        values[name] = text
    else:
        values.pop(name, None)
    try:
        defaults = RunDefaults.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or name}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(
            f"{text!r} is not accepted for defaults.{name} ({problems})",
            hint="Nothing was changed. See every setting and its current value with `cwsage config show`.",
        ) from None
    path = save_run_defaults(profile, defaults, env)
    shown = getattr(defaults, name)
    return SettingChange(
        f"defaults.{name}", "(default)" if not text else ("" if shown is None else str(shown)), path, profile
    )


def _remove(profile: str, section: str, name: str, env: Mapping[str, str]) -> None:
    from cwsage.config import _write_config

    layout = resolve_paths(env)
    data = read_config_file(layout.config_file)
    profiles = data.get("profiles")
    table = profiles.get(profile) if isinstance(profiles, dict) else None
    sub = table.get(section) if isinstance(table, dict) else None
    if isinstance(sub, dict) and name in sub:
        del sub[name]
        _write_config(layout.config_file, data)
