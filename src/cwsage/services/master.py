"""Read Sage 300 master data in bulk, once per run, into the pure :class:`SageMasterData` snapshot.

One request (or one page run) per table, whatever the batch size: the company profile (optional, I2), the
IC locations (a 404 there says Inventory Control is not activated), GL accounts, rate tables, fiscal
calendars, customers, vendors, tax groups, tax authorities (whose ``TaxClasses`` are the tax classes, I7),
currency codes, items (when IC is activated) and both terms lists. What cwsage had to assume is kept in
``notes`` for the run report.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from cwsage.concurrency import ReadPool
from cwsage.domain.master import (
    AccountInfo,
    FiscalPeriod,
    PartyInfo,
    RateRule,
    SageMasterData,
    TaxGroupInfo,
    account_key,
)
from cwsage.errors import ConfigurationError
from cwsage.sage300.client import Sage300Client
from cwsage.sage300.models import CompanyProfile, Currency, CurrencyRate, GLAccount, ICItem, TaxAuthority

log = logging.getLogger("cwsage.services.master")


def _accounts(rows: list[GLAccount]) -> dict[str, AccountInfo]:
    accounts: dict[str, AccountInfo] = {}
    for acct in rows:
        info = AccountInfo(
            unformatted=acct.unformatted_account,
            formatted=acct.account_number or acct.unformatted_account,
            active=acct.active,
            description=acct.description or "",
        )
        accounts[account_key(info.unformatted)] = info
        accounts[account_key(info.formatted)] = info
    return accounts


def _home_currency(
    profile: CompanyProfile | None,
    tables: list[CurrencyRate],
    currencies: list[Currency],
    home_currency: str | None,
    notes: list[str],
) -> str:
    """The home currency (I2): the company profile's; without a profile, the ``home_currency`` setting, else the
    rate tables' one ``ToCurrency``, else the company's only currency code — each assumption noted.

    A setting that disagrees with the profile is noted and ignored: the profile is Sage's own word.
    """
    if profile is not None and profile.home_currency:
        if home_currency and home_currency != profile.home_currency:
            notes.append(
                f"The home_currency setting ({home_currency}) differs from Sage 300's company profile "
                f"({profile.home_currency}); the company profile's is used (I2)"
            )
        return profile.home_currency
    if home_currency:
        notes.append(f"Sage 300 has no company profile: the home currency is {home_currency}, as set (I2)")
        return home_currency
    homes = {table.to_currency for table in tables}
    codes = {c.currency_code_key for c in currencies}
    found = next(iter(homes)) if len(homes) == 1 else (next(iter(codes)) if len(codes) == 1 else None)
    if found is None:
        raise ConfigurationError(
            "Sage 300 does not say which currency is the company's home currency",
            hint="The company profile (CS/CSCompanyProfile) is not available and the currency rate tables do not "
            "name one home currency: give the Web API user access to the Common Services company profile, or "
            "set home_currency in the profile's [defaults] of cwsage's configuration.",
        )
    notes.append(f"Sage 300 has no company profile: the home currency is taken to be {found} (I2)")
    return found


def _rates(
    tables: list[CurrencyRate], home: str, rate_type: str
) -> tuple[dict[str, tuple[tuple[date, Decimal], ...]], dict[str, RateRule]]:
    """Rates of ``rate_type`` into the home currency, per source currency, with their table's rules (I4)."""
    rates: dict[str, list[tuple[date, Decimal]]] = {}
    rules: dict[str, RateRule] = {}
    for table in tables:
        if table.to_currency != home or (table.rate_type or rate_type) != rate_type:
            continue
        rule = RateRule(table.rate_operation or RateRule().operation, table.date_matching or RateRule().matching)
        for detail in table.currency_rate_detail:
            rates.setdefault(detail.from_currency, []).append((detail.rate_date, detail.rate))
            rules[detail.from_currency] = rule
    return {code: tuple(sorted(values)) for code, values in rates.items()}, rules


def _tax_classes(authorities: list[TaxAuthority]) -> frozenset[tuple[str, str, str, int]]:
    """``(authority, transaction type, class type, class)`` of every authority's ``TaxClasses`` (I7)."""
    return frozenset(
        (a.tax_authority_key, c.transaction_type or "", c.class_type or "", c.tax_class)
        for a in authorities
        for c in a.tax_classes
    )


def _items(rows: list[ICItem]) -> tuple[dict[str, bool], dict[str, str]]:
    """Stock flags and formatted numbers of the items, by unformatted and formatted number (I9)."""
    stock: dict[str, bool] = {}
    numbers: dict[str, str] = {}
    for item in rows:
        formatted = item.item_number or item.unformatted_item_number
        for number in (item.unformatted_item_number, formatted):
            stock[number] = item.stock_item is not False
            numbers[number] = formatted
    return stock, numbers


def load_master(sage: Sage300Client, *, rate_type: str = "SP", home_currency: str | None = None) -> SageMasterData:
    """One bulk read of every table validation needs (about fifteen requests, whatever the batch size).

    Only exchange rates of ``rate_type`` (the one the documents declare) are kept: converting at a rate of
    another type would disagree with what Sage applies.

    Args:
        sage: The Sage client.
        rate_type: The rate type documents are sent with.
        home_currency: The ``home_currency`` setting: used when Sage has no company profile (I2).

    Raises:
        ConfigurationError: if the home currency cannot be found out.
    """
    notes: list[str] = []
    currencies = sage.currencies()  # first: every installation has them, so the client learns its names here
    with ReadPool() as pool:  # the other tables do not depend on each other: a few at a time
        profile_read = pool.read(sage.company_profile)
        locations_read = pool.read(sage.ic_locations_if_activated)  # also: is Inventory Control activated?
        rates_read = pool.read(sage.currency_rates)
        calendars = pool.read(sage.fiscal_calendars)
        authorities_read = pool.read(sage.tax_authorities)
        customers = pool.read(sage.customers)
        vendors = pool.read(sage.vendors)
        accounts = pool.read(sage.gl_accounts)
        tax_groups = pool.read(sage.tax_groups)
        ar_terms = pool.read(sage.ar_terms)
        ap_terms = pool.read(sage.ap_terms)
    profile = profile_read.result()
    locations = locations_read.result()
    inventory_control = locations is not None
    rate_tables = rates_read.result()
    home = _home_currency(profile, rate_tables, currencies, home_currency, notes)
    rates, rules = _rates(rate_tables, home, rate_type)
    for code, rule in rules.items():
        if rule.problem is not None:
            notes.append(f"Sage 300's {code} rate table cannot be used: {rule.problem} (I4)")
    periods = [
        FiscalPeriod(int(cal.fiscal_year), p.number, p.start_date, p.end_date, p.is_open and cal.active is not False)
        for cal in calendars.result()
        for p in cal.periods
    ]
    authorities = authorities_read.result()
    items, item_numbers = _items(sage.items()) if inventory_control else ({}, {})
    decimals = {c.currency_code_key: c.decimals for c in currencies}
    multicurrency = profile.multicurrency if profile is not None and profile.multicurrency is not None else None
    master = SageMasterData(
        home_currency=home,
        multicurrency=multicurrency if multicurrency is not None else len(currencies) > 1,
        inventory_control=inventory_control,
        customers={
            c.customer_number: PartyInfo(c.customer_number, c.currency_code or home, c.active, c.tax_group or "")
            for c in customers.result()
        },
        vendors={
            v.vendor_number: PartyInfo(v.vendor_number, v.currency_code or home, v.active, v.tax_group or "")
            for v in vendors.result()
        },
        accounts=_accounts(accounts.result()),
        tax_groups={
            (g.tax_group_key, g.transaction_type or "Sales"): TaxGroupInfo(
                g.tax_group_key, g.transaction_type or "Sales", tuple(g.authorities)
            )
            for g in tax_groups.result()
        },
        tax_authorities=frozenset(a.tax_authority_key for a in authorities),
        currencies=(frozenset(decimals) | {home}) if decimals else frozenset(),  # no list: not checked
        rates=rates,
        rate_rules=rules,
        fiscal_periods=tuple(periods),
        items=items,
        item_numbers=item_numbers,
        ic_locations=frozenset(loc.location_key for loc in locations or ()),
        terms=frozenset(t.terms_code for t in ar_terms.result()),
        ap_terms=frozenset(t.terms_code for t in ap_terms.result()),
        tax_classes=_tax_classes(authorities),
        currency_decimals={code: places for code, places in decimals.items() if places is not None},
        notes=tuple(notes + sage.warnings),
    )
    for note in master.notes:
        log.warning("%s", note)
    return master
