"""The one writer of ``--json`` output: exactly one JSON object on stdout, whatever happens.

Why a module of its own: scripts and schedulers read cwsage's ``--json`` output, and they can only rely on
it if *every* outcome — success, partial success, a validation failure, a usage error, a missing setting,
a refused connection, a bug — prints one object of the same shape (``docs/json.md``)::

    {"kind": "run", "exit_code": 0, ...the command's payload...}
    {"kind": "run", "exit_code": 1, "error": {"code": ..., "message": ..., "hint": ..., "who_must_act": ...}}

Commands hand their payload to :func:`emit`; the CLI's top-level handlers hand errors to :func:`emit_error`.
Amounts (``Decimal``) become exact decimal *strings* (a JSON number would be read as a binary float by most
consumers), timestamps ISO 8601 with their offset, calendar dates ``YYYY-MM-DD``; a ``float`` or a naive
datetime in a payload is a bug of cwsage and is refused rather than written approximately.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from importlib import resources
from pathlib import PurePath
from typing import Any, Protocol, cast

import typer
from typer.core import TyperGroup

from cwsage import money
from cwsage.errors import Actor, BugError, CwsageError
from cwsage.redaction import redact

JSON_OPTION = "--json"
"""The option that asks any command for its one JSON object."""

META_KEY = "cwsage.json_kind"
"""Key in the root click context's ``meta``: the command kind when ``--json`` was given, else absent."""

USAGE_EXIT_CODE = 2
"""Exit status of a command line click could not parse (unknown option, bad value), as click itself uses."""

INTERRUPTED_EXIT_CODE = 130
"""Exit status after Ctrl+C (typer's)."""

_GLOBAL_OPTIONS_WITH_VALUE = frozenset({"--profile", "-p"})


SCHEMA_SUFFIX = ".schema.json"
"""The JSON Schemas (draft 2020-12) live as package data in ``cwsage/schemas/<kind>.schema.json``."""

SHARED_SCHEMAS = frozenset({"common", "error", "run_result"})
"""Schemas that are not a command kind: shared definitions, the error object every kind may print, and the
result ``check``, ``run`` and ``rerun`` share."""


def schema_names() -> frozenset[str]:
    """The names of every stored schema (``run``, ``history`` … plus :data:`SHARED_SCHEMAS`)."""
    folder = resources.files("cwsage") / "schemas"
    return frozenset(
        item.name.removesuffix(SCHEMA_SUFFIX) for item in folder.iterdir() if item.name.endswith(SCHEMA_SUFFIX)
    )


def load_schema(name: str) -> dict[str, Any]:
    """The schema ``name`` (a command kind, ``error`` or ``common``) as a dict."""
    text = (resources.files("cwsage") / "schemas" / f"{name}{SCHEMA_SUFFIX}").read_text(encoding="utf-8")
    schema: dict[str, Any] = money.loads(text)
    return schema


def wants_json(args: Sequence[str]) -> bool:
    """Whether the command line asks for JSON output (``--json`` before any ``--``)."""
    for arg in args:
        if arg == "--":
            return False
        if arg == JSON_OPTION:
            return True
    return False


def command_kind(group: TyperGroup, args: Sequence[str]) -> str:
    """The ``kind`` of the command a command line names: its path with ``_`` (``config show`` -> ``config_show``).

    Resolved from the raw arguments so that even a line click cannot parse gets the kind the user meant;
    a line naming no command at all is kind ``cwsage``.
    """
    parts: list[str] = []
    command: object = group
    skip_next = False
    for arg in args:
        if arg == "--":
            break
        if skip_next:
            skip_next = False
            continue
        if arg.startswith("-"):
            skip_next = not parts and arg in _GLOBAL_OPTIONS_WITH_VALUE
            continue
        if not isinstance(command, TyperGroup):
            break
        sub = command.commands.get(arg)
        if sub is None:
            break
        parts.append(arg)
        command = sub
    return "_".join(parts).replace("-", "_") or "cwsage"


def jsonable(value: Any) -> Any:
    """``value`` with every amount, date, path and enum turned into its JSON form (see the module docstring).

    Raises:
        BugError: for a float or a timezone-naive datetime (cwsage never produces either on purpose).
    """
    if isinstance(value, Enum):
        return jsonable(value.value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        raise BugError(f"a float ({value!r}) reached the JSON output; amounts must be Decimal")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise BugError(f"a naive datetime ({value.isoformat()}) reached the JSON output")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, money.LazyArray):
        return value.map(jsonable)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    raise BugError(f"cannot write a {type(value).__name__} as JSON")


def redacted(value: Any) -> Any:
    """``value`` with every string in it redacted (for stored free-form data such as a run's summary)."""
    if isinstance(value, str) and not isinstance(value, Enum):
        return redact(value)
    if isinstance(value, Mapping):
        return {key: redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(item) for item in value]
    return value


def actor_code(actor: Actor) -> str:
    """The stable machine code of who must act (``user_config``, ``mapping``, ``transient``, ``bug`` …)."""
    return actor.name.lower()


class CommandLineError(Protocol):
    """What cwsage uses of the command-line errors Typer raises (its vendored click's ``ClickException``)."""

    exit_code: int

    def show(self) -> None:
        """Print the error and the usage line to stderr."""

    def format_message(self) -> str:
        """The error in words."""


def command_line_error(err: BaseException) -> CommandLineError | None:
    """``err`` if it is an error of the command line itself (not of cwsage), else ``None``.

    Typer's public API names the base of these errors (``typer.TyperException``) but not the classes, which live
    in a private module; they are recognised by that base and told apart by name (:data:`_CLICK_CODES`).
    """
    if isinstance(err, typer.TyperException) and all(hasattr(err, n) for n in ("exit_code", "format_message")):
        return cast("CommandLineError", err)
    return None


_CLICK_CODES: dict[str, str] = {
    "NoSuchOption": "no_such_option",
    "MissingParameter": "missing_parameter",
    "BadParameter": "bad_parameter",
    "UsageError": "usage_error",
}
"""Machine codes of command-line errors, by the class names of click's API (most specific first in the MRO)."""


def error_object(err: BaseException) -> dict[str, Any]:
    """The ``error`` member for ``err``: stable ``code``, ``message``, ``hint`` and ``who_must_act``, and for a
    remote system's answer its ``status``, ``remote_code`` and ``request_id`` when it sent them.

    Texts are redacted like everything else cwsage prints.
    """
    if isinstance(err, CwsageError):
        message = err.user_message if not err.source_ref else f"{err.user_message} [{err.source_ref}]"
        remote = {"status": err.status_code, "remote_code": err.remote_code, "request_id": err.request_id}
        return {
            "code": err.error_code,
            "message": redact(message),
            "hint": redact(err.hint),
            "who_must_act": actor_code(err.actor),
            **{name: value for name, value in remote.items() if value is not None},
        }
    if (usage := command_line_error(err)) is not None:
        names = (cls.__name__ for cls in type(err).__mro__)
        code = next((_CLICK_CODES[name] for name in names if name in _CLICK_CODES), "command_line_error")
        return {
            "code": code,
            "message": redact(usage.format_message()),
            "hint": "See `cwsage --help` and `cwsage COMMAND --help` for the options each command takes.",
            "who_must_act": actor_code(Actor.USER_CONFIG),
        }
    if isinstance(err, typer.Abort | KeyboardInterrupt):
        return {
            "code": "interrupted",
            "message": "cwsage was interrupted before the command finished.",
            "hint": "Nothing is lost: run the same command again to resume.",
            "who_must_act": actor_code(Actor.USER_CONFIG),
        }
    return {
        "code": "unexpected_error",
        "message": redact(f"cwsage stopped on an unexpected error ({type(err).__name__}: {err})."),
        "hint": BugError.default_hint,
        "who_must_act": actor_code(Actor.BUG),
    }


def document(kind: str, exit_code: int, payload: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The one JSON object: ``kind`` and ``exit_code`` first, then the payload.

    The payload cannot override ``kind`` or ``exit_code``, and its ``error`` (if any) is dropped: ``error`` is
    reserved for the error object of :func:`emit_error`.
    """
    body = jsonable(dict(payload or {}))
    for reserved in ("kind", "exit_code", "error"):
        body.pop(reserved, None)
    return {"kind": kind, "exit_code": exit_code, **body}


def _write(obj: Mapping[str, Any]) -> None:
    for part in money.dump_parts(dict(obj), indent=2, ensure_ascii=False):  # a long list goes out item by item
        typer.echo(part, nl=False)
    typer.echo("")


def emit(kind: str, exit_code: int, payload: Mapping[str, Any]) -> None:
    """Print a command's result as its one JSON object on stdout.

    Args:
        kind: The command kind (``run``, ``sync_payments``, ``history`` …), see :func:`command_kind`.
        exit_code: The exit status the command ends with.
        payload: The command's result; ``Decimal``, ``date``, ``datetime``, ``Path`` and enums are converted.
    """
    _write(document(kind, exit_code, payload))


def emit_error(kind: str, exit_code: int, err: BaseException, payload: Mapping[str, Any] | None = None) -> None:
    """Print the one JSON object of a command that failed with ``err`` (optionally with what it did before)."""
    _write({**document(kind, exit_code, payload), "error": error_object(err)})
