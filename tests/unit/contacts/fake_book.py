"""In-memory repositories of the book (contacts, groups, households, invitations), behind the
protocols of ``services/contacts/service_layer/book_repositories.py`` (wired in ``fakes.py``).

Like rows, objects are copied in and out: a use case that changes what it read changes nothing
stored until it saves. Locks are no-ops; the table's search and sorting, the duplicates' keys and
the exports' streams are the integration tests' business and are not faked.

A user's ``reach`` (access rights) is applied as ``store/scope.py`` applies it: no condition when
unlimited; else ``Reach.reaches`` over the stored contact and the master's groups it is a member
of now (``FakeContacts.reaches``; a contact not stored is out of reach).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from services.contacts.domain.contact import AccountValuation, ChangeRecord, Contact, NewChange
from services.contacts.domain.groups import Group, GroupMembership, GroupSummary
from services.contacts.domain.households import Candidate, FormInfo, Household, MemberTaken
from services.contacts.domain.invitations import Invitation, InvitationStatus
from services.contacts.domain.reach import EVERYTHING, Reach

STORED_AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
"""What the fakes write where the database would write now()."""


class NotFaked:
    """A repository the unit tests do not reach; using it says which one."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        raise NotImplementedError(f"uow.{self._name} is not faked: test it against PostgreSQL")


class FakeContacts:
    def __init__(self) -> None:
        self.rows: dict[UUID, Contact] = {}
        self.changes: dict[UUID, list[ChangeRecord]] = {}
        self.groups_of: Callable[[str, UUID], set[UUID]] = lambda master, contact_id: set()
        """(master, contact id) -> the master's groups the contact is a member of (the fake
        unit of work wires ``FakeGroups.groups_of``)"""

    def _of(self, master_account_id: str) -> list[Contact]:
        return [c for c in self.rows.values() if c.master_account_id == master_account_id]

    def reaches(self, contact_id: UUID, master_account_id: str, reach: Reach) -> bool:
        """Like ``store/scope.py``'s condition: a stored contact of the master within reach."""
        if reach.unlimited:
            return True
        contact = self.rows.get(contact_id)
        if contact is None or contact.master_account_id != master_account_id:
            return False
        groups = self.groups_of(master_account_id, contact_id)
        return reach.reaches(contact.kind, contact.account_number, groups)

    async def get(
        self,
        contact_id: UUID,
        *,
        master_account_id: str,
        for_update: bool = False,
        reach: Reach = EVERYTHING,
    ) -> Contact | None:
        contact = self.rows.get(contact_id)
        if contact is None or contact.master_account_id != master_account_id:
            return None
        if not self.reaches(contact_id, master_account_id, reach):
            return None
        return deepcopy(contact)

    async def by_account_number(
        self, account_number: str, *, master_account_id: str
    ) -> Contact | None:
        found = [c for c in self._of(master_account_id) if c.account_number == account_number]
        return deepcopy(found[0]) if found else None

    async def invited_prospect_by_email(
        self, email: str, *, master_account_id: str
    ) -> Contact | None:
        found = [
            c
            for c in self._of(master_account_id)
            if (c.email or "").lower() == email.lower() and c.account_number is None
        ]
        return deepcopy(found[0]) if found else None

    async def existing_ids(
        self, contact_ids: Sequence[UUID], *, master_account_id: str, reach: Reach = EVERYTHING
    ) -> set[UUID]:
        return {
            c.id
            for c in self._of(master_account_id)
            if c.id in contact_ids and self.reaches(c.id, master_account_id, reach)
        }

    async def add(self, contact: Contact) -> None:
        assert contact.id not in self.rows, "a contact is added once"
        self.rows[contact.id] = replace(
            deepcopy(contact), created_at=STORED_AT, updated_at=STORED_AT
        )

    async def save(self, contact: Contact) -> None:
        stored = self.rows[contact.id]
        self.rows[contact.id] = replace(
            deepcopy(contact), created_at=stored.created_at, updated_at=STORED_AT
        )

    async def remove(self, contact_ids: Sequence[UUID], *, master_account_id: str) -> None:
        for contact_id in await self.existing_ids(contact_ids, master_account_id=master_account_id):
            del self.rows[contact_id]

    async def for_account_events(
        self, accounts: Sequence[tuple[str, str]], emails: Sequence[tuple[str, str]]
    ) -> list[Contact]:
        keys, addresses = set(accounts), set(emails)
        found = [
            c
            for c in self.rows.values()
            if (c.master_account_id, c.account_number or "") in keys
            or (
                c.account_number is None
                and (c.master_account_id, (c.email or "").lower()) in addresses
            )
        ]
        return [deepcopy(c) for c in sorted(found, key=lambda c: c.id)]

    async def add_all(self, contacts: Sequence[Contact]) -> None:
        for contact in contacts:
            await self.add(contact)

    async def save_all(self, contacts: Sequence[Contact]) -> None:
        assert len({c.id for c in contacts}) == len(contacts), "each contact saved once"
        for contact in contacts:
            await self.save(contact)

    async def record_changes(self, changes: Sequence[NewChange]) -> None:
        for c in changes:
            change = ChangeRecord(STORED_AT, c.changed_by, c.action, c.changes)
            self.changes.setdefault(c.contact_id, []).append(change)

    async def set_net_asset_values(self, valuations: Sequence[AccountValuation]) -> None:
        accounts = {(v.master_account_id, v.account_number): v for v in valuations}
        assert len(accounts) == len(valuations), "one valuation per account"
        for contact in self.rows.values():
            valuation = accounts.get((contact.master_account_id, contact.account_number or ""))
            if valuation is not None:
                contact.net_asset_value = valuation.net_asset_value

    async def record_change(
        self, contact: Contact, *, changed_by: str, action: str, changes: dict[str, Any]
    ) -> None:
        change = ChangeRecord(STORED_AT, changed_by, action, changes)
        self.changes.setdefault(contact.id, []).append(change)

    async def history(
        self, contact_id: UUID, *, master_account_id: str, limit: int
    ) -> list[ChangeRecord]:
        if await self.get(contact_id, master_account_id=master_account_id) is None:
            return []
        return list(reversed(self.changes.get(contact_id, [])))[:limit]


class FakeGroups:
    def __init__(self) -> None:
        self.rows: dict[UUID, Group] = {}
        self.members: dict[UUID, dict[UUID, str]] = {}
        """group id -> member contact id -> who added it"""
        self.contacts: FakeContacts | None = None
        """the contacts, for counting the members within a reach (wired by the unit of work)"""

    def groups_of(self, master_account_id: str, contact_id: UUID) -> set[UUID]:
        return {
            group_id
            for group_id, members in self.members.items()
            if contact_id in members and self.rows[group_id].master_account_id == master_account_id
        }

    def _count(self, group: Group, reach: Reach) -> int:
        members = self.members[group.id]
        if reach.unlimited or self.contacts is None:
            return len(members)
        contacts = self.contacts
        return sum(contacts.reaches(cid, group.master_account_id, reach) for cid in members)

    async def visible(
        self,
        user_id: str,
        *,
        master_account_id: str,
        group_id: UUID | None = None,
        reach: Reach = EVERYTHING,
    ) -> list[GroupSummary]:
        seen = [
            GroupSummary(replace(group), self._count(group, reach), STORED_AT)
            for group in self.rows.values()
            if group.master_account_id == master_account_id
            and group.visible_to(user_id)
            and group_id in (None, group.id)
        ]
        return sorted(seen, key=lambda s: (s.group.name.lower(), str(s.group.id)))

    async def get(
        self, group_id: UUID, *, master_account_id: str, for_update: bool = False
    ) -> Group | None:
        group = self.rows.get(group_id)
        if group is None or group.master_account_id != master_account_id:
            return None
        return replace(group)

    async def named(
        self, name: str, user_id: str, *, master_account_id: str, other_than: UUID | None = None
    ) -> bool:
        return any(
            s.group.name.lower() == name.lower() and s.group.id != other_than
            for s in await self.visible(user_id, master_account_id=master_account_id)
        )

    async def add(self, group: Group) -> None:
        self.rows[group.id] = replace(group)
        self.members[group.id] = {}

    async def save(self, group: Group) -> None:
        assert group.id in self.rows, "only a stored group is saved"
        self.rows[group.id] = replace(group)

    async def remove(self, group: Group) -> None:
        del self.rows[group.id], self.members[group.id]

    async def member_ids(self, group_id: UUID, *, master_account_id: str) -> set[UUID]:
        return set(self.members.get(group_id, {}))

    async def memberships_of(
        self, contact_ids: Sequence[UUID], *, master_account_id: str
    ) -> list[GroupMembership]:
        return [
            GroupMembership(group_id, contact_id, added_by)
            for group_id, members in self.members.items()
            for contact_id, added_by in members.items()
            if contact_id in contact_ids
        ]

    async def add_members(
        self, memberships: Sequence[GroupMembership], *, master_account_id: str
    ) -> None:
        for m in memberships:
            self.members[m.group_id].setdefault(m.contact_id, m.added_by)

    async def remove_members(
        self, group_id: UUID, contact_ids: Sequence[UUID], *, master_account_id: str
    ) -> None:
        for contact_id in contact_ids:
            self.members[group_id].pop(contact_id, None)

    async def remove_from_every_group(
        self, contact_ids: Sequence[UUID], *, master_account_id: str
    ) -> None:
        for members in self.members.values():
            for contact_id in contact_ids:
                members.pop(contact_id, None)


@dataclass
class HouseholdRows:
    households: dict[UUID, Household] = field(default_factory=dict)
    forms: dict[UUID, list[tuple[FormInfo, bytes]]] = field(default_factory=dict)


class FakeHouseholds:
    """Households over ``rows``; the members' facts come from the contacts."""

    def __init__(self, rows: HouseholdRows, contacts: FakeContacts) -> None:
        self._rows = rows
        self._contacts = contacts

    def _household_of(self, contact_id: UUID) -> UUID | None:
        return next(
            (
                h.id
                for h in self._rows.households.values()
                if not h.dissolved and contact_id in h.member_ids
            ),
            None,
        )

    def _wholly_within(self, household: Household, reach: Reach) -> bool:
        master = household.master_account_id
        return all(self._contacts.reaches(cid, master, reach) for cid in household.member_ids)

    async def get(
        self,
        household_id: UUID,
        *,
        master_account_id: str,
        for_update: bool = False,
        reach: Reach = EVERYTHING,
    ) -> Household | None:
        household = self._rows.households.get(household_id)
        if household is None or household.master_account_id != master_account_id:
            return None
        if household.dissolved or not self._wholly_within(household, reach):
            return None
        return deepcopy(household)

    async def active(self, *, master_account_id: str, reach: Reach = EVERYTHING) -> list[Household]:
        found = [
            deepcopy(h)
            for h in self._rows.households.values()
            if h.master_account_id == master_account_id
            and not h.dissolved
            and self._wholly_within(h, reach)
        ]
        return sorted(found, key=lambda h: (h.name.lower(), str(h.id)))

    async def memberships_of(
        self, contact_ids: Sequence[UUID], *, master_account_id: str
    ) -> list[tuple[UUID, UUID]]:
        return [
            (h.id, contact_id)
            for h in self._rows.households.values()
            if not h.dissolved
            for contact_id in h.member_ids
            if contact_id in contact_ids
        ]

    async def candidates(
        self, contact_ids: Sequence[UUID], *, master_account_id: str, reach: Reach = EVERYTHING
    ) -> list[Candidate]:
        found = []
        for contact_id in contact_ids:
            contact = await self._contacts.get(
                contact_id, master_account_id=master_account_id, reach=reach
            )
            if contact is not None:
                found.append(
                    Candidate(
                        contact_id=contact.id,
                        name=contact.display_name,
                        kind=contact.kind,
                        closed=contact.closed,
                        account_number=contact.account_number,
                        household_id=self._household_of(contact.id),
                        status=contact.status,
                    )
                )
        return found

    def _claim(self, household: Household) -> None:
        """Like the one-household-per-contact constraint."""
        if any(self._household_of(cid) not in (None, household.id) for cid in household.member_ids):
            raise MemberTaken()

    async def add(self, household: Household, *, created_by: str) -> None:
        self._claim(household)
        self._rows.households[household.id] = deepcopy(household)

    async def save(self, household: Household, *, new_members: bool = False) -> None:
        self._claim(household)
        self._rows.households[household.id] = deepcopy(household)

    async def add_form(
        self, household: Household, pdf: bytes, *, generated_at: datetime, generated_by: str
    ) -> int:
        forms = self._rows.forms.setdefault(household.id, [])
        info = FormInfo(len(forms) + 1, household.version, generated_at, generated_by)
        forms.append((info, pdf))
        return info.version

    async def forms(self, household_id: UUID, *, master_account_id: str) -> list[FormInfo]:
        return [info for info, _ in reversed(self._rows.forms.get(household_id, []))]

    async def form_pdf(
        self, household_id: UUID, version: int, *, master_account_id: str
    ) -> bytes | None:
        household = self._rows.households.get(household_id)
        if household is None or household.master_account_id != master_account_id:
            return None
        forms = self._rows.forms.get(household_id, [])
        return next((pdf for info, pdf in forms if info.version == version), None)


class FakeInvitations:
    def __init__(self) -> None:
        self.rows: dict[UUID, Invitation] = {}

    async def add(self, invitation: Invitation) -> None:
        self.rows[invitation.id] = replace(invitation)

    async def of_contact(self, contact_id: UUID, *, master_account_id: str) -> list[Invitation]:
        found = [
            replace(i)
            for i in self.rows.values()
            if i.master_account_id == master_account_id and i.contact_id == contact_id
        ]
        return sorted(found, key=lambda i: i.created_at, reverse=True)

    async def get(
        self, contact_id: UUID, invitation_id: UUID, *, master_account_id: str
    ) -> Invitation | None:
        found = await self.of_contact(contact_id, master_account_id=master_account_id)
        return next((i for i in found if i.id == invitation_id), None)

    async def by_token_hash(self, token_hash: str, *, master_account_id: str) -> Invitation | None:
        return next(
            (
                replace(i)
                for i in self.rows.values()
                if i.master_account_id == master_account_id and i.token_hash == token_hash
            ),
            None,
        )

    async def next_due_email(self, now: datetime) -> Invitation | None:
        due = [
            i
            for i in self.rows.values()
            if i.status is InvitationStatus.PENDING_SEND
            and i.next_attempt_at is not None
            and i.next_attempt_at <= now
        ]
        return replace(min(due, key=lambda i: i.next_attempt_at or now)) if due else None

    async def save_delivery(self, invitation: Invitation) -> None:
        self.rows[invitation.id] = replace(invitation)

    async def reassign(
        self, from_ids: Sequence[UUID], to_id: UUID, *, master_account_id: str
    ) -> None:
        for invitation in self.rows.values():
            if (
                invitation.master_account_id == master_account_id
                and invitation.contact_id in from_ids
            ):
                invitation.contact_id = to_id
