"""Derive, don't ask (issue 10): an inventory adjustment goes to the Sage IC location of its Manage location's
warehouse, with no ``ic_default_location`` configured."""

from __future__ import annotations

from pathlib import Path

from cwsage.config import RunDefaults
from cwsage.sandbox.runner import Sandbox
from cwsage.services.batch import RunRequest, run_batch
from cwsage.services.session import connect
from cwsage.state.store import StateStore


def test_adjustments_take_their_warehouse_location_without_the_setting(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = sandbox.settings(tmp_path, RunDefaults(ic_default_location=None, chunk_size=25))
    request = RunRequest(batch_number="IC-DERIVED", invoices=False, expenses=False, inventory=True, skip_invalid=True)
    with StateStore.open(settings.database_url) as store, connect(settings, store) as ctx:
        result = run_batch(ctx, request)
    assert not [i for i in result.issues if i.code == "location-missing"], result.issues
    stored = sandbox.sage.store.rows("IC/ICAdjustments")
    assert len(stored) == 4, "the demo's four adjustments reached Sage"
    for row in stored:
        # The emulator describes each adjustment with its warehouse ("Adjustment #909 (MAIN): …"): the truth.
        warehouse = row["Description"].split("(", 1)[1].split(")", 1)[0]
        assert {detail["Location"] for detail in row["AdjustmentDetails"]} == {warehouse}, row["Description"]
