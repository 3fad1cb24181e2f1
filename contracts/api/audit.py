"""The audit log of a master account (G3), read by its primary user: one entry per
security-relevant action (logins, sessions, two-factor changes, users and rights, exports)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

AUDIT_PAGE_SIZE_LIMIT = 500
AUDIT_CSV_ROW_LIMIT = 50_000
"""The most entries one CSV export holds (narrow the dates for more)."""


class AuditEntry(BaseModel):
    id: int
    at: datetime
    action: str = Field(description='what happened, e.g. "login.failed", "data.export"')
    actor_user_id: UUID | None = Field(description="the user who acted, if known")
    actor_username: str | None
    target: str | None = Field(description="what the action was done to (a session, a user…)")
    details: dict[str, Any] = Field(description="more about it; never a secret nor exported data")
    client_ip: str | None


class AuditPage(BaseModel):
    items: list[AuditEntry]
    total: int = Field(description="entries matching the filters")
    page: int
    page_size: int
