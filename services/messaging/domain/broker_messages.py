"""Sent By Broker (M7): the master's copy of a broker-originated message about its clients — the
template with its variables and the recipient accounts, one copy per message and master, never
one per client — and the inquiries a master submits about one.

A broker template writes its variables in single braces (``{client_name}``, ``{period}``) and is
plain text unless it holds HTML. ``broker_source`` turns it into the communication center's
template language, so a broker message is checked, compiled and rendered by the same sandbox
as a composed one (``rendering.compile_message``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from html import escape
from uuid import UUID, uuid4

from contracts.accounts import Channel
from contracts.api.broker_messages import INQUIRY_MAX, InquiryStatus
from services.runtime.errors import Invalid

_PLACEHOLDER = re.compile(r"(?<!\{)\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}(?!\})")
_LOOKS_LIKE_HTML = re.compile(r"<[A-Za-z/!]")
_PARAGRAPHS = re.compile(r"\n\s*\n")


def _placeholders(source: str) -> str:
    return _PLACEHOLDER.sub(lambda match: "{{ " + match.group(1) + " }}", source)


def broker_subject(subject: str) -> str:
    """The subject as a template: ``{name}`` becomes ``{{ name }}``."""
    return _placeholders(subject)


def broker_source(template: str) -> str:
    """The body as a template: plain text is escaped and set in paragraphs (a blank line
    between them, a line break within), HTML kept for the sanitiser; ``{name}`` becomes
    ``{{ name }}``."""
    if _LOOKS_LIKE_HTML.search(template):
        return _placeholders(template)
    text = template.replace("\r\n", "\n").strip()
    paragraphs = [p.strip() for p in _PARAGRAPHS.split(text) if p.strip()]
    html = "".join("<p>" + "<br>".join(escape(line, quote=False) for line in p.split("\n"))
                   + "</p>" for p in paragraphs)  # fmt: skip
    return _placeholders(html)


@dataclass(frozen=True, slots=True)
class BrokerRecipient:
    """One recipient account of a copy, with the variables the broker gave for it."""

    account_number: str
    variables: dict[str, str]


@dataclass(frozen=True, slots=True)
class BrokerCopy:
    """A master's copy of one broker message (only that master's recipient accounts)."""

    message_id: str
    master_account_id: str
    message_type: str
    subject: str
    template: str
    channels: tuple[Channel, ...]
    recipients: tuple[BrokerRecipient, ...]
    received_at: datetime
    review_required: bool = False
    refused_reason: str | None = None
    delivered_message_id: UUID | None = None
    deleted_at: datetime | None = None

    @property
    def accounts(self) -> list[str]:
        return [r.account_number for r in self.recipients]

    @property
    def variable_names(self) -> frozenset[str]:
        return frozenset(name for r in self.recipients for name in r.variables)


class StagingStatus(StrEnum):
    HELD = "held"
    RELEASED = "released"
    REJECTED = "rejected"


@dataclass(frozen=True)
class StagingOutcome:
    """What staging decided about a master's copy that needed review. Held may turn into
    released or rejected; those two are final (a replayed hold does not undo them)."""

    master_account_id: str
    message_id: str
    status: StagingStatus
    decided_at: datetime
    reason: str | None = None
    deadline: datetime | None = None
    decided_by_user_id: str | None = None


def copies_by_master(
    *, message_id: str, message_type: str, subject: str, template: str,
    channels: Sequence[Channel], accounts: Sequence[str],
    variables: Mapping[str, Mapping[str, str]], masters: Mapping[str, str],
    review_required: bool, received_at: datetime,
) -> list[BrokerCopy]:  # fmt: skip
    """One copy per master owning some of ``accounts`` (``masters``: account -> master); an
    account no master is known for is left out (the caller counts them)."""
    grouped: dict[str, list[BrokerRecipient]] = {}
    for account in dict.fromkeys(accounts):
        master = masters.get(account)
        if master is not None:
            values = {str(k): str(v) for k, v in variables.get(account, {}).items()}
            grouped.setdefault(master, []).append(BrokerRecipient(account, values))
    return [
        BrokerCopy(
            message_id=message_id,
            master_account_id=master,
            message_type=message_type,
            subject=subject,
            template=template,
            channels=tuple(dict.fromkeys(channels)),
            recipients=tuple(recipients),
            received_at=received_at,
            review_required=review_required,
        )
        for master, recipients in sorted(grouped.items())
    ]


@dataclass(frozen=True, slots=True)
class BrokerInquiry:
    """A master user's question to the broker about one of its messages."""

    master_account_id: str
    broker_message_id: str
    user_id: str
    text: str
    created_at: datetime
    updated_at: datetime
    status: InquiryStatus = InquiryStatus.OPEN
    id: UUID = field(default_factory=uuid4)
    answer: str | None = None
    answered_at: datetime | None = None


def new_inquiry(
    *, master_account_id: str, broker_message_id: str, user_id: str, text: str, now: datetime
) -> BrokerInquiry:
    cleaned = text.strip()
    if not cleaned:
        raise Invalid("an inquiry needs some text", field="text")
    if len(cleaned) > INQUIRY_MAX:
        raise Invalid(f"at most {INQUIRY_MAX} characters", field="text")
    return BrokerInquiry(master_account_id=master_account_id, broker_message_id=broker_message_id,
                         user_id=user_id, text=cleaned, created_at=now, updated_at=now)  # fmt: skip
