"""Issue 10 "idempotent commands": the same run again reports the finished run; a used Batch Number is refused
for other records with the next free one suggested; ``rerun`` remembers the detail level of the first run."""

from __future__ import annotations

from typing import Any

import pytest

from cwsage.connectwise.client import ManageClient
from cwsage.errors import ConfigurationError
from cwsage.sandbox.runner import Sandbox
from cwsage.services.batch import Context, RunRequest, rerun_batch, run_batch
from cwsage.services.results import Outcome
from cwsage.state.store import StateStore

from .test_run import manage_state, sage_documents

FIRST = RunRequest(batch_number="20261126QA-I", invoices=True, expenses=False, inventory=False, include=("10101",))


def test_the_same_run_again_reports_the_finished_run_and_changes_nothing(
    sandbox: Sandbox, context: Context, store: StateStore
) -> None:
    first = run_batch(context, FIRST)
    assert first.outcome is Outcome.SUCCEEDED, first.message
    sage, manage = sage_documents(sandbox), manage_state(sandbox)
    again = run_batch(context, FIRST)
    assert again.outcome is Outcome.SUCCEEDED and again.outcome.exit_code == 0
    assert "already ran" in again.message and again.run_id == first.run_id
    assert [(d.document_number, d.state, d.where) for d in again.documents] == [
        (d.document_number, d.state, d.where) for d in first.documents
    ]
    assert again.manage_batch == first.manage_batch
    assert sage_documents(sandbox) == sage and manage_state(sandbox) == manage
    assert len(store.find_runs(batch_number=FIRST.batch_number)) == 1


def test_other_records_under_a_used_batch_number_are_refused_with_the_next_free_one(context: Context) -> None:
    run_batch(context, FIRST)
    other = RunRequest(
        batch_number=FIRST.batch_number, invoices=True, expenses=False, inventory=False, include=("10102",)
    )
    with pytest.raises(ConfigurationError) as refused:
        run_batch(context, other)
    assert "another selection" in refused.value.user_message
    assert f"{FIRST.batch_number}-1" in (refused.value.hint or "")
    run_batch(context, RunRequest(**{**other.options(), "batch_number": f"{FIRST.batch_number}-1", "through": None}))
    with pytest.raises(ConfigurationError) as again:
        run_batch(context, RunRequest(**{**other.options(), "include": ("10104",), "through": None}))
    assert f"{FIRST.batch_number}-2" in (again.value.hint or ""), "the next FREE suffix, not just -1"


def test_a_batch_number_used_in_manage_only_is_refused_with_the_next_free_one(context: Context) -> None:
    with pytest.raises(ConfigurationError) as refused:  # the demo's August batch, made by another tool
        run_batch(context, RunRequest(batch_number="20260831JD-I", invoices=True, expenses=False, inventory=False))
    assert "a batch in Manage" in refused.value.user_message and "20260831JD-I-1" in (refused.value.hint or "")


def test_rerun_remembers_the_detail_level_of_the_first_run(context: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    run_batch(context, RunRequest(**{**FIRST.options(), "detail": "condensed", "through": None}))
    asked: list[str] = []
    original = ManageClient.reexport_batch_parts

    def reexport(self: ManageClient, batch_id: int, request: Any, *, invoices: int) -> Any:
        asked.append(str(request.summarize_invoices))
        return original(self, batch_id, request, invoices=invoices)

    monkeypatch.setattr(ManageClient, "reexport_batch_parts", reexport)
    rerun_batch(context, FIRST.batch_number, dry_run=True)
    rerun_batch(context, FIRST.batch_number, dry_run=True, detail="detailed")
    assert asked == ["Condensed", "Detailed"]


def test_new_records_under_the_same_command_are_refused_with_the_next_free_batch_number(
    sandbox: Sandbox, context: Context
) -> None:
    """The same options again, but Manage has a record the finished batch did not: a new batch, named."""
    request = RunRequest(batch_number="20261126QA-N", invoices=True, expenses=False, inventory=False, skip_invalid=True)
    first = run_batch(context, request)
    assert first.outcome is Outcome.PARTIAL, first.message  # the demo's invalid invoices are skipped, not posted
    (new_id,) = sandbox.manage.store.generate(1)
    sage, manage = sage_documents(sandbox), manage_state(sandbox)
    with pytest.raises(ConfigurationError) as refused:
        run_batch(context, request)
    assert f"invoice {new_id}" in refused.value.user_message and "1 record(s)" in refused.value.user_message
    assert "20261126QA-N-1" in (refused.value.hint or "")
    assert (sage_documents(sandbox), manage_state(sandbox)) == (sage, manage)
