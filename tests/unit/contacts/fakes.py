"""A fake unit of work for the contacts use cases: in-memory repositories, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from contracts.envelope import Event
from services.contacts.domain.record_listings import (
    DocumentFilter,
    EventFilter,
    NoteFilter,
    TaskFilter,
)
from services.contacts.domain.records import CalendarEvent, Document, Note, Task
from services.runtime.consumers import Delivery
from services.runtime.db import Publication
from tests.unit.contacts.fake_book import (
    FakeContacts,
    FakeGroups,
    FakeHouseholds,
    FakeInvitations,
    HouseholdRows,
    NotFaked,
)
from tests.unit.contacts.fake_records import (
    FakeDocumentContents,
    FakeRecordContacts,
    FakeRecords,
    FakeTaskReminders,
)


@dataclass
class Published:
    topic: str
    event: Event
    master_account_id: str


@dataclass
class FakeContactsUnitOfWork:
    """Like ``SqlContactsUnitOfWork``: use cases publish here; tests read ``published``."""

    published: list[Published] = field(default_factory=list)
    committed: bool = False

    # --- CRM records ----------------------------------------------------------------------
    notes: FakeRecords[Note, NoteFilter] = field(default_factory=FakeRecords)
    tasks: FakeRecords[Task, TaskFilter] = field(default_factory=FakeRecords)
    events: FakeRecords[CalendarEvent, EventFilter] = field(default_factory=FakeRecords)
    documents: FakeRecords[Document, DocumentFilter] = field(default_factory=FakeRecords)
    document_contents: FakeDocumentContents = field(default_factory=FakeDocumentContents)
    contact_names: dict[tuple[str, UUID], str] = field(default_factory=dict)
    """(master account, contact id) -> the contact's name, as the records see contacts"""

    @property
    def task_reminders(self) -> FakeTaskReminders:
        return FakeTaskReminders(self.tasks)

    @property
    def record_contacts(self) -> FakeRecordContacts:
        kinds = (self.notes, self.tasks, self.events, self.documents)
        return FakeRecordContacts(self.contact_names, kinds, self.contacts.reaches)

    # --- contacts, groups, households, invitations, merges ---------------------------------
    contacts: FakeContacts = field(default_factory=FakeContacts)
    groups: FakeGroups = field(default_factory=FakeGroups)
    invitations: FakeInvitations = field(default_factory=FakeInvitations)
    household_rows: HouseholdRows = field(default_factory=HouseholdRows)
    contact_table: Any = field(default_factory=lambda: NotFaked("contact_table"))
    duplicates: Any = field(default_factory=lambda: NotFaked("duplicates"))
    exports: Any = field(default_factory=lambda: NotFaked("exports"))

    @property
    def households(self) -> FakeHouseholds:
        return FakeHouseholds(self.household_rows, self.contacts)

    def __post_init__(self) -> None:
        """A user's reach reads the contacts and their groups, as the SQL condition does."""
        self.contacts.groups_of = self.groups.groups_of
        self.groups.contacts = self.contacts
        for kind in (self.notes, self.tasks, self.events, self.documents):
            kind.reaches = self.contacts.reaches

    async def publish(
        self,
        topic: str,
        event: Event,
        *,
        master_account_id: str,
        correlation_id: str | None = None,
        caused_by: Delivery[Any] | None = None,
    ) -> None:
        self.published.append(Published(topic, event, master_account_id))

    async def publish_many(self, publications: Sequence[Publication]) -> None:
        for p in publications:
            self.published.append(Published(p.topic, p.event, p.master_account_id))

    async def commit(self) -> None:
        self.committed = True

    def events_of(self, kind: type[Any]) -> list[Any]:
        return [p.event for p in self.published if isinstance(p.event, kind)]
