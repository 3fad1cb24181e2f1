"""Route: the contacts statistics row of the caller's master account."""

from __future__ import annotations

from fastapi import APIRouter

from contracts.api.analytics import ContactStatistics
from services.analytics.store.repository import contact_statistics
from services.runtime.caller import CallerDep
from services.runtime.service import DatabaseDep

router = APIRouter(prefix="/statistics", tags=["statistics"])


@router.get("/contacts")
async def get_contact_statistics(caller: CallerDep, database: DatabaseDep) -> ContactStatistics:
    async with database.read() as session:
        return await contact_statistics(session, caller.master_account_id)
