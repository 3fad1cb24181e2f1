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
from services.analytics.store.account_links import AccountLinkRepository
from services.analytics.store.activity import (
    CorporateActionRepository,
    FullServiceRequestRepository,
    MessageRepository,
    TimelineRepository,
)
from services.analytics.store.esg import EsgRepository
from services.analytics.store.fees import ActivityRepository, FeeRepository
from services.analytics.store.groups import GroupMemberRepository
from services.analytics.store.ledger import (
    AccountDayRepository,
    AccountFactRepository,
    LedgerRepository,
    PositionReportRepository,
    RetirementAccountRepository,
)
from services.analytics.store.margin import MarginRepository
from services.analytics.store.masters import MasterZoneRepository
from services.analytics.store.reports import ReportRepository
from services.analytics.store.repository import ContactStateRepository
from services.analytics.store.risk import GoalRepository, RiskRepository
from services.analytics.store.segments import SegmentFactsRepository, SegmentRepository
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


class LedgerUnitOfWork(EventPublisher, Protocol):
    """What the dashboard, history, queries and timeline use cases reach (A1-A3, X6)."""

    @property
    def account_facts(self) -> AccountFactRepository: ...

    @property
    def ledger(self) -> LedgerRepository: ...

    @property
    def account_days(self) -> AccountDayRepository: ...

    @property
    def position_reports(self) -> PositionReportRepository: ...

    @property
    def timeline(self) -> TimelineRepository: ...

    @property
    def messages(self) -> MessageRepository: ...

    @property
    def corporate_actions(self) -> CorporateActionRepository: ...

    @property
    def retirement_accounts(self) -> RetirementAccountRepository: ...

    @property
    def full_service_requests(self) -> FullServiceRequestRepository: ...

    @property
    def master_zones(self) -> MasterZoneRepository: ...


class SqlAnalyticsUnitOfWork(UnitOfWork):
    def __init__(self, session: AsyncSession, on_commit_with_events: asyncio.Event) -> None:
        super().__init__(session, on_commit_with_events)
        self.contact_states: ContactStates = ContactStateRepository(session)
        self.group_members: GroupMemberStates = GroupMemberRepository(session)
        self.account_facts = AccountFactRepository(session)
        self.ledger = LedgerRepository(session)
        self.account_days = AccountDayRepository(session)
        self.position_reports = PositionReportRepository(session)
        self.timeline = TimelineRepository(session)
        self.messages = MessageRepository(session)
        self.corporate_actions = CorporateActionRepository(session)
        self.retirement_accounts = RetirementAccountRepository(session)
        self.full_service_requests = FullServiceRequestRepository(session)
        self.master_zones = MasterZoneRepository(session)
        # the tools and fee administration (A4-A9, service_layer/tools_uow.py)
        self.segment_facts = SegmentFactsRepository(session)
        self.segments = SegmentRepository(session)
        self.risk = RiskRepository(session)
        self.goals = GoalRepository(session)
        self.esg = EsgRepository(session)
        self.fees = FeeRepository(session)
        self.activity = ActivityRepository(session)
        # linked accounts (L3, service_layer/account_links.py): shared fee minimums
        self.account_links = AccountLinkRepository(session)
        # margin requirements (A11, service_layer/margin.py)
        self.margin = MarginRepository(session)
        # client reports (A10, service_layer/reports.py)
        self.reports = ReportRepository(session)
