"""Sage300Client against the Sage 300 emulator over real HTTP on 127.0.0.1: the two halves of issue 9 meeting.

The client was written from ``cwsage.sage300.vocabulary``, the emulator from the facts file, independently; here
the real client talks to the strict emulator (500 without the JSON Content-Type, 400 ``InvalidPayload`` for an
unknown property or a wrong JSON type, Sage's error codes) for every job cwsage has — master data, every
document kind, Ready To Post, the posting processes, look-ups after an unclear answer, receipts, posted
documents — and through every fault kind the emulator injects (latency, 429, 5xx, hang, dropped connection).
Each test also checks what went over the wire (the request log) or what the emulator holds (``store``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from cwsage.domain.location import DocumentLocation, DocumentPlace
from cwsage.errors import (
    AmbiguousOutcome,
    AuthenticationError,
    BugError,
    DuplicateDocument,
    RemoteRejection,
    TransientError,
)
from cwsage.http import RetryPolicy
from cwsage.mapping import to_sage
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.client import POST_AP_INVOICES, POST_AR_INVOICES, POST_GL_JOURNAL, Sage300Client, SageNotFound
from cwsage.sage300.models import (
    APInvoice,
    APInvoiceBatch,
    APInvoiceDetail,
    ARAppliedReceipt,
    ARInvoice,
    ARInvoiceBatch,
    ARInvoiceDetail,
    ARReceipt,
    ARReceiptBatch,
    GLJournalBatch,
    GLJournalDetail,
    GLJournalHeader,
    ICAdjustment,
    ICAdjustmentDetail,
    ICTransfer,
    ICTransferDetail,
    gl_batch_key,
)
from cwsage.sandbox.faults import Fault
from cwsage.sandbox.sage300.app import NO_CONTENT_TYPE, SESSION_COOKIE, SageEmulator
from cwsage.services.master import load_master
from cwsage.services.targets import APInvoices, ARInvoices, GLJournals, ICAdjustments, ICTransfers

from .conftest import SAGE_PAGE_SIZE, RequestLog, Sleeps, sage_settings, serve_sage

DAY = date(2026, 9, 30)
AR_BATCHES = "ARInvoiceBatches"
CASH = V.ReceiptBatchType.CASH.value


def ic_find(sage: Sage300Client, references: list[str]) -> dict[str, DocumentLocation]:
    """Where IC adjustments and transfers with these references are (both targets looked at, as cwsage does)."""
    return {**ICAdjustments().find(sage, references), **ICTransfers().find(sage, references)}


def ar_batch(
    *numbers: str, customer: str = "WINDYCITY", description: str = "cwsage contract AR", ready: bool = False
) -> ARInvoiceBatch:
    return ARInvoiceBatch(
        description=description,
        batch_date=DAY,
        batch_status=V.BatchStatus.READY_TO_POST.value if ready else None,
        invoices=[
            ARInvoice(
                customer_number=customer,
                document_number=number,
                document_type=V.ARDocumentType.INVOICE.value,
                invoice_description=f"CW invoice {number}",
                document_date=DAY,
                posting_date=DAY,
                do_not_calculation_tax=True,
                invoice_details=[
                    ARInvoiceDetail(
                        revenue_account="400010",
                        description="Managed services",
                        extended_amount_with_tip=Decimal("1000.00"),
                    )
                ],
                document_total_including_tax=Decimal("1000.00"),
            )
            for number in numbers
        ],
    )


def ap_batch(*numbers: str, vendor: str = "DELL") -> APInvoiceBatch:
    return APInvoiceBatch(
        description="cwsage contract AP",
        batch_date=DAY,
        invoices=[
            APInvoice(
                vendor_number=vendor,
                document_number=number,
                document_type=V.APDocumentType.INVOICE.value,
                document_date=DAY,
                posting_date=DAY,
                do_not_calculation_tax=True,
                document_total_including_tax=Decimal("2000.00"),
                invoice_details=[
                    APInvoiceDetail(
                        gl_account="500030", distribution_description="Hardware", distributed_amount=Decimal("2000.00")
                    )
                ],
            )
            for number in numbers
        ],
    )


def gl_header(key: str = "CW-EXP-1") -> GLJournalHeader:
    return GLJournalHeader(
        source_ledger="GL",
        source_type="JE",
        description=f"{key} contract journal",
        document_date=DAY,
        posting_date=DAY,
        journal_details=[
            GLJournalDetail(
                account_number="510010",
                amount=Decimal("100.00"),
                source_currency_amount=Decimal("100.00"),
                reference=key,
            ),
            GLJournalDetail(
                account_number="210000",
                amount=Decimal("-100.00"),
                source_currency_amount=Decimal("-100.00"),
                reference=key,
            ),
        ],
    )


def gl_batch(key: str = "CW-EXP-1", *, ready: bool = False) -> GLJournalBatch:
    return GLJournalBatch(
        status=V.BatchStatus.READY_TO_POST.value if ready else None,
        description="cwsage contract GL",
        journal_headers=[gl_header(key)],
    )


def ic_adjustment(reference: str = "CW-ADJ-1") -> ICAdjustment:
    return ICAdjustment(
        description="adj",
        adjustment_date=DAY,
        reference=reference,
        adjustment_details=[
            ICAdjustmentDetail(
                item_number="PATCH10",
                location="MAIN",
                transaction_type=V.ICAdjustmentType.BOTH_INCREASE.value,
                quantity=Decimal(10),
                cost_adjustment=Decimal("12.50"),
            )
        ],
    )


def ic_transfer(reference: str = "CW-TR-1") -> ICTransfer:
    return ICTransfer(
        description="tr",
        document_date=date(2026, 10, 1),
        reference=reference,
        document_type=V.ICTransferType.TRANSFER.value,
        transfer_details=[
            ICTransferDetail(
                line_number=1,
                item_number="SWITCH24",
                from_location="MAIN",
                to_location="VAN1",
                quantity_transferred=Decimal(2),
            )
        ],
    )


def ar_batch_count(emu: SageEmulator) -> int:
    return len(emu.store.ar_batches())


def refusals(emu: SageEmulator) -> dict[str, int]:
    """What the emulator refused since the last reset, per error code (``/_sandbox/state``)."""
    return dict(emu.state()["refusals"])


# -- connection ------------------------------------------------------------------------------------------------


def test_basic_auth_session_cookie_and_json_content_type_on_every_request(
    sage: Sage300Client, sage_emu: SageEmulator, sage_log: RequestLog
) -> None:
    profile = sage.company_profile()
    assert profile is not None and profile.home_currency == "USD"
    assert sage.get_customer("ACME001") is not None
    assert sage.gl_accounts()
    api = [s for s in sage_log.seen if s.path.startswith("/Sage300WebApi")]
    assert len(api) >= 3
    assert "cookie" not in api[0].headers  # the first request logs in with Basic only
    assert all(s.headers["authorization"].startswith("Basic ") for s in api)
    # DR22: Content-Type on every request, GETs included (a real server answers 500 otherwise)
    assert all(s.headers.get("content-type", "").startswith("application/json") for s in api)
    cookies = {s.headers.get("cookie", "") for s in api[1:]}
    assert len(cookies) == 1
    assert next(iter(cookies)).startswith(f"{SESSION_COOKIE}=")
    assert len(sage_emu._sessions & {next(iter(cookies)).split("=", 1)[1]}) == 1
    assert refusals(sage_emu) == {}


def test_bad_password_is_authentication_error(sage_emu: SageEmulator, sage_url: str, policy: RetryPolicy) -> None:
    with (
        Sage300Client(sage_settings(sage_url, password="wrong"), policy=policy) as client,
        pytest.raises(AuthenticationError) as caught,
    ):
        client.gl_accounts()
    assert (caught.value.status_code, caught.value.remote_code) == (401, "Unauthorized")
    assert "password" in caught.value.user_message.lower()


def test_admin_refused_unless_allowed(sage_emu: SageEmulator, sage_url: str, policy: RetryPolicy) -> None:
    with Sage300Client(sage_settings(sage_url, user="admin", password="ADMIN"), policy=policy) as client:
        with pytest.raises(AuthenticationError) as caught:
            client.customers()
        assert "AllowWebApiAccessForAdmin" in caught.value.user_message
        sage_emu.allow_admin = True
        assert client.customers()


def test_server_url_with_api_suffix(sage_emu: SageEmulator, sage_url: str, policy: RetryPolicy) -> None:
    with Sage300Client(sage_settings(sage_url + "/Sage300WebApi/v1.0/-/CWDEMO/"), policy=policy) as client:
        assert client.get_vendor("DELL") is not None


def test_unknown_company_is_a_db_link_error(sage_emu: SageEmulator, sage_url: str) -> None:
    policy = RetryPolicy(max_attempts=1, sleep=lambda _: None, jitter=lambda: 1.0)
    with (
        Sage300Client(sage_settings(sage_url, company="NOSUCH"), policy=policy) as client,
        pytest.raises(TransientError) as caught,
    ):
        client.customers()
    assert (caught.value.status_code, caught.value.remote_code) == (500, "DBLinkError")


def test_companies_list_only_where_the_installation_serves_it(sage: Sage300Client, policy: RetryPolicy) -> None:
    """I1: ``-/Companies`` is not in ER22; the default installation answers 404, a site that has it lists one."""
    with pytest.raises(SageNotFound) as caught:
        sage.companies()
    assert caught.value.remote_code == "ResourceNotFound"
    with serve_sage(companies_list=True) as (_, url, log), Sage300Client(sage_settings(url), policy=policy) as client:
        assert [(c.company_id, c.company_name) for c in client.companies()] == [("CWDEMO", "Northwind Managed IT")]
        assert log.seen[0].path == "/Sage300WebApi/v1.0/-/Companies"


# -- master data and paging ----------------------------------------------------------------------------------


def test_master_data_readers_follow_next_links(sage: Sage300Client, sage_log: RequestLog) -> None:
    customers = sage.customers()
    numbers = [c.customer_number for c in customers]
    assert len(numbers) > SAGE_PAGE_SIZE
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == len(numbers)
    assert sage_log.count("GET", "/AR/ARCustomers") == -(-len(numbers) // SAGE_PAGE_SIZE)
    assert any("%24skip" in s.query or "$skip" in s.query for s in sage_log.seen)
    readers: list[Callable[[], list[Any]]] = [
        sage.currencies,
        sage.currency_rates,
        sage.fiscal_calendars,
        sage.gl_accounts,
        sage.tax_groups,
        sage.tax_authorities,
        sage.ar_terms,
        sage.vendors,
        sage.ap_terms,
        sage.items,
        sage.ic_locations,
    ]
    for reader in readers:
        assert reader(), reader.__name__
    assert len(sage.gl_accounts()) > SAGE_PAGE_SIZE
    assert sage.has_inventory_control() is True
    customer = sage.get_customer("ACME001")
    assert customer is not None and customer.customer_name == "Acme Corp" and customer.currency_code == "CAD"
    assert sage.get_customer("NOSUCH") is None
    assert sage.get_vendor("DELL") is not None
    item = sage.get_item("LAPTOPX1")  # PL: items are keyed by their unformatted number
    assert item is not None and item.item_number == "LAPTOP-X1" and item.stock_item is True
    assert sage.warnings == []  # every enum member the emulator sends is one the vocabulary knows


def test_shapes_the_facts_contradicted_are_read_right(sage: Sage300Client) -> None:
    """Tax classes are each authority's ``TaxClasses`` (keyed ``TaxAuthorityKey``); currency codes ``CurrencyCodeKey``
    with ``DecimalPlaces`` an enum; rate tables a header with ``CurrencyRateDetail[]``; vendors ``NotOnHold``;
    tax groups' ``Taxable1..5`` booleans; terms ``TermsPaymentSchedules`` / ``TermsPaymentSchedule``."""
    authorities = {a.tax_authority_key: a for a in sage.tax_authorities()}
    assert "ILSTATE" in authorities and authorities["ILSTATE"].tax_classes
    assert all(isinstance(c.tax_class, int) for a in authorities.values() for c in a.tax_classes)
    assert {c.currency_code_key: c.decimals for c in sage.currencies()} == {"CAD": 2, "USD": 2}
    (table,) = sage.currency_rates()
    assert (table.to_currency, table.rate_type, table.rate_operation) == ("USD", "SP", "Multiply")
    assert {d.from_currency for d in table.currency_rate_detail} == {"CAD"}
    assert all(v.on_hold in (None, *V.VendorOnHold) for v in sage.vendors())
    chicago = next(g for g in sage.tax_groups() if g.tax_group_key == "CHICAGO")
    assert chicago.taxable_1 is True and chicago.authorities == ["ILSTATE", "COOKCTY", "CHICITY"]
    assert all(t.terms_payment_schedules for t in sage.ar_terms())
    assert all(t.terms_payment_schedule for t in sage.ap_terms())
    assert {loc.location_key for loc in sage.ic_locations()} == {"MAIN", "VAN1"}


def test_load_master_sees_the_demo_company_and_its_planted_gaps(sage: Sage300Client, sage_emu: SageEmulator) -> None:
    master = load_master(sage)
    assert master.home_currency == "USD" and master.multicurrency is True and master.inventory_control is True
    assert "BLUEHERON" not in master.customers and "ACME001" in master.customers
    assert master.account("4600-10") is None and master.account("4000-10") is not None
    assert "DENCITY" not in master.tax_authorities and "ILSTATE" in master.tax_authorities
    assert master.item_numbers["LAPTOPX1"] == "LAPTOP-X1"
    assert master.rate_for("CAD", DAY) == (date(2026, 9, 15), Decimal("0.7298"))
    assert master.period_for(DAY) is not None
    assert master.notes == ()
    assert refusals(sage_emu) == {}


def test_without_company_profile_the_home_currency_comes_from_the_rate_tables(policy: RetryPolicy) -> None:
    with serve_sage(company_profile=False) as (emu, url, _), Sage300Client(sage_settings(url), policy=policy) as client:
        master = load_master(client)
        assert master.home_currency == "USD"
        assert any("no company profile" in note for note in master.notes)
        assert client.company_profile() is None
        # one 404 per reading of the profile; the resource names were known from load_master's first read
        assert refusals(emu) == {"ResourceNotFound": 2}


def test_without_inventory_control(sage: Sage300Client, sage_emu: SageEmulator) -> None:
    sage_emu.inventory_control = False
    assert sage.has_inventory_control() is False
    assert sage.items() == []
    assert sage.ic_locations() == []
    assert ic_find(sage, ["CW-ADJ-1"]) == {}
    assert load_master(sage).inventory_control is False


def test_a_module_without_rights_is_an_authentication_error(policy: RetryPolicy) -> None:
    with serve_sage(forbidden_modules={"AP"}) as (_, url, _log), Sage300Client(sage_settings(url), policy=policy) as c:
        assert c.customers()
        with pytest.raises(AuthenticationError) as caught:
            c.vendors()
        assert (caught.value.status_code, caught.value.remote_code) == (403, "Forbidden")


def test_a_2016_installation_is_read_and_written_under_its_own_names(policy: RetryPolicy) -> None:
    """The 2016 dialect (MD16): entity sets without the module prefix and ``TermsCodeKey``, learnt once from the
    first read; OData v3 (decimals as strings, ``datetime'…'`` literals, learnt from ``$metadata``); ``BatchStatus``
    ignored in a creating POST (I14) and no ``('$template')`` (the declared parameter names of I13 are used)."""
    with serve_sage(version="2016") as (emu, url, log), Sage300Client(sage_settings(url), policy=policy) as client:
        master = load_master(client)
        assert client.md16_names is True
        assert master.home_currency == "USD" and "NET30" in master.terms and "ILSTATE" in master.tax_authorities
        assert master.rate_for("CAD", DAY) == (date(2026, 9, 15), Decimal("0.7298"))
        assert any(s.path.endswith("/AR/Terms") and "TermsCodeKey" in s.query for s in log.seen)
        made = client.create(V.AR_INVOICE_BATCHES, ar_batch("CW-2016", ready=True))
        assert made.batch_number is not None and made.batch_status == "Open"  # ReadyToPost in a POST: ignored
        assert client.ensure_ready(V.AR_INVOICE_BATCHES, made.batch_number, made.batch_status) is True
        client.post_batches(POST_AR_INVOICES, made.batch_number)
        (posted,) = client.posted_ar_documents(changed_since=DAY, document_numbers=["CW-2016"])
        assert (posted.customer_currency_amount_due, posted.posting_date) == (Decimal("1000.00"), DAY)
        assert client.dialect is not None and client.dialect.value == "v3"
        assert any("datetime'2026-09-30" in unquote(s.query) for s in log.seen)
        assert log.count("POST", "/AR/PostInvoices('$template')") == 1
        assert log.count("POST", "/AR/PostInvoices('$process')") == 1
        assert not any("/AR/AR" in s.path for s in log.seen if s.method != "GET")
        # what the installation refused: the one read that found out its names, and the template it lacks
        assert refusals(emu) == {"MethodNotAllowed": 1, "ResourceNotFound": 1}


# -- documents and look-ups ------------------------------------------------------------------------------------


def test_ar_batch_open_ready_posted(sage: Sage300Client, sage_log: RequestLog) -> None:
    made = sage.create(V.AR_INVOICE_BATCHES, ar_batch("CW-1001", "CW-1002"))
    assert made.batch_number is not None and made.batch_status == "Open"
    assert [i.document_number for i in made.invoices] == ["CW-1001", "CW-1002"]
    found = ARInvoices().find(sage, ["CW-1001", "CW-1002", "CW-NONE"])
    assert set(found) == {"CW-1001", "CW-1002"}
    assert found["CW-1001"].where is DocumentPlace.OPEN_BATCH
    assert found["CW-1001"].batch_number == str(made.batch_number)
    assert found["CW-1001"].party == "WINDYCITY"
    assert sage.ensure_ready(V.AR_INVOICE_BATCHES, made.batch_number, made.batch_status) is True  # PATCHed (I14)
    assert ARInvoices().find(sage, ["CW-1001"])["CW-1001"].where is DocumentPlace.READY_BATCH
    sage.post_batches(POST_AR_INVOICES, made.batch_number)
    batch = sage.get(V.AR_INVOICE_BATCHES, made.batch_number, ARInvoiceBatch)
    assert batch is not None and batch.batch_status == "Posted"
    assert ARInvoices().find(sage, ["CW-1002"])["CW-1002"].where is DocumentPlace.POSTED
    posted = sage.posted_ar_documents(document_numbers=["CW-1001", "CW-1002"])
    assert sorted(d.document_number for d in posted) == ["CW-1001", "CW-1002"]
    assert all(d.customer_currency_amount_due == Decimal("1000.00") for d in posted)
    assert all(d.posting_date == DAY for d in posted)
    assert sage.get(V.AR_INVOICE_BATCHES, 99999, ARInvoiceBatch) is None
    assert sage_log.count("POST", "ARPostInvoices('$template')") == 1


def test_ready_to_post_in_the_creating_post_needs_no_patch_and_templates_are_read_once(
    sage: Sage300Client, sage_log: RequestLog
) -> None:
    """DR22: ``BatchStatus: ReadyToPost`` in the POST (2021+); the process's template is learnt once per connection."""
    for number in ("CW-R2021", "CW-R2022"):
        made = sage.create(V.AR_INVOICE_BATCHES, ar_batch(number, ready=True))
        assert made.batch_status == "ReadyToPost" and made.batch_number is not None
        assert sage.ensure_ready(V.AR_INVOICE_BATCHES, made.batch_number, made.batch_status) is False
        sage.post_batches(POST_AR_INVOICES, made.batch_number)
        assert ARInvoices().find(sage, [number])[number].where is DocumentPlace.POSTED
    assert sage_log.count("PATCH", AR_BATCHES) == 0
    assert sage_log.count("POST", "ARPostInvoices('$template')") == 1
    assert sage_log.count("POST", "ARPostInvoices('$process')") == 2


def test_a_batch_is_deleted_by_its_status_never_by_delete(sage: Sage300Client, sage_log: RequestLog) -> None:
    """ER22 gives batches no DELETE (I29): PATCH the status to ``Deleted``; the document number is free again."""
    made = sage.create(V.AR_INVOICE_BATCHES, ar_batch("CW-DEL"))
    assert made.batch_number is not None
    with pytest.raises(BugError, match="does not allow DELETE"):
        sage.delete(V.AR_INVOICE_BATCHES, made.batch_number)
    assert sage_log.count("DELETE", AR_BATCHES) == 0
    key = made.batch_number
    sage.patch(V.AR_INVOICE_BATCHES, key, {"BatchNumber": key, "BatchStatus": V.BatchStatus.DELETED.value})
    assert ARInvoices().find(sage, ["CW-DEL"]) == {}
    assert sage.create(V.AR_INVOICE_BATCHES, ar_batch("CW-DEL")).batch_number is not None
    with pytest.raises(TransientError) as caught:  # a deleted batch refuses every change: General (I29)
        sage.patch(V.AR_INVOICE_BATCHES, key, {"BatchNumber": key, "BatchStatus": V.BatchStatus.DELETED.value})
    assert caught.value.remote_code == "General"


def test_ap_batch_open_ready_posted(sage: Sage300Client) -> None:
    made = sage.create(V.AP_INVOICE_BATCHES, ap_batch("INV-1"))
    assert made.batch_number is not None
    key = ("DELL", "INV-1")
    assert set(APInvoices().find(sage, [key, ("CDW", "INV-1")])) == {key}
    assert APInvoices().find(sage, [key])[key].where is DocumentPlace.OPEN_BATCH
    sage.ensure_ready(V.AP_INVOICE_BATCHES, made.batch_number, None)
    assert APInvoices().find(sage, [key])[key].where is DocumentPlace.READY_BATCH
    sage.post_batches(POST_AP_INVOICES, made.batch_number)
    batch = sage.get(V.AP_INVOICE_BATCHES, made.batch_number, APInvoiceBatch)
    assert batch is not None and batch.batch_status == "Posted"
    assert APInvoices().find(sage, [key])[key].where is DocumentPlace.POSTED  # from AP/APPostedDocuments (I18)


def test_foreign_ap_invoice_carries_its_currency_rate_and_posting_date(
    sage: Sage300Client, sage_emu: SageEmulator
) -> None:
    """I25 (shared): an AP invoice in the vendor's foreign currency, with AR's currency names and Sage's rate."""
    master = load_master(sage)
    invoice = ap_batch("EXP-CAD-1", vendor="EMP-JSMITH").invoices[0]
    rate_date, rate = master.rate_for("CAD", DAY) or (None, None)
    invoice = invoice.model_copy(
        update={
            "currency_code": "CAD",
            "rate_type": "SP",
            "rate_date": rate_date,
            "exchange_rate": rate,
            "rate_overridden": False,
            "invoice_details": [invoice.invoice_details[0].model_copy(update={"gl_account": "511010"})],
        }
    )
    made = sage.create(
        V.AP_INVOICE_BATCHES, APInvoiceBatch(batch_date=DAY, description="cwsage I25", invoices=[invoice])
    )
    (entry,) = made.invoices
    assert (entry.currency_code, entry.rate_type, entry.rate_date, entry.exchange_rate) == (
        "CAD",
        "SP",
        date(2026, 9, 15),
        Decimal("0.7298"),
    )
    assert entry.posting_date == DAY
    assert sage_emu.store.ap_batches()[-1]["Invoices"][0]["FiscalPeriod"] == "09"
    assert refusals(sage_emu) == {}


def test_gl_batch_open_ready_posted_in_its_own_period(sage: Sage300Client, sage_emu: SageEmulator) -> None:
    made = sage.create(V.GL_JOURNAL_BATCHES, gl_batch("CW-EXP-1"))
    number = made.batch_number
    assert number is not None and len(number) == 6
    assert made.journal_headers[0].posting_date == DAY
    assert GLJournals().find(sage, ["CW-EXP-1", "CW-NONE"])["CW-EXP-1"].where is DocumentPlace.OPEN_BATCH
    sage.ensure_ready(V.GL_JOURNAL_BATCHES, number, None)
    assert GLJournals().find(sage, ["CW-EXP-1"])["CW-EXP-1"].where is DocumentPlace.READY_BATCH
    sage.post_batches(POST_GL_JOURNAL, number)
    batch = sage.get(
        V.GL_JOURNAL_BATCHES, gl_batch_key(str(int(number))), GLJournalBatch
    )  # "1" is zero-filled to "000001"
    assert batch is not None and batch.status == "Posted"
    assert GLJournals().find(sage, ["CW-EXP-1"])["CW-EXP-1"].where is DocumentPlace.POSTED
    posted = [row for row in sage_emu.store.gl_posted() if row["JournalDetailReference"] == "CW-EXP-1"]
    assert {(row["FiscalYear"], row["FiscalPeriod"]) for row in posted} == {("2026", "09")}


def test_foreign_journal_keeps_its_source_currency(sage: Sage300Client, sage_emu: SageEmulator) -> None:
    """I25 (shared): a CAD journal is converted to USD at Sage's rate and keeps its CAD amounts and rate."""
    from cwsage.domain.documents import DocKind, JournalDocument, JournalLine, SourceRef, SourceType

    master = load_master(sage)
    document = JournalDocument(
        key="GL:CW-E77",
        kind=DocKind.GL_JOURNAL,
        source=SourceRef(SourceType.EXPENSE, "expense", "77", "expense CW-E77"),
        document_number="CW-E77",
        document_date=DAY,
        description="Meals",
        currency="CAD",
        gl_entry_ids=(77,),
        lines=(JournalLine("5110-10", Decimal("66.86"), "Meals"), JournalLine("2100-00", Decimal("-66.86"), "Meals")),
    )
    header = to_sage.gl_header(document, master, to_sage.PostingOptions())
    made = sage.create(V.GL_JOURNAL_BATCHES, GLJournalBatch(description="cwsage I25 GL", journal_headers=[header]))
    assert made.batch_number is not None
    sage.ensure_ready(V.GL_JOURNAL_BATCHES, made.batch_number, None)
    sage.post_batches(POST_GL_JOURNAL, made.batch_number)
    posted = sorted(
        (row for row in sage_emu.store.gl_posted() if row["JournalDetailReference"] == "CW-E77"),
        key=lambda row: row["JournalTransactionAmount"],
    )
    assert [(r["SourceCurrencyCode"], r["SourceCurrencyAmount"], r["JournalTransactionAmount"]) for r in posted] == [
        ("CAD", Decimal("-66.86"), Decimal("-48.79")),
        ("CAD", Decimal("66.86"), Decimal("48.79")),
    ]
    assert refusals(sage_emu) == {}


def test_ic_adjustment_and_transfer_lookups(sage: Sage300Client) -> None:
    adjustment = sage.create(V.IC_ADJUSTMENTS, ic_adjustment("CW-ADJ-1"))
    assert adjustment.sequence_number is not None and adjustment.adjustment_number == "AD00000001"
    transfer = sage.create(V.IC_TRANSFERS, ic_transfer("CW-TR-1"))
    assert transfer.reference == "CW-TR-1" and transfer.transfer_number == "TF00000001"
    found = ic_find(sage, ["CW-ADJ-1", "CW-TR-1", "CW-NONE"])
    assert set(found) == {"CW-ADJ-1", "CW-TR-1"}
    assert found["CW-ADJ-1"].where is DocumentPlace.ENTERED
    assert found["CW-ADJ-1"].kind == "adjustment"
    assert found["CW-TR-1"].kind == "transfer"


def test_posted_ar_documents_changed_since(sage: Sage300Client, sage_log: RequestLog) -> None:
    everything = sage.posted_ar_documents()
    assert len(everything) > SAGE_PAGE_SIZE
    since = date(2026, 9, 15)
    recent = sage.posted_ar_documents(changed_since=since)
    assert recent
    assert len(recent) < len(everything)
    assert all(d.last_activity_date is not None and d.last_activity_date >= since for d in recent)
    assert sage.posted_ar_documents(document_numbers=[]) == []
    assert sage.dialect is not None and sage.dialect.value == "v4"  # learnt from AR/$metadata, once
    assert sage_log.count("GET", "/$metadata") == 1
    assert any("LastActivityDate" in s.query and "2026-09-15" in s.query for s in sage_log.seen)


def test_receipt_batch_create_ready_post(sage: Sage300Client, sage_emu: SageEmulator) -> None:
    invoices = sage.create(V.AR_INVOICE_BATCHES, ar_batch("CW-R1"))
    assert invoices.batch_number is not None
    sage.ensure_ready(V.AR_INVOICE_BATCHES, invoices.batch_number, None)
    sage.post_batches(POST_AR_INVOICES, invoices.batch_number)
    receipts = sage.create_ar_receipt_batch(
        ARReceiptBatch(
            batch_record_type=CASH,
            description="deposit",
            batch_date=date(2026, 10, 5),
            receipts_adjustments=[
                ARReceipt(
                    batch_type=CASH,
                    customer_number="WINDYCITY",
                    receipt_date_adjustment_date=date(2026, 10, 5),
                    entry_reference="CHK1001",
                    receipt_transaction_type=V.ReceiptTransactionType.RECEIPT.value,
                    bank_receipt_amount=Decimal("400.00"),
                    customer_receipt_amount=Decimal("400.00"),
                    applied_receipts_adjustments=[
                        ARAppliedReceipt(
                            batch_type=CASH,
                            customer_number="WINDYCITY",
                            document_number="CW-R1",
                            customer_receipt_amount=Decimal("400.00"),
                        )
                    ],
                )
            ],
        )
    )
    assert receipts.batch_number is not None
    before = sage_emu.store.posted_ar("CW-R1")
    assert before is not None
    fetched = sage.get_ar_receipt_batch(receipts.batch_number)
    assert fetched is not None and fetched.batch_status == "Open"
    sage.set_ar_receipt_batch_ready(receipts.batch_number)
    sage.post_ar_receipt_batch(receipts.batch_number)
    posted = sage_emu.store.posted_ar("CW-R1")
    assert posted is not None
    assert before["CustomerCurrencyAmountDue"] - posted["CustomerCurrencyAmountDue"] == 400
    changed = sage.posted_ar_documents(changed_since=date(2026, 10, 5), document_numbers=["CW-R1"])
    assert [(d.document_number, d.customer_currency_amount_due) for d in changed] == [("CW-R1", Decimal("600.00"))]


# -- error mapping: by Sage's code, never by its words (I20) --------------------------------------------------


def test_duplicate_document_carries_sages_text(sage: Sage300Client) -> None:
    with pytest.raises(DuplicateDocument) as caught:
        sage.create(V.AR_INVOICE_BATCHES, ar_batch("A0805"))
    assert (caught.value.status_code, caught.value.remote_code) == (409, "RecordDuplicate")
    assert "Document number 'A0805' already exists." in caught.value.user_message


def test_ap_duplicate_per_vendor(sage: Sage300Client) -> None:
    made = sage.create(V.AP_INVOICE_BATCHES, ap_batch("INV-7"))
    assert made.batch_number is not None
    assert sage.create(V.AP_INVOICE_BATCHES, ap_batch("INV-7", vendor="CDW")).batch_number is not None
    with pytest.raises(DuplicateDocument) as caught:
        sage.create(V.AP_INVOICE_BATCHES, ap_batch("INV-7"))
    assert "for vendor DELL already exists" in caught.value.user_message


def test_unknown_customer_is_remote_rejection(sage: Sage300Client, sage_emu: SageEmulator) -> None:
    before = ar_batch_count(sage_emu)
    with pytest.raises(RemoteRejection) as caught:
        sage.create(V.AR_INVOICE_BATCHES, ar_batch("CW-X", customer="BLUEHERON"))
    assert not isinstance(caught.value, DuplicateDocument)
    assert caught.value.remote_code == "RecordInvalid"
    assert "Customer number BLUEHERON does not exist." in caught.value.user_message
    assert ar_batch_count(sage_emu) == before


def test_day_end_lock_is_general_and_means_try_again(
    sage: Sage300Client, sage_emu: SageEmulator, sage_url: str
) -> None:
    """I20: Day End Processing answers ``General``; cwsage treats it as "try again later", nothing rejected."""
    assert httpx.post(f"{sage_url}/_sandbox/day-end", json={"locked": True}).status_code == 200
    with pytest.raises(TransientError) as caught:
        sage.create(V.AR_INVOICE_BATCHES, ar_batch("CW-DE"))
    assert not isinstance(caught.value, AmbiguousOutcome)
    assert (caught.value.status_code, caught.value.remote_code) == (409, "General")
    assert "Day End" in caught.value.user_message and "again" in caught.value.hint
    httpx.post(f"{sage_url}/_sandbox/day-end", json={"locked": False})
    assert sage.create(V.AR_INVOICE_BATCHES, ar_batch("CW-DE")).batch_number is not None


def test_client_refuses_undeclared_names_before_sending(sage: Sage300Client, sage_log: RequestLog) -> None:
    """The client never triggers ``InvalidPayload`` with an invented name: it refuses the write itself."""
    with pytest.raises(BugError, match="Invented"):
        sage.patch(V.AR_CUSTOMERS, "ACME001", {"Invented": "x"})
    assert sage_log.count("PATCH", "ARCustomers") == 0


def test_invalid_payload_from_the_server_is_a_bug_with_sages_code(sage: Sage300Client, sage_emu: SageEmulator) -> None:
    """A declared name with the wrong JSON type is refused whole by the strict emulator: ``InvalidPayload``."""
    with pytest.raises(BugError) as caught:
        sage.patch(V.AR_CUSTOMERS, "ACME001", {"CustomerName": 5})
    assert (caught.value.status_code, caught.value.remote_code) == (400, "InvalidPayload")
    assert sage.get_customer("ACME001") is not None
    assert refusals(sage_emu) == {"InvalidPayload": 1}


def test_a_request_without_json_content_type_is_a_500_the_client_never_causes(
    sage: Sage300Client, sage_emu: SageEmulator, sage_url: str
) -> None:
    bare = httpx.get(f"{sage_url}/Sage300WebApi/v1.0/-/CWDEMO/AR/ARCustomers", auth=("CWSAGE", "DEMO"))
    assert bare.status_code == 500 and bare.json()["error"]["code"] == "InternalServerError"
    assert refusals(sage_emu) == {"InternalServerError": 1, NO_CONTENT_TYPE: 1}
    sage.customers()
    sage.create(V.AR_INVOICE_BATCHES, ar_batch("CW-CT"))
    assert refusals(sage_emu) == {"InternalServerError": 1, NO_CONTENT_TYPE: 1}


# -- faults ----------------------------------------------------------------------------------------------------


def test_latency_succeeds(sage: Sage300Client, sage_emu: SageEmulator, sleeps: Sleeps) -> None:
    rule = sage_emu.faults.add(Fault(kind="latency", delay_seconds=0.3, path="/AR/ARCustomers", method="GET"))
    assert sage.get_customer("ACME001") is not None
    assert rule.fired == 1
    assert sleeps.calls == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_429_waits_retry_after_then_succeeds(
    sage: Sage300Client, sage_emu: SageEmulator, sleeps: Sleeps, sage_log: RequestLog, method: str
) -> None:
    path = "/AR/ARInvoiceBatches" if method == "POST" else "/AR/ARCustomers"
    sage_emu.faults.add(Fault(kind="status", status=429, retry_after=1, path=path, method=method))
    if method == "GET":
        assert sage.customers()
    else:  # 429: the server did not process it, so even a creating call is sent again
        assert sage.create(V.AR_INVOICE_BATCHES, ar_batch("CW-429")).batch_number is not None
        assert ARInvoices().find(sage, ["CW-429"])["CW-429"].where is DocumentPlace.OPEN_BATCH
        assert sage_log.count("POST", path) == 2
    assert sleeps.calls[0] == 1.0
    assert sage.stats.retries == 1


def test_5xx_on_get_is_retried(sage: Sage300Client, sage_emu: SageEmulator, sleeps: Sleeps) -> None:
    sage_emu.faults.add(Fault(kind="status", status=503, path="/GL/GLAccounts", method="GET", times=2))
    assert sage.gl_accounts()
    assert sleeps.calls[:2] == [0.5, 1.0]
    assert sage.stats.retries == 2


def test_5xx_on_template_is_retried_it_creates_nothing(
    sage: Sage300Client, sage_emu: SageEmulator, sage_log: RequestLog
) -> None:
    made = sage.create(V.AR_INVOICE_BATCHES, ar_batch("CW-TPL", ready=True))
    assert made.batch_number is not None
    sage_emu.faults.add(Fault(kind="status", status=503, path="'\\$template'\\)$", method="POST"))
    sage.post_batches(POST_AR_INVOICES, made.batch_number)
    assert sage_log.count("POST", "('$template')") == 2
    assert ARInvoices().find(sage, ["CW-TPL"])["CW-TPL"].where is DocumentPlace.POSTED


def test_5xx_on_create_is_ambiguous_and_sent_once(
    sage: Sage300Client, sage_emu: SageEmulator, sage_log: RequestLog, sleeps: Sleeps
) -> None:
    before = ar_batch_count(sage_emu)
    sage_emu.faults.add(Fault(kind="status", status=500, path=AR_BATCHES, method="POST"))
    with pytest.raises(AmbiguousOutcome) as caught:
        sage.create(V.AR_INVOICE_BATCHES, ar_batch("CW-500"))
    assert caught.value.status_code == 500
    assert sage_log.count("POST", AR_BATCHES) == 1
    assert sleeps.calls == []
    assert ar_batch_count(sage_emu) == before
    assert ARInvoices().find(sage, ["CW-500"]) == {}


def test_hang_on_get_times_out_and_is_retried(
    sage_emu: SageEmulator, sage_url: str, sleeps: Sleeps, sage_log: RequestLog
) -> None:
    sage_emu.faults.add(Fault(kind="hang", delay_seconds=3, path="/AP/APVendors", method="GET"))
    policy = RetryPolicy(sleep=sleeps, jitter=lambda: 1.0)
    with Sage300Client(sage_settings(sage_url, timeout_seconds=1), policy=policy) as client:
        assert client.get_vendor("DELL") is not None
    assert sage_log.count("GET", "/AP/APVendors") == 2
    assert sleeps.calls == [0.5]


def test_hang_on_get_gives_transient_error_when_attempts_run_out(sage_emu: SageEmulator, sage_url: str) -> None:
    sage_emu.faults.add(Fault(kind="hang", delay_seconds=3, path="/AP/APVendors", method="GET", times=2))
    policy = RetryPolicy(max_attempts=2, sleep=lambda _: None, jitter=lambda: 1.0)
    with (
        Sage300Client(sage_settings(sage_url, timeout_seconds=1), policy=policy) as client,
        pytest.raises(TransientError) as caught,
    ):
        client.get_vendor("DELL")
    assert not isinstance(caught.value, AmbiguousOutcome)
    assert "2 attempts" in caught.value.user_message


@pytest.mark.slow
def test_hang_on_create_is_ambiguous(sage_emu: SageEmulator, sage_url: str, sage_log: RequestLog) -> None:
    """A creating call waits at least WRITE_TIMEOUT_SECONDS; the hung server's 504 makes the outcome ambiguous."""
    before = ar_batch_count(sage_emu)
    sage_emu.faults.add(Fault(kind="hang", delay_seconds=2, path=AR_BATCHES, method="POST"))
    policy = RetryPolicy(sleep=lambda _: None, jitter=lambda: 1.0)
    with Sage300Client(sage_settings(sage_url, timeout_seconds=1), policy=policy) as client:
        with pytest.raises(AmbiguousOutcome):
            client.create(V.AR_INVOICE_BATCHES, ar_batch("CW-HANG"))
        assert sage_log.count("POST", AR_BATCHES) == 1
        assert ar_batch_count(sage_emu) == before
        assert ARInvoices().find(client, ["CW-HANG"]) == {}


@pytest.mark.parametrize(
    ("create", "lookup"),
    [
        (
            lambda c: c.create(V.AR_INVOICE_BATCHES, ar_batch("CW-DROP")),
            lambda c: ARInvoices().find(c, ["CW-DROP"]).get("CW-DROP"),
        ),
        (
            lambda c: c.create(V.AP_INVOICE_BATCHES, ap_batch("INV-DROP")),
            lambda c: APInvoices().find(c, [("DELL", "INV-DROP")]).get(("DELL", "INV-DROP")),
        ),
        (
            lambda c: c.create(V.GL_JOURNAL_BATCHES, gl_batch("CW-EXP-DROP")),
            lambda c: GLJournals().find(c, ["CW-EXP-DROP"]).get("CW-EXP-DROP"),
        ),
        (
            lambda c: c.create(V.IC_ADJUSTMENTS, ic_adjustment("CW-ADJ-DROP")),
            lambda c: ic_find(c, ["CW-ADJ-DROP"]).get("CW-ADJ-DROP"),
        ),
        (
            lambda c: c.create(V.IC_TRANSFERS, ic_transfer("CW-TR-DROP")),
            lambda c: ic_find(c, ["CW-TR-DROP"]).get("CW-TR-DROP"),
        ),
    ],
    ids=["AR", "AP", "GL", "IC-adjustment", "IC-transfer"],
)
def test_drop_after_apply_is_ambiguous_and_lookup_finds_it(
    sage: Sage300Client,
    sage_emu: SageEmulator,
    sage_log: RequestLog,
    create: Callable[[Sage300Client], object],
    lookup: Callable[[Sage300Client], Any],
) -> None:
    sage_emu.faults.add(Fault(kind="drop", method="POST"))
    with pytest.raises(AmbiguousOutcome):
        create(sage)
    assert sum(1 for s in sage_log.seen if s.method == "POST") == 1
    location = lookup(sage)
    assert location is not None
    assert location.where in (DocumentPlace.OPEN_BATCH, DocumentPlace.ENTERED)


def test_drop_after_posting_process_is_ambiguous_and_the_batch_shows_posted(
    sage: Sage300Client, sage_emu: SageEmulator, sage_log: RequestLog
) -> None:
    made = sage.create(V.GL_JOURNAL_BATCHES, gl_batch("CW-EXP-POST", ready=True))
    assert made.batch_number is not None and made.status == "ReadyToPost"
    sage_emu.faults.add(Fault(kind="drop", method="POST", path="'\\$process'\\)$"))
    with pytest.raises(AmbiguousOutcome):
        sage.post_batches(POST_GL_JOURNAL, made.batch_number)
    assert sage_log.count("POST", "GLPostJournal('$process')") == 1  # never resent blindly
    batch = sage.get(V.GL_JOURNAL_BATCHES, gl_batch_key(made.batch_number), GLJournalBatch)
    assert batch is not None and batch.status == "Posted"


def test_drop_on_get_is_retried(sage: Sage300Client, sage_emu: SageEmulator, sage_log: RequestLog) -> None:
    sage_emu.faults.add(Fault(kind="drop", path="/AR/ARCustomers", method="GET"))
    assert sage.get_customer("ACME001") is not None
    assert sage_log.count("GET", "/AR/ARCustomers") == 2


def test_lost_session_gets_a_new_cookie(sage: Sage300Client, sage_emu: SageEmulator, sage_log: RequestLog) -> None:
    assert sage.get_customer("ACME001") is not None
    sage_emu._sessions.clear()  # the Web API was restarted: the old cookie is unknown
    assert sage.get_customer("ACME001") is not None
    assert sage.get_customer("ACME001") is not None
    first, stale, renewed = (s.headers.get("cookie", "") for s in sage_log.seen[-3:])
    assert first == ""
    assert stale.startswith(f"{SESSION_COOKIE}=")
    assert stale.split("=", 1)[1] not in sage_emu._sessions
    assert renewed.split("=", 1)[1] in sage_emu._sessions
    assert len(sage_emu._sessions) == 1
