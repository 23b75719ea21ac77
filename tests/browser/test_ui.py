"""A bookkeeper's day in the browser, against the sandbox: log in, tick, preview, run, download, rerun, sync.

The tests run in order on one tab (each step starts where the last one left off), as a person would use
the UI. Each screen is photographed (see conftest: ``CWSAGE_SCREENSHOTS``).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.faults import Fault
from cwsage.sandbox.runner import Sandbox
from cwsage.web.server import RunningServer

SECRETS = (dc.SAGE_PASSWORD, dc.MANAGE_PRIVATE_KEY, dc.MANAGE_CLIENT_ID)
PICKED = ("invoice:5001", "invoice:5002", "invoice:5004", "invoice:5014")  # 5014 is invoice 10114: BLUEHERON
STATE: dict[str, str] = {}


def leaks(text: str) -> list[str]:
    """Secrets appearing in ``text`` as whole words (``DEMO`` inside ``CWDEMO`` is the company)."""
    return [s for s in SECRETS if re.search(rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])", text)]


def shoot(page: Any, shots: Path, name: str, *, full_page: bool = False) -> None:
    """Photograph the window (the whole page with ``full_page``) as ``NAME.png``."""
    page.screenshot(path=str(shots / f"{name}.png"), full_page=full_page)


def download(page: Any, link_text: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_text).click()
    return Path(info.value.path()).read_bytes()


def pick(page: Any, selectors: tuple[str, ...]) -> None:
    """Deselect everything in every tab, then tick exactly ``selectors``."""
    page.wait_for_selector("#tab-invoice")
    for kind in ("invoice", "expense", "procurement"):
        page.click(f"#tab-{kind}")
        page.click(f"#panel-{kind} [data-select=none]")
    page.click("#tab-invoice")
    for selector in selectors:
        page.check(f'input[name="include"][value="{selector}"]')


def test_unauthenticated_page_asks_for_the_login_link(page: Any, server: RunningServer, shots: Path) -> None:
    page.goto(f"{server.url}/batch")
    assert page.url.endswith("/login")
    assert "one-time login link" in page.content()
    shoot(page, shots, "01-sign-in")


def test_log_in_to_both_systems(page: Any, server: RunningServer, sandbox: Sandbox, shots: Path) -> None:
    page.goto(server.login_link())
    page.wait_for_url(re.compile(r"/connect$"))
    page.fill("#sage-url", sandbox.sage_server.url)
    page.fill("#sage-user", dc.SAGE_USER)
    page.fill("#sage-password", dc.SAGE_PASSWORD)
    page.locator("#sage-password").blur()
    page.wait_for_load_state("networkidle")
    company = page.locator("select#sage-company")  # this Sage lists its companies: a pick-list, not a text box
    expect(company).to_have_count(1)
    expect(company.locator("option")).to_have_text([f"{dc.SAGE_COMPANY} — Northwind Managed IT"])
    company.select_option(dc.SAGE_COMPANY)
    page.fill("#manage-url", sandbox.manage_server.url)
    page.fill("#manage-company", dc.MANAGE_COMPANY_ID)
    page.fill("#manage-public-key", dc.MANAGE_PUBLIC_KEY)
    page.fill("#manage-private-key", dc.MANAGE_PRIVATE_KEY)
    page.fill("#manage-client-id", dc.MANAGE_CLIENT_ID)
    page.locator("#sage-fields").get_by_role("button", name="Test connection").click()
    page.locator("#manage-fields").get_by_role("button", name="Test connection").click()
    page.wait_for_selector("#sage-report .notice.good")
    page.wait_for_selector("#manage-report .notice.good")
    assert "Credentials accepted" in page.inner_text("#sage-report")
    assert "Unposted in Manage" in page.inner_text("#manage-report")
    shoot(page, shots, "02-login", full_page=True)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/batch"))
    assert "Both systems accepted the credentials" in page.inner_text("#messages")
    page.goto(f"{server.url}/connect")
    assert leaks(page.content()) == [], "a saved password is never sent back to the page"


def test_tick_records_and_preview(page: Any, server: RunningServer, shots: Path) -> None:
    page.goto(f"{server.url}/batch")
    page.wait_for_selector("#tab-invoice")
    row = page.locator("tr", has=page.locator('input[value="invoice:5014"]'))
    assert "BLUEHERON (Blue Heron Dental) does not exist in Sage 300" in row.inner_text()
    assert page.locator("#panel-invoice input[name=include]").count() == 216
    shoot(page, shots, "03-run-new-batch")
    page.fill("#search-invoice", "Blue Heron")
    shown = page.locator("#panel-invoice tbody tr:not([hidden])").all_inner_texts()
    assert 0 < len(shown) < 216 and all("Blue Heron" in row for row in shown)
    page.fill("#search-invoice", "")
    pick(page, PICKED)
    assert page.inner_text("#panel-invoice [data-count]") == "4 of 216 selected"
    expect(page.locator("#batch-number")).to_have_value(re.compile(r"\d{8}[A-Z]+-I$"))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("#outcome")
    text = page.inner_text("main")
    assert "Preview" in text and "What will post where" in text and "GL impact per account" in text
    assert page.locator("#documents tbody tr").count() == 4
    assert "BLUEHERON" in page.inner_text("#documents")
    shoot(page, shots, "05-preview", full_page=True)


def test_keyboard_and_narrow_window(page: Any, server: RunningServer, shots: Path) -> None:
    page.goto(f"{server.url}/batch")
    page.wait_for_selector("#tab-invoice")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.focus("#tab-invoice")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("#tab-expense", "aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "tab-expense"
    assert page.is_visible("#panel-expense") and not page.is_visible("#panel-invoice")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, button')].filter(e =>
             !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.textContent || '').trim()
           ).map(e => e.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == [], "every control has a label"
    page.set_viewport_size({"width": 420, "height": 860})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "no sideways scrolling of the page on a narrow window (tables scroll in their box)"
    shoot(page, shots, "04-narrow-window")
    page.set_viewport_size({"width": 1280, "height": 800})


def test_run_with_partial_success_survives_closing_the_tab(
    page: Any, server: RunningServer, sandbox: Sandbox, shots: Path
) -> None:
    STATE["snapshot"] = sandbox.sage.snapshot()  # the Sage "backup" the rerun test restores
    tab = page.context.new_page()
    tab.goto(f"{server.url}/batch")
    pick(tab, PICKED)
    expect(tab.locator("#batch-number")).to_have_value(re.compile(r"\d{8}[A-Z]+-I(-\d+)?$"))
    STATE["batch"] = tab.input_value("#batch-number")
    tab.check("#skip-invalid")
    sandbox.sage.faults.add(Fault("latency", method="POST", delay_seconds=0.8, times=2))
    tab.get_by_role("button", name="Run Export").click()
    tab.wait_for_url(re.compile(r"/jobs/"))
    job_url = tab.url
    tab.wait_for_selector(".progress-log li")
    shoot(tab, shots, "06-progress")
    tab.close()  # the run goes on in the server
    page.goto(job_url)
    page.wait_for_selector("#outcome", timeout=30_000)
    outcome = page.inner_text("#outcome")
    assert "The batch completed, but some transactions contained errors" in outcome
    assert "3 are in Sage 300" in outcome
    shoot(page, shots, "07-result")
    errors_csv = download(page, "Save List of Errors (CSV)").decode("utf-8-sig")
    assert errors_csv.splitlines()[0] == "Severity,Record,Problem,Field,Value,Fix in,What to do"
    assert "invoice 10114" in errors_csv and "BLUEHERON" in errors_csv and "Sage 300" in errors_csv
    book = load_workbook(io.BytesIO(download(page, "Save List of Errors (Excel)")))
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][0] == "Severity" and any(r[1] == "invoice 10114" for r in rows[1:])
    log = download(page, "Save Full Log").decode("utf-8")
    assert f"batch {STATE['batch']}" in log and "[posted]" in log and "[invalid]" in log
    assert leaks(errors_csv) == leaks(log) == leaks(page.content()) == []


def test_rerun_after_sage_lost_the_batch(page: Any, server: RunningServer, sandbox: Sandbox, shots: Path) -> None:
    sandbox.sage.restore(STATE["snapshot"])  # "Sage 300 was restored from a backup"
    page.goto(f"{server.url}/rerun")
    assert STATE["batch"] in page.inner_text("main")
    shoot(page, shots, "08-rerun")
    page.get_by_role("button", name=f"Preview rerunning {STATE['batch']}").click()
    page.wait_for_selector("#outcome")
    assert "none of its documents is in Sage 300 any more" in page.inner_text("#outcome")
    shoot(page, shots, "09-rerun-preview")
    page.get_by_role("button", name="Rerun this batch").click()
    page.wait_for_url(re.compile(r"/jobs/"))
    page.wait_for_selector("#outcome")
    assert "The batch completed successfully" in page.inner_text("#outcome")


def test_payment_sync(page: Any, server: RunningServer, shots: Path) -> None:
    page.goto(f"{server.url}/payments")
    page.check("#since-custom")
    page.fill("#custom_date", "2026-01-01")
    shoot(page, shots, "10-payments")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("main .notice")
    assert "Preview" in page.inner_text("main .notice")
    shoot(page, shots, "11-payments-preview")
    page.get_by_role("button", name="Run Sync").click()
    page.wait_for_url(re.compile(r"/jobs/"))
    page.wait_for_selector("main .notice")
    result = page.inner_text("main")
    assert "Payments updated" in result and "stopped" not in result
    assert page.locator("#payments tbody tr").count() > 0


def test_history_shows_where_each_document_landed(page: Any, server: RunningServer, shots: Path) -> None:
    page.goto(f"{server.url}/history")
    assert STATE["batch"] in page.inner_text("#history-table")
    shoot(page, shots, "12-history")
    row = page.locator("#history-table tbody tr").filter(has_text="New batch").filter(has_text=STATE["batch"])
    row.get_by_role("link", name=STATE["batch"]).click()
    page.wait_for_selector("#documents")
    documents = page.inner_text("#documents")
    assert "posted" in documents and "invalid" in documents and "batch" in documents.lower()
    shoot(page, shots, "13-run")


def test_settings_round_trip(page: Any, server: RunningServer, web_env: dict[str, str], shots: Path) -> None:
    page.goto(f"{server.url}/settings")
    page.fill("#setting-chunk_size", "33")
    page.fill("#setting-customer_group", "RETAIL")
    page.fill("#setting-max_line_amount", "99999.99")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_selector("#messages .notice")
    page.reload()
    assert page.input_value("#setting-chunk_size") == "33"
    assert page.input_value("#setting-customer_group") == "RETAIL"
    assert page.input_value("#setting-max_line_amount") == "99999.99"
    config = (Path(web_env["CWSAGE_HOME"]) / "config.toml").read_text()
    assert "chunk_size = 33" in config and 'customer_group = "RETAIL"' in config
    assert "max_line_amount = 99999.99" in config
    assert leaks(config) == []
    shoot(page, shots, "14-settings", full_page=True)


def test_refusals_and_logout(page: Any, server: RunningServer) -> None:
    no_token = page.request.post(f"{server.url}/connect/forget", max_redirects=0)
    assert no_token.status == 403, "a POST without the CSRF token is refused"
    page.goto(f"{server.url}/batch")
    page.get_by_role("button", name="Logout").click()
    page.wait_for_url(re.compile(r"/login\?signed_out"))
    refused = page.request.get(f"{server.url}/batch", max_redirects=0)
    assert refused.status == 303 and refused.headers["location"] == "/login"
    api = page.request.post(f"{server.url}/batch/run", max_redirects=0)
    assert api.status == 401


@pytest.fixture(autouse=True, scope="module")
def _no_faults_left(sandbox: Sandbox) -> Any:
    yield
    sandbox.sage.faults.clear()
