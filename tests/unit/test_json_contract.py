"""The one JSON contract (docs/json.md): every ``--json`` command prints one schema-valid object in every outcome.

The cheap outcomes run in-process with Typer's CliRunner; run/check/rerun/sync-payments against the emulators
are in ``tests/e2e/test_json_contract_e2e.py``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

import cwsage
from cwsage import __version__, cli, json_output
from cwsage.config import load_settings
from cwsage.errors import BugError, ConfigurationError, CwsageError
from cwsage.secrets import SecretStore
from cwsage.state import RunStatus, StateStore

if TYPE_CHECKING:
    from tests.conftest import JsonContract

runner = CliRunner()
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def _json_commands() -> dict[str, typer.core.TyperCommand]:
    """Every command of the CLI that takes ``--json``, by kind (its path joined with ``_``)."""
    found: dict[str, typer.core.TyperCommand] = {}

    def walk(group: TyperGroup, path: list[str]) -> None:
        for name, command in group.commands.items():
            if isinstance(command, TyperGroup):
                walk(command, [*path, name])
            elif any(json_output.JSON_OPTION in param.opts for param in command.params):
                found["_".join([*path, name]).replace("-", "_")] = command  # type: ignore[assignment]

    root = typer.main.get_command(cli.app)
    assert isinstance(root, TyperGroup)
    walk(root, [])
    return found


# ------------------------------------------------------------------------------------- the contract itself


def test_every_json_command_has_a_schema_and_every_schema_a_command() -> None:
    commands = _json_commands()
    assert {"check", "run", "rerun", "sync_payments", "history", "report", "config_show", "version"} <= set(commands)
    kinds = json_output.schema_names() - json_output.SHARED_SCHEMAS
    missing = sorted(set(commands) - kinds)
    assert not missing, f"commands with --json but no src/cwsage/schemas/<kind>.schema.json: {missing}"
    orphans = sorted(kinds - set(commands))
    assert not orphans, f"schemas without a --json command: {orphans}"


def test_every_schema_is_draft_2020_12_and_names_its_kind(json_contract: JsonContract) -> None:
    for name in json_contract.names:
        schema = json_output.load_schema(name)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"].endswith(f"/{name}.schema.json")
        if name not in json_output.SHARED_SCHEMAS:
            assert schema["properties"]["kind"] == {"const": name}


def test_the_schemas_refuse_what_the_contract_forbids(json_contract: JsonContract) -> None:
    run = {
        "run_id": "r1",
        "kind": "run",
        "batch_number": "B",
        "status": "succeeded",
        "started_at": "2026-11-25T09:30:00+00:00",
        "finished_at": None,
        "actor": "ann",
        "summary": {},
    }
    history = json_contract.validators["history"]
    assert history.is_valid({"kind": "history", "exit_code": 0, "runs": [run]})
    assert not history.is_valid(
        {"kind": "history", "exit_code": 0, "runs": [{**run, "started_at": "2026-11-25T09:30:00"}]}
    )
    assert not history.is_valid({"kind": "version", "exit_code": 0, "runs": []})
    error = {"code": "configuration_error", "message": "m", "hint": "h", "who_must_act": "user_config"}
    assert history.is_valid({"kind": "history", "exit_code": 1, "error": error})
    assert not history.is_valid({"kind": "history", "exit_code": 1, "error": {**error, "code": "Config Error"}})
    assert not history.is_valid({"kind": "history", "exit_code": 0, "runs": [], "error": error})
    row = {
        "invoice": "10101",
        "customer": "ACME",
        "action": "created",
        "action_code": "created",
        "paid": "12.50",
        "total": "100.00",
        "date_paid": "2026-11-20",
        "message": "",
    }
    sync = {
        "kind": "sync_payments",
        "exit_code": 0,
        "since": "2026-11-01",
        "dry_run": False,
        "watermark_moved": True,
        "counts": {},
        "ignored_documents": 0,
        "invoices": [row],
        "requests": {},
        "warnings": [],
    }
    payments = json_contract.validators["sync_payments"]
    assert payments.is_valid(sync)
    assert not payments.is_valid({**sync, "invoices": [{**row, "paid": 12.5}]})
    assert payments.is_valid({**sync, "exit_code": 1, "error": error})


def _error_classes() -> list[type[CwsageError]]:
    for module in pkgutil.walk_packages(cwsage.__path__, "cwsage."):
        # __main__ would run the CLI; the migrations are scripts alembic runs, not modules
        if not module.name.endswith("__main__") and ".migrations" not in module.name:
            importlib.import_module(module.name)
    found: list[type[CwsageError]] = []
    todo: list[type[CwsageError]] = [CwsageError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_class_has_its_own_stable_code() -> None:
    classes = _error_classes()
    assert len(classes) >= 11
    codes: dict[str, str] = {}
    for cls in classes:
        assert "error_code" in vars(cls), f"{cls.__module__}.{cls.__qualname__} sets no error_code of its own"
        assert SNAKE.match(cls.error_code), cls.error_code
        assert cls.error_code not in codes, f"{cls.__qualname__} reuses {codes.get(cls.error_code)}'s code"
        codes[cls.error_code] = cls.__qualname__


def test_jsonable_writes_amounts_as_exact_strings_and_refuses_floats_and_naive_times() -> None:
    data = json_output.jsonable(
        {"total": Decimal("1234567890.10"), "tiny": Decimal("-0.005"), "at": datetime(2026, 11, 25, 9, 30, tzinfo=UTC)}
    )
    assert data == {"total": "1234567890.10", "tiny": "-0.005", "at": "2026-11-25T09:30:00+00:00"}
    with pytest.raises(BugError):
        json_output.jsonable({"total": 12.5})
    with pytest.raises(BugError):
        json_output.jsonable([datetime(2026, 11, 25, 9, 30)])


def test_a_payload_cannot_override_kind_exit_code_or_error() -> None:
    assert json_output.document("run", 3, {"kind": "other", "exit_code": 0, "error": None, "n": 1}) == {
        "kind": "run",
        "exit_code": 3,
        "n": 1,
    }


def test_the_kind_is_found_even_in_a_command_line_click_cannot_parse() -> None:
    group = typer.main.get_command(cli.app)
    assert json_output.command_kind(group, ["-p", "run", "sync-payments", "--json"]) == "sync_payments"
    assert json_output.command_kind(group, ["--verbose", "config", "show", "--bogus"]) == "config_show"
    assert json_output.command_kind(group, ["--json"]) == "cwsage"
    assert json_output.wants_json(["run", "--", "--json"]) is False


# ------------------------------------------------------------------------------------------- successes


def test_version_json(cwsage_home: Path, json_contract: JsonContract) -> None:
    result = runner.invoke(cli.app, ["version", "--json"])
    data = json_contract.check(result.stdout, result.exit_code, "version")
    assert result.exit_code == 0 and data["version"] == __version__


def test_history_json_empty_and_with_runs(cwsage_home: Path, json_contract: JsonContract) -> None:
    empty = runner.invoke(cli.app, ["history", "--json"])
    assert json_contract.check(empty.stdout, 0, "history")["runs"] == []
    with StateStore.open(load_settings(require=set()).database_url) as store:
        first = store.create_run(kind="run", batch_number="WEEK-12", options={}, actor="ann")
        store.finish_run(first.id, RunStatus.SUCCEEDED, {"posted": 7, "note": "ok"})
        store.create_run(kind="sync-payments", batch_number=None, options={}, actor="ann")
    result = runner.invoke(cli.app, ["history", "--json"])
    runs = json_contract.check(result.stdout, 0, "history")["runs"]
    assert [(r["kind"], r["status"]) for r in runs] == [("sync_payments", "running"), ("run", "succeeded")]
    assert runs[1]["summary"] == {"posted": 7, "note": "ok"} and runs[1]["batch_number"] == "WEEK-12"
    assert datetime.fromisoformat(runs[1]["finished_at"]).tzinfo is not None


def test_config_show_json_masks_secrets(
    cwsage_home: Path, json_contract: JsonContract, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CWSAGE_MANAGE_URL", "https://manage.example")
    SecretStore(cwsage_home, backend="file").set("default/sage.password", "stored-sage-pass-42")
    result = runner.invoke(cli.app, ["config", "show", "--json"])
    data = json_contract.check(result.stdout, 0, "config_show")
    settings = {row["setting"]: row for row in data["settings"]}
    assert settings["manage.url"] == {
        "setting": "manage.url",
        "value": "https://manage.example",
        "source": "env CWSAGE_MANAGE_URL",
    }
    assert settings["sage.password"]["value"] == "***"
    assert settings["config_file"]["value"] == str(cwsage_home / "config.toml")
    assert "stored-sage-pass-42" not in result.stdout


def test_report_json_success_and_no_runs(cwsage_home: Path, json_contract: JsonContract) -> None:
    none = runner.invoke(cli.app, ["report", "--json"])
    error = json_contract.check_error(none.stdout, 1, "report", "configuration_error")
    assert error["message"] == "there are no runs yet" and error["who_must_act"] == "user_config"
    settings = load_settings(require=set())
    with StateStore.open(settings.database_url) as store:
        run = store.create_run(kind="run", batch_number="WEEK-12", options={}, actor="ann")
    folder = settings.paths().reports_dir / run.id
    folder.mkdir(parents=True)
    (folder / "errors.txt").write_text("invoice 10234: customer missing\n", encoding="utf-8")
    result = runner.invoke(cli.app, ["report", run.id[:6], "--json"])
    data = json_contract.check(result.stdout, 0, "report")
    assert data["text"] == "invoice 10234: customer missing\n" and data["report"] == "errors"
    assert data["run_id"] == run.id


# -------------------------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("args", "kind", "code"),
    [
        (["run", "--json", "--bogus"], "run", "no_such_option"),
        (["history", "--json", "--limit", "0"], "history", "bad_parameter"),
        (["history", "--json", "--limit", "many"], "history", "bad_parameter"),
        (["rerun", "--json"], "rerun", "missing_parameter"),
        (["login", "--json"], "login", "no_such_option"),
        (["--json"], "cwsage", "no_such_option"),
        (["--profile", "x", "nosuch", "--json"], "cwsage", "usage_error"),
    ],
)
def test_usage_errors_are_one_error_object_with_exit_2(
    cwsage_home: Path, json_contract: JsonContract, args: list[str], kind: str, code: str
) -> None:
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 2, result.output
    json_contract.check_error(result.stdout, 2, kind, code)
    assert "Usage:" in result.stderr  # click's own text stays on stderr for a human


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (["check", "--json"], "check"),
        (["run", "-b", "WEEK-12", "--json"], "run"),
        (["rerun", "WEEK-12", "--json"], "rerun"),
        (["sync-payments", "--json"], "sync_payments"),
        (["list", "--json"], "list"),
        (["doctor", "--json"], "doctor"),
    ],
)
def test_missing_settings_are_a_configuration_error_object(
    cwsage_home: Path, json_contract: JsonContract, args: list[str], kind: str
) -> None:
    result = runner.invoke(cli.app, args)
    error = json_contract.check_error(result.stdout, 1, kind, "configuration_error")
    assert "manage.url" in error["message"] and "cwsage login" in error["hint"]
    assert "Missing settings" in result.stderr


def test_an_error_object_names_the_record_and_masks_secrets(
    cwsage_home: Path, json_contract: JsonContract, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cwsage.redaction import register_secret

    register_secret("hunter2-secret")

    def refuse(*_: object, **__: object) -> None:
        raise ConfigurationError("password hunter2-secret refused", source_ref="invoice 10234", hint="Fix it.")

    monkeypatch.setattr(StateStore, "list_runs", refuse)
    result = runner.invoke(cli.app, ["history", "--json"])
    error = json_contract.check_error(result.stdout, 1, "history", "configuration_error")
    assert error["message"].endswith("[invoice 10234]") and "hunter2-secret" not in result.stdout
    assert error["hint"] == "Fix it."


def test_a_bug_is_an_unexpected_error_object(
    cwsage_home: Path, json_contract: JsonContract, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("invariant broke")

    monkeypatch.setattr(StateStore, "list_runs", broken)
    result = runner.invoke(cli.app, ["history", "--json"])
    error = json_contract.check_error(result.stdout, 1, "history", "unexpected_error")
    assert error["who_must_act"] == "bug" and "RuntimeError: invariant broke" in error["message"]


def test_an_interrupt_is_an_interrupted_object_with_exit_130(
    cwsage_home: Path, json_contract: JsonContract, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(StateStore, "list_runs", interrupted)
    result = runner.invoke(cli.app, ["history", "--json"])
    error = json_contract.check_error(result.stdout, 130, "history", "interrupted")
    assert "run the same command again" in error["hint"]


def test_without_json_errors_stay_prose_on_stderr(cwsage_home: Path) -> None:
    result = runner.invoke(cli.app, ["report"])
    assert result.exit_code == 1 and result.stdout == ""
    assert "there are no runs yet" in result.stderr
