"""Routes: risk scores (A5) and the goal tracker (A6)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from contracts.access import Right
from contracts.api.tools import (  # fmt: skip
    GoalIn,
    GoalInputs,
    GoalList,
    GoalOut,
    Projection,
    RiskAnswers,
    RiskQuestionnaire,
    RiskScaleChange,
    RiskScoreList,
    RiskScoreOut,
    RiskValuesChange,
)
from services.analytics.api.deps import DatabaseDep
from services.analytics.service_layer import goals, risk
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(prefix="/tools", tags=["tools"], dependencies=[Depends(requires(Right.TOOLS))])
AccountPath = str


@router.get("/risk/questionnaire")
async def questionnaire(caller: CallerDep, database: DatabaseDep) -> RiskQuestionnaire:
    async with database.unit_of_work() as uow:
        return await risk.questionnaire(uow, caller.master_account_id)


@router.put("/risk/scale")
async def change_scale(
    command: RiskScaleChange, caller: CallerDep, database: DatabaseDep
) -> RiskQuestionnaire:
    async with database.transaction() as uow:
        return await risk.change_scale(uow, caller.master_account_id, command)


@router.put("/risk/values")
async def change_values(
    command: RiskValuesChange, caller: CallerDep, database: DatabaseDep
) -> RiskQuestionnaire:
    async with database.transaction() as uow:
        return await risk.change_values(uow, caller.master_account_id, command)


@router.get("/risk/scores")
async def scores(caller: CallerDep, database: DatabaseDep) -> RiskScoreList:
    async with database.unit_of_work() as uow:
        return await risk.scores(uow, caller.master_account_id, scope=caller.access.scope)


@router.put("/risk/scores/{account_number}")
async def record_answers(
    account_number: str,
    command: RiskAnswers,
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
) -> RiskScoreOut:
    async with database.transaction() as uow:
        return await risk.record_answers(uow, caller.master_account_id, account_number.upper()[:32], command,
                                         scope=caller.access.scope, now=clock.now())  # fmt: skip


@router.post("/goals/projection")
async def projection(command: GoalInputs) -> Projection:
    return goals.project(command)


@router.get("/goals")
async def list_goals(
    caller: CallerDep,
    database: DatabaseDep,
    account_number: str | None = Query(default=None, max_length=32),
) -> GoalList:
    async with database.unit_of_work() as uow:
        return await goals.list_goals(
            uow, caller.master_account_id, scope=caller.access.scope, account_number=account_number
        )


@router.post("/goals", status_code=201)
async def add_goal(
    command: GoalIn, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> GoalOut:
    async with database.transaction() as uow:
        return await goals.add_goal(
            uow, caller.master_account_id, command, scope=caller.access.scope, now=clock.now()
        )


@router.get("/goals/{goal_id}")
async def get_goal(goal_id: UUID, caller: CallerDep, database: DatabaseDep) -> GoalOut:
    async with database.unit_of_work() as uow:
        return await goals.get_goal(
            uow, caller.master_account_id, goal_id, scope=caller.access.scope
        )


@router.delete("/goals/{goal_id}", status_code=204)
async def remove_goal(goal_id: UUID, caller: CallerDep, database: DatabaseDep) -> Response:
    async with database.transaction() as uow:
        await goals.remove_goal(uow, caller.master_account_id, goal_id, scope=caller.access.scope)
    return Response(status_code=204)
