"""Recipients (M3, M4, X4) against an in-memory unit of work: open client accounts of the master
within the caller's scope, accounts and groups named, refusals naming the account, household
folding into the head, no duplicates, a stable order; the template variables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from contracts.access import Access, ClientScope, Right
from contracts.api.recipients import RecipientSelection
from services.messaging.domain.recipients import (
    ClientState,
    GroupState,
    HouseholdState,
    MasterUser,
    Recipient,
)
from services.messaging.service_layer.recipients import (
    recipient_groups,
    recipient_page,
    resolve_recipients,
    resolved,
    signatures,
)
from services.runtime.caller import Caller
from services.runtime.errors import Invalid
from tests.unit.messaging.fakes_directory import MASTER, OTHER_MASTER, FakeDirectoryUnitOfWork

PRIMARY = Caller(MASTER, "u-primary")


def scoped(*, accounts: set[str] = set(), groups: set[UUID] = set(), user: str = "u-2") -> Caller:  # noqa: B006
    scope = ClientScope(all_clients=False, account_numbers=frozenset(accounts),
                        group_ids=frozenset(groups))  # fmt: skip
    return Caller(MASTER, user, Access(rights=frozenset({Right.COMMUNICATION_CENTER}), scope=scope))


class Book:
    def __init__(self) -> None:
        self.uow: Any = FakeDirectoryUnitOfWork()
        self.ids: dict[str, UUID] = {}

    async def client(self, account: str, last: str, first: str = "Ann", *, master: str = MASTER,
                     kind: str = "client", closed: bool = False, removed: bool = False,
                     title: str | None = None) -> UUID:  # fmt: skip
        contact_id = uuid4()
        self.ids[account] = contact_id
        await self.uow.clients.upsert([ClientState(
            contact_id, master, 1, kind, first, last, title, account, f"{account.lower()}@x.test",
            "open", closed, removed)])  # fmt: skip
        return contact_id

    async def group(self, name: str, *accounts: str, visibility: str = "public",
                    owner: str = "u-primary") -> UUID:  # fmt: skip
        group_id = uuid4()
        members = tuple(self.ids[a] for a in accounts)
        await self.uow.client_groups.upsert(
            [GroupState(group_id, MASTER, 1, name, visibility, owner, members)]
        )
        return group_id

    async def household(self, name: str, head: str, *members: str) -> UUID:
        household_id = uuid4()
        ids = tuple(self.ids[a] for a in (head, *members))
        await self.uow.households.upsert(
            [HouseholdState(household_id, MASTER, 1, name, self.ids[head], ids)]
        )
        return household_id


def accounts_of(recipients: list[Recipient]) -> list[str]:
    return [r.account_number for r in recipients]


@pytest.fixture
async def book() -> Book:
    book = Book()
    await book.client("U1", "Zeta")
    await book.client("U2", "Alpha")
    await book.client("U3", "Mid", title="Golf club")
    await book.client("U4", "Closed", closed=True)
    await book.client("U5", "Removed", removed=True)
    await book.client("P1", "Prospect", kind="prospect")
    await book.client("X1", "Elsewhere", master=OTHER_MASTER)
    return book


def select(
    *accounts: str, groups: list[UUID] | None = None, per_household: bool = False
) -> RecipientSelection:
    return RecipientSelection(account_numbers=list(accounts), group_ids=groups or [],
                              per_household=per_household)  # fmt: skip


async def test_named_open_client_accounts_are_resolved_once_in_name_order(book: Book) -> None:
    got = await resolve_recipients(book.uow, PRIMARY, select("U1", "U2", "U1", "U3"))
    assert accounts_of(got) == ["U2", "U3", "U1"]


@pytest.mark.parametrize("refused", ["U4", "U5", "P1", "X1", "NOPE"])
async def test_an_account_that_is_not_an_open_client_of_the_master_is_refused_by_name(
    book: Book, refused: str
) -> None:
    with pytest.raises(Invalid) as caught:
        await resolve_recipients(book.uow, PRIMARY, select("U1", refused))
    assert caught.value.problems == [
        (("account_numbers", 1), f"{refused}: not an open client account you can reach")
    ]


async def test_a_scoped_user_reaches_their_accounts_and_the_members_of_their_groups(
    book: Book,
) -> None:
    golfers = await book.group("Golfers", "U3")
    caller = scoped(accounts={"U1"}, groups={golfers})
    assert accounts_of(await resolve_recipients(book.uow, caller, select("U1", "U3"))) == [
        "U3",
        "U1",
    ]
    with pytest.raises(Invalid, match="U2: not an open client account you can reach"):
        await resolve_recipients(book.uow, caller, select("U1", "U2"))
    everyone = await book.group("Everyone", "U1", "U2", "U3", "U4")
    got = await resolve_recipients(book.uow, caller, select(groups=[everyone]))
    assert accounts_of(got) == ["U3", "U1"], "a group's members out of scope are left out"


async def test_groups_select_their_open_members_and_private_groups_only_their_owners(
    book: Book,
) -> None:
    golfers = await book.group("Golfers", "U1", "U3", "U4")
    mine = await book.group("Mine", "U2", visibility="private", owner="u-2")
    got = await resolve_recipients(book.uow, PRIMARY, select("U3", groups=[golfers]))
    assert accounts_of(got) == ["U3", "U1"]
    with pytest.raises(Invalid, match="not a group you can choose"):
        await resolve_recipients(book.uow, PRIMARY, select(groups=[mine]))
    owner = Caller(MASTER, "u-2")
    assert accounts_of(await resolve_recipients(book.uow, owner, select(groups=[mine]))) == ["U2"]
    shown = await recipient_groups(book.uow, owner)
    assert [(g.name, g.open_clients) for g in shown] == [("Golfers", 2), ("Mine", 1)]
    assert [g.name for g in await recipient_groups(book.uow, PRIMARY)] == ["Golfers"]


async def test_per_household_folds_members_into_the_head_even_when_the_head_was_not_named(
    book: Book,
) -> None:
    await book.client("H1", "Lovelace", "Ada")
    await book.client("H2", "Lovelace", "Byron")
    await book.client("H3", "Lovelace", "Ann")
    await book.household("Lovelace family", "H1", "H2", "H3")
    got = await resolve_recipients(book.uow, PRIMARY, select("H2", "H3", "U1", per_household=True))
    assert [(r.account_number, r.folded_accounts, r.household_name) for r in got] == [
        ("H1", ("H2", "H3"), "Lovelace family"),
        ("U1", (), None),
    ]
    view = await resolved(book.uow, PRIMARY, select("H1", "H2", "H3", "U1", per_household=True))
    assert (view.count, view.accounts_covered, view.folded_households) == (2, 4, 1)
    unfolded = await resolve_recipients(book.uow, PRIMARY, select("H2", "H3"))
    assert accounts_of(unfolded) == ["H3", "H2"], "without per_household each account goes"


async def test_a_member_whose_head_is_out_of_reach_is_sent_to_individually(book: Book) -> None:
    await book.client("H1", "Head", closed=True)
    await book.client("H2", "Member")
    await book.client("S1", "Scoped head")
    await book.client("S2", "Scoped member")
    await book.household("Closed head", "H1", "H2")
    await book.household("Out of scope head", "S1", "S2")
    got = await resolve_recipients(book.uow, PRIMARY, select("H2", per_household=True))
    assert [(r.account_number, r.folded_accounts) for r in got] == [("H2", ())]
    caller = scoped(accounts={"S2"})
    got = await resolve_recipients(book.uow, caller, select("S2", per_household=True))
    assert [(r.account_number, r.folded_accounts) for r in got] == [("S2", ())]


async def test_the_recipient_list_is_paged_filtered_and_scoped(book: Book) -> None:
    page = await recipient_page(
        book.uow, PRIMARY, search="golf", group_id=None, page=1, page_size=10
    )
    assert [r.account_number for r in page.items] == ["U3"]
    page = await recipient_page(book.uow, PRIMARY, search=None, group_id=None, page=2, page_size=2)
    assert (page.total, [r.account_number for r in page.items]) == (3, ["U1"])
    caller = scoped(accounts={"U2"})
    page = await recipient_page(book.uow, caller, search="", group_id=None, page=1, page_size=10)
    assert [r.account_number for r in page.items] == ["U2"]
    nobody = scoped()
    assert (await recipient_page(book.uow, nobody, search=None, group_id=None, page=1,
                                 page_size=10)).total == 0  # fmt: skip


async def test_signatures_are_the_masters_active_users(book: Book) -> None:
    at = datetime(2026, 1, 5, tzinfo=UTC)
    await book.uow.master_users.upsert([
        MasterUser("u-1", MASTER, "Zoe", "zoe@x.test", True, False, at),
        MasterUser("u-2", MASTER, "Bob", None, True, False, at),
        MasterUser("u-3", MASTER, "Gone", "gone@x.test", False, False, at),
        MasterUser("u-4", OTHER_MASTER, "Other", "o@x.test", True, False, at),
    ])  # fmt: skip
    got = await signatures(book.uow, PRIMARY)
    assert [(s.display_name, s.email) for s in got] == [("Bob", None), ("Zoe", "zoe@x.test")]


def test_the_template_variables_of_a_recipient() -> None:
    recipient = Recipient(uuid4(), "U1", "Ada", "Lovelace", None, None, household_name="Home")
    assert recipient.variables("Harbor Wealth", date(2026, 1, 5)) == {
        "client_name": "Ada Lovelace", "first_name": "Ada", "last_name": "Lovelace", "title": "",
        "account_number": "U1", "email": "", "master_name": "Harbor Wealth",
        "today": "2026-01-05", "household_name": "Home",
    }  # fmt: skip


def test_a_selection_is_bounded() -> None:
    with pytest.raises(ValueError):
        RecipientSelection(account_numbers=["U1"] * 10_001)
    with pytest.raises(ValueError):
        RecipientSelection(group_ids=[uuid4() for _ in range(51)])
