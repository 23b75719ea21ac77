"""The vocabulary held against the facts: ER22's endpoints, MD16's entity types, PL's sample bodies.

The fixtures under ``tests/fixtures/sage300`` are generated from ``sage300-sdk-facts.md`` by
``make_samples.py``: a name tagged ``PL`` must appear, with a matching JSON type, in one of Sage's sample
bodies of its resource; a name tagged ``MD16`` in the 2016 metadata's entity type; a resource tagged ``ER22``
in the Endpoint Reference with the same kind and verbs. Names tagged ``secondary`` or ``I…`` are what the
facts do not show (``docs/sage300-inferred.md`` lists the decisions).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cwsage.sage300 import vocabulary as V
from cwsage.sage300.models import RESOURCE_MODELS

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sage300"
SAMPLES = FIXTURES / "samples"
ER22 = json.loads((FIXTURES / "er22_endpoints.json").read_text())
MD16 = json.loads((FIXTURES / "md16_entities.json").read_text())
SRC = Path(__file__).parents[2] / "src" / "cwsage"


def samples_of(resource: V.Resource) -> list[dict[str, Any]]:
    """Sage's sample bodies of a resource (``AR_ARInvoiceBatches.json``, ``AP_APInvoiceBatches_Invoice.json`` …)."""
    stem = resource.path.replace("/", "_")
    return [json.loads(p.read_text()) for p in sorted(SAMPLES.glob("*.json")) if re.fullmatch(f"{stem}(_.*)?", p.stem)]


def records(entity: V.Entity, bodies: list[dict[str, Any]]) -> Iterator[tuple[V.Entity, dict[str, Any]]]:
    """Every (entity, sample record) pair, walking detail collections alongside the declaration."""
    for body in bodies:
        yield entity, body
        for prop in entity:
            if prop.items is not None and isinstance(body.get(prop.name), list):
                yield from records(prop.items, body[prop.name])


def _json_type_matches(prop: V.Prop, value: Any) -> bool:
    if value is None:
        return True
    return {
        V.JsonType.STRING: isinstance(value, str),
        V.JsonType.DATE: isinstance(value, str),
        V.JsonType.INTEGER: isinstance(value, int) and not isinstance(value, bool),
        V.JsonType.NUMBER: isinstance(value, int | float) and not isinstance(value, bool),
        V.JsonType.BOOLEAN: isinstance(value, bool),
        V.JsonType.ARRAY: isinstance(value, list),
    }[prop.type]


SAMPLED = [r for r in V.RESOURCES if samples_of(r)]


def test_every_resource_cwsage_writes_or_reads_with_a_pl_sample_has_a_fixture() -> None:
    assert {r.path for r in SAMPLED} == {
        "AR/ARCustomers",
        "AR/ARTerms",
        "AR/ARInvoiceBatches",
        "AR/ARReceiptAndAdjustmentBatches",
        "AP/APVendors",
        "AP/APTerms",
        "AP/APInvoiceBatches",
        "CS/CSCurrencyCodes",
        "CS/CSCurrencyRates",
        "GL/GLAccounts",
        "GL/GLJournalBatches",
        "IC/ICAdjustments",
        "IC/ICTransfers",
        "IC/ICItems",
        "IC/ICLocations",
    }


@pytest.mark.parametrize("resource", SAMPLED, ids=lambda r: r.path)
def test_pl_names_are_spelt_and_typed_as_sages_samples(resource: V.Resource) -> None:
    seen: dict[tuple[str, str], list[Any]] = {}
    for entity, record in records(resource.entity, samples_of(resource)):
        for name, value in record.items():
            seen.setdefault((entity.name, name), []).append(value)
    for entity in resource.entity.walk():
        for prop in entity:
            values = seen.get((entity.name, prop.name))
            if prop.source == V.PL:
                assert values is not None, f"{resource}: {entity.name}.{prop.name} is tagged PL but no sample has it"
            for value in values or ():
                assert _json_type_matches(prop, value), f"{entity.name}.{prop.name}: {value!r} is not {prop.type}"
                if prop.members and isinstance(value, str):
                    assert value in prop.members, f"{entity.name}.{prop.name}: PL shows {value!r}"


def _md16_entity(entity: V.Entity) -> dict[str, Any] | None:
    return MD16.get(entity.name)  # type: ignore[no-any-return]


def _declared_entities() -> Iterator[V.Entity]:
    seen: set[int] = set()
    for resource in V.RESOURCES:
        for entity in resource.entity.walk():
            if id(entity) not in seen:
                seen.add(id(entity))
                yield entity


def test_md16_names_are_in_the_2016_metadata() -> None:
    edm = {
        V.JsonType.STRING: {"String"},
        V.JsonType.DATE: {"DateTime"},
        V.JsonType.NUMBER: {"Decimal"},
        V.JsonType.INTEGER: {"Decimal", "Int32", "Int64"},
        V.JsonType.ARRAY: None,  # collections are written as their element type
    }
    checked = 0
    for entity in _declared_entities():
        for prop in entity:
            tagged_md16 = prop.source == V.MD16
            if not tagged_md16:
                continue
            md16 = _md16_entity(entity)
            assert md16 is not None, f"{entity.name} is not an MD16 entity type, yet {prop.name} is tagged MD16"
            names = [prop.name, *prop.alternatives]
            found = [n for n in names if n in md16["properties"]]
            assert found, f"MD16 {entity.name} has no {prop.name}"
            allowed = edm[prop.type]
            if allowed is not None:
                assert md16["properties"][found[0]] in allowed, (entity.name, prop.name)
            checked += 1
    assert checked >= 40


def test_md16_alternatives_are_md16s_own_names() -> None:
    terms = V.AR_TERMS.entity.prop("TermsCode")
    assert terms.alternatives == ("TermsCodeKey",)
    assert MD16["TermsCode"]["key"] == ["TermsCodeKey"]
    assert V.AR_INVOICE_BATCHES.alternatives == ("AR/InvoiceBatches",)  # MD16: no module prefix then


def test_md16_keys_are_the_resources_keys() -> None:
    assert MD16["PostedDocument"]["key"] == list(V.AR_POSTED_DOCUMENTS.key)
    assert MD16["ReceiptAndAdjustmentBatch"]["key"] == list(V.AR_RECEIPT_BATCHES.key)
    assert MD16["InvoiceBatch"]["key"] == list(V.AR_INVOICE_BATCHES.key)


@pytest.mark.parametrize("resource", [r for r in V.RESOURCES if r.source == V.ER22], ids=lambda r: r.path)
def test_resources_are_er22_endpoints_with_their_kind_and_verbs(resource: V.Resource) -> None:
    endpoint = ER22.get(resource.name)
    assert endpoint is not None, f"{resource.name} is not in ER22"
    assert endpoint["kind"] == resource.kind.value
    assert set(endpoint["verbs"]) == {v.value for v in resource.verbs}
    assert resource.module == resource.name[:2]  # ER22: the module is the resource's first two letters


def test_names_er22_does_not_have_are_not_used() -> None:
    """There is no ``GL/GLPostJournals``, no ``TX/TXTaxClasses`` and no ``-/Companies`` in ER22."""
    assert "GLPostJournals" not in ER22 and "TXTaxClasses" not in ER22 and "Companies" not in ER22
    paths = {r.path for r in V.RESOURCES}
    assert "GL/GLPostJournal" in paths and "GL/GLPostJournals" not in paths
    assert "TX/TXTaxClasses" not in paths
    assert V.COMPANIES.source == "I1"  # the one resource outside ER22, inferred and optional
    assert V.COMPANIES.jobs == {V.Job.LOGIN: V.Need.OPTIONAL}


def test_every_name_has_a_source_and_every_resource_a_job() -> None:
    for entity in _declared_entities():
        for prop in entity:
            assert V.is_source(prop.source), (entity.name, prop.name, prop.source)
    for resource in V.RESOURCES:
        assert resource.jobs, resource.path
        assert V.is_source(resource.source)
    assert V.resources_for(V.Job.SYNC_PAYMENTS) == (V.AR_POSTED_DOCUMENTS,)
    optional = {r.path for r in V.resources_for(V.Job.RUN, V.Need.OPTIONAL)}
    assert {"CS/CSCompanyProfile", "IC/ICItems", "AP/APPostedDocuments", "GL/GLPostJournal"} <= optional
    assert "AR/ARInvoiceBatches" in {r.path for r in V.resources_for(V.Job.RUN, V.Need.REQUIRED)}


def test_a_declaration_rejects_bad_sources_and_duplicates() -> None:
    with pytest.raises(V.VocabularyError):
        V.Entity("X", (V.Prop("A", V.JsonType.STRING, "guess"),))
    with pytest.raises(V.VocabularyError):
        V.Entity("X", (V.Prop("A", V.JsonType.STRING, "PL"), V.Prop("A", V.JsonType.STRING, "PL")))
    with pytest.raises(V.VocabularyError):
        V.Entity("X", (V.Prop("A", V.JsonType.ARRAY, "PL"),))  # an array without its elements
    assert V.is_source("I25") and V.is_source("I32") and not V.is_source("I33") and not V.is_source("D11")


def test_undeclared_finds_names_in_details() -> None:
    body = {"BatchDate": "x", "Invoices": [{"CustomerNumber": "C", "TaxAmountControl": "Enter"}]}
    assert V.AR_INVOICE_BATCH.undeclared(body) == ["Invoices[0].TaxAmountControl"]


def test_every_resource_with_records_has_a_model() -> None:
    records_kinds = {V.Kind.MASTER, V.Kind.TRANSACTION, V.Kind.GET_ONLY, V.Kind.SERVICE}
    assert {r.path for r in V.RESOURCES if r.kind in records_kinds} == set(RESOURCE_MODELS)
    for path, model in RESOURCE_MODELS.items():
        resource = next(r for r in V.RESOURCES if r.path == path)
        assert model.sage_entity is resource.entity


# -- no Sage name in the client that the vocabulary does not declare ---------------------------------

_WORDS = {  # PascalCase strings in those modules that are not Sage names
    "Sage",
    "Basic",
    "Accept",
    "Content-Type",
    "Retry-After",
    "AR",
    "AP",
    "GL",
    "IC",
}


def _vocabulary_words() -> set[str]:
    words: set[str] = set()
    for entity in _declared_entities():
        words.add(entity.name)
        for prop in entity:
            words.update({prop.name, *prop.members, *prop.alternatives})
    for resource in V.RESOURCES:
        words.update({resource.name, resource.module, *resource.key})
    words.update(code.value for code in V.ErrorCode)
    return words


@pytest.mark.parametrize(
    "module",
    [
        "sage300/client.py",
        "sage300/models.py",
        "mapping/to_sage.py",
        "services/posting.py",
        "services/master.py",
        "services/payments.py",
        "sandbox/demo.py",
    ],
)
def test_no_undeclared_sage_name_is_written_in_the_code(module: str) -> None:
    """Every string literal that looks like a Sage name (PascalCase, no spaces) is declared in the vocabulary."""
    tree = ast.parse((SRC / module).read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    fragments = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    known = _vocabulary_words() | _WORDS
    suspicious = sorted(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and id(node) not in fragments  # f-string pieces: messages, or names checked by Entity.name_of at run time
        and re.fullmatch(r"[A-Z][a-z]+(?:[A-Z0-9][A-Za-z0-9]*)+", node.value)
        and node.value not in known
    )
    assert suspicious == []


def test_i25_names_are_declared_and_tagged_i25() -> None:
    """The lead's I25 decision: AP invoices and GL headers carry ``PostingDate``, AP invoices AR's currency fields,
    foreign GL details their source currency and rate; each name is tagged with the decision, not a fact."""
    expected = {
        V.AP_INVOICE: ("PostingDate", "CurrencyCode", "RateType", "RateDate", "ExchangeRate", "RateOverridden"),
        V.GL_JOURNAL_HEADER: ("PostingDate",),
        V.GL_JOURNAL_DETAIL: ("SourceCurrency", "CurrencyRate"),
    }
    for entity, names in expected.items():
        for name in names:
            assert entity.prop(name).source == "I25", (entity.name, name)
    assert "CurrencyRateDate" not in V.GL_JOURNAL_DETAIL  # neither I25 nor the emulator declares it
    assert V.AR_INVOICE.prop("PostingDate").source == "MD16"  # AR already had it from the facts
