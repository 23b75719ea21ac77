"""Regenerate the golden *inputs* (``cases/<case>/glexport.json``) from the Manage emulator.

Why a script and not a fixture: the golden test must not depend on the emulator (it reads files), but
the inputs should be what Manage really sends, not hand-typed JSON. Run this by hand when the emulator's
GLExport shape changes, review the diff, then regenerate the expected outputs with
``CWSAGE_UPDATE_GOLDEN=1 pytest tests/golden``::

    python tests/golden/make_inputs.py            # every case
    python tests/golden/make_inputs.py ar_credit_memo

The saved JSON is trimmed: ``null``, empty strings, empty lists/objects and ``_info`` links are dropped
(the client treats a missing field and a null one alike), so each file shows only what matters.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cwsage import money
from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.manage.app import create_app
from cwsage.sandbox.server import serving

CASES_DIR = Path(__file__).parent / "cases"


@dataclass(frozen=True)
class Case:
    """One export to take from the emulator."""

    invoices: tuple[int, ...] = ()
    expenses: tuple[int, ...] = ()
    products: tuple[str, ...] = ()
    detail: str = "Default"
    expenses_as_bill: bool = True
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


CASES: dict[str, Case] = {
    "ar_standard_hst": Case(invoices=(5001,), notes="Standard invoice in CAD, Ontario HST (one level)."),
    "ar_agreement": Case(invoices=(5002,), notes="Agreement invoice, Chicago tax code (services not taxed)."),
    "ar_miscellaneous": Case(invoices=(5004,), notes="Miscellaneous invoice, tax-exempt customer."),
    "ar_down_payment": Case(invoices=(5009,), notes="Down payment invoice in CAD with HST."),
    "ar_progress": Case(invoices=(5007,), notes="Progress invoice, tax-exempt customer."),
    "ar_credit_memo": Case(invoices=(5012,), notes="Credit memo in CAD: mirrored signs -> credit note."),
    "ar_three_authorities": Case(invoices=(5013,), notes="Chicago: state, county and city tax levels."),
    "ar_tax_exempt": Case(invoices=(5010,), notes="Standard invoice to an EXEMPT customer: no tax lines."),
    "ar_condensed": Case(invoices=(5013,), detail="Condensed", notes="Same invoice as ar_three_authorities."),
    "ar_detailed": Case(invoices=(5013,), detail="Detailed", notes="Same invoice as ar_three_authorities."),
    "ar_authority_missing": Case(
        invoices=(5003,), notes="Denver: city authority DENCITY is not in Sage -> issue, payload still built."
    ),
    "expense_bills": Case(
        expenses=(3301, 3303, 3311, 3312, 3331),
        notes="Transfer Expense as Bill ON: one AP invoice per member (CAD and USD); intern has no vendor.",
    ),
    "expense_journal_usd": Case(
        expenses=(3311, 3316), expenses_as_bill=False, notes="Transfer Expense as Bill OFF: journal entries."
    ),
    "expense_journal_cad": Case(
        expenses=(3301, 3305), expenses_as_bill=False, notes="CAD expenses as journals, converted to USD."
    ),
    "item_receipts": Case(
        products=("901", "903", "908"),
        notes="Item receipts: inventory and non-inventory (COGS) lines, freight, 0, 1 and 3 tax levels.",
    ),
    "ic_adjustments": Case(products=("909", "911"), notes="Inventory adjustments (decrease, increase)."),
    "ic_transfers": Case(products=("913", "914"), notes="Inventory transfers MAIN -> VAN1."),
    "gl_adjustments_no_ic": Case(products=("909", "911"), notes="Adjustments, Sage without Inventory Control."),
    "gl_transfers_no_ic": Case(products=("913", "914"), notes="Transfers, Sage without Inventory Control."),
}


def trim(value: Any) -> Any:
    """Drop nulls, empty strings/lists/objects and ``_info`` links, recursively."""
    if isinstance(value, dict):
        out = {k: trim(v) for k, v in value.items() if k != "_info"}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [trim(v) for v in value]
    return value


def export(case: Case) -> Any:
    """The GLExport the emulator returns for ``case``."""
    body = {
        "batchIdentifier": "GOLDEN",
        "thruDate": "2026-12-31T23:59:59Z",
        "summarizeInvoices": case.detail,
        "exportInvoicesFlag": bool(case.invoices),
        "includedInvoiceIds": list(case.invoices),
        "exportExpensesFlag": bool(case.expenses),
        "includedExpenseIds": list(case.expenses),
        "exportProductsFlag": bool(case.products),
        "includedProductIds": list(case.products),
    }
    app = create_app(transfer_expenses_as_bill=case.expenses_as_bill)
    # The generated seed carries its own Accounting Package Setup flag, which wins over create_app's
    # argument; set it the way a Manage admin would (Accounting Package Setup) before exporting.
    app.store.set_transfer_expenses_as_bill(case.expenses_as_bill)
    with serving(app.app) as server:
        client = httpx.Client(
            base_url=f"{server.url}/v4_6_release/apis/3.0",
            auth=(f"{dc.MANAGE_COMPANY_ID}+{dc.MANAGE_PUBLIC_KEY}", dc.MANAGE_PRIVATE_KEY),
            headers={"clientId": dc.MANAGE_CLIENT_ID},
            timeout=30,
        )
        with client:
            response = client.post("/finance/accounting/export", json=body)
            response.raise_for_status()
            return money.loads(response.content)


def main(names: list[str]) -> None:
    """Write ``glexport.json`` for the named cases (all when none is named)."""
    for name in names or list(CASES):
        directory = CASES_DIR / name
        directory.mkdir(parents=True, exist_ok=True)
        data = trim(export(CASES[name]))
        (directory / "glexport.json").write_text(money.dumps(data, indent=2, ensure_ascii=False) + "\n")
        sys.stdout.write(f"{name}: {CASES[name].notes}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
