"""The contacts unit of work: the repositories its use cases reach, and the SQL one behind them.

Use cases type their ``uow`` as ``ContactsUnitOfWork`` (a protocol), so unit tests pass a fake
with in-memory repositories (``tests/unit/contacts/fakes.py``); the service runs
``SqlContactsUnitOfWork``, whose repositories are the ``store/`` classes over one session.
Repositories are declared on the protocol as read-only properties (``@property def notes(self)
-> Notes: ...``): a protocol's plain attribute is invariant, so a fake holding an in-memory
implementation would not match it.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from services.contacts.service_layer.book_repositories import (
    Contacts,
    ContactTable,
    Duplicates,
    Exports,
    Groups,
    Households,
    Invitations,
)
from services.contacts.service_layer.records_repositories import (
    DocumentContents,
    Documents,
    Events,
    Notes,
    RecordContacts,
    TaskReminders,
    Tasks,
)
from services.contacts.store import record_kinds
from services.contacts.store.contact_table import ContactTableRepository
from services.contacts.store.contacts import ContactRepository
from services.contacts.store.documents import SqlDocumentContents
from services.contacts.store.duplicates import DuplicateRepository
from services.contacts.store.exports import ExportRepository
from services.contacts.store.full_service import SqlClientRequests, SqlEnrolments
from services.contacts.store.groups import GroupRepository
from services.contacts.store.households import HouseholdRepository
from services.contacts.store.invitations import InvitationRepository
from services.contacts.store.record_repository import SqlRecordContacts, SqlRecordRepository
from services.contacts.store.task_reminders import SqlTaskReminders
from services.runtime.db import BatchPublisher, EventPublisher, UnitOfWork


class ContactsUnitOfWork(EventPublisher, BatchPublisher, Protocol):
    # --- CRM records: notes, tasks/workflows, calendar events, documents ---------------------
    @property
    def notes(self) -> Notes: ...
    @property
    def tasks(self) -> Tasks: ...
    @property
    def events(self) -> Events: ...
    @property
    def documents(self) -> Documents: ...
    @property
    def document_contents(self) -> DocumentContents: ...
    @property
    def task_reminders(self) -> TaskReminders: ...
    @property
    def record_contacts(self) -> RecordContacts: ...

    # --- contacts, groups, households, invitations, merges, imports and exports -------------
    @property
    def contacts(self) -> Contacts: ...
    @property
    def contact_table(self) -> ContactTable: ...
    @property
    def groups(self) -> Groups: ...
    @property
    def households(self) -> Households: ...
    @property
    def invitations(self) -> Invitations: ...
    @property
    def duplicates(self) -> Duplicates: ...
    @property
    def exports(self) -> Exports: ...


class SqlContactsUnitOfWork(UnitOfWork):
    def __init__(self, session: AsyncSession, on_commit_with_events: asyncio.Event) -> None:
        super().__init__(session, on_commit_with_events)
        # --- CRM records ------------------------------------------------------------------
        notes = SqlRecordRepository(session, record_kinds.NOTES)
        tasks = SqlRecordRepository(session, record_kinds.TASKS)
        events = SqlRecordRepository(session, record_kinds.EVENTS)
        documents = SqlRecordRepository(session, record_kinds.DOCUMENTS)
        self.notes: Notes = notes
        self.tasks: Tasks = tasks
        self.events: Events = events
        self.documents: Documents = documents
        self.document_contents: DocumentContents = SqlDocumentContents(session)
        self.task_reminders: TaskReminders = SqlTaskReminders(session)
        self.record_contacts: RecordContacts = SqlRecordContacts(
            session, (notes, tasks, events, documents)
        )

        # --- contacts, groups, households, invitations, merges, imports and exports ------
        self.contacts: Contacts = ContactRepository(session)
        self.contact_table: ContactTable = ContactTableRepository(session)
        self.groups: Groups = GroupRepository(session)
        self.households: Households = HouseholdRepository(session)
        self.invitations: Invitations = InvitationRepository(session)
        self.duplicates: Duplicates = DuplicateRepository(session)
        self.exports: Exports = ExportRepository(session)

        # --- Full Service program (service_layer/full_service_repositories.py) -------------
        self.enrolments = SqlEnrolments(session)
        self.client_requests = SqlClientRequests(session)
