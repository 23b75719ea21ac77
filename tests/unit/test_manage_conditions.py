"""The ``conditions`` builder: quoting, literals, and/or grouping, field-path checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cwsage.connectwise.conditions import C, Condition, literal, quote, unquote


def test_reference_example() -> None:
    dt = datetime(2024, 1, 1, tzinfo=UTC)
    rendered = str(C.eq("batchIdentifier", 'x"y') & C.gt("_info/lastUpdated", dt))
    assert rendered == 'batchIdentifier="x\\"y" and _info/lastUpdated>[2024-01-01T00:00:00Z]'


def test_backslash_is_escaped() -> None:
    assert quote("a\\b") == '"a\\\\b"'
    assert quote('\\"') == '"\\\\\\""'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "True"),
        (False, "False"),
        (250, "250"),
        (-3, "-3"),
        (Decimal("12.50"), "12.50"),
        (Decimal("1E+2"), "100"),
        ("Closed", '"Closed"'),
        (date(2024, 3, 31), "[2024-03-31T00:00:00Z]"),
        (datetime(2024, 3, 31, 19, 0, tzinfo=timezone(timedelta(hours=-5))), "[2024-04-01T00:00:00Z]"),
    ],
)
def test_literals(value: object, expected: str) -> None:
    assert literal(value) == expected  # type: ignore[arg-type]


def test_refused_literals() -> None:
    with pytest.raises(TypeError):
        literal(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot be used"):
        literal(Decimal("NaN"))
    with pytest.raises(ValueError, match="aware"):
        literal(datetime(2024, 1, 1))


def test_operators() -> None:
    assert str(C.eq("company/id", 250)) == "company/id=250"
    assert str(C.ne("status/name", "Closed")) == 'status/name!="Closed"'
    assert str(C.le("invoiceDate", date(2024, 3, 31))) == "invoiceDate<=[2024-03-31T00:00:00Z]"
    assert str(C.lt("total", Decimal("10.00"))) == "total<10.00"
    assert str(C.ge("id", 5)) == "id>=5"
    assert str(C.contains("name", "Acme")) == 'name contains "Acme"'
    assert str(C.like("name", "Ac%")) == 'name like "Ac%"'
    assert str(C.in_("invoiceNumber", ["a", 'b"c'])) == 'invoiceNumber in ("a","b\\"c")'
    assert str(C.in_("id", [1, 3])) == "id in (1,3)"
    assert str(C.not_in("id", [1])) == "id not in (1)"
    assert str(C.is_null("closedBy")) == "closedBy=null"
    assert str(C.not_null("closedBy")) == "closedBy!=null"
    assert str(C.eq("closedFlag", False)) == "closedFlag=False"


def test_empty_in_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        C.in_("id", [])


def test_and_or_grouping() -> None:
    a, b, c = C.eq("a", 1), C.eq("b", 2), C.eq("c", 3)
    assert str(a & b & c) == "a=1 and b=2 and c=3"
    assert str((a | b) & c) == "(a=1 or b=2) and c=3"
    assert str(a | (b & c)) == "a=1 or (b=2 and c=3)"
    assert str(a & (b | c)) == "a=1 and (b=2 or c=3)"
    assert str(C.all_of(a)) == "a=1"
    assert str(C.any_of(a, b)) == "a=1 or b=2"
    assert str(a.grouped()) == "(a=1)"
    assert a == Condition("a=1")
    assert hash(a) == hash(Condition("a=1"))
    with pytest.raises(ValueError, match="no conditions"):
        C.all_of()


@pytest.mark.parametrize("field", ["", "a b", "a=1 or 1", 'a"', "a//b", "/a", "a/", "naïve", "x;y"])
def test_field_paths_are_validated(field: str) -> None:
    with pytest.raises(ValueError, match="field path"):
        C.eq(field, 1)


def test_unquote_rejects_malformed() -> None:
    for bad in ['"abc', 'abc"', '"a"b"', '"a\\x"', '"a\\"', "", '"']:
        with pytest.raises(ValueError):
            unquote(bad)


@given(st.text())
def test_quote_round_trips_any_string(text: str) -> None:
    quoted = quote(text)
    assert unquote(quoted) == text


@given(st.text(), st.text())
def test_quoted_value_cannot_escape_its_literal(value: str, other: str) -> None:
    rendered = str(C.eq("batchIdentifier", value) & C.eq("x", other))
    assert rendered.startswith("batchIdentifier=")
    # The first literal ends exactly where quote() says it ends, whatever the value holds.
    first = quote(value)
    assert rendered == f"batchIdentifier={first} and x={quote(other)}"
    assert unquote(rendered[len("batchIdentifier=") : len("batchIdentifier=") + len(first)]) == value
