"""The web UI's parts on their own: downloads, the settings form, jobs, amounts, and the listing helpers."""

from __future__ import annotations

import csv
import io
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from cwsage.config import RunDefaults, read_config_file, save_profile, save_run_defaults
from cwsage.errors import ConfigurationError
from cwsage.redaction import register_secret
from cwsage.services import listing, results
from cwsage.state.store import StateStore
from cwsage.web import downloads
from cwsage.web.formatting import amount, outcome_text, problem_groups
from cwsage.web.forms import SettingsError, parse_settings, setting_fields
from cwsage.web.jobs import JobKind, JobManager, JobState

ISSUE = {
    "source_ref": "invoice 10114",
    "document_key": "AR:10114",
    "code": "customer-not-in-sage",
    "field": "Company.accountNumber",
    "value": '=HYPERLINK("http://x")',
    "message": "customer BLUEHERON does not exist in Sage 300",
    "hint": "Create customer BLUEHERON in Sage 300",
    "fix_in": "Sage 300",
    "severity": "error",
}


def test_error_list_has_one_column_per_part_and_no_formulas() -> None:
    warning = {**ISSUE, "severity": "warning", "message": "description shortened", "value": "-12.50"}
    rows = downloads.error_rows({"issues": [warning, ISSUE], "warnings": ["Sage said hello"]})
    assert [r[0] for r in rows] == ["error", "warning", "warning"], "errors first"
    text = downloads.errors_csv(rows).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == list(downloads.COLUMNS)
    assert parsed[1][4] == '\'=HYPERLINK("http://x")', "a formula is written as text"
    assert parsed[2][4] == "-12.50", "a plain number stays a number"
    book = load_workbook(io.BytesIO(downloads.errors_xlsx(rows, "t")))
    sheet = book.active
    assert sheet is not None
    cell = sheet.cell(row=2, column=5)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


def test_error_list_is_redacted() -> None:
    register_secret("sup3r-s3cret-value")
    rows = downloads.error_rows({"issues": [{**ISSUE, "message": "password sup3r-s3cret-value refused"}]})
    assert "sup3r-s3cret-value" not in downloads.errors_csv(rows).decode("utf-8-sig")


def test_download_names_are_safe() -> None:
    assert downloads.download_name("2026/11 JD-I", None, "errors.csv") == "2026_11_JD-I-errors.csv"
    assert downloads.download_name(None, "abcdef123456", "full-log.txt") == "abcdef12-full-log.txt"


def test_amounts_use_the_currency_decimals() -> None:
    assert amount(Decimal("1234.5"), "USD") == "1,234.50"
    assert amount(Decimal("1234.5"), "JPY") == "1,235"
    assert amount(Decimal("-0.125"), "BHD") == "-0.125"
    assert amount("12", None) == "12.00"
    assert amount(None) == ""


def test_outcomes_speak_the_guide() -> None:
    assert outcome_text("failed before posting").title == "The batch failed"
    assert outcome_text("succeeded").title == "The batch completed successfully"
    assert outcome_text("succeeded with errors").title.startswith("The batch completed, but some")


def test_problems_are_grouped_by_cause() -> None:
    other = {**ISSUE, "source_ref": "invoice 10140", "document_key": "AR:10140"}
    groups = problem_groups([ISSUE, other])
    assert len(groups) == 1 and groups[0].records == ["invoice 10114", "invoice 10140"]


def test_settings_form_follows_the_declaration() -> None:
    fields = {f.name: f for f in setting_fields(RunDefaults())}
    assert list(fields) == list(RunDefaults.model_fields)
    assert fields["auto_post"].kind == "checkbox" and fields["chunk_size"].kind == "number"
    assert fields["chunk_size"].minimum == 1 and fields["customer_group"].optional
    assert fields["ic_default_location"].label == "IC default location"
    assert all(f.help for f in fields.values())
    assert fields["max_line_amount"].kind == "text" and fields["max_line_amount"].default == "10000000"
    limits = {"max_document_amount": "250000", "max_line_amount": "99999.99"}
    parsed = parse_settings({"chunk_size": "10", "gl_source_code": "GL-JE", "default_tax_class": "1", **limits})
    assert parsed.auto_post is False and parsed.chunk_size == 10 and parsed.customer_group is None
    assert (parsed.max_document_amount, parsed.max_line_amount) == (Decimal(250000), Decimal("99999.99"))
    with pytest.raises(SettingsError) as refused:
        parse_settings({"chunk_size": "zero", "gl_source_code": "", "default_tax_class": "1", **limits})
    assert set(refused.value.errors) == {"chunk_size", "gl_source_code"}
    with pytest.raises(SettingsError) as refused:
        parse_settings({"chunk_size": "1", "gl_source_code": "GL", "default_tax_class": "1", "max_line_amount": "0"})
    assert set(refused.value.errors) == {"max_document_amount", "max_line_amount"}, "a limit is never blank or 0"


def test_save_run_defaults_replaces_only_the_defaults_table(cwsage_home: Path) -> None:
    env = {"CWSAGE_HOME": str(cwsage_home)}
    save_profile("default", {"manage": {"url": "https://cw.example.com"}}, env)
    save_run_defaults("default", RunDefaults(chunk_size=10, customer_group="RETAIL"), env)
    save_run_defaults("default", RunDefaults(chunk_size=10), env)
    data = read_config_file(cwsage_home / "config.toml")
    assert data["profiles"]["default"]["defaults"] == {"chunk_size": 10}
    assert data["profiles"]["default"]["manage"] == {"url": "https://cw.example.com"}
    save_run_defaults("default", RunDefaults(max_line_amount=Decimal("99999.99")), env)
    assert "max_line_amount = 99999.99\n" in (cwsage_home / "config.toml").read_text(), "an amount is a TOML number"
    assert read_config_file(cwsage_home / "config.toml")["profiles"]["default"]["defaults"] == {
        "max_line_amount": Decimal("99999.99")
    }, "read back exactly"
    save_run_defaults("default", RunDefaults(), env)
    assert "defaults" not in read_config_file(cwsage_home / "config.toml")["profiles"]["default"]


def test_jobs_record_progress_and_outcome() -> None:
    jobs = JobManager()
    gate = threading.Event()

    def work(job: Any) -> str:
        job.stage("Reading", 2)
        job.advance()
        gate.wait(5)
        job.note("half way")
        return "result"

    job = jobs.start(JobKind.PREVIEW, "a preview", None, work)
    assert job.running and jobs.running() == [job]
    gate.set()
    assert jobs.wait_all(5)
    assert job.state is JobState.DONE and job.result == "result"
    assert [e.kind for e in job.events_after(0)] == ["stage", "advance", "note", "end"]
    assert [e.id for e in job.events_after(2)] == [3, 4]
    assert job.events_after(0)[1].done == 1 and job.events_after(0)[1].total == 2
    assert JobKind.PREVIEW.real is JobKind.RUN and JobKind.RUN.is_preview is False


def test_a_failing_job_keeps_the_readable_paragraph() -> None:
    jobs = JobManager()

    def work(job: Any) -> None:
        raise ConfigurationError("Batch Number 'X' has already been used in Manage", hint="Choose a new one.")

    job = jobs.start(JobKind.RUN, "a run", None, work)
    assert jobs.wait_all(5)
    assert job.state is JobState.FAILED and job.error is not None
    assert "already been used" in job.error and "Choose a new one." in job.error


class _Manage:
    """Just what suggest_batch_number asks Manage: which Batch Numbers exist."""

    def __init__(self, used: set[str]) -> None:
        self.used = used

    def find_batches(self, batch_identifier: str) -> list[object]:
        return [object()] if batch_identifier in self.used else []


def test_batch_number_takes_the_next_free_suffix(tmp_path: Path) -> None:
    with StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as store:
        day = date(2026, 11, 25)
        manage: Any = _Manage({"20261125JD-I"})
        store.create_run(kind="run", batch_number="20261125JD-I-1", options={}, actor="t")
        assert listing.suggest_batch_number(store, manage, day=day, initials="jd", expenses=False, inventory=False) == (
            "20261125JD-I-2"
        )
        assert listing.suggest_batch_number(
            store, manage, day=day, initials="J.D.", invoices=False, inventory=False
        ) == ("20261125JD-E")
        assert listing.suggest_batch_number(store, manage, day=day, initials="jd", invoices=False, expenses=False) == (
            "20261125JD-P"
        )


def test_initials_and_suffixes() -> None:
    assert listing.default_initials("jdoe", "John Doe,,,") == "JD"
    assert listing.default_initials("jdoe", "") == "JD"
    assert listing.default_initials("x", "Mary Ann van Dyke") == "MD"
    assert listing.batch_suffix(invoices=True, expenses=False, inventory=False) == "I"
    assert listing.batch_suffix(invoices=True, expenses=True, inventory=True) == "IEP"
    assert results.state_words("written_back") == "posted" and results.state_words("skipped") == "in Sage already"
