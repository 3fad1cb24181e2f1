"""The Full Service program's rules (C12), no I/O.

Enrolment: a signed Supplemental Limited Power of Attorney form recorded makes a *pending*
enrolment; it is accepted (the client is *enrolled*) or refused with a reason; an enrolled
client's enrolment is revoked. A refused or revoked client enrols again with a new form.

Requests, for enrolled clients only: the instruction is normalised (amounts rounded half up to
the currency's minor unit — two decimals, none for JPY — and refused when that leaves nothing;
share quantities with at most four decimals, refused otherwise). A withdrawal waits for a user
holding the Funding Authorizer right; every other request is sent at once. While it waits, a
Funding Authorizer may decline it (saying why) and a user who may submit requests may cancel it;
either is final and nothing is sent. Of a confirmation, a decline and a cancellation racing for
one withdrawal, the first wins; the others are refused saying what happened. The back office
then answers accepted, processed or rejected; an answer that would move a request backwards (a
duplicate, or one after the final answer) or about a request never sent changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

import phonenumbers
from pydantic import TypeAdapter

from contracts.full_service import (
    PENDING_REQUEST_STATUSES,
    REQUEST_KIND_LABELS,
    AddressChange,
    CashDeposit,
    CashWithdrawal,
    ClientRequestChanged,
    EmailChange,
    EnrolmentStatus,
    FullServiceEnrolmentChanged,
    Instruction,
    InternalCashTransfer,
    PhoneChange,
    PositionTransferIn,
    PositionTransferOut,
    RequestKind,
    RequestStatus,
)
from services.runtime.errors import Conflict, Forbidden, Invalid

INSTRUCTION: TypeAdapter[Instruction] = TypeAdapter(Instruction)
MINOR_UNITS = {"JPY": 0}
"""Decimal places of a currency's minor unit where it is not two."""
QUANTITY_PLACES = 4


class NotEnrolled(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "the client is not enrolled in the Full Service program: record their signed "
            "Supplemental Limited Power of Attorney form and accept it first"
        )


# --- enrolment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    master_account_id: str
    contact_id: UUID
    account_number: str | None
    status: EnrolmentStatus
    form_document_id: UUID
    form_filename: str
    recorded_by: str
    recorded_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    version: int = 1

    @property
    def enrolled(self) -> bool:
        return self.status is EnrolmentStatus.ENROLLED

    def changed_event(self, user_id: str) -> FullServiceEnrolmentChanged:
        return FullServiceEnrolmentChanged(
            contact_id=self.contact_id, account_number=self.account_number, status=self.status,
            form_document_id=self.form_document_id, reason=self.reason, changed_by=user_id,
            version=self.version,
        )  # fmt: skip


def record_form(
    earlier: Enrolment | None,
    *,
    master_account_id: str,
    contact_id: UUID,
    account_number: str | None,
    document_id: UUID,
    filename: str,
    user_id: str,
    now: datetime,
) -> Enrolment:
    """A new signed form: a pending enrolment (again, after a refusal or a revocation)."""
    if account_number is None:
        raise Invalid("only a client with an account can join the Full Service program",
                      field="contact_id")  # fmt: skip
    check_new_form(earlier)
    return Enrolment(
        master_account_id=master_account_id, contact_id=contact_id,
        account_number=account_number, status=EnrolmentStatus.PENDING,
        form_document_id=document_id, form_filename=filename, recorded_by=user_id,
        recorded_at=now, version=(earlier.version + 1) if earlier else 1,
    )  # fmt: skip


def check_new_form(earlier: Enrolment | None) -> None:
    """A form is recorded for a client not enrolled nor awaiting a decision."""
    if earlier is not None and earlier.status in (
        EnrolmentStatus.PENDING,
        EnrolmentStatus.ENROLLED,
    ):
        raise Conflict(f"the client's enrolment is already {earlier.status.value}")


def decide(
    enrolment: Enrolment, *, accept: bool, reason: str | None, user_id: str, now: datetime
) -> Enrolment:
    if enrolment.status is not EnrolmentStatus.PENDING:
        raise Conflict(f"the enrolment is {enrolment.status.value}, not pending a decision")
    if not accept and not reason:
        raise Invalid("say why the form is refused", field="reason")
    status = EnrolmentStatus.ENROLLED if accept else EnrolmentStatus.REFUSED
    return replace(enrolment, status=status, reason=None if accept else reason,
                   decided_by=user_id, decided_at=now, version=enrolment.version + 1)  # fmt: skip


def revoke(enrolment: Enrolment, *, reason: str | None, user_id: str, now: datetime) -> Enrolment:
    if enrolment.status is not EnrolmentStatus.ENROLLED:
        raise Conflict(f"the enrolment is {enrolment.status.value}; only an enrolment in force "
                       "is revoked")  # fmt: skip
    return replace(enrolment, status=EnrolmentStatus.REVOKED, reason=reason, decided_by=user_id,
                   decided_at=now, version=enrolment.version + 1)  # fmt: skip


# --- requests -------------------------------------------------------------------------------


def round_amount(amount: Decimal, currency: str) -> Decimal:
    """Half up to the currency's minor unit (two decimals, none for JPY)."""
    places = MINOR_UNITS.get(currency, 2)
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def normalise(instruction: Instruction, *, account_number: str) -> Instruction:
    """The instruction as it is sent: amounts rounded, quantities and numbers checked."""
    match instruction:
        case CashDeposit() | CashWithdrawal() | InternalCashTransfer():
            amount = round_amount(instruction.amount, instruction.currency)
            if amount <= 0:
                raise Invalid(f"the amount rounds to nothing in {instruction.currency}",
                              field="instruction.amount")  # fmt: skip
            if isinstance(instruction, InternalCashTransfer) and (
                instruction.to_account == account_number
            ):
                raise Invalid("an internal transfer goes to another account",
                              field="instruction.to_account")  # fmt: skip
            return instruction.model_copy(update={"amount": amount})
        case PositionTransferIn() | PositionTransferOut():
            exponent = instruction.quantity.normalize().as_tuple().exponent
            if isinstance(exponent, int) and -exponent > QUANTITY_PLACES:
                raise Invalid(f"a quantity has at most {QUANTITY_PLACES} decimal places",
                              field="instruction.quantity")  # fmt: skip
            return instruction.model_copy(update={"quantity": instruction.quantity.normalize()})
        case PhoneChange():
            return instruction.model_copy(update={"phone": _phone(instruction.phone)})
        case _:
            return instruction


def _phone(text: str) -> str:
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as error:
        raise Invalid("not a phone number", field="instruction.phone") from error
    if not phonenumbers.is_valid_number(number):
        raise Invalid("not a valid phone number", field="instruction.phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def summary_of(instruction: Instruction) -> str:
    label = REQUEST_KIND_LABELS[instruction.kind]
    match instruction:
        case CashDeposit() | CashWithdrawal():
            return (
                f"{label} of {instruction.amount:,} {instruction.currency} by {instruction.method}"
            )
        case InternalCashTransfer():
            return (f"{label} of {instruction.amount:,} {instruction.currency} to "
                    f"{instruction.to_account}")  # fmt: skip
        case PositionTransferIn():
            return f"{label}: {instruction.quantity} {instruction.symbol} from {instruction.other_broker}"
        case PositionTransferOut():
            return f"{label}: {instruction.quantity} {instruction.symbol} to {instruction.other_broker}"
        case AddressChange():
            parts = [instruction.street, instruction.city, instruction.state,
                     instruction.postal_code, instruction.country]  # fmt: skip
            return f"{label}: " + ", ".join(p for p in parts if p)
        case EmailChange():
            return f"{label}: {instruction.email}"
        case PhoneChange():
            return f"{label}: {instruction.phone}"
    raise AssertionError(instruction)  # pragma: no cover - the union is exhausted


_ORDER = {
    RequestStatus.AWAITING_CONFIRMATION: 0,
    RequestStatus.SENT: 1,
    RequestStatus.ACCEPTED: 2,
    RequestStatus.PROCESSED: 3,
    RequestStatus.REJECTED: 3,
    RequestStatus.DECLINED: 3,
    RequestStatus.CANCELLED: 3,
}


@dataclass(frozen=True)
class ClientRequest:
    id: UUID
    master_account_id: str
    contact_id: UUID
    account_number: str
    instruction: Instruction
    status: RequestStatus
    idempotency_key: str
    requested_by: str
    requested_at: datetime
    updated_at: datetime
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    reason: str | None = None
    version: int = 1
    ended_by: str | None = None  # who declined or cancelled it while held
    ended_at: datetime | None = None

    @property
    def kind(self) -> RequestKind:
        return self.instruction.kind

    @property
    def summary(self) -> str:
        return summary_of(self.instruction)

    @property
    def pending(self) -> bool:
        return self.status in PENDING_REQUEST_STATUSES

    @property
    def needs_confirmation(self) -> bool:
        return self.status is RequestStatus.AWAITING_CONFIRMATION

    def instruction_json(self) -> dict[str, Any]:
        return INSTRUCTION.dump_python(self.instruction, mode="json")

    def changed_event(self) -> ClientRequestChanged:
        return ClientRequestChanged(
            request_id=self.id, contact_id=self.contact_id, account_number=self.account_number,
            kind=self.kind, summary=self.summary[:300], instruction=self.instruction,
            status=self.status, pending=self.pending, reason=self.reason,
            requested_by=self.requested_by, requested_at=self.requested_at,
            confirmed_by=self.confirmed_by, confirmed_at=self.confirmed_at,
            ended_by=self.ended_by, ended_at=self.ended_at, version=self.version,
        )  # fmt: skip


def new_request(
    *,
    request_id: UUID,
    master_account_id: str,
    contact_id: UUID,
    account_number: str,
    instruction: Instruction,
    idempotency_key: str,
    user_id: str,
    now: datetime,
) -> ClientRequest:
    """A withdrawal waits for a Funding Authorizer; anything else goes at once."""
    held = instruction.kind is RequestKind.WITHDRAWAL
    return ClientRequest(
        id=request_id, master_account_id=master_account_id, contact_id=contact_id,
        account_number=account_number, instruction=instruction,
        status=RequestStatus.AWAITING_CONFIRMATION if held else RequestStatus.SENT,
        idempotency_key=idempotency_key, requested_by=user_id, requested_at=now, updated_at=now,
    )  # fmt: skip


def _still_held(request: ClientRequest, action: str) -> None:
    """Only a withdrawal still waiting for a Funding Authorizer is confirmed, declined or
    cancelled; otherwise the refusal says what happened to it."""
    if request.status is RequestStatus.AWAITING_CONFIRMATION:
        return
    if request.status in (RequestStatus.DECLINED, RequestStatus.CANCELLED):
        happened = f"{request.status.value} by {request.ended_by}"
    elif request.confirmed_by is not None:
        happened = (f"confirmed by {request.confirmed_by} and sent to the back office (now "
                    f"{request.status.value})")  # fmt: skip
    else:
        happened = request.status.value.replace("_", " ")
    raise Conflict(f"nothing to {action}: the request was {happened}")


def confirm(
    request: ClientRequest, *, user_id: str, may_confirm: bool, now: datetime
) -> ClientRequest:
    """A Funding Authorizer lets a withdrawal go (``may_confirm``: the user holds the right)."""
    if not may_confirm:
        raise Forbidden("confirming a withdrawal needs the Funding Authorizer access right")
    _still_held(request, "confirm")
    return replace(request, status=RequestStatus.SENT, confirmed_by=user_id, confirmed_at=now,
                   updated_at=now, version=request.version + 1)  # fmt: skip


def decline(
    request: ClientRequest, *, user_id: str, may_decline: bool, reason: str, now: datetime
) -> ClientRequest:
    """A Funding Authorizer declines a held withdrawal, saying why: final, nothing is sent."""
    if not may_decline:
        raise Forbidden("declining a withdrawal needs the Funding Authorizer access right")
    if not reason.strip():
        raise Invalid("say why the withdrawal is declined", field="reason")
    _still_held(request, "decline")
    return replace(request, status=RequestStatus.DECLINED, reason=reason.strip(), ended_by=user_id,
                   ended_at=now, updated_at=now, version=request.version + 1)  # fmt: skip


def cancel(
    request: ClientRequest, *, user_id: str, reason: str | None, now: datetime
) -> ClientRequest:
    """A user who may submit requests takes back a held withdrawal: final, nothing is sent."""
    _still_held(request, "cancel")
    return replace(request, status=RequestStatus.CANCELLED, reason=(reason or "").strip() or None,
                   ended_by=user_id, ended_at=now, updated_at=now, version=request.version + 1)  # fmt: skip


def answer(
    request: ClientRequest, status: RequestStatus, *, reason: str | None, now: datetime
) -> ClientRequest | None:
    """The back office's answer applied; None when it changes nothing (a duplicate, an answer
    after the final one, or one about a request never sent)."""
    if request.status in (RequestStatus.AWAITING_CONFIRMATION, RequestStatus.DECLINED,
                          RequestStatus.CANCELLED):  # fmt: skip
        return None  # never sent
    if _ORDER[status] <= _ORDER[request.status]:
        return None
    return replace(request, status=status, reason=reason if status is RequestStatus.REJECTED
                   else None, updated_at=now, version=request.version + 1)  # fmt: skip
