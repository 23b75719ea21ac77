"""Small helpers every Sage 300 emulator rule needs: dates, amounts, text lengths, lookups, fiscal periods.

Why separate: the transaction rules (``transactions.py``) and the seed (``seed.py``) must agree on how a
date is written (``YYYY-MM-DDT00:00:00Z``), how an amount is read (never through float) and how master
data is found (accounts formatted or unformatted, decision 7).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from cwsage.sandbox.sage300 import inferred
from cwsage.sandbox.sage300.errors import SageError, bad_request, conflict

Data = dict[str, Any]
Row = dict[str, Any]
ZERO = Decimal(0)
TOLERANCE = Decimal("0.005")


def iso(value: date) -> str:
    """A date as the Web API writes it."""
    return f"{value.isoformat()}T00:00:00Z"


def today() -> date:
    """Today's date in UTC (the emulator's clock)."""
    return datetime.now(UTC).date()


def parse_date(value: Any, field: str) -> date:
    """Read a date sent as ``YYYY-MM-DD`` or an ISO datetime (a ``Z`` or offset is accepted, the date kept)."""
    if not isinstance(value, str) or len(value) < 10:
        raise bad_request(f"The value '{value}' of property '{field}' is not a valid date.")
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError as exc:
        raise bad_request(f"The value '{value}' of property '{field}' is not a valid date.") from exc


def opt_date(raw: Row, field: str, default: date) -> date:
    """A date property, or ``default`` when it is absent or null."""
    value = raw.get(field)
    return default if value in (None, "") else parse_date(value, field)


def amount(value: Any, field: str) -> Decimal:
    """An amount from the request body (an int or Decimal; a numeric string is tolerated)."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, bool):
        raise bad_request(f"The value '{value}' of property '{field}' is not a valid number.")
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation as exc:
            raise bad_request(f"The value '{value}' of property '{field}' is not a valid number.") from exc
    raise bad_request(f"The value '{value}' of property '{field}' is not a valid number.")


def text(raw: Row, field: str, limit: int, *, default: str = "", required: bool = False, label: str = "") -> str:
    """A string property checked against its Sage length (no silent truncation)."""
    value = raw.get(field)
    if value is None:
        value = default
    if not isinstance(value, str):
        value = str(value)
    if required and not value.strip():
        raise conflict(f"{label or field} is required.")
    if len(value) > limit:
        raise conflict(inferred.TOO_LONG.format(field=field, value=value, limit=limit))
    return value


def as_list(raw: Row, field: str) -> list[Row]:
    """A child collection (absent → empty); anything but a list of objects is a 400."""
    value = raw.get(field)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise bad_request(f"The property '{field}' must be an array of objects.")
    return value


def find(data: Data, table: str, **where: Any) -> Row | None:
    """The first row of ``table`` whose properties equal ``where``."""
    for row in data[table]:
        if all(row.get(key) == value for key, value in where.items()):
            return row  # type: ignore[no-any-return]
    return None


def resolve_account(data: Data, raw_account: str, field: str = "Account") -> Row:
    """A GL account named formatted (``4000-10``) or unformatted (``400010``); unknown/inactive → 409."""
    if len(raw_account) > 45:
        raise conflict(inferred.TOO_LONG.format(field=field, value=raw_account, limit=45))
    key = raw_account.replace("-", "").strip()
    account = find(data, "gl_accounts", UnformattedAccount=key)
    if account is None or not key:
        raise conflict(f"Account {raw_account} does not exist.")
    if account.get("Status") != "Active":
        raise conflict(f"Account {raw_account} is inactive.")
    return account


def fiscal_period(data: Data, when: date, label: str, *, check_lock: bool = True) -> tuple[str, int]:
    """The fiscal year and period of ``when``; no open period → 409 ``FieldInvalid`` (decision 6)."""
    for calendar in data["fiscal_calendars"]:
        for n in range(1, int(calendar.get("NumberOfFiscalPeriods") or 12) + 1):
            start = parse_date(calendar[f"FiscalPeriod{n}StartDate"], "start")
            end = parse_date(calendar[f"FiscalPeriod{n}EndDate"], "end")
            if start <= when <= end:
                if calendar.get("Active") != "Yes":
                    break
                if check_lock and calendar.get(f"FiscalPeriod{n}Status") == "Locked":
                    year = int(calendar["FiscalYear"])
                    raise conflict(inferred.FISCAL_LOCKED.format(period=n, year=year, label=label))
                return str(calendar["FiscalYear"]), n
    raise conflict(inferred.FISCAL_MISSING.format(label=label))


def exchange_rate(data: Data, currency: str, when: date) -> Decimal | None:
    """The ``SP`` rate (home units per one ``currency`` unit) in force on ``when`` (decision 5)."""
    home = data["company_profile"][0]["HomeCurrency"]
    if currency == home:
        return Decimal(1)
    best: tuple[date, Decimal] | None = None
    for rate in data["currency_rates"]:
        if rate["SourceCurrency"] != currency or rate["RateType"] != inferred.RATE_TYPE:
            continue
        rate_date = parse_date(rate["RateDate"], "RateDate")
        if rate_date <= when and (best is None or rate_date > best[0]):
            best = (rate_date, Decimal(rate["Rate"]))
    return best[1] if best else None


def currency_decimals(data: Data, currency: str) -> int:
    """Decimals of a currency from ``CS/CSCurrencyCodes`` (2 when unknown)."""
    row = find(data, "currency_codes", CurrencyCode=currency)
    return int(row["DecimalPlaces"]) if row else 2


def round_to(value: Decimal, places: int) -> Decimal:
    """Round half-up to ``places`` decimals."""
    return value.quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP")


def next_number(data: Data, counter: str) -> int:
    """Consume the next number of a counter (call only once the write is known to succeed)."""
    counters: dict[str, int] = data["counters"]
    counters[counter] = counters.get(counter, 0) + 1
    return counters[counter]


def peek_number(data: Data, counter: str) -> int:
    """The number the next :func:`next_number` will return."""
    return int(data["counters"].get(counter, 0)) + 1


def require_object(body: Any) -> Row:
    """The request body must be a JSON object."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


__all__ = ["SageError"]
