"""Sage300Client against the Sage 300 emulator over real HTTP: auth, reads, paging, writes, lookups, faults, errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest

from cwsage.errors import AmbiguousOutcome, AuthenticationError, DuplicateDocument, RemoteRejection, TransientError
from cwsage.http import RetryPolicy
from cwsage.sage300.client import Sage300Client
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
    DocumentPlace,
    GLJournalBatch,
    GLJournalDetail,
    GLJournalHeader,
    ICAdjustment,
    ICAdjustmentDetail,
    ICTransfer,
    ICTransferDetail,
)
from cwsage.sage300.resources import ICAdjustmentType
from cwsage.sandbox.faults import Fault
from cwsage.sandbox.sage300.app import SESSION_COOKIE, SageEmulator

from .conftest import SAGE_PAGE_SIZE, RequestLog, Sleeps, sage_settings

DAY = date(2026, 9, 30)
AR_BATCHES = "ARInvoiceBatches"


def ar_batch(*numbers: str, customer: str = "WINDYCITY", description: str = "cwsage contract AR") -> ARInvoiceBatch:
    return ARInvoiceBatch(
        description=description,
        batch_date=DAY,
        invoices=[
            ARInvoice(
                customer_number=customer,
                document_number=number,
                invoice_description=f"CW invoice {number}",
                document_date=DAY,
                posting_date=DAY,
                invoice_details=[
                    ARInvoiceDetail(
                        revenue_account="4000-10",
                        description="Managed services",
                        extended_amount_with_tip=Decimal("1000.00"),
                    )
                ],
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
                document_date=DAY,
                posting_date=DAY,
                invoice_details=[
                    APInvoiceDetail(
                        gl_account="5000-30", distribution_description="Hardware", distributed_amount=Decimal("2000.00")
                    )
                ],
            )
            for number in numbers
        ],
    )


def gl_batch(number: str = "CW-EXP-1") -> GLJournalBatch:
    return GLJournalBatch(
        description="cwsage contract GL",
        journal_headers=[
            GLJournalHeader(
                source_ledger="GL",
                source_type="JE",
                posting_date=DAY,
                document_date=DAY,
                document_number=number,
                reference=number,
                journal_details=[
                    GLJournalDetail(account_number="5100-10", amount=Decimal("100.00"), reference=number),
                    GLJournalDetail(account_number="2100-00", amount=Decimal("-100.00"), reference=number),
                ],
            )
        ],
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
                transaction_type=ICAdjustmentType.BOTH_INCREASE,
                quantity=Decimal(10),
                unit_cost=Decimal("1.25"),
                extended_cost=Decimal("12.50"),
            )
        ],
    )


def ic_transfer(reference: str = "CW-TR-1") -> ICTransfer:
    return ICTransfer(
        description="tr",
        transfer_date=date(2026, 10, 1),
        reference=reference,
        transfer_details=[
            ICTransferDetail(
                line_number=1, item_number="SWITCH24", from_location="MAIN", to_location="VAN1", quantity=Decimal(2)
            )
        ],
    )


def ar_batch_count(emu: SageEmulator) -> int:
    return emu.store.read(lambda d: len(d["ar_batches"]))


# -- connection ------------------------------------------------------------------------------------------------


def test_basic_auth_session_cookie_is_reused(sage: Sage300Client, sage_emu: SageEmulator, sage_log: RequestLog) -> None:
    assert [c.company_id for c in sage.companies()] == ["CWDEMO"]
    assert sage.company_profile().home_currency == "USD"
    assert sage.get_customer("ACME001") is not None
    api = [s for s in sage_log.seen if s.path.startswith("/Sage300WebApi")]
    assert len(api) >= 3
    assert "cookie" not in api[0].headers  # the first request logs in with Basic only
    assert all(s.headers["authorization"].startswith("Basic ") for s in api)
    cookies = {s.headers.get("cookie", "") for s in api[1:]}
    assert len(cookies) == 1
    assert next(iter(cookies)).startswith(f"{SESSION_COOKIE}=")
    assert len(sage_emu._sessions & {next(iter(cookies)).split("=", 1)[1]}) == 1


def test_bad_password_is_authentication_error(sage_emu: SageEmulator, sage_url: str, policy: RetryPolicy) -> None:
    with (
        Sage300Client(sage_settings(sage_url, password="wrong"), policy=policy) as client,
        pytest.raises(AuthenticationError) as caught,
    ):
        client.gl_accounts()
    assert caught.value.status_code == 401
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


# -- master data and paging ----------------------------------------------------------------------------------


def test_master_data_readers_follow_next_links(sage: Sage300Client, sage_log: RequestLog) -> None:
    customers = sage.customers()
    numbers = [c.customer_number for c in customers]
    assert len(numbers) > SAGE_PAGE_SIZE
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == len(numbers)
    assert sage_log.count("GET", "/AR/ARCustomers") == -(-len(numbers) // SAGE_PAGE_SIZE)
    assert any("%24skip" in s.query or "$skip" in s.query for s in sage_log.seen)
    readers = [
        sage.currencies,
        sage.currency_rates,
        sage.fiscal_calendars,
        sage.gl_accounts,
        sage.tax_groups,
        sage.tax_authorities,
        sage.tax_classes,
        sage.customer_groups,
        sage.ar_terms,
        sage.distribution_codes,
        sage.vendors,
        sage.vendor_groups,
        sage.ap_terms,
        sage.items,
        sage.ic_locations,
    ]
    for reader in readers:
        assert reader(), reader.__name__
    assert len(sage.gl_accounts()) > SAGE_PAGE_SIZE
    assert sage.has_inventory_control() is True
    customer = sage.get_customer("ACME001")
    assert customer is not None
    assert customer.customer_name == "Acme Corp"
    assert sage.get_customer("NOSUCH") is None
    assert sage.get_vendor("DELL") is not None
    assert sage.get_item("PATCH10") is not None


def test_without_inventory_control(sage: Sage300Client, sage_emu: SageEmulator) -> None:
    sage_emu.store.inventory_control = False
    assert sage.has_inventory_control() is False
    assert sage.items() == []
    assert sage.ic_locations() == []
    assert sage.ic_document_locations(["CW-ADJ-1"]) == {}


# -- documents and lookups -------------------------------------------------------------------------------------


def test_ar_batch_open_ready_posted(sage: Sage300Client) -> None:
    made = sage.create_ar_invoice_batch(ar_batch("CW-1001", "CW-1002"))
    assert made.batch_number is not None
    assert [i.document_number for i in made.invoices] == ["CW-1001", "CW-1002"]
    found = sage.ar_document_locations(["CW-1001", "CW-1002", "CW-NONE"])
    assert set(found) == {"CW-1001", "CW-1002"}
    assert found["CW-1001"].where is DocumentPlace.OPEN_BATCH
    assert found["CW-1001"].batch_number == str(made.batch_number)
    assert found["CW-1001"].party == "WINDYCITY"
    assert [b.batch_number for b in sage.find_ar_batches("cwsage contract AR")] == [made.batch_number]
    sage.set_ar_batch_ready(made.batch_number)
    assert sage.ar_document_locations(["CW-1001"])["CW-1001"].where is DocumentPlace.READY_BATCH
    sage.post_ar_batch(made.batch_number)
    batch = sage.get_ar_batch(made.batch_number)
    assert batch is not None
    assert batch.batch_status == "Posted"
    assert sage.ar_document_locations(["CW-1002"])["CW-1002"].where is DocumentPlace.POSTED
    posted = sage.posted_ar_documents(document_numbers=["CW-1001", "CW-1002"])
    assert sorted(d.document_number for d in posted) == ["CW-1001", "CW-1002"]
    assert sage.get_ar_batch(99999) is None


def test_ar_delete_open_batch(sage: Sage300Client) -> None:
    made = sage.create_ar_invoice_batch(ar_batch("CW-DEL"))
    assert made.batch_number is not None
    assert sage.delete_ar_batch(made.batch_number) is True
    assert sage.ar_document_locations(["CW-DEL"]) == {}
    with pytest.raises(RemoteRejection, match="already been deleted"):
        sage.delete_ar_batch(made.batch_number)
    assert sage.delete_ar_batch(99999) is False


def test_ap_batch_open_ready_posted(sage: Sage300Client) -> None:
    made = sage.create_ap_invoice_batch(ap_batch("INV-1"))
    assert made.batch_number is not None
    key = ("DELL", "INV-1")
    assert sage.ap_document_locations([key, ("CDW", "INV-1")]) == {key: sage.ap_document_locations([key])[key]}
    assert sage.ap_document_locations([key])[key].where is DocumentPlace.OPEN_BATCH
    assert [b.batch_number for b in sage.find_ap_batches("cwsage contract AP")] == [made.batch_number]
    sage.set_ap_batch_ready(made.batch_number)
    assert sage.ap_document_locations([key])[key].where is DocumentPlace.READY_BATCH
    sage.post_ap_batch(made.batch_number)
    batch = sage.get_ap_batch(made.batch_number)
    assert batch is not None
    assert batch.batch_status == "Posted"
    assert sage.ap_document_locations([key])[key].where is DocumentPlace.POSTED


def test_gl_batch_open_ready_posted(sage: Sage300Client) -> None:
    made = sage.create_gl_journal_batch(gl_batch("CW-EXP-1"))
    number = made.batch_number or made.journal_headers[0].batch_number
    assert number is not None
    assert len(number) == 6
    assert sage.gl_document_locations(["CW-EXP-1", "CW-NONE"])["CW-EXP-1"].where is DocumentPlace.OPEN_BATCH
    assert sage.find_gl_batches("cwsage contract GL")
    sage.set_gl_batch_ready(number)
    assert sage.gl_document_locations(["CW-EXP-1"])["CW-EXP-1"].where is DocumentPlace.READY_BATCH
    sage.post_gl_batch(number)
    batch = sage.get_gl_batch(str(int(number)))  # "1" is zero-filled to "000001"
    assert batch is not None
    assert batch.status == "Posted"
    assert sage.gl_document_locations(["CW-EXP-1"])["CW-EXP-1"].where is DocumentPlace.POSTED


def test_gl_delete_open_batch(sage: Sage300Client) -> None:
    made = sage.create_gl_journal_batch(gl_batch("CW-EXP-D"))
    number = made.batch_number or made.journal_headers[0].batch_number
    assert number is not None
    assert sage.delete_gl_batch(number) is True
    assert "CW-EXP-D" not in sage.gl_document_locations(["CW-EXP-D"])


def test_ic_adjustment_and_transfer_lookups(sage: Sage300Client) -> None:
    adjustment = sage.create_ic_adjustment(ic_adjustment("CW-ADJ-1"))
    assert adjustment.sequence_number is not None
    transfer = sage.create_ic_transfer(ic_transfer("CW-TR-1"))
    assert transfer.reference == "CW-TR-1"
    found = sage.ic_document_locations(["CW-ADJ-1", "CW-TR-1", "CW-NONE"])
    assert set(found) == {"CW-ADJ-1", "CW-TR-1"}
    assert found["CW-ADJ-1"].where is DocumentPlace.ENTERED
    assert found["CW-ADJ-1"].kind == "adjustment"
    assert found["CW-TR-1"].kind == "transfer"


def test_posted_ar_documents_changed_since(sage: Sage300Client) -> None:
    everything = sage.posted_ar_documents()
    assert len(everything) > SAGE_PAGE_SIZE
    since = date(2026, 8, 20)
    recent = sage.posted_ar_documents(changed_since=since)
    assert recent
    assert len(recent) < len(everything)
    assert all(d.last_activity_date is not None and d.last_activity_date >= since for d in recent)
    assert sage.posted_ar_documents(document_numbers=[]) == []


def test_receipt_batch_create_ready_post(sage: Sage300Client, sage_emu: SageEmulator) -> None:
    invoices = sage.create_ar_invoice_batch(ar_batch("CW-R1"))
    assert invoices.batch_number is not None
    sage.set_ar_batch_ready(invoices.batch_number)
    sage.post_ar_batch(invoices.batch_number)
    receipts = sage.create_ar_receipt_batch(
        ARReceiptBatch(
            description="deposit",
            batch_date=date(2026, 10, 5),
            receipts_adjustments=[
                ARReceipt(
                    customer_number="WINDYCITY",
                    document_date=date(2026, 10, 5),
                    check_receipt_no="1001",
                    customer_receipt_amount=Decimal("400.00"),
                    applied_receipts_adjustments=[
                        ARAppliedReceipt(document_number="CW-R1", applied_amount=Decimal("400.00"))
                    ],
                )
            ],
        )
    )
    assert receipts.batch_number is not None
    before = sage_emu.store.posted_ar("CW-R1")
    assert before is not None
    fetched = sage.get_ar_receipt_batch(receipts.batch_number)
    assert fetched is not None
    assert fetched.batch_status == "Open"
    sage.set_ar_receipt_batch_ready(receipts.batch_number)
    sage.post_ar_receipt_batch(receipts.batch_number)
    posted = sage_emu.store.posted_ar("CW-R1")
    assert posted is not None
    assert before["CustCurrencyAmountDue"] - posted["CustCurrencyAmountDue"] == 400
    changed = sage.posted_ar_documents(changed_since=date(2026, 10, 5), document_numbers=["CW-R1"])
    assert [d.document_number for d in changed] == ["CW-R1"]


# -- error mapping ---------------------------------------------------------------------------------------------


def test_duplicate_document_carries_sages_text(sage: Sage300Client) -> None:
    with pytest.raises(DuplicateDocument) as caught:
        sage.create_ar_invoice_batch(ar_batch("A0805"))
    assert caught.value.status_code == 409
    assert "Document number 'A0805' already exists." in caught.value.user_message


def test_ap_duplicate_per_vendor(sage: Sage300Client) -> None:
    made = sage.create_ap_invoice_batch(ap_batch("INV-7"))
    assert made.batch_number is not None
    with pytest.raises(DuplicateDocument) as caught:
        sage.create_ap_invoice_batch(ap_batch("INV-7"))
    assert "for vendor DELL already exists" in caught.value.user_message


def test_unknown_customer_is_remote_rejection(sage: Sage300Client, sage_emu: SageEmulator) -> None:
    before = ar_batch_count(sage_emu)
    with pytest.raises(RemoteRejection) as caught:
        sage.create_ar_invoice_batch(ar_batch("CW-X", customer="BLUEHERON"))
    assert not isinstance(caught.value, DuplicateDocument)
    assert caught.value.user_message == "Customer number BLUEHERON does not exist."
    assert ar_batch_count(sage_emu) == before


def test_day_end_lock_is_transient(sage: Sage300Client, sage_emu: SageEmulator, sage_url: str) -> None:
    assert httpx.post(f"{sage_url}/_sandbox/day-end", json={"locked": True}).status_code == 200
    with pytest.raises(TransientError) as caught:
        sage.create_ar_invoice_batch(ar_batch("CW-DE"))
    assert not isinstance(caught.value, AmbiguousOutcome)
    assert "Day End" in caught.value.user_message
    httpx.post(f"{sage_url}/_sandbox/day-end", json={"locked": False})
    assert sage.create_ar_invoice_batch(ar_batch("CW-DE")).batch_number is not None


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
        assert sage.create_ar_invoice_batch(ar_batch("CW-429")).batch_number is not None
        assert sage.ar_document_locations(["CW-429"])["CW-429"].where is DocumentPlace.OPEN_BATCH
        assert sage_log.count("POST", path) == 2
    assert sleeps.calls[0] == 1.0
    assert sage.stats.retries == 1


def test_5xx_on_get_is_retried(
    sage: Sage300Client, sage_emu: SageEmulator, sleeps: Sleeps, sage_log: RequestLog
) -> None:
    sage_emu.faults.add(Fault(kind="status", status=503, path="/GL/GLAccounts", method="GET", times=2))
    assert sage.gl_accounts()
    assert sleeps.calls[:2] == [0.5, 1.0]
    assert sage.stats.retries == 2


def test_5xx_on_create_is_ambiguous_and_sent_once(
    sage: Sage300Client, sage_emu: SageEmulator, sage_log: RequestLog, sleeps: Sleeps
) -> None:
    before = ar_batch_count(sage_emu)
    sage_emu.faults.add(Fault(kind="status", status=500, path=AR_BATCHES, method="POST"))
    with pytest.raises(AmbiguousOutcome) as caught:
        sage.create_ar_invoice_batch(ar_batch("CW-500"))
    assert caught.value.status_code == 500
    assert sage_log.count("POST", AR_BATCHES) == 1
    assert sleeps.calls == []
    assert ar_batch_count(sage_emu) == before
    assert sage.ar_document_locations(["CW-500"]) == {}


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
            client.create_ar_invoice_batch(ar_batch("CW-HANG"))
        assert sage_log.count("POST", AR_BATCHES) == 1
        assert ar_batch_count(sage_emu) == before
        assert client.ar_document_locations(["CW-HANG"]) == {}


@pytest.mark.parametrize(
    ("create", "lookup"),
    [
        (
            lambda c: c.create_ar_invoice_batch(ar_batch("CW-DROP")),
            lambda c: c.ar_document_locations(["CW-DROP"]).get("CW-DROP"),
        ),
        (
            lambda c: c.create_ap_invoice_batch(ap_batch("INV-DROP")),
            lambda c: c.ap_document_locations([("DELL", "INV-DROP")]).get(("DELL", "INV-DROP")),
        ),
        (
            lambda c: c.create_gl_journal_batch(gl_batch("CW-EXP-DROP")),
            lambda c: c.gl_document_locations(["CW-EXP-DROP"]).get("CW-EXP-DROP"),
        ),
        (
            lambda c: c.create_ic_adjustment(ic_adjustment("CW-ADJ-DROP")),
            lambda c: c.ic_document_locations(["CW-ADJ-DROP"]).get("CW-ADJ-DROP"),
        ),
        (
            lambda c: c.create_ic_transfer(ic_transfer("CW-TR-DROP")),
            lambda c: c.ic_document_locations(["CW-TR-DROP"]).get("CW-TR-DROP"),
        ),
    ],
    ids=["AR", "AP", "GL", "IC-adjustment", "IC-transfer"],
)
def test_drop_after_apply_is_ambiguous_and_lookup_finds_it(
    sage: Sage300Client, sage_emu: SageEmulator, sage_log: RequestLog, create: object, lookup: object
) -> None:
    sage_emu.faults.add(Fault(kind="drop", method="POST"))
    with pytest.raises(AmbiguousOutcome):
        create(sage)  # type: ignore[operator]
    assert sum(1 for s in sage_log.seen if s.method == "POST") == 1
    location = lookup(sage)  # type: ignore[operator]
    assert location is not None
    assert location.where in (DocumentPlace.OPEN_BATCH, DocumentPlace.ENTERED)


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
