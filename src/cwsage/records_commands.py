"""The CLI commands a bookkeeper needs around a batch: ``list``, ``logout``, ``config set``.

Why a module of its own: they came with issue 11 (the CLI catching up with the web UI) and call the
services the web screens call — :mod:`cwsage.services.listing` for the Run New Batch list,
:mod:`cwsage.services.login` for Forget saved passwords, :mod:`cwsage.services.settings_edit` for Settings —
so no rule lives here, and the batch commands in :mod:`cwsage.commands` stay as they were.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from cwsage.cli_app import app, app_context, config_app
from cwsage.commands import (
    ExpensesOpt,
    InventoryOpt,
    InvoicesOpt,
    JsonOpt,
    LocationOpt,
    ThroughOpt,
    _finish,
    _out,
    _request,
    _session,
)
from cwsage.domain.documents import SourceType
from cwsage.render import show_listing
from cwsage.services import listing as listing_service
from cwsage.services import settings_edit


@app.command("list")
def list_records(
    ctx: typer.Context,
    invoices: InvoicesOpt = False,
    expenses: ExpensesOpt = False,
    inventory: InventoryOpt = False,
    location: LocationOpt = None,
    through: ThroughOpt = None,
    create_missing: Annotated[
        bool, typer.Option(help="Check as a run with --create-missing would (missing parties are not problems).")
    ] = False,
    no_check: Annotated[
        bool, typer.Option("--no-check", help="List the records without checking them against Sage 300.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List the unposted records (the guide's Invoices, Expenses and Inventory tabs) with their problems.

    Each record's number, date, customer/member/vendor, amount, currency and location, and what would stop
    it from posting (the very checks `cwsage run` makes). Pick records for a run with --include/--exclude.
    """
    request = _request(
        "list", invoices, expenses, inventory, location, through, "default", create_missing=create_missing
    )
    with _session(ctx, as_json) as context:
        result = listing_service.unposted_records(context, request, validate=not no_check)
    kinds = [
        kind
        for kind, wanted in (
            (SourceType.INVOICE, request.invoices),
            (SourceType.EXPENSE, request.expenses),
            (SourceType.PROCUREMENT, request.inventory),
        )
        if wanted
    ]
    _finish(result, as_json, lambda console, listing: show_listing(console, listing, kinds), kind="list")


@app.command()
def logout(ctx: typer.Context) -> None:
    """Forget the passwords and keys saved for the current profile (the web's "Forget saved passwords").

    The settings that are not secret stay in config.toml; `cwsage login` asks for the passwords again.
    """
    from cwsage.config import resolve_paths
    from cwsage.secrets import SecretStore
    from cwsage.services.login import forget_saved_passwords

    state = app_context(ctx)
    profile = settings_edit.current_profile(state.profile, state.env)
    store = SecretStore(resolve_paths(state.env).home, env=state.env)
    held = forget_saved_passwords(profile, store)
    if held:
        _out.print(f"Logged out: forgot the {held} saved password(s) and key(s) of profile '{profile}'.")
    else:
        _out.print(f"Logged out: profile '{profile}' had no saved passwords or keys.")
    _out.print(Text("Run `cwsage login` to connect again.", style="dim"))
    if any(state.env.get(name) for name in settings_edit.secret_env_names()):
        _out.print(
            Text(
                "Secrets set in environment variables (" + ", ".join(settings_edit.secret_env_names(state.env)) + ") "
                "are still in force: unset them to log out completely.",
                style="yellow",
            )
        )


@config_app.command("set")
def config_set(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The setting, e.g. chunk_size, defaults.auto_post or sage.company.")],
    value: Annotated[str, typer.Argument(help="Its new value; an empty value puts it back to its default.")],
) -> None:
    """Change one setting of the profile in config.toml (the same file the web Settings screen saves).

    Secrets (passwords, keys, clientId) are never set here: `cwsage login` asks for them.
    """
    state = app_context(ctx)
    change = settings_edit.set_setting(state.profile, key, value, state.env)
    _out.print(f"{change.dotted} = {change.shown} (saved to {change.path} for profile '{change.profile}').")
    if change.overridden_by:
        _out.print(
            Text(
                f"The environment variable {change.overridden_by} is set and wins over the file: unset it for this "
                "value to take effect.",
                style="yellow",
            )
        )
