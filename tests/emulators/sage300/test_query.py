"""OData query options (DR22, PM, I22): paging, ``$count``, ``$select``, ``$orderby`` and ``$filter`` with every
operator and function the Developer Reference lists, typed against the entity type."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from .conftest import decoded, error_of


def _numbers(response: httpx.Response, key: str = "DocumentNumber") -> list[Any]:
    assert response.status_code == 200, response.text
    return [row[key] for row in response.json()["value"]]


def test_default_page_and_next_link(client: httpx.Client) -> None:
    first = client.get("/AR/ARCustomers?$count=true")
    body = first.json()
    assert body["@odata.count"] == 25 and len(body["value"]) == 10
    link = body["@odata.nextLink"]
    assert link.startswith("http://127.0.0.1:") and "%24skip=10" in link
    seen = [row["CustomerNumber"] for row in body["value"]]
    while link:
        page = client.get(link).json()
        seen += [row["CustomerNumber"] for row in page["value"]]
        link = page.get("@odata.nextLink")
    assert len(seen) == 25 and seen == sorted(seen)  # key order, no repeats


def test_top_up_to_the_maximum_is_honoured_and_skip_pages(client: httpx.Client) -> None:
    page = client.get("/AR/ARCustomers?$top=20").json()
    assert len(page["value"]) == 20 and "@odata.nextLink" not in page
    assert (
        _numbers(client.get("/AR/ARCustomers?$skip=5&$top=2"), "CustomerNumber")
        == sorted(_numbers(client.get("/AR/ARCustomers?$top=25"), "CustomerNumber"))[5:7]
    )
    assert client.get("/AR/ARCustomers?$skip=100").json()["value"] == []


def test_select_and_orderby(client: httpx.Client) -> None:
    rows = client.get("/AR/ARCustomers?$select=CustomerNumber,ShortName,GroupCode&$top=3").json()
    assert rows["@odata.context"].endswith("#ARCustomers(CustomerNumber,ShortName,GroupCode)")
    assert all(set(row) == {"CustomerNumber", "ShortName", "GroupCode"} for row in rows["value"])
    ordered = _numbers(client.get("/AR/ARPostedDocuments?$orderby=CustomerNumber desc,DocumentNumber&$top=30"))
    documents = decoded(client.get("/AR/ARPostedDocuments?$top=30"))["value"]
    expected = sorted(documents, key=lambda d: d["DocumentNumber"])
    expected = sorted(expected, key=lambda d: d["CustomerNumber"], reverse=True)
    assert ordered == [d["DocumentNumber"] for d in expected]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("DocumentNumber eq 'A0801'", ["A0801"]),
        (
            "DocumentNumber ne 'A0801' and DocumentType eq 'Invoice' and CustomerNumber eq 'ACME001'",
            ["A0806", "A0811", "A0816"],
        ),
        ("startswith(DocumentNumber,'A081')", [f"A08{n}" for n in range(10, 20)]),
        ("endswith(DocumentNumber,'20')", ["A0820"]),
        ("substringof('081',DocumentNumber) and DocumentNumber le 'A0812'", ["A0810", "A0811", "A0812"]),
        ("contains(DocumentNumber,'0819')", ["A0819"]),
        ("DocumentNumber gt 'A0818' and DocumentType eq 'Invoice'", ["A0819", "A0820"]),
        ("DocumentNumber ge 'A0819' and DocumentNumber lt 'A0820'", ["A0819"]),
        ("(DocumentNumber eq 'A0801' or DocumentNumber eq 'A0802') and FullyPaid eq 'Yes'", ["A0801"]),
        ("not (FullyPaid eq 'No') and DocumentType eq 'Invoice' and CustomerNumber eq 'WINDYCITY'", ["A0817"]),
        ("CustomerCurrencyInvoiceAmount gt 890 and DocumentType eq 'Invoice'", ["A0820"]),
        ("CustomerCurrencyInvoiceAmount eq 425.00", ["A0801"]),
        ("DocumentDate ge 2026-08-22T00:00:00Z and DocumentType eq 'Invoice'", ["A0819", "A0820"]),
        ("DocumentDate lt 2026-08-05", ["A0801"]),
        ("length(DocumentNumber) eq 5 and DocumentNumber eq 'A0805'", ["A0805"]),
        ("DatePaid eq null and CustomerNumber eq 'MILEHIGH'", ["A0803", "A0808", "A0818"]),
    ],
)
def test_filters(client: httpx.Client, expression: str, expected: list[str]) -> None:
    found = _numbers(client.get("/AR/ARPostedDocuments", params={"$filter": expression, "$top": "100"}))
    assert sorted(found) == expected


def test_last_activity_filter_finds_the_paid_documents(client: httpx.Client) -> None:
    paid = client.get(
        "/AR/ARPostedDocuments",
        params={"$filter": "LastActivityDate ge 2026-09-01T00:00:00Z and DocumentType eq 'Invoice'"},
    )
    numbers = sorted(_numbers(paid))
    assert numbers == [f"A08{n:02d}" for n in range(1, 21) if n % 4 in (1, 2)]


def test_count_with_a_filter_counts_the_matches_not_the_page(client: httpx.Client) -> None:
    body = client.get("/AR/ARPostedDocuments", params={"$filter": "DocumentType eq 'Invoice'", "$count": "true"}).json()
    assert body["@odata.count"] == 20 and len(body["value"]) == 10 and "@odata.nextLink" in body


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"$filter": "Nope eq 'x'"}, "Could not find a property named 'Nope'"),
        ({"$filter": "DocumentNumber eq 1"}, "incompatible types"),
        ({"$filter": "CustomerCurrencyAmountDue eq 'x'"}, "incompatible types"),
        ({"$filter": "DocumentDate ge '2026-01-01'"}, "incompatible types"),
        ({"$filter": "DocumentDate ge datetime'2026-01-01T00:00'"}, "Unrecognized 'datetime' literal"),
        ({"$filter": "FullyPaid eq '1'"}, "not a valid enumerated type constant"),
        ({"$filter": "DocumentNumber eq 'A0801"}, "unterminated"),
        ({"$filter": "DocumentNumber eq"}, "Syntax error"),
        ({"$filter": "DocumentNumber eq 'A' and"}, "Syntax error"),
        ({"$filter": "DocumentNumber eq 'A' @"}, "not valid"),
        ({"$filter": "InvoiceDetails eq 'x'"}, "Could not find a property"),
        ({"$select": "Nope"}, "Could not find a property named 'Nope'"),
        ({"$orderby": "DocumentNumber sideways"}, "Syntax error"),
        ({"$top": "-1"}, "non-negative integer"),
        ({"$skip": "x"}, "non-negative integer"),
        ({"$count": "maybe"}, "not a valid count option"),
        ({"$inlinecount": "allpages"}, "not supported"),
        ({"$apply": "x"}, "not supported"),
    ],
)
def test_bad_queries_are_invalid_parameters(client: httpx.Client, params: dict[str, str], fragment: str) -> None:
    status, code, message = error_of(client.get("/AR/ARPostedDocuments", params=params))
    assert (status, code) == (400, "InvalidParameters")
    assert fragment in message


def test_enum_values_and_quotes_in_literals(client: httpx.Client) -> None:
    assert (
        len(
            _numbers(
                client.get("/AR/ARCustomers", params={"$filter": "AccountType eq 'OpenItem'", "$top": "50"}),
                "CustomerNumber",
            )
        )
        == 25
    )
    assert (
        error_of(client.get("/AR/ARCustomers", params={"$filter": "AccountType eq 'Nope'"}))[1] == "InvalidParameters"
    )
    created = client.post(
        "/AR/ARCustomers", json={"CustomerNumber": "OBRIEN", "CustomerName": "O'Brien & Sons", "GroupCode": "USD"}
    )
    assert created.status_code == 201, created.text
    found = client.get("/AR/ARCustomers", params={"$filter": "CustomerName eq 'O''Brien & Sons'"})
    assert _numbers(found, "CustomerNumber") == ["OBRIEN"]


def test_amounts_are_exact_decimals_on_the_wire(client: httpx.Client) -> None:
    text = client.get("/AR/ARPostedDocuments(CustomerNumber='ACME001',DocumentNumber='A0801')").text
    assert '"CustomerCurrencyInvoiceAmount":425.00' in text
    assert decoded(client.get("/CS/CSCurrencyRates(ToCurrency='USD',RateType='SP')"))["CurrencyRateDetail"][0][
        "Rate"
    ] == Decimal("0.7310000")
