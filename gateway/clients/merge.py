"""The contacts service's likely duplicates and the merging of prospects."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from contracts.api.merge import (
    DuplicatesQuery,
    DuplicateSuggestions,
    MergedContact,
    MergeRequest,
    MergeReview,
)
from gateway.clients.http import ServiceClients
from gateway.store.users import User


async def likely_duplicates(
    clients: ServiceClients, user: User, query: DuplicatesQuery
) -> DuplicateSuggestions:
    return DuplicateSuggestions.model_validate(
        await clients.contacts.json("GET", "/contacts/duplicates", user, params=query.model_dump())
    )


async def review_merge(
    clients: ServiceClients,
    user: User,
    ids: Sequence[UUID | str],
    keep_id: UUID | str | None = None,
) -> MergeReview:
    """The records side by side; ids may be as typed (the service checks them, 422)."""
    params: dict[str, str | list[str]] = {"ids": [str(i) for i in ids]}
    if keep_id:
        params["keep_id"] = str(keep_id)
    return MergeReview.model_validate(
        await clients.contacts.json("GET", "/contacts/merge/review", user, params=params)
    )


async def merge_contacts(
    clients: ServiceClients, user: User, request: MergeRequest
) -> MergedContact:
    merged = await clients.contacts.json(
        "POST", "/contacts/merge", user, json=request.model_dump(mode="json")
    )
    return MergedContact.model_validate(merged)
