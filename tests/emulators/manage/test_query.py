"""The conditions language, orderBy, fields, paging and Link headers (reference §2.1, §2.2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from cwsage.sandbox.manage import ManageEmulator
from cwsage.sandbox.manage.query import QueryError, apply_order, compile_conditions, select_fields

RECORDS: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": 'Say "hi"',
        "total": Decimal("10.50"),
        "active": True,
        "company": {"id": 250, "identifier": "AcmeCorp"},
        "date": "2026-09-01T00:00:00Z",
        "note": None,
        "path": "C:\\temp",
    },
    {
        "id": 2,
        "name": "Blue Heron Dental",
        "total": Decimal("99"),
        "active": False,
        "company": {"id": 263, "identifier": "BlueHeron"},
        "date": "2026-10-15T00:00:00Z",
        "note": "x",
        "path": "",
    },
    {
        "id": 3,
        "name": "Acme Corp",
        "total": Decimal("-5"),
        "active": True,
        "company": {"id": 250, "identifier": "AcmeCorp"},
        "date": "2026-10-31T00:00:00",
        "note": None,
        "path": "",
    },
]


def ids(cond: str) -> list[int]:
    pred = compile_conditions(cond, RECORDS[0].keys())
    return [r["id"] for r in RECORDS if pred(r)]


@pytest.mark.parametrize(
    ("cond", "expected"),
    [
        ("id=1", [1]),
        ("id != 1", [2, 3]),
        ("total > 10", [1, 2]),
        ("total >= 10.50", [1, 2]),
        ("total < 0", [3]),
        ("total <= -5", [3]),
        ('name = "acme corp"', [3]),  # case-insensitive text
        ('name contains "heron"', [2]),
        ('name not contains "heron"', [1, 3]),
        ('name like "Acme%"', [3]),
        ('name like "*Dental"', [2]),
        ('name not like "Acme%"', [1, 2]),
        ('name = "Say \\"hi\\""', [1]),
        ('path = "C:\\\\temp"', [1]),
        ("company/id = 250", [1, 3]),
        ('company/identifier in ("BlueHeron","Nobody")', [2]),
        ("id in (1, 3)", [1, 3]),
        ("id not in (1, 3)", [2]),
        ("active = True", [1, 3]),
        ("active=false", [2]),
        ("note = null", [1, 3]),
        ("note != null", [2]),
        ("date >= [2026-10-01T00:00:00Z]", [2, 3]),
        ("date < [2026-10-01T00:00:00Z]", [1]),
        ("id = 1 OR id = 2 and active = true", [1]),
        ("(id = 1 or id = 2) and active = true", [1]),
        ("(id = 1 or (id = 2 and note != null)) AND total > 0", [1, 2]),
        ('COMPANY/IDENTIFIER = "acmecorp"', [1, 3]),
    ],
)
def test_conditions(cond: str, expected: list[int]) -> None:
    assert ids(cond) == expected


@pytest.mark.parametrize(
    ("cond", "where"),
    [
        ('name = "unterminated', "position 8"),
        ("id = ", "position 6"),
        ("id 5", "position 4"),
        ("(id = 1", "position 8"),
        ("id = 1 and", "position 11"),
        ("id in 1,2", "position 7"),
        ("name = Acme", "position 8"),
        ('name = "a\\x"', "position 10"),
        ("date > [not-a-date]", "position 8"),
        ("nosuchfield = 1", "position 1"),
        ("id = 1 id = 2", "position 8"),
        ("id = 1 $", "position 8"),
    ],
)
def test_malformed_conditions_name_the_position(cond: str, where: str) -> None:
    with pytest.raises(QueryError, match=where):
        compile_conditions(cond, RECORDS[0].keys())


def test_order_and_fields() -> None:
    ordered = apply_order(RECORDS, "active desc, total asc")
    assert [r["id"] for r in ordered] == [3, 1, 2]
    assert select_fields(RECORDS[0], "id,company/identifier") == {"id": 1, "company": {"identifier": "AcmeCorp"}}
    with pytest.raises(QueryError):
        apply_order(RECORDS, "id sideways")


def test_conditions_over_http(api: httpx.Client) -> None:
    r = api.get("/finance/invoices", params={"conditions": 'invoiceNumber="10234"'})
    assert r.status_code == 200
    assert [i["invoiceNumber"] for i in r.json()] == ["10234"]
    r = api.get(
        "/finance/invoices", params={"conditions": 'invoiceNumber in ("10101","10102","nope")', "orderBy": "id desc"}
    )
    assert [i["invoiceNumber"] for i in r.json()] == ["10102", "10101"]
    r = api.get(
        "/finance/accounting/unpostedinvoices",
        params={
            "conditions": 'company/identifier="BlueHeron" and invoiceDate >= [2026-09-01T00:00:00Z]',
            "pageSize": 1000,
        },
    )
    rows = r.json()
    assert rows and all(row["accountNumber"] == "BLUEHERON" for row in rows)
    r = api.get(
        "/finance/accounting/unpostedinvoices", params={"conditions": "company/id = 263 and (invoiceType = 'x')"}
    )
    assert r.status_code == 400
    assert "position" in r.json()["message"]


def test_count_fields_order(api: httpx.Client) -> None:
    total = api.get("/finance/accounting/unpostedinvoices/count").json()["count"]
    assert total >= 200
    chicago = api.get("/finance/accounting/unpostedinvoices/count", params={"conditions": "locationId=2"}).json()[
        "count"
    ]
    assert 0 < chicago < total
    r = api.get(
        "/finance/accounting/unpostedinvoices",
        params={"fields": "id,invoiceNumber,company/identifier", "orderBy": "total desc", "pageSize": 3},
    )
    rows = r.json()
    assert all(set(row) == {"id", "invoiceNumber", "company"} and set(row["company"]) == {"identifier"} for row in rows)
    full = api.get("/finance/accounting/unpostedinvoices", params={"orderBy": "total desc", "pageSize": 3}).json()
    totals = [Decimal(str(row["total"])) for row in full]
    assert totals == sorted(totals, reverse=True)
    one = api.get(f"/finance/accounting/unpostedinvoices/{rows[0]['id']}", params={"fields": "id,total"})
    assert set(one.json()) == {"id", "total"}


def _links(response: httpx.Response) -> dict[str, str]:
    out = {}
    for part in response.headers.get("link", "").split(","):
        if part.strip():
            url, rel = part.split(";")
            out[rel.strip().removeprefix('rel="').removesuffix('"')] = url.strip().strip("<>")
    return out


def test_navigable_links(api: httpx.Client) -> None:
    total = api.get("/finance/invoices/count").json()["count"]
    r = api.get("/finance/invoices", params={"pageSize": 50, "page": 2})
    links = _links(r)
    assert set(links) == {"first", "prev", "next", "last"}
    assert "page=1" in links["first"] and "page=3" in links["next"] and "page=1" in links["prev"]
    last = -(-total // 50)
    assert f"page={last}" in links["last"]
    seen: list[int] = []
    url: str | None = "/finance/invoices?pageSize=50"
    while url:
        page = api.get(url)
        seen += [row["id"] for row in page.json()]
        url = _links(page).get("next")
    assert len(seen) == total == len(set(seen))
    r = api.get("/finance/invoices", params={"pageSize": 1000})
    assert "link" not in r.headers
    assert api.get("/finance/invoices", params={"page": 99}).json() == []
    assert api.get("/finance/invoices", params={"pageSize": 0}).status_code == 400
    assert api.get("/finance/invoices", params={"page": "two"}).status_code == 400


def test_default_page_size_and_clamp(api: httpx.Client, emu: ManageEmulator) -> None:
    assert len(api.get("/finance/invoices").json()) == 25
    emu.store.generate(900)
    assert api.get("/finance/invoices/count").json()["count"] > 1000
    r = api.get("/finance/invoices", params={"pageSize": 5000})
    assert r.status_code == 200
    assert len(r.json()) == 1000  # clamped to the hard limit
    assert "pageSize=1000" in _links(r)["next"]


def test_forward_only(api: httpx.Client) -> None:
    headers = {"pagination-type": "forward-only"}
    r = api.get("/finance/invoices", params={"pageSize": 100}, headers=headers)
    links = _links(r)
    assert set(links) == {"next"}
    assert f"pageId={r.json()[-1]['id']}" in links["next"]
    seen = [row["id"] for row in r.json()]
    url: str | None = links["next"]
    while url:
        page = api.get(url, headers=headers)
        seen += [row["id"] for row in page.json()]
        url = _links(page).get("next")
    assert seen == sorted(seen)
    assert len(seen) == api.get("/finance/invoices/count").json()["count"]
    after = api.get("/finance/invoices", params={"pageId": seen[10], "pageSize": 5}, headers=headers).json()
    assert [row["id"] for row in after] == seen[11:16]
    r = api.get("/finance/invoices", params={"orderBy": "id desc"}, headers=headers)
    assert r.status_code == 400
