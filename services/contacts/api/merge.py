"""Routes: likely duplicates and merging prospects (C6, X2)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError

from contracts.access import Right
from contracts.api.contacts import ContactOut
from contracts.api.merge import (
    MAX_MERGED_RECORDS,
    DuplicateCluster,
    DuplicateReason,
    DuplicatesQuery,
    DuplicateSuggestions,
    MergedContact,
    MergeRequest,
    MergeReview,
    ReviewField,
)
from services.contacts.api.contacts import contact_view
from services.contacts.api.deps import DatabaseDep
from services.contacts.domain.duplicates import Cluster
from services.contacts.service_layer import merge
from services.runtime.caller import CallerDep, requires

router = APIRouter(prefix="/contacts", tags=["merge"], dependencies=[Depends(requires(Right.CRM))])


@router.get("/duplicates")
async def likely_duplicates(
    params: Annotated[DuplicatesQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> DuplicateSuggestions:
    async with database.unit_of_work() as uow:
        suggested, total = await merge.suggest_duplicates(uow, caller, limit=params.limit)
    return DuplicateSuggestions(
        clusters=[
            DuplicateCluster(
                score=round(item.cluster.score, 3),
                reasons=_reasons(item.cluster),
                contacts=[_row_view(row) for row in item.rows],
            )
            for item in suggested
        ],
        total_clusters=total,
    )


@router.get("/merge/review")
async def review_merge(
    caller: CallerDep,
    database: DatabaseDep,
    ids: Annotated[
        list[UUID], Query(min_length=2, max_length=MAX_MERGED_RECORDS, description="the records")
    ],
    keep_id: Annotated[UUID | None, Query(description="the record to keep (the first id)")] = None,
) -> MergeReview:
    keep_id = keep_id or ids[0]
    if keep_id not in ids:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "keep_id"), "input": str(keep_id),
              "msg": "the kept record must be one of the ids"}]
        )  # fmt: skip
    others = list(dict.fromkeys(i for i in ids if i != keep_id))
    if not others:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "ids"), "input": None,
              "msg": "name at least two different records"}]
        )  # fmt: skip
    async with database.unit_of_work() as uow:
        records, comparisons = await merge.review(uow, caller, keep_id, others)
    return MergeReview(
        keep_id=keep_id,
        records=[contact_view(record) for record in records],
        fields=[
            ReviewField(
                path=item.field.path,
                label=item.field.label,
                section=item.field.section,
                values=list(item.values),
                conflict=item.conflict,
                differs=item.differs,
                source_id=item.source_id,
            )
            for item in comparisons
        ],
    )


@router.post("/merge")
async def merge_contacts(
    body: MergeRequest, caller: CallerDep, database: DatabaseDep
) -> MergedContact:
    async with database.transaction() as uow:
        outcome = await merge.merge_prospects(uow, caller, body)
    return MergedContact(
        **contact_view(outcome.contact).model_dump(),
        merged_ids=outcome.merged_ids,
        changed_fields=outcome.changed_fields,
    )


def _reasons(cluster: Cluster) -> list[DuplicateReason]:
    reasons = [DuplicateReason(kind="email", detail=email) for email in sorted(cluster.emails)]
    if cluster.same_phone:
        reasons.append(DuplicateReason(kind="phone", detail="the same phone number"))
    if cluster.name_similarity is not None:
        detail = f"names {cluster.name_similarity:.0%} alike"
        reasons.append(DuplicateReason(kind="name", detail=detail))
    return reasons


def _row_view(row: dict[str, Any]) -> ContactOut:
    return ContactOut.model_validate({**row, "name": f"{row['first_name']} {row['last_name']}"})
