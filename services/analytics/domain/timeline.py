"""The client timeline (X6) and the dashboard's activity panels: one row per thing that
happened to a client or prospect, from any service's events.

A row names the contact (CRM events, deliveries) or the account (back-office events); the query
finds a contact's rows by either. Rows with an ``item_type`` are account activity (the Pending
Items and Recent Activity panels). Each row's id derives from its event's id, so an event applied
twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.accounts import (
    AccountClosed,
    AccountOpened,
    AccountReopened,
    ApplicationStatusChanged,
    SecurityDeviceShipped,
)
from contracts.contacts import (
    ContactChanged,
    ContactClosed,
    ContactCreated,
    ContactRemoved,
    ContactReopened,
)
from contracts.crm import (
    CalendarEventChanged,
    DocumentChanged,
    InvitationSent,
    NoteChanged,
    TaskChanged,
)
from services.analytics.domain.ledger import LedgerRow, describe, item_type_of

_NAMESPACE = uuid5(NAMESPACE_URL, "advisor-portal/analytics/timeline")
SUMMARY_MAX = 300
CHANNEL_NAMES = {"W": "Message Center", "E": "email", "B": "bulletin"}


@dataclass(frozen=True, slots=True)
class TimelineRow:
    entry_id: UUID
    master_account_id: str
    occurred_at: datetime
    category: str
    kind: str
    summary: str
    contact_id: UUID | None = None
    account_number: str | None = None
    item_type: str | None = None
    status: str | None = None


def entry_id(event_id: UUID, part: str = "") -> UUID:
    return uuid5(_NAMESPACE, f"{event_id}/{part}")


def _short(text: str, limit: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _row(envelope: Any, category: str, summary: str, **fields: Any) -> TimelineRow:
    part = str(fields.pop("part", ""))
    return TimelineRow(
        entry_id=entry_id(envelope.event_id, part),
        master_account_id=envelope.master_account_id,
        occurred_at=envelope.occurred_at,
        category=category,
        kind=envelope.type,
        summary=_short(summary, SUMMARY_MAX),
        **fields,
    )


def contact_rows(event: Any, envelope: Any) -> list[TimelineRow]:
    """CRM changes of the contact record itself."""
    contact = event.contact
    match event:
        case ContactCreated():
            summary = f"{contact.kind.value.capitalize()} record created"
        case ContactChanged():
            fields = ", ".join(name.replace("_", " ") for name in event.changed_fields[:8])
            summary = f"Profile changed: {fields}" if fields else "Profile changed"
        case ContactClosed():
            summary = "Contact closed"
        case ContactReopened():
            summary = "Contact reopened"
        case ContactRemoved():
            summary = "Merged into another contact" if event.merged_into else "Contact removed"
        case _:
            return []
    return [_row(envelope, "profile", summary, contact_id=contact.contact_id)]


def _verb(deleted: bool, version: int, created: str = "added") -> str:
    return "deleted" if deleted else created if version == 1 else "changed"


def record_rows(event: Any, envelope: Any) -> list[TimelineRow]:
    """Notes, tasks, calendar events, documents and invitations of a contact."""
    match event:
        case NoteChanged():
            verb = _verb(event.deleted, event.version)
            return [
                _row(
                    envelope,
                    "note",
                    f"Note {verb}: {_short(event.body, 60)}",
                    contact_id=event.contact_id,
                )
            ]
        case TaskChanged():
            verb = _verb(event.deleted, event.version, "created")
            status = event.status.value.replace("_", " ")
            return [
                _row(
                    envelope,
                    "task",
                    f"Task {verb}: {event.title} ({status})",
                    contact_id=event.contact_id,
                )
            ]
        case CalendarEventChanged():
            verb = _verb(event.deleted, event.version, "scheduled")
            when = event.starts_at.strftime("%Y-%m-%d %H:%M UTC")
            return [
                _row(
                    envelope,
                    "event",
                    f"Event {verb}: {event.title}, {when}",
                    contact_id=event.contact_id,
                )
            ]
        case DocumentChanged():
            verb = "deleted" if event.deleted else "uploaded" if event.version == 1 else "moved"
            return [
                _row(
                    envelope,
                    "document",
                    f"Document {verb}: {event.filename}",
                    contact_id=event.contact_id,
                )
            ]
        case InvitationSent():
            how = "emailed" if event.method.value == "electronic" else "printed"
            kind = event.account_type.value.replace("_", " ")
            return [
                _row(
                    envelope,
                    "invitation",
                    f"Account invitation {how} ({kind} account)",
                    contact_id=event.contact_id,
                )
            ]
    return []


def account_rows(event: Any, envelope: Any) -> list[TimelineRow]:
    """Application stages and account lifecycle (activity of type application or account)."""
    match event:
        case ApplicationStatusChanged():
            kind = event.account_type.value.replace("_", " ")
            summary = f"Application {event.stage.value} ({kind})"
            if event.pending_tasks:
                summary += ": " + "; ".join(event.pending_tasks[:3])
            return [
                _row(
                    envelope,
                    "account",
                    summary,
                    account_number=event.account_number,
                    item_type="application",
                    status=event.stage.value,
                )
            ]
        case AccountOpened():
            summary, status = (
                f"Account opened ({event.account_type.value.replace('_', ' ')})",
                "open",
            )
        case AccountClosed():
            summary, status = "Account closed", "closed"
        case AccountReopened():
            summary, status = "Account reopened", "open"
        case SecurityDeviceShipped():
            return [
                _row(
                    envelope,
                    "device",
                    f"Security device shipped: {event.device_kind} {event.serial_number}",
                    account_number=event.account_number,
                )
            ]
        case _:
            return []
    return [
        _row(
            envelope,
            "account",
            summary,
            account_number=event.account_number,
            item_type="account",
            status=status,
        )
    ]


def transaction_row(row: LedgerRow, envelope: Any) -> TimelineRow:
    return _row(
        envelope,
        "transaction",
        describe(row),
        account_number=row.account_number,
        item_type=item_type_of(row),
        status=row.status,
    )


def delivery_rows(event: Any, envelope: Any, subject: str | None) -> list[TimelineRow]:
    """One row per recipient of a ``messaging.delivery_changed``."""
    channel = CHANNEL_NAMES.get(event.channel.value, event.channel.value)
    what = f"“{_short(subject, 80)}”" if subject else "A message"
    summary = f"{what} {event.status.value} by {channel}"
    if event.reason:
        summary += f": {_short(event.reason, 80)}"
    return [
        _row(
            envelope,
            "message",
            summary,
            contact_id=contact,
            part=contact,
            status=event.status.value,
        )
        for contact in event.contact_ids
    ]


def broker_message_rows(
    envelope: Any, accounts: list[str], summary: str, category: str = "message"
) -> list[TimelineRow]:
    """One row per recipient account of a broker message (issued, held, released, rejected)."""
    return [
        _row(envelope, category, summary, account_number=account, part=account)
        for account in accounts
    ]
