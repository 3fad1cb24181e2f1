"""The audit log of security-relevant actions: appended to in the transaction of the action it
records (a trigger refuses changes and deletions), read by the master's primary user."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.store.tables import audit_log


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
