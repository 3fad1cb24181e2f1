"""/api/v1: likely duplicate suggestions and merging prospects (owned by the contacts service)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from contracts.api.merge import (
    MAX_MERGED_RECORDS,
    DuplicatesQuery,
    DuplicateSuggestions,
    MergedContact,
    MergeRequest,
    MergeReview,
)
from gateway.api.deps import ClientsDep
from gateway.auth.deps import CurrentUser

router = APIRouter(prefix="/contacts", tags=["merge"])


@router.get("/duplicates")
async def likely_duplicates(
    params: Annotated[DuplicatesQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> DuplicateSuggestions:
    """Likely duplicates among the open prospects: same email, same phone, similar names."""
    suggestions = await clients.contacts.json(
        "GET", "/contacts/duplicates", user, params=params.model_dump()
    )
    return DuplicateSuggestions.model_validate(suggestions)


@router.get("/merge/review")
async def review_merge(
    user: CurrentUser,
    clients: ClientsDep,
    ids: Annotated[list[UUID], Query(min_length=2, max_length=MAX_MERGED_RECORDS)],
    keep_id: UUID | None = None,
) -> MergeReview:
    """The records side by side, each field's values, conflicts and what the merge keeps."""
    params: dict[str, str | list[str]] = {"ids": [str(i) for i in ids]}
    if keep_id:
        params["keep_id"] = str(keep_id)
    review = await clients.contacts.json("GET", "/contacts/merge/review", user, params=params)
    return MergeReview.model_validate(review)


@router.post("/merge")
async def merge_contacts(
    body: MergeRequest, user: CurrentUser, clients: ClientsDep
) -> MergedContact:
    """Merge prospects into the kept one; 422 lists every conflict to choose a value for."""
    merged = await clients.contacts.json(
        "POST", "/contacts/merge", user, json=body.model_dump(mode="json")
    )
    return MergedContact.model_validate(merged)
