"""A Sage 400 that will fail again (issue 10) rejects the document with Sage's message; nothing stays ``posting``."""

from __future__ import annotations

from pathlib import Path

from cwsage import json_output
from cwsage.config import RunDefaults
from cwsage.errors import AuthenticationError
from cwsage.sandbox.faults import Fault
from cwsage.sandbox.runner import Sandbox
from cwsage.services.batch import RunRequest, run_batch
from cwsage.services.session import connect
from cwsage.state.store import DocState, StateStore

from .conftest import ar_copies


def test_an_invalid_payload_refusal_rejects_each_document_with_sages_message(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = sandbox.settings(tmp_path, RunDefaults(chunk_size=500))
    request = RunRequest(
        batch_number="AR-400", invoices=True, expenses=False, inventory=False, location="Toronto", skip_invalid=True
    )
    before = ar_copies(sandbox)
    message = "The property 'InvoiceDetails' has an invalid value."
    sandbox.sage.faults.add(
        Fault(kind="status", method="POST", path="ARInvoiceBatches$", status=400, times=1000, message=message)
    )
    with StateStore.open(settings.database_url) as store:
        with connect(settings, store) as ctx:
            result = run_batch(ctx, request)
        (run,) = store.find_runs(batch_number="AR-400")
        documents = store.documents(run.id)
        assert documents and store.documents(run.id, state=DocState.POSTING) == []
        rejected = store.documents(run.id, state=DocState.REJECTED)
        assert rejected
        assert all(message in issue["message"] for record in rejected for issue in record.issues)
    assert ar_copies(sandbox) == before
    assert result.exit_code != 0


def test_a_login_refused_while_posting_is_not_told_to_just_run_again(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = sandbox.settings(tmp_path, RunDefaults(chunk_size=500))
    request = RunRequest(
        batch_number="AR-401", invoices=True, expenses=False, inventory=False, location="Toronto", skip_invalid=True
    )
    sandbox.sage.faults.add(Fault(kind="status", method="POST", path="ARInvoiceBatches$", status=401, times=1000))
    with StateStore.open(settings.database_url) as store, connect(settings, store) as ctx:
        result = run_batch(ctx, request)
    assert result.exit_code != 0
    assert "run the same command again" not in result.message
    assert "once that is fixed, the same command finishes batch AR-401" in result.message
    assert "user ID or password" in result.message or "credentials" in result.message
    # Issue 12: the error reaches the end whole — its class, who must act, Sage's status and code.
    assert isinstance(result.error, AuthenticationError)
    error = json_output.error_object(result.error)
    assert (error["code"], error["who_must_act"], error["status"]) == ("authentication_failed", "user_config", 401)
