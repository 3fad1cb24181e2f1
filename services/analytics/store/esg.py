"""ESG impact invitations and answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from services.analytics.store.segments import accounts_within
from services.analytics.store.tools_tables import esg_invitations


class EsgRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self._session.execute(insert(esg_invitations).values(rows))

    async def by_token(self, *, master_account_id: str, token_hash: str) -> dict[str, Any] | None:
        row = (await self._session.execute(select(esg_invitations).where(
            esg_invitations.c.token_hash == token_hash,
            esg_invitations.c.master_account_id == master_account_id).with_for_update())).first()  # fmt: skip
        return dict(row._mapping) if row else None

    async def answer(self, *, invitation_id: Any, values: list[str], at: Any) -> None:
        await self._session.execute(update(esg_invitations).where(
            esg_invitations.c.invitation_id == invitation_id).values(impact_values=values, answered_at=at))  # fmt: skip

    async def list(self, *, master_account_id: str, scope: ClientScope) -> list[dict[str, Any]]:
        rows = await self._session.execute(select(esg_invitations).where(
            esg_invitations.c.master_account_id == master_account_id,
            accounts_within(esg_invitations.c.account_number, scope),
        ).order_by(esg_invitations.c.account_number, esg_invitations.c.sent_at.desc()))  # fmt: skip
        return [dict(row._mapping) for row in rows]
