"""The audit log of security-relevant actions: appended to in the transaction of the action it
records (a trigger refuses changes and deletions), read by the master's primary user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.store.tables import audit_log
from gateway.store.users import User
from services.runtime.db import Database


class AuditAction(StrEnum):
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    LOGIN_THROTTLED = "login.throttled"
    LOGOUT = "session.logout"
    SESSION_ENDED = "session.ended"
    PASSWORD_SET = "password.set"  # noqa: S105 - an action name, not a secret
    USER_ADDED = "user.added"
    USER_CHANGED = "user.changed"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    RIGHTS_CHANGED = "user.rights_changed"
    PRIMACY_CHANGED = "user.primacy_changed"
    TWO_FACTOR_ENABLED = "two_factor.enabled"
    TWO_FACTOR_DISABLED = "two_factor.disabled"
    TWO_FACTOR_RESET = "two_factor.reset"
    RECOVERY_CODES_GENERATED = "two_factor.recovery_codes_generated"
    RECOVERY_CODE_USED = "two_factor.recovery_code_used"
    EXPORT = "data.export"


async def record(
    session: AsyncSession,
    *,
    master_account_id: str,
    action: AuditAction,
    actor_user_id: UUID | None,
    actor_username: str | None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    client_ip: str | None = None,
) -> None:
    """Append one entry; never secrets (no password, code or token goes into ``details``)."""
    await session.execute(
        audit_log.insert().values(
            master_account_id=master_account_id,
            action=action.value,
            actor_user_id=actor_user_id,
            actor_username=actor_username,
            target=target[:300] if target else None,
            details=details or {},
            client_ip=client_ip,
        )
    )


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to read: by action, by actor, from ``since`` (inclusive) to ``until``
    (exclusive)."""

    action: str | None = None
    actor_username: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def of_days(
        cls,
        *,
        action: str | None,
        actor_username: str | None,
        first_day: date | None,
        last_day: date | None,
        zone: ZoneInfo,
    ) -> AuditFilter:
        """Entries from the start of ``first_day`` to the end of ``last_day`` in ``zone``."""
        return cls(
            action=action or None,
            actor_username=(actor_username or "").strip() or None,
            since=datetime.combine(first_day, time(), zone) if first_day else None,
            until=datetime.combine(last_day + timedelta(days=1), time(), zone)
            if last_day
            else None,
        )

    def where(self, master_account_id: str) -> list[ColumnElement[bool]]:
        clauses = [audit_log.c.master_account_id == master_account_id]
        if self.action:
            clauses.append(audit_log.c.action == self.action)
        if self.actor_username:
            clauses.append(audit_log.c.actor_username == self.actor_username.lower())
        if self.since is not None:
            clauses.append(audit_log.c.at >= self.since)
        if self.until is not None:
            clauses.append(audit_log.c.at < self.until)
        return clauses


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    action: str
    actor_user_id: UUID | None
    actor_username: str | None
    target: str | None
    details: dict[str, Any]
    client_ip: str | None


async def entries(
    session: AsyncSession,
    master_account_id: str,
    *,
    where: AuditFilter,
    limit: int,
    offset: int = 0,
) -> list[Entry]:
    """The master's entries that match, newest first."""
    rows = await session.execute(
        select(audit_log)
        .where(*where.where(master_account_id))
        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        Entry(id=row.id, at=row.at, action=row.action, actor_user_id=row.actor_user_id,
              actor_username=row.actor_username, target=row.target, details=dict(row.details),
              client_ip=row.client_ip)
        for row in rows
    ]  # fmt: skip


async def count(session: AsyncSession, master_account_id: str, *, where: AuditFilter) -> int:
    total = await session.scalar(
        select(func.count()).select_from(audit_log).where(*where.where(master_account_id))
    )
    return int(total or 0)


async def record_export(
    database: Database,
    user: User,
    *,
    kind: str,
    client_ip: str | None,
    row_filter: dict[str, Any] | None = None,
) -> None:
    """An export by the user, committed before the file leaves: its kind and which rows it
    holds (the user's client scope, and ``row_filter``), never its data."""
    scope = user.access.scope
    rows = {
        **(row_filter or {}),
        "all_clients": scope.all_clients,
        "accounts": len(scope.account_numbers),
        "groups": len(scope.group_ids),
    }
    async with database.unit_of_work() as uow:
        await record(
            uow.session, master_account_id=user.master_account_id, action=AuditAction.EXPORT,
            actor_user_id=user.id, actor_username=user.username, target=kind,
            details={"kind": kind, "rows": rows}, client_ip=client_ip[:64] if client_ip else None,
        )  # fmt: skip
        await uow.commit()
