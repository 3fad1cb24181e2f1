"""Linked client accounts as analytics sees them (L3): the links the linkage service's Friday
batch executes (``linkage.accounts_linked``) and the groups they form, whose accounts share
activity-fee minimums and consolidated reporting.

Each link is kept as it came: the accounts of one request and the account whose username was
kept. A group is every account joined by links, directly or through another link (an account
kept by one link and linked later under a third account brings its group along), so links may
arrive in any order, and more than once, and the groups come out the same. The account kept by
the group's latest link is its primary account. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Link:
    request_id: UUID
    surviving_account: str
    accounts: tuple[str, ...]
    executed_at: datetime


@dataclass(frozen=True, slots=True)
class LinkGroup:
    primary: str  # the account kept by the group's latest link
    accounts: tuple[str, ...]  # every account of the group, sorted
    linked_at: datetime  # when its latest link was executed


def groups(links: Iterable[Link], *, on_or_before: date | None = None) -> dict[str, LinkGroup]:
    """Each linked account's group, from the links executed on or before ``on_or_before`` (its
    UTC date; every link when ``None``). An account no link names is in no group."""
    parent: dict[str, str] = {}

    def root(account: str) -> str:
        while parent[account] != account:
            parent[account] = parent[parent[account]]
            account = parent[account]
        return account

    kept = [
        link for link in links
        if on_or_before is None or link.executed_at.date() <= on_or_before
    ]  # fmt: skip
    for link in kept:
        for account in link.accounts:
            parent.setdefault(account, account)
        first = root(link.accounts[0])
        for account in link.accounts[1:]:
            parent[root(account)] = first
    latest: dict[str, Link] = {}
    members: dict[str, list[str]] = {}
    for link in kept:
        top = root(link.accounts[0])
        current = latest.get(top)
        if current is None or (link.executed_at, str(link.request_id)) > (
            current.executed_at, str(current.request_id)
        ):  # fmt: skip
            latest[top] = link
    for account in parent:
        members.setdefault(root(account), []).append(account)
    found: dict[str, LinkGroup] = {}
    for top, accounts in members.items():
        group = LinkGroup(primary=latest[top].surviving_account, accounts=tuple(sorted(accounts)),
                          linked_at=latest[top].executed_at)  # fmt: skip
        found.update(dict.fromkeys(accounts, group))
    return found
