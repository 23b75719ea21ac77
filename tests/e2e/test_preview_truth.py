"""Issue 11, "a preview that tells the truth": ``--dry-run`` and ``check`` make every check the run makes —
create-missing prerequisites included — and name each document by what it becomes in Sage 300."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cwsage.config import RunDefaults
from cwsage.sandbox.runner import Sandbox
from cwsage.services.batch import Context, RunRequest, check, run_batch
from cwsage.services.session import connect
from cwsage.state.store import StateStore

from .conftest import replace, run_cli, write_defaults

if TYPE_CHECKING:
    from tests.conftest import SandboxPool

INVOICES_ONLY = {"invoices": True, "expenses": False, "inventory": False}


def _blue(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [row for row in rows if row["party"] == "BLUEHERON"]


def test_preview_shows_a_customer_create_missing_cannot_create(sandbox: Sandbox, context: Context) -> None:
    """No customer group is set: Sage would refuse to create BLUEHERON, so its invoices are not "would post"."""
    assert context.settings.customer_group == ""
    preview = run_batch(context, RunRequest("PT-1", dry_run=True, create_missing=True, **INVOICES_ONLY))
    blue = _blue([row.as_dict() for row in preview.documents])
    assert "the run would fail before posting" in preview.message  # as the run without --skip-invalid would
    lenient = run_batch(
        context, RunRequest("PT-1", dry_run=True, create_missing=True, skip_invalid=True, **INVOICES_ONLY)
    )
    assert "would be posted;" in lenient.message and "with problems would be left out" in lenient.message
    assert blue and all(row["state"] == "invalid" for row in blue)
    problems = [i for i in preview.issues if i.code == "create-missing-prerequisite"]
    assert problems and all(i.value == "BLUEHERON" and i.blocking for i in problems)
    assert all("customer_group" in i.message and "cwsage config set customer_group" in i.hint for i in problems)
    checked = check(context, RunRequest("check", create_missing=True, **INVOICES_ONLY))
    assert {i.document_key for i in checked.issues if i.code == "create-missing-prerequisite"} == {
        i.document_key for i in problems
    }

    # The run makes the same decision: those invoices are invalid, nothing is created, the others post.
    result = run_batch(context, RunRequest("PT-2", create_missing=True, skip_invalid=True, **INVOICES_ONLY))
    assert {d.key for d in result.documents if d.state == "invalid" and d.party == "BLUEHERON"} == {
        row["key"] for row in blue
    }
    assert not any(c["CustomerNumber"] == "BLUEHERON" for c in sandbox.sage.store.customers())

    # Once a group is set, the preview says the customer will be created (a warning, not a block).
    context.settings = replace(context.settings, customer_group="USD")
    again = run_batch(context, RunRequest("PT-3", dry_run=True, create_missing=True, **INVOICES_ONLY))
    assert not any(i.code == "create-missing-prerequisite" for i in again.issues)
    assert any(i.code == "customer-will-be-created" for i in again.issues)


@pytest.mark.slow
def test_dry_run_cli_and_json_tell_the_same(sandbox: Sandbox, home: Path) -> None:
    write_defaults(home)
    raw = run_cli(sandbox, home, "run", "-b", "PT-C", "--invoices", "--create-missing", "--dry-run", "--json")
    assert raw.returncode == 0, raw.stderr
    data = json.loads(raw.stdout)
    assert all(row["state"] == "invalid" for row in _blue(data["documents"]))
    table = run_cli(sandbox, home, "check", "--invoices", "--create-missing")
    assert table.returncode == 4
    assert "defaults.customer_group is not set" in table.stdout
    assert "cwsage config set customer_group CODE" in "".join(table.stdout.split("\n"))


def test_without_inventory_control_the_preview_names_journal_entries(sandboxes: SandboxPool, home: Path) -> None:
    """No IC in Sage: adjustments and transfers are posted as GL journal entries, and the preview says so."""
    with sandboxes.fresh(inventory_control=False) as box:
        settings = box.settings(home, RunDefaults(ic_default_location="MAIN", chunk_size=25))
        with StateStore.open(settings.database_url) as store, connect(settings, store) as ctx:
            request = RunRequest("PT-N", invoices=False, expenses=False, dry_run=True)
            preview = run_batch(ctx, request)
            kinds = {row.kind for row in preview.documents}
            assert "gl_journal" in kinds
            assert not kinds & {"ic_adjustment", "ic_transfer"}
            assert preview.preview is not None
            assert not {kind for kind, _currency in preview.preview.totals} & {"ic_adjustment", "ic_transfer"}
            result = run_batch(ctx, replace(request, dry_run=False, batch_number="PT-N2"))
            assert {row.kind for row in result.documents} == kinds  # the run reports what the preview announced
            assert box.sage.store.ic_adjustments() == []
