"""Issue 11, the CLI catching up: config set/show, logout, history and report by Batch Number, the user's words,
hints never cut at 80 columns, and ``list``'s rendering and JSON."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cwsage import cli
from cwsage.config import RunDefaults, load_settings, read_config_file
from cwsage.domain.documents import SourceType
from cwsage.domain.issues import FixIn, Issue
from cwsage.domain.location import DocumentLocation, DocumentPlace
from cwsage.errors import ConfigurationError
from cwsage.render import amount_text, show_listing, show_run
from cwsage.secrets import SecretStore
from cwsage.services import settings_edit
from cwsage.services.listing import UnpostedListing, UnpostedRecord
from cwsage.services.results import DocumentRow, Outcome, RunResult
from cwsage.state import RunStatus, StateStore
from cwsage.state.store import DocState

runner = CliRunner()

LONG_HINT = (
    "Create customer BLUEHERON in Sage 300, or set the customer defaults (e.g. customer_group, vendor_group, "
    "item_account_set) in the configuration with `cwsage config set customer_group RETAIL` and run again."
)


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _issue(hint: str = LONG_HINT, *, key: str = "AR-10114") -> Issue:
    return Issue(
        "invoice 10114",
        key,
        "create-missing-failed",
        "customer",
        "BLUEHERON",
        "Sage 300 refused to create customer BLUEHERON: the customer group is missing",
        hint,
        FixIn.SAGE,
    )


def _console(width: int = 80) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=width, color_system=None, soft_wrap=False), out


# ------------------------------------------------------------------------------------------ rendering


def test_a_hint_appears_whole_on_an_80_column_terminal() -> None:
    result = RunResult(
        "run",
        "B-1",
        Outcome.FAILED_BEFORE_POSTING,
        "Batch B-1 failed before posting.",
        issues=[_issue()],
        documents=[
            DocumentRow(
                "AR-10114",
                "AR invoice",
                "invoice 10114",
                "10114",
                "BLUEHERON",
                "2026-10-01",
                "USD",
                Decimal("10"),
                "invalid",
            )
        ],
    )
    console, out = _console(80)
    show_run(console, result)
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    assert _squeezed(LONG_HINT) in _squeezed(text)
    assert _squeezed(_issue().what_to_do()) in _squeezed(text)  # the web's wording too (one place)


def test_results_count_documents_in_the_users_words() -> None:
    rows = [
        DocumentRow(f"K{i}", "ar_invoice", "", str(i), "", "", "USD", Decimal(1), state)
        for i, state in enumerate(
            [DocState.WRITTEN_BACK, DocState.WRITTEN_BACK, DocState.REJECTED, DocState.INVALID, DocState.SKIPPED]
        )
    ]
    result = RunResult("run", "B-2", Outcome.PARTIAL, "done", documents=rows)
    console, out = _console(120)
    show_run(console, result)
    text = out.getvalue()
    assert "written_back" not in text and "ar_invoice" not in text, "codes are for machines: the table shows words"
    assert "AR invoice" in text
    assert "2 posted" in text
    assert "1 not posted" in text
    assert "1 invalid" in text
    assert "1 in Sage already" in text
    assert result.as_dict()["counts"] == {"ar_invoice": {"written_back": 2, "rejected": 1, "invalid": 1, "skipped": 1}}


def test_amounts_use_the_currencys_decimals() -> None:
    assert amount_text(Decimal("1234.5"), "USD") == "1,234.50"
    assert amount_text(Decimal("1234.5"), "JPY") == "1,235"
    assert amount_text(Decimal("-101.685"), "CAD") == "-101.69"


def _record(number: str, amount: str, currency: str, problems: tuple[Issue, ...] = ()) -> UnpostedRecord:
    return UnpostedRecord(
        SourceType.INVOICE,
        number,
        number,
        "Standard",
        date(2026, 10, 1),
        "Blue Heron Dental",
        Decimal(amount),
        currency,
        "Chicago",
        problems=problems,
    )


def test_list_shows_every_record_right_aligned_with_its_problems() -> None:
    listing = UnpostedListing(
        invoices=[_record("10114", "6488.99", "USD", (_issue(),)), _record("20001", "125000", "JPY")], checked=True
    )
    console, out = _console(120)
    show_listing(console, listing, [SourceType.INVOICE])
    text = out.getvalue()
    lines = {line for line in text.splitlines() if "│" in line and ("10114" in line or "20001" in line)}
    usd = next(line for line in lines if "10114" in line)
    jpy = next(line for line in lines if "20001" in line)
    assert "6,488.99" in usd and "125,000 " in jpy
    assert usd.index("6,488.99") + len("6,488.99") == jpy.index("125,000") + len("125,000")  # right-aligned
    assert "Sage 300 refused to create customer" in text
    assert "1 cannot be posted" in text
    assert _squeezed(LONG_HINT) in _squeezed(text)


def test_list_json_is_one_object_with_amounts_as_strings() -> None:
    listing = UnpostedListing(invoices=[_record("10114", "6488.9", "USD", (_issue(),))], checked=True)
    data = json.loads(json.dumps(listing.as_dict()))
    assert data["kind"] == "list"
    assert data["counts"] == {"invoice": 1, "expense": 0, "procurement": 0, "blocked": 1}
    record = data["records"][0]
    assert record["amount"] == "6488.90"
    assert record["selector"] == "invoice:10114"
    assert record["problems"][0]["code"] == "create-missing-failed"


# ------------------------------------------------------------------------------------------ config set/show


def test_config_set_writes_a_run_default_the_settings_read(cwsage_home: Path) -> None:
    result = runner.invoke(cli.app, ["config", "set", "chunk_size", "30"])
    assert result.exit_code == 0, result.output
    assert load_settings(require=set()).defaults.chunk_size == 30
    result = runner.invoke(cli.app, ["config", "set", "defaults.auto_post", "yes"])
    assert result.exit_code == 0, result.output
    assert load_settings(require=set()).defaults.auto_post is True
    assert runner.invoke(cli.app, ["config", "set", "chunk_size", ""]).exit_code == 0
    assert load_settings(require=set()).defaults.chunk_size == RunDefaults().chunk_size
    assert load_settings(require=set()).defaults.auto_post is True


def test_config_set_refuses_a_bad_value_and_writes_nothing(cwsage_home: Path) -> None:
    result = runner.invoke(cli.app, ["config", "set", "chunk_size", "0"])
    assert result.exit_code == 1
    assert "chunk_size" in result.output and "Nothing was changed" in result.output
    assert not (cwsage_home / "config.toml").exists()


def test_config_set_refuses_a_secret_and_points_to_login(cwsage_home: Path) -> None:
    result = runner.invoke(cli.app, ["config", "set", "sage.password", "hunter2-secret"])
    assert result.exit_code == 1
    assert "cwsage login" in result.output
    assert not (cwsage_home / "config.toml").exists()
    with pytest.raises(ConfigurationError, match="secret"):
        settings_edit.set_setting(None, "manage.private_key", "x", {"CWSAGE_HOME": str(cwsage_home)})


def test_config_set_connection_settings_unknown_and_ambiguous_keys(cwsage_home: Path) -> None:
    assert runner.invoke(cli.app, ["config", "set", "sage.company", "SAMINC"]).exit_code == 0
    data = read_config_file(cwsage_home / "config.toml")
    assert data["profiles"]["default"]["sage"]["company"] == "SAMINC"
    assert runner.invoke(cli.app, ["config", "set", "manage.timeout_seconds", "45"]).exit_code == 0
    bad = runner.invoke(cli.app, ["config", "set", "manage.timeout_seconds", "0"])
    assert bad.exit_code == 1 and "Nothing was changed" in bad.output
    ambiguous = runner.invoke(cli.app, ["config", "set", "company", "X"])
    assert ambiguous.exit_code == 1 and "manage.company" in ambiguous.output and "sage.company" in ambiguous.output
    unknown = runner.invoke(cli.app, ["config", "set", "no_such_thing", "1"])
    assert unknown.exit_code == 1 and "defaults.chunk_size" in unknown.output
    assert read_config_file(cwsage_home / "config.toml")["profiles"]["default"]["manage"]["timeout_seconds"] == 45.0


def test_config_show_lists_every_run_default(cwsage_home: Path) -> None:
    runner.invoke(cli.app, ["config", "set", "max_line_amount", "99999.99"])
    result = runner.invoke(cli.app, ["config", "show"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in RunDefaults.model_fields:
        assert f"defaults.{name}" in result.output
    assert "99999.99" in result.output


# ------------------------------------------------------------------------------------------ logout


def test_logout_forgets_the_saved_secrets_of_the_profile(cwsage_home: Path) -> None:
    store = SecretStore(cwsage_home, backend="file")
    store.set("default/sage.password", "saved-sage-pass-77")
    store.set("default/manage.private_key", "saved-private-77")
    store.set("other/sage.password", "other-profile-pass")
    result = runner.invoke(cli.app, ["logout"])
    assert result.exit_code == 0, result.output
    assert "forgot the 2 saved" in result.output
    fresh = SecretStore(cwsage_home, backend="file")
    assert fresh.get("default/sage.password") is None
    assert fresh.get("default/manage.private_key") is None
    assert fresh.get("other/sage.password") == "other-profile-pass"
    again = runner.invoke(cli.app, ["logout"])
    assert again.exit_code == 0 and "no saved passwords" in again.output


# ------------------------------------------------------------------------------------------ history/report


def _finished_run(batch: str) -> str:
    settings = load_settings(require=set())
    with StateStore.open(settings.database_url) as store:
        run = store.create_run(kind="run", batch_number=batch, options={}, actor="ann")
        store.put_document(
            run.id,
            "AR-10101",
            kind="ar_invoice",
            source_type="invoice",
            source_id="5001",
            document_number="10101",
            state=DocState.VALIDATED,
            content_hash="h",
            gl_entry_ids=[1],
            report={
                "kind": "ar_invoice",
                "party": "ACME",
                "date": "2026-10-01",
                "currency": "USD",
                "total": "745.8",
            },
            issues=[],
        )
        store.set_state(run.id, "AR-10101", DocState.POSTING)
        where = DocumentLocation("AR", "10101", DocumentPlace.POSTED, "12", 1, "ACME")
        store.set_state(run.id, "AR-10101", DocState.POSTED, location=where)
        store.set_state(run.id, "AR-10101", DocState.WRITTEN_BACK, event="batched")
        store.finish_run(
            run.id,
            RunStatus.PARTIAL,
            {"outcome": "succeeded with errors", "counts": {"AR invoice": {"written_back": 1, "invalid": 2}}},
        )
    folder = settings.paths().reports_dir / run.id
    folder.mkdir(parents=True)
    (folder / "errors.txt").write_text("errors of " + batch + "\n", encoding="utf-8")
    return run.id


def test_history_speaks_the_users_words_and_opens_a_batch(cwsage_home: Path) -> None:
    _finished_run("20261125JD-I")
    listing = runner.invoke(cli.app, ["history"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0, listing.output
    assert "1 posted" in listing.output and "2 invalid" in listing.output
    assert "written_back" not in listing.output
    one = runner.invoke(cli.app, ["history", "20261125JD-I"], env={"COLUMNS": "200"})
    assert one.exit_code == 0, one.output
    assert "10101" in one.output and "batch 12" in one.output and "745.80" in one.output
    assert "posted" in one.output and "written_back" not in one.output
    missing = runner.invoke(cli.app, ["history", "NOPE"])
    assert missing.exit_code == 1 and "cwsage history" in missing.output


def test_report_accepts_a_batch_number(cwsage_home: Path) -> None:
    run_id = _finished_run("20261125JD-E")
    _finished_run("20261126JD-E")
    by_batch = runner.invoke(cli.app, ["report", "20261125JD-E"])
    assert by_batch.exit_code == 0, by_batch.output
    assert "errors of 20261125JD-E" in by_batch.output
    by_id = runner.invoke(cli.app, ["report", run_id[:8]])
    assert "errors of 20261125JD-E" in by_id.output
    latest = runner.invoke(cli.app, ["report"])
    assert "errors of 20261126JD-E" in latest.output


def test_a_history_summary_is_in_words() -> None:
    from cwsage.render import run_summary_words

    assert run_summary_words("failed", {"outcome": "failed before posting", "errors": 4}) == (
        "failed before posting: 4 problem(s) to fix, nothing posted"
    )
    partial = run_summary_words("partial", {"counts": {"AR invoice": {"written_back": 3, "rejected": 1}}})
    assert partial == "succeeded with errors: 3 posted, 1 not posted (Sage refused it)"
