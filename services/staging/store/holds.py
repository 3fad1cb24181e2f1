"""Elections, Always-Reject message types, holds and their history.

A hold ends once: ``decide`` and ``release_due`` both change only a row still ``held``. The
release claims the due rows with ``FOR UPDATE SKIP LOCKED`` (two replicas never claim the same
one) and a decision racing it waits for the claim's transaction, then finds the row no longer
``held`` and changes nothing: one winner."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    any_,
    bindparam,
    exists,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from contracts.accounts import Channel
from contracts.api.staging import HoldStatus
from contracts.staging import RejectReason, ReleaseReason
from services.staging.domain.holds import Election, HistoryEntry, Hold, Outcome
from services.staging.store.directory import within
from services.staging.store.tables import (
    always_rejects,
    clients,
    elections,
    hold_history,
    holds,
)

_TEXTS = ARRAY(String())


def _election(row: Any) -> Election:
    return Election(master_account_id=row.master_account_id, enabled=row.enabled,
                    effective_at=row.effective_at, changed_by_user_id=row.changed_by_user_id,
                    changed_at=row.changed_at)  # fmt: skip


def _hold(row: Any) -> Hold:
    return Hold(
        master_account_id=row.master_account_id, message_id=row.message_id,
        message_type=row.message_type, subject=row.subject,
        channels=tuple(Channel(c) for c in row.channels), accounts=tuple(row.accounts),
        received_at=row.received_at, deadline=row.deadline, status=HoldStatus(row.status),
        release_reason=ReleaseReason(row.release_reason) if row.release_reason else None,
        reject_reason=RejectReason(row.reject_reason) if row.reject_reason else None,
        decided_by_user_id=row.decided_by_user_id, decided_at=row.decided_at,
    )  # fmt: skip


class ElectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, election: Election) -> None:
        await self._session.execute(insert(elections).values(
            master_account_id=election.master_account_id, enabled=election.enabled,
            effective_at=election.effective_at, changed_by_user_id=election.changed_by_user_id,
            changed_at=election.changed_at,
        ))  # fmt: skip

    async def of_masters(self, masters: Collection[str]) -> dict[str, list[Election]]:
        if not masters:
            return {}
        ids = bindparam("masters", sorted(set(masters)), type_=_TEXTS)
        rows = await self._session.execute(
            select(elections).where(elections.c.master_account_id == any_(ids))
            .order_by(elections.c.id)  # in the order they were made
        )  # fmt: skip
        found: dict[str, list[Election]] = {}
        for row in rows:
            found.setdefault(row.master_account_id, []).append(_election(row))
        return found

    async def lock(self, master_account_id: str) -> None:
        """Serialise one master's election changes (two clicks at once: one after the other)."""
        await self._session.execute(
            select(func.pg_advisory_xact_lock(func.hashtext("staging-election:" + master_account_id)))
        )  # fmt: skip


class AlwaysRejectRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(
        self, *, master_account_id: str, message_type: str, active: bool, by: str, at: datetime
    ) -> bool:
        """Save the choice; whether it changed anything."""
        statement = insert(always_rejects).values(
            master_account_id=master_account_id, message_type=message_type, active=active,
            changed_by_user_id=by, changed_at=at,
        )  # fmt: skip
        changed = await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[always_rejects.c.master_account_id, always_rejects.c.message_type],
                set_={"active": statement.excluded.active,
                      "changed_by_user_id": statement.excluded.changed_by_user_id,
                      "changed_at": statement.excluded.changed_at},
                where=always_rejects.c.active != statement.excluded.active,
            ).returning(always_rejects.c.message_type)
        )  # fmt: skip
        return changed.first() is not None

    async def of_master(self, master_account_id: str) -> list[tuple[str, bool, str, datetime]]:
        """(message type, active, changed by, changed at), by message type."""
        rows = await self._session.execute(
            select(always_rejects.c.message_type, always_rejects.c.active,
                   always_rejects.c.changed_by_user_id, always_rejects.c.changed_at)
            .where(always_rejects.c.master_account_id == master_account_id)
            .order_by(always_rejects.c.message_type)
        )  # fmt: skip
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def active(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        """Those of the (master, message type) pairs always rejected."""
        if not pairs:
            return set()
        rows = await self._session.execute(
            select(always_rejects.c.master_account_id, always_rejects.c.message_type).where(
                tuple_(always_rejects.c.master_account_id, always_rejects.c.message_type).in_(
                    sorted(set(pairs))
                ),
                always_rejects.c.active,
            )
        )
        return {(r[0], r[1]) for r in rows}


def _reached(master_account_id: str, scope: ClientScope) -> ColumnElement[bool]:
    """A hold one of whose recipients the scope reaches."""
    return exists().where(
        clients.c.master_account_id == master_account_id,
        clients.c.account_number == any_(holds.c.accounts),
        clients.c.removed.is_(False),
        within(scope),
    )


def _staged() -> ColumnElement[bool]:
    """Holds that were staged (released at once because staging was off are not)."""
    return holds.c.release_reason.is_distinct_from(ReleaseReason.NOT_STAGED.value)


class HoldRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, rows: Sequence[Hold]) -> list[Hold]:
        """Insert the holds not kept yet (a broker message replayed changes nothing); those new."""
        if not rows:
            return []
        values = [
            {"master_account_id": h.master_account_id, "message_id": h.message_id,
             "message_type": h.message_type, "subject": h.subject,
             "channels": [c.value for c in h.channels], "accounts": list(h.accounts),
             "received_at": h.received_at, "deadline": h.deadline, "status": h.status.value,
             "release_reason": h.release_reason.value if h.release_reason else None,
             "reject_reason": h.reject_reason.value if h.reject_reason else None,
             "decided_by_user_id": h.decided_by_user_id, "decided_at": h.decided_at}
            for h in rows
        ]  # fmt: skip
        inserted = await self._session.execute(
            insert(holds).values(values).on_conflict_do_nothing()
            .returning(holds.c.master_account_id, holds.c.message_id)
        )  # fmt: skip
        new = {(r[0], r[1]) for r in inserted}
        return [h for h in rows if (h.master_account_id, h.message_id) in new]

    async def get(
        self, *, master_account_id: str, message_id: str, scope: ClientScope
    ) -> Hold | None:
        query = select(holds).where(holds.c.master_account_id == master_account_id,
                                    holds.c.message_id == message_id, _staged())  # fmt: skip
        if not scope.all_clients:
            query = query.where(_reached(master_account_id, scope))
        row = (await self._session.execute(query)).first()
        return _hold(row) if row else None

    async def page(
        self, *, master_account_id: str, scope: ClientScope, status: HoldStatus | None,
        offset: int, limit: int,
    ) -> tuple[list[Hold], int]:  # fmt: skip
        """The master's staged messages within the scope, newest first."""
        query = select(holds).where(holds.c.master_account_id == master_account_id, _staged())
        if status is not None:
            query = query.where(holds.c.status == status.value)
        if not scope.all_clients:
            query = query.where(_reached(master_account_id, scope))
        total = await self._session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self._session.execute(
            query.order_by(holds.c.received_at.desc(), holds.c.message_id)
            .offset(offset).limit(limit)
        )  # fmt: skip
        return [_hold(row) for row in rows], int(total or 0)

    async def decide(
        self, *, master_account_id: str, message_id: str, outcome: Outcome, by: str | None,
        at: datetime,
    ) -> Hold | None:  # fmt: skip
        """End the hold with ``outcome`` if it is still held; the hold as ended, or None."""
        row = (
            await self._session.execute(
                update(holds)
                .where(holds.c.master_account_id == master_account_id,
                       holds.c.message_id == message_id,
                       holds.c.status == HoldStatus.HELD.value)
                .values(status=outcome.status.value,
                        release_reason=outcome.release_reason.value if outcome.release_reason
                        else None,
                        reject_reason=outcome.reject_reason.value if outcome.reject_reason
                        else None,
                        decided_by_user_id=by, decided_at=at)
                .returning(holds)
            )
        ).first()  # fmt: skip
        return _hold(row) if row else None

    async def release_due(self, *, now: datetime, limit: int) -> list[Hold]:
        """Claim up to ``limit`` held messages whose deadline has come (skipping those another
        transaction holds) and mark them released at the deadline; those released."""
        due = (
            select(holds.c.master_account_id, holds.c.message_id)
            .where(holds.c.status == HoldStatus.HELD.value, holds.c.deadline <= now)
            .order_by(holds.c.deadline)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = await self._session.execute(
            update(holds)
            .where(tuple_(holds.c.master_account_id, holds.c.message_id).in_(due))
            .values(status=HoldStatus.RELEASED.value,
                    release_reason=ReleaseReason.DEADLINE.value, decided_by_user_id=None,
                    decided_at=now)
            .returning(holds)
        )  # fmt: skip
        return [_hold(row) for row in rows]

    async def reached_counts(
        self, *, master_account_id: str, scope: ClientScope, message_ids: Sequence[str]
    ) -> dict[str, int]:
        """How many of each hold's recipients the scope reaches."""
        if not message_ids:
            return {}
        ids = bindparam("ids", sorted(set(message_ids)), type_=_TEXTS)
        counted = (
            select(func.count())
            .where(clients.c.master_account_id == master_account_id,
                   clients.c.account_number == any_(holds.c.accounts),
                   clients.c.removed.is_(False), within(scope))
            .correlate(holds).scalar_subquery()
        )  # fmt: skip
        rows = await self._session.execute(
            select(holds.c.message_id, counted).where(
                and_(holds.c.master_account_id == master_account_id,
                     holds.c.message_id == any_(ids))
            )
        )  # fmt: skip
        return {row[0]: int(row[1]) for row in rows}

    async def add_history(self, entries: Sequence[HistoryEntry]) -> None:
        if entries:  # executemany: one cached statement, not a 5-parameters-per-row VALUES
            await self._session.execute(insert(hold_history), [
                {"master_account_id": e.master_account_id, "message_id": e.message_id,
                 "action": e.action, "user_id": e.user_id, "at": e.at} for e in entries
            ])  # fmt: skip

    async def history(self, *, master_account_id: str, message_id: str) -> list[HistoryEntry]:
        rows = await self._session.execute(
            select(hold_history)
            .where(hold_history.c.master_account_id == master_account_id,
                   hold_history.c.message_id == message_id)
            .order_by(hold_history.c.at, hold_history.c.id)
        )  # fmt: skip
        return [HistoryEntry(r.master_account_id, r.message_id, r.action, r.user_id, r.at)
                for r in rows]  # fmt: skip
