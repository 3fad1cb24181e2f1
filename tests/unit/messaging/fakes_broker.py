"""Sent By Broker's copies and inquiries in memory, with the clients they are grouped by, and a
unit of work holding them beside the messages, deliveries and inbox the delivery reaches."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from contracts.access import ClientScope
from contracts.api.broker_messages import InquiryStatus
from services.messaging.domain.broker_messages import (
    BrokerCopy,
    BrokerInquiry,
    StagingOutcome,
    StagingStatus,
)
from services.messaging.domain.recipients import within_scope
from tests.unit.messaging.fakes_directory import (
    InMemoryClients,
    InMemoryGroups,
    InMemoryMasters,
    InMemoryNotices,
)
from tests.unit.messaging.fakes_messages import FakeMessagingUnitOfWork


class InMemoryBrokerMessages:
    def __init__(self, clients: InMemoryClients) -> None:
        self.clients = clients
        self.copies: dict[tuple[str, str], BrokerCopy] = {}
        self.kept_inquiries: list[BrokerInquiry] = []
        self.staging: dict[tuple[str, str], StagingOutcome] = {}

    async def masters_of(self, accounts: Collection[str]) -> dict[str, str]:
        return {row.account_number: row.master_account_id for row in self.clients.rows.values()
                if row.account_number in set(accounts) and not row.removed}  # fmt: skip

    async def add(self, copy: BrokerCopy) -> bool:
        key = (copy.message_id, copy.master_account_id)
        if key in self.copies:
            return False
        self.copies[key] = copy
        return True

    def _reached(self, copy: BrokerCopy, scope: ClientScope) -> set[str]:
        if scope.all_clients:
            return set(copy.accounts)
        return {row.account_number for row in self.clients.rows.values()
                if row.master_account_id == copy.master_account_id
                and row.account_number in copy.accounts
                and within_scope(scope, account_number=row.account_number,
                                 group_ids=self.clients.groups.of(row.contact_id))}  # fmt: skip

    async def get(
        self, *, master_account_id: str, message_id: str, scope: ClientScope
    ) -> BrokerCopy | None:
        copy = self.copies.get((message_id, master_account_id))
        if copy is None or copy.deleted_at is not None or not self._reached(copy, scope):
            return None
        return copy

    async def page(
        self, *, master_account_id: str, scope: ClientScope, offset: int, limit: int
    ) -> tuple[list[BrokerCopy], int]:
        found = [c for c in self.copies.values() if c.master_account_id == master_account_id
                 and c.deleted_at is None and self._reached(c, scope)]  # fmt: skip
        found.sort(key=lambda c: c.received_at, reverse=True)
        return found[offset : offset + limit], len(found)

    async def reachable_accounts(
        self, *, master_account_id: str, scope: ClientScope, accounts: Collection[str]
    ) -> set[str]:
        copy = next(c for c in self.copies.values() if c.master_account_id == master_account_id
                    and set(accounts) <= set(c.accounts))  # fmt: skip
        return self._reached(copy, scope) & set(accounts)

    async def delete(self, *, master_account_id: str, message_id: str, at: datetime) -> bool:
        copy = self.copies.get((message_id, master_account_id))
        if copy is None or copy.deleted_at is not None:
            return False
        self.copies[(message_id, master_account_id)] = replace(copy, deleted_at=at)
        return True

    async def copy_of(self, *, master_account_id: str, message_id: str) -> BrokerCopy | None:
        return self.copies.get((message_id, master_account_id))

    async def mark_delivered(
        self, *, master_account_id: str, message_id: str, delivered_message_id: UUID
    ) -> bool:
        copy = self.copies.get((message_id, master_account_id))
        if copy is None or copy.delivered_message_id is not None:
            return False
        self.copies[(message_id, master_account_id)] = replace(
            copy, delivered_message_id=delivered_message_id
        )
        return True

    async def record_staging(self, outcomes: Sequence[StagingOutcome]) -> None:
        for outcome in outcomes:
            key = (outcome.master_account_id, outcome.message_id)
            current = self.staging.get(key)
            if current is None or current.status is StagingStatus.HELD:
                self.staging[key] = outcome

    async def staging_of(
        self, *, master_account_id: str, message_ids: Sequence[str]
    ) -> dict[str, StagingOutcome]:
        return {m: self.staging[(master_account_id, m)] for m in message_ids
                if (master_account_id, m) in self.staging}  # fmt: skip

    async def add_inquiry(self, inquiry: BrokerInquiry) -> None:
        self.kept_inquiries.append(inquiry)

    async def answer_inquiry(
        self, *, inquiry_id: UUID, master_account_id: str, answer: str, at: datetime
    ) -> bool:
        for i, inquiry in enumerate(self.kept_inquiries):
            if (inquiry.id, inquiry.master_account_id, inquiry.status) == (
                inquiry_id, master_account_id, InquiryStatus.OPEN,
            ):  # fmt: skip
                self.kept_inquiries[i] = replace(inquiry, status=InquiryStatus.ANSWERED,
                                                 answer=answer, answered_at=at, updated_at=at)  # fmt: skip
                return True
        return False

    async def close_inquiry(
        self, *, inquiry_id: UUID, master_account_id: str, message_id: str, at: datetime
    ) -> BrokerInquiry | None:
        for i, inquiry in enumerate(self.kept_inquiries):
            mine = (inquiry.id, inquiry.master_account_id, inquiry.broker_message_id) == (
                inquiry_id, master_account_id, message_id,
            )  # fmt: skip
            if mine and inquiry.status is not InquiryStatus.CLOSED:
                closed = replace(inquiry, status=InquiryStatus.CLOSED, updated_at=at)
                self.kept_inquiries[i] = closed
                return closed
        return None

    async def inquiries(self, *, master_account_id: str, message_id: str) -> list[BrokerInquiry]:
        return [i for i in reversed(self.kept_inquiries) if i.master_account_id ==
                master_account_id and i.broker_message_id == message_id]  # fmt: skip

    async def latest_inquiry_statuses(
        self, *, master_account_id: str, message_ids: Sequence[str]
    ) -> dict[str, InquiryStatus]:
        latest: dict[str, InquiryStatus] = {}
        for inquiry in self.kept_inquiries:
            mine = inquiry.master_account_id == master_account_id
            if mine and inquiry.broker_message_id in message_ids:
                latest[inquiry.broker_message_id] = inquiry.status
        return latest


@dataclass
class FakeBrokerUnitOfWork(FakeMessagingUnitOfWork):
    client_groups: InMemoryGroups = field(default_factory=InMemoryGroups)
    clients: InMemoryClients = field(init=False)
    broker_messages: InMemoryBrokerMessages = field(init=False)
    masters: InMemoryMasters = field(default_factory=InMemoryMasters)
    user_notices: InMemoryNotices = field(default_factory=InMemoryNotices)

    def __post_init__(self) -> None:
        self.clients = InMemoryClients(self.client_groups)
        self.client_groups.clients = self.clients
        self.broker_messages = InMemoryBrokerMessages(self.clients)
