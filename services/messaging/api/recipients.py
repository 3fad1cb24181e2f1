"""Routes: the open client accounts a user may message (M3), the groups to choose them by, who a
selection resolves to (X4 folding shown), and the users who may sign a message (M4)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from contracts.access import Right
from contracts.api.recipients import (
    MAX_PAGE_SIZE,
    RecipientGroupOut,
    RecipientPage,
    RecipientSelection,
    ResolvedRecipients,
    SignatureOption,
)
from services.messaging.api.deps import DatabaseDep
from services.messaging.service_layer import recipients
from services.runtime.caller import CallerDep, requires

router = APIRouter(
    tags=["recipients"], dependencies=[Depends(requires(Right.COMMUNICATION_CENTER))]
)


@router.get("/recipients")
async def list_recipients(
    caller: CallerDep,
    database: DatabaseDep,
    q: Annotated[
        str | None, Query(max_length=100, description="account number, name or title")
    ] = None,
    group_id: UUID | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> RecipientPage:
    async with database.queries() as uow:
        return await recipients.recipient_page(
            uow, caller, search=q, group_id=group_id, page=page, page_size=page_size
        )


@router.get("/recipient-groups")
async def list_recipient_groups(
    caller: CallerDep, database: DatabaseDep
) -> list[RecipientGroupOut]:
    async with database.queries() as uow:
        return await recipients.recipient_groups(uow, caller)


@router.post("/recipients/resolve")
async def resolve(
    selection: RecipientSelection, caller: CallerDep, database: DatabaseDep
) -> ResolvedRecipients:
    async with database.queries() as uow:
        return await recipients.resolved(uow, caller, selection)


@router.get("/signatures")
async def list_signatures(caller: CallerDep, database: DatabaseDep) -> list[SignatureOption]:
    async with database.queries() as uow:
        return await recipients.signatures(uow, caller)
