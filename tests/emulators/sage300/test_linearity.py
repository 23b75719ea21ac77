"""The emulator is linear in the size of the company (issue 14), proven by counting work, not by timing.

``Store.work`` counts every row and index entry an operation touches. Posting the same 200 documents —
with the look-ups a client makes — must cost the same work whether the company already holds 200 or 2,000
documents; a refused write, a snapshot and a restore must not cost work in proportion to the company.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from cwsage.sandbox.sage300 import SageEmulator, create_app

BASE = "http://emulator/Sage300WebApi/v1.0/-/CWDEMO"
CUSTOMERS = ("LAKESHORE", "PRAIRIESD", "FRONTRANGE", "ASPENLODGE", "WINDYCITY", "ACME001")


def _entry(number: int) -> dict[str, Any]:
    return {
        "CustomerNumber": CUSTOMERS[number % len(CUSTOMERS)],
        "DocumentNumber": f"LN{number:07d}",
        "DocumentDate": f"2026-09-{1 + number % 28:02d}",
        "DoNotCalculationTax": "Yes",
        "InvoiceDetails": [{"RevenueAccount": "4000-10", "ExtendedAmountWithTIP": 10 + n} for n in range(4)],
    }


async def _post(emu: SageEmulator, first: int, count: int, chunk: int = 50) -> None:
    transport = httpx.ASGITransport(app=emu.app)
    headers = {"Content-Type": "application/json"}
    async with httpx.AsyncClient(transport=transport, base_url=BASE, auth=("CWSAGE", "DEMO"), headers=headers) as http:
        for start in range(first, first + count, chunk):
            numbers = range(start, start + chunk)
            found = await http.get(
                "/AR/ARPostedDocuments", params={"$filter": f"startswith(DocumentNumber,'LN{start // 10:06d}')"}
            )
            assert found.status_code == 200
            one = await http.get("/AR/ARPostedDocuments", params={"$filter": f"DocumentNumber eq 'LN{start:07d}'"})
            assert one.json()["value"] == []
            body = {"BatchStatus": "ReadyToPost", "Invoices": [_entry(n) for n in numbers]}
            created = await http.post("/AR/ARInvoiceBatches", json=body)
            assert created.status_code == 201, created.text
            batch = created.json()["BatchNumber"]
            posted = await http.post("/AR/ARPostInvoices('$process')", json={"PostBatchFrom": batch})
            assert posted.status_code == 200, posted.text
            refused = await http.post("/AR/ARInvoiceBatches", json={"Invoices": [_entry(start)]})
            assert refused.status_code == 409


def _work_of(emu: SageEmulator, first: int, count: int) -> int:
    before = emu.store.store.work
    asyncio.run(_post(emu, first, count))
    return emu.store.store.work - before


def test_posting_costs_the_same_work_in_a_small_and_a_large_company() -> None:
    emu = create_app()
    small = _work_of(emu, 0, 200)  # company of ~200 documents
    _work_of(emu, 200, 1800)  # grow it tenfold
    large = _work_of(emu, 2000, 200)  # the same 200 documents' worth, in a company of ~2,000
    assert len(emu.store.rows("AR/ARPostedDocuments")) == 2230
    assert abs(large - small) <= 0.2 * small, (small, large)
    assert small / 200 < 100  # a few dozen rows and index entries per document, not a scan


def test_no_journal_is_kept_without_a_snapshot_and_restore_undoes_only_the_changes() -> None:
    emu = create_app()
    _work_of(emu, 0, 300)
    assert emu.store.store.journal_length() == 0
    work = emu.store.store.work
    snapshot = emu.snapshot()
    assert emu.store.store.work == work  # a snapshot copies nothing
    _work_of(emu, 300, 50)
    changes = emu.store.store.journal_length()
    assert 0 < changes < 200  # the changes of 50 documents, not the company
    before = emu.store.store.work
    emu.restore(snapshot)
    assert emu.store.store.work - before < 40 * changes
    assert len(emu.store.rows("AR/ARPostedDocuments")) == 330


def test_reading_every_page_of_a_filtered_listing_filters_the_table_once() -> None:
    emu = create_app()
    _work_of(emu, 0, 1000)  # ~1,000 posted documents, 100 pages at the default page size of 10
    transport = httpx.ASGITransport(app=emu.app)

    async def read_all(params: dict[str, str]) -> tuple[list[str], int]:
        headers = {"Content-Type": "application/json"}
        async with httpx.AsyncClient(
            transport=transport, base_url=BASE, auth=("CWSAGE", "DEMO"), headers=headers
        ) as http:
            before = emu.store.store.work
            page = (await http.get("/AR/ARPostedDocuments", params=params)).json()
            numbers = [row["DocumentNumber"] for row in page["value"]]
            while link := page.get("@odata.nextLink"):
                page = (await http.get(link)).json()
                numbers += [row["DocumentNumber"] for row in page["value"]]
            return numbers, emu.store.store.work - before

    query = {"$filter": "DocumentType eq 'Invoice'", "$orderby": "DocumentNumber desc"}
    numbers, work = asyncio.run(read_all(query))
    assert numbers == sorted(numbers, reverse=True) and len(numbers) > 1000
    assert work < 3 * len(emu.store.rows("AR/ARPostedDocuments")), work  # one pass, not one per page

    _work_of(emu, 1000, 50)  # a change empties the kept answers: the next listing sees the new documents
    again, _ = asyncio.run(read_all(query))
    assert len(again) == len(numbers) + 50 and again[0] == "LN0001049"
