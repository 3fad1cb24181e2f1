"""Routes: account data queries (A4) and saved segments."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Response

from contracts.access import Right
from contracts.api.tools import (
    AccountQuery,
    FieldList,
    QueryResult,
    SegmentDetail,
    SegmentList,
    SegmentSave,
)
from services.analytics.api.deps import DatabaseDep
from services.analytics.service_layer import segments
from services.runtime.caller import CallerDep, requires
from services.runtime.errors import Forbidden
from services.runtime.service import ClockDep

router = APIRouter(
    prefix="/tools/segments", tags=["tools"], dependencies=[Depends(requires(Right.TOOLS))]
)


@router.get("/fields")
async def list_fields() -> FieldList:
    return segments.fields()


@router.post("/query")
async def run_query(
    query: AccountQuery, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> QueryResult:
    async with database.unit_of_work() as uow:
        return await segments.run_query(uow, caller.master_account_id, query, scope=caller.access.scope,
                                        today=clock.now().date())  # fmt: skip


def _whole_book(caller: CallerDep) -> None:
    # a segment is a recipient list of the whole book: only a user who sees every client saves one
    if not caller.access.scope.all_clients:
        raise Forbidden("saving a segment needs access to every client account")


@router.get("")
async def list_segments(caller: CallerDep, database: DatabaseDep) -> SegmentList:
    async with database.unit_of_work() as uow:
        return await segments.list_segments(uow, caller.master_account_id)


@router.post("", status_code=201)
async def save_segment(
    command: SegmentSave, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> SegmentDetail:
    _whole_book(caller)
    async with database.transaction() as uow:
        return await segments.save_segment(
            uow, caller.master_account_id, caller.user_id, command, now=clock.now()
        )


@router.get("/{segment_id}")
async def get_segment(
    segment_id: UUID, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> SegmentDetail:
    async with database.unit_of_work() as uow:
        return await segments.get_segment(uow, caller.master_account_id, segment_id, scope=caller.access.scope,
                                          today=clock.now().date())  # fmt: skip


@router.put("/{segment_id}")
async def replace_segment(
    segment_id: UUID,
    command: SegmentSave,
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
) -> SegmentDetail:
    _whole_book(caller)
    async with database.transaction() as uow:
        return await segments.save_segment(
            uow,
            caller.master_account_id,
            caller.user_id,
            command,
            now=clock.now(),
            segment_id=segment_id,
        )


@router.post("/{segment_id}/refresh")
async def refresh_segment(
    segment_id: UUID, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> SegmentDetail:
    _whole_book(caller)
    async with database.transaction() as uow:
        return await segments.refresh_segment(
            uow, caller.master_account_id, caller.user_id, segment_id, now=clock.now()
        )


@router.delete("/{segment_id}", status_code=204)
async def delete_segment(
    segment_id: UUID, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> Response:
    _whole_book(caller)
    async with database.transaction() as uow:
        await segments.delete_segment(uow, caller.master_account_id, segment_id, now=clock.now())
    return Response(status_code=204)
