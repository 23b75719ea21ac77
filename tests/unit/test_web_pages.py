"""The web UI's screens against the sandbox, where a browser would prove nothing more (TestClient)."""

from __future__ import annotations

import getpass
import io
import re
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from browser.support import Browser, make_browser
from cwsage.config import RunDefaults, SageSettings, load_settings
from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.runner import Sandbox
from cwsage.secrets import SecretStore
from cwsage.web.demo import prepare_home
from cwsage.web.jobs import JobState

if TYPE_CHECKING:
    from tests.conftest import SandboxPool

SECRETS = (dc.SAGE_PASSWORD, dc.MANAGE_PRIVATE_KEY, dc.MANAGE_CLIENT_ID)


def leaks(text: str) -> list[str]:
    """The secrets that appear in ``text`` as whole words (``DEMO`` inside ``CWDEMO`` is the company, not one)."""
    return [s for s in SECRETS if re.search(rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])", text)]


@pytest.fixture(scope="module")
def sandbox(sandboxes: SandboxPool) -> Iterator[Sandbox]:
    with sandboxes.fresh() as box:
        yield box


@pytest.fixture
def env(sandbox: Sandbox, cwsage_home: Path) -> dict[str, str]:
    """A home logged in to the sandbox (passwords in the encrypted secret file)."""
    return {**prepare_home(sandbox, cwsage_home), "CWSAGE_HOME": str(cwsage_home)}


@pytest.fixture
def browser(env: dict[str, str]) -> Browser:
    return make_browser(env)


def _wait(browser: Browser) -> None:
    assert browser.web.jobs.wait_all(60), "the job did not finish"


def test_login_screen_never_shows_a_secret(browser: Browser) -> None:
    page = browser.client.get("/connect")
    assert page.status_code == 200
    assert leaks(page.text) == []
    assert page.text.count("saved — leave empty to keep") == 3
    assert dc.SAGE_USER in page.text and dc.MANAGE_COMPANY_ID in page.text


def test_test_connection_reports_what_each_system_has(browser: Browser) -> None:
    sage = browser.post("/connect/test/sage", {})
    assert "Credentials accepted" in sage.text and "Inventory Control is activated" in sage.text  # type: ignore[attr-defined]
    manage = browser.post("/connect/test/manage", {})
    assert "Site and company found" in manage.text and "Unposted in Manage" in manage.text  # type: ignore[attr-defined]
    wrong = browser.post("/connect/test/sage", {"sage.password": "WRONG-PASSWORD"})
    assert "problems found" in wrong.text and "WRONG-PASSWORD" not in wrong.text  # type: ignore[attr-defined]


def test_sage_company_is_typed_when_the_server_lists_none(browser: Browser) -> None:
    field = browser.post("/connect/companies", {}).text  # type: ignore[attr-defined]
    assert "<select" not in field, "the default emulator serves no companies list (I1)"
    assert f'<input type="text" id="sage-company" name="sage.company" value="{dc.SAGE_COMPANY}"' in field


def test_sage_company_is_picked_from_the_list_the_server_gives(sandboxes: SandboxPool, cwsage_home: Path) -> None:
    with sandboxes.fresh(sage_companies_list=True) as box:
        browser = make_browser(prepare_home(box, cwsage_home))
        field = browser.post("/connect/companies", {}).text  # type: ignore[attr-defined]
        assert '<select id="sage-company" name="sage.company"' in field and 'type="text"' not in field
        assert f'<option value="{dc.SAGE_COMPANY}" selected>{dc.SAGE_COMPANY} — Northwind Managed IT</option>' in field
        refused = browser.post("/connect/companies", {"sage.password": "WRONG"}).text  # type: ignore[attr-defined]
        assert 'type="text"' in refused and "<select" not in refused, "the server lists nothing: the company is typed"
        assert leaks(field) == leaks(refused) == []


def test_a_locked_secret_file_is_shown_on_the_login_screen_and_never_asked_for(
    browser: Browser, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_prompt(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("the web UI asked for a passphrase at the terminal")

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setattr(getpass, "getpass", no_prompt)
    without_key = {k: v for k, v in env.items() if k != "CWSAGE_SECRETS_KEY"}
    locked = make_browser(without_key)
    page = locked.client.get("/connect")
    assert page.status_code == 200
    assert 'id="secrets-locked"' in page.text and "CWSAGE_SECRETS_KEY" in page.text
    assert "cannot be read" in page.text and leaks(page.text) == []
    work = locked.client.get("/batch")
    assert work.status_code == 303 and work.headers["location"] == "/connect", "to the screen that says what to set"
    assert 'id="secrets-locked"' not in browser.client.get("/connect").text, "with the key the file opens"
    form = {
        "sage.password": dc.SAGE_PASSWORD,
        "manage.private_key": dc.MANAGE_PRIVATE_KEY,
        "manage.client_id": dc.MANAGE_CLIENT_ID,
        "save_password": "on",
    }
    logged_in = locked.post("/connect", form)
    assert logged_in.status_code == 303  # type: ignore[attr-defined]
    batch = locked.client.get("/batch")
    assert batch.status_code == 200, "the passwords that could not be saved work for this session"
    assert "kept for this session only" in batch.text and "CWSAGE_SECRETS_KEY" in batch.text


def test_log_in_without_saving_passwords_keeps_them_for_the_session(browser: Browser, env: dict[str, str]) -> None:
    home = Path(env["CWSAGE_HOME"])
    store = SecretStore(home, env=env)
    form = {"sage.password": dc.SAGE_PASSWORD, "manage.private_key": dc.MANAGE_PRIVATE_KEY}
    saved = browser.post("/connect", form)
    assert saved.status_code == 303  # type: ignore[attr-defined]
    assert store.names() == [], "unticked Save password: nothing stays on disk"
    assert browser.client.get("/batch").status_code == 200, "the session's passwords are used"
    assert leaks((home / "config.toml").read_text()) == []
    forget = browser.post("/connect/forget")
    assert forget.status_code == 303  # type: ignore[attr-defined]
    assert browser.client.get("/batch").status_code == 303, "no password left: back to the Login screen"


def test_log_in_refuses_wrong_credentials_and_saves_nothing(browser: Browser, env: dict[str, str]) -> None:
    before = (Path(env["CWSAGE_HOME"]) / "config.toml").read_text()
    refused = browser.post("/connect", {"sage.password": "NOT-IT", "save_password": "on"})
    assert refused.status_code == 422 and "Nothing was saved" in refused.text  # type: ignore[attr-defined]
    assert (Path(env["CWSAGE_HOME"]) / "config.toml").read_text() == before
    assert load_settings(env=env).need_sage().password.get_secret_value() == dc.SAGE_PASSWORD


def test_run_new_batch_lists_records_with_their_problems(browser: Browser) -> None:
    page = browser.client.get("/batch")
    assert page.status_code == 200
    assert "Toronto (" in page.text and "Chicago (" in page.text, "locations with records"
    records = browser.client.get("/batch/records?invoices=on&expenses=on&inventory=on&detail=default").text
    assert records.count('name="include"') == 216 + 32 + 15
    assert "Blue Heron Dental" in records and "BLUEHERON" in records
    assert "What to do (in Sage 300): " in records  # the CLI's wording (Issue.what_to_do)
    denver = browser.client.get("/batch/records?invoices=on&location=Denver").text
    assert "Toronto</td>" not in denver and "Denver</td>" in denver


def test_batch_number_follows_the_guide(browser: Browser) -> None:
    today = browser.web.config.clock.now().date().strftime("%Y%m%d")
    field = browser.client.get("/batch/number?invoices=on&initials=jd").text
    assert f'value="{today}JD-I"' in field
    ticked = browser.client.get("/batch/number?invoices=on&expenses=on&counted=1&include=expense:3301").text
    assert f'value="{today}JD-E"' in ticked


def test_preview_job_and_its_downloads(browser: Browser) -> None:
    form = {
        "invoices": "on",
        "include": ["invoice:5001", "invoice:5014"],
        "batch_number": "UNIT-PREVIEW",
        "detail": "default",
    }
    started = browser.post("/batch/preview", form)
    assert started.status_code == 303  # type: ignore[attr-defined]
    job_url = started.headers["location"]  # type: ignore[attr-defined]
    _wait(browser)
    job = browser.web.jobs.all()[0]
    assert job.state is JobState.DONE
    page = browser.client.get(job_url).text
    assert "What will post where" in page and "GL impact per account" in page and "BLUEHERON" in page
    events = browser.client.get(f"{job_url}/events", headers={"Last-Event-ID": "2"}).text
    assert "id: 1\n" not in events and "id: 3\n" in events and "event: end" in events
    csv_file = browser.client.get(f"{job_url}/errors.csv")
    assert csv_file.headers["content-disposition"].endswith('UNIT-PREVIEW-errors.csv"')
    text = csv_file.content.decode("utf-8-sig")
    assert text.startswith("Severity,Record,Problem,Field,Value,Fix in,What to do")
    assert "invoice 10114" in text and "BLUEHERON" in text
    book = load_workbook(io.BytesIO(browser.client.get(f"{job_url}/errors.xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:3] == ("Severity", "Record", "Problem") and any("BLUEHERON" in str(r) for r in rows[1:])
    log = browser.client.get(f"{job_url}/full-log.txt").text
    assert "Documents:" in log and "[invalid]" in log and "[would post]" in log
    assert leaks(page) == leaks(text) == leaks(log) == []


def test_nothing_ticked_is_refused_with_a_message(browser: Browser) -> None:
    refused = browser.post("/batch/preview", {"invoices": "on", "batch_number": "X"})
    assert refused.status_code == 400 and "no record is ticked" in refused.text  # type: ignore[attr-defined]


def test_settings_form_is_the_run_defaults_declaration(browser: Browser, env: dict[str, str]) -> None:
    page = browser.client.get("/settings").text
    for name, info in RunDefaults.model_fields.items():
        assert f'name="{name}"' in page
        assert info.description and str(escape(info.description)) in page, f"the whole help text of {name}"
    values = {name: "" for name in RunDefaults.model_fields if name != "auto_post"}  # an unticked box is not sent
    values |= {"chunk_size": "12", "customer_group": "RETAIL", "gl_source_code": "GL-CW", "default_tax_class": "2"}
    values |= {"max_document_amount": "250000", "max_line_amount": "99999.99", "home_currency": "CAD"}
    saved = browser.post("/settings", values)
    assert saved.status_code == 303  # type: ignore[attr-defined]
    defaults = load_settings(env=env, require=frozenset()).defaults
    assert (defaults.chunk_size, defaults.customer_group, defaults.gl_source_code) == (12, "RETAIL", "GL-CW")
    assert (defaults.max_document_amount, defaults.max_line_amount) == (Decimal(250000), Decimal("99999.99"))
    assert defaults.home_currency == "CAD"
    assert 'value="99999.99"' in browser.client.get("/settings").text
    assert defaults.auto_post is False and defaults.ic_default_location is None, "unticked / cleared"
    refused = browser.post("/settings", {**values, "chunk_size": "0"})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text  # type: ignore[attr-defined]
    assert load_settings(env=env, require=frozenset()).defaults.chunk_size == 12


def test_history_and_rerun_pages_without_runs(browser: Browser) -> None:
    assert "No runs yet." in browser.client.get("/history").text
    assert "No batch has been run with cwsage yet" in browser.client.get("/rerun").text
    assert browser.client.get("/history/no-such-run").status_code == 404


def test_connections_kept_when_a_field_is_left_blank(browser: Browser, env: dict[str, str]) -> None:
    assert browser.post("/connect", {"save_password": "on"}).status_code == 303  # type: ignore[attr-defined]
    sage = load_settings(env=env).need_sage()
    assert isinstance(sage, SageSettings) and sage.password.get_secret_value() == dc.SAGE_PASSWORD
