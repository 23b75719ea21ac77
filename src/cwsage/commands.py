"""The batch commands of the CLI: check, run, rerun, sync-payments, demo and sandbox.

Each command parses options, opens settings, the state store and the clients, calls one service and
shows its result (or prints it as one JSON object with ``--json``). Exit statuses: 0 all posted; 3 posted
with some documents rejected or invalid; 4 failed before posting; 1 any other error.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn, Protocol, TypeVar

import typer
from rich.console import Console

from cwsage import json_output
from cwsage.cli_app import app, app_context, wait_for_interrupt
from cwsage.dates import DateParseError, parse_date
from cwsage.errors import ConfigurationError
from cwsage.render import RichProgress, show_run, show_sync
from cwsage.services import batch as batch_service
from cwsage.services.payments import sync_payments
from cwsage.services.session import connect

_out = Console(soft_wrap=True)
_err = Console(stderr=True)


_R = TypeVar("_R", bound="_Result")


def _ids(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return parse_date(value)
    except DateParseError as exc:
        raise ConfigurationError(f"{option} {value!r} is not a date", hint="Use YYYY-MM-DD, e.g. 2026-10-31.") from exc


def _detail(value: str) -> str:
    if value.lower() not in batch_service.DETAIL_LEVELS:
        raise ConfigurationError(f"--detail {value!r} is not one of default, condensed, detailed")
    return value.lower()


@contextlib.contextmanager
def _session(ctx: typer.Context, as_json: bool) -> Iterator[batch_service.Context]:
    """Settings, state store, progress bar and both clients for one command."""
    state = app_context(ctx)
    settings = state.settings()
    with (
        state.store(settings) as store,
        RichProgress(_err, enabled=not as_json) as progress,
        connect(settings, store, progress=progress) as context,
    ):
        yield context


class _Result(Protocol):
    @property
    def exit_code(self) -> int: ...

    def as_dict(self) -> dict[str, Any]: ...


def _finish(
    result: _R,
    as_json: bool,
    show: Callable[[Console, _R], None],
    kind: str | None = None,
    failure: BaseException | None = None,
) -> NoReturn:
    """Print the result as one JSON object (:mod:`cwsage.json_output`) or as tables, and exit with its status.

    ``kind`` defaults to the result's own ``kind``; ``failure`` is the error that stopped the command part-way
    (its JSON object then carries ``error`` beside what was done).
    """
    if as_json:
        data = result.as_dict()
        if failure is None:
            json_output.emit(kind or data["kind"], result.exit_code, data)
        else:
            json_output.emit_error(kind or data["kind"], result.exit_code, failure, data)
    else:
        show(_out, result)
    raise typer.Exit(result.exit_code)


InvoicesOpt = Annotated[bool, typer.Option("--invoices", help="Export invoices (default: all kinds).")]
ExpensesOpt = Annotated[bool, typer.Option("--expenses", help="Export reimbursable expenses.")]
InventoryOpt = Annotated[bool, typer.Option("--inventory", help="Export item receipts, adjustments, transfers.")]
LocationOpt = Annotated[str | None, typer.Option("--location", help="Only this Manage location (name or id).")]
ThroughOpt = Annotated[str | None, typer.Option("--through", help="Only records dated on or before (YYYY-MM-DD).")]
DetailOpt = Annotated[str, typer.Option("--detail", help="Invoice line detail: default, condensed, detailed.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]
IncludeOpt = Annotated[
    str | None,
    typer.Option(help="Only these records: ids or invoice numbers, comma-separated (see `cwsage list`)."),
]
ExcludeOpt = Annotated[str | None, typer.Option(help="Leave out these records (ids or invoice numbers).")]


def _request(
    batch_number: str,
    invoices: bool,
    expenses: bool,
    inventory: bool,
    location: str | None,
    through: str | None,
    detail: str,
    include: str | None = None,
    exclude: str | None = None,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    create_missing: bool = False,
) -> batch_service.RunRequest:
    everything = not (invoices or expenses or inventory)
    return batch_service.RunRequest(
        batch_number=batch_number,
        invoices=invoices or everything,
        expenses=expenses or everything,
        inventory=inventory or everything,
        location=location,
        through=_day(through, "--through"),
        detail=_detail(detail),
        include=_ids(include),
        exclude=_ids(exclude),
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        create_missing=create_missing,
    )


@app.command()
def check(
    ctx: typer.Context,
    invoices: InvoicesOpt = False,
    expenses: ExpensesOpt = False,
    inventory: InventoryOpt = False,
    location: LocationOpt = None,
    through: ThroughOpt = None,
    detail: DetailOpt = "default",
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    create_missing: Annotated[
        bool, typer.Option(help="Check as a run with --create-missing would (and whether Sage can create them).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate every unposted record against Sage 300 and list every problem; changes nothing.

    Takes the same selection as `cwsage run` (kinds, --location, --through, --include, --exclude).
    """
    request = _request(
        "check",
        invoices,
        expenses,
        inventory,
        location,
        through,
        detail,
        include,
        exclude,
        create_missing=create_missing,
    )
    with _session(ctx, as_json) as context:
        result = batch_service.check(context, request)
    _finish(result, as_json, show_run, failure=result.error)


@app.command()
def run(
    ctx: typer.Context,
    batch_number: Annotated[str, typer.Option("--batch-number", "-b", help="Your Batch Number, e.g. 20261125JD-I.")],
    invoices: InvoicesOpt = False,
    expenses: ExpensesOpt = False,
    inventory: InventoryOpt = False,
    location: LocationOpt = None,
    through: ThroughOpt = None,
    detail: DetailOpt = "default",
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be posted; change nothing.")] = False,
    skip_invalid: Annotated[bool, typer.Option(help="Post the valid documents even if others have problems.")] = False,
    create_missing: Annotated[bool, typer.Option(help="Create missing customers, vendors and items in Sage.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run a new batch: export from Manage, validate, post to Sage 300, mark as batched in Manage."""
    request = _request(
        batch_number,
        invoices,
        expenses,
        inventory,
        location,
        through,
        detail,
        include,
        exclude,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        create_missing=create_missing,
    )
    with _session(ctx, as_json) as context:
        result = batch_service.run_batch(context, request)
    _finish(result, as_json, show_run, failure=result.error)


@app.command()
def rerun(
    ctx: typer.Context,
    batch_number: Annotated[str, typer.Argument(help="The Batch Number of the Manage batch to send again.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be posted; change nothing.")] = False,
    force: Annotated[bool, typer.Option(help="Post even the documents Sage 300 already has.")] = False,
    detail: Annotated[
        str | None,
        typer.Option("--detail", help="Invoice line detail: default, condensed, detailed (default: as first run)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Rerun a previous batch (e.g. after a Sage restore), skipping what Sage 300 still has."""
    with _session(ctx, as_json) as context:
        result = batch_service.rerun_batch(
            context, batch_number, dry_run=dry_run, force=force, detail=_detail(detail) if detail else None
        )
    _finish(result, as_json, show_run, failure=result.error)


@app.command("sync-payments")
def sync_payments_command(
    ctx: typer.Context,
    since: Annotated[
        str, typer.Option(help="last-run, past-week, past-two-weeks, past-month, or a date (YYYY-MM-DD).")
    ] = "last-run",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; change nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Update Invoice Payments: paid amounts and paid-in-full dates from Sage 300 onto Manage invoices."""
    with _session(ctx, as_json) as context:
        result = sync_payments(
            context.manage, context.sage, context.store, since, dry_run=dry_run, progress=context.progress
        )
    _finish(result, as_json, show_sync, kind="sync_payments", failure=result.failure)


@app.command()
def report(
    ctx: typer.Context,
    run_id: Annotated[
        str | None,
        typer.Argument(help="Batch Number, or run id (or its first characters); default: the latest run."),
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="The full log instead of the list of errors.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Print a run's list of errors (the guide's "Save List of Errors") or, with --full, its full log."""
    from cwsage.services.listing import find_run

    state = app_context(ctx)
    settings = state.settings(require=frozenset())
    with state.store(settings) as store:
        if run_id is None:
            runs = store.list_runs(limit=1)
        else:
            found = find_run(store, run_id)
            runs = [found] if found is not None else []
    if not runs:
        raise ConfigurationError(
            f"no run with Batch Number or run id {run_id!r} in the history" if run_id else "there are no runs yet",
            hint="List the runs and their Batch Numbers with `cwsage history`.",
        )
    path = settings.paths().reports_dir / runs[0].id / ("full-log.txt" if full else "errors.txt")
    if not path.exists():
        raise ConfigurationError(
            f"run {runs[0].id} has no saved report (it may still be running or was a preview)",
            hint="Finish the run with the same command, then ask again.",
        )
    text = path.read_text(encoding="utf-8")
    if as_json:
        payload = {"run_id": runs[0].id, "report": "full_log" if full else "errors", "path": path, "text": text}
        json_output.emit("report", 0, payload)
        return
    typer.echo(f"# {path}")
    typer.echo(text, nl=False)


@app.command()
def demo(
    home: Annotated[
        Path | None, typer.Option(help="Keep the demo's state and reports here (default: a temporary folder).")
    ] = None,
    web: Annotated[bool, typer.Option("--web", help="Open the web UI on the sandbox instead of the scripted demo.")] = (
        False
    ),
    port: Annotated[int, typer.Option(help="With --web: the web UI's port (0: any free port).")] = 8710,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="With --web: do not open the browser.")] = False,
) -> None:
    """Try cwsage on the built-in sandbox: the demo MSP's batches, validation, posting and payments."""
    if web:
        from cwsage.web.demo import run_web_demo

        raise typer.Exit(
            run_web_demo(
                home=home, port=port, open_browser=not no_browser, announce=typer.echo, wait=wait_for_interrupt
            )
        )
    from cwsage.sandbox.demo import run_demo

    raise typer.Exit(run_demo(_out, home=home))


@app.command()
def sandbox(
    manage_port: Annotated[int, typer.Option(help="Port of the ConnectWise Manage emulator.")] = 8701,
    sage_port: Annotated[int, typer.Option(help="Port of the Sage 300 emulator.")] = 8702,
    no_inventory_control: Annotated[bool, typer.Option(help="Sage company without Inventory Control.")] = False,
    allow_admin: Annotated[bool, typer.Option(help="Let ADMIN use the Sage Web API.")] = False,
    sage_version: Annotated[
        str, typer.Option(help="Sage Web API version to play: v1.0 (OData v4) or 2016 (MD16 names, OData v3).")
    ] = "v1.0",
    sage_forbid_module: Annotated[
        list[str] | None, typer.Option(help="A Sage module the Web API user has no rights to (repeatable).")
    ] = None,
    no_company_profile: Annotated[bool, typer.Option(help="Sage site without CS/CSCompanyProfile.")] = False,
    sage_companies_list: Annotated[bool, typer.Option(help="Serve the Sage companies list (-/Companies).")] = False,
) -> None:
    """Serve both emulators with the demo company on 127.0.0.1 until Ctrl+C."""
    from cwsage.sandbox.runner import start_sandbox

    if sage_version not in ("v1.0", "2016"):
        raise typer.BadParameter("--sage-version is v1.0 or 2016")
    with start_sandbox(
        manage_port=manage_port,
        sage_port=sage_port,
        inventory_control=not no_inventory_control,
        allow_admin=allow_admin,
        sage_version="2016" if sage_version == "2016" else "v1.0",
        sage_forbidden_modules=tuple(sage_forbid_module or ()),
        sage_company_profile=not no_company_profile,
        sage_companies_list=sage_companies_list,
    ) as box:
        _out.print(box.describe())
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            _out.print("Stopping the sandbox.")
