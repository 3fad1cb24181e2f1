"""Who a message goes to: what messaging knows of a master's clients, groups, households and
users (kept from their events: the newest version of each wins), which client accounts a user
may send to (open clients within their scope), and X4's folding of a household into its head."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from uuid import UUID

from contracts.access import ClientScope
from contracts.contacts import ContactKind
from services.runtime.read_models import newest

# --- the read models' states, as of one version ------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClientState:
    """A contact as messaging keeps it (prospects too: one may become a client)."""

    contact_id: UUID
    master_account_id: str
    version: int
    kind: str
    first_name: str
    last_name: str
    title: str | None
    account_number: str | None
    email: str | None
    status: str | None
    closed: bool
    removed: bool = False

    def supersedes(self, other: ClientState) -> bool:
        """Newer versions win; a removal wins over the same version still shown."""
        return self.version > other.version or (self.removed and not other.removed)


@dataclass(frozen=True, slots=True)
class GroupState:
    """A group as of one version; a deleted group has no members."""

    group_id: UUID
    master_account_id: str
    version: int
    name: str
    visibility: str
    owner_user_id: str
    member_contact_ids: tuple[UUID, ...]
    deleted: bool = False

    def __post_init__(self) -> None:
        members = () if self.deleted else tuple(dict.fromkeys(self.member_contact_ids))
        object.__setattr__(self, "member_contact_ids", members)


@dataclass(frozen=True, slots=True)
class HouseholdState:
    """A household as of one version; a dissolved household has no members and no head."""

    household_id: UUID
    master_account_id: str
    version: int
    name: str
    head_contact_id: UUID | None
    member_contact_ids: tuple[UUID, ...]
    dissolved: bool = False

    def __post_init__(self) -> None:
        members = () if self.dissolved else tuple(dict.fromkeys(self.member_contact_ids))
        object.__setattr__(self, "member_contact_ids", members)
        if self.dissolved:
            object.__setattr__(self, "head_contact_id", None)


@dataclass(frozen=True, slots=True)
class MasterUser:
    """A user of a master account, as the gateway last announced them."""

    user_id: str
    master_account_id: str
    display_name: str
    email: str | None
    active: bool
    email_reminders: bool
    changed_at: datetime
    rights: tuple[str, ...] = ()  # the gateway's Right values (a primary user holds all)


def newest_clients(states: Iterable[ClientState]) -> list[ClientState]:
    """One state per contact, the one a read model keeps (a batch upserts each contact once)."""
    return newest(states, key=lambda s: s.contact_id, supersedes=ClientState.supersedes)


def newest_groups(groups: Iterable[GroupState]) -> list[GroupState]:
    return newest(
        groups, key=lambda g: g.group_id, supersedes=lambda g, kept: g.version > kept.version
    )


def newest_households(households: Iterable[HouseholdState]) -> list[HouseholdState]:
    return newest(households, key=lambda h: h.household_id,
                  supersedes=lambda h, kept: h.version > kept.version)  # fmt: skip


@dataclass(frozen=True)
class MasterProfile:
    """A master account's name and time zone, as the gateway last announced them."""

    master_account_id: str
    name: str
    time_zone: str
    changed_at: datetime


def newest_masters(masters: Iterable[MasterProfile]) -> list[MasterProfile]:
    return newest(masters, key=lambda m: m.master_account_id,
                  supersedes=lambda m, kept: m.changed_at >= kept.changed_at)  # fmt: skip


def newest_users(users: Iterable[MasterUser]) -> list[MasterUser]:
    # later in the batch wins a tie
    return newest(users, key=lambda u: u.user_id,
                  supersedes=lambda u, kept: u.changed_at >= kept.changed_at)  # fmt: skip


# --- recipients ---------------------------------------------------------------------------------


def is_open_client(*, kind: str, closed: bool, removed: bool, account_number: str | None) -> bool:
    """What may receive a message: a client account that is open (and still exists)."""
    return kind == ContactKind.CLIENT and not closed and not removed and bool(account_number)


def within_scope(
    scope: ClientScope, *, account_number: str | None, group_ids: Iterable[UUID]
) -> bool:
    """Whether a user with ``scope`` reaches this client account: all of them, the accounts it
    names, or the members (now) of the groups it names. ``store/directory.py`` applies the same
    rule in SQL."""
    if scope.all_clients:
        return True
    if account_number is not None and account_number in scope.account_numbers:
        return True
    return not scope.group_ids.isdisjoint(group_ids)


def group_visible_to(*, visibility: str, owner_user_id: str, user_id: str) -> bool:
    """Public groups, and the user's own private ones."""
    return visibility == "public" or owner_user_id == user_id


@dataclass(frozen=True)
class Recipient:
    """One client account a message goes to (with X4, a household head and the accounts folded
    into it)."""

    contact_id: UUID
    account_number: str
    first_name: str
    last_name: str
    title: str | None
    email: str | None
    household_name: str | None = None
    folded_accounts: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def variables(self, master_name: str, today: date) -> dict[str, str]:
        """The template variables of this recipient (an unknown value is empty, never None)."""
        return {
            "client_name": self.name,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "title": self.title or "",
            "account_number": self.account_number,
            "email": self.email or "",
            "master_name": master_name,
            "today": today.isoformat(),
            "household_name": self.household_name or "",
        }


def recipient_order(recipient: Recipient) -> tuple[str, str, str, str]:
    """Recipients are listed by name, then account number: the same order on every call."""
    return (
        recipient.last_name.casefold(),
        recipient.first_name.casefold(),
        recipient.account_number,
        str(recipient.contact_id),
    )


def distinct_sorted(recipients: Iterable[Recipient]) -> list[Recipient]:
    """Each contact once, in ``recipient_order``."""
    unique = {recipient.contact_id: recipient for recipient in recipients}
    return sorted(unique.values(), key=recipient_order)


@dataclass(frozen=True, slots=True)
class HouseholdLink:
    """The household a contact belongs to, and its head."""

    household_id: UUID
    name: str
    head_contact_id: UUID | None


@dataclass
class _Folding:
    head: Recipient
    household_name: str
    members: set[str] = field(default_factory=set)


def fold_households(
    selected: Sequence[Recipient],
    household_of: Mapping[UUID, HouseholdLink],
    heads: Mapping[UUID, Recipient],
) -> list[Recipient]:
    """X4: the selected accounts of one household go once, to its head (whether or not the head
    was selected), who carries the other members' account numbers in ``folded_accounts``.
    ``heads`` holds the heads that may receive it (open clients within the caller's scope); a
    member whose head is not among them, or who is in no household, is sent to individually."""
    foldings: dict[UUID, _Folding] = {}
    individuals: list[Recipient] = []
    for recipient in selected:
        link = household_of.get(recipient.contact_id)
        head = heads.get(link.head_contact_id) if link and link.head_contact_id else None
        if link is None or head is None:
            individuals.append(recipient)
            continue
        folding = foldings.setdefault(head.contact_id, _Folding(head, link.name))
        if recipient.contact_id != head.contact_id:
            folding.members.add(recipient.account_number)
    folded = [
        replace(
            folding.head,
            household_name=folding.household_name,
            folded_accounts=tuple(sorted(folding.members - {folding.head.account_number})),
        )
        for folding in foldings.values()
    ]
    heads_sent = {recipient.contact_id for recipient in folded}
    return distinct_sorted([*folded, *(r for r in individuals if r.contact_id not in heads_sent)])
