"""Routes: message staging (S1-S5, X5) — the election and its cut-over, the Always-Reject message
types, To Be Sent By Broker (held messages, their recipients and history) and the decisions.
Every route needs the message-staging right."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from contracts.access import Right
from contracts.api.broker_messages import BROKER_MESSAGE_ID
from contracts.api.staging import (
    MESSAGE_TYPE,
    AlwaysRejectOut,
    DecisionCommand,
    ElectionChange,
    HoldDetail,
    HoldPage,
    HoldStatus,
    StagingStatus,
)
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep
from services.staging.api.deps import DatabaseDep, RulesDep
from services.staging.service_layer import elections, holds

router = APIRouter(
    prefix="/staging", tags=["staging"], dependencies=[Depends(requires(Right.MESSAGE_STAGING))]
)

MessageId = Annotated[str, Path(pattern=BROKER_MESSAGE_ID)]
MessageType = Annotated[str, Path(pattern=MESSAGE_TYPE)]
Page = Annotated[int, Query(ge=1, le=100_000)]


@router.get("/election")
async def get_election(
    caller: CallerDep, database: DatabaseDep, clock: ClockDep, rules: RulesDep
) -> StagingStatus:
    async with database.queries() as uow:
        return await elections.staging_status(uow, caller, now=clock.now(), rules=rules)


@router.put("/election")
async def change_election(
    command: ElectionChange, caller: CallerDep, database: DatabaseDep, clock: ClockDep,
    rules: RulesDep,
) -> StagingStatus:  # fmt: skip
    async with database.transaction() as uow:
        return await elections.change_election(uow, caller, enabled=command.enabled,
                                               now=clock.now(), rules=rules)  # fmt: skip


@router.get("/always-reject")
async def list_always_rejects(
    caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> list[AlwaysRejectOut]:
    async with database.queries() as uow:
        return await elections.always_rejects(uow, caller, now=clock.now())


@router.delete("/always-reject/{message_type}", status_code=204)
async def stop_always_rejecting(
    message_type: MessageType, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> None:
    async with database.transaction() as uow:
        await elections.set_always_reject(uow, caller, message_type=message_type, active=False,
                                          now=clock.now())  # fmt: skip


@router.get("/holds")
async def list_holds(
    caller: CallerDep, database: DatabaseDep, page: Page = 1, status: HoldStatus | None = None
) -> HoldPage:
    async with database.queries() as uow:
        return await holds.hold_page(uow, caller, page=page, status=status)


@router.get("/holds/{message_id}")
async def get_hold(message_id: MessageId, caller: CallerDep, database: DatabaseDep) -> HoldDetail:
    async with database.queries() as uow:
        return await holds.hold_detail(uow, caller, message_id)


@router.post("/holds/{message_id}/decision")
async def decide(
    message_id: MessageId, command: DecisionCommand, caller: CallerDep, database: DatabaseDep,
    clock: ClockDep,
) -> HoldDetail:  # fmt: skip
    async with database.transaction() as uow:
        return await holds.decide(uow, caller, message_id, command.decision, now=clock.now())
