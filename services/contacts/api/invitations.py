"""Routes: account invitations and pending registration tasks (C8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.api.invitations import (
    ApplicationView,
    InvitationCreate,
    InvitationList,
    InvitationOut,
    PendingTasksPage,
    PendingTasksQuery,
    PendingTasksRow,
)
from contracts.api.invitations import InvitationStatus as Status
from services.contacts import invitations
from services.contacts.api.responses import (
    filename_part,
    found_or_404,
    invalid_input,
    pdf_attachment,
)
from services.contacts.domain.contact import Contact
from services.contacts.domain.invitations import Invitation, InvitationRuleError
from services.contacts.store import invitations as store
from services.contacts.store.repository import ContactRepository
from services.runtime.caller import Caller, CallerDep
from services.runtime.service import DatabaseDep

router = APIRouter(tags=["invitations"])

MasterName = Annotated[
    str, Query(min_length=1, max_length=200, description="the master's name, for the email")
]


def _view(invitation: Invitation, contact: Contact) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        contact_id=invitation.contact_id,
        method=invitation.method,
        account_type=invitation.account_type,
        status=Status(invitation.status),
        email=invitation.email,
        created_at=invitation.created_at,
        created_by=invitation.created_by,
        sent_at=invitation.sent_at,
        expires_at=invitation.expires_at,
        attempts=invitation.attempts,
        failure=invitation.failure,
        application_stage=contact.status,
    )


@router.get("/contacts/pending-tasks")
async def pending_tasks(
    params: Annotated[PendingTasksQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> PendingTasksPage:
    """Open accounts with pending registration tasks, searchable by account number or name."""
    async with database.read() as session:
        rows, total = await store.pending_tasks(
            session,
            caller.master_account_id,
            text_query=(params.q or "").strip() or None,
            offset=(params.page - 1) * params.page_size,
            limit=params.page_size,
        )
    return PendingTasksPage(
        items=[
            PendingTasksRow(
                contact_id=row.contact_id,
                name=row.name,
                account_number=row.account_number,
                status=row.status,
                tasks=row.tasks,
            )
            for row in rows
        ],
        total=total,
        page=params.page,
        page_size=params.page_size,
    )


@router.post("/contacts/{contact_id}/invitations", status_code=status.HTTP_201_CREATED)
async def invite(
    contact_id: UUID,
    body: InvitationCreate,
    master_name: MasterName,
    request: Request,
    caller: CallerDep,
    database: DatabaseDep,
) -> InvitationOut:
    """Invite the contact: an email (sent right after, in the background) or a printable
    prefilled application. The contact moves to ``invited``."""
    settings: invitations.InvitationSettings = request.app.state.invitation_settings
    try:
        async with database.unit_of_work() as uow:
            invitation, contact = await invitations.invite(
                uow, caller, contact_id, body, advisor_name=master_name, now=datetime.now(UTC),
                valid_for=timedelta(days=settings.invitation_valid_days),
            )  # fmt: skip
            await uow.commit()
    except invitations.NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except invitations.ContactClosed as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    except InvitationRuleError as error:
        raise invalid_input(error.field, error.message) from error
    if invitation.status is Status.PENDING_SEND:
        request.app.state.invitation_sender.wake()
    return _view(invitation, contact)


async def _contact(session: AsyncSession, caller: Caller, contact_id: UUID) -> Contact:
    contact = await ContactRepository(session, caller.master_account_id).get(contact_id)
    return found_or_404(contact, "contact")


@router.get("/contacts/{contact_id}/invitations")
async def list_invitations(
    contact_id: UUID, caller: CallerDep, database: DatabaseDep
) -> InvitationList:
    """The contact's invitations, newest first, with the application's stage now."""
    async with database.read() as session:
        contact = await _contact(session, caller, contact_id)
        found = await store.InvitationStore(session, caller.master_account_id).of_contact(
            contact_id
        )
    return InvitationList(items=[_view(invitation, contact) for invitation in found])


@router.get(
    "/contacts/{contact_id}/invitations/{invitation_id}/application.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def application_pdf(
    contact_id: UUID, invitation_id: UUID, caller: CallerDep, database: DatabaseDep
) -> Response:
    """The application prefilled from the record as it is now, to print and have signed."""
    async with database.read() as session:
        contact = await _contact(session, caller, contact_id)
        found = await store.InvitationStore(session, caller.master_account_id).get(
            contact_id, invitation_id
        )
    invitation = found_or_404(found, "invitation")
    pdf = await invitations.printable_application(contact, invitation, now=datetime.now(UTC))
    name = filename_part(contact.display_name, "contact")
    return pdf_attachment(pdf, f"application-{name}.pdf")


@router.get("/applications/{token}")
async def application(
    token: Annotated[str, Path(max_length=200)], caller: CallerDep, database: DatabaseDep
) -> ApplicationView:
    """The prefilled application behind an invitation link (what the invited client sees)."""
    try:
        async with database.read() as session:
            return await invitations.application_for_link(
                session, caller, token, now=datetime.now(UTC)
            )
    except invitations.NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except invitations.LinkExpired as error:
        raise HTTPException(status.HTTP_410_GONE, str(error)) from error
