"""Link requests (the wizard's state, the batch's work) and the history of every step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.linkage import LinkStatus
from services.linkage.domain.links import LinkRequest
from services.linkage.store.tables import history, link_requests

_FIELDS = ("holder_id", "status", "step", "accounts", "surviving_account", "choices", "profile",
           "banking_instruction_ids", "updated_at", "confirmed_at", "execute_after",
           "executed_at", "failures", "last_error")  # fmt: skip


def _row(request: LinkRequest) -> dict[str, Any]:
    row = request.as_dict()
    row["master_account_id"] = row.pop("master_account_id")
    row["status"] = request.status.value
    return row


def _request(row: Any) -> LinkRequest:
    values = dict(row._mapping)
    values["status"] = LinkStatus(values["status"])
    values["accounts"] = list(values["accounts"])
    values["banking_instruction_ids"] = list(values["banking_instruction_ids"])
    return LinkRequest(**values)


class RequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, request: LinkRequest) -> None:
        row = _row(request)
        statement = insert(link_requests).values(**row)
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=[link_requests.c.id], set_={k: row[k] for k in _FIELDS}))  # fmt: skip

    async def get(self, *, master_account_id: str, request_id: UUID,
                  lock: bool = False) -> LinkRequest | None:  # fmt: skip
        query = select(link_requests).where(link_requests.c.id == request_id,
                                            link_requests.c.master_account_id == master_account_id)  # fmt: skip
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _request(row) if row else None

    async def open_of_holder(self, *, master_account_id: str, holder_id: str) -> LinkRequest | None:
        row = (await self.session.execute(select(link_requests).where(
            link_requests.c.master_account_id == master_account_id,
            link_requests.c.holder_id == holder_id,
            link_requests.c.status.in_([LinkStatus.DRAFT.value, LinkStatus.CONFIRMED.value]),
        ).limit(1))).first()  # fmt: skip
        return _request(row) if row else None

    async def drafts_by(self, *, master_account_id: str, user_id: str) -> list[LinkRequest]:
        rows = (await self.session.execute(select(link_requests).where(
            link_requests.c.master_account_id == master_account_id,
            link_requests.c.created_by == user_id,
            link_requests.c.status == LinkStatus.DRAFT.value,
        ))).all()  # fmt: skip
        return [_request(row) for row in rows]

    async def of_master(self, *, master_account_id: str, limit: int = 200) -> list[LinkRequest]:
        rows = (await self.session.execute(
            select(link_requests).where(link_requests.c.master_account_id == master_account_id)
            .order_by(link_requests.c.updated_at.desc()).limit(limit)
        )).all()  # fmt: skip
        return [_request(row) for row in rows]

    async def claim_due(self, now: datetime) -> LinkRequest | None:
        """One confirmed request whose batch time has come, locked; a request another batch
        holds is skipped (``SKIP LOCKED``), so two runners never apply one link twice."""
        row = (await self.session.execute(
            select(link_requests)
            .where(link_requests.c.status == LinkStatus.CONFIRMED.value,
                   link_requests.c.execute_after <= now)
            .order_by(link_requests.c.execute_after, link_requests.c.id)
            .limit(1).with_for_update(skip_locked=True)
        )).first()  # fmt: skip
        return _request(row) if row else None

    async def record_failure(self, request_id: UUID, error: str, retry_at: datetime) -> None:
        await self.session.execute(update(link_requests).where(link_requests.c.id == request_id)
            .values(failures=link_requests.c.failures + 1, last_error=error[:500],
                    execute_after=retry_at))  # fmt: skip


class HistoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(history).values(list(rows)))

    async def of(self, *, master_account_id: str, holder_id: str | None,
                 account_numbers: Sequence[str], limit: int = 200) -> list[dict[str, Any]]:  # fmt: skip
        reached: list[ColumnElement[bool]] = [history.c.account_number.in_(list(account_numbers))]
        if holder_id:
            reached.append(history.c.holder_id == holder_id)
        rows = (await self.session.execute(
            select(history).where(history.c.master_account_id == master_account_id,
                                  or_(*reached))
            .order_by(history.c.at.desc(), history.c.id.desc()).limit(limit)
        )).all()  # fmt: skip
        return [dict(row._mapping) for row in rows]

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(history)) or 0)
