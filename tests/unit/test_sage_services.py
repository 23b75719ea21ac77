"""The Sage-calling parts of the services against ``MockTransport`` answers written from the facts.

Master data (tax classes from the authorities' ``TaxClasses``, rate tables with their rules, the optional
company profile), payment sync reading MD16's amounts, and posting: ``ReadyToPost`` in the creating POST with
the I14 fallback, the posting processes, and the exactly-once rule after an unclear answer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from cwsage.connectwise.models import Invoice
from cwsage.domain.documents import DocKind, JournalDocument, JournalLine, SourceRef, SourceType
from cwsage.domain.location import DocumentLocation, DocumentPlace
from cwsage.domain.master import RateRule, SageMasterData
from cwsage.errors import ConfigurationError
from cwsage.mapping.dispatch import Target
from cwsage.mapping.validate import validate
from cwsage.sage300 import models as sg
from cwsage.sage300 import vocabulary as V
from cwsage.services.master import load_master
from cwsage.services.payment_plan import settle
from cwsage.services.payments import PaymentAction, PaymentRow
from cwsage.services.posting import Poster, PostSettings
from cwsage.services.progress import SilentProgress
from cwsage.services.targets import PostItem
from cwsage.state.store import DocState, StateStore

from .sage_fake import FakeSage, body_of, make_client, page, path_of, sage_error, sage_json

# -- master data ---------------------------------------------------------------------------------------


def master_routes(overrides: dict[tuple[str, str], Any] | None = None) -> dict[tuple[str, str], Any]:
    routes: dict[tuple[str, str], Any] = {
        ("GET", "CS/CSCompanyProfile"): page({"HomeCurrency": "USD", "Multicurrency": "Yes"}),
        ("GET", "IC/ICLocations"): page({"LocationKey": "MAIN", "Name": "Main", "LocationType": "Physical"}),
        ("GET", "CS/CSCurrencyRates"): page(
            {
                "ToCurrency": "USD",
                "RateType": "SP",
                "DateMatching": "Earlier",
                "RateOperation": "Multiply",
                "CurrencyRateDetail": [
                    {"FromCurrency": "CAD", "RateDate": "2026-08-31T00:00:00Z", "Rate": Decimal("0.731847")},
                    {"FromCurrency": "CAD", "RateDate": "2026-09-30T00:00:00Z", "Rate": Decimal("0.74")},
                ],
            },
            {
                "ToCurrency": "USD",
                "RateType": "AV",
                "CurrencyRateDetail": [{"FromCurrency": "CAD", "RateDate": "2026-08-31T00:00:00Z", "Rate": 1}],
            },
        ),
        ("GET", "CS/CSCurrencyCodes"): page(
            {"CurrencyCodeKey": "USD", "DecimalPlaces": "Num2"}, {"CurrencyCodeKey": "JPY", "DecimalPlaces": "Num0"}
        ),
        ("GET", "CS/CSFiscalCalendars"): page(
            {
                "FiscalYear": "2026",
                "Active": "Yes",
                "FiscalPeriod9StartDate": "2026-09-01T00:00:00Z",
                "FiscalPeriod9EndDate": "2026-09-30T00:00:00Z",
                "FiscalPeriod9Status": "Open",
            }
        ),
        ("GET", "TX/TXTaxAuthorities"): page(
            {
                "TaxAuthorityKey": "HSTON",
                "TaxClasses": [
                    {"Class": 1, "ClassType": "Customers", "TransactionType": "Sales", "Exempt": False},
                    {"Class": 1, "ClassType": "Vendors", "TransactionType": "Purchases", "Exempt": False},
                ],
            }
        ),
        ("GET", "IC/ICItems"): page(
            {"UnformattedItemNumber": "A14000", "ItemNumber": "A1-400/0", "StockItem": True},
            {"UnformattedItemNumber": "SVC", "StockItem": False},
        ),
        ("GET", "AR/ARCustomers"): page({"CustomerNumber": "ACME", "CurrencyCode": "CAD", "Status": "Active"}),
        ("GET", "AP/APVendors"): page({"VendorNumber": "DELL", "Status": "Inactive"}),
        ("GET", "GL/GLAccounts"): page({"UnformattedAccount": "400010", "AccountNumber": "4000-10"}),
        ("GET", "TX/TXTaxGroups"): page(
            {"TaxGroupKey": "ONT", "TransactionType": "Sales", "TaxAuthority1": "HSTON", "Taxable1": True}
        ),
        ("GET", "AR/ARTerms"): page({"TermsCode": "NET30"}),
        ("GET", "AP/APTerms"): page({"TermsCode": "N45"}),
    }
    routes.update(overrides or {})
    return routes


def test_master_data_from_the_facts_names() -> None:
    fake = FakeSage(master_routes())
    with make_client(fake) as client:
        master = load_master(client)
    assert master.home_currency == "USD" and master.multicurrency
    assert master.tax_classes == frozenset(
        {("HSTON", "Sales", "Customers", 1), ("HSTON", "Purchases", "Vendors", 1)}
    )  # from the authorities' TaxClasses: there is no TX/TXTaxClasses
    assert master.tax_authorities == frozenset({"HSTON"})
    assert master.rates == {
        "CAD": ((date(2026, 8, 31), Decimal("0.731847")), (date(2026, 9, 30), Decimal("0.74")))
    }  # only the SP table into the home currency
    assert master.rate_for("CAD", date(2026, 9, 15)) == (date(2026, 8, 31), Decimal("0.731847"))
    assert master.currency_decimals == {"USD": 2, "JPY": 0}
    assert master.items == {"A14000": True, "A1-400/0": True, "SVC": False}
    assert master.item_numbers["A14000"] == "A1-400/0"
    assert master.ic_locations == frozenset({"MAIN"})
    assert master.customers["ACME"].currency == "CAD"
    assert not master.vendors["DELL"].active
    assert master.account("4000-10") is not None and master.account("400010") is not None
    assert (master.terms, master.ap_terms) == (frozenset({"NET30"}), frozenset({"N45"}))
    assert master.period_for(date(2026, 9, 2)) is not None
    assert master.notes == ()
    assert all("TXTaxClasses" not in path for _, path in fake.calls())
    # one read per table: tax classes come with the authorities, the IC locations are the IC probe
    assert len(fake.requests) == 13


def test_master_data_without_inventory_control_reads_no_ic_table_but_the_probe() -> None:
    not_activated = sage_error(404, "ResourceNotFound", "Resource 'IC/ICLocations' was not found.")
    fake = FakeSage(master_routes({("GET", "IC/ICLocations"): not_activated}))
    with make_client(fake) as client:
        master = load_master(client)
    assert master.inventory_control is False
    assert (master.items, master.ic_locations) == ({}, frozenset())
    assert [path for _, path in fake.calls() if path.startswith("IC/")] == ["IC/ICLocations"]


def test_without_a_company_profile_the_home_currency_comes_from_the_rate_tables() -> None:
    """I2: the profile is optional; I4: a rate table's ``ToCurrency`` is the home currency."""
    fake = FakeSage(master_routes({("GET", "CS/CSCompanyProfile"): sage_error(404, "ResourceNotFound", "none")}))
    with make_client(fake) as client:
        master = load_master(client)
    assert master.home_currency == "USD"
    assert master.notes == ("Sage 300 has no company profile: the home currency is taken to be USD (I2)",)


def test_the_home_currency_setting_is_used_without_a_profile_and_never_against_it() -> None:
    """I2: the ``home_currency`` setting stands in for a company profile the user cannot read, never overrules it."""
    no_profile = master_routes({("GET", "CS/CSCompanyProfile"): sage_error(404, "ResourceNotFound", "none")})
    with make_client(FakeSage(no_profile)) as client:
        master = load_master(client, home_currency="CAD")
    assert master.home_currency == "CAD"
    assert master.notes == ("Sage 300 has no company profile: the home currency is CAD, as set (I2)",)
    with make_client(FakeSage(master_routes())) as client:
        master = load_master(client, home_currency="CAD")
    assert master.home_currency == "USD"  # the profile is Sage's own word
    assert len(master.notes) == 1 and "differs from Sage 300's company profile (USD)" in master.notes[0]


def test_without_profile_or_rates_the_home_currency_is_asked_for() -> None:
    routes = master_routes(
        {
            ("GET", "CS/CSCompanyProfile"): sage_error(404, "ResourceNotFound", "none"),
            ("GET", "CS/CSCurrencyRates"): page(),
        }
    )
    with make_client(FakeSage(routes)) as client, pytest.raises(ConfigurationError, match="home currency"):
        load_master(client)


def test_an_unknown_rate_rule_gives_no_rate_and_a_note() -> None:
    table = {
        "ToCurrency": "USD",
        "RateType": "SP",
        "DateMatching": "Nearest",
        "RateOperation": "Multiply",
        "CurrencyRateDetail": [{"FromCurrency": "CAD", "RateDate": "2026-08-31T00:00:00Z", "Rate": 1}],
    }
    with make_client(FakeSage(master_routes({("GET", "CS/CSCurrencyRates"): page(table)}))) as client:
        master = load_master(client)
    assert master.rate_for("CAD", date(2026, 9, 15)) is None  # reported, never guessed (I4)
    assert master.rate_problem("CAD") is not None
    assert any("CAD rate table cannot be used" in note for note in master.notes)
    assert any("DateMatching='Nearest'" in note for note in master.notes)


@pytest.mark.parametrize(
    ("matching", "day", "expected"),
    [
        ("Earlier", date(2026, 9, 15), date(2026, 9, 1)),
        ("Later", date(2026, 9, 15), date(2026, 10, 1)),
        ("Closest", date(2026, 9, 20), date(2026, 10, 1)),
        ("Closest", date(2026, 9, 10), date(2026, 9, 1)),
        ("Closest", date(2026, 9, 16), date(2026, 9, 1)),  # equally near: the earlier one
        ("Earlier", date(2026, 8, 31), None),
        ("Later", date(2026, 10, 2), None),
    ],
)
def test_date_matching_picks_the_rate_in_force(matching: str, day: date, expected: date | None) -> None:
    master = SageMasterData(
        home_currency="USD",
        rates={"CAD": ((date(2026, 9, 1), Decimal("0.73")), (date(2026, 10, 1), Decimal("0.74")))},
        rate_rules={"CAD": RateRule("Multiply", matching)},
    )
    found = master.rate_for("CAD", day)
    assert (found[0] if found else None) == expected


def test_divide_operation_converts_by_dividing() -> None:
    master = SageMasterData(home_currency="USD", rate_rules={"CAD": RateRule("Divide", "Earlier")})
    assert master.to_home(Decimal("136.64"), "CAD", Decimal("1.3664")) == Decimal(100)
    assert master.to_home(Decimal("10"), "USD", Decimal("2")) == Decimal(10)


# -- payment sync reads MD16's amounts -------------------------------------------------------------------


def _posted(**names: Any) -> sg.ARPostedDocument:
    body = {"CustomerNumber": "ACME", "DocumentNumber": "10001", "DocumentType": "Invoice", **names}
    return sg.ARPostedDocument.model_validate(body)


def test_payment_sync_reads_the_real_amounts() -> None:
    doc = _posted(
        CustomerCurrencyInvoiceAmount=Decimal("113.00"), CustomerCurrencyAmountDue=Decimal("13.00"), CurrencyCode="USD"
    )
    invoice = Invoice(id=7, invoice_number="10001", total=Decimal("113.00"))
    row = PaymentRow.of(settle(doc, invoice, [], today=date(2026, 10, 1)), preview=True)
    assert (row.action, row.paid) == (PaymentAction.CREATED, Decimal("100.00"))


def test_payment_sync_with_the_old_names_would_have_recorded_nothing_and_now_says_so() -> None:
    """The old client asked for ``CustCurrency…``: no amount came back and the sync said "nothing paid"."""
    doc = _posted(CustCurrencyInvoiceAmount=Decimal("113.00"), CustCurrencyAmountDue=Decimal("13.00"))
    invoice = Invoice(id=7, invoice_number="10001", total=Decimal("113.00"))
    row = PaymentRow.of(settle(doc, invoice, [], today=date(2026, 10, 1)), preview=True)
    assert row.action is PaymentAction.FAILED  # never "nothing paid yet" on a missing amount
    assert "CustomerCurrencyInvoiceAmount" in row.message


# -- posting: ReadyToPost in the POST (DR22), I14, processes (I12/I13), exactly once -------------------------


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with StateStore.open(f"sqlite:///{(tmp_path / 'state.db').as_posix()}") as opened:
        yield opened


def _ar_item(number: str) -> PostItem:
    invoice = sg.ARInvoice(
        customer_number="ACME",
        document_number=number,
        document_type="Invoice",
        invoice_details=[sg.ARInvoiceDetail(line_number=20, revenue_account="4000", extended_amount_with_tip=1)],
    )
    return PostItem(f"AR:{number}", Target.AR, number, "ACME", f"invoice {number}", invoice)


def _poster(fake: FakeSage, store: StateStore, items: list[PostItem], *, auto_post: bool) -> Poster:
    run = store.create_run(kind="run", batch_number="B1", options={}, actor="test")
    for item in items:
        store.put_document(
            run.id,
            item.key,
            kind="ar_invoice",
            source_type="invoice",
            source_id=item.document_number,
            document_number=item.document_number,
            state=DocState.VALIDATED,
            content_hash="x",
            gl_entry_ids=[1],
            payload=item.stored(),
        )
    settings = PostSettings(batch_number="B1", chunk_size=10, auto_post=auto_post, batch_date=date(2026, 9, 30))
    return Poster(make_client(fake), store, run.id, settings, SilentProgress())


def _created(status: str) -> httpx.Response:
    return sage_json(
        201,
        {
            "BatchNumber": 12,
            "BatchStatus": status,
            "Invoices": [{"CustomerNumber": "ACME", "DocumentNumber": "10001", "EntryNumber": 1}],
        },
    )


@pytest.mark.parametrize(("answered", "patched"), [("ReadyToPost", False), ("Open", True)])
def test_auto_post_sends_ready_to_post_in_the_creating_post(store: StateStore, answered: str, patched: bool) -> None:
    fake = FakeSage(
        {
            ("POST", "AR/ARInvoiceBatches"): _created(answered),
            ("PATCH", "AR/ARInvoiceBatches(12)"): httpx.Response(204),
            ("POST", "AR/ARPostInvoices('$template')"): sage_json(
                200, {"PostAllBatches": "", "PostBatchFrom": 0, "PostBatchTo": 0, "ActionSelector": ""}
            ),
            ("POST", "AR/ARPostInvoices('$process')"): httpx.Response(204),
        }
    )
    poster = _poster(fake, store, [_ar_item("10001")], auto_post=True)
    outcome = poster.post([_ar_item("10001")])
    (created,) = fake.bodies("POST", "AR/ARInvoiceBatches")
    assert created["BatchStatus"] == "ReadyToPost"
    assert V.AR_INVOICE_BATCH.undeclared(created) == []
    assert (("PATCH", "AR/ARInvoiceBatches(12)") in fake.calls()) is patched  # I14: only when still Open
    assert fake.bodies("POST", "AR/ARPostInvoices('$process')") == [
        {"PostAllBatches": "Donotpostallbatches", "PostBatchFrom": 12, "PostBatchTo": 12, "ActionSelector": ""}
    ]
    # Issue 12: where it landed is a typed value; after automatic posting it is posted, from batch 12 entry 1
    assert outcome.posted == {"AR:10001": DocumentLocation("AR", "10001", DocumentPlace.POSTED, "12", 1, "ACME")}
    assert outcome.posted["AR:10001"].describe() == "AR document 10001 (posted from batch 12, entry 1), customer ACME"
    assert outcome.warnings == []


def test_without_auto_post_the_batch_is_created_open_and_left_alone(store: StateStore) -> None:
    fake = FakeSage({("POST", "AR/ARInvoiceBatches"): _created("Open")})
    poster = _poster(fake, store, [_ar_item("10001")], auto_post=False)
    poster.post([_ar_item("10001")])
    (created,) = fake.bodies("POST", "AR/ARInvoiceBatches")
    assert "BatchStatus" not in created
    assert fake.calls() == [("POST", "AR/ARInvoiceBatches")]


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def test_a_refused_resend_is_looked_up_before_anything_is_rejected(store: StateStore) -> None:
    """Rule 4: the first POST's answer is lost; the resend is refused with a code that is not RecordDuplicate.
    A duplicate can no longer be recognised by message text, so cwsage looks again and finds the first one."""
    looked = {"n": 0}

    def posted(request: httpx.Request) -> httpx.Response:
        looked["n"] += 1
        if looked["n"] == 1:  # right after the timeout, the slow request has not landed yet
            return page()
        return page({"CustomerNumber": "ACME", "DocumentNumber": "10001", "BatchNumber": 12, "EntryNumber": 1})

    fake = FakeSage(
        {
            ("POST", "AR/ARInvoiceBatches"): [_timeout, sage_error(409, "RecordInvalid", "It already exists.")],
            ("GET", "AR/ARPostedDocuments"): posted,
            ("GET", "AR/ARInvoiceBatches"): page(),
        }
    )
    poster = _poster(fake, store, [_ar_item("10001")], auto_post=False)
    outcome = poster.post([_ar_item("10001")])
    assert outcome.rejected == {}
    assert "AR:10001" in outcome.posted
    assert fake.calls().count(("POST", "AR/ARInvoiceBatches")) == 2
    assert looked["n"] == 2
    document = store.get_document(poster.run_id, "AR:10001")
    assert document is not None and document.state == DocState.POSTED


def test_a_refused_resend_that_is_not_in_sage_is_rejected_with_sages_words(store: StateStore) -> None:
    fake = FakeSage(
        {
            ("POST", "AR/ARInvoiceBatches"): [_timeout, sage_error(409, "RecordInvalid", "Customer ACME is inactive.")],
            ("GET", "AR/ARPostedDocuments"): page(),
            ("GET", "AR/ARInvoiceBatches"): page(),
        }
    )
    poster = _poster(fake, store, [_ar_item("10001")], auto_post=False)
    outcome = poster.post([_ar_item("10001")])
    assert outcome.rejected == {"AR:10001": "Customer ACME is inactive."}
    assert fake.calls().count(("GET", "AR/ARPostedDocuments")) == 2  # looked after the timeout and the refusal


def test_a_resent_group_refused_for_one_document_found_posts_the_others_again(store: StateStore) -> None:
    items = [_ar_item("10001"), _ar_item("10002")]

    def posted(request: httpx.Request) -> httpx.Response:
        flt = request.url.params.get("$filter", "")
        if fake.calls().count(("POST", "AR/ARInvoiceBatches")) >= 2 and "'10001'" in flt:
            return page({"CustomerNumber": "ACME", "DocumentNumber": "10001", "BatchNumber": 11, "EntryNumber": 1})
        return page()

    fake = FakeSage(
        {
            ("POST", "AR/ARInvoiceBatches"): [
                _timeout,
                sage_error(409, "RecordDuplicate", "Document 10001 already exists."),
                sage_json(
                    201, {"BatchNumber": 13, "Invoices": [{"CustomerNumber": "ACME", "DocumentNumber": "10002"}]}
                ),
            ],
            ("GET", "AR/ARPostedDocuments"): posted,
            ("GET", "AR/ARInvoiceBatches"): page(),
        }
    )
    poster = _poster(fake, store, items, auto_post=False)
    outcome = poster.post(items)
    assert outcome.rejected == {}
    assert set(outcome.posted) == {"AR:10001", "AR:10002"}
    bodies = fake.bodies("POST", "AR/ARInvoiceBatches")
    assert [len(b["Invoices"]) for b in bodies] == [2, 2, 1]
    assert bodies[2]["Invoices"][0]["DocumentNumber"] == "10002"


def test_gl_batches_are_sent_ready_and_posted_with_glpostjournal(store: StateStore) -> None:
    header = sg.GLJournalHeader(
        source_ledger="GL",
        source_type="JE",
        description="CW-E1 Expense",
        journal_details=[
            sg.GLJournalDetail(account_number="6000", amount=Decimal(5), reference="CW-E1"),
            sg.GLJournalDetail(account_number="2100", amount=Decimal(-5), reference="CW-E1"),
        ],
    )
    item = PostItem("GL:CW-E1", Target.GL, "CW-E1", "", "expense CW-E1", header)
    fake = FakeSage(
        {
            ("POST", "GL/GLJournalBatches"): sage_json(201, {"BatchNumber": "000014", "Status": "Open"}),
            ("PATCH", "GL/GLJournalBatches('000014')"): httpx.Response(204),
            ("POST", "GL/GLPostJournal('$template')"): sage_json(
                200, {"PostAllBatches": "", "FromBatch": "", "ToBatch": "", "ActionSelector": ""}
            ),
            ("POST", "GL/GLPostJournal('$process')"): httpx.Response(204),
        }
    )
    poster = _poster(fake, store, [item], auto_post=True)
    outcome = poster.post([item])
    (created,) = fake.bodies("POST", "GL/GLJournalBatches")
    assert created["Status"] == "ReadyToPost" and "SourceLedger" not in created
    assert V.GL_JOURNAL_BATCH.undeclared(created) == []
    assert "Reference" not in created["JournalHeaders"][0]
    patch = next(r for r in fake.requests if r.method == "PATCH")
    assert body_of(patch) == {"BatchNumber": "000014", "Status": "ReadyToPost"}
    assert fake.bodies("POST", "GL/GLPostJournal('$process')") == [
        {"PostAllBatches": "Donotpostallbatches", "FromBatch": "000014", "ToBatch": "000014", "ActionSelector": ""}
    ]
    (where,) = outcome.posted.values()
    assert (where.system, where.where, where.batch_number) == ("GL", DocumentPlace.POSTED, "000014")
    assert all(path_of(r) != "GL/GLPostJournals('$process')" for r in fake.requests)


def test_a_document_in_a_currency_whose_rate_table_cannot_be_read_is_reported() -> None:
    """I4: an unknown ``DateMatching``/``RateOperation`` blocks that currency's documents with its own reason."""
    master = SageMasterData(
        home_currency="USD",
        currencies=frozenset({"USD", "CAD"}),
        rates={"CAD": ((date(2026, 9, 1), Decimal("0.73")),)},
        rate_rules={"CAD": RateRule("Multiply", "Nearest")},
    )
    doc = JournalDocument(
        key="GL:CW-E1",
        kind=DocKind.GL_JOURNAL,
        source=SourceRef(SourceType.EXPENSE, "expense", "1", "expense CW-E1"),
        document_number="CW-E1",
        document_date=date(2026, 9, 23),
        description="Expense",
        currency="CAD",
        gl_entry_ids=(1,),
        lines=(JournalLine("6000", Decimal(5), "x"), JournalLine("2100", Decimal(-5), "x")),
    )
    issues = [i for i in validate([doc], master) if i.field == "currency"]
    assert [i.code for i in issues] == ["exchange-rate-rule-unknown"]
    assert "'Nearest'" in issues[0].message


def test_terms_and_currency_lists_discovery_found_absent_are_not_asked_for_and_not_checked() -> None:
    """Issue 10: an optional list the server lacks or forbids gives nothing to validate against: the checks are
    skipped (validation treats an empty list as unknown) and the run's warnings say so."""
    fake = FakeSage(master_routes())
    with make_client(fake) as client:
        note = "Sage 300 AR/ARTerms is forbidden: terms codes are not checked before posting"
        client.adopt(
            dialect=None,
            md16_names=None,
            absent={"AR/ARTerms", "AP/APTerms", "CS/CSCurrencyCodes"},
            notes=[note],
        )
        master = load_master(client)
    assert (master.terms, master.ap_terms, master.currencies) == (frozenset(), frozenset(), frozenset())
    assert note in master.notes
    called = {path for _, path in fake.calls()}
    assert not called & {"AR/ARTerms", "AP/APTerms", "CS/CSCurrencyCodes"}
