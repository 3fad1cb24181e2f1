"""Use cases that change a contact: creating one, a user's edits of the record, and the two steps
every change of a contact ends with (``add_contact`` and ``save_changes``: stored, recorded in
its history and published as a contact event through the outbox of the same transaction)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from contracts import topics
from contracts.api.contacts import (
    ContactCreate,
    ContactPatch,
    ContactVersion,
    ProfileReplace,
    ProfileSectionName,
    ProfileSectionReplace,
)
from contracts.contacts import ContactChanged, ContactClosed, ContactCreated, ContactReopened
from contracts.envelope import Event
from services.contacts.domain import contact as rules
from services.contacts.domain.contact import Contact, ProfileRejected, changes_between, state_of
from services.contacts.domain.reach import Reach
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import Location, NotFound

ContactEventType = type[ContactCreated | ContactChanged | ContactClosed | ContactReopened]
EVENT_OF_ACTION: dict[str, ContactEventType] = {
    "closed": ContactClosed,
    "reopened": ContactReopened,
}


async def publish_contact_event(
    uow: ContactsUnitOfWork,
    contact: Contact,
    event_type: ContactEventType,
    *,
    changed_by: str,
    **extra: Any,
) -> None:
    event: Event = event_type(contact=contact.snapshot(), changed_by=changed_by, **extra)
    await uow.publish(topics.CONTACTS.name, event, master_account_id=contact.master_account_id)


async def add_contact(uow: ContactsUnitOfWork, contact: Contact, *, changed_by: str) -> None:
    await uow.contacts.add(contact)
    await uow.contacts.record_change(
        contact, changed_by=changed_by, action="created", changes=_jsonable(state_of(contact))
    )
    await publish_contact_event(uow, contact, ContactCreated, changed_by=changed_by)


async def save_changes(
    uow: ContactsUnitOfWork,
    contact: Contact,
    before: dict[str, Any],
    *,
    changed_by: str,
    action: str = "changed",
    audit: dict[str, Any] | None = None,
) -> bool:
    """Persist, record and publish the contact's changes since ``before``; False if none.

    ``audit`` is recorded beside the changes (e.g. the records a merge took in); with it the
    change is recorded and published even when no field differs."""
    changes = changes_between(before, state_of(contact))
    if not changes and not audit:
        return False
    contact.version += 1
    await uow.contacts.save(contact)
    await uow.contacts.record_change(
        contact, changed_by=changed_by, action=action, changes=_jsonable(changes | (audit or {}))
    )
    event_type = EVENT_OF_ACTION.get(action, ContactChanged)
    extra: dict[str, Any] = (
        {"changed_fields": sorted(changes)} if event_type is ContactChanged else {}
    )
    await publish_contact_event(uow, contact, event_type, changed_by=changed_by, **extra)
    return True


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    def encode(value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json", exclude_none=True)
        return str(value)

    return json.loads(json.dumps(values, default=encode))


# --- a user's commands ----------------------------------------------------------------------


async def create_contact(
    uow: ContactsUnitOfWork, caller: Caller, command: ContactCreate
) -> Contact:
    contact = rules.new_contact(
        caller.master_account_id, command.model_dump(mode="json", exclude_none=True)
    )
    await add_contact(uow, contact, changed_by=caller.user_id)
    return contact


async def _edit(
    uow: ContactsUnitOfWork,
    caller: Caller,
    contact_id: UUID,
    *,
    version: int,
    change: Callable[[Contact], None],
    action: str = "changed",
    locate: Callable[[Location], Location] | None = None,
) -> Contact:
    """A user's edit of the contact as of ``version``: found within the caller's reach, locked,
    checked against the current version (``StaleVersion``), changed by ``change`` (which raises
    on bad input, located in the request by ``locate``), then saved, recorded and published.
    Returns the contact as stored."""
    master = caller.master_account_id
    contact = await uow.contacts.get(
        contact_id, master_account_id=master, for_update=True, reach=Reach.of(caller.access)
    )
    if contact is None:
        raise NotFound("contact")
    rules.check_version(contact, version)
    before = state_of(contact)
    try:
        change(contact)
    except ProfileRejected as rejected:
        raise (rejected.located(locate) if locate else rejected) from None
    await save_changes(uow, contact, before, changed_by=caller.user_id, action=action)
    stored = await uow.contacts.get(contact_id, master_account_id=master)
    assert stored is not None
    return stored


async def edit_summary(
    uow: ContactsUnitOfWork, caller: Caller, contact_id: UUID, command: ContactPatch
) -> Contact:
    """Change the table's columns (title, names, email, phone, a prospect's account type)."""
    changes = command.changes()
    return await _edit(
        uow, caller, contact_id, version=command.version,
        change=lambda contact: rules.edit_summary(contact, changes),
    )  # fmt: skip


async def replace_profile(
    uow: ContactsUnitOfWork, caller: Caller, contact_id: UUID, command: ProfileReplace
) -> Contact:
    return await _edit(
        uow, caller, contact_id, version=command.version,
        change=lambda contact: rules.replace_profile(contact, command.profile),
        locate=lambda loc: ("profile", *loc),
    )  # fmt: skip


async def replace_profile_section(
    uow: ContactsUnitOfWork,
    caller: Caller,
    contact_id: UUID,
    section: ProfileSectionName,
    command: ProfileSectionReplace,
) -> Contact:
    def locate(loc: Location) -> Location:
        inside = loc[:1] == (section,)
        return ("values", *loc[1:]) if inside else ("profile", *loc)

    return await _edit(
        uow, caller, contact_id, version=command.version,
        change=lambda contact: rules.replace_section(contact, section, command.values),
        locate=locate,
    )  # fmt: skip


async def close_contact(
    uow: ContactsUnitOfWork, caller: Caller, contact_id: UUID, command: ContactVersion
) -> Contact:
    """Close the record; it is kept for history and can be reopened."""
    return await _edit(
        uow, caller, contact_id, version=command.version, change=rules.close, action="closed"
    )


async def reopen_contact(
    uow: ContactsUnitOfWork, caller: Caller, contact_id: UUID, command: ContactVersion
) -> Contact:
    return await _edit(
        uow, caller, contact_id, version=command.version, change=rules.reopen, action="reopened"
    )
