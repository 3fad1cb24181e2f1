"""Account data queries (A4): the field catalogue, checking criteria, and what they match."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.analytics.domain import segments
from services.runtime.errors import Invalid

TODAY = date(2025, 6, 15)
IRIS: dict[str, object] = {"account_number": "U1", "country": "US", "date_of_birth": date(1950, 6, 15), "net_asset_value": Decimal("250000"),
        "investment_objectives": ["income"], "margin_type": "cash", "has_email": True, "first_name": "Iris"}  # fmt: skip
BRUNO: dict[str, object] = {"account_number": "U2", "country": "CH", "date_of_birth": date(1990, 6, 16), "net_asset_value": Decimal("5000"),
         "investment_objectives": ["growth", "speculation"], "margin_type": "portfolio_margin", "has_email": False}  # fmt: skip


def who(*criteria: segments.Criterion, match: str = "all") -> list[str]:
    checked = segments.check(list(criteria))
    return [
        str(f["account_number"])
        for f in (IRIS, BRUNO)
        if segments.matches(f, checked, match=match, today=TODAY)
    ]


def test_there_are_over_forty_fields_with_unique_names() -> None:
    assert len(segments.FIELDS) > 40 and len(segments.BY_NAME) == len(segments.FIELDS)
    for name in (
        "account_type",
        "status",
        "application_type",
        "margin_type",
        "country",
        "age",
        "nav_band",
        "investment_objectives",
    ):
        assert name in segments.BY_NAME


def test_criteria_combine_with_all_or_any() -> None:
    C = segments.Criterion
    assert who(C("country", "in", ["US", "CH"]), C("margin_type", "eq", "cash")) == ["U1"]
    assert who(C("country", "eq", "CH"), C("margin_type", "eq", "cash"), match="any") == [
        "U1",
        "U2",
    ]
    assert who(C("investment_objectives", "all_of", ["growth", "speculation"])) == ["U2"]
    assert who(C("has_email", "is", False)) == ["U2"]
    assert who(C("first_name", "contains", "RI")) == ["U1"]


def test_age_counts_birthdays_as_of_the_day() -> None:
    C = segments.Criterion
    assert who(C("age", "eq", 75)) == ["U1"]  # 75 today
    assert who(C("age", "eq", 34)) == ["U2"]  # 35 tomorrow
    assert who(C("age", "between", [30, 80])) == ["U1", "U2"]
    assert who(C("age", "gte", 76)) == []


def test_nav_bands_are_half_open_ranges() -> None:
    C = segments.Criterion
    assert who(C("nav_band", "eq", "100k_1m")) == ["U1"]
    assert who(C("nav_band", "in", ["under_10k", "1m_10m"])) == ["U2"]


@pytest.mark.parametrize("criterion", [
    {"field": "nope", "op": "eq", "value": 1},
    {"field": "country", "op": "gte", "value": "US"},
    {"field": "margin_type", "op": "eq", "value": "weird"},
    {"field": "age", "op": "between", "value": [80, 30]},
    {"field": "net_asset_value", "op": "gte", "value": "lots"},
    {"field": "country", "op": "in", "value": []},
    {"field": "has_email", "op": "is", "value": "yes"},
])  # fmt: skip
def test_bad_criteria_are_refused_at_their_place(criterion: dict[str, object]) -> None:
    with pytest.raises(Invalid) as refused:
        segments.check([segments.Criterion(**criterion)])  # type: ignore[arg-type]
    assert refused.value.problems[0][0][:2] == ("criteria", 0)
