"""Analytics' unit of work: the repositories its use cases reach, and the SQL one behind them.

Use cases type their ``uow`` as ``AnalyticsUnitOfWork`` (a protocol), so unit tests pass a fake
with in-memory repositories; the service runs ``SqlAnalyticsUnitOfWork``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from services.analytics.domain.statistics import ContactState, GroupMembers
from services.analytics.store.groups import GroupMemberRepository
from services.analytics.store.repository import ContactStateRepository
from services.runtime.db import EventPublisher, UnitOfWork


class ContactStates(Protocol):
    async def upsert(self, states: Sequence[ContactState]) -> None: ...

    async def count_by_kind_and_status(
        self, *, master_account_id: str, scope: ClientScope
    ) -> list[tuple[str, str | None, bool, int]]: ...


class GroupMemberStates(Protocol):
    async def upsert(self, groups: Sequence[GroupMembers]) -> None: ...


class AnalyticsUnitOfWork(EventPublisher, Protocol):
    # read-only properties: a fake may hold any implementation of the repository protocol
    @property
    def contact_states(self) -> ContactStates: ...

    @property
    def group_members(self) -> GroupMemberStates: ...


class SqlAnalyticsUnitOfWork(UnitOfWork):
    def __init__(self, session: AsyncSession, on_commit_with_events: asyncio.Event) -> None:
        super().__init__(session, on_commit_with_events)
        self.contact_states: ContactStates = ContactStateRepository(session)
        self.group_members: GroupMemberStates = GroupMemberRepository(session)
