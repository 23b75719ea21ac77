"""The ``cwsage`` application object: the Typer app, its group, its per-invocation context, its error handling.

Why a module of its own: the commands live in several modules (:mod:`cwsage.cli`, :mod:`cwsage.commands`,
:mod:`cwsage.records_commands`), and each needs the app to register on and the context to read; keeping both
here means every command module imports this one and none imports another's (no import cycle). Errors are
caught once, at the top (:class:`CwsageGroup`): a :class:`cwsage.errors.CwsageError` becomes one readable red
paragraph on stderr and exit status 1 (with ``--verbose`` also its detail and traceback).

Adding a command::

    @app.command()
    def check(ctx: typer.Context) -> None:
        state = app_context(ctx)
        settings = state.settings()            # validated, secrets registered for redaction
        with state.store(settings) as store:   # migrated StateStore, closed afterwards
            ...
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup
from typer.exceptions import TyperException

from cwsage import __version__, json_output
from cwsage.config import (
    SECTIONS,
    Settings,
    resolve_paths,
)
from cwsage.errors import CwsageError
from cwsage.logging_setup import configure_logging
from cwsage.redaction import redact

if TYPE_CHECKING:
    from cwsage.services.login import CredentialChecker
    from cwsage.state import StateStore

log = logging.getLogger("cwsage.cli")


def _default_checker(settings: Settings) -> list[str]:
    from cwsage.services.connectivity import check_credentials

    return check_credentials(settings)


CREDENTIAL_CHECKERS: list[CredentialChecker] = [_default_checker]
"""What ``cwsage login`` runs to check credentials; tests replace it with fakes."""


def out_console() -> Console:
    return Console(soft_wrap=True)


def err_console() -> Console:
    return Console(stderr=True, soft_wrap=True)


# ------------------------------------------------------------------------------------------ context


@dataclass
class AppContext:
    """What the global options set up, shared by every command through ``ctx.obj``.

    Attributes:
        verbose: ``--verbose`` was given.
        profile: ``--profile`` (``None``: CWSAGE_PROFILE, the file's default_profile, or ``default``).
        env: The environment settings are read from.
        log_file: This process's full log file.
    """

    verbose: bool = False
    profile: str | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    log_file: Path | None = None

    def settings(self, require: AbstractSet[str] = frozenset(SECTIONS)) -> Settings:
        """Load the settings in force (see :func:`cwsage.config.load_settings`)."""
        from cwsage.config import load_settings

        return load_settings(self.profile, self.env, require)

    @contextlib.contextmanager
    def store(self, settings: Settings | None = None) -> Iterator[StateStore]:
        """Open (and migrate) the state store for ``settings`` (loaded without requirements if omitted)."""
        from cwsage.state import StateStore

        chosen = settings or self.settings(require=frozenset())
        store = StateStore.open(chosen.database_url)
        try:
            yield store
        finally:
            store.close()


def app_context(ctx: typer.Context) -> AppContext:
    """The :class:`AppContext` of this invocation (a default one if the callback did not run)."""
    root = ctx.find_root()
    if not isinstance(root.obj, AppContext):
        root.obj = AppContext()
    return root.obj


def _report_error(ctx: typer.Context, err: BaseException) -> None:
    verbose = isinstance(ctx.obj, AppContext) and ctx.obj.verbose
    console = err_console()
    if isinstance(err, CwsageError):
        text = redact(err.paragraph())
        detail = redact(err.detail) if err.detail else ""
    else:
        text = redact(
            f"cwsage stopped on an unexpected error ({type(err).__name__}: {err}). "
            "This is a bug: run again with --verbose and send the full log to support."
        )
        detail = ""
    log.debug("command failed: %s", type(err).__name__, exc_info=err)
    console.print(Text(text, style="bold red"))
    if verbose:
        if detail:
            console.print(Text(f"Detail: {detail}", style="red"))
        formatted = "".join(traceback.format_exception(type(err), err, err.__traceback__))
        console.print(Text(redact(formatted), style="dim"))
    log_file = ctx.obj.log_file if isinstance(ctx.obj, AppContext) else None
    if log_file is not None:
        console.print(Text(f"Full log: {log_file}", style="dim"))


class CwsageGroup(TyperGroup):
    """The top-level command group: turns errors into one readable paragraph and exit status 1.

    With ``--json`` on the command line every error — a usage error click finds too — also becomes the one
    JSON object on stdout (:mod:`cwsage.json_output`).
    """

    def make_context(  # the context types are Typer's vendored click's, which it does not export
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        """Remember, before parsing, whether this command line wants JSON and which command kind it names."""
        kind = json_output.command_kind(self, args) if json_output.wants_json(args) else None
        ctx = super().make_context(info_name, args, parent, **extra)
        if kind is not None:
            ctx.meta[json_output.META_KEY] = kind
        return ctx

    def invoke(self, ctx: Any) -> Any:
        """Run the command; report a CwsageError (or an unexpected error) instead of a traceback."""
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except CwsageError as err:
            _report_error(ctx, err)
            _emit_json_error(ctx, err)
            raise typer.Exit(1) from None
        except Exception as err:  # noqa: BLE001 - last-resort handler of the CLI: report, log, exit 1
            _report_error(ctx, err)
            _emit_json_error(ctx, err)
            raise typer.Exit(1) from None

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the CLI; with ``--json``, click's own usage errors and an interrupt are JSON objects too."""
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode or not json_output.wants_json(argv):
            return super().main(argv, prog_name, complete_var, standalone_mode, windows_expand_args, **extra)
        kind = json_output.command_kind(self, argv)
        try:
            code = super().main(argv, prog_name, complete_var, False, windows_expand_args, **extra)
        except typer.TyperException as err:
            usage = json_output.command_line_error(err)
            if usage is None:
                raise
            usage.show()
            json_output.emit_error(kind, usage.exit_code, err)
            sys.exit(usage.exit_code)
        except typer.Abort as err:
            json_output.emit_error(kind, 1, err)
            sys.exit(1)
        if code == json_output.INTERRUPTED_EXIT_CODE:  # typer turns Ctrl+C into Exit(130); commands never do
            json_output.emit_error(kind, code, KeyboardInterrupt())
        sys.exit(code if isinstance(code, int) else 0)


def _emit_json_error(ctx: typer.Context, err: BaseException) -> None:
    kind = ctx.meta.get(json_output.META_KEY)
    if kind is not None:
        json_output.emit_error(kind, 1, err)


app = typer.Typer(
    name="cwsage",
    cls=CwsageGroup,
    help="Move ConnectWise Manage accounting data into Sage 300 exactly once, and bring payments back.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
config_app = typer.Typer(help="Show the settings in force and where each comes from.", no_args_is_help=True)
app.add_typer(config_app, name="config")
secrets_app = typer.Typer(
    help="The encrypted secret file (used when there is no OS keyring): re-encrypt it under a new key.",
    no_args_is_help=True,
)
app.add_typer(secrets_app, name="secrets")


@app.callback()
def _global_options(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show progress and full error traces.")] = False,
    profile: Annotated[
        str | None, typer.Option("--profile", "-p", help="Connection profile to use (default: CWSAGE_PROFILE).")
    ] = None,
) -> None:
    """Global options shared by every command."""
    env = dict(os.environ)
    logs_dir: Path | None
    try:
        logs_dir = resolve_paths(env).logs_dir
    except OSError:
        logs_dir = None
    try:
        log_file = configure_logging(verbose=verbose, logs_dir=logs_dir)
    except OSError:
        log_file = configure_logging(verbose=verbose, logs_dir=None)
    ctx.obj = AppContext(verbose=verbose, profile=profile, env=env, log_file=log_file)
    log.debug("cwsage %s: %s", __version__, ctx.invoked_subcommand)


# --------------------------------------------------------------------------------------- commands


JsonFlag = Annotated[bool, typer.Option(json_output.JSON_OPTION, help="Print one JSON object instead of text.")]


def wait_for_interrupt() -> None:
    """Block until Ctrl+C (servers started by ``serve`` and ``demo --web``)."""
    import time

    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        out_console().print("Stopping.")


def current_user() -> str:
    """The OS user name, for ``actor`` fields of runs and audit rows."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
