"""The RMD calculator (A8): for one set of inputs, or for each eligible client account from the
event stream (birth dates from the account profile, the prior year-end value from the daily
values, withdrawals to date from the ledger)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from contracts.access import ClientScope
from contracts.accounts import AccountType
from contracts.api.tools import RmdInputs, RmdList, RmdOut
from services.analytics.domain import rmd as rules
from services.analytics.service_layer.tools_uow import ToolsUnitOfWork
from services.runtime.errors import Invalid, NotFound


def _out(result: rules.RmdResult, balance: Decimal | None, **extra: Any) -> RmdOut:
    return RmdOut(year=result.year, eligible=result.eligible, required=result.required, reason=result.reason,
                  owner_age=result.owner_age, prior_year_end_balance=balance, table=result.table,
                  table_effective_year=result.table_effective_year, divisor=result.divisor,
                  required_amount=result.required_amount, withdrawn_to_date=result.withdrawn_to_date,
                  remaining=result.remaining, **extra)  # fmt: skip


def calculate(command: RmdInputs) -> RmdOut:
    result = rules.calculate(rules.RmdInputs(**command.model_dump()))
    return _out(result, command.prior_year_end_balance)


def _for_account(
    facts: dict[str, Any], year: int, balance: Decimal | None, withdrawn: Decimal
) -> RmdOut:
    """The year's RMD of one account, from its facts, prior year-end value and withdrawals."""
    name = " ".join(p for p in (facts.get("first_name"), facts.get("last_name")) if p) or None
    base = {"account_number": facts["account_number"], "name": name}
    if facts.get("date_of_birth") is None:
        return RmdOut(year=year, eligible=True, required=False, reason="no date of birth on record",
                      owner_age=None, prior_year_end_balance=None, table=None, table_effective_year=None,
                      divisor=None, required_amount=Decimal(0), withdrawn_to_date=Decimal(0),
                      remaining=Decimal(0), **base)  # fmt: skip
    inputs = rules.RmdInputs(
        account_type=AccountType(facts["account_type"]), owner_birth_date=facts["date_of_birth"],
        prior_year_end_balance=balance or Decimal(0), year=year,
        spouse_birth_date=facts.get("spouse_date_of_birth"),
        spouse_sole_beneficiary=bool(facts.get("spouse_sole_beneficiary")), withdrawn_to_date=withdrawn)  # fmt: skip
    try:
        result = rules.calculate(inputs)
    except Invalid as problem:  # no table entry for the ages: said per account, not a failed list
        return RmdOut(year=year, eligible=True, required=True, reason=problem.message, owner_age=None,
                      prior_year_end_balance=balance, table=None, table_effective_year=None, divisor=None,
                      required_amount=Decimal(0), withdrawn_to_date=withdrawn, remaining=Decimal(0), **base)  # fmt: skip
    return _out(result, balance, **base)


async def for_accounts(
    uow: ToolsUnitOfWork, master: str, year: int, *, scope: ClientScope
) -> RmdList:
    accounts = await uow.segment_facts.accounts_of_types(
        master_account_id=master, account_types=[t.value for t in rules.ELIGIBLE_TYPES], scope=scope
    )
    numbers = [facts["account_number"] for facts in accounts]
    balances = await uow.activity.year_end_balances(
        master_account_id=master, account_numbers=numbers, year=year - 1
    )
    withdrawn = await uow.activity.withdrawals(
        master_account_id=master, account_numbers=numbers, year=year
    )
    return RmdList(year=year, items=[
        _for_account(facts, year, balances.get(number), withdrawn.get(number, Decimal(0)))
        for number, facts in zip(numbers, accounts, strict=True)])  # fmt: skip


async def for_account(
    uow: ToolsUnitOfWork, master: str, account_number: str, year: int, *, scope: ClientScope
) -> RmdOut:
    facts = await uow.segment_facts.facts_of(
        master_account_id=master, account_number=account_number, scope=scope
    )
    if facts is None or facts.get("account_type") is None:
        raise NotFound("account")
    number = facts["account_number"]
    balance = await uow.activity.year_end_balance(
        master_account_id=master, account_number=number, year=year - 1
    )
    withdrawn = await uow.activity.withdrawn(
        master_account_id=master, account_number=number, year=year
    )
    return _for_account(facts, year, balance, withdrawn)
