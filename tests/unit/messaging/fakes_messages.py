"""In-memory repositories of messages, deliveries and the clients' Message Center, and a unit of
work holding them (what the sending, fan-out and email use cases reach)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from contracts.accounts import Channel
from contracts.envelope import Event
from contracts.messaging import DeliveryStatus
from services.messaging.domain.messages import EmailDelivery, FrozenRecipient, Message, NewDelivery
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork
from services.runtime.consumers import Delivery
from tests.unit.messaging.fakes_directory import InMemoryUsers


@dataclass
class FakeMessages:
    rows: dict[UUID, Message] = field(default_factory=dict)
    recipients_of: dict[UUID, dict[UUID, FrozenRecipient]] = field(default_factory=dict)
    templates: dict[UUID, tuple[str, str]] = field(default_factory=dict)

    async def add(self, message: Message) -> bool:
        if any(
            m.master_account_id == message.master_account_id
            and m.idempotency_key == message.idempotency_key
            for m in self.rows.values()
        ):
            return False
        self.rows[message.id] = message
        return True

    async def add_recipients(self, message_id: UUID, recipients: Sequence[FrozenRecipient]) -> None:
        kept = self.recipients_of.setdefault(message_id, {})
        for recipient in recipients:
            kept.setdefault(recipient.contact_id, recipient)

    async def get(self, *, master_account_id: str, message_id: UUID) -> Message | None:
        message = self.rows.get(message_id)
        return message if message and message.master_account_id == master_account_id else None

    async def by_idempotency_key(self, *, master_account_id: str, key: str) -> Message | None:
        return next((m for m in self.rows.values() if m.master_account_id == master_account_id
                     and m.idempotency_key == key), None)  # fmt: skip

    async def recipients(
        self, message_id: UUID, contact_ids: Sequence[UUID] | None = None
    ) -> list[FrozenRecipient]:
        kept = self.recipients_of.get(message_id, {})
        wanted = kept.keys() if contact_ids is None else set(contact_ids)
        return sorted((r for c, r in kept.items() if c in wanted), key=lambda r: str(r.contact_id))

    async def recipient_page(
        self, message_id: UUID, *, offset: int, limit: int
    ) -> list[FrozenRecipient]:
        every = sorted(self.recipients_of.get(message_id, {}).values(), key=lambda r: r.name)
        return every[offset : offset + limit]

    async def page(
        self, *, master_account_id: str, created_by: str | None, offset: int, limit: int
    ) -> tuple[list[Message], int]:
        found = [m for m in self.rows.values() if m.master_account_id == master_account_id
                 and (created_by is None or m.created_by_user_id == created_by)]  # fmt: skip
        found.sort(key=lambda m: m.created_at, reverse=True)
        return found[offset : offset + limit], len(found)

    async def template(
        self, *, master_account_id: str, template_id: UUID
    ) -> tuple[str, str] | None:
        return self.templates.get(template_id)

    async def branding(self, *, master_account_id: str) -> dict[str, Any] | None:
        return None


@dataclass
class FakeDeliveries:
    rows: dict[tuple[UUID, UUID, Channel], NewDelivery | EmailDelivery] = field(
        default_factory=dict
    )
    locked: set[tuple[UUID, UUID]] = field(default_factory=set)

    async def insert_new(self, rows: Sequence[NewDelivery]) -> set[tuple[UUID, Channel]]:
        new = set()
        for row in rows:
            key = (row.message_id, row.contact_id, row.channel)
            if key not in self.rows:
                self.rows[key] = row
                new.add((row.contact_id, row.channel))
        return new

    def email(self, message_id: UUID, contact_id: UUID) -> EmailDelivery:
        """The email delivery once the sender has handled it at least once."""
        row = self.rows[(message_id, contact_id, Channel.EMAIL)]
        assert isinstance(row, EmailDelivery)
        return row

    def status(self, message_id: UUID, contact_id: UUID, channel: Channel) -> DeliveryStatus:
        return self.rows[(message_id, contact_id, channel)].status

    async def claim_due_emails(self, now: datetime, limit: int) -> list[EmailDelivery]:
        claimed: list[EmailDelivery] = []
        for (message_id, contact_id, channel), row in self.rows.items():
            due = row.next_attempt_at is not None and row.next_attempt_at <= now
            if channel is Channel.EMAIL and row.status is DeliveryStatus.QUEUED and due:
                if (message_id, contact_id) in self.locked:
                    continue  # another sender holds it (SKIP LOCKED)
                attempts = row.attempts if isinstance(row, EmailDelivery) else 0
                claimed.append(EmailDelivery(message_id, contact_id, row.master_account_id,
                                             attempts, row.content_sha256))  # fmt: skip
        return claimed[:limit]

    async def save_outcomes(self, outcomes: Sequence[EmailDelivery]) -> None:
        for outcome in outcomes:
            self.rows[(outcome.message_id, outcome.contact_id, Channel.EMAIL)] = replace(outcome)

    async def mark_bounced(
        self, bounces: Sequence[tuple[UUID, UUID, str]]
    ) -> list[tuple[str, UUID, UUID, str]]:
        done = []
        for message_id, contact_id, reason in bounces:
            row = self.rows.get((message_id, contact_id, Channel.EMAIL))
            if isinstance(row, EmailDelivery) and row.status is DeliveryStatus.SENT:
                self.rows[(message_id, contact_id, Channel.EMAIL)] = replace(
                    row, status=DeliveryStatus.BOUNCED, reason=reason
                )
                done.append((row.master_account_id, message_id, contact_id, reason))
        return done

    async def status_counts(
        self, message_ids: Sequence[UUID]
    ) -> dict[UUID, dict[DeliveryStatus, int]]:
        counts: dict[UUID, dict[DeliveryStatus, int]] = {}
        for (message_id, _, _), row in self.rows.items():
            if message_id in message_ids:
                per = counts.setdefault(message_id, {})
                per[row.status] = per.get(row.status, 0) + 1
        return counts

    async def of_recipients(
        self, message_id: UUID, contact_ids: Sequence[UUID]
    ) -> list[dict[str, Any]]:
        return [
            {
                "contact_id": c,
                "channel": ch.value,
                "status": row.status.value,
                "attempts": getattr(row, "attempts", 0),
                "reason": row.reason,
                "updated_at": None,
                "content_sha256": row.content_sha256,
            }
            for (m, c, ch), row in self.rows.items()
            if m == message_id and c in contact_ids
        ]


@dataclass
class FakeInbox:
    items: dict[tuple[UUID, UUID], dict[str, Any]] = field(default_factory=dict)

    async def add(
        self,
        *,
        message_id: UUID,
        master_account_id: str,
        created_at: datetime,
        items: Sequence[tuple[UUID, str, str, str]],
    ) -> None:
        for contact_id, subject, html, text in items:
            self.items.setdefault((message_id, contact_id), {
                "message_id": message_id, "subject": subject, "html": html, "text": text,
                "created_at": created_at, "read_at": None, "master": master_account_id,
            })  # fmt: skip

    async def page(
        self, *, master_account_id: str, contact_id: UUID, unread_only: bool, offset: int,
        limit: int,
    ) -> tuple[list[dict[str, Any]], int, int]:  # fmt: skip
        mine = [i for (_, c), i in self.items.items()
                if c == contact_id and i["master"] == master_account_id]  # fmt: skip
        unread = [i for i in mine if i["read_at"] is None]
        shown = unread if unread_only else mine
        return shown[offset : offset + limit], len(shown), len(unread)

    async def item(
        self, *, master_account_id: str, contact_id: UUID, message_id: UUID
    ) -> dict[str, Any] | None:
        found = self.items.get((message_id, contact_id))
        return found if found is not None and found["master"] == master_account_id else None

    async def mark_read(
        self, *, master_account_id: str, contact_id: UUID, message_id: UUID, at: datetime
    ) -> bool:
        item = self.items.get((message_id, contact_id))
        if item is None or item["master"] != master_account_id:
            return False
        item["read_at"] = item["read_at"] or at
        return True


@dataclass
class FakeMessagingUnitOfWork:
    messages: FakeMessages = field(default_factory=FakeMessages)
    deliveries: FakeDeliveries = field(default_factory=FakeDeliveries)
    inbox: FakeInbox = field(default_factory=FakeInbox)
    master_users: InMemoryUsers = field(default_factory=InMemoryUsers)
    published: list[tuple[str, Event]] = field(default_factory=list)

    async def publish(
        self, topic: str, event: Event, *, master_account_id: str,
        correlation_id: str | None = None, caused_by: Delivery[Any] | None = None,
    ) -> None:  # fmt: skip
        self.published.append((topic, event))

    async def publish_all(
        self, topic: str, events: Sequence[Event], *, master_account_id: str,
        caused_by: Delivery[Any] | None = None,
    ) -> None:  # fmt: skip
        self.published += [(topic, event) for event in events]

    def events(self, kind: type[Event]) -> list[Any]:
        return [event for _, event in self.published if isinstance(event, kind)]

    def as_uow(self) -> MessagingUnitOfWork:
        return cast(MessagingUnitOfWork, self)
