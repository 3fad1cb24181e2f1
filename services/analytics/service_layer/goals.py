"""The goal tracker (A6): goals saved per client account, each shown with its projection."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from contracts.access import ClientScope
from contracts.api.tools import GoalIn, GoalInputs, GoalList, GoalOut, Projection
from services.analytics.domain import goals as rules
from services.analytics.service_layer.tools_uow import ToolsUnitOfWork
from services.runtime.errors import NotFound

PATHS = 5000
SEED = 20240601  # fixed: the same goal always shows the same projection


def _inputs(command: GoalInputs) -> rules.GoalInputs:
    return rules.GoalInputs(
        current_value=float(command.current_value), monthly_contribution=float(command.monthly_contribution),
        annual_return=float(command.annual_return), annual_volatility=float(command.annual_volatility),
        years=command.years, goal_amount=float(command.goal_amount))  # fmt: skip


def project(command: GoalInputs, *, paths: int = PATHS, seed: int = SEED) -> Projection:
    inputs = _inputs(command)
    result = rules.simulate(inputs, paths=paths, seed=seed)
    closed = None
    if (
        inputs.monthly_contribution == 0
        and inputs.annual_volatility > 0
        and inputs.current_value > 0
    ):
        closed = rules.closed_form_probability(inputs)
    return Projection(probability=result.probability, closed_form_probability=closed, paths=result.paths,
                      seed=result.seed, years=result.years,
                      percentiles={f"p{k}": v for k, v in result.percentiles.items()},
                      median_final=result.median_final, goal_amount=result.goal_amount)  # fmt: skip


def _out(row: dict[str, Any]) -> GoalOut:
    command = GoalIn(account_number=row["account_number"], name=row["name"], **row["inputs"])
    return GoalOut(**command.model_dump(), id=row["goal_id"], created_at=row["created_at"],
                   projection=project(command))  # fmt: skip


async def add_goal(
    uow: ToolsUnitOfWork, master: str, command: GoalIn, *, scope: ClientScope, now: datetime
) -> GoalOut:
    if (
        await uow.segment_facts.facts_of(
            master_account_id=master, account_number=command.account_number, scope=scope
        )
        is None
    ):
        raise NotFound("account")
    project(command)  # refuses what cannot be simulated before anything is kept
    inputs = command.model_dump(mode="json", exclude={"account_number", "name"})
    row = {"goal_id": uuid4(), "master_account_id": master, "account_number": command.account_number,
           "name": command.name, "inputs": inputs, "created_at": now}  # fmt: skip
    await uow.goals.add(row)
    return _out(row)


async def list_goals(
    uow: ToolsUnitOfWork, master: str, *, scope: ClientScope, account_number: str | None = None
) -> GoalList:
    return GoalList(
        items=[
            _out(r)
            for r in await uow.goals.list(
                master_account_id=master, scope=scope, account_number=account_number
            )
        ]
    )


async def get_goal(
    uow: ToolsUnitOfWork, master: str, goal_id: UUID, *, scope: ClientScope
) -> GoalOut:
    row = await uow.goals.get(master_account_id=master, goal_id=goal_id, scope=scope)
    if row is None:
        raise NotFound("goal")
    return _out(row)


async def remove_goal(
    uow: ToolsUnitOfWork, master: str, goal_id: UUID, *, scope: ClientScope
) -> None:
    if await uow.goals.get(master_account_id=master, goal_id=goal_id, scope=scope) is None:
        raise NotFound("goal")
    await uow.goals.remove(goal_id=goal_id)
