"""The Settings form, drawn from the :class:`cwsage.config.RunDefaults` declaration itself.

Every field of ``RunDefaults`` becomes one control — a checkbox for a ``bool``, a number for an ``int``,
a text box otherwise — labelled from its name and explained by its ``description``; a setting added to
``RunDefaults`` appears here without touching a template. Values are checked by the model itself.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

from pydantic import ValidationError
from pydantic.fields import FieldInfo

from cwsage.config import RunDefaults

_ACRONYMS = {"ic": "IC", "gl": "GL", "ap": "AP", "ar": "AR", "id": "ID"}


@dataclass(frozen=True)
class SettingField:
    """One control of the Settings form.

    Attributes:
        name: The key in ``[profiles.NAME.defaults]``.
        label: What the control is called.
        help: The field's description.
        kind: ``checkbox``, ``number`` or ``text``.
        value: The value in force, as the control shows it.
        default: The built-in default, as text.
        optional: Whether it may be left empty.
        minimum: The smallest number allowed, when there is one.
        error: Why the value entered was refused.
    """

    name: str
    label: str
    help: str
    kind: str
    value: str | bool
    default: str
    optional: bool
    minimum: int | None = None
    error: str = ""


def _base_type(info: FieldInfo) -> tuple[type[Any] | None, bool]:
    """The field's type without ``None``, and whether ``None`` is allowed."""
    annotation: object = info.annotation
    optional = get_origin(annotation) in (Union, types.UnionType)
    if optional:
        args = [a for a in get_args(annotation) if a is not type(None)]
        annotation = args[0] if len(args) == 1 else None
    return (annotation if isinstance(annotation, type) else None), optional


def _label(name: str) -> str:
    words = [_ACRONYMS.get(w, w) for w in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


_KINDS: dict[type[Any], str] = {bool: "checkbox", int: "number"}


def _kind(base: type[Any] | None) -> str:
    return _KINDS.get(base, "text") if base is not None else "text"


def _minimum(info: FieldInfo) -> int | None:
    for rule in info.metadata:
        bound = getattr(rule, "ge", None)
        if isinstance(bound, int):
            return bound
    return None


def setting_fields(
    defaults: RunDefaults, errors: Mapping[str, str] | None = None, entered: Mapping[str, Any] | None = None
) -> list[SettingField]:
    """The form's controls, in declaration order, showing ``defaults`` (or what was ``entered``, if refused)."""
    fields = []
    for name, info in RunDefaults.model_fields.items():
        base, optional = _base_type(info)
        kind = _kind(base)
        current = entered[name] if entered is not None and name in entered else getattr(defaults, name)
        value: str | bool = bool(current) if kind == "checkbox" else ("" if current is None else str(current))
        default = info.default
        fields.append(
            SettingField(
                name=name,
                label=_label(name),
                help=info.description or "",
                kind=kind,
                value=value,
                default="(empty)" if default is None else str(default).lower() if kind == "checkbox" else str(default),
                optional=optional,
                minimum=_minimum(info),
                error=(errors or {}).get(name, ""),
            )
        )
    return fields


class SettingsError(ValueError):
    """Values the form refused, by field name."""

    def __init__(self, errors: dict[str, str], entered: dict[str, Any]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.entered = entered


def parse_settings(form: Mapping[str, str]) -> RunDefaults:
    """The run defaults from the submitted form (an unticked checkbox is ``false``, a blank optional is unset).

    Raises:
        SettingsError: naming every refused value.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, info in RunDefaults.model_fields.items():
        base, optional = _base_type(info)
        kind = _kind(base)
        text = (form.get(name) or "").strip()
        if kind == "checkbox":
            values[name] = name in form
        elif not text:
            if optional:
                values[name] = None
            else:
                errors[name] = "This setting needs a value."
        else:
            values[name] = text
    try:
        defaults = RunDefaults.model_validate(values)  # a blank required field takes its default here …
    except ValidationError as exc:
        for error in exc.errors():
            errors.setdefault(str(error["loc"][0]) if error["loc"] else "form", str(error["msg"]))
    else:
        if not errors:
            return defaults
    raise SettingsError(errors, values)  # … but is refused all the same, with every other refusal
