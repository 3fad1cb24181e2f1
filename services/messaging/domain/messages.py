"""Messages and their deliveries: pure rules (chunks of the fan-out, which channel gets which
status, the email retry schedule, the deterministic Message-ID)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any, TypeVar
from uuid import UUID

from contracts.accounts import Channel
from contracts.messaging import DeliveryStatus, MessageOrigin
from services.messaging.domain.rendering import NO_BRANDING, BrandingView, Composition, Rendered
from services.messaging.domain.templates import variables_named

CHUNK_SIZE = 500
"""Recipients per fan-out chunk: small enough to spread over partitions and replicas, large
enough that a chunk's inserts are few statements."""
EMAIL_MAX_ATTEMPTS = 5
EMAIL_FIRST_RETRY = timedelta(seconds=30)

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK_SIZE) -> Iterator[tuple[int, Sequence[T]]]:
    """``(chunk number, items)`` of ``size`` items at most, in order."""
    for number, start in enumerate(range(0, len(items), size)):
        yield number, items[start : start + size]


@dataclass(frozen=True, slots=True)
class Message:
    """A message as sent: the frozen inputs every recipient's content is rendered from."""

    id: UUID
    master_account_id: str
    origin: MessageOrigin
    idempotency_key: str
    subject: str
    body: str
    channels: tuple[Channel, ...]
    recipient_count: int
    created_at: datetime
    template_id: UUID | None = None
    reply_to: str | None = None
    signature: str | None = None
    with_banner: bool = False
    with_footer: bool = False
    branding: dict[str, Any] | None = None
    per_household: bool = False
    created_by_user_id: str | None = None
    resend_of: UUID | None = None


@dataclass(frozen=True, slots=True)
class FrozenRecipient:
    """A recipient as frozen at send time, with the variables of their content."""

    contact_id: UUID
    account_number: str | None
    name: str
    email: str | None
    variables: dict[str, str]
    folded_accounts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """A delivery row the fan-out inserts (once: the key is message, contact, channel)."""

    message_id: UUID
    contact_id: UUID
    channel: Channel
    master_account_id: str
    status: DeliveryStatus
    content_sha256: str
    queued_at: datetime
    next_attempt_at: datetime | None = None
    reason: str | None = None


def first_status(channel: Channel, *, has_email: bool) -> tuple[DeliveryStatus, str | None]:
    """The status a fresh delivery starts in: the Message Center is delivered at once, a
    bulletin is sent (published), an email waits for the sender (or fails with no address)."""
    if channel is Channel.MESSAGE_CENTER:
        return DeliveryStatus.DELIVERED, None
    if channel is Channel.BULLETIN:
        return DeliveryStatus.SENT, None
    if not has_email:
        return DeliveryStatus.FAILED, "no email address of record"
    return DeliveryStatus.QUEUED, None


@dataclass(slots=True)
class EmailDelivery:
    """A queued email delivery claimed by the sender, with what it needs to send it."""

    message_id: UUID
    contact_id: UUID
    master_account_id: str
    attempts: int
    content_sha256: str | None
    status: DeliveryStatus = DeliveryStatus.QUEUED
    next_attempt_at: datetime | None = None
    reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def sent(self) -> None:
        self.attempts += 1
        self.status, self.next_attempt_at, self.reason = DeliveryStatus.SENT, None, None

    def attempt_failed(
        self,
        now: datetime,
        reason: str,
        *,
        permanent: bool,
        max_attempts: int = EMAIL_MAX_ATTEMPTS,
        first_retry: timedelta = EMAIL_FIRST_RETRY,
    ) -> None:
        """Try again later, each wait twice the one before, or give up with the reason."""
        self.attempts += 1
        self.reason = reason[:500]
        if permanent or self.attempts >= max_attempts:
            self.status, self.next_attempt_at = DeliveryStatus.FAILED, None
            return
        self.next_attempt_at = now + first_retry * 2 ** (self.attempts - 1)


def email_message_id(message_id: UUID, contact_id: UUID, domain: str) -> str:
    """The same Message-ID for every attempt of one recipient's email: a resend after a crash
    between sending and recording is recognisable as the same message."""
    return f"<message-{message_id}-{contact_id}@{domain}>"


_EMAIL_MESSAGE_ID = re.compile(
    r"^<message-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-"
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@[^<>\s]+>$"
)


def recipient_of_email(message_id_header: str) -> tuple[UUID, UUID] | None:
    """The message and recipient an email's Message-ID names (``email_message_id``); None for
    one the communication center did not send."""
    found = _EMAIL_MESSAGE_ID.match(message_id_header.strip().lower())
    return (UUID(found[1]), UUID(found[2])) if found else None


def branding_view(frozen: dict[str, Any] | None) -> BrandingView:
    """The branding frozen into a message at send time, as the renderer takes it."""
    if not frozen:
        return NO_BRANDING
    return BrandingView(
        primary_colour=frozen.get("primary_colour") or NO_BRANDING.primary_colour,
        accent_colour=frozen.get("accent_colour") or NO_BRANDING.accent_colour,
        banner_text=frozen.get("banner_text"),
        footer_text=frozen.get("footer_text"),
    )


def composition_of(message: Message) -> Composition:
    """What a message's content is rendered from. A broker message may name variables of its
    own (checked against the event's when it arrived); a composed one only ``VARIABLES``."""
    extra: frozenset[str] = frozenset()
    if message.origin is MessageOrigin.BROKER:
        extra = variables_named(message.subject) | variables_named(message.body)
    return Composition(
        subject=message.subject, body=message.body, with_banner=message.with_banner,
        with_footer=message.with_footer, signature=message.signature, reply_to=message.reply_to,
        extra_variables=extra,
    )  # fmt: skip


def message_email(
    message: Message,
    recipient: FrozenRecipient,
    rendered: Rendered,
    *,
    sender: str,
    now: datetime,
    master_header: str,
) -> EmailMessage:
    """One recipient's email: text and HTML alternatives, a Message-ID of its own that every
    attempt repeats. Raises ``ValueError`` for an address the email library refuses."""
    assert recipient.email is not None
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    email = EmailMessage()
    email["From"] = sender
    email["To"] = formataddr((" ".join(recipient.name.split()), recipient.email))
    email["Subject"] = rendered.subject
    email["Message-ID"] = email_message_id(message.id, recipient.contact_id, domain)
    email["Date"] = format_datetime(now)
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email[master_header] = message.master_account_id
    email.set_content(rendered.text)
    if rendered.html is not None:
        email.add_alternative(rendered.html, subtype="html")
    return email
