"""The ``cwsage`` command line (Typer + Rich): the entry point and the commands about settings and state.

Why a module of its own: the CLI is one of the two interfaces (DESIGN §2, §6). It parses options, opens
settings and the state store, calls services and shows results; it holds no business rules. The app object,
its context and its error handling are in :mod:`cwsage.cli_app`; the batch commands in :mod:`cwsage.commands`
and the record commands in :mod:`cwsage.records_commands`, which this module imports so that they register.
"""

from __future__ import annotations

import logging
import platform
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import SecretStr
from rich.table import Table
from rich.text import Text

from cwsage import __version__, json_output
from cwsage.config import (
    default_database_url,
    resolve_fields,
    resolve_paths,
)
from cwsage.errors import ConfigurationError, CwsageError
from cwsage.gc_policy import settle_imports
from cwsage.redaction import MASK, redact, redact_url

if TYPE_CHECKING:
    from cwsage.state.store import RunRecord
# The batch and record commands live in their own modules; importing them registers them on ``app``.
from cwsage import commands, records_commands  # noqa: F401
from cwsage.cli_app import (
    CREDENTIAL_CHECKERS,
    JsonFlag,
    app,
    app_context,
    config_app,
    err_console,
    out_console,
    secrets_app,
    wait_for_interrupt,
)

log = logging.getLogger("cwsage.cli")


@app.command()
def version(as_json: JsonFlag = False) -> None:
    """Show the cwsage version."""
    if as_json:
        payload = {"version": __version__, "python": platform.python_version(), "system": platform.system()}
        json_output.emit("version", 0, payload)
        return
    out_console().print(f"cwsage {__version__} (Python {platform.python_version()}, {platform.system()})")


def _display(value: Any, secret: bool) -> str:
    """A setting as ``config show`` prints it: a secret *field* is ``***`` whatever its value; any other value is
    shown as it is (only a password inside a URL is masked), so a company id is never altered by a password."""
    if value is None or value == "":
        return "(not set)"
    if secret or isinstance(value, SecretStr):
        return MASK
    text = str(value)
    return redact_url(text) if "://" in text else redact(text)


@config_app.command("show")
def config_show(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Show every setting of the profile, secrets masked, and where each value came from.

    Change one with `cwsage config set KEY VALUE` (secrets: `cwsage login`).
    """
    state = app_context(ctx)
    profile, layout, resolved = resolve_fields(state.profile, state.env)
    from cwsage.secrets import SecretStore

    store = SecretStore(layout.home, env=state.env)
    from cwsage.services.settings_edit import default_rows

    rows = [(item.spec.dotted, _display(item.value, item.spec.secret), item.source or "-") for item in resolved]
    rows += [(row.dotted, _display(row.value, False), row.source) for row in default_rows(profile, state.env)]
    try:
        loaded = state.settings(require=frozenset())
        database_url, db_source = loaded.database_url, loaded.sources.get("database_url", "")
    except CwsageError as err:  # invalid values: show what we can, the error is for commands needing them
        database_url, db_source = default_database_url(layout.home), f"default ({err.user_message})"
    rows.append(("database_url", _display(database_url, False), db_source))
    rows.append(("home", str(layout.home), "CWSAGE_HOME" if state.env.get("CWSAGE_HOME") else "platform default"))
    rows.append(("config file", str(layout.config_file), "exists" if layout.config_file.exists() else "absent"))
    protection = "" if store.backend_name == "keyring" else f" ({store.protection()})"
    rows.append(("secret store", store.describe(), f"{store.backend_name}{protection}"))
    if as_json:
        settings = [
            {"setting": name.replace(" ", "_"), "value": value, "source": source} for name, value, source in rows
        ]
        json_output.emit("config_show", 0, {"profile": profile, "settings": settings})
        return
    table = Table(title=f"cwsage settings - profile '{profile}'", show_lines=False)
    table.add_column("Setting", style="bold")
    table.add_column("Value", overflow="fold")
    table.add_column("Source", style="dim", overflow="fold")
    for row in rows:
        table.add_row(*row)
    out_console().print(table)


@secrets_app.command("rotate")
def secrets_rotate(
    ctx: typer.Context,
    new_key_file: Annotated[
        Path | None,
        typer.Option("--new-key-file", help="Encrypt under the key held in this file (outside the home)."),
    ] = None,
    generate_key_file: Annotated[
        Path | None,
        typer.Option(
            "--generate-key-file", help="Write a new random key to this new file (0600, outside the home) and use it."
        ),
    ] = None,
) -> None:
    """Re-encrypt the secret file under a new key or passphrase; the old file is kept until the new one is verified.

    The current key is given as for any command (CWSAGE_SECRETS_KEY, CWSAGE_SECRETS_KEY_FILE,
    CWSAGE_SECRETS_PASSPHRASE, or typed at the terminal). The new one: --generate-key-file, --new-key-file,
    CWSAGE_SECRETS_NEW_KEY, CWSAGE_SECRETS_NEW_KEY_FILE, CWSAGE_SECRETS_NEW_PASSPHRASE, or a new passphrase typed
    twice. A file of the old layout (key inside the home) moves to the CWSAGE_SECRETS_* key already set.
    """
    from cwsage.secrets import SecretStore, new_key_source

    if new_key_file is not None and generate_key_file is not None:
        raise ConfigurationError("Give --new-key-file or --generate-key-file, not both.")
    state = app_context(ctx)
    home = resolve_paths(state.env).home
    store = SecretStore(home, backend="file", env=state.env)
    legacy = store.is_legacy()
    store.unlock()  # the current key first: a wrong one stops here, before anything new is made
    new = new_key_source(
        home,
        state.env,
        key_file=new_key_file,
        generate_key_file=generate_key_file,
        fallback=store.outside_source() if legacy else None,
    )
    result = store.rotate(new)
    console = out_console()
    console.print(f"Re-encrypted {result.count} secret(s) in {result.secrets_file} under the {new.origin}.")
    if result.migrated_legacy:
        console.print(f"The old key {store.legacy_key_file}, kept inside the home, was deleted.")
    console.print(
        Text(
            f"From now on cwsage needs {new.how_to_give_again()} to read the secrets. Keep that key safe: "
            "without it the saved secrets cannot be read.",
            style="yellow",
        )
    )


@app.command()
def history(
    ctx: typer.Context,
    batch: Annotated[
        str | None,
        typer.Argument(help="A Batch Number or run id: that run's documents, their status and where each landed."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many runs to show.")] = 20,
    as_json: JsonFlag = False,
) -> None:
    """List the runs so far, newest first; or, given a Batch Number (or run id), that run's documents."""
    from cwsage.render import run_summary_words, show_run_view
    from cwsage.services.listing import RUN_STATUS_WORDS, find_run, run_view

    state = app_context(ctx)
    with state.store() as store:
        if batch is not None:
            found = find_run(store, batch)
            if found is None:
                raise ConfigurationError(
                    f"no run with Batch Number or run id {batch!r} in the history",
                    hint="List the runs and their Batch Numbers with `cwsage history`.",
                )
            show_run_view(out_console(), run_view(store, found))
            return
        runs = store.list_runs(limit=limit)
    if as_json:
        json_output.emit("history", 0, {"runs": [_run_json(run) for run in runs]})
        return
    console = out_console()
    if not runs:
        console.print("No runs yet.")
        return
    table = Table(title="Runs")
    for column, width in (("Run", 8), ("Kind", 5), ("Batch", 6), ("Status", 9), ("Started (UTC)", 10)):
        table.add_column(column, overflow="fold", min_width=width)
    for column in ("Finished (UTC)", "By", "Summary"):
        table.add_column(column, overflow="fold")
    styles = {"succeeded": "green", "partial": "yellow", "failed": "red", "running": "cyan", "dry_run": "blue"}
    for run in runs:
        summary = run_summary_words(run.status.value, run.summary)
        if "counts" not in run.summary and "outcome" not in run.summary:  # a run of another kind: its own figures
            summary = ", ".join(f"{k}={v}" for k, v in run.summary.items() if not isinstance(v, dict | list))
        table.add_row(
            run.id,
            run.kind,
            run.batch_number or "-",
            Text(RUN_STATUS_WORDS.get(run.status.value, run.status.value), style=styles.get(run.status.value, "")),
            run.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            run.finished_at.strftime("%Y-%m-%d %H:%M:%S") if run.finished_at else "-",
            run.actor,
            redact(summary) or "-",
        )
    console.print(table)


def _run_json(run: RunRecord) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "kind": run.kind.replace("-", "_"),  # the command kind, as the top-level "kind" spells it
        "batch_number": run.batch_number,
        "status": run.status.value,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "actor": run.actor,
        "summary": json_output.redacted(run.summary),
    }


@app.command()
def doctor(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Read the servers again, ignoring the cache.")] = False,
) -> None:
    """Check both servers: reachability, login, version, every name cwsage uses, rights and setup.

    Exits 0 when everything cwsage needs is there; the warnings say what works in a reduced way.
    """
    from cwsage.services.doctor import doctor as run_doctor

    state = app_context(ctx)
    settings = state.settings()
    with state.store(settings) as store:
        report = run_doctor(settings, store, refresh=refresh)
    if as_json:
        json_output.emit("doctor", report.exit_code, report.as_dict())
        raise typer.Exit(report.exit_code)
    console = out_console()
    sage, manage = report.sage, report.manage
    if sage.get("reachable"):
        console.print(
            f"Sage 300 {sage['url']} company {sage['company']}: EDMX {sage['version']}, OData {sage['dialect']}, "
            f"{sage['names']} names, rights {', '.join(f'{m}={s}' for m, s in sage['rights'].items())}"
        )
        for line in sage["differences"]:
            console.print(f"  · {line}")
    if manage.get("reachable"):
        console.print(
            f"ConnectWise Manage {manage['url']} version {manage['version']}: Accounting Package "
            f"{manage['accounting_package']}, " + ", ".join(f"{k}={v}" for k, v in manage["setup"].items())
        )
    for line in report.problems:
        console.print(Text(f"✗ {redact(line)}", style="red"))
    for line in report.warnings:
        console.print(Text(f"! {line}", style="yellow"))
    if not report.problems:
        console.print(Text("Everything cwsage needs is there.", style="green"))
    raise typer.Exit(report.exit_code)


# ------------------------------------------------------------------------------------------- login


def _ask(label: str, current: Any, given: str | None, *, default: str | None = None) -> str:
    if given:
        return given
    shown = current if current not in (None, "") else default
    answer: str = typer.prompt(label, default=str(shown) if shown not in (None, "") else None)
    return answer.strip()


def _ask_secret(label: str, current: Any) -> str:
    if current:
        answer: str = typer.prompt(
            f"{label} (Enter keeps the saved one)", default="", hide_input=True, show_default=False
        )
        return answer or str(current)
    entered: str = typer.prompt(label, hide_input=True)
    return entered


@app.command()
def login(
    ctx: typer.Context,
    manage_url: Annotated[str | None, typer.Option(help="ConnectWise Manage site URL.")] = None,
    manage_company: Annotated[str | None, typer.Option(help="Manage company id.")] = None,
    manage_auth: Annotated[str | None, typer.Option(help="apikey or impersonation.")] = None,
    manage_public_key: Annotated[str | None, typer.Option(help="Manage API member public key.")] = None,
    manage_integrator_user: Annotated[str | None, typer.Option(help="Manage integrator login.")] = None,
    manage_member: Annotated[str | None, typer.Option(help="Member the integrator acts as.")] = None,
    sage_url: Annotated[str | None, typer.Option(help="Sage 300 Web API root URL.")] = None,
    sage_company: Annotated[str | None, typer.Option(help="Sage 300 company (database) id.")] = None,
    sage_user: Annotated[str | None, typer.Option(help="Sage 300 user.")] = None,
    save_password: Annotated[
        bool,
        typer.Option(
            "--save-password/--no-save-password",
            help="Keep the secrets in the OS keyring (or the encrypted secret file) for the next runs.",
        ),
    ] = True,
    check: Annotated[bool, typer.Option("--check/--no-check", help="Check the credentials before saving.")] = True,
) -> None:
    """Enter (or change) the connection settings of a profile, check them, and save them.

    Secrets (Manage private key, clientId, integrator password, Sage password) are read with hidden input
    and never written to config.toml: with --save-password they go to the secret store; otherwise they
    must be given again (for example through CWSAGE_* environment variables).
    """
    from cwsage.secrets import SecretStore
    from cwsage.services import login as login_service

    state = app_context(ctx)
    store = SecretStore(resolve_paths(state.env).home, env=state.env)
    profile, layout, resolved = resolve_fields(state.profile, state.env, store=store)
    current = {item.spec.dotted: item.value for item in resolved}
    console = out_console()
    console.print(f"Settings for profile '{profile}' (saved in {layout.config_file}).")

    entered: dict[str, str] = {}
    entered["manage.url"] = _ask("ConnectWise Manage URL", current["manage.url"], manage_url)
    entered["manage.company"] = _ask("Manage company id", current["manage.company"], manage_company)
    auth = _ask("Manage auth (apikey/impersonation)", current["manage.auth"], manage_auth, default="apikey")
    if auth not in ("apikey", "impersonation"):
        raise ConfigurationError(
            f"Manage auth must be 'apikey' or 'impersonation', not {auth!r}.",
            hint="Run `cwsage login` again and answer apikey or impersonation.",
        )
    entered["manage.auth"] = auth
    entered["manage.client_id"] = _ask_secret("Manage clientId", current["manage.client_id"])
    if auth == "apikey":
        entered["manage.public_key"] = _ask("Manage public key", current["manage.public_key"], manage_public_key)
        entered["manage.private_key"] = _ask_secret("Manage private key", current["manage.private_key"])
    else:
        entered["manage.integrator_user"] = _ask(
            "Manage integrator user", current["manage.integrator_user"], manage_integrator_user
        )
        entered["manage.integrator_password"] = _ask_secret(
            "Manage integrator password", current["manage.integrator_password"]
        )
        entered["manage.member"] = _ask("Manage member to act as", current["manage.member"], manage_member)
    entered["sage.url"] = _ask("Sage 300 Web API URL", current["sage.url"], sage_url)
    entered["sage.company"] = _ask("Sage 300 company", current["sage.company"], sage_company)
    entered["sage.user"] = _ask("Sage 300 user", current["sage.user"], sage_user)
    entered["sage.password"] = _ask_secret("Sage 300 password", current["sage.password"])
    # The web Login screen's own functions: a field not asked for keeps the value in force (TLS, timeouts).
    manage = login_service.build_manage(entered, current)
    sage = login_service.build_sage(entered, current)

    if check:
        console.print("Checking the credentials ...")
        failures = login_service.check_login(profile, manage, sage, state.env, checkers=CREDENTIAL_CHECKERS)
        if failures:
            raise ConfigurationError(
                "The credentials did not work: " + " ".join(failures),
                hint="Nothing was saved. Correct the settings and run `cwsage login` again.",
            )
        console.print(Text("Both systems accepted the credentials.", style="green"))

    saved = login_service.save_login(profile, manage, sage, save_password=save_password, store=store, env=state.env)
    console.print(f"Saved the settings of profile '{profile}' to {saved.config_file}.")
    if save_password:
        console.print(f"Saved the passwords and keys in {saved.secrets_place}.")
        return
    console.print(
        "The passwords and keys were not saved: give them again next time, e.g. with the "
        "CWSAGE_MANAGE_PRIVATE_KEY, CWSAGE_MANAGE_CLIENT_ID and CWSAGE_SAGE_PASSWORD environment variables."
    )
    if saved.forgotten:
        console.print(f"Forgot the {saved.forgotten} password(s) and key(s) saved before for profile '{profile}'.")
    if saved.note:
        console.print(Text(saved.note, style="yellow"))


WEB_PASSWORD_ENV = "CWSAGE_WEB_PASSWORD"  # noqa: S105 - the name of the variable, not a password
"""The web UI's password, if any (required when serving beyond this computer)."""


def web_password(env: Mapping[str, str], ask: bool) -> str | None:
    """The web password: asked for with ``--ask-password``, else ``CWSAGE_WEB_PASSWORD``, else none."""
    if ask:
        entered: str = typer.prompt("Web password (asked when signing in)", hide_input=True, confirmation_prompt=True)
        return entered or None
    return env.get(WEB_PASSWORD_ENV) or None


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to serve on; anything but loopback needs a password.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to serve on (0: any free port).")] = 8710,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open the browser.")] = False,
    ask_password: Annotated[
        bool, typer.Option("--ask-password", help=f"Ask for a web password now (or set {WEB_PASSWORD_ENV}).")
    ] = False,
) -> None:
    """Serve the web UI: the guide's screens in your browser, on the same settings, state and services.

    Prints the address and a one-time login link on a line of its own (and opens it in the browser).
    """
    from cwsage.web.app import WebConfig
    from cwsage.web.server import serve_forever

    state = app_context(ctx)
    config = WebConfig(env=state.env, profile=state.profile, password=web_password(state.env, ask_password), host=host)
    serve_forever(config, port=port, open_browser=not no_browser, announce=typer.echo, wait=wait_for_interrupt)


def main() -> None:
    """Entry point of the ``cwsage`` command."""
    settle_imports()
    try:
        app(prog_name="cwsage")
    except KeyboardInterrupt:
        err_console().print(Text("Interrupted. Nothing is lost: run the same command again to resume.", style="red"))
        sys.exit(130)
