"""/api/v1/tools/risk: risk score questionnaire, scale, values and client scores (A5)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from contracts.access import Right
from contracts.api.tools import (  # fmt: skip
    RiskAnswers,
    RiskQuestionnaire,
    RiskScaleChange,
    RiskScoreList,
    RiskScoreOut,
    RiskValuesChange,
)
from gateway.api.responses import NOT_FOUND, SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import tools
from gateway.deps import ClientsDep

router = APIRouter(
    prefix="/tools/risk", tags=["tools"], responses=SERVICE_CALL, dependencies=[needs(Right.TOOLS)]
)
AccountNumber = Annotated[str, Path(pattern=r"^[A-Za-z]{1,2}\d{5,9}$")]


@router.get("/questionnaire")
async def questionnaire(user: CurrentUser, clients: ClientsDep) -> RiskQuestionnaire:
    return await tools.risk_questionnaire(clients, user)


@router.put("/scale")
async def change_scale(
    body: RiskScaleChange, user: CurrentUser, clients: ClientsDep
) -> RiskQuestionnaire:
    return await tools.change_risk_scale(clients, user, body)


@router.put("/values")
async def change_values(
    body: RiskValuesChange, user: CurrentUser, clients: ClientsDep
) -> RiskQuestionnaire:
    return await tools.change_risk_values(clients, user, body)


@router.get("/scores")
async def scores(user: CurrentUser, clients: ClientsDep) -> RiskScoreList:
    return await tools.risk_scores(clients, user)


@router.put("/scores/{account_number}", responses=NOT_FOUND)
async def record_answers(
    account_number: AccountNumber, body: RiskAnswers, user: CurrentUser, clients: ClientsDep
) -> RiskScoreOut:
    return await tools.record_risk_answers(clients, user, account_number.upper(), body)
