"""Issue 11 against both emulators: ``cwsage list``, ``check`` with run's selection, and ``--include``/``--exclude``
refusing ids that select nothing (unknown, outside the selection, or batched already)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cwsage.errors import ConfigurationError
from cwsage.sandbox.runner import Sandbox
from cwsage.services.batch import Context, RunRequest, check, run_batch

from .conftest import run_cli, write_defaults

if TYPE_CHECKING:
    from tests.conftest import JsonContract


@pytest.mark.slow
def test_list_shows_the_unposted_invoices_with_their_problems(
    sandbox: Sandbox, home: Path, json_contract: JsonContract
) -> None:
    write_defaults(home)
    table = run_cli(sandbox, home, "list", "--invoices", "--location", "Chicago")
    assert table.returncode == 0, table.stderr
    assert "Invoices (" in table.stdout
    assert "Blue Heron Dental" in table.stdout and "6,488.99" in table.stdout
    assert "customer BLUEHERON (Blue Heron Dental) does not exist in Sage 300" in table.stdout
    assert "Toronto" not in table.stdout  # --location keeps Chicago's records only
    raw = run_cli(sandbox, home, "list", "--invoices", "--location", "Chicago", "--json")
    assert raw.returncode == 0, raw.stderr
    data = json_contract.check(raw.stdout, 0, "list")  # exactly one JSON object on stdout, valid by its schema
    assert data["kind"] == "list" and data["checked"] is True
    blue = next(r for r in data["records"] if r["number"] == "10114")
    assert blue["amount"] == "6488.99" and blue["currency"] == "USD" and blue["blocked"] is True
    assert {p["code"] for p in blue["problems"]} >= {"customer-not-in-sage"}
    assert all(r["location"] == "Chicago" and r["kind"] == "invoice" for r in data["records"])


@pytest.mark.slow
def test_include_refuses_unknown_and_batched_ids_and_check_takes_the_selection(sandbox: Sandbox, home: Path) -> None:
    write_defaults(home)
    checked = run_cli(sandbox, home, "check", "--invoices", "--include", "10101", "--json")
    assert checked.returncode == 0, checked.stderr
    result = json.loads(checked.stdout)
    assert [d["document_number"] for d in result["documents"]] == ["10101"]

    posted = run_cli(sandbox, home, "run", "--batch-number", "CLI-1", "--invoices", "--include", "10101")
    assert posted.returncode == 0, posted.stderr + posted.stdout

    refused = run_cli(
        sandbox, home, "run", "--batch-number", "CLI-2", "--invoices", "--include", "10101,99999", "--dry-run"
    )
    assert refused.returncode == 1
    assert "--include 10101: already batched (Manage batch CLI-1" in refused.stderr
    assert "--include 99999: no unposted record in Manage has this id or number" in refused.stderr
    assert "cwsage list" in refused.stderr

    outside = run_cli(sandbox, home, "check", "--invoices", "--location", "Toronto", "--exclude", "10102")
    assert outside.returncode == 1
    assert "--exclude 10102: unposted, but left out by the kinds, --location or --through chosen" in outside.stderr

    real = run_cli(sandbox, home, "run", "--batch-number", "CLI-3", "--invoices", "--include", "99999")
    assert real.returncode == 1 and "99999" in real.stderr
    history = run_cli(sandbox, home, "history")
    assert "CLI-3" not in history.stdout  # refused before a run was created: nothing left to resume


@pytest.mark.slow
def test_services_refuse_an_unknown_exclude(context: Context) -> None:
    with pytest.raises(ConfigurationError, match="expense:1"):
        check(context, RunRequest("check", invoices=False, inventory=False, exclude=("expense:1",)))
    with pytest.raises(ConfigurationError, match="invoice:424242"):
        run_batch(context, RunRequest("SVC-1", include=("invoice:424242",)))
    assert context.store.list_runs() == []
