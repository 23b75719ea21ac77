"""End to end: one malformed record of Manage's export no longer stops the batch (issue 13, finding 4).

The Manage emulator is made to answer every export with one invoice corrupted on the wire (a ``NaN`` total, as
.NET can write it, or a text total). By default the batch fails before posting and names the record, the field
and the value; with ``--skip-invalid`` every good invoice is posted and marked, and the bad one stays unposted in
Manage, reported with its field and value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.responses import Response

from cwsage.sandbox.manage import app as manage_app
from cwsage.sandbox.manage import glexport, jsoncodec
from cwsage.sandbox.runner import Sandbox
from cwsage.services.batch import Context, RunRequest, check, run_batch
from cwsage.services.listing import unposted_records
from cwsage.services.results import Outcome
from cwsage.state.store import DocState, StateStore

from .conftest import run_cli
from .test_run import assert_no_duplicates, manage_state, new_documents, sage_documents

MARK = "\u0001CORRUPT\u0001"
BAD_POSITION = 5


@pytest.fixture
def corrupt_export(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Make the emulator's export answers carry one invoice whose ``total`` is the JSON text in ``corruption``."""
    corruption: dict[str, Any] = {"json": "NaN", "invoice": None}
    store = sandbox.manage.store
    real_sections = store.export_sections

    def export_sections(body: Any) -> list[tuple[str, Any]]:
        data = glexport.materialize(real_sections(body))
        if len(data["transactions"]) > BAD_POSITION:
            transaction = data["transactions"][BAD_POSITION]
            corruption["invoice"] = transaction["documentNumber"]
            transaction["total"] = MARK
        return list(data.items())

    def stream(status: int, sections: list[tuple[str, Any]]) -> Response:
        body = jsoncodec.dumps(glexport.materialize(sections)).replace(json.dumps(MARK), corruption["json"])
        return Response(body, status_code=status, media_type="application/json; charset=utf-8")

    monkeypatch.setattr(store, "export_sections", export_sections)
    monkeypatch.setattr(manage_app, "_stream", stream)
    return corruption


def _invoice_id(sandbox: Sandbox, number: str) -> int:
    invoice = sandbox.manage.store.invoice_by_number(number)
    assert invoice is not None
    return int(invoice["id"])


def test_without_skip_invalid_the_batch_fails_before_posting_naming_field_and_value(
    sandbox: Sandbox, context: Context, corrupt_export: dict[str, Any]
) -> None:
    before = sage_documents(sandbox)
    result = run_batch(context, RunRequest(batch_number="E2E-NAN-1", invoices=True, expenses=False, inventory=False))
    assert result.outcome is Outcome.FAILED_BEFORE_POSTING
    bad = corrupt_export["invoice"]
    issues = [i for i in result.issues if i.code == "record-unreadable"]
    assert [(i.source_ref, i.field, i.value) for i in issues] == [(f"invoice {bad}", "transactions.total", "NaN")]
    assert sage_documents(sandbox) == before  # nothing posted


def test_skip_invalid_posts_every_good_invoice_and_reports_the_bad_one(
    sandbox: Sandbox, context: Context, store: StateStore, corrupt_export: dict[str, Any]
) -> None:
    request = RunRequest(batch_number="E2E-NAN-2", invoices=True, expenses=False, inventory=False, skip_invalid=True)
    blocked_by_mapping = {i.document_key for i in check(context, request).issues if i.blocking}
    bad = corrupt_export["invoice"]
    bad_key = f"AR:{bad}"
    assert bad_key in blocked_by_mapping  # check reports it too
    before_sage, before_manage = sage_documents(sandbox), manage_state(sandbox)

    result = run_batch(context, request)

    assert result.outcome is Outcome.PARTIAL
    records = {r.key: r for r in store.documents(result.run_id or "")}
    assert records[bad_key].state is DocState.INVALID
    (issue,) = [i for i in records[bad_key].issues if i["code"] == "record-unreadable"]
    assert (issue["field"], issue["value"]) == ("transactions.total", "NaN")
    written = [k for k, r in records.items() if r.state is DocState.WRITTEN_BACK]
    assert len(written) >= 175
    assert set(written) == {k for k in records if k not in blocked_by_mapping}

    added = new_documents(before_sage, sage_documents(sandbox))
    assert_no_duplicates(sage_documents(sandbox))
    assert sorted(f"AR:{d[2]}" for d in added) == sorted(written)
    assert bad not in {d[2] for d in added}
    after_manage = manage_state(sandbox)
    assert _invoice_id(sandbox, bad) in after_manage["invoices"]  # stays unposted in Manage
    assert len(before_manage["invoices"]) - len(after_manage["invoices"]) == len(written)
    errors = Path(result.reports["errors"]).read_text(encoding="utf-8")
    assert f"invoice {bad}: Manage sent total = NaN" in errors


def test_run_new_batch_list_shows_the_unreadable_record_with_its_field_and_value(
    context: Context, corrupt_export: dict[str, Any]
) -> None:
    request = RunRequest(batch_number="E2E-NAN-LIST", invoices=True, expenses=False, inventory=False)
    listing = unposted_records(context, request)
    assert listing.checked and listing.error is None and listing.general_problems == []
    bad = corrupt_export["invoice"]
    (row,) = [r for r in listing.invoices if r.number == bad]
    assert row.blocked
    assert [(p.code, p.field, p.value) for p in row.problems] == [("record-unreadable", "transactions.total", "NaN")]
    assert not any(p.code == "record-unreadable" for r in listing.invoices if r is not row for p in r.problems)


def test_cli_skip_invalid_with_a_text_total(sandbox: Sandbox, home: Path, corrupt_export: dict[str, Any]) -> None:
    corrupt_export["json"] = '"12,50"'
    done = run_cli(sandbox, home, "run", "-b", "E2E-TEXT-1", "--invoices", "--skip-invalid", "--json")
    assert done.returncode == 3, done.stderr
    result = json.loads(done.stdout)
    bad = corrupt_export["invoice"]
    states = {d["key"]: d["state"] for d in result["documents"]}
    assert states[f"AR:{bad}"] == "invalid"
    assert sum(1 for state in states.values() if state == "written_back") >= 175
    unreadable = [i for i in result["issues"] if i["code"] == "record-unreadable"]
    assert [(i["field"], i["value"]) for i in unreadable] == [("transactions.total", "'12,50'")]
    assert "Traceback" not in done.stderr
