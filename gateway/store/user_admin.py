"""Reading and changing the users of a master account for its primary user, and the one-time
set-password links: data access only (the rules are in gateway/users/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope, Right
from gateway.store import audit, preferences, sessions
from gateway.store.tables import password_links, recovery_codes, users
from gateway.store.users import rights_of


@dataclass(frozen=True)
class ManagedUser:
    """A user as the primary user sees them."""

    id: UUID
    master_account_id: str
    username: str
    display_name: str
    email: str | None
    is_primary: bool
    active: bool
    rights: frozenset[Right]
    scope: ClientScope
    totp_enabled: bool
    last_login_at: datetime | None
    created_at: datetime
    deactivated_at: datetime | None
    password_link_expires_at: datetime | None
    email_reminders: bool = False


def stored_rights(rights: frozenset[Right]) -> list[str]:
    return sorted(right.value for right in rights)


def stored_scope(scope: ClientScope) -> dict[str, Any]:
    return {
        "all_clients": scope.all_clients,
        "account_numbers": sorted(scope.account_numbers),
        "group_ids": sorted(str(group) for group in scope.group_ids),
    }


_pending_link = (
    select(func.max(password_links.c.expires_at))
    .where(
        password_links.c.user_id == users.c.id,
        password_links.c.used_at.is_(None),
        password_links.c.expires_at > func.now(),
    )
    .correlate(users)
    .scalar_subquery()
    .label("password_link_expires_at")
)


def _managed(row: Any) -> ManagedUser:
    return ManagedUser(
        id=row.id,
        master_account_id=row.master_account_id,
        username=row.username,
        display_name=row.display_name,
        email=row.email,
        is_primary=row.is_primary,
        active=row.active,
        rights=rights_of(row.rights),
        scope=ClientScope.model_validate(row.scope),
        totp_enabled=row.totp_enabled,
        last_login_at=row.last_login_at,
        created_at=row.created_at,
        deactivated_at=row.deactivated_at,
        password_link_expires_at=row.password_link_expires_at,
        email_reminders=preferences.email_reminders(row.preferences or {}),
    )


class UserAdminStore:
    """The queries of user administration, on the session of one transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_users(self, master_account_id: str) -> list[ManagedUser]:
        rows = await self.session.execute(
            select(users, _pending_link)
            .where(users.c.master_account_id == master_account_id)
            .order_by(users.c.active.desc(), func.lower(users.c.display_name), users.c.username)
        )
        return [_managed(row) for row in rows]

    async def get(self, master_account_id: str, user_id: UUID) -> ManagedUser | None:
        """The user of that master (None for another master's), its row locked until commit."""
        row = (
            await self.session.execute(
                select(users, _pending_link)
                .where(users.c.id == user_id, users.c.master_account_id == master_account_id)
                .with_for_update(of=users)
            )
        ).first()
        return _managed(row) if row else None

    async def add(
        self,
        *,
        master_account_id: str,
        username: str,
        display_name: str,
        email: str,
        password_hash: str,
        rights: frozenset[Right],
        scope: ClientScope,
    ) -> UUID | None:
        """The new user's id; None when the username is taken (by any master)."""
        added = await self.session.execute(
            insert(users)
            .values(
                id=uuid4(),
                master_account_id=master_account_id,
                username=username.lower(),
                display_name=display_name,
                email=email,
                password_hash=password_hash,
                is_primary=False,
                rights=stored_rights(rights),
                scope=stored_scope(scope),
            )
            .on_conflict_do_nothing(index_elements=[users.c.username])
            .returning(users.c.id)
        )
        user_id: UUID | None = added.scalar_one_or_none()
        return user_id

    async def change(self, user_id: UUID, **values: Any) -> None:
        if "rights" in values:
            values["rights"] = stored_rights(values["rights"])
        if "scope" in values:
            values["scope"] = stored_scope(values["scope"])
        await self.session.execute(users.update().where(users.c.id == user_id).values(**values))

    async def active_primaries(self, master_account_id: str) -> list[UUID]:
        """The master's active primary users, locked: two primary users removing each other at
        once wait for one another, and the second sees the first's change."""
        rows = await self.session.execute(
            select(users.c.id)
            .where(
                users.c.master_account_id == master_account_id,
                users.c.is_primary,
                users.c.active,
            )
            .order_by(users.c.id)
            .with_for_update()
        )
        return list(rows.scalars())

    async def end_sessions(self, user_id: UUID) -> int:
        return await sessions.end_all(self.session, user_id)

    async def reset_two_factor(self, user_id: UUID) -> None:
        """Two-factor off, its secret and recovery codes gone: the user enrols again."""
        await self.session.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(totp_enabled=False, totp_secret=None, totp_last_step=None)
        )
        await self.session.execute(
            recovery_codes.delete().where(recovery_codes.c.user_id == user_id)
        )

    async def add_password_link(
        self, user_id: UUID, *, token_hash: str, purpose: str, expires_at: datetime
    ) -> None:
        """A new link; the user's earlier unused links stop working."""
        await self.expire_password_links(user_id)
        await self.session.execute(
            password_links.insert().values(
                id=uuid4(),
                user_id=user_id,
                token_hash=token_hash,
                purpose=purpose,
                expires_at=expires_at,
            )
        )

    async def expire_password_links(self, user_id: UUID) -> None:
        await self.session.execute(
            password_links.update()
            .where(
                password_links.c.user_id == user_id,
                password_links.c.used_at.is_(None),
                password_links.c.expires_at > func.now(),
            )
            .values(expires_at=func.now())
        )

    async def link_holder(self, token_hash: str, *, use: bool) -> tuple[UUID, str, str] | None:
        """(user id, master, username) of an active user whose link is unused and unexpired;
        with ``use`` the link is used up (once: a second request finds nothing)."""
        valid = and_(
            password_links.c.token_hash == token_hash,
            password_links.c.used_at.is_(None),
            password_links.c.expires_at > func.now(),
        )
        if use:
            used = await self.session.execute(
                password_links.update()
                .where(valid)
                .values(used_at=func.now())
                .returning(password_links.c.user_id)
            )
            user_id = used.scalar_one_or_none()
            if user_id is None:
                return None
            found = select(users).where(users.c.id == user_id)
        else:
            found = select(users).join(password_links, password_links.c.user_id == users.c.id)
            found = found.where(valid)
        row = (await self.session.execute(found.where(users.c.active))).first()
        return (row.id, row.master_account_id, row.username) if row else None

    async def set_password(self, user_id: UUID, password_hash: str) -> None:
        await self.session.execute(
            users.update().where(users.c.id == user_id).values(password_hash=password_hash)
        )

    async def audit(
        self,
        *,
        master_account_id: str,
        action: audit.AuditAction,
        actor_user_id: UUID | None,
        actor_username: str | None,
        target: str | None = None,
        details: dict[str, Any] | None = None,
        client_ip: str | None = None,
    ) -> None:
        await audit.record(
            self.session, master_account_id=master_account_id, action=action,
            actor_user_id=actor_user_id, actor_username=actor_username, target=target,
            details=details, client_ip=client_ip,
        )  # fmt: skip
