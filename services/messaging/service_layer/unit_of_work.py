"""Messaging' unit of work: the repositories its use cases reach, and the SQL one behind them.

Use cases type their ``uow`` as ``MessagingUnitOfWork`` (a protocol), so unit tests pass a fake with
in-memory repositories; the service runs ``SqlMessagingUnitOfWork``. See ``services/analytics``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from contracts.accounts import Channel
from contracts.api.broker_messages import InquiryStatus
from contracts.envelope import Event
from contracts.messaging import DeliveryStatus
from services.messaging.domain.branding import Branding
from services.messaging.domain.broker_messages import BrokerCopy, BrokerInquiry, StagingOutcome
from services.messaging.domain.messages import EmailDelivery, FrozenRecipient, Message, NewDelivery
from services.messaging.domain.recipients import (
    ClientState,
    GroupState,
    HouseholdLink,
    HouseholdState,
    MasterProfile,
    MasterUser,
    Recipient,
)
from services.messaging.domain.templates import MessageTemplate
from services.messaging.store.branding import BrandingRepository
from services.messaging.store.broker_messages import BrokerMessageRepository
from services.messaging.store.deliveries import DeliveryRepository
from services.messaging.store.directory import (
    ClientGroupRepository,
    ClientRepository,
    HouseholdRepository,
    MasterRepository,
    MasterUserRepository,
)
from services.messaging.store.inbox import InboxRepository
from services.messaging.store.messages import MessageRepository
from services.messaging.store.notices import NewNotice, Notice, UserNoticeRepository
from services.messaging.store.report_deliveries import ReportEmailRepository
from services.messaging.store.templates import TemplateRepository
from services.runtime.consumers import Delivery
from services.runtime.db import EventPublisher, UnitOfWork

# --- messages, deliveries, the clients' Message Center (the communication center's sending) ---


class Messages(Protocol):
    async def add(self, message: Message) -> bool: ...

    async def add_recipients(
        self, message_id: UUID, recipients: Sequence[FrozenRecipient]
    ) -> None: ...

    async def get(self, *, master_account_id: str, message_id: UUID) -> Message | None: ...

    async def by_idempotency_key(self, *, master_account_id: str, key: str) -> Message | None: ...

    async def recipients(
        self, message_id: UUID, contact_ids: Sequence[UUID] | None = None
    ) -> list[FrozenRecipient]: ...

    async def recipient_page(
        self, message_id: UUID, *, offset: int, limit: int
    ) -> list[FrozenRecipient]: ...

    async def page(
        self, *, master_account_id: str, created_by: str | None, offset: int, limit: int
    ) -> tuple[list[Message], int]: ...

    async def template(
        self, *, master_account_id: str, template_id: UUID
    ) -> tuple[str, str] | None: ...

    async def branding(self, *, master_account_id: str) -> dict[str, Any] | None: ...


class Deliveries(Protocol):
    async def insert_new(self, rows: Sequence[NewDelivery]) -> set[tuple[UUID, Channel]]: ...

    async def claim_due_emails(self, now: datetime, limit: int) -> list[EmailDelivery]: ...

    async def save_outcomes(self, outcomes: Sequence[EmailDelivery]) -> None: ...

    async def mark_bounced(
        self, bounces: Sequence[tuple[UUID, UUID, str]]
    ) -> list[tuple[str, UUID, UUID, str]]: ...

    async def status_counts(
        self, message_ids: Sequence[UUID]
    ) -> dict[UUID, dict[DeliveryStatus, int]]: ...

    async def of_recipients(
        self, message_id: UUID, contact_ids: Sequence[UUID]
    ) -> list[dict[str, Any]]: ...


class Inbox(Protocol):
    async def add(
        self,
        *,
        message_id: UUID,
        master_account_id: str,
        created_at: datetime,
        items: Sequence[tuple[UUID, str, str, str]],
    ) -> None: ...

    async def page(
        self, *, master_account_id: str, contact_id: UUID, unread_only: bool, offset: int,
        limit: int,
    ) -> tuple[list[dict[str, Any]], int, int]: ...  # fmt: skip

    async def item(
        self, *, master_account_id: str, contact_id: UUID, message_id: UUID
    ) -> dict[str, Any] | None: ...

    async def mark_read(
        self, *, master_account_id: str, contact_id: UUID, message_id: UUID, at: datetime
    ) -> bool: ...


class BulkPublisher(Protocol):
    async def publish_all(
        self,
        topic: str,
        events: Sequence[Event],
        *,
        master_account_id: str,
        caused_by: Delivery[Any] | None = None,
    ) -> None: ...


# --- what messaging knows of clients, groups, households and users; the users' notices ---------


class Clients(Protocol):
    async def upsert(self, states: Sequence[ClientState]) -> None: ...

    async def open_clients(
        self, *, master_account_id: str, scope: ClientScope, account_numbers: Collection[str] = (),
        group_ids: Collection[UUID] = (), contact_ids: Collection[UUID] = (),
    ) -> list[Recipient]: ...  # fmt: skip

    async def page(
        self, *, master_account_id: str, scope: ClientScope, search: str | None,
        group_id: UUID | None, offset: int, limit: int,
    ) -> tuple[int, list[Recipient]]: ...  # fmt: skip


class ClientGroups(Protocol):
    async def upsert(self, groups: Sequence[GroupState]) -> None: ...

    async def visible(
        self, *, master_account_id: str, user_id: str, scope: ClientScope
    ) -> list[tuple[UUID, str, str, int]]: ...


class Households(Protocol):
    async def upsert(self, households_: Sequence[HouseholdState]) -> None: ...

    async def of_contacts(
        self, *, master_account_id: str, contact_ids: Collection[UUID]
    ) -> dict[UUID, HouseholdLink]: ...


class MasterUsers(Protocol):
    async def upsert(self, users: Sequence[MasterUser]) -> None: ...

    async def by_ids(self, user_ids: Collection[str]) -> dict[str, MasterUser]: ...

    async def active(self, master_account_id: str) -> list[MasterUser]: ...


class Masters(Protocol):
    async def upsert(self, profiles: Sequence[MasterProfile]) -> None: ...

    async def get(self, master_account_id: str) -> MasterProfile | None: ...


class UserNotices(Protocol):
    async def add(self, notices: Sequence[NewNotice]) -> list[UUID]: ...

    async def of_user(
        self, *, master_account_id: str, user_id: str, limit: int
    ) -> tuple[int, list[Notice]]: ...

    async def mark_read(
        self, *, master_account_id: str, user_id: str, notice_id: UUID, at: datetime
    ) -> Notice | None: ...

    async def next_unsent_email(self, *, besides: Collection[UUID] = ()) -> Notice | None: ...

    async def email_sent(self, notice_id: UUID, at: datetime) -> None: ...

    async def email_failed(self, notice_id: UUID, *, permanent: bool) -> None: ...


# --- Sent By Broker ----------------------------------------------------------------------------


class BrokerMessages(Protocol):
    async def masters_of(self, accounts: Collection[str]) -> dict[str, str]: ...

    async def add(self, copy: BrokerCopy) -> bool: ...

    async def get(
        self, *, master_account_id: str, message_id: str, scope: ClientScope
    ) -> BrokerCopy | None: ...

    async def page(
        self, *, master_account_id: str, scope: ClientScope, offset: int, limit: int
    ) -> tuple[list[BrokerCopy], int]: ...

    async def reachable_accounts(
        self, *, master_account_id: str, scope: ClientScope, accounts: Collection[str]
    ) -> set[str]: ...

    async def delete(self, *, master_account_id: str, message_id: str, at: datetime) -> bool: ...

    async def copy_of(self, *, master_account_id: str, message_id: str) -> BrokerCopy | None: ...

    async def mark_delivered(
        self, *, master_account_id: str, message_id: str, delivered_message_id: UUID
    ) -> bool: ...

    async def record_staging(self, outcomes: Sequence[StagingOutcome]) -> None: ...

    async def staging_of(
        self, *, master_account_id: str, message_ids: Sequence[str]
    ) -> dict[str, StagingOutcome]: ...

    async def add_inquiry(self, inquiry: BrokerInquiry) -> None: ...

    async def inquiries(
        self, *, master_account_id: str, message_id: str
    ) -> list[BrokerInquiry]: ...

    async def answer_inquiry(
        self, *, inquiry_id: UUID, master_account_id: str, answer: str, at: datetime
    ) -> bool: ...

    async def close_inquiry(
        self, *, inquiry_id: UUID, master_account_id: str, message_id: str, at: datetime
    ) -> BrokerInquiry | None: ...

    async def latest_inquiry_statuses(
        self, *, master_account_id: str, message_ids: Sequence[str]
    ) -> dict[str, InquiryStatus]: ...


# --- templates and white branding -----------------------------------------------------------


class Templates(Protocol):
    async def of_master(self, *, master_account_id: str) -> list[MessageTemplate]: ...

    async def get(
        self, template_id: UUID, *, master_account_id: str, for_update: bool = False
    ) -> MessageTemplate | None: ...

    async def lock_names(self, *, master_account_id: str) -> None: ...

    async def named(
        self, name: str, *, master_account_id: str, other_than: UUID | None = None
    ) -> bool: ...

    async def add(self, template: MessageTemplate) -> None: ...

    async def save(self, template: MessageTemplate) -> None: ...

    async def delete(self, template_id: UUID, *, master_account_id: str) -> None: ...


class Brandings(Protocol):
    async def get(self, *, master_account_id: str) -> Branding | None: ...

    async def save(self, branding: Branding) -> None: ...

    async def save_logo(
        self, *, master_account_id: str, content: bytes, content_type: str, now: datetime
    ) -> None: ...

    async def logo(self, *, master_account_id: str) -> tuple[bytes, str] | None: ...


class MessagingUnitOfWork(EventPublisher, BulkPublisher, Protocol):
    # read-only properties: a fake may hold any implementation of the repository protocol
    @property
    def messages(self) -> Messages: ...

    @property
    def deliveries(self) -> Deliveries: ...

    @property
    def inbox(self) -> Inbox: ...

    @property
    def clients(self) -> Clients: ...

    @property
    def client_groups(self) -> ClientGroups: ...

    @property
    def households(self) -> Households: ...

    @property
    def master_users(self) -> MasterUsers: ...

    @property
    def masters(self) -> Masters: ...

    @property
    def user_notices(self) -> UserNotices: ...

    @property
    def templates(self) -> Templates: ...

    @property
    def branding(self) -> Brandings: ...

    @property
    def broker_messages(self) -> BrokerMessages: ...


class SqlMessagingUnitOfWork(UnitOfWork):
    """Builds the repositories over the transaction's session."""

    def __init__(self, session: AsyncSession, on_commit_with_events: asyncio.Event) -> None:
        super().__init__(session, on_commit_with_events)
        self.messages: Messages = MessageRepository(session)
        self.deliveries: Deliveries = DeliveryRepository(session)
        self.inbox: Inbox = InboxRepository(session)
        self.clients: Clients = ClientRepository(session)
        self.client_groups: ClientGroups = ClientGroupRepository(session)
        self.households: Households = HouseholdRepository(session)
        self.master_users: MasterUsers = MasterUserRepository(session)
        self.masters: Masters = MasterRepository(session)
        self.user_notices: UserNotices = UserNoticeRepository(session)
        self.templates: Templates = TemplateRepository(session)
        self.branding: Brandings = BrandingRepository(session)
        self.broker_messages: BrokerMessages = BrokerMessageRepository(session)
        # A10: the reports emailed to clients (service_layer/report_deliveries.py)
        self.report_emails = ReportEmailRepository(session)
