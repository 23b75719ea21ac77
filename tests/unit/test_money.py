"""Money: exact JSON round-trip, the one rounding rule, balancing (property-based)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cwsage import money

amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False)
any_decimals = st.decimals(min_value=Decimal("-1e30"), max_value=Decimal("1e30"), allow_nan=False, places=12)


@given(st.lists(amounts, max_size=20))
def test_json_round_trip_keeps_every_decimal_exact(values: list[Decimal]) -> None:
    doc = {"lines": [{"amount": v, "n": i} for i, v in enumerate(values)], "total": money.total(values)}
    back = money.loads(money.dumps(doc))
    for original, loaded in zip(values, back["lines"], strict=True):
        assert loaded["amount"] == original
        if original != original.to_integral_value():
            assert isinstance(loaded["amount"], Decimal)
            assert str(loaded["amount"]) == format(original, "f")
    assert back["total"] == money.total(values)


@given(any_decimals)
def test_dumps_never_goes_through_float(value: Decimal) -> None:
    text = money.dumps([value])
    assert "e" not in text.lower()  # exact digits, never float's exponent form
    assert money.loads(text)[0] == value


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | any_decimals | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@given(json_values, st.booleans())
def test_encode_writes_the_same_json_values_as_dumps_compactly(value: object, keep_exponent: bool) -> None:
    fast = money.encode(value, keep_exponent=keep_exponent)
    slow = money.dumps(value, keep_exponent=keep_exponent, separators=(",", ":"), ensure_ascii=False)
    assert fast.decode() == slow  # byte for byte: digits, never an exponent, whichever way it was written
    sorted_fast = money.encode(value, sort_keys=True, keep_exponent=keep_exponent)
    assert sorted_fast.decode() == money.dumps(
        value, keep_exponent=keep_exponent, separators=(",", ":"), ensure_ascii=False, sort_keys=True
    )
    assert money.loads(fast, keep_exponent=keep_exponent) == money.loads(slow, keep_exponent=keep_exponent)


@given(json_values, st.sampled_from([None, 1, 2]), st.booleans())
def test_dumps_fast_path_writes_what_the_standard_encoder_writes(
    value: object, indent: int | None, ascii_: bool
) -> None:
    fast = money.dumps(value, indent=indent, ensure_ascii=ascii_)
    standard = money.dumps(value, indent=indent, ensure_ascii=ascii_, sort_keys=False)  # a keyword: json path
    assert fast == standard


@given(
    st.dictionaries(st.text(max_size=6), json_values, max_size=4),
    st.lists(json_values, max_size=5),
    st.sampled_from([1, 2, 4]),
    st.booleans(),
)
def test_dump_parts_writes_a_lazy_array_as_the_same_text_as_a_list(
    head: dict[str, object], items: list[object], indent: int, ascii_: bool
) -> None:
    made: list[object] = []
    lazy = money.LazyArray(items, lambda item: made.append(item) or item)
    value = {**head, "documents": lazy, "after": {"n": Decimal("1.50")}}
    text = "".join(money.dump_parts(value, indent=indent, ensure_ascii=ascii_))
    assert text == money.dumps({**value, "documents": items}, indent=indent, ensure_ascii=ascii_)
    assert made == items  # each item made once, as it was written


def test_encode_writes_small_and_large_decimals_without_an_exponent() -> None:
    assert money.encode([Decimal("1E-7"), Decimal("1E+2"), Decimal("12.50")]) == b"[0.0000001,100,12.50]"
    assert money.encode({"a": Decimal("12")}, keep_exponent=True) == b'{"a":{"$decimal":"12"}}'


def test_loads_reads_what_the_fast_parser_refuses_as_before() -> None:
    huge = "9" * 5000  # too long for int: the standard parser's lenient path makes it a Decimal
    assert money.loads("[" + huge + "]", lenient=True) == [Decimal(huge)]
    assert money.loads('{"a": Infinity}', lenient=True)["a"] == Decimal("Infinity")
    with pytest.raises(ValueError, match="Expecting"):
        money.loads('{"a": 1,}')


def test_loads_parses_floats_as_decimal() -> None:
    assert money.loads('{"a": 0.1, "b": 3}') == {"a": Decimal("0.1"), "b": 3}
    assert isinstance(money.loads("[0.1]")[0], Decimal)


@given(amounts)
def test_quantize_is_half_up_to_two_places(value: Decimal) -> None:
    q = money.quantize(value)
    assert q.as_tuple().exponent == -2
    assert abs(q - value) <= Decimal("0.005")
    assert q == value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("2.345", "USD", "2.35"),
        ("-2.345", "USD", "-2.35"),
        ("2.344", "USD", "2.34"),
        ("0.005", None, "0.01"),
        ("1234.5", "JPY", "1235"),
        ("1.0005", "KWD", "1.001"),
    ],
)
def test_quantize_examples(value: str, currency: str | None, expected: str) -> None:
    assert str(money.quantize(Decimal(value), currency)) == expected


def test_explicit_number_of_decimals_wins() -> None:
    assert str(money.quantize(Decimal("1.2345"), "USD", number_of_decimals=3)) == "1.235"


@given(st.lists(amounts, min_size=1, max_size=30))
def test_lines_plus_offset_always_balance(values: list[Decimal]) -> None:
    lines = [money.quantize(v) for v in values]
    offset = -money.total(lines)
    assert money.balances([*lines, offset])
    assert money.imbalance([*lines, offset]) == 0


@given(st.lists(amounts, min_size=1, max_size=30), st.integers(min_value=1, max_value=99))
def test_a_cent_off_does_not_balance(values: list[Decimal], cents: int) -> None:
    lines = [money.quantize(v) for v in values]
    off = -money.total(lines) + Decimal(cents) / 100
    assert not money.balances([*lines, off])
    assert money.imbalance([*lines, off]) == Decimal(cents) / 100


@pytest.mark.parametrize("bad", [1.5, True, "abc", "NaN", "Infinity", object()])
def test_d_refuses_non_amounts(bad: object) -> None:
    with pytest.raises(money.MoneyError):
        money.D(bad)


@given(amounts)
def test_d_accepts_text_and_decimal(value: Decimal) -> None:
    assert money.D(format(value, "f")) == value
    assert money.D(value) is value
    assert money.D(None) == 0


def test_lenient_loads_keeps_nan_and_long_integers_for_the_fields_to_refuse() -> None:
    data = money.loads('{"a": NaN, "b": ' + "9" * 1001 + ', "c": 12, "d": 1.50}', lenient=True)
    assert isinstance(data["a"], Decimal) and data["a"].is_nan()
    assert data["b"] == Decimal("9" * 1001)
    assert data["c"] == 12 and isinstance(data["c"], int)
    assert data["d"] == Decimal("1.50") and str(data["d"]) == "1.50"


def test_keep_exponent_round_trips_integral_decimals_with_their_type() -> None:
    value = {"n": Decimal("12"), "m": Decimal("1E+2"), "x": Decimal("1.50"), "i": 7}
    text = money.dumps(value, keep_exponent=True)
    assert '{"$decimal": "12"}' in text
    back = money.loads(text, keep_exponent=True)
    assert back == value
    assert [type(v) for v in back.values()] == [Decimal, Decimal, Decimal, int]
    assert str(back["m"]) == "1E+2"


def test_d_keeps_non_finite_values_only_when_asked() -> None:
    with pytest.raises(money.MoneyError):
        money.D("NaN")
    assert money.D(Decimal("Infinity"), allow_non_finite=True).is_infinite()
