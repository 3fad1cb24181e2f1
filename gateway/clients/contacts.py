"""The contacts service: the table of prospects and clients and each contact's record."""

from __future__ import annotations

from uuid import UUID

from contracts.api.contacts import (
    ContactCreate,
    ContactDetail,
    ContactHistory,
    ContactListQuery,
    ContactOut,
    ContactPage,
    ContactPatch,
    ProfileForm,
    ProfileReplace,
    ProfileSectionName,
    ProfileSectionReplace,
)
from gateway.clients.http import Download, ServiceClients
from gateway.store.users import User


async def create_contact(clients: ServiceClients, user: User, contact: ContactCreate) -> ContactOut:
    body = contact.model_dump(mode="json", exclude_unset=True)
    return ContactOut.model_validate(
        await clients.contacts.json("POST", "/contacts", user, json=body)
    )


async def list_contacts(
    clients: ServiceClients, user: User, query: ContactListQuery
) -> ContactPage:
    params = query.model_dump(mode="json", exclude_none=True)
    return ContactPage.model_validate(
        await clients.contacts.json("GET", "/contacts", user, params=params)
    )


async def list_contacts_json(clients: ServiceClients, user: User, query: ContactListQuery) -> bytes:
    """The page of the table as the service wrote it (a ``ContactPage``), to pass on unparsed."""
    params = query.model_dump(mode="json", exclude_none=True)
    return (await clients.contacts.call("GET", "/contacts", user, params=params)).content


async def get_profile_form(clients: ServiceClients, user: User) -> ProfileForm:
    return ProfileForm.model_validate(
        await clients.contacts.json("GET", "/contacts/profile-form", user)
    )


async def get_contact(clients: ServiceClients, user: User, contact_id: UUID) -> ContactDetail:
    return ContactDetail.model_validate(
        await clients.contacts.json("GET", f"/contacts/{contact_id}", user)
    )


async def update_contact(
    clients: ServiceClients, user: User, contact_id: UUID, changes: ContactPatch
) -> ContactDetail:
    body = changes.model_dump(mode="json", exclude_unset=True)
    return ContactDetail.model_validate(
        await clients.contacts.json("PATCH", f"/contacts/{contact_id}", user, json=body)
    )


async def replace_profile(
    clients: ServiceClients, user: User, contact_id: UUID, profile: ProfileReplace
) -> ContactDetail:
    path = f"/contacts/{contact_id}/profile"
    return ContactDetail.model_validate(
        await clients.contacts.json("PUT", path, user, json=profile.model_dump(mode="json"))
    )


async def replace_profile_section(
    clients: ServiceClients,
    user: User,
    contact_id: UUID,
    section: ProfileSectionName,
    values: ProfileSectionReplace,
) -> ContactDetail:
    path = f"/contacts/{contact_id}/profile/{section}"
    return ContactDetail.model_validate(
        await clients.contacts.json("PUT", path, user, json=values.model_dump(mode="json"))
    )


async def close_contact(
    clients: ServiceClients, user: User, contact_id: UUID, *, version: int
) -> ContactDetail:
    """Close the record as of ``version`` (the service checks it)."""
    path = f"/contacts/{contact_id}/close"
    return ContactDetail.model_validate(
        await clients.contacts.json("POST", path, user, json={"version": version})
    )


async def reopen_contact(
    clients: ServiceClients, user: User, contact_id: UUID, *, version: int
) -> ContactDetail:
    path = f"/contacts/{contact_id}/reopen"
    return ContactDetail.model_validate(
        await clients.contacts.json("POST", path, user, json={"version": version})
    )


async def get_contact_history(
    clients: ServiceClients, user: User, contact_id: UUID, *, limit: int
) -> ContactHistory:
    path = f"/contacts/{contact_id}/history"
    return ContactHistory.model_validate(
        await clients.contacts.json("GET", path, user, params={"limit": limit})
    )


async def client_information_pdf(
    clients: ServiceClients, user: User, contact_id: UUID, *, master_name: str
) -> Download:
    """The client information PDF of the record, signed with ``master_name``."""
    path = f"/contacts/{contact_id}/client-information.pdf"
    return await clients.contacts.download(path, user, params={"master_name": master_name})
