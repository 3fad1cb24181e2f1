"""/api/v1: the Full Service program (C12) — a client's enrolment (the signed Supplemental
Limited Power of Attorney form recorded, accepted or refused with a reason, revoked) and the
requests made on their behalf (once per Idempotency-Key; a held withdrawal cancelled by a user
who may submit); the withdrawals waiting for a Funding Authorizer, who confirms them, or declines
them with the reason, without the Account Information right. Owned by the contacts service."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Request, Response, status

from contracts.access import Right
from contracts.api.full_service import (
    IDEMPOTENCY_KEY_MAX,
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
from gateway.api.responses import NOT_FOUND, SERVICE_CALL, UPLOAD, Responses
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import full_service
from gateway.deps import ClientsDep
from gateway.uploads import read_document_upload, upload_body

router = APIRouter(tags=["full-service"], responses=SERVICE_CALL)
ACCOUNT_INFORMATION = [needs(Right.ACCOUNT_INFORMATION)]
FUNDING_AUTHORIZER = [needs(Right.FUNDING_AUTHORIZER)]

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key", min_length=1, max_length=IDEMPOTENCY_KEY_MAX,
        pattern=r"^[\x21-\x7e]+$",
        description="chosen by the caller (a UUID): the same key again makes no second request "
        "and answers the first",
    ),
]  # fmt: skip
SUBMITTED: Responses = {
    200: {"description": "the key was used before: the first request"},
    409: {"description": "the client is not enrolled in the Full Service program"},
    **NOT_FOUND,
}
CONFLICT: Responses = {409: {"description": "not in a state that allows it"}, **NOT_FOUND}
FORM_BODY = upload_body(
    "the signed Supplemental Limited Power of Attorney form: at most 10 MB, PDF, PNG, JPEG, GIF, "
    "UTF-8 text, CSV, .docx or .xlsx (judged by the content, not the name)"
)


@router.get(
    "/contacts/{contact_id}/full-service", dependencies=ACCOUNT_INFORMATION, responses=NOT_FOUND
)
async def get_full_service(
    contact_id: UUID, user: CurrentUser, clients: ClientsDep
) -> FullServiceOut:
    return await full_service.get_full_service(clients, user, contact_id)


@router.post(
    "/contacts/{contact_id}/full-service/form", status_code=status.HTTP_201_CREATED,
    dependencies=ACCOUNT_INFORMATION, openapi_extra=FORM_BODY, responses={**UPLOAD, **CONFLICT},
)  # fmt: skip
async def record_form(
    contact_id: UUID, request: Request, user: CurrentUser, clients: ClientsDep
) -> EnrolmentOut:
    return await full_service.record_form(
        clients, user, contact_id, await read_document_upload(request)
    )


@router.post(
    "/contacts/{contact_id}/full-service/decision", dependencies=ACCOUNT_INFORMATION,
    responses=CONFLICT,
)  # fmt: skip
async def decide_enrolment(
    contact_id: UUID, decision: EnrolmentDecision, user: CurrentUser, clients: ClientsDep
) -> EnrolmentOut:
    return await full_service.decide_enrolment(clients, user, contact_id, decision)


@router.post(
    "/contacts/{contact_id}/full-service/revocation", dependencies=ACCOUNT_INFORMATION,
    responses=CONFLICT,
)  # fmt: skip
async def revoke_enrolment(
    contact_id: UUID, body: EnrolmentRevocation, user: CurrentUser, clients: ClientsDep
) -> EnrolmentOut:
    return await full_service.revoke_enrolment(clients, user, contact_id, body)


@router.post(
    "/contacts/{contact_id}/full-service/requests", status_code=status.HTTP_201_CREATED,
    dependencies=ACCOUNT_INFORMATION, responses=SUBMITTED,
)  # fmt: skip
async def submit_request(
    contact_id: UUID, body: RequestCreate, idempotency_key: IdempotencyKey, user: CurrentUser,
    clients: ClientsDep, response: Response,
) -> RequestOut:  # fmt: skip
    submitted = await full_service.submit_request(
        clients, user, contact_id, body, idempotency_key=idempotency_key
    )
    response.status_code = status.HTTP_201_CREATED if submitted.new else status.HTTP_200_OK
    return submitted.request


@router.get("/full-service/confirmations", dependencies=FUNDING_AUTHORIZER)
async def awaiting_confirmation(user: CurrentUser, clients: ClientsDep) -> ConfirmationList:
    return await full_service.awaiting_confirmation(clients, user)


@router.post(
    "/full-service/requests/{request_id}/confirmation", dependencies=FUNDING_AUTHORIZER,
    responses=CONFLICT,
)  # fmt: skip
async def confirm_withdrawal(
    request_id: UUID, user: CurrentUser, clients: ClientsDep
) -> RequestOut:
    return await full_service.confirm_withdrawal(clients, user, request_id)


@router.post(
    "/full-service/requests/{request_id}/decline", dependencies=FUNDING_AUTHORIZER,
    responses=CONFLICT,
)  # fmt: skip
async def decline_withdrawal(
    request_id: UUID, body: WithdrawalDecline, user: CurrentUser, clients: ClientsDep
) -> RequestOut:
    """Final: the withdrawal is never sent; 409 (saying what happened) once it is no longer held."""
    return await full_service.decline_withdrawal(clients, user, request_id, body)


@router.post(
    "/full-service/requests/{request_id}/cancel", dependencies=ACCOUNT_INFORMATION,
    responses=CONFLICT,
)  # fmt: skip
async def cancel_request(
    request_id: UUID, body: RequestCancellation, user: CurrentUser, clients: ClientsDep
) -> RequestOut:
    """Final: the withdrawal is never sent; 409 (saying what happened) once it is no longer held."""
    return await full_service.cancel_request(clients, user, request_id, body)
