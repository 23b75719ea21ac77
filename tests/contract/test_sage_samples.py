"""Sage's own sample bodies, and the whole demo, against the strict emulator (issue 9 "Deliver" and "Must show").

Every fixture in ``tests/fixtures/sage300/samples/`` (written by ``make_samples.py`` from the facts file: the
property names, nesting and JSON types exactly as Sage's sample POST bodies have them) must be

* **accepted** by the emulator over HTTP: ``POST`` to its resource answers 201 with the created record — every
  resource cwsage uses is a master or a transaction ER22 lets a client create; and
* **read** by the client's model of that resource, both as Sage wrote it and as the emulator answers it.

Sample values naming Sage's sample company (customer ``1400``, distribution code ``CACCSE``, location ``1``,
the sample's 2022 dates) are replaced by the demo company's, and a few amounts are made to balance; the test
proves that no property name and no JSON type changes in the process. The last test runs the whole demo
against the strict emulator and reads the emulator's own count of what it refused.
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from rich.console import Console

from cwsage import money
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.models import RESOURCE_MODELS, SageModel
from cwsage.sandbox.demo import run_demo
from cwsage.sandbox.sage300.app import NO_CONTENT_TYPE, SageEmulator

if TYPE_CHECKING:
    from tests.conftest import SandboxPool

SAMPLES = Path(__file__).parents[1] / "fixtures" / "sage300" / "samples"
FIXTURES = sorted(p.stem for p in SAMPLES.glob("*.json"))
SAMPLE_DATE = "2022-06-20T00:00:00Z"
DAY = "2026-09-30T00:00:00Z"
API = "/Sage300WebApi/v1.0/-/CWDEMO"
ADD = "+"
"""A path ending in ``+`` appends an element to a collection (it must have the first element's names and types)."""

# Per fixture: the values to replace (dotted paths, list indices as numbers) and records to create first.
FIT: dict[str, dict[str, Any]] = {
    "AP_APInvoiceBatches_CreditNote": {
        "Invoices.0.VendorNumber": "DELL",
        "Invoices.0.DocumentTotalIncludingTax": 12.0,
        "Invoices.0.InvoiceDetails.0.DistributedAmount": 12,
    },
    "AP_APInvoiceBatches_DebitNote": {
        "Invoices.0.VendorNumber": "DELL",
        "Invoices.0.DocumentTotalIncludingTax": 12.0,
        "Invoices.0.InvoiceDetails.0.DistributedAmount": 12,
    },
    "AP_APInvoiceBatches_Invoice": {
        "Invoices.0.VendorNumber": "DELL",
        "Invoices.0.DocumentTotalIncludingTax": 12.0,
        "Invoices.0.InvoiceDetails.0.DistributedAmount": 12,
    },
    "AP_APTerms": {},
    "AP_APVendors": {"GroupCode": "USD"},
    "AR_ARCustomers": {"GroupCode": "USD", "AccountSet": "USD", "Terms": "NET30", "TaxGroup": "CHICAGO"},
    "AR_ARInvoiceBatches": {
        "Invoices.0.CustomerNumber": "LAKESHORE",
        "Invoices.0.InvoiceDetails.0.DistributionCode": "SVC",
    },
    "AR_ARReceiptAndAdjustmentBatches_Adjustment": {
        "ReceiptsAdjustments.0.CustomerNumber": "WINDYCITY",
        "ReceiptsAdjustments.0.AppliedReceiptsAdjustments.0.CustomerNumber": "WINDYCITY",
        "ReceiptsAdjustments.0.AppliedReceiptsAdjustments.0.DocumentNumber": "A0802",
        "ReceiptsAdjustments.0.AppliedReceiptsAdjustments.0.AdjustmentGLDistributions.0.DistributionCode": "MISC",
        "ReceiptsAdjustments.0.AppliedReceiptsAdjustments.0.AdjustmentGLDistributions.0.DistributionGLAccount": (
            "4300-10"
        ),
    },
    "AR_ARReceiptAndAdjustmentBatches_Prepayment": {
        "BankCode": "BANK",
        "ReceiptsAdjustments.0.CustomerNumber": "WINDYCITY",
        "ReceiptsAdjustments.0.CustomerUnappliedAmount": 0,
        "ReceiptsAdjustments.0.AppliedReceiptsAdjustments.0.CustomerNumber": "WINDYCITY",
    },
    "AR_ARTerms": {},
    "CS_CSCurrencyCodes": {},
    "CS_CSCurrencyRates": {
        "ToCurrency": "USD",
        "CurrencyRateDetail.0.ToCurrency": "USD",
        "CurrencyRateDetail.0.FromCurrency": "CAD",
    },
    "GL_GLAccounts": {},
    "GL_GLAccounts_Multicurrency": {},
    "GL_GLJournalBatches": {
        "JournalHeaders.0.JournalDetails.0.AccountNumber": "5100-10",
        f"JournalHeaders.0.JournalDetails.{ADD}": {
            "AccountNumber": "2100-00",
            "Amount": -1,
            "SourceCurrencyAmount": -1,
        },
    },
    "IC_ICAdjustments": {
        "AdjustmentDetails.0.ItemNumber": "LAPTOP-X1",
        "AdjustmentDetails.0.Location": "MAIN",
        "AdjustmentDetails.0.UnitOfMeasure": "Each",
    },
    "IC_ICItems": {},
    "IC_ICLocations": {},
    "IC_ICTransfers": {
        "TransferDetails.0.ItemNumber": "PATCH10",
        "TransferDetails.0.FromLocation": "MAIN",
        "TransferDetails.0.ToLocation": "VAN1",
        "TransferDetails.0.UnitOfMeasure": "Each",
    },
}
SETUP: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "CS_CSCurrencyRates": [("CS/CSCurrencyRateTypes", {"RateTypeKey": "01", "Description": "Daily spot rate 01"})],
    "IC_ICTransfers": [
        ("IC/ICLocations", {"LocationKey": "TRANS", "Name": "Goods in transit", "LocationType": "Logical"})
    ],
}


def resource_of(stem: str) -> V.Resource:
    """``AP_APInvoiceBatches_CreditNote`` → ``AP/APInvoiceBatches`` (the sample's variant dropped)."""
    module, rest = stem.split("_", 1)
    path = f"{module}/{rest.split('_', 1)[0]}"
    return next(r for r in V.RESOURCES if r.path == path)


def load(stem: str) -> dict[str, Any]:
    """A fixture as the client reads JSON: numbers as Decimal, never float."""
    body: dict[str, Any] = money.loads((SAMPLES / f"{stem}.json").read_text(encoding="utf-8"))
    return body


def raw(stem: str) -> dict[str, Any]:
    """A fixture with plain JSON types (ints and floats as Sage's sample has them)."""
    body: dict[str, Any] = json.loads((SAMPLES / f"{stem}.json").read_text(encoding="utf-8"))
    return body


def shape(value: Any, path: str = "") -> set[tuple[str, str]]:
    """Every (path without list indices, JSON type) in a body."""
    kinds = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}
    if isinstance(value, dict):
        found = {(path, "object")}
        for name, inner in value.items():
            found |= shape(inner, f"{path}.{name}" if path else name)
        return found
    if isinstance(value, list):
        found = {(path, "array")}
        for inner in value:
            found |= shape(inner, f"{path}[]")
        return found
    return {(path, kinds[type(value)])}


def _dates(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _dates(inner) for name, inner in value.items()}
    if isinstance(value, list):
        return [_dates(inner) for inner in value]
    return DAY if value == SAMPLE_DATE else value


def fit(stem: str) -> dict[str, Any]:
    """The fixture with the demo company's values (and 2026 dates): same names, same JSON types."""
    body: dict[str, Any] = _dates(raw(stem))
    for dotted, value in FIT[stem].items():
        *parents, last = dotted.split(".")
        target: Any = body
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if last == ADD:
            target.append({**copy.deepcopy(target[0]), **value})
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            assert last in target, f"{stem}: {dotted} is not in the sample"
            target[last] = value
    return body


def assert_read(model: SageModel, body: dict[str, Any], where: str) -> None:
    """Every property of ``body`` the model declares was read, strings and keys exactly, detail lists too."""
    fields = type(model).model_fields
    for name, value in body.items():
        entity = type(model).sage_entity
        if name not in entity or entity.prop(name).field_name not in fields:
            continue
        attribute = getattr(model, entity.prop(name).field_name)
        if value is None:
            continue
        assert attribute is not None, f"{where}.{name} was not read"
        if isinstance(value, str) and isinstance(attribute, str):
            assert attribute == value, f"{where}.{name}"
        if isinstance(value, list):
            assert len(attribute) == len(value), f"{where}.{name}"
            for index, (inner_model, inner) in enumerate(zip(attribute, value, strict=True)):
                assert_read(inner_model, inner, f"{where}.{name}[{index}]")


@pytest.fixture
def http(sage_emu: SageEmulator, sage_url: str) -> Iterator[httpx.Client]:
    """Raw HTTP to the emulator's company root, as any Web API client talks to it (Basic, JSON Content-Type)."""
    with httpx.Client(
        base_url=sage_url + API,
        auth=("CWSAGE", "DEMO"),
        headers={"Content-Type": "application/json"},
        timeout=10.0,
    ) as client:
        yield client


def test_every_sample_has_a_fit_and_a_model() -> None:
    assert set(FIT) == set(FIXTURES) and len(FIXTURES) == 19
    for stem in FIXTURES:
        assert resource_of(stem).path in RESOURCE_MODELS, stem
        assert V.Verb.POST in resource_of(stem).verbs, stem


@pytest.mark.parametrize("stem", FIXTURES)
def test_the_fit_changes_values_only(stem: str) -> None:
    assert shape(fit(stem)) == shape(raw(stem))


@pytest.mark.parametrize("stem", FIXTURES)
def test_the_client_model_reads_sages_sample(stem: str) -> None:
    body = load(stem)
    model = RESOURCE_MODELS[resource_of(stem).path]
    parsed = model.model_validate(body)
    assert_read(parsed, body, stem)


@pytest.mark.parametrize("stem", FIXTURES)
def test_the_emulator_accepts_sages_sample_and_the_client_reads_its_answer(
    stem: str, http: httpx.Client, sage_emu: SageEmulator
) -> None:
    for path, record in SETUP.get(stem, []):
        assert http.post(f"/{path}", json=record).status_code == 201
    resource = resource_of(stem)
    body = fit(stem)
    created = http.post(f"/{resource.path}", json=body)
    assert created.status_code == 201, created.text
    answer = money.loads(created.content)
    model = RESOURCE_MODELS[resource.path]
    parsed = model.model_validate(answer)
    assert_read(parsed, answer, f"{stem} (answer)")
    for name, value in body.items():  # the sample's own values came back (numbers assigned by Sage aside)
        if isinstance(value, str) and name in resource.entity and name not in resource.key:
            assert answer[name] == value, name
    assert sage_emu.state()["refusals"] == {}


def test_the_whole_demo_completes_against_the_strict_emulator_without_a_refused_payload(
    sandboxes: SandboxPool, tmp_path: Path
) -> None:
    """``cwsage demo`` end to end: exit 0, and the emulator answered no 500 for a missing Content-Type and no
    ``InvalidPayload`` — cwsage never sends a name or a JSON type a real Sage 300 would refuse."""
    output = io.StringIO()
    with sandboxes.fresh() as box:
        code = run_demo(Console(file=output, width=160), home=tmp_path, sandbox=box)
        state = httpx.get(f"{box.sage_server.url}/_sandbox/state").json()
    text = output.getvalue()
    assert code == 0, text
    refused = state["refusals"]
    assert refused.get(NO_CONTENT_TYPE, 0) == 0 and refused.get("InternalServerError", 0) == 0, refused
    assert refused.get("InvalidPayload", 0) == 0, refused
    assert refused.get("InvalidParameters", 0) == 0 and refused.get("MethodNotAllowed", 0) == 0, refused
    # The demo did what it says: batches posted in Sage, receipts recorded, payments synced.
    assert state["batches"]["AR/ARInvoiceBatches"].get("Posted", 0) >= 2
    assert state["batches"]["AP/APInvoiceBatches"].get("Posted", 0) >= 1
    assert state["batches"]["AR/ARReceiptAndAdjustmentBatches"].get("Posted", 0) == 2
    assert state["tables"]["IC/ICAdjustments"] > 0 and state["tables"]["IC/ICTransfers"] > 0
    assert "HTTP requests:" in text and "payment recorded" in text
    (per_kind,) = [line for line in text.splitlines() if line.startswith("Posted per kind:")]
    assert "AR invoice" in per_kind and "ar_invoice" not in per_kind, "people read words, not codes"
