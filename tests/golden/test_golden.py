"""Golden files: for every document kind, Manage ``GLExport`` JSON in, Sage 300 payload JSON out.

Why: the translation layer (``mapping.from_manage`` → ``mapping.validate`` → ``mapping.to_sage`` via
``services.job.post_item``) is where a sign or a cent goes wrong silently. Each case directory holds

* ``glexport.json`` — a real export taken from the Manage emulator (``make_inputs.py``), trimmed;
* ``master.json`` — a small hand-written Sage company (``{"extends": "demo", …overrides}``, see
  ``masters/demo.json``) loaded into :class:`SageMasterData`;
* ``settings.json`` (optional) — cwsage settings, e.g. ``{"ic_default_location": "MAIN"}``;
* ``expected.json`` — ``post_item(doc, master, PostingOptions()).stored()`` per document;
* ``expected_issues.json`` — the translation and validation issues, when there are any.

Set ``CWSAGE_UPDATE_GOLDEN=1`` to rewrite the expected files after a deliberate change, then review the
diff by hand. Without it a mismatch fails with a unified diff. The test never needs the emulator.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cwsage import money
from cwsage.connectwise import models as cw
from cwsage.domain.documents import DocKind, Document
from cwsage.domain.issues import Issue
from cwsage.domain.master import AccountInfo, FiscalPeriod, PartyInfo, SageMasterData, TaxGroupInfo, account_key
from cwsage.mapping.from_manage import TranslateOptions, translate
from cwsage.mapping.to_sage import PostingOptions
from cwsage.mapping.validate import blocking_keys, validate
from cwsage.sage300 import vocabulary as V
from cwsage.services.job import post_item

HERE = Path(__file__).parent
CASES_DIR = HERE / "cases"
MASTERS_DIR = HERE / "masters"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "glexport.json").exists())
UPDATE = os.environ.get("CWSAGE_UPDATE_GOLDEN", "") not in ("", "0")


def _read(path: Path) -> Any:
    return money.loads(path.read_text(encoding="utf-8"))


def _master_description(path: Path) -> dict[str, Any]:
    data = dict(_read(path))
    base_name = data.pop("extends", None)
    if base_name:
        base = _master_description(MASTERS_DIR / f"{base_name}.json")
        base.update(data)
        data = base
    data.pop("_comment", None)
    return data


def load_master(path: Path) -> SageMasterData:
    """Build :class:`SageMasterData` from a hand-written master description."""
    data = _master_description(path)

    def parties(raw: dict[str, dict[str, Any]]) -> dict[str, PartyInfo]:
        return {
            number: PartyInfo(number, info.get("currency", ""), info.get("active", True), info.get("tax_group", ""))
            for number, info in raw.items()
        }

    accounts: dict[str, AccountInfo] = {}
    for entry in data.get("accounts", []):
        info = entry if isinstance(entry, dict) else {"account": entry}
        formatted = info["account"]
        accounts[account_key(formatted)] = AccountInfo(
            unformatted=account_key(formatted), formatted=formatted, active=info.get("active", True)
        )
    return SageMasterData(
        home_currency=data["home_currency"],
        multicurrency=data.get("multicurrency", True),
        inventory_control=data.get("inventory_control", True),
        customers=parties(data.get("customers", {})),
        vendors=parties(data.get("vendors", {})),
        accounts=accounts,
        tax_groups={
            (g["code"], g["transaction_type"]): TaxGroupInfo(g["code"], g["transaction_type"], tuple(g["authorities"]))
            for g in data.get("tax_groups", [])
        },
        tax_authorities=frozenset(data.get("tax_authorities", [])),
        currencies=frozenset(data.get("currencies", [])),
        rates={
            code: tuple((date.fromisoformat(day), money.D(str(rate))) for day, rate in rows)
            for code, rows in data.get("rates", {}).items()
        },
        fiscal_periods=tuple(
            FiscalPeriod(
                p["year"], p["period"], date.fromisoformat(p["start"]), date.fromisoformat(p["end"]), p["open"]
            )
            for p in data.get("fiscal_periods", [])
        ),
        items=dict(data.get("items", {})),
        ic_locations=frozenset(data.get("ic_locations", [])),
        terms=frozenset(data.get("terms", [])),
    )


@dataclass
class CaseResult:
    """What the pipeline made of one case."""

    raw: dict[str, Any]
    documents: list[Document]
    payloads: list[dict[str, Any]]
    issues: list[Issue]


def run_case(name: str) -> CaseResult:
    """Translate, validate and build the Sage payloads of one case, exactly as a batch run does."""
    directory = CASES_DIR / name
    raw = _read(directory / "glexport.json")
    settings = _read(directory / "settings.json") if (directory / "settings.json").exists() else {}
    master = load_master(directory / "master.json")
    export = cw.GLExport.model_validate(raw)
    translation = translate(export, TranslateOptions(ic_default_location=settings.get("ic_default_location", "")))
    issues = translation.issues + validate(translation.documents, master)
    payloads = [post_item(doc, master, PostingOptions()).stored() for doc in translation.documents]
    return CaseResult(raw, translation.documents, payloads, issues)


def _text(value: Any) -> str:
    return money.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _compare(path: Path, actual: str) -> None:
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run with CWSAGE_UPDATE_GOLDEN=1 and review it"
    expected = path.read_text(encoding="utf-8")
    if expected != actual:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"{path.relative_to(HERE)} (expected)",
                tofile="actual",
            )
        )
        pytest.fail(f"golden mismatch for {path.relative_to(HERE)}:\n{diff}", pytrace=False)


@pytest.mark.parametrize("case", CASES)
def test_golden_payloads(case: str) -> None:
    result = run_case(case)
    _compare(CASES_DIR / case / "expected.json", _text(result.payloads))


@pytest.mark.parametrize("case", CASES)
def test_golden_issues(case: str) -> None:
    result = run_case(case)
    path = CASES_DIR / case / "expected_issues.json"
    if not result.issues:
        if UPDATE and path.exists():
            path.unlink()
        assert not path.exists(), f"{path.name} expects issues but the case has none"
        return
    _compare(path, _text([issue.as_dict() for issue in result.issues]))


def _manage_totals(raw: dict[str, Any]) -> dict[str, Decimal]:
    """Header totals as Manage wrote them, by the Sage document number they become."""
    totals: dict[str, Decimal] = {}
    for tx in raw.get("transactions", []):
        totals[tx["documentNumber"]] = money.D(tx["total"])
    for bill in raw.get("expenseBills", []):
        totals[bill["documentNumber"]] = money.D(bill["total"])
    for purchase in raw.get("purchaseTransactions", []):
        totals[purchase["vendorInvoiceNumber"]] = money.D(purchase["total"])
    for expense in raw.get("expenses", []):  # journal entries: keyed CW-E<first GL entry id>
        totals[f"CW-E{expense['id']}"] = money.D(expense["total"])
    return totals


@pytest.mark.parametrize("case", CASES)
def test_golden_amounts_match_manage_to_the_cent(case: str) -> None:
    result = run_case(case)
    manage = _manage_totals(result.raw)
    blocked = blocking_keys(result.issues)
    for doc, item in zip(result.documents, result.payloads, strict=True):
        if doc.key in blocked:
            continue  # never posted: e.g. an authority missing in Sage cannot carry its tax
        sage = item["sage"]
        target = item["target"]
        if target in ("ar", "ap"):
            lines = sage.get("InvoiceDetails", [])
            amount_key = "ExtendedAmountWithTIP" if target == "ar" else "DistributedAmount"
            details = money.total(money.D(line[amount_key]) for line in lines)
            taxes = money.total(money.D(sage.get(f"TaxAmount{i}", 0)) for i in range(1, 6))
            total = money.D(sage["DocumentTotalIncludingTax"])
            assert details + taxes == total, f"{sage['DocumentNumber']}: lines {details} + tax {taxes} != {total}"
            assert total == abs(manage[sage["DocumentNumber"]]), sage["DocumentNumber"]
            # a credit note is a CreditNote document of positive amounts, for AP as for AR (I10): never a negative line
            assert lines, sage["DocumentNumber"]
            assert all(money.D(line[amount_key]) >= 0 for line in lines), sage["DocumentNumber"]
        elif target == "gl":
            lines = sage["JournalDetails"]
            assert money.total(money.D(line["Amount"]) for line in lines) == 0, item["label"]
            if any("SourceCurrencyAmount" in line for line in lines):
                assert money.total(money.D(line["SourceCurrencyAmount"]) for line in lines) == 0, item["label"]
            foreign = [line for line in lines if "SourceCurrency" in line]
            if foreign:  # I25: a foreign journal keeps Manage's own amounts in its source currency
                debits = money.total(money.D(line["SourceCurrencyAmount"]) for line in foreign if line["Amount"] > 0)
                assert debits == abs(manage[sage["Description"].split(" ", 1)[0]]), item["label"]


ENTITY_OF_TARGET = {
    "ar": V.AR_INVOICE,
    "ap": V.AP_INVOICE,
    "gl": V.GL_JOURNAL_HEADER,
    "ic_adjustment": V.IC_ADJUSTMENT,
    "ic_transfer": V.IC_TRANSFER,
}
"""The vocabulary entity each target's payload is (AR/AP entries and GL headers go inside their batches)."""


@pytest.mark.parametrize("case", CASES)
def test_every_expected_property_is_a_declared_sourced_name(case: str) -> None:
    """The reviewed expected files themselves, not only what the code makes today, name only sourced properties."""
    for item in _read(CASES_DIR / case / "expected.json"):
        entity = ENTITY_OF_TARGET[item["target"]]
        assert entity.undeclared(item["sage"]) == [], item["label"]
        for inner in entity.walk():
            for prop in inner:
                assert V.is_source(prop.source)


def test_every_document_kind_and_target_is_covered() -> None:
    kinds: set[DocKind] = set()
    targets: set[str] = set()
    for case in CASES:
        result = run_case(case)
        kinds.update(doc.kind for doc in result.documents)
        targets.update(item["target"] for item in result.payloads)
    assert kinds == set(DocKind)
    assert targets >= {"ar", "ap", "gl", "ic_adjustment", "ic_transfer"}


def test_master_loader_normalises_accounts() -> None:
    master = load_master(CASES_DIR / "ar_standard_hst" / "master.json")
    info = master.account("4000-10")
    assert info is not None
    assert (info.unformatted, info.formatted) == ("400010", "4000-10")
    assert master.rate_for("CAD", date(2026, 9, 30)) == (date(2026, 8, 31), Decimal("0.731847"))
    assert json.loads((MASTERS_DIR / "demo.json").read_text())["home_currency"] == "USD"
