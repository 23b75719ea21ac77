"""OData query building for the Sage 300 Web API: quoting, precedence, and the v3/v4 literal dialects (DR22, PM)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cwsage.sage300.odata import (
    Dialect,
    F,
    ODataError,
    Query,
    dialect_from_metadata,
    literal,
    quote_string,
    unquote_string,
)
from cwsage.sage300.vocabulary import BatchStatus


def test_brief_example_renders_every_option() -> None:
    q = (
        Query()
        .filter(
            F.eq("CustomerNumber", "A'B") & (F.ge("LastActivityDate", date(2024, 12, 1)) | F.eq("FullyPaid", "Yes"))
        )
        .select("A", "B")
        .orderby("BatchNumber", desc=True)
        .top(100)
        .skip(0)
        .count()
    )
    assert q.params() == {
        "$filter": "CustomerNumber eq 'A''B' and (LastActivityDate ge 2024-12-01T00:00:00Z or FullyPaid eq 'Yes')",
        "$select": "A,B",
        "$orderby": "BatchNumber desc",
        "$top": "100",
        "$skip": "0",
        "$count": "true",
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1100", "'1100'"),
        ("O'Hara", "'O''Hara'"),
        ("", "''"),
        (42, "42"),
        (-7, "-7"),
        (Decimal("1234.50"), "1234.50"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (date(2024, 12, 1), "2024-12-01T00:00:00Z"),
        (datetime(2024, 12, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5))), "2024-12-02T04:30:00Z"),
        (BatchStatus.READY_TO_POST, "'ReadyToPost'"),
    ],
)
def test_literals(value: object, expected: str) -> None:
    assert literal(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [1.5, datetime(2024, 1, 1), Decimal("NaN"), object()])
def test_refused_literals(bad: object) -> None:
    with pytest.raises(ODataError):
        F.eq("Amount", bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["", "1abc", "A B", "A eq 'x' or 1", "A;B", "Invoices/", "a-b"])
def test_property_names_are_validated(name: str) -> None:
    with pytest.raises(ODataError):
        F.eq(name, "x")
    with pytest.raises(ODataError):
        Query().select(name)
    with pytest.raises(ODataError):
        Query().orderby(name)


def test_nested_property_path_allowed() -> None:
    assert F.eq("Invoices/DocumentNumber", "X").render() == "Invoices/DocumentNumber eq 'X'"


def test_precedence_and_not() -> None:
    a, b, c = F.eq("A", 1), F.eq("B", 2), F.eq("C", 3)
    assert ((a | b) & c).render() == "(A eq 1 or B eq 2) and C eq 3"
    assert (a | (b & c)).render() == "A eq 1 or B eq 2 and C eq 3"
    assert (a & b & c).render() == "A eq 1 and B eq 2 and C eq 3"
    assert (~(a | b)).render() == "not (A eq 1 or B eq 2)"
    assert F.not_(a).render() == "not (A eq 1)"
    assert (a & ~b).render() == "A eq 1 and not (B eq 2)"


def test_comparison_operators() -> None:
    rendered = [f.render() for f in (F.ne("A", 1), F.gt("A", 1), F.lt("A", 1), F.le("A", 1))]
    assert rendered == ["A ne 1", "A gt 1", "A lt 1", "A le 1"]


def test_one_of_and_repeated_filters() -> None:
    q = Query().filter(F.one_of("DocumentNumber", ["X", "Y"])).filter(F.eq("CustomerNumber", "C"))
    assert q.params()["$filter"] == "(DocumentNumber eq 'X' or DocumentNumber eq 'Y') and CustomerNumber eq 'C'"
    assert F.one_of("D", ["X"]).render() == "D eq 'X'"
    with pytest.raises(ODataError):
        F.one_of("D", [])


def test_empty_query_and_negative_paging() -> None:
    assert Query().params() == {}
    assert Query().to_query_string() == ""
    with pytest.raises(ODataError):
        Query().top(-1)
    with pytest.raises(ODataError):
        Query().skip(-1)


def test_query_string_uses_percent20_and_keeps_dollar() -> None:
    qs = Query().filter(F.eq("Description", "a+b & c")).top(5).to_query_string()
    assert qs.startswith("$filter=Description%20eq%20'a%2Bb%20%26%20c'")
    assert qs.endswith("&$top=5")
    _key, _, value = qs.split("&")[0].partition("=")
    assert unquote(value) == "Description eq 'a+b & c'"


def test_unquote_rejects_broken_literals() -> None:
    for bad in ["abc", "'abc", "'a'b'", "'"]:
        with pytest.raises(ODataError):
            unquote_string(bad)


@given(st.text())
def test_string_literal_round_trips(text: str) -> None:
    quoted = quote_string(text)
    assert unquote_string(quoted) == text
    # inside the quotes every apostrophe is doubled, so the literal cannot end early
    assert re.fullmatch(r"'(?:[^']|'')*'", quoted, flags=re.DOTALL)


@given(st.text(min_size=1))
def test_filter_value_round_trips_through_query_string(text: str) -> None:
    qs = Query().filter(F.eq("CustomerNumber", text)).to_query_string()
    filter_text = unquote(qs.partition("=")[2])
    prefix = "CustomerNumber eq "
    assert filter_text.startswith(prefix)
    assert unquote_string(filter_text[len(prefix) :]) == text


@given(st.datetimes(timezones=st.just(UTC)))
def test_datetime_literals_are_utc_z(value: datetime) -> None:
    rendered = literal(value)
    assert rendered.endswith("Z")
    assert datetime.strptime(rendered, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) == value.replace(microsecond=0)


# -- dialects: v3 ``datetime'…'``/``99.99m`` (DR22, MD16) vs v4 bare literals (PM) --------------------------


@pytest.mark.parametrize(
    ("value", "v3", "v4"),
    [
        (date(2015, 12, 31), "datetime'2015-12-31T00:00:00'", "2015-12-31T00:00:00Z"),
        (datetime(2015, 12, 31, 12, 0, tzinfo=UTC), "datetime'2015-12-31T12:00:00'", "2015-12-31T12:00:00Z"),
        (Decimal("99.99"), "99.99m", "99.99"),
        ("1200", "'1200'", "'1200'"),
        (25, "25", "25"),
        (True, "true", "true"),
    ],
)
def test_literals_follow_the_dialect(value: object, v3: str, v4: str) -> None:
    assert literal(value, Dialect.V3) == v3  # type: ignore[arg-type]
    assert literal(value, Dialect.V4) == v4  # type: ignore[arg-type]


def test_one_query_renders_in_either_dialect_and_says_when_it_matters() -> None:
    plain = Query().filter(F.eq("CustomerNumber", "1200") & F.eq("Status", "Active"))
    assert not plain.needs_dialect()
    assert plain.params(Dialect.V3) == plain.params(Dialect.V4)
    dated = Query().filter(
        F.gt("BalanceDueInCustomerCurrency", Decimal("1000.00")) & F.gt("DateOfLastInvoice", date(2016, 12, 31))
    )
    assert dated.needs_dialect()
    assert dated.params(Dialect.V4)["$filter"] == (
        "BalanceDueInCustomerCurrency gt 1000.00 and DateOfLastInvoice gt 2016-12-31T00:00:00Z"
    )
    assert dated.params(Dialect.V3)["$filter"] == (
        "BalanceDueInCustomerCurrency gt 1000.00m and DateOfLastInvoice gt datetime'2016-12-31T00:00:00'"
    )


def test_property_names_of_a_query() -> None:
    q = Query().filter(F.eq("A", 1) | ~F.eq("B", 2)).select("C").orderby("D", desc=True)
    assert q.property_names() == {"A", "B", "C", "D"}


V4_EDMX = """<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
<Schema Namespace="Sage.CA.SBS.ERP.Sage300.AR.WebApi.Models" xmlns="http://docs.oasis-open.org/odata/ns/edm"/>
</edmx:DataServices></edmx:Edmx>"""
V3_EDMX = """<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx">
<edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" m:DataServiceVersion="3.0"
 m:MaxDataServiceVersion="3.0"><Schema Namespace="Sage300AR"/></edmx:DataServices></edmx:Edmx>"""


@pytest.mark.parametrize(
    ("text", "dialect"),
    [
        (V4_EDMX, Dialect.V4),
        (V3_EDMX, Dialect.V3),
        ("<Edmx Version='4.01'/>", Dialect.V4),
        ("not xml at all", None),
        ("", None),
        ('{"$Version": "4.0"}', None),
    ],
)
def test_dialect_from_metadata(text: str, dialect: Dialect | None) -> None:
    assert dialect_from_metadata(text) is dialect


def test_a_query_respelt_for_an_older_server_keeps_everything_else() -> None:
    query = Query().filter(F.eq("Status", "Active")).select("TermsCode", "Description").orderby("TermsCode", desc=True)
    query.top(5)
    older = query.renamed({"TermsCode": "TermsCodeKey"})
    assert older.params() == {
        "$filter": "Status eq 'Active'",
        "$select": "TermsCodeKey,Description",
        "$orderby": "TermsCodeKey desc",
        "$top": "5",
    }
    assert query.params()["$orderby"] == "TermsCode desc"  # the original is unchanged
    with pytest.raises(ODataError, match="Status"):
        query.renamed({"Status": "StatusKey"})
