"""Required minimum distributions (A8): who must take one, from which IRS table, how much.

The IRS tables are data (``rmd_tables/*.json``, each with its effective year), read once when
this module is imported. The rules (IRS Publication 590-B, SECURE 2.0):
- eligible account types: Traditional, Rollover and SEP IRA;
- the required beginning age is 72 for owners born before 1951, 73 for 1951-1959 and 75 from 1960;
  a year's RMD is due from the year the owner reaches it;
- RMD = prior 31 December balance ÷ distribution period; the period is the Uniform Lifetime
  table's at the owner's age on their birthday in the year, or — when the sole beneficiary is a
  spouse more than 10 years younger — the Joint Life table's at both ages;
- money rounds half up to the cent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any

from contracts.accounts import AccountType
from services.runtime.errors import Invalid

CENT = Decimal("0.01")
ELIGIBLE_TYPES = frozenset(
    {AccountType.TRADITIONAL_IRA, AccountType.ROLLOVER_IRA, AccountType.SEP_IRA}
)
JOINT_LIFE_AGE_GAP = 10


@dataclass(frozen=True, slots=True)
class LifeTable:
    name: str
    source: str
    effective_year: int
    divisors: dict[str, Decimal]


def _load(name: str) -> LifeTable:
    """A table file: ``divisors`` (age -> period) or ``rows`` (owner age -> the periods for spouse
    ages from ``spouse_ages_from`` on), both read into keys ``"age"`` or ``"owner:spouse"``."""
    raw = json.loads(resources.files(__package__).joinpath("rmd_tables", name).read_text("utf-8"))
    divisors = {key: Decimal(str(value)) for key, value in raw.get("divisors", {}).items()}
    first = int(raw.get("spouse_ages_from", 0))
    for owner, periods in raw.get("rows", {}).items():
        divisors.update({f"{owner}:{first + i}": Decimal(str(v)) for i, v in enumerate(periods)})
    return LifeTable(name=raw["table"], source=raw["source"],
                     effective_year=int(raw["effective_year"]), divisors=divisors)  # fmt: skip


UNIFORM_LIFETIME = _load("uniform_lifetime_2022.json")
JOINT_LIFE = _load("joint_life_2022.json")


def required_beginning_age(birth_date: date) -> int:
    if birth_date.year < 1951:
        return 72
    if birth_date.year < 1960:
        return 73
    return 75


def age_in(year: int, birth_date: date) -> int:
    """The age on the birthday in ``year`` (how the tables are entered)."""
    return year - birth_date.year


@dataclass(frozen=True, slots=True)
class RmdInputs:
    account_type: AccountType
    owner_birth_date: date
    prior_year_end_balance: Decimal
    year: int
    spouse_birth_date: date | None = None
    spouse_sole_beneficiary: bool = False
    withdrawn_to_date: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class RmdResult:
    year: int
    eligible: bool
    required: bool
    reason: str
    owner_age: int
    table: str | None = None
    table_effective_year: int | None = None
    divisor: Decimal | None = None
    required_amount: Decimal = Decimal(0)
    withdrawn_to_date: Decimal = Decimal(0)
    remaining: Decimal = Decimal(0)


def _uniform_divisor(age: int) -> Decimal:
    return UNIFORM_LIFETIME.divisors[str(min(age, 120))]


def _joint_divisor(owner_age: int, spouse_age: int) -> Decimal:
    """The Joint and Last Survivor period at both ages (120 stands for 120 and over)."""
    key = f"{min(owner_age, 120)}:{min(spouse_age, 120)}"
    if key not in JOINT_LIFE.divisors:  # only a spouse not yet born in the year gets here
        raise Invalid(
            f"the Joint and Last Survivor table has no entry for owner age {owner_age} and "
            f"spouse age {spouse_age}",
            field="spouse_birth_date",
        )
    return JOINT_LIFE.divisors[key]


def uses_joint_life(inputs: RmdInputs) -> bool:
    if not inputs.spouse_sole_beneficiary or inputs.spouse_birth_date is None:
        return False
    gap = age_in(inputs.year, inputs.owner_birth_date) - age_in(
        inputs.year, inputs.spouse_birth_date
    )
    return gap > JOINT_LIFE_AGE_GAP


def calculate(inputs: RmdInputs) -> RmdResult:
    """The year's RMD, withdrawn to date and what remains (never below zero)."""
    owner_age = age_in(inputs.year, inputs.owner_birth_date)
    withdrawn = inputs.withdrawn_to_date.quantize(CENT, ROUND_HALF_UP)
    base: dict[str, Any] = {
        "year": inputs.year,
        "owner_age": owner_age,
        "withdrawn_to_date": withdrawn,
    }
    if inputs.account_type not in ELIGIBLE_TYPES:
        return RmdResult(eligible=False, required=False, reason="not an RMD account type", **base)
    if inputs.year < UNIFORM_LIFETIME.effective_year:
        raise Invalid(
            f"the tables shipped apply from {UNIFORM_LIFETIME.effective_year}", field="year"
        )
    if owner_age < required_beginning_age(inputs.owner_birth_date):
        return RmdResult(eligible=True, required=False, reason="before the required beginning age", **base)  # fmt: skip
    if inputs.prior_year_end_balance < 0:
        raise Invalid("a balance cannot be negative", field="prior_year_end_balance")
    if uses_joint_life(inputs):
        assert inputs.spouse_birth_date is not None
        table = JOINT_LIFE
        divisor = _joint_divisor(owner_age, age_in(inputs.year, inputs.spouse_birth_date))
    else:
        table, divisor = UNIFORM_LIFETIME, _uniform_divisor(owner_age)
    amount = (inputs.prior_year_end_balance / divisor).quantize(CENT, ROUND_HALF_UP)
    return RmdResult(
        eligible=True, required=True, reason="required", table=table.name,
        table_effective_year=table.effective_year, divisor=divisor, required_amount=amount,
        remaining=max(Decimal(0), amount - withdrawn), **base,
    )  # fmt: skip
