"""A master's branding: one row each (none until it is first set), its logo's bytes apart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.messaging.domain.branding import Branding
from services.messaging.store.tables import brandings

_FIELDS = (
    brandings.c.master_account_id,
    brandings.c.primary_colour,
    brandings.c.accent_colour,
    brandings.c.banner_text,
    brandings.c.footer_text,
    brandings.c.logo_content_type,
    brandings.c.updated_at,
)


def _to_branding(row: Any) -> Branding:
    return Branding(
        master_account_id=row.master_account_id,
        primary_colour=row.primary_colour,
        accent_colour=row.accent_colour,
        banner_text=row.banner_text,
        footer_text=row.footer_text,
        logo_content_type=row.logo_content_type,
        updated_at=row.updated_at,
    )


class BrandingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, *, master_account_id: str) -> Branding | None:
        row = (
            await self._session.execute(
                select(*_FIELDS).where(brandings.c.master_account_id == master_account_id)
            )
        ).first()
        return _to_branding(row) if row else None

    async def save(self, branding: Branding) -> None:
        """Insert or replace the branding's values (the logo stays as it is)."""
        values = {
            "master_account_id": branding.master_account_id,
            "primary_colour": branding.primary_colour,
            "accent_colour": branding.accent_colour,
            "banner_text": branding.banner_text,
            "footer_text": branding.footer_text,
            "updated_at": branding.updated_at,
        }
        statement = insert(brandings).values(values)
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[brandings.c.master_account_id],
                set_={
                    name: statement.excluded[name] for name in values if name != "master_account_id"
                },
            )
        )

    async def save_logo(
        self, *, master_account_id: str, content: bytes, content_type: str, now: datetime
    ) -> None:
        values = {"logo": content, "logo_content_type": content_type, "updated_at": now}
        statement = insert(brandings).values(master_account_id=master_account_id, **values)
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[brandings.c.master_account_id],
                set_={name: statement.excluded[name] for name in values},
            )
        )

    async def logo(self, *, master_account_id: str) -> tuple[bytes, str] | None:
        row = (
            await self._session.execute(
                select(brandings.c.logo, brandings.c.logo_content_type).where(
                    brandings.c.master_account_id == master_account_id,
                    brandings.c.logo.is_not(None),
                )
            )
        ).first()
        return (bytes(row.logo), row.logo_content_type) if row else None
