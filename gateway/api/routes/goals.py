"""/api/v1/tools/goals: the goal tracker (A6)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from contracts.access import Right
from contracts.api.tools import GoalIn, GoalInputs, GoalList, GoalOut, Projection
from gateway.api.responses import NOT_FOUND, SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import tools
from gateway.deps import ClientsDep

router = APIRouter(
    prefix="/tools/goals", tags=["tools"], responses=SERVICE_CALL, dependencies=[needs(Right.TOOLS)]
)


@router.post("/projection")
async def projection(body: GoalInputs, user: CurrentUser, clients: ClientsDep) -> Projection:
    return await tools.project_goal(clients, user, body)


@router.get("")
async def list_goals(user: CurrentUser, clients: ClientsDep) -> GoalList:
    return await tools.list_goals(clients, user)


@router.post("", status_code=status.HTTP_201_CREATED)
async def add_goal(body: GoalIn, user: CurrentUser, clients: ClientsDep) -> GoalOut:
    return await tools.add_goal(clients, user, body)


@router.get("/{goal_id}", responses=NOT_FOUND)
async def get_goal(goal_id: UUID, user: CurrentUser, clients: ClientsDep) -> GoalOut:
    return await tools.get_goal(clients, user, goal_id)


@router.delete("/{goal_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def remove_goal(goal_id: UUID, user: CurrentUser, clients: ClientsDep) -> Response:
    await tools.remove_goal(clients, user, goal_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
