"""Sage 300 models: aliases from the vocabulary, payload order, tolerant parsing, strict amounts and keys."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, get_type_hints

import pytest
from pydantic import ValidationError

from cwsage import money
from cwsage.domain.location import DocumentLocation, DocumentPlace
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.models import (
    SAGE_MODELS,
    UNKNOWN_MEMBERS,
    APInvoice,
    APTerms,
    APVendor,
    ARInvoice,
    ARInvoiceBatch,
    ARInvoiceDetail,
    ARPostedDocument,
    ARTerms,
    FiscalCalendar,
    GLJournalBatch,
    ICItem,
    SageModel,
    TaxClass,
    TaxGroup,
    UnknownMember,
    sage_config,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sage300"


def load(name: str) -> Any:
    return money.loads((FIXTURES / name).read_text())


def ar_batch() -> ARInvoiceBatch:
    return ARInvoiceBatch(
        batch_date=date(2024, 1, 31),
        description="CW run 7 batch B-42",
        invoices=[
            ARInvoice(
                customer_number="ACME01",
                document_number="CW-100234",
                document_type=V.ARDocumentType.INVOICE,
                invoice_type=V.InvoiceType.SUMMARY,
                po_number="PO-7781",
                invoice_description="Managed services Jan",
                document_date=date(2024, 1, 31),
                currency_code="CAD",
                rate_type="SP",
                rate_date=date(2024, 1, 30),
                exchange_rate=Decimal("1.3512000"),
                rate_overridden=False,
                terms="NET30",
                do_not_calculation_tax=True,
                tax_group="ONTARIO",
                tax_authority_1="ONTHST",
                tax_class_1=1,
                tax_base_1=Decimal("1234.50"),
                tax_amount_1=Decimal("160.49"),
                document_total_including_tax=Decimal("1394.99"),
                invoice_details=[
                    ARInvoiceDetail(
                        line_number=20, revenue_account="4000", description="MSP", extended_amount_with_tip=Decimal(1)
                    )
                ],
            )
        ],
    )


def test_payload_uses_sage_names_in_declared_order_dates_and_exact_decimals() -> None:
    payload = ar_batch().to_payload()
    assert list(payload) == ["BatchDate", "Description", "Invoices"]  # None left out: Sage assigns numbers
    (invoice,) = payload["Invoices"]
    declared = [p.name for p in V.AR_INVOICE]
    assert list(invoice) == sorted(invoice, key=declared.index)  # DR22: properties are applied in order
    assert list(invoice)[:2] == ["CustomerNumber", "DocumentNumber"]
    assert invoice["DoNotCalculationTax"] == "Yes" and invoice["RateOverridden"] == "No"  # typed String (MD16)
    assert invoice["DocumentDate"] == "2024-01-31T00:00:00Z"
    assert isinstance(invoice["TaxAmount1"], Decimal) and invoice["ExchangeRate"] == Decimal("1.3512000")
    assert invoice["InvoiceDetails"] == [
        {"LineNumber": 20, "RevenueAccount": "4000", "Description": "MSP", "ExtendedAmountWithTIP": Decimal(1)}
    ]
    assert "TaxAmountControl" not in money.dumps(payload)
    assert json.loads(money.dumps(payload))["Invoices"][0]["TaxBase1"] == 1234.5


def test_every_model_is_bound_to_its_entity_and_every_attribute_is_declared() -> None:
    for model in SAGE_MODELS:
        entity = model.sage_entity
        for name, info in model.model_fields.items():
            prop = entity.for_field(name)
            assert info.serialization_alias == prop.name, (model.__name__, name)
            assert prop.source, (model.__name__, name)


def _kind(model: type[SageModel], name: str) -> str:
    text = str(get_type_hints(model, include_extras=True)[name])
    if "list[" in text:
        return "array"
    if "date" in text:
        return "date"
    if "Decimal" in text:
        return "number"
    if "bool" in text:
        return "yes/no string" if "_yes_no" in text else "boolean"
    if "int" in text:
        return "integer"
    return "string"


_EXPECTED = {
    V.JsonType.ARRAY: {"array"},
    V.JsonType.DATE: {"date"},
    V.JsonType.NUMBER: {"number"},
    V.JsonType.BOOLEAN: {"boolean"},
    V.JsonType.INTEGER: {"integer"},
    V.JsonType.STRING: {"string", "yes/no string"},
}


def test_python_types_match_the_declared_json_types() -> None:
    for model in SAGE_MODELS:
        for name, prop in model.sage_props.items():
            kind = _kind(model, name)
            assert kind in _EXPECTED[prop.type], (model.__name__, name, kind, prop.type)
            if kind == "yes/no string":
                assert prop.members == ("Yes", "No"), (model.__name__, name)
            if prop.items is not None:
                inner = model.model_fields[name].annotation
                nested = inner.__args__[0]  # type: ignore[union-attr]
                assert nested.sage_entity is prop.items, (model.__name__, name)


def test_an_undeclared_attribute_cannot_even_be_defined() -> None:
    with pytest.raises(V.VocabularyError, match=r"tax_amount_control"):

        class Wrong(SageModel):
            model_config = sage_config(V.AR_INVOICE)

            customer_number: str
            tax_amount_control: str | None = None


def test_attributes_out_of_declared_order_are_refused() -> None:
    with pytest.raises(V.VocabularyError, match="order"):

        class Shuffled(SageModel):
            model_config = sage_config(V.AR_CUSTOMER)

            customer_name: str | None = None
            customer_number: str


def test_yes_no_and_booleans_are_read_either_way() -> None:
    group = TaxGroup.model_validate({"TaxGroupKey": "G", "Taxable1": "Yes", "Taxable2": False, "Taxable3": "true"})
    assert (group.taxable_1, group.taxable_2, group.taxable_3) == (True, False, True)
    assert group.to_payload()["Taxable1"] is True  # a JSON boolean, as go-sage300 reads it
    item = ICItem.model_validate({"UnformattedItemNumber": "A1", "StockItem": "No"})
    assert item.stock_item is False and item.to_payload()["StockItem"] is False  # PL: a JSON boolean
    posted = ARPostedDocument.model_validate({"CustomerNumber": "C", "DocumentNumber": "D", "FullyPaid": True})
    assert posted.is_fully_paid and posted.to_payload()["FullyPaid"] == "Yes"
    with pytest.raises(ValidationError):
        TaxClass.model_validate({"Class": 1, "Exempt": "maybe"})


def test_known_alternatives_are_read() -> None:
    """MD16 keyed terms ``TermsCodeKey``; the vocabulary lists it as ``TermsCode``'s alternative."""
    assert ARTerms.model_validate({"TermsCodeKey": "N30"}).terms_code == "N30"
    assert APTerms.model_validate({"TermsCode": "N30"}).to_payload()["TermsCode"] == "N30"


def test_unknown_members_are_kept_and_collected() -> None:
    found: list[UnknownMember] = []
    vendor = APVendor.model_validate(
        {"VendorNumber": "V", "OnHold": "No", "Status": "Active"}, context={UNKNOWN_MEMBERS: found}
    )
    assert vendor.on_hold == "No"  # the old Yes/No spelling: kept, and reported
    assert found == [UnknownMember("Vendor", "OnHold", "No")]
    good: list[UnknownMember] = []
    APVendor.model_validate({"VendorNumber": "V", "OnHold": "NotOnHold"}, context={UNKNOWN_MEMBERS: good})
    assert good == []


def test_amounts_refuse_floats_and_keys_are_strict() -> None:
    with pytest.raises(ValidationError):
        ARPostedDocument.model_validate(
            {"CustomerNumber": "C", "DocumentNumber": "D", "CustomerCurrencyAmountDue": 1.5}
        )
    with pytest.raises(ValidationError):
        ARPostedDocument.model_validate({"CustomerNumber": 1200, "DocumentNumber": "D"})  # a key is text
    with pytest.raises(ValidationError):
        ARInvoiceBatch.model_validate({"BatchNumber": Decimal("12.5")})
    assert ARInvoiceBatch.model_validate({"BatchNumber": Decimal("12")}).batch_number == 12  # MD16: Decimal
    assert GLJournalBatch.model_validate({"BatchNumber": 12}).batch_number == "000012"


def test_posted_document_old_names_give_no_amounts() -> None:
    """The old client read ``CustCurrency…``: against a real server that gave nothing, silently."""
    old = {"CustomerNumber": "A", "DocumentNumber": "1", "CustCurrencyInvoiceAmount": 10, "CustCurrencyAmountDue": 4}
    doc = ARPostedDocument.model_validate(old)
    assert (doc.customer_currency_invoice_amount, doc.customer_currency_amount_due) == (None, None)
    body = load("ar_posted_documents.json")
    doc = ARPostedDocument.model_validate(body["value"][0])
    assert (doc.customer_currency_invoice_amount, doc.customer_currency_amount_due) == (
        Decimal("1864.50"),
        Decimal("0.00"),
    )
    assert doc.date_paid == date(2024, 2, 20) and doc.is_fully_paid


def test_fiscal_calendar_period_for() -> None:
    calendar = FiscalCalendar.model_validate(load("fiscal_calendar_2026.json"))
    assert len(calendar.periods) == 12
    assert calendar.period_for(date(2026, 1, 15)) == (1, False)  # locked
    assert calendar.period_for(date(2026, 2, 28)) == (2, True)
    assert calendar.period_for(date(2026, 12, 31)) == (12, True)
    assert calendar.period_for(date(2027, 1, 1)) is None
    inactive = calendar.model_copy(update={"active": False})
    assert inactive.period_for(date(2026, 2, 1)) == (2, False)


def test_ap_invoice_has_no_ar_only_names() -> None:
    assert "DocumentTotalBeforeTaxes" not in V.AP_INVOICE and "PONumber" not in V.AP_INVOICE
    assert set(APInvoice.model_fields) <= {p.field_name for p in V.AP_INVOICE}


@pytest.mark.parametrize(
    ("location", "text"),
    [
        (
            DocumentLocation("AR", "CW-1", DocumentPlace.OPEN_BATCH, "12", 3, "ACME01"),
            "AR invoice batch 12 (open), entry 3, customer ACME01",
        ),
        (
            DocumentLocation("AP", "INV-9", DocumentPlace.READY_BATCH, "7", 1),
            "AP invoice batch 7 (ready to post), entry 1",
        ),
        (
            DocumentLocation("AR", "CW-2", DocumentPlace.POSTED, "1100", 4),
            "AR document CW-2 (posted from batch 1100, entry 4)",
        ),
        (DocumentLocation("GL", "CW-EXP-1", DocumentPlace.POSTED), "GL document CW-EXP-1 (posted)"),
        (
            DocumentLocation("IC", "CW-ADJ-1", DocumentPlace.ENTERED, "17", kind="adjustment"),
            "IC adjustment 17 (entered), reference CW-ADJ-1",
        ),
    ],
)
def test_document_location_describe(location: DocumentLocation, text: str) -> None:
    assert location.describe() == text
    assert location.posted is (location.where is DocumentPlace.POSTED)
