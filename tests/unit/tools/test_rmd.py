"""RMD (A8) against figures published outside this code: the IRS divisors of Publication 590-B
(Table III, Uniform Lifetime; Table II, Joint and Last Survivor, as 26 CFR 1.401(a)(9)-9 prints
them) and worked RMDs on a $1,000,000 balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contracts.accounts import AccountType
from services.analytics.domain import rmd
from services.runtime.errors import Invalid


def inputs(born: date, balance: str, year: int, **extra: object) -> rmd.RmdInputs:
    return rmd.RmdInputs(account_type=AccountType.TRADITIONAL_IRA, owner_birth_date=born,
                         prior_year_end_balance=Decimal(balance), year=year, **extra)  # type: ignore[arg-type]  # fmt: skip


@pytest.mark.parametrize(("age", "divisor"), [(72, "27.4"), (73, "26.5"), (75, "24.6"), (80, "20.2"),
                                              (85, "16.0"), (90, "12.2"), (100, "6.4"), (120, "2.0"), (125, "2.0")])  # fmt: skip
def test_the_uniform_lifetime_divisors_are_the_published_ones(age: int, divisor: str) -> None:
    year = 2022 if age == 72 else 2025  # 72 is a required age only for owners born before 1951
    result = rmd.calculate(inputs(date(year - age, 5, 1), "1000000", year))
    assert result.divisor == Decimal(divisor)
    assert result.table_effective_year == 2022


def test_a_worked_example_rounds_half_up_to_the_cent() -> None:
    # age 75 in 2025, $100,000 on 31 December 2024: 100,000 / 24.6 = 4,065.0406... -> 4,065.04
    result = rmd.calculate(
        inputs(date(1950, 7, 1), "100000", 2025, withdrawn_to_date=Decimal("1000"))
    )
    assert (result.required_amount, result.remaining) == (Decimal("4065.04"), Decimal("3065.04"))
    # 1,000,000 / 26.5 (age 73) = 37,735.85 — the published comparison shows $37,736
    assert rmd.calculate(inputs(date(1952, 1, 1), "1000000", 2025)).required_amount == Decimal(
        "37735.85"
    )


@pytest.mark.parametrize(("owner", "spouse", "divisor", "rounded"), [
    (73, 60, "28.6", 34965), (75, 60, "28.3", 35336), (80, 65, "23.8", 42017), (85, 70, "19.5", 51282), (90, 75, "15.4", 64935),
])  # fmt: skip
def test_a_spouse_more_than_ten_years_younger_uses_the_joint_life_table(
    owner: int, spouse: int, divisor: str, rounded: int
) -> None:
    result = rmd.calculate(inputs(date(2025 - owner, 1, 1), "1000000", 2025,
                                  spouse_birth_date=date(2025 - spouse, 1, 1), spouse_sole_beneficiary=True))  # fmt: skip
    assert result.table == rmd.JOINT_LIFE.name and result.divisor == Decimal(divisor)
    assert round(result.required_amount) == rounded


def test_joint_life_needs_the_spouse_to_be_the_sole_beneficiary_and_more_than_ten_years_younger() -> (
    None
):
    not_sole = rmd.calculate(
        inputs(date(1950, 1, 1), "1000", 2025, spouse_birth_date=date(1965, 1, 1))
    )
    ten_years = rmd.calculate(inputs(date(1950, 1, 1), "1000", 2025, spouse_birth_date=date(1960, 1, 1),
                                     spouse_sole_beneficiary=True))  # fmt: skip
    assert not_sole.table == ten_years.table == rmd.UNIFORM_LIFETIME.name


@pytest.mark.parametrize(("owner", "spouse", "divisor"), [
    (72, 61, "28.1"),  # the youngest owner with a spouse 11 years younger
    (72, 20, "65.1"), (75, 50, "36.7"), (80, 50, "36.5"), (85, 69, "20.3"), (90, 76, "14.7"),
    (100, 47, "39.0"), (113, 102, "3.2"), (120, 109, "2.0"), (72, 0, "84.7"),
])  # fmt: skip
def test_the_whole_joint_life_table_gives_the_regulations_periods(
    owner: int, spouse: int, divisor: str
) -> None:
    """26 CFR 1.401(a)(9)-9(d) (Publication 590-B Table II); 80/50 and 90/76 are cells where
    published transcriptions differ from the regulation. 72 is a required age in 2022."""
    year = 2022 if owner == 72 else 2025
    result = rmd.calculate(inputs(date(year - owner, 3, 1), "1000000", year,
                                  spouse_birth_date=date(year - spouse, 3, 1), spouse_sole_beneficiary=True))  # fmt: skip
    assert result.table == rmd.JOINT_LIFE.name and result.divisor == Decimal(divisor)
    assert result.required_amount == (Decimal(1000000) / Decimal(divisor)).quantize(Decimal("0.01"))


def test_the_joint_life_table_covers_every_pair_the_calculator_needs_and_is_consistent() -> None:
    periods = rmd.JOINT_LIFE.divisors
    for owner in range(72, 121):
        row = [periods[f"{owner}:{spouse}"] for spouse in range(0, owner - 10)]
        assert row == sorted(row, reverse=True), (
            f"a younger spouse never shortens the period ({owner})"
        )
        # the Uniform Lifetime table assumes a spouse exactly ten years younger: a younger one
        # gives a period at least as long
        assert min(row) >= rmd.UNIFORM_LIFETIME.divisors[str(owner)]
        if owner > 72:
            older = [periods[f"{owner}:{spouse}"] for spouse in range(0, owner - 11)]
            younger = [periods[f"{owner - 1}:{spouse}"] for spouse in range(0, owner - 11)]
            assert all(o <= y for o, y in zip(older, younger, strict=True)), owner
    assert rmd.JOINT_LIFE.effective_year == 2022 and "1.401(a)(9)-9(d)" in rmd.JOINT_LIFE.source


def test_owners_over_120_read_the_120_and_over_row() -> None:
    result = rmd.calculate(inputs(date(1899, 6, 1), "1000", 2025, spouse_birth_date=date(1915, 6, 1),
                                  spouse_sole_beneficiary=True))  # fmt: skip
    assert (result.owner_age, result.divisor) == (126, Decimal("2.0"))  # 120+ and 110


def test_a_spouse_not_yet_born_in_the_year_is_refused_rather_than_guessed() -> None:
    with pytest.raises(Invalid, match="no entry for owner age 75 and spouse age -1"):
        rmd.calculate(inputs(date(1950, 1, 1), "1000", 2025, spouse_birth_date=date(2026, 1, 1),
                             spouse_sole_beneficiary=True))  # fmt: skip


def test_required_beginning_age_follows_secure_2() -> None:
    assert not rmd.calculate(inputs(date(1953, 1, 1), "1000", 2025)).required  # 72, RBA 73
    assert rmd.calculate(inputs(date(1952, 12, 31), "1000", 2025)).required  # 73
    assert not rmd.calculate(inputs(date(1960, 1, 1), "1000", 2034)).required  # 74, RBA 75
    assert rmd.calculate(inputs(date(1960, 1, 1), "1000", 2035)).required


def test_only_traditional_rollover_and_sep_iras_are_eligible() -> None:
    for kind in (AccountType.ROTH_IRA, AccountType.INDIVIDUAL):
        result = rmd.calculate(rmd.RmdInputs(kind, date(1940, 1, 1), Decimal(1000), 2025))
        assert not result.eligible and result.required_amount == 0
    for kind in (AccountType.ROLLOVER_IRA, AccountType.SEP_IRA):
        assert rmd.calculate(rmd.RmdInputs(kind, date(1940, 1, 1), Decimal(1000), 2025)).required


def test_remaining_never_goes_below_zero() -> None:
    result = rmd.calculate(
        inputs(date(1950, 1, 1), "24600", 2025, withdrawn_to_date=Decimal("5000"))
    )
    assert (result.required_amount, result.remaining) == (Decimal("1000.00"), Decimal(0))
