"""The lean export reader (``cwsage.connectwise.lean``) reads what the mapping uses exactly as pydantic would.

Issue 14: reading every field of every export record into pydantic models was a third of a run's CPU. The lean
reader reads only :data:`~cwsage.connectwise.lean.USED_FIELDS` and builds the models itself when the values are
plain. What must hold:

* every export the project knows (the golden cases of every document kind, the emulator's demo company) translates
  to exactly the same documents and issues as when the whole export is validated by pydantic — a field the
  mapping reads but the reader leaves out would show here;
* a record built fast equals the one pydantic validates from the same used fields;
* values the fast path does not take (an int where text belongs, a lower-case enumeration value, an exponent
  amount, a snake_case key) are read by pydantic, with the same result;
* a malformed value in a field cwsage does not use no longer makes the record unreadable.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cwsage import money
from cwsage.connectwise import lean
from cwsage.connectwise import models as cw
from cwsage.connectwise.export import RECORD_MODELS, loads, parse_export
from cwsage.mapping.from_manage import TranslateOptions, Translation, translate
from cwsage.sandbox.manage import jsoncodec
from cwsage.sandbox.manage.app import create_app

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "cases"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "glexport.json").exists())
OPTIONS = TranslateOptions(ic_default_location="MAIN")


def _golden(name: str) -> Any:
    return money.loads((GOLDEN / name / "glexport.json").read_text(encoding="utf-8"))


def _emulator_export(*, as_bills: bool) -> Any:
    request = cw.ExportRequest(
        batch_identifier="T",
        thru_date=date(2026, 12, 31),
        export_invoices_flag=True,
        export_expenses_flag=True,
        export_products_flag=True,
    ).to_payload()
    return loads(jsoncodec.dumps(create_app(transfer_expenses_as_bill=as_bills).store.export(request)))


def _same(lean_translation: Translation, full_translation: Translation) -> None:
    assert lean_translation.documents == full_translation.documents
    assert lean_translation.issues == full_translation.issues
    assert lean_translation.unreadable_keys == full_translation.unreadable_keys


@pytest.mark.parametrize("case", CASES)
def test_golden_exports_translate_the_same_read_lean_or_in_full(case: str) -> None:
    raw = _golden(case)
    read = parse_export(raw, source_ref=case)
    assert not read.unreadable
    _same(translate(read, OPTIONS), translate(cw.GLExport.model_validate(raw), OPTIONS))


@pytest.mark.parametrize("as_bills", [True, False])
def test_the_emulators_export_translates_the_same_read_lean_or_in_full(as_bills: bool) -> None:
    raw = _emulator_export(as_bills=as_bills)
    read = parse_export(raw, source_ref="export T")
    assert not read.unreadable
    _same(translate(read, OPTIONS), translate(cw.GLExport.model_validate(raw), OPTIONS))


def _records() -> list[tuple[type[cw.ManageModel], dict[str, Any]]]:
    raw = _emulator_export(as_bills=True)
    raw["expenses"] = _emulator_export(as_bills=False)["expenses"]
    found: list[tuple[type[cw.ManageModel], dict[str, Any]]] = []
    for kind, model in RECORD_MODELS.items():
        found.extend((model, row) for row in raw.get(kind.value) or [])
    for case in CASES:
        golden = _golden(case)
        for kind, model in RECORD_MODELS.items():
            found.extend((model, row) for row in golden.get(kind.value) or [])
    return found


def test_a_record_read_fast_equals_the_one_pydantic_validates() -> None:
    records = _records()
    assert {model for model, _row in records} == set(RECORD_MODELS.values())
    for model, row in records:
        reader = lean.reader_of(model)
        fast = reader.read(row)  # the emulator's and golden records are plain: never handed to pydantic
        assert fast == reader.validate(row)
        assert type(fast) is model
        assert fast.model_fields_set == reader.validate(row).model_fields_set
        # it holds the used fields only; every other field reads as the default pydantic gives it
        assert set(vars(fast)) <= lean.USED_FIELDS[model]
        validated = reader.validate(row)
        assert all(getattr(fast, name) == getattr(validated, name) for name in model.model_fields)


def _invoice() -> dict[str, Any]:
    raw = _emulator_export(as_bills=True)
    return dict(raw["transactions"][0])


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("documentNumber", 10234, "10234"),  # an int where text belongs
        ("billingType", "standard", cw.InvoiceType.STANDARD),  # Manage's spelling in another case
        ("billingType", "  ", None),
        ("total", Decimal("1.5E+3"), Decimal("1.5E+3")),  # an exponent: checked by pydantic
        ("total", 12, Decimal(12)),
        ("documentDate", "", None),
    ],
)
def test_values_the_fast_path_does_not_take_are_read_by_pydantic_the_same_way(
    field: str, value: Any, expected: Any
) -> None:
    row = {**_invoice(), field: value}
    record = lean.read_record(cw.GLExportTransaction, row)
    attribute = {"documentNumber": "document_number", "billingType": "billing_type", "documentDate": "document_date"}
    assert getattr(record, attribute.get(field, field)) == expected
    assert record == lean.reader_of(cw.GLExportTransaction).validate(row)


def test_a_field_under_its_python_name_is_read_as_pydantic_reads_it() -> None:
    row = {k: v for k, v in _invoice().items() if k != "documentNumber"} | {"document_number": "X-1"}
    assert lean.read_record(cw.GLExportTransaction, row).document_number == "X-1"


def test_an_unused_field_is_not_read_and_cannot_make_the_record_unreadable() -> None:
    row = {**_invoice(), "salesRepName": {"not": "text"}, "taxGroupRate": "NaN"}
    assert "sales_rep_name" not in lean.USED_FIELDS[cw.GLExportTransaction]
    export = parse_export(loads(jsoncodec.dumps({"transactions": [row]})), source_ref="x")
    assert not export.unreadable
    (record,) = export.transactions
    assert record.sales_rep_name is None
    assert record.tax_group_rate is None


def test_a_used_field_that_cannot_be_read_is_reported_as_before() -> None:
    row = {**_invoice(), "total": Decimal("NaN")}
    export = parse_export({"transactions": [row]}, source_ref="x")
    (bad,) = export.unreadable
    assert bad.problems[0].field == "total"
    assert "finite" in bad.problems[0].reason


def test_every_used_field_has_a_reader() -> None:
    for model, used in lean.USED_FIELDS.items():
        assert used <= set(model.model_fields), model
        lean.reader_of(model)  # raises TypeError for a field type without a reader


def test_an_unposted_invoice_of_the_listing_is_read_lean_with_the_same_used_fields() -> None:
    row = loads(
        jsoncodec.dumps(
            {
                "id": 4711,
                "locationId": 2,
                "location": {"id": 2, "name": "Toronto"},
                "company": {"id": 250, "identifier": "AcmeCorp", "name": "Acme Corp"},
                "accountNumber": "ACME001",
                "billingTerms": {"id": 1, "name": "Net 30"},
                "invoiceNumber": "10234",
                "invoiceDate": "2024-03-31T00:00:00Z",
                "invoiceType": "Standard",
                "dueDate": "2024-04-30T00:00:00Z",
                "currency": {"id": 7, "currencyCode": "CAD", "name": "Canadian Dollar", "numberOfDecimals": 2},
                "total": Decimal("1695.00"),
                "subTotal": Decimal("1500.00"),
                "_info": {"lastUpdated": "2024-03-31T00:00:00Z"},
            }
        )
    )
    lean_record = lean.read_record(cw.UnpostedInvoice, row)
    full = cw.UnpostedInvoice.model_validate(row)
    for name in lean.USED_FIELDS[cw.UnpostedInvoice]:
        if name not in ("company", "currency", "location"):
            assert getattr(lean_record, name) == getattr(full, name), name
    assert lean_record.company is not None and full.company is not None
    assert lean_record.company.name == full.company.name
    assert lean_record.billing_terms is None  # not used: not read
    bad = {**row, "billingTerms": "not an object"}
    assert lean.read_record(cw.UnpostedInvoice, bad).invoice_number == full.invoice_number
