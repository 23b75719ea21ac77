"""Read Sage 300 master data in bulk, once per run, into the pure :class:`SageMasterData` snapshot."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cwsage.domain.master import (
    AccountInfo,
    FiscalPeriod,
    PartyInfo,
    SageMasterData,
    TaxGroupInfo,
    account_key,
)
from cwsage.sage300.client import Sage300Client
from cwsage.sage300.resources import YesNo


def _active(status: str | None) -> bool:
    return (status or "Active").lower() != "inactive"


def load_master(sage: Sage300Client, *, rate_type: str = "SP") -> SageMasterData:
    """One bulk read of every table validation needs (about fifteen requests, whatever the batch size).

    Only exchange rates of ``rate_type`` (the one the documents declare) are kept: converting at a rate of
    another type would disagree with what Sage applies.
    """
    profile = sage.company_profile()
    home = profile.home_currency or profile.functional_currency or "USD"
    inventory_control = sage.has_inventory_control()
    accounts: dict[str, AccountInfo] = {}
    for acct in sage.gl_accounts():
        info = AccountInfo(
            unformatted=acct.unformatted_account,
            formatted=acct.account_number or acct.unformatted_account,
            active=_active(acct.status),
            description=acct.description or "",
        )
        accounts[account_key(info.unformatted)] = info
        accounts[account_key(info.formatted)] = info
    rates: dict[str, list[tuple[date, Decimal]]] = {}
    for rate in sage.currency_rates():
        if rate.home_currency == home and (rate.rate_type or rate_type) == rate_type:
            rates.setdefault(rate.source_currency, []).append((rate.rate_date, rate.rate))
    periods = [
        FiscalPeriod(int(cal.fiscal_year), p.number, p.start_date, p.end_date, p.is_open and cal.active is not YesNo.NO)
        for cal in sage.fiscal_calendars()
        for p in cal.periods
    ]
    return SageMasterData(
        home_currency=home,
        multicurrency=profile.multicurrency is not YesNo.NO,
        inventory_control=inventory_control,
        customers={
            c.customer_number: PartyInfo(
                c.customer_number, c.currency_code or home, _active(c.status), c.tax_group or ""
            )
            for c in sage.customers()
        },
        vendors={
            v.vendor_number: PartyInfo(v.vendor_number, v.currency_code or home, _active(v.status), v.tax_group or "")
            for v in sage.vendors()
        },
        accounts=accounts,
        tax_groups={
            (g.tax_group_key, g.transaction_type or "Sales"): TaxGroupInfo(
                g.tax_group_key, g.transaction_type or "Sales", tuple(g.authorities)
            )
            for g in sage.tax_groups()
        },
        tax_authorities=frozenset(a.tax_authority for a in sage.tax_authorities()),
        currencies=frozenset(c.currency_code for c in sage.currencies()) | {home},
        rates={code: tuple(sorted(values)) for code, values in rates.items()},
        fiscal_periods=tuple(periods),
        items={i.item_number: i.stock_item is not YesNo.NO for i in sage.items()} if inventory_control else {},
        ic_locations=frozenset(loc.location for loc in sage.ic_locations()) if inventory_control else frozenset(),
        terms=frozenset(t.terms_code for t in sage.ar_terms()),
        ap_terms=frozenset(t.terms_code for t in sage.ap_terms()),
        tax_classes=frozenset(
            (c.tax_authority, c.transaction_type or "", c.class_type or "", c.tax_class) for c in sage.tax_classes()
        ),
    )
