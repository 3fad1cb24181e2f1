"""Events the contacts service publishes about prospects and clients."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from contracts.accounts import AccountType, ApplicationStage
from contracts.envelope import ContractModel, Envelope, Event


class ContactKind(StrEnum):
    PROSPECT = "prospect"
    CLIENT = "client"


class ContactSnapshot(ContractModel):
    """The state of a contact that other services keep read models of."""

    contact_id: UUID
    version: int = Field(
        ge=1, description="increases with every change; consumers keep the highest"
    )
    kind: ContactKind
    first_name: str
    last_name: str
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    username: str | None = None
    account_number: str | None = None
    account_type: AccountType | None = None
    status: ApplicationStage | None = None
    net_asset_value: Decimal | None = None
    closed: bool = False


class _ContactEvent(Event):
    contact: ContactSnapshot
    changed_by: str | None = Field(
        default=None, description="user id, or the system that caused it"
    )

    def partition_key(self) -> str:
        return str(self.contact.contact_id)


class ContactCreated(_ContactEvent):
    type: Literal["contact.created"] = "contact.created"


class ContactChanged(_ContactEvent):
    type: Literal["contact.changed"] = "contact.changed"
    changed_fields: list[str] = Field(default_factory=list)


class ContactClosed(_ContactEvent):
    type: Literal["contact.closed"] = "contact.closed"


class ContactReopened(_ContactEvent):
    type: Literal["contact.reopened"] = "contact.reopened"


class ContactRemoved(_ContactEvent):
    """The contact no longer exists on its own (it was merged into another one)."""

    type: Literal["contact.removed"] = "contact.removed"
    merged_into: UUID | None = None


ContactEvent = Annotated[
    ContactCreated | ContactChanged | ContactClosed | ContactReopened | ContactRemoved,
    Field(discriminator="type"),
]
ContactEnvelope = Envelope[ContactEvent]
