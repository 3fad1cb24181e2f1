"""/api/v1: message staging (S1-S5, X5) — the election (effective at the next daily cut-over in
the master's zone), Always-Reject message types, To Be Sent By Broker and the decisions. Owned
by the staging service; every route needs the Message staging right (the primary user holds it).
The content each account would receive is messaging's rendering:
``/api/v1/broker-messages/{id}/recipients/{account}/rendered``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

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
from gateway.api.responses import NOT_FOUND, RECORD_CHANGE, SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import staging
from gateway.deps import ClientsDep

router = APIRouter(
    prefix="/staging",
    tags=["staging"],
    responses=SERVICE_CALL,
    dependencies=[needs(Right.MESSAGE_STAGING)],
)

MessageId = Annotated[str, Path(pattern=BROKER_MESSAGE_ID, description="the broker's id")]
MessageType = Annotated[str, Path(pattern=MESSAGE_TYPE)]
Page = Annotated[int, Query(ge=1, le=100_000)]


@router.get("/election")
async def get_election(user: CurrentUser, clients: ClientsDep) -> StagingStatus:
    """Whether staging is in effect, the election pending until the next cut-over, and when."""
    return await staging.get_election(clients, user)


@router.put("/election")
async def change_election(
    body: ElectionChange, user: CurrentUser, clients: ClientsDep
) -> StagingStatus:
    """Enable or disable staging; it takes effect at the next daily cut-over, not at once."""
    return await staging.change_election(clients, user, body.enabled)


@router.get("/always-reject")
async def list_always_rejects(user: CurrentUser, clients: ClientsDep) -> list[AlwaysRejectOut]:
    """Message types rejected while staging is in effect (kept, not applied, while it is off)."""
    return await staging.list_always_rejects(clients, user)


@router.delete(
    "/always-reject/{message_type}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND
)
async def stop_always_rejecting(
    message_type: MessageType, user: CurrentUser, clients: ClientsDep
) -> None:
    await staging.stop_always_rejecting(clients, user, message_type)


@router.get("/holds")
async def list_holds(
    user: CurrentUser, clients: ClientsDep, page: Page = 1, status: HoldStatus | None = None
) -> HoldPage:
    """To Be Sent By Broker, newest first (recipient counts within the user's scope)."""
    return await staging.list_holds(clients, user, page=page, status=status)


@router.get("/holds/{message_id}", responses=NOT_FOUND)
async def get_hold(message_id: MessageId, user: CurrentUser, clients: ClientsDep) -> HoldDetail:
    """A staged message: its deadline, recipients (in the user's scope) and history."""
    return await staging.get_hold(clients, user, message_id)


@router.post("/holds/{message_id}/decision", responses=RECORD_CHANGE)
async def decide(
    message_id: MessageId, body: DecisionCommand, user: CurrentUser, clients: ClientsDep
) -> HoldDetail:
    """Send As Is, Reject Once or Always Reject; 409 if the deadline or another user came first."""
    return await staging.decide(clients, user, message_id, body.decision)
