"""The session's emulators (``tests/conftest.py``'s ``SandboxPool``): reused, yet every test gets them as new."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from cwsage.sandbox.faults import Fault

if TYPE_CHECKING:
    from tests.conftest import SandboxPool


def test_a_reused_pair_comes_back_as_new_and_two_held_at_once_are_two(sandboxes: SandboxPool) -> None:
    with sandboxes.fresh() as box:
        invoices = len(box.manage.store.unposted_invoice_ids())
        box.manage.store.generate(2)
        box.manage.faults.add(Fault(kind="status", path="system/info", status=500, times=3))
        box.sage.faults.add(Fault(kind="status", path="ARCustomers", status=503, times=3))
        box.sage.snapshot()
        box.sage.store.day_end_locked = True
        with sandboxes.fresh() as other:  # held while the first is: another pair
            assert other is not box and other.sage_server.url != box.sage_server.url
    with sandboxes.fresh() as again:
        assert again is box  # the pair the first block changed, reset
        assert len(again.manage.store.unposted_invoice_ids()) == invoices
        assert again.manage.faults.rules() == [] and again.sage.faults.rules() == []
        state = httpx.get(f"{again.sage_server.url}/_sandbox/state").json()
        assert state["snapshots"] == [] and state["day_end_locked"] is False


def test_a_dialect_gets_its_own_pair(sandboxes: SandboxPool) -> None:
    with sandboxes.fresh() as plain, sandboxes.fresh(sage_version="2016") as old:
        assert plain.sage.dialect.version == "v1.0" and old.sage.dialect.version == "2016"
    with sandboxes.fresh(sage_version="2016") as again:
        assert again is old
