"""Per-record parsing of Manage's ``GLExport`` (issue 13, finding 4): one malformed record never stops the others.

The attack: a ``NaN`` total, a text total, a bad date, a string where an object belongs, a non-numeric id or
quantity in one record of the export stopped 175 good invoices. Now each record is read on its own; one that
cannot be read becomes an invalid document naming the record, the field and the value.

The export used here is the Manage emulator's own (the demo company: invoices and credit memos, expense bills and
journal expenses, item receipts, adjustments, transfers, customers, vendors), sent over the wire as JSON text so
that ``NaN``, ``Infinity``, absurd exponents and 5,000-digit integers reach the client as Manage could send them.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from cwsage.config import ManageSettings
from cwsage.connectwise.client import ManageClient
from cwsage.connectwise.export import parse_export_text
from cwsage.connectwise.models import ExportRequest
from cwsage.domain.documents import DocKind, ReceivableDocument
from cwsage.http import RetryPolicy
from cwsage.mapping.from_manage import Translation, translate
from cwsage.sandbox.manage import jsoncodec
from cwsage.sandbox.manage.app import create_app

MARK = "\u0001CORRUPT\u0001"
MARK_JSON = json.dumps(MARK)

KINDS = (
    "transactions",
    "expenses",
    "expenseBills",
    "purchaseTransactions",
    "adjustmentTransactions",
    "inventoryTransfers",
    "customers",
    "vendors",
)

BAD_VALUES: tuple[str, ...] = (
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999999",
    "-1E+400",
    "1E-999999",
    "5e20",
    "9" * 5000,
    '"abc"',
    '"12,50"',
    '"NaN"',
    '""',
    '"2026-02-30T00:00:00Z"',
    '"31/12/2026 25:61"',
    '"next tuesday"',
    "[]",
    '[1, "x"]',
    "{}",
    '{"id": "x"}',
    "true",
    "false",
    "null",
    "12.5",
    "-0",
    '"Ω\\u0000"',
)
"""JSON fragments, as Manage could send them, that replace one value of one record."""

ATTACK = {
    "NaN total": (("total",), "NaN", "NaN"),
    "text total": (("total",), '"12,50"', "'12,50'"),
    "bad date": (("documentDate",), '"2026-13-45T00:00:00Z"', "'2026-13-45T00:00:00Z'"),
    "string where an object belongs": (("company",), '"Acme Corp"', "'Acme Corp'"),
    "non-numeric id": (("detail", 0, "id"), '"91001x"', "'91001x'"),
    "non-numeric quantity": (("detail", 0, "quantity"), '"two"', "'two'"),
}
"""The malformed invoices of the attack (issue 13, finding 4): path inside the record, JSON value, value shown."""


# ------------------------------------------------------------------------------------------------ the export


@cache
def base_export() -> dict[str, Any]:
    """A small but complete export from the Manage emulator: every record kind, expenses both ways."""
    request = ExportRequest(
        batch_identifier="T",
        thru_date=date(2026, 12, 31),
        export_invoices_flag=True,
        export_expenses_flag=True,
        export_products_flag=True,
    ).to_payload()
    as_bills = create_app(transfer_expenses_as_bill=True).store.export(request)
    as_journal = create_app(transfer_expenses_as_bill=False).store.export(request)
    export = json.loads(jsoncodec.dumps(as_bills), parse_float=Decimal)
    export["expenses"] = json.loads(jsoncodec.dumps(as_journal["expenses"]), parse_float=Decimal)[:6]
    transactions = export["transactions"]
    credit = [t for t in transactions if t.get("billingType") == "CreditMemo"][:2]
    export["transactions"] = transactions[:10] + credit
    export["expenseBills"] = export["expenseBills"][:4]
    accounts = {t["companyAccountNumber"] for t in export["transactions"]}
    export["customers"] = [c for c in export["customers"] if c.get("accountNumber") in accounts]
    for kind in KINDS:
        assert export[kind], f"the emulator's export has no {kind}"
    return export


def _wire(data: dict[str, Any], fragment: str | None = None) -> str:
    text = jsoncodec.dumps(data)
    if fragment is not None:
        assert text.count(MARK_JSON) == 1
        text = text.replace(MARK_JSON, fragment)
    return text


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``data`` with the value at ``path`` replaced (``()`` replaces ``data`` itself)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        return {k: (_set(v, rest, value) if k == head else v) for k, v in data.items()}
    return [(_set(v, rest, value) if i == head else v) for i, v in enumerate(data)]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every field of a record, at every depth (objects, lists, list items and scalars)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*prefix, index)
            yield from _paths(item, (*prefix, index))


def _format(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@cache
def clean() -> Translation:
    from cwsage.connectwise.export import loads, parse_export

    export = parse_export(loads(_wire(base_export())), source_ref="export T")
    assert not export.unreadable
    return translate(export)


def _parse_and_translate(text: str) -> tuple[Any, Translation]:
    from cwsage.connectwise.export import loads, parse_export, parse_export_parts, parse_export_text

    export = parse_export(loads(text), source_ref="export T")
    translation = translate(export)
    record_by_record = parse_export_text(text.encode(), source_ref="export T")
    if record_by_record is not None:  # read from the text one record at a time: exactly the same export
        assert record_by_record == export
        # and in parts of two invoices (a rerun's re-export): the same documents and problems, in the same order
        parts = [translate(part) for part in parse_export_parts(text.encode(), source_ref="T", invoices=2) or []]
        assert [d for part in parts for d in part.documents if d.key not in part.unreadable_keys] == [
            d for d in translation.documents if d.key not in translation.unreadable_keys
        ]
        assert {d.key for part in parts for d in part.documents} == {d.key for d in translation.documents}
        assert sorted(i.line() for part in parts for i in part.issues) == sorted(i.line() for i in translation.issues)
    return export, translation


def _blocking(translation: Translation, key: str) -> set[tuple[str, str, str]]:
    return {(i.code, i.field, i.value) for i in translation.issues if i.document_key == key and i.blocking}


def _decimals(value: Any) -> Iterator[Decimal]:
    if isinstance(value, Decimal):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _decimals(getattr(value, item.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _decimals(item)


def _keys_of_record(kind: str, record: dict[str, Any]) -> set[str]:
    """Keys of the clean documents that a corrupted record may touch (its own, or those depending on it)."""
    if kind == "customers":
        return {d.key for d in clean().documents if d.kind in (DocKind.AR_INVOICE, DocKind.AR_CREDIT_NOTE)}
    if kind == "inventoryTransfers":
        return {d.key for d in clean().documents if d.kind is DocKind.IC_TRANSFER}
    if kind == "vendors":
        return set()
    only = {k: [] for k in KINDS} | {kind: [record]}
    _export, alone = _parse_and_translate(_wire(only))
    return {d.key for d in alone.documents}


# ------------------------------------------------------------------------------------------- the generator


@st.composite
def corruptions(draw: st.DrawFn) -> tuple[str, int, tuple[Any, ...], str]:
    """One record of one kind, one of its fields at any depth (or the record itself), one bad value."""
    export = base_export()
    kind = draw(st.sampled_from(KINDS))
    index = draw(st.integers(0, len(export[kind]) - 1))
    paths = [(), *_paths(export[kind][index])]
    path = draw(st.sampled_from(paths))
    fragment = draw(st.sampled_from(BAD_VALUES))
    return kind, index, path, fragment


FUZZ_EXAMPLES = int(os.environ.get("CWSAGE_EXPORT_FUZZ_EXAMPLES", "150"))
"""Examples per run; set CWSAGE_EXPORT_FUZZ_EXAMPLES=5000 for the full matrix of the chaos runs."""


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corruptions())
def test_one_bad_record_never_stops_the_others(case: tuple[str, int, tuple[Any, ...], str]) -> None:
    kind, index, path, fragment = case
    data = base_export()
    record = data[kind][index]
    corrupted = {**data, kind: _set(data[kind], (index, *path), MARK)}
    export, translation = _parse_and_translate(_wire(corrupted, fragment))  # never raises
    shaped = parse_export_text(_wire(corrupted, fragment).encode(), source_ref="export T") is not None
    event("read record by record" if shaped else "read whole (not the export's shape)")

    # every other list is read in full; this one loses at most the corrupted record
    for other in KINDS:
        readable = len(getattr(export, _attribute(other)))
        if other != kind:
            assert readable == len(data[other]), other
    unreadable = list(export.unreadable)
    event("unreadable" if unreadable else "still readable")
    assert len(unreadable) <= 1
    assert len(getattr(export, _attribute(kind))) == len(data[kind]) - len(unreadable)
    if unreadable:
        (bad,) = unreadable
        assert str(bad.kind) == kind
        assert bad.position == index
        target = _format(path)
        assert any(
            p.field == target or target.startswith(p.field) or p.field.startswith(target) for p in bad.problems
        ), (target, bad.problems)
        issues = [i for i in translation.issues if i.code == "record-unreadable"]
        if kind != "vendors" and (kind != "customers" or issues):
            assert any(i.blocking for i in issues)
        if bad.kind.is_document:
            assert issues, "an unreadable document record is reported"
            assert all(i.value for i in issues)  # the value Manage sent is named

    # documents from the other records are exactly as before, with the same blocking issues
    touched = _keys_of_record(kind, record)
    now = {doc.key: doc for doc in translation.documents}
    for doc in clean().documents:
        if doc.key in touched:
            continue
        assert now.get(doc.key) == doc, doc.key
        assert _blocking(translation, doc.key) == _blocking(clean(), doc.key), doc.key

    # NaN, Infinity and absurd exponents never become amounts
    for doc in translation.documents:
        for amount in _decimals(doc):
            assert amount.is_finite()
            assert abs(amount) < Decimal("1e22")


def _attribute(kind: str) -> str:
    return {
        "transactions": "transactions",
        "expenses": "expenses",
        "expenseBills": "expense_bills",
        "purchaseTransactions": "purchase_transactions",
        "adjustmentTransactions": "adjustment_transactions",
        "inventoryTransfers": "inventory_transfers",
        "customers": "customers",
        "vendors": "vendors",
    }[kind]


# -------------------------------------------------------------------------------------- the attack, exactly


def _client(body: str) -> ManageClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/login/companyinfo/"):
            return httpx.Response(200, json={"Codebase": "v4_6_release/", "CompanyName": "Acme"})
        assert request.url.path.endswith("/finance/accounting/export")
        return httpx.Response(200, content=body.encode(), headers={"Content-Type": "application/json"})

    settings = ManageSettings(
        url="https://manage.example",
        company="acme",
        public_key="pub",
        private_key=SecretStr("private-key-1234"),
        client_id=SecretStr("client-id-1234"),
    )
    return ManageClient(settings, transport=httpx.MockTransport(handler), policy=RetryPolicy(sleep=lambda _s: None))


@pytest.mark.parametrize("attack", sorted(ATTACK))
def test_the_attacks_malformed_invoice_is_reported_and_the_others_read(attack: str) -> None:
    path, fragment, shown = ATTACK[attack]
    data = base_export()
    bad_index = 3
    bad = data["transactions"][bad_index]
    corrupted = {**data, "transactions": _set(data["transactions"], (bad_index, *path), MARK)}
    request = ExportRequest(batch_identifier="T", export_invoices_flag=True)
    export = _client(_wire(corrupted, fragment)).export(request)  # used to raise SourceDataError for the whole export

    assert len(export.transactions) == len(data["transactions"]) - 1
    (unreadable,) = export.unreadable
    assert unreadable.identity.document_number == bad["documentNumber"]
    assert unreadable.label == f"invoice {bad['documentNumber']}"
    problem = unreadable.problems[0]
    assert problem.field == _format(path)
    assert problem.value == shown

    translation = translate(export)
    key = f"AR:{bad['documentNumber']}"
    assert key in translation.unreadable_keys
    issues = [i for i in translation.issues if i.document_key == key]
    assert issues
    assert issues[0].blocking
    assert issues[0].code == "record-unreadable"
    assert issues[0].field == f"transactions.{_format(path)}"
    assert issues[0].value == shown
    assert f"{_format(path)} = {shown}" in issues[0].message
    assert "Open the invoice" in issues[0].hint
    readable = [d for d in translation.documents if d.key not in translation.unreadable_keys]
    assert len(readable) == len(data["transactions"]) - 1 + sum(len(data[k]) for k in KINDS[1:6]) - _transfer_merge()


def _transfer_merge() -> int:
    """Transfer lines of one transfer make one document."""
    lines = base_export()["inventoryTransfers"]
    return len(lines) - len({line.get("transferId") or line.get("id") for line in lines})


@pytest.mark.parametrize(
    ("fragment", "reason"),
    [
        ("NaN", "finite"),
        ("Infinity", "finite"),
        ("-Infinity", "finite"),
        ("1e999999", "below 10^21"),
        ("5e21", "below 10^21"),
        ("1E-999999", "at most 28 decimals"),
        ("9" * 5000, "below 10^21"),
    ],
)
def test_non_finite_and_absurd_numbers_never_become_amounts(fragment: str, reason: str) -> None:
    data = base_export()
    corrupted = {**data, "transactions": _set(data["transactions"], (0, "detail", 0, "total"), MARK)}
    export, translation = _parse_and_translate(_wire(corrupted, fragment))
    (unreadable,) = export.unreadable
    assert unreadable.problems[0].field == "detail[0].total"
    assert reason in unreadable.problems[0].reason
    for doc in translation.documents:
        for amount in _decimals(doc):
            assert amount.is_finite()


def test_an_unreadable_customer_blocks_its_invoices_only() -> None:
    data = base_export()
    customer = data["customers"][0]
    corrupted = {**data, "customers": _set(data["customers"], (0, "taxLevels"), MARK)}
    _export, translation = _parse_and_translate(_wire(corrupted, '"none"'))
    blocked = {i.document_key for i in translation.issues if i.blocking and i.code == "record-unreadable"}
    own = {
        d.key
        for d in translation.documents
        if isinstance(d, ReceivableDocument) and d.customer.number == customer["accountNumber"]
    }
    assert own
    assert blocked == own


def test_an_unreadable_transfer_line_blocks_its_whole_transfer() -> None:
    data = base_export()
    line = data["inventoryTransfers"][0]
    corrupted = {**data, "inventoryTransfers": _set(data["inventoryTransfers"], (0, "quantity"), MARK)}
    _export, translation = _parse_and_translate(_wire(corrupted, '"two"'))
    key = f"IC:CW-TRF-{line['transferId']}"
    assert any(i.document_key == key and i.blocking for i in translation.issues)
    others = {d.key for d in clean().documents if d.kind is DocKind.IC_TRANSFER} - {key}
    assert not {i.document_key for i in translation.issues if i.blocking} & others


def test_the_text_is_read_record_by_record_unless_it_does_not_have_the_exports_shape() -> None:
    from cwsage.connectwise.export import loads, parse_export, parse_export_text

    text = _wire(base_export())
    export = parse_export_text(text.encode(), source_ref="export T")
    assert export is not None and export == parse_export(loads(text), source_ref="export T")
    assert export.transactions and not export.unreadable
    for not_the_shape in ('["not", "an", "export"]', '{"transactions": {}}', '{"transactions": [NaN]}', "{"):
        assert parse_export_text(not_the_shape.encode(), source_ref="export T") is None


def test_an_export_that_is_not_an_object_is_still_one_clear_error() -> None:
    from cwsage.connectwise.export import parse_export
    from cwsage.errors import SourceDataError

    with pytest.raises(SourceDataError, match="where the export object was expected"):
        parse_export(["not", "an", "export"], source_ref="export T")


def test_a_list_that_is_not_a_list_is_reported_and_the_rest_read() -> None:
    data = {**base_export(), "expenseBills": MARK}
    export, translation = _parse_and_translate(_wire(data, '"oops"'))
    assert not export.expense_bills
    (unreadable,) = export.unreadable
    assert unreadable.position == -1
    assert unreadable.problems[0].field == "expenseBills"
    assert len(export.transactions) == len(base_export()["transactions"])
    assert any(i.code == "record-unreadable" and i.blocking for i in translation.issues)
