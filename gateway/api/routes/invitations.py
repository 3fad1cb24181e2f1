"""/api/v1: account invitations and pending registration tasks (owned by the contacts service)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from contracts.access import Right
from contracts.api.invitations import (
    InvitationCreate,
    InvitationList,
    InvitationOut,
    PendingTasksPage,
    PendingTasksQuery,
)
from gateway.api.responses import NOT_FOUND, PDF, RECORD_CHANGE, SERVICE_CALL, file_download
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import invitations
from gateway.deps import ClientsDep, DatabaseDep
from gateway.downloads import passthrough_download
from gateway.people import master_name

router = APIRouter(tags=["invitations"], responses=SERVICE_CALL)


@router.get(
    "/contacts/pending-tasks",
    dependencies=[needs(Right.ACCOUNT_INFORMATION, Right.FUNDING_AUTHORIZER)],
)
async def pending_tasks(
    params: Annotated[PendingTasksQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> PendingTasksPage:
    """Open accounts with pending registration tasks, searchable by account number or name."""
    return await invitations.list_pending_tasks(clients, user, params)


@router.post(
    "/contacts/{contact_id}/invitations",
    dependencies=[needs(Right.CRM)],
    status_code=status.HTTP_201_CREATED,
    responses=RECORD_CHANGE,
)
async def invite(
    contact_id: UUID,
    body: InvitationCreate,
    user: CurrentUser,
    clients: ClientsDep,
    database: DatabaseDep,
) -> InvitationOut:
    """Invite the contact to apply for an account: ``fully_electronic`` sends an email with a
    link to the prefilled application (422 on ``email`` when the contact has none);
    ``semi_electronic`` prepares the prefilled application to print and sign. The contact's
    status becomes ``invited``."""
    signed_by = await master_name(database, user)
    return await invitations.invite(clients, user, contact_id, body, master_name=signed_by)


@router.get(
    "/contacts/{contact_id}/invitations", responses=NOT_FOUND, dependencies=[needs(Right.CRM)]
)
async def list_invitations(
    contact_id: UUID, user: CurrentUser, clients: ClientsDep
) -> InvitationList:
    """The contact's invitations, newest first, with their sending status and the application's
    stage now."""
    return await invitations.list_invitations(clients, user, contact_id)


@router.get(
    "/contacts/{contact_id}/invitations/{invitation_id}/application.pdf",
    dependencies=[needs(Right.CRM)],
    response_class=Response,
    responses={**file_download(PDF, "the prefilled application"), **NOT_FOUND},
)
async def application_pdf(
    contact_id: UUID, invitation_id: UUID, user: CurrentUser, clients: ClientsDep
) -> Response:
    """The application prefilled from the record, to print and have signed."""
    document = await invitations.application_pdf(clients, user, contact_id, invitation_id)
    return passthrough_download(document)
