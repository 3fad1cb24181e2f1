"""Use cases of the dashboard (A1): pending items, recent activity, AUM with the year-to-date
return, the master account's balance, corporate actions and elections, messages. Every list is
within the caller's client scope; the rights are the seed's (``contracts.access.Access``). Days
are the master's own, in its time zone (``domain/master_days.py``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from contracts import topics
from contracts.access import Access
from contracts.accounts import CorporateActionKind
from contracts.analytics import CorporateActionElected
from contracts.api.analytics_dashboard import (
    PENDING_DAYS,
    PENDING_TYPES,
    ActivityItem,
    ActivityPage,
    ActivityQuery,
    AumPoint,
    AumSeries,
    CorporateActionList,
    CorporateActionView,
    ElectionSubmit,
    ElectionView,
    ItemType,
    MasterBalance,
    MessageList,
    MessageSummary,
    PendingItemsQuery,
)
from services.analytics.domain.master_days import today_in, window_start, zone_named
from services.analytics.domain.twr import linked_returns
from services.analytics.service_layer.unit_of_work import LedgerUnitOfWork
from services.runtime.errors import Conflict, Forbidden, NotFound

RECENT_DAYS = 30
"""Recent Activity reaches back this many days."""


async def master_zone(uow: LedgerUnitOfWork, master_account_id: str) -> ZoneInfo:
    """The master's time zone as the gateway announced it (UTC until it has)."""
    return zone_named(await uow.master_zones.zone_of(master_account_id))


def _item(row: dict[str, Any]) -> ActivityItem:
    return ActivityItem(
        occurred_at=row["occurred_at"],
        account_number=row["account_number"],
        account_title=row["account_title"],
        item_type=ItemType(row["item_type"]),
        description=row["summary"],
        status=row["status"],
    )


async def pending_items(
    uow: LedgerUnitOfWork,
    master_account_id: str,
    access: Access,
    query: PendingItemsQuery,
    *,
    now: datetime,
) -> ActivityPage:
    """Funding, application and transfer items of the master's last ten days (and today),
    newest first; Full Service requests once each, as they are now, also while pending from
    before."""
    types = [query.item_type] if query.item_type in PENDING_TYPES else list(PENDING_TYPES)
    if query.item_type is not None and query.item_type not in PENDING_TYPES:
        types = []
    zone = await master_zone(uow, master_account_id)
    rows, total = await uow.timeline.activity(
        master_account_id,
        access.scope,
        item_types=[t.value for t in types],
        since=window_start(zone, now, PENDING_DAYS),
        account=query.account,
        sort="occurred_at",
        descending=True,
        limit=query.limit,
        offset=0,
        pending_requests=True,
    )
    return ActivityPage(items=[_item(r) for r in rows], total=total, days=PENDING_DAYS)


async def recent_activity(
    uow: LedgerUnitOfWork,
    master_account_id: str,
    access: Access,
    query: ActivityQuery,
    *,
    now: datetime,
) -> ActivityPage:
    zone = await master_zone(uow, master_account_id)
    rows, total = await uow.timeline.activity(
        master_account_id,
        access.scope,
        item_types=[t.value for t in ItemType],
        since=window_start(zone, now, RECENT_DAYS),
        account=None,
        sort=query.sort,
        descending=query.order == "desc",
        limit=query.page_size,
        offset=(query.page - 1) * query.page_size,
    )
    return ActivityPage(items=[_item(r) for r in rows], total=total, days=RECENT_DAYS)


async def aum_series(
    uow: LedgerUnitOfWork, master_account_id: str, access: Access, *, now: datetime
) -> AumSeries:
    """The accessible clients' summed value per day this year (the master's), with the
    year-to-date time-weighted return of that sum (flows removed; ``domain/twr.py``)."""
    today = today_in(await master_zone(uow, master_account_id), now)
    start = date(today.year, 1, 1)
    base, days = await uow.account_days.daily_totals(master_account_id, access.scope, start, today)
    linked = linked_returns(((d, nav, flow) for d, nav, flow, _ in days), base_nav=base)
    counts = {d: n for d, _, _, n in days if n}
    points = [AumPoint(day=d, assets=nav, ytd_return=round(r, 8)) for d, nav, r in linked]
    last = points[-1].day if points else None
    return AumSeries(year=today.year, points=points, accounts=counts.get(last, 0) if last else 0)


async def master_balance(
    uow: LedgerUnitOfWork, master_account_id: str, access: Access
) -> MasterBalance:
    """The master account's own value (sub-accounts excluded); needs master-account access."""
    if not access.sees_master_balance():
        raise Forbidden("the master account balance needs master-account access")
    latest = await uow.account_days.latest_value(master_account_id)
    return MasterBalance(
        account_number=master_account_id,
        as_of=latest[0] if latest else None,
        net_asset_value=latest[1] if latest else None,
    )


def _open_for_election(row: dict[str, Any], today: date) -> bool:
    if row["kind"] != CorporateActionKind.VOLUNTARY.value:
        return False
    deadline = row["election_deadline"] or row["ex_date"]
    return today <= deadline


async def corporate_actions(
    uow: LedgerUnitOfWork, master_account_id: str, access: Access, *, now: datetime,
    limit: int = 50,
) -> CorporateActionList:  # fmt: skip
    """Upcoming actions (ex-date the master's today or later) touching accounts the caller
    sees."""
    today = today_in(await master_zone(uow, master_account_id), now)
    rows = await uow.corporate_actions.upcoming(master_account_id, today, limit * 4)
    elections = await uow.corporate_actions.elections(
        master_account_id, [r["action_id"] for r in rows]
    )
    items = []
    for row in rows:
        visible = await uow.corporate_actions.visible_accounts(row["accounts"], access.scope)
        accounts = [a for a in row["accounts"] if a in visible]
        if not accounts:
            continue
        chosen = {a: c for a, c in elections.get(row["action_id"], {}).items() if a in visible}
        items.append(
            CorporateActionView(
                action_id=row["action_id"],
                kind=CorporateActionKind(row["kind"]),
                symbol=row["symbol"],
                description=row["description"],
                ex_date=row["ex_date"],
                election_deadline=row["election_deadline"],
                accounts=accounts,
                elections=chosen,
                open_for_election=_open_for_election(row, today),
            )
        )
        if len(items) == limit:
            break
    return CorporateActionList(items=items)


async def elect(
    uow: LedgerUnitOfWork,
    master_account_id: str,
    user_id: str,
    access: Access,
    action_id: str,
    election: ElectionSubmit,
    *,
    now: datetime,
) -> ElectionView:
    """Record an election on a voluntary action for one affected account and publish it."""
    row = await uow.corporate_actions.get(master_account_id, action_id)
    if row is None or election.account_number not in row["accounts"]:
        raise NotFound("no such corporate action for this account")
    if election.account_number not in await uow.corporate_actions.visible_accounts(
        [election.account_number], access.scope
    ):
        raise NotFound("no such corporate action for this account")
    if row["kind"] != CorporateActionKind.VOLUNTARY.value:
        raise Conflict("a mandatory corporate action takes no election")
    if not _open_for_election(row, today_in(await master_zone(uow, master_account_id), now)):
        raise Conflict("the election deadline has passed")
    event = CorporateActionElected(
        election_id=uuid4(),
        action_id=action_id,
        account_number=election.account_number,
        choice=election.choice,
        quantity=election.quantity,
        submitted_by_user_id=user_id,
        submitted_at=now,
    )
    await uow.corporate_actions.elect(
        {
            "master_account_id": master_account_id,
            "action_id": action_id,
            "account_number": election.account_number,
            "election_id": event.election_id,
            "choice": election.choice.value,
            "quantity": election.quantity,
            "submitted_by": user_id,
            "submitted_at": now,
        }
    )
    await uow.publish(
        topics.CORPORATE_ACTION_ELECTIONS.name, event, master_account_id=master_account_id
    )
    return ElectionView(
        election_id=event.election_id,
        action_id=action_id,
        account_number=election.account_number,
        choice=election.choice,
        quantity=election.quantity,
        submitted_at=now,
    )


async def recent_messages(
    uow: LedgerUnitOfWork, master_account_id: str, *, limit: int = 5
) -> MessageList:
    rows = await uow.messages.recent(master_account_id, limit)
    return MessageList(
        items=[
            MessageSummary(
                message_id=r["message_id"],
                subject=r["subject"],
                origin=r["origin"],
                channels=r["channels"],
                recipient_count=r["recipient_count"],
                sent_at=r["sent_at"],
                delivered=r["delivered"],
                failed=r["failed"],
            )
            for r in rows
        ]
    )
