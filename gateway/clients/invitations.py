"""The contacts service's account invitations, the invited client's application and the pending
registration tasks."""

from __future__ import annotations

from uuid import UUID

from contracts.api.invitations import (
    ApplicationView,
    InvitationCreate,
    InvitationList,
    InvitationOut,
    PendingTasksPage,
    PendingTasksQuery,
)
from gateway.clients.http import Download, ServiceClients
from gateway.store.users import User


async def list_pending_tasks(
    clients: ServiceClients, user: User, query: PendingTasksQuery
) -> PendingTasksPage:
    """Open accounts with pending registration tasks."""
    params = query.model_dump(exclude_none=True)
    return PendingTasksPage.model_validate(
        await clients.contacts.json("GET", "/contacts/pending-tasks", user, params=params)
    )


async def pending_tasks_summary(clients: ServiceClients, user: User) -> dict[str, int]:
    """``{"contacts": n}``: how many contacts have pending registration tasks."""
    summary: dict[str, int] = await clients.contacts.json(
        "GET", "/contacts/pending-tasks/summary", user
    )
    return summary


async def invite(
    clients: ServiceClients,
    user: User,
    contact_id: UUID,
    invitation: InvitationCreate,
    *,
    master_name: str,
) -> InvitationOut:
    """Invite the contact to apply for an account; the email and the application are signed
    with ``master_name``."""
    created = await clients.contacts.json(
        "POST", f"/contacts/{contact_id}/invitations", user,
        json=invitation.model_dump(mode="json", exclude_none=True),
        params={"master_name": master_name},
    )  # fmt: skip
    return InvitationOut.model_validate(created)


async def list_invitations(clients: ServiceClients, user: User, contact_id: UUID) -> InvitationList:
    return InvitationList.model_validate(
        await clients.contacts.json("GET", f"/contacts/{contact_id}/invitations", user)
    )


async def application_pdf(
    clients: ServiceClients, user: User, contact_id: UUID, invitation_id: UUID
) -> Download:
    """The application prefilled from the record, to print and have signed."""
    path = f"/contacts/{contact_id}/invitations/{invitation_id}/application.pdf"
    return await clients.contacts.download(path, user)


async def get_application(clients: ServiceClients, applicant: User, token: str) -> ApplicationView:
    """The prefilled application behind an invitation's link, read as the token's master."""
    return ApplicationView.model_validate(
        await clients.contacts.json("GET", f"/applications/{token}", applicant)
    )
