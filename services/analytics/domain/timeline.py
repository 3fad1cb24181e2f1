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
from contracts.api.analytics_dashboard import ItemType
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
from contracts.full_service import (
    ClientRequestChanged,
    EnrolmentStatus,
    FullServiceEnrolmentChanged,
    RequestKind,
    RequestStatus,
)
from contracts.linkage import (
    AccessCodeChanged,
    AccessCodeKind,
    AccountsLinked,
    ChargeStatus,
    DeviceChanged,
    LinkRequestChanged,
    LinkStatus,
    UsernameDeactivated,
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


def _words(code: str) -> str:
    return code.replace("_", " ")


def _accounts(accounts: list[str], shown: int = 6) -> str:
    more = len(accounts) - shown
    return ", ".join(accounts[:shown]) + (f" and {more} more" if more > 0 else "")


def _utc(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


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


# ---- account linkage and security devices (linkage.links, linkage.devices)


def link_rows(event: Any, envelope: Any) -> list[TimelineRow]:
    """A link request's steps, the link executed and the usernames it deactivated: a row per
    account concerned."""
    match event:
        case LinkRequestChanged():
            accounts = list(dict.fromkeys(event.accounts))
            summary = f"Account link request {event.status.value}: {_words(event.step)}"
            if accounts:
                summary += f" ({_accounts(accounts)})"
            if event.status is LinkStatus.CONFIRMED and event.execute_after is not None:
                summary += f"; linked by the batch of {_utc(event.execute_after)}"
        case AccountsLinked():
            accounts = list(dict.fromkeys(event.linked_accounts))
            shared = [what for what, on in (("fee minimums", event.shares_fee_minimums),
                                            ("consolidated reporting",
                                             event.consolidated_reporting)) if on]  # fmt: skip
            summary = (f"Accounts linked under username {event.surviving_username}: "
                       f"{_accounts(accounts)}")  # fmt: skip
            if shared:
                summary += f" (sharing {' and '.join(shared)})"
        case UsernameDeactivated():
            accounts = [event.account_number]
            summary = (f"Username {event.username} deactivated: the account is linked under "
                       f"{event.surviving_username}")  # fmt: skip
        case _:
            return []
    return [
        _row(envelope, "link", summary, account_number=account, part=account)
        for account in accounts
    ]


def device_rows(event: Any, envelope: Any) -> list[TimelineRow]:
    """Security devices (each change of one) and access codes (never the code itself)."""
    match event:
        case DeviceChanged():
            device = _words(event.device_kind)
            if event.serial_number:
                device += f" {event.serial_number}"
            summary = f"Security device {device}: {_words(event.action)} ({event.status.value})"
            if event.return_required:
                summary += "; to be returned"
            if event.charge_usd is not None and event.charge_status is not ChargeStatus.NONE:
                summary += f"; charge {event.charge_usd} USD {_words(event.charge_status.value)}"
            status = event.status.value
        case AccessCodeChanged():
            kind = ("Temporary code" if event.kind is AccessCodeKind.TEMPORARY_CODE
                    else "Online security code card")  # fmt: skip
            summary = f"{kind} {event.status}"
            limits = [f"{what} until {_utc(until)}" for what, until in (
                ("full access", event.full_access_until),
                ("restricted access", event.restricted_access_until)) if until]  # fmt: skip
            if limits:
                summary += ": " + ", ".join(limits)
            status = event.status
        case _:
            return []
    return [_row(envelope, "device", summary, account_number=event.account_number, status=status)]


# ---- the Full Service program (contacts.full-service)

ENROLMENT_SUMMARIES = {
    EnrolmentStatus.PENDING: "signed Supplemental Limited Power of Attorney recorded, awaiting "
    "acceptance",
    EnrolmentStatus.ENROLLED: "enrolled",
    EnrolmentStatus.REFUSED: "enrolment refused",
    EnrolmentStatus.REVOKED: "enrolment revoked",
}
REQUEST_STATUSES = {
    RequestStatus.AWAITING_CONFIRMATION: "awaiting a Funding Authorizer's confirmation",
    RequestStatus.SENT: "sent to the back office",
    RequestStatus.ACCEPTED: "accepted by the back office",
    RequestStatus.PROCESSED: "processed",
    RequestStatus.REJECTED: "rejected",
}
REQUEST_ITEM_TYPES = {
    RequestKind.DEPOSIT: ItemType.FUNDING,
    RequestKind.WITHDRAWAL: ItemType.FUNDING,
    RequestKind.INTERNAL_TRANSFER: ItemType.FUNDING,
    RequestKind.POSITION_TRANSFER_IN: ItemType.TRANSFER,
    RequestKind.POSITION_TRANSFER_OUT: ItemType.TRANSFER,
}
"""Pending Items' type of each kind of request; information changes are on the timeline only."""


def full_service_rows(event: Any, envelope: Any) -> list[TimelineRow]:
    """Every change of a client's enrolment or of one of its requests."""
    match event:
        case FullServiceEnrolmentChanged():
            summary = f"Full Service: {ENROLMENT_SUMMARIES[event.status]}"
        case ClientRequestChanged():
            summary = f"Full Service request: {event.summary}: {REQUEST_STATUSES[event.status]}"
        case _:
            return []
    if event.reason:
        summary += f" ({_short(event.reason, 120)})"
    return [
        _row(envelope, "full_service", summary, contact_id=event.contact_id,
             account_number=event.account_number, status=event.status.value)
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class RequestState:
    """A Full Service funding or transfer request as Pending Items shows it: once, as it is
    now (the highest version kept)."""

    request_id: UUID
    master_account_id: str
    account_number: str
    item_type: str
    summary: str
    status: str
    pending: bool
    version: int
    changed_at: datetime


def request_state(event: ClientRequestChanged, envelope: Any) -> RequestState | None:
    """The request's state for Pending Items; None for an information change."""
    item_type = REQUEST_ITEM_TYPES.get(event.kind)
    if item_type is None:
        return None
    return RequestState(
        request_id=event.request_id, master_account_id=envelope.master_account_id,
        account_number=event.account_number, item_type=item_type.value,
        summary=_short(f"Full Service: {event.summary}", SUMMARY_MAX), status=event.status.value,
        pending=event.pending, version=event.version, changed_at=envelope.occurred_at,
    )  # fmt: skip
