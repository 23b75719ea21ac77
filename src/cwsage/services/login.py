"""The guide's Login screen as functions: test each connection, list Sage companies, save, forget passwords.

Why a module of its own: the web Login screen needs more than ``cwsage login`` does in the CLI — a *Test
connection* per system that says what it found (not only "it failed"), the Sage companies to pick from,
and "Forget saved passwords" — and the interfaces must not talk to the API clients themselves (DESIGN §2).
Every text that leaves here has passed :func:`cwsage.redaction.redact`; no function returns a secret.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, SecretStr, ValidationError

from cwsage.config import (
    FIELDS,
    SECRET_FIELDS,
    ManageSettings,
    RunDefaults,
    SageSettings,
    Settings,
    default_database_url,
    parse_verify,
    resolve_paths,
    save_profile,
    secret_key,
)
from cwsage.connectwise.client import ManageClient
from cwsage.errors import ConfigurationError, CwsageError
from cwsage.redaction import redact, register_secret
from cwsage.sage300.client import Sage300Client
from cwsage.services.connectivity import check_credentials

if TYPE_CHECKING:
    from cwsage.secrets import SecretStore

log = logging.getLogger("cwsage.services.login")

MANAGE = "ConnectWise Manage"
SAGE = "Sage 300"
SECTION_NAMES = {"manage": MANAGE, "sage": SAGE}

_T = TypeVar("_T")
_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class Finding:
    """One thing a connection test found: good news, or what is wrong and what to do."""

    ok: bool
    text: str


@dataclass(frozen=True)
class ConnectionReport:
    """What testing one system's connection found, step by step (it stops at the first blocking failure)."""

    system: str
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """Whether every step succeeded."""
        return all(f.ok for f in self.findings)


def _step(found: list[Finding], call: Callable[[], _T]) -> _T | None:
    """Run one step; on failure record what went wrong (redacted) and return ``None``."""
    try:
        return call()
    except CwsageError as exc:
        log.info("connection test step failed: %s", exc)
        found.append(Finding(False, redact(exc.paragraph())))
        return None


def _yes(flag: bool | None) -> str:
    return "yes" if flag else "no"


def check_manage(settings: ManageSettings) -> ConnectionReport:
    """Test the Manage connection: site and company, credentials, Accounting Package, unposted records.

    Args:
        settings: The Manage connection to test (nothing is saved).

    Returns:
        What each step found.
    """
    found: list[Finding] = []
    with ManageClient(settings) as client:
        info = _step(found, client.company_info)
        if info is None:
            return ConnectionReport(MANAGE, tuple(found))
        found.append(
            Finding(
                True,
                f"Site and company found: {info.company_name or settings.company} "
                f"(codebase {(info.codebase or '').strip('/') or 'given'}, cloud: {_yes(info.is_cloud)}).",
            )
        )
        system = _step(found, client.system_info)
        if system is None:
            return ConnectionReport(MANAGE, tuple(found))
        found.append(Finding(True, f"Credentials accepted (Manage version {system.version or 'unknown'})."))
        setup = _step(found, client.accounting_package_setup)
        if setup is not None:
            package = setup.accounting_package.name if setup.accounting_package else None
            found.append(
                Finding(
                    True,
                    f"Accounting Package: {package or 'set'}; transfer expenses as a bill: "
                    f"{_yes(setup.transfer_expenses_as_bill_flag)}; inventory SOH: {_yes(setup.inventory_soh_flag)}.",
                )
            )
            if not setup.include_sales_tax_flag:
                found.append(
                    Finding(
                        False,
                        "“Include Sales Tax” is off in the Accounting Package: invoices would reach Sage without "
                        "tax. Turn it on in Manage (System > Setup Tables > Accounting Package).",
                    )
                )
        counts = _step(
            found,
            lambda: {kind: client.unposted_count(kind) for kind in ("invoices", "expenses", "procurement")},
        )
        if counts is not None:
            found.append(
                Finding(
                    True,
                    f"Unposted in Manage: {counts['invoices']} invoice(s), {counts['expenses']} expense(s), "
                    f"{counts['procurement']} procurement record(s).",
                )
            )
    return ConnectionReport(MANAGE, tuple(found))


def check_sage(settings: SageSettings) -> ConnectionReport:
    """Test the Sage 300 connection: credentials and company, home currency, Inventory Control.

    Args:
        settings: The Sage connection to test (nothing is saved).

    Returns:
        What each step found.
    """
    found: list[Finding] = []
    with Sage300Client(settings) as client:
        read = _step(found, lambda: (client.company_profile(),))
        if read is None:
            return ConnectionReport(SAGE, tuple(found))
        profile = read[0]
        company = settings.company.upper()
        if profile is not None:
            multicurrency = "not stated" if profile.multicurrency is None else _yes(profile.multicurrency)
            found.append(
                Finding(
                    True,
                    f"Credentials accepted; company {company}: home currency "
                    f"{profile.home_currency or 'not stated'}, multicurrency {multicurrency}.",
                )
            )
        else:
            found.append(
                Finding(
                    True,
                    f"Credentials accepted; company {company} has no company profile this user can read "
                    "(CS/CSCompanyProfile): each run takes the home currency from the home_currency setting, "
                    "else from Sage's currency tables, and says so in its report.",
                )
            )
        inventory = _step(found, client.has_inventory_control)
        if inventory is not None:
            found.append(
                Finding(
                    True,
                    "Inventory Control is activated: adjustments and transfers go to IC."
                    if inventory
                    else "Inventory Control is not activated: inventory adjustments and transfers become GL journal "
                    "entries.",
                )
            )
    return ConnectionReport(SAGE, tuple(found))


@dataclass(frozen=True)
class SageCompany:
    """A company database the Sage 300 Web API serves."""

    id: str
    name: str


def sage_companies(url: str, user: str, password: str, *, verify_tls: bool | str = True) -> list[SageCompany]:
    """The companies the Sage 300 server lists, to pick one from; empty when it lists none or cannot be asked.

    The list resource is not one every installation has (``docs/sage300-inferred.md`` I1), so any failure
    means "type the company id" rather than an error.
    """
    if not (url.strip() and user.strip() and password):
        return []
    register_secret(password)
    probe = SageSettings(
        url=url.strip(), company="-", user=user.strip(), password=SecretStr(password), verify_tls=verify_tls
    )
    try:
        with Sage300Client(probe) as client:
            rows = client.companies()
    except CwsageError as exc:
        log.info("Sage 300 lists no companies: %s", exc)
        return []
    return [SageCompany(row.company_id, row.company_name or "") for row in rows if row.company_id]


# --------------------------------------------------------------------------------------------------------
# The form: build, save, forget
# --------------------------------------------------------------------------------------------------------


def _model(model: type[_M], section: str, values: Mapping[str, Any]) -> _M:
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        labels = {f.name: f.label for f in FIELDS if f.section == section}
        problems = "; ".join(
            f"{labels.get(str(e['loc'][0]), str(e['loc'][0])) if e['loc'] else section}: {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigurationError(
            f"The {SECTION_NAMES[section]} settings are not complete: {problems}.",
            hint="Fill them in (nothing was saved).",
        ) from None


def _section_values(section: str, entered: Mapping[str, str], current: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in FIELDS:
        if spec.section != section:
            continue
        raw = entered.get(spec.dotted) or ""
        text = raw if spec.secret else raw.strip()
        if text and spec.secret:
            register_secret(text)
        value: Any = text or current.get(spec.dotted)
        if value not in (None, ""):
            values[spec.name] = parse_verify(value) if spec.name == "verify_tls" else value
    return values


def build_manage(entered: Mapping[str, str], current: Mapping[str, Any]) -> ManageSettings:
    """The Manage connection from what the user entered; a blank field keeps the value in force.

    Only the fields of the chosen auth type are kept (API keys, or integrator and member).

    Args:
        entered: ``manage.name`` -> text from the form (blank means "keep", never "erase": a password field
            is never pre-filled).
        current: ``section.name`` -> the value in force (from :func:`cwsage.config.resolve_fields`).

    Raises:
        ConfigurationError: a field is missing or invalid, naming each one.
    """
    values = _section_values("manage", entered, current)
    auth = values.get("auth") or "apikey"
    if auth not in ("apikey", "impersonation"):
        raise ConfigurationError(
            f"Manage auth must be 'apikey' or 'impersonation', not {auth!r}.", hint="Choose one of the two."
        )
    unused = ("integrator_user", "integrator_password", "member") if auth == "apikey" else ("public_key", "private_key")
    for name in unused:
        values.pop(name, None)
    return _model(ManageSettings, "manage", values)


def build_sage(entered: Mapping[str, str], current: Mapping[str, Any]) -> SageSettings:
    """The Sage 300 connection from what the user entered; a blank field keeps the value in force.

    Raises:
        ConfigurationError: a field is missing or invalid, naming each one.
    """
    return _model(SageSettings, "sage", _section_values("sage", entered, current))


CredentialChecker = Callable[[Settings], list[str]]
"""Takes settings, returns readable problems (empty list: the credentials work)."""


def check_login(
    profile: str,
    manage: ManageSettings,
    sage: SageSettings,
    env: Mapping[str, str] | None = None,
    *,
    checkers: Sequence[CredentialChecker] = (check_credentials,),
) -> list[str]:
    """What a login checks before saving: one harmless call each system must accept.

    Args:
        profile: Profile name.
        manage: The Manage connection entered.
        sage: The Sage 300 connection entered.
        env: Environment (``CWSAGE_HOME``).
        checkers: What checks the settings (``cwsage login``'s tests replace the real check).

    Returns:
        One readable problem (redacted) per system that refused; empty when both answered.
    """
    layout = resolve_paths(env)
    candidate = Settings(
        manage=manage,
        sage=sage,
        defaults=RunDefaults(),
        database_url=default_database_url(layout.home),
        home=layout.home,
        profile=profile,
        config_file=layout.config_file,
    )
    return [redact(problem) for checker in checkers for problem in checker(candidate)]


@dataclass(frozen=True)
class SavedLogin:
    """Where a saved login went.

    Attributes:
        config_file: The ``config.toml`` written.
        secrets: ``"keyring"``, ``"file"``, or ``""`` when the passwords were not saved.
        secrets_place: The secret store in words (``OS keyring (…)``, ``encrypted secret file …``), or ``""``.
        forgotten: How many secrets saved before were forgotten (passwords not saved this time).
        note: Why the secrets saved before could not be forgotten (a secret file no key was given for), or ``""``.
    """

    config_file: str
    secrets: str
    secrets_place: str = ""
    forgotten: int = 0
    note: str = ""


def _plain_and_secrets(section: str, model: BaseModel) -> tuple[dict[str, Any], dict[str, str]]:
    plain: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    for name, value in model.model_dump().items():
        dotted = f"{section}.{name}"
        if dotted in SECRET_FIELDS:
            if value is not None:
                secrets[dotted] = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        elif value is not None:
            plain[name] = value
    return plain, secrets


def connection_secrets(manage: ManageSettings | None, sage: SageSettings | None) -> dict[str, str]:
    """``section.name`` -> secret value of the two connections (to keep for this session only)."""
    out: dict[str, str] = {}
    if manage is not None:
        out.update(_plain_and_secrets("manage", manage)[1])
    if sage is not None:
        out.update(_plain_and_secrets("sage", sage)[1])
    return out


def save_login(
    profile: str,
    manage: ManageSettings,
    sage: SageSettings,
    *,
    save_password: bool,
    store: SecretStore,
    env: Mapping[str, str] | None = None,
) -> SavedLogin:
    """Save a profile's connections: settings in ``config.toml``, secrets apart (``cwsage login`` and the web).

    With ``save_password`` the secrets go to the OS keyring or the encrypted secret file; without it any
    secret saved before for this profile is forgotten (the guide's unticked "Save password": a stale saved
    password must not outlive the one just entered), and the caller keeps them for the session only.

    Args:
        profile: Profile name.
        manage: The Manage connection.
        sage: The Sage 300 connection.
        save_password: Keep the secrets for the next time.
        store: The secret store (the web passes one that never asks for a passphrase at the terminal).
        env: Environment (``CWSAGE_HOME``).

    Returns:
        Where things were written.

    Raises:
        SecretKeyMissing: the secrets go to the encrypted file and no key from outside the home was given
            (the settings are saved all the same; the secrets are not).
    """
    from cwsage.secrets import SecretKeyMissing

    m_plain, m_secrets = _plain_and_secrets("manage", manage)
    s_plain, s_secrets = _plain_and_secrets("sage", sage)
    if m_plain.get("auth") == "apikey":
        for name in ("integrator_user", "member"):
            m_plain.pop(name, None)
    path = save_profile(profile, {"manage": m_plain, "sage": s_plain}, env)
    if not save_password:
        try:
            return SavedLogin(str(path), "", forgotten=forget_saved_passwords(profile, store))
        except SecretKeyMissing as exc:
            note = redact(f"The passwords saved before could not be forgotten: {exc.paragraph()}")
            return SavedLogin(str(path), "", note=note)
    used = {store.set(secret_key(profile, name), value) for name, value in {**m_secrets, **s_secrets}.items()}
    if used == {"keyring"}:
        return SavedLogin(str(path), "keyring", store.describe())
    return SavedLogin(str(path), "file", f"encrypted secret file {store.secrets_file}")


def forget_saved_passwords(profile: str, store: SecretStore) -> int:
    """Delete every saved secret of a profile (keyring and encrypted file); returns how many were held.

    Raises:
        SecretKeyMissing: the encrypted secret file cannot be opened (no key from outside the home).
    """
    held = 0
    for dotted in SECRET_FIELDS:
        name = secret_key(profile, dotted)
        try:
            present = store.get(name) is not None
        except ConfigurationError:
            present = False
        held += int(present)
        store.delete(name)
    return held


def saved_secrets(profile: str, store: SecretStore) -> set[str]:
    """Which secrets (``section.name``) the secret store holds for a profile — never their values.

    A store that cannot be opened (no key from outside the home) holds nothing readable: the empty set.
    """
    held: set[str] = set()
    for dotted in SECRET_FIELDS:
        try:
            if store.get(secret_key(profile, dotted)):
                held.add(dotted)
        except ConfigurationError:
            continue
    return held
