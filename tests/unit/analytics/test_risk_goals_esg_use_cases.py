"""Risk scores (A5), the goal tracker (A6) and ESG impact preferences (A7) as use cases against
the fake unit of work: what is kept, what is refused, and that a caller reaches only its own
master's accounts within its scope (out of reach reads as not found). Numbers worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from contracts.access import ClientScope
from contracts.api.tools import (
    EsgAnswer,
    EsgInvite,
    GoalIn,
    RiskAnswers,
    RiskScaleChange,
    RiskValuesChange,
)
from services.analytics.service_layer import esg, goals, risk
from services.runtime.errors import Invalid, NotFound
from tests.unit.analytics.tools_fakes import FakeToolsUnitOfWork

MASTER, OTHER = "F1000001", "F2000002"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EVERYONE = ClientScope.everything()


def only(*accounts: str) -> ClientScope:
    return ClientScope(all_clients=False, account_numbers=frozenset(accounts))


def a_book() -> FakeToolsUnitOfWork:
    uow = FakeToolsUnitOfWork()
    uow.segment_facts.client(MASTER, "U1000001")
    uow.segment_facts.client(MASTER, "U1000002", first_name="Grace", last_name="Hopper")
    uow.segment_facts.client(OTHER, "U9000009")
    return uow


# values 5, 3, 4, 2, 3, 1 on the default 1-5 scale: the mean is 18 / 6 = 3.00
ANSWERS = RiskAnswers(answers={"horizon": "horizon.5", "drop": "drop.3", "goal": "goal.4",
                               "experience": "experience.2", "income": "income.3",
                               "share": "share.1"})  # fmt: skip


# ---- A5 risk scores


async def test_a_clients_score_is_the_mean_of_their_answers_values_and_is_copied_to_facts() -> None:
    uow = a_book()
    scored = await risk.record_answers(uow.as_tools, MASTER, "U1000001", ANSWERS,
                                       scope=EVERYONE, now=NOW)  # fmt: skip
    assert (scored.score, scored.scale_low, scored.scale_high) == (Decimal("3.00"), 1, 5)
    assert scored.name == "Ada Lovelace"
    assert uow.segment_facts.rows["U1000001"]["risk_score"] == Decimal("3.00")


async def test_answers_for_an_account_out_of_reach_or_incomplete_are_refused() -> None:
    uow = a_book()
    for master, account, scope in ((MASTER, "U1000002", only("U1000001")),
                                   (MASTER, "U9000009", EVERYONE)):  # fmt: skip
        with pytest.raises(NotFound):
            await risk.record_answers(uow.as_tools, master, account, ANSWERS, scope=scope, now=NOW)
    partial = RiskAnswers(answers={"horizon": "horizon.5", "drop": "goal.1"})
    with pytest.raises(Invalid) as refused:
        await risk.record_answers(uow.as_tools, MASTER, "U1000001", partial, scope=EVERYONE,
                                  now=NOW)  # fmt: skip
    fields = {problem[0][-1] for problem in refused.value.problems}
    assert {"drop", "goal", "share"} <= fields
    assert uow.risk.kept_answers == {}


async def test_a_new_scale_or_a_new_value_rescores_every_client() -> None:
    """On 0-100 the values become (v - 1) x 25: 100, 50, 75, 25, 50, 0, a mean of 50.00. Then
    "horizon.5" valued 20 instead of 100: (20 + 50 + 75 + 25 + 50 + 0) / 6 = 36.67."""
    uow = a_book()
    await risk.record_answers(uow.as_tools, MASTER, "U1000001", ANSWERS, scope=EVERYONE, now=NOW)
    await risk.record_answers(uow.as_tools, MASTER, "U1000002", ANSWERS, scope=EVERYONE, now=NOW)
    questionnaire = await risk.change_scale(uow.as_tools, MASTER, RiskScaleChange(low=0, high=100))
    assert (questionnaire.scale_low, questionnaire.scale_high) == (0, 100)
    listed = await risk.scores(uow.as_tools, MASTER, scope=EVERYONE)
    assert [(s.account_number, s.score) for s in listed.items] == [
        ("U1000001", Decimal("50.00")), ("U1000002", Decimal("50.00"))]  # fmt: skip
    await risk.change_values(uow.as_tools, MASTER,
                             RiskValuesChange(values={"horizon.5": Decimal(20)}))  # fmt: skip
    listed = await risk.scores(uow.as_tools, MASTER, scope=only("U1000002"))
    assert [(s.account_number, s.name, s.score) for s in listed.items] == [
        ("U1000002", "Grace Hopper", Decimal("36.67"))]  # fmt: skip
    assert uow.segment_facts.rows["U1000001"]["risk_score"] == Decimal("36.67")
    with pytest.raises(Invalid):  # outside the other master's scale, still 1-5
        await risk.change_values(
            uow.as_tools, OTHER, RiskValuesChange(values={"drop.1": Decimal(50)})
        )
    with pytest.raises(Invalid):
        await risk.change_scale(uow.as_tools, MASTER, RiskScaleChange(low=5, high=5))
    assert (await risk.questionnaire(uow.as_tools, OTHER)).scale_high == 5, "per master"


# ---- A6 goal tracker


def a_goal(account: str = "U1000001", goal_amount: int = 150_000) -> GoalIn:
    """100,000 growing 6 % a year without volatility for 10 years: about 180,000 however it
    compounds, so 150,000 is certain and 250,000 out of reach."""
    return GoalIn(account_number=account, name="Retirement", current_value=Decimal(100_000),
                  annual_return=Decimal("0.06"), annual_volatility=Decimal(0), years=10,
                  goal_amount=Decimal(goal_amount))  # fmt: skip


async def test_a_goal_is_kept_with_a_repeatable_projection() -> None:
    uow = a_book()
    certain = await goals.add_goal(uow.as_tools, MASTER, a_goal(), scope=EVERYONE, now=NOW)
    assert certain.projection.probability == 1.0
    beyond = await goals.add_goal(uow.as_tools, MASTER, a_goal(goal_amount=250_000),
                                  scope=EVERYONE, now=NOW)  # fmt: skip
    assert beyond.projection.probability == 0.0
    again = await goals.get_goal(uow.as_tools, MASTER, certain.id, scope=EVERYONE)
    assert again.projection == certain.projection, "the same goal, the same projection"
    listed = await goals.list_goals(uow.as_tools, MASTER, scope=EVERYONE, account_number="U1000001")
    assert {g.id for g in listed.items} == {certain.id, beyond.id}


async def test_goals_out_of_reach_are_not_found_and_removal_is_within_reach() -> None:
    uow = a_book()
    with pytest.raises(NotFound):
        await goals.add_goal(uow.as_tools, MASTER, a_goal("U9000009"), scope=EVERYONE, now=NOW)
    with pytest.raises(NotFound):
        await goals.add_goal(uow.as_tools, MASTER, a_goal("U1000002"), scope=only("U1000001"),
                             now=NOW)  # fmt: skip
    assert uow.goals.rows == {}
    kept = await goals.add_goal(uow.as_tools, MASTER, a_goal("U1000002"), scope=EVERYONE, now=NOW)
    for master, scope in ((OTHER, EVERYONE), (MASTER, only("U1000001"))):
        with pytest.raises(NotFound):
            await goals.get_goal(uow.as_tools, master, kept.id, scope=scope)
        with pytest.raises(NotFound):
            await goals.remove_goal(uow.as_tools, master, kept.id, scope=scope)
    assert (await goals.list_goals(uow.as_tools, MASTER, scope=only("U1000001"))).items == []
    await goals.remove_goal(uow.as_tools, MASTER, kept.id, scope=EVERYONE)
    with pytest.raises(NotFound):
        await goals.remove_goal(uow.as_tools, MASTER, uuid4(), scope=EVERYONE)
    assert uow.goals.rows == {}


# ---- A7 ESG impact preferences


async def test_invitations_are_all_or_nothing_within_reach() -> None:
    uow = a_book()
    with pytest.raises(Invalid) as refused:
        await esg.invite(uow.as_tools, MASTER, EsgInvite(account_numbers=["U1000001", "U1000002"]),
                         scope=only("U1000001"), now=NOW)  # fmt: skip
    assert [problem[0] for problem in refused.value.problems] == [("account_numbers", "U1000002")]
    assert uow.esg.rows == []


async def test_a_client_answers_through_the_link_and_the_results_count_the_newest_answer() -> None:
    uow = a_book()
    made = await esg.invite(uow.as_tools, MASTER,
                            EsgInvite(account_numbers=["U1000001", "U1000002", "U1000001"]),
                            scope=EVERYONE, now=NOW)  # fmt: skip
    assert [i.account_number for i in made.items] == ["U1000001", "U1000002"], "each account once"
    token = made.items[0].link_token or ""
    assert token.startswith(MASTER) and all(r["token_hash"] != token for r in uow.esg.rows)
    form = await esg.form(uow.as_tools, MASTER, token)
    assert (len(form.values), form.chosen, form.answered) == (13, [], False)
    await esg.answer(uow.as_tools, MASTER, token, EsgAnswer(values=["water", "climate"]), now=NOW)
    await esg.answer(uow.as_tools, MASTER, token, EsgAnswer(values=["water"]), now=NOW)
    assert uow.segment_facts.rows["U1000001"]["esg_values"] == ["water"]
    results = await esg.results(uow.as_tools, MASTER, scope=EVERYONE)
    assert (results.invited, results.answered) == (2, 1)
    assert {c.value: c.count for c in results.counts}["water"] == 1
    assert {c.value: c.count for c in results.counts}["climate"] == 0
    assert [c.status for c in results.clients] == ["answered", "sent"]
    scoped = await esg.results(uow.as_tools, MASTER, scope=only("U1000002"))
    assert (scoped.invited, scoped.answered) == (1, 0)
    with pytest.raises(Invalid):
        await esg.answer(uow.as_tools, MASTER, token, EsgAnswer(values=["tobacco"]), now=NOW)
    with pytest.raises(NotFound):  # a link names its master: another master's is not found
        await esg.form(uow.as_tools, OTHER, token)
    with pytest.raises(NotFound):
        await esg.form(uow.as_tools, MASTER, f"{MASTER}.not-a-token")
