"""The demo MSP, "Northwind Managed IT", as both emulators see it.

Why one module for both: the Manage emulator and the Sage 300 emulator are separate programs, but a new
user must find them consistent — every Manage company's Account must be a Sage customer number, every GL
mapping a Sage account, every tax level a Sage tax authority — except for the few things that are wrong
on purpose so that validation has something to find (the ``in_sage=False`` rows below):

* customer ``Blue Heron Dental`` (account ``BLUEHERON``) has unposted invoices but no Sage customer;
* GL account ``4600-10`` (onsite labour revenue) is used by invoice lines but missing in Sage;
* tax authority ``DENCITY`` (Denver city tax, level 3 of tax code ``CO DEN``) is missing in Sage;
* member ``intern`` has a reimbursable expense but no vendor number in Manage.

This is master data only. Each emulator derives its own records from it (the Manage emulator also
generates the transactions). Nothing here is imported by production code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

MANAGE_COMPANY_ID = "cwdemo"
MANAGE_PUBLIC_KEY = "cwdemo-public"
MANAGE_PRIVATE_KEY = "cwdemo-private"
MANAGE_CLIENT_ID = "00000000-0000-4000-8000-00000000c0de"
MANAGE_INTEGRATOR_USER = "cwsage-integrator"
MANAGE_INTEGRATOR_PASSWORD = "demo"  # noqa: S105 - the sandbox's published demo credentials
MANAGE_MEMBER = "accounting"

SAGE_COMPANY = "CWDEMO"
SAGE_USER = "CWSAGE"
SAGE_PASSWORD = "DEMO"  # noqa: S105 - the sandbox's published demo credentials
SAGE_HOME_CURRENCY = "USD"

SEGMENT_SEPARATOR = "-"
"""Manage exports an account as its segments joined by this; Sage formats accounts the same way."""

PERIOD_START = date(2026, 9, 1)
PERIOD_END = date(2026, 10, 31)
"""The two months of closed invoices, expenses and procurement."""


@dataclass(frozen=True)
class Location:
    """A Manage office (corporate structure level 2)."""

    id: int
    name: str
    tax_code: str


@dataclass(frozen=True)
class Currency:
    """A currency both systems know."""

    code: str
    name: str
    symbol: str
    decimals: int
    # Sage rates: home (USD) units per one unit of this currency, by effective date.
    rates: tuple[tuple[date, Decimal], ...] = ()


@dataclass(frozen=True)
class Terms:
    """Manage billing terms; ``xref`` is the Sage terms code."""

    id: int
    name: str
    due_days: int
    xref: str


@dataclass(frozen=True)
class TaxLevel:
    """One level of a Manage tax code: Tax Code XRef = Sage tax group, Agency XRef = Sage tax authority."""

    level: int
    caption: str
    rate_percent: Decimal
    agency_xref: str
    account: str
    services: bool = True
    expenses: bool = True
    products: bool = True


@dataclass(frozen=True)
class TaxCode:
    """A Manage tax code and its levels; ``group_xref`` is the Sage tax group on every level."""

    id: int
    identifier: str
    description: str
    group_xref: str
    levels: tuple[TaxLevel, ...]


@dataclass(frozen=True)
class Customer:
    """A Manage company billed by the MSP; ``account_number`` is the Sage customer number."""

    id: int
    identifier: str
    name: str
    account_number: str
    currency: str
    location_id: int
    tax_code: str
    terms_id: int
    city: str
    state: str
    in_sage: bool = True


@dataclass(frozen=True)
class Vendor:
    """A Manage company flagged as vendor; ``vendor_identifier`` is the Sage vendor number."""

    id: int
    identifier: str
    name: str
    vendor_identifier: str
    currency: str = "USD"
    terms_id: int = 1


@dataclass(frozen=True)
class Member:
    """A Manage member; ``vendor_number`` is the Sage vendor their reimbursable expenses are billed to."""

    id: int
    identifier: str
    first_name: str
    last_name: str
    vendor_number: str
    location_id: int


@dataclass(frozen=True)
class GLAccount:
    """A Sage GL account and the Manage GL type that maps to it (``segments`` as Manage stores them)."""

    segments: tuple[str, str]
    description: str
    account_type: str  # "BalanceSheet" | "IncomeStatement"
    normal_balance: str  # "Debit" | "Credit"
    gl_type: str  # the Manage glType this account is mapped under (AR, AP, R, RP, ST, EE, …)
    in_sage: bool = True

    @property
    def formatted(self) -> str:
        """The account as both systems print it, e.g. ``4000-10``."""
        return SEGMENT_SEPARATOR.join(self.segments)


@dataclass(frozen=True)
class Item:
    """A product in Manage's catalog; inventory items are Sage IC items."""

    identifier: str
    description: str
    inventory: bool
    cost: Decimal
    price: Decimal
    uom: str = "Each"


@dataclass(frozen=True)
class Warehouse:
    """A Manage warehouse; ``location_xref`` is the Sage IC location, ``inventory_account`` its GL account."""

    id: int
    name: str
    location_xref: str
    location_id: int
    inventory_account: str


LOCATIONS = (
    Location(1, "Toronto", "ON HST"),
    Location(2, "Chicago", "IL CHI"),
    Location(3, "Denver", "CO DEN"),
)

CURRENCIES = (
    Currency("USD", "US Dollar", "$", 2),
    Currency(
        "CAD",
        "Canadian Dollar",
        "C$",
        2,
        rates=(
            (date(2026, 1, 1), Decimal("0.7310000")),
            (date(2026, 9, 1), Decimal("0.7352000")),
            (date(2026, 9, 15), Decimal("0.7298000")),
            (date(2026, 10, 1), Decimal("0.7265000")),
            (date(2026, 10, 15), Decimal("0.7241000")),
            (date(2026, 11, 1), Decimal("0.7220000")),
        ),
    ),
)

TERMS = (
    Terms(1, "Net 30", 30, "NET30"),
    Terms(2, "Net 15", 15, "NET15"),
    Terms(3, "Due on receipt", 0, "COD"),
)

TAX_CODES = (
    TaxCode(
        11,
        "ON HST",
        "Ontario HST 13%",
        "ONTARIO",
        (TaxLevel(1, "HST", Decimal(13), "HSTON", "2310-00"),),
    ),
    TaxCode(
        12,
        "IL CHI",
        "Chicago: Illinois, Cook County, City",
        "CHICAGO",
        (
            TaxLevel(1, "IL State", Decimal("6.25"), "ILSTATE", "2320-00", services=False),
            TaxLevel(2, "Cook County", Decimal("1.75"), "COOKCTY", "2321-00", services=False),
            TaxLevel(3, "Chicago City", Decimal("1.25"), "CHICITY", "2322-00", services=False),
        ),
    ),
    TaxCode(
        13,
        "CO DEN",
        "Denver: Colorado state and Denver city",
        "DENVER",
        (
            TaxLevel(1, "CO State", Decimal("2.9"), "COSTATE", "2330-00", services=False),
            TaxLevel(3, "Denver City", Decimal("4.81"), "DENCITY", "2331-00", services=False),
        ),
    ),
    TaxCode(14, "EXEMPT", "Tax exempt", "EXEMPT", ()),
)

MISSING_TAX_AUTHORITY = "DENCITY"
"""The tax authority Sage does not have (validation must find it)."""

_C = Customer
CUSTOMERS = (
    _C(250, "AcmeCorp", "Acme Corp", "ACME001", "CAD", 1, "ON HST", 1, "Toronto", "ON"),
    _C(251, "MapleLeafLaw", "Maple Leaf Law LLP", "MAPLELEAF", "CAD", 1, "ON HST", 1, "Toronto", "ON"),
    _C(252, "HarbourFreight", "Harbour Freight Logistics", "HARBOUR", "CAD", 1, "ON HST", 2, "Mississauga", "ON"),
    _C(253, "YorkDental", "York Dental Group", "YORKDENT", "CAD", 1, "ON HST", 1, "Toronto", "ON"),
    _C(254, "NiagaraWines", "Niagara Estate Wines", "NIAGARA", "CAD", 1, "ON HST", 1, "Niagara", "ON"),
    _C(255, "LakeshoreClinic", "Lakeshore Clinic", "LAKESHORE", "USD", 1, "EXEMPT", 1, "Toronto", "ON"),
    _C(256, "WindyCityBrew", "Windy City Brewing", "WINDYCITY", "USD", 2, "IL CHI", 1, "Chicago", "IL"),
    _C(257, "LoopPartners", "Loop Partners CPA", "LOOPCPA", "USD", 2, "IL CHI", 1, "Chicago", "IL"),
    _C(258, "MidwayMotors", "Midway Motors", "MIDWAY", "USD", 2, "IL CHI", 2, "Chicago", "IL"),
    _C(259, "RiverNorthArch", "River North Architects", "RIVERNORTH", "USD", 2, "IL CHI", 1, "Chicago", "IL"),
    _C(260, "GoldCoastRealty", "Gold Coast Realty", "GOLDCOAST", "USD", 2, "IL CHI", 1, "Chicago", "IL"),
    _C(261, "PrairieSchools", "Prairie School District", "PRAIRIESD", "USD", 2, "EXEMPT", 1, "Evanston", "IL"),
    _C(262, "LakeviewVet", "Lakeview Veterinary", "LAKEVIEW", "USD", 2, "IL CHI", 3, "Chicago", "IL"),
    _C(263, "BlueHeron", "Blue Heron Dental", "BLUEHERON", "USD", 2, "IL CHI", 1, "Chicago", "IL", in_sage=False),
    _C(264, "MileHighBikes", "Mile High Bikes", "MILEHIGH", "USD", 3, "CO DEN", 1, "Denver", "CO"),
    _C(265, "RockyMtnLaw", "Rocky Mountain Law", "ROCKYLAW", "USD", 3, "CO DEN", 1, "Denver", "CO"),
    _C(266, "FrontRangeMfg", "Front Range Manufacturing", "FRONTRANGE", "USD", 3, "EXEMPT", 2, "Boulder", "CO"),
    _C(267, "AspenLodge", "Aspen Lodge & Spa", "ASPENLODGE", "USD", 3, "EXEMPT", 1, "Aspen", "CO"),
    _C(268, "PeakAnalytics", "Peak Analytics", "PEAKANALYT", "USD", 3, "EXEMPT", 1, "Denver", "CO"),
    _C(269, "ColfaxCafe", "Colfax Cafe", "COLFAX", "USD", 3, "EXEMPT", 3, "Denver", "CO"),
    _C(270, "SummitHealth", "Summit Health Partners", "SUMMITHP", "USD", 3, "EXEMPT", 1, "Golden", "CO"),
    _C(271, "BoulderBio", "Boulder Biotech", "BOULDERBIO", "USD", 3, "EXEMPT", 1, "Boulder", "CO"),
    _C(272, "RedRocksEvents", "Red Rocks Events", "REDROCKS", "USD", 3, "EXEMPT", 2, "Morrison", "CO"),
    _C(273, "UnionStation", "Union Station Hotel", "UNIONSTN", "USD", 3, "EXEMPT", 1, "Denver", "CO"),
    _C(274, "CherryCreekOrtho", "Cherry Creek Orthodontics", "CHERRYORTH", "USD", 3, "EXEMPT", 1, "Denver", "CO"),
    _C(275, "TorontoTech", "Toronto Tech Collective", "TOTECH", "CAD", 1, "ON HST", 1, "Toronto", "ON"),
)

MISSING_CUSTOMER = "BLUEHERON"
"""The customer number Sage does not have (validation must find it)."""

VENDORS = (
    Vendor(300, "IngramMicro", "Ingram Micro", "INGRAM"),
    Vendor(301, "Dell", "Dell Technologies", "DELL"),
    Vendor(302, "TDSynnex", "TD Synnex", "TDSYNNEX"),
    Vendor(303, "CDW", "CDW Corporation", "CDW"),
    Vendor(304, "Amazon", "Amazon Business", "AMAZONBIZ"),
    Vendor(305, "Comcast", "Comcast Business", "COMCAST", terms_id=2),
)

MEMBERS = (
    Member(17, "jsmith", "Jane", "Smith", "EMP-JSMITH", 1),
    Member(18, "rpatel", "Ravi", "Patel", "EMP-RPATEL", 1),
    Member(19, "mgarcia", "Maria", "Garcia", "EMP-MGARCIA", 2),
    Member(20, "tnguyen", "Tom", "Nguyen", "EMP-TNGUYEN", 2),
    Member(21, "kobrien", "Kate", "O'Brien", "EMP-KOBRIEN", 3),
    Member(22, "dkim", "Daniel", "Kim", "EMP-DKIM", 3),
    Member(23, "accounting", "Accounting", "API", "", 1),
    Member(24, "intern", "Sam", "Intern", "", 3),
)

MEMBER_WITHOUT_VENDOR_WITH_EXPENSES = "intern"


def member_currency(member: Member) -> str:
    """The currency a member is reimbursed in: CAD in Toronto, USD elsewhere (one per employee vendor)."""
    return "CAD" if member.location_id == 1 else "USD"


_G = GLAccount
GL_ACCOUNTS = (
    _G(("1200", "00"), "Accounts Receivable", "BalanceSheet", "Debit", "AR"),
    _G(("1300", "00"), "Inventory - Main Warehouse", "BalanceSheet", "Debit", "IA"),
    _G(("1310", "00"), "Inventory - Service Van", "BalanceSheet", "Debit", "IT"),
    _G(("2000", "00"), "Accounts Payable", "BalanceSheet", "Credit", "AP"),
    _G(("2100", "00"), "Employee Reimbursements Payable", "BalanceSheet", "Credit", "EE"),
    _G(("2310", "00"), "HST Payable", "BalanceSheet", "Credit", "ST"),
    _G(("2320", "00"), "Illinois Sales Tax Payable", "BalanceSheet", "Credit", "ST"),
    _G(("2321", "00"), "Cook County Tax Payable", "BalanceSheet", "Credit", "ST"),
    _G(("2322", "00"), "Chicago City Tax Payable", "BalanceSheet", "Credit", "ST"),
    _G(("2330", "00"), "Colorado Sales Tax Payable", "BalanceSheet", "Credit", "ST"),
    _G(("2331", "00"), "Denver City Tax Payable", "BalanceSheet", "Credit", "ST"),
    _G(("2400", "00"), "Customer Deposits", "BalanceSheet", "Credit", "RD"),
    _G(("4000", "10"), "Managed Services Revenue", "IncomeStatement", "Credit", "R"),
    _G(("4100", "10"), "Agreement Revenue", "IncomeStatement", "Credit", "RA"),
    _G(("4200", "30"), "Product Revenue", "IncomeStatement", "Credit", "RP"),
    _G(("4300", "10"), "Miscellaneous Revenue", "IncomeStatement", "Credit", "R"),
    _G(("4400", "20"), "Project Revenue", "IncomeStatement", "Credit", "R"),
    _G(("4500", "10"), "Billable Expense Revenue", "IncomeStatement", "Credit", "RE"),
    _G(("4600", "10"), "Onsite Labour Revenue", "IncomeStatement", "Credit", "R", in_sage=False),
    _G(("5000", "30"), "Cost of Goods Sold", "IncomeStatement", "Debit", "P"),
    _G(("5100", "10"), "Travel Expense", "IncomeStatement", "Debit", "EI"),
    _G(("5110", "10"), "Meals Expense", "IncomeStatement", "Debit", "EI"),
    _G(("5120", "10"), "Mileage Expense", "IncomeStatement", "Debit", "EI"),
    _G(("5200", "30"), "Freight In", "IncomeStatement", "Debit", "PF"),
    _G(("5300", "30"), "Inventory Adjustments", "IncomeStatement", "Debit", "IA"),
    _G(("5400", "10"), "Software Subscriptions", "IncomeStatement", "Debit", "EI"),
)

MISSING_GL_ACCOUNT = "4600-10"
"""The GL account used by invoice lines (onsite labour) that Sage does not have."""

REVENUE_ACCOUNTS = {
    "Service": "4000-10",
    "Onsite": "4600-10",
    "Agreement": "4100-10",
    "Product": "4200-30",
    "Miscellaneous": "4300-10",
    "Project": "4400-20",
    "Expense": "4500-10",
    "DownPayment": "2400-00",
}
AR_ACCOUNT = "1200-00"
AP_ACCOUNT = "2000-00"
EXPENSE_OFFSET_ACCOUNT = "2100-00"
COGS_ACCOUNT = "5000-30"
FREIGHT_ACCOUNT = "5200-30"
ADJUSTMENT_ACCOUNT = "5300-30"
EXPENSE_ACCOUNTS = {"Travel": "5100-10", "Meals": "5110-10", "Mileage": "5120-10", "Software": "5400-10"}

ITEMS = (
    Item("PATCH10", "10ft Cat6 Patch Cable", True, Decimal("1.25"), Decimal("6.00")),
    Item("LAPTOP-X1", "ThinkPad X1 Carbon Laptop", True, Decimal("1180.00"), Decimal("1599.00")),
    Item("SWITCH24", "24-port Managed Switch", True, Decimal("310.00"), Decimal("449.00")),
    Item("TONER-HP", "HP LaserJet Toner Cartridge", True, Decimal("62.40"), Decimal("89.99")),
    Item("M365-BP", "Microsoft 365 Business Premium (monthly)", False, Decimal("22.00"), Decimal("26.40")),
    Item("AV-EDR", "Endpoint Detection & Response seat", False, Decimal("4.10"), Decimal("9.00")),
)

WAREHOUSES = (
    Warehouse(1, "Main Warehouse", "MAIN", 1, "1300-00"),
    Warehouse(2, "Service Van", "VAN1", 2, "1310-00"),
)

FISCAL_YEARS = (2025, 2026, 2027)
LOCKED_PERIODS = {2025: tuple(range(1, 13)), 2026: tuple(range(1, 7))}
"""Fiscal periods locked in Sage: all of 2025 and January–June 2026 (the demo documents are Sep–Oct 2026)."""


@dataclass(frozen=True)
class DemoCompany:
    """Everything above in one object, so emulators can be seeded with a variant in tests."""

    locations: tuple[Location, ...] = LOCATIONS
    currencies: tuple[Currency, ...] = CURRENCIES
    terms: tuple[Terms, ...] = TERMS
    tax_codes: tuple[TaxCode, ...] = TAX_CODES
    customers: tuple[Customer, ...] = CUSTOMERS
    vendors: tuple[Vendor, ...] = VENDORS
    members: tuple[Member, ...] = MEMBERS
    gl_accounts: tuple[GLAccount, ...] = GL_ACCOUNTS
    items: tuple[Item, ...] = ITEMS
    warehouses: tuple[Warehouse, ...] = WAREHOUSES
    missing_tax_authorities: frozenset[str] = field(default_factory=lambda: frozenset({MISSING_TAX_AUTHORITY}))


DEMO = DemoCompany()
