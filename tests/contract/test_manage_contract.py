"""ManageClient against the ConnectWise Manage emulator over real HTTP: discovery, auth, reads, paging, batches,
payments, faults and error mapping."""

from __future__ import annotations

import time
from datetime import date, datetime
from decimal import Decimal

import pytest

from cwsage.connectwise.client import ManageClient, ManageRejection
from cwsage.connectwise.models import CreateBatchRequest, ExportRequest, SummarizeInvoices, UnpostedInvoice
from cwsage.errors import AmbiguousOutcome, AuthenticationError, ConfigurationError, TransientError
from cwsage.http import RetryPolicy
from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.faults import Fault
from cwsage.sandbox.manage.app import ManageEmulator

from .conftest import RequestLog, Sleeps, manage_settings

API = "/v4_6_release/apis/3.0"
BATCHES = f"{API}/finance/accounting/batches"
THRU = datetime.fromisoformat("2026-12-31T00:00:00+00:00")


def first_invoice_gl_ids(client: ManageClient, invoice_id: int) -> list[int]:
    export = client.export(ExportRequest(export_invoices_flag=True, included_invoice_ids=[invoice_id], thru_date=THRU))
    assert [t.id for t in export.transactions] == [invoice_id]
    ids = export.transactions[0].gl_entry_id_list()
    assert ids
    return ids


def batch_request(identifier: str, ids: list[int]) -> CreateBatchRequest:
    return CreateBatchRequest(batch_identifier=identifier, export_invoices_flag=True, processed_record_ids=ids)


# -- connection ------------------------------------------------------------------------------------------------


def test_discovery_from_site_root_and_api_key_auth(
    manage: ManageClient, manage_log: RequestLog, manage_url: str
) -> None:
    assert manage.api_url() == f"{manage_url}{API}/"
    info = manage.system_info()
    assert info.version
    assert manage_log.seen[0].path == f"/login/companyinfo/{dc.MANAGE_COMPANY_ID}"
    assert "authorization" not in manage_log.seen[0].headers
    api = [s for s in manage_log.seen if s.path.startswith(API)]
    assert api
    for seen in api:
        assert seen.headers["clientid"] == dc.MANAGE_CLIENT_ID
        assert seen.headers["accept"] == "application/vnd.connectwise.com+json; version=2025.1"
        assert seen.headers["authorization"].startswith("Basic ")
    manage.system_info()
    assert manage_log.count("GET", "/login/companyinfo/") == 1  # discovery is cached


def test_full_api_url_skips_discovery(manage_emu: ManageEmulator, manage_url: str, manage_log: RequestLog) -> None:
    with ManageClient(manage_settings(f"{manage_url}{API}/")) as client:
        assert client.locations()
    assert manage_log.count("GET", "/login/companyinfo/") == 0


def test_accept_version_is_pinned_from_settings(
    manage_emu: ManageEmulator, manage_url: str, manage_log: RequestLog
) -> None:
    with ManageClient(manage_settings(manage_url, accept_version="2024.1")) as client:
        client.system_info()
    assert manage_log.seen[-1].headers["accept"].endswith("version=2024.1")


def test_unknown_company_is_configuration_error(manage_emu: ManageEmulator, manage_url: str) -> None:
    with (
        ManageClient(manage_settings(manage_url, company="nosuch")) as client,
        pytest.raises(ConfigurationError) as caught,
    ):
        client.system_info()
    assert not isinstance(caught.value, AuthenticationError)
    assert "nosuch" in caught.value.user_message


def test_bad_private_key_is_authentication_error(
    manage_emu: ManageEmulator, manage_url: str, policy: RetryPolicy
) -> None:
    with (
        ManageClient(manage_settings(manage_url, private_key="wrong"), policy=policy) as client,
        pytest.raises(AuthenticationError) as caught,
    ):
        client.system_info()
    assert caught.value.status_code == 401


def test_member_impersonation(manage_emu: ManageEmulator, manage_url: str, manage_log: RequestLog) -> None:
    settings = manage_settings(
        manage_url,
        auth="impersonation",
        public_key=None,
        private_key=None,
        integrator_user=dc.MANAGE_INTEGRATOR_USER,
        integrator_password=dc.MANAGE_INTEGRATOR_PASSWORD,
        member=dc.MANAGE_MEMBER,
    )
    with ManageClient(settings) as client:
        assert client.locations()
        assert client.unposted_count("invoices") > 0
    tokens = [s for s in manage_log.seen if s.path.endswith(f"/system/members/{dc.MANAGE_MEMBER}/tokens")]
    assert len(tokens) == 1
    assert tokens[0].method == "POST"
    assert tokens[0].headers["x-cw-usertype"] == "member"
    integrator = tokens[0].headers["authorization"]
    others = [s for s in manage_log.seen if s.path.startswith(API) and not s.path.endswith("/tokens")]
    assert len(others) >= 2
    assert {s.headers["authorization"] for s in others} != {integrator}
    assert len({s.headers["authorization"] for s in others}) == 1


def test_impersonation_with_wrong_integrator_password(
    manage_emu: ManageEmulator, manage_url: str, policy: RetryPolicy
) -> None:
    settings = manage_settings(
        manage_url,
        auth="impersonation",
        integrator_user=dc.MANAGE_INTEGRATOR_USER,
        integrator_password="wrong",
        member=dc.MANAGE_MEMBER,
    )
    with ManageClient(settings, policy=policy) as client, pytest.raises(AuthenticationError):
        client.locations()


# -- reads -----------------------------------------------------------------------------------------------------


def test_unposted_lists_with_location_and_through(manage: ManageClient) -> None:
    day = date(2026, 9, 30)
    for reader, date_of in (
        (manage.unposted_invoices, lambda r: r.invoice_date),
        (manage.unposted_expenses, lambda r: r.date_expense),
        (manage.unposted_procurement, lambda r: r.purchase_date),
    ):
        everything = reader()
        assert everything
        ids = [r.id for r in everything]
        assert ids == sorted(ids)
        chicago = reader(location_id=2)
        assert chicago
        assert {r.location_id for r in chicago} == {2}
        early = reader(through=day)
        assert early
        assert len(early) < len(everything)
        assert all(date_of(r).date() <= day for r in early)
        both = reader(location_id=2, through=day)
        assert {r.id for r in both} == {r.id for r in chicago} & {r.id for r in early}
    assert manage.unposted_count("invoices") == len(manage.unposted_invoices())
    assert manage.unposted_count("expenses") == len(manage.unposted_expenses())
    assert manage.unposted_count("procurement") == len(manage.unposted_procurement())


def test_taxable_levels(manage: ManageClient) -> None:
    invoice = manage.unposted_invoices()[0]
    assert invoice.id is not None
    assert isinstance(manage.taxable_levels("invoices", invoice.id), list)
    purchase = next(p for p in manage.unposted_procurement() if p.procurement_type == "Purchase")
    assert purchase.id is not None
    assert manage.taxable_levels("procurement", purchase.id)


def test_master_data_readers(manage: ManageClient) -> None:
    assert manage.accounting_package_setup().transfer_expenses_as_bill_flag is True
    assert manage.companies()
    assert manage.members()
    assert manage.gl_accounts()
    codes = manage.tax_codes()
    assert codes
    assert codes[0].id is not None
    assert manage.tax_code_levels(codes[0].id)
    assert [loc.name for loc in manage.locations()] == ["Toronto", "Chicago", "Denver"]
    assert manage.currencies()
    assert manage.warehouses()
    assert manage.billing_terms()


@pytest.mark.parametrize("level", list(SummarizeInvoices))
def test_export_each_detail_level(manage: ManageClient, manage_emu: ManageEmulator, level: SummarizeInvoices) -> None:
    invoice_id = manage.unposted_invoices()[0].id
    assert invoice_id is not None
    request = ExportRequest(
        export_invoices_flag=True, included_invoice_ids=[invoice_id], summarize_invoices=level, thru_date=THRU
    )
    export = manage.export(request)
    assert [t.id for t in export.transactions] == [invoice_id]
    assert export.transactions[0].detail
    assert export.customers
    raw = manage_emu.store.export(request.to_payload())  # cwsage does not read invoiceSummaryOption (issue 14)
    options = {d.get("invoiceSummaryOption") for d in raw["transactions"][0]["detail"]}
    expected = {SummarizeInvoices.DEFAULT: None, SummarizeInvoices.CONDENSED: "1", SummarizeInvoices.DETAILED: "2"}
    if expected[level] is not None:
        assert options == {expected[level]}


def test_export_each_flag(manage: ManageClient, manage_emu: ManageEmulator) -> None:
    invoices = manage.export(ExportRequest(export_invoices_flag=True, thru_date=THRU))
    assert invoices.transactions
    assert not invoices.expense_bills
    assert not invoices.purchase_transactions
    expenses = manage.export(ExportRequest(export_expenses_flag=True, thru_date=THRU))
    assert expenses.expense_bills
    assert not expenses.transactions
    products = manage.export(ExportRequest(export_products_flag=True, thru_date=THRU))
    assert products.purchase_transactions
    assert products.adjustment_transactions
    assert products.inventory_transfers
    assert not products.transactions
    manage_emu.store.set_transfer_expenses_as_bill(False)
    journal = manage.export(ExportRequest(export_expenses_flag=True, thru_date=THRU))
    assert journal.expenses
    assert not journal.expense_bills
    chicago = manage.export(ExportRequest(export_invoices_flag=True, location_id=2, thru_date=THRU))
    assert 0 < len(chicago.transactions) < len(invoices.transactions)


def test_batch_lifecycle(manage: ManageClient) -> None:
    invoice = manage.unposted_invoices()[0]
    assert invoice.id is not None
    ids = first_invoice_gl_ids(manage, invoice.id)
    before = manage.unposted_count("invoices")
    manage.create_batch(batch_request("CONTRACT-1", ids))
    assert invoice.id not in {r.id for r in manage.unposted_invoices()}
    assert manage.unposted_count("invoices") == before - 1
    found = manage.find_batches("CONTRACT-1")
    assert len(found) == 1
    batch_id = found[0].id
    assert batch_id is not None
    assert found[0].export_invoices_flag is True
    assert manage.get_batch(batch_id).batch_identifier == "CONTRACT-1"
    assert manage.find_batches("CONTRACT-NONE") == []
    assert sorted(e.id for e in manage.batch_entries(batch_id)) == sorted(ids)
    request = ExportRequest(export_invoices_flag=True, summarize_invoices=SummarizeInvoices.CONDENSED)
    (again,) = manage.reexport_batch_parts(batch_id, request, invoices=500)
    assert again.transactions[0].gl_entry_id_list() == ids
    manage.delete_batch(batch_id)
    assert manage.find_batches("CONTRACT-1") == []
    assert invoice.id in {r.id for r in manage.unposted_invoices()}
    assert manage.unposted_count("invoices") == before


def test_invoices_by_number_and_payments(manage: ManageClient) -> None:
    found = manage.find_invoices_by_number(["9801", "10101", "NOPE", "9801"])
    assert set(found) == {"9801", "10101"}
    invoice_id = found["9801"].id
    assert invoice_id is not None
    assert manage.get_invoice(invoice_id).invoice_number == "9801"
    before = manage.invoice_payments(invoice_id)
    payment = manage.create_payment(invoice_id, amount=Decimal("10.00"), payment_date=date(2026, 10, 5))
    assert payment.id is not None
    assert payment.amount == Decimal("10.00")
    after = manage.invoice_payments(invoice_id)
    assert len(after) == len(before) + 1
    updated = manage.update_payment(invoice_id, payment.id, amount=Decimal("12.34"), payment_date=date(2026, 10, 6))
    assert updated.amount == Decimal("12.34")
    assert updated.payment_date is not None
    assert updated.payment_date.date() == date(2026, 10, 6)
    row = next(p for p in manage.invoice_payments(invoice_id) if p.id == payment.id)
    assert row.amount == Decimal("12.34")


# -- paging ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("forward_only", [False, True], ids=["navigable", "forward-only"])
def test_pagination_over_several_pages(manage: ManageClient, manage_log: RequestLog, forward_only: bool) -> None:
    everything = [r.id for r in manage.unposted_invoices()]
    assert len(everything) > 100
    manage_log.seen.clear()
    rows = list(
        manage._paginate(
            "finance/accounting/unpostedinvoices",
            UnpostedInvoice,
            page_size=50,
            forward_only=forward_only,
            order_by=None if forward_only else "id asc",
        )
    )
    assert [r.id for r in rows] == everything
    pages = [s for s in manage_log.seen if s.path.endswith("/unpostedinvoices")]
    assert len(pages) == -(-len(everything) // 50)
    if forward_only:
        assert all(s.headers.get("pagination-type") == "forward-only" for s in pages)
        assert all("pageId=" in s.query for s in pages[1:])
    else:
        assert [s.query.count("page=") for s in pages] == [1] * len(pages)
        assert "page=2" in pages[1].query


def test_pagination_with_conditions_keeps_them_on_every_page(manage: ManageClient, manage_log: RequestLog) -> None:
    chicago = [r.id for r in manage.unposted_invoices(location_id=2)]
    manage_log.seen.clear()
    rows = list(
        manage._paginate(
            "finance/accounting/unpostedinvoices", UnpostedInvoice, page_size=10, conditions="locationId=2"
        )
    )
    assert sorted(r.id for r in rows) == sorted(chicago)
    assert len(manage_log.seen) > 2
    assert all("conditions=locationId" in s.query for s in manage_log.seen)


# -- error mapping ---------------------------------------------------------------------------------------------


def test_bad_batch_is_remote_rejection_naming_the_field(manage: ManageClient, manage_log: RequestLog) -> None:
    with pytest.raises(ManageRejection) as caught:
        manage.create_batch(batch_request("BAD-IDS", [1, 2]))
    assert caught.value.status_code == 400
    assert "processedRecordIds" in caught.value.user_message
    assert [e.field for e in caught.value.field_errors] == ["processedRecordIds"]
    assert manage_log.count("POST", BATCHES) == 1
    assert manage.find_batches("BAD-IDS") == []


# -- faults ----------------------------------------------------------------------------------------------------


def test_latency_succeeds(manage: ManageClient, manage_emu: ManageEmulator, sleeps: Sleeps) -> None:
    rule = manage_emu.faults.add(Fault(kind="latency", delay_seconds=0.3, path="/system/locations", method="GET"))
    assert manage.locations()
    assert rule.fired == 1
    assert sleeps.calls == []


def test_429_on_get_waits_retry_after(manage: ManageClient, manage_emu: ManageEmulator, sleeps: Sleeps) -> None:
    manage_emu.faults.add(Fault(kind="status", status=429, retry_after=1, path="/unpostedinvoices", method="GET"))
    assert manage.unposted_invoices()
    assert sleeps.calls == [1.0]
    assert manage.stats.retries == 1


def test_429_on_create_batch_is_sent_again(
    manage: ManageClient, manage_emu: ManageEmulator, sleeps: Sleeps, manage_log: RequestLog
) -> None:
    invoice_id = manage.unposted_invoices()[0].id
    assert invoice_id is not None
    ids = first_invoice_gl_ids(manage, invoice_id)
    manage_emu.faults.add(Fault(kind="status", status=429, retry_after=1, path=BATCHES + "$", method="POST"))
    manage.create_batch(batch_request("CONTRACT-429", ids))
    assert sleeps.calls == [1.0]
    assert manage_log.count("POST", BATCHES) == 2
    assert len(manage.find_batches("CONTRACT-429")) == 1


def test_5xx_on_get_and_on_export_are_retried(manage: ManageClient, manage_emu: ManageEmulator, sleeps: Sleeps) -> None:
    manage_emu.faults.add(Fault(kind="status", status=503, path="/finance/glAccounts", method="GET", times=2))
    assert manage.gl_accounts()
    assert sleeps.calls == [0.5, 1.0]
    manage_emu.faults.add(Fault(kind="status", status=500, path="/finance/accounting/export", method="POST"))
    assert manage.export(ExportRequest(export_invoices_flag=True, thru_date=THRU)).transactions
    assert sleeps.calls == [0.5, 1.0, 0.5]


def test_5xx_on_create_batch_is_ambiguous_and_sent_once(
    manage: ManageClient, manage_emu: ManageEmulator, manage_log: RequestLog, sleeps: Sleeps
) -> None:
    invoice_id = manage.unposted_invoices()[0].id
    assert invoice_id is not None
    ids = first_invoice_gl_ids(manage, invoice_id)
    manage_emu.faults.add(Fault(kind="status", status=500, path=BATCHES + "$", method="POST"))
    with pytest.raises(AmbiguousOutcome) as caught:
        manage.create_batch(batch_request("CONTRACT-500", ids))
    assert caught.value.status_code == 500
    assert manage_log.count("POST", BATCHES) == 1
    assert sleeps.calls == []
    assert manage.find_batches("CONTRACT-500") == []
    assert invoice_id in {r.id for r in manage.unposted_invoices()}


def test_5xx_on_create_payment_is_ambiguous(
    manage: ManageClient, manage_emu: ManageEmulator, manage_log: RequestLog
) -> None:
    invoice_id = manage.find_invoices_by_number(["9801"])["9801"].id
    assert invoice_id is not None
    before = len(manage.invoice_payments(invoice_id))
    manage_emu.faults.add(Fault(kind="status", status=502, path="/payments$", method="POST"))
    with pytest.raises(AmbiguousOutcome):
        manage.create_payment(invoice_id, amount=Decimal("1.00"), payment_date=date(2026, 10, 5))
    assert manage_log.count("POST", "/payments") == 1
    assert len(manage.invoice_payments(invoice_id)) == before


def test_hang_on_get_times_out_and_is_retried(
    manage_emu: ManageEmulator, manage_url: str, sleeps: Sleeps, manage_log: RequestLog
) -> None:
    manage_emu.faults.add(Fault(kind="hang", delay_seconds=3, path="/system/locations", method="GET"))
    policy = RetryPolicy(sleep=sleeps, jitter=lambda: 1.0)
    with ManageClient(manage_settings(manage_url, timeout_seconds=1), policy=policy) as client:
        assert client.locations()
    assert manage_log.count("GET", "/system/locations") == 2
    assert sleeps.calls == [0.5]


def test_hang_on_get_gives_transient_error_when_attempts_run_out(manage_emu: ManageEmulator, manage_url: str) -> None:
    manage_emu.faults.add(Fault(kind="hang", delay_seconds=3, path="/system/locations", method="GET", times=2))
    policy = RetryPolicy(max_attempts=2, sleep=lambda _: None, jitter=lambda: 1.0)
    with (
        ManageClient(manage_settings(manage_url, timeout_seconds=1), policy=policy) as client,
        pytest.raises(TransientError) as caught,
    ):
        client.locations()
    assert not isinstance(caught.value, AmbiguousOutcome)


@pytest.mark.slow
def test_hang_on_create_batch_is_ambiguous(manage_emu: ManageEmulator, manage_url: str, manage_log: RequestLog) -> None:
    """create_batch waits at least 120 s; the hung server's 504 makes the outcome ambiguous, nothing applied."""
    policy = RetryPolicy(sleep=lambda _: None, jitter=lambda: 1.0)
    with ManageClient(manage_settings(manage_url, timeout_seconds=1), policy=policy) as client:
        invoice_id = client.unposted_invoices()[0].id
        assert invoice_id is not None
        ids = first_invoice_gl_ids(client, invoice_id)
        manage_emu.faults.add(Fault(kind="hang", delay_seconds=2, path=BATCHES + "$", method="POST"))
        with pytest.raises(AmbiguousOutcome):
            client.create_batch(batch_request("CONTRACT-HANG", ids))
        assert manage_log.count("POST", BATCHES) == 1
        assert client.find_batches("CONTRACT-HANG") == []


def test_hang_on_create_payment_past_timeout_is_ambiguous(
    manage_emu: ManageEmulator, manage_url: str, manage_log: RequestLog
) -> None:
    """create_payment uses the ordinary timeout: the read times out, the slow server still commits."""
    policy = RetryPolicy(sleep=lambda _: None, jitter=lambda: 1.0)
    with ManageClient(manage_settings(manage_url, timeout_seconds=1), policy=policy) as client:
        invoice_id = client.find_invoices_by_number(["9802"])["9802"].id
        assert invoice_id is not None
        before = len(client.invoice_payments(invoice_id))
        manage_emu.faults.add(Fault(kind="hang", delay_seconds=1.5, apply=True, path="/payments$", method="POST"))
        with pytest.raises(AmbiguousOutcome):
            client.create_payment(invoice_id, amount=Decimal("5.00"), payment_date=date(2026, 10, 5))
        assert manage_log.count("POST", "/payments") == 1
        deadline = time.monotonic() + 3
        while len(client.invoice_payments(invoice_id)) == before and time.monotonic() < deadline:
            time.sleep(0.1)  # the server commits when its 1.5 s hang ends
        assert len(client.invoice_payments(invoice_id)) == before + 1


def test_drop_after_create_batch_then_find_batches_finds_it(
    manage: ManageClient, manage_emu: ManageEmulator, manage_log: RequestLog
) -> None:
    invoice_id = manage.unposted_invoices()[0].id
    assert invoice_id is not None
    ids = first_invoice_gl_ids(manage, invoice_id)
    manage_emu.faults.add(Fault(kind="drop", path=BATCHES + "$", method="POST"))
    with pytest.raises(AmbiguousOutcome):
        manage.create_batch(batch_request("CONTRACT-DROP", ids))
    assert manage_log.count("POST", BATCHES) == 1
    found = manage.find_batches("CONTRACT-DROP")
    assert len(found) == 1
    assert found[0].id is not None
    assert sorted(e.id for e in manage.batch_entries(found[0].id)) == sorted(ids)
    assert invoice_id not in {r.id for r in manage.unposted_invoices()}


def test_drop_after_create_payment_then_payments_show_it(
    manage: ManageClient, manage_emu: ManageEmulator, manage_log: RequestLog
) -> None:
    invoice_id = manage.find_invoices_by_number(["9803"])["9803"].id
    assert invoice_id is not None
    before = manage.invoice_payments(invoice_id)
    manage_emu.faults.add(Fault(kind="drop", path="/payments$", method="POST"))
    with pytest.raises(AmbiguousOutcome):
        manage.create_payment(invoice_id, amount=Decimal("7.00"), payment_date=date(2026, 10, 5))
    assert manage_log.count("POST", "/payments") == 1
    after = manage.invoice_payments(invoice_id)
    assert len(after) == len(before) + 1
    assert Decimal("7.00") in {p.amount for p in after}


def test_drop_on_get_is_retried(manage: ManageClient, manage_emu: ManageEmulator, manage_log: RequestLog) -> None:
    manage_emu.faults.add(Fault(kind="drop", path="/finance/taxCodes$", method="GET"))
    assert manage.tax_codes()
    assert manage_log.count("GET", "/finance/taxCodes") == 2


def test_drop_on_update_payment_is_retried(manage: ManageClient, manage_emu: ManageEmulator) -> None:
    invoice_id = manage.find_invoices_by_number(["9804"])["9804"].id
    assert invoice_id is not None
    payment = manage.create_payment(invoice_id, amount=Decimal("3.00"), payment_date=date(2026, 10, 5))
    assert payment.id is not None
    manage_emu.faults.add(Fault(kind="drop", path=r"/payments/\d+$", method="PATCH"))
    updated = manage.update_payment(invoice_id, payment.id, amount=Decimal("4.00"), payment_date=date(2026, 10, 6))
    assert updated.amount == Decimal("4.00")


def test_impersonation_keys_renewed_once_after_401(
    manage_emu: ManageEmulator, manage_url: str, manage_log: RequestLog
) -> None:
    settings = manage_settings(
        manage_url,
        auth="impersonation",
        integrator_user=dc.MANAGE_INTEGRATOR_USER,
        integrator_password=dc.MANAGE_INTEGRATOR_PASSWORD,
        member=dc.MANAGE_MEMBER,
    )
    with ManageClient(settings) as client:
        assert client.locations()
        manage_emu.store.tokens.clear()  # Manage forgot the member's keys (revoked, or restarted)
        assert client.locations()
    assert sum(1 for s in manage_log.seen if s.path.endswith("/tokens")) == 2
    assert manage_log.count("GET", "/system/locations") == 3
