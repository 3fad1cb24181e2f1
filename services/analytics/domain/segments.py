"""Account data queries (A4): the fields an account can be segmented by, criteria over them, and
how criteria become column predicates (which the store turns into SQL and the tests evaluate in
memory with ``matches``).

Every field is a column of the account facts read model (``store/tools_tables.account_facts``)
fed by the contact, account lifecycle, account profile and valuation events and by the tools
themselves (risk score, ESG values), except two derived ones: ``age`` (a range of birth dates as
of the query's day) and ``nav_band`` (a range of net asset values). A segment is a named list of
criteria that all (or any) hold; its members are computed when it is saved or refreshed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from services.runtime.errors import Invalid

Kind = Literal["text", "choice", "number", "date", "bool", "list"]
Op = Literal["eq", "in", "gte", "lte", "between", "is", "any_of", "all_of", "contains"]

OPS: dict[str, tuple[str, ...]] = {
    "text": ("eq", "in", "contains"),
    "choice": ("eq", "in"),
    "number": ("eq", "gte", "lte", "between"),
    "date": ("eq", "gte", "lte", "between"),
    "bool": ("is",),
    "list": ("any_of", "all_of"),
}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    label: str
    kind: Kind
    group: str
    choices: tuple[str, ...] = ()
    column: str | None = None  # derived fields name the column they range over

    @property
    def source(self) -> str:
        return self.column or self.name


NAV_BANDS: dict[str, tuple[Decimal | None, Decimal | None]] = {
    "under_10k": (None, Decimal("10000")),
    "10k_100k": (Decimal("10000"), Decimal("100000")),
    "100k_1m": (Decimal("100000"), Decimal("1000000")),
    "1m_10m": (Decimal("1000000"), Decimal("10000000")),
    "over_10m": (Decimal("10000000"), None),
}
ACCOUNT_TYPES = ("individual", "joint", "trust", "traditional_ira", "roth_ira", "rollover_ira",
                 "sep_ira", "organization", "hedge_fund", "family_office")  # fmt: skip
STAGES = ("invited", "started", "submitted", "pending", "open", "closed")
OBJECTIVES = ("preservation", "income", "growth", "speculation", "hedging", "active_trading")
PERMISSIONS = ("stocks", "options", "futures", "forex", "bonds", "funds", "crypto", "margin")

FIELDS: tuple[Field, ...] = (
    # account
    Field("account_number", "Account number", "text", "Account"),
    Field("account_type", "Account type", "choice", "Account", ACCOUNT_TYPES),
    Field("status", "Account status", "choice", "Account", STAGES),
    Field("application_type", "Application type", "choice", "Account",
          ("individual", "joint", "trust", "ira", "organization", "advisor_client", "broker_client")),
    Field("margin_type", "Margin type", "choice", "Account", ("cash", "reg_t_margin", "portfolio_margin")),
    Field("base_currency", "Base currency", "text", "Account"),
    Field("trading_permissions", "Trading permissions", "list", "Account", PERMISSIONS),
    Field("closed", "Closed", "bool", "Account"),
    Field("opened_on", "Opened on", "date", "Account"),
    Field("closed_on", "Closed on", "date", "Account"),
    Field("net_asset_value", "Net asset value", "number", "Account"),
    Field("nav_band", "NAV band", "choice", "Account", tuple(NAV_BANDS), column="net_asset_value"),
    Field("last_nav_on", "Last valued on", "date", "Account"),
    # person
    Field("title", "Title", "text", "Person"),
    Field("first_name", "First name", "text", "Person"),
    Field("last_name", "Last name", "text", "Person"),
    Field("has_email", "Has an email address", "bool", "Person"),
    Field("has_phone", "Has a phone number", "bool", "Person"),
    Field("has_username", "Has a username", "bool", "Person"),
    Field("date_of_birth", "Date of birth", "date", "Person"),
    Field("age", "Age", "number", "Person", column="date_of_birth"),
    Field("marital_status", "Marital status", "choice", "Person",
          ("single", "married", "divorced", "widowed", "partnership")),
    Field("dependents", "Dependents", "number", "Person"),
    Field("spouse_sole_beneficiary", "Spouse is sole beneficiary", "bool", "Person"),
    Field("country", "Country of residence", "text", "Address"),
    Field("state_province", "State or province", "text", "Address"),
    Field("city", "City", "text", "Address"),
    Field("citizenship", "Citizenship", "text", "Address"),
    Field("tax_residence", "Tax residence", "text", "Address"),
    Field("language", "Language", "text", "Address"),
    # finances
    Field("employment_status", "Employment status", "choice", "Finances",
          ("employed", "self_employed", "retired", "student", "unemployed")),
    Field("occupation", "Occupation", "text", "Finances"),
    Field("annual_net_income", "Annual net income", "number", "Finances"),
    Field("net_worth", "Net worth", "number", "Finances"),
    Field("liquid_net_worth", "Liquid net worth", "number", "Finances"),
    Field("source_of_funds", "Source of funds", "list", "Finances",
          ("employment", "savings", "inheritance", "business", "investments", "pension")),
    # objectives and experience
    Field("investment_objectives", "Investment objectives", "list", "Objectives", OBJECTIVES),
    Field("risk_tolerance", "Risk tolerance", "choice", "Objectives", ("low", "moderate", "high")),
    Field("time_horizon", "Time horizon", "choice", "Objectives", ("short", "medium", "long")),
    Field("stock_experience_years", "Years trading stocks", "number", "Objectives"),
    Field("options_experience_years", "Years trading options", "number", "Objectives"),
    Field("futures_experience_years", "Years trading futures", "number", "Objectives"),
    Field("professional", "Professional investor", "bool", "Objectives"),
    # engagement and tools
    Field("risk_score", "Risk score", "number", "Tools"),
    Field("esg_values", "ESG impact values", "list", "Tools"),
    Field("group_ids", "In group", "list", "Tools"),
)  # fmt: skip
BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}

MAX_CRITERIA = 40
MAX_LIST = 200


@dataclass(frozen=True, slots=True)
class Criterion:
    field: str
    op: str
    value: Any


@dataclass(frozen=True, slots=True)
class Predicate:
    """One test on one column: ``column op value`` (``between``: a pair, either end open)."""

    column: str
    op: str
    value: Any


def _parse(kind: str, raw: Any) -> Any:
    if kind == "number":
        return Decimal(str(raw))
    if kind == "date":
        return raw if isinstance(raw, date) else date.fromisoformat(str(raw))
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ValueError("true or false")
        return raw
    if not isinstance(raw, str) or not 1 <= len(raw) <= 200:
        raise ValueError("text of 1 to 200 characters")
    return raw


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def check(criteria: list[Criterion]) -> list[Criterion]:
    """Criteria with their values parsed; every problem at once, at its criterion."""
    if len(criteria) > MAX_CRITERIA:
        raise Invalid(f"at most {MAX_CRITERIA} criteria", field="criteria")
    problems: list[tuple[tuple[str | int, ...], str]] = []
    parsed: list[Criterion] = []
    for index, criterion in enumerate(criteria):
        field = BY_NAME.get(criterion.field)
        where: tuple[str | int, ...] = ("criteria", index)
        if field is None:
            problems.append(((*where, "field"), "no such field"))
            continue
        if criterion.op not in OPS[field.kind]:
            problems.append(((*where, "op"), f"one of {', '.join(OPS[field.kind])}"))
            continue
        try:
            value = _value(field, criterion.op, criterion.value)
        except (ValueError, TypeError, ArithmeticError) as error:
            problems.append(((*where, "value"), str(error) or "not a valid value"))
            continue
        parsed.append(Criterion(field.name, criterion.op, value))
    if problems:
        raise Invalid.of(problems)
    return parsed


def _value(field: Field, op: str, raw: Any) -> Any:
    element_kind = "text" if field.kind in ("choice", "list") else field.kind
    if op in ("in", "any_of", "all_of"):
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_LIST:
            raise ValueError(f"a list of 1 to {MAX_LIST} values")
        values = [_parse(element_kind, item) for item in raw]
    elif op == "between":
        if not isinstance(raw, list) or len(raw) != 2 or raw == [None, None]:
            raise ValueError("a pair [from, to]; one end may be null")
        values = [None if item is None else _parse(element_kind, item) for item in raw]
        if None not in values and values[0] > values[1]:
            raise ValueError("from is after to")
        return values
    else:
        values = [_parse(element_kind, raw)]
    if (field.choices and field.kind != "list") or (field.kind == "list" and field.choices):
        unknown = [v for v in values if v not in field.choices]
        if unknown:
            raise ValueError(f"one of {', '.join(field.choices)}")
    if field.name == "age" and any(v < 0 or v > 150 for v in values):
        raise ValueError("an age from 0 to 150")
    return values if op in ("in", "any_of", "all_of") else values[0]


def predicates(criterion: Criterion, today: date) -> list[Predicate]:
    """A (checked) criterion as tests on columns; derived fields become ranges."""
    field = BY_NAME[criterion.field]
    if field.name == "nav_band":
        bands = [criterion.value] if criterion.op == "eq" else criterion.value
        return [Predicate("net_asset_value", "bands", [NAV_BANDS[band] for band in bands])]
    if field.name == "age":
        # age >= n  <=>  born on or before today - n years; age <= n  <=>  born after today - (n+1) years
        def oldest(n: Decimal) -> date:
            return _years_before(today, int(n) + 1)

        def youngest(n: Decimal) -> date:
            return _years_before(today, int(n))

        if criterion.op == "between":
            low, high = criterion.value
        else:
            low = criterion.value if criterion.op in ("eq", "gte") else None
            high = criterion.value if criterion.op in ("eq", "lte") else None
        tests = [Predicate("date_of_birth", "is_set", True)]
        if low is not None:
            tests.append(Predicate("date_of_birth", "lte", youngest(low)))
        if high is not None:
            tests.append(Predicate("date_of_birth", "gt", oldest(high)))
        return tests
    return [Predicate(field.source, criterion.op, criterion.value)]


def _holds(test: Predicate, value: Any) -> bool:
    if test.op == "is_set":
        return value is not None
    if test.op == "bands":
        return value is not None and any(
            (low is None or value >= low) and (high is None or value < high)
            for low, high in test.value
        )
    if test.op == "is":
        return bool(value) is test.value
    if value is None:
        return False
    if test.op == "any_of":
        return not set(test.value).isdisjoint(value)
    if test.op == "all_of":
        return set(test.value) <= set(value)
    if test.op == "contains":
        return str(test.value).lower() in str(value).lower()
    if test.op == "in":
        return value in test.value
    if test.op == "between":
        low, high = test.value
        return (low is None or value >= low) and (high is None or value <= high)
    comparisons = {"eq": value == test.value, "gte": value >= test.value, "lte": value <= test.value,
                   "gt": value > test.value}  # fmt: skip
    return comparisons[test.op]


def matches(facts: dict[str, Any], criteria: list[Criterion], *, match: str, today: date) -> bool:
    """Whether an account's facts satisfy the (checked) criteria: all of them, or any."""
    results = (all(_holds(t, facts.get(t.column)) for t in predicates(c, today)) for c in criteria)
    return all(results) if match == "all" else any(results)
