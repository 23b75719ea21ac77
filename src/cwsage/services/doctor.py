"""``cwsage doctor``: what both servers say about themselves, and whether cwsage has everything it needs there.

Why a service: the CLI prints it and tests read it; the checks are harmless reads only (Sage's ``$metadata``
per module, Manage's ``/system/info`` and Accounting Package setup), so the doctor can run at any time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cwsage.config import Settings
from cwsage.connectwise import models as cw
from cwsage.connectwise.client import ManageClient
from cwsage.dates import Clock, SystemClock
from cwsage.errors import CwsageError
from cwsage.redaction import redact
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.client import Sage300Client
from cwsage.services.discovery import discover_cached
from cwsage.state.store import StateStore

SETUP_SCREEN = "Manage > System > Setup Tables > Accounting Package"
SECURITY_SCREEN = "Manage > System > Security Roles (the API member's role)"

MANAGE_READS: dict[str, tuple[str, bool]] = {
    "finance/accounting/unpostedinvoices": ("select the invoices of a batch", True),
    "finance/accounting/unpostedexpenses": ("select the expenses of a batch", True),
    "finance/accounting/unpostedprocurement": ("select the procurement records of a batch", True),
    "finance/accounting/batches": ("find earlier batches for reruns", True),
    "finance/invoices": ("record Sage payments on Manage invoices (sync-payments)", True),
    "system/locations": ("select by location (--location)", True),
    "procurement/warehouses": ("derive the Sage IC location of inventory adjustments", False),
}
"""The endpoints cwsage reads, probed with one harmless GET each: what for, and whether a run needs it."""


@dataclass
class DoctorReport:
    """Both systems' findings; ``problems`` are what stops cwsage, ``warnings`` what degrades it."""

    sage: dict[str, Any] = field(default_factory=dict)
    manage: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when everything cwsage needs is there, 1 otherwise."""
        return 1 if self.problems else 0

    def as_dict(self) -> dict[str, Any]:
        """The one JSON object of ``cwsage doctor --json``."""
        return {
            "kind": "doctor",
            "exit_code": self.exit_code,
            "ok": not self.problems,
            "problems": self.problems,
            "warnings": self.warnings,
            "sage": self.sage,
            "manage": self.manage,
        }


def _failure(err: CwsageError) -> dict[str, Any]:
    return {"message": redact(err.user_message), "detail": redact(err.detail or ""), "hint": err.hint or ""}


def check_sage(
    settings: Settings, store: StateStore | None, report: DoctorReport, *, refresh: bool, clock: Clock
) -> None:
    """Reachability, auth, company, version, dialect and every resource/property cwsage uses."""
    sage = settings.need_sage()
    report.sage = {
        "url": redact(sage.url or ""),
        "company": sage.company,
        "tls": str(sage.url or "").startswith("https"),
    }
    try:
        with Sage300Client(sage) as client:
            discovery, changed = discover_cached(client, store, refresh=refresh, clock=clock)
            client.adopt(dialect=discovery.dialect, md16_names=discovery.md16_names, absent=(), notes=())
            rows, more = client.first_page(V.GL_ACCOUNTS)
    except CwsageError as err:
        report.sage.update({"reachable": False, "error": _failure(err)})
        report.problems.append(f"Sage 300: {redact(err.paragraph())}")
        return
    found = discovery.as_dict()
    report.sage.update(
        {
            "reachable": True,
            "version": discovery.version,
            "dialect": found["dialect"],
            "names": "2016 (MD16)" if discovery.md16_names else "v1.0",
            "page_size": rows if more else None,
            "page_size_note": (
                f"the server pages {rows} rows at a time (cwsage follows every next link)"
                if more
                else f"all {rows} GL accounts came in one page: the page size is at least {rows}"
            ),
            "changed_since_last_check": changed,
            "rights": found["modules"],
            "resources": found["resources"],
            "differences": discovery.differences(),
        }
    )
    report.problems.extend(f"Sage 300: {e.paragraph()}" for e in discovery.errors(V.Job.RUN))
    report.warnings.extend(discovery.warnings(V.Job.RUN))


def check_manage(settings: Settings, report: DoctorReport) -> None:
    """Reachability, auth, version and the Accounting Package setup the guide requires."""
    manage = settings.need_manage()
    report.manage = {"url": redact(str(manage.url or "")), "company": manage.company}
    try:
        with ManageClient(manage) as client:
            info = client.system_info()
            setup = client.accounting_package_setup()
            client_rights = {path: client.probe(path) for path in MANAGE_READS}
            segments = _segment_problems(client.gl_accounts(), client.gl_captions())
            report.manage["api_url"] = client.api_url()  # the codebase the site named, with the API path
    except CwsageError as err:
        report.manage.update({"reachable": False, "error": _failure(err)})
        report.problems.append(f"ConnectWise Manage: {redact(err.paragraph())}")
        return
    report.manage["rights"] = _manage_rights(client_rights, report)
    reference = setup.accounting_package
    package = (reference.identifier or reference.name) if reference is not None else None
    checks = {
        "accounting_package_other": (package or "").lower() == "other",
        "include_sales_tax": bool(setup.include_sales_tax_flag),
        "transfer_expense_as_bill": bool(setup.transfer_expenses_as_bill_flag),
        "inventory_soh": bool(setup.inventory_soh_flag),
        "include_cogs_entries": bool(setup.include_cogs_entries_flag),
    }
    report.manage.update(
        {
            "reachable": True,
            "version": info.version,
            "cloud": info.is_cloud,
            "accounting_package": package,
            "setup": checks,
        }
    )
    fixes = {
        "accounting_package_other": f"set 'Accounting Package Setup' to 'Other' ({SETUP_SCREEN})",
        "include_sales_tax": f"check 'Include Sales Tax' under Sales Tax Options ({SETUP_SCREEN})",
        "transfer_expense_as_bill": f"check 'Transfer Expense as a Bill' if you transfer expenses ({SETUP_SCREEN})",
        "inventory_soh": f"check 'Inventory SOH Option' under Product Options ({SETUP_SCREEN})",
        "include_cogs_entries": f"check 'Include COGS Entries' if you transfer costing ({SETUP_SCREEN})",
    }
    report.manage["account_segments"] = segments
    for line in segments["problems"]:
        report.problems.append(f"ConnectWise Manage: {line}")
    for line in segments["warnings"]:
        report.warnings.append(f"ConnectWise Manage: {line}")
    for name, ok in checks.items():
        if not ok:
            line = f"ConnectWise Manage: {fixes[name]}"
            optional = name in ("transfer_expense_as_bill", "include_cogs_entries")  # "if you transfer …"
            (report.warnings if optional else report.problems).append(line)


GL_SCREEN = "Manage > System > Setup Tables > GL Accounts > Captions"


def _segment_problems(accounts: list[cw.GLAccount], captions: list[cw.GLCaption]) -> dict[str, Any]:
    """The guide: each segment that is part of the GL account structure has the type ``Account`` (classes only
    in certain circumstances). The segments in use are those any GL account mapping fills."""
    used = sorted({n for a in accounts for n in range(1, 11) if (getattr(a, f"segment{n}") or "").strip()})
    caption = captions[0] if captions else None
    types = {n: (caption.segment_type(n) if caption else None) for n in used}
    problems: list[str] = []
    warnings: list[str] = []
    if caption is None and used:
        warnings.append(
            f"the GL segment types could not be read ({GL_SCREEN}); check that segments {used} are 'Account'"
        )
    for n, kind in types.items():
        if caption is None or kind == "Account":
            continue
        line = f"GL segment {n} is used by the account mappings but its type is {kind!r}, not 'Account' ({GL_SCREEN})"
        (warnings if kind == "Class" else problems).append(
            line + ("; the guide allows classes only in certain circumstances" if kind == "Class" else "")
        )
    return {"used": used, "types": {str(n): t for n, t in types.items()}, "problems": problems, "warnings": warnings}


def _manage_rights(statuses: dict[str, int], report: DoctorReport) -> dict[str, str]:
    """Each probed endpoint as ok / forbidden / missing; what a run needs and lacks is a problem."""
    rights: dict[str, str] = {}
    for path, status in statuses.items():
        what, needed = MANAGE_READS[path]
        rights[path] = {403: "forbidden", 404: "missing"}.get(status, "ok")
        if rights[path] == "ok":
            continue
        line = f"ConnectWise Manage: /{path} is {rights[path]} for the API member; cwsage uses it to {what}. " + (
            f"Allow it in {SECURITY_SCREEN}." if status == 403 else "Check the Manage version."
        )
        (report.problems if needed else report.warnings).append(line)
    return rights


def doctor(
    settings: Settings, store: StateStore | None, *, refresh: bool = False, clock: Clock | None = None
) -> DoctorReport:
    """Check both systems; never raises for what a server answers (that is the report)."""
    report = DoctorReport()
    clock = clock or SystemClock()
    if settings.sage is None:
        report.problems.append("Sage 300: not configured (run `cwsage login`).")
    else:
        check_sage(settings, store, report, refresh=refresh, clock=clock)
    if settings.manage is None:
        report.problems.append("ConnectWise Manage: not configured (run `cwsage login`).")
    else:
        check_manage(settings, report)
    return report
