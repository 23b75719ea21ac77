"""Sage 300 master data as plain values, read in bulk once per run and handed to pure validation.

Why a snapshot instead of lookups: validation must see every problem of a batch at once without one
request per document, and it must stay pure (testable without a server). The services build a
:class:`SageMasterData` from the Sage client; tests build one by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


def account_key(account: str) -> str:
    """Normalise an account for lookup: formatted (``4000-10``) and unformatted (``400010``) match."""
    return "".join(ch for ch in account.upper() if ch.isalnum())


@dataclass(frozen=True)
class PartyInfo:
    """A Sage customer or vendor."""

    number: str
    currency: str
    active: bool = True
    tax_group: str = ""


@dataclass(frozen=True)
class AccountInfo:
    """A Sage GL account."""

    unformatted: str
    formatted: str
    active: bool = True
    description: str = ""


@dataclass(frozen=True)
class TaxGroupInfo:
    """A Sage tax group for one transaction type, with its authorities in order."""

    code: str
    transaction_type: str  # "Sales" | "Purchases"
    authorities: tuple[str, ...]


@dataclass(frozen=True)
class FiscalPeriod:
    """One fiscal period and whether it is open for posting."""

    year: int
    period: int
    start: date
    end: date
    open: bool


@dataclass(frozen=True)
class SageMasterData:
    """Everything validation needs to know about the Sage company."""

    home_currency: str
    multicurrency: bool = True
    inventory_control: bool = True
    customers: Mapping[str, PartyInfo] = field(default_factory=dict)
    vendors: Mapping[str, PartyInfo] = field(default_factory=dict)
    accounts: Mapping[str, AccountInfo] = field(default_factory=dict)  # keyed by account_key()
    tax_groups: Mapping[tuple[str, str], TaxGroupInfo] = field(default_factory=dict)
    tax_authorities: frozenset[str] = frozenset()
    currencies: frozenset[str] = frozenset()
    rates: Mapping[str, tuple[tuple[date, Decimal], ...]] = field(default_factory=dict)
    fiscal_periods: tuple[FiscalPeriod, ...] = ()
    items: Mapping[str, bool] = field(default_factory=dict)  # item number -> is a stock item
    ic_locations: frozenset[str] = frozenset()
    terms: frozenset[str] = frozenset()  # AR terms codes
    ap_terms: frozenset[str] = frozenset()
    tax_classes: frozenset[tuple[str, str, str, int]] = frozenset()  # (authority, Sales|Purchases, class type, class)

    def account(self, account: str) -> AccountInfo | None:
        """The Sage account for a Manage account string, formatted or not."""
        return self.accounts.get(account_key(account))

    def period_for(self, day: date) -> FiscalPeriod | None:
        """The fiscal period containing ``day``, if the calendar has one."""
        for period in self.fiscal_periods:
            if period.start <= day <= period.end:
                return period
        return None

    def rate_for(self, currency: str, day: date) -> tuple[date, Decimal] | None:
        """Sage's rate (home units per unit of ``currency``) in force on ``day``: latest on or before it."""
        if currency == self.home_currency:
            return (day, Decimal(1))
        best: tuple[date, Decimal] | None = None
        for rate_date, rate in self.rates.get(currency, ()):
            if rate_date <= day and (best is None or rate_date > best[0]):
                best = (rate_date, rate)
        return best
