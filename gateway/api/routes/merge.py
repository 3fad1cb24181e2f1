"""/api/v1: likely duplicate suggestions and merging prospects (owned by the contacts service)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from contracts.access import Right
from contracts.api.merge import (
    MAX_MERGED_RECORDS,
    DuplicatesQuery,
    DuplicateSuggestions,
    MergedContact,
    MergeRequest,
    MergeReview,
)
from gateway.api.responses import NOT_FOUND, RECORD_CHANGE, SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import merge
from gateway.deps import ClientsDep

router = APIRouter(
    prefix="/contacts", tags=["merge"], responses=SERVICE_CALL, dependencies=[needs(Right.CRM)]
)


@router.get("/duplicates")
async def likely_duplicates(
    params: Annotated[DuplicatesQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> DuplicateSuggestions:
    """Likely duplicates among the open prospects: same email, same phone, similar names."""
    return await merge.likely_duplicates(clients, user, params)


@router.get("/merge/review", responses=NOT_FOUND)
async def review_merge(
    user: CurrentUser,
    clients: ClientsDep,
    ids: Annotated[list[UUID], Query(min_length=2, max_length=MAX_MERGED_RECORDS)],
    keep_id: UUID | None = None,
) -> MergeReview:
    """The records side by side, each field's values, conflicts and what the merge keeps."""
    return await merge.review_merge(clients, user, ids, keep_id)


@router.post("/merge", responses=RECORD_CHANGE)
async def merge_contacts(
    body: MergeRequest, user: CurrentUser, clients: ClientsDep
) -> MergedContact:
    """Merge prospects into the kept one; 422 lists every conflict to choose a value for."""
    return await merge.merge_contacts(clients, user, body)
