"""The one JSON contract end to end: ``cwsage … --json`` in a subprocess against the emulators.

Success, partial success, validation failure, a refused batch number, a sync stopped part-way, a wrong
password and a refused connection each print one object on stdout that validates against the command kind's
JSON Schema (docs/json.md); the readable text stays on stderr.
"""

from __future__ import annotations

import socket
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cwsage.http import RetryPolicy
from cwsage.sandbox.faults import Fault
from cwsage.sandbox.runner import Sandbox

from .conftest import run_cli, write_defaults

if TYPE_CHECKING:
    from tests.conftest import JsonContract

pytestmark = pytest.mark.slow


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_check_run_rerun_in_every_outcome(sandbox: Sandbox, home: Path, json_contract: JsonContract) -> None:
    write_defaults(home, chunk_size=25)
    checked = run_cli(sandbox, home, "check", "--json")
    data = json_contract.check(checked.stdout, 4, "check")
    assert data["outcome"] == "failed before posting" and data["issues"]
    assert all(isinstance(row["total"], str) for row in data["documents"])

    # Partial success: Sage refuses the AR batch, the item receipt goes through.
    invoice = sorted(sandbox.manage.store.unposted_invoice_ids())[0]
    number = next(i["invoiceNumber"] for i in sandbox.manage.store.export_seed()["invoices"] if i["id"] == invoice)
    sandbox.sage.faults.add(
        Fault(kind="status", method="POST", path="ARInvoiceBatches$", status=409, message="Customer is on credit hold.")
    )
    partial = run_cli(sandbox, home, "run", "-b", "JSON-1", "--include", f"{number},procurement:901", "--json")
    data = json_contract.check(partial.stdout, 3, "run")
    assert data["outcome_code"] == "partial"
    assert data["counts"] == {"ar_invoice": {"rejected": 1}, "ap_invoice": {"written_back": 1}}

    done = run_cli(sandbox, home, "run", "-b", "JSON-2", "--include", number, "--json")
    data = json_contract.check(done.stdout, 0, "run")
    assert data["outcome"] == "succeeded" and Decimal(data["documents"][0]["total"]) > 0

    again = run_cli(sandbox, home, "rerun", "JSON-2", "--dry-run", "--json")
    json_contract.check(again.stdout, 0, "rerun")

    reused = run_cli(sandbox, home, "run", "-b", "JSON-2", "--json")
    assert reused.returncode == 1, reused.stderr
    data = json_contract.check(reused.stdout, 1, "run")
    assert "is already used" in reused.stdout and "JSON-2-1" in reused.stdout

    unknown = run_cli(sandbox, home, "rerun", "NO-SUCH-BATCH", "--json")
    assert unknown.returncode == 1, unknown.stderr
    assert "error" in json_contract.check(unknown.stdout, 1, "rerun")


def test_sync_payments_success_and_stopped_part_way(sandbox: Sandbox, home: Path, json_contract: JsonContract) -> None:
    preview = run_cli(sandbox, home, "sync-payments", "--since", "2026-11-01", "--dry-run", "--json")
    data = json_contract.check(preview.stdout, 0, "sync_payments")
    assert data["dry_run"] is True and data["since"] == "2026-11-01" and "error" not in data

    sandbox.sage.faults.add(Fault(kind="status", method="GET", path="PostedDocuments", status=403, times=10))
    stopped = run_cli(sandbox, home, "sync-payments", "--since", "2026-11-01", "--json")
    data = json_contract.check(stopped.stdout, 1, "sync_payments")
    assert data["watermark_moved"] is False and data["error"]["code"] == "authentication_failed"

    first = run_cli(sandbox, home, "sync-payments", "--since", "last-run", "--json")
    json_contract.check_error(first.stdout, 1, "sync_payments", "configuration_error")


def test_wrong_password_and_refused_connection(
    sandbox: Sandbox, home: Path, json_contract: JsonContract, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The refused connection is retried with backoff before cwsage gives up (tests/unit/test_http.py proves the
    # waits); here only the JSON it ends with matters, so the waits are not slept.
    monkeypatch.setattr(RetryPolicy, "backoff", lambda _self, _attempt: 0.0)
    wrong = run_cli(sandbox, home, "run", "-b", "JSON-3", "--json", extra_env={"CWSAGE_SAGE_PASSWORD": "not-it-42"})
    error = json_contract.check_error(wrong.stdout, 1, "run", "authentication_failed")
    assert error["who_must_act"] == "user_config" and "not-it-42" not in wrong.stdout + wrong.stderr
    assert wrong.stderr.strip()  # the readable paragraph is still there, on stderr

    url = f"http://127.0.0.1:{_closed_port()}"
    refused = run_cli(sandbox, home, "check", "--json", extra_env={"CWSAGE_SAGE_URL": url})
    data = json_contract.check(refused.stdout, 1, "check")
    assert "Sage" in data["error"]["message"] and data["error"]["hint"]
