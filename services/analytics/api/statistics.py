"""Route: the contacts statistics row of the caller's master account, within their client scope."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from contracts.access import Right
from contracts.api.analytics import ContactStatistics
from services.analytics.api.deps import DatabaseDep
from services.analytics.service_layer import statistics
from services.runtime.caller import CallerDep, requires

router = APIRouter(prefix="/statistics", tags=["statistics"])


@router.get("/contacts", dependencies=[Depends(requires(Right.CRM))])
async def get_contact_statistics(caller: CallerDep, database: DatabaseDep) -> ContactStatistics:
    async with database.unit_of_work() as uow:
        return await statistics.contact_statistics(
            uow, caller.master_account_id, scope=caller.access.scope
        )
