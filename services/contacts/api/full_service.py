"""Routes: the Full Service program (C12) — a client's enrolment (the signed form recorded,
accepted or refused, revoked) and requests (submitted once per Idempotency-Key; a held
withdrawal cancelled by a user who may submit), and the withdrawals waiting for a Funding
Authorizer (confirmed, or declined with the reason)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, File, Header, Response, UploadFile, status

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
from contracts.api.records import MAX_DOCUMENT_BYTES
from services.contacts.api.deps import DatabaseDep, SettingsDep
from services.contacts.service_layer import documents, full_service
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(tags=["full-service"])
ACCOUNT_INFORMATION = [Depends(requires(Right.ACCOUNT_INFORMATION))]
FUNDING_AUTHORIZER = [Depends(requires(Right.FUNDING_AUTHORIZER))]

IdempotencyKey = Annotated[
    str,
    Header(alias="Idempotency-Key", min_length=1, max_length=IDEMPOTENCY_KEY_MAX,
           pattern=r"^[\x21-\x7e]+$"),
]  # fmt: skip


@router.get("/contacts/{contact_id}/full-service", dependencies=ACCOUNT_INFORMATION)
async def get_full_service(
    contact_id: UUID, caller: CallerDep, database: DatabaseDep
) -> FullServiceOut:
    async with database.unit_of_work() as uow:
        return await full_service.full_service_of(uow, caller, contact_id)


@router.post(
    "/contacts/{contact_id}/full-service/form",
    status_code=status.HTTP_201_CREATED,
    dependencies=ACCOUNT_INFORMATION,
)
async def record_form(
    contact_id: UUID,
    file: Annotated[UploadFile, File(description="the signed form; at most 10 MB")],
    caller: CallerDep,
    database: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> EnrolmentOut:
    content = await file.read(MAX_DOCUMENT_BYTES + 1)
    async with documents.NewDocumentBytes(settings) as store, database.transaction() as uow:
        enrolment = await full_service.record_form(
            uow, caller, contact_id, filename=file.filename, content=content, store=store,
            now=clock.now(),
        )  # fmt: skip
    return full_service.enrolment_view(enrolment)


@router.post("/contacts/{contact_id}/full-service/decision", dependencies=ACCOUNT_INFORMATION)
async def decide_enrolment(
    contact_id: UUID, decision: EnrolmentDecision, caller: CallerDep, database: DatabaseDep,
    clock: ClockDep,
) -> EnrolmentOut:  # fmt: skip
    async with database.transaction() as uow:
        enrolment = await full_service.decide_enrolment(
            uow, caller, contact_id, decision, now=clock.now()
        )
    return full_service.enrolment_view(enrolment)


@router.post("/contacts/{contact_id}/full-service/revocation", dependencies=ACCOUNT_INFORMATION)
async def revoke_enrolment(
    contact_id: UUID, body: EnrolmentRevocation, caller: CallerDep, database: DatabaseDep,
    clock: ClockDep,
) -> EnrolmentOut:  # fmt: skip
    async with database.transaction() as uow:
        enrolment = await full_service.revoke_enrolment(
            uow, caller, contact_id, reason=body.reason, now=clock.now()
        )
    return full_service.enrolment_view(enrolment)


@router.post(
    "/contacts/{contact_id}/full-service/requests",
    status_code=status.HTTP_201_CREATED,
    dependencies=ACCOUNT_INFORMATION,
)
async def submit_request(
    contact_id: UUID, command: RequestCreate, idempotency_key: IdempotencyKey,
    caller: CallerDep, database: DatabaseDep, clock: ClockDep, response: Response,
) -> RequestOut:  # fmt: skip
    async with database.transaction() as uow:
        request, new = await full_service.submit_request(
            uow, caller, contact_id, command, idempotency_key=idempotency_key, now=clock.now()
        )
    response.status_code = status.HTTP_201_CREATED if new else status.HTTP_200_OK
    return full_service.request_view(request)


@router.get("/full-service/confirmations", dependencies=FUNDING_AUTHORIZER)
async def awaiting_confirmation(caller: CallerDep, database: DatabaseDep) -> ConfirmationList:
    async with database.unit_of_work() as uow:
        return await full_service.awaiting_confirmation(uow, caller)


@router.post("/full-service/requests/{request_id}/confirmation", dependencies=FUNDING_AUTHORIZER)
async def confirm_withdrawal(
    request_id: UUID, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> RequestOut:
    async with database.transaction() as uow:
        request = await full_service.confirm_withdrawal(uow, caller, request_id, now=clock.now())
    return full_service.request_view(request)


@router.post("/full-service/requests/{request_id}/decline", dependencies=FUNDING_AUTHORIZER)
async def decline_withdrawal(
    request_id: UUID, body: WithdrawalDecline, caller: CallerDep, database: DatabaseDep,
    clock: ClockDep,
) -> RequestOut:  # fmt: skip
    async with database.transaction() as uow:
        request = await full_service.decline_withdrawal(
            uow, caller, request_id, reason=body.reason, now=clock.now()
        )
    return full_service.request_view(request)


@router.post("/full-service/requests/{request_id}/cancel", dependencies=ACCOUNT_INFORMATION)
async def cancel_request(
    request_id: UUID, body: RequestCancellation, caller: CallerDep, database: DatabaseDep,
    clock: ClockDep,
) -> RequestOut:  # fmt: skip
    async with database.transaction() as uow:
        request = await full_service.cancel_request(
            uow, caller, request_id, reason=body.reason, now=clock.now()
        )
    return full_service.request_view(request)
