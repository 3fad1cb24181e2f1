"""Groups of contacts (C10): public to every user of the master, or private to their creator."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from contracts.crm import GroupChanged, GroupVisibility
from services.runtime.errors import Conflict, Invalid

NAME_MAX_LENGTH = 100
MAX_MEMBERS = 100_000  # what one GroupChanged event may carry


class GroupRuleError(Invalid):
    """A change a group does not allow; ``field`` names the input it is about."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


class GroupConflict(Conflict):
    """The change clashes with another group (answered with 409)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Group:
    master_account_id: str
    name: str
    visibility: GroupVisibility
    owner_user_id: str
    id: UUID = field(default_factory=uuid4)
    version: int = 1

    def visible_to(self, user_id: str) -> bool:
        return self.visibility is GroupVisibility.PUBLIC or self.owner_user_id == user_id

    def changed_event(self, member_ids: Iterable[UUID], *, deleted: bool = False) -> GroupChanged:
        return GroupChanged(
            group_id=self.id,
            name=self.name,
            visibility=self.visibility,
            owner_user_id=self.owner_user_id,
            member_contact_ids=sorted(member_ids, key=str),
            deleted=deleted,
            version=self.version,
        )


@dataclass(frozen=True)
class GroupSummary:
    """A group as its list shows it."""

    group: Group
    member_count: int
    created_at: datetime


@dataclass(frozen=True)
class GroupMembership:
    group_id: UUID
    contact_id: UUID
    added_by: str


def group_name(name: str) -> str:
    """The name as stored: inner whitespace collapsed; blank or over-long names refused."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise GroupRuleError("name", "a group needs a name")
    if len(cleaned) > NAME_MAX_LENGTH:
        raise GroupRuleError("name", f"at most {NAME_MAX_LENGTH} characters")
    return cleaned


def change_visibility(group: Group, visibility: GroupVisibility, *, by_user: str) -> None:
    """Only the creator decides who sees a group (making it private hides it from the others)."""
    if visibility is group.visibility:
        return
    if by_user != group.owner_user_id:
        raise GroupRuleError("visibility", "only the group's creator can change its visibility")
    group.visibility = visibility


def members_after(current: set[UUID], *, add: Iterable[UUID], remove: Iterable[UUID]) -> set[UUID]:
    """The members after a bulk change; refuses a change that would overflow the group."""
    after = (current | set(add)) - set(remove)
    if len(after) > MAX_MEMBERS:
        raise GroupRuleError("add", f"a group holds at most {MAX_MEMBERS:,} contacts")
    return after


def memberships_taken_over(
    memberships: Iterable[GroupMembership], kept_id: UUID
) -> list[GroupMembership]:
    """The kept contact of a merge joins every group a merged contact was in (once per group,
    as added by whoever added the merged contact)."""
    added_by = {membership.group_id: membership.added_by for membership in memberships}
    return [GroupMembership(group_id, kept_id, by) for group_id, by in added_by.items()]
