"""End to end: line prices of 1e20 no longer become a posted invoice (issue 13, finding 3).

The attack loaded invoices whose line prices were 1e20 into Manage; they became AR invoices of 6.2e20 CAD and
were marked exported. Here one such invoice is loaded into the Manage emulator's store; the run reports it as a
problem naming the record, the field and the value, posts the others with ``--skip-invalid``, and leaves it
unposted in Manage.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from cwsage.sandbox.runner import Sandbox
from cwsage.services.batch import Context, RunRequest, run_batch
from cwsage.services.results import Outcome
from cwsage.state.store import DocState, StateStore

from .conftest import run_cli, write_defaults
from .test_run import manage_state, sage_documents


def _absurd_invoice(sandbox: Sandbox) -> dict[str, Any]:
    """Give an unposted invoice line prices of 1e20 (as the attack did) and reload the emulator with it."""
    store = sandbox.manage.store
    seed = store.export_seed()
    unposted = set(store.unposted_invoice_ids())
    invoice = next(i for i in seed["invoices"] if i["id"] in unposted and i["type"] == "Standard")
    for line in invoice["lines"]:
        line["price"] = Decimal("1e20")
    store.load(seed)
    return invoice


def test_line_prices_of_1e20_are_reported_not_posted(sandbox: Sandbox, context: Context, store: StateStore) -> None:
    invoice = _absurd_invoice(sandbox)
    number = invoice["invoiceNumber"]
    request = RunRequest(batch_number="E2E-1E20", invoices=True, expenses=False, inventory=False, skip_invalid=True)

    result = run_batch(context, request)

    assert result.outcome is Outcome.PARTIAL
    records = {r.key: r for r in store.documents(result.run_id or "")}
    record = records[f"AR:{number}"]
    assert record.state is DocState.INVALID
    codes = {(i["code"], i["field"]) for i in record.issues}
    assert ("amount-over-document-limit", "total") in codes
    assert ("amount-overflows-sage", "total") in codes
    total = next(i for i in record.issues if i["code"] == "amount-over-document-limit")
    assert total["source_ref"] == f"invoice {number}"
    assert Decimal(total["value"]) >= Decimal("1e20")
    assert "max_document_amount" in total["hint"]

    assert number not in {doc[2] for doc in sage_documents(sandbox)}  # never posted
    assert invoice["id"] in manage_state(sandbox)["invoices"]  # never marked
    assert sum(1 for r in records.values() if r.state is DocState.WRITTEN_BACK) > 100  # the others went on


def test_cli_reports_the_absurd_invoice_and_honours_a_configured_limit(sandbox: Sandbox, home: Path) -> None:
    invoice = _absurd_invoice(sandbox)
    number = invoice["invoiceNumber"]
    write_defaults(home, max_document_amount=1000, max_line_amount=1000)
    done = run_cli(sandbox, home, "check", "--invoices", "--json")
    assert done.returncode == 4, done.stderr
    result = json.loads(done.stdout)
    by_code: dict[str, set[str]] = {}
    for issue in result["issues"]:
        by_code.setdefault(issue["code"], set()).add(issue["source_ref"])
    assert f"invoice {number}" in by_code["amount-overflows-sage"]
    # with a 1,000 limit, ordinary invoices above it are reported too: the setting reaches validation
    assert len(by_code["amount-over-document-limit"]) > 1
