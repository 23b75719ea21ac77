"""Start both emulators with the demo company on loopback ports, and say how to connect to them.

Used by ``cwsage sandbox`` (foreground), ``cwsage demo`` (in-process) and the end-to-end tests.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from cwsage.config import ManageSettings, RunDefaults, SageSettings, Settings, default_database_url
from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.manage.app import ManageEmulator
from cwsage.sandbox.manage.app import create_app as create_manage
from cwsage.sandbox.manage.seed import CompanySpec
from cwsage.sandbox.sage300.app import SageEmulator
from cwsage.sandbox.sage300.app import create_app as create_sage
from cwsage.sandbox.sage300.dialect import Version
from cwsage.sandbox.server import ServerThread


@dataclass
class Sandbox:
    """Both emulators, served."""

    manage: ManageEmulator
    sage: SageEmulator
    manage_server: ServerThread
    sage_server: ServerThread

    def manage_settings(self) -> ManageSettings:
        """Connection settings for the Manage emulator (API keys)."""
        return ManageSettings(
            url=self.manage_server.url,
            company=dc.MANAGE_COMPANY_ID,
            auth="apikey",
            public_key=dc.MANAGE_PUBLIC_KEY,
            private_key=SecretStr(dc.MANAGE_PRIVATE_KEY),
            client_id=SecretStr(dc.MANAGE_CLIENT_ID),
            timeout_seconds=10.0,
        )

    def sage_settings(self) -> SageSettings:
        """Connection settings for the Sage 300 emulator."""
        return SageSettings(
            url=self.sage_server.url,
            company=dc.SAGE_COMPANY,
            user=dc.SAGE_USER,
            password=SecretStr(dc.SAGE_PASSWORD),
            timeout_seconds=10.0,
        )

    def settings(self, home: Path, defaults: RunDefaults | None = None) -> Settings:
        """Full settings pointing at the sandbox, with state kept under ``home``."""
        return Settings(
            manage=self.manage_settings(),
            sage=self.sage_settings(),
            defaults=defaults or RunDefaults(ic_default_location="MAIN"),
            database_url=default_database_url(home),
            home=home,
            config_file=home / "config.toml",
        )

    def env(self) -> dict[str, str]:
        """The ``CWSAGE_*`` environment variables that point cwsage at this sandbox."""
        return {
            "CWSAGE_MANAGE_URL": self.manage_server.url,
            "CWSAGE_MANAGE_COMPANY": dc.MANAGE_COMPANY_ID,
            "CWSAGE_MANAGE_AUTH": "apikey",
            "CWSAGE_MANAGE_PUBLIC_KEY": dc.MANAGE_PUBLIC_KEY,
            "CWSAGE_MANAGE_PRIVATE_KEY": dc.MANAGE_PRIVATE_KEY,
            "CWSAGE_MANAGE_CLIENT_ID": dc.MANAGE_CLIENT_ID,
            "CWSAGE_SAGE_URL": self.sage_server.url,
            "CWSAGE_SAGE_COMPANY": dc.SAGE_COMPANY,
            "CWSAGE_SAGE_USER": dc.SAGE_USER,
            "CWSAGE_SAGE_PASSWORD": dc.SAGE_PASSWORD,
        }

    def describe(self) -> str:
        """What a user needs to point cwsage (or anything else) at the sandbox."""
        exports = "\n".join(f"  export {name}={value}" for name, value in self.env().items())
        return (
            f"ConnectWise Manage emulator: {self.manage_server.url}/v4_6_release/apis/3.0/ "
            f"(company {dc.MANAGE_COMPANY_ID})\n"
            f"Sage 300 emulator:           {self.sage_server.url}/Sage300WebApi/v1.0/-/{dc.SAGE_COMPANY}/\n"
            f"Control APIs: {self.manage_server.url}/_sandbox/state and {self.sage_server.url}/_sandbox/state\n"
            f"To use them from another shell:\n{exports}\n  export CWSAGE_HOME=/tmp/cwsage-sandbox\n"
            "Press Ctrl+C to stop."
        )


@contextlib.contextmanager
def start_sandbox(
    *,
    manage_port: int | None = None,
    sage_port: int | None = None,
    inventory_control: bool = True,
    allow_admin: bool = False,
    transfer_expenses_as_bill: bool = True,
    extra_invoices: int = 0,
    sage_version: Version = "v1.0",
    sage_forbidden_modules: tuple[str, ...] = (),
    sage_company_profile: bool = True,
    sage_companies_list: bool = False,
    generated: CompanySpec | None = None,
) -> Iterator[Sandbox]:
    """Serve both emulators (free ports unless given) for the duration of the ``with`` block.

    The ``sage_*`` switches start the Sage emulator as another real installation (its dialects): version
    ``"2016"`` (MD16 names and keys, OData v3), a user without rights to some modules, a site without the
    company profile, and one that serves the companies list (I1). ``generated`` starts the Manage emulator
    with a generated company of that spec instead of the demo's transactions (same master data, so the Sage
    emulator fits it as it fits the demo).
    """
    manage = create_manage(
        extra_invoices=extra_invoices, transfer_expenses_as_bill=transfer_expenses_as_bill, generate=generated
    )
    sage = create_sage(
        inventory_control=inventory_control,
        allow_admin=allow_admin,
        version=sage_version,
        forbidden_modules=sage_forbidden_modules,
        company_profile=sage_company_profile,
        companies_list=sage_companies_list,
    )
    manage_server = ServerThread(manage.app, port=manage_port).start()
    try:
        sage_server = ServerThread(sage.app, port=sage_port).start()
        try:
            yield Sandbox(manage, sage, manage_server, sage_server)
        finally:
            sage_server.stop()
    finally:
        manage_server.stop()
