"""Risk score settings and answers per master, and the goals of the goal tracker."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from services.analytics.store.segments import accounts_within
from services.analytics.store.tools_tables import goals, risk_answers, risk_settings


class RiskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def settings(self, *, master_account_id: str) -> dict[str, Any] | None:
        row = (await self._session.execute(select(risk_settings).where(
            risk_settings.c.master_account_id == master_account_id).with_for_update())).first()  # fmt: skip
        return dict(row._mapping) if row else None

    async def save_settings(self, row: dict[str, Any]) -> None:
        statement = insert(risk_settings).values(row)
        await self._session.execute(statement.on_conflict_do_update(
            index_elements=[risk_settings.c.master_account_id],
            set_={k: statement.excluded[k] for k in row if k != "master_account_id"}))  # fmt: skip

    async def save_answers(self, row: dict[str, Any]) -> None:
        statement = insert(risk_answers).values(row)
        await self._session.execute(statement.on_conflict_do_update(
            index_elements=[risk_answers.c.master_account_id, risk_answers.c.account_number],
            set_={k: statement.excluded[k] for k in ("answers", "score", "answered_at")}))  # fmt: skip

    async def answers(self, *, master_account_id: str, scope: ClientScope) -> list[dict[str, Any]]:
        rows = await self._session.execute(select(risk_answers).where(
            risk_answers.c.master_account_id == master_account_id,
            accounts_within(risk_answers.c.account_number, scope),
        ).order_by(risk_answers.c.account_number))  # fmt: skip
        return [dict(row._mapping) for row in rows]


class GoalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, row: dict[str, Any]) -> None:
        await self._session.execute(insert(goals).values(row))

    async def list(self, *, master_account_id: str, scope: ClientScope,
                   account_number: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
        query = select(goals).where(goals.c.master_account_id == master_account_id,
                                    accounts_within(goals.c.account_number, scope))  # fmt: skip
        if account_number is not None:
            query = query.where(goals.c.account_number == account_number)
        rows = await self._session.execute(query.order_by(goals.c.created_at.desc()).limit(500))
        return [dict(row._mapping) for row in rows]

    async def get(
        self, *, master_account_id: str, goal_id: UUID, scope: ClientScope
    ) -> dict[str, Any] | None:
        row = (await self._session.execute(select(goals).where(
            goals.c.goal_id == goal_id, goals.c.master_account_id == master_account_id,
            accounts_within(goals.c.account_number, scope)))).first()  # fmt: skip
        return dict(row._mapping) if row else None

    async def remove(self, *, goal_id: UUID) -> None:
        await self._session.execute(delete(goals).where(goals.c.goal_id == goal_id))
