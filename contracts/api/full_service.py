"""HTTP commands and views of the Full Service program (C12): enrolment and requests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contracts.full_service import (
    REASON_MAX,
    EnrolmentStatus,
    Instruction,
    RequestKind,
    RequestStatus,
)

IDEMPOTENCY_KEY_MAX = 128
OptionalReason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=REASON_MAX)]


class EnrolmentDecision(BaseModel):
    """Accept the recorded form, or refuse it saying why."""

    model_config = ConfigDict(extra="forbid")

    accept: bool
    reason: OptionalReason | None = None


class EnrolmentRevocation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: OptionalReason | None = None


class EnrolmentOut(BaseModel):
    contact_id: UUID
    account_number: str | None
    status: EnrolmentStatus
    form_document_id: UUID
    form_filename: str
    recorded_by: str
    recorded_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    version: int


class WithdrawalDecline(BaseModel):
    """A Funding Authorizer declines a held withdrawal, saying why (final: never sent)."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_MAX)
    ]


class RequestCancellation(BaseModel):
    """A user who may submit requests takes back a held withdrawal (final: never sent)."""

    model_config = ConfigDict(extra="forbid")

    reason: OptionalReason | None = None


class RequestCreate(BaseModel):
    """A request for an enrolled client; its kind is the instruction's ``kind``."""

    model_config = ConfigDict(extra="forbid")

    instruction: Instruction


class RequestOut(BaseModel):
    id: UUID
    contact_id: UUID
    account_number: str
    kind: RequestKind
    summary: str
    instruction: Instruction
    status: RequestStatus
    pending: bool
    needs_confirmation: bool
    reason: str | None
    requested_by: str
    requested_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None
    ended_by: str | None = Field(default=None, description="who declined or cancelled it")
    ended_at: datetime | None = None
    updated_at: datetime


class FullServiceOut(BaseModel):
    """A client's standing in the program and their requests, newest first."""

    contact_id: UUID
    enrolment: EnrolmentOut | None
    requests: list[RequestOut] = Field(max_length=1000)


class AwaitingConfirmation(BaseModel):
    request: RequestOut
    client_name: str


class ConfirmationList(BaseModel):
    """Withdrawals waiting for a Funding Authorizer, oldest first."""

    items: list[AwaitingConfirmation]
