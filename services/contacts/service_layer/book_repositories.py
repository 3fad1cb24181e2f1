"""The repositories of the book (contacts, groups, households, invitations, duplicates, exports)
as the use cases see them. ``store/`` implements them over SQL; ``tests/unit/contacts/fakes.py``
in memory. Every query names the master account it is scoped to; those a user's request makes
take the user's ``reach`` too (``EVERYTHING``, the default, is for the service's own jobs and
Kafka handlers): a contact out of reach is not found, like another master's."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from services.contacts.domain.contact import AccountValuation, ChangeRecord, Contact, NewChange
from services.contacts.domain.contact_table import ContactQuery, PendingTasksRow, TablePage
from services.contacts.domain.duplicates import CandidatePair
from services.contacts.domain.groups import Group, GroupMembership, GroupSummary
from services.contacts.domain.households import Candidate, FormInfo, Household
from services.contacts.domain.invitations import Invitation
from services.contacts.domain.reach import EVERYTHING, Reach
from services.contacts.files.exports import ExportContact, PendingTask


class Contacts(Protocol):
    async def get(
        self,
        contact_id: UUID,
        *,
        master_account_id: str,
        for_update: bool = False,
        reach: Reach = EVERYTHING,
    ) -> Contact | None: ...

    async def by_account_number(
        self, account_number: str, *, master_account_id: str
    ) -> Contact | None: ...

    async def invited_prospect_by_email(
        self, email: str, *, master_account_id: str
    ) -> Contact | None: ...

    async def existing_ids(
        self, contact_ids: Sequence[UUID], *, master_account_id: str, reach: Reach = EVERYTHING
    ) -> set[UUID]: ...

    async def add(self, contact: Contact) -> None: ...

    async def save(self, contact: Contact) -> None: ...

    async def remove(self, contact_ids: Sequence[UUID], *, master_account_id: str) -> None: ...

    async def for_account_events(
        self, accounts: Sequence[tuple[str, str]], emails: Sequence[tuple[str, str]]
    ) -> list[Contact]:
        """The contacts of the (master, account number) pairs, and the prospects without an
        account whose email is one of the (master, lowercase email) pairs, locked in the order
        of their ids (a batch of account events changes them)."""
        ...

    async def add_all(self, contacts: Sequence[Contact]) -> None: ...

    async def save_all(self, contacts: Sequence[Contact]) -> None: ...

    async def record_changes(self, changes: Sequence[NewChange]) -> None: ...

    async def set_net_asset_values(self, valuations: Sequence[AccountValuation]) -> None: ...

    async def record_change(
        self, contact: Contact, *, changed_by: str, action: str, changes: dict[str, Any]
    ) -> None: ...

    async def history(
        self, contact_id: UUID, *, master_account_id: str, limit: int
    ) -> list[ChangeRecord]: ...


class ContactTable(Protocol):
    async def page(self, query: ContactQuery) -> TablePage: ...

    async def rows(
        self, contact_ids: Sequence[UUID], *, master_account_id: str, reach: Reach = EVERYTHING
    ) -> list[dict[str, Any]]: ...

    async def count_with_pending_tasks(
        self, *, master_account_id: str, reach: Reach = EVERYTHING
    ) -> int: ...

    async def pending_tasks(
        self,
        *,
        master_account_id: str,
        text_query: str | None,
        offset: int,
        limit: int,
        reach: Reach = EVERYTHING,
    ) -> tuple[list[PendingTasksRow], int]: ...


class Groups(Protocol):
    async def visible(
        self,
        user_id: str,
        *,
        master_account_id: str,
        group_id: UUID | None = None,
        reach: Reach = EVERYTHING,
    ) -> list[GroupSummary]:
        """The groups the user sees, each with its number of members within ``reach``."""
        ...

    async def get(
        self, group_id: UUID, *, master_account_id: str, for_update: bool = False
    ) -> Group | None: ...

    async def named(
        self, name: str, user_id: str, *, master_account_id: str, other_than: UUID | None = None
    ) -> bool: ...

    async def add(self, group: Group) -> None: ...

    async def save(self, group: Group) -> None: ...

    async def remove(self, group: Group) -> None: ...

    async def member_ids(self, group_id: UUID, *, master_account_id: str) -> set[UUID]: ...

    async def memberships_of(
        self, contact_ids: Sequence[UUID], *, master_account_id: str
    ) -> list[GroupMembership]: ...

    async def add_members(
        self, memberships: Sequence[GroupMembership], *, master_account_id: str
    ) -> None: ...

    async def remove_members(
        self, group_id: UUID, contact_ids: Sequence[UUID], *, master_account_id: str
    ) -> None: ...

    async def remove_from_every_group(
        self, contact_ids: Sequence[UUID], *, master_account_id: str
    ) -> None: ...


class Households(Protocol):
    async def get(
        self,
        household_id: UUID,
        *,
        master_account_id: str,
        for_update: bool = False,
        reach: Reach = EVERYTHING,
    ) -> Household | None:
        """Not dissolved, and every member within ``reach`` (a household is reached whole)."""
        ...

    async def active(
        self, *, master_account_id: str, reach: Reach = EVERYTHING
    ) -> list[Household]: ...

    async def memberships_of(
        self, contact_ids: Sequence[UUID], *, master_account_id: str
    ) -> list[tuple[UUID, UUID]]: ...

    async def candidates(
        self, contact_ids: Sequence[UUID], *, master_account_id: str, reach: Reach = EVERYTHING
    ) -> list[Candidate]: ...

    async def add(self, household: Household, *, created_by: str) -> None: ...

    async def save(self, household: Household, *, new_members: bool = False) -> None: ...

    async def add_form(
        self, household: Household, pdf: bytes, *, generated_at: datetime, generated_by: str
    ) -> int: ...

    async def forms(self, household_id: UUID, *, master_account_id: str) -> list[FormInfo]: ...

    async def form_pdf(
        self, household_id: UUID, version: int, *, master_account_id: str
    ) -> bytes | None: ...


class Invitations(Protocol):
    async def add(self, invitation: Invitation) -> None: ...

    async def of_contact(self, contact_id: UUID, *, master_account_id: str) -> list[Invitation]: ...

    async def get(
        self, contact_id: UUID, invitation_id: UUID, *, master_account_id: str
    ) -> Invitation | None: ...

    async def by_token_hash(
        self, token_hash: str, *, master_account_id: str
    ) -> Invitation | None: ...

    async def next_due_email(self, now: datetime) -> Invitation | None: ...

    async def save_delivery(self, invitation: Invitation) -> None: ...

    async def reassign(
        self, from_ids: Sequence[UUID], to_id: UUID, *, master_account_id: str
    ) -> None: ...


class Duplicates(Protocol):
    async def candidate_pairs(self, *, master_account_id: str) -> list[CandidatePair]: ...


class Exports(Protocol):
    def summary_batches(
        self, *, master_account_id: str, with_profiles: bool = False, reach: Reach = EVERYTHING
    ) -> AsyncGenerator[list[ExportContact]]: ...

    def pending_task_batches(
        self, *, master_account_id: str, reach: Reach = EVERYTHING
    ) -> AsyncGenerator[list[PendingTask]]: ...
