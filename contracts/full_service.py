"""The Full Service program (C12): what the advisor asks the back office to do for a client.

A client joins the program once a signed Supplemental Limited Power of Attorney form is recorded
and accepted (seed 000, "Full Service Advisor and Broker Programs"). For an enrolled client the
advisor submits funding requests (deposit, withdrawal, internal transfer between the master's
accounts, position transfer in or out) and information changes (address, email, phone).

Three topics carry them:
- ``backoffice.requests``: the commands the contacts service sends to the back office
  (``SubmitClientRequest``), keyed by request id; a withdrawal goes only once a user holding the
  Funding Authorizer right confirmed it.
- ``backoffice.request-status``: the back office's answers, external (``ClientRequestAccepted``,
  ``ClientRequestProcessed``, ``ClientRequestRejected`` with its reason), keyed by request id.
- ``contacts.full-service``: every change of an enrolment or a request, as its whole state
  (``FullServiceEnrolmentChanged``, ``ClientRequestChanged``), keyed by contact id, for the
  client's timeline and the dashboard's Pending Items; consumers keep the highest ``version``.
  A held withdrawal a Funding Authorizer declines (with a reason), or its submitter cancels,
  ends there (``declined``, ``cancelled``: final, never sent to the back office).

Amounts are ``Decimal`` in the currency's minor unit, rounded half up (``domain/full_service.py``
in contacts states the rule); quantities of shares have at most four decimal places.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import EmailStr, Field, StringConstraints

from contracts.access import AccountNumber
from contracts.envelope import ContractModel, Envelope, Event

CURRENCIES = ("USD", "EUR", "GBP", "CHF", "JPY", "CAD", "AUD", "HKD")
"""The currencies a cash request may name; JPY has no minor unit, the others two decimals."""
MAX_AMOUNT = Decimal("1000000000000")
MAX_QUANTITY = Decimal("1000000000")
REASON_MAX = 500

Currency = Literal["USD", "EUR", "GBP", "CHF", "JPY", "CAD", "AUD", "HKD"]
Amount = Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, allow_inf_nan=False)]
Quantity = Annotated[Decimal, Field(gt=0, le=MAX_QUANTITY, allow_inf_nan=False)]
Symbol = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,11}$"
    ),
]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
OptionalLine = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_MAX)
]
CashMethod = Literal["wire", "ach", "check"]


class RequestKind(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    INTERNAL_TRANSFER = "internal_transfer"
    POSITION_TRANSFER_IN = "position_transfer_in"
    POSITION_TRANSFER_OUT = "position_transfer_out"
    ADDRESS_CHANGE = "address_change"
    EMAIL_CHANGE = "email_change"
    PHONE_CHANGE = "phone_change"


REQUEST_KIND_LABELS: dict[RequestKind, str] = {
    RequestKind.DEPOSIT: "Deposit",
    RequestKind.WITHDRAWAL: "Withdrawal",
    RequestKind.INTERNAL_TRANSFER: "Internal transfer",
    RequestKind.POSITION_TRANSFER_IN: "Position transfer in",
    RequestKind.POSITION_TRANSFER_OUT: "Position transfer out",
    RequestKind.ADDRESS_CHANGE: "Address change",
    RequestKind.EMAIL_CHANGE: "Email change",
    RequestKind.PHONE_CHANGE: "Phone change",
}


# --- the instructions, one per kind of request ---------------------------------------------


class CashDeposit(ContractModel):
    kind: Literal[RequestKind.DEPOSIT] = RequestKind.DEPOSIT
    amount: Amount
    currency: Currency = "USD"
    method: CashMethod = "wire"


class CashWithdrawal(ContractModel):
    kind: Literal[RequestKind.WITHDRAWAL] = RequestKind.WITHDRAWAL
    amount: Amount
    currency: Currency = "USD"
    method: CashMethod = "wire"


class InternalCashTransfer(ContractModel):
    """Cash from the client's account to another account of the same master."""

    kind: Literal[RequestKind.INTERNAL_TRANSFER] = RequestKind.INTERNAL_TRANSFER
    amount: Amount
    currency: Currency = "USD"
    to_account: AccountNumber


class PositionTransferIn(ContractModel):
    kind: Literal[RequestKind.POSITION_TRANSFER_IN] = RequestKind.POSITION_TRANSFER_IN
    symbol: Symbol
    quantity: Quantity
    other_broker: Line


class PositionTransferOut(ContractModel):
    kind: Literal[RequestKind.POSITION_TRANSFER_OUT] = RequestKind.POSITION_TRANSFER_OUT
    symbol: Symbol
    quantity: Quantity
    other_broker: Line


class AddressChange(ContractModel):
    kind: Literal[RequestKind.ADDRESS_CHANGE] = RequestKind.ADDRESS_CHANGE
    street: Line
    city: Line
    state: OptionalLine = ""
    postal_code: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)
    ]
    country: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")
    ]


class EmailChange(ContractModel):
    kind: Literal[RequestKind.EMAIL_CHANGE] = RequestKind.EMAIL_CHANGE
    email: Annotated[EmailStr, Field(max_length=320)]


class PhoneChange(ContractModel):
    """A phone number in international form (+ and the country code); checked by the rules."""

    kind: Literal[RequestKind.PHONE_CHANGE] = RequestKind.PHONE_CHANGE
    phone: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^\+[0-9 ().\-]{6,30}$")
    ]


Instruction = Annotated[
    CashDeposit
    | CashWithdrawal
    | InternalCashTransfer
    | PositionTransferIn
    | PositionTransferOut
    | AddressChange
    | EmailChange
    | PhoneChange,
    Field(discriminator="kind"),
]


# --- the command to the back office (backoffice.requests) -----------------------------------


class SubmitClientRequest(Event):
    """Act on a client's account under the Supplemental Limited Power of Attorney on record."""

    type: Literal["backoffice.submit_request"] = "backoffice.submit_request"
    request_id: UUID
    account_number: AccountNumber
    instruction: Instruction
    requested_by: str = Field(max_length=64)
    confirmed_by: str | None = Field(default=None, max_length=64)

    def partition_key(self) -> str:
        return str(self.request_id)


BackOfficeCommandEnvelope = Envelope[SubmitClientRequest]


# --- the back office's answers (backoffice.request-status, external) -------------------------


class _RequestStatusEvent(Event):
    request_id: UUID
    account_number: AccountNumber

    def partition_key(self) -> str:
        return str(self.request_id)


class ClientRequestAccepted(_RequestStatusEvent):
    """The back office took the request in hand."""

    type: Literal["backoffice.request_accepted"] = "backoffice.request_accepted"


class ClientRequestProcessed(_RequestStatusEvent):
    """The request was carried out (funds moved, positions moved, details changed)."""

    type: Literal["backoffice.request_processed"] = "backoffice.request_processed"


class ClientRequestRejected(_RequestStatusEvent):
    type: Literal["backoffice.request_rejected"] = "backoffice.request_rejected"
    reason: Reason


RequestStatusEvent = Annotated[
    ClientRequestAccepted | ClientRequestProcessed | ClientRequestRejected,
    Field(discriminator="type"),
]
RequestStatusEnvelope = Envelope[RequestStatusEvent]


# --- what the contacts service publishes (contacts.full-service) -----------------------------


class EnrolmentStatus(StrEnum):
    PENDING = "pending"
    """a signed form was recorded, awaiting acceptance"""
    ENROLLED = "enrolled"
    REFUSED = "refused"
    REVOKED = "revoked"


class RequestStatus(StrEnum):
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    """a withdrawal waiting for a Funding Authorizer; nothing sent yet"""
    SENT = "sent"
    ACCEPTED = "accepted"
    PROCESSED = "processed"
    REJECTED = "rejected"
    """by the back office, with its reason"""
    DECLINED = "declined"
    """a held withdrawal a Funding Authorizer declined, with the reason; never sent (final)"""
    CANCELLED = "cancelled"
    """a held withdrawal its submitter (or another user who may submit) took back; never sent
    (final)"""


PENDING_REQUEST_STATUSES = (
    RequestStatus.AWAITING_CONFIRMATION,
    RequestStatus.SENT,
    RequestStatus.ACCEPTED,
)


class FullServiceEnrolmentChanged(Event):
    """An enrolment's whole state after a change (form recorded, accepted, refused, revoked)."""

    type: Literal["full_service.enrolment_changed"] = "full_service.enrolment_changed"
    contact_id: UUID
    account_number: AccountNumber | None
    status: EnrolmentStatus
    form_document_id: UUID
    reason: str | None = Field(default=None, max_length=REASON_MAX)
    changed_by: str = Field(max_length=64)
    version: int = Field(ge=1)

    def partition_key(self) -> str:
        return str(self.contact_id)


class ClientRequestChanged(Event):
    """A request's whole state after a change (submitted, confirmed and sent, accepted,
    processed, rejected; a held withdrawal declined or cancelled, never sent); ``pending`` while
    it waits on someone."""

    type: Literal["full_service.request_changed"] = "full_service.request_changed"
    request_id: UUID
    contact_id: UUID
    account_number: AccountNumber
    kind: RequestKind
    summary: str = Field(max_length=300)
    instruction: Instruction
    status: RequestStatus
    pending: bool
    reason: str | None = Field(default=None, max_length=REASON_MAX)
    requested_by: str = Field(max_length=64)
    requested_at: datetime
    confirmed_by: str | None = Field(default=None, max_length=64)
    confirmed_at: datetime | None = None
    ended_by: str | None = Field(
        default=None, max_length=64,
        description="who declined or cancelled the held withdrawal (status declined or cancelled)",
    )  # fmt: skip
    ended_at: datetime | None = None
    version: int = Field(ge=1)

    def partition_key(self) -> str:
        return str(self.contact_id)


FullServiceEvent = Annotated[
    FullServiceEnrolmentChanged | ClientRequestChanged, Field(discriminator="type")
]
FullServiceEnvelope = Envelope[FullServiceEvent]
