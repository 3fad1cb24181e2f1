"""The people of the caller's master account, as only the gateway knows them: the name the master
signs with, and its users (who may be assigned a task, whose names stand beside records)."""

from __future__ import annotations

from gateway.refusals import invalid
from gateway.store import people, users
from gateway.store.users import User
from services.runtime.db import Database


async def master_name(database: Database, user: User) -> str:
    """The master's name, which generated forms, PDFs and invitation emails are signed with."""
    async with database.read() as session:
        name = await users.master_name(session, user.master_account_id)
    return name or user.master_account_id


async def colleague_names(database: Database, user: User) -> dict[str, str]:
    """User id -> display name of every user of the master account."""
    async with database.read() as session:
        found = await people.colleagues(session, user.master_account_id)
    return {colleague.id: colleague.display_name for colleague in found}


async def check_assignee(database: Database, user: User, assignee_user_id: str | None) -> None:
    """A task may be assigned only to a user of the caller's master account (422 otherwise)."""
    if assignee_user_id is None:
        return
    async with database.read() as session:
        known = await people.is_colleague(session, user.master_account_id, assignee_user_id)
    if not known:
        raise invalid("assignee_user_id", "not a user of your master account")
