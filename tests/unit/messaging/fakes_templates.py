"""In-memory templates and branding repositories, and a unit of work holding only them (the
template and branding use cases reach nothing else)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import cast
from uuid import UUID

from services.messaging.domain.branding import Branding
from services.messaging.domain.templates import MessageTemplate
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork


@dataclass
class FakeTemplates:
    rows: dict[UUID, MessageTemplate] = field(default_factory=dict)
    deleted: set[UUID] = field(default_factory=set)
    name_locks: list[str] = field(default_factory=list)

    def _live(self, master_account_id: str) -> list[MessageTemplate]:
        return [
            t
            for t in self.rows.values()
            if t.master_account_id == master_account_id and t.id not in self.deleted
        ]

    async def of_master(self, *, master_account_id: str) -> list[MessageTemplate]:
        found = self._live(master_account_id)
        return [replace(t) for t in sorted(found, key=lambda t: (t.name.lower(), str(t.id)))]

    async def get(
        self, template_id: UUID, *, master_account_id: str, for_update: bool = False
    ) -> MessageTemplate | None:
        found = [t for t in self._live(master_account_id) if t.id == template_id]
        return replace(found[0]) if found else None

    async def lock_names(self, *, master_account_id: str) -> None:
        self.name_locks.append(master_account_id)

    async def named(
        self, name: str, *, master_account_id: str, other_than: UUID | None = None
    ) -> bool:
        return any(
            t.name.lower() == name.lower() and t.id != other_than
            for t in self._live(master_account_id)
        )

    async def add(self, template: MessageTemplate) -> None:
        self.rows[template.id] = replace(template)

    async def save(self, template: MessageTemplate) -> None:
        self.rows[template.id] = replace(template)

    async def delete(self, template_id: UUID, *, master_account_id: str) -> None:
        if any(t.id == template_id for t in self._live(master_account_id)):
            self.deleted.add(template_id)


@dataclass
class FakeBrandings:
    rows: dict[str, Branding] = field(default_factory=dict)
    logos: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    async def get(self, *, master_account_id: str) -> Branding | None:
        found = self.rows.get(master_account_id)
        return replace(found) if found else None

    async def save(self, branding: Branding) -> None:
        kept = self.rows.get(branding.master_account_id)
        self.rows[branding.master_account_id] = replace(
            branding, logo_content_type=kept.logo_content_type if kept else None
        )

    async def save_logo(
        self, *, master_account_id: str, content: bytes, content_type: str, now: datetime
    ) -> None:
        kept = self.rows.get(master_account_id) or Branding(master_account_id)
        self.rows[master_account_id] = replace(kept, logo_content_type=content_type, updated_at=now)
        self.logos[master_account_id] = (content, content_type)

    async def logo(self, *, master_account_id: str) -> tuple[bytes, str] | None:
        return self.logos.get(master_account_id)


@dataclass
class FakeTemplatesUnitOfWork:
    templates: FakeTemplates = field(default_factory=FakeTemplates)
    branding: FakeBrandings = field(default_factory=FakeBrandings)

    def as_uow(self) -> MessagingUnitOfWork:
        """This fake where a use case takes the whole unit of work (only these two are used)."""
        return cast(MessagingUnitOfWork, self)
