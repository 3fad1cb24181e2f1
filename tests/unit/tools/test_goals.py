"""The goal tracker's Monte-Carlo (A6) against the closed-form lognormal probability."""

from __future__ import annotations

import pytest

from services.analytics.domain import goals
from services.runtime.errors import Invalid


@pytest.mark.parametrize(("value", "mu", "sigma", "years", "goal"), [
    (100_000, 0.07, 0.15, 20, 300_000), (50_000, 0.04, 0.10, 5, 60_000), (10_000, 0.08, 0.25, 30, 100_000),
])  # fmt: skip
def test_the_simulated_probability_matches_the_closed_form(
    value: float, mu: float, sigma: float, years: int, goal: float
) -> None:
    inputs = goals.GoalInputs(value, 0, mu, sigma, years, goal)
    simulated = goals.simulate(inputs, paths=10_000, seed=7).probability
    exact = goals.closed_form_probability(inputs)
    # 10,000 paths: the standard error is at most 0.005; four of them
    assert abs(simulated - exact) < 0.02, (simulated, exact)


def test_the_same_seed_repeats_its_paths_and_another_seed_does_not() -> None:
    """(Its speed is a benchmark's business, never a timed test's.)"""
    inputs = goals.GoalInputs(100_000, 500, 0.06, 0.15, 30, 500_000)
    first = goals.simulate(inputs, paths=5000, seed=3)
    assert goals.simulate(inputs, paths=5000, seed=3) == first
    assert goals.simulate(inputs, paths=5000, seed=4).probability != first.probability


def test_contributions_raise_the_probability_and_the_fan_is_ordered() -> None:
    base = goals.GoalInputs(100_000, 0, 0.05, 0.12, 15, 250_000)
    with_saving = goals.GoalInputs(100_000, 1000, 0.05, 0.12, 15, 250_000)
    p0, p1 = goals.simulate(base, seed=1), goals.simulate(with_saving, seed=1)
    assert p1.probability > p0.probability
    for year in range(len(p1.years)):
        column = [p1.percentiles[p][year] for p in goals.PERCENTILES]
        assert column == sorted(column)
    assert p1.percentiles[50][0] == 100_000


def test_no_volatility_grows_deterministically() -> None:
    inputs = goals.GoalInputs(1000, 100, 0.0, 0.0, 1, 2200)
    result = goals.simulate(inputs, paths=100)
    assert result.median_final == pytest.approx(2200) and result.probability == 1.0


def test_impossible_inputs_are_refused_at_their_field() -> None:
    with pytest.raises(Invalid) as refused:
        goals.simulate(goals.GoalInputs(-1, 0, 0.9, 2, 0, 0), paths=10)
    assert {p[0][0] for p in refused.value.problems} == {
        "current_value",
        "annual_return",
        "annual_volatility",
        "years",
        "goal_amount",
        "paths",
    }
