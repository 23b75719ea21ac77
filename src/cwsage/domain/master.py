"""Sage 300 master data as plain values, read in bulk once per run and handed to pure validation.

Why a snapshot instead of lookups: validation must see every problem of a batch at once without one
request per document, and it must stay pure (testable without a server). The services build a
:class:`SageMasterData` from the Sage client; tests build one by hand.

Exchange rates are kept as Sage writes them, with the rules of their rate table (``docs/sage300-inferred.md``
I4): ``RateOperation`` says whether home = source × rate or source ÷ rate, ``DateMatching`` which rate is in
force on a day (``Earlier``: the latest on or before it; ``Later``: the earliest on or after; ``Closest``).
A table whose rules cwsage does not know gives no rate at all: its currency's documents are reported,
never converted by a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from cwsage import money


@lru_cache(maxsize=4096)
def account_key(account: str) -> str:
    """Normalise an account for lookup: formatted (``4000-10``) and unformatted (``400010``) match.

    Cached: a batch names the same few accounts on every line of every document (issue 14).
    """
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


MULTIPLY = "Multiply"
DIVIDE = "Divide"
EARLIER = "Earlier"
LATER = "Later"
CLOSEST = "Closest"


@dataclass(frozen=True)
class RateRule:
    """How a Sage rate table is read (I4): the rate operation and the date matching."""

    operation: str = MULTIPLY
    matching: str = EARLIER

    @property
    def problem(self) -> str | None:
        """Why cwsage cannot use the table, or None."""
        if self.operation not in (MULTIPLY, DIVIDE):
            return f"its rate operation {self.operation!r} is not one cwsage knows (Multiply, Divide)"
        if self.matching not in (EARLIER, LATER, CLOSEST):
            return f"its date matching {self.matching!r} is not one cwsage knows (Earlier, Later, Closest)"
        return None


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
    rates: Mapping[str, tuple[tuple[date, Decimal], ...]] = field(default_factory=dict)  # as Sage writes them
    rate_rules: Mapping[str, RateRule] = field(default_factory=dict)  # per source currency; absent = default
    fiscal_periods: tuple[FiscalPeriod, ...] = ()
    items: Mapping[str, bool] = field(default_factory=dict)  # item number (either form) -> is a stock item
    item_numbers: Mapping[str, str] = field(default_factory=dict)  # item number (either form) -> formatted
    ic_locations: frozenset[str] = frozenset()
    terms: frozenset[str] = frozenset()  # AR terms codes
    ap_terms: frozenset[str] = frozenset()
    tax_classes: frozenset[tuple[str, str, str, int]] = frozenset()  # (authority, Sales|Purchases, class type, class)
    currency_decimals: Mapping[str, int] = field(default_factory=dict)  # Sage's DecimalPlaces per currency
    notes: tuple[str, ...] = ()  # what cwsage had to assume while reading the company (shown as warnings)

    def account(self, account: str) -> AccountInfo | None:
        """The Sage account for a Manage account string, formatted or not."""
        return self.accounts.get(account_key(account))

    def period_for(self, day: date) -> FiscalPeriod | None:
        """The fiscal period containing ``day``, if the calendar has one."""
        for period in self.fiscal_periods:
            if period.start <= day <= period.end:
                return period
        return None

    def rate_rule(self, currency: str) -> RateRule:
        """The rules of ``currency``'s rate table (Multiply, Earlier when Sage said nothing else)."""
        return self.rate_rules.get(currency, RateRule())

    def rate_problem(self, currency: str) -> str | None:
        """Why ``currency``'s rates cannot be used (an unknown operation or date matching), or None."""
        if currency == self.home_currency:
            return None
        return self.rate_rule(currency).problem

    def rate_for(self, currency: str, day: date) -> tuple[date, Decimal] | None:
        """Sage's rate for ``currency`` in force on ``day``, as Sage writes it, with its date.

        Which rate is in force follows the table's date matching; None when there is none, or when the table's
        rules are unknown (:meth:`rate_problem`).
        """
        if currency == self.home_currency:
            return (day, money.ONE)
        rule = self.rate_rule(currency)
        if rule.problem is not None:
            return None
        rates = self.rates.get(currency, ())
        if rule.matching == EARLIER:
            before = [r for r in rates if r[0] <= day]
            return max(before, key=lambda r: r[0]) if before else None
        if rule.matching == LATER:
            after = [r for r in rates if r[0] >= day]
            return min(after, key=lambda r: r[0]) if after else None
        # Closest: the nearest date; between two equally near, the earlier one.
        return min(rates, key=lambda r: (abs((r[0] - day).days), r[0]), default=None)

    def to_home(self, amount: Decimal, currency: str, rate: Decimal) -> Decimal:
        """``amount`` of ``currency`` in the home currency at Sage's ``rate``, by the table's operation (exact)."""
        if currency == self.home_currency:
            return amount
        return amount / rate if self.rate_rule(currency).operation == DIVIDE else amount * rate
