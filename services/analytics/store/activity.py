"""The timeline rows (X6) and the dashboard panels over them (pending items, recent activity),
the messages panel, broker messages' recipients, corporate actions and elections."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, func, or_, select, text, union_all, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from services.analytics.domain.timeline import RequestState, TimelineRow
from services.analytics.store.repository import within
from services.analytics.store.scope import accounts_within, visible_accounts
from services.analytics.store.tables import (
    account_facts,
    broker_messages,
    contact_states,
    corporate_action_elections,
    corporate_actions,
    full_service_requests,
    messages_sent,
    timeline_entries,
)

_CHUNK = 1000
_ADD_ENTRIES = text(
    """
    INSERT INTO timeline_entries (entry_id, master_account_id, occurred_at, category, kind,
                                  summary, contact_id, account_number, item_type, status)
    SELECT * FROM unnest(
      CAST(:ids AS uuid[]), CAST(:masters AS varchar[]), CAST(:at AS timestamptz[]),
      CAST(:categories AS varchar[]), CAST(:kinds AS varchar[]), CAST(:summaries AS text[]),
      CAST(:contacts AS uuid[]), CAST(:accounts AS varchar[]), CAST(:item_types AS varchar[]),
      CAST(:statuses AS text[]))
    ON CONFLICT DO NOTHING
    """
)
"""A batch's rows as arrays: one statement to plan, whatever the batch's size."""
_ENTRY_ARRAYS = {
    "ids": "entry_id", "masters": "master_account_id", "at": "occurred_at",
    "categories": "category", "kinds": "kind", "summaries": "summary", "contacts": "contact_id",
    "accounts": "account_number", "item_types": "item_type", "statuses": "status",
}  # fmt: skip


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class TimelineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, rows: Sequence[TimelineRow]) -> None:
        """The rows, in one statement; one already kept (the same entry id) adds nothing."""
        if rows:
            await self._session.execute(
                _ADD_ENTRIES,
                {name: [getattr(r, field) for r in rows] for name, field in _ENTRY_ARRAYS.items()},
            )

    async def contact_account(
        self, master_account_id: str, contact_id: UUID, scope: ClientScope
    ) -> tuple[bool, str | None]:
        """Whether the caller sees the contact, and its account number."""
        row = (
            await self._session.execute(
                select(contact_states.c.account_number).where(
                    contact_states.c.contact_id == contact_id,
                    contact_states.c.master_account_id == master_account_id,
                    within(scope),
                )
            )
        ).first()
        return (row is not None, row[0] if row else None)

    async def of_contact(
        self,
        master_account_id: str,
        contact_id: UUID,
        account_number: str | None,
        *,
        categories: Sequence[str],
        text: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        offset: int,
    ) -> tuple[list[dict[str, Any]], int]:
        mine = timeline_entries.c.contact_id == contact_id
        if account_number:
            mine = or_(mine, timeline_entries.c.account_number == account_number)
        conditions: list[Any] = [timeline_entries.c.master_account_id == master_account_id, mine]
        if categories:
            conditions.append(timeline_entries.c.category.in_(list(categories)))
        if text and text.strip():
            conditions.append(timeline_entries.c.summary.ilike(_like(text.strip())))
        if since:
            conditions.append(timeline_entries.c.occurred_at >= since)
        if until:
            conditions.append(timeline_entries.c.occurred_at < until)
        total = await self._session.scalar(
            select(func.count()).select_from(timeline_entries).where(*conditions)
        )
        rows = await self._session.execute(
            select(timeline_entries)
            .where(*conditions)
            .order_by(timeline_entries.c.occurred_at.desc(), timeline_entries.c.entry_id)
            .limit(limit)
            .offset(offset)
        )
        return [dict(row._mapping) for row in rows], int(total or 0)

    async def activity(
        self,
        master_account_id: str,
        scope: ClientScope,
        *,
        item_types: Sequence[str],
        since: datetime,
        account: str | None,
        sort: str,
        descending: bool,
        limit: int,
        offset: int,
        pending_requests: bool = False,
    ) -> tuple[list[dict[str, Any]], int]:
        """Account activity of the given item types since ``since``, with account titles: the
        timeline's activity rows and each Full Service request once, as it is now (with
        ``pending_requests``, also those still pending that changed before ``since``)."""

        def mine(table: Any, at: Any) -> list[Any]:
            conditions: list[Any] = [
                table.c.master_account_id == master_account_id,
                table.c.item_type.in_(list(item_types)),
                accounts_within(table.c.account_number, scope),
            ]
            if pending_requests and table is full_service_requests:
                conditions.append(or_(at >= since, table.c.pending))
            else:
                conditions.append(at >= since)
            if account and account.strip():
                conditions.append(table.c.account_number.ilike(_like(account.strip())))
            return conditions

        entries = select(
            timeline_entries.c.occurred_at, timeline_entries.c.account_number,
            timeline_entries.c.item_type, timeline_entries.c.summary, timeline_entries.c.status,
            timeline_entries.c.entry_id.label("key"),
        ).where(*mine(timeline_entries, timeline_entries.c.occurred_at))  # fmt: skip
        requests = select(
            full_service_requests.c.changed_at.label("occurred_at"),
            full_service_requests.c.account_number, full_service_requests.c.item_type,
            full_service_requests.c.summary, full_service_requests.c.status,
            full_service_requests.c.request_id.label("key"),
        ).where(*mine(full_service_requests, full_service_requests.c.changed_at))  # fmt: skip
        found = union_all(entries, requests).subquery("activity")
        total = await self._session.scalar(select(func.count()).select_from(found))
        joined = found.outerjoin(
            account_facts,
            and_(
                account_facts.c.master_account_id == master_account_id,
                account_facts.c.account_number == found.c.account_number,
            ),
        )
        column = {
            "occurred_at": found.c.occurred_at,
            "account_number": found.c.account_number,
            "account_title": account_facts.c.title,
            "item_type": found.c.item_type,
            "status": found.c.status,
        }[sort]
        rows = await self._session.execute(
            select(found, account_facts.c.title.label("account_title"))
            .select_from(joined)
            .order_by(
                column.desc().nulls_last() if descending else column.asc().nulls_last(),
                found.c.occurred_at.desc(),
                found.c.key,
            )
            .limit(limit)
            .offset(offset)
        )
        return [dict(row._mapping) for row in rows], int(total or 0)


class FullServiceRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, states: Sequence[RequestState]) -> None:
        """Each request's state, unless the one kept has a higher version (one per request)."""
        for start in range(0, len(states), _CHUNK):
            statement = insert(full_service_requests).values(
                [asdict(state) for state in states[start : start + _CHUNK]]
            )
            await self._session.execute(
                statement.on_conflict_do_update(
                    index_elements=[full_service_requests.c.request_id],
                    set_={
                        name: statement.excluded[name]
                        for name in (
                            "account_number",
                            "item_type",
                            "summary",
                            "status",
                            "pending",
                            "version",
                            "changed_at",
                        )
                    },
                    where=full_service_requests.c.version < statement.excluded.version,
                )
            )


class MessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_sent(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            await self._session.execute(
                insert(messages_sent).values(list(rows)).on_conflict_do_nothing()
            )

    async def count_deliveries(self, counts: Mapping[UUID, tuple[int, int]]) -> None:
        """message id -> (delivered or sent, failed or bounced) to add."""
        for message_id, (done, failed) in counts.items():
            await self._session.execute(
                update(messages_sent)
                .where(messages_sent.c.message_id == message_id)
                .values(
                    delivered=messages_sent.c.delivered + done,
                    failed=messages_sent.c.failed + failed,
                )
            )

    async def subjects(self, message_ids: Sequence[UUID]) -> dict[UUID, str]:
        rows = await self._session.execute(
            select(messages_sent.c.message_id, messages_sent.c.subject).where(
                messages_sent.c.message_id.in_(list(message_ids))
            )
        )
        return {row[0]: row[1] for row in rows}

    async def recent(self, master_account_id: str, limit: int) -> list[dict[str, Any]]:
        rows = await self._session.execute(
            select(messages_sent)
            .where(messages_sent.c.master_account_id == master_account_id)
            .order_by(messages_sent.c.sent_at.desc())
            .limit(limit)
        )
        return [dict(row._mapping) for row in rows]

    async def add_broker(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            statement = insert(broker_messages).values(list(rows))
            await self._session.execute(statement.on_conflict_do_nothing())

    async def broker_recipients(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, list[str]]]:
        """(master, broker message id) -> (subject, recipient accounts)."""
        if not keys:
            return {}
        rows = await self._session.execute(
            select(broker_messages).where(
                or_(
                    *(
                        and_(
                            broker_messages.c.master_account_id == m,
                            broker_messages.c.message_id == i,
                        )
                        for m, i in keys
                    )
                )
            )
        )
        return {(r.master_account_id, r.message_id): (r.subject, list(r.accounts)) for r in rows}


class CorporateActionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            statement = insert(corporate_actions).values(list(rows))
            await self._session.execute(
                statement.on_conflict_do_update(
                    index_elements=[
                        corporate_actions.c.master_account_id,
                        corporate_actions.c.action_id,
                    ],
                    set_={
                        name: statement.excluded[name]
                        for name in (
                            "kind",
                            "symbol",
                            "description",
                            "ex_date",
                            "election_deadline",
                            "accounts",
                        )
                    },
                )
            )

    async def upcoming(
        self, master_account_id: str, today: date, limit: int
    ) -> list[dict[str, Any]]:
        rows = await self._session.execute(
            select(corporate_actions)
            .where(
                corporate_actions.c.master_account_id == master_account_id,
                corporate_actions.c.ex_date >= today,
            )
            .order_by(corporate_actions.c.ex_date, corporate_actions.c.action_id)
            .limit(limit)
        )
        return [dict(row._mapping) for row in rows]

    async def get(self, master_account_id: str, action_id: str) -> dict[str, Any] | None:
        row = (
            await self._session.execute(
                select(corporate_actions).where(
                    corporate_actions.c.master_account_id == master_account_id,
                    corporate_actions.c.action_id == action_id,
                )
            )
        ).first()
        return dict(row._mapping) if row else None

    async def elections(
        self, master_account_id: str, action_ids: Sequence[str]
    ) -> dict[str, dict[str, str]]:
        rows = await self._session.execute(
            select(
                corporate_action_elections.c.action_id,
                corporate_action_elections.c.account_number,
                corporate_action_elections.c.choice,
            ).where(
                corporate_action_elections.c.master_account_id == master_account_id,
                corporate_action_elections.c.action_id.in_(list(action_ids)),
            )
        )
        found: dict[str, dict[str, str]] = {}
        for action_id, account, choice in rows:
            found.setdefault(action_id, {})[account] = choice
        return found

    async def elect(self, row: Mapping[str, Any]) -> None:
        statement = insert(corporate_action_elections).values(dict(row))
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[
                    corporate_action_elections.c.master_account_id,
                    corporate_action_elections.c.action_id,
                    corporate_action_elections.c.account_number,
                ],
                set_={
                    name: statement.excluded[name]
                    for name in (
                        "election_id",
                        "choice",
                        "quantity",
                        "submitted_by",
                        "submitted_at",
                    )
                },
            )
        )

    async def visible_accounts(self, accounts: Sequence[str], scope: ClientScope) -> set[str]:
        return await visible_accounts(self._session, accounts, scope)
