"""Routes: account invitations and pending registration tasks (C8).

Each route names the right it needs: inviting is CRM; the pending registration tasks list is
Account Information or Funding Authorizer; the application behind an invitation link needs none
(the invited applicant is no user of the master: the token is the authority).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response, status

from contracts.access import Right
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
from services.contacts.api.deps import DatabaseDep, InvitationSenderDep, SettingsDep
from services.contacts.api.downloads import filename_part, pdf_response
from services.contacts.domain.contact import Contact
from services.contacts.domain.invitations import Invitation
from services.contacts.service_layer import invitations
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(tags=["invitations"])

CRM = [Depends(requires(Right.CRM))]
PENDING_ITEMS = [Depends(requires(Right.ACCOUNT_INFORMATION, Right.FUNDING_AUTHORIZER))]

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


@router.get("/contacts/pending-tasks", dependencies=PENDING_ITEMS)
async def pending_tasks(
    params: Annotated[PendingTasksQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> PendingTasksPage:
    """Open accounts with pending registration tasks, searchable by account number or name."""
    async with database.unit_of_work() as uow:
        rows, total = await invitations.pending_tasks(uow, caller, params)
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


@router.post(
    "/contacts/{contact_id}/invitations", status_code=status.HTTP_201_CREATED, dependencies=CRM
)
async def invite(
    contact_id: UUID,
    body: InvitationCreate,
    master_name: MasterName,
    caller: CallerDep,
    database: DatabaseDep,
    settings: SettingsDep,
    sender: InvitationSenderDep,
    clock: ClockDep,
) -> InvitationOut:
    """Invite the contact: an email (sent right after, in the background) or a printable
    prefilled application. The contact moves to ``invited``."""
    async with database.transaction() as uow:
        invitation, contact = await invitations.invite(
            uow, caller, contact_id, body, advisor_name=master_name, now=clock.now(),
            valid_for=timedelta(days=settings.invitation_valid_days),
        )  # fmt: skip
    if invitation.status is Status.PENDING_SEND:
        sender.wake()
    return _view(invitation, contact)


@router.get("/contacts/{contact_id}/invitations", dependencies=CRM)
async def list_invitations(
    contact_id: UUID, caller: CallerDep, database: DatabaseDep
) -> InvitationList:
    """The contact's invitations, newest first, with the application's stage now."""
    async with database.unit_of_work() as uow:
        contact, found = await invitations.invitations_of(uow, caller, contact_id)
    return InvitationList(items=[_view(invitation, contact) for invitation in found])


@router.get(
    "/contacts/{contact_id}/invitations/{invitation_id}/application.pdf",
    dependencies=CRM,
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def application_pdf(
    contact_id: UUID,
    invitation_id: UUID,
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
) -> Response:
    """The application prefilled from the record as it is now, to print and have signed."""
    async with database.unit_of_work() as uow:
        contact, invitation = await invitations.invitation_to_print(
            uow, caller, contact_id, invitation_id
        )
    pdf = await invitations.printable_application(contact, invitation, now=clock.now())
    name = filename_part(contact.display_name, "contact")
    return pdf_response(pdf, f"application-{name}.pdf")


@router.get("/applications/{token}")
async def application(
    token: Annotated[str, Path(max_length=200)],
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
) -> ApplicationView:
    """The prefilled application behind an invitation link (what the invited client sees)."""
    async with database.unit_of_work() as uow:
        return await invitations.application_for_link(uow, caller, token, now=clock.now())
