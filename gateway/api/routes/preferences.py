"""/api/v1/preferences: the signed-in user's own settings of the portal."""

from __future__ import annotations

from fastapi import APIRouter

from contracts.api.contacts import ContactsTableLayout
from contracts.api.notices import ReminderPreferences
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs_login
from gateway.deps import DatabaseDep
from gateway.store import preferences
from gateway.users.events import set_email_reminders

router = APIRouter(prefix="/preferences", tags=["preferences"], dependencies=[needs_login()])


@router.get("/contacts-table")
async def get_contacts_table(user: CurrentUser) -> ContactsTableLayout:
    """The columns the user shows in the contacts table, in order (all ten by default)."""
    return preferences.contacts_table_layout(user.preferences)


@router.put("/contacts-table")
async def put_contacts_table(
    layout: ContactsTableLayout, user: CurrentUser, database: DatabaseDep
) -> ContactsTableLayout:
    async with database.unit_of_work() as uow:
        await preferences.put(
            uow.session, user.id, preferences.CONTACTS_TABLE, layout.model_dump(mode="json")
        )
        await uow.commit()
    return layout


@router.get("/reminders")
async def get_reminders(user: CurrentUser) -> ReminderPreferences:
    """Whether the user's task reminders are emailed to them too (X3)."""
    return ReminderPreferences(email=preferences.email_reminders(user.preferences))


@router.put("/reminders")
async def put_reminders(
    choice: ReminderPreferences, user: CurrentUser, database: DatabaseDep
) -> ReminderPreferences:
    async with database.transaction() as uow:
        await set_email_reminders(uow, user, email=choice.email)
    return choice
