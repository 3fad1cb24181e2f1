"""Risk scores (A5): the master's questionnaire values and scale, clients' answers and scores;
every score is recomputed when the values or the scale change."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from contracts.access import ClientScope
from contracts.api.tools import (  # fmt: skip
    RiskAnswerOut,
    RiskAnswers,
    RiskQuestionnaire,
    RiskQuestionOut,
    RiskScaleChange,
    RiskScoreList,
    RiskScoreOut,
    RiskValuesChange,
)
from services.analytics.domain import risk as rules
from services.analytics.service_layer.tools_uow import ToolsUnitOfWork
from services.runtime.errors import NotFound


async def _settings(uow: ToolsUnitOfWork, master: str) -> rules.Settings:
    row = await uow.risk.settings(master_account_id=master)
    if row is None:
        return rules.Settings()
    return rules.Settings(row["scale_low"], row["scale_high"],
                          {k: Decimal(v) for k, v in row["overrides"].items()})  # fmt: skip


def _questionnaire(settings: rules.Settings) -> RiskQuestionnaire:
    return RiskQuestionnaire(scale_low=settings.low, scale_high=settings.high, questions=[
        RiskQuestionOut(id=q.id, text=q.text, answers=[
            RiskAnswerOut(id=a.id, text=a.text, default_value=a.default_value, value=settings.value_of(a.id))
            for a in q.answers]) for q in rules.QUESTIONS])  # fmt: skip


async def questionnaire(uow: ToolsUnitOfWork, master: str) -> RiskQuestionnaire:
    return _questionnaire(await _settings(uow, master))


async def _store_settings_and_rescore(
    uow: ToolsUnitOfWork, master: str, settings: rules.Settings
) -> RiskQuestionnaire:
    await uow.risk.save_settings({"master_account_id": master, "scale_low": settings.low,
                                  "scale_high": settings.high,
                                  "overrides": {k: str(v) for k, v in settings.overrides.items()}})  # fmt: skip
    for row in await uow.risk.answers(master_account_id=master, scope=ClientScope.everything()):
        score = rules.score(settings, row["answers"])
        await uow.risk.save_answers({**row, "score": score})
        await uow.segment_facts.set_values(
            master_account_id=master, account_number=row["account_number"], risk_score=score
        )
    return _questionnaire(settings)


async def change_scale(
    uow: ToolsUnitOfWork, master: str, command: RiskScaleChange
) -> RiskQuestionnaire:
    settings = rules.change_scale(await _settings(uow, master), command.low, command.high)
    return await _store_settings_and_rescore(uow, master, settings)


async def change_values(
    uow: ToolsUnitOfWork, master: str, command: RiskValuesChange
) -> RiskQuestionnaire:
    settings = rules.change_values(await _settings(uow, master), dict(command.values))
    return await _store_settings_and_rescore(uow, master, settings)


def _score_out(row: dict[str, Any], settings: rules.Settings, name: str | None) -> RiskScoreOut:
    return RiskScoreOut(account_number=row["account_number"], name=name, score=row["score"],
                        scale_low=settings.low, scale_high=settings.high, answers=row["answers"],
                        answered_at=row["answered_at"])  # fmt: skip


async def record_answers(uow: ToolsUnitOfWork, master: str, account_number: str, command: RiskAnswers, *,
                         scope: ClientScope, now: datetime) -> RiskScoreOut:  # fmt: skip
    facts = await uow.segment_facts.facts_of(
        master_account_id=master, account_number=account_number, scope=scope
    )
    if facts is None:
        raise NotFound("account")
    rules.check_answers(dict(command.answers))
    settings = await _settings(uow, master)
    score = rules.score(settings, dict(command.answers))
    row = {"master_account_id": master, "account_number": account_number,
           "answers": dict(command.answers), "score": score, "answered_at": now}  # fmt: skip
    await uow.risk.save_answers(row)
    await uow.segment_facts.set_values(
        master_account_id=master, account_number=account_number, risk_score=score
    )
    return _score_out(row, settings, _name(facts))


def _name(facts: dict[str, Any] | None) -> str | None:
    if not facts:
        return None
    return " ".join(p for p in (facts.get("first_name"), facts.get("last_name")) if p) or None


async def scores(uow: ToolsUnitOfWork, master: str, *, scope: ClientScope) -> RiskScoreList:
    settings = await _settings(uow, master)
    rows = await uow.risk.answers(master_account_id=master, scope=scope)
    facts = await uow.segment_facts.facts_of_many(
        master_account_id=master, account_numbers=[r["account_number"] for r in rows], scope=scope
    )
    return RiskScoreList(
        items=[_score_out(r, settings, _name(facts.get(r["account_number"]))) for r in rows]
    )
