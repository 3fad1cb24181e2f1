"""Staging' unit of work: the repositories its use cases reach, and the SQL one behind them.

Use cases type their ``uow`` as ``StagingUnitOfWork`` (a protocol), so unit tests pass a fake with
in-memory repositories; the service runs ``SqlStagingUnitOfWork``. See ``services/analytics``.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import Event
from services.runtime.db import UnitOfWork


class StagingUnitOfWork(Protocol):
    async def publish(
        self,
        topic: str,
        event: Event,
        *,
        master_account_id: str,
        correlation_id: str | None = None,
    ) -> None: ...


class SqlStagingUnitOfWork(UnitOfWork):
    def __init__(self, session: AsyncSession, on_commit_with_events: asyncio.Event) -> None:
        super().__init__(session, on_commit_with_events)
