"""Linked accounts (L3): the links the linkage service publishes (``linkage.accounts_linked``)
kept as a read model, and the groups they form, which share activity-fee minimums (fee
administration, ``service_layer/fees.py``) and consolidated reporting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from contracts.access import ClientScope
from contracts.linkage import AccountsLinked
from services.analytics.domain.account_links import Link, LinkGroup, groups
from services.runtime.consumers import Delivery


class AccountLinks(Protocol):
    async def add(self, rows: Sequence[dict[str, Any]]) -> None: ...

    async def links(self, *, master_account_id: str) -> list[Link]: ...

    async def linked_within(self, *, master_account_id: str, scope: ClientScope) -> set[str]: ...


class AccountLinksUnitOfWork(Protocol):
    @property
    def account_links(self) -> AccountLinks: ...


async def apply_accounts_linked(
    deliveries: Sequence[Delivery[AccountsLinked]], uow: AccountLinksUnitOfWork
) -> None:
    """Keep each link: one row per account (a repeated link adds nothing; order does not matter,
    the groups are formed when read)."""
    rows = [
        {"request_id": d.event.request_id, "account_number": account,
         "master_account_id": d.envelope.master_account_id,
         "surviving_account": d.event.surviving_account, "executed_at": d.event.executed_at}
        for d in deliveries
        for account in dict.fromkeys([d.event.surviving_account, *d.event.linked_accounts])
    ]  # fmt: skip
    await uow.account_links.add(rows)


async def groups_of(
    uow: AccountLinksUnitOfWork, master: str, *, on_or_before: date | None = None
) -> dict[str, LinkGroup]:
    """Each linked account of the master -> its group, from the links executed on or before
    ``on_or_before`` (every link when ``None``)."""
    return groups(
        await uow.account_links.links(master_account_id=master), on_or_before=on_or_before
    )


async def linked_accounts(
    uow: AccountLinksUnitOfWork, master: str, *, scope: ClientScope
) -> dict[str, list[str]]:
    """Each linked account within the scope -> the other accounts of its group within the scope
    (what a user may be shown)."""
    visible = await uow.account_links.linked_within(master_account_id=master, scope=scope)
    return {
        account: [a for a in group.accounts if a != account and a in visible]
        for account, group in (await groups_of(uow, master)).items()
        if account in visible
    }
