"""Full Service enrolments and requests (C12) over SQL: data access only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.full_service import EnrolmentStatus, RequestStatus
from services.contacts.domain.full_service import INSTRUCTION, ClientRequest, Enrolment
from services.contacts.domain.reach import EVERYTHING, Reach
from services.contacts.store.scope import reached_ids
from services.contacts.store.tables import (
    contacts,
    full_service_enrolments,
    full_service_requests,
)

_E = full_service_enrolments.c
_R = full_service_requests.c


class SqlEnrolments:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(
        self, contact_id: UUID, *, master_account_id: str, for_update: bool = False
    ) -> Enrolment | None:
        statement = select(full_service_enrolments).where(
            _E.contact_id == contact_id, _E.master_account_id == master_account_id
        )
        if for_update:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).mappings().first()
        if row is None:
            return None
        return Enrolment(**{**row, "status": EnrolmentStatus(row["status"])})

    async def save(self, enrolment: Enrolment) -> None:
        values = {
            "contact_id": enrolment.contact_id, "master_account_id": enrolment.master_account_id,
            "account_number": enrolment.account_number, "status": enrolment.status.value,
            "form_document_id": enrolment.form_document_id,
            "form_filename": enrolment.form_filename, "recorded_by": enrolment.recorded_by,
            "recorded_at": enrolment.recorded_at, "decided_by": enrolment.decided_by,
            "decided_at": enrolment.decided_at, "reason": enrolment.reason,
            "version": enrolment.version,
        }  # fmt: skip
        statement = insert(full_service_enrolments).values(values)
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[_E.contact_id],
                set_={k: statement.excluded[k] for k in values if k != "contact_id"},
            )
        )


def _request(row: Any) -> ClientRequest:
    return ClientRequest(
        id=row["id"], master_account_id=row["master_account_id"], contact_id=row["contact_id"],
        account_number=row["account_number"],
        instruction=INSTRUCTION.validate_python(row["instruction"]),
        status=RequestStatus(row["status"]), idempotency_key=row["idempotency_key"],
        requested_by=row["requested_by"], requested_at=row["requested_at"],
        updated_at=row["updated_at"], confirmed_by=row["confirmed_by"],
        confirmed_at=row["confirmed_at"], reason=row["reason"], version=row["version"],
        ended_by=row["ended_by"], ended_at=row["ended_at"],
    )  # fmt: skip


def _values(request: ClientRequest) -> dict[str, Any]:
    return {
        "id": request.id, "master_account_id": request.master_account_id,
        "contact_id": request.contact_id, "account_number": request.account_number,
        "kind": request.kind.value, "instruction": request.instruction_json(),
        "status": request.status.value, "idempotency_key": request.idempotency_key,
        "requested_by": request.requested_by, "requested_at": request.requested_at,
        "updated_at": request.updated_at, "confirmed_by": request.confirmed_by,
        "confirmed_at": request.confirmed_at, "reason": request.reason,
        "version": request.version, "ended_by": request.ended_by, "ended_at": request.ended_at,
    }  # fmt: skip


def _within(statement: Select[Any], reach: Reach, master_account_id: str) -> Select[Any]:
    reached = reached_ids(reach, master_account_id)
    return statement if reached is None else statement.where(_R.contact_id.in_(reached))


class SqlClientRequests:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _one(self, statement: Select[Any]) -> ClientRequest | None:
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else _request(row)

    async def by_idempotency_key(self, key: str, *, master_account_id: str) -> ClientRequest | None:
        return await self._one(
            select(full_service_requests).where(
                _R.master_account_id == master_account_id, _R.idempotency_key == key
            )
        )

    async def add(self, request: ClientRequest) -> bool:
        inserted = await self._session.execute(
            insert(full_service_requests)
            .values(_values(request))
            .on_conflict_do_nothing(constraint="uq_full_service_requests_key")
            .returning(_R.id)
        )
        return inserted.first() is not None

    async def get(
        self,
        request_id: UUID,
        *,
        master_account_id: str,
        for_update: bool = False,
        reach: Reach = EVERYTHING,
    ) -> ClientRequest | None:
        statement = select(full_service_requests).where(
            _R.id == request_id, _R.master_account_id == master_account_id
        )
        statement = _within(statement, reach, master_account_id)
        return await self._one(statement.with_for_update() if for_update else statement)

    async def save(self, request: ClientRequest) -> None:
        values = _values(request)
        await self._session.execute(
            full_service_requests.update().where(_R.id == request.id).values(values)
        )

    async def of_contact(
        self, contact_id: UUID, *, master_account_id: str, limit: int
    ) -> list[ClientRequest]:
        rows = await self._session.execute(
            select(full_service_requests)
            .where(_R.master_account_id == master_account_id, _R.contact_id == contact_id)
            .order_by(_R.requested_at.desc(), _R.id)
            .limit(limit)
        )
        return [_request(row) for row in rows.mappings()]

    async def awaiting_confirmation(
        self, *, master_account_id: str, reach: Reach, limit: int
    ) -> Sequence[tuple[ClientRequest, str]]:
        name = (contacts.c.first_name + " " + contacts.c.last_name).label("client_name")
        statement = (
            select(full_service_requests, name)
            .join(contacts, contacts.c.id == _R.contact_id)
            .where(
                _R.master_account_id == master_account_id,
                _R.status == RequestStatus.AWAITING_CONFIRMATION.value,
            )
            .order_by(_R.requested_at, _R.id)
            .limit(limit)
        )
        rows = await self._session.execute(_within(statement, reach, master_account_id))
        return [(_request(row), row["client_name"]) for row in rows.mappings()]
