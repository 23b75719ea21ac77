"""End-to-end tests of Run New Batch against both emulators over HTTP (issue 5, "Must show").

Every test reads the emulators' own state to decide what Sage and Manage hold: a run is judged by what
landed, not by what cwsage says about itself. Expected documents are derived from Manage (its unposted
lists before the run) and from ``check`` (which records are broken), so the tests follow the demo data.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cwsage.config import RunDefaults
from cwsage.errors import ConfigurationError
from cwsage.sandbox.faults import Fault
from cwsage.sandbox.runner import Sandbox
from cwsage.services import exporting as batch_module
from cwsage.services.batch import Context, RunRequest, check, run_batch
from cwsage.services.results import Outcome, RunResult
from cwsage.services.session import connect
from cwsage.state.store import StateStore

from .conftest import gl_headers, gl_key, run_cli, write_defaults

if TYPE_CHECKING:
    from tests.conftest import SandboxPool

CENT = Decimal("0.01")

# ------------------------------------------------------------------------------------------------------
# What the emulators hold (shared with test_crash.py)
# ------------------------------------------------------------------------------------------------------

SageDoc = tuple[str, str, str, str, Decimal]  # ledger, party, document number, currency, total


def sage_documents(box: Sandbox) -> list[SageDoc]:
    """Every document in Sage (batched or IC), sorted; a duplicate shows up twice."""
    store = box.sage.store
    docs: list[SageDoc] = []
    for batch in store.ar_batches():
        if batch["BatchStatus"] == "Deleted":  # I29: a deleted batch's documents are not in Sage
            continue
        for e in batch["Invoices"]:
            docs.append(
                ("AR", e["CustomerNumber"], e["DocumentNumber"], e["CurrencyCode"], e["DocumentTotalIncludingTax"])
            )
    for batch in store.ap_batches():
        if batch["BatchStatus"] == "Deleted":
            continue
        for e in batch["Invoices"]:
            docs.append(
                ("AP", e["VendorNumber"], e["DocumentNumber"], e["CurrencyCode"], e["DocumentTotalIncludingTax"])
            )
    for h in gl_headers(box):
        docs.append(("GL", "", gl_key(h), "", h["Debits"]))
    for adj in store.ic_adjustments():
        cost = sum((abs(d["CostAdjustment"]) for d in adj["AdjustmentDetails"]), Decimal(0))
        docs.append(("ICADJ", "", adj["Reference"], "", cost))
    for trf in store.ic_transfers():
        quantity = sum((d["QuantityTransferred"] for d in trf["TransferDetails"]), Decimal(0))
        docs.append(("ICTRF", "", trf["Reference"], "", quantity))
    return sorted(docs)


def new_documents(before: list[SageDoc], after: list[SageDoc]) -> list[SageDoc]:
    """The documents a run added to Sage."""
    return sorted((Counter(after) - Counter(before)).elements())


def manage_state(box: Sandbox) -> dict[str, Any]:
    """Manage's unposted lists and its batches (identifier -> sorted GL entry ids)."""
    store = box.manage.store
    return {
        "invoices": sorted(store.unposted_invoice_ids()),
        "expenses": sorted(store.unposted_expense_ids()),
        "procurement": sorted(store.unposted_procurement_ids()),
        "batches": {b["batchIdentifier"]: sorted(b["entryIds"]) for b in store.batches},
    }


def assert_no_duplicates(docs: list[SageDoc]) -> None:
    """No document number twice in one ledger (per party for AP)."""
    keys = Counter((d[0], d[1] if d[0] == "AP" else "", d[2]) for d in docs)
    doubled = {k: n for k, n in keys.items() if n > 1}
    assert not doubled, f"documents in Sage more than once: {doubled}"


def gl_ids_of(box: Sandbox, kind: str, record_ids: set[int]) -> set[int]:
    """The GL entry ids Manage allocated to these records (``invoices``/``expenses``/``procurement``)."""
    return {
        int(i) for rec in box.manage.store.export_seed()[kind] if rec["id"] in record_ids for i in rec["glEntryIds"]
    }


@pytest.fixture
def fresh(sandboxes: SandboxPool) -> Iterator[Sandbox]:
    """A second, independent sandbox (same seeds) for reference runs."""
    with sandboxes.fresh() as box:
        yield box


def run_in(box: Sandbox, home: Path, request: RunRequest, **defaults: Any) -> RunResult:
    """One in-process run against ``box`` with its own state under ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    settings = box.settings(home, RunDefaults(**{"ic_default_location": "MAIN", "chunk_size": 25, **defaults}))
    with StateStore.open(settings.database_url) as store, connect(settings, store) as ctx:
        return run_batch(ctx, request)


def blocked_labels(ctx: Context, request: RunRequest) -> set[str]:
    """Document keys ``check`` says cannot be posted."""
    result = check(ctx, request)
    return {i.document_key for i in result.issues if i.blocking}


# ------------------------------------------------------------------------------------------------------
# Full run: Sage equals Manage to the cent, Manage marked exactly
# ------------------------------------------------------------------------------------------------------


def test_full_run_puts_exactly_manages_documents_in_sage(sandbox: Sandbox, context: Context) -> None:
    """--skip-invalid over everything: every valid record lands once, totals to the cent, Manage marked exactly."""
    invoices = {str(r.invoice_number): r for r in context.manage.unposted_invoices()}
    expenses = {int(r.id or 0): r for r in context.manage.unposted_expenses()}
    procurement = {int(r.id or 0): r for r in context.manage.unposted_procurement()}
    blocked = blocked_labels(context, RunRequest(batch_number="check"))
    assert blocked, "the demo company is meant to have broken records"
    before_sage, before_manage = sage_documents(sandbox), manage_state(sandbox)

    result = run_batch(context, RunRequest(batch_number="20261125QA-A", skip_invalid=True))

    assert result.outcome is Outcome.PARTIAL and result.exit_code == 3
    added = new_documents(before_sage, sage_documents(sandbox))
    assert_no_duplicates(sage_documents(sandbox))
    after_manage = manage_state(sandbox)

    # AR: one Sage document per valid Manage invoice, same number, same total, credit memos as credit notes.
    ar = {d[2]: d for d in added if d[0] == "AR"}
    expected_ar = {n for n in invoices if f"AR:{n}" not in blocked}
    assert set(ar) == expected_ar
    for number in expected_ar:
        manage_total = invoices[number].total
        assert manage_total is not None
        assert ar[number][4] == abs(manage_total).quantize(CENT), number
        currency = invoices[number].currency
        assert currency is not None and ar[number][3] == currency.currency_code
    credit_types = {
        e["DocumentNumber"]: e["DocumentType"] for b in sandbox.sage.store.ar_batches() for e in b["Invoices"]
    }
    posting_dates = {
        e["DocumentNumber"]: (e["DocumentDate"], e["PostingDate"])
        for b in sandbox.sage.store.ap_batches()
        for e in b["Invoices"]
    }
    assert posting_dates and all(doc == post for doc, post in posting_dates.values())  # I25
    for number in expected_ar:
        is_credit = (invoices[number].total or 0) < 0
        assert (credit_types[number] == "CreditNote") is is_credit, number

    # Procurement: item receipts as AP invoices numbered by the vendor invoice, same totals.
    purchases = {str(r.vendor_invoice_number): r for r in procurement.values() if r.procurement_type == "Purchase"}
    ap_docs = [d for d in added if d[0] == "AP"]
    ap_by_number = {d[2]: d for d in ap_docs}
    for number, rec in purchases.items():
        if f"AP:{rec.vendor_account_number}:{number}" in blocked:
            continue
        assert ap_by_number[number][4] == rec.total, number
        assert ap_by_number[number][1] == rec.vendor_account_number

    # Expenses: the records that left Manage's unposted list add up, per vendor and currency, to the bills.
    members = {m["identifier"]: m.get("vendorNumber") or "" for m in sandbox.manage.store.export_seed()["members"]}
    posted_expenses = set(expenses) - set(after_manage["expenses"])
    manage_bills: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for expense_id in posted_expenses:
        exp = expenses[expense_id]
        assert exp.member is not None and exp.currency is not None and exp.total is not None
        manage_bills[(members[str(exp.member.identifier)], str(exp.currency.currency_code))] += exp.total
    sage_bills: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for d in ap_docs:
        if d[2] not in purchases:
            sage_bills[(d[1], d[3])] += d[4]
    assert manage_bills and dict(sage_bills) == dict(manage_bills)
    assert len(ap_docs) == len([k for k in result.documents if k.kind == "ap_invoice" and k.state == "written_back"])

    # Inventory: every adjustment and transfer once, with Manage's costs.
    adjustments = [d for d in added if d[0] == "ICADJ"]
    transfers = [d for d in added if d[0] == "ICTRF"]
    manage_adjustments = sorted(
        abs(r.total or Decimal(0)) for r in procurement.values() if r.procurement_type == "Adjustment"
    )
    assert sorted(d[4] for d in adjustments) == manage_adjustments
    assert len(transfers) == len([r for r in procurement.values() if r.procurement_type == "Transfer"])

    # Manage: posted records left the unposted lists; the batch holds exactly their GL entry ids.
    posted_invoice_ids = {int(invoices[n].id or 0) for n in expected_ar}
    assert set(after_manage["invoices"]) == set(before_manage["invoices"]) - posted_invoice_ids
    assert set(after_manage["procurement"]) == set()
    batch_ids = after_manage["batches"]["20261125QA-A"]
    expected_ids = (
        gl_ids_of(sandbox, "invoices", posted_invoice_ids)
        | gl_ids_of(sandbox, "expenses", posted_expenses)
        | gl_ids_of(sandbox, "procurement", set(procurement))
    )
    assert set(batch_ids) == expected_ids and len(batch_ids) == len(expected_ids)
    # Nothing blocked reached Sage; every unposted record left behind is one check flagged.
    left_invoices = {r.invoice_number for r in invoices.values() if r.id in after_manage["invoices"]}
    assert {f"AR:{n}" for n in left_invoices} <= blocked
    assert result.requests["manage"] > 0 and result.requests["sage"] > 0
    assert result.reports and all(path.exists() for path in result.reports.values())


def test_clean_selection_succeeds_and_second_run_posts_nothing(sandbox: Sandbox, context: Context) -> None:
    """A selection without broken records: outcome succeeded (exit 0); the same selection again posts nothing."""
    request = RunRequest(batch_number="20261125QA-T", location="Toronto", expenses=False)
    first = run_batch(context, request)
    assert first.outcome is Outcome.SUCCEEDED and first.exit_code == 0
    after_first_sage, after_first_manage = sage_documents(sandbox), manage_state(sandbox)
    assert first.documents and all(d.state == "written_back" for d in first.documents)
    assert after_first_manage["batches"]["20261125QA-T"]
    again = run_batch(context, RunRequest(batch_number="20261125QA-T2", location="Toronto", expenses=False))
    assert again.outcome is Outcome.NOTHING_TO_DO and again.exit_code == 0
    assert sage_documents(sandbox) == after_first_sage
    assert manage_state(sandbox) == after_first_manage
    # The same command again answers with the finished run; the Batch Number for other records is refused.
    replayed = run_batch(context, request)
    assert replayed.outcome is Outcome.SUCCEEDED and "already ran" in replayed.message
    with pytest.raises(ConfigurationError, match="already used"):
        run_batch(context, RunRequest(batch_number="20261125QA-T", location="Toronto"))
    assert sage_documents(sandbox) == after_first_sage


def test_failed_before_posting_changes_nothing(sandbox: Sandbox, context: Context) -> None:
    """Without --skip-invalid a mapping issue fails the whole batch: exit 4, Sage and Manage untouched."""
    before = sage_documents(sandbox), manage_state(sandbox)
    result = run_batch(context, RunRequest(batch_number="20261125QA-F"))
    assert result.outcome is Outcome.FAILED_BEFORE_POSTING and result.exit_code == 4
    assert (sage_documents(sandbox), manage_state(sandbox)) == before
    codes = {i.code for i in result.issues if i.blocking}
    assert len(codes) >= 3
    assert "Nothing was sent to Sage 300" in result.message


def test_skip_invalid_with_only_invalid_records_fails_before_posting(sandbox: Sandbox, context: Context) -> None:
    """--skip-invalid when every selected record is broken: nothing to post is a failure before posting."""
    run_batch(context, RunRequest(batch_number="20261125QA-1", skip_invalid=True))
    before = sage_documents(sandbox), manage_state(sandbox)
    result = run_batch(context, RunRequest(batch_number="20261125QA-2", skip_invalid=True))
    assert result.outcome is Outcome.FAILED_BEFORE_POSTING and result.exit_code == 4
    assert "refused" not in result.message
    assert (sage_documents(sandbox), manage_state(sandbox)) == before


class _InactivateAt:
    """A progress sink that makes a Sage customer inactive when posting starts (Sage state changes mid-run)."""

    def __init__(self, box: Sandbox, customer: str) -> None:
        self.box, self.customer, self.fired = box, customer, False

    def stage(self, name: str, total: int | None = None) -> None:
        if name.startswith("Posting AR") and not self.fired:
            self.fired = True

            self.box.sage.store.write(
                lambda tables: tables.update("AR/ARCustomers", (self.customer,), Status="Inactive")
            )

    def advance(self, steps: int = 1) -> None:
        """Ignore."""

    def note(self, text: str) -> None:
        """Ignore."""


def test_document_rejected_at_posting_is_partial_success(sandbox: Sandbox, context: Context) -> None:
    """Sage refuses some documents at posting time: the others land, outcome 'succeeded with errors' (3)."""
    request = RunRequest(batch_number="20261125QA-P", location="Toronto", expenses=False, inventory=False)
    invoices = context.manage.unposted_invoices(location_id=1)
    victim = invoices[0].account_number
    assert victim
    victim_numbers = {r.invoice_number for r in invoices if r.account_number == victim}
    context.progress = _InactivateAt(sandbox, victim)
    before = sage_documents(sandbox)

    result = run_batch(context, request)

    assert result.outcome is Outcome.PARTIAL and result.exit_code == 3
    rejected = {d.document_number for d in result.documents if d.state == "rejected"}
    assert rejected == victim_numbers
    assert all("inactive" in i.message for i in result.issues if i.code == "sage-rejected")
    added = {d[2] for d in new_documents(before, sage_documents(sandbox))}
    assert added == {r.invoice_number for r in invoices} - victim_numbers
    state = manage_state(sandbox)
    assert {r.id for r in invoices if r.invoice_number in victim_numbers} <= set(state["invoices"])
    posted_ids = {r.id for r in invoices if r.invoice_number not in victim_numbers}
    assert set(state["batches"]["20261125QA-P"]) == gl_ids_of(sandbox, "invoices", {i for i in posted_ids if i})


def test_create_missing_creates_blueheron_but_other_problems_still_block(sandbox: Sandbox, context: Context) -> None:
    """--create-missing creates BLUEHERON; its invoices post unless a 4600-10 line or DENCITY blocks them."""
    assert not any(c["CustomerNumber"] == "BLUEHERON" for c in sandbox.sage.store.customers())
    blue = [r for r in context.manage.unposted_invoices() if r.account_number == "BLUEHERON"]
    assert blue
    context.settings = replace(context.settings, customer_group="USD")
    still_blocked = blocked_labels(context, RunRequest(batch_number="check", create_missing=True))
    result = run_batch(context, RunRequest(batch_number="20261125QA-C", skip_invalid=True, create_missing=True))
    assert result.exit_code == 3
    assert any(c["CustomerNumber"] == "BLUEHERON" for c in sandbox.sage.store.customers())
    in_sage = sandbox.sage.store.all_ar_document_numbers()
    for rec in blue:
        assert (rec.invoice_number in in_sage) is (f"AR:{rec.invoice_number}" not in still_blocked), rec.invoice_number
    assert any(f"AR:{r.invoice_number}" not in still_blocked for r in blue)
    assert any("4600-10" in i.line() or "DENCITY" in i.line() for i in result.issues)
    assert not any("BLUEHERON" in i.message and i.code.startswith("customer") for i in result.issues if i.blocking)


def test_create_missing_refused_by_sage_leaves_those_documents_invalid(sandbox: Sandbox, context: Context) -> None:
    """With a customer group Sage does not have, Sage refuses to create BLUEHERON: its invoices are invalid, the
    rest post. (Without any customer group the run does not even ask Sage: see test_preview_truth.py.)"""
    context.settings = replace(context.settings, customer_group="NOGRP")
    result = run_batch(context, RunRequest(batch_number="20261125QA-G", skip_invalid=True, create_missing=True))
    assert result.outcome is Outcome.PARTIAL
    refused = [i for i in result.issues if i.code == "create-missing-failed"]
    assert refused and all(i.value == "BLUEHERON" and "NOGRP does not exist" in i.message for i in refused)
    assert not any(c["CustomerNumber"] == "BLUEHERON" for c in sandbox.sage.store.customers())
    assert not {d.document_number for d in result.documents if d.party == "BLUEHERON"} & (
        sandbox.sage.store.all_ar_document_numbers()
    )


def test_company_without_inventory_control_gets_balanced_journals(sandboxes: SandboxPool, home: Path) -> None:
    """No Inventory Control in Sage: adjustments and transfers become balanced GL journal entries."""
    with sandboxes.fresh(inventory_control=False) as box:
        result = run_in(box, home, RunRequest(batch_number="20261125QA-N", invoices=False, expenses=False))
        assert result.outcome is Outcome.SUCCEEDED
        assert box.sage.store.ic_adjustments() == [] and box.sage.store.ic_transfers() == []
        headers = gl_headers(box)
        procurement = box.manage.store.export_seed()["procurement"]
        inventory = [r for r in procurement if r["procurementType"] in ("Adjustment", "Transfer")]
        assert len(headers) == len(inventory)
        for header in headers:
            amounts = [d["Amount"] for d in header["JournalDetails"]]
            assert sum(amounts, Decimal(0)) == 0 and header["Debits"] == header["Credits"] > 0
        adjustments = sorted(
            sum((abs(ln["quantity"] * ln["cost"]) for ln in r["lines"]), Decimal(0)).quantize(CENT)
            for r in inventory
            if r["procurementType"] == "Adjustment"
        )
        assert sorted(h["Debits"] for h in headers if "ADJ" in gl_key(h)) == adjustments
        assert all(h["PostingDate"] == h["DocumentDate"] for h in headers)  # I25: each in its own period
        assert manage_state(box)["procurement"] == []


def test_what_cwsage_assumes_about_sage_is_in_the_run_report(sandboxes: SandboxPool, tmp_path: Path) -> None:
    """A Sage without a company profile (I2): the home currency cwsage assumed is in the result and errors.txt;
    the ``home_currency`` setting stands in for the profile, and says so too."""
    request = RunRequest(batch_number="20261125QA-W", location="Toronto", expenses=False, inventory=False)
    with sandboxes.fresh(sage_company_profile=False) as box:
        preview = run_in(box, tmp_path / "set", replace(request, dry_run=True), home_currency="USD")
        assert preview.outcome is Outcome.PREVIEW, preview.message
        assert preview.warnings == ["Sage 300 has no company profile: the home currency is USD, as set (I2)"]
        assumed = run_in(box, tmp_path / "assumed", request)
        assert assumed.outcome is Outcome.SUCCEEDED, assumed.message
        note = "Sage 300 has no company profile: the home currency is taken to be USD (I2)"
        assert assumed.warnings == [note]
        assert f"warning: {note}" in assumed.reports["errors"].read_text(encoding="utf-8")


def test_dry_run_changes_nothing_and_shows_gl_impact(sandbox: Sandbox, context: Context) -> None:
    """--dry-run: every document and the GL impact per account, nothing changed in Sage, Manage or state."""
    before = sage_documents(sandbox), manage_state(sandbox)
    result = run_batch(context, RunRequest(batch_number="20261125QA-D", dry_run=True, skip_invalid=True))
    assert result.outcome is Outcome.PREVIEW and result.exit_code == 0
    assert (sage_documents(sandbox), manage_state(sandbox)) == before
    assert context.store.find_runs(batch_number="20261125QA-D") == []
    assert result.preview is not None
    impact = result.preview.as_dict()
    by_currency: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row in impact["gl_impact"]:
        by_currency[row["currency"]][0] += row["debit"]
        by_currency[row["currency"]][1] += row["credit"]
    assert by_currency and all(dr == cr for dr, cr in by_currency.values())
    would = [d for d in result.documents if d.state == "would_post"]
    assert sum(t["count"] for t in impact["totals"]) == len(would)
    # Now post for real: the same documents land.
    real = run_batch(context, RunRequest(batch_number="20261125QA-D", skip_invalid=True))
    landed = {d.key for d in real.documents if d.state == "written_back"}
    assert landed == {d.key for d in would}


def test_check_lists_every_issue_and_changes_nothing(sandbox: Sandbox, context: Context) -> None:
    """``check`` reports all problems at once (customer, GL account, tax authority, member vendor)."""
    before = sage_documents(sandbox), manage_state(sandbox)
    result = check(context, RunRequest(batch_number="check"))
    assert result.outcome is Outcome.FAILED_BEFORE_POSTING and result.exit_code == 4
    text = "\n".join(i.line() for i in result.issues)
    for needle in ("BLUEHERON", "4600-10", "DENCITY", "intern"):
        assert needle in text
    blue = {r.invoice_number for r in context.manage.unposted_invoices() if r.account_number == "BLUEHERON"}
    flagged = {i.value for i in result.issues if "BLUEHERON" in i.line()} | {
        i.document_key.split(":")[-1] for i in result.issues if "BLUEHERON" in i.line()
    }
    assert blue <= flagged
    for issue in result.issues:
        assert issue.source_ref and issue.message and issue.hint
    assert (sage_documents(sandbox), manage_state(sandbox)) == before


# ------------------------------------------------------------------------------------------------------
# Ambiguous outcomes: the answer is lost after the change was applied
# ------------------------------------------------------------------------------------------------------


def test_dropped_connections_are_looked_up_not_retried(sandbox: Sandbox, context: Context, fresh: Sandbox) -> None:
    """A dropped AR batch POST and a dropped Manage batch POST: found by lookup, nothing doubled."""
    request = RunRequest(batch_number="20261125QA-X", location="Toronto", expenses=False)
    sage_drop = sandbox.sage.faults.add(Fault(kind="drop", method="POST", path="ARInvoiceBatches$"))
    manage_drop = sandbox.manage.faults.add(Fault(kind="drop", method="POST", path="/finance/accounting/batches$"))

    result = run_batch(context, request)
    reference = run_in(fresh, context.reports_dir.parent / "reference", request)

    assert sage_drop.fired == 1 and manage_drop.fired == 1
    assert result.outcome is Outcome.SUCCEEDED is reference.outcome
    assert_no_duplicates(sage_documents(sandbox))
    assert sage_documents(sandbox) == sage_documents(fresh)
    assert manage_state(sandbox) == manage_state(fresh)
    assert [b["batchIdentifier"] for b in sandbox.manage.store.batches].count("20261125QA-X") == 1


# ------------------------------------------------------------------------------------------------------
# The CLI: exit codes and the --json object
# ------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_exit_codes_and_json(sandbox: Sandbox, home: Path) -> None:
    """``cwsage check/run --json`` in a subprocess: exit 4, 3 and 0, one JSON object with everything."""
    write_defaults(home, chunk_size=25)
    checked = run_cli(sandbox, home, "check", "--json")
    assert checked.returncode == 4, checked.stderr
    check_data = json.loads(checked.stdout)
    assert check_data["outcome"] == "failed before posting" and len(check_data["issues"]) >= 4

    failed = run_cli(sandbox, home, "run", "--batch-number", "20261125QA-J0", "--json")
    assert failed.returncode == 4, failed.stderr
    assert json.loads(failed.stdout)["outcome"] == "failed before posting"
    assert manage_state(sandbox)["batches"].get("20261125QA-J0") is None

    # One invoice and one item receipt; Sage refuses the AR batch with a business-rule 409.
    invoice = sorted(sandbox.manage.store.unposted_invoice_ids())[0]
    number = next(i["invoiceNumber"] for i in sandbox.manage.store.export_seed()["invoices"] if i["id"] == invoice)
    sandbox.sage.faults.add(
        Fault(kind="status", method="POST", path="ARInvoiceBatches$", status=409, message="Customer is on credit hold.")
    )
    partial = run_cli(
        sandbox, home, "run", "--batch-number", "20261125QA-J1", "--include", f"{number},procurement:901", "--json"
    )
    assert partial.returncode == 3, partial.stderr
    data = json.loads(partial.stdout)
    assert data["outcome"] == "succeeded with errors" and data["exit_code"] == 3
    assert data["counts"] == {"ar_invoice": {"rejected": 1}, "ap_invoice": {"written_back": 1}}
    assert [b for b in data["sage_batches"] if b.startswith("AP invoice batch")] == data["sage_batches"]
    assert any("credit hold" in i["message"] and i["code"] == "sage-rejected" for i in data["issues"])
    assert data["manage_batch"].startswith("20261125QA-J1")
    assert set(data) >= {"outcome", "counts", "sage_batches", "issues", "documents", "requests", "run_id"}

    ok = run_cli(sandbox, home, "run", "--batch-number", "20261125QA-J2", "--include", number, "--json")
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["outcome"] == "succeeded" and data["counts"] == {"ar_invoice": {"written_back": 1}}
    assert data["sage_batches"] and data["issues"] == []
    assert number in sandbox.sage.store.all_ar_document_numbers()

    # Issue 11: an id that selects nothing is refused, naming it, instead of a silent "nothing to post".
    again = run_cli(sandbox, home, "run", "--batch-number", "20261125QA-J3", "--include", number)
    assert again.returncode == 1, again.stdout
    assert f"--include {number}: already batched (Manage batch 20261125QA-J2" in again.stderr
    reused = run_cli(sandbox, home, "run", "--batch-number", "20261125QA-J2")
    assert reused.returncode == 1 and "is already used" in (reused.stdout + reused.stderr)
    assert "20261125QA-J2-1" in reused.stdout + reused.stderr, "the next free Batch Number is suggested"


def test_an_export_taken_in_parts_translates_exactly_as_one(context: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: invoices are exported EXPORT_CHUNK at a time; the documents and problems are the same."""
    request = RunRequest(batch_number="PARTS-1")
    whole = check(context, request)
    calls: list[int] = []
    original = batch_module.export_selection

    def counted(ctx: Context, req: RunRequest, selection: Any) -> Any:
        calls.append(len(selection.invoices))
        return original(ctx, req, selection)

    monkeypatch.setattr(batch_module, "EXPORT_CHUNK", 7)
    monkeypatch.setattr(batch_module, "export_selection", counted)
    parts = check(context, request)
    assert len(calls) > 3 and max(calls) == 7
    assert [(d.key, d.state, d.total) for d in parts.documents] == [(d.key, d.state, d.total) for d in whole.documents]
    assert sorted(i.line() for i in parts.issues) == sorted(i.line() for i in whole.issues)
    # the preview is summed part by part: the same GL impact, totals and message as from one part
    assert parts.preview is not None and whole.preview is not None
    assert parts.preview.as_dict() == whole.preview.as_dict()
    assert parts.message == whole.message and parts.outcome == whole.outcome
