"""Staging's unit of work: the repositories its use cases reach, and the SQL one behind them.

Use cases type their ``uow`` as ``StagingUnitOfWork`` (a protocol), so unit tests pass a fake with
in-memory repositories; the service runs ``SqlStagingUnitOfWork``. See ``services/analytics``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from contracts.api.staging import HoldStatus
from contracts.envelope import Event
from services.runtime.consumers import Delivery
from services.runtime.db import EventPublisher, UnitOfWork
from services.staging.domain.holds import (
    ClientState,
    Election,
    GroupMembers,
    HistoryEntry,
    Hold,
    MasterZone,
    Outcome,
)
from services.staging.store.directory import (
    ClientRepository,
    GroupRepository,
    MasterZoneRepository,
)
from services.staging.store.holds import (
    AlwaysRejectRepository,
    ElectionRepository,
    HoldRepository,
)


class Clients(Protocol):
    async def upsert(self, states: Sequence[ClientState]) -> None: ...

    async def masters_of(self, accounts: Collection[str]) -> dict[str, str]: ...

    async def reached(
        self, *, master_account_id: str, scope: ClientScope, accounts: Collection[str]
    ) -> dict[str, str]: ...


class Groups(Protocol):
    async def upsert(self, groups: Sequence[GroupMembers]) -> None: ...


class MasterZones(Protocol):
    async def upsert(self, zones: Sequence[MasterZone]) -> None: ...

    async def of(self, masters: Collection[str]) -> dict[str, str]: ...


class Elections(Protocol):
    async def add(self, election: Election) -> None: ...

    async def of_masters(self, masters: Collection[str]) -> dict[str, list[Election]]: ...

    async def lock(self, master_account_id: str) -> None: ...


class AlwaysRejects(Protocol):
    async def save(
        self, *, master_account_id: str, message_type: str, active: bool, by: str, at: datetime
    ) -> bool: ...

    async def of_master(self, master_account_id: str) -> list[tuple[str, bool, str, datetime]]: ...

    async def active(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]: ...


class Holds(Protocol):
    async def add(self, rows: Sequence[Hold]) -> list[Hold]: ...

    async def get(
        self, *, master_account_id: str, message_id: str, scope: ClientScope
    ) -> Hold | None: ...

    async def page(
        self, *, master_account_id: str, scope: ClientScope, status: HoldStatus | None,
        offset: int, limit: int,
    ) -> tuple[list[Hold], int]: ...  # fmt: skip

    async def decide(
        self, *, master_account_id: str, message_id: str, outcome: Outcome, by: str | None,
        at: datetime,
    ) -> Hold | None: ...  # fmt: skip

    async def release_due(self, *, now: datetime, limit: int) -> list[Hold]: ...

    async def reached_counts(
        self, *, master_account_id: str, scope: ClientScope, message_ids: Sequence[str]
    ) -> dict[str, int]: ...

    async def add_history(self, entries: Sequence[HistoryEntry]) -> None: ...

    async def history(self, *, master_account_id: str, message_id: str) -> list[HistoryEntry]: ...


class BulkPublisher(Protocol):
    async def publish_all(
        self,
        topic: str,
        events: Sequence[Event],
        *,
        master_account_id: str,
        caused_by: Delivery[Any] | None = None,
    ) -> None: ...


class StagingUnitOfWork(EventPublisher, BulkPublisher, Protocol):
    @property
    def clients(self) -> Clients: ...

    @property
    def groups(self) -> Groups: ...

    @property
    def master_zones(self) -> MasterZones: ...

    @property
    def elections(self) -> Elections: ...

    @property
    def always_rejects(self) -> AlwaysRejects: ...

    @property
    def holds(self) -> Holds: ...


class SqlStagingUnitOfWork(UnitOfWork):
    """Builds the repositories over the transaction's session."""

    def __init__(self, session: AsyncSession, on_commit_with_events: asyncio.Event) -> None:
        super().__init__(session, on_commit_with_events)
        self.clients: Clients = ClientRepository(session)
        self.groups: Groups = GroupRepository(session)
        self.master_zones: MasterZones = MasterZoneRepository(session)
        self.elections: Elections = ElectionRepository(session)
        self.always_rejects: AlwaysRejects = AlwaysRejectRepository(session)
        self.holds: Holds = HoldRepository(session)
