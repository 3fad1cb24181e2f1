"""The contacts service's Full Service program (C12): a client's enrolment and requests (a held
withdrawal cancelled), and the withdrawals waiting for a Funding Authorizer (confirmed or
declined)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from contracts.api.full_service import (
    ConfirmationList,
    EnrolmentDecision,
    EnrolmentOut,
    EnrolmentRevocation,
    FullServiceOut,
    RequestCancellation,
    RequestCreate,
    RequestOut,
    WithdrawalDecline,
)
from gateway.clients.http import NamedFile, ServiceClients, multipart
from gateway.store.users import User


@dataclass(frozen=True)
class Submitted:
    """``new`` is false when the idempotency key was seen before (the first request's answer)."""

    request: RequestOut
    new: bool


async def get_full_service(clients: ServiceClients, user: User, contact_id: UUID) -> FullServiceOut:
    found = await clients.contacts.json("GET", f"/contacts/{contact_id}/full-service", user)
    return FullServiceOut.model_validate(found)


async def record_form(
    clients: ServiceClients, user: User, contact_id: UUID, file: NamedFile
) -> EnrolmentOut:
    """The signed Supplemental Limited Power of Attorney form (type and size checked)."""
    return EnrolmentOut.model_validate(await clients.contacts.json(
        "POST", f"/contacts/{contact_id}/full-service/form", user, files=multipart(file)
    ))  # fmt: skip


async def decide_enrolment(
    clients: ServiceClients, user: User, contact_id: UUID, decision: EnrolmentDecision
) -> EnrolmentOut:
    return EnrolmentOut.model_validate(await clients.contacts.json(
        "POST", f"/contacts/{contact_id}/full-service/decision", user,
        json=decision.model_dump(mode="json"),
    ))  # fmt: skip


async def revoke_enrolment(
    clients: ServiceClients, user: User, contact_id: UUID, revocation: EnrolmentRevocation
) -> EnrolmentOut:
    return EnrolmentOut.model_validate(await clients.contacts.json(
        "POST", f"/contacts/{contact_id}/full-service/revocation", user,
        json=revocation.model_dump(mode="json"),
    ))  # fmt: skip


async def submit_request(
    clients: ServiceClients, user: User, contact_id: UUID, request: RequestCreate, *,
    idempotency_key: str,
) -> Submitted:  # fmt: skip
    """Once per ``idempotency_key``: the same key again answers the first request."""
    answer = await clients.contacts.call(
        "POST", f"/contacts/{contact_id}/full-service/requests", user,
        json=request.model_dump(mode="json"), headers={"Idempotency-Key": idempotency_key},
    )  # fmt: skip
    return Submitted(RequestOut.model_validate(answer.json()), answer.status_code == 201)


async def awaiting_confirmation(clients: ServiceClients, user: User) -> ConfirmationList:
    found = await clients.contacts.json("GET", "/full-service/confirmations", user)
    return ConfirmationList.model_validate(found)


async def confirm_withdrawal(clients: ServiceClients, user: User, request_id: UUID) -> RequestOut:
    return RequestOut.model_validate(await clients.contacts.json(
        "POST", f"/full-service/requests/{request_id}/confirmation", user
    ))  # fmt: skip


async def decline_withdrawal(
    clients: ServiceClients, user: User, request_id: UUID, decline: WithdrawalDecline
) -> RequestOut:
    """A Funding Authorizer declines a held withdrawal with the reason (final, never sent)."""
    return RequestOut.model_validate(await clients.contacts.json(
        "POST", f"/full-service/requests/{request_id}/decline", user,
        json=decline.model_dump(mode="json"),
    ))  # fmt: skip


async def cancel_request(
    clients: ServiceClients, user: User, request_id: UUID, cancellation: RequestCancellation
) -> RequestOut:
    """A user who may submit requests takes back a held withdrawal (final, never sent)."""
    return RequestOut.model_validate(await clients.contacts.json(
        "POST", f"/full-service/requests/{request_id}/cancel", user,
        json=cancellation.model_dump(mode="json"),
    ))  # fmt: skip
