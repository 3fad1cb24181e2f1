"""/api/v1/tools/segments: account data queries (A4) and saved segments (analytics service)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from contracts.access import Right
from contracts.api.tools import (
    AccountQuery,
    FieldList,
    QueryResult,
    SegmentDetail,
    SegmentList,
    SegmentSave,
)
from gateway.api.responses import NOT_FOUND, SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import tools
from gateway.deps import ClientsDep

router = APIRouter(
    prefix="/tools/segments",
    tags=["tools"],
    responses=SERVICE_CALL,
    dependencies=[needs(Right.TOOLS)],
)


@router.get("/fields")
async def fields(user: CurrentUser, clients: ClientsDep) -> FieldList:
    return await tools.segment_fields(clients, user)


@router.post("/query")
async def query(body: AccountQuery, user: CurrentUser, clients: ClientsDep) -> QueryResult:
    return await tools.run_query(clients, user, body)


@router.get("")
async def list_segments(user: CurrentUser, clients: ClientsDep) -> SegmentList:
    return await tools.list_segments(clients, user)


@router.post("", status_code=status.HTTP_201_CREATED)
async def save(body: SegmentSave, user: CurrentUser, clients: ClientsDep) -> SegmentDetail:
    return await tools.save_segment(clients, user, body)


@router.get("/{segment_id}", responses=NOT_FOUND)
async def get_segment(segment_id: UUID, user: CurrentUser, clients: ClientsDep) -> SegmentDetail:
    return await tools.get_segment(clients, user, segment_id)


@router.post("/{segment_id}/refresh", responses=NOT_FOUND)
async def refresh(segment_id: UUID, user: CurrentUser, clients: ClientsDep) -> SegmentDetail:
    return await tools.refresh_segment(clients, user, segment_id)


@router.delete("/{segment_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete(segment_id: UUID, user: CurrentUser, clients: ClientsDep) -> Response:
    await tools.delete_segment(clients, user, segment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
