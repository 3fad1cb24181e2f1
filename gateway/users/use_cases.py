"""User administration, one function per command, each taking a unit of work (the route's
transaction: it commits when the route's block ends without an error) and auditing the change
in it. Shared by the API and the pages.

The rules: a user is found only within the caller's master (another master's id is a 404); a
username is unique across the deployment (409); a master always keeps an active primary user,
so neither removing primacy nor deactivating may leave it without one (409). A new user gets
no usable password, only a one-time link to set one (its token is stored as a SHA-256 hash,
expires after ``LINK_VALID``, and works once).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from fastapi import HTTPException, status

from contracts.access import ClientScope, Right
from contracts.api.users import PasswordSet, UserAccess, UserCreate, UserUpdate
from gateway.auth.passwords import check_password_policy, hash_password
from gateway.refusals import invalid
from gateway.store.audit import AuditAction
from gateway.store.user_admin import ManagedUser, UserAdminStore, stored_rights, stored_scope
from gateway.store.users import User
from gateway.users.events import announce
from services.runtime.db import Database, EventPublisher

LINK_VALID = timedelta(hours=72)


class UserStore(Protocol):
    """What the use cases need from storage (``gateway.store.user_admin.UserAdminStore``)."""

    async def list_users(self, master_account_id: str) -> list[ManagedUser]: ...
    async def get(self, master_account_id: str, user_id: UUID) -> ManagedUser | None: ...
    async def add(
        self, *, master_account_id: str, username: str, display_name: str, email: str,
        password_hash: str, rights: frozenset[Right], scope: ClientScope,
    ) -> UUID | None: ...  # fmt: skip
    async def change(self, user_id: UUID, **values: Any) -> None: ...
    async def active_primaries(self, master_account_id: str) -> list[UUID]: ...
    async def end_sessions(self, user_id: UUID) -> int: ...
    async def reset_two_factor(self, user_id: UUID) -> None: ...
    async def add_password_link(
        self, user_id: UUID, *, token_hash: str, purpose: str, expires_at: datetime
    ) -> None: ...
    async def expire_password_links(self, user_id: UUID) -> None: ...
    async def link_holder(self, token_hash: str, *, use: bool) -> tuple[UUID, str, str] | None: ...
    async def set_password(self, user_id: UUID, password_hash: str) -> None: ...
    async def audit(
        self, *, master_account_id: str, action: AuditAction, actor_user_id: UUID | None,
        actor_username: str | None, target: str | None = None,
        details: dict[str, Any] | None = None, client_ip: str | None = None,
    ) -> None: ...  # fmt: skip


@dataclass
class UsersWork:
    """One transaction of user administration; a change of what the services know of a user
    (name, email, activity, primacy) is announced through ``events`` (the outbox)."""

    users: UserStore
    events: EventPublisher | None = None


async def _announce(work: UsersWork, user: ManagedUser) -> ManagedUser:
    if work.events is not None:
        await announce(work.events, user, email_reminders=user.email_reminders)
    return user


@asynccontextmanager
async def transaction(database: Database) -> AsyncIterator[UsersWork]:
    """Commits when the block ends without an error; rolls back otherwise."""
    async with database.transaction() as uow:
        yield UsersWork(UserAdminStore(uow.session), uow)


@dataclass(frozen=True)
class Actor:
    """The primary user making the change, and where from (for the audit log)."""

    user: User
    client_ip: str | None = None


@dataclass(frozen=True)
class PasswordLink:
    """A link just issued: sent by email after the commit, never logged."""

    user: ManagedUser
    purpose: str
    expires_at: datetime
    token: str = field(repr=False)


class UserNotFound(HTTPException):
    def __init__(self) -> None:
        super().__init__(status.HTTP_404_NOT_FOUND, "no such user")


class UserConflict(HTTPException):
    def __init__(self, detail: str) -> None:
        super().__init__(status.HTTP_409_CONFLICT, detail)


class LinkNotValid(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            status.HTTP_404_NOT_FOUND,
            "this link does not work: it was used already, it expired or a newer one was sent",
        )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _audit(
    work: UsersWork, actor: Actor, action: AuditAction, target: ManagedUser, **details: Any
) -> None:
    await work.users.audit(
        master_account_id=actor.user.master_account_id, action=action,
        actor_user_id=actor.user.id, actor_username=actor.user.username,
        target=target.username, details={"user_id": str(target.id), **details},
        client_ip=actor.client_ip,
    )  # fmt: skip


async def list_users(work: UsersWork, actor: Actor) -> list[ManagedUser]:
    return await work.users.list_users(actor.user.master_account_id)


async def get_user(work: UsersWork, actor: Actor, user_id: UUID) -> ManagedUser:
    found = await work.users.get(actor.user.master_account_id, user_id)
    if found is None:
        raise UserNotFound()
    return found


def check_groups(scope: ClientScope, known_group_ids: Collection[UUID] | None) -> None:
    """A scope names only groups of the master (``None``: not checked, no group named)."""
    if not scope.group_ids:
        return
    unknown = scope.group_ids - set(known_group_ids or ())
    if unknown:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"type": "value_error", "loc": ["body", "scope", "group_ids"],
              "msg": f"not a group of your master account: {', '.join(sorted(map(str, unknown)))}"}],
        )  # fmt: skip


async def add_user(
    work: UsersWork,
    actor: Actor,
    command: UserCreate,
    *,
    known_group_ids: Collection[UUID] | None = None,
    now: datetime | None = None,
) -> PasswordLink:
    """A new user without a usable password (the hash of a secret nobody keeps) and the link
    that sets one."""
    check_groups(command.scope, known_group_ids)
    user_id = await work.users.add(
        master_account_id=actor.user.master_account_id, username=command.username,
        display_name=command.display_name, email=str(command.email),
        password_hash=hash_password(secrets.token_urlsafe(32)), rights=command.rights,
        scope=command.scope,
    )  # fmt: skip
    if user_id is None:
        raise UserConflict(f"the username {command.username!r} is taken; choose another")
    added = await get_user(work, actor, user_id)
    await _audit(work, actor, AuditAction.USER_ADDED, added, email=added.email,
                 rights=stored_rights(added.rights), scope=stored_scope(added.scope))  # fmt: skip
    await _announce(work, added)
    return await _issue_link(work, added, "invitation", now)


async def _issue_link(
    work: UsersWork, user: ManagedUser, purpose: str, now: datetime | None
) -> PasswordLink:
    token = secrets.token_urlsafe(32)
    expires_at = (now or datetime.now(UTC)) + LINK_VALID
    await work.users.add_password_link(
        user.id, token_hash=token_hash(token), purpose=purpose, expires_at=expires_at
    )
    with_link = await work.users.get(user.master_account_id, user.id)
    return PasswordLink(user=with_link or user, purpose=purpose, expires_at=expires_at, token=token)


async def send_password_link_again(
    work: UsersWork, actor: Actor, user_id: UUID, *, now: datetime | None = None
) -> PasswordLink:
    """A new link (the earlier ones stop working): an invitation again for a user who never
    logged in, else a reset of the password."""
    user = await get_user(work, actor, user_id)
    if not user.active:
        raise UserConflict("the user is deactivated: reactivate them first")
    if not user.email:
        raise UserConflict("the user has no email address: add one first")
    purpose = "invitation" if user.last_login_at is None else "reset"
    link = await _issue_link(work, user, purpose, now)
    await _audit(work, actor, AuditAction.USER_CHANGED, user, password_link_sent=purpose)
    return link


async def change_details(
    work: UsersWork, actor: Actor, user_id: UUID, changes: UserUpdate
) -> ManagedUser:
    user = await get_user(work, actor, user_id)
    values = {
        name: str(value)
        for name, value in changes.model_dump(exclude_unset=True).items()
        if str(value) != getattr(user, name)
    }
    if not values:
        return user
    await work.users.change(user.id, **values)
    await _audit(work, actor, AuditAction.USER_CHANGED, user,
                 old={name: getattr(user, name) for name in values}, new=values)  # fmt: skip
    return await _announce(work, await get_user(work, actor, user_id))


async def change_access(
    work: UsersWork,
    actor: Actor,
    user_id: UUID,
    access: UserAccess,
    *,
    known_group_ids: Collection[UUID] | None = None,
) -> ManagedUser:
    """Replace the user's rights and client scope (a primary user holds everything while
    primary; what is set here applies when they no longer are)."""
    check_groups(access.scope, known_group_ids)
    user = await get_user(work, actor, user_id)
    if user.rights == access.rights and user.scope == access.scope:
        return user
    await work.users.change(user.id, rights=access.rights, scope=access.scope)
    await _audit(
        work, actor, AuditAction.RIGHTS_CHANGED, user,
        old_rights=stored_rights(user.rights), new_rights=stored_rights(access.rights),
        old_scope=stored_scope(user.scope), new_scope=stored_scope(access.scope),
    )  # fmt: skip
    return await get_user(work, actor, user_id)


async def _primaries_then_user(
    work: UsersWork, actor: Actor, user_id: UUID
) -> tuple[set[UUID], ManagedUser]:
    """The master's active primary users, then the user, locked in that order (every change
    locking both does so, so two of them never wait for each other)."""
    primaries = set(await work.users.active_primaries(actor.user.master_account_id))
    return primaries, await get_user(work, actor, user_id)


def _keep_a_primary(primaries: set[UUID], actor: Actor, leaving: ManagedUser, doing: str) -> None:
    """Refuse a change that would leave the master without an active primary user."""
    if not (leaving.is_primary and leaving.active) or primaries - {leaving.id}:
        return
    whom = "yourself" if leaving.id == actor.user.id else "the only active primary user"
    raise UserConflict(
        f"you cannot {doing} {whom}: the account needs another active primary user; make "
        "another user primary first"
    )


async def deactivate(work: UsersWork, actor: Actor, user_id: UUID) -> ManagedUser:
    """The user can no longer log in; their sessions end now, their links stop working."""
    primaries, user = await _primaries_then_user(work, actor, user_id)
    if not user.active:
        return user
    _keep_a_primary(primaries, actor, user, "deactivate")
    await work.users.change(user.id, active=False, deactivated_at=datetime.now(UTC))
    ended = await work.users.end_sessions(user.id)
    await work.users.expire_password_links(user.id)
    await _audit(work, actor, AuditAction.USER_DEACTIVATED, user, sessions_ended=ended)
    return await _announce(work, await get_user(work, actor, user_id))


async def reactivate(work: UsersWork, actor: Actor, user_id: UUID) -> ManagedUser:
    user = await get_user(work, actor, user_id)
    if user.active:
        return user
    await work.users.change(user.id, active=True, deactivated_at=None)
    await _audit(work, actor, AuditAction.USER_REACTIVATED, user)
    return await _announce(work, await get_user(work, actor, user_id))


async def reset_two_factor(work: UsersWork, actor: Actor, user_id: UUID) -> ManagedUser:
    """Two-factor off, secret and recovery codes deleted: the user sets it up again (a lost
    phone)."""
    user = await get_user(work, actor, user_id)
    await work.users.reset_two_factor(user.id)
    await _audit(work, actor, AuditAction.TWO_FACTOR_RESET, user, was_on=user.totp_enabled)
    return await get_user(work, actor, user_id)


async def end_sessions(work: UsersWork, actor: Actor, user_id: UUID) -> int:
    """Log the user out everywhere (a lost laptop); how many sessions were open."""
    user = await get_user(work, actor, user_id)
    ended = await work.users.end_sessions(user.id)
    await _audit(work, actor, AuditAction.SESSION_ENDED, user, ended=ended)
    return ended


async def change_primacy(
    work: UsersWork, actor: Actor, user_id: UUID, *, is_primary: bool
) -> ManagedUser:
    primaries, user = await _primaries_then_user(work, actor, user_id)
    if user.is_primary == is_primary:
        return user
    if is_primary and not user.active:
        raise UserConflict("a deactivated user cannot be made primary: reactivate them first")
    if not is_primary:
        _keep_a_primary(primaries, actor, user, "remove the primacy of")
    await work.users.change(user.id, is_primary=is_primary)
    await _audit(work, actor, AuditAction.PRIMACY_CHANGED, user, is_primary=is_primary)
    return await _announce(work, await get_user(work, actor, user_id))


async def link_holder(work: UsersWork, token: str) -> str:
    """The username a set-password link is for; raises ``LinkNotValid``."""
    holder = await work.users.link_holder(token_hash(token), use=False)
    if holder is None:
        raise LinkNotValid()
    return holder[2]


async def set_password(work: UsersWork, command: PasswordSet, *, client_ip: str | None) -> str:
    """Set the password (it must meet the policy: else nothing changes and the link still
    works) and use the link up; the user's sessions end. Returns the username."""
    hashed = token_hash(command.token)
    holder = await work.users.link_holder(hashed, use=False)
    if holder is None:
        raise LinkNotValid()
    reasons = check_password_policy(command.password, username=holder[2])
    if reasons:
        raise invalid("password", "; ".join(reasons))
    if await work.users.link_holder(hashed, use=True) != holder:  # used meanwhile
        raise LinkNotValid()
    user_id, master_account_id, username = holder
    await work.users.set_password(user_id, hash_password(command.password))
    await work.users.expire_password_links(user_id)
    ended = await work.users.end_sessions(user_id)
    await work.users.audit(
        master_account_id=master_account_id,
        action=AuditAction.PASSWORD_SET,
        actor_user_id=user_id,
        actor_username=username,
        target=username,
        details={"user_id": str(user_id), "via": "link", "sessions_ended": ended},
        client_ip=client_ip,
    )
    return username
