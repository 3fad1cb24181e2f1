"""Linkage' unit of work: the repositories its use cases reach, and the SQL one behind them.

Use cases type their ``uow`` as ``LinkageUnitOfWork`` (a protocol), so unit tests pass a fake with
in-memory repositories; the service runs ``SqlLinkageUnitOfWork``. See ``services/analytics``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from contracts.linkage import AccessCodeKind
from services.linkage.domain.devices import AccessCode, Device
from services.linkage.domain.links import ClientAccount, LinkRequest
from services.linkage.store.accounts import AccountRepository
from services.linkage.store.devices import AccessCodeRepository, DeviceRepository
from services.linkage.store.requests import HistoryRepository, RequestRepository
from services.runtime.db import EventPublisher, UnitOfWork


class Accounts(Protocol):
    async def upsert_profiles(self, rows: Sequence[dict[str, Any]]) -> None: ...

    async def set_open(self, rows: Sequence[tuple[str, str, bool, datetime]]) -> None: ...

    async def upsert_contacts(self, rows: Sequence[dict[str, Any]]) -> None: ...

    async def upsert_groups(self, rows: Sequence[dict[str, Any]]) -> None: ...

    async def upsert_masters(self, rows: Sequence[dict[str, Any]]) -> None: ...

    async def time_zone(self, master_account_id: str) -> str | None: ...

    async def of_master(
        self, *, master_account_id: str, scope: ClientScope, holder_id: str | None = None,
        account_numbers: Collection[str] | None = None, lock: bool = False,
    ) -> list[ClientAccount]: ...  # fmt: skip

    async def accounts_of_contact(
        self, *, master_account_id: str, scope: ClientScope, contact_id: UUID
    ) -> list[ClientAccount]: ...

    async def mark_linked(
        self, *, survivor: str, others: Collection[str], profile: dict[str, str]
    ) -> None: ...


class Requests(Protocol):
    async def save(self, request: LinkRequest) -> None: ...

    async def get(
        self, *, master_account_id: str, request_id: UUID, lock: bool = False
    ) -> LinkRequest | None: ...

    async def open_of_holder(
        self, *, master_account_id: str, holder_id: str
    ) -> LinkRequest | None: ...

    async def drafts_by(self, *, master_account_id: str, user_id: str) -> list[LinkRequest]: ...

    async def of_master(self, *, master_account_id: str, limit: int = 200) -> list[LinkRequest]: ...

    async def claim_due(self, now: datetime) -> LinkRequest | None: ...

    async def record_failure(self, request_id: UUID, error: str, retry_at: datetime) -> None: ...


class History(Protocol):
    async def add(self, rows: Sequence[dict[str, Any]]) -> None: ...

    async def of(
        self, *, master_account_id: str, holder_id: str | None, account_numbers: Sequence[str],
        limit: int = 200,
    ) -> list[dict[str, Any]]: ...  # fmt: skip


class Devices(Protocol):
    async def save(self, device: Device) -> None: ...

    async def add_if_new_serial(self, device: Device) -> bool: ...

    async def of_accounts(
        self, account_numbers: Sequence[str], *, lock: bool = False
    ) -> list[Device]: ...

    async def get(self, device_id: UUID, *, lock: bool = False) -> Device | None: ...

    async def by_serial(self, serial_number: str, *, lock: bool = False) -> Device | None: ...

    async def claim_due_activations(self, now: datetime, limit: int) -> list[Device]: ...


class AccessCodes(Protocol):
    async def save(self, code: AccessCode) -> None: ...

    async def current(
        self, account_number: str, kind: AccessCodeKind, *, lock: bool = False
    ) -> AccessCode | None: ...

    async def of_accounts(self, account_numbers: Sequence[str]) -> list[AccessCode]: ...

    async def failures_since(self, account_number: str, since: datetime) -> int: ...

    async def add_failure(self, account_number: str, at: datetime) -> None: ...


class LinkageUnitOfWork(EventPublisher, Protocol):
    @property
    def accounts(self) -> Accounts: ...

    @property
    def requests(self) -> Requests: ...

    @property
    def history(self) -> History: ...

    @property
    def devices(self) -> Devices: ...

    @property
    def codes(self) -> AccessCodes: ...

    async def commit(self) -> None: ...


class SqlLinkageUnitOfWork(UnitOfWork):
    """Builds the repositories over the transaction's session."""

    def __init__(self, session: AsyncSession, on_commit_with_events: asyncio.Event) -> None:
        super().__init__(session, on_commit_with_events)
        self.accounts: Accounts = AccountRepository(session)
        self.requests: Requests = RequestRepository(session)
        self.history: History = HistoryRepository(session)
        self.devices: Devices = DeviceRepository(session)
        self.codes: AccessCodes = AccessCodeRepository(session)
