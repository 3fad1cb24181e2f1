"""/api/v1/preferences: the signed-in user's own settings of the portal."""

from __future__ import annotations

from fastapi import APIRouter

from contracts.api.contacts import ContactsTableLayout
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs_login
from gateway.deps import DatabaseDep
from gateway.store import preferences

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
