"""Households (C10): contacts of one master grouped under a head of household, who may see
every member's accounts. Each creation or change produces a form the members sign."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from contracts.accounts import ApplicationStage
from contracts.contacts import ContactKind
from contracts.crm import HouseholdChanged
from services.runtime.errors import Conflict, DomainError, Invalid

MIN_MEMBERS = 2
MAX_MEMBERS = 50
NAME_MAX_LENGTH = 100


class HouseholdError(DomainError):
    """A household change refused; ``field`` names the input it is about."""

    field: str | None


class HouseholdRuleError(HouseholdError, Invalid):
    """Input a household cannot take (answered with 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


class HouseholdConflict(HouseholdError, Conflict):
    """A member already belongs to another household (answered with 409)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class MemberTaken(HouseholdConflict):
    """A member joined another household while this one was being written."""

    def __init__(self) -> None:
        super().__init__(
            "member_contact_ids", "a member joined another household meanwhile; try again"
        )


@dataclass(frozen=True)
class Candidate:
    """What the rules need to know about a contact proposed as a member."""

    contact_id: UUID
    name: str
    kind: ContactKind
    closed: bool
    account_number: str | None = None
    household_id: UUID | None = None
    """the household the contact belongs to now, if any"""
    status: ApplicationStage | None = None


@dataclass
class Household:
    master_account_id: str
    name: str
    head_contact_id: UUID | None
    member_ids: list[UUID]
    id: UUID = field(default_factory=uuid4)
    version: int = 1
    dissolved: bool = False

    def changed_event(self) -> HouseholdChanged:
        return HouseholdChanged(
            household_id=self.id,
            name=self.name,
            head_contact_id=self.head_contact_id,
            member_contact_ids=sorted(self.member_ids, key=str),
            dissolved=self.dissolved,
            version=self.version,
        )


@dataclass(frozen=True)
class FormInfo:
    """A version of a household's form to sign (its PDF is read on its own)."""

    version: int
    household_version: int
    generated_at: datetime
    generated_by: str


@dataclass(frozen=True)
class HouseholdRecord:
    """A household as its page shows it: the members' facts and the forms generated so far."""

    household: Household
    members: list[Candidate]
    forms: list[FormInfo]


def household_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise HouseholdRuleError("name", "a household needs a name")
    if len(cleaned) > NAME_MAX_LENGTH:
        raise HouseholdRuleError("name", f"at most {NAME_MAX_LENGTH} characters")
    return cleaned


def distinct_members(requested: Sequence[UUID]) -> list[UUID]:
    """The requested members in order, each once; refuses too few or too many."""
    members = list(dict.fromkeys(requested))
    if len(members) < MIN_MEMBERS:
        raise HouseholdRuleError(
            "member_contact_ids", f"a household has at least {MIN_MEMBERS} different members"
        )
    if len(members) > MAX_MEMBERS:
        raise HouseholdRuleError(
            "member_contact_ids", f"a household has at most {MAX_MEMBERS} members"
        )
    return members


def check_household(
    household_id: UUID,
    members: Sequence[UUID],
    head_id: UUID,
    candidates: Sequence[Candidate],
) -> None:
    """Every member is a known, open contact of no other household; the head is a member and
    a client (the head logs in to see the household's accounts, so needs an account of their own).
    """
    known = {candidate.contact_id: candidate for candidate in candidates}
    missing = [str(contact_id) for contact_id in members if contact_id not in known]
    if missing:
        raise HouseholdRuleError("member_contact_ids", f"no such contact: {', '.join(missing)}")
    for contact_id in members:
        candidate = known[contact_id]
        if candidate.closed:
            raise HouseholdRuleError(
                "member_contact_ids", f"{candidate.name} is closed and cannot join a household"
            )
        if candidate.household_id is not None and candidate.household_id != household_id:
            raise HouseholdConflict(
                "member_contact_ids", f"{candidate.name} already belongs to another household"
            )
    if head_id not in members:
        raise HouseholdRuleError("head_contact_id", "the head of household must be a member")
    if known[head_id].kind is not ContactKind.CLIENT:
        raise HouseholdRuleError(
            "head_contact_id", f"the head of household must be a client; {known[head_id].name} "
            "is a prospect without an account"
        )  # fmt: skip


def form_members(
    members: Sequence[UUID], head_id: UUID | None, candidates: Sequence[Candidate]
) -> tuple[str, list[tuple[str, str | None]]]:
    """(head's name, [(member name, account number)]) for the form, head first."""
    known = {candidate.contact_id: candidate for candidate in candidates}
    ordered = sorted(
        members, key=lambda contact_id: (contact_id != head_id, known[contact_id].name)
    )
    head = known[head_id].name if head_id in known else "(none)"
    return head, [(known[cid].name, known[cid].account_number) for cid in ordered]


def take_over_membership(
    household: Household, merged_ids: Collection[UUID], kept_id: UUID, *, kept_joins: bool
) -> None:
    """A merge's change to a household the merged contacts were in: they leave, the kept contact
    takes their place when ``kept_joins`` (it is in no household yet), and takes the head role
    from a merged head when it is a member. A household left with fewer than two members is
    dissolved. The household's version moves on."""
    was_head = household.head_contact_id in merged_ids
    household.member_ids = [cid for cid in household.member_ids if cid not in merged_ids]
    if kept_joins:
        household.member_ids.append(kept_id)
    if kept_id in household.member_ids and was_head:
        household.head_contact_id = kept_id
    elif household.head_contact_id not in household.member_ids:
        household.head_contact_id = None
    household.dissolved = len(household.member_ids) < MIN_MEMBERS
    household.version += 1
