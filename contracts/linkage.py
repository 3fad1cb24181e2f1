"""Events the linkage service publishes: link requests as they move through the wizard and the
Friday batch, what a link changes (usernames that stop working, the profile kept, accounts that
share fee minimums and consolidated reporting), and every change of a security device or an
access code (never the code itself)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from contracts.envelope import Envelope, Event


class LinkStatus(StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    EXECUTED = "executed"
    CANCELLED = "cancelled"


class LinkRequestChanged(Event):
    """A link request's state after a step of the wizard, a confirmation, a cancellation or
    its execution."""

    type: Literal["linkage.request_changed"] = "linkage.request_changed"
    request_id: UUID
    holder_id: str
    status: LinkStatus
    step: str = Field(description="the last step completed")
    accounts: list[str] = Field(default_factory=list)
    surviving_account: str | None = None
    execute_after: datetime | None = Field(
        default=None, description="the batch that executes it (Friday, in the master's zone)"
    )
    changed_by: str
    changed_at: datetime

    def partition_key(self) -> str:
        return str(self.request_id)


class AccountsLinked(Event):
    """Accounts linked under one username by the weekly batch: they share activity-fee minimums
    (commissions consolidated across them) and consolidated reporting; ``profile`` is the
    personal information kept, to be written back to every linked account."""

    type: Literal["linkage.accounts_linked"] = "linkage.accounts_linked"
    request_id: UUID
    holder_id: str
    surviving_account: str
    surviving_username: str
    linked_accounts: list[str] = Field(description="every account of the link, survivor first")
    profile: dict[str, str] = Field(description="field -> value kept")
    banking_instruction_ids: list[str]
    shares_fee_minimums: bool = True
    consolidated_reporting: bool = True
    executed_at: datetime

    def partition_key(self) -> str:
        return self.surviving_account


class UsernameDeactivated(Event):
    """A username that no longer logs in (its account is linked under another one): the systems
    holding logins refuse it from now on."""

    type: Literal["linkage.username_deactivated"] = "linkage.username_deactivated"
    account_number: str
    username: str
    surviving_username: str
    request_id: UUID
    deactivated_at: datetime

    def partition_key(self) -> str:
        return self.account_number


class DeviceStatus(StrEnum):
    REQUESTED = "requested"  # a replacement ordered, not shipped yet
    SHIPPED = "shipped"
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    LOST = "lost"
    DAMAGED = "damaged"
    RETURNED = "returned"


class ChargeStatus(StrEnum):
    NONE = "none"
    DUE_UNLESS_RETURNED = "due_unless_returned"
    CHARGED = "charged"
    WAIVED = "waived"


class DeviceChanged(Event):
    """A security device's whole state after a change (``action`` says which)."""

    type: Literal["linkage.device_changed"] = "linkage.device_changed"
    device_id: UUID
    account_number: str
    device_kind: str
    serial_number: str | None
    status: DeviceStatus
    action: str
    return_required: bool
    charge_usd: Decimal | None = None
    charge_status: ChargeStatus = ChargeStatus.NONE
    activate_at: datetime | None = None
    ship_on: date | None = None
    changed_by: str
    changed_at: datetime

    def partition_key(self) -> str:
        return self.account_number


class AccessCodeKind(StrEnum):
    TEMPORARY_CODE = "temporary_code"
    SECURITY_CODE_CARD = "security_code_card"


class AccessCodeChanged(Event):
    """A temporary code or an online security code card issued, activated, used up or revoked
    (the code itself never leaves the service)."""

    type: Literal["linkage.access_code_changed"] = "linkage.access_code_changed"
    code_id: UUID
    account_number: str
    kind: AccessCodeKind
    status: Literal["issued", "active", "revoked"]
    full_access_until: datetime | None = None
    restricted_access_until: datetime | None = None
    changed_by: str
    changed_at: datetime

    def partition_key(self) -> str:
        return self.account_number


LinkEvent = Annotated[
    LinkRequestChanged | AccountsLinked | UsernameDeactivated, Field(discriminator="type")
]
DeviceEvent = Annotated[DeviceChanged | AccessCodeChanged, Field(discriminator="type")]
LinkEnvelope = Envelope[LinkEvent]
DeviceEnvelope = Envelope[DeviceEvent]
