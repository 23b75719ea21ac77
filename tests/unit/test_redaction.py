"""Masking by secret field, not by substring (issue 13, finding 6).

The sandbox's Sage password ``DEMO`` is part of its company id ``CWDEMO``; the Manage integrator password ``demo``
is part of the Manage company ``cwdemo``. Masking by value turned the companies into ``CW***`` / ``cw***`` in
``config show``, in error paragraphs, in the log file and in the reports. Secrets are now masked where they are
rendered (secret fields, headers, URLs, secret keys), and registered values only as whole, distinctive tokens.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cwsage import cli
from cwsage.config import Settings
from cwsage.logging_setup import configure_logging, reset_logging
from cwsage.redaction import MASK, forget_secrets, redact, register_secret
from cwsage.secrets import SecretStore
from cwsage.services.reports import write_reports
from cwsage.services.results import Outcome, RunResult

runner = CliRunner()

SAGE_COMPANY = "CWDEMO"
SAGE_PASSWORD = "DEMO"
MANAGE_COMPANY = "cwdemo"
INTEGRATOR_PASSWORD = "demo"


def _whole(word: str) -> re.Pattern[str]:
    """``word`` as a whole token (not inside ``CWDEMO``)."""
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])")


def _register_sandbox_secrets() -> None:
    for value in (SAGE_PASSWORD, INTEGRATOR_PASSWORD, "cwdemo-private", "00000000-0000-4000-8000-00000000c0de"):
        register_secret(value)


# ------------------------------------------------------------------------------------------- the rules


def test_a_short_password_inside_a_company_id_leaves_the_company_intact() -> None:
    _register_sandbox_secrets()
    text = f"Sage 300 company {SAGE_COMPANY}, Manage company {MANAGE_COMPANY}, url http://h/-/{SAGE_COMPANY}/AR"
    assert redact(text) == text


def test_registered_values_are_masked_only_as_whole_distinctive_tokens() -> None:
    from cwsage.redaction import is_distinctive, registered_count

    register_secret("PRIV-zz91-secret")
    assert redact("bad key PRIV-zz91-secret.") == f"bad key {MASK}."
    assert redact("(PRIV-zz91-secret)") == f"({MASK})"
    assert redact("xPRIV-zz91-secret") == "xPRIV-zz91-secret"  # part of another token: not the secret
    assert redact("PRIV-zz91-secrets") == "PRIV-zz91-secrets"
    for weak in ("DEMO", "demo", "1234567", "password", "Password", " padded-secret-1 "):
        assert not is_distinctive(weak)
    for strong in ("cwdemo-private", "S3cr3t-Sage-Pa55", "CorrectHorseBatteryStaple"):
        assert is_distinctive(strong)
    before = registered_count()
    register_secret("password")  # would mask the word "password" in every message
    assert registered_count() == before
    assert redact("Sage 300 password (sage.password) is not set") == "Sage 300 password (sage.password) is not set"


def test_secret_syntax_is_masked_whatever_the_value() -> None:
    assert redact("Authorization: Basic Q1dTQUdFOkRFTU8=") == f"Authorization: Basic {MASK}"
    assert redact("{'Authorization': 'Bearer abc.def', 'Accept': 'x'}") == (
        f"{{'Authorization': 'Bearer {MASK}', 'Accept': 'x'}}"
    )
    assert redact("Cookie: session=abc; other=1") == f"Cookie: {MASK}"
    assert redact("postgresql+psycopg://cwsage:DEMO@db/state") == f"postgresql+psycopg://cwsage:{MASK}@db/state"
    assert redact("https://x.example/a?password=DEMO&company=CWDEMO") == (
        f"https://x.example/a?password={MASK}&company=CWDEMO"
    )
    assert redact('{"privateKey": "k", "password": "DEMO", "key": "AR:1001", "company": "CWDEMO"}') == (
        f'{{"privateKey": "{MASK}", "password": "{MASK}", "key": "AR:1001", "company": "CWDEMO"}}'
    )
    assert redact("CWSAGE_SAGE_PASSWORD=DEMO CWSAGE_SAGE_COMPANY=CWDEMO") == (
        f"CWSAGE_SAGE_PASSWORD={MASK} CWSAGE_SAGE_COMPANY=CWDEMO"
    )
    assert redact("clientId: 0000-1111") == f"clientId: {MASK}"


def test_urls_and_headers_for_log_lines() -> None:
    from cwsage.redaction import redact_headers, redact_url

    assert redact_url("https://user:DEMO@h.example/-/CWDEMO/x?a=1&privateKey=zz") == (
        f"https://user:{MASK}@h.example/-/CWDEMO/x?a=1&privateKey={MASK}"
    )
    assert redact_url("http://127.0.0.1:8080/-/CWDEMO/AR?$top=5") == "http://127.0.0.1:8080/-/CWDEMO/AR?$top=5"
    assert redact_url("sqlite:////home/me/.cwsage/state.db") == "sqlite:////home/me/.cwsage/state.db"
    assert redact_headers({"Authorization": "Basic Q1dT", "clientId": "c-1", "Accept": "application/json"}) == {
        "Authorization": f"Basic {MASK}",
        "clientId": MASK,
        "Accept": "application/json",
    }


@given(st.text(max_size=200))
def test_redaction_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll", "Nd"]), min_size=1, max_size=40))
def test_text_with_no_secret_syntax_is_never_changed_by_a_short_registered_password(text: str) -> None:
    forget_secrets()
    register_secret(SAGE_PASSWORD)
    register_secret(INTEGRATOR_PASSWORD)
    assert redact(f"company {text}{SAGE_COMPANY}{text} ok") == f"company {text}{SAGE_COMPANY}{text} ok"


# ----------------------------------------------------------------------------- everywhere it is shown


def _sandbox_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CWSAGE_MANAGE_URL", "https://manage.example")
    monkeypatch.setenv("CWSAGE_MANAGE_COMPANY", MANAGE_COMPANY)
    monkeypatch.setenv("CWSAGE_MANAGE_AUTH", "impersonation")
    monkeypatch.setenv("CWSAGE_MANAGE_CLIENT_ID", "00000000-0000-4000-8000-00000000c0de")
    monkeypatch.setenv("CWSAGE_MANAGE_INTEGRATOR_USER", "integrator")
    monkeypatch.setenv("CWSAGE_MANAGE_INTEGRATOR_PASSWORD", INTEGRATOR_PASSWORD)
    monkeypatch.setenv("CWSAGE_MANAGE_MEMBER", "jsmith")
    monkeypatch.setenv("CWSAGE_SAGE_URL", "https://sage.example/Sage300WebApi")
    monkeypatch.setenv("CWSAGE_SAGE_COMPANY", SAGE_COMPANY)
    monkeypatch.setenv("CWSAGE_SAGE_USER", "CWSAGE")
    monkeypatch.setenv("CWSAGE_SAGE_PASSWORD", SAGE_PASSWORD)
    monkeypatch.setenv("CWSAGE_DATABASE_URL", "postgresql+psycopg://cwsage:DEMO@db.example/state")


def test_config_show_shows_the_company_and_masks_only_secret_fields(
    cwsage_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sandbox_env(monkeypatch)
    # As after `cwsage login --save-password`: the passwords come from the secret store.
    monkeypatch.delenv("CWSAGE_SAGE_PASSWORD")
    monkeypatch.delenv("CWSAGE_MANAGE_INTEGRATOR_PASSWORD")
    store = SecretStore(cwsage_home, backend="file")
    store.set("default/sage.password", SAGE_PASSWORD)
    store.set("default/manage.integrator_password", INTEGRATOR_PASSWORD)
    monkeypatch.setenv("COLUMNS", "300")  # one line per setting: no value folded over two lines
    result = runner.invoke(cli.app, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert SAGE_COMPANY in result.output
    assert _whole(MANAGE_COMPANY).search(result.output)
    assert "CW***" not in result.output
    assert "cw***" not in result.output
    assert not _whole(SAGE_PASSWORD).search(result.output)
    assert not _whole(INTEGRATOR_PASSWORD).search(result.output)
    assert f"cwsage:{MASK}@db.example" in result.output  # the database password is masked inside its URL
    assert result.output.count(MASK) >= 4  # client id, integrator password, Sage password, database password


def test_error_paragraph_names_the_company_without_the_password(
    cwsage_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def checker(settings: Settings) -> list[str]:
        sage = settings.need_sage()
        return [f"Sage 300: user {sage.user} may not open company {sage.company} (Authorization: Basic Q1dTQUdF)"]

    monkeypatch.setattr(cli, "CREDENTIAL_CHECKERS", [checker])
    answers = [
        "https://manage.example",
        MANAGE_COMPANY,
        "impersonation",
        "00000000-0000-4000-8000-00000000c0de",
        "integrator",
        INTEGRATOR_PASSWORD,
        "jsmith",
        "https://sage.example",
        SAGE_COMPANY,
        "CWSAGE",
        SAGE_PASSWORD,
        "",
    ]
    result = runner.invoke(cli.app, ["login"], input="\n".join(answers))
    assert result.exit_code == 1
    paragraph = result.output.split("Sage 300 password:")[-1]  # what follows the (hidden) last prompt
    assert f"may not open company {SAGE_COMPANY}" in paragraph
    assert "CW***" not in paragraph
    assert f"Authorization: Basic {MASK}" in paragraph
    assert not _whole(SAGE_PASSWORD).search(paragraph)


def test_log_file_and_reports_keep_the_company(tmp_path: Path) -> None:
    _register_sandbox_secrets()
    try:
        log_file = configure_logging(logs_dir=tmp_path / "logs")
        logger = logging.getLogger("cwsage.test")
        logger.info("Sage 300 GET http://127.0.0.1:9/Sage300WebApi/v1.0/-/%s/AR/ARCustomers", SAGE_COMPANY)
        logger.info("headers %s", {"Authorization": "Basic Q1dTQUdFOkRFTU8=", "company": SAGE_COMPANY})
        logger.info("environment CWSAGE_SAGE_PASSWORD=%s for %s", SAGE_PASSWORD, SAGE_COMPANY)
        for handler in logging.getLogger().handlers:
            handler.flush()
    finally:
        reset_logging()
    assert log_file is not None
    log_text = log_file.read_text(encoding="utf-8")
    assert f"/-/{SAGE_COMPANY}/AR/ARCustomers" in log_text
    assert f"'company': '{SAGE_COMPANY}'" in log_text
    assert "CW***" not in log_text
    assert not _whole(SAGE_PASSWORD).search(log_text)
    assert "Q1dTQUdFOkRFTU8=" not in log_text

    result = RunResult(
        "run",
        "B-CWDEMO",
        Outcome.FAILED,
        f"Sage 300 company {SAGE_COMPANY} refused the batch",
        run_id="r1",
        warnings=[f"Manage company {MANAGE_COMPANY} has no location for {SAGE_COMPANY}"],
    )
    paths = write_reports(tmp_path / "reports", result, [{"event": "note", "detail": {"company": SAGE_COMPANY}}])
    for path in paths.values():
        text = path.read_text(encoding="utf-8")
        assert SAGE_COMPANY in text, path
        assert "CW***" not in text
        assert "cw***" not in text
        assert not _whole(SAGE_PASSWORD).search(text)


def _every_pattern(text: str) -> str:
    """The redaction as it was before the keyword pre-check: every pattern over the whole text."""
    from cwsage import redaction as r

    text = r._AUTHORIZATION.sub(r._authorization, text)
    text = r._COOKIE.sub(lambda m: f"{m.group(1)}{r.MASK}", text)
    text = r._URL_PASSWORD.sub(lambda m: f"{m.group(1)}{r.MASK}@", text)
    text = r._QUERY_PARAM.sub(lambda m: f"{m.group(1)}{r.MASK}", text)
    text = r._KEY_VALUE.sub(r._key_value, text)
    net = r._safety_net()
    return net.sub(r.MASK, text) if net is not None else text


@pytest.mark.parametrize(
    "text",
    [
        "invoice 10234 — Acme — CAD 12.50",
        "Client_Secret: abc123 and PASS-WORD=xyz",
        "Proxy-Authorization: Basic dXNlcjpwYXNz",
        "set-cookie: session=abc; path=/",
        "https://user:hunter2@example.com/x?key=K123&sig=S&code=C",
        "paſsword=abc",  # a long s: (?i) takes it for s
        "prİvatekey: x1 and prıvate_key = x2",  # the dotted and dotless i: (?i) takes both for i
        "aPiKeY='quoted value'",
        "no secret here, only words like passage and tokenism",
    ],
)
def test_skipping_patterns_whose_keyword_is_absent_changes_nothing(text: str) -> None:
    assert redact(text) == _every_pattern(text)


@given(st.text(alphabet=st.sampled_from(list("pasword_-=:Tokn İıſK\"'abc1@/?&;")), max_size=60))
def test_skipping_patterns_changes_nothing_for_any_mix_of_keyword_letters(text: str) -> None:
    assert redact(text) == _every_pattern(text)
