"""Fee arithmetic (A9), risk scores (A5) and ESG values (A7): pure rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.analytics.domain import esg, fees, risk
from services.runtime.errors import Conflict, Invalid

D = Decimal
TIERS = (
    fees.Tier(D("1000000"), D("1")),
    fees.Tier(D("5000000"), D("0.75")),
    fees.Tier(None, D("0.5")),
)


def test_aum_tiers_are_marginal() -> None:
    assert fees.annual_aum_fee(TIERS, D("500000")) == D("5000")
    # 1,000,000 at 1% + 4,000,000 at 0.75% + 1,000,000 at 0.5%
    assert fees.annual_aum_fee(TIERS, D("6000000")) == D("10000") + D("30000") + D("5000")
    assert fees.annual_aum_fee(TIERS, D("0")) == 0


def test_an_invoice_line_is_prorated_by_days_and_rounded_half_up_once() -> None:
    template = fees.FeeTemplate(fees.FeeKind.AUM, TIERS)
    line = fees.invoice_line(template, "AUM", fees.PeriodActivity(D("123456.78"), 31, 0), 31)
    # 1,234.5678 a year * 31/365 = 104.8537... -> 104.85
    assert line.amount == D("104.85")
    flat = fees.invoice_line(
        fees.FeeTemplate(fees.FeeKind.FLAT, amount=D("365")),
        "Flat",
        fees.PeriodActivity(D(0), 0, 0),
        10,
    )
    assert flat.amount == D("10.00")
    half = fees.invoice_line(
        fees.FeeTemplate(fees.FeeKind.PER_TRADE, amount=D("0.125")),
        "T",
        fees.PeriodActivity(D(0), 0, 1),
        1,
    )
    assert half.amount == D("0.13"), "half up, not half even"


def test_templates_are_checked() -> None:
    with pytest.raises(Invalid):
        fees.check_template(
            fees.FeeTemplate(fees.FeeKind.AUM, (fees.Tier(None, D(1)), fees.Tier(D(5), D(1))))
        )
    with pytest.raises(Invalid):
        fees.check_template(
            fees.FeeTemplate(
                fees.FeeKind.AUM,
                (fees.Tier(D(10), D(1)), fees.Tier(D(5), D(1)), fees.Tier(None, D(1))),
            )
        )
    with pytest.raises(Invalid):
        fees.check_template(fees.FeeTemplate(fees.FeeKind.FLAT))
    fees.check_template(fees.FeeTemplate(fees.FeeKind.AUM, TIERS))


def test_reimbursements_never_exceed_the_invoice() -> None:
    fees.reimbursable(D("10.00"), D("4.00"), D("6.00"))
    with pytest.raises(Conflict):
        fees.reimbursable(D("10.00"), D("4.00"), D("6.01"))
    with pytest.raises(Invalid):
        fees.reimbursable(D("10.00"), D(0), D("0"))


def test_a_period_is_ordered_and_bounded() -> None:
    from datetime import date

    assert fees.period_days(date(2025, 1, 1), date(2025, 1, 31)) == 31
    with pytest.raises(Invalid):
        fees.period_days(date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(Invalid):
        fees.period_days(date(2024, 1, 1), date(2025, 12, 31))


ANSWERS = {"horizon": "horizon.5", "drop": "drop.3", "goal": "goal.4", "experience": "experience.2", "income": "income.3", "share": "share.1"}  # fmt: skip


def test_risk_scores_default_to_one_to_five_and_follow_value_and_scale_changes() -> None:
    settings = risk.Settings()
    assert risk.score(settings, ANSWERS) == D("3.00")
    changed = risk.change_values(settings, {"horizon.5": D(2)})
    assert risk.score(changed, ANSWERS) == D("2.50")
    wider = risk.change_scale(changed, 0, 100)
    assert wider.value_of("horizon.5") == D("25.00"), "a changed value moves with the scale"
    assert risk.score(wider, ANSWERS) == D("37.50")
    with pytest.raises(Invalid):
        risk.change_values(wider, {"horizon.5": D(101)})
    with pytest.raises(Invalid):
        risk.change_scale(settings, 5, 5)


def test_risk_answers_must_cover_every_question_with_its_own_answers() -> None:
    with pytest.raises(Invalid) as refused:
        risk.check_answers({**ANSWERS, "drop": "horizon.1", "extra": "x"} | {"share": "share.1"})
    assert {p[0][1] for p in refused.value.problems} == {"drop", "extra"}


def test_esg_has_thirteen_values_and_aggregates_per_value() -> None:
    assert len(esg.IMPACT_VALUES) == 13
    assert esg.check_choice(["water", "climate", "water"]) == ["climate", "water"]
    with pytest.raises(Invalid):
        esg.check_choice(["nope"])
    answered, counts = esg.aggregate([["climate"], ["climate", "water"]])
    assert answered == 2 and counts["climate"] == 2 and counts["weapons"] == 0 and len(counts) == 13


def test_esg_tokens_name_their_master_and_are_kept_only_as_a_hash() -> None:
    token = esg.new_token("M123")
    assert esg.token_master(token) == "M123" and esg.token_master("bad") is None
    assert esg.token_hash(token) != token and len(esg.token_hash(token)) == 64
