"""A user's preferences (``users.preferences``, one JSON object; each feature keeps one key)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import literal
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.api.contacts import TABLE_COLUMNS, ContactsTableLayout
from gateway.store.tables import users

CONTACTS_TABLE = "contacts_table"
EMAIL_REMINDERS = "email_reminders"  # X3: task reminders by email too (messaging reads it)


async def put(session: AsyncSession, user_id: UUID, key: str, value: Any) -> None:
    """Set one preference, leaving the others as they are."""
    await session.execute(
        users.update()
        .where(users.c.id == user_id)
        .values(preferences=users.c.preferences.concat(literal({key: value}, JSONB)))
    )


def contacts_table_layout(preferences: dict[str, Any]) -> ContactsTableLayout:
    """The saved layout of the contacts table; columns this version no longer has are dropped,
    and the default (every column) stands in when nothing usable is saved."""
    saved = preferences.get(CONTACTS_TABLE)
    columns = saved.get("columns") if isinstance(saved, dict) else None
    if not isinstance(columns, list):
        return ContactsTableLayout()
    known = [column for column in dict.fromkeys(columns) if column in TABLE_COLUMNS]
    return ContactsTableLayout(columns=known) if known else ContactsTableLayout()


def email_reminders(preferences: dict[str, Any]) -> bool:
    """Whether the user wants their task reminders by email as well (off unless chosen)."""
    return preferences.get(EMAIL_REMINDERS) is True
